/** What a command may touch of the outside world, injected so commands run in tests without a process. */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDirectory } from '../files/directories.js';

export interface Io {
  /** `columns`: the terminal's width, when stdout is one (the table is cut to it). */
  stdout: { write(text: string): void; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): void; isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  now(): Date;
  readFile(path: string): string;
  writeFile(path: string, text: string): void;
  exists(path: string): boolean;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    readFile: (path) => readFileSync(path, 'utf8'),
    writeFile: (path, text) => {
      ensureDirectory(dirname(path));
      writeFileSync(path, text);
    },
    exists: (path) => {
      try {
        statSync(path);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** Colour on a TTY only, never with NO_COLOR; FORCE_COLOR forces it (for tests of the coloured output). */
export function useColor(io: Io, stream: 'stdout' | 'stderr' = 'stdout'): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io[stream].isTTY === true && io.env.TERM !== 'dumb';
}
