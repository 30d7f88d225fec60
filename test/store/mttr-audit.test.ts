/**
 * Time to remediate and age, checked by hand on every backend and in memory. Key k1's rotation:
 * off on day 0 (the first scan: the failure opens then, not before), on by day 3 (fixed: 3 days),
 * off again on day 5 (a regression: a second episode, from day 5), not readable on day 7 (UNKNOWN
 * neither closes nor reopens it), on by day 9 (fixed: 4 days).
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { historyFromRecords } from '../../src/history/memory.js';
import { scanRecord } from '../../src/history/record.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import type { Inventory } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import { compliantEstate, gap } from '../helpers/inventory.js';
import { BACKENDS, type Backend, open } from '../helpers/stores.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-10-01T00:00:00.000Z');
const at = (day: number) => T0 + day * DAY;
const config = resolveConfig({ keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'] });

function scan(day: number, rotation: 'on' | 'off' | 'unknown'): ScanRecord {
  const base = compliantEstate(rotation === 'off' ? { key: { rotation: { enabled: false } } } : {});
  const inv: Inventory =
    rotation === 'unknown'
      ? {
          ...base,
          keys: base.keys.map(({ rotation: _r, ...k }) => k),
          gaps: [gap({ operation: 'GetKeyRotationStatus', resource: base.keys[0]!.arn })],
        }
      : base;
  const dated = { ...inv, generatedAt: new Date(at(day)).toISOString() };
  return scanRecord(runPipeline(dated, { config, now: new Date(at(day)) }).report, dated);
}

const records = () => [scan(0, 'off'), scan(3, 'on'), scan(5, 'off'), scan(7, 'unknown'), scan(9, 'on')];

type Load = (records: readonly ScanRecord[]) => Promise<HistoryData>;
const stored =
  (backend: Backend): Load =>
  async (list) => {
    const store = await open(await backend.fresh());
    for (const r of list) expect((await store.save(r)).ok).toBe(true);
    const data = await store.load({});
    await store.close();
    return data;
  };
const SOURCES: [string, Load][] = [
  ...BACKENDS.map((b): [string, Load] => [b.name, stored(b)]),
  ['memory', async (list) => historyFromRecords(list)],
];

const all = (history: HistoryData, since: number, until: number) =>
  computeKpis(history, { window: { since, until }, kpis: ['mttr', 'age'] }).remediation!;

describe.each(SOURCES)('time to remediate a regression (%s)', (_name, load) => {
  it('two episodes, each from its own first FAIL to the scan that saw it pass', async () => {
    const history = await load(records());
    const rotation = history.findings.find((f) => f.ruleId === 'kms-key-rotation-enabled')!;
    expect(rotation.firstSeenAt).toBe(at(0));
    expect(rotation.episodes).toEqual([
      { openedAt: at(0), resolvedAt: at(3), resolution: 'fixed', severity: 'medium' },
      { openedAt: at(5), resolvedAt: at(9), resolution: 'fixed', severity: 'medium' },
    ]);
    expect(all(history, at(0), at(10)).mttr.find((m) => m.group === 'all')).toEqual({
      group: 'all',
      fixed: 2,
      meanDays: 3.5,
      medianDays: 3.5,
      resourceGone: 0,
      notApplicable: 0,
      notEvaluated: 0,
    });
    // A window from day 4 holds the second fix only.
    expect(all(history, at(4), at(10)).mttr.find((m) => m.group === 'all')).toMatchObject({
      fixed: 1,
      meanDays: 4,
      medianDays: 4,
    });
  });

  it('on day 8 (after the UNKNOWN) the regression is open, aged from day 5', async () => {
    const history = await load(records().slice(0, 4));
    const remediation = all(history, at(0), at(8));
    expect(remediation.open.map((o) => [o.ruleId, o.status, o.openedAt, o.ageDays])).toEqual([
      ['kms-key-rotation-enabled', 'UNKNOWN', new Date(at(5)).toISOString(), 3],
    ]);
    expect(remediation.age.find((a) => a.group === 'all')).toEqual({
      group: 'all',
      open: 1,
      buckets: { '0-7d': 1, '8-30d': 0, '31-90d': 0, '>90d': 0 },
      oldestDays: 3,
      suppressed: 0,
    });
  });
});
