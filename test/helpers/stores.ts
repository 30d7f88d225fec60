/**
 * The history backends the store contract suite runs against, each with the same expectations:
 * a fresh, empty history target of each kind, and raw SQL on it (to damage it by hand).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ScanRecord } from '../../src/history/types.js';
import type { HistoryStore, OpenOptions } from '../../src/store/store.js';
import { openHistory } from '../../src/store/store.js';
import { adminQuery, freshDatabase, postgresUrl } from './postgres.js';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A target for a history that does not exist yet (a new file, an empty database). */
  fresh(): Promise<string>;
  /** Runs SQL statements on the history behind the target, outside the store. */
  exec(target: string, sql: string): Promise<void>;
  /** The start of the hint for a history changed by hand. */
  damagedHint: string;
}

let dir: string | undefined;
let files = 0;

export const sqliteBackend: Backend = {
  name: 'sqlite',
  fresh: async () => {
    dir ??= mkdtempSync(join(tmpdir(), 'hpcmk-stores-'));
    return join(dir, `h-${++files}.db`);
  },
  exec: async (target, sql) => {
    const db = new Database(target);
    db.exec(sql);
    db.close();
  },
  damagedHint: 'the file was changed by hand or is damaged',
};

export const postgresBackend: Backend = {
  name: 'postgres',
  fresh: () => freshDatabase(postgresUrl()),
  exec: async (target, sql) => {
    await adminQuery(target, sql);
  },
  damagedHint: 'the database was changed by hand or is damaged',
};

export const BACKENDS: readonly Backend[] = [sqliteBackend, postgresBackend];

/** Opens a history or throws with the store's message. */
export async function open(target: string, options: OpenOptions = { create: true }): Promise<HistoryStore> {
  const opened = await openHistory(target, options);
  if (!opened.ok) throw new Error(`${opened.error.input}: ${opened.error.message}`);
  return opened.value;
}

/**
 * The part of a scan that covers one account: what a scan of that account alone would save
 * (its resources, findings and scope; its own report id). Scans of different accounts saved at
 * once must give the same history in any order.
 */
export function oneAccount(record: ScanRecord, account: string): ScanRecord {
  const mine = (scope: string) => scope === `aws:${account}` || scope.startsWith(`aws:${account}:`);
  return {
    scan: {
      ...record.scan,
      reportId: `${record.scan.reportId}-${account}`,
      accounts: [account],
      scope: record.scan.scope.filter(mine),
    },
    resources: record.resources.filter((r) => mine(r.scope)),
    findings: record.findings.filter((f) => mine(f.scope)),
    events: record.events.filter((e) => e.account === account),
  };
}
