/**
 * The CLI on a PostgreSQL history: `--db postgres://` and $HYPERPOD_CMK_DB give the same `history`,
 * `kpi` and `report --html` as SQLite; `history export`/`import` move a history between them and
 * through a JSON Lines dump; a database that cannot be reached, refuses the password or does not
 * exist, or a connection lost mid-save, is exit 2 with a message naming the database with its
 * password hidden, and nothing of that scan in the database.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { scanRecord } from '../../src/history/record.js';
import { serializeSnapshot } from '../../src/model/snapshot.js';
import { SCHEMA_VERSION } from '../../src/store/schema.js';
import { redactTarget } from '../../src/store/store.js';
import { cutProxy } from '../helpers/cut-proxy.js';
import { at, SCENARIO_CONFIG, scenarioReport, scenarioScans } from '../helpers/history.js';
import { memoryIo } from '../helpers/io.js';
import { adminQuery, freshDatabase, PG_PASSWORD, postgresUrl } from '../helpers/postgres.js';
import { open } from '../helpers/stores.js';

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-pg-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, 'hyperpod-cmk.yaml');
const scans = scenarioScans();
const snapshots = scans.map((scan) => {
  const file = join(dir, `day-${scan.day}.json`);
  writeFileSync(file, serializeSnapshot(scan.inventory));
  return { day: scan.day, file };
});
const NOW = at(20).toISOString();

async function cli(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ cwd: dir, env });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

const evaluate = (day: number, file: string, db: string[] = [], env: Record<string, string> = {}) =>
  cli(['evaluate', file, '--config', config, '--now', at(day).toISOString(), '--format', 'json', ...db], env);

/** What the readers print, the database's own name taken out. */
async function readings(db: string) {
  const history = await cli(['history', '--db', db, '--format', 'json']);
  const table = await cli(['history', '--db', db]);
  const kpi = await cli(['kpi', '--db', db, '--now', NOW, '--since', '2026-10-01', '--format', 'json']);
  const kpiTable = await cli(['kpi', '--db', db, '--now', NOW, '--since', '2026-10-01']);
  const html = join(dir, `report-${Math.random().toString(36).slice(2)}.html`);
  const report = await cli(['report', '--db', db, '--now', NOW, '--since', '2026-10-01', '--html', html]);
  for (const r of [history, table, kpi, kpiTable, report])
    expect([r.code, r.err.includes('error')]).toEqual([0, false]);
  const listed = JSON.parse(history.out) as { database: string; scans: unknown[] };
  expect(listed.database).toBe(redactTarget(db));
  return {
    history: { ...listed, database: 'DB' },
    table: table.out.split(redactTarget(db)).join('DB'),
    kpi: JSON.parse(kpi.out),
    kpiTable: kpiTable.out,
    html: readFileSync(html, 'utf8'),
  };
}

let sqliteDb: string;
let pgDb: string;
beforeAll(async () => {
  writeFileSync(config, stringify(SCENARIO_CONFIG));
  sqliteDb = join(dir, 'history.db');
  pgDb = await freshDatabase(postgresUrl(), 'cli');
  for (const { day, file } of snapshots) {
    const local = await evaluate(day, file, ['--db', sqliteDb]);
    // The PostgreSQL history from the environment, as a team's CI would set it.
    const shared = await evaluate(day, file, [], { HYPERPOD_CMK_DB: pgDb });
    for (const r of [local, shared]) {
      expect(r.err).toBe('');
      expect([0, 1]).toContain(r.code);
    }
    expect(shared.out).toBe(local.out);
  }
}, 120_000);

