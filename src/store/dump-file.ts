/**
 * Reads a history dump (`history import --from FILE.jsonl`) line by line, never whole: memory
 * stays flat in the file's size. The file must be a regular file (a FIFO, device or socket would
 * block or never end: refused before a byte is read), and no line may be longer than
 * `MAX_DUMP_LINE` bytes (what `history export` writes at most): a longer line is refused naming
 * its number and its length, without holding more of it than the limit. Lines are UTF-8; a line
 * that is not is refused by number rather than read with replacement characters. Every refusal
 * is an `InputRejected` naming the file (exit 2).
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { type InputError, InputRejected } from '../model/input-error.js';
import { MAX_DUMP_LINE } from './dump.js';

const READ_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const HINT = 'pass --from a file written by `history export --to FILE.jsonl`';

export interface DumpFile {
  /** The file's lines, without their line ends (`\n` or `\r\n`); closes the file when done. */
  lines(): AsyncIterable<string>;
  close(): Promise<void>;
}

const refuse = (input: string, message: string, hint = HINT): InputRejected =>
  new InputRejected({ code: 'history.dump_unreadable', input, message, hint } satisfies InputError);

const errnoOf = (error: unknown): string => {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? error);
};

/**
 * Opens a dump for reading, refusing what is not a regular file. `shownAs` is how the file is named
 * in messages (as the user gave it).
 */
export async function openDumpFile(path: string, shownAs: string): Promise<DumpFile> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw refuse(shownAs, `cannot be read: ${errnoOf(error)}`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile())
      throw refuse(
        shownAs,
        stats.isDirectory() ? 'is a directory' : 'is not a regular file (a device, socket or pipe)',
      );
  } catch (error) {
    await handle.close().catch(() => undefined);
    if (error instanceof InputRejected) throw error;
    throw refuse(shownAs, `cannot be read: ${errnoOf(error)}`);
  }
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => undefined);
  };
  return { lines: () => readLines(handle, shownAs, close), close };
}

async function* readLines(
  handle: FileHandle,
  shownAs: string,
  close: () => Promise<void>,
): AsyncIterable<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  /** The current line's bytes so far: never more than MAX_DUMP_LINE + 1 (a `\r` may end it). */
  let pieces: Buffer[] = [];
  let length = 0;
  let number = 1;
  const tooLong = (bytes: number) =>
    refuse(
      `${shownAs}:${number}`,
      `the line is ${bytes} bytes long; a dump line may be at most ${MAX_DUMP_LINE} bytes (16 MiB)`,
      'a dump is written by `hyperpod-cmk history export --to FILE.jsonl`, whose lines are never longer; nothing was imported',
    );
  const finish = (): string => {
    let bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, length);
    pieces = [];
    length = 0;
    if (bytes.at(-1) === 0x0d) bytes = bytes.subarray(0, -1);
    if (bytes.length > MAX_DUMP_LINE) throw tooLong(bytes.length);
    try {
      return decoder.decode(bytes);
    } catch {
      throw refuse(`${shownAs}:${number}`, 'is not UTF-8 text');
    }
  };
  try {
    for (;;) {
      let read: number;
      try {
        ({ bytesRead: read } = await handle.read(buffer, 0, READ_BYTES, null));
      } catch (error) {
        throw refuse(shownAs, `cannot be read (at line ${number}): ${errnoOf(error)}`);
      }
      if (read === 0) break;
      let start = 0;
      while (start < read) {
        const end = buffer.indexOf(NEWLINE, start);
        const stop = end === -1 || end >= read ? read : end;
        length += stop - start;
        // Over the limit even with a `\r` taken off: the rest of the line is only counted.
        if (length > MAX_DUMP_LINE + 1)
          throw tooLong(await lengthOfLongLine(handle, buffer, stop, read, length));
        pieces.push(Buffer.from(buffer.subarray(start, stop)));
        if (stop === read) break;
        yield finish();
        number++;
        start = stop + 1;
      }
    }
    if (length > 0) yield finish();
  } finally {
    await close();
  }
}

/**
 * How long a line that is over the limit is: the bytes counted so far and those up to its end,
 * read in the same buffer (none of them kept).
 */
async function lengthOfLongLine(
  handle: FileHandle,
  buffer: Buffer,
  stop: number,
  read: number,
  counted: number,
): Promise<number> {
  let total = counted;
  if (stop < read) return total;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) return total;
    const end = buffer.indexOf(NEWLINE, 0);
    if (end !== -1 && end < bytesRead) return total + end;
    total += bytesRead;
  }
}
