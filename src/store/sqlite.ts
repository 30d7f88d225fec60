/**
 * The SQLite history: one file (better-sqlite3, WAL), the only module that touches that driver. A
 * scan is saved in one IMMEDIATE transaction, so a crash or kill mid-save leaves the previous
 * history intact and never half a scan; concurrent savers queue on the write lock (busy timeout,
 * then retries) and all land. The driver is synchronous: the store's promises resolve at once.
 */
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { ensureDirectory } from '../files/directories.js';
import type { HistoryData, ScanEntry, ScanRecord } from '../history/types.js';
import { type InputError, InputRejected } from '../model/input-error.js';
import { err, ok, type Result } from '../model/result.js';
import {
  HISTORY_TABLES,
  insertRows,
  isEmpty,
  readHistory,
  readScans,
  rowStatement,
  type Sql,
  type SqlValue,
  storable,
  writeScan,
} from './history-sql.js';
import { APPLICATION_ID, MIGRATIONS, type Migration, migrationSql } from './schema.js';
import {
  type HistoryStore,
  HistoryUnreadable,
  type OpenOptions,
  type SaveHooks,
  type SaveResult,
  storeError,
  type TableRow,
  type Window,
} from './store.js';

export { HistoryUnreadable };

type Db = Database.Database;

/**
 * better-sqlite3 loads its native addon on first use: installed with --ignore-scripts (or for
 * another Node.js), the addon is missing ("Could not locate the bindings file") or will not load.
 */
export function isMissingNativeBuild(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  const message = e.message ?? '';
  return (
    e.code === 'ERR_DLOPEN_FAILED' ||
    message.includes('Could not locate the bindings file') ||
    message.includes('better_sqlite3.node') ||
    message.includes('NODE_MODULE_VERSION')
  );
}

export const NATIVE_BUILD_MISSING: InputError = {
  code: 'history.native_build',
  input: "history needs better-sqlite3's native build",
  message: 'reinstall without --ignore-scripts, or use --no-save',
};

const DAMAGED_HINT =
  'the file was changed by hand or is damaged: restore it from a backup, or pass --db a new file to start a new history';

function describeError(error: unknown): { code: string; message: string } {
  const e = error as { code?: string; message?: string };
  return { code: e.code ?? 'ERROR', message: e.message ?? String(error) };
}

function migrate(
  db: Db,
  path: string,
  migrations: readonly Migration[],
  readOnly = false,
): Result<void, InputError> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const appId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  if (appId !== 0 && appId !== APPLICATION_ID)
    return err(storeError(path, 'is a SQLite database of another application', 'pass --db a new file'));
  if (appId === 0 && version === 0) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
      n: number;
    };
    if (tables.n > 0)
      return err(storeError(path, 'is a SQLite database of another application', 'pass --db a new file'));
  }
  if (version > latest)
    return err(
      storeError(
        path,
        `was written by a newer hyperpod-cmk (history schema ${version}, this version knows ${latest})`,
        'upgrade hyperpod-cmk, or pass --db another file',
      ),
    );
  if (readOnly) {
    if (appId === 0 && version === 0)
      return err(storeError(path, 'is not a hyperpod-cmk history', 'pass --db a history file'));
    // Migrations only add: a reader reads an older schema as it is.
    return ok(undefined);
  }
  for (const migration of migrations) {
    if (migration.version <= version) continue;
    db.transaction(() => {
      // Another process may have migrated while this one waited for the lock.
      if ((db.pragma('user_version', { simple: true }) as number) >= migration.version) return;
      db.exec(migrationSql(migration.sql, 'sqlite'));
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return ok(undefined);
}

/**
 * Opens a history for reading. SQLite needs to create the WAL index beside a WAL database even to
 * read it: in a directory the user cannot write, the file is read from a private copy instead.
 */
function openReadOnly(path: string, timeout: number): { db: Db; cleanup?: () => void } {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout });
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return { db };
  } catch (error) {
    db.close();
    const { code } = describeError(error);
    if (!code.startsWith('SQLITE_READONLY') && code !== 'SQLITE_CANTOPEN') throw error;
  }
  const copyDir = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-history-'));
  const cleanup = () => rmSync(copyDir, { recursive: true, force: true });
  try {
    const copy = join(copyDir, 'history.db');
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    return { db: new Database(copy, { readonly: true, fileMustExist: true, timeout }), cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/**
 * Runs `step` again while SQLite answers SQLITE_BUSY, waiting a little longer each time, until
 * `timeoutMs` has passed (then the last error stands). The connection's busy timeout waits for a
 * lock, but SQLite does not wait where waiting could deadlock: two processes that open one new
 * history at once both read it, then both ask for the lock that turns on WAL, and one is told
 * busy at once (https://www.sqlite.org/c3ref/busy_handler.html: "the busy handler is not
 * invoked" when "the connection is holding a shared lock and wants to promote it"). Once the other
 * has finished, the step succeeds, and finds WAL already on.
 */
export function whileBusy<T>(step: () => T, timeoutMs: number, wait: (ms: number) => void = sleep): T {
  const until = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return step();
    } catch (error) {
      if (describeError(error).code !== 'SQLITE_BUSY' || Date.now() >= until) throw error;
      wait(Math.min(200, 5 * 2 ** attempt, Math.max(1, until - Date.now())));
    }
  }
}

