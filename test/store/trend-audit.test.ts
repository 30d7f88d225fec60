/**
 * The compliance trend as an auditor reads it: each point is the estate as of that scan, so a scan
 * narrowed to one account or Region, or a scan of templates in a history of live scans, never reads
 * as the estate improving or worsening. Worked out by hand, on every backend (SQLite, PostgreSQL,
 * read with the window, so that what was scanned before it carries in) and in memory:
 *
 * - account A has cluster ca, compliant; account B has cluster cb, non-compliant (its root volume
 *   on the AWS owned key): the estate is 1 of 2, 50%, whichever account a scan looked at;
 * - a template (a.yaml) holds one compliant cluster: it is not a deployed cluster, so it is not in
 *   the estate of a history that has live scans; a history of templates alone is their estate.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { historyFromRecords } from '../../src/history/memory.js';
import { scanRecord } from '../../src/history/record.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import type { Inventory } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import {
  ACCOUNT,
  cluster,
  EXEC_ROLE,
  group,
  iacInventory,
  iacKey,
  inventory,
  key,
  OTHER_ACCOUNT,
  role,
  roleArn,
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
const EAST = 'us-east-1';
const WEST = 'us-west-2';
const config = resolveConfig({ keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'] });

function record(day: number, inv: Inventory, inputs?: string[]): ScanRecord {
  const dated = { ...inv, generatedAt: at(day).toISOString() };
  const report = runPipeline(dated, { config, now: at(day), ...(inputs ? { inputs } : {}) }).report;
  return scanRecord(report, dated);
}

/** A live scan of the accounts given, each in the Regions given. */
function live(accounts: string[], regions: string[] = [EAST]): Inventory {
  const ka = key('ka');
  const execB = roleArn('hyperpod-exec', B);
  const clusters = [];
  if (accounts.includes(A) && regions.includes(EAST))
    clusters.push(cluster('ca', [group('g', { volumes: [rootVolume(ka.arn), secondaryVolume(ka.arn)] })]));
  if (accounts.includes(B) && regions.includes(EAST))
    clusters.push(
      cluster('cb', [group('g', { volumes: [rootVolume(null)], executionRole: execB })], { account: B }),
    );
  return inventory({
    accounts: accounts.map((id) => ({ id, regions, source: 'live' as const })),
    clusters,
    keys: clusters.some((c) => c.account === A) ? [ka] : [],
    roles: [
      role(EXEC_ROLE, {
        kmsStatements: [
          { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: ka.arn },
        ],
      }),
      role(execB),
    ],
    trails: accounts.map((id) => trail({ account: id, arn: `arn:aws:cloudtrail:${EAST}:${id}:trail/audit` })),
  });
}

/** A template `file` with one cluster, on a key of the template (`compliant`) or on the AWS owned key. */
function template(file: string, compliant: boolean): Inventory {
  const k = iacKey('Key', 'cloudformation', {
    location: { file, line: 3 },
    arn: `${file}#Key`,
    deletionProtection: { deletionPolicy: 'Retain', updateReplacePolicy: 'Retain' },
  });
  const volumes = compliant ? [rootVolume(k.arn), secondaryVolume(k.arn)] : [rootVolume(null)];
  return iacInventory('cloudformation', {
    clusters: [
      cluster('Cluster', [group('g', { volumes })], {
        id: `${file}#Cluster`,
        account: 'unknown',
        source: 'cloudformation',
        location: { file, line: 20 },
      }),
    ],
    keys: compliant ? [k] : [],
    roles: [role(EXEC_ROLE, { kmsStatements: [{ Effect: 'Allow', Action: ['kms:*'], Resource: k.arn }] })],
  });
}

const clusterStates = (r: ScanRecord) =>
  r.resources.flatMap((x) => (x.type === 'cluster' ? [[x.name, x.state.status]] : []));

const stored =
  (backend: Backend) =>
  async (records: readonly ScanRecord[], window: { since: number; until: number }): Promise<HistoryData> => {
    const store = await open(await backend.fresh());
    for (const r of records) expect((await store.save(r)).ok).toBe(true);
    const data = await store.load(window);
    await store.close();
    return data;
  };

