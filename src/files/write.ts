/**
 * The one way the CLI writes a file (reports, guardrails, the HTML dashboard, snapshots from
 * `collect -o` and `demo --export`, history and KPI exports): into a temporary file in the same
 * directory, flushed, then renamed over the target. A write that fails (disk full, killed) leaves
 * the previous file or nothing, never a truncated report; a symlink at the target is replaced, not
 * written through, nor is a directory that a checkout links out of itself (files/tree.ts). With
 * `within`, the path must stay inside that directory, and no directory
 * between it and the file may be a symlink (a pull request or an earlier run could have planted
 * one pointing anywhere): such a path is refused. A target that is a device, FIFO or socket (`-o
 * /dev/stdout`) is written in place: there is nothing there to truncate. The content may be a
 * stream of pieces (a large JSON report): they are encoded as they come into one reused buffer of
 * `STREAM_BUFFER_BYTES`, written each time it fills, so the whole text is never held at once (a
 * long string is written the same way, never copied whole into bytes); the temporary file and
 * rename apply the same, and a piece that fails to be made (it throws) leaves the previous file.
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
import { linkedOutOfTree } from './tree.js';

export interface WriteOptions {
  /** The directory the file must stay inside (the user's `--out`), symlinked subdirectories refused. */
  within?: string;
  /**
   * `false`: the file is not flushed to disk before it takes the target's place. For a directory
   * of many generated files (a key policy per key: 120,000 files at organisation scale, where a
   * flush each was half the run): each file still replaces its target whole, as far as any other
   * process sees; only a crash of the machine itself may leave one empty, as it may leave the
   * directory partly written anyway. Default `true`.
   */
  durable?: boolean;
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

/** The buffer text is encoded into before it is written: every write but a file's last is about this size. */
export const STREAM_BUFFER_BYTES = 1 << 20;

/** Writes all of `bytes` to `fd`. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;

/**
 * Text encoded as UTF-8 into one reused buffer, written to `fd` whenever the next piece does not
 * fit: the same bytes as `Buffer.from(pieces.join(''))`, without ever holding the joined text or
 * more than one buffer of bytes. A pair of surrogates is never encoded in halves (each half alone
 * would become U+FFFD): a piece that ends in a high surrogate keeps it for the next piece, and a
 * piece longer than the buffer is encoded in slices that are cut between code points.
 */
class Utf8Stream {
  private readonly buffer: Buffer;
  private used = 0;
  /** A high surrogate that ended the last piece, completed (or not) by the next one. */
  private pendingHigh = '';

  constructor(
    private readonly fd: number,
    capacity: number = STREAM_BUFFER_BYTES,
  ) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  write(piece: string): void {
    let text = this.pendingHigh === '' ? piece : this.pendingHigh + piece;
    this.pendingHigh = '';
    if (text.length > 0 && isHighSurrogate(text.charCodeAt(text.length - 1))) {
      this.pendingHigh = text.slice(-1);
      text = text.slice(0, -1);
    }
    this.encode(text);
  }

  /** Writes what is still buffered (a last lone high surrogate becomes U+FFFD, as in Buffer.from). */
  end(): void {
    if (this.pendingHigh !== '') this.encode(this.pendingHigh);
    this.pendingHigh = '';
    this.flush();
  }

