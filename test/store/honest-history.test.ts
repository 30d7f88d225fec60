/**
 * History that does not flatter: a finding that stops applying is not a remediation, a group with
 * nothing fixed has no time to remediate (null, not 0), and a scan that could not list or describe
 * clusters somewhere never closes the findings it did not see there nor shows 100% for that scan.
 * Each case runs through every store backend (SQLite, PostgreSQL) and the in-memory builder alike.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { historyFromRecords } from '../../src/history/memory.js';
import { incompleteScopes, scanRecord } from '../../src/history/record.js';
import type { HistoryData, ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import type { Gap, Inventory } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import { renderKpiCsv, renderKpiTable } from '../../src/reporters/kpi.js';
import { ACCOUNT, cluster, compliantEstate } from '../helpers/inventory.js';
import { BACKENDS, type Backend, open } from '../helpers/stores.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-10-01T00:00:00.000Z');
const at = (day: number) => new Date(T0 + day * DAY);
const WEST = 'us-west-2';
const config = resolveConfig({ keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'] });

function record(day: number, inv: Inventory): ScanRecord {
  const dated = { ...inv, generatedAt: at(day).toISOString() };
  return scanRecord(runPipeline(dated, { config, now: at(day) }).report, dated);
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
const memory = async (records: readonly ScanRecord[]) => historyFromRecords(records);

const kpis = (history: HistoryData, day: number) =>
  computeKpis(history, { window: { since: T0, until: at(day).getTime() } });

/** A second cluster in us-west-2 whose root volume is on the AWS owned key: it fails. */
function westEstate(gaps: Gap[] = [], withWest = true): Inventory {
  const base = compliantEstate();
  const west = cluster(
    'west',
    base.clusters[0]!.instanceGroups.map((g) => ({ ...g, id: '', volumes: [] })),
    { region: WEST },
  );
  return {
    ...base,
    accounts: [{ id: ACCOUNT, regions: ['us-east-1', WEST], source: 'live' }],
    clusters: withWest ? [...base.clusters, west] : base.clusters,
    gaps,
  };
}

const listFailed: Gap = {
  code: 'aws.throttled',
  service: 'sagemaker',
  operation: 'ListClusters',
  account: ACCOUNT,
  region: WEST,
  message: 'ThrottlingException: Rate exceeded',
};

const SOURCES: [string, (records: readonly ScanRecord[]) => Promise<HistoryData>][] = [
  ...BACKENDS.map((b): [string, (records: readonly ScanRecord[]) => Promise<HistoryData>] => [
    b.name,
    stored(b),
  ]),
  ['memory', memory],
];

