/**
 * What a scan may decide about what it did not scan, checked from the outside on every backend
 * (SQLite, PostgreSQL) and the in-memory builder alike, with the numbers worked out by hand:
 *
 * - a scan of one account that uses another account's key (a cross-account key) looked at that key,
 *   not at the other account: the other account's clusters are neither gone nor fixed, and stay in
 *   the estate;
 * - a scan saved after a newer one (a backfill) does not rewrite the lifecycle of a finding it
 *   observed there, even when the finding's account is not among the accounts it scanned.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { historyFromRecords } from '../../src/history/memory.js';
import { scanRecord } from '../../src/history/record.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import type { Inventory, Key } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import {
  ACCOUNT,
  adminStatement,
  cluster,
  createGrantStatement,
  describeKeyStatement,
  EXEC_ROLE,
  group,
  inventory,
  key,
  OTHER_ACCOUNT,
  policyOf,
  role,
  roleArn,
  rootStatement,
  rootVolume,
  secondaryVolume,
  trail,
} from '../helpers/inventory.js';
import { BACKENDS, type Backend, open } from '../helpers/stores.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-10-01T00:00:00.000Z');
const at = (day: number) => new Date(T0 + day * DAY);
const A = ACCOUNT;
const B = OTHER_ACCOUNT;
const REGION = 'us-east-1';
const EXEC_B = roleArn('hyperpod-exec', B);
const config = resolveConfig({
  keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'],
  allowedExternalAccounts: [A, B],
});

function record(day: number, inv: Inventory): ScanRecord {
  const dated = { ...inv, generatedAt: at(day).toISOString() };
  return scanRecord(runPipeline(dated, { config, now: at(day) }).report, dated);
}

/** B's key, usable by the execution roles given; `rotation` says whether it rotates. */
function keyOfB(rotation: boolean, users: string[] = [EXEC_ROLE, EXEC_B]): Key {
  return key('kb', {
    account: B,
    rotation: rotation ? { enabled: true, periodInDays: 365 } : { enabled: false },
    policy: policyOf(
      rootStatement(B),
      adminStatement(roleArn('KeyAdmin', B)),
      ...users.flatMap((user) => [createGrantStatement(user), describeKeyStatement(user)]),
    ),
  });
}

const roles = (keys: Key[]) => [
  role(EXEC_ROLE, {
    kmsStatements: [
      { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: keys.map((k) => k.arn) },
    ],
  }),
  role(EXEC_B, {
    kmsStatements: [
      { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: keys.map((k) => k.arn) },
    ],
  }),
];

/** Account A's cluster `ca`, on the key given. */
const clusterA = (k: Key) =>
  cluster('ca', [group('g', { volumes: [rootVolume(k.arn), secondaryVolume(k.arn)] })]);

/** Account B's cluster `cb`: its root volume on the AWS owned key (it fails hyperpod-root-volume-cmk). */
const clusterB = () =>
  cluster('cb', [group('g', { volumes: [rootVolume(null)], executionRole: EXEC_B })], { account: B });

/**
 * A scan of the accounts given (each in us-east-1), whose CloudTrail lookups covered both accounts
 * (a key of another account is looked up where it lives).
 */
function scanOf(accounts: string[], parts: Pick<Inventory, 'clusters' | 'keys'>): Inventory {
  return inventory({
    accounts: accounts.map((id) => ({ id, regions: [REGION], source: 'live' as const })),
    clusters: parts.clusters,
    keys: parts.keys,
    roles: roles(parts.keys),
    trails: accounts.map((id) =>
      trail({ account: id, arn: `arn:aws:cloudtrail:${REGION}:${id}:trail/audit` }),
    ),
    eventsCollected: [A, B].map((account) => ({ account, region: REGION, since: at(-90).toISOString() })),
  });
}

const stored =
  (backend: Backend) =>
  async (records: readonly ScanRecord[]): Promise<HistoryData> => {
    const store = await open(await backend.fresh());
    for (const r of records) expect((await store.save(r)).ok).toBe(true);
    const data = await store.load({});
    await store.close();
    return data;
  };

const SOURCES: [string, (records: readonly ScanRecord[]) => Promise<HistoryData>][] = [
  ...BACKENDS.map((b): [string, (records: readonly ScanRecord[]) => Promise<HistoryData>] => [
    b.name,
    stored(b),
  ]),
  ['memory', async (records) => historyFromRecords(records)],
];

const clusterStates = (r: ScanRecord) =>
  r.resources.flatMap((x) => (x.type === 'cluster' ? [[x.rid, x.state.status]] : []));

