/**
 * `scan` saves to history: a small estate in its own account, seeded into the moto server and
 * scanned twice with --db, then read back by `history` and `kpi`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { seedEstate } from '../../src/demo/seed.js';
import { withAwsEnv } from '../helpers/aws-estate.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import {
  cluster,
  goodPolicy,
  group,
  inventory,
  key,
  role,
  roleArn,
  rootVolume,
  secondaryVolume,
} from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';
import { motoUrl } from '../helpers/moto.js';

const ACCOUNT = '606060606060';
const BASE = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const dir = mkdtempSync(join(tmpdir(), 'hpcmk-scan-history-'));
const db = join(dir, 'history.db');
let url: string;

async function cli(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ env });
  const code = await withAwsEnv(BASE, () => runCli(args, io));
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  url = motoUrl();
  const exec = roleArn('hyperpod-history-exec', ACCOUNT);
  const k = key('5e6f7a8b-1111-4222-8333-944455556666', {
    account: ACCOUNT,
    policy: goodPolicy([exec], ACCOUNT),
  });
  await seedEstate(
    url,
    inventory({
      accounts: [{ id: ACCOUNT, regions: ['us-east-1'], source: 'live' }],
      clusters: [
        cluster(
          'h1s2t3o4r5y6',
          [group('workers', { executionRole: exec, volumes: [rootVolume(k.arn), secondaryVolume(k.arn)] })],
          {
            account: ACCOUNT,
          },
        ),
      ],
      keys: [k],
      roles: [
        role(exec, {
          kmsStatements: [
            { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: k.arn },
          ],
        }),
      ],
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scan and history', () => {
  it('saves each scan, which history and kpi then read', async () => {
    const scope = [
      '--accounts',
      ACCOUNT,
      '--role-name',
      'HyperPodCmkAudit',
      '--region',
      'us-east-1',
      '--endpoint-url',
      url,
      '--no-cloudtrail',
    ];
    for (const now of ['2026-11-01T00:00:00Z', '2026-11-08T00:00:00Z']) {
      const scan = await cli([
        'scan',
        ...scope,
        '--now',
        now,
        '--db',
        db,
        '--format',
        'json',
        '-o',
        join(dir, 'r.json'),
      ]);
      expect(scan.err.split('\n').filter((l) => !l.includes('report written to') && l)).toEqual([]);
      expect([0, 1, 3]).toContain(scan.code);
    }
    const listed = JSON.parse((await cli(['history', '--db', db, '--format', 'json'])).out);
    expect(
      listed.scans.map((s: { time: string; source: string; accounts: string[] }) => [
        s.time,
        s.source,
        s.accounts,
      ]),
    ).toEqual([
      ['2026-11-01T00:00:00.000Z', 'live', [ACCOUNT]],
      ['2026-11-08T00:00:00.000Z', 'live', [ACCOUNT]],
    ]);
    const kpi = JSON.parse(
      (await cli(['kpi', 'compliance', '--db', db, '--now', '2026-11-08T00:00:00Z', '--format', 'json'])).out,
    );
    expect(kpi.compliance.now.overall.clusters.total).toBe(1);
    expect(kpi.compliance.trend).toHaveLength(2);

    // --no-save leaves history as it was.
    await cli([
      'scan',
      ...scope,
      '--now',
      '2026-11-09T00:00:00Z',
      '--db',
      db,
      '--no-save',
      '-o',
      join(dir, 'r.txt'),
    ]);
    expect(JSON.parse((await cli(['history', '--db', db, '--format', 'json'])).out).scans).toHaveLength(2);
  });

  it('a scan whose ListClusters failed never rewrites history: findings stay open, the scan is incomplete', async () => {
    const kpiAt = async (now: string) =>
      JSON.parse((await cli(['kpi', '--db', db, '--now', now, '--format', 'json'])).out);
    const before = await kpiAt('2026-11-08T00:00:00Z');
    const proxy = await startFaultProxy(url, [{ operation: 'ListClusters', code: 'AccessDeniedException' }]);
    try {
      const scan = await cli([
        'scan',
        '--accounts',
        ACCOUNT,
        '--role-name',
        'HyperPodCmkAudit',
        '--region',
        'us-east-1',
        '--endpoint-url',
        proxy.url,
        '--no-cloudtrail',
        '--now',
        '2026-11-15T00:00:00Z',
        '--db',
        db,
        '--format',
        'json',
        '-o',
        join(dir, 'failed.json'),
      ]);
      expect([1, 3]).toContain(scan.code);
      expect([...proxy.hits.values()][0]).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
    const after = await kpiAt('2026-11-15T00:00:00Z');
    const last = after.compliance.trend.at(-1);
    expect(last.incomplete).toEqual([`aws:${ACCOUNT}:us-east-1`]);
    expect(last.overall.clusters.pct).toBeNull();
    expect(last.overall.clusters.total).toBe(0);
    // The cluster the failed scan could not see is still the current state, not gone.
    expect(after.compliance.now.overall.clusters.total).toBe(1);
    expect(after.remediation.mttr.find((m: { group: string }) => m.group === 'all')).toMatchObject({
      resourceGone: 0,
      notEvaluated: 0,
    });
    const open = (k: typeof before) =>
      k.remediation.open.map((o: { fingerprint: string; openedAt: string }) => [o.fingerprint, o.openedAt]);
    expect(open(after)).toEqual(open(before));
    const listed = JSON.parse((await cli(['history', '--db', db, '--format', 'json'])).out);
    expect(listed.scans.at(-1).incomplete).toEqual([`aws:${ACCOUNT}:us-east-1`]);
  });
});
