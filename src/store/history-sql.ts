/**
 * What every history backend does, written once: saving a scan (the findings lifecycle included)
 * and reading history back, as SQL that SQLite and PostgreSQL both accept. The adapters
 * (`sqlite.ts`, `postgres.ts`) only run it: they open the database, migrate it, hold the
 * transaction and the write lock, adapt the placeholders (`?` here) and turn driver errors into the
 * store's errors. Every read has a total order, so both backends give the same history.
 */
import { createHash } from 'node:crypto';
import { applyScan, type KnownFinding, pickCurrent, type RoundSoFar } from '../history/lifecycle.js';
import { newestCoverage } from '../history/memory.js';
import { groupsSince, scanGroups } from '../history/rounds.js';
import type {
  AccessDeniedEvent,
  ComplianceState,
  ComplianceTally,
  CurrentResource,
  Episode,
  FindingEntry,
  FindingObservation,
  HistoryData,
  KeyState,
  KeyTimeline,
  Resolution,
  ScanEntry,
  ScanRecord,
} from '../history/types.js';
import type { Severity, Status } from '../model/finding.js';
import { filterEach, mapEach, maxOf } from '../model/many.js';
import type { SaveHooks, SaveResult, Window } from './save-types.js';

export type SqlValue = string | number | null;

/** One connection (inside a transaction when saving), as an adapter runs the shared SQL on it. */
export interface Sql {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<void>;
  /**
   * Inserts rows (`head VALUES (...) tail`), handing what a `RETURNING` in `tail` returns to
   * `returned` as it comes, in no particular order. Rows must not repeat a conflict key and all
   * have the first row's width. Each backend inserts its fastest way (an organisation's first scan
   * writes hundreds of thousands of rows): see `insertInStatements`. Rows are taken from `rows` as
   * they are written, so a generator makes each row (and its message text) only when it is
   * written, and what comes back is never gathered: neither side is ever held whole.
   */
  insert<T>(
    head: string,
    rows: Iterable<readonly SqlValue[]>,
    tail?: string,
    returned?: (row: T) => void,
  ): Promise<void>;
}

/** String.prototype.isWellFormed and toWellFormed (Node 20; ES2024, past this project's lib). */
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * A text as every backend stores it, and gives it back: PostgreSQL text refuses U+0000, which a
 * tenant's name or tag may hold, so both keep it as U+FFFD rather than one of them failing the
 * whole save; and a lone UTF-16 surrogate, which UTF-8 cannot hold, is U+FFFD too (SQLite's driver
 * wrote it as three bytes read back as three U+FFFD, PostgreSQL's as one). The rest of the text is
 * unchanged. What a save looks up by a text it wrote (a resource by its id) is looked up by this.
 */
export function storedText(text: string): string {
  const kept = text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
  return (kept as unknown as WellFormed).isWellFormed()
    ? kept
    : (kept as unknown as WellFormed).toWellFormed();
}

/** Parameters as every backend can store them (`storedText`). */
export function storable(params: readonly SqlValue[]): SqlValue[] {
  return params.map((value) => (typeof value === 'string' ? storedText(value) : value));
}

const first = async <T>(rows: Promise<T[]>): Promise<T | undefined> => (await rows)[0];

/**
 * Inserts rows in multi-row statements of at most ~4000 values (`head VALUES (...), (...) tail`),
 * handing what `tail` returns to `returned`: one round trip for many rows, the way for a server
 * (PostgreSQL).
 */
export async function insertInStatements<T>(
  db: Pick<Sql, 'all' | 'run'>,
  head: string,
  rows: Iterable<readonly SqlValue[]>,
  tail = '',
  returned?: (row: T) => void,
): Promise<void> {
  let per = 0;
  let tuple = '';
  let chunk: (readonly SqlValue[])[] = [];
  const flush = async () => {
    const sql = `${head} VALUES ${chunk.map(() => tuple).join(', ')} ${tail}`;
    if (returned) for (const row of await db.all<T>(sql, chunk.flat())) returned(row);
    else await db.run(sql, chunk.flat());
    chunk = [];
  };
  for (const row of rows) {
    if (per === 0) {
      per = Math.max(1, Math.floor(4000 / row.length));
      tuple = `(${Array.from({ length: row.length }, () => '?').join(', ')})`;
    }
    chunk.push(row);
    if (chunk.length === per) await flush();
  }
  if (chunk.length > 0) await flush();
}

/** The statement that inserts one row: `head VALUES (?, ...) tail`. */
export function rowStatement(head: string, width: number, tail = ''): string {
  return `${head} VALUES (${Array.from({ length: width }, () => '?').join(', ')}) ${tail}`;
}

/** Ids in `IN (...)` lists of at most this many placeholders (SQLite allows 32766, PostgreSQL 65535). */
const CHUNK = 500;

/** A finding as saved, as the lifecycle knows it (`open`: its open episode's severity). */
interface KnownRow extends KnownFinding {
  id: number;
  severity: string;
  /** 1 when suppressed, else 0. */
  suppressed: number;
}

/**
 * One string for each distinct text read: a driver returns a fresh string for every value of every
 * row, and what history reads of an organisation repeats the same few (statuses, Regions, rule ids,
 * a resource's id for each of its findings) hundreds of thousands of times.
 */
function sharedTexts(): <T extends string>(text: T) => T {
  const shared = new Map<string, string>();
  return <T extends string>(text: T): T => {
    const seen = shared.get(text);
    if (seen !== undefined) return seen as T;
    shared.set(text, text);
    return text;
  };
}

/** Rows read per statement where a table may hold hundreds of thousands: never every row at once. */
const PAGE = 10_000;

/**
 * Every finding saved before, keyed by fingerprint, each held compactly: an organisation's history
 * holds hundreds of thousands, and a row as the driver returns it is a dozen fresh strings. Read a
 * page at a time; the few distinct texts (status, severity, scope) are shared, and a resource id
 * that the scan being saved also has is that scan's string (`rids`).
 */
async function readKnown(db: Sql, rids: ReadonlyMap<string, string>): Promise<Map<string, KnownRow>> {
  const known = new Map<string, KnownRow>();
  const share = sharedTexts();
  let after = 0;
  for (;;) {
    const rows = await db.all<{
      id: number;
      fingerprint: string;
      rid: string;
      scope: string;
      status: Status;
      severity: string;
      suppressed: number | boolean;
      open_severity: Severity | null;
    }>(
      `SELECT f.id, f.fingerprint, f.rid, f.scope, f.status, f.severity, f.suppressed, e.severity AS open_severity
       FROM findings f LEFT JOIN episodes e ON e.finding_id = f.id AND e.resolved_at IS NULL
       WHERE f.id > ? ORDER BY f.id LIMIT ${PAGE}`,
      [after],
    );
    for (const row of rows) {
      const kept: KnownRow = {
        id: Number(row.id),
        fingerprint: row.fingerprint,
        rid: rids.get(row.rid) ?? row.rid,
        scope: share(row.scope),
        status: share(row.status),
        severity: share(row.severity),
        suppressed: Number(row.suppressed),
        open: row.open_severity ? share(row.open_severity) : undefined,
      };
      known.set(kept.fingerprint, kept);
    }
    if (rows.length < PAGE) return known;
    after = Number(rows[rows.length - 1]!.id);
  }
}

/** The texts a finding was saved with. */
interface SavedTexts {
  id: number;
  name: string;
  project: string | null;
  owner: string | null;
  message: string;
}

/** Whether a finding's status, severity or suppression differs from what was saved (a change to record). */
const changedState = (row: KnownRow, o: FindingObservation): boolean =>
  row.status !== o.status || row.severity !== o.severity || row.suppressed !== (o.suppressed ? 1 : 0);

/** Whether a finding's texts are as saved (compared as stored: U+0000 and lone surrogates are U+FFFD). */
const sameTexts = (saved: SavedTexts, o: FindingObservation): boolean =>
  saved.name === storedText(o.name) &&
  saved.project === (o.project === undefined ? null : storedText(o.project)) &&
  saved.owner === (o.owner === undefined ? null : storedText(o.owner)) &&
  saved.message === storedText(o.message);

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
  /** NULL for unsharded scans; absent from histories of schema 1 and 2 (read as they are). */
  round?: string | null;
  shard_index?: number | null;
  shard_count?: number | null;
  tool_version: string;
  summary: string;
}

