/**
 * The store contract on every backend, with the same expectations: migrations (a later one is
 * applied, a newer schema is refused), scans saved at once by several processes (each lands whole,
 * each finding keeps one lifecycle, the same scan is saved once), and a process killed mid-save
 * (nothing of that scan is kept).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HistoryData } from '../../src/history/types.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import { openHistory, redactTarget } from '../../src/store/store.js';
import { BACKENDS, oneAccount, open } from '../helpers/stores.js';
import { syntheticRecord } from '../helpers/synthetic.js';

const CHILD = fileURLToPath(new URL('../fixtures/save-child.ts', import.meta.url));
const DAY = 86_400_000;

function child(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return finished(child(args));
}

function finished(proc: ChildProcessWithoutNullStreams) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => {
      stdout += d;
    });
    proc.stderr.on('data', (d) => {
      stderr += d;
    });
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function printed(proc: ChildProcessWithoutNullStreams, text: string): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the child never printed ${text}: ${out}`)), 30_000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes(text)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
  });
}

/** What every finding's lifecycle must satisfy: episodes in order, at most the last one open. */
function expectOneLifecyclePerFinding(data: HistoryData) {
  expect(new Set(data.findings.map((f) => f.fingerprint)).size).toBe(data.findings.length);
  for (const finding of data.findings) {
    const open = finding.episodes.filter((e) => e.resolvedAt === undefined);
    expect(open.length, finding.fingerprint).toBeLessThanOrEqual(1);
    if (open.length) expect(finding.episodes.at(-1)).toBe(open[0]);
    for (let i = 1; i < finding.episodes.length; i++)
      expect(finding.episodes[i]!.openedAt).toBeGreaterThanOrEqual(finding.episodes[i - 1]!.resolvedAt!);
  }
}

const groupsOf = (data: HistoryData, scanId: number, type: 'instance-group' | 'cluster') =>
  data.tallies.filter((t) => t.scanId === scanId && t.type === type).reduce((sum, t) => sum + t.count, 0);

