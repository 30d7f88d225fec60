/**
 * What the report-producing commands (evaluate, demo, scan, iac) share: the common options, the
 * config and clock, rendering to stdout or --output, and the exit code.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import picomatch from 'picomatch';
import { DEFAULT_CONFIG_FILE, parseConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/schema.js';
import { resolveConfig } from '../config/schema.js';
import {
  type EvaluateOptions,
  type Evaluation,
  exitCodeFor,
  type RuleSelection,
  UNKNOWN_MODES,
  type UnknownMode,
} from '../engine/evaluate.js';
import { createBaseline, parseBaseline, serializeBaseline } from '../model/baseline.js';
import { parseIsoTime } from '../model/dates.js';
import { SEVERITIES, type Severity, type SourceIssue } from '../model/finding.js';
import type { Gap } from '../model/inventory.js';
import { mapEach } from '../model/many.js';
import type { Report } from '../model/report.js';
import { escapeTerminalOutput } from '../reporters/escape.js';
import {
  FORMATS,
  formatExtensions,
  formatForPath,
  JSON_FORMATS,
  REPORTERS,
  ReportUnavailable,
  STREAMING_REPORTERS,
} from '../reporters/index.js';
import { GITHUB_MAX_RESULTS } from '../reporters/sarif.js';
import { RULES } from '../rules/registry.js';
import { inputError } from './errors.js';
import { type Io, inCi, useColor } from './io.js';
import { collectGarbage, LARGE_REPORT_FINDINGS } from './memory.js';
import { gzipMeter, parseSarifMaxResults, sarifResultNotices } from './sarif-upload.js';
import { defineOptions, type OptionsOf } from './spec.js';

export interface ReportOptions {
  /** The format of stdout (and of a lone `-o PATH` given with `--format`); default table. */
  format: string;
  /** Whether --format (or $HYPERPOD_CMK_FORMAT) was given, rather than defaulted. */
  formatGiven: boolean;
  /** The -o/--output values, `FORMAT=PATH` or `PATH`. */
  outputs: string[];
  /** The single output file of commands with one output (kpi, report, demo --format html). */
  output?: string;
  failOn: Severity | 'none';
  unknown: UnknownMode;
  config?: string;
  /** --no-config: ignore a config file in the working directory. */
  noConfig?: boolean;
  now?: Date;
  limit: number;
  /** --base-dir: the repository root that CI formats (SARIF, GitHub, GitLab, JUnit) and IaC fingerprints make paths relative to. */
  baseDir?: string;
  /** --sarif-max-results: the most results a SARIF log holds (Infinity: every one). */
  sarifMaxResults: number;
  quiet: boolean;
  compact: boolean;
  rules: string[];
  skipRules: string[];
  severity?: Severity;
  baseline?: string;
  createBaseline?: string;
}

export function parseNow(value: string): Date {
  const ms = parseIsoTime(value);
  if (ms === undefined) {
    throw inputError({
      code: 'usage.now',
      input: '--now',
      message: `"${value}" is not an ISO-8601 time on a real calendar date`,
      hint: 'e.g. --now 2026-11-27T12:00:00Z',
    });
  }
  return new Date(ms);
}

export function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw inputError({
      code: 'usage.limit',
      input: '--limit',
      message: `"${value}" is not a whole number`,
      hint: '--limit 0 lists everything',
    });
  }
  return n;
}

export interface ReportOptionDefaults {
  /** How UNKNOWN counts by default: `fail` for audits (scan, evaluate), `warn` for iac. */
  unknown?: UnknownMode;
  failOn?: Severity | 'none';
}

