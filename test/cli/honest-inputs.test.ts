/**
 * Inputs that cannot be true are refused (exit 2, naming the input), and a scan that examined
 * nothing never reports 100%: impossible clocks and dates, Regions in the config validated like
 * --region, invalid times in snapshots, and an IaC scan of a tree with no IaC.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { parseIsoTime } from '../../src/model/dates.js';
import { serializeSnapshot } from '../../src/model/snapshot.js';
import { compliantEstate, key } from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-honest-inputs-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
async function run(args: string[]) {
  const io = memoryIo({ cwd: dir });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
const snapshot = file('ok.json', serializeSnapshot(compliantEstate()));

describe('parseIsoTime', () => {
  it.each([
    ['2026-02-28', Date.parse('2026-02-28T00:00:00Z')],
    ['2024-02-29T10:00:00Z', Date.parse('2024-02-29T10:00:00Z')],
    ['2026-11-27T12:00:00', Date.parse('2026-11-27T12:00:00Z')],
    ['2026-11-27T12:00:00.5+02:00', Date.parse('2026-11-27T10:00:00.500Z')],
  ])('%s is a real time', (text, ms) => expect(parseIsoTime(text)).toBe(ms));
  it.each([
    '2026-02-30',
    '2026-02-29',
    '2026-13-01',
    '2026-04-31T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T10:60:00Z',
    'yesterday',
    '',
    '2026-1-1',
  ])('%s is refused', (text) => expect(parseIsoTime(text)).toBeUndefined());
});

describe('an impossible --now or --since is an input error (exit 2)', () => {
  it.each(['2026-02-30', '2026-13-01', 'yesterday', '2026-02-30T12:00:00Z'])('--now %s', async (now) => {
    for (const args of [
      ['evaluate', snapshot, '--now', now],
      ['kpi', '--db', join(dir, 'none.db'), '--now', now],
      ['history', '--db', join(dir, 'none.db'), '--now', now],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(`--now: "${now}" is not an ISO-8601 time on a real calendar date`);
      noStack(r.err);
    }
  });
  it('--since 2026-02-30', async () => {
    const r = await run([
      'kpi',
      '--db',
      join(dir, 'none.db'),
      '--since',
      '2026-02-30',
      '--now',
      '2026-11-01',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--since');
    expect(r.err).toContain('"2026-02-30"');
  });
});

describe('Regions in the config are validated like --region', () => {
  const cases: [string, string, RegExp][] = [
    [
      'drRegions key',
      'drRegions:\n  us-east-9: us-west-2\n',
      /\$\.drRegions.*"us-east-9" is not an AWS Region/,
    ],
    [
      'drRegions value, with the closest Region',
      'drRegions:\n  us-east-1: us-wset-2\n',
      /\$\.drRegions\["us-east-1"\]: .*"us-wset-2" is not an AWS Region \(did you mean us-west-2\?\)/,
    ],
    [
      'tenancy cluster ARN',
      'tenancy:\n  - cluster: "arn:aws:sagemaker:eu-central-9:111122223333:cluster/abc"\n    instanceGroup: "*"\n    tenant: a\n',
      /\$\.tenancy\[0\]\.cluster: the Region of the ARN: "eu-central-9" is not an AWS Region/,
    ],
  ];
  it.each(cases)('%s', async (name, yaml, pattern) => {
    const cfg = file(`${name.replace(/\W+/g, '-')}.yaml`, yaml);
    const r = await run(['evaluate', snapshot, '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(pattern);
    noStack(r.err);
  });
  it('accepts real Regions and wildcard ARNs', async () => {
    const cfg = file(
      'good-regions.yaml',
      'drRegions:\n  us-east-1: us-west-2\ntenancy:\n  - cluster: "arn:aws:sagemaker:*:111122223333:cluster/*"\n    instanceGroup: "*"\n    tenant: a\n',
    );
    const r = await run(['evaluate', snapshot, '--config', cfg, '--format', 'json']);
    expect(r.err).toBe('');
    expect([0, 1]).toContain(r.code);
  });
});

describe('invalid times in a snapshot are input errors, never "NaN days"', () => {
  const k = key('k1');
  const cases: [string, object, RegExp][] = [
    [
      'event time',
      {
        ...compliantEstate(),
        events: [
          {
            eventId: 'e1',
            eventTime: 'last tuesday',
            eventSource: 'kms.amazonaws.com',
            eventName: 'Decrypt',
            account: '111122223333',
            region: 'us-east-1',
          },
        ],
      },
      /\$\.events\[0\]\.eventTime: an ISO-8601 time/,
    ],
    [
      'deletion date',
      compliantEstate({
        key: {
          metadata: { ...k.metadata!, keyState: 'PendingDeletion', deletionDate: '2026-02-30T00:00:00Z' },
        },
      }),
      /\$\.keys\[0\]\.metadata\.deletionDate: an ISO-8601 time/,
    ],
    ['generatedAt', { ...compliantEstate(), generatedAt: 'soon' }, /\$\.generatedAt: an ISO-8601 time/],
    [
      'collected window',
      {
        ...compliantEstate(),
        eventsCollected: [{ account: '111122223333', region: 'us-east-1', since: 'NaN' }],
      },
      /\$\.eventsCollected\[0\]\.since: an ISO-8601 time/,
    ],
  ];
  it.each(cases)('%s', async (name, inventory, pattern) => {
    const path = file(`bad-${name.replace(/\W+/g, '-')}.json`, JSON.stringify(inventory));
    const r = await run(['evaluate', path]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(pattern);
    expect(r.out + r.err).not.toContain('NaN');
    noStack(r.err);
  });
});

describe('a scan that examined nothing is never 100%', () => {
  it('iac on a tree with no IaC: n/a in every format, and never exit 0', async () => {
    const empty = join(dir, 'no-iac');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'README.md'), '# nothing here\n');
    const json = await run(['iac', empty, '--format', 'json']);
    expect(json.code).not.toBe(0);
    const report = JSON.parse(json.out);
    expect(report.summary).toMatchObject({
      clusters: 0,
      clusterCompliancePct: null,
      instanceGroups: 0,
      instanceGroupCompliancePct: null,
    });
    const table = await run(['iac', empty]);
    expect(table.out).toContain('0 of 0 compliant (n/a: nothing examined)');
    expect(table.out).not.toContain('100%');
    const md = await run(['iac', empty, '--format', 'markdown']);
    expect(md.out).toContain('**n/a** of clusters compliant');
    expect(md.out).not.toContain('100%');
  });

  it('the dashboard of a scan of nothing shows n/a, not a green 100% tile', async () => {
    const empty = join(dir, 'no-iac-html');
    mkdirSync(empty, { recursive: true });
    const html = await run(['iac', empty, '--format', 'html']);
    expect(html.out).toContain('<div class="label">Clusters compliant</div><div class="value ">n/a</div>');
    expect(html.out).not.toMatch(/class="value good">100%/);
  });
});
