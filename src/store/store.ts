/**
 * The history store: where scans are saved and read back, whatever the database. Two adapters
 * implement it with the same contract (same migrations story, same findings lifecycle, same reads):
 *
 * - `sqlite.ts`: one SQLite file (a path, or `sqlite:PATH`), the default;
 * - `postgres.ts`: a shared PostgreSQL database (`postgres://` or `postgresql://` URL), for a team
 *   whose scans run in several places.
 *
 * `openHistory(target, options)` picks the adapter from the target. The SQL both run is in
 * `history-sql.ts`; each adapter keeps only what differs (connection, transaction and write lock,
 * schema version, errors). To add a backend: implement `HistoryStore` with `writeScan`,
 * `readScans` and `readHistory` over its connection, and add its target form here.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { HistoryData, ScanEntry, ScanRecord } from '../history/types.js';
import { type InputError, InputRejected } from '../model/input-error.js';
import { err, type Result } from '../model/result.js';
import type { HistoryTable, SqlValue } from './history-sql.js';
import type { SaveHooks, SaveResult, Window } from './save-types.js';
import type { Migration } from './schema.js';

export interface OpenOptions {
  /**
   * Create the history when missing (SQLite: the file and its directory; PostgreSQL: the tables in
   * an existing database); otherwise a missing history is an error.
   */
  create: boolean;
  /**
   * Open for reading only (history, kpi, report): nothing is written, so a history in a read-only
   * directory, or one owned by another user, can still be read. An older schema is read as it is.
   */
  readOnly?: boolean;
  /** How long a writer waits for another writer's lock, in ms (default 30 s; SQLite). */
  busyTimeoutMs?: number;
  /** How long connecting may take, in ms (default 10 s; PostgreSQL). */
  connectTimeoutMs?: number;
  /**
   * How long one statement may take, a save waiting for another's lock included, in ms (default
   * 5 minutes; PostgreSQL). A statement that takes longer fails the save with `history.timeout`.
   */
  queryTimeoutMs?: number;
  /** For tests of the migration runner. */
  migrations?: readonly Migration[];
}

export type { SaveHooks, SaveResult, Window } from './save-types.js';

/** One row of a history table, as `history export` writes it and `history import` reads it. */
export interface TableRow {
  table: HistoryTable;
  row: Record<string, SqlValue>;
}

export interface HistoryStore {
  /** What the history is, for messages: the file, or the URL with its password hidden. */
  readonly location: string;
  readonly backend: 'sqlite' | 'postgres';
  /** The schema version the history is at. */
  schemaVersion(): Promise<number>;
  /**
   * Saves one scan in one transaction, under the history's write lock: a save that fails (a lost
   * connection, a full disk, a killed process) leaves nothing of the scan, and scans saved at the
   * same time by other processes all land, each finding keeping one lifecycle.
   */
  save(record: ScanRecord, hooks?: SaveHooks): Promise<Result<SaveResult, InputError>>;
  /** Scans placed in the window, oldest first. Rejects with `HistoryUnreadable`. */
  scans(window?: Window): Promise<ScanEntry[]>;
  /** Everything the KPI reducers need (one consistent snapshot). Rejects with `HistoryUnreadable`. */
  load(window?: Window): Promise<HistoryData>;
  /** Every row of every table, in an order that can be inserted as it comes (for export). */
  rows(): AsyncIterable<TableRow>;
  /**
   * Copies rows (from `rows()` of another history) into this one, in one transaction; refuses
   * (an error, nothing written) unless this history holds no scan yet.
   */
  importRows(rows: AsyncIterable<TableRow>): Promise<Result<{ rows: number; scans: number }, InputError>>;
  close(): Promise<void>;
}

export const storeError = (input: string, message: string, hint?: string): InputError => ({
  code: 'history.unavailable',
  input,
  message,
  ...(hint ? { hint } : {}),
});

/**
 * History that cannot be read as hyperpod-cmk wrote it (a table or column missing, a value that is
 * not what was stored, the connection lost): what the readers reject with, carrying the input error
 * the CLI prints (exit 2). The model's one thrown input error, under the name readers know.
 */
export { InputRejected as HistoryUnreadable };

/**
 * A target written as a URL (`scheme://...`). A scheme of one letter is not one: `C://x` is a
 * Windows path.
 */