export const reportOptions = (formats: readonly string[] = FORMATS, defaults: ReportOptionDefaults = {}) =>
  defineOptions([
    {
      flags: '--format <format>',
      description: 'format of the report on stdout (default: table)',
      choices: formats,
      env: 'HYPERPOD_CMK_FORMAT',
    },
    {
      flags: '-o, --output <[format=]file>',
      description:
        'also write the report to a file, in the format its name ends with (.json .sarif .csv .md .html ...) or ' +
        'as FORMAT=FILE; repeatable; the table stays on stdout (a lone -o FILE with --format takes that format, unless its name says another; .json suits every JSON format)',
      repeatable: true,
      env: 'HYPERPOD_CMK_OUTPUT',
    },
    {
      flags: '--fail-on <severity>',
      description: 'exit 1 when a finding at or above this severity fails; none: report only, exit 0',
      choices: [...SEVERITIES, 'none'],
      default: defaults.failOn ?? 'low',
      env: 'HYPERPOD_CMK_FAIL_ON',
    },
    {
      flags: '--unknown <mode>',
      description:
        'how UNKNOWN results count: fail (exit 3 when nothing failed but something is unknown) or warn (reported, exit unaffected)',
      choices: UNKNOWN_MODES,
      default: defaults.unknown ?? 'fail',
      env: 'HYPERPOD_CMK_UNKNOWN',
    },
    {
      flags: '--rule <id>',
      description:
        'run only these rules: ids or globs such as "kms-*" (repeatable); a rule the config turns off runs when named by its exact id',
      repeatable: true,
      env: 'HYPERPOD_CMK_RULE',
    },
    {
      flags: '--skip-rule <id>',
      description: 'do not run these rules: ids or globs (repeatable); wins over --rule',
      repeatable: true,
      env: 'HYPERPOD_CMK_SKIP_RULE',
    },
    {
      flags: '--severity <severity>',
      description:
        'report only findings at or above this severity (after config severity overrides); compliance is still judged on every rule; not saved to history',
      choices: SEVERITIES,
      env: 'HYPERPOD_CMK_SEVERITY',
    },
    {
      flags: '--baseline <file>',
      description: 'findings recorded in this baseline file are reported as baseline and do not fail the run',
      env: 'HYPERPOD_CMK_BASELINE',
    },
    {
      flags: '--create-baseline <file>',
      description: "record this run's FAIL and UNKNOWN findings (not suppressed) in a baseline file",
    },
    {
      flags: '--config <file>',
      description: `config file (default: ${DEFAULT_CONFIG_FILE} if present)`,
      env: 'HYPERPOD_CMK_CONFIG',
    },
    {
      flags: '--no-config',
      description: `ignore ${DEFAULT_CONFIG_FILE} in the working directory and use the defaults (CI on untrusted changes)`,
    },
    {
      flags: '--now <time>',
      description: 'the clock, ISO-8601: audit the past, or make a run reproducible',
      parse: parseNow,
    },
    {
      flags: '--limit <n>',
      description: 'resources listed per rule in the table format (0: all)',
      default: 10,
      parse: parseLimit,
      env: 'HYPERPOD_CMK_LIMIT',
    },
    {
      flags: '--quiet',
      description: 'table: the summary and the failures only',
      env: 'HYPERPOD_CMK_QUIET',
    },
    {
      flags: '--compact',
      description: 'table: no remediation text',
      env: 'HYPERPOD_CMK_COMPACT',
    },
    {
      flags: '--base-dir <dir>',
      description:
        'repository root for the paths in sarif, github, gitlab and junit reports (default: the git work tree of the first path scanned, else the working directory), and for iac fingerprints (baselines)',
      env: 'HYPERPOD_CMK_BASE_DIR',
    },
    {
      flags: '--sarif-max-results <n>',
      description:
        'sarif: the most results the log holds, the most urgent (failures by severity, then unknown, then those in the baseline, then suppressed); ' +
        `the default is GitHub code scanning's limit per run; none (or 0): every result`,
      default: GITHUB_MAX_RESULTS,
      parse: parseSarifMaxResults,
      env: 'HYPERPOD_CMK_SARIF_MAX_RESULTS',
    },
  ]);

/**
 * --format and -o of a command with one output (kpi, history, register, policy diff, drift): -o
 * writes it to a file instead of stdout, in the format its name says (planOutput). `jsonSchema`
 * names the published schema of its json format (`schemas/<name>.schema.json`).
 */
export const outputOptions = <const F extends readonly string[]>(
  formats: F,
  defaultFormat: F[number],
  jsonSchema?: string,
) =>
  defineOptions([
    {
      flags: '--format <format>',
      description:
        `output format (default: ${defaultFormat})` +
        (jsonSchema ? `; json is versioned (schemaVersion 1, schemas/${jsonSchema}.schema.json)` : ''),
      choices: formats,
    },
    {
      flags: '-o, --output <[format=]file>',
      description:
        `write to this file instead of stdout, in the format its name ends with (${formats.map((format) => formatExtensions(format)[0]).join(' ')}) ` +
        'or as FORMAT=FILE; a name that says another format than --format is a usage error',
    },
  ]);

