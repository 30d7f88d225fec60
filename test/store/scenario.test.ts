/**
 * The scripted history (test/helpers/history.ts) through every store backend and the in-memory
 * builder, with the same exact expectations.
 */
import { describe, expect, it } from 'vitest';
import { historyFromRecords } from '../../src/history/memory.js';
import { scanRecord } from '../../src/history/record.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import { at, DAY, scenarioReport, scenarioScans, T0 } from '../helpers/history.js';
import { BACKENDS, type Backend, open } from '../helpers/stores.js';

const records: ScanRecord[] = scenarioScans().map((scan) => scanRecord(scenarioReport(scan), scan.inventory));

/** The scenario saved once per backend, read as of `until`. */
function fromStore(backend: Backend) {
  let target: Promise<string> | undefined;
  const saved = async () => {
    const t = await backend.fresh();
    const store = await open(t);
    for (const record of records) {
      const result = await store.save(record);
      expect(result.ok).toBe(true);
    }
    await store.close();
    return t;
  };
  return async (until: number): Promise<HistoryData> => {
    target ??= saved();
    const store = await open(await target, { create: false, readOnly: true });
    const data = await store.load({ until });
    await store.close();
    return data;
  };
}

async function fromMemory(until: number): Promise<HistoryData> {
  return historyFromRecords(records.filter((r) => r.scan.at <= until));
}

const SOURCES: [string, (until: number) => Promise<HistoryData>][] = [
  ...BACKENDS.map((b): [string, (until: number) => Promise<HistoryData>] => [b.name, fromStore(b)]),
  ['memory', fromMemory],
];

const K1 = 'arn:aws:kms:us-east-1:111122223333:key/k1';
const K2 = 'arn:aws:kms:us-east-1:111122223333:key/k2';
const P1 = 'arn:aws:sts::111122223333:assumed-role/sandbox/mallory';
const P2 = 'arn:aws:sts::111122223333:assumed-role/ci/runner';

describe.each(SOURCES)('history scenario (%s)', (_name, load) => {
  const kpisAt = async (day: number, since = T0) => {
    const until = at(day).getTime();
    return computeKpis(await load(until), { window: { since, until } });
  };

  it('traces compliance per scan: 100, 50 (one by exception), 50, 0 (suppression expired), 0, 100', async () => {
    const k = await kpisAt(20);
    const trend = k.compliance!.trend;
    expect(trend.map((p) => p.at)).toEqual([0, 2, 5, 9, 12, 20].map((d) => at(d).toISOString()));
    expect(trend.map((p) => p.overall.clusters.pct)).toEqual([100, 50, 50, 0, 0, 100]);
    expect(trend.map((p) => p.overall.clusters.byException)).toEqual([0, 1, 1, 0, 0, 0]);
    expect(trend.map((p) => p.overall.clusters.total)).toEqual([2, 2, 2, 2, 1, 1]);
    expect(trend.map((p) => p.overall.instanceGroups.pct)).toEqual([100, 50, 50, 0, 0, 100]);
  });

  it('judges compliance now from the latest state: the deleted cluster no longer counts', async () => {
    expect((await kpisAt(12)).compliance!.now.overall.clusters).toMatchObject({
      total: 1,
      compliant: 0,
      nonCompliant: 1,
      pct: 0,
    });
    expect((await kpisAt(20)).compliance!.now.overall.clusters).toMatchObject({
      total: 1,
      compliant: 1,
      pct: 100,
    });
    expect((await kpisAt(5)).compliance!.now.overall.clusters).toMatchObject({
      total: 2,
      compliant: 0,
      byException: 1,
      pct: 50,
    });
  });

  it('measures time to remediate per severity; a deleted resource is closed apart, not remediated', async () => {
    const mttr = (await kpisAt(20)).remediation!.mttr;
    expect(mttr).toEqual([
      {
        group: 'medium',
        fixed: 1,
        meanDays: 7,
        medianDays: 7,
        resourceGone: 0,
        notApplicable: 0,
        notEvaluated: 0,
      },
      {
        group: 'low',
        fixed: 1,
        meanDays: 18,
        medianDays: 18,
        resourceGone: 1,
        notApplicable: 0,
        notEvaluated: 0,
      },
      {
        group: 'all',
        fixed: 2,
        meanDays: 12.5,
        medianDays: 12.5,
        resourceGone: 1,
        notApplicable: 0,
        notEvaluated: 0,
      },
    ]);
    // Before the fix of k1's tags, only the rotation fix counts.
    expect((await kpisAt(12)).remediation!.mttr.find((m) => m.group === 'all')).toMatchObject({
      fixed: 1,
      meanDays: 7,
    });
  });

  it('ages open findings from their first FAIL; suppressed ones apart until the suppression expires', async () => {
    const day5 = (await kpisAt(5)).remediation!;
    expect(day5.age.find((a) => a.group === 'medium')).toMatchObject({
      open: 1,
      oldestDays: 3,
      suppressed: 0,
    });
    expect(day5.age.find((a) => a.group === 'medium')!.buckets).toEqual({
      '0-7d': 1,
      '8-30d': 0,
      '31-90d': 0,
      '>90d': 0,
    });
    expect(day5.age.find((a) => a.group === 'low')).toMatchObject({ open: 0, suppressed: 1 });

    const day12 = (await kpisAt(12)).remediation!;
    expect(day12.age.find((a) => a.group === 'all')).toMatchObject({
      open: 1,
      oldestDays: 10,
      suppressed: 0,
    });
    expect(day12.age.find((a) => a.group === 'all')!.buckets['8-30d']).toBe(1);
    expect(day12.open.map((o) => [o.ruleId, o.resource, o.ageDays, o.openedAt])).toEqual([
      ['kms-key-required-tags', `alias/k1 (${K1})`, 10, at(2).toISOString()],
    ]);
    expect((await kpisAt(20)).remediation!.open).toEqual([]);
  });

  it('counts denied key calls once each, per key and principal, resolving aliases and key ids', async () => {
    const a = (await kpisAt(20)).attempts!;
    expect(a.total).toBe(3);
    expect(a.byKey.map((k) => [k.name, k.attempts, k.counterparts])).toEqual([
      [K1, 2, [P1]],
      [K2, 1, [P2]],
    ]);
    expect(a.byPrincipal.map((p) => [p.name, p.attempts])).toEqual([
      [P1, 2],
      [P2, 1],
    ]);
    expect(a.series.filter((s) => s.attempts > 0)).toEqual([
      { start: at(1).toISOString(), attempts: 2 },
      { start: at(4).toISOString(), attempts: 1 },
    ]);
    // A window that starts after the first two attempts.
    expect((await kpisAt(20, at(3).getTime())).attempts!.total).toBe(1);
  });

  it('bills keys from creation (or first sighting) until they disappear', async () => {
    const cost = (await kpisAt(20, at(20).getTime() - 90 * DAY)).cost!;
    const k1 = cost.keys.find((k) => k.arn === K1)!;
    const k2 = cost.keys.find((k) => k.arn === K2)!;
    // k1: created 2026-10-01, still there on day 20 (2026-11-21): 51 days.
    expect(k1).toMatchObject({ keyMonths: 1.68, storageUsd: 1.68, billable: true, monthlyRunRateUsd: 1 });
    // k2: first seen day 0, last seen day 9, then deleted with its cluster: 9 days.
    expect(k2).toMatchObject({ keyMonths: 0.3, storageUsd: 0.3, billable: false, monthlyRunRateUsd: 0 });
  });
});