type Load = (
  records: readonly ScanRecord[],
  window: { since: number; until: number },
) => Promise<HistoryData>;
const SOURCES: [string, Load][] = [
  ...BACKENDS.map((b): [string, Load] => [b.name, stored(b)]),
  ['memory', async (records) => historyFromRecords(records)],
];

/** The trend's points: [day, total clusters, compliant %]. */
const trendOf = (history: HistoryData, window: { since: number; until: number }) =>
  computeKpis(history, { window, kpis: ['compliance'] }).compliance!.trend.map((p) => [
    (Date.parse(p.at) - T0) / DAY,
    p.overall.clusters.total,
    p.overall.clusters.pct,
  ]);

describe('the scans of the trend (engine verdicts)', () => {
  it('ca is compliant, cb is not, the compliant template is, the other is not', () => {
    expect(clusterStates(record(0, live([A, B])))).toEqual([
      ['ca', 'compliant'],
      ['cb', 'non-compliant'],
    ]);
    expect(clusterStates(record(0, template('a.yaml', true), ['a.yaml']))).toEqual([
      ['Cluster', 'compliant'],
    ]);
    expect(clusterStates(record(0, template('b.yaml', false), ['b.yaml']))).toEqual([
      ['Cluster', 'non-compliant'],
    ]);
  });
});

describe.each(SOURCES)('the compliance trend is the estate at each point (%s)', (_name, load) => {
  const scans = () => [
    record(0, live([A, B])),
    record(1, live([A])),
    record(2, live([B])),
    // Account A, us-west-2 only: no cluster there, ca (us-east-1) is not looked at.
    record(3, live([A], [WEST])),
  ];

  it('a scan of one account, or one Region, leaves the others as last seen: 50% throughout', async () => {
    const window = { since: T0, until: at(4).getTime() };
    // It read 50, 100 (A alone), 0 (B alone), and no percentage (nothing in us-west-2).
    expect(trendOf(await load(scans(), window), window)).toEqual([
      [0, 2, 50],
      [1, 2, 50],
      [2, 2, 50],
      [3, 2, 50],
    ]);
  });

  it('carries in what was scanned before the window: its first point is the whole estate too', async () => {
    const window = { since: at(1).getTime(), until: at(4).getTime() };
    expect(trendOf(await load(scans(), window), window)).toEqual([
      [1, 2, 50],
      [2, 2, 50],
      [3, 2, 50],
    ]);
  });

  it('a scan of templates is not the deployed estate: out of its trend and of now', async () => {
    const records = [
      record(0, live([A, B])),
      record(1, template('a.yaml', true), ['a.yaml']),
      record(2, live([A])),
    ];
    const window = { since: T0, until: at(3).getTime() };
    const history = await load(records, window);
    // It read 50, 100 (the template alone), 100 (A alone); now counted the template as a third cluster.
    expect(trendOf(history, window)).toEqual([
      [0, 2, 50],
      [2, 2, 50],
    ]);
    expect(computeKpis(history, { window, kpis: ['compliance'] }).compliance!.now.overall.clusters).toEqual({
      group: 'all',
      total: 2,
      compliant: 1,
      byException: 0,
      unknown: 0,
      nonCompliant: 1,
      pct: 50,
    });
  });

  it('a history of templates alone is their estate: each template as last scanned', async () => {
    const records = [
      record(0, template('a.yaml', true), ['a.yaml']),
      record(1, template('b.yaml', false), ['b.yaml']),
      record(2, template('a.yaml', true), ['a.yaml']),
    ];
    const window = { since: T0, until: at(3).getTime() };
    const history = await load(records, window);
    // It read 100, 0 (b.yaml alone), 100 (a.yaml alone).
    expect(trendOf(history, window)).toEqual([
      [0, 1, 100],
      [1, 2, 50],
      [2, 2, 50],
    ]);
    expect(
      computeKpis(history, { window, kpis: ['compliance'] }).compliance!.now.overall.clusters,
    ).toMatchObject({
      total: 2,
      compliant: 1,
      pct: 50,
    });
  });
});