/** Blocks the thread for `ms`: the open is synchronous, and waits for another process's lock. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Opens (or creates) the SQLite history at `path`. Prefer `openHistory` (store.ts), which also takes URLs. */
export function openSqliteHistory(path: string, options: OpenOptions): Result<SqliteHistory, InputError> {
  if (!options.create && !existsSync(path))
    return err(
      storeError(
        path,
        'no history database here yet',
        'run `hyperpod-cmk scan` or `hyperpod-cmk evaluate` first (they save to history), or pass --db FILE',
      ),
    );
  const busyTimeoutMs = options.busyTimeoutMs ?? 30_000;
  let db: Db | undefined;
  try {
    let cleanup: (() => void) | undefined;
    let created = false;
    if (options.readOnly) {
      const copy = openReadOnly(path, busyTimeoutMs);
      db = copy.db;
      cleanup = copy.cleanup;
    } else {
      if (options.create) ensureDirectory(dirname(path), 0o700);
      const isNew = !existsSync(path);
      const writable = new Database(path, { timeout: busyTimeoutMs });
      db = writable;
      if (isNew) chmodSync(path, 0o600);
      created = isNew;
      whileBusy(() => writable.pragma('journal_mode = WAL'), busyTimeoutMs);
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    }
    const opened = db;
    const migrated = whileBusy(
      () => migrate(opened, path, options.migrations ?? MIGRATIONS, options.readOnly),
      busyTimeoutMs,
    );
    if (!migrated.ok) {
      db.close();
      cleanup?.();
      return migrated;
    }
    return ok(new SqliteHistory(db, path, cleanup, created));
  } catch (error) {
    db?.close();
    if (isMissingNativeBuild(error)) return err(NATIVE_BUILD_MISSING);
    const { code, message } = describeError(error);
    if (code === 'SQLITE_NOTADB')
      return err(storeError(path, 'is not a SQLite database', 'pass --db a history file or a new path'));
    if (code === 'SQLITE_CORRUPT') return err(storeError(path, `is damaged: ${message}`, DAMAGED_HINT));
    return err(
      storeError(path, `cannot open the history database: ${message}`, 'check the path and its permissions'),
    );
  }
}

const MAX_BUSY_RETRIES = 5;

/** The shared SQL on a better-sqlite3 connection (prepared once per statement). */
function sqliteSql(db: Db): Sql {
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      // Multi-row statements vary in length: keep the cache bounded.
      if (statements.size >= 500) statements.clear();
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  return {
    all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      prepare(sql).all(...storable(params)) as T[],
    run: async (sql: string, params: readonly SqlValue[] = []) => {
      prepare(sql).run(...storable(params));
    },
    // One prepared statement run per row: in SQLite (no round trips) that costs about half of what
    // multi-row statements do, and it needs no statement per chunk size.
    insert: async <T>(
      head: string,
      rows: Iterable<readonly SqlValue[]>,
      tail = '',
      returned?: (row: T) => void,
    ) => {
      let statement: Database.Statement | undefined;
      for (const row of rows) {
        statement ??= prepare(rowStatement(head, row.length, tail));
        if (statement.reader) {
          const answer = statement.all(storable(row)) as T[];
          if (returned) for (const one of answer) returned(one);
        } else statement.run(storable(row));
      }
    },
  };
}

export class SqliteHistory implements HistoryStore {
  readonly backend = 'sqlite';
  private readonly sql: Sql;
  /** One operation at a time on the one connection (a save's statements are awaited one by one). */
  private queue: Promise<unknown> = Promise.resolve();

  /** @internal Use `openHistory`: the driver's types stay out of the public declarations. */
  constructor(
    private readonly db: Db,
    readonly location: string,
    /** Removes the private copy a read-only history was read from. */
    private readonly cleanup?: () => void,
    /** This open created the file (it did not exist). */
    private readonly created = false,
  ) {
    this.sql = sqliteSql(db);
  }

