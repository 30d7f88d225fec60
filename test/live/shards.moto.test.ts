/**
 * Sharded organization scans in moto: an Organization of 33 accounts (clusters and keys in every
 * member, a key of one member used by a cluster of another), scanned in 4 shards into ONE history
 * and once unsharded into another. The shards' reports add up to the unsharded report, finding by
 * finding, and `kpi` over the two histories is the same. A round with a shard missing is
 * incomplete and names the shard; the same account is in the same shard in every run; a shard
 * makes no call to the accounts of other shards.
 *
 * The shards save into a real PostgreSQL (the test server, a fresh database), the unsharded scan
 * into a SQLite file: the same report and KPIs from both backends. $HYPERPOD_CMK_TEST_SHARDED_DB
 * (a file path or any --db target) replaces the PostgreSQL database.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { scanRecord } from '../../src/history/record.js';
import type { KpiReport } from '../../src/kpi/index.js';
import type { Report } from '../../src/model/report.js';
import { shardOf } from '../../src/model/shard.js';
import { MotoAccount, withAwsEnv } from '../helpers/aws-estate.js';
import { recordCalls } from '../helpers/iam-policy.js';
import { memoryIo } from '../helpers/io.js';
import { motoUrl } from '../helpers/moto.js';
import { freshDatabase, postgresUrl } from '../helpers/postgres.js';

const ajv = new Ajv2020.default({ allErrors: true, strict: false });
addFormats.default(ajv);
const published = (name: string) =>
  ajv.compile(
    JSON.parse(readFileSync(new URL(`../../schemas/${name}.schema.json`, import.meta.url), 'utf8')),
  );

const MEMBERS = 32;
const SHARDS = 4;
const NOW = '2026-11-27T12:00:00.000Z';
const LATER = '2026-11-28T12:00:00.000Z';

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-shards-'));
/** Where the shards save: one history for all of them (a PostgreSQL database, set in beforeAll). */
let shardedDb: string;
const fullDb = join(dir, 'unsharded.db');

let url: string;
let management: MotoAccount;
let members: MotoAccount[];
let full: Report;
const shards = new Map<number, Report>();
let shardCalls: { account: string; service: string; operation: string }[] = [];
/** The shard whose cluster uses a key of another shard's account (the recorded one), and that account. */
let recorded: number;
let keyOwner: string;

async function cli(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ env });
  const code = await withAwsEnv(management.credentials, () => runCli(args, io));
  return { code, out: io.out(), err: io.err() };
}

const scanArgs = (db: string, now: string, extra: string[] = []) => [
  'scan',
  '--org',
  '--role-name',
  'HyperPodCmkAudit',
  '--region',
  'us-east-1',
  '--endpoint-url',
  url,
  '--no-cloudtrail',
  '--format',
  'json',
  '--fail-on',
  'none',
  '--now',
  now,
  '--db',
  db,
  ...extra,
];

async function scan(db: string, now: string, extra: string[] = []): Promise<Report> {
  const run = await cli(scanArgs(db, now, extra));
  expect(run.err).not.toMatch(/internal error/);
  expect(run.code, run.err).toBe(0);
  return JSON.parse(run.out) as Report;
}

async function kpi(db: string, now: string): Promise<{ code: number; report: KpiReport; err: string }> {
  const run = await cli(['kpi', '--format', 'json', '--now', now, '--db', db]);
  return { code: run.code, report: JSON.parse(run.out) as KpiReport, err: run.err };
}

/** What a report says about each resource, finding by finding (a fingerprint seen by two shards once). */
function findingsOf(reports: readonly Report[]) {
  const byFingerprint = new Map<string, unknown>();
  for (const report of reports)
    for (const f of report.findings)
      byFingerprint.set(f.fingerprint, {
        fingerprint: f.fingerprint,
        ruleId: f.ruleId,
        status: f.status,
        severity: f.severity,
        resource: f.resource,
        message: f.message,
        suppressed: f.suppressed,
      });
  return [...byFingerprint.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, f]) => f);
}

