/**
 * The one way the CLI writes a file (reports, guardrails, the HTML dashboard, snapshots from
 * `collect -o` and `demo --export`, history and KPI exports): into a temporary file in the same
 * directory, flushed, then renamed over the target. A write that fails (disk full, killed) leaves
 * the previous file or nothing, never a truncated report; a symlink at the target is replaced, not
 * written through. With `within`, the path must stay inside that directory, and no directory
 * between it and the file may be a symlink (a pull request or an earlier run could have planted
 * one pointing anywhere): such a path is refused. A target that is a device, FIFO or socket (`-o
 * /dev/stdout`) is written in place: there is nothing there to truncate.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ensureDirectory } from './directories.js';

export interface WriteOptions {
  /** The directory the file must stay inside (the user's `--out`), symlinked subdirectories refused. */
  within?: string;
}

const failure = (code: string, message: string): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code });

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Creates the directories from `root` down to `dir`, refusing any that is a symlink or not a directory. */
function ensureConfinedDirectory(root: string, dir: string): void {
  ensureDirectory(root);
  let current = root;
  for (const part of relative(root, dir).split(sep).filter(Boolean)) {
    current = join(current, part);
    const stat = lstatOrUndefined(current);
    if (stat === undefined) {
      try {
        mkdirSync(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const made = lstatSync(current);
      if (!made.isDirectory() || made.isSymbolicLink())
        throw failure('ELOOP', `${current} is a symlink or not a directory; refusing to write through it`);
    } else if (stat.isSymbolicLink()) {
      throw failure('ELOOP', `${current} is a symlink; refusing to write through it`);
    } else if (!stat.isDirectory()) {
      throw failure('ENOTDIR', `${current} is not a directory`);
    }
  }
}

export function writeFileAtomic(path: string, text: string | Uint8Array, options: WriteOptions = {}): void {
  const target = resolve(path);
  const dir = dirname(target);
  if (options.within !== undefined) {
    const root = resolve(options.within);
    const rel = relative(root, target);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
      throw failure('EACCES', `${path} is outside ${options.within}; refusing to write it`);
    ensureConfinedDirectory(root, dir);
  } else {
    ensureDirectory(dir);
  }

  const existing = lstatOrUndefined(target);
  if (existing?.isDirectory()) throw failure('EISDIR', `${path} is a directory`);
  if (existing && options.within === undefined) {
    // `-o /dev/stdout`, a named pipe: written in place (only the user names such a target).
    let followed: Stats | undefined;
    try {
      followed = statSync(target);
    } catch {
      followed = undefined;
    }
    if (followed && (followed.isCharacterDevice() || followed.isFIFO() || followed.isSocket())) {
      writeFileSync(target, text);
      return;
    }
  }

  const temporary = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // `wx`: O_CREAT | O_EXCL, which never follows a symlink planted at the temporary name.
  const fd = openSync(temporary, 'wx', 0o666);
  try {
    try {
      if (existing?.isFile()) fchmodSync(fd, existing.mode & 0o7777);
      const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Already renamed or never created: nothing to clean up.
    }
    throw error;
  }
}