/** A JSON list column as written by save(); anything else means the database was edited. */
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
  // Absent (not NULL) in a history of schema 1 or 2, which readers read as it is: no shard either.
  ...((row.round ?? null) !== null && (row.shard_index ?? null) !== null && (row.shard_count ?? null) !== null
    ? { shard: { index: Number(row.shard_index), count: Number(row.shard_count), round: row.round! } }
    : {}),
  toolVersion: row.tool_version,
  summary: JSON.parse(row.summary),
});

/** What the other saved shards of a round saw, for the lifecycle of the shard being saved. */
async function roundSoFar(
  db: Sql,
  shard: NonNullable<ScanRecord['scan']['shard']>,
  scanId: number,
): Promise<RoundSoFar> {
  // The newest save of each other shard of the round: a shard saved again counts by its newest save.
  const newest = new Map<number, { id: number; shard_index: number; scope: string; accounts: string }>();
  for (const row of await db.all<{ id: number; shard_index: number; scope: string; accounts: string }>(
    'SELECT id, shard_index, scope, accounts FROM scans WHERE round = ? AND shard_count = ? AND id <> ? AND shard_index <> ? ORDER BY id',
    [shard.round, shard.count, scanId, shard.index],
  ))
    newest.set(Number(row.shard_index), row);
  const scans = [...newest.values()];
  const seen: string[] = [];
  const rids: string[] = scans.flatMap((s) => JSON.parse(s.accounts) as string[]);
  for (let i = 0; i < scans.length; i += CHUNK) {
    const ids = scans.slice(i, i + CHUNK).map((s) => s.id);
    const marks = ids.map(() => '?').join(', ');
    for (const f of await db.all<{ fingerprint: string; rid: string }>(
      `SELECT fingerprint, rid FROM findings WHERE last_scan_id IN (${marks}) ORDER BY id`,
      ids,
    )) {
      seen.push(f.fingerprint);
      rids.push(f.rid);
    }
    for (const r of await db.all<{ rid: string }>(
      `SELECT DISTINCT r.rid FROM observations o JOIN resources r ON r.id = o.resource_id
       WHERE o.scan_id IN (${marks}) ORDER BY r.rid`,
      ids,
    ))
      rids.push(r.rid);
  }
  return {
    shards: new Set(scans.map((s) => Number(s.shard_index))),
    scope: scans.flatMap((s) => JSON.parse(s.scope) as string[]),
    seen,
    rids,
  };
}

