/**
 * The PostgreSQL history (`--db postgres://USER@HOST/DATABASE`): one database shared by every
 * place that scans, through the `pg` client (pure JavaScript), the only module that touches it.
 *
 * What differs from SQLite, and only that, lives here: the schema version is the highest row of
 * `hyperpod_cmk_migrations` (PostgreSQL has no user_version); a save is one transaction that first
 * takes a transaction-level advisory lock, so scans saved at once from several machines are
 * applied one after the other (each finding keeps one lifecycle, none is lost or counted twice);
 * readers read one REPEATABLE READ snapshot and never wait for writers. A connection lost
 * mid-save rolls the transaction back on the server: nothing of that scan is kept. Every message
 * names the database by its URL with the password hidden.
 */
import pg from 'pg';
import type { HistoryData, ScanEntry, ScanRecord } from '../history/types.js';
import { type InputError, InputRejected } from '../model/input-error.js';
import { err, ok, type Result } from '../model/result.js';
import {
  HISTORY_TABLES,
  insertInStatements,
  insertRows,
  isEmpty,
  readHistory,
  readScans,
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
  passwordHider,
  redactTarget,
  type SaveHooks,
  type SaveResult,
  safeDecode,
  storeError,
  type TableRow,
  type Window,
} from './store.js';

/** The advisory lock every writer of a history database takes (migrations, saves, imports). */
const WRITE_LOCK = APPLICATION_ID;
/** Where the applied migrations are recorded: the table that marks a database as a history. */
const MIGRATIONS_TABLE = 'hyperpod_cmk_migrations';

const DAMAGED_HINT =
  'the database was changed by hand or is damaged: restore it from a backup, or pass --db a new database to start a new history';
const LOST_HINT = 'check that the server is up and reachable, then run the command again';
const SAVE_HINT = 'the report itself is complete; save again later, or pass --no-save';

/** BIGINT (epoch ms, ids, counts) as a JavaScript number: every value the history holds fits. */
const INT8_OID = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

interface PgError {
  code?: string;
  message?: string;
}

/** How many rows `rows()` fetches from its cursor at a time. */
const FETCH_ROWS = 1000;

/** How long one statement may take by default (a save waiting for another's lock included). */
const QUERY_TIMEOUT_MS = 300_000;

/** "5 minutes", "30 seconds", "1.5 seconds". */
const duration = (ms: number): string =>
  ms % 60_000 === 0
    ? `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`
    : `${ms / 1000} second${ms === 1000 ? '' : 's'}`;

const isTimeout = (error: unknown): boolean => /Query read timeout/i.test((error as PgError).message ?? '');

