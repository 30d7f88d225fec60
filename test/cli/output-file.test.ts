/**
 * `-o FILE` of the commands with one output (kpi, history, register, policy diff, drift): the format
 * comes from the file's name as it does for the report commands' -o, within the formats each
 * command writes; a name that says another format than --format, or one the command does not
 * write, is a usage error (exit 2) that writes nothing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { demoEstate } from '../../src/demo/estate.js';
import { memoryIo } from '../helpers/io.js';

const NOW = '2026-11-20T09:00:00Z';
const ACCOUNT = '111122223333';
const EXEC = `arn:aws:iam::${ACCOUNT}:role/hyperpod-exec`;
const grantStatement = {
  Effect: 'Allow',
  Principal: { AWS: EXEC },
  Action: ['kms:CreateGrant', 'kms:DescribeKey'],
  Resource: '*',
};
const rootStatement = {
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: 'kms:*',
  Resource: '*',
};

let dir: string;

async function cli(args: readonly string[]) {
  const io = memoryIo({ cwd: dir });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** The commands, each with the arguments that give it something to write. */
const COMMANDS: Record<string, () => string[]> = {
  kpi: () => ['kpi', '--db', join(dir, 'demo.db'), '--now', NOW],
  history: () => ['history', '--db', join(dir, 'demo.db')],
  register: () => ['register', '--demo'],
  'policy diff': () => ['policy', 'diff', join(dir, 'old.json'), join(dir, 'new.json')],
  drift: () => ['drift', join(dir, 'cluster.json'), '--from', join(dir, 'estate.json')],
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hpcmk-output-file-'));
  expect((await cli(['demo', '--db', join(dir, 'demo.db')])).code).toBe(0);
  writeFileSync(join(dir, 'old.json'), JSON.stringify({ Statement: [rootStatement] }));
  writeFileSync(join(dir, 'new.json'), JSON.stringify({ Statement: [rootStatement, grantStatement] }));
  writeFileSync(join(dir, 'estate.json'), JSON.stringify(demoEstate()));
  // genai-batch as deployed, but without Continuous provisioning: one drift.
  const key = demoEstate().keys.find((k) => k.aliases.includes('alias/hyperpod/genai-batch'))!.arn;
  writeFileSync(
    join(dir, 'cluster.json'),
    JSON.stringify({
      ClusterName: 'genai-batch',
      Orchestrator: { Eks: { ClusterArn: 'arn:aws:eks:us-east-1:111111111111:cluster/ml' } },
      InstanceGroups: [
        {
          InstanceGroupName: 'inference-g5',
          InstanceType: 'ml.g5.12xlarge',
          InstanceCount: 2,
          ExecutionRole: 'arn:aws:iam::111111111111:role/hyperpod-genai-batch',
          InstanceStorageConfigs: [
            { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: key } },
            { EbsVolumeConfig: { VolumeSizeInGB: 500, VolumeKmsKeyId: key } },
          ],
        },
      ],
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('-o FILE writes the format its name says', () => {
  it.each([
    ['kpi', 'k.json', 0, (text: string) => JSON.parse(text).kind],
    ['history', 'h.json', 0, (text: string) => JSON.parse(text).scans.length],
    ['register', 'r.json', 0, (text: string) => JSON.parse(text).keys.length],
    ['policy diff', 'd.json', 1, (text: string) => JSON.parse(text).effect],
    ['drift', 'drift.json', 1, (text: string) => JSON.parse(text).items.map((i: { kind: string }) => i.kind)],
    ['kpi', 'k.csv', 0, (text: string) => text.split('\r\n')[0]],
    ['history', 'h.csv', 0, (text: string) => text.split('\r\n')[0]!.split(',').slice(0, 3)],
    ['register', 'r.csv', 0, (text: string) => text.split('\r\n')[0]!.split(',').slice(0, 3)],
    ['register', 'r.html', 0, (text: string) => text.slice(0, 15)],
    ['kpi', 'k.txt', 0, (text: string) => text.split('\n')[0]],
  ] as const)('%s -o %s', async (command, file, code, read) => {
    const result = await cli([...COMMANDS[command]!(), '-o', file]);
    expect(result.code, result.err).toBe(code);
    expect(result.out).toBe('');
    const expected = {
      'k.json': 'hyperpod-cmk-kpi',
      'h.json': 13,
      'r.json': 16,
      'd.json': 'widens',
      'drift.json': ['provisioning-mode'],
      'k.csv': 'kpi,at,scope,group,metric,value',
      'h.csv': ['id', 'time', 'source'],
      'r.csv': ['Alias', 'Key ARN', 'Account'],
      'r.html': '<!doctype html>',
      'k.txt': 'hyperpod-cmk KPIs · 2026-08-22 → 2026-11-20 · 13 scans',
    }[file];
    expect(read(readFileSync(join(dir, file), 'utf8'))).toEqual(expected);
  });

  it('a name that says no format writes --format, else the default; FORMAT=FILE names it', async () => {
    expect((await cli([...COMMANDS.kpi!(), '--format', 'json', '-o', 'kpis'])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'kpis'), 'utf8')).kind).toBe('hyperpod-cmk-kpi');
    expect((await cli([...COMMANDS['policy diff']!(), '-o', 'diff.out'])).code).toBe(1);
    expect(readFileSync(join(dir, 'diff.out'), 'utf8').split('\n')[0]).toMatch(/^### /);
    expect((await cli([...COMMANDS.history!(), '-o', 'csv=scans.out'])).code).toBe(0);
    expect(readFileSync(join(dir, 'scans.out'), 'utf8').split('\r\n')[0]).toMatch(/^id,time,source,/);
  });
});

describe('a name the command cannot honour is a usage error (exit 2), nothing written', () => {
  it.each([
    [
      'kpi',
      ['-o', 'bad-1.md'],
      'hyperpod-cmk: --output bad-1.md: its name says markdown, and this command writes table, json, csv\n' +
        '  hint: give it the ending of one of those (.txt .json .csv), or write FORMAT=bad-1.md\n',
    ],
    [
      'kpi',
      ['--format', 'csv', '-o', 'bad-2.json'],
      'hyperpod-cmk: --output bad-2.json: its name says json but --format says csv\n' +
        '  hint: drop --format, or write --output csv=bad-2.json\n',
    ],
    [
      'history',
      ['-o', 'bad-3.sarif'],
      'hyperpod-cmk: --output bad-3.sarif: its name says sarif, and this command writes table, json, csv\n' +
        '  hint: give it the ending of one of those (.txt .json .csv), or write FORMAT=bad-3.sarif\n',
    ],
    [
      'register',
      ['--format', 'html', '-o', 'bad-4.csv'],
      'hyperpod-cmk: --output bad-4.csv: its name says csv but --format says html\n' +
        '  hint: drop --format, or write --output html=bad-4.csv\n',
    ],
    [
      'policy diff',
      ['-o', 'bad-5.csv'],
      'hyperpod-cmk: --output bad-5.csv: its name says csv, and this command writes markdown, json\n' +
        '  hint: give it the ending of one of those (.md .json), or write FORMAT=bad-5.csv\n',
    ],
    [
      'drift',
      ['--format', 'json', '-o', 'markdown=bad-6.txt'],
      'hyperpod-cmk: --output markdown=bad-6.txt: it says markdown but --format says json\n' +
        '  hint: drop --format, or write --output json=bad-6.txt\n',
    ],
    [
      'drift',
      ['-o', 'csv=bad-7.txt'],
      'hyperpod-cmk: --output csv=bad-7.txt: unknown format "csv"\n  hint: one of markdown, json\n',
    ],
  ])('%s %j', async (command, args, err) => {
    const result = await cli([...COMMANDS[command]!(), ...args]);
    expect(result).toEqual({ code: 2, out: '', err });
    expect(existsSync(join(dir, args[args.length - 1]!.replace(/^[a-z]+=/, '')))).toBe(false);
  });

  it('a file that cannot be written is named, never an internal error', async () => {
    writeFileSync(join(dir, 'plain-file'), '');
    const cases = [
      [[...COMMANDS.kpi!(), '-o', 'plain-file/out.json'], 'KPIs'],
      [[...COMMANDS.history!(), '-o', 'plain-file/out.json'], 'history'],
      [['demo', '--export', 'plain-file/out.json'], 'demo estate'],
      [['report', '--db', join(dir, 'demo.db'), '--now', NOW, '--html', 'plain-file/out.json'], 'dashboard'],
    ] as const;
    for (const [args, what] of cases) {
      const result = await cli(args);
      expect([result.code, result.err]).toEqual([
        2,
        `hyperpod-cmk: plain-file/out.json: cannot write the ${what}: ${join(dir, 'plain-file')} is not a directory\n`,
      ]);
    }
  });
});
