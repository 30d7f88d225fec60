/**
 * Sharded scans in history, pure: which shard an account is in, how shards and rounds are parsed,
 * how the shards of a round close findings (as one scan: never one shard for another), and how the
 * KPIs add up a round and name the shards it is missing.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { historyFromRecords } from '../../src/history/memory.js';
import { scanGroups } from '../../src/history/rounds.js';
import type { ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import { defaultRound, parseRound, parseShard, shardOf } from '../../src/model/shard.js';
import { A, B, DAY, rotation, shardScan, T } from '../helpers/rounds.js';

describe('shardOf', () => {
  it('is sha256(account id) mod N + 1, whatever else is in the organization', () => {
    for (const id of ['111122223333', '444455556666', '000000000001', '987654321098'])
      for (const count of [1, 2, 3, 8, 256]) {
        const expected =
          Number(createHash('sha256').update(id).digest().readBigUInt64BE(0) % BigInt(count)) + 1;
        expect(shardOf(id, count)).toBe(expected);
      }
  });

  it('spreads accounts over every shard', () => {
    const ids = Array.from({ length: 400 }, (_, i) => String(100000000000 + i * 7919));
    const sizes = new Map<number, number>();
    for (const id of ids) sizes.set(shardOf(id, 8), (sizes.get(shardOf(id, 8)) ?? 0) + 1);
    expect([...sizes.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const size of sizes.values()) expect(size).toBeGreaterThan(25);
  });
});

describe('parseShard and parseRound', () => {
  it.each([
    ['2/8', { index: 2, count: 8 }],
    [' 1 / 1 ', { index: 1, count: 1 }],
    ['256/256', { index: 256, count: 256 }],
  ])('accepts %j', (value, shard) => {
    expect(parseShard(value)).toEqual({ ok: true, value: shard });
  });

  it.each([
    ['0/4', '"0/4": K must be from 1 to N (4)'],
    ['5/4', '"5/4": K must be from 1 to N (4)'],
    ['1/0', '"1/0": N must be from 1 to 256'],
    ['1/257', '"1/257": N must be from 1 to 256'],
    ['2', '"2" is not K/N'],
    ['-1/4', '"-1/4" is not K/N'],
    ['1.5/4', '"1.5/4" is not K/N'],
    ['', '"" is not K/N'],
  ])('refuses %j', (value, message) => {
    const parsed = parseShard(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatchObject({ code: 'usage.shard', input: '--shard', message });
  });

  it('accepts CI run ids and refuses what is not an id', () => {
    expect(parseRound('12345678')).toEqual({ ok: true, value: '12345678' });
    expect(parseRound('nightly-2026-12-06')).toEqual({ ok: true, value: 'nightly-2026-12-06' });
    for (const bad of ['', ' ', '-x', 'a b', 'a\u001b[31m', 'x'.repeat(129)])
      expect(parseRound(bad)).toMatchObject({ ok: false, error: { code: 'usage.round', input: '--round' } });
  });

  it('defaults the round to the CI run, else the UTC day', () => {
    const now = new Date('2026-12-06T23:30:00Z');
    expect(defaultRound({ GITHUB_RUN_ID: '987' }, now)).toBe('github-987');
    expect(defaultRound({ CI_PIPELINE_ID: '55' }, now)).toBe('gitlab-55');
    expect(defaultRound({ GITHUB_RUN_ID: 'x y' }, now)).toBe('day-2026-12-06');
    expect(defaultRound({}, now)).toBe('day-2026-12-06');
  });
});

const episodes = (records: ScanRecord[]) =>
  historyFromRecords(records).findings.find((f) => f.fingerprint === 'f-rotation')?.episodes;

describe('the lifecycle of a round', () => {
  const r1 = [shardScan(A, 0, 'r1', [rotation('FAIL')]), shardScan(B, 0, 'r1', [])];

  it('keeps open what one shard saw and the other (whose account it is) did not, in either order', () => {
    const opened = [{ openedAt: T, severity: 'medium' }];
    expect(episodes(r1)).toEqual(opened);
    expect(episodes([...r1].reverse())).toEqual(opened);
  });

  it('closes what no shard of a complete round saw, when its last shard is saved, not before', () => {
    const r2b = shardScan(B, 1, 'r2', []);
    const r2a = shardScan(A, 1, 'r2', []);
    expect(episodes([...r1, r2b])).toEqual([{ openedAt: T, severity: 'medium' }]);
    expect(episodes([...r1, r2b, r2a])).toEqual([
      { openedAt: T, severity: 'medium', resolvedAt: T + DAY, resolution: 'resource-gone' },
    ]);
  });

  it('closes as fixed what a shard sees passing, whatever the round', () => {
    expect(episodes([...r1, shardScan(A, 1, 'r2', [rotation('PASS')])])).toEqual([
      { openedAt: T, severity: 'medium', resolvedAt: T + DAY, resolution: 'fixed' },
    ]);
  });
});

describe('KPIs over rounds', () => {
  const window = { since: T - DAY, until: T + 10 * DAY };

  it('adds up the shards of a round into one trend point, the newest save of each shard', () => {
    const history = historyFromRecords([
      shardScan(A, 0, 'r1', [], 'compliant'),
      shardScan(B, 0, 'r1', []),
      shardScan(B, 0.5, 'r1', [], 'compliant'),
    ]);
    const report = computeKpis(history, { window, kpis: ['compliance'] });
    expect(report.compliance!.trend).toHaveLength(1);
    expect(report.compliance!.trend[0]).toMatchObject({
      scanId: 3,
      at: new Date(T + 0.5 * DAY).toISOString(),
      round: { id: 'r1', shards: 2, missing: [] },
      overall: { clusters: { total: 2, compliant: 2, pct: 100 } },
    });
    expect(report.compliance!.now.incomplete).toBeUndefined();
    expect(report.issues).toEqual([]);
  });

  it('marks the latest round incomplete when a shard is missing, and names it', () => {
    const history = historyFromRecords([
      shardScan(A, 0, 'r1', [], 'compliant'),
      shardScan(B, 0, 'r1', [], 'compliant'),
      shardScan(A, 1, 'r2', [], 'compliant'),
    ]);
    const report = computeKpis(history, { window, kpis: ['compliance'] });
    const [first, second] = report.compliance!.trend;
    expect(first!.overall.clusters.pct).toBe(100);
    expect(second).toMatchObject({
      round: { id: 'r2', shards: 2, missing: [2] },
      overall: { clusters: { total: 1, compliant: 1, pct: null } },
    });
    expect(report.compliance!.now.incomplete).toEqual({ id: 'r2', shards: 2, missing: [2] });
    expect(report.compliance!.now.overall.clusters.pct).toBeNull();
    expect(report.issues.map((i) => [i.code, i.message, i.hint])).toEqual([
      [
        'history.round_incomplete',
        'the latest round of the sharded organization scan, r2, is missing shard 2/2: the accounts of that shard are not in it, so it is incomplete and its compliance is not a percentage',
        'run `hyperpod-cmk scan --org --round r2` with --shard 2/2 (the same --role-name and Regions), saving to this history',
      ],
    ]);
  });

  it('is not hidden by a later scan of a few accounts, and is superseded by a later full scan', () => {
    const incomplete = [shardScan(A, 0, 'r1', [], 'compliant')];
    const fewer = { ...shardScan(B, 1, 'x', []), scan: { ...shardScan(B, 1, 'x', []).scan } };
    delete fewer.scan.shard;
    expect(computeKpis(historyFromRecords([...incomplete, fewer]), { window }).issues).toHaveLength(1);
    const full = { ...fewer, scan: { ...fewer.scan, reportId: 'full', accounts: [A, B] } };
    expect(computeKpis(historyFromRecords([...incomplete, full]), { window }).issues).toEqual([]);
  });

  it('judges a round straddling the start of the window on all its shards, not on those inside it', () => {
    // r1: A's shard the day before the window, B's shard inside it: one complete point.
    const records = [shardScan(A, 0, 'r1', [], 'compliant'), shardScan(B, 2, 'r1', [], 'compliant')];
    const report = computeKpis(historyFromRecords(records), {
      window: { since: T + DAY, until: T + 10 * DAY },
      kpis: ['compliance'],
    });
    expect(report.compliance!.trend.map((p) => [p.scanId, p.round, p.overall.clusters])).toEqual([
      [
        2,
        { id: 'r1', shards: 2, missing: [] },
        { group: 'all', total: 2, compliant: 2, byException: 0, unknown: 0, nonCompliant: 0, pct: 100 },
      ],
    ]);
    expect(report.compliance!.now.incomplete).toBeUndefined();
    expect(report.issues).toEqual([]);
    // A round whose newest shard is before the window is no point of it.
    const before = computeKpis(historyFromRecords(records), {
      window: { since: T + 3 * DAY, until: T + 10 * DAY },
      kpis: ['compliance'],
    });
    expect(before.compliance!.trend).toEqual([]);
  });

  it('judges the latest round as of the end of the window, once, for now and the issue alike', () => {
    // r2's second shard is saved after the window's end: at its end, r2 misses it.
    const records = [
      shardScan(A, 0, 'r1', [], 'compliant'),
      shardScan(B, 0, 'r1', [], 'compliant'),
      shardScan(A, 5, 'r2', [], 'compliant'),
      shardScan(B, 7, 'r2', [], 'compliant'),
    ];
    const report = computeKpis(historyFromRecords(records), {
      window: { since: T - DAY, until: T + 6 * DAY },
      kpis: ['compliance'],
    });
    const missing = { id: 'r2', shards: 2, missing: [2] };
    expect(report.compliance!.now.incomplete).toEqual(missing);
    expect(report.compliance!.now.overall.clusters.pct).toBeNull();
    expect(report.issues.map((i) => i.code)).toEqual(['history.round_incomplete']);
    expect(report.compliance!.trend.map((p) => p.round)).toEqual([
      { id: 'r1', shards: 2, missing: [] },
      missing,
    ]);
  });

  it('groups scans by round id and N, unsharded scans alone', () => {
    const groups = scanGroups([
      { id: 1, at: 1, shard: { index: 1, count: 2, round: 'r' } },
      { id: 2, at: 2 },
      { id: 3, at: 3, shard: { index: 1, count: 3, round: 'r' } },
      { id: 4, at: 4, shard: { index: 2, count: 2, round: 'r' } },
    ]);
    expect(groups.map((g) => [g.scans.map((s) => s.id), g.round])).toEqual([
      [[2], undefined],
      [[3], { id: 'r', count: 3, missing: [2, 3] }],
      [[1, 4], { id: 'r', count: 2, missing: [] }],
    ]);
  });
});