describe.each(SOURCES)('honest history (%s)', (_name, load) => {
  it('a finding that turns NOT_APPLICABLE is closed as not-applicable, never as a fix', async () => {
    const rotationOff = compliantEstate({ key: { rotation: { enabled: false } } });
    const k1 = rotationOff.keys[0]!;
    const pending = {
      ...rotationOff,
      keys: [
        {
          ...k1,
          metadata: {
            ...k1.metadata!,
            keyState: 'PendingDeletion',
            deletionDate: at(40).toISOString(),
          },
        },
      ],
    };
    const history = await load([record(0, rotationOff), record(4, pending)]);
    const rotation = history.findings.find((f) => f.ruleId === 'kms-key-rotation-enabled')!;
    expect(rotation.episodes).toEqual([
      {
        openedAt: at(0).getTime(),
        resolvedAt: at(4).getTime(),
        resolution: 'not-applicable',
        severity: 'medium',
      },
    ]);
    const all = kpis(history, 5).remediation!.mttr.find((m) => m.group === 'all');
    expect(all).toEqual({
      group: 'all',
      fixed: 0,
      meanDays: null,
      medianDays: null,
      resourceGone: 0,
      notApplicable: 1,
      notEvaluated: 0,
    });
  });

  it('MTTR of a group with nothing fixed is null in JSON, empty in CSV and a dash in the table', async () => {
    const rotationOff = compliantEstate({ key: { rotation: { enabled: false } } });
    const history = await load([record(0, rotationOff), record(3, rotationOff)]);
    const report = kpis(history, 3);
    expect(report.remediation!.mttr).toEqual([
      {
        group: 'all',
        fixed: 0,
        meanDays: null,
        medianDays: null,
        resourceGone: 0,
        notApplicable: 0,
        notEvaluated: 0,
      },
    ]);
    const csv = renderKpiCsv(report);
    expect(csv).toContain(`mttr,${at(3).toISOString()},severity,all,meanDays,\r\n`);
    expect(csv).toContain(`mttr,${at(3).toISOString()},severity,all,medianDays,\r\n`);
    const table = renderKpiTable(report, { color: false, limit: 10 });
    expect(table).toMatch(/\nall\s+0\s+—\s+—\s+0\s+0\s+0\n/);
  });

  it('a failed ListClusters keeps that Region out of scope: its findings stay open with their ages', async () => {
    const west = (f: { region?: string }) => f.region === WEST;
    const history = await load([
      record(0, westEstate()),
      record(5, westEstate([listFailed], false)),
      record(9, westEstate()),
    ]);
    const westFindings = history.findings.filter(west).filter((f) => f.episodes.length > 0);
    expect(westFindings.length).toBeGreaterThan(0);
    for (const finding of westFindings)
      expect(finding.episodes).toEqual([{ openedAt: at(0).getTime(), severity: finding.severity }]);

    // At day 7 (after the incomplete scan) the open west findings are aged from day 0.
    const day7 = kpis(history, 7);
    const openWest = day7.remediation!.open.filter((o) => o.region === WEST);
    expect(openWest.length).toBe(westFindings.length);
    expect(new Set(openWest.map((o) => o.ageDays))).toEqual(new Set([7]));
    expect(day7.remediation!.mttr.find((m) => m.group === 'all')).toMatchObject({
      fixed: 0,
      resourceGone: 0,
      notEvaluated: 0,
    });

    // The trend marks the scan incomplete, with no percentage, and the west cluster stays current.
    const trend = day7.compliance!.trend;
    expect(trend.map((p) => p.incomplete ?? [])).toEqual([[], [`aws:${ACCOUNT}:${WEST}`]]);
    expect(trend.map((p) => p.overall.clusters.pct)).toEqual([50, null]);
    expect(trend[1]!.overall.clusters).toMatchObject({ total: 1, compliant: 1, pct: null });
    expect(day7.compliance!.now.overall.clusters).toMatchObject({ total: 2, compliant: 1, pct: 50 });
    const table = renderKpiTable(day7, { color: false, limit: 10 });
    expect(table).toContain(`#2 (incomplete)`);
    expect(table).toContain(
      `scan #2 is incomplete: clusters could not be collected in aws:${ACCOUNT}:${WEST}`,
    );
  });

  it('a failed DescribeCluster keeps its Region incomplete: the groups it could not see stay open', async () => {
    const describeFailed: Gap = {
      code: 'aws.access_denied',
      service: 'sagemaker',
      operation: 'DescribeCluster',
      account: ACCOUNT,
      region: WEST,
      resource: `arn:aws:sagemaker:${WEST}:${ACCOUNT}:cluster/west`,
      message: 'AccessDeniedException: denied',
    };
    const history = await load([record(0, westEstate()), record(5, westEstate([describeFailed], false))]);
    const westOpen = kpis(history, 6).remediation!.open.filter((o) => o.region === WEST);
    expect(westOpen.length).toBeGreaterThan(0);
    expect(new Set(westOpen.map((o) => o.openedAt))).toEqual(new Set([at(0).toISOString()]));
    expect(history.scans.map((s) => s.incomplete ?? [])).toEqual([[], [`aws:${ACCOUNT}:${WEST}`]]);
  });
});

describe('incompleteScopes', () => {
  const regions = () => ['us-east-1', WEST];
  it('names the Region of a failed cluster listing or description, and the whole account of a failed entry', () => {
    expect(incompleteScopes([listFailed], regions)).toEqual([`aws:${ACCOUNT}:${WEST}`]);
    expect(
      incompleteScopes(
        [
          {
            code: 'aws.assume_role_failed',
            service: 'sts',
            operation: 'AssumeRole',
            account: '444455556666',
            message: 'denied',
          },
        ],
        regions,
      ),
    ).toEqual(['aws:444455556666', 'aws:444455556666:us-east-1', `aws:444455556666:${WEST}`]);
  });
  it('leaves scopes complete for gaps that do not hide clusters', () => {
    expect(
      incompleteScopes(
        [
          {
            code: 'aws.access_denied',
            service: 'kms',
            operation: 'GetKeyPolicy',
            account: ACCOUNT,
            region: WEST,
            message: 'denied',
          },
        ],
        regions,
      ),
    ).toEqual([]);
  });
  it('a scan record leaves the incomplete Region out of its scope', () => {
    const r = record(0, westEstate([listFailed], false));
    expect(r.scan.incomplete).toEqual([`aws:${ACCOUNT}:${WEST}`]);
    expect(r.scan.scope).toEqual([`aws:${ACCOUNT}`, `aws:${ACCOUNT}:us-east-1`]);
  });
});
