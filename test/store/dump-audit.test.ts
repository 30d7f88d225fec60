/**
 * A history dump that was cut short or tampered with is refused, naming the line (exit 2), and
 * nothing is imported: the KPIs of a history imported from it would be silently wrong (a dump cut
 * at a line boundary imported its first 1,000 rows of 1,329 as a whole history, whose last scans
 * then had no clusters). An export ends with an end line that counts its rows (dumpVersion 2); a
 * dump of dumpVersion 1 (written before) has none and is read as before.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { scanRecord } from '../../src/history/record.js';
import { DUMP_VERSION } from '../../src/store/dump.js';
import { scenarioReport, scenarioScans } from '../helpers/history.js';
import { memoryIo } from '../helpers/io.js';
import { open } from '../helpers/stores.js';

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-dump-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (name: string) => join(dir, `${++files}-${name}`);

async function cli(args: string[]) {
  const io = memoryIo({ cwd: dir });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

let lines: string[];
beforeAll(async () => {
  const db = file('source.db');
  const store = await open(db);
  for (const scan of scenarioScans())
    expect((await store.save(scanRecord(scenarioReport(scan), scan.inventory))).ok).toBe(true);
  await store.close();
  const dump = file('source.jsonl');
  expect((await cli(['history', 'export', '--db', db, '--to', dump])).code).toBe(0);
  lines = readFileSync(dump, 'utf8').trimEnd().split('\n');
});

const HINT =
  '  hint: a dump is written by `hyperpod-cmk history export --to FILE.jsonl`; nothing was imported\n';

/** Imports `content` into a new SQLite file: the exit code, stderr, and whether anything was kept. */
async function importing(name: string, content: string[]) {
  const dump = file(`${name}.jsonl`);
  writeFileSync(dump, `${content.join('\n')}\n`);
  const target = file(`${name}.db`);
  const r = await cli(['history', 'import', '--from', dump, '--db', target]);
  let kept = 0;
  if (r.code === 0) {
    const store = await open(target, { create: false, readOnly: true });
    kept = (await store.scans()).length;
    await store.close();
  }
  return { ...r, dump, kept };
}

const lineOf = (table: string, n = 0) => lines.findIndex((l) => l.startsWith(`{"table":"${table}"`)) + n;
const edit = (index: number, change: (row: Record<string, unknown>) => void): string[] => {
  const copy = [...lines];
  const parsed = JSON.parse(copy[index]!) as { row: Record<string, unknown> };
  change(parsed.row);
  copy[index] = JSON.stringify(parsed);
  return copy;
};

describe('a history dump as exported', () => {
  it('starts with its header and ends with a line counting its rows', () => {
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: 'hyperpod-cmk-history', dumpVersion: DUMP_VERSION });
    expect(DUMP_VERSION).toBe(2);
    expect(JSON.parse(lines.at(-1)!)).toEqual({ kind: 'hyperpod-cmk-history-end', rows: lines.length - 2 });
  });

  it('imports whole', async () => {
    const r = await importing('whole', lines);
    expect([r.code, r.err, r.kept]).toEqual([
      0,
      expect.stringContaining(`copied 6 scans (${lines.length - 2} rows)`),
      6,
    ]);
  });
});

describe('a dump cut short or tampered with is refused, naming the line', () => {
  it('cut at a line boundary: it ends without its end line', async () => {
    const cut = lines.slice(0, 80);
    const r = await importing('cut', cut);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `hyperpod-cmk: ${r.dump}:80: the dump ends here, without the end line \`history export\` writes: it was cut short\n${HINT}`,
    );
  });

  it('cut inside a line: that line is not JSON', async () => {
    const cut = [...lines.slice(0, 60), lines[60]!.slice(0, 40)];
    const r = await importing('cut-mid', cut);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`hyperpod-cmk: ${r.dump}:61: is not JSON\n${HINT}`);
  });

  it('a row taken out of the middle: the end line counts one more', async () => {
    const fewer = [...lines.slice(0, 50), ...lines.slice(51)];
    const r = await importing('fewer', fewer);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `hyperpod-cmk: ${r.dump}:${fewer.length}: the end line counts ${lines.length - 2} rows, but the dump holds ${lines.length - 3}: rows were added or taken out\n${HINT}`,
    );
  });

  it('a line after the end line', async () => {
    const r = await importing('after', [...lines, lines[1]!]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`hyperpod-cmk: ${r.dump}:${lines.length + 1}: follows the end line\n${HINT}`);
  });

  it('a row that names a row the dump does not have', async () => {
    const index = lineOf('episodes');
    const r = await importing(
      'dangling',
      edit(index, (row) => (row.finding_id = 999_999)),
    );
    expect(r.code).toBe(2);
    // It was "cannot import: FOREIGN KEY constraint failed", no line.
    expect(r.err).toBe(
      `hyperpod-cmk: ${r.dump}:${index + 1}: its finding_id 999999 is not the id of a findings row before it\n${HINT}`,
    );
  });

  it('a row repeated', async () => {
    const index = lineOf('scans');
    const repeated = [...lines.slice(0, index + 1), lines[index]!, ...lines.slice(index + 1)];
    const r = await importing('repeated', repeated);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`hyperpod-cmk: ${r.dump}:${index + 2}: repeats scans id 1\n${HINT}`);
  });

  it('an observation repeated (rows of a table come in the order export writes them)', async () => {
    const index = lineOf('observations');
    const repeated = [...lines.slice(0, index + 1), lines[index]!, ...lines.slice(index + 1)];
    const r = await importing('repeated-observation', repeated);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `hyperpod-cmk: ${r.dump}:${index + 2}: repeats or comes before the observations row above it (scan_id, resource_id)\n${HINT}`,
    );
  });

  it("a state's body or a scan's list that is not what history wrote", async () => {
    const state = lineOf('states');
    const body = await importing(
      'body',
      edit(state, (row) => (row.body = '{"status":"compliant",')),
    );
    expect(body.code).toBe(2);
    // It was imported, and every reading of the history then failed.
    expect(body.err).toBe(`hyperpod-cmk: ${body.dump}:${state + 1}: its body is not a JSON object\n${HINT}`);
    const scan = lineOf('scans');
    const scope = await importing(
      'scope',
      edit(scan, (row) => (row.scope = '"aws:1"')),
    );
    expect(scope.code).toBe(2);
    expect(scope.err).toBe(
      `hyperpod-cmk: ${scope.dump}:${scan + 1}: its scope is not a JSON list of strings\n${HINT}`,
    );
  });

  it('a value outside what history writes (a status, a severity, a resolution)', async () => {
    const finding = lineOf('findings');
    const r = await importing(
      'status',
      edit(finding, (row) => (row.status = 'OK')),
    );
    expect(r.code).toBe(2);
    expect(r.err).toContain(`hyperpod-cmk: ${r.dump}:${finding + 1}: is not a valid findings row\n`);
    expect(r.err).toContain('status');
    const episode = lineOf('episodes');
    const resolved = await importing(
      'resolution',
      edit(episode, (row) => (row.resolution = 'deleted')),
    );
    expect(resolved.code).toBe(2);
    expect(resolved.err).toContain(`${resolved.dump}:${episode + 1}: is not a valid episodes row`);
  });

  it('a dump of dumpVersion 1 (no end line) is still read', async () => {
    const v1 = [lines[0]!.replace(`"dumpVersion":${DUMP_VERSION}`, '"dumpVersion":1'), ...lines.slice(1, -1)];
    const r = await importing('v1', v1);
    expect([r.code, r.kept]).toEqual([0, 6]);
  });
});
