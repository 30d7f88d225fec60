/** An in-memory Io for running commands in tests without a process. */
import { readFileSync, statSync } from 'node:fs';
import type { Io } from '../../src/cli/io.js';
import { writeFileAtomic, writeFileAtomicStreamed } from '../../src/files/write.js';

export interface MemoryIo extends Io {
  out(): string;
  err(): string;
}

export function memoryIo(
  options: { cwd?: string; env?: Record<string, string>; now?: Date; files?: Record<string, string> } = {},
): MemoryIo {
  let stdout = '';
  let stderr = '';
  const files = new Map(Object.entries(options.files ?? {}));
  return {
    stdout: {
      write: (text: string) => {
        stdout += text;
      },
      isTTY: false,
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
      },
      isTTY: false,
    },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    now: () => options.now ?? new Date('2026-11-27T12:00:00Z'),
    readFile: (path) => files.get(path) ?? readFileSync(path, 'utf8'),
    // The real writer, so that tests through this io see what the CLI does on disk.
    writeFile: (path, text, writeOptions) => writeFileAtomic(path, text, writeOptions),
    writeFileStreamed: (path, pieces, writeOptions) => writeFileAtomicStreamed(path, pieces, writeOptions),
    exists: (path) => {
      if (files.has(path)) return true;
      try {
        statSync(path);
        return true;
      } catch {
        return false;
      }
    },
    out: () => stdout,
    err: () => stderr,
  };
}