  /** Encodes text that does not end inside a surrogate pair. */
  private encode(text: string): void {
    // UTF-8 takes at least one byte and at most three per UTF-16 code unit.
    const room = this.buffer.length - this.used;
    if (text.length * 3 > room && (text.length > room || Buffer.byteLength(text, 'utf8') > room)) {
      this.flush();
      if (text.length * 3 > this.buffer.length && Buffer.byteLength(text, 'utf8') > this.buffer.length) {
        this.encodeInSlices(text);
        return;
      }
    }
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  /** Text longer than the buffer, in slices of at most a third of it, never between two surrogates. */
  private encodeInSlices(text: string): void {
    const slice = Math.floor(this.buffer.length / 3);
    let start = 0;
    while (start < text.length) {
      let end = Math.min(start + slice, text.length);
      if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
      this.encode(text.slice(start, end));
      start = end;
    }
  }

  private flush(): void {
    if (this.used === 0) return;
    writeAll(this.fd, this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/** Writes the content to `fd`: bytes at once, text through one bounded buffer. */
function writeContent(fd: number, content: FileContent): void {
  if (content instanceof Uint8Array) {
    writeAll(fd, content);
    return;
  }
  if (typeof content === 'string') {
    // A short text takes a buffer of its size at most (three bytes a code unit).
    const stream = new Utf8Stream(fd, Math.min(STREAM_BUFFER_BYTES, Math.max(3, 3 * content.length)));
    stream.write(content);
    stream.end();
    return;
  }
  const stream = new Utf8Stream(fd);
  for (const piece of content) stream.write(piece);
  stream.end();
}

/** A file being written: its descriptor, then either `commit` (it takes the target's place) or `abort`. */
interface OpenTarget {
  fd: number;
  commit(): void;
  abort(): void;
}

/**
 * Opens where `path` is written: a temporary file beside it that `commit` syncs and renames over
 * it (or, for a character device, FIFO or socket the user named, the target itself).
 */
function openTarget(path: string, options: WriteOptions): OpenTarget {
  const target = resolve(path);
  const dir = dirname(target);
  if (options.within !== undefined) {
    const root = resolve(options.within);
    const rel = relative(root, target);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
      throw failure('EACCES', `${path} is outside ${options.within}; refusing to write it`);
    ensureConfinedDirectory(root, dir);
  } else {
    // A directory on the way that a checkout links out of itself (`reports -> ../elsewhere`,
    // planted by a pull request) is not written through: the user named a path inside the tree.
    const escaped = linkedOutOfTree(dir, process.cwd());
    if (escaped)
      throw failure(
        'ELOOP',
        `${path} leads out of ${escaped.tree} through a symbolic link (to ${escaped.real}); refusing to write through it (name the real path to write there)`,
      );
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
      return { fd, commit: () => closeSync(fd), abort: () => closeSync(fd) };
    }
  }

  const temporary = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // `wx`: O_CREAT | O_EXCL, which never follows a symlink planted at the temporary name.
  const fd = openSync(temporary, 'wx', 0o666);
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    closeSync(fd);
  };
  const abort = () => {
    close();
    try {
      unlinkSync(temporary);
    } catch {
      // Already renamed or never created: nothing to clean up.
    }
  };
  try {
    if (existing?.isFile()) fchmodSync(fd, existing.mode & 0o7777);
  } catch (error) {
    abort();
    throw error;
  }
  return {
    fd,
    commit: () => {
      try {
        if (options.durable !== false) fsyncSync(fd);
        close();
        renameSync(temporary, target);
      } catch (error) {
        abort();
        throw error;
      }
    },
    abort,
  };
}

export function writeFileAtomic(path: string, text: FileContent, options: WriteOptions = {}): void {
  const out = openTarget(path, options);
  try {
    writeContent(out.fd, text);
  } catch (error) {
    out.abort();
    throw error;
  }
  out.commit();
}

/**
 * `writeFileAtomic` for text that arrives in pieces over time (rows read from a database): each
 * piece is encoded into the bounded buffer as it comes, so that the whole text is never held. If
 * the pieces fail part-way, the target is left as it was.
 */
export async function writeFileAtomicStreamed(
  path: string,
  pieces: AsyncIterable<string>,
  options: WriteOptions = {},
): Promise<void> {
  const out = openTarget(path, options);
  try {
    const stream = new Utf8Stream(out.fd);
    for await (const piece of pieces) stream.write(piece);
    stream.end();
  } catch (error) {
    out.abort();
    throw error;
  }
  out.commit();
}
