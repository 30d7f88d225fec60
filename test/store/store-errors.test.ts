/**
 * A history that was edited by hand or damaged gives the store's error (exit 2, naming the history
 * and the fix), never "internal error", on every backend; and a SQLite history in a read-only
 * directory can still be read.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { scanRecord } from '../../src/history/record.js';
import { redactTarget } from '../../src/store/store.js';
import { at, scenarioReport, scenarioScans } from '../helpers/history.js';
import { memoryIo } from '../helpers/io.js';
import { BACKENDS, open } from '../helpers/stores.js';

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-store-errors-'));
afterAll(() => {
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

/** The scenario saved to a new history at `target`. */
async function seed(target: string): Promise<string> {
  const store = await open(target);
  for (const scan of scenarioScans()) await store.save(scanRecord(scenarioReport(scan), scan.inventory));
  await store.close();
  return target;
}
const seeded = join(dir, 'seeded.db');

async function cli(args: string[]) {
  const io = memoryIo({ cwd: dir });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

const NOW = at(20).toISOString();

describe.each(BACKENDS)('a damaged or hand-edited history ($name)', (backend) => {
  const cases: [string, string][] = [
    ['a summary that is not JSON', `UPDATE scans SET summary = '{broken' WHERE id = 2`],
    ['a scope that is not a list', `UPDATE scans SET scope = '42'`],
    ['a dropped table', 'DROP TABLE episodes'],
    ['a renamed column', 'ALTER TABLE findings RENAME COLUMN first_seen_at TO first_seen'],
  ];
  it.each(cases)('%s: the store error, exit 2, for every reader', async (name, sql) => {
    const path = await seed(await backend.fresh());
    await backend.exec(path, sql);
    for (const args of [
      ['kpi', '--db', path, '--now', NOW],
      ['history', '--db', path],
      ['report', '--db', path, '--now', NOW, '--html', join(dir, 'r.html')],
    ]) {
      const r = await cli(args);
      if (name === 'a dropped table' && args[0] === 'history') continue; // history lists scans only
      if (name === 'a renamed column' && args[0] === 'history') continue;
      expect(r.code, `${name}: ${args[0]}`).toBe(2);
      expect(r.err).toContain(`hyperpod-cmk: ${redactTarget(path)}: cannot be read:`);
      expect(r.err).toContain(`hint: ${backend.damagedHint}`);
      expect(r.err).not.toContain('internal error');
    }
  });
});

describe('a damaged SQLite file', () => {
  it('a file whose pages are garbage is named as damaged or not a database', async () => {
    const path = join(dir, 'garbage.db');
    copyFileSync(await seed(seeded), path);
    const bytes = Buffer.alloc(4096, 0x41);
    const fd = openSync(path, 'r+');
    writeSync(fd, bytes, 0, bytes.length, 4096);
    closeSync(fd);
    const r = await cli(['kpi', '--db', path, '--now', NOW]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`hyperpod-cmk: ${path}:`);
    expect(r.err).not.toContain('internal error');
  });
});

describe('a history in a read-only directory', () => {
  it('can be read by kpi, history and report, and nothing is written beside it', async () => {
    const ro = join(dir, 'read-only');
    mkdirSync(ro);
    const path = join(ro, 'history.db');
    copyFileSync(await seed(join(dir, 'seeded-ro.db')), path);
    chmodSync(path, 0o444);
    chmodSync(ro, 0o555);
    chmodSync(dir, 0o755);
    const bin = join(process.cwd(), 'bin', 'hyperpod-cmk.js');
    // Root ignores file modes: run as nobody then, as a user without write access would.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const html = join(tmpdir(), `hpcmk-ro-${process.pid}.html`);
    for (const args of [
      ['kpi', '--db', path, '--now', NOW, '--format', 'json'],
      ['history', '--db', path, '--format', 'json'],
      ['report', '--db', path, '--now', NOW, '--html', html],
    ]) {
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: tmpdir(), ...asUser });
      expect(r.stderr, args[0]).not.toContain('readonly database');
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(0);
    }
    expect(readdirSync(ro)).toEqual(['history.db']);
    rmSync(html, { force: true });
  });
});
