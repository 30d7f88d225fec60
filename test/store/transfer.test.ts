/**
 * `history export` and `history import` on what could break them: a dump read line by line (a
 * FIFO, a line over the 16 MiB bound, a line of exactly the bound), a row too large for a dump
 * line refused at export, import batches bounded by bytes, a source that fails mid-copy named as
 * the source (never the target, never an internal error), and "the same history" told by
 * location, not by spelling.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { scanRecord } from '../../src/history/record.js';
import { DUMP_END_KIND, DUMP_KIND, DUMP_VERSION, MAX_DUMP_LINE } from '../../src/store/dump.js';
import {
  HISTORY_COLUMNS,
  IMPORT_BATCH_BYTES,
  IMPORT_BATCH_VALUES,
  insertRows,
  type Sql,
  type SqlValue,
} from '../../src/store/history-sql.js';
import { MIGRATIONS, migrationSql, SCHEMA_VERSION } from '../../src/store/schema.js';
import {
  historyIdentity,
  openHistory,
  redactTarget,
  sameHistory,
  type TableRow,
} from '../../src/store/store.js';
import { cutProxy } from '../helpers/cut-proxy.js';
import { scenarioReport, scenarioScans } from '../helpers/history.js';
import { memoryIo } from '../helpers/io.js';
import { adminQuery, freshDatabase, PG_PASSWORD, postgresUrl } from '../helpers/postgres.js';
import { open } from '../helpers/stores.js';

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-transfer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = (name: string) => join(dir, `${++files}-${name}`);

async function cli(args: string[]) {
  const io = memoryIo({ cwd: dir });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** A history of the scenario's first scans, saved through the store. */
async function history(target: string, count = 2): Promise<string> {
  const store = await open(target);
  for (const scan of scenarioScans().slice(0, count)) {
    const saved = await store.save(scanRecord(scenarioReport(scan), scan.inventory));
    expect(saved.ok).toBe(true);
  }
  await store.close();
  return target;
}

const header = JSON.stringify({
  kind: DUMP_KIND,
  dumpVersion: DUMP_VERSION,
  schemaVersion: SCHEMA_VERSION,
  toolVersion: '0.1.0',
});

/** The end line of a dump of `rows` rows. */
const endLine = (rows: number) => JSON.stringify({ kind: DUMP_END_KIND, rows });

/** A `states` row whose dump line is exactly `bytes` long (its body a JSON object: braces and spaces). */
function stateLine(id: number, bytes: number): string {
  const empty = JSON.stringify({ table: 'states', row: { id, type: 'cluster', hash: `h${id}`, body: '' } });
  return JSON.stringify({
    table: 'states',
    row: { id, type: 'cluster', hash: `h${id}`, body: `{${' '.repeat(bytes - empty.length - 2)}}` },
  });
}

async function scanCount(target: string): Promise<number> {
  const store = await open(target, { create: false, readOnly: true });
  try {
    return (await store.scans()).length;
  } finally {
    await store.close();
  }
}