describe.each(BACKENDS)('history scenario, store specifics ($name)', (backend) => {
  it('gives the same history as in memory', async () => {
    const until = at(20).getTime();
    const stored = await fromStore(backend)(until);
    const memory = await fromMemory(until);
    const byFingerprint = (h: HistoryData) =>
      [...h.findings].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    expect(byFingerprint(stored)).toEqual(byFingerprint(memory));
    expect(stored.events).toEqual(memory.events);
    expect([...stored.current].sort((a, b) => a.rid.localeCompare(b.rid))).toEqual(
      [...memory.current].sort((a, b) => a.rid.localeCompare(b.rid)),
    );
  });

  it('saves the same scan only once', async () => {
    const store = await open(await backend.fresh());
    const first = await store.save(records[1]!);
    const again = await store.save(records[1]!);
    expect(first.ok && first.value.duplicate).toBe(false);
    expect(again.ok && again.value).toMatchObject({
      duplicate: true,
      scanId: first.ok ? first.value.scanId : -1,
    });
    expect(await store.scans()).toHaveLength(1);
    await store.close();
  });

  it('keeps a scan older than the newest in the trend but out of the lifecycle', async () => {
    const store = await open(await backend.fresh());
    const [first, second, third] = records;
    expect((await store.save(first!)).ok).toBe(true);
    expect((await store.save(third!)).ok).toBe(true);
    const late = await store.save(second!);
    expect(late.ok && late.value.lifecycleApplied).toBe(false);
    const data = await store.load();
    await store.close();
    expect(data.scans.map((s) => s.at)).toEqual([at(0), at(2), at(5)].map((d) => d.getTime()));
    // The rotation failure opened at day 5 (the first scan applied that saw it), not day 2.
    const rotation = data.findings.find((f) => f.ruleId === 'kms-key-rotation-enabled')!;
    expect(rotation.episodes).toEqual([{ openedAt: at(5).getTime(), severity: 'medium' }]);
  });
});