/** The report options as commander parsed them (a command may declare only some: `collect` has --config). */
export type ReportFlags = Partial<OptionsOf<ReturnType<typeof reportOptions>>>;

export function reportOptionsFrom(options: ReportFlags): ReportOptions {
  const outputs = options.output ?? [];
  return {
    format: options.format ?? 'table',
    formatGiven: typeof options.format === 'string',
    outputs,
    ...(outputs.length === 1 ? { output: outputs[0]! } : {}),
    failOn: options.failOn ?? 'low',
    unknown: options.unknown ?? 'fail',
    ...(typeof options.config === 'string' ? { config: options.config } : {}),
    ...(options.config === false ? { noConfig: true } : {}),
    ...(options.now instanceof Date ? { now: options.now } : {}),
    limit: typeof options.limit === 'number' ? options.limit : 10,
    ...(typeof options.baseDir === 'string' ? { baseDir: options.baseDir } : {}),
    sarifMaxResults:
      typeof options.sarifMaxResults === 'number' ? options.sarifMaxResults : GITHUB_MAX_RESULTS,
    quiet: options.quiet === true,
    compact: options.compact === true,
    rules: options.rule ?? [],
    skipRules: options.skipRule ?? [],
    ...(typeof options.severity === 'string' ? { severity: options.severity } : {}),
    ...(typeof options.baseline === 'string' ? { baseline: options.baseline } : {}),
    ...(typeof options.createBaseline === 'string' ? { createBaseline: options.createBaseline } : {}),
  };
}

/**
 * The repository root for CI formats: --base-dir, else the nearest directory at or above the first
 * input (or the working directory) that holds `.git` (a directory, or a file in a worktree or
 * submodule), else the working directory.
 */
export function repositoryRoot(
  io: Io,
  options: Pick<ReportOptions, 'baseDir'>,
  inputs: readonly string[] = [],
): string {
  if (options.baseDir !== undefined) {
    const dir = absolute(io, options.baseDir);
    if (!io.exists(dir))
      throw inputError({
        code: 'usage.base_dir',
        input: '--base-dir',
        message: `no such directory: ${options.baseDir}`,
        hint: 'pass the root of the repository the scanned files belong to',
      });
    return dir;
  }
  return gitWorkTree(io, inputs[0] !== undefined ? absolute(io, inputs[0]) : io.cwd) ?? io.cwd;
}

/**
 * The nearest directory at or above `start` that holds `.git` (a directory, or the file of a
 * worktree or submodule): the repository root that CI paths and IaC fingerprints are relative to.
 */
