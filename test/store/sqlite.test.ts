import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultDbPath } from '../../src/store/paths.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../src/store/schema.js';
import { openSqliteHistory as openHistory, whileBusy } from '../../src/store/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `db-${++n}.db`);

describe('SQLite history file', () => {
  it('is created at the latest schema version, marked as ours, in WAL mode, readable only by its owner', async () => {
    const path = fresh();
    const store = openHistory(path, { create: true });
    expect(store.ok).toBe(true);
    if (store.ok) await store.value.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const mode = spawnSync('stat', ['-c', '%a', path], { encoding: 'utf8' }).stdout.trim();
    expect(mode).toBe('600');
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

describe('opening a history another process is writing', () => {
  // Another process holds the write lock of a new history file (as a second `scan --db` does while
  // it creates the schema): SQLite answers this one's switch to WAL "busy" at once, without
  // waiting, and opening it failed with "database is locked".
  it('waits for the lock and opens it', async () => {
    const path = fresh();
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(${JSON.stringify(path)});
         db.exec('BEGIN IMMEDIATE');
         process.stdout.write('locked\\n');
         setTimeout(() => { db.exec('COMMIT'); db.close(); }, 700);`,
      ],
      { cwd: new URL('../../', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    const store = openHistory(path, { create: true, busyTimeoutMs: 10_000 });
    expect(store.ok ? 'opened' : store.error.message).toBe('opened');
    if (store.ok) await store.value.close();
    await new Promise((resolve) => holder.once('exit', resolve));
  });

  it('tries again only while SQLite says busy, and not past its time', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    let calls = 0;
    const waits: number[] = [];
    expect(
      whileBusy(
        () => {
          if (++calls < 3) throw busy;
          return 'done';
        },
        1_000,
        (ms) => waits.push(ms),
      ),
    ).toBe('done');
    expect(waits).toEqual([5, 10]);
    const other = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
    expect(() =>
      whileBusy(
        () => {
          throw other;
        },
        1_000,
        () => {},
      ),
    ).toThrow(other);
    expect(() =>
      whileBusy(
        () => {
          throw busy;
        },
        0,
        () => {},
      ),
    ).toThrow(busy);
  });
});