describe('a PostgreSQL history through the CLI', () => {
  it('gives the same history, kpi and report --html as SQLite', async () => {
    const local = await readings(sqliteDb);
    const shared = await readings(pgDb);
    expect(shared).toEqual(local);
    expect(shared.history.scans).toHaveLength(6);
    expect(shared.kpi.remediation.mttr.find((m: { group: string }) => m.group === 'all')).toMatchObject({
      fixed: 2,
      resourceGone: 1,
    });
    // The password is in the URL given, never in what is printed.
    expect(JSON.stringify(shared)).not.toContain(PG_PASSWORD);
  }, 120_000);

  it('moves a history SQLite -> PostgreSQL -> JSON Lines -> SQLite with identical results', async () => {
    const before = await readings(sqliteDb);
    const pg = await freshDatabase(postgresUrl(), 'moved');
    const toPg = await cli(['history', 'export', '--db', sqliteDb, '--to', pg]);
    expect([toPg.code, toPg.err]).toEqual([
      0,
      `hyperpod-cmk: copied 6 scans (${countRows(toPg.err)} rows) into ${redactTarget(pg)}\n`,
    ]);
    const dump = join(dir, 'moved.jsonl');
    const toFile = await cli(['history', 'export', '--db', pg, '--to', dump]);
    expect(toFile.code).toBe(0);
    expect(toFile.err).toMatch(/^hyperpod-cmk: exported 6 scans \(\d+ rows\) to .*moved\.jsonl\n$/);
    const lines = readFileSync(dump, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      kind: 'hyperpod-cmk-history',
      dumpVersion: 2,
      schemaVersion: SCHEMA_VERSION,
    });
    expect(lines.filter((l) => l.startsWith('{"table":"scans"'))).toHaveLength(6);
    const back = join(dir, 'back.db');
    const fromFile = await cli(['history', 'import', '--from', dump, '--db', back]);
    expect([fromFile.code, fromFile.err]).toEqual([
      0,
      `hyperpod-cmk: copied 6 scans (${lines.length - 2} rows) into ${back}\n`,
    ]);
    expect(await readings(pg)).toEqual(before);
    expect(await readings(back)).toEqual(before);

    // A history with scans is never merged into.
    const again = await cli(['history', 'import', '--from', dump, '--db', pg]);
    expect(again.code).toBe(2);
    expect(again.err).toBe(
      `hyperpod-cmk: ${redactTarget(pg)}: already holds scans: a history is imported only into an empty one\n  hint: import into a new file or an empty database, then point --db at it\n`,
    );
    // New scans continue after the copied ids.
    const next = await evaluate(21, snapshots[5]!.file, ['--db', pg]);
    expect(next.err).toBe('');
    const listed = JSON.parse((await cli(['history', '--db', pg, '--format', 'json'])).out) as {
      scans: { id: number }[];
    };
    expect(listed.scans.map((s) => s.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  }, 120_000);

  it('refuses a dump line that is not a history row, naming the line, and imports nothing', async () => {
    const dump = join(dir, 'good.jsonl');
    expect((await cli(['history', 'export', '--db', sqliteDb, '--to', dump])).code).toBe(0);
    const lines = readFileSync(dump, 'utf8').trimEnd().split('\n');
    const cases: [string, string[], string][] = [
      [
        'an unknown column',
        [...lines.slice(0, 3), lines[3]!.replace('"row":{', '"row":{"evil":1,'), ...lines.slice(4)],
        ':4: is not a valid',
      ],
      [
        'an unknown table',
        [...lines.slice(0, 2), '{"table":"pg_authid","row":{}}', ...lines.slice(2)],
        ':3: is not a row of a history table',
      ],
      ['no header', lines.slice(1), ':1: does not start with a hyperpod-cmk-history header'],
      [
        'a newer schema',
        [lines[0]!.replace(`"schemaVersion":${SCHEMA_VERSION}`, '"schemaVersion":99'), ...lines.slice(1)],
        `:1: was exported from a newer hyperpod-cmk (history schema 99, this version knows ${SCHEMA_VERSION})`,
      ],
      ['not JSON', [...lines.slice(0, 5), '{"table":', ...lines.slice(5)], ':6: is not JSON'],
    ];
    for (const [name, content, message] of cases) {
      const bad = join(dir, `bad-${name.replace(/\W+/g, '-')}.jsonl`);
      writeFileSync(bad, `${content.join('\n')}\n`);
      const pg = await freshDatabase(postgresUrl(), 'bad');
      const r = await cli(['history', 'import', '--from', bad, '--db', pg]);
      expect(r.code, name).toBe(2);
      expect(r.err, name).toContain(`hyperpod-cmk: ${bad}${message}`);
      expect(r.err).not.toContain('internal error');
      const [count] = await adminQuery<{ n: number }>(pg, 'SELECT count(*)::int AS n FROM scans');
      expect(count!.n, name).toBe(0);
    }
  }, 120_000);
});

function countRows(text: string): string {
  return /\((\d+) rows\)/.exec(text)?.[1] ?? 'none';
}

describe('a PostgreSQL history that cannot be used', () => {
  const server = () => new URL(postgresUrl());

  it('a refused connection, a wrong password, an unknown database: exit 2, the database named, the password hidden', async () => {
    const wrong = new URL(postgresUrl());
    wrong.password = 'not-the-password';
    wrong.pathname = '/postgres';
    const unknown = new URL(postgresUrl());
    unknown.pathname = '/no_such_db';
    const closed = new URL(postgresUrl());
    closed.port = '1';
    const cases: [string, string, string][] = [
      [
        closed.toString(),
        `cannot connect: 127.0.0.1:1 refused the connection`,
        'check that PostgreSQL is running there, and the host and port in the URL',
      ],
      [
        wrong.toString(),
        `authentication failed for user "${server().username}"`,
        'check the user and password (in the URL, or PGPASSWORD, or ~/.pgpass) and pg_hba.conf',
      ],
      [
        unknown.toString(),
        'database "no_such_db" does not exist',
        'create it first (createdb no_such_db), or fix the database name in the URL',
      ],
    ];
    for (const [url, message, hint] of cases) {
      const redacted = url.replace(/:[^:@/]+@/, ':***@');
      expect(redactTarget(url)).toBe(redacted);
      for (const args of [
        ['history', '--db', url],
        ['kpi', '--db', url, '--now', NOW],
        ['evaluate', snapshots[0]!.file, '--config', config, '--db', url, '--format', 'json'],
      ]) {
        const r = await cli(args);
        expect(r.code, `${args[0]} ${url}`).toBe(2);
        expect(r.err, args[0]).toBe(`hyperpod-cmk: ${redacted}: ${message}\n  hint: ${hint}\n`);
        expect(r.err).not.toContain(PG_PASSWORD);
        expect(r.err).not.toContain('not-the-password');
      }
    }
  }, 60_000);

  it("a database that is not a history, or another application's, is named as such", async () => {
    const empty = await freshDatabase(postgresUrl(), 'empty');
    const r = await cli(['kpi', '--db', empty, '--now', NOW]);
    expect([r.code, r.err]).toEqual([
      2,
      `hyperpod-cmk: ${redactTarget(empty)}: holds no hyperpod-cmk history yet\n  hint: run \`hyperpod-cmk scan\` or \`hyperpod-cmk evaluate\` with this --db first (they save to history)\n`,
    ]);
    const foreign = await freshDatabase(postgresUrl(), 'foreign');
    await adminQuery(foreign, 'CREATE TABLE scans (id INTEGER)');
    const s = await evaluate(0, snapshots[0]!.file, ['--db', foreign]);
    expect(s.code).toBe(2);
    expect(s.err).toContain(`hyperpod-cmk: ${redactTarget(foreign)}: holds tables of another application`);
  });

  it('a connection cut mid-save: the report is out, exit 2, and nothing of that scan is in the database', async () => {
    const db = await freshDatabase(postgresUrl(), 'cut');
    const first = await evaluate(0, snapshots[0]!.file, ['--db', db]);
    expect(first.err).toBe('');
    const tables = [
      'scans',
      'resources',
      'states',
      'observations',
      'scan_tallies',
      'key_spans',
      'findings',
      'episodes',
      'access_denied',
    ];
    const counts = async () =>
      Promise.all(
        tables.map(
          async (t) => (await adminQuery<{ n: number }>(db, `SELECT count(*)::int AS n FROM ${t}`))[0]!.n,
        ),
      );
    const before = await counts();
    // Cut when the save sends its observations: the scan row, its resources and states are written by then.
    const proxy = await cutProxy(Number(server().port), 'INSERT INTO observations');
    const through = new URL(db);
    through.port = String(proxy.port);
    try {
      const r = await evaluate(2, snapshots[1]!.file, ['--db', through.toString()]);
      expect(proxy.cuts()).toBe(1);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.out)).toMatchObject({ schemaVersion: 1 });
      expect(r.err).toMatch(
        new RegExp(
          `^hyperpod-cmk: ${regexSafe(redactTarget(through.toString()))}: lost the connection to the database while saving: .+; nothing of this scan was saved\\n  hint: the report itself is complete; save again later, or pass --no-save\\n$`,
        ),
      );
      expect(r.err).not.toContain(PG_PASSWORD);
    } finally {
      await proxy.close();
    }
    expect(await counts()).toEqual(before);
    // The same scan saves in full once the connection is back.
    const retried = await evaluate(2, snapshots[1]!.file, ['--db', db]);
    expect(retried.err).toBe('');
    expect((await counts())[0]).toBe(2);
  }, 60_000);

  it('a backend terminated mid-save (pg_terminate_backend): the save fails, nothing of it is kept', async () => {
    const db = await freshDatabase(postgresUrl(), 'terminated');
    const store = await open(db);
    const [r0, r1] = [scans[0]!, scans[1]!].map((s) => scanRecord(scenarioReport(s), s.inventory));
    expect((await store.save(r0!)).ok).toBe(true);
    const saved = await store.save(r1!, {
      midSave: async () => {
        await adminQuery(
          db,
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hyperpod-cmk' AND datname = current_database()",
        );
      },
    });
    expect(saved.ok).toBe(false);
    if (!saved.ok) {
      expect(saved.error.input).toBe(redactTarget(db));
      expect(saved.error.message).toMatch(
        /^lost the connection to the database while saving: .+; nothing of this scan was saved$/,
      );
    }
    await store.close();
    const [count] = await adminQuery<{ n: number }>(db, 'SELECT count(*)::int AS n FROM scans');
    expect(count!.n).toBe(1);
    const reopened = await open(db, { create: false });
    expect((await reopened.scans()).map((s) => s.at)).toEqual([at(0).getTime()]);
    await reopened.close();
  });
});

const regexSafe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