/** The scopes whose findings a scan may change: those it covers, and those of what it saw. */
export function touchedScopes(record: ScanRecord): Set<string> {
  const scopes = new Set(record.scan.scope);
  for (const resource of record.resources) scopes.add(resource.scope);
  for (const observation of record.findings) scopes.add(observation.scope);
  return scopes;
}

/**
 * Writes one scan. The caller holds the transaction and the history's write lock, so the reads
 * here (known resources, known findings, newer scans) cannot change before the writes land: two
 * scans saved at once are applied one after the other, each finding keeping one lifecycle.
 */
export async function writeScan(db: Sql, record: ScanRecord, hooks: SaveHooks = {}): Promise<SaveResult> {
  const { scan } = record;
  const existing = await first(
    db.all<{ id: number }>('SELECT id FROM scans WHERE report_id = ? AND at_ms = ?', [
      scan.reportId,
      scan.at,
    ]),
  );
  if (existing !== undefined)
    return { scanId: existing.id, duplicate: true, lifecycleApplied: false, opened: 0, closed: 0 };
  // A scan older than a saved scan of an overlapping scope joins the trend but cannot rewrite
  // the lifecycle that newer scans already decided. What it touches is its scope and wherever it
  // saw a resource or finding (another account's key): a newer scan there decided those findings.
  const newer = await db.all<{ scope: string }>('SELECT scope FROM scans WHERE at_ms > ?', [scan.at]);
  const scope = touchedScopes(record);
  const lifecycleApplied = !newer.some((row) =>
    (JSON.parse(row.scope) as string[]).some((s) => scope.has(s)),
  );

  const inserted = await first(
    db.all<{ id: number }>(
      `INSERT INTO scans (report_id, source, started_at, finished_at, at_ms, accounts, regions, inputs, scope,
         incomplete, round, shard_index, shard_count, tool_version, summary, saved_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
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
      ],
    ),
  );
  const scanId = inserted!.id;

  // Known resources in one read; only new or renamed ones are written.
  const knownResources = new Map<
    string,
    { id: number; name: string; cluster: string | null; scope: string }
  >();
  for (const row of await db.all<{
    id: number;
    rid: string;
    name: string;
    cluster: string | null;
    scope: string;
  }>('SELECT id, rid, name, cluster, scope FROM resources'))
    knownResources.set(row.rid, row);
  const described = record.resources.map((resource) => {
    const where =
      resource.type === 'kms-key'
        ? { account: resource.account, region: resource.region }
        : resource.type === 'account'
          ? { account: resource.account, region: null }
          : { account: resource.state.account, region: resource.state.region };
    const cluster = resource.type === 'instance-group' ? (resource.cluster ?? null) : null;
    return { resource, cluster, ...where };
  });
  const added = new Map<string, SqlValue[]>();
  // A resource is known by its id as stored: an id holding U+0000 or a lone surrogate comes back
  // with U+FFFD (looked up as given, it was not found, and the save failed).
  const ridOf = described.map(({ resource }) => storedText(resource.rid));
  for (const [index, { resource, cluster, account, region }] of described.entries())
    if (!knownResources.has(ridOf[index]!) && !added.has(ridOf[index]!))
      added.set(ridOf[index]!, [
        resource.rid,
        resource.type,
        resource.name,
        cluster,
        account,
        region,
        resource.scope,
      ]);
  await db.insert<{ id: number; rid: string; name: string; cluster: string | null; scope: string }>(
    'INSERT INTO resources (rid, type, name, cluster, account, region, scope)',
    added.values(),
    'RETURNING id, rid, name, cluster, scope',
    (row) => knownResources.set(row.rid, row),
  );
  added.clear();

  // Each distinct state once: known ones in a few reads, new ones in a few writes, a chunk of
  // resources at a time, so that only a chunk's state texts are held (an organisation's are
  // hundreds of MiB of JSON); the hashes are kept to find each resource's state id.
  const hashes: string[] = [];
  const stateIds = new Map<string, number>();
  for (let i = 0; i < described.length; i += CHUNK) {
    const fresh = new Map<string, { type: string; body: string }>();
    for (const { resource } of described.slice(i, i + CHUNK)) {
      if (resource.type === 'account') {
        hashes.push('');
        continue;
      }
      const body = JSON.stringify(resource.state);
      const hash = createHash('sha256').update(`${resource.type}\u0000${body}`).digest('hex');
      hashes.push(hash);
      if (!stateIds.has(hash) && !fresh.has(hash)) fresh.set(hash, { type: resource.type, body });
    }
    if (fresh.size === 0) continue;
    const asked = [...fresh.keys()];
    for (const row of await db.all<{ id: number; hash: string }>(
      `SELECT id, hash FROM states WHERE hash IN (${asked.map(() => '?').join(', ')})`,
      asked,
    ))
      stateIds.set(row.hash, row.id);
    await db.insert<{ id: number; hash: string }>(
      'INSERT INTO states (type, hash, body)',
      mapEach(
        filterEach(fresh, ([hash]) => !stateIds.has(hash)),
        ([hash, { type, body }]) => [type, hash, body],
      ),
      'RETURNING id, hash',
      (row) => stateIds.set(row.hash, row.id),
    );
  }

  const observations = new Map<number, number>();
  const keySpans = new Map<string, [number, number]>();
  const tally = new Map<number, number>();
  for (const [index, { resource, cluster }] of described.entries()) {
    const known = knownResources.get(ridOf[index]!)!;
    if (known.name !== resource.name || known.cluster !== cluster || known.scope !== resource.scope) {
      await db.run('UPDATE resources SET name = ?, cluster = ?, scope = ? WHERE id = ?', [
        resource.name,
        cluster,
        resource.scope,
        known.id,
      ]);
      knownResources.set(ridOf[index]!, {
        id: known.id,
        name: resource.name,
        cluster,
        scope: resource.scope,
      });
    }
    if (resource.type === 'account') continue;
    const stateId = stateIds.get(hashes[index]!)!;
    observations.set(known.id, stateId);
    if (resource.type === 'kms-key') keySpans.set(`${known.id}|${stateId}`, [known.id, stateId]);
    else tally.set(stateId, (tally.get(stateId) ?? 0) + 1);
  }
  await db.insert(
    'INSERT INTO observations (scan_id, resource_id, state_id)',
    mapEach(observations, ([resourceId, stateId]) => [scanId, resourceId, stateId]),
  );
  await db.insert(
    'INSERT INTO key_spans (resource_id, state_id, first_at, last_at)',
    mapEach(keySpans.values(), ([resourceId, stateId]) => [resourceId, stateId, scan.at, scan.at]),
    `ON CONFLICT (resource_id, state_id) DO UPDATE SET
       first_at = CASE WHEN excluded.first_at < key_spans.first_at THEN excluded.first_at ELSE key_spans.first_at END,
       last_at = CASE WHEN excluded.last_at > key_spans.last_at THEN excluded.last_at ELSE key_spans.last_at END`,
  );
  await db.insert(
    'INSERT INTO scan_tallies (scan_id, state_id, count)',
    mapEach(tally, ([stateId, count]) => [scanId, stateId, count]),
  );

  await hooks.midSave?.();

  const events = new Map(record.events.map((e) => [e.eventId, e]));
  await db.insert(
    'INSERT INTO access_denied (event_id, event_time, at_ms, account, region, key, principal, event_name, error_code)',
    mapEach(events.values(), (e) => [
      e.eventId,
      e.eventTime,
      e.at,
      e.account,
      e.region,
      e.key,
      e.principal,
      e.eventName,
      e.errorCode,
    ]),
    'ON CONFLICT (event_id) DO NOTHING',
  );

  if (!lifecycleApplied) return { scanId, duplicate: false, lifecycleApplied, opened: 0, closed: 0 };

  hooks.betweenPhases?.();
  // Every finding saved before, with its open episode's severity: what the lifecycle needs of it.
  // An organisation's history holds hundreds of thousands, so their texts are not read here (see below).
  const known = await readKnown(db, new Map(record.resources.map((r) => [r.rid, r.rid])));
  const changes = applyScan(known, record, scan.shard ? await roundSoFar(db, scan.shard, scanId) : undefined);

  // Findings seen again exactly as saved only move their last sighting; the rest are written
  // through `insert`, each backend's fastest way (an organisation's first scan opens hundreds of
  // thousands of findings).
  // Whether one is as saved takes its saved texts, read a chunk at a time for the findings whose
  // status, severity, suppression and scope are as saved.
  const seenAgain: number[] = [];
  const upserts: FindingObservation[] = [];
  /** Findings whose status, severity and suppression are as saved but whose message is not. */
  const reworded = new Set<string>();
  let alike: { row: KnownRow; observation: FindingObservation }[] = [];
  const sortAlike = async () => {
    if (alike.length === 0) return;
    const texts = new Map<number, SavedTexts>();
    for (const row of await db.all<SavedTexts>(
      `SELECT id, name, project, owner, message FROM findings WHERE id IN (${alike.map(() => '?').join(', ')})`,
      alike.map(({ row }) => row.id),
    ))
      texts.set(Number(row.id), row);
    for (const { row, observation } of alike) {
      const saved = texts.get(row.id);
      if (saved !== undefined && sameTexts(saved, observation)) seenAgain.push(row.id);
      else {
        upserts.push(observation);
        if (saved === undefined || saved.message !== storedText(observation.message))
          reworded.add(observation.fingerprint);
      }
    }
    alike = [];
  };
  for (const o of changes.upserts) {
    const row = known.get(o.fingerprint);
    if (row !== undefined && !changedState(row, o) && row.scope === o.scope) {
      alike.push({ row, observation: o });
      if (alike.length === CHUNK) await sortAlike();
    } else upserts.push(o);
  }
  await sortAlike();
  const ids = new Map<string, number>();
  await db.insert<{ id: number; fingerprint: string }>(
    `INSERT INTO findings (fingerprint, rule_id, rid, resource_type, name, account, region, project, owner, scope,
       severity, status, suppressed, message, first_seen_at, last_seen_at, first_scan_id, last_scan_id)`,
    mapEach(upserts, (o) => [
      o.fingerprint,
      o.ruleId,
      o.rid,
      o.resourceType,
      o.name,
      o.account ?? null,
      o.region ?? null,
      o.project ?? null,
      o.owner ?? null,
      o.scope,
      o.severity,
      o.status,
      o.suppressed ? 1 : 0,
      o.message,
      scan.at,
      scan.at,
      scanId,
      scanId,
    ]),
    `ON CONFLICT (fingerprint) DO UPDATE SET name = excluded.name, project = excluded.project,
       owner = excluded.owner, scope = excluded.scope, severity = excluded.severity, status = excluded.status,
       suppressed = excluded.suppressed, message = excluded.message, last_seen_at = excluded.last_seen_at,
       last_scan_id = excluded.last_scan_id
     RETURNING id, fingerprint`,
    (row) => ids.set(row.fingerprint, Number(row.id)),
  );
  // A finding whose status, severity, suppression or message changed (or that is new) records the
  // change, with its message: history read as of an earlier clock shows the message it had then.
  await db.insert(
    'INSERT INTO finding_changes (finding_id, at_ms, scan_id, status, severity, suppressed, message)',
    mapEach(
      filterEach(upserts, (o) => {
        const row = known.get(o.fingerprint);
        return (
          row === undefined || changedState(row, o) || row.scope !== o.scope || reworded.has(o.fingerprint)
        );
      }),
      (o) => [
        ids.get(o.fingerprint)!,
        scan.at,
        scanId,
        o.status,
        o.severity,
        o.suppressed ? 1 : 0,
        o.message,
      ],
    ),
  );
  for (let i = 0; i < seenAgain.length; i += CHUNK) {
    const chunk = seenAgain.slice(i, i + CHUNK);
    await db.run(
      `UPDATE findings SET last_seen_at = ?, last_scan_id = ? WHERE id IN (${chunk.map(() => '?').join(', ')})`,
      [scan.at, scanId, ...chunk],
    );
  }
  const findingId = (fingerprint: string) => ids.get(fingerprint) ?? known.get(fingerprint)!.id;
  await db.insert(
    'INSERT INTO episodes (finding_id, opened_at, opened_scan_id, severity)',
    mapEach(changes.opened, ({ fingerprint, severity }) => [
      findingId(fingerprint),
      scan.at,
      scanId,
      severity,
    ]),
  );
  // Episodes closed the same way are closed together, a chunk of findings at a time.
  const closedBy = new Map<Resolution, number[]>();
  for (const { fingerprint, resolution } of changes.closed) {
    const list = closedBy.get(resolution) ?? [];
    list.push(findingId(fingerprint));
    closedBy.set(resolution, list);
  }
  for (const [resolution, findingIds] of closedBy)
    for (let i = 0; i < findingIds.length; i += CHUNK) {
      const chunk = findingIds.slice(i, i + CHUNK);
      await db.run(
        `UPDATE episodes SET resolved_at = ?, resolved_scan_id = ?, resolution = ?
         WHERE resolved_at IS NULL AND finding_id IN (${chunk.map(() => '?').join(', ')})`,
        [scan.at, scanId, resolution, ...chunk],
      );
    }
  // Open episodes follow their finding's current severity (rewritten only where it differs: an
  // organisation has hundreds of thousands of open episodes, nearly all as they were).
  await db.run(
    `UPDATE episodes SET severity = (SELECT severity FROM findings WHERE findings.id = episodes.finding_id)
     WHERE resolved_at IS NULL AND finding_id IN (SELECT id FROM findings WHERE last_scan_id = ?)
       AND severity <> (SELECT severity FROM findings WHERE findings.id = episodes.finding_id)`,
    [scanId],
  );
  return {
    scanId,
    duplicate: false,
    lifecycleApplied,
    opened: changes.opened.length,
    closed: changes.closed.length,
  };
}

const MIN = Number.MIN_SAFE_INTEGER;
const MAX = Number.MAX_SAFE_INTEGER;

/** Scans placed in the window, oldest first. */
export async function readScans(db: Sql, window: Window = {}): Promise<ScanEntry[]> {
  const rows = await db.all<ScanRow>(
    'SELECT * FROM scans WHERE at_ms >= ? AND at_ms <= ? ORDER BY at_ms, id',
    [window.since ?? MIN, window.until ?? MAX],
  );
  return rows.map(toScan);
}

/** A row of a scan's compliance tallies, with the state it counts. */
interface TallyRow {
  scan_id: number;
  state_id: number;
  type: 'cluster' | 'instance-group';
  body: string;
  n: number;
}

/**
 * Everything the KPI reducers need, for scans up to `until` (trend points from `since`: the scans
 * at or after it, and the earlier shards of a round whose newest shard is).
 */
export async function readHistory(db: Sql, window: Window = {}): Promise<HistoryData> {
  const since = window.since ?? MIN;
  const until = window.until ?? MAX;
  const upToUntil = await readScans(db, { until });
  // Grouped first, then the window: a round in it brings its shards saved before `since`.
  const members = new Set(groupsSince(upToUntil, since).flatMap((group) => group.scans.map((s) => s.id)));
  const scans = upToUntil.filter((s) => s.at >= since || members.has(s.id));
  const scanIds = new Set(scans.map((s) => s.id));
  const earliest = scans[0]?.at ?? since;

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
    await db.all<TallyRow>(
      `SELECT t.scan_id, t.state_id, st.type, st.body, t.count AS n
       FROM scan_tallies t JOIN scans sc ON sc.id = t.scan_id JOIN states st ON st.id = t.state_id
       WHERE sc.at_ms >= ? AND sc.at_ms <= ? AND st.type IN ('cluster', 'instance-group')
       ORDER BY t.scan_id, t.state_id`,
      [Math.min(earliest, since), until],
    )
  )
    .filter((row) => scanIds.has(row.scan_id))
    .map((row) => ({
      scanId: row.scan_id,
      type: row.type,
      state: stateOf(row.state_id, row.body),
      count: row.n,
    }));

  // The resources of each scan, newest scan first, read until every scope is covered. A scan of an
  // organisation has a hundred thousand, in a few hundred distinct states: each state is read and
  // parsed once (`stateOf`), not once per resource.
  const resourcesOf = async (scanId: number) => {
    const rows = await db.all<{
      rid: string;
      type: 'cluster' | 'instance-group';
      name: string;
      cluster: string | null;
      scope: string;
      state_id: number;
    }>(
      `SELECT r.rid, r.type, r.name, r.cluster, r.scope, o.state_id
       FROM observations o JOIN resources r ON r.id = o.resource_id
       WHERE o.scan_id = ? AND r.type IN ('cluster', 'instance-group') ORDER BY r.id`,
      [scanId],
    );
    const unread = [...new Set(rows.map((row) => Number(row.state_id)).filter((id) => !parsed.has(id)))];
    for (let i = 0; i < unread.length; i += CHUNK) {
      const chunk = unread.slice(i, i + CHUNK);
      for (const row of await db.all<{ id: number; body: string }>(
        `SELECT id, body FROM states WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      ))
        stateOf(Number(row.id), row.body);
    }
    return rows.map((row) => ({
      rid: row.rid,
      type: row.type,
      name: row.name,
      ...(row.cluster ? { cluster: row.cluster } : {}),
      scope: row.scope,
      scanId,
      state: parsed.get(Number(row.state_id))!,
    }));
  };
  const allScopes = new Set(upToUntil.flatMap((s) => s.scope));
  const newestFirst = [...upToUntil].reverse();
  // pickCurrent stops at the first scans that cover every scope: read only those.
  const covered = new Set<string>();
  const needed: typeof newestFirst = [];
  for (const scan of newestFirst) {
    if (covered.size >= allScopes.size && [...allScopes].every((s) => covered.has(s))) break;
    needed.push(scan);
    for (const s of scan.scope) covered.add(s);
  }
  const resources = new Map<number, Awaited<ReturnType<typeof resourcesOf>>>();
  for (const scan of needed) resources.set(scan.id, await resourcesOf(scan.id));
  const current: CurrentResource[] = pickCurrent(
    newestFirst.map((scan) => ({ scope: scan.scope, resources: () => resources.get(scan.id) ?? [] })),
    allScopes,
  );

  // The scans before the window whose state the trend's first point carries in: for each scope, the
  // newest scan before `since` (not a shard of a round in the window) that covered it.
  const priorScans: ScanEntry[] = [];
  const seeded = new Set<string>();
  for (const scan of newestFirst) {
    if (scan.at >= since || scanIds.has(scan.id) || scan.scope.every((s) => seeded.has(s))) continue;
    priorScans.push(scan);
    for (const s of scan.scope) seeded.add(s);
  }
  const seeds = new Set(priorScans.map((scan) => scan.id));
  // The latest round up to `until`, and every scan after it, judge whether that round is complete
  // now (a later scan of its accounts supersedes it), whatever the window's start: those before it
  // are given too (as `prior`, without their tallies).
  const groups = scanGroups(upToUntil);
  const latestRound = groups.findLastIndex((group) => group.round !== undefined);
  const inPrior = new Set(priorScans.map((scan) => scan.id));
  if (latestRound >= 0)
    for (const group of groups.slice(latestRound))
      for (const scan of group.scans)
        if (!scanIds.has(scan.id) && !inPrior.has(scan.id)) {
          priorScans.push(scan);
          inPrior.add(scan.id);
        }
  priorScans.sort((a, b) => b.at - a.at || b.id - a.id);
  const priorTallies: ComplianceTally[] = [];
  const seeding = priorScans.filter((scan) => seeds.has(scan.id));
  for (let i = 0; i < seeding.length; i += CHUNK) {
    const ids = seeding.slice(i, i + CHUNK).map((s) => s.id);
    for (const row of await db.all<TallyRow>(
      `SELECT t.scan_id, t.state_id, st.type, st.body, t.count AS n
       FROM scan_tallies t JOIN states st ON st.id = t.state_id
       WHERE t.scan_id IN (${ids.map(() => '?').join(', ')}) AND st.type IN ('cluster', 'instance-group')
       ORDER BY t.scan_id, t.state_id`,
      ids,
    ))
      priorTallies.push({
        scanId: Number(row.scan_id),
        type: row.type,
        state: stateOf(Number(row.state_id), row.body),
        count: Number(row.n),
      });
  }

  const newestCover = newestCoverage(upToUntil);
  const keys = new Map<string, KeyTimeline & { scope: string }>();
  // Each key state's first and last sighting up to `until`. The spans kept at save time are exact
  // when none was seen again after `until`; read as of an earlier clock, a state's last sighting up
  // to then is another scan's than its last (cutting it at `until` invented a sighting there: a
  // deletion cancelled after `until` read as cancelled before it), so it is read from the scans.
  type KeyRow = {
    rid: string;
    account: string;
    region: string;
    scope: string;
    body: string;
    first_at: number;
    last_at: number;
  };
  const past = await first(
    db.all<{ one: number }>('SELECT 1 AS one FROM key_spans WHERE first_at <= ? AND last_at > ? LIMIT 1', [
      until,
      until,
    ]),
  );
  const keyRows = past
    ? await db.all<KeyRow>(
        `SELECT r.rid, r.account, r.region, r.scope, st.body, k.first_at, k.last_at
         FROM (SELECT o.resource_id, o.state_id, MIN(sc.at_ms) AS first_at, MAX(sc.at_ms) AS last_at
               FROM observations o JOIN scans sc ON sc.id = o.scan_id
               WHERE sc.at_ms <= ? AND o.resource_id IN (SELECT id FROM resources WHERE type = 'kms-key')
               GROUP BY o.resource_id, o.state_id) k
         JOIN resources r ON r.id = k.resource_id JOIN states st ON st.id = k.state_id
         ORDER BY k.first_at, k.resource_id, k.state_id`,
        [until],
      )
    : await db.all<KeyRow>(
        `SELECT r.rid, r.account, r.region, r.scope, st.body, k.first_at, k.last_at
         FROM key_spans k JOIN resources r ON r.id = k.resource_id JOIN states st ON st.id = k.state_id
         WHERE k.first_at <= ? ORDER BY k.first_at, k.resource_id, k.state_id`,
        [until],
      );
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

  const share = sharedTexts();
  const episodes = new Map<number, Episode[]>();
  for (const row of await db.all<{
    finding_id: number;
    opened_at: number;
    resolved_at: number | null;
    resolution: string | null;
    severity: string;
  }>(
    'SELECT finding_id, opened_at, resolved_at, resolution, severity FROM episodes WHERE opened_at <= ? ORDER BY opened_at, id',
    [until],
  )) {
    const list = episodes.get(row.finding_id) ?? [];
    const resolved = row.resolved_at !== null && row.resolved_at <= until;
    list.push({
      openedAt: row.opened_at,
      severity: share(row.severity as Severity),
      ...(resolved ? { resolvedAt: row.resolved_at!, resolution: share(row.resolution as Resolution) } : {}),
    });
    episodes.set(row.finding_id, list);
  }
  // Status, severity and suppression as they were at `until`: each finding's last change up to then.
  const asOf = new Map<number, { status: Status; severity: Severity; suppressed: boolean }>();
  for (const row of await db.all<{
    finding_id: number;
    status: Status;
    severity: Severity;
    suppressed: number;
  }>(
    `SELECT finding_id, status, severity, suppressed FROM finding_changes WHERE at_ms <= ?
     ORDER BY finding_id, at_ms, scan_id`,
    [until],
  ))
    asOf.set(row.finding_id, {
      status: share(row.status),
      severity: share(row.severity),
      suppressed: row.suppressed === 1,
    });
  // The message each finding seen again after `until` had then: its last change up to then that
  // recorded one (changes saved before schema 4 did not: those keep the message last seen).
  const messageThen = new Map<number, string>();
  if (await hasColumn(db, 'finding_changes', 'message'))
    for (const row of await db.all<{ finding_id: number; message: string }>(
      `SELECT c.finding_id, c.message FROM finding_changes c JOIN findings f ON f.id = c.finding_id
       WHERE f.last_seen_at > ? AND c.at_ms <= ? AND c.message IS NOT NULL
       ORDER BY c.finding_id, c.at_ms, c.scan_id`,
      [until, until],
    ))
      messageThen.set(Number(row.finding_id), row.message);
  // A page of findings at a time, each made once with the texts it shares with others shared.
  const findings: FindingEntry[] = [];
  for (let after = 0; ; ) {
    const rows = await db.all<Omit<FindingRow, 'scope'>>(
      `SELECT id, fingerprint, rule_id, rid, resource_type, name, account, region, project, owner, severity,
         status, suppressed, message, first_seen_at, last_seen_at
       FROM findings WHERE first_seen_at <= ? AND id > ? ORDER BY id LIMIT ${PAGE}`,
      [until, after],
    );
    for (const row of rows) {
      const then = asOf.get(row.id);
      const entry = {
        fingerprint: row.fingerprint,
        ruleId: share(row.rule_id),
        rid: share(row.rid),
        resourceType: share(row.resource_type) as FindingEntry['resourceType'],
        name: share(row.name),
      } as FindingEntry;
      if (row.account) entry.account = share(row.account);
      if (row.region) entry.region = share(row.region);
      if (row.project) entry.project = share(row.project);
      if (row.owner) entry.owner = share(row.owner);
      entry.severity = then?.severity ?? share(row.severity as Severity);
      entry.status = then?.status ?? share(row.status as Status);
      entry.suppressed = then ? then.suppressed : row.suppressed === 1;
      entry.message = messageThen.get(Number(row.id)) ?? row.message;
      entry.firstSeenAt = row.first_seen_at;
      entry.lastSeenAt = row.last_seen_at;
      entry.episodes = episodes.get(row.id) ?? [];
      findings.push(entry);
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]!.id;
  }

  const events = (
    await db.all<{
      event_id: string;
      event_time: string;
      at_ms: number;
      account: string;
      region: string;
      key: string;
      principal: string;
      event_name: string;
      error_code: string;
    }>('SELECT * FROM access_denied WHERE at_ms >= ? AND at_ms <= ? ORDER BY at_ms, event_id', [since, until])
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
    ...(priorScans.length ? { prior: { scans: priorScans.reverse(), tallies: priorTallies } } : {}),
    current,
    keys: [...keys.values()].map(({ scope, ...timeline }) => ({
      ...timeline,
      current: maxOf(timeline.spans.map((s) => s.lastAt)) >= (newestCover.get(scope) ?? 0),
    })),
    findings,
    events,
  };
}

