/**
 * Finding the IaC files under the paths a user gives: recursive, skipping `node_modules`,
 * `.terraform`, `.git` and the asset folders of `cdk.out`, honouring `--exclude` globs, and safe
 * on symlink loops, unreadable entries, binary files and files over the size limit. It reads
 * nothing but directory entries and file sizes; `read` fetches one file's text under the limits.
 */
import { lstatSync, readdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { linkedOutOfTree } from '../files/tree.js';
import type { SourceIssue } from '../model/finding.js';
import {
  decodeText,
  insideRoots,
  readBounded,
  realPathOf,
  scanRoots,
  specialKind,
} from './common/safe-read.js';

export type FileFormat = 'yaml' | 'json' | 'hcl' | 'tfvars' | 'tfvars-json' | 'tf-json';

export interface DiscoveredFile {
  absPath: string;
  /** The path shown to the user: relative to the working directory, POSIX separators. */
  file: string;
  format: FileFormat;
  size: number;
}

export interface DiscoverOptions {
  cwd: string;
  exclude: readonly string[];
  /** Directory entries looked at before the walk stops with an issue (a link to `/`, a huge tree). */
  maxEntries?: number;
  /** Milliseconds the walk may take before it stops with an issue. */
  maxMillis?: number;
}

/** Directory entries a scan looks at, at most, by default. */
export const DEFAULT_MAX_ENTRIES = 200_000;
/** How long the walk may take, by default. */
export const DEFAULT_MAX_WALK_MILLIS = 120_000;

export interface Discovery {
  files: DiscoveredFile[];
  issues: SourceIssue[];
  /** Paths the user gave that do not exist. */
  missing: string[];
  /** Paths the user gave that are no regular file or directory, with what each is (never read). */
  notFiles: { path: string; kind: string }[];
  /** Files looked at and passed over (not an IaC extension, or excluded). */
  skipped: number;
  /** The real directories the scan may read from (see common/safe-read.ts). */
  roots: string[];
}

const SKIP_DIRS = new Set(['node_modules', '.terraform', '.git', '.terragrunt-cache']);

export function formatOf(name: string): FileFormat | undefined {
  const lower = name.toLowerCase();
  // OpenTofu reads .tofu files as Terraform reads .tf (and .tofu.json as .tf.json).
  if (lower.endsWith('.tf') || lower.endsWith('.tofu')) return 'hcl';
  if (lower.endsWith('.tf.json') || lower.endsWith('.tofu.json')) return 'tf-json';
  if (lower.endsWith('.tfvars.json')) return 'tfvars-json';
  if (/\.tfvars(\.(example|sample|template|tmpl))?$/.test(lower)) return 'tfvars';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml') || lower.endsWith('.template')) return 'yaml';
  if (lower.endsWith('.json')) return 'json';
  return undefined;
}

export function displayPath(cwd: string, absPath: string): string {
  const rel = relative(cwd, absPath);
  const shown = rel === '' ? basename(absPath) : rel.startsWith('..') || isAbsolute(rel) ? absPath : rel;
  return shown.split(sep).join('/');
}

/** Directories nested deeper than this below a scanned path are not walked (an issue says so). */
export const MAX_DIR_DEPTH = 64;

export function discover(paths: readonly string[], options: DiscoverOptions): Discovery {
  const roots = scanRoots(paths, options.cwd);
  const result: Discovery = { files: [], issues: [], missing: [], notFiles: [], skipped: 0, roots };
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const deadline = Date.now() + (options.maxMillis ?? DEFAULT_MAX_WALK_MILLIS);
  let entriesSeen = 0;
  let stopped = false;
  const excluded = options.exclude.length
    ? picomatch(options.exclude as string[], { dot: true, basename: false })
    : undefined;
  const excludedBase = options.exclude.length
    ? picomatch(
        options.exclude.filter((pattern) => !pattern.includes('/')),
        { dot: true },
      )
    : undefined;
  const isExcluded = (file: string) =>
    (excluded?.(file) ?? false) ||
    (excludedBase?.(basename(file)) ?? false) ||
    (excluded?.(`${file}/`) ?? false);
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  const warn = (code: string, file: string, message: string, hint?: string) =>
    result.issues.push({ code, severity: 'warning', message, ...(hint ? { hint } : {}), location: { file } });

  const outside = (file: string, what: 'file' | 'directory') =>
    result.issues.push({
      code: 'input.outside_root',
      severity: 'error',
      message: `a symbolic link to a ${what} outside the scanned directories: not read`,
      hint: 'scan the directory it points to as well (hyperpod-cmk iac DIR OTHER-DIR), or replace the link with the files',
      location: { file },
    });

  const addFile = (absPath: string, size: number, inCdkOut: boolean, explicit: boolean) => {
    const name = basename(absPath);
    const file = displayPath(options.cwd, absPath);
    if (inCdkOut && !name.endsWith('.template.json')) {
      result.skipped++;
      return;
    }
    const format = formatOf(name) ?? (explicit ? guessFormat(absPath) : undefined);
    if (!format || (!explicit && isExcluded(file))) {
      result.skipped++;
      return;
    }
    let real = absPath;
    try {
      real = realpathSync(absPath);
    } catch {
      // keep the path as given
    }
    if (!explicit && !insideRoots(real, roots)) {
      outside(file, 'file');
      return;
    }
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    result.files.push({ absPath, file, format, size });
  };

  const walk = (root: string) => {
    const stack: { dir: string; inCdkOut: boolean; depth: number }[] = [
      { dir: root, inCdkOut: basename(root) === 'cdk.out', depth: 0 },
    ];
    let tooDeep = false;
    while (stack.length > 0) {
      const { dir, inCdkOut, depth } = stack.pop()!;
      if (depth > MAX_DIR_DEPTH) {
        // Resolving a path costs a system call per directory in it: a tree thousands deep would
        // take minutes. No repository's IaC sits that deep; the rest is said, not walked.
        if (!tooDeep)
          result.issues.push({
            code: 'input.too_deep',
            severity: 'error',
            message: `directories nested more than ${MAX_DIR_DEPTH} deep: not walked further, and what they hold was not scanned`,
            hint: 'scan the deep directory by its own path, or exclude it with --exclude',
            location: { file: displayPath(options.cwd, dir) },
          });
        tooDeep = true;
        continue;
      }
      let real: string;
      try {
        real = realpathSync(dir);
      } catch (error) {
        warn(
          'input.unreadable',
          displayPath(options.cwd, dir),
          `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        );
        continue;
      }
      if (seenDirs.has(real)) {
        if (dir !== real && isInside(real, dir))
          warn(
            'input.symlink_loop',
            displayPath(options.cwd, dir),
            'a symbolic link back into its own parent: not followed again',
          );
        continue;
      }
      if (!insideRoots(real, roots)) {
        outside(displayPath(options.cwd, dir), 'directory');
        continue;
      }
      seenDirs.add(real);
      let entries: import('node:fs').Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        result.issues.push({
          code: 'input.unreadable',
          severity: 'error',
          message: `directory cannot be read (${code}); files in it were not scanned`,
          hint: 'check its permissions',
          location: { file: displayPath(options.cwd, dir) },
        });
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
      for (const entry of entries) {
        if (++entriesSeen > maxEntries || (entriesSeen % 1024 === 0 && Date.now() > deadline)) {
          stopped = true;
          result.issues.push({
            code: 'input.scan_budget',
            severity: 'error',
            message:
              entriesSeen > maxEntries
                ? `more than ${maxEntries} files and directories: the walk stopped here, and the rest was not scanned`
                : 'the walk took too long and stopped here; the rest was not scanned',
            hint: 'point the scan at the directories that hold infrastructure-as-code, or skip the rest with --exclude',
            location: { file: displayPath(options.cwd, dir) },
          });
          return;
        }
        const absPath = resolve(dir, entry.name);
        let isDir = entry.isDirectory();
        let isFile = entry.isFile();
        let size = 0;
        // What a symbolic link points to, for telling what it is.
        let target: Stats | undefined;
        if (entry.isSymbolicLink()) {
          try {
            target = statSync(absPath);
            isDir = target.isDirectory();
            isFile = target.isFile();
            size = target.size;
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (formatOf(entry.name) || code === 'ELOOP')
              warn(
                code === 'ELOOP' ? 'input.symlink_loop' : 'input.broken_symlink',
                displayPath(options.cwd, absPath),
                code === 'ELOOP'
                  ? 'a symbolic link that points to itself: skipped'
                  : `a symbolic link to nothing (${code}): skipped`,
              );
            continue;
          }
        }
        if (isDir) {
          if (SKIP_DIRS.has(entry.name)) continue;
          const childInCdkOut = inCdkOut || entry.name === 'cdk.out';
          if (childInCdkOut && entry.name.startsWith('asset.')) continue;
          if (isExcluded(displayPath(options.cwd, absPath))) continue;
          stack.push({ dir: absPath, inCdkOut: childInCdkOut, depth: depth + 1 });
        } else if (isFile) {
          if (!size && formatOf(entry.name)) {
            try {
              size = statSync(absPath).size;
            } catch {
              size = 0;
            }
          }
          addFile(absPath, size, inCdkOut, false);
        } else if (formatOf(entry.name)) {
          // A FIFO, socket or device named like IaC is never opened (a FIFO would block), but said.
          result.issues.push({
            code: 'input.not_a_file',
            severity: 'error',
            message: `not a regular file but ${specialKind(target ?? entry, undefined) ?? 'a special file'}: not read`,
            location: { file: displayPath(options.cwd, absPath) },
          });
        }
      }
    }
  };

  for (const path of paths) {
    const absPath = resolve(options.cwd, path);
    const escaped = linkedOutOfTree(path, options.cwd);
    if (escaped) {
      result.issues.push({
        code: 'input.outside_root',
        severity: 'error',
        message: `a symbolic link out of ${displayPath(options.cwd, escaped.tree) || '.'} (to ${escaped.real}): not read`,
        hint: 'scan the directory it points to by its own path if you mean to, or replace the link with the files',
        location: { file: path },
      });
      continue;
    }
    let stats: import('node:fs').Stats;
    try {
      stats = statSync(absPath);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        let dangling = false;
        try {
          dangling = lstatSync(absPath).isSymbolicLink();
        } catch {
          dangling = false;
        }
        if (!dangling) {
          result.missing.push(path);
          continue;
        }
      }
      result.issues.push({
        code: code === 'ELOOP' ? 'input.symlink_loop' : 'input.unreadable',
        severity: 'error',
        message: `cannot be read (${code ?? 'error'})`,
        location: { file: path },
      });
      continue;
    }
    const special = specialKind(stats, realPathOf(absPath));
    if (special !== undefined) result.notFiles.push({ path, kind: special });
    else if (stats.isDirectory()) {
      if (!stopped) walk(absPath);
    } else addFile(absPath, stats.size, false, true);
  }
  return result;
}

const isInside = (ancestor: string, path: string) => {
  const rel = relative(ancestor, path);
  return !rel.startsWith('..') && !isAbsolute(rel);
};

/** A file the user named explicitly but whose extension says nothing: guess from its first bytes. */
function guessFormat(absPath: string): FileFormat | undefined {
  const head = readHead(absPath, 512, undefined);
  if (head === undefined) return undefined;
  const text = head.trimStart();
  if (text.startsWith('{') || text.startsWith('[')) return 'json';
  if (/^(resource|variable|module|locals|data|terraform|provider)\s/m.test(text)) return 'hcl';
  return 'yaml';
}

function readHead(absPath: string, bytes: number, roots: readonly string[] | undefined): string | undefined {
  const read = readBounded(absPath, { roots, maxBytes: bytes, head: bytes });
  return read.ok ? (decodeText(read.buffer)?.text ?? read.buffer.toString('latin1')) : undefined;
}

/** Markers that say a text is meant as IaC, so that failing to parse it is worth reporting. */
export const IAC_MARKERS =
  /AWSTemplateFormatVersion|"?Resources"?\s*:|AWS::SageMaker::Cluster|InstanceGroups|InstanceGroupName|"ParameterKey"|"planned_values"|"format_version"|\bresource\s+"|\bvariable\s+"|\bmodule\s+"/;

/** Files named like a package manager's lock file: large JSON that is not IaC, passed over quietly when too large. */
const LOCK_FILES = /(^|\/)(package-lock|npm-shrinkwrap|composer)\.json$/;

/** Extensions that only IaC uses: a file with one is never passed over quietly. */
const IAC_ONLY: ReadonlySet<FileFormat> = new Set(['hcl', 'tfvars', 'tf-json', 'tfvars-json']);

export type ReadResult =
  | { ok: true; text: string }
  | { ok: false; issue: Omit<SourceIssue, 'location'>; iacLike: boolean };

/**
 * Reads a file through the one bounded read (common/safe-read.ts): inside `roots` when given,
 * under the size limit, a regular file. UTF-16 with a byte-order mark is decoded; binary,
 * oversized, special and outside files are refused with a reason. Every refusal of a file with an
 * IaC extension is an issue (`iacLike`): an error when the file is surely IaC, a warning when
 * only its extension (.yaml, .json) says it may be.
 */
export function readSource(file: DiscoveredFile, maxBytes: number, roots?: readonly string[]): ReadResult {
  const read = readBounded(file.absPath, { roots, maxBytes });
  const surely = (head: string) => IAC_ONLY.has(file.format) || IAC_MARKERS.test(head);
  if (!read.ok) {
    if (read.refusal === 'too_large') {
      const size = read.size ?? file.size;
      const head = readHead(file.absPath, 64 * 1024, roots) ?? '';
      const sure = surely(head);
      return {
        ok: false,
        iacLike: sure || !LOCK_FILES.test(file.file),
        issue: {
          code: 'input.too_large',
          severity: sure ? 'error' : 'warning',
          message: `${(size / 1_048_576).toFixed(1)} MiB is over the ${(maxBytes / 1_048_576).toFixed(0)} MiB limit: not scanned${sure ? '' : ' (it may hold infrastructure-as-code)'}`,
          hint: 'raise the limit with --max-file-size MB, or exclude the file with --exclude',
        },
      };
    }
    if (read.refusal === 'outside')
      return {
        ok: false,
        iacLike: true,
        issue: {
          code: 'input.outside_root',
          severity: 'error',
          message: 'a symbolic link to a file outside the scanned directories: not read',
          hint: 'scan the directory it points to as well, or replace the link with the file',
        },
      };
    if (read.refusal === 'special')
      return {
        ok: false,
        iacLike: true,
        issue: {
          code: 'input.not_a_file',
          severity: 'error',
          message: `${read.detail}: not read`,
          hint: 'scan regular files only',
        },
      };
    return {
      ok: false,
      iacLike: true,
      issue: {
        code: 'input.unreadable',
        severity: 'error',
        message: `cannot be read (${read.detail})`,
        hint: 'check its permissions',
      },
    };
  }
  const decoded = decodeText(read.buffer);
  if (!decoded) {
    const sure = surely(read.buffer.subarray(0, 65_536).toString('latin1'));
    return {
      ok: false,
      iacLike: true,
      issue: {
        code: 'input.binary',
        severity: sure ? 'error' : 'warning',
        message:
          'not UTF-8 or UTF-16 text (NUL bytes: binary, or UTF-16 without a byte-order mark, or UTF-32): not scanned',
        hint: 'save it as UTF-8, or exclude it with --exclude',
      },
    };
  }
  return { ok: true, text: decoded.text };
}
