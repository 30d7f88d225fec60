/**
 * The latest round of a sharded scan is judged as of the window's end, whatever the window's start
 * (docs/history-and-kpis.md, "Sharded scans: rounds"): a round missing a shard, followed by no
 * later round nor a later scan of at least its accounts, is incomplete now even when it was saved
 * before `--since`, on every backend as in memory; a later scan of all its accounts supersedes it.
 */
import { describe, expect, it } from 'vitest';
import { historyFromRecords } from '../../src/history/memory.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import { A, B, DAY, shardScan, T } from '../helpers/rounds.js';
import { BACKENDS, type Backend, open } from '../helpers/stores.js';

type Load = (
  records: readonly ScanRecord[],
  window: { since: number; until: number },
) => Promise<HistoryData>;
const stored =
  (backend: Backend): Load =>
  async (records, window) => {
    const store = await open(await backend.fresh());
    for (const r of records) expect((await store.save(r)).ok).toBe(true);
    const data = await store.load(window);
    await store.close();
    return data;
  };
const SOURCES: [string, Load][] = [
  ...BACKENDS.map((b): [string, Load] => [b.name, stored(b)]),
  ['memory', async (records) => historyFromRecords(records)],
];

/** An unsharded scan of the accounts given, on day `day`. */
function unsharded(day: number, accounts: string[]): ScanRecord {
  const base = shardScan(B, day, `plain-${day}`, [], 'compliant');
  const { shard: _shard, ...scan } = base.scan;
  return {
    ...base,
    scan: {
      ...scan,
      reportId: `plain-${day}-${accounts.join('-')}`,
      accounts,
      scope: accounts.flatMap((a) => [`aws:${a}`, `aws:${a}:us-east-1`]),
    },
  };
}

describe.each(SOURCES)('the latest round before the window (%s)', (_name, load) => {
  const window = { since: T + 3 * DAY, until: T + 10 * DAY };

  it('is still the latest, missing shard 2: now is incomplete and the issue names it', async () => {
    // r1's first shard on day 0, then a scan of B alone on day 5: r1 is the latest round, incomplete.
    const records = [shardScan(A, 0, 'r1', [], 'compliant'), unsharded(5, [B])];
    const report = computeKpis(await load(records, window), { window, kpis: ['compliance'] });
    // It read complete from a store (the round was before --since): no issue, a percentage.
    expect(report.compliance!.now.incomplete).toEqual({ id: 'r1', shards: 2, missing: [2] });
    expect(report.compliance!.now.overall.clusters.pct).toBeNull();
    expect(report.issues.map((i) => i.code)).toEqual(['history.round_incomplete']);
  });

  it('is superseded by a later scan of all its accounts, before the window too', async () => {
    const records = [shardScan(A, 0, 'r1', [], 'compliant'), unsharded(1, [A, B]), unsharded(5, [B])];
    const report = computeKpis(await load(records, window), { window, kpis: ['compliance'] });
    expect(report.compliance!.now.incomplete).toBeUndefined();
    expect(report.issues).toEqual([]);
  });
});