/**
 * The tables of a history in the order a copy fills them (every row after those it refers to),
 * with the columns that order their rows: what `history export` and `history import` move.
 */
export const HISTORY_TABLES = [
  { name: 'scans', order: 'id' },
  { name: 'resources', order: 'id' },
  { name: 'states', order: 'id' },
  { name: 'observations', order: 'scan_id, resource_id' },
  { name: 'scan_tallies', order: 'scan_id, state_id' },
  { name: 'key_spans', order: 'resource_id, state_id' },
  { name: 'findings', order: 'id' },
  { name: 'finding_changes', order: 'finding_id, at_ms, scan_id, status, severity, suppressed' },
  { name: 'episodes', order: 'id' },
  { name: 'access_denied', order: 'event_id' },
] as const;

export type HistoryTable = (typeof HISTORY_TABLES)[number]['name'];

/** The columns of each table at the current schema: what an import may write, nothing else. */
export const HISTORY_COLUMNS: Record<HistoryTable, readonly string[]> = {
  scans: [
    'id',
    'report_id',
    'source',
    'started_at',
    'finished_at',
    'at_ms',
    'accounts',
    'regions',
    'inputs',
    'scope',
    'tool_version',
    'summary',
    'saved_at',
    'incomplete',
    'round',
    'shard_index',
    'shard_count',
  ],
  resources: ['id', 'rid', 'type', 'name', 'cluster', 'account', 'region', 'scope'],
  states: ['id', 'type', 'hash', 'body'],
  observations: ['scan_id', 'resource_id', 'state_id'],
  scan_tallies: ['scan_id', 'state_id', 'count'],
  key_spans: ['resource_id', 'state_id', 'first_at', 'last_at'],
  findings: [
    'id',
    'fingerprint',
    'rule_id',
    'rid',
    'resource_type',
    'name',
    'account',
    'region',
    'project',
    'owner',
    'scope',
    'severity',
    'status',
    'suppressed',
    'message',
    'first_seen_at',
    'last_seen_at',
    'first_scan_id',
    'last_scan_id',
  ],
  finding_changes: ['finding_id', 'at_ms', 'scan_id', 'status', 'severity', 'suppressed', 'message'],
  episodes: [
    'id',
    'finding_id',
    'opened_at',
    'opened_scan_id',
    'resolved_at',
    'resolved_scan_id',
    'resolution',
    'severity',
  ],
  access_denied: [
    'event_id',
    'event_time',
    'at_ms',
    'account',
    'region',
    'key',
    'principal',
    'event_name',
    'error_code',
  ],
};

