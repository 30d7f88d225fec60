/**
 * History read as of an earlier clock (`kpi --now` in the past) shows each open finding with the
 * message it had then, on every backend as in memory: a store kept only the message last seen, so
 * a finding open on day 12 read "alias/k1 carries every required tag", the message of the day-20
 * scan that saw it fixed.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { historyFromRecords } from '../../src/history/memory.js';
import { scanRecord } from '../../src/history/record.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import type { Inventory } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import { at, scenarioReport, scenarioScans, T0 } from '../helpers/history.js';
import { compliantEstate, key } from '../helpers/inventory.js';
import { BACKENDS, type Backend, open } from '../helpers/stores.js';

const scenario: ScanRecord[] = scenarioScans().map((scan) =>
  scanRecord(scenarioReport(scan), scan.inventory),
);
const config = resolveConfig({ keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'] });

/** k1 scheduled for deletion on day 30 (seen on days 0, 5 and 10), the deletion cancelled by day 15. */
function pending(day: number): ScanRecord {
  const deleting = day < 15;
  const k1 = key('k1', {
    metadata: {
      ...key('k1').metadata!,
      keyState: deleting ? 'PendingDeletion' : 'Enabled',
      ...(deleting ? { deletionDate: at(30).toISOString() } : {}),
    },
  });
  const inv: Inventory = { ...compliantEstate(), keys: [k1], generatedAt: at(day).toISOString() };
  return scanRecord(runPipeline(inv, { config, now: at(day) }).report, inv);
}

type Load = (records: readonly ScanRecord[], until: number) => Promise<HistoryData>;
const stored =
  (backend: Backend): Load =>
  async (records, until) => {
    const store = await open(await backend.fresh());
    for (const r of records) expect((await store.save(r)).ok).toBe(true);
    const data = await store.load({ since: T0, until });
    await store.close();
    return data;
  };
const SOURCES: [string, Load][] = [
  ...BACKENDS.map((b): [string, Load] => [b.name, stored(b)]),
  ['memory', async (records, until) => historyFromRecords(records.filter((r) => r.scan.at <= until))],
];

const openAt = async (load: Load, records: readonly ScanRecord[], day: number) =>
  computeKpis(await load(records, at(day).getTime()), {
    window: { since: T0, until: at(day).getTime() },
    kpis: ['age'],
  }).remediation!.open.map((o) => [o.ruleId, o.status, o.message]);

describe.each(SOURCES)('an open finding read as of a past clock (%s)', (_name, load) => {
  it('has the message it had then, not the one a later scan saw it fixed with', async () => {
    expect(await openAt(load, scenario, 12)).toEqual([
      ['kms-key-required-tags', 'FAIL', 'alias/k1 lacks required tags: owner'],
    ]);
  });

  it('has the message of the last scan up to then, even when only the message changed', async () => {
    const records = [pending(0), pending(5), pending(10), pending(15)];
    const deletion = (days: number) =>
      `alias/k1 will be deleted on ${at(30).toISOString()} (${days} days from now); c1/workers then lose their data`;
    expect(await openAt(load, records, 7)).toEqual([['kms-key-not-pending-deletion', 'FAIL', deletion(25)]]);
    expect(await openAt(load, records, 12)).toEqual([['kms-key-not-pending-deletion', 'FAIL', deletion(20)]]);
    expect(await openAt(load, records, 16)).toEqual([]);
  });
});
