/**
 * What the report-producing commands (evaluate, demo, scan, iac) share: the common options, the
 * config and clock, rendering to stdout or --output, and the exit code.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE, parseConfig } from '../config/load.js';
import type { ResolvedConfig } from '../config/schema.js';
import { resolveConfig } from '../config/schema.js';
import { type Evaluation, exitCodeFor } from '../engine/evaluate.js';
import { parseIsoTime } from '../model/dates.js';
import { SEVERITIES, type Severity } from '../model/finding.js';
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
  now?: Date;
  limit: number;
  /** --base-dir: the repository root that CI formats (SARIF, GitHub, GitLab, JUnit) make paths relative to. */
  baseDir?: string;
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
  {
    flags: '--base-dir <dir>',
    description:
      'repository root for the paths in sarif, github, gitlab and junit reports (default: the git work tree of the first path scanned, else the working directory)',
    env: 'HYPERPOD_CMK_BASE_DIR',
  },
];

export function reportOptionsFrom(options: Record<string, unknown>): ReportOptions {
  return {
    format: String(options.format ?? 'table'),
    ...(typeof options.output === 'string' ? { output: options.output } : {}),
    failOn: (options.failOn as Severity | 'none' | undefined) ?? 'low',
    ...(typeof options.config === 'string' ? { config: options.config } : {}),
    ...(options.now instanceof Date ? { now: options.now } : {}),
    limit: typeof options.limit === 'number' ? options.limit : 10,
    ...(typeof options.baseDir === 'string' ? { baseDir: options.baseDir } : {}),
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
  let dir = inputs[0] !== undefined ? absolute(io, inputs[0]) : io.cwd;
  for (let depth = 0; depth < 256; depth++) {
    if (io.exists(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return io.cwd;
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
  const local = absolute(io, DEFAULT_CONFIG_FILE);
  if (io.exists(local)) return load(io.readFile(local), DEFAULT_CONFIG_FILE);
  if (fallback) return load(fallback.text, fallback.path);
  return resolveConfig();
}

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
    text = reporter(report, {
      color: !toFile && useColor(io),
      limit: options.limit,
      cwd: io.cwd,
      baseDir: repositoryRoot(io, options, report.scan.inputs),
    });
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
