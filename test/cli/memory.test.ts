/**
 * The collection a large run makes between its phases (src/cli/memory.ts): it collects what
 * nothing holds any more and keeps what is held, in a process started without --expose-gc, as
 * users start the CLI. In a child process of its own, so that the flag it sets touches no other test.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const memory = fileURLToPath(new URL('../../dist/cli/memory.js', import.meta.url));

const script = `
import { collectGarbage } from ${JSON.stringify(memory)};
const before = typeof globalThis.gc;
let dropped;
const kept = { held: true };
let heldRef;
(() => {
  dropped = new WeakRef({ payload: new Array(100000).fill(1) });
  heldRef = new WeakRef(kept);
})();
// A WeakRef's target is kept until the job that made it ends.
await new Promise((resolve) => setImmediate(resolve));
collectGarbage();
const first = { before, dropped: dropped.deref() === undefined, held: heldRef.deref() === kept };
// Once set up, it collects again (and twice in a row is no error).
let again;
(() => { again = new WeakRef({ more: new Array(1000).fill(2) }); })();
await new Promise((resolve) => setImmediate(resolve));
collectGarbage();
collectGarbage();
process.stdout.write(JSON.stringify({ ...first, again: again.deref() === undefined }));
`;

describe('collectGarbage', () => {
  it('collects what nothing holds and keeps what is held, without --expose-gc', () => {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      before: 'undefined',
      dropped: true,
      held: true,
      again: true,
    });
  });
});
