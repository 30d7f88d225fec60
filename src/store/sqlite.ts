/**
 * The history store: one SQLite file (better-sqlite3, WAL), the only module that touches the
 * database driver. A scan is saved in one IMMEDIATE transaction, so a crash or kill mid-save
 * leaves the previous history intact and never half a scan; concurrent savers queue on the write
 * lock (busy timeout, then retries) and all land.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { ensureDirectory } from '../files/directories.js';
import { applyScan, type KnownFinding, pickCurrent, type RoundSoFar } from '../history/lifecycle.js';
import { newestCoverage } from '../history/memory.js';
import type {
  AccessDeniedEvent,
  ComplianceState,
  ComplianceTally,
  CurrentResource,
  Episode,
  FindingEntry,
  HistoryData,
  KeyState,
  KeyTimeline,
  Resolution,
  ScanEntry,
  ScanRecord,
} from '../history/types.js';
import type { Severity, Status } from '../model/finding.js';
import type { InputError } from '../model/input-error.js';
import { err, ok, type Result } from '../model/result.js';
import { APPLICATION_ID, MIGRATIONS, type Migration, SCHEMA_VERSION } from './schema.js';

export interface OpenOptions {
  /** Create the file (and its directory) when missing; otherwise a missing file is an error. */
  create: boolean;
  /**
   * Open for reading only (history, kpi, report): nothing is written, so a history in a read-only
   * directory, or one owned by another user, can still be read. An older schema is read as it is.
   */
  readOnly?: boolean;
  /** How long a writer waits for another writer's lock, in ms (default 30 s). */
  busyTimeoutMs?: number;
  /** For tests of the migration runner. */
  migrations?: readonly Migration[];
}

export interface SaveResult {
  scanId: number;
  /** The same scan (same report id) was saved before: nothing was written. */
  duplicate: boolean;
  /** False when the scan is older than a saved scan of the same scope: it joins the trend only. */
  lifecycleApplied: boolean;
  opened: number;
  closed: number;
}

export interface SaveHooks {
  /** Called inside the transaction once the scan's observations are written (crash tests). */
  midSave?: () => void;
}

export interface Window {
  /** Epoch ms, inclusive; default: the beginning. */
  since?: number;
  /** Epoch ms, inclusive; default: the end. */
  until?: number;
}

type Db = Database.Database;

const storeError = (path: string, message: string, hint?: string): InputError => ({
  code: 'history.unavailable',
  input: path,
  message,
  ...(hint ? { hint } : {}),
});

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

/**
 * History that cannot be read as hyperpod-cmk wrote it (a table or column missing, a value that is
 * not what was stored): thrown by the readers, carrying the input error the CLI prints (exit 2).
 */
export class HistoryUnreadable extends Error {
  constructor(readonly detail: InputError) {
    super(detail.message);
    this.name = 'HistoryUnreadable';
  }
}

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
      db.exec(migration.sql);
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