  /** Set when an import into a file this open created failed: closing removes the file. */
  private discardOnClose = false;

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async schemaVersion(): Promise<number> {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  async close(): Promise<void> {
    await this.queue;
    this.db.close();
    this.cleanup?.();
    // A failed import leaves no empty history behind where there was none.
    if (this.discardOnClose)
      for (const suffix of ['', '-wal', '-shm', '-journal'])
        rmSync(`${this.location}${suffix}`, { force: true });
  }

  /** Runs `task` in an IMMEDIATE transaction (the write lock), retrying while another writer holds it. */
  private async writing<T>(task: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        if (describeError(error).code === 'SQLITE_BUSY' && attempt < MAX_BUSY_RETRIES) continue;
        throw error;
      }
      try {
        const value = await task();
        this.db.exec('COMMIT');
        return value;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    }
  }

  save(record: ScanRecord, hooks: SaveHooks = {}): Promise<Result<SaveResult, InputError>> {
    return this.exclusive(async () => {
      try {
        return ok(await this.writing(() => writeScan(this.sql, record, hooks)));
      } catch (error) {
        const { code, message } = describeError(error);
        return err(
          storeError(
            this.location,
            code === 'SQLITE_BUSY'
              ? 'the history database stayed locked by another process'
              : code === 'SQLITE_FULL'
                ? 'the disk is full'
                : `cannot save the scan: ${message}`,
            'the report itself is complete; save again later, or pass --no-save',
          ),
        );
      }
    });
  }

  /** Runs a reader in one read transaction (one snapshot), turning what a damaged file throws into the store's error. */
  private reading<T>(read: () => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      try {
        this.db.exec('BEGIN');
        try {
          return await read();
        } finally {
          if (this.db.inTransaction) this.db.exec('COMMIT');
        }
      } catch (error) {
        if (error instanceof HistoryUnreadable) throw error;
        const { message } = describeError(error);
        throw new HistoryUnreadable(storeError(this.location, `cannot be read: ${message}`, DAMAGED_HINT));
      }
    });
  }

  scans(window: Window = {}): Promise<ScanEntry[]> {
    return this.reading(() => readScans(this.sql, window));
  }

  load(window: Window = {}): Promise<HistoryData> {
    return this.reading(() => readHistory(this.sql, window));
  }

  /** Every row, table by table, as the driver steps through them. Rejects with `HistoryUnreadable`. */
  async *rows(): AsyncIterable<TableRow> {
    try {
      for (const { name, order } of HISTORY_TABLES)
        for (const row of this.db.prepare(`SELECT * FROM ${name} ORDER BY ${order}`).iterate())
          yield { table: name, row: row as Record<string, SqlValue> };
    } catch (error) {
      throw new HistoryUnreadable(
        storeError(this.location, `cannot be read: ${describeError(error).message}`, DAMAGED_HINT),
      );
    }
  }

  importRows(rows: AsyncIterable<TableRow>): Promise<Result<{ rows: number; scans: number }, InputError>> {
    return this.exclusive(async () => {
      const imported = await this.importing(rows);
      // Nothing was imported: a file this open created is removed when the history is closed,
      // unless another process has saved into it since (then it is that process's history).
      if (!imported.ok && this.created && (await isEmpty(this.sql))) this.discardOnClose = true;
      return imported;
    });
  }

  private async importing(
    rows: AsyncIterable<TableRow>,
  ): Promise<Result<{ rows: number; scans: number }, InputError>> {
    try {
      return await this.writing(async () => {
        if (!(await isEmpty(this.sql))) return err(notEmpty(this.location));
        return ok(await insertRows(this.sql, rows));
      });
    } catch (error) {
      // A source that refused a row (an invalid dump line) says why itself.
      if (error instanceof InputRejected) return err(error.detail);
      return err(storeError(this.location, `cannot import: ${describeError(error).message}`, IMPORT_HINT));
    }
  }

  /** `PRAGMA integrity_check` is "ok". */
  integrityOk(): boolean {
    return this.db.pragma('integrity_check', { simple: true }) === 'ok';
  }
}

export const IMPORT_HINT = 'nothing was imported; check that the source is a hyperpod-cmk history export';

export const notEmpty = (location: string): InputError =>
  storeError(
    location,
    'already holds scans: a history is imported only into an empty one',
    'import into a new file or an empty database, then point --db at it',
  );
