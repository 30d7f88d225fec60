/**
 * The history database schema, as numbered migrations. `PRAGMA user_version` holds the version a
 * database is at; opening applies the missing migrations in order, each in its own transaction.
 * A migration is never edited once released: a change is a new migration.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** "HPKM": marks a SQLite file as a hyperpod-cmk history (PRAGMA application_id). */
export const APPLICATION_ID = 0x48504b4d;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'scans, resources and their states per scan, finding lifecycle, denied key calls',
    sql: `
      CREATE TABLE scans (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        report_id TEXT NOT NULL,
        source TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        accounts TEXT NOT NULL,
        regions TEXT NOT NULL,
        inputs TEXT NOT NULL,
        scope TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        summary TEXT NOT NULL,
        saved_at TEXT NOT NULL
      );
      CREATE INDEX scans_at ON scans (at_ms);
      CREATE INDEX scans_report ON scans (report_id);

      -- Clusters, instance groups, keys and accounts, with their latest names.
      CREATE TABLE resources (
        id INTEGER PRIMARY KEY,
        rid TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        name TEXT NOT NULL,
        cluster TEXT,
        account TEXT,
        region TEXT,
        scope TEXT NOT NULL
      );

      -- Distinct resource states (compliance of a cluster or group, cost facts of a key), shared
      -- by every observation that saw the same state: history grows by three integers per resource
      -- and scan while nothing changes.
      CREATE TABLE states (
        id INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL
      );

      CREATE TABLE observations (
        scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        resource_id INTEGER NOT NULL REFERENCES resources (id),
        state_id INTEGER NOT NULL REFERENCES states (id),
        PRIMARY KEY (scan_id, resource_id)
      ) WITHOUT ROWID;
      CREATE INDEX observations_resource ON observations (resource_id, state_id);

      -- Derived at save time, so that reading a year of history stays fast: how many clusters and
      -- groups of each scan were in each state, and each key's states with their first and last scan.
      CREATE TABLE scan_tallies (
        scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
        state_id INTEGER NOT NULL REFERENCES states (id),
        count INTEGER NOT NULL,
        PRIMARY KEY (scan_id, state_id)
      ) WITHOUT ROWID;
      CREATE TABLE key_spans (
        resource_id INTEGER NOT NULL REFERENCES resources (id),
        state_id INTEGER NOT NULL REFERENCES states (id),
        first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL,
        PRIMARY KEY (resource_id, state_id)
      ) WITHOUT ROWID;

      -- Every fingerprint ever seen failing or unknown, as last seen.
      CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL UNIQUE,
        rule_id TEXT NOT NULL,
        rid TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        name TEXT NOT NULL,
        account TEXT,
        region TEXT,
        project TEXT,
        owner TEXT,
        scope TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL,
        suppressed INTEGER NOT NULL,
        message TEXT NOT NULL,
        first_seen_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        first_scan_id INTEGER NOT NULL,
        last_scan_id INTEGER NOT NULL
      );

      -- The status, severity and suppression of a finding each time one of them changed, so that
      -- history read as of an earlier clock (--now) sees them as they were.
      CREATE TABLE finding_changes (
        finding_id INTEGER NOT NULL REFERENCES findings (id),
        at_ms INTEGER NOT NULL,
        scan_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        severity TEXT NOT NULL,
        suppressed INTEGER NOT NULL
      );
      CREATE INDEX finding_changes_finding ON finding_changes (finding_id, at_ms);

      -- Failure episodes: from the first FAIL to the scan that saw it fixed (or its resource gone).
      CREATE TABLE episodes (
        id INTEGER PRIMARY KEY,
        finding_id INTEGER NOT NULL REFERENCES findings (id),
        opened_at INTEGER NOT NULL,
        opened_scan_id INTEGER NOT NULL,
        resolved_at INTEGER,
        resolved_scan_id INTEGER,
        resolution TEXT,
        severity TEXT NOT NULL
      );
      CREATE INDEX episodes_finding ON episodes (finding_id);
      CREATE INDEX episodes_open ON episodes (finding_id) WHERE resolved_at IS NULL;

      -- Denied calls on keys, from the CloudTrail events of each scan (deduplicated by event id).
      CREATE TABLE access_denied (
        event_id TEXT PRIMARY KEY,
        event_time TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        account TEXT NOT NULL,
        region TEXT NOT NULL,
        key TEXT NOT NULL,
        principal TEXT NOT NULL,
        event_name TEXT NOT NULL,
        error_code TEXT NOT NULL
      );
      CREATE INDEX access_denied_at ON access_denied (at_ms);
    `,
  },
  {
    version: 2,
    description: 'scopes a scan could not collect in full (failed cluster listing or description)',
    sql: `ALTER TABLE scans ADD COLUMN incomplete TEXT NOT NULL DEFAULT '[]';`,
  },
  {
    version: 3,
    description: 'the shard of a sharded organization scan and the round it belongs to (NULL: unsharded)',
    sql: `
      ALTER TABLE scans ADD COLUMN round TEXT;
      ALTER TABLE scans ADD COLUMN shard_index INTEGER;
      ALTER TABLE scans ADD COLUMN shard_count INTEGER;
      CREATE INDEX scans_round ON scans (round) WHERE round IS NOT NULL;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