export function openHistory(path: string, options: OpenOptions): Result<HistoryStore, InputError> {
  if (!options.create && !existsSync(path))
    return err(
      storeError(
        path,
        'no history database here yet',
        'run `hyperpod-cmk scan` or `hyperpod-cmk evaluate` first (they save to history), or pass --db FILE',
      ),
    );
  let db: Db | undefined;
  try {
    let cleanup: (() => void) | undefined;
    if (options.readOnly) {
      const opened = openReadOnly(path, options.busyTimeoutMs ?? 30_000);
      db = opened.db;
      cleanup = opened.cleanup;
    } else {
      if (options.create) ensureDirectory(dirname(path), 0o700);
      const isNew = !existsSync(path);
      db = new Database(path, { timeout: options.busyTimeoutMs ?? 30_000 });
      if (isNew) chmodSync(path, 0o600);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    }
    const migrated = migrate(db, path, options.migrations ?? MIGRATIONS, options.readOnly);
    if (!migrated.ok) {
      db.close();
      cleanup?.();
      return migrated;
    }
    return ok(new HistoryStore(db, path, cleanup));
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

interface FindingRow {
  id: number;
  fingerprint: string;
  rule_id: string;
  rid: string;
  resource_type: string;
  name: string;
  account: string | null;
  region: string | null;
  project: string | null;
  owner: string | null;
  scope: string;
  severity: string;
  status: string;
  suppressed: number;
  message: string;
  first_seen_at: number;
  last_seen_at: number;
}

interface ScanRow {
  id: number;
  report_id: string;
  source: string;
  started_at: string;
  finished_at: string;
  at_ms: number;
  accounts: string;
  regions: string;
  inputs: string;
  scope: string;
  incomplete: string | null;
  /** Absent in histories written before schema 3 (read as they are). */
  round?: string | null;
  shard_index?: number | null;
  shard_count?: number | null;
  tool_version: string;
  summary: string;
}

/** A JSON list column as written by save(); anything else means the file was edited. */
function listColumn(row: ScanRow, column: 'accounts' | 'regions' | 'inputs' | 'scope'): string[] {
  const value: unknown = JSON.parse(row[column]);
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
    throw new Error(`scan #${row.id}: ${column} is not a list of strings`);
  return value;
}

const toScan = (row: ScanRow): ScanEntry => ({
  id: row.id,
  reportId: row.report_id,
  source: row.source,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  at: row.at_ms,
  accounts: listColumn(row, 'accounts'),
  regions: listColumn(row, 'regions'),
  inputs: listColumn(row, 'inputs'),
  scope: listColumn(row, 'scope'),
  ...(row.incomplete && row.incomplete !== '[]' ? { incomplete: JSON.parse(row.incomplete) } : {}),
  ...(typeof row.round === 'string' &&
  typeof row.shard_index === 'number' &&
  typeof row.shard_count === 'number'
    ? { shard: { index: row.shard_index, count: row.shard_count, round: row.round } }
    : {}),
  toolVersion: row.tool_version,
  summary: JSON.parse(row.summary),
});

const MAX_BUSY_RETRIES = 5;

export class HistoryStore {
  /** @internal Use `openHistory`: the driver's types stay out of the public declarations. */
  constructor(
    private readonly db: Db,
    readonly path: string,
    /** Removes the private copy a read-only history was read from. */
    private readonly cleanup?: () => void,
  ) {}

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
    this.cleanup?.();
  }

  /** Saves one scan in one transaction; retries when another writer holds the lock too long. */
  save(record: ScanRecord, hooks: SaveHooks = {}): Result<SaveResult, InputError> {
    for (let attempt = 0; ; attempt++) {
      try {
        return ok(this.db.transaction(() => this.write(record, hooks)).immediate());
      } catch (error) {
        const { code, message } = describeError(error);
        if (code === 'SQLITE_BUSY' && attempt < MAX_BUSY_RETRIES) continue;
        return err(
          storeError(
            this.path,
            code === 'SQLITE_BUSY'
              ? 'the history database stayed locked by another process'
              : code === 'SQLITE_FULL'
                ? 'the disk is full'
                : `cannot save the scan: ${message}`,
            'the report itself is complete; save again later, or pass --no-save',
          ),
        );
      }
    }
  }

  private write(record: ScanRecord, hooks: SaveHooks): SaveResult {
    const db = this.db;
    const { scan } = record;
    // A scan older than a saved scan of an overlapping scope joins the trend but cannot rewrite
    // the lifecycle that newer scans already decided.
    const existing = db
      .prepare('SELECT id FROM scans WHERE report_id = ? AND at_ms = ?')
      .pluck()
      .get(scan.reportId, scan.at) as number | undefined;
    if (existing !== undefined)
      return { scanId: existing, duplicate: true, lifecycleApplied: false, opened: 0, closed: 0 };
    const newer = db.prepare('SELECT scope FROM scans WHERE at_ms > ?').all(scan.at) as { scope: string }[];
    const scope = new Set(scan.scope);
    const lifecycleApplied = !newer.some((row) =>
      (JSON.parse(row.scope) as string[]).some((s) => scope.has(s)),
    );

    const scanId = Number(
      db
        .prepare(
          `INSERT INTO scans (report_id, source, started_at, finished_at, at_ms, accounts, regions, inputs, scope,
             incomplete, round, shard_index, shard_count, tool_version, summary, saved_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          scan.reportId,
          scan.source,
          scan.startedAt,
          scan.finishedAt,
          scan.at,
          JSON.stringify(scan.accounts),
          JSON.stringify(scan.regions),
          JSON.stringify(scan.inputs),
          JSON.stringify(scan.scope),
          JSON.stringify(scan.incomplete ?? []),
          scan.shard?.round ?? null,
          scan.shard?.index ?? null,
          scan.shard?.count ?? null,
          scan.toolVersion,
          JSON.stringify(scan.summary),
          new Date().toISOString(),
        ).lastInsertRowid,
    );

    // Known resources in one read; only new or renamed ones are written.
    const knownResources = new Map<
      string,
      { id: number; name: string; cluster: string | null; scope: string }
    >();
    for (const row of db
      .prepare('SELECT id, rid, name, cluster, scope FROM resources')
      .iterate() as Iterable<{
      id: number;
      rid: string;
      name: string;
      cluster: string | null;
      scope: string;
    }>)
      knownResources.set(row.rid, row);
    const insertResource = db.prepare(
      'INSERT INTO resources (rid, type, name, cluster, account, region, scope) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const renameResource = db.prepare('UPDATE resources SET name = ?, cluster = ?, scope = ? WHERE id = ?');
    const upsertResource = {
      get: (
        rid: string,
        type: string,
        name: string,
        cluster: string | null,
        account: string | null,
        region: string | null,
        scope: string,
      ): { id: number } => {
        const known = knownResources.get(rid);
        if (!known)
          return {
            id: Number(insertResource.run(rid, type, name, cluster, account, region, scope).lastInsertRowid),
          };
        if (known.name !== name || known.cluster !== cluster || known.scope !== scope)
          renameResource.run(name, cluster, scope, known.id);
        return { id: known.id };
      },
    };
    const findState = db.prepare('SELECT id FROM states WHERE hash = ?').pluck();
    const insertState = db.prepare('INSERT INTO states (type, hash, body) VALUES (?, ?, ?)');
    const insertObservation = db.prepare(
      'INSERT OR REPLACE INTO observations (scan_id, resource_id, state_id) VALUES (?, ?, ?)',
    );
    const stateIds = new Map<string, number>();
    const tally = new Map<number, number>();
    const keySpan = db.prepare(
      `INSERT INTO key_spans (resource_id, state_id, first_at, last_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (resource_id, state_id) DO UPDATE SET first_at = min(first_at, excluded.first_at),
         last_at = max(last_at, excluded.last_at)`,
    );
    for (const resource of record.resources) {
      const where =
        resource.type === 'kms-key'
          ? { account: resource.account, region: resource.region }
          : resource.type === 'account'
            ? { account: resource.account, region: null }
            : { account: resource.state.account, region: resource.state.region };
      const { id: resourceId } = upsertResource.get(
        resource.rid,
        resource.type,
        resource.name,
        resource.type === 'instance-group' ? (resource.cluster ?? null) : null,
        where.account,
        where.region,
        resource.scope,
      ) as { id: number };
      if (resource.type === 'account') continue;
      const body = JSON.stringify(resource.state);
      const hash = createHash('sha256').update(`${resource.type}\u0000${body}`).digest('hex');
      let stateId = stateIds.get(hash) ?? (findState.get(hash) as number | undefined);
      if (stateId === undefined) stateId = Number(insertState.run(resource.type, hash, body).lastInsertRowid);
      stateIds.set(hash, stateId);
      insertObservation.run(scanId, resourceId, stateId);
      if (resource.type === 'kms-key') keySpan.run(resourceId, stateId, scan.at, scan.at);
      else tally.set(stateId, (tally.get(stateId) ?? 0) + 1);
    }
    const insertTally = db.prepare('INSERT INTO scan_tallies (scan_id, state_id, count) VALUES (?, ?, ?)');
    for (const [stateId, count] of tally) insertTally.run(scanId, stateId, count);

    hooks.midSave?.();

    const insertEvent = db.prepare(
      `INSERT OR IGNORE INTO access_denied (event_id, event_time, at_ms, account, region, key, principal, event_name,
         error_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const e of record.events)
      insertEvent.run(
        e.eventId,
        e.eventTime,
        e.at,
        e.account,
        e.region,
        e.key,
        e.principal,
        e.eventName,
        e.errorCode,
      );

    if (!lifecycleApplied) return { scanId, duplicate: false, lifecycleApplied, opened: 0, closed: 0 };

    const known = new Map<string, KnownFinding & { id: number }>();
    const knownRows = db
      .prepare(
        `SELECT f.id, f.fingerprint, f.rid, f.scope, f.status, f.severity, f.suppressed, f.name, f.project, f.owner,
           f.message, e.severity AS open
         FROM findings f LEFT JOIN episodes e ON e.finding_id = f.id AND e.resolved_at IS NULL`,
      )
      .all() as {
      id: number;
      fingerprint: string;
      rid: string;
      scope: string;
      status: Status;
      severity: string;
      suppressed: number;
      name: string;
      project: string | null;
      owner: string | null;
      message: string;
      open: string | null;
    }[];
    const before = new Map(
      knownRows.map((row) => [row.fingerprint, `${row.status}|${row.severity}|${row.suppressed}`]),
    );
    const unchanged = new Map(
      knownRows.map((row) => [
        row.fingerprint,
        JSON.stringify([
          row.scope,
          row.status,
          row.severity,
          row.suppressed,
          row.name,
          row.project,
          row.owner,
          row.message,
        ]),
      ]),
    );
    for (const row of knownRows) {
      known.set(row.fingerprint, {
        id: row.id,
        fingerprint: row.fingerprint,
        rid: row.rid,
        scope: row.scope,
        status: row.status,
        ...(row.open ? { open: row.open as Severity } : {}),
      });
    }
    const changes = applyScan(known, record, scan.shard ? this.roundSoFar(scan.shard, scanId) : undefined);

    const upsertFinding = db.prepare(
      `INSERT INTO findings (fingerprint, rule_id, rid, resource_type, name, account, region, project, owner, scope,
         severity, status, suppressed, message, first_seen_at, last_seen_at, first_scan_id, last_scan_id)
       VALUES (@fingerprint, @ruleId, @rid, @resourceType, @name, @account, @region, @project, @owner, @scope,
         @severity, @status, @suppressed, @message, @at, @at, @scanId, @scanId)
       ON CONFLICT (fingerprint) DO UPDATE SET name = excluded.name, project = excluded.project,
         owner = excluded.owner, scope = excluded.scope, severity = excluded.severity, status = excluded.status,
         suppressed = excluded.suppressed, message = excluded.message, last_seen_at = excluded.last_seen_at,
         last_scan_id = excluded.last_scan_id
       RETURNING id`,
    );
    const recordChange = db.prepare(
      'INSERT INTO finding_changes (finding_id, at_ms, scan_id, status, severity, suppressed) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const ids = new Map<string, number>();
    // Findings seen again unchanged only move their last sighting: one statement for all of them.
    const seenAgain: number[] = [];
    for (const o of changes.upserts) {
      const knownRow = known.get(o.fingerprint);
      const same =
        knownRow !== undefined &&
        unchanged.get(o.fingerprint) ===
          JSON.stringify([
            o.scope,
            o.status,
            o.severity,
            o.suppressed ? 1 : 0,
            o.name,
            o.project ?? null,
            o.owner ?? null,
            o.message,
          ]);
      if (same) {
        seenAgain.push(knownRow.id);
        continue;
      }
      const row = upsertFinding.get({
        fingerprint: o.fingerprint,
        ruleId: o.ruleId,
        rid: o.rid,
        resourceType: o.resourceType,
        name: o.name,
        account: o.account ?? null,
        region: o.region ?? null,
        project: o.project ?? null,
        owner: o.owner ?? null,
        scope: o.scope,
        severity: o.severity,
        status: o.status,
        suppressed: o.suppressed ? 1 : 0,
        message: o.message,
        at: scan.at,
        scanId,
      }) as { id: number };
      ids.set(o.fingerprint, row.id);
      const state = `${o.status}|${o.severity}|${o.suppressed ? 1 : 0}`;
      if (before.get(o.fingerprint) !== state)
        recordChange.run(row.id, scan.at, scanId, o.status, o.severity, o.suppressed ? 1 : 0);
    }
    if (seenAgain.length)
      db.prepare(
        'UPDATE findings SET last_seen_at = ?, last_scan_id = ? WHERE id IN (SELECT value FROM json_each(?))',
      ).run(scan.at, scanId, JSON.stringify(seenAgain));
    const findingId = (fingerprint: string) => ids.get(fingerprint) ?? known.get(fingerprint)!.id;
    const openEpisode = db.prepare(
      'INSERT INTO episodes (finding_id, opened_at, opened_scan_id, severity) VALUES (?, ?, ?, ?)',
    );
    for (const { fingerprint, severity } of changes.opened)
      openEpisode.run(findingId(fingerprint), scan.at, scanId, severity);
    const closeEpisode = db.prepare(
      `UPDATE episodes SET resolved_at = ?, resolved_scan_id = ?, resolution = ?
       WHERE finding_id = ? AND resolved_at IS NULL`,
    );
    for (const { fingerprint, resolution } of changes.closed)
      closeEpisode.run(scan.at, scanId, resolution, findingId(fingerprint));
    // Open episodes follow their finding's current severity.
    db.prepare(
      `UPDATE episodes SET severity = (SELECT severity FROM findings WHERE findings.id = episodes.finding_id)
       WHERE resolved_at IS NULL AND finding_id IN (SELECT id FROM findings WHERE last_scan_id = ?)`,
    ).run(scanId);
    return {
      scanId,
      duplicate: false,
      lifecycleApplied,
      opened: changes.opened.length,
      closed: changes.closed.length,
    };
  }

  /** What the other saved shards of a round saw, for the lifecycle of the shard being saved. */
  private roundSoFar(shard: NonNullable<ScanRecord['scan']['shard']>, scanId: number): RoundSoFar {
    const db = this.db;
    const scans = db
      .prepare(
        'SELECT id, shard_index, scope, accounts FROM scans WHERE round = ? AND shard_count = ? AND id <> ?',
      )
      .all(shard.round, shard.count, scanId) as {
      id: number;
      shard_index: number;
      scope: string;
      accounts: string;
    }[];
    const ids = JSON.stringify(scans.map((s) => s.id));
    const seen = db
      .prepare('SELECT fingerprint, rid FROM findings WHERE last_scan_id IN (SELECT value FROM json_each(?))')
      .all(ids) as { fingerprint: string; rid: string }[];
    const observed = db
      .prepare(
        `SELECT DISTINCT r.rid FROM observations o JOIN resources r ON r.id = o.resource_id
         WHERE o.scan_id IN (SELECT value FROM json_each(?))`,
      )
      .pluck()
      .all(ids) as string[];
    return {
      shards: new Set(scans.map((s) => s.shard_index)),
      scope: scans.flatMap((s) => JSON.parse(s.scope) as string[]),
      seen: seen.map((f) => f.fingerprint),
      rids: [
        ...observed,
        ...seen.map((f) => f.rid),
        ...scans.flatMap((s) => JSON.parse(s.accounts) as string[]),
      ],
    };
  }

  /** Runs a reader, turning what a damaged or hand-edited file makes it throw into the store's error. */
  private reading<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error instanceof HistoryUnreadable) throw error;
      const { message } = describeError(error);
      throw new HistoryUnreadable(storeError(this.path, `cannot be read: ${message}`, DAMAGED_HINT));
    }
  }

  /** Scans placed in the window, oldest first. */
  scans(window: Window = {}): ScanEntry[] {
    return this.reading(() => this.readScans(window));
  }

  private readScans(window: Window): ScanEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM scans WHERE at_ms >= ? AND at_ms <= ? ORDER BY at_ms, id')
      .all(window.since ?? Number.MIN_SAFE_INTEGER, window.until ?? Number.MAX_SAFE_INTEGER) as ScanRow[];
    return rows.map(toScan);
  }

  /** Everything the KPI reducers need, for scans up to `until` (trend points from `since`). */
  load(window: Window = {}): HistoryData {
    return this.reading(() => this.readAll(window));
  }

  private readAll(window: Window): HistoryData {
    const db = this.db;
    const since = window.since ?? Number.MIN_SAFE_INTEGER;
    const until = window.until ?? Number.MAX_SAFE_INTEGER;
    const upToUntil = this.readScans({ until });
    const scans = upToUntil.filter((s) => s.at >= since);

    // Each distinct state is parsed once, however many scans share it.
    const parsed = new Map<number, ComplianceState>();
    const stateOf = (id: number, body: string) => {
      let state = parsed.get(id);
      if (!state) {
        state = JSON.parse(body) as ComplianceState;
        parsed.set(id, state);
      }
      return state;
    };
    const tallies: ComplianceTally[] = (
      db
        .prepare(
          `SELECT t.scan_id, t.state_id, st.type, st.body, t.count AS n
           FROM scan_tallies t JOIN scans sc ON sc.id = t.scan_id JOIN states st ON st.id = t.state_id
           WHERE sc.at_ms >= ? AND sc.at_ms <= ? AND st.type IN ('cluster', 'instance-group')`,
        )
        .all(since, until) as {
        scan_id: number;
        state_id: number;
        type: 'cluster' | 'instance-group';
        body: string;
        n: number;
      }[]
    ).map((row) => ({
      scanId: row.scan_id,
      type: row.type,
      state: stateOf(row.state_id, row.body),
      count: row.n,
    }));

    const resourcesOf = db.prepare(
      `SELECT r.rid, r.type, r.name, r.cluster, r.scope, st.body
       FROM observations o JOIN resources r ON r.id = o.resource_id JOIN states st ON st.id = o.state_id
       WHERE o.scan_id = ? AND r.type IN ('cluster', 'instance-group')`,
    );
    const allScopes = new Set(upToUntil.flatMap((s) => s.scope));
    const newestFirst = [...upToUntil].reverse().map((scan) => ({
      scope: scan.scope,
      resources: () =>
        (
          resourcesOf.all(scan.id) as {
            rid: string;
            type: 'cluster' | 'instance-group';
            name: string;
            cluster: string | null;
            scope: string;
            body: string;
          }[]
        ).map((row) => ({
          rid: row.rid,
          type: row.type,
          name: row.name,
          ...(row.cluster ? { cluster: row.cluster } : {}),
          scope: row.scope,
          scanId: scan.id,
          state: JSON.parse(row.body) as ComplianceState,
        })),
    }));
    const current: CurrentResource[] = pickCurrent(newestFirst, allScopes).map(({ scope: _s, ...r }) => r);

    const newestCover = newestCoverage(upToUntil);
    const keys = new Map<string, KeyTimeline & { scope: string }>();
    const keyRows = db
      .prepare(
        `SELECT r.rid, r.account, r.region, r.scope, st.body, k.first_at, min(k.last_at, ?) AS last_at
         FROM key_spans k JOIN resources r ON r.id = k.resource_id JOIN states st ON st.id = k.state_id
         WHERE k.first_at <= ? ORDER BY k.first_at`,
      )
      .all(until, until) as {
      rid: string;
      account: string;
      region: string;
      scope: string;
      body: string;
      first_at: number;
      last_at: number;
    }[];
    for (const row of keyRows) {
      const timeline = keys.get(row.rid) ?? {
        arn: row.rid,
        account: row.account,
        region: row.region,
        scope: row.scope,
        spans: [],
        current: false,
      };
      timeline.spans.push({
        state: JSON.parse(row.body) as KeyState,
        firstAt: row.first_at,
        lastAt: row.last_at,
      });
      keys.set(row.rid, timeline);
    }

    const episodes = new Map<number, Episode[]>();
    for (const row of db
      .prepare(
        'SELECT finding_id, opened_at, resolved_at, resolution, severity FROM episodes WHERE opened_at <= ? ORDER BY opened_at',
      )
      .iterate(until) as Iterable<{
      finding_id: number;
      opened_at: number;
      resolved_at: number | null;
      resolution: string | null;
      severity: string;
    }>) {
      const list = episodes.get(row.finding_id) ?? [];
      const resolved = row.resolved_at !== null && row.resolved_at <= until;
      list.push({
        openedAt: row.opened_at,
        severity: row.severity as Severity,
        ...(resolved ? { resolvedAt: row.resolved_at!, resolution: row.resolution as Resolution } : {}),
      });
      episodes.set(row.finding_id, list);
    }
    // Status, severity and suppression as they were at `until`.
    const asOf = new Map<number, { status: string; severity: string; suppressed: number }>();
    for (const row of db
      .prepare(
        `SELECT finding_id, status, severity, suppressed FROM finding_changes WHERE at_ms <= ?
         ORDER BY finding_id, at_ms, scan_id`,
      )
      .iterate(until) as Iterable<{
      finding_id: number;
      status: string;
      severity: string;
      suppressed: number;
    }>)
      asOf.set(row.finding_id, row);
    const findings: FindingEntry[] = (
      db.prepare('SELECT * FROM findings WHERE first_seen_at <= ?').all(until) as FindingRow[]
    )
      .map((latest) => ({ ...latest, ...asOf.get(latest.id) }))
      .map((row) => ({
        fingerprint: row.fingerprint,
        ruleId: row.rule_id,
        rid: row.rid,
        resourceType: row.resource_type as FindingEntry['resourceType'],
        name: row.name,
        ...(row.account ? { account: row.account } : {}),
        ...(row.region ? { region: row.region } : {}),
        ...(row.project ? { project: row.project } : {}),
        ...(row.owner ? { owner: row.owner } : {}),
        severity: row.severity as Severity,
        status: row.status as Status,
        suppressed: row.suppressed === 1,
        message: row.message,
        firstSeenAt: row.first_seen_at,
        lastSeenAt: row.last_seen_at,
        episodes: episodes.get(row.id) ?? [],
      }));

    const events = (
      db
        .prepare('SELECT * FROM access_denied WHERE at_ms >= ? AND at_ms <= ? ORDER BY at_ms')
        .all(since, until) as {
        event_id: string;
        event_time: string;
        at_ms: number;
        account: string;
        region: string;
        key: string;
        principal: string;
        event_name: string;
        error_code: string;
      }[]
    ).map(
      (row): AccessDeniedEvent => ({
        eventId: row.event_id,
        eventTime: row.event_time,
        at: row.at_ms,
        account: row.account,
        region: row.region,
        key: row.key,
        principal: row.principal,
        eventName: row.event_name,
        errorCode: row.error_code,
      }),
    );

    return {
      scans,
      tallies,
      current,
      keys: [...keys.values()].map(({ scope, ...timeline }) => ({
        ...timeline,
        current: Math.max(...timeline.spans.map((s) => s.lastAt)) >= (newestCover.get(scope) ?? 0),
      })),
      findings,
      events,
    };
  }

  /** `PRAGMA integrity_check` is "ok". */
  integrityOk(): boolean {
    return this.db.pragma('integrity_check', { simple: true }) === 'ok';
  }
}

export { SCHEMA_VERSION };
