/** The SQLite store closes a round's findings as the in-memory oracle does (lifecycle.ts), and keeps the shard. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyFromRecords } from '../../src/history/memory.js';
import type { ScanRecord } from '../../src/history/types.js';
import { openHistory } from '../../src/store/sqlite.js';
import { A, B, DAY, rotation, shardScan, T } from '../helpers/rounds.js';

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-rounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function saved(records: ScanRecord[]) {
  const store = openHistory(join(dir, `h${++n}.db`), { create: true });
  if (!store.ok) throw new Error(store.error.message);
  for (const record of records) expect(store.value.save(record).ok).toBe(true);
  const data = store.value.load();
  store.value.close();
  return data;
}

const episodesOf = (data: ReturnType<typeof saved>) =>
  data.findings.find((f) => f.fingerprint === 'f-rotation')?.episodes;

describe('rounds in SQLite', () => {
  const r1 = [shardScan(A, 0, 'r1', [rotation('FAIL')]), shardScan(B, 0, 'r1', [])];
  it.each([
    ['the key owner shard saved last', r1],
    ['the key owner shard saved first', [...r1].reverse()],
    ['a round completed without it', [...r1, shardScan(B, 1, 'r2', []), shardScan(A, 1, 'r2', [])]],
    ['a round still missing a shard', [...r1, shardScan(B, 1, 'r2', [])]],
  ])('episodes as the oracle: %s', (_name, records) => {
    expect(episodesOf(saved(records))).toEqual(episodesOf(historyFromRecords(records)));
  });

  it('stays open while the round misses the shard that saw it, and closes when the round completes', () => {
    expect(episodesOf(saved([...r1, shardScan(B, 1, 'r2', [])]))).toEqual([
      { openedAt: T, severity: 'medium' },
    ]);
    expect(episodesOf(saved([...r1, shardScan(B, 1, 'r2', []), shardScan(A, 1, 'r2', [])]))).toEqual([
      { openedAt: T, severity: 'medium', resolvedAt: T + DAY, resolution: 'resource-gone' },
    ]);
  });

  it('reads back the shard of each scan', () => {
    expect(saved(r1).scans.map((s) => s.shard)).toEqual(r1.map((r) => r.scan.shard));
  });
});