export function gitWorkTree(io: Io, start: string): string | undefined {
  let dir = start;
  for (let depth = 0; depth < 256; depth++) {
    if (io.exists(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}

export const absolute = (io: Io, path: string): string => (isAbsolute(path) ? path : resolve(io.cwd, path));

export function readInput(io: Io, path: string, what: string): string {
  const file = absolute(io, path);
  if (!io.exists(file)) {
    throw inputError({
      code: 'input.missing',
      input: path,
      message: `no such file`,
      hint: `check the path of the ${what}`,
    });
  }
  try {
    return io.readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw inputError({
      code: 'input.unreadable',
      input: path,
      message:
        code === 'EISDIR'
          ? 'is a directory, not a file'
          : `cannot be read (${code ?? (error as Error).message})`,
      hint: `pass the ${what} file`,
    });
  }
}

/** The config: --config FILE, else hyperpod-cmk.yaml in the working directory, else `fallback`, else defaults. */
export function loadConfig(
  io: Io,
  options: Pick<ReportOptions, 'config' | 'noConfig'>,
  fallback?: { path: string; text: string },
): ResolvedConfig {
  const ruleIds = RULES.map((rule) => rule.meta.id);
  const load = (text: string, path: string) => {
    const parsed = parseConfig(text, path, ruleIds);
    if (!parsed.ok) throw inputError(parsed.error);
    return parsed.value;
  };
  if (options.config) return load(readInput(io, options.config, 'config'), options.config);
  if (options.noConfig) return resolveConfig();
  const local = absolute(io, DEFAULT_CONFIG_FILE);
  if (io.exists(local)) {
    const config = load(io.readFile(local), DEFAULT_CONFIG_FILE);
    const notice = weakeningNotice(config);
    if (notice) CONFIG_NOTICES.set(config, notice);
    return config;
  }
  if (fallback) return load(fallback.text, fallback.path);
  return resolveConfig();
}

/**
 * The config a problem with it is named by: the --config file, else hyperpod-cmk.yaml when the
 * working directory has one, else that there is none (the fix is to write one, or to name it).
 */
export function configInputLabel(io: Io, configPath: string | undefined): string {
  if (configPath) return configPath;
  return io.exists(absolute(io, DEFAULT_CONFIG_FILE))
    ? DEFAULT_CONFIG_FILE
    : `the config (no --config given, and no ${DEFAULT_CONFIG_FILE} in ${io.cwd})`;
}

const CONFIG_NOTICES = new WeakMap<ResolvedConfig, SourceIssue>();

/**
 * What a config file picked up from the working directory (not named with --config) does to the
 * verdicts: rules turned off or given another severity, suppressions. In a scanned repository that
 * file comes with the change under review, so the report names it.
 */
function weakeningNotice(config: ResolvedConfig): SourceIssue | undefined {
  const off = Object.entries(config.rules)
    .filter(([, setting]) => setting === 'off' || (typeof setting === 'object' && setting.enabled === false))
    .map(([id]) => id);
  const severity = Object.entries(config.rules)
    .filter(([, setting]) =>
      typeof setting === 'string' ? setting !== 'off' : setting.severity !== undefined,
    )
    .map(([id]) => id);
  const parts = [
    ...(off.length ? [`turns off ${off.join(', ')}`] : []),
    ...(severity.length ? [`changes the severity of ${severity.join(', ')}`] : []),
    ...(config.suppressions.length ? [`suppresses findings (${config.suppressions.length} rules)`] : []),
  ];
  if (parts.length === 0) return undefined;
  return {
    code: 'config.local',
    severity: 'warning',
    message: `${DEFAULT_CONFIG_FILE}, found in the working directory, ${parts.join('; ')}`,
    hint: `in CI on changes you do not trust, pass --no-config, or --config FILE from a trusted place`,
    location: { file: DEFAULT_CONFIG_FILE },
  };
}

/** The notice for a config that loadConfig found in the working directory and that weakens the verdicts. */
export const configNotices = (config: ResolvedConfig): SourceIssue[] => {
  const notice = CONFIG_NOTICES.get(config);
  return notice ? [notice] : [];
};

/**
 * --rule/--skip-rule as a selection for the engine. Ids and globs (picomatch) are matched against
 * every rule id; one that matches none is a usage error naming it (a typo must not silently run
 * nothing, or everything).
 */
export function ruleSelection(options: Pick<ReportOptions, 'rules' | 'skipRules'>): RuleSelection {
  const ids = RULES.map((rule) => rule.meta.id);
  const matcherOf = (patterns: readonly string[], flag: string) => {
    if (patterns.length === 0) return undefined;
    for (const pattern of patterns) {
      const matches = picomatch(pattern);
      if (!ids.some((id) => matches(id)))
        throw inputError({
          code: 'usage.rule',
          input: `${flag} ${pattern}`,
          message: picomatch.scan(pattern).isGlob ? 'matches no rule' : 'is not a rule id',
          hint: '`hyperpod-cmk rules` lists the rule ids; globs such as "kms-key-*" match several',
        });
    }
    return picomatch([...patterns]);
  };
  const include = matcherOf(options.rules, '--rule');
  const exclude = matcherOf(options.skipRules, '--skip-rule');
  // A selection that leaves no rule would judge nothing, and every cluster would read compliant.
  if (!ids.some((id) => (include?.(id) ?? true) && !(exclude?.(id) ?? false)))
    throw inputError({
      code: 'usage.rule',
      input: narrowingFlags(options).join(' '),
      message: 'selects no rule: nothing would be judged',
      hint: '`hyperpod-cmk rules` lists the rule ids; --skip-rule removes rules from those --rule selects',
    });
  const named = new Set(options.rules.filter((pattern) => ids.includes(pattern)));
  return {
    ...(include ? { include: (id: string) => include(id) } : {}),
    ...(named.size > 0 ? { named } : {}),
    ...(exclude ? { exclude: (id: string) => exclude(id) } : {}),
  };
}

/**
 * The flags that narrow what a run judges or reports (--rule, --skip-rule, --severity), as typed:
 * such a run is not a whole scan, and history does not record it (see `saveToHistory`).
 */
export function narrowingFlags(options: Pick<ReportOptions, 'rules' | 'skipRules' | 'severity'>): string[] {
  return [
    ...options.rules.map((pattern) => `--rule ${pattern}`),
    ...options.skipRules.map((pattern) => `--skip-rule ${pattern}`),
    ...(options.severity ? [`--severity ${options.severity}`] : []),
  ];
}

/** What the gating options ask of the engine: rule selection, severity threshold and baseline. */
export function gatingOptions(
  io: Io,
  options: ReportOptions,
): Pick<EvaluateOptions, 'selection' | 'minSeverity' | 'baseline'> {
  const selection = ruleSelection(options);
  let baseline: Set<string> | undefined;
  if (options.baseline !== undefined) {
    const parsed = parseBaseline(readInput(io, options.baseline, 'baseline'), options.baseline);
    if (!parsed.ok) throw inputError(parsed.error);
    baseline = new Set(parsed.value.findings.map((entry) => entry.fingerprint));
  }
  return {
    selection,
    ...(options.severity ? { minSeverity: options.severity } : {}),
    ...(baseline ? { baseline } : {}),
  };
}

/** One report to write: to a file, or (no path) to stdout. */
export interface PlannedOutput {
  format: string;
  path?: string;
}

const FORMAT_PREFIX = /^([a-z][a-z0-9-]*)=(.*)$/;

/** One -o value: `FORMAT=PATH` names its format (`prefixed`); a `PATH` may say one by its name (`named`). */
interface OutputValue {
  value: string;
  path: string;
  prefixed?: string;
  named?: string;
}

/** Reads one -o value; a `FORMAT=` that is not one of `formats`, or no file name, is a usage error. */
function outputValue(value: string, formats: readonly string[]): OutputValue {
  const prefixed = FORMAT_PREFIX.exec(value);
  const path = prefixed ? prefixed[2]! : value;
  if (prefixed && !formats.includes(prefixed[1]!))
    throw inputError({
      code: 'usage.output',
      input: `--output ${value}`,
      message: `unknown format "${prefixed[1]}"`,
      hint: `one of ${formats.join(', ')}`,
    });
  if (path === '')
    throw inputError({ code: 'usage.output', input: `--output ${value}`, message: 'no file name' });
  if (prefixed) return { value, path, prefixed: prefixed[1]! };
  const named = formatForPath(value);
  return { value, path, ...(named ? { named } : {}) };
}

/**
 * Whether a file name says no other format than `format`: it says none, says that one, or ends
 * `.json` and `format` writes one JSON document (`--format gitlab -o gl-code-quality.json`).
 */
const nameSuits = (output: OutputValue, format: string): boolean =>
  output.named === undefined ||
  output.named === format ||
  (output.named === 'json' && JSON_FORMATS.has(format));

/** The usage error of a file name that says none of `formats`: it says none, or one not written here. */
function unsaidFormat(output: OutputValue, formats: readonly string[]) {
  if (output.named === undefined)
    return inputError({
      code: 'usage.output',
      input: `--output ${output.value}`,
      message: 'its name does not say which format to write',
      hint: `write FORMAT=${output.value} (one of ${formats.join(', ')}), or give it one of their extensions`,
    });
  return inputError({
    code: 'usage.output',
    input: `--output ${output.value}`,
    message: `its name says ${output.named}, and this command writes ${formats.join(', ')}`,
    hint: `give it the ending of one of those (${formats.map((format) => formatExtensions(format)[0]).join(' ')}), or write FORMAT=${output.value}`,
  });
}

/**
 * Where the report goes: `-o FORMAT=PATH` and `-o PATH` (format from the name) to files, and a
 * report to stdout: the --format one, or the table when the files take the other formats. A lone
 * `-o PATH` given with --format, whose name says no other format, takes that format (as
 * `--format json -o report.json` always did).
 */
export function planOutputs(options: ReportOptions, formats: readonly string[] = FORMATS): PlannedOutput[] {
  const values = options.outputs.map((value) => outputValue(value, formats));
  const lone =
    options.formatGiven &&
    values.length === 1 &&
    values[0]!.prefixed === undefined &&
    nameSuits(values[0]!, options.format);
  const planned: PlannedOutput[] = [];
  const paths = new Set<string>();
  for (const output of values) {
    const byName = output.named !== undefined && formats.includes(output.named) ? output.named : undefined;
    const format = output.prefixed ?? (lone ? options.format : byName);
    if (format === undefined) throw unsaidFormat(output, formats);
    if (paths.has(output.path))
      throw inputError({
        code: 'usage.output',
        input: `--output ${output.path}`,
        message: 'given more than once',
        hint: 'write each report to its own file',
      });
    paths.add(output.path);
    planned.push({ format, path: output.path });
  }
  if (planned.length === 0) planned.push({ format: options.format });
  else planned.push({ format: options.formatGiven && !lone ? options.format : 'table' });
  return planned;
}

/**
 * Where a command with one output (kpi, history, register, policy diff, drift) writes it: stdout,
 * or with -o that file instead, its format chosen as a report command's lone -o chooses it
 * (planOutputs): `FORMAT=PATH` names it; else --format, when the name says no other; else the
 * format the name says; else the command's default. Where a report command writes two outputs (a
 * name that says another format than --format: that one to the file, --format's to stdout), this
 * one output cannot honour both: a usage error, as is a name saying a format the command does not
 * write. Nothing is guessed.
 */
export function planOutput(
  flags: { format?: string | undefined; output?: string | undefined },
  formats: readonly string[],
  defaultFormat: string,
): PlannedOutput {
  const format = flags.format ?? defaultFormat;
  if (flags.output === undefined) return { format };
  const output = outputValue(flags.output, formats);
  const said = output.prefixed ?? output.named;
  // A name that says no format, or none other than --format's, takes --format's (or the default).
  const suits =
    output.prefixed === undefined && flags.format !== undefined && nameSuits(output, flags.format);
  if (said === undefined || suits) return { format, path: output.path };
  if (flags.format !== undefined && said !== flags.format && formats.includes(said))
    throw inputError({
      code: 'usage.output',
      input: `--output ${output.value}`,
      message: `${output.prefixed ? 'it' : 'its name'} says ${said} but --format says ${flags.format}`,
      hint: `drop --format, or write --output ${flags.format}=${output.path}`,
    });
  if (!formats.includes(said)) throw unsaidFormat(output, formats);
  return { format: said, path: output.path };
}

/**
 * The terminal's width, when stdout is one: what the terminal says, else $COLUMNS (a pseudo-terminal
 * that reports no size, as `script` makes). None in a CI job, whose pseudo-terminal is a log.
 */
export const terminalWidth = (io: Io): number | undefined => {
  if (!io.stdout.isTTY || inCi(io)) return undefined;
  const columns = io.stdout.columns;
  if (typeof columns === 'number' && columns > 20) return columns;
  const fromEnv = Number(io.env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 20 ? fromEnv : undefined;
};

/**
 * Writes every report of the run: each -o file (saying so on stderr), then stdout; with
 * --create-baseline, the baseline too.
 */
export function emitReport(
  io: Io,
  report: Report,
  options: ReportOptions,
  extras: {
    /** Replaces a format's rendering (the demo's dashboard with its history). */
    renderers?: Partial<Record<string, () => string>>;
    /** The resource id recorded in a baseline entry (IaC: relative to the repository root). */
    resourceId?: (id: string) => string;
  } = {},
): void {
  // What evaluating a large estate let go of is collected before the report is made (memory.ts).
  if (report.findings.length >= LARGE_REPORT_FINDINGS) collectGarbage();
  const planned = planOutputs(options);
  const rendered = planned.map((output): string | Iterable<string> => {
    const custom = extras.renderers?.[output.format];
    if (custom) return custom();
    const reporter = REPORTERS[output.format];
    if (!reporter)
      throw inputError({
        code: 'usage.format',
        input: '--format',
        message: `unknown format "${output.format}"`,
        hint: `one of ${FORMATS.join(', ')}`,
      });
    const toTerminal = output.path === undefined;
    const width = toTerminal ? terminalWidth(io) : undefined;
    const renderOptions = {
      color: toTerminal && useColor(io),
      limit: options.limit,
      cwd: io.cwd,
      baseDir: repositoryRoot(io, options, report.scan.inputs),
      quiet: options.quiet,
      compact: options.compact,
      sarifMaxResults: options.sarifMaxResults,
      ...(width ? { width } : {}),
    };
    // To a file, a format that renders in pieces is streamed there: its pieces are made (lazily)
    // while they are written.
    const streaming = toTerminal ? undefined : STREAMING_REPORTERS[output.format];
    try {
      // A streamed format refuses a report it cannot represent when asked, before any piece is made.
      return streaming ? streaming(report, renderOptions) : reporter(report, renderOptions);
    } catch (error) {
      if (!(error instanceof ReportUnavailable)) throw error;
      throw inputError({
        code: 'usage.format',
        input: `--format ${error.format}`,
        message: error.message,
        hint: error.hint,
      });
    }
  });
  // Everything is rendered (or, streamed, accepted) before anything is written: a format that
  // cannot be made leaves no partial set.
  for (const [i, output] of planned.entries()) {
    let text = rendered[i]!;
    // On a terminal in colour, what the guard lets through as colour must be the table's own (the
    // one format made in colour): any other (CSV, HTML, Markdown...) has its escape sequences all
    // shown as text.
    if (output.path === undefined && output.format !== 'table' && useColor(io))
      text =
        typeof text === 'string'
          ? escapeTerminalOutput(text, { color: false, progress: false })
          : mapEach(text, (piece) => escapeTerminalOutput(piece, { color: false, progress: false }));
    // What GitHub code scanning would refuse of a SARIF log is said on stderr (sarif-upload.ts).
    const notices =
      output.format === 'sarif'
        ? sarifResultNotices(report, options.sarifMaxResults, output.path ?? 'the sarif report')
        : undefined;
    const meter = notices?.size ? gzipMeter(typeof text === 'string' ? [text] : text) : undefined;
    writeOutput(io, meter?.pieces ?? text, {
      format: output.format,
      ...(output.path ? { output: output.path } : {}),
    });
    for (const line of notices?.results ?? []) io.stderr.write(`${line}\n`);
    if (meter?.over()) io.stderr.write(`${notices!.size}\n`);
  }
  if (options.createBaseline !== undefined) {
    const baseline = createBaseline(report.findings, {
      createdAt: report.scan.finishedAt,
      toolVersion: report.tool.version,
      ...(extras.resourceId ? { resourceId: extras.resourceId } : {}),
    });
    writeOutput(io, serializeBaseline(baseline), { format: 'baseline', output: options.createBaseline });
  }
}

/**
 * Writes rendered output to --output (saying on stderr that `what`, default "FORMAT report", was
 * written there) or stdout; text in pieces is streamed to a file.
 */
export function writeOutput(
  io: Io,
  text: string | Iterable<string>,
  options: Pick<ReportOptions, 'format' | 'output'> & { what?: string },
): void {
  if (options.output !== undefined) {
    const path = absolute(io, options.output);
    try {
      io.writeFile(path, text);
    } catch (error) {
      throw inputError({
        code: 'output.unwritable',
        input: options.output,
        message: `cannot write the ${options.what ?? 'report'}: ${(error as Error).message}`,
      });
    }
    io.stderr.write(
      `hyperpod-cmk: ${options.what ?? `${options.format} report`} written to ${options.output}\n`,
    );
  } else {
    io.stdout.write(typeof text === 'string' ? text : [...text].join(''));
  }
}

export function exitCode(
  evaluation: Evaluation,
  gaps: number | readonly Gap[],
  options: Pick<ReportOptions, 'failOn' | 'unknown' | 'createBaseline'>,
): number {
  // A gap the user asked for (--no-cloudtrail: code `skipped`) is no failure to read: the rules
  // that needed the data are UNKNOWN, and --unknown decides what those do to the exit code.
  const count = typeof gaps === 'number' ? gaps : gaps.filter((gap) => gap.code !== 'skipped').length;
  // --create-baseline records every open FAIL and UNKNOWN it reports: judged against the baseline
  // it has just written, none is new, so only an incomplete scan (3) is not 0. (It exited 1, and a
  // CI job that only refreshes the baseline failed.)
  if (options.createBaseline !== undefined && options.failOn !== 'none') return count > 0 ? 3 : 0;
  return exitCodeFor(evaluation, count, options.failOn, options.unknown);
}