/**
 * Whether a table's rows have a column: readers read a history of an older schema as it is (a
 * column a later migration adds is not there). Asked of a row, in SQL both backends take without
 * failing (a failed statement would end a PostgreSQL reader's transaction); no row, no column.
 */
async function hasColumn(db: Sql, table: string, column: string): Promise<boolean> {
  const [row] = await db.all<Record<string, unknown>>(`SELECT * FROM ${table} LIMIT 1`);
  return row !== undefined && column in row;
}

/** True when the history holds nothing yet (the only history an import may fill). */
export async function isEmpty(db: Sql): Promise<boolean> {
  for (const { name } of HISTORY_TABLES) {
    const row = await first(db.all<{ one: number }>(`SELECT 1 AS one FROM ${name} LIMIT 1`));
    if (row) return false;
  }
  return true;
}

/** A batch of imported rows is written once it holds this many values... */
export const IMPORT_BATCH_VALUES = 4000;
/** ...or this many bytes of them (text as UTF-8, a number as 8), whichever comes first. */
export const IMPORT_BATCH_BYTES = 4 * 1024 * 1024;

const valueBytes = (value: SqlValue): number => (typeof value === 'string' ? Buffer.byteLength(value) : 8);

/**
 * Inserts rows of history tables as they come, in multi-row statements bounded by count and by
 * bytes (a row larger than the byte bound goes alone). Throws on a table or column this schema
 * does not have (the rows come from a file): the caller rolls back.
 */
