/**
 * Writes stay where the user said: guardrails file names built from hostile snapshot values stay
 * inside --out, a symlink planted in --out is never written through, and a report written with -o
 * is replaced whole or not at all.
 */
import * as fs from 'node:fs';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config/schema.js';
import { writeFileAtomic, writeFileAtomicStreamed } from '../../src/files/write.js';
import { generateGuardrails } from '../../src/guardrails/index.js';
import { pathSegment } from '../../src/guardrails/paths.js';
import { serializeSnapshot } from '../../src/model/snapshot.js';
import {
  ACCOUNT,
  cluster,
  compliantEstate,
  EXEC_ROLE,
  group,
  key,
  NOW,
  roleArn,
  rootVolume,
} from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';

/** A failure injected into the writer's data writes (disk full), switched on per test. */
const inject = vi.hoisted(() => ({ failWrites: false }));
vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  return {
    ...real,
    writeSync: ((...args: Parameters<typeof real.writeSync>) => {
      if (inject.failWrites)
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return (real.writeSync as (...a: unknown[]) => number)(...args);
    }) as typeof real.writeSync,
  };
});
afterEach(() => {
  inject.failWrites = false;
});

const tmp = (prefix: string) => realpathSync(mkdtempSync(join(tmpdir(), prefix)));

/** Every file and symlink under `dir`, relative to it. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

describe('pathSegment', () => {
  it.each([
    ['../../etc', 'account', '______etc-74ccf3c5'],
    ['/etc/passwd', 'region', '_etc_passwd-74acf318'],
    ['..', 'key-id', '__-5ec1f7e7'],
    ['a\u0000b', 'name', 'a_b-59b271ae'],
    ['.hidden', 'name', '_hidden-16924190'],
    ['a..b', 'name', 'a__b-f62b4241'],
    ['C:\\x', 'name', 'C__x-520186e2'],
    ['', 'name', '_-e3b0c442'],
    ['111122223333', 'account', '111122223333'],
    ['us-east-1', 'region', 'us-east-1'],
    ['1234abcd-12ab-34cd-56ef-1234567890ab', 'key-id', '1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['mrk-0123456789abcdef0123456789abcdef', 'key-id', 'mrk-0123456789abcdef0123456789abcdef'],
    ['prod-cluster.v2', 'name', 'prod-cluster.v2'],
  ] as const)('%j as %s is %j', (value, kind, segment) => {
    expect(pathSegment(value, kind)).toBe(segment);
  });

  it('two values that sanitise alike still get different names', () => {
    expect(pathSegment('a/b', 'name')).not.toBe(pathSegment('a_b-x', 'name'));
    expect(pathSegment('a/b', 'name')).not.toBe(pathSegment('a\\b', 'name'));
  });
});

/** A snapshot whose key and cluster identifiers try to climb out of --out. */
function hostileInventory() {
  const base = compliantEstate();
  const k = key('k9', {
    region: '../../escaped-region',
    keyId: '../../../../tmp/escaped-key',
    arn: 'arn:aws:kms:us-east-1:111122223333:key/../../x',
  });
  const evil = cluster(
    '../../escaped-cluster',
    [group('/etc/escaped-group', { executionRole: EXEC_ROLE, volumes: [rootVolume(null)] })],
    { region: '/abs/region' },
  );
  return { ...base, clusters: [...base.clusters, evil], keys: [...base.keys, k] };
}

