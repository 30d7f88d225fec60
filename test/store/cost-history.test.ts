/**
 * KMS cost read from a store as of an earlier clock (`kpi --now` in the past) is what was known
 * then, on every backend and in memory: a key scheduled for deletion on day 10 and cancelled on
 * day 20, read as of day 15, is pending deletion (not billed since day 10, $0 a month), and read
 * as of day 25 is billed as though never scheduled (https://aws.amazon.com/kms/pricing/).
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { historyFromRecords } from '../../src/history/memory.js';
import { scanRecord } from '../../src/history/record.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { costKpi } from '../../src/kpi/cost.js';
import type { Inventory } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import { compliantEstate, key } from '../helpers/inventory.js';
import { BACKENDS, type Backend, open } from '../helpers/stores.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-10-01T00:00:00.000Z');
const at = (day: number) => T0 + day * DAY;
const config = resolveConfig({ keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'] });

function scan(day: number, keyState: string): ScanRecord {
  const k1 = key('k1', {
    metadata: {
      ...key('k1').metadata!,
      keyState,
      creationDate: new Date(at(0)).toISOString(),
      ...(keyState === 'PendingDeletion' ? { deletionDate: new Date(at(40)).toISOString() } : {}),
    },
  });
  const inv: Inventory = { ...compliantEstate(), keys: [k1], generatedAt: new Date(at(day)).toISOString() };
  return scanRecord(runPipeline(inv, { config, now: new Date(at(day)) }).report, inv);
}

const records = () => [scan(0, 'Enabled'), scan(10, 'PendingDeletion'), scan(20, 'Enabled')];

type Load = (records: readonly ScanRecord[], until: number) => Promise<HistoryData>;
const stored =
  (backend: Backend): Load =>
  async (list, until) => {
    const store = await open(await backend.fresh());
    for (const r of list) expect((await store.save(r)).ok).toBe(true);
    const data = await store.load({ since: at(0), until });
    await store.close();
    return data;
  };
const SOURCES: [string, Load][] = [
  ...BACKENDS.map((b): [string, Load] => [b.name, stored(b)]),
  ['memory', async (list, until) => historyFromRecords(list.filter((r) => r.scan.at <= until))],
];

describe.each(SOURCES)('KMS cost as of a clock (%s)', (_name, load) => {
  it('as of day 15 the key is pending deletion: billed for days 0 to 10 only', async () => {
    const until = at(15);
    const cost = costKpi((await load(records(), until)).keys, { since: at(0), until });
    // 240 h / 730 = 0.33 key-months. Read from the store, the Enabled state's last sighting (day
    // 20) was cut to day 15, an invented sighting that read the key as cancelled already.
    expect(cost.keys[0]).toMatchObject({
      billable: false,
      keyMonths: 0.33,
      storageUsd: 0.33,
      monthlyRunRateUsd: 0,
    });
  });

  it('as of day 25, the deletion cancelled: billed all 25 days', async () => {
    const until = at(25);
    const cost = costKpi((await load(records(), until)).keys, { since: at(0), until });
    // 600 h / 730 = 0.82 key-months at $1.
    expect(cost.keys[0]).toMatchObject({
      billable: true,
      keyMonths: 0.82,
      storageUsd: 0.82,
      monthlyRunRateUsd: 1,
    });
  });
});