const CB = `arn:aws:sagemaker:${REGION}:${B}:cluster/cb`;
const KB = `arn:aws:kms:${REGION}:${B}:key/kb`;
const KA = `arn:aws:kms:${REGION}:${A}:key/ka`;

describe('a scan covers what it scanned, not what it merely saw', () => {
  it('records the accounts and Regions scanned as its scope, not the account of a cross-account key', () => {
    const kb = keyOfB(true, [EXEC_ROLE]);
    const r = record(5, scanOf([A], { clusters: [clusterA(kb)], keys: [kb] }));
    expect(r.resources.find((x) => x.rid === KB)?.scope).toBe(`aws:${B}:${REGION}`);
    expect(r.scan.scope).toEqual([`aws:${A}`, `aws:${A}:${REGION}`]);
  });
});

describe.each(SOURCES)('scope of a scan (%s)', (_name, load) => {
  it("a scan of account A using B's key neither closes nor drops B's cluster", async () => {
    const ka = key('ka');
    const kb = keyOfB(true, [EXEC_ROLE]);
    const both = record(0, scanOf([A, B], { clusters: [clusterA(ka), clusterB()], keys: [ka] }));
    const onlyA = record(5, scanOf([A], { clusters: [clusterA(kb)], keys: [kb] }));
    // The engine's own verdicts on the two scans: B's cluster fails, A's passes in both.
    expect(clusterStates(both)).toEqual([
      [`arn:aws:sagemaker:${REGION}:${A}:cluster/ca`, 'compliant'],
      [CB, 'non-compliant'],
    ]);
    expect(clusterStates(onlyA)).toEqual([[`arn:aws:sagemaker:${REGION}:${A}:cluster/ca`, 'compliant']]);
    const history = await load([both, onlyA]);

    // B's failure (opened on day 0) is still open: account B was not scanned on day 5.
    const rootB = history.findings.find((f) => f.ruleId === 'hyperpod-root-volume-cmk' && f.account === B)!;
    expect(rootB.episodes).toEqual([{ openedAt: at(0).getTime(), severity: 'high' }]);
    const kpis = computeKpis(history, { window: { since: T0, until: at(6).getTime() } });
    expect(kpis.remediation!.mttr.find((m) => m.group === 'all')).toEqual({
      group: 'all',
      fixed: 0,
      meanDays: null,
      medianDays: null,
      resourceGone: 0,
      notApplicable: 0,
      notEvaluated: 0,
    });
    expect(kpis.remediation!.open.filter((o) => o.account === B).map((o) => [o.ruleId, o.ageDays])).toEqual([
      ['hyperpod-root-volume-cmk', 6],
    ]);
    // The estate now: A's cluster from day 5 (compliant), B's from day 0 (non-compliant): 1 of 2.
    expect(kpis.compliance!.now.overall.clusters).toEqual({
      group: 'all',
      total: 2,
      compliant: 1,
      byException: 0,
      unknown: 0,
      nonCompliant: 1,
      pct: 50,
    });
    // A's old key, no longer used on day 5, is gone from A's scope; B's key is current.
    expect(history.keys.map((k) => [k.arn, k.current])).toEqual([
      [KA, false],
      [KB, true],
    ]);
  });

  it('a backfilled scan of A does not close what a newer scan of B saw failing on B’s key', async () => {
    // Day 2, account B: B's cluster uses its key kb, which does not rotate: the rotation finding opens.
    const kbOff = keyOfB(false);
    const clusterBOnKb = cluster(
      'cb',
      [group('g', { volumes: [rootVolume(kbOff.arn), secondaryVolume(kbOff.arn)], executionRole: EXEC_B })],
      { account: B },
    );
    const dayTwoB = record(2, scanOf([B], { clusters: [clusterBOnKb], keys: [kbOff] }));
    // Day 1, account A (saved after): A's cluster used kb while it still rotated.
    const kbOn = keyOfB(true);
    const dayOneA = record(1, scanOf([A], { clusters: [clusterA(kbOn)], keys: [kbOn] }));
    const history = await load([dayTwoB, dayOneA]);
    const rotation = history.findings.find((f) => f.ruleId === 'kms-key-rotation-enabled' && f.rid === KB)!;
    // Open since day 2: a day-1 sighting never closes it, let alone before it opened.
    expect(rotation.episodes).toEqual([{ openedAt: at(2).getTime(), severity: 'medium' }]);
    expect(rotation.status).toBe('FAIL');
  });
});
