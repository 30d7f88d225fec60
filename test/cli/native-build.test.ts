/**
 * better-sqlite3 without its native build (installed with --ignore-scripts): the commands that save
 * or read history say so in one line and exit 2, after the report is out; nothing else needs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isMissingNativeBuild } from '../../src/store/sqlite.js';

const BIN = fileURLToPath(new URL('../../bin/hyperpod-cmk.js', import.meta.url));
const NO_ADDON = fileURLToPath(new URL('../fixtures/no-sqlite-addon.cjs', import.meta.url));
const LINE =
  "hyperpod-cmk: history needs better-sqlite3's native build: reinstall without --ignore-scripts, or use --no-save\n";

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function run(args: string[], withoutAddon = true) {
  const cwd = mkdtempSync(join(tmpdir(), 'hpcmk-native-'));
  dirs.push(cwd);
  const result = spawnSync(
    process.execPath,
    [...(withoutAddon ? ['--require', NO_ADDON] : []), BIN, ...args],
    {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', HYPERPOD_CMK_DB: join(cwd, 'history.db') },
    },
  );
  return { ...result, cwd };
}

describe("better-sqlite3's native build missing", () => {
  it('saving a scan: the report is written, then one clear line and exit 2', () => {
    const { status, stderr, cwd } = run([
      'demo',
      '--format',
      'json',
      '-o',
      'report.json',
      '--db',
      'history.db',
    ]);
    expect(stderr).toBe(`hyperpod-cmk: json report written to report.json\n${LINE}`);
    expect(status).toBe(2);
    expect(JSON.parse(readFileSync(join(cwd, 'report.json'), 'utf8')).schemaVersion).toBe(1);
  });

  it('--no-save, and commands without history, do not need it', () => {
    const demo = run(['demo', '--format', 'json', '-o', 'report.json']);
    expect(demo.stderr).toBe('hyperpod-cmk: json report written to report.json\n');
    expect(demo.status).toBe(0);
    const rules = run(['rules']);
    expect(rules.status).toBe(0);
    expect(rules.stderr).toBe('');
  });

  it('the same command with the addon present saves normally (the simulation is what fails)', () => {
    const { status, stderr } = run(
      ['demo', '--format', 'json', '-o', 'report.json', '--db', 'history.db'],
      false,
    );
    expect(stderr).not.toContain('native build');
    expect(status).toBe(0);
  });

  it('recognises the ways the addon fails to load', () => {
    expect(isMissingNativeBuild(new Error('Could not locate the bindings file. Tried: ...'))).toBe(true);
    expect(
      isMissingNativeBuild(
        Object.assign(
          new Error(
            'The module was compiled against a different Node.js version using NODE_MODULE_VERSION 127',
          ),
          {
            code: 'ERR_DLOPEN_FAILED',
          },
        ),
      ),
    ).toBe(true);
    expect(
      isMissingNativeBuild(
        Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' }),
      ),
    ).toBe(false);
  });
});