export async function insertRows(
  db: Sql,
  rows: AsyncIterable<{ table: HistoryTable; row: Record<string, SqlValue> }>,
): Promise<{ rows: number; scans: number }> {
  let batch: { table: HistoryTable; columns: string[]; values: SqlValue[][]; bytes: number } | undefined;
  let count = 0;
  let scans = 0;
  const flush = async () => {
    if (!batch || batch.values.length === 0) return;
    const tuple = `(${batch.columns.map(() => '?').join(', ')})`;
    await db.run(
      `INSERT INTO ${batch.table} (${batch.columns.join(', ')}) VALUES ${batch.values.map(() => tuple).join(', ')}`,
      batch.values.flat(),
    );
    batch = undefined;
  };
  for await (const { table, row } of rows) {
    const known = HISTORY_COLUMNS[table];
    if (!known) throw new Error(`no table "${table}" in a history`);
    const columns = Object.keys(row);
    for (const column of columns)
      if (!known.includes(column)) throw new Error(`no column "${column}" in table ${table}`);
    const values = columns.map((c) => row[c] ?? null);
    const bytes = values.reduce<number>((sum, value) => sum + valueBytes(value), 0);
    if (
      batch &&
      (batch.table !== table ||
        batch.columns.join() !== columns.join() ||
        (batch.values.length + 1) * columns.length > IMPORT_BATCH_VALUES ||
        batch.bytes + bytes > IMPORT_BATCH_BYTES)
    )
      await flush();
    batch ??= { table, columns, values: [], bytes: 0 };
    batch.values.push(values);
    batch.bytes += bytes;
    count++;
    if (table === 'scans') scans++;
  }
  await flush();
  return { rows: count, scans };
}