describe('guardrails paths from hostile snapshots', () => {
  it('every generated path is relative, without .. or NUL, and names its values sanitised', () => {
    const generated = generateGuardrails({
      inventory: hostileInventory(),
      config: resolveConfig({ keyAdmins: [roleArn('KeyAdmin')] }),
      sourceLabel: 'test',
      now: new Date(NOW),
    });
    if (!generated.ok) throw new Error(generated.error.message);
    const paths = generated.value.files.map((f) => f.path);
    for (const path of paths) {
      expect(path.startsWith('/')).toBe(false);
      expect(path).not.toContain('..');
      expect(path).not.toContain('\u0000');
      expect(path).not.toContain('\\');
    }
    expect(paths).toContain(
      `key-policies/${ACCOUNT}/${pathSegment('../../escaped-region', 'region')}/${pathSegment('../../../../tmp/escaped-key', 'key-id')}.json`,
    );
    expect(paths).toContain(
      `key-policies/proposed/${ACCOUNT}/${pathSegment('/abs/region', 'region')}/${pathSegment('../../escaped-cluster', 'name')}.${pathSegment('/etc/escaped-group', 'name')}.json`,
    );
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('the command writes every file inside --out and nothing next to it', async () => {
    const root = tmp('hostile-writes-');
    writeFileSync(join(root, 'estate.json'), serializeSnapshot(hostileInventory()));
    writeFileSync(join(root, 'c.yaml'), `keyAdmins: ["${roleArn('KeyAdmin')}"]\n`);
    const io = memoryIo({ cwd: root });
    const code = await runCli(
      ['guardrails', '--from', 'estate.json', '--config', 'c.yaml', '--out', 'out/g', '--now', NOW],
      io,
    );
    expect(io.err()).not.toContain('internal error');
    expect(code).toBe(0);
    expect(readdirSync(root).sort()).toEqual(['c.yaml', 'estate.json', 'out']);
    expect(readdirSync(join(root, 'out'))).toEqual(['g']);
    expect(existsSync('/tmp/escaped-key.json')).toBe(false);
    expect(tree(join(root, 'out/g')).every((path) => !path.includes('..'))).toBe(true);
  });
});

describe('symlinks planted in --out', () => {
  it('a symlinked directory inside --out is refused, and nothing is written where it points', async () => {
    const root = tmp('hostile-symlink-dir-');
    const outside = join(root, 'outside');
    mkdirSync(outside);
    mkdirSync(join(root, 'out'));
    symlinkSync(outside, join(root, 'out', 'scp'));
    const io = memoryIo({ cwd: root });
    const code = await runCli(['guardrails', '--demo', '--out', 'out'], io);
    expect(code).toBe(2);
    expect(io.err()).toBe(
      `hyperpod-cmk: out: cannot write scp/protect-hyperpod-keys.json: ${join(root, 'out', 'scp')} is a symlink; refusing to write through it\n`,
    );
    expect(readdirSync(outside)).toEqual([]);
  });

  it('plan: a symlinked cluster directory inside --out is refused, and nothing is written where it points', async () => {
    const root = tmp('hostile-symlink-plan-');
    const outside = join(root, 'outside');
    mkdirSync(outside);
    mkdirSync(join(root, 'out'));
    // An earlier run's directory for a cluster, replaced by a link (or committed as one to a repository).
    symlinkSync(outside, join(root, 'out', '111111111111-us-east-1-genai-batch'));
    const io = memoryIo({ cwd: root });
    const code = await runCli(['plan', '--demo', '--out', 'out'], io);
    expect(code).toBe(2);
    expect(io.err().split('\n')[0]).toMatch(
      new RegExp(
        `^hyperpod-cmk: out: cannot write 111111111111-us-east-1-genai-batch/[^ ]+: ${join(root, 'out', '111111111111-us-east-1-genai-batch').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a symlink; refusing to write through it$`,
      ),
    );
    expect(readdirSync(outside)).toEqual([]);
  });

  it('a symlinked file inside --out is replaced by the file, and its target is left alone', async () => {
    const root = tmp('hostile-symlink-file-');
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    mkdirSync(join(root, 'out'));
    symlinkSync(victim, join(root, 'out', 'README.md'));
    const io = memoryIo({ cwd: root });
    expect(await runCli(['guardrails', '--demo', '--out', 'out'], io)).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(root, 'out', 'README.md')).isFile()).toBe(true);
    expect(readFileSync(join(root, 'out', 'README.md'), 'utf8')).toMatch(/^# HyperPod CMK guardrails/);
  });

  it('a temporary file name planted as a symlink is never followed (O_EXCL)', () => {
    const root = tmp('hostile-excl-');
    const target = join(root, 'report.json');
    // Any planted name fails the exclusive create instead of writing through: here the writer's
    // own temporary name cannot be predicted, so the write succeeds and the plant is untouched.
    symlinkSync(join(root, 'elsewhere'), join(root, '.report.json.1.planted.tmp'));
    writeFileAtomic(target, '{}\n');
    expect(readFileSync(target, 'utf8')).toBe('{}\n');
    expect(existsSync(join(root, 'elsewhere'))).toBe(false);
  });

  it('a path outside `within` is refused', () => {
    const root = tmp('hostile-within-');
    expect(() => writeFileAtomic(join(root, 'out', '..', 'x'), 'x', { within: join(root, 'out') })).toThrow(
      /outside .*refusing/,
    );
    expect(existsSync(join(root, 'x'))).toBe(false);
  });
});

describe('-o writes whole reports or nothing', () => {
  it('-o through a directory the checkout links out of itself is refused; nothing is written there', async () => {
    const base = tmp('hostile-outlink-');
    const repo = join(base, 'repo');
    const elsewhere = join(base, 'elsewhere');
    mkdirSync(join(repo, '.git'), { recursive: true });
    mkdirSync(elsewhere);
    writeFileSync(join(repo, 'estate.json'), serializeSnapshot(compliantEstate()));
    symlinkSync('../elsewhere', join(repo, 'reports'));
    for (const output of ['reports/scan.sarif', 'reports/new/scan.sarif']) {
      const io = memoryIo({ cwd: repo });
      expect(await runCli(['evaluate', 'estate.json', '-o', output, '--no-save'], io)).toBe(2);
      expect(io.err()).toContain(`hyperpod-cmk: ${output}: cannot write the report:`);
      expect(io.err()).toContain('through a symbolic link');
    }
    expect(readdirSync(elsewhere)).toEqual([]);
    // A link that stays in the checkout is written through.
    mkdirSync(join(repo, 'out'));
    symlinkSync('out', join(repo, 'latest'));
    const io = memoryIo({ cwd: repo });
    expect(await runCli(['evaluate', 'estate.json', '-o', 'latest/scan.sarif', '--no-save'], io)).toBe(0);
    expect(readdirSync(join(repo, 'out'))).toEqual(['scan.sarif']);
  });

  it('a write that fails leaves the previous report intact and no temporary file', async () => {
    const root = tmp('hostile-atomic-');
    writeFileSync(join(root, 'estate.json'), serializeSnapshot(compliantEstate()));
    writeFileSync(join(root, 'report.json'), 'previous report\n');
    inject.failWrites = true;
    const io = memoryIo({ cwd: root });
    const code = await runCli(['evaluate', 'estate.json', '--format', 'json', '-o', 'report.json'], io);
    expect(code).toBe(2);
    expect(io.err()).toBe(
      'hyperpod-cmk: report.json: cannot write the report: ENOSPC: no space left on device\n',
    );
    expect(readFileSync(join(root, 'report.json'), 'utf8')).toBe('previous report\n');
    expect(readdirSync(root).sort()).toEqual(['estate.json', 'report.json']);
  });

  it('a successful write replaces the file (a new inode) and keeps its mode', () => {
    const root = tmp('hostile-replace-');
    const target = join(root, 'report.txt');
    writeFileSync(target, 'old\n', { mode: 0o600 });
    const before = statSync(target).ino;
    writeFileAtomic(target, 'new\n');
    expect(readFileSync(target, 'utf8')).toBe('new\n');
    expect(statSync(target).ino).not.toBe(before);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(root)).toEqual(['report.txt']);
    // Not flushed to disk first (a directory of many generated files): replaced the same way.
    writeFileAtomic(target, 'newer\n', { within: root, durable: false });
    expect(readFileSync(target, 'utf8')).toBe('newer\n');
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(readdirSync(root)).toEqual(['report.txt']);
  });

  it('text whose pieces arrive over time is written whole, a surrogate pair split between pieces included', async () => {
    const root = tmp('hostile-streamed-');
    const target = join(root, 'history.jsonl');
    async function* rows() {
      yield '{"a":"caf\u00e9 ';
      await new Promise((later) => setTimeout(later, 1));
      yield 'rocket \ud83d';
      yield '\ude80"}\n';
      yield 'x'.repeat(3 << 20);
      yield '\n';
    }
    await writeFileAtomicStreamed(target, rows());
    expect(readFileSync(target, 'utf8')).toBe(`{"a":"caf\u00e9 rocket \u{1f680}"}\n${'x'.repeat(3 << 20)}\n`);
    expect(readdirSync(root)).toEqual(['history.jsonl']);
  });

  it('pieces that fail part-way leave the previous file intact and no temporary file', async () => {
    const root = tmp('hostile-streamed-fail-');
    const target = join(root, 'history.jsonl');
    writeFileSync(target, 'previous dump\n');
    async function* rows() {
      yield 'x'.repeat(2 << 20);
      throw new Error('the source lost its connection');
    }
    await expect(writeFileAtomicStreamed(target, rows())).rejects.toThrow('the source lost its connection');
    expect(readFileSync(target, 'utf8')).toBe('previous dump\n');
    expect(readdirSync(root)).toEqual(['history.jsonl']);
  });

  it('-o to a device (/dev/null, /dev/stdout) is written in place', () => {
    writeFileAtomic('/dev/null', 'report\n');
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('demo --export and collect-style snapshots go through the same writer', async () => {
    const root = tmp('hostile-export-');
    const victim = join(root, 'victim.json');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(root, 'estate.json'));
    const io = memoryIo({ cwd: root });
    expect(await runCli(['demo', '--export', 'estate.json', '--format', 'json'], io)).not.toBe(2);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(root, 'estate.json')).isFile()).toBe(true);
  });
});
