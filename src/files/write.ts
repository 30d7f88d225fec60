/**
 * The one way the CLI writes a file (reports, guardrails, the HTML dashboard, snapshots from
 * `collect -o` and `demo --export`, history and KPI exports): into a temporary file in the same
 * directory, flushed, then renamed over the target. A write that fails (disk full, killed) leaves
 * the previous file or nothing, never a truncated report; a symlink at the target is replaced, not
 * written through. With `within`, the path must stay inside that directory, and no directory
 * between it and the file may be a symlink (a pull request or an earlier run could have planted
 * one pointing anywhere): such a path is refused. A target that is a device, FIFO or socket (`-o
 * /dev/stdout`) is written in place: there is nothing there to truncate. The content may be a
 * stream of pieces (a large JSON report): they are written as they come, in buffers of
 * `STREAM_BUFFER_BYTES`, so the whole text is never held at once; the temporary file and rename
 * apply the same, and a piece that fails to be made (it throws) leaves the previous file.
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

/** What a file is written from: its text, its bytes, or its text in pieces. */
export type FileContent = string | Uint8Array | Iterable<string>;

/** How much streamed text is gathered before it is written. */
export const STREAM_BUFFER_BYTES = 1 << 20;

/** Writes all of `bytes` to `fd`. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** Writes the content to `fd`: at once, or piece by piece in bounded buffers. */
function writeContent(fd: number, content: FileContent): void {
  if (typeof content === 'string' || content instanceof Uint8Array) {
    writeAll(fd, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
    return;
  }
  let pending: string[] = [];
  let length = 0;
  for (const piece of content) {
    pending.push(piece);
    // UTF-16 code units: at most 3 bytes each in UTF-8, so the buffer stays within 3x the bound.
    length += piece.length;
    if (length >= STREAM_BUFFER_BYTES) {
      writeAll(fd, Buffer.from(pending.join(''), 'utf8'));
      pending = [];
      length = 0;
    }
  }
  if (length > 0) writeAll(fd, Buffer.from(pending.join(''), 'utf8'));
}

export function writeFileAtomic(path: string, text: FileContent, options: WriteOptions = {}): void {
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
      const fd = openSync(target, 'w');
      try {
        writeContent(fd, text);
      } finally {
        closeSync(fd);
      }
      return;
    }
  }

  const temporary = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // `wx`: O_CREAT | O_EXCL, which never follows a symlink planted at the temporary name.
  const fd = openSync(temporary, 'wx', 0o666);
  try {
    try {
      if (existing?.isFile()) fchmodSync(fd, existing.mode & 0o7777);
      writeContent(fd, text);
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
