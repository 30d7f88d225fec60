import type { Io } from './io.js';

/** Progress on stderr, one line rewritten in place at most ten times a second, only on a TTY. */
export function progressLine(io: Io): { update(text: () => string): void; done(): void } {
  // A terminal that cannot move the cursor (TERM=dumb: an editor's shell, some CI consoles) gets no
  // progress line: its clear-line sequence would show as text.
  if (io.stderr.isTTY !== true || io.env.TERM === 'dumb')
    return { update: () => undefined, done: () => undefined };
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
