/**
 * The one way the IaC parsers read a file. Every read resolves symbolic links first (`realpath`)
 * and refuses a file whose real path leaves the scanned roots, so a repository cannot pull a file
 * of the machine (`/etc/passwd`, `~/.aws/credentials`, `/proc/self/environ`) into a report through
 * a symlink, `file()`, a module source or a nested-stack path. Reads are bounded in size, and
 * devices, FIFOs, sockets and the kernel's pseudo-files (/proc, /sys, /dev) are refused before
 * they are opened for reading (a FIFO would block the scan forever).
 *
 * Files the user names on the command line (`--parameters`, `--var-file`, a path to scan) are
 * their own root: the user chose them. Unless the name is a symbolic link out of the repository (or
 * working directory) it sits in: `iac pr/infra` where the pull request made `infra` a link to `/`
 * names the link, not what it points to (`linkedOutOfTree`).
 */
import {
  closeSync,
  constants,
  type Dirent,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { linkedOutOfTree } from '../../files/tree.js';

export type ReadRefusal =
  /** The real path leaves every scanned root. */
  | 'outside'
  /** A device, FIFO, socket, directory, or a /proc, /sys or /dev file. */
  | 'special'
  /** Over the size limit. */
  | 'too_large'
  /** Missing, a symlink loop, no permission... (`detail` has the errno code). */
  | 'unreadable';

export type BoundedRead =
  | { ok: true; buffer: Buffer; realPath: string }
  | { ok: false; refusal: ReadRefusal; detail: string; size?: number };

/** Pseudo-filesystems whose files are not what a repository holds, whatever links point there. */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

const isWithin = (root: string, path: string): boolean => {
  if (root === path) return true;
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
};

/** The real directories a scan may read from: each scanned directory, or the directory of a scanned file. */
export function scanRoots(paths: readonly string[], cwd: string): string[] {
  const roots: string[] = [];
  for (const path of paths) {
    const absPath = resolve(cwd, path);
    // A path that links out of its tree is refused (discover says so): it adds no root.
    if (linkedOutOfTree(path, cwd)) continue;
    try {
      const real = realpathSync(absPath);
      roots.push(statSync(real).isDirectory() ? real : dirname(real));
    } catch {
      // a path that cannot be resolved adds no root
    }
  }
  return roots;
}

/** Whether a real (already resolved) path is a kernel pseudo-file or a device: under /proc, /sys or /dev. */
export const isPseudoFile = (realPath: string): boolean =>
  PSEUDO_ROOTS.some((pseudo) => isWithin(pseudo, realPath));

/**
 * What a path that is neither a regular file nor a directory is, for a message that names it: a
 * FIFO, a socket, a device, or a kernel pseudo-file (`/proc/self/environ` is a regular file to
 * `stat`, of size 0, whatever it holds). Undefined for a regular file or directory of the disk.
 */
export function specialKind(
  stats: Pick<Stats | Dirent, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>,
  realPath: string | undefined,
): string | undefined {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (realPath !== undefined && isPseudoFile(realPath))
    return 'a kernel pseudo-file (under /proc, /sys or /dev)';
  return undefined;
}

/** Whether a real (already resolved) path is inside one of the roots, and not a pseudo-file. */
export function insideRoots(realPath: string, roots: readonly string[]): boolean {
  if (isPseudoFile(realPath)) return false;
  return roots.some((root) => isWithin(root, realPath));
}

/** The real path of a path, or undefined when it does not resolve (missing, a loop, no permission). */
export function realPathOf(absPath: string): string | undefined {
  try {
    return realpathSync(absPath);
  } catch {
    return undefined;
  }
}

/** Whether a path (file or directory) may be read: its real path is inside the roots. */
export function mayRead(absPath: string, roots: readonly string[]): boolean {
  const real = realPathOf(absPath);
  return real !== undefined && insideRoots(real, roots);
}

export interface ReadLimits {
  /** Real directories the file must be inside; `undefined` only for a file the user named. */
  roots: readonly string[] | undefined;
  maxBytes: number;
  /** Read only this many bytes from the start (a sniff), however large the file is. */
  head?: number;
}

/** What a pseudo-file or device is, said without opening it (`stat` does not open). */
function notRegular(realPath: string): string {
  let kind: string | undefined;
  try {
    kind = specialKind(statSync(realPath), realPath);
  } catch {
    kind = undefined;
  }
  return `not a regular file but ${kind ?? 'a kernel pseudo-file (under /proc, /sys or /dev)'}`;
}

/** Reads a file under the limits above, or says why not. Never throws, never blocks on a FIFO. */
export function readBounded(absPath: string, limits: ReadLimits): BoundedRead {
  let realPath: string;
  try {
    realPath = realpathSync(absPath);
  } catch (error) {
    return { ok: false, refusal: 'unreadable', detail: errnoOf(error) };
  }
  if (isPseudoFile(realPath)) return { ok: false, refusal: 'special', detail: notRegular(realPath) };
  if (limits.roots && !insideRoots(realPath, limits.roots))
    return { ok: false, refusal: 'outside', detail: 'its real path is outside the scanned directories' };
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer. O_NOFOLLOW: the path was
    // resolved above, so a link swapped in since is refused rather than followed.
    fd = openSync(realPath, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    return { ok: false, refusal: 'unreadable', detail: errnoOf(error) };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile())
      return {
        ok: false,
        refusal: 'special',
        detail: `not a regular file but ${specialKind(stats, realPath) ?? 'a special file'}`,
      };
    const want = limits.head ?? limits.maxBytes;
    if (limits.head === undefined && stats.size > limits.maxBytes)
      return { ok: false, refusal: 'too_large', detail: 'over the size limit', size: stats.size };
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(64 * 1024, want + 1 - total)));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      if (total > want) {
        if (limits.head !== undefined) break;
        return {
          ok: false,
          refusal: 'too_large',
          detail: 'grew past the size limit while being read',
          size: total,
        };
      }
    }
    const buffer = Buffer.concat(chunks, total);
    return { ok: true, buffer: limits.head !== undefined ? buffer.subarray(0, want) : buffer, realPath };
  } catch (error) {
    return { ok: false, refusal: 'unreadable', detail: errnoOf(error) };
  } finally {
    closeSync(fd);
  }
}

