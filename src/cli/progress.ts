import type { Io } from './io.js';

/** Progress on stderr, one line rewritten in place at most ten times a second, only on a TTY. */
export function progressLine(io: Io): { update(text: () => string): void; done(): void } {
  if (io.stderr.isTTY !== true) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      io.stderr.write(`\r\x1b[K${text()}`);
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[K');
    },
  };
}