export const isUrlTarget = (target: string): boolean => /^[a-z][a-z0-9+.-]+:\/\//i.test(target);

export const isPostgresTarget = (target: string): boolean => /^postgres(ql)?:\/\//i.test(target);

/** A SQLite target: a path, or `sqlite:PATH`. */
export const sqlitePath = (target: string): string =>
  target.toLowerCase().startsWith('sqlite:') ? target.slice('sqlite:'.length) : target;

/**
 * A database URL fit to print: its password replaced by `***` (`postgres://ana:***@db/history`),
 * and any password given as a query parameter too, whatever the scheme. A target that is not a
 * URL (a file path) is returned as is.
 */
export function redactTarget(target: string): string {
  if (!isUrlTarget(target)) return target;
  try {
    const url = new URL(target);
    if (url.password) url.password = '***';
    for (const key of [...url.searchParams.keys()])
      if (/^pass(word)?$/i.test(key)) url.searchParams.set(key, '***');
    return url.toString().replaceAll('%2A%2A%2A', '***');
  } catch {
    // Not even a URL: show only its scheme and host part without anything before an @.
    return target.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/**
 * Hides a database URL's password (given in the URL or as a `password` query parameter) wherever a
 * driver or server message repeats it, decoded or percent-encoded. A target without one is left as is.
 */
export function passwordHider(target: string): (text: string) => string {
  let secrets: string[] = [];
  try {
    const url = new URL(target);
    const given = [
      url.password,
      ...[...url.searchParams].filter(([k]) => /^pass(word)?$/i.test(k)).map(([, v]) => v),
    ];
    secrets = [
      ...new Set(given.flatMap((p) => (p ? [p, safeDecode(p), encodeURIComponent(safeDecode(p))] : []))),
      // shorter, hiding it would garble every message
    ].filter((secret) => secret.length >= 3);
  } catch {
    return (text) => text;
  }
  // Longest first, so that a password containing another form of itself is hidden whole.
  secrets.sort((a, b) => b.length - a.length);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

/** `decodeURIComponent`, or the text as it is when its `%` escapes are malformed. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * What a history target designates, for telling whether two targets are one history: a SQLite
 * file by its real absolute path (`sqlite:` prefix, `.`, `..`, trailing slashes and symlinks
 * resolved; `target` already absolute, as the CLI makes it); a PostgreSQL database by user, host,
 * port (5432 by default), database and the other parameters in order, never by password (nor
 * the scheme's spelling, `postgres` or `postgresql`).
 */
export function historyIdentity(target: string): string {
  if (isPostgresTarget(target)) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return target;
    }
    const user = safeDecode(url.username);
    const database = safeDecode(url.pathname.replace(/^\//, '')) || user;
    const params = [...url.searchParams]
      .filter(([key]) => !/^pass(word)?$/i.test(key))
      .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1));
    const query = new URLSearchParams(params).toString();
    return `postgres://${encodeURIComponent(user)}@${url.hostname.toLowerCase()}:${url.port || '5432'}/${encodeURIComponent(database)}${query ? `?${query}` : ''}`;
  }
  if (isUrlTarget(target)) return target;
  const path = resolve(sqlitePath(target));
  try {
    return realpathSync(path);
  } catch {
    // Not there yet: its directory may still be reached through a link.
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}

/** Whether two targets are one history (see `historyIdentity`). */
export const sameHistory = (a: string, b: string): boolean => historyIdentity(a) === historyIdentity(b);

/** Opens the history at `target`: a path or `sqlite:PATH` (SQLite), or a `postgres://` URL. */
export async function openHistory(
  target: string,
  options: OpenOptions,
): Promise<Result<HistoryStore, InputError>> {
  if (isPostgresTarget(target)) {
    const { openPostgresHistory } = await import('./postgres.js');
    return openPostgresHistory(target, options);
  }
  if (isUrlTarget(target))
    return err(
      storeError(
        redactTarget(target),
        'is not a history database this version can open',
        'pass --db a file path, sqlite:PATH or postgres://USER@HOST/DATABASE',
      ),
    );
  const { openSqliteHistory } = await import('./sqlite.js');
  return openSqliteHistory(sqlitePath(target), options);
}
