/** The pre-commit hook definition (.pre-commit-hooks.yaml): parsed, its pattern tried, its entry run. */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const hooks = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Record<string, unknown>[];
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

describe('.pre-commit-hooks.yaml', () => {
  const hook = hooks.find((h) => h.id === 'hyperpod-cmk-iac')!;

  it('declares the hyperpod-cmk-iac hook for the node language, running the package bin', () => {
    expect(Array.isArray(hooks)).toBe(true);
    expect(hook).toMatchObject({ id: 'hyperpod-cmk-iac', language: 'node', pass_filenames: false });
    expect(typeof hook.name).toBe('string');
    const [command, subcommand] = String(hook.entry).split(' ');
    expect(Object.keys(pkg.bin)).toContain(command);
    expect(subcommand).toBe('iac');
  });

  it('its files pattern (a Python re.search) selects IaC files only', () => {
    const pattern = new RegExp(String(hook.files));
    for (const file of [
      'infra/stack.yaml',
      'cluster.yml',
      'main.tf',
      'prod.tfvars',
      'cdk.out/App.template.json',
      'plan.json',
    ])
      expect(pattern.test(file), file).toBe(true);
    for (const file of ['README.md', 'src/index.ts', 'main.tf.bak', 'yaml'])
      expect(pattern.test(file), file).toBe(false);
  });

  it('its entry scans the repository: exit 1 on a failing template, 0 on a clean one', () => {
    const run = (fixture: string) => {
      const repo = mkdtempSync(join(tmpdir(), 'hpcmk-precommit-'));
      dirs.push(repo);
      mkdirSync(join(repo, 'infra'));
      cpSync(join(ROOT, 'test/fixtures/iac/cloudformation-yaml', fixture), join(repo, 'infra', 'stack.yaml'));
      // pre-commit runs `entry` with the hook's args appended, from the repository root.
      const entry = String(hook.entry).replace(
        /^hyperpod-cmk/,
        `node ${JSON.stringify(join(ROOT, 'bin/hyperpod-cmk.js'))}`,
      );
      return spawnSync('bash', ['-c', `${entry} "$@"`, 'entry', '--limit', '0'], {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    };
    const failing = run('no-key.yaml');
    expect(failing.status).toBe(1);
    expect(failing.stdout).toContain('hyperpod-root-volume-cmk');
    expect(run('pass.yaml').status).toBe(0);
  });
});
