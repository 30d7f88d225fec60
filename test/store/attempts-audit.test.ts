/**
 * Denied key calls as an auditor counts them, on every backend and in memory: calls on HyperPod
 * keys only (the CloudTrail lookups by event name return every key of the account), each event
 * once however many scans' lookups returned it, both spellings of the error code, and the calls on
 * a key history knows even after no scan sees the key any more. Worked out by hand:
 *
 * - day 0: cluster c1 on key k1. Events: e1 Decrypt on k1 (AccessDenied), e2 PutKeyPolicy on
 *   another team's key kx (AccessDeniedException), e3 Decrypt on alias/k1 (AccessDeniedException);
 * - day 5: c1 deleted, k1 no longer used (no key in the scan). Its lookups return e1 and e3 again,
 *   and e4, ScheduleKeyDeletion on k1 denied on day 4.
 *
 * Counted: e1, e3 and e4, three calls on k1 (e2 is not on a HyperPod key; e1 and e3 count once).
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { historyFromRecords } from '../../src/history/memory.js';
import { scanRecord } from '../../src/history/record.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import type { Inventory, TrailEvent } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import { compliantEstate, inventory, keyArn, role, trail, trailEvent } from '../helpers/inventory.js';
import { BACKENDS, type Backend, open } from '../helpers/stores.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-10-01T00:00:00.000Z');
const at = (day: number) => new Date(T0 + day * DAY);
const config = resolveConfig({ keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'] });
const K1 = keyArn('k1');
const KX = keyArn('kx');
const MALLORY = 'arn:aws:sts::111122223333:assumed-role/sandbox/mallory';
const OTHER_TEAM = 'arn:aws:sts::111122223333:assumed-role/data/etl';

const event = (
  id: string,
  day: number,
  eventName: string,
  keyRef: string,
  errorCode: string,
  principal = MALLORY,
): TrailEvent =>
  trailEvent({
    eventId: id,
    eventName,
    eventTime: at(day).toISOString(),
    keyRef,
    errorCode,
    principalArn: principal,
  });

const e1 = event('e1', 0.5, 'Decrypt', K1, 'AccessDenied');
const e2 = event('e2', 0.6, 'PutKeyPolicy', KX, 'AccessDeniedException', OTHER_TEAM);
const e3 = event('e3', 0.7, 'Decrypt', 'alias/k1', 'AccessDeniedException');
const e4 = event('e4', 4, 'ScheduleKeyDeletion', K1, 'AccessDenied');

function record(day: number, inv: Inventory): ScanRecord {
  const dated = { ...inv, generatedAt: at(day).toISOString() };
  return scanRecord(runPipeline(dated, { config, now: at(day) }).report, dated);
}

const day0 = () => record(0, { ...compliantEstate(), events: [e1, e2, e3] });
const day5 = () => record(5, inventory({ roles: [role()], trails: [trail()], events: [e1, e3, e4] }));

type Load = (records: readonly ScanRecord[]) => Promise<HistoryData>;
const stored =
  (backend: Backend): Load =>
  async (records) => {
    const store = await open(await backend.fresh());
    for (const r of records) expect((await store.save(r)).ok).toBe(true);
    const data = await store.load({});
    await store.close();
    return data;
  };
const SOURCES: [string, Load][] = [
  ...BACKENDS.map((b): [string, Load] => [b.name, stored(b)]),
  ['memory', async (records) => historyFromRecords(records)],
];

describe.each(SOURCES)('denied key calls (%s)', (_name, load) => {
  it('counts the calls on HyperPod keys once each, after the key is no longer seen too', async () => {
    const history = await load([day0(), day5()]);
    const attempts = computeKpis(history, {
      window: { since: T0, until: at(6).getTime() },
      kpis: ['attempts'],
    }).attempts!;
    // It read 4: e2, a denied call on another team's key, counted as an attempt on a HyperPod key.
    expect(attempts.total).toBe(3);
    expect(attempts.byKey).toEqual([
      { name: K1, attempts: 3, counterparts: [MALLORY], lastAt: at(4).toISOString() },
    ]);
    expect(attempts.byPrincipal).toEqual([
      { name: MALLORY, attempts: 3, counterparts: [K1], lastAt: at(4).toISOString() },
    ]);
    expect(attempts.series.filter((s) => s.attempts > 0)).toEqual([
      { start: at(0).toISOString(), attempts: 2 },
      { start: at(4).toISOString(), attempts: 1 },
    ]);
  });
});
