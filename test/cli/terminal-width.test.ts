/**
 * The tables of rules, kpi, history, fix, plan and guardrails fit a terminal's width as the report
 * table does: on a TTY long cells and lines are cut with an ellipsis; in a log or a file nothing is.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { demoEstate } from '../../src/demo/estate.js';
import { serializeSnapshot } from '../../src/model/snapshot.js';
import { memoryIo } from '../helpers/io.js';

const NOW = '2026-11-20T09:00:00Z';
let dir: string;

async function cli(args: readonly string[], terminal: { columns: number } | undefined) {
  const io = memoryIo({ cwd: dir });
  if (terminal) Object.assign(io.stdout, { isTTY: true, columns: terminal.columns });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

const visible = (line: string) => line.replace(/\u001b\[[0-9;]*m/g, '');

/** The lines of the tables in the output: each from its header (capitals, columns two spaces apart) to a blank line. */
function tableLines(out: string): string[] {
  const lines: string[] = [];
  let inTable = false;
  for (const line of out.split('\n').map(visible)) {
    if (line === '') inTable = false;
    else if (/^[A-Z][A-Z/:. -]*[A-Z] {2,}[A-Z…]/.test(line)) inTable = true;
    if (inTable) lines.push(line);
  }
  return lines;
}

/** Each command, and the first two lines of its first table on a terminal 60 columns wide. */
const COMMANDS: [string, () => string[], string[]][] = [
  [
    'rules',
    () => ['rules'],
    [
      'RULE                                  SEVERITY  RESOURCE   …',
      'hyperpod-root-volume-cmk              high      instance-gr…',
    ],
  ],
  [
    'kpi',
    () => ['kpi', '--db', join(dir, 'demo.db'), '--now', NOW],
    [
      'SCAN  TIME                      CLUSTERS                   …',
      '#1    2026-08-28T09:00:00.000Z  18.2% (2/11, 1 by exception…',
    ],
  ],
  [
    'history',
    () => ['history', '--db', join(dir, 'demo.db')],
    [
      'SCAN  TIME                      SOURCE  ACCOUNTS           …',
      '#1    2026-08-28T09:00:00.000Z  live    111111111111 222222…',
    ],
  ],
  [
    'fix',
    () => ['fix', '--from', join(dir, 'estate.json')],
    ['FIX                  CHANGE', 'enable-key-rotation  enable rotation of alias/vision-finetu…'],
  ],
  [
    'plan',
    () => ['plan', '--demo', '--out', join(dir, 'plan')],
    [
      'CLUSTER              ACCOUNT       REGION     PATH         …',
      'genai-batch          111111111111  us-east-1  replace-group…',
    ],
  ],
  [
    'guardrails',
    () => ['guardrails', '--demo', '--out', join(dir, 'guardrails')],
    [
      'FILE                                                       …',
      'README.md                                                  …',
    ],
  ],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hpcmk-terminal-width-'));
  writeFileSync(join(dir, 'estate.json'), serializeSnapshot(demoEstate()));
  expect((await cli(['demo', '--db', join(dir, 'demo.db')], undefined)).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a table fits the terminal', () => {
  it.each(COMMANDS)('%s: cut to 60 columns on a terminal 60 wide', async (_name, args, firstLines) => {
    const result = await cli(args(), { columns: 60 });
    expect(result.code, result.err).toBe(0);
    const lines = tableLines(result.out);
    expect(lines.slice(0, 2)).toEqual(firstLines);
    expect(lines.filter((line) => line.length > 60)).toEqual([]);
  });

  it.each(COMMANDS)('%s: nothing cut off a terminal', async (_name, args) => {
    const result = await cli(args(), undefined);
    expect(result.code, result.err).toBe(0);
    const lines = tableLines(result.out);
    expect(lines.some((line) => line.length > 60)).toBe(true);
    expect(lines.filter((line) => line.endsWith('…'))).toEqual([]);
  });

  it('history and kpi written to a file from a terminal are not cut', async () => {
    for (const command of ['history', 'kpi'] as const) {
      const args = COMMANDS.find(([name]) => name === command)![1]();
      const result = await cli([...args, '-o', `${command}.txt`], { columns: 60 });
      expect([result.code, result.out]).toEqual([0, '']);
      const lines = tableLines(readFileSync(join(dir, `${command}.txt`), 'utf8'));
      expect(lines[0]).toMatch(/^SCAN {2}TIME {22}/);
      expect(lines.some((line) => line.length > 60)).toBe(true);
      expect(lines.filter((line) => line.endsWith('…'))).toEqual([]);
    }
  });
});
