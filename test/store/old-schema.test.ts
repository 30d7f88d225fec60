/**
 * A history written by an older hyperpod-cmk (schema 1: before incomplete scopes; schema 2: before
 * the shards of a round; schema 3: before the messages of finding changes) reads the same as it did, on both backends: readers read it as it is
 * (they never migrate), and the first save migrates it forward and builds on it. The history is
 * the scripted scenario (test/helpers/history.ts), written at the old schema with the columns that
 * schema had.
 */
import { describe, expect, it } from 'vitest';
import { scanRecord } from '../../src/history/record.js';
import type { ScanRecord } from '../../src/history/types.js';
import { computeKpis } from '../../src/kpi/index.js';
import { HISTORY_COLUMNS, HISTORY_TABLES, type SqlValue } from '../../src/store/history-sql.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/schema.js';
import { at, scenarioReport, scenarioScans, T0 } from '../helpers/history.js';
import { BACKENDS, type Backend, open } from '../helpers/stores.js';

const records: ScanRecord[] = scenarioScans().map((scan) => scanRecord(scenarioReport(scan), scan.inventory));
const window = { since: T0, until: at(20).getTime() };

/** The columns each version added (absent before it), by table. */
const ADDED: Record<number, readonly `${string}.${string}`[]> = {
  2: ['scans.incomplete'],
  3: ['scans.round', 'scans.shard_index', 'scans.shard_count'],
  4: ['finding_changes.message'],
};

const literal = (value: SqlValue): string =>
  value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;

/** The scenario's history written at schema `version`: every row, with the columns it had then. */
async function oldHistory(backend: Backend, version: number, firstScans: number): Promise<string> {
  const current = await open(await backend.fresh());
  for (const r of records.slice(0, firstScans)) expect((await current.save(r)).ok).toBe(true);
  const statements: string[] = [];
  for await (const { table, row } of current.rows()) {
    const missing = new Set(
      Object.entries(ADDED).flatMap(([v, columns]) => (Number(v) > version ? columns : [])),
    );
    const columns = HISTORY_COLUMNS[table].filter((c) => !missing.has(`${table}.${c}`));
    statements.push(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => literal(row[c] ?? null)).join(', ')});`,
    );
  }
  await current.close();
  const target = await backend.fresh();
  const old = await open(target, { create: true, migrations: MIGRATIONS.slice(0, version) });
  expect(await old.schemaVersion()).toBe(version);
  await old.close();
  const identities =
    backend.name === 'postgres'
      ? HISTORY_TABLES.filter(({ order }) => order === 'id').map(
          ({ name }) =>
            `SELECT setval(pg_get_serial_sequence('${name}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${name}), false);`,
        )
      : [];
  await backend.exec(target, [...statements, ...identities].join('\n'));
  return target;
}

describe.each(BACKENDS)('a history of an older schema ($name)', (backend) => {
  it.each([1, 2, 3])(
    'schema %i: read as it is, the same KPIs; migrated by the next save, which builds on it',
    async (version) => {
      const kpisOf = async (list: readonly ScanRecord[], until: number) => {
        const reference = await open(await backend.fresh());
        for (const r of list) expect((await reference.save(r)).ok).toBe(true);
        const text = JSON.stringify(
          computeKpis(await reference.load({ ...window, until }), { window: { ...window, until } }),
        );
        await reference.close();
        return text;
      };
      const expected = await kpisOf(records, window.until);
      const fiveScans = await kpisOf(records.slice(0, 5), at(12).getTime());

      // The first five scans, written at the old schema.
      const target = await oldHistory(backend, version, 5);
      const reader = await open(target, { create: false, readOnly: true });
      expect(await reader.schemaVersion()).toBe(version);
      const asItIs = await reader.load({ ...window, until: at(12).getTime() });
      await reader.close();
      // No scan of it reads as a shard of a round (its columns absent, not NULL).
      expect(asItIs.scans.map((s) => s.shard)).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      expect(JSON.stringify(computeKpis(asItIs, { window: { ...window, until: at(12).getTime() } }))).toBe(
        fiveScans,
      );

      const writer = await open(target, { create: false });
      expect(await writer.schemaVersion()).toBe(SCHEMA_VERSION);
      expect((await writer.save(records[5]!)).ok).toBe(true);
      expect(JSON.stringify(computeKpis(await writer.load(window), { window }))).toBe(expected);
      await writer.close();
    },
  );
});
