/**
 * Every time the project reads from data (an inventory, a report, history, a config) is read by
 * `parseIsoTime` (src/model/dates.ts), which validation also uses: a time without an offset is
 * UTC, an impossible date is no time. `Date.parse` reads a time without an offset in the
 * machine's zone (so two machines would judge the same snapshot apart) and rolls 2026-02-30
 * over to March 2. Only constants of the project's own may still go through it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseIsoTime } from '../../src/model/dates.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
/** Files whose `Date.parse` reads only the project's own constants, or that define the strict reading. */
const ALLOWED = ['model/dates.ts', 'demo/history.ts'];

describe('times read from data', () => {
  it('go through parseIsoTime, not Date.parse', () => {
    const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts'));
    const readers = files.filter(
      (file) => !ALLOWED.includes(file) && /\bDate\.parse\(/.test(readFileSync(join(SRC, file), 'utf8')),
    );
    expect(readers).toEqual([]);
  });

  it('read a time without an offset as UTC and refuse an impossible date', () => {
    expect(parseIsoTime('2026-11-20T10:00:00')).toBe(Date.UTC(2026, 10, 20, 10));
    expect(parseIsoTime('2026-11-20T10:00:00+02:00')).toBe(Date.UTC(2026, 10, 20, 8));
    expect(parseIsoTime('2026-02-30T00:00:00Z')).toBeUndefined();
  });
});
