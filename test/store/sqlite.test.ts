import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDbPath } from '../../src/store/paths.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import { openHistory } from '../../src/store/sqlite.js';
import { syntheticRecord } from '../helpers/synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CHILD = fileURLToPath(new URL('../fixtures/save-child.ts', import.meta.url));
let n = 0;
const fresh = () => join(dir, `db-${++n}.db`);

function open(path: string) {
  const store = openHistory(path, { create: false });
  if (!store.ok) throw new Error(store.error.message);
  return store.value;
}

describe('history database', () => {
  it('is created at the latest schema version, marked as ours, in WAL mode, readable only by its owner', () => {
    const path = fresh();
    const store = openHistory(path, { create: true });
    expect(store.ok).toBe(true);
    if (store.ok) store.value.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const mode = spawnSync('stat', ['-c', '%a', path], { encoding: 'utf8' }).stdout.trim();
    expect(mode).toBe('600');
  });

  it('applies a later migration to an existing database and keeps its scans', () => {
    const path = fresh();
    const first = openHistory(path, { create: true });
    if (!first.ok) throw new Error(first.error.message);
    first.value.save(syntheticRecord({ day: 0, groups: 8 }));
    first.value.close();
    const v2 = [
      ...MIGRATIONS,
      { version: SCHEMA_VERSION + 1, description: 'test', sql: 'ALTER TABLE scans ADD COLUMN note TEXT;' },
    ];
    const again = openHistory(path, { create: false, migrations: v2 });
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.schemaVersion).toBe(SCHEMA_VERSION + 1);
    expect(again.value.scans()).toHaveLength(1);
    again.value.close();
    // This version does not know schema 2: it refuses rather than misreading it.
    const old = openHistory(path, { create: false });
    expect(old.ok).toBe(false);
    if (!old.ok) {
      expect(old.error.message).toContain('newer hyperpod-cmk');
      expect(old.error.hint).toContain('upgrade');
    }
  });

  it('refuses files that are not its history, with the file named', () => {
    const text = fresh();
    writeFileSync(text, 'this is not a database, it is a long enough text file to look like one '.repeat(20));
    const notDb = openHistory(text, { create: false });
    expect(notDb.ok || notDb.error).toMatchObject({ input: text, message: 'is not a SQLite database' });

    const foreign = fresh();
    const db = new Database(foreign);
    db.exec('CREATE TABLE customers (id INTEGER)');
    db.close();
    const other = openHistory(foreign, { create: false });
    expect(other.ok || other.error).toMatchObject({ message: 'is a SQLite database of another application' });

    const missing = openHistory(join(dir, 'nope.db'), { create: false });
    expect(missing.ok || missing.error).toMatchObject({ message: 'no history database here yet' });
  });

  it('defaults to the per-user data directory of the platform', () => {
    expect(defaultDbPath({ HOME: '/home/ana' }, 'linux')).toBe(
      '/home/ana/.local/share/hyperpod-cmk/history.db',
    );
    expect(defaultDbPath({ HOME: '/home/ana', XDG_DATA_HOME: '/data/ana' }, 'linux')).toBe(
      '/data/ana/hyperpod-cmk/history.db',
    );
    // A relative XDG_DATA_HOME is invalid per the spec and ignored.
    expect(defaultDbPath({ HOME: '/home/ana', XDG_DATA_HOME: 'rel' }, 'linux')).toBe(
      '/home/ana/.local/share/hyperpod-cmk/history.db',
    );
    expect(defaultDbPath({ HOME: '/Users/ana' }, 'darwin')).toBe(
      '/Users/ana/Library/Application Support/hyperpod-cmk/history.db',
    );
    expect(defaultDbPath({ LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local' }, 'win32')).toBe(
      'C:\\Users\\ana\\AppData\\Local\\hyperpod-cmk\\history.db',
    );
    expect(defaultDbPath({}, 'linux')).toBeUndefined();
  });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('history under concurrency and crashes', () => {
  it('lands every scan when two processes save at the same time', async () => {
    const path = fresh();
    const [a, b] = await Promise.all([run([path, '0', '4', '300']), run([path, '1', '4', '300'])]);
    expect(a.stderr).toBe('');
    expect(b.stderr).toBe('');
    expect([a.code, b.code]).toEqual([0, 0]);
    const store = open(path);
    const scans = store.scans();
    expect(scans).toHaveLength(8);
    expect(scans.map((s) => (s.at - scans[0]!.at) / 86_400_000)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const data = store.load();
    // Every scan is whole: 300 groups and 75 clusters each.
    for (const scan of scans) {
      const counted = data.tallies.filter((t) => t.scanId === scan.id);
      expect(counted.filter((t) => t.type === 'instance-group').reduce((s, t) => s + t.count, 0)).toBe(300);
      expect(counted.filter((t) => t.type === 'cluster').reduce((s, t) => s + t.count, 0)).toBe(75);
    }
    expect(store.integrityOk()).toBe(true);
    store.close();
  }, 60_000);

  it('keeps the previous scans, and never half a scan, when a process is killed mid-save', async () => {
    const path = fresh();
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, '0', '2', '200', 'crash'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the child never reached the save: ${out}`)), 30_000);
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('MID')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(out).toContain('SAVED 1\nSAVED 2\nMID');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));

    const store = open(path);
    expect(store.integrityOk()).toBe(true);
    const scans = store.scans();
    expect(scans.map((s) => s.id)).toEqual([1, 2]);
    const data = store.load();
    expect(data.tallies.filter((t) => t.type === 'instance-group').reduce((s, t) => s + t.count, 0)).toBe(
      400,
    );
    // The store still takes new scans after the crash.
    const saved = store.save(syntheticRecord({ day: 10, groups: 200 }));
    expect(saved.ok && saved.value.scanId).toBe(3);
    store.close();
  }, 60_000);
});
