/**
 * Organisation-scale and hostile inputs of many parts, each in a process of its own over the built
 * package: the main thread's default stack, as the CLI runs (a test worker's stack is larger, and
 * would hide the "Maximum call stack size exceeded" these once threw). 300,000 open failures in
 * history, a table of 300,000 rows, a Markdown code span of 300,000 backtick runs, a Terraform
 * heredoc of 300,000 lines.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('../fixtures/many-items-child.mjs', import.meta.url));
const run = (name: string): unknown =>
  JSON.parse(execFileSync(process.execPath, [CHILD, name], { encoding: 'utf8', maxBuffer: 1 << 20 }));

describe('inputs of 300,000 parts, on the stack the CLI has', () => {
  it('finding ages over 300,000 open failures', () => {
    expect(run('ages')).toEqual({ open: 300_000, oldestDays: 99 });
  });

  it('a table of 300,000 rows', () => {
    expect(run('table')).toEqual({ lines: 300_001, header: 'n       value' });
  });

  it('a Markdown code span of text with 300,000 runs of backticks', () => {
    expect(run('markdown')).toEqual({ fence: '``', length: 600_006 });
  });

  it('an indented Terraform heredoc of 300,000 lines', () => {
    expect(run('heredoc')).toEqual({ ok: true });
  });
});