/** The connection is gone (the server ended it, the network cut it, or it never answered). */
function isConnectionLost(error: unknown): boolean {
  const { code = '', message = '' } = error as PgError;
  return (
    code.startsWith('08') ||
    ['57P01', '57P02', '57P03', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED'].includes(code) ||
    /Connection terminated|not queryable|connection is closed/i.test(message)
  );
}

/** Turns `?` placeholders (the shared SQL's) into PostgreSQL's `$1, $2...`. */
const numbered = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

function pgSql(client: pg.Client): Sql {
  return {
    all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
      (await client.query(numbered(sql), storable(params))).rows as T[],
    run: async (sql: string, params: readonly SqlValue[] = []) => {
      await client.query(numbered(sql), storable(params));
    },
    insert(head, rows, tail, returned) {
      return insertInStatements(this, head, rows, tail, returned);
    },
  };
}

/** What a failed connection attempt means, in the user's terms. */
function connectError(url: URL | undefined, location: string, error: unknown): InputError {
  const { code = '', message = String(error) } = error as PgError;
  const host = url ? `${url.hostname || 'localhost'}:${url.port || '5432'}` : 'the server';
  const user = url ? safeDecode(url.username) : '';
  const database = url ? safeDecode(url.pathname.replace(/^\//, '')) : '';
  if (code === 'ECONNREFUSED')
    return storeError(
      location,
      `cannot connect: ${host} refused the connection`,
      'check that PostgreSQL is running there, and the host and port in the URL',
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return storeError(
      location,
      `cannot connect: no such host ${url?.hostname ?? ''}`,
      'check the host in the URL',
    );
  if (code === '28P01' || code === '28000')
    return storeError(
      location,
      `authentication failed${user ? ` for user "${user}"` : ''}`,
      'check the user and password (in the URL, or PGPASSWORD, or ~/.pgpass) and pg_hba.conf',
    );
  if (code === '3D000')
    return storeError(
      location,
      `database "${database}" does not exist`,
      `create it first (createdb ${database || 'NAME'}), or fix the database name in the URL`,
    );
  if (/timeout/i.test(message))
    return storeError(
      location,
      `cannot connect: ${host} did not answer in time`,
      'check the host and port in the URL',
    );
  return storeError(
    location,
    `cannot connect: ${message}`,
    'check the URL and that the server accepts connections',
  );
}

export async function openPostgresHistory(
  target: string,
  options: OpenOptions,
): Promise<Result<PostgresHistory, InputError>> {
  const location = redactTarget(target);
  let url: URL | undefined;
  try {
    url = new URL(target);
  } catch {
    return err(
      storeError(
        location,
        'is not a valid PostgreSQL URL',
        'write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE',
      ),
    );
  }
  const hide = passwordHider(target);
  const scrub = (e: InputError): InputError => ({
    ...e,
    message: hide(e.message),
    ...(e.hint ? { hint: hide(e.hint) } : {}),
  });
  let client: pg.Client;
  try {
    client = new pg.Client({
      connectionString: target,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      // A server that stops answering mid-statement must not hang the scan.
      query_timeout: options.queryTimeoutMs ?? QUERY_TIMEOUT_MS,
      application_name: 'hyperpod-cmk',
      types,
    });
  } catch (error) {
    return err(scrub(connectError(url, location, error)));
  }
  const store = new PostgresHistory(client, location, hide, options.queryTimeoutMs ?? QUERY_TIMEOUT_MS);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    return err(scrub(connectError(url, location, error)));
  }
  const migrated = await store.migrate(options.migrations ?? MIGRATIONS, options);
  if (!migrated.ok) {
    await store.close();
    return err(scrub(migrated.error));
  }
  return ok(store);
}

export class PostgresHistory implements HistoryStore {
  readonly backend = 'postgres';
  private readonly sql: Sql;
  /** What ended the connection, once it ended (the client reports it as an event). */
  private lost: Error | undefined;
  /** One operation at a time on the one connection. */
  private queue: Promise<unknown> = Promise.resolve();

  /** @internal Use `openHistory`. */
  constructor(
    private readonly client: pg.Client,
    readonly location: string,
    /** Hides the URL's password in a driver message. */
    private readonly hide: (text: string) => string,
    /** How long one statement may take (the client's `query_timeout`). */
    private readonly queryTimeoutMs: number = QUERY_TIMEOUT_MS,
  ) {
    this.sql = pgSql(client);
    // Without a listener, a connection the server ends would crash the process.
    client.on('error', (error) => {
      this.lost = error;
    });
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private describe(error: unknown): string {
    return this.hide((error as PgError).message ?? String(error));
  }

  private async marker(): Promise<{ ours: boolean; foreign: boolean }> {
    const [row] = await this.sql.all<{ ours: boolean; foreign: boolean }>(
      `SELECT to_regclass('${MIGRATIONS_TABLE}') IS NOT NULL AS ours, to_regclass('scans') IS NOT NULL AS foreign`,
    );
    return row!;
  }

  private async version(): Promise<number> {
    const [row] = await this.sql.all<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${MIGRATIONS_TABLE}`,
    );
    return Number(row?.version ?? 0);
  }

  /** @internal Checks the schema, and brings it up to date unless read-only. */
  async migrate(migrations: readonly Migration[], options: OpenOptions): Promise<Result<void, InputError>> {
    const latest = migrations[migrations.length - 1]?.version ?? 0;
    try {
      const { ours, foreign } = await this.marker();
      if (!ours && foreign)
        return err(
          storeError(
            this.location,
            'holds tables of another application (a "scans" table that hyperpod-cmk did not create)',
            'pass --db a database of its own for the history',
          ),
        );
      if (!ours && (options.readOnly || !options.create))
        return err(
          storeError(
            this.location,
            'holds no hyperpod-cmk history yet',
            'run `hyperpod-cmk scan` or `hyperpod-cmk evaluate` with this --db first (they save to history)',
          ),
        );
      const version = ours ? await this.version() : 0;
      if (version > latest)
        return err(
          storeError(
            this.location,
            `was written by a newer hyperpod-cmk (history schema ${version}, this version knows ${latest})`,
            'upgrade hyperpod-cmk, or pass --db another database',
          ),
        );
      // Migrations only add: a reader reads an older schema as it is.
      if (options.readOnly || version === latest) return ok(undefined);
      for (const migration of migrations) {
        if (migration.version <= version) continue;
        await this.transaction(async () => {
          await this.sql.run(
            `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
               version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)`,
          );
          // Another process may have migrated while this one waited for the lock.
          if ((await this.version()) >= migration.version) return;
          await this.sql.run(migrationSql(migration.sql, 'postgres'));
          await this.sql.run(
            `INSERT INTO ${MIGRATIONS_TABLE} (version, description, applied_at) VALUES (?, ?, ?)`,
            [migration.version, migration.description, new Date().toISOString()],
          );
        });
      }
      return ok(undefined);
    } catch (error) {
      if (isConnectionLost(error) || this.lost)
        return err(
          storeError(
            this.location,
            `lost the connection to the database: ${this.describe(error)}`,
            LOST_HINT,
          ),
        );
      return err(
        storeError(this.location, `cannot prepare the history: ${this.describe(error)}`, DAMAGED_HINT),
      );
    }
  }

  /** Runs `task` in one transaction holding the history's write lock; rolls back when it throws. */
  private async transaction<T>(task: () => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    try {
      await this.client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      const value = await task();
      await this.client.query('COMMIT');
      return value;
    } catch (error) {
      // A statement that timed out may still run on the server: the connection is given up (the
      // server rolls the transaction back when it closes) rather than waiting for a ROLLBACK.
      if (isTimeout(error)) this.lost ??= error as Error;
      if (!this.lost) await this.client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Rejects with `HistoryUnreadable`. */
  async schemaVersion(): Promise<number> {
    return this.exclusive(async () => {
      try {
        return await this.version();
      } catch (error) {
        throw this.unreadable(error);
      }
    });
  }

  async close(): Promise<void> {
    await this.queue;
    await this.client.end().catch(() => undefined);
  }

  save(record: ScanRecord, hooks: SaveHooks = {}): Promise<Result<SaveResult, InputError>> {
    return this.exclusive(async () => {
      let committing = false;
      try {
        return ok(
          await this.transaction(async () => {
            const saved = await writeScan(this.sql, record, hooks);
            committing = true;
            return saved;
          }),
        );
      } catch (error) {
        if (isTimeout(error))
          return err({
            ...storeError(
              this.location,
              `the database did not answer within ${duration(this.queryTimeoutMs)} (another save holding the history that long, or a stalled server); nothing of this scan was saved`,
              SAVE_HINT,
            ),
            code: 'history.timeout',
          });
        const lost = isConnectionLost(error) || this.lost !== undefined;
        if (lost && committing)
          return err(
            storeError(
              this.location,
              `lost the connection to the database while committing the scan: ${this.describe(error)}`,
              'it may or may not be saved: `hyperpod-cmk history` shows it; saving the same scan again is safe (it is never saved twice)',
            ),
          );
        if (lost)
          return err(
            storeError(
              this.location,
              `lost the connection to the database while saving: ${this.describe(error)}; nothing of this scan was saved`,
              SAVE_HINT,
            ),
          );
        return err(storeError(this.location, `cannot save the scan: ${this.describe(error)}`, SAVE_HINT));
      }
    });
  }

  /** What a reader rejects with when a read failed: the connection lost, or a damaged database. */
  private unreadable(error: unknown): HistoryUnreadable {
    if (error instanceof HistoryUnreadable) return error;
    if (isConnectionLost(error) || isTimeout(error) || this.lost)
      return new HistoryUnreadable(
        storeError(this.location, `lost the connection to the database: ${this.describe(error)}`, LOST_HINT),
      );
    return new HistoryUnreadable(
      storeError(this.location, `cannot be read: ${this.describe(error)}`, DAMAGED_HINT),
    );
  }

  /** Runs a reader on one snapshot, turning what a damaged database or a lost connection throws into the store's error. */
  private reading<T>(read: () => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      try {
        await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        try {
          return await read();
        } finally {
          if (!this.lost) await this.client.query('ROLLBACK').catch(() => undefined);
        }
      } catch (error) {
        throw this.unreadable(error);
      }
    });
  }

  scans(window: Window = {}): Promise<ScanEntry[]> {
    return this.reading(() => readScans(this.sql, window));
  }

  load(window: Window = {}): Promise<HistoryData> {
    return this.reading(() => readHistory(this.sql, window));
  }

  /**
   * Every row, from one snapshot, through a server-side cursor per table (`DECLARE ... CURSOR`,
   * `FETCH`): each row is read once, in order, and no more than `FETCH_ROWS` rows are held at a
   * time, however large the history. Rejects with `HistoryUnreadable`.
   */
  async *rows(): AsyncIterable<TableRow> {
    try {
      await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        for (const { name, order } of HISTORY_TABLES) {
          await this.client.query(
            `DECLARE history_rows NO SCROLL CURSOR FOR SELECT * FROM ${name} ORDER BY ${order}`,
          );
          for (;;) {
            const fetched = await this.client.query<Record<string, SqlValue>>(
              `FETCH ${FETCH_ROWS} FROM history_rows`,
            );
            for (const row of fetched.rows) yield { table: name, row };
            if (fetched.rows.length < FETCH_ROWS) break;
          }
          await this.client.query('CLOSE history_rows');
        }
      } finally {
        if (!this.lost) await this.client.query('ROLLBACK').catch(() => undefined);
      }
    } catch (error) {
      throw this.unreadable(error);
    }
  }

  importRows(rows: AsyncIterable<TableRow>): Promise<Result<{ rows: number; scans: number }, InputError>> {
    return this.exclusive(async () => {
      try {
        return await this.transaction(async () => {
          if (!(await isEmpty(this.sql)))
            return err(
              storeError(
                this.location,
                'already holds scans: a history is imported only into an empty one',
                'import into a new file or an empty database, then point --db at it',
              ),
            );
          const copied = await insertRows(this.sql, rows);
          // Rows came with their ids: new ones continue after them.
          for (const { name } of HISTORY_TABLES.filter((t) => t.order === 'id'))
            await this.sql.run(
              `SELECT setval(pg_get_serial_sequence('${name}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${name}), false)`,
            );
          return ok(copied);
        });
      } catch (error) {
        // A source that refused a row (an invalid dump line) says why itself.
        if (error instanceof InputRejected) return err(error.detail);
        if (isConnectionLost(error) || this.lost)
          return err(
            storeError(
              this.location,
              `lost the connection to the database while importing: ${this.describe(error)}; nothing was imported`,
              LOST_HINT,
            ),
          );
        return err(
          storeError(
            this.location,
            `cannot import: ${this.describe(error)}`,
            'nothing was imported; check that the source is a hyperpod-cmk history export',
          ),
        );
      }
    });
  }
}
