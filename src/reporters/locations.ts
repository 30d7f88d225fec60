/**
 * Where a finding's file is, for the formats that CI systems read (SARIF, GitHub annotations,
 * GitLab, JUnit): relative to the repository root when the file is inside it, with forward
 * slashes. Paths in a report are as the scan displayed them (relative to the working directory,
 * or absolute when outside it); `cwd` and `baseDir` (absolute) say how to re-anchor them. Pure
 * path arithmetic: nothing is read from disk here (the CLI finds the repository root).
 */
import { createHash } from 'node:crypto';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import type { ResourceRef } from '../model/finding.js';
import type { Report } from '../model/report.js';

export interface PathContext {
  /** The directory that relative paths in the report are relative to (the working directory of the scan). */
  cwd?: string;
  /** The repository root (absolute): CI formats give paths relative to it. */
  baseDir?: string;
}

const toPosix = (path: string) => path.split(sep).join('/').replace(/\\/g, '/');
const isWindowsAbsolute = (path: string) => /^[A-Za-z]:[\\/]/.test(path);

/**
 * The file relative to the repository root ('infra/stack.yaml'; '' for the root itself), or
 * undefined when it lies outside the root (or is absolute and no root is known).
 */
export function repoRelative(file: string, context: PathContext = {}): string | undefined {
  if (isWindowsAbsolute(file)) return undefined;
  if (context.baseDir === undefined) {
    if (isAbsolute(file)) return undefined;
    const normal = posix.normalize(toPosix(file));
    if (normal === '.') return '';
    return normal.startsWith('../') || normal === '..' ? undefined : normal.replace(/^\.\//, '');
  }
  const absolute = resolve(context.cwd ?? context.baseDir, file);
  const rel = relative(context.baseDir, absolute);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return toPosix(rel);
}

/**
 * A resource's id as the CI formats name it: an IaC resource's (`<file>#<rest>`, the file as the
 * scan displayed it, relative to the working directory) with its file relative to the repository
 * root, as its artifact path and its fingerprint (cli/commands/iac.ts `fingerprintIds`), so that a
 * scan run from a subdirectory or with --base-dir names it the same (a CI system follows a test or
 * an alert across runs by that name); a live resource's (an ARN) as it is.
 */
export function repoRelativeId(resource: Pick<ResourceRef, 'id' | 'location'>, context: PathContext): string {
  const hash = resource.location ? resource.id.indexOf('#') : -1;
  if (hash <= 0) return resource.id;
  const file = repoRelative(resource.id.slice(0, hash), context);
  return file ? `${file}${resource.id.slice(hash)}` : resource.id;
}

/** The file as a path for a human or a CI system: repository-relative when possible, else as given. */
export const displayFile = (file: string, context: PathContext = {}): string =>
  repoRelative(file, context) ?? toPosix(file);

/**
 * What was scanned, stable across checkouts: the source, then (IaC, snapshots) the inputs relative
 * to the repository root, or (live) the accounts and Regions, sorted and hashed.
 */
export function scanScope(report: Report, context: PathContext = {}): { source: string; key?: string } {
  const scan = report.scan;
  const parts = scan.inputs?.length
    ? scan.inputs.map((input) => {
        const rel = repoRelative(input, context);
        if (rel === undefined) return toPosix(input);
        return rel.replace(/\/+$/, '') || '.';
      })
    : [...scan.accounts.map((a) => `account:${a}`), ...scan.regions.map((r) => `region:${r}`)];
  if (parts.length === 0) return { source: scan.source };
  const sorted = [...new Set(parts)].sort();
  const key = createHash('sha256').update(sorted.join('\n')).digest('hex').slice(0, 12);
  return { source: scan.source, key };
}
