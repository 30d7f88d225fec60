/**
 * Finding the IaC files under the paths a user gives: recursive, skipping `node_modules`,
 * `.terraform`, `.git` and the asset folders of `cdk.out`, honouring `--exclude` globs, and safe
 * on symlink loops, unreadable entries, binary files and files over the size limit. It reads
 * nothing but directory entries and file sizes; `read` fetches one file's text under the limits.
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { SourceIssue } from '../model/finding.js';

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
}

export interface Discovery {
  files: DiscoveredFile[];
  issues: SourceIssue[];
  /** Paths the user gave that do not exist. */
  missing: string[];
  /** Files looked at and passed over (not an IaC extension, or excluded). */
  skipped: number;
}

const SKIP_DIRS = new Set(['node_modules', '.terraform', '.git', '.terragrunt-cache']);

export function formatOf(name: string): FileFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.tf')) return 'hcl';
  if (lower.endsWith('.tf.json')) return 'tf-json';
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

export function discover(paths: readonly string[], options: DiscoverOptions): Discovery {
  const result: Discovery = { files: [], issues: [], missing: [], skipped: 0 };
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
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    result.files.push({ absPath, file, format, size });
  };

  const walk = (root: string) => {
    const stack: { dir: string; inCdkOut: boolean }[] = [
      { dir: root, inCdkOut: basename(root) === 'cdk.out' },
    ];
    while (stack.length > 0) {
      const { dir, inCdkOut } = stack.pop()!;
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
        const absPath = resolve(dir, entry.name);
        let isDir = entry.isDirectory();
        let isFile = entry.isFile();
        let size = 0;
        if (entry.isSymbolicLink()) {
          try {
            const target = statSync(absPath);
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
          stack.push({ dir: absPath, inCdkOut: childInCdkOut });
        } else if (isFile) {
          if (!size && formatOf(entry.name)) {
            try {
              size = statSync(absPath).size;
            } catch {
              size = 0;
            }
          }
          addFile(absPath, size, inCdkOut, false);
        }
      }
    }
  };

  for (const path of paths) {
    const absPath = resolve(options.cwd, path);
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
    if (stats.isDirectory()) walk(absPath);
    else if (stats.isFile()) addFile(absPath, stats.size, false, true);
    else
      result.issues.push({
        code: 'input.not_a_file',
        severity: 'error',
        message: 'not a regular file or directory (a device, socket or pipe): not read',
        location: { file: path },
      });
  }
  return result;
}

const isInside = (ancestor: string, path: string) => {
  const rel = relative(ancestor, path);
  return !rel.startsWith('..') && !isAbsolute(rel);
};

/** A file the user named explicitly but whose extension says nothing: guess from its first bytes. */
function guessFormat(absPath: string): FileFormat | undefined {
  const head = readHead(absPath, 512);
  if (head === undefined) return undefined;
  const text = head.trimStart();
  if (text.startsWith('{') || text.startsWith('[')) return 'json';
  if (/^(resource|variable|module|locals|data|terraform|provider)\s/m.test(text)) return 'hcl';
  return 'yaml';
}

function readHead(absPath: string, bytes: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(absPath, 'r');
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Markers that say a text is meant as IaC, so that failing to parse it is worth reporting. */
export const IAC_MARKERS =
  /AWSTemplateFormatVersion|"?Resources"?\s*:|AWS::SageMaker::Cluster|InstanceGroups|InstanceGroupName|"ParameterKey"|"planned_values"|"format_version"|\bresource\s+"|\bvariable\s+"|\bmodule\s+"/;

export type ReadResult =
  | { ok: true; text: string }
  | { ok: false; issue: Omit<SourceIssue, 'location'>; iacLike: boolean };

/** Reads a file under the size limit; binary and oversized files are refused with a reason. */
export function readSource(file: DiscoveredFile, maxBytes: number): ReadResult {
  if (file.size > maxBytes) {
    const head = readHead(file.absPath, 64 * 1024) ?? '';
    return {
      ok: false,
      iacLike: IAC_MARKERS.test(head),
      issue: {
        code: 'input.too_large',
        severity: 'error',
        message: `${(file.size / 1_048_576).toFixed(1)} MiB is over the ${(maxBytes / 1_048_576).toFixed(0)} MiB limit: not scanned`,
        hint: 'raise the limit with --max-file-size MB, or exclude the file with --exclude',
      },
    };
  }
  let buffer: Buffer;
  try {
    buffer = readBuffer(file.absPath, maxBytes, file.size);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return {
      ok: false,
      iacLike: true,
      issue: {
        code: 'input.unreadable',
        severity: 'error',
        message: `cannot be read (${code})`,
        hint: 'check its permissions',
      },
    };
  }
  const probe = buffer.subarray(0, 8192);
  if (probe.includes(0)) {
    return {
      ok: false,
      iacLike: file.format === 'hcl' || file.format === 'tfvars',
      issue: { code: 'input.binary', severity: 'warning', message: 'a binary file, not text: skipped' },
    };
  }
  let text = buffer.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text };
}

/** Reads at most `maxBytes` (a file may grow between stat and read). */
function readBuffer(absPath: string, maxBytes: number, expected: number): Buffer {
  const fd = openSync(absPath, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // The size seen at discovery, plus one byte to notice a file that grew.
      const want = chunks.length === 0 ? expected + 1 : 64 * 1024;
      const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(want, maxBytes + 1 - total)));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > maxBytes)
        throw Object.assign(new Error('grew past the size limit while being read'), { code: 'EFBIG' });
      // A short read of a regular file is its end.
      if (read < chunk.length) break;
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