beforeAll(async () => {
  shardedDb = process.env.HYPERPOD_CMK_TEST_SHARDED_DB || (await freshDatabase(postgresUrl(), 'shards'));
  url = motoUrl();
  management = await MotoAccount.create(url);
  const orgs = management.client(OrganizationsClient);
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const ids: string[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const out = await orgs.send(
      new CreateAccountCommand({ AccountName: `team-${i}`, Email: `team-${i}@example.com` }),
    );
    ids.push(out.CreateAccountStatus!.AccountId!);
  }
  orgs.destroy();
  members = await Promise.all(ids.map((id) => MotoAccount.create(url, id)));
  // Every shard must hold members of other shards' keys: pick a key owner in another shard than the user.
  const shardOfMember = (m: MotoAccount) => shardOf(m.id, SHARDS);
  const user = members[0]!;
  const owner = members.find((m) => shardOfMember(m) !== shardOfMember(user))!;
  recorded = shardOfMember(user);
  keyOwner = owner.id;
  const cross = await owner.key({
    alias: 'alias/shared/cross',
    tags: { owner: 'platform', project: 'shared' },
  });
  const limit = pLimit(8);
  await Promise.all(
    members.map((member, i) =>
      limit(async () => {
        const role = await member.role('hyperpod-exec', [
          { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' },
        ]);
        const key = await member.key({
          alias: `alias/team/${i}`,
          tags: { owner: `team-${i}`, project: `p${i % 3}` },
        });
        await member.cluster(
          `c${i}`,
          [
            {
              name: 'gpu',
              role,
              root: key.keyId,
              // One cluster uses a key of an account of another shard; some leave the secondary on the default.
              secondary: member === user ? cross.arn : i % 3 === 0 ? null : key.arn,
            },
          ],
          { tags: { owner: `team-${i}`, project: `p${i % 3}`, 'data-sensitivity': 'internal' } },
        );
      }),
    ),
  );

  full = await scan(fullDb, NOW);
  const recorder = recordCalls();
  try {
    shards.set(recorded, await scan(shardedDb, NOW, ['--shard', `${recorded}/${SHARDS}`, '--round', 'r1']));
  } finally {
    recorder.stop();
  }
  shardCalls = recorder.calls;
  for (const index of [1, 2, 3, 4].filter((i) => i !== recorded))
    shards.set(index, await scan(shardedDb, NOW, ['--shard', `${index}/${SHARDS}`, '--round', 'r1']));
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scan --org --shard K/N', () => {
  it('splits the organization into disjoint shards that cover it exactly, each with clusters', () => {
    const all = [management.id, ...members.map((m) => m.id)].sort();
    expect(full.scan.accounts.slice().sort()).toEqual(all);
    const union = [...shards.values()].flatMap((r) => r.scan.accounts).sort();
    expect(union).toEqual(all);
    const validReport = published('report');
    for (const [index, report] of shards) {
      expect(validReport(report), JSON.stringify(validReport.errors)).toBe(true);
      expect(report.scan.shard).toEqual({ index, count: SHARDS, round: 'r1' });
      for (const account of report.scan.accounts) expect(shardOf(account, SHARDS)).toBe(index);
      expect(report.clusters.length).toBeGreaterThan(0);
    }
    expect(full.scan.shard).toBeUndefined();
  });

  it("the shards' findings add up to the unsharded scan's, fingerprint by fingerprint", () => {
    const sharded = findingsOf([...shards.values()]);
    expect(sharded).toEqual(findingsOf([full]));
    // The cross-account key is judged, from the shard whose cluster uses it.
    expect(full.keys?.some((k) => k.aliases.includes('alias/shared/cross'))).toBe(true);
    expect(full.findings.filter((f) => f.status === 'FAIL').length).toBeGreaterThan(0);
  });

  it('kpi over the shards of a round is the kpi of one unsharded scan', async () => {
    const one = await kpi(fullDb, NOW);
    const four = await kpi(shardedDb, NOW);
    expect(one.code, one.err).toBe(0);
    expect(four.code, four.err).toBe(0);
    expect(one.report.scans.count).toBe(1);
    expect(four.report.scans.count).toBe(SHARDS);
    const fourTrend = four.report.compliance!.trend;
    expect(fourTrend).toHaveLength(1);
    expect(fourTrend[0]!.round).toEqual({ id: 'r1', shards: SHARDS, missing: [] });
    // Beyond the scan count, the point's scan id and its round, the two are the same, figure by figure.
    const comparable = (report: KpiReport) => ({
      ...report,
      scans: { ...report.scans, count: 0 },
      compliance: {
        ...report.compliance!,
        trend: report.compliance!.trend.map(({ scanId: _s, round: _r, ...point }) => point),
      },
    });
    expect(comparable(four.report)).toEqual(comparable(one.report));
    expect(one.report.compliance!.now.overall.clusters.total).toBe(MEMBERS);
    expect(one.report.compliance!.now.overall.clusters.pct).not.toBeNull();
  });

  it('scans no account of another shard: there it only reads the key its own cluster uses', () => {
    const ofOtherShards = new Set(
      [management.id, ...members.map((m) => m.id)].filter((id) => shardOf(id, SHARDS) !== recorded),
    );
    // The organization's own reads, with its credentials: the accounts, and the SCPs over them.
    const listing = new Set([
      'sts:GetCallerIdentity',
      'organizations:ListAccounts',
      'organizations:DescribeOrganization',
      'organizations:ListParents',
      'organizations:ListPoliciesForTarget',
      'organizations:DescribePolicy',
    ]);
    const elsewhere = shardCalls.filter(
      (c) =>
        ofOtherShards.has(c.account) &&
        !(c.account === management.id && listing.has(`${c.service}:${c.operation}`)),
    );
    // Only in the key's account, and only KMS reads of that key (and its aliases) through the audit role.
    expect([...new Set(elsewhere.map((c) => c.account))]).toEqual([keyOwner]);
    expect([...new Set(elsewhere.map((c) => `${c.service}:${c.operation}`))].sort()).toEqual([
      'kms:DescribeKey',
      'kms:GetKeyPolicy',
      'kms:GetKeyRotationStatus',
      'kms:ListAliases',
      'kms:ListGrants',
      'kms:ListResourceTags',
      'sts:AssumeRole',
    ]);
    expect(elsewhere.filter((c) => c.operation === 'DescribeKey')).toHaveLength(1);
    // It records that key, but does not cover the key's account: whether it is gone is for its round.
    const record = scanRecord(shards.get(recorded)!);
    expect(record.resources.some((r) => r.type === 'kms-key' && r.account === keyOwner)).toBe(true);
    expect(record.scan.scope.filter((s) => s.startsWith(`aws:${keyOwner}`))).toEqual([]);
    expect(scanRecord(full).scan.scope).toContain(`aws:${keyOwner}:us-east-1`);
    expect(shardCalls.filter((c) => c.operation === 'ListAccounts').length).toBeGreaterThanOrEqual(1);
    const listedClusters = new Set(
      shardCalls.filter((c) => c.operation === 'ListClusters').map((c) => c.account),
    );
    expect(listedClusters).toEqual(new Set(shards.get(recorded)!.scan.accounts));
  });

  it('scans nothing, and says so, in a shard that holds no account', async () => {
    const all = [management.id, ...members.map((m) => m.id)];
    const empty = Array.from({ length: 256 }, (_, i) => i + 1).find((k) =>
      all.every((id) => shardOf(id, 256) !== k),
    )!;
    const recorder = recordCalls();
    let report: Report;
    try {
      report = await scan(join(dir, 'empty.db'), NOW, ['--shard', `${empty}/256`, '--round', 'e']);
    } finally {
      recorder.stop();
    }
    expect(report.scan.accounts).toEqual([]);
    expect(report.scan.shard).toEqual({ index: empty, count: 256, round: 'e' });
    expect(report.issues.filter((i) => i.code === 'aws.shard_empty')).toEqual([
      {
        code: 'aws.shard_empty',
        severity: 'warning',
        message: `shard ${empty}/256 holds none of the organization's ACTIVE accounts: nothing to scan in it (it still completes its round)`,
        hint: 'fewer shards (a smaller N) give each shard some accounts',
      },
    ]);
    expect([...new Set(recorder.calls.map((c) => `${c.service}:${c.operation}`))].sort()).toEqual([
      'organizations:ListAccounts',
      'sts:GetCallerIdentity',
    ]);
  });

  it('puts the same account in the same shard in every run, and a missing shard makes the round incomplete', async () => {
    const history = join(dir, 'incomplete.db');
    // After an unsharded scan: a later round with a shard missing is what kpi reports on.
    copyFileSync(fullDb, history);
    for (const index of [1, 2, 4]) {
      const again = await scan(history, LATER, ['--shard', `${index}/${SHARDS}`, '--round', 'r2']);
      expect(again.scan.accounts).toEqual(shards.get(index)!.scan.accounts);
    }
    const { code, report, err } = await kpi(history, LATER);
    expect(code, err).toBe(3);
    const validKpi = published('kpi');
    expect(validKpi(report), JSON.stringify(validKpi.errors)).toBe(true);
    expect(report.compliance!.now.incomplete).toEqual({ id: 'r2', shards: SHARDS, missing: [3] });
    expect(report.compliance!.now.overall.clusters.pct).toBeNull();
    const latest = report.compliance!.trend.at(-1)!;
    expect(latest.round).toEqual({ id: 'r2', shards: SHARDS, missing: [3] });
    expect(latest.overall.clusters.pct).toBeNull();
    expect(report.issues).toEqual([
      {
        code: 'history.round_incomplete',
        severity: 'warning',
        message:
          'the latest round of the sharded organization scan, r2, is missing shard 3/4: the accounts of that shard ' +
          'are not in it, so it is incomplete and its compliance is not a percentage',
        hint: 'run `hyperpod-cmk scan --org --round r2` with --shard 3/4 (the same --role-name and Regions), saving to this history',
      },
    ]);
    const table = await cli(['kpi', '--now', LATER, '--db', history]);
    expect(table.out).toContain('incomplete: round r2 is missing shard 3/4');
    const listed = await cli(['history', '--now', LATER, '--db', history]);
    expect(listed.out).toContain('r2, is missing shard 3/4');
    // The missing shard completes the round.
    await scan(history, LATER, ['--shard', `3/${SHARDS}`, '--round', 'r2']);
    const complete = await kpi(history, LATER);
    expect(complete.code, complete.err).toBe(0);
    expect(complete.report.compliance!.now.incomplete).toBeUndefined();
    expect(complete.report.issues).toEqual([]);
  });
});
