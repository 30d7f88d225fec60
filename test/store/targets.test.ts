/**
 * What `--db` names: a path or `sqlite:PATH` (SQLite), a `postgres://` or `postgresql://` URL
 * (PostgreSQL), any other URL refused; and every URL printed with its password hidden.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyTarget } from '../../src/cli/history.js';
import { runCli } from '../../src/cli/main.js';
import {
  HistoryUnreadable,
  isPostgresTarget,
  isUrlTarget,
  passwordHider,
  redactTarget,
  sqlitePath,
} from '../../src/store/store.js';
import { memoryIo } from '../helpers/io.js';

describe('history targets', () => {
  it.each([
    ['postgres://ana:s3cret@db.internal:5432/history', 'postgres://ana:***@db.internal:5432/history'],
    ['postgresql://ana:p%40ss%3Aword@db/history', 'postgresql://ana:***@db/history'],
    ['POSTGRES://ana:s3cret@db/history', 'postgres://ana:***@db/history'],
    ['postgres://ana@db/history', 'postgres://ana@db/history'],
    [
      'postgres://db/history?sslmode=require&password=s3cret',
      'postgres://db/history?sslmode=require&password=***',
    ],
    ['mysql://root:s3cret@db/history', 'mysql://root:***@db/history'],
    ['postgres://ana:s3cret@[::1/history', 'postgres://***@[::1/history'],
    ['/home/ana/history.db', '/home/ana/history.db'],
    ['sqlite:/home/ana/history.db', 'sqlite:/home/ana/history.db'],
  ])('%s is printed as %s', (target, printed) => {
    expect(redactTarget(target)).toBe(printed);
    expect(redactTarget(target)).not.toContain('s3cret');
  });

  it('tells PostgreSQL URLs from SQLite paths', () => {
    expect(
      ['postgres://h/d', 'postgresql://h/d', 'Postgres://h/d', 'sqlite:/a.db', '/a.db', 'postgres.db'].map(
        isPostgresTarget,
      ),
    ).toEqual([true, true, true, false, false, false]);
    expect(sqlitePath('sqlite:/a/b.db')).toBe('/a/b.db');
    expect(sqlitePath('SQLite:rel.db')).toBe('rel.db');
    expect(sqlitePath('/a/b.db')).toBe('/a/b.db');
  });

  it('refuses a URL of another database, password hidden, exit 2, without creating a file', async () => {
    const io = memoryIo({ cwd: '/nonexistent-cwd' });
    const code = await runCli(['history', '--db', 'mysql://root:s3cret@db/history'], io);
    expect(code).toBe(2);
    expect(io.err()).toBe(
      'hyperpod-cmk: mysql://root:***@db/history: is not a history database this version can open\n' +
        '  hint: pass --db a file path, sqlite:PATH or postgres://USER@HOST/DATABASE\n',
    );
  });

  it.each([
    [
      'postgres://ana:p%40ss%2Fw0rd@db/h',
      'auth failed for p@ss/w0rd (p%40ss%2Fw0rd)',
      'auth failed for *** (***)',
    ],
    ['postgres://db/h?password=qu3ry-secret', 'bad password qu3ry-secret', 'bad password ***'],
    ['postgres://ana@db/h', 'no password here', 'no password here'],
    ['not a url', 'not a url', 'not a url'],
    [
      'postgres://ana:pw@db/h',
      'a two-letter password is not hidden: pw',
      'a two-letter password is not hidden: pw',
    ],
  ])('hides the password of %s in a driver message, decoded or encoded', (target, text, hidden) => {
    expect(passwordHider(target)(text)).toBe(hidden);
  });

  it.each(['postgres://u%zz:pw@127.0.0.1:1/db', 'postgres://u:pw@127.0.0.1:1/d%zz'])(
    'a --db URL with a malformed %% escape (%s) is exit 2 with the URL, never an internal error',
    async (target) => {
      const io = memoryIo();
      const code = await runCli(['history', '--db', target], io);
      expect(code).toBe(2);
      expect(io.err()).toContain('hyperpod-cmk: postgres://');
      expect(io.err()).not.toContain('internal error');
      expect(io.err()).not.toContain(':pw@');
    },
  );

  it('is told a URL by one test, and refused by one class of thrown input error', async () => {
    const { InputRejected } = await import('../../src/model/input-error.js');
    const { CliInputError } = await import('../../src/cli/errors.js');
    const dump = await import('../../src/store/dump.js');
    expect(HistoryUnreadable).toBe(InputRejected);
    expect(CliInputError).toBe(InputRejected);
    expect(Object.keys(dump)).not.toContain('DumpInvalid');
    // One test of "is a URL", a one-letter scheme (a Windows drive) not one, wherever targets are read.
    expect(
      ['postgres://h/d', 'mysql://h/d', 'a+b.c-d://x', 'c://x', '/a.db', 'sqlite:/a.db'].map(isUrlTarget),
    ).toEqual([true, true, true, false, false, false]);
    expect(historyTarget(memoryIo({ cwd: '/w' }), 'c://x')).toBe('/w/c:/x');
    expect(historyTarget(memoryIo({ cwd: '/w' }), 'mysql://h/d')).toBe('mysql://h/d');
    const sources = readdirSync('src', { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join('src', f), 'utf8'));
    const count = (pattern: RegExp) => sources.reduce((n, text) => n + (text.match(pattern)?.length ?? 0), 0);
    expect(count(/\[a-z\]\[a-z0-9\+\.-\]\+:/g)).toBe(1);
    expect(count(/class \w+ extends Error \{\s*constructor\(readonly detail: InputError\)/g)).toBe(1);
  });
});
