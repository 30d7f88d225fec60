/**
 * A real PostgreSQL server for the history tests (never a mock): Debian's `postgresql` package,
 * installed when missing (the suite runs as root on a fresh machine; like chromium.ts), `initdb`
 * into a temporary directory, listening on 127.0.0.1 on a free port, stopped and removed at the
 * end. PostgreSQL refuses to run as root: as root, initdb and the server run as the `postgres`
 * user. One server per test run (`startPostgres` from the integration tier's global setup); each
 * test file asks for a database of its own (`freshDatabase`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    postgresError: string;
  }
}

/** The test server's admin URL; fails the calling test file loudly, with the reason, when it could not start. */
export function postgresUrl(): string {
  const error = inject('postgresError');
  if (error) throw new Error(error);
  return inject('postgresUrl');
}

export const PG_USER = 'hpcmk';
export const PG_PASSWORD = 's3cret-pw';

export interface PostgresServer {
  /** The server's admin URL (database `postgres`), with the password. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/** The server's binaries; installs Debian's postgresql when they are missing, or throws saying why not. */
export function ensurePostgres(): string {
  const found = binDir();
  if (found) return found;
  if (process.getuid?.() !== 0)
    throw new Error(
      'PostgreSQL is missing (/usr/lib/postgresql/*/bin/initdb) and the tests are not running as root: install it with `apt-get install -y postgresql`',
    );
  process.stderr.write('hyperpod-cmk tests: installing Debian postgresql for the history tests (apt-get)…\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'postgresql']]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0)
      throw new Error(
        `apt-get ${args.join(' ')} failed (exit ${result.status}): ${result.stderr.slice(-2000)}`,
      );
  }
  const installed = binDir();
  if (!installed)
    throw new Error('apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb is there');
  return installed;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Runs a server binary, as the postgres user when we are root. */
function asServerUser(bin: string, args: string[]): { status: number | null; output: string } {
  const root = process.getuid?.() === 0;
  const [command, argv] = root ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const result = spawnSync(command, argv, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: tmpdir(),
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = ensurePostgres();
  const dir = mkdtempSync(join(tmpdir(), 'hpcmk-pg-'));
  const data = join(dir, 'data');
  const root = process.getuid?.() === 0;
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${PG_PASSWORD}\n`, { mode: 0o644 });
  const init = asServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    PG_USER,
    `--pwfile=${pwfile}`,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${init.status}): ${init.output.slice(-2000)}`);
  }
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const started = asServerUser(join(bin, 'pg_ctl'), [
      'start',
      '-w',
      '-t',
      '60',
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
    ]);
    if (started.status !== 0) {
      lastError = `${started.output}\n${existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000) : ''}`;
      continue;
    }
    const url = `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/postgres`;
    return {
      url,
      port,
      stop: async () => {
        asServerUser(join(bin, 'pg_ctl'), ['stop', '-m', 'immediate', '-D', data]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`PostgreSQL did not start: ${lastError.slice(-3000)}`);
}

let databases = 0;

/** A new, empty database on the test server; its URL (with the password). */
export async function freshDatabase(serverUrl: string, prefix = 'h'): Promise<string> {
  const name = `${prefix}_${process.pid}_${++databases}_${Date.now().toString(36)}`.toLowerCase();
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement on a database (by URL), returning its rows. */
export async function adminQuery<T = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
