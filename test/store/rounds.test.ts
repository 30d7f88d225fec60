/** Every store backend closes a round's findings as the in-memory oracle does (lifecycle.ts), and keeps the shard. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { historyFromRecords } from '../../src/history/memory.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import { memoryIo } from '../helpers/io.js';
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

  it('loads a window with the earlier shards of a round whose newest shard is in it, as the in-memory history gives the KPIs', async () => {
    const records = [
      shardScan(A, 0, 'r1', [], 'compliant'),
      shardScan(B, 2, 'r1', [], 'compliant'),
      shardScan(A, 3, 'r2', [], 'compliant'),
      shardScan(B, 4, 'r2', [], 'non-compliant'),
    ];
    const store = await open(await backend.fresh());
    for (const record of records) expect((await store.save(record)).ok).toBe(true);
    const window = { since: T + DAY, until: T + 10 * DAY };
    const data = await store.load(window);
    await store.close();
    expect(data.scans.map((s) => s.at)).toEqual([T, T + 2 * DAY, T + 3 * DAY, T + 4 * DAY]);
    const kpis = (history: HistoryData) => computeKpis(history, { window, kpis: ['compliance'] }).compliance!;
    const expected = kpis(historyFromRecords(records));
    expect(kpis(data)).toEqual(expected);
    expect(
      expected.trend.map((p) => [p.round?.missing, p.overall.clusters.total, p.overall.clusters.pct]),
    ).toEqual([
      [[], 2, 100],
      [[], 2, 50],
    ]);
  });

  it('history --since: a round straddling the start is listed in the window and not called incomplete', async () => {
    const target = await backend.fresh();
    const store = await open(target);
    for (const record of [shardScan(A, 0, 'r1', [], 'compliant'), shardScan(B, 2, 'r1', [], 'compliant')])
      expect((await store.save(record)).ok).toBe(true);
    await store.close();
    const io = memoryIo();
    const since = new Date(T + DAY).toISOString();
    const now = new Date(T + 10 * DAY).toISOString();
    expect(
      await runCli(['history', '--db', target, '--since', since, '--now', now, '--format', 'json'], io),
    ).toBe(0);
    const listed = JSON.parse(io.out()) as { scans: { time: string }[]; incompleteRound?: unknown };
    expect(listed.scans.map((s) => s.time)).toEqual([new Date(T + 2 * DAY).toISOString()]);
    expect(listed.incompleteRound).toBeUndefined();
  });
});
