/**
 * What the report-producing commands (evaluate, demo, scan, iac) share: the common options, the
 * config and clock, rendering to stdout or --output, and the exit code.
 */
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE, parseConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/schema.js';
import { resolveConfig } from '../config/schema.js';
import { type Evaluation, exitCodeFor } from '../engine/evaluate.js';
import { SEVERITIES, type Severity, type SourceIssue } from '../model/finding.js';
import type { Report } from '../model/report.js';
import { FORMATS, REPORTERS, ReportUnavailable } from '../reporters/index.js';
import { RULES } from '../rules/registry.js';
import { inputError } from './errors.js';
import { type Io, useColor } from './io.js';
import type { OptionSpec } from './spec.js';

export interface ReportOptions {
  format: string;
  output?: string;
  failOn: Severity | 'none';
  config?: string;
  /** --no-config: ignore a config file in the working directory. */
  noConfig?: boolean;
  now?: Date;
  limit: number;
}

export function parseNow(value: string): Date {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw inputError({
      code: 'usage.now',
      input: '--now',
      message: `"${value}" is not an ISO-8601 time`,
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

export const reportOptions = (formats: readonly string[] = FORMATS): OptionSpec[] => [
  { flags: '--format <format>', description: 'output format', choices: formats, default: 'table' },
  { flags: '-o, --output <file>', description: 'write the report to a file instead of stdout' },
  {
    flags: '--fail-on <severity>',
    description: 'exit 1 when a finding at or above this severity fails',
    choices: [...SEVERITIES, 'none'],
    default: 'low',
  },
  { flags: '--config <file>', description: `config file (default: ${DEFAULT_CONFIG_FILE} if present)` },
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
  },
];

export function reportOptionsFrom(options: Record<string, unknown>): ReportOptions {
  return {
    format: String(options.format ?? 'table'),
    ...(typeof options.output === 'string' ? { output: options.output } : {}),
    failOn: (options.failOn as Severity | 'none' | undefined) ?? 'low',
    ...(typeof options.config === 'string' ? { config: options.config } : {}),
    ...(options.config === false ? { noConfig: true } : {}),
    ...(options.now instanceof Date ? { now: options.now } : {}),
    limit: typeof options.limit === 'number' ? options.limit : 10,
  };
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
  options: ReportOptions,
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

/** Renders the report to --output or stdout; says where it went on stderr when it is a file. */
export function emitReport(io: Io, report: Report, options: ReportOptions): void {
  const reporter = REPORTERS[options.format];
  if (!reporter)
    throw inputError({
      code: 'usage.format',
      input: '--format',
      message: `unknown format "${options.format}"`,
      hint: `one of ${FORMATS.join(', ')}`,
    });
  const toFile = options.output !== undefined;
  let text: string;
  try {
    text = reporter(report, { color: !toFile && useColor(io), limit: options.limit });
  } catch (error) {
    if (!(error instanceof ReportUnavailable)) throw error;
    throw inputError({
      code: 'usage.format',
      input: `--format ${error.format}`,
      message: error.message,
      hint: error.hint,
    });
  }
  writeOutput(io, text, options);
}

/** Writes rendered output to --output (saying so on stderr) or stdout. */
export function writeOutput(io: Io, text: string, options: Pick<ReportOptions, 'format' | 'output'>): void {
  if (options.output !== undefined) {
    const path = absolute(io, options.output);
    try {
      io.writeFile(path, text);
    } catch (error) {
      throw inputError({
        code: 'output.unwritable',
        input: options.output,
        message: `cannot write the report: ${(error as Error).message}`,
      });
    }
    io.stderr.write(`hyperpod-cmk: ${options.format} report written to ${options.output}\n`);
  } else {
    io.stdout.write(text);
  }
}

export function exitCode(evaluation: Evaluation, gaps: number, options: ReportOptions): number {
  return exitCodeFor(evaluation, gaps, options.failOn);
}
