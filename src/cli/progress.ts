import { type Io, inCi } from './io.js';

/** Progress on stderr, one line rewritten in place at most ten times a second, only on a TTY outside CI. */
export function progressLine(io: Io): { update(text: () => string): void; done(): void } {
  // A terminal that cannot move the cursor (TERM=dumb: an editor's shell, some CI consoles) gets no
  // progress line: its clear-line sequence would show as text. Nor does a CI job on a
  // pseudo-terminal: its log would keep every rewrite.
  if (io.stderr.isTTY !== true || io.env.TERM === 'dumb' || inCi(io))
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
