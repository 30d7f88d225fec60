/** Every store backend closes a round's findings as the in-memory oracle does (lifecycle.ts), and keeps the shard. */
import { describe, expect, it } from 'vitest';
import { historyFromRecords } from '../../src/history/memory.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { A, B, DAY, rotation, shardScan, T } from '../helpers/rounds.js';
import { BACKENDS, open } from '../helpers/stores.js';

const episodesOf = (data: HistoryData) => data.findings.find((f) => f.fingerprint === 'f-rotation')?.episodes;

describe.each(BACKENDS)('rounds in the $name store', (backend) => {
  async function saved(records: ScanRecord[]): Promise<HistoryData> {
    const store = await open(await backend.fresh());
    for (const record of records) expect((await store.save(record)).ok).toBe(true);
    const data = await store.load();
    await store.close();
    return data;
  }

  const r1 = [shardScan(A, 0, 'r1', [rotation('FAIL')]), shardScan(B, 0, 'r1', [])];
  it.each([
    ['the key owner shard saved last', r1],
    ['the key owner shard saved first', [...r1].reverse()],
    ['a round completed without it', [...r1, shardScan(B, 1, 'r2', []), shardScan(A, 1, 'r2', [])]],
    ['a round still missing a shard', [...r1, shardScan(B, 1, 'r2', [])]],
  ])('episodes as the oracle: %s', async (_name, records) => {
    expect(episodesOf(await saved(records))).toEqual(episodesOf(historyFromRecords(records)));
  });

  it('stays open while the round misses the shard that saw it, and closes when the round completes', async () => {
    expect(episodesOf(await saved([...r1, shardScan(B, 1, 'r2', [])]))).toEqual([
      { openedAt: T, severity: 'medium' },
    ]);
    expect(episodesOf(await saved([...r1, shardScan(B, 1, 'r2', []), shardScan(A, 1, 'r2', [])]))).toEqual([
      { openedAt: T, severity: 'medium', resolvedAt: T + DAY, resolution: 'resource-gone' },
    ]);
  });

  it('counts a shard saved again in its round by its newest save: what that save no longer sees closes', async () => {
    const records = [...r1, shardScan(A, 0.5, 'r1', [])];
    const episodes = episodesOf(await saved(records));
    expect(episodes).toEqual(episodesOf(historyFromRecords(records)));
    expect(episodes).toHaveLength(1);
    expect(episodes?.[0]).toMatchObject({ openedAt: T, resolvedAt: T + DAY / 2 });
  });

  it('reads back the shard of each scan', async () => {
    expect((await saved(r1)).scans.map((s) => s.shard)).toEqual(r1.map((r) => r.scan.shard));
  });
});
