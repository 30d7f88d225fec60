import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import type { KpiReport } from '../../src/kpi/index.js';
import { serializeSnapshot } from '../../src/model/snapshot.js';
import { at, SCENARIO_CONFIG, scenarioScans } from '../helpers/history.js';
import { memoryIo } from '../helpers/io.js';

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'history.db');
const config = join(dir, 'hyperpod-cmk.yaml');
const snapshots = scenarioScans().map((scan) => {
  const file = join(dir, `day-${scan.day}.json`);
  writeFileSync(file, serializeSnapshot(scan.inventory));
  return { day: scan.day, file };
});

async function cli(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ cwd: dir, env });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  writeFileSync(config, stringify(SCENARIO_CONFIG));
  for (const { day, file } of snapshots) {
    const result = await cli([
      'evaluate',
      file,
      '--config',
      config,
      '--now',
      at(day).toISOString(),
      '--db',
      db,
      '--format',
      'json',
    ]);
    expect(result.err).toBe('');
    expect([0, 1]).toContain(result.code);
  }
});

describe('evaluate saves to history; history, kpi and report read it', () => {
  it('lists the saved scans', async () => {
    const { code, out } = await cli(['history', '--db', db, '--format', 'json']);
    expect(code).toBe(0);
    const listed = JSON.parse(out);
    expect(listed.scans.map((s: { time: string }) => s.time)).toEqual(
      snapshots.map((s) => at(s.day).toISOString()),
    );
    expect(listed.scans.map((s: { clusterCompliancePct: number }) => s.clusterCompliancePct)).toEqual([
      100, 50, 50, 0, 0, 100,
    ]);
    const table = await cli(['history', '--db', db]);
    expect(table.out.split('\n')[0]).toMatch(/^SCAN\s+TIME\s+SOURCE/);
    expect(table.out).toContain('#6');
  });

  it('computes the KPIs as JSON, table and CSV', async () => {
    const now = at(20).toISOString();
    const json = await cli(['kpi', '--db', db, '--now', now, '--since', '2026-10-01', '--format', 'json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as KpiReport;
    expect(report).toMatchObject({ schemaVersion: 1, kind: 'hyperpod-cmk-kpi', scans: { count: 6 } });
    expect(report.remediation!.mttr.find((m) => m.group === 'all')).toEqual({
      group: 'all',
      fixed: 2,
      meanDays: 12.5,
      medianDays: 12.5,
      resourceGone: 1,
      notApplicable: 0,
      notEvaluated: 0,
    });
    expect(report.attempts!.total).toBe(3);

    const table = await cli(['kpi', 'mttr', '--db', db, '--now', now, '--since', '30d']);
    expect(table.out).toMatch(/all\s+2\s+12\.5 d\s+12\.5 d\s+1\s+0\s+0/);
    expect(table.out).not.toContain('Denied key calls');

    const csv = await cli(['kpi', '--db', db, '--now', now, '--format', 'csv', '--by', 'account']);
    expect(csv.out.split('\r\n')[0]).toBe('kpi,at,scope,group,metric,value');
    expect(csv.out).toContain(`mttr,${now},account,111122223333,meanDays,12.5`);
    expect(csv.out).toContain(`compliance,${now},cluster,111122223333,pct,100`);
  });

  it('adds denied calls from exported CloudTrail files, and exits 3 naming a file it could not read', async () => {
    const logs = join(dir, 'logs');
    mkdirSync(logs, { recursive: true });
    const record = {
      eventID: 'exported-1',
      eventTime: at(15).toISOString(),
      eventSource: 'kms.amazonaws.com',
      eventName: 'Decrypt',
      awsRegion: 'us-east-1',
      recipientAccountId: '111122223333',
      errorCode: 'AccessDenied',
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/old/eve' },
      requestParameters: { keyId: 'alias/k1' },
    };
    // ev-1 is also in the scans' inventories: counted once.
    const again = { ...record, eventID: 'ev-1', eventTime: at(1).toISOString() };
    writeFileSync(join(logs, 'trail.json'), JSON.stringify({ Records: [record, again] }));
    const attempts = ['kpi', 'attempts', '--db', db, '--now', at(20).toISOString(), '--cloudtrail-dir', logs];
    const ok = await cli([...attempts, '--format', 'json']);
    expect(ok.code).toBe(0);
    const counted = (JSON.parse(ok.out) as KpiReport).attempts!;
    expect(counted.total).toBe(4);
    expect(counted.byPrincipal.map((p) => p.name)).toContain(
      'arn:aws:sts::111122223333:assumed-role/old/eve',
    );

    writeFileSync(join(logs, 'broken.json'), '{"Records": [');
    const partial = await cli(attempts);
    expect(partial.code).toBe(3);
    expect(partial.out).toContain('Denied key calls: 4');
    expect(partial.out).toContain('broken.json: not valid JSON');
  });

  it('writes the HTML dashboard from history', async () => {
    const out = join(dir, 'dashboard.html');
    const { code, err } = await cli(['report', '--html', out, '--db', db, '--now', at(20).toISOString()]);
    expect(code).toBe(0);
    expect(err).toContain('dashboard written to');
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('6 scans since');
    expect((html.match(/<circle /g) ?? []).length).toBe(12); // 6 scans x 2 series
    expect(html).toContain('resource deleted (not a remediation)');

    // --limit: how many findings it lists, the most pressing first; not a number is a usage error.
    const rows = (text: string) => (text.match(/<tr data-severity=/g) ?? []).length;
    const all = rows(html);
    expect(all).toBeGreaterThan(2);
    const limited = join(dir, 'limited.html');
    expect(
      (await cli(['report', '--html', limited, '--db', db, '--now', at(20).toISOString(), '--limit', '2']))
        .code,
    ).toBe(0);
    const two = readFileSync(limited, 'utf8');
    expect(rows(two)).toBe(2);
    expect(two).toContain(`Listed: the 2 most pressing of ${all} findings`);
    const bad = await cli(['report', '--html', limited, '--db', db, '--limit', 'some']);
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe('hyperpod-cmk: --limit: "some" is not a whole number');
  });

  it('renders a saved JSON report with report --report, and rejects a file that is not one', async () => {
    const json = join(dir, 'one.json');
    await cli([
      'evaluate',
      snapshots[1]!.file,
      '--config',
      config,
      '--now',
      at(2).toISOString(),
      '--no-save',
      '-o',
      json,
      '--format',
      'json',
    ]);
    const html = join(dir, 'one.html');
    expect((await cli(['report', '--html', html, '--report', json])).code).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('kms-key-rotation-enabled');
    const bad = await cli(['report', '--html', html, '--report', snapshots[0]!.file]);
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe(
      `hyperpod-cmk: ${snapshots[0]!.file}: not a hyperpod-cmk JSON report (schemaVersion 1)`,
    );
  });
});

describe('where history goes', () => {
  it('saves to $HYPERPOD_CMK_DB, else the per-user default, and not at all with --no-save', async () => {
    const envDb = join(dir, 'env.db');
    expect(
      (
        await cli(['evaluate', snapshots[0]!.file, '--config', config, '--now', at(0).toISOString()], {
          HYPERPOD_CMK_DB: envDb,
        })
      ).code,
    ).toBe(0);
    expect(existsSync(envDb)).toBe(true);

    const home = join(dir, 'home');
    // At the snapshot's own clock: later, its CloudTrail window would not cover the lookback (UNKNOWN).
    const at0 = ['--now', at(0).toISOString()];
    expect(
      (await cli(['evaluate', snapshots[0]!.file, '--config', config, ...at0], { HOME: home })).code,
    ).toBe(0);
    expect(existsSync(join(home, '.local', 'share', 'hyperpod-cmk', 'history.db'))).toBe(true);

    const quiet = join(dir, 'quiet');
    await cli(['evaluate', snapshots[0]!.file, '--config', config, '--no-save'], { HOME: quiet });
    expect(existsSync(quiet)).toBe(false);
  });

  it('keeps the demo out of history unless --db names a file', async () => {
    const home = join(dir, 'demo-home');
    expect((await cli(['demo'], { HOME: home, HYPERPOD_CMK_DB: join(home, 'env.db') })).code).toBe(0);
    expect(existsSync(home)).toBe(false);
    const demoDb = join(dir, 'demo.db');
    expect((await cli(['demo', '--db', demoDb])).code).toBe(0);
    const listed = JSON.parse((await cli(['history', '--db', demoDb, '--format', 'json'])).out);
    // The demo's quarter of weekly scans, the last one at the demo's clock.
    expect(listed.scans).toHaveLength(13);
    expect(listed.scans.at(-1).time).toBe('2026-11-20T09:00:00.000Z');
    const kpi = JSON.parse(
      (await cli(['kpi', 'mttr', '--db', demoDb, '--now', '2026-11-20T09:00:00Z', '--format', 'json'])).out,
    );
    // llm-pretrain-prod's two keys started rotating three weeks in; the Slurm pilot was deleted, not fixed.
    const medium = kpi.remediation.mttr.find((m: { group: string }) => m.group === 'medium');
    expect(medium.fixed).toBeGreaterThanOrEqual(2);
    expect(medium.medianDays).toBe(21);
    expect(
      kpi.remediation.mttr.find((m: { group: string }) => m.group === 'all').resourceGone,
    ).toBeGreaterThan(0);
  });

  it('renders the demo dashboard over its weekly scans', async () => {
    const out = join(dir, 'demo.html');
    expect((await cli(['demo', '--format', 'html', '-o', out])).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('13 scans since');
    expect((html.match(/<circle /g) ?? []).length).toBe(26);
  });

  it('still prints the report when history cannot be written, then exits 2 naming the database', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const result = await cli([
      'evaluate',
      snapshots[0]!.file,
      '--config',
      config,
      '--db',
      join(blocker, 'h.db'),
    ]);
    expect(result.code).toBe(2);
    expect(result.out).toContain('Clusters');
    expect(result.err).toContain(`hyperpod-cmk: ${join(blocker, 'h.db')}: cannot open the history database`);
  });

  it('reports bad input in one line with a hint, exit 2', async () => {
    const missing = await cli(['kpi', '--db', join(dir, 'none.db')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(
      `hyperpod-cmk: ${join(dir, 'none.db')}: no history database here yet\n  hint: run \`hyperpod-cmk scan\` or \`hyperpod-cmk evaluate\` first (they save to history), or pass --db FILE\n`,
    );
    const since = await cli(['kpi', '--db', db, '--since', 'last tuesday']);
    expect(since.code).toBe(2);
    expect(since.err).toContain('--since: "last tuesday" is neither a duration nor an ISO-8601 date');
    const kpi = await cli(['kpi', 'velocity', '--db', db]);
    expect(kpi.code).toBe(2);
    expect(kpi.err).toContain('velocity: no such KPI');
    const by = await cli(['kpi', '--db', db, '--by', 'colour']);
    expect(by.code).toBe(2);
    const noHtml = await cli(['report', '--db', db]);
    expect(noHtml.code).toBe(2);
    expect(noHtml.err).toContain('--html: missing');
  });
});

describe('a run narrowed by --severity, --rule or --skip-rule', () => {
  const day = snapshots[3]!;
  const evaluateTo = (store: string, extra: string[]) =>
    cli([
      'evaluate',
      day.file,
      '--config',
      config,
      '--now',
      at(day.day).toISOString(),
      '--db',
      store,
      '--format',
      'json',
      ...extra,
    ]);

  it('judges compliance on every rule whatever --severity reports, and is not saved to history', async () => {
    const store = join(dir, 'narrowed.db');
    const whole = JSON.parse((await evaluateTo(join(dir, 'whole.db'), [])).out);
    const narrowed = await evaluateTo(store, ['--severity', 'critical']);
    const report = JSON.parse(narrowed.out);
    // The same clusters compliant or not: a cluster with a failing medium rule is not compliant.
    expect(report.summary.clusterCompliancePct).toBe(whole.summary.clusterCompliancePct);
    expect(report.clusters).toEqual(whole.clusters);
    expect(report.findings.every((f: { severity: string }) => f.severity === 'critical')).toBe(true);
    expect(report.findings.length).toBeLessThan(whole.findings.length);
    expect(narrowed.err).toBe(
      'hyperpod-cmk: not saved to history: --severity critical narrows what this run judges or reports, ' +
        'and history records whole scans (run without it to save one; --no-save silences this)\n',
    );
    expect(existsSync(store)).toBe(false);
    // The whole run of the same scan is saved afterwards, not refused as a duplicate.
    const after = await evaluateTo(store, []);
    expect(after.err).toBe('');
    const listed = JSON.parse((await cli(['history', '--db', store, '--format', 'json'])).out);
    expect(listed.scans).toHaveLength(1);
  });

  it.each([
    [['--rule', 'kms-*'], '--rule kms-*'],
    [
      ['--skip-rule', 'hyperpod-*', '--rule', 'kms-key-rotation-enabled'],
      '--rule kms-key-rotation-enabled --skip-rule hyperpod-*',
    ],
  ])('%j is not saved either', async (extra, named) => {
    const store = join(dir, `narrowed-${named.length}.db`);
    const result = await evaluateTo(store, extra);
    expect(result.err).toContain(`not saved to history: ${named} narrows`);
    expect(existsSync(store)).toBe(false);
    const quiet = await evaluateTo(store, [...extra, '--no-save']);
    expect(quiet.err).toBe('');
  });
});