describe.each(BACKENDS)('history store contract ($name)', (backend) => {
  it('applies a later migration to an existing history and keeps its scans; refuses a newer one', async () => {
    const target = await backend.fresh();
    const first = await open(target);
    expect(await first.schemaVersion()).toBe(SCHEMA_VERSION);
    expect((await first.save(syntheticRecord({ day: 0, groups: 8 }))).ok).toBe(true);
    await first.close();
    const v3 = [
      ...MIGRATIONS,
      { version: SCHEMA_VERSION + 1, description: 'test', sql: 'ALTER TABLE scans ADD COLUMN note TEXT;' },
    ];
    const again = await open(target, { create: false, migrations: v3 });
    expect(await again.schemaVersion()).toBe(SCHEMA_VERSION + 1);
    expect(await again.scans()).toHaveLength(1);
    await again.close();
    // This version does not know that schema: it refuses rather than misreading it, readers too.
    for (const readOnly of [false, true]) {
      const old = await openHistory(target, { create: false, readOnly });
      expect(old.ok).toBe(false);
      if (!old.ok)
        expect(old.error).toEqual({
          code: 'history.unavailable',
          input: redactTarget(target),
          message: `was written by a newer hyperpod-cmk (history schema ${SCHEMA_VERSION + 1}, this version knows ${SCHEMA_VERSION})`,
          hint: `upgrade hyperpod-cmk, or pass --db another ${backend.name === 'sqlite' ? 'file' : 'database'}`,
        });
    }
  });

  it('keeps a name or message holding U+0000 (which PostgreSQL text refuses) as U+FFFD, the same in every backend', async () => {
    const record = syntheticRecord({ day: 0, groups: 8, failRate: 1 });
    const hostile = {
      ...record,
      resources: record.resources.map((r, i) => (i === 0 ? { ...r, name: `team\u0000a${r.name}` } : r)),
      findings: record.findings.map((f, i) =>
        i === 0 ? { ...f, name: 'x\u0000y', message: 'a\u0000b\u0000c' } : f,
      ),
    };
    const store = await open(await backend.fresh());
    expect((await store.save(hostile)).ok).toBe(true);
    const data = await store.load();
    await store.close();
    const first = data.findings.find((f) => f.fingerprint === hostile.findings[0]!.fingerprint)!;
    expect([first.name, first.message]).toEqual(['x\uFFFDy', 'a\uFFFDb\uFFFDc']);
    expect(JSON.stringify(data)).not.toContain('\\u0000');
  });

  it('lands every scan whole when two processes save at the same time', async () => {
    const target = await backend.fresh();
    const [a, b] = await Promise.all([run([target, '0', '4', '300']), run([target, '1', '4', '300'])]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    const store = await open(target, { create: false });
    const scans = await store.scans();
    expect(scans).toHaveLength(8);
    expect(scans.map((s) => (s.at - scans[0]!.at) / DAY)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const data = await store.load();
    await store.close();
    // Every scan is whole: 300 groups and 75 clusters each.
    for (const scan of scans) {
      expect(groupsOf(data, scan.id, 'instance-group')).toBe(300);
      expect(groupsOf(data, scan.id, 'cluster')).toBe(75);
    }
    expectOneLifecyclePerFinding(data);
  }, 90_000);

  it('three processes saving scans of three accounts at once give the history of saving them one by one', async () => {
    const accounts = ['111111111111', '222222222222', '333333333333'];
    const reference = await open(await backend.fresh());
    for (const account of accounts)
      for (const day of [0, 2, 4])
        expect((await reference.save(oneAccount(syntheticRecord({ day, groups: 240 }), account))).ok).toBe(
          true,
        );
    const expected = await reference.load();
    await reference.close();

    const target = await backend.fresh();
    await (await open(target)).close();
    const results = await Promise.all(accounts.map((a) => run([target, '0', '3', '240', `account=${a}`])));
    expect(results.map((r) => [r.code, r.stderr])).toEqual(accounts.map(() => [0, '']));
    const store = await open(target, { create: false });
    const data = await store.load();
    await store.close();

    const byFingerprint = (h: HistoryData) =>
      [...h.findings].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
    expect(data.findings.length).toBe(expected.findings.length);
    expect(byFingerprint(data)).toEqual(byFingerprint(expected));
    const episodes = (h: HistoryData) => h.findings.reduce((n, f) => n + f.episodes.length, 0);
    expect(episodes(data)).toBe(episodes(expected));
    expect(episodes(data)).toBeGreaterThan(10);
    const scansOf = (h: HistoryData) =>
      h.scans
        .map(({ id, ...scan }) => ({
          ...scan,
          groups: groupsOf(h, id, 'instance-group'),
          clusters: groupsOf(h, id, 'cluster'),
        }))
        .sort((a, b) => a.at - b.at || a.reportId.localeCompare(b.reportId));
    expect(scansOf(data)).toEqual(scansOf(expected));
    const byArn = (h: HistoryData) => [...h.keys].sort((a, b) => a.arn.localeCompare(b.arn));
    expect(byArn(data)).toEqual(byArn(expected));
    const current = (h: HistoryData) =>
      h.current.map(({ scanId: _s, ...r }) => r).sort((a, b) => a.rid.localeCompare(b.rid));
    expect(current(data)).toEqual(current(expected));
    expectOneLifecyclePerFinding(data);
  }, 120_000);

  it('saves the same scan once when four processes save it at the same time', async () => {
    const target = await backend.fresh();
    // Created first, so that the four only race on the save.
    await (await open(target)).close();
    const results = await Promise.all([1, 2, 3, 4].map(() => run([target, '3', '1', '200'])));
    expect(results.map((r) => [r.code, r.stderr])).toEqual([1, 2, 3, 4].map(() => [0, '']));
    const lines = results.map((r) => r.stdout.trim()).sort();
    const saved = lines.filter((l) => l.startsWith('SAVED'));
    expect(saved).toHaveLength(1);
    const id = saved[0]!.split(' ')[1];
    expect(lines.filter((l) => l === `DUPLICATE ${id}`)).toHaveLength(3);
    const store = await open(target, { create: false });
    const scans = await store.scans();
    const data = await store.load();
    await store.close();
    expect(scans.map((s) => s.id)).toEqual([Number(id)]);
    expect(groupsOf(data, Number(id), 'instance-group')).toBe(200);
    expectOneLifecyclePerFinding(data);
  }, 90_000);

  it('a scan saved while another is mid-save waits for it, then builds on it: one lifecycle per finding', async () => {
    // The reference: day 0, then day 1, saved one after the other.
    const reference = await open(await backend.fresh());
    for (const day of [0, 1])
      expect((await reference.save(syntheticRecord({ day, groups: 400 }))).ok).toBe(true);
    const expected = await reference.load();
    await reference.close();
    expect(expected.findings.filter((f) => f.episodes.length > 0).length).toBeGreaterThan(20);

    const target = await backend.fresh();
    await (await open(target)).close();
    const holder = child([target, '0', '1', '400', 'hold']);
    const holderDone = finished(holder);
    await printed(holder, 'MID');
    // The second scan sees the same failing findings; it must wait for the first to commit.
    const proc = child([target, '1', '1', '400', 'ready']);
    const second = finished(proc);
    await printed(proc, 'READY');
    const waited = await Promise.race([
      second.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 3_000)),
    ]);
    expect(waited).toBe(true);
    holder.stdin.write('go\n');
    const [a, b] = await Promise.all([holderDone, second]);
    expect([a.code, a.stderr, b.code, b.stderr]).toEqual([0, '', 0, '']);
    expect(a.stdout).toBe('MID\nSAVED 1\n');
    expect(b.stdout).toBe('READY\nSAVED 2\n');

    const store = await open(target, { create: false });
    const data = await store.load();
    await store.close();
    expect(data.findings).toEqual(expected.findings);
    expect(data.tallies).toEqual(expected.tallies);
    expect(data.keys).toEqual(expected.keys);
    expect(data.current).toEqual(expected.current);
    expectOneLifecyclePerFinding(data);
  }, 90_000);

  it('keeps the previous scans, and never half a scan, when a process is killed mid-save', async () => {
    const target = await backend.fresh();
    const proc = child([target, '0', '2', '200', 'crash']);
    const exited = finished(proc);
    const out = await printed(proc, 'MID');
    expect(out).toBe('SAVED 1\nSAVED 2\nMID\n');
    proc.kill('SIGKILL');
    await exited;

    const store = await open(target, { create: false });
    expect((await store.scans()).map((s) => s.id)).toEqual([1, 2]);
    const data = await store.load();
    expect(data.tallies.filter((t) => t.type === 'instance-group').reduce((s, t) => s + t.count, 0)).toBe(
      400,
    );
    // The store still takes new scans after the crash.
    const saved = await store.save(syntheticRecord({ day: 10, groups: 200 }));
    expect(saved.ok).toBe(true);
    expect((await store.scans()).map((s) => s.at)).toEqual(
      [0, 2, 10].map((d) => data.scans[0]!.at + d * DAY),
    );
    await store.close();
  }, 60_000);
});