describe('history import reads a dump line by line', () => {
  it('refuses a FIFO before reading it, without hanging or creating the target', async () => {
    const fifo = file('fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    const target = file('from-fifo.db');
    const r = await cli(['history', 'import', '--from', fifo, '--db', target]);
    expect([r.code, r.err]).toEqual([
      2,
      `hyperpod-cmk: ${fifo}: is not a regular file (a device, socket or pipe)\n  hint: pass --from a file written by \`history export --to FILE.jsonl\`\n`,
    ]);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a line over 16 MiB naming its number and length, and imports nothing', async () => {
    const dump = file('long.jsonl');
    const long = MAX_DUMP_LINE + 1;
    writeFileSync(dump, `${header}\n${stateLine(1, 100)}\n${stateLine(2, long)}\n${stateLine(3, 100)}\n`);
    const target = file('long.db');
    const r = await cli(['history', 'import', '--from', dump, '--db', target]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `hyperpod-cmk: ${dump}:3: the line is ${long} bytes long; a dump line may be at most ${MAX_DUMP_LINE} bytes (16 MiB)\n` +
        '  hint: a dump is written by `hyperpod-cmk history export --to FILE.jsonl`, whose lines are never longer; nothing was imported\n',
    );
    // The import created the file, and takes it back: no empty history is left where there was none.
    expect(['', '-wal', '-shm'].map((suffix) => existsSync(`${target}${suffix}`))).toEqual([
      false,
      false,
      false,
    ]);

    // Into a history that was there, empty: it stays, as it was.
    const existing = file('existing-empty.db');
    const opened = await openHistory(existing, { create: true });
    if (!opened.ok) throw new Error(opened.error.message);
    await opened.value.close();
    const again = await cli(['history', 'import', '--from', dump, '--db', existing]);
    expect(again.code).toBe(2);
    const db = new Database(existing, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM states').get()).toEqual({ n: 0 });
    db.close();

    // A file the import created but another process saved a scan into before the import began:
    // the import is refused (not empty), and the file, now that process's history, stays.
    const raced = file('raced.db');
    const importer = await openHistory(raced, { create: true });
    if (!importer.ok) throw new Error(importer.error.message);
    await history(raced, 1);
    const refused = await importer.value.importRows(
      (async function* () {
        yield { table: 'states', row: { id: 1, type: 'cluster', hash: 'h', body: '{}' } } as TableRow;
      })(),
    );
    expect(refused.ok).toBe(false);
    await importer.value.close();
    expect(await scanCount(raced)).toBe(1);

    // A dump that imports leaves its history, of course.
    const good = file('good.jsonl');
    writeFileSync(good, `${header}\n${stateLine(1, 100)}\n${endLine(1)}\n`);
    const kept = file('kept.db');
    expect((await cli(['history', 'import', '--from', good, '--db', kept])).code).toBe(0);
    const back = new Database(kept, { readonly: true });
    expect(back.prepare('SELECT count(*) AS n FROM states').get()).toEqual({ n: 1 });
    back.close();
  }, 60_000);

  it('counts a long line to its end without a newline at the end of the file, and reads a line of exactly 16 MiB', async () => {
    const dump = file('unterminated.jsonl');
    const long = 40 * 1024 * 1024;
    writeFileSync(dump, `${header}\n${'y'.repeat(long)}`);
    const r = await cli(['history', 'import', '--from', dump, '--db', file('unterminated.db')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${dump}:2: the line is ${long} bytes long;`);

    const exact = file('exact.jsonl');
    writeFileSync(exact, `${header}\r\n${stateLine(1, MAX_DUMP_LINE)}\r\n${endLine(1)}\r\n`);
    const target = file('exact.db');
    const ok = await cli(['history', 'import', '--from', exact, '--db', target]);
    expect([ok.code, ok.err]).toEqual([0, `hyperpod-cmk: copied 0 scans (1 rows) into ${target}\n`]);
    const db = new Database(target, { readonly: true });
    expect(db.prepare('SELECT length(body) AS n FROM states').get()).toEqual({
      n: MAX_DUMP_LINE - '{"table":"states","row":{"id":1,"type":"cluster","hash":"h1","body":""}}'.length,
    });
    db.close();
  }, 60_000);

  it('does not read the dump through readFile (whole), and refuses a line that is not UTF-8 by number', async () => {
    const source = await history(file('small.db'), 1);
    const dump = file('small.jsonl');
    expect((await cli(['history', 'export', '--db', source, '--to', dump])).code).toBe(0);
    const io = memoryIo({ cwd: dir });
    io.readFile = () => {
      throw new Error('the dump was read whole');
    };
    const target = file('streamed.db');
    expect(await runCli(['history', 'import', '--from', dump, '--db', target], io)).toBe(0);
    expect(await scanCount(target)).toBe(1);

    const latin = file('latin1.jsonl');
    writeFileSync(
      latin,
      Buffer.concat([
        Buffer.from(`${header}\n{"table":"states","row":{"body":"`),
        Buffer.from([0xe9]),
        Buffer.from('"}}\n'),
      ]),
    );
    const r = await cli(['history', 'import', '--from', latin, '--db', file('latin1.db')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`hyperpod-cmk: ${latin}:2: is not UTF-8 text\n`);
  });
});

describe('history export writes no line that import would refuse', () => {
  it('refuses a row over 16 MiB as a dump line, naming the row, writing nothing; a database target takes it', async () => {
    const source = await history(file('big.db'), 1);
    const db = new Database(source);
    const big = `"${'z'.repeat(MAX_DUMP_LINE)}"`;
    db.prepare('UPDATE states SET body = ? WHERE id = 1').run(big);
    db.close();
    const dump = file('big.jsonl');
    const r = await cli(['history', 'export', '--db', source, '--to', dump]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      new RegExp(
        `^hyperpod-cmk: ${source}: its states row \\(id 1\\) takes \\d+ bytes as a dump line, over the ${MAX_DUMP_LINE} bytes \\(16 MiB\\) \`history import\` reads: nothing was exported\n  hint: export it to a SQLite file or a PostgreSQL database instead`,
      ),
    );
    expect(existsSync(dump)).toBe(false);

    const copy = file('big-copy.db');
    expect((await cli(['history', 'export', '--db', source, '--to', copy])).code).toBe(0);
    const back = new Database(copy, { readonly: true });
    expect(back.prepare('SELECT body = ? AS same FROM states WHERE id = 1').get(big)).toEqual({ same: 1 });
    back.close();
  }, 60_000);
});

describe('history import batches', () => {
  /** The shared SQL on a real SQLite history, recording each statement's parameters. */
  function recording(): { sql: Sql; statements: SqlValue[][]; db: Database.Database } {
    const db = new Database(':memory:');
    for (const migration of MIGRATIONS) db.exec(migrationSql(migration.sql, 'sqlite'));
    const statements: SqlValue[][] = [];
    return {
      db,
      statements,
      sql: {
        all: async <T>(text: string, params: readonly SqlValue[] = []) =>
          db.prepare(text).all(...params) as T[],
        run: async (text: string, params: readonly SqlValue[] = []) => {
          statements.push([...params]);
          db.prepare(text).run(...params);
        },
        insert: () => Promise.reject(new Error('imports write through run')),
      },
    };
  }
  const bytes = (params: readonly SqlValue[]) =>
    params.reduce<number>((sum, v) => sum + (typeof v === 'string' ? Buffer.byteLength(v) : 8), 0);
  async function* states(sizes: number[]): AsyncIterable<TableRow> {
    for (const [index, size] of sizes.entries())
      yield {
        table: 'states',
        row: { id: index + 1, type: 'cluster', hash: `h${index}`, body: 'é'.repeat(size / 2) },
      };
  }

  it('are bounded by bytes as well as by count; a row over the bound goes alone', async () => {
    const { sql, statements, db } = recording();
    const MiB = 1024 * 1024;
    const sizes = [MiB, MiB, MiB, MiB, MiB, 5 * MiB, MiB, 2 * MiB];
    expect(await insertRows(sql, states(sizes))).toEqual({ rows: 8, scans: 0 });
    const perStatement = statements.map((params) => params.length / HISTORY_COLUMNS.states.length);
    expect(perStatement).toEqual([3, 2, 1, 2]);
    for (const [index, params] of statements.entries())
      if (perStatement[index]! > 1) expect(bytes(params)).toBeLessThanOrEqual(IMPORT_BATCH_BYTES);
    expect(db.prepare('SELECT count(*) AS n, sum(length(body)) AS chars FROM states').get()).toEqual({
      n: 8,
      chars: sizes.reduce((a, b) => a + b / 2, 0),
    });
  });

  it('are bounded by count for small rows', async () => {
    const { sql, statements } = recording();
    expect(await insertRows(sql, states(Array.from({ length: 2500 }, () => 2)))).toEqual({
      rows: 2500,
      scans: 0,
    });
    const width = HISTORY_COLUMNS.states.length;
    const per = Math.floor(IMPORT_BATCH_VALUES / width);
    expect(statements.map((p) => p.length / width)).toEqual([per, per, 2500 - 2 * per]);
  });
});

describe('a source that fails mid-copy is named as the source', () => {
  const damagedHint = '  hint: the file was changed by hand or is damaged';

  it('SQLite: to a dump, to a SQLite file, and as the source of an import', async () => {
    const source = await history(file('damaged.db'));
    const db = new Database(source);
    db.exec('DROP TABLE access_denied');
    db.close();
    for (const args of [
      ['history', 'export', '--db', source, '--to', file('damaged.jsonl')],
      ['history', 'export', '--db', source, '--to', file('damaged-copy.db')],
      ['history', 'import', '--from', source, '--db', file('damaged-import.db')],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toBe(
        `hyperpod-cmk: ${source}: cannot be read: no such table: access_denied\n${damagedHint}: restore it from a backup, or pass --db a new file to start a new history\n`,
      );
    }
  });

  it('PostgreSQL: exported to SQLite, named with its password hidden', async () => {
    const source = await history(await freshDatabase(postgresUrl(), 'src'));
    await adminQuery(source, 'DROP TABLE access_denied');
    const target = file('from-pg.db');
    const r = await cli(['history', 'export', '--db', source, '--to', target]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `hyperpod-cmk: ${redactTarget(source)}: cannot be read: relation "access_denied" does not exist\n  hint: the database was changed by hand or is damaged: restore it from a backup, or pass --db a new database to start a new history\n`,
    );
    expect(r.err).not.toContain(PG_PASSWORD);
    // The SQLite file the export created is taken back: no empty history is left behind.
    expect(existsSync(target)).toBe(false);
  }, 60_000);
});

describe('a PostgreSQL source whose connection is cut mid-export', () => {
  it('is named (password hidden) with the fix, to a dump and to a SQLite file, never an internal error', async () => {
    const source = await history(await freshDatabase(postgresUrl(), 'cutsrc'));
    const proxy = await cutProxy(Number(new URL(postgresUrl()).port), 'access_denied ORDER BY');
    const through = new URL(source);
    through.port = String(proxy.port);
    try {
      for (const to of [file('cut.jsonl'), file('cut.db')]) {
        const r = await cli(['history', 'export', '--db', through.toString(), '--to', to]);
        expect(r.code, to).toBe(2);
        expect(r.err, to).toMatch(
          new RegExp(
            `^hyperpod-cmk: ${redactTarget(through.toString()).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: lost the connection to the database: .+\n  hint: check that the server is up and reachable, then run the command again\n$`,
          ),
        );
        expect(r.err, to).not.toContain(PG_PASSWORD);
      }
      expect(proxy.cuts()).toBe(2);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});

describe('the same history, however it is written', () => {
  let pg: string;
  beforeAll(async () => {
    pg = await history(await freshDatabase(postgresUrl(), 'same'), 1);
  }, 60_000);

  it('is refused as its own target: sqlite: prefix, relative path, dot segments, a symlink', async () => {
    const sub = join(dir, 'same');
    mkdirSync(sub);
    const db = await history(join(sub, 'a.db'), 1);
    symlinkSync(db, join(sub, 'link.db'));
    const refused = (flag: '--to' | '--from', what: string) =>
      `hyperpod-cmk: ${flag}: is the history being ${what}\n  hint: pass another ${flag === '--to' ? 'target' : 'source'}\n`;
    for (const to of [
      `sqlite:${db}`,
      relative(dir, db),
      join(sub, '..', 'same', '.', 'a.db'),
      join(sub, 'link.db'),
    ]) {
      const r = await cli(['history', 'export', '--db', db, '--to', to]);
      expect([r.code, r.err], to).toEqual([2, refused('--to', 'exported')]);
      const i = await cli(['history', 'import', '--from', to, '--db', `sqlite:${db}`]);
      expect([i.code, i.err], to).toEqual([2, refused('--from', 'imported into')]);
    }
    expect(await scanCount(db)).toBe(1);
  });

  it('is refused for PostgreSQL URLs differing in password, scheme spelling, default port, host case or parameter order', async () => {
    const url = new URL(pg);
    url.searchParams.set('application_name', 'x');
    url.searchParams.set('connect_timeout', '5');
    const base = url.toString();
    const variants = [
      base.replace(`:${PG_PASSWORD}@`, ':another-pw@'),
      base.replace(/^postgres:/, 'postgresql:'),
      base.replace('application_name=x&connect_timeout=5', 'connect_timeout=5&application_name=x'),
    ];
    for (const to of variants) {
      const r = await cli(['history', 'export', '--db', base, '--to', to]);
      expect([r.code, r.err], redactTarget(to)).toEqual([
        2,
        'hyperpod-cmk: --to: is the history being exported\n  hint: pass another target\n',
      ]);
    }
    const dbName = url.pathname.slice(1);
    expect(
      sameHistory(
        `postgres://ana:one@DB.internal/${dbName}?sslmode=require&a=1`,
        `postgresql://ana:two@db.internal:5432/${dbName}?a=1&sslmode=require&password=x`,
      ),
    ).toBe(true);
    expect(sameHistory('postgres://ana@db/h', 'postgres://ana@db:5433/h')).toBe(false);
    expect(sameHistory('postgres://ana@db/h', 'postgres://bob@db/h')).toBe(false);
    expect(sameHistory('postgres://ana@db/h', 'postgres://ana@db/h2')).toBe(false);
    expect(sameHistory('postgres://ana@db/h?sslmode=require', 'postgres://ana@db/h?sslmode=disable')).toBe(
      false,
    );
    expect(historyIdentity('postgres://ana:pw@db/h')).not.toContain('pw');
  });

  it('tells different files apart', () => {
    expect(sameHistory('/a/b.db', 'sqlite:/a/b.db/')).toBe(true);
    expect(sameHistory('/a/b.db', '/a/c.db')).toBe(false);
    expect(sameHistory('/a/b.db', 'sqlite:/a/b/c/../../b.db')).toBe(true);
  });
});