const errnoOf = (error: unknown): string =>
  (error as NodeJS.ErrnoException).code ?? (error as Error).message ?? 'error';

/**
 * Text from a buffer: UTF-8 (a BOM dropped), or UTF-16 with a byte-order mark, decoded. A buffer
 * with NUL bytes and no UTF-16 mark (UTF-32, or binary) is `undefined`.
 */
export function decodeText(
  buffer: Buffer,
): { text: string; encoding: 'utf8' | 'utf16le' | 'utf16be' } | undefined {
  if (buffer.length >= 4 && buffer[0] === 0xff && buffer[1] === 0xfe && buffer[2] === 0 && buffer[3] === 0)
    return undefined; // UTF-32 LE
  if (buffer.length >= 2 && buffer[0] === 0xff && buffer[1] === 0xfe)
    return { text: buffer.subarray(2).toString('utf16le'), encoding: 'utf16le' };
  if (buffer.length >= 2 && buffer[0] === 0xfe && buffer[1] === 0xff) {
    const body = Buffer.from(buffer.subarray(2, 2 + ((buffer.length - 2) & ~1)));
    body.swap16();
    return { text: body.toString('utf16le'), encoding: 'utf16be' };
  }
  if (buffer.subarray(0, 8192).includes(0)) {
    // UTF-16 without a byte-order mark: text whose every other byte is NUL.
    const order = utf16Order(buffer);
    if (order === 'le') return { text: buffer.toString('utf16le'), encoding: 'utf16le' };
    if (order === 'be') {
      const body = Buffer.from(buffer.subarray(0, buffer.length & ~1));
      body.swap16();
      return { text: body.toString('utf16le'), encoding: 'utf16be' };
    }
    return undefined;
  }
  let text = buffer.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { text, encoding: 'utf8' };
}

/** 'le' or 'be' when the first bytes read as ASCII text in UTF-16 (every other byte NUL), else undefined. */
function utf16Order(buffer: Buffer): 'le' | 'be' | undefined {
  const n = Math.min(buffer.length, 1024) & ~1;
  if (n < 4) return undefined;
  let le = true;
  let be = true;
  for (let i = 0; i < n; i += 2) {
    const first = buffer[i]!;
    const second = buffer[i + 1]!;
    const printable = (byte: number) =>
      byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127);
    if (!(printable(first) && second === 0)) le = false;
    if (!(first === 0 && printable(second))) be = false;
    if (!le && !be) return undefined;
  }
  return le ? 'le' : be ? 'be' : undefined;
}
