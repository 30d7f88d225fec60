/**
 * A plan read from a snapshot or from a pull request's infrastructure-as-code carries the names its
 * author chose. The runbook's shell commands are copied into a terminal: every name in them is one
 * shell word that the shell expands nothing in; its prose is Markdown with the names escaped.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { planMigrations } from '../../src/plan/plan.js';
import { renderPlan } from '../../src/plan/render.js';
import { markdownText, shellWord } from '../../src/reporters/escape.js';
import { ADMIN_ROLE, cluster, compliantEstate, group, key, NOW, rootVolume } from '../helpers/inventory.js';

const CLUSTER = "c$(touch pwned);x'y`id`|z";
const GROUP = 'g$(id)&[x](https://evil.example)';

function hostileRunbook(): string {
  const base = compliantEstate();
  const k = key('k9', { rotation: { enabled: false } });
  const evil = cluster(CLUSTER, [group(GROUP, { volumes: [rootVolume(null)] })], { tags: {} });
  const inventory = { ...base, clusters: [...base.clusters, evil], keys: [...base.keys, k] };
  const config = resolveConfig({ keyAdmins: [ADMIN_ROLE] });
  const now = new Date(NOW);
  const { findings } = evaluate(inventory, { config, now });
  const planned = planMigrations({ inventory, findings, config, source: 'test', generatedAt: NOW });
  if (!planned.ok) throw new Error(planned.error.message);
  const files = [...renderPlan(planned.value, new Map())];
  const runbook = files.find(
    (file) => file.path.endsWith('/RUNBOOK.md') && String(file.content).includes('pwned'),
  );
  if (!runbook) throw new Error('no runbook for the hostile cluster');
  return String(runbook.content);
}

/** The shell command lines of a runbook (inside its ```sh blocks), their comments dropped. */
function commandLines(runbook: string): string[] {
  const lines: string[] = [];
  let inside = false;
  for (const line of runbook.split('\n')) {
    if (line.trim() === '```sh') inside = true;
    else if (line.trim() === '```') inside = false;
    else if (inside) lines.push(line.replace(/ {3}# .*$/, ''));
  }
  return lines;
}

describe('shellWord', () => {
  it.each([
    ['a plain name', 'prod-a', 'prod-a'],
    ['an ARN', 'arn:aws:kms:us-east-1:111122223333:key/k9', 'arn:aws:kms:us-east-1:111122223333:key/k9'],
    ['command substitution', 'a$(id)', "'a$(id)'"],
    ['a single quote', "x'y", "'x'\\''y'"],
    ['a space and a semicolon', 'a b;c', "'a b;c'"],
    ['a redirection', 'a>b', "'a>b'"],
    ['a leading tilde', '~x', "'~x'"],
    ['the empty string', '', "''"],
    ['an escape sequence', 'a\u001b[2J', "'a\\x1b[2J'"],
  ])('%s', (_name, raw, word) => {
    expect(shellWord(raw)).toBe(word);
  });
});

describe('the runbook of a cluster with hostile names', () => {
  const runbook = hostileRunbook();

  it('quotes every name in its commands: outside single quotes no character is special to the shell', () => {
    const commands = commandLines(runbook);
    expect(commands.some((line) => line.includes('--cluster-name'))).toBe(true);
    // What the shell reads unquoted: single-quoted strings and backslash-escaped characters removed,
    // and the <tag> placeholders the runbook asks the user to fill in.
    const unquoted = commands
      .map((line) => line.replace(/'[^']*'|\\./g, '').replace(/=<[\w-]+>/g, ''))
      .filter((line) => /[$`;|&()<>'"\\]/.test(line));
    expect(unquoted).toEqual([]);
    expect(commands.join('\n')).toContain(`--cluster-name ${shellWord(CLUSTER)} `);
  });

  it('shows the names in its prose as escaped Markdown, never as links or raw control characters', () => {
    const prose = runbook
      .split(/```sh[\s\S]*?```/)
      .join('')
      .split('\n');
    expect(prose[0]).toBe(`# Migration plan: ${markdownText(CLUSTER)}`);
    expect(prose.filter((line) => line.includes('[x](https://evil.example)'))).toEqual([]);
    expect(prose.some((line) => line.includes(markdownText(GROUP)))).toBe(true);
  });
});

describe('the files of a plan whose names are long', () => {
  it('names every file within the 255 bytes a file system allows, and the runbook names those files', () => {
    const base = compliantEstate();
    const long = 'g'.repeat(300);
    const evil = cluster('c'.repeat(300), [group(long, { volumes: [rootVolume(null)] })], { tags: {} });
    const inventory = { ...base, clusters: [...base.clusters, evil] };
    const config = resolveConfig({ keyAdmins: [ADMIN_ROLE] });
    const { findings } = evaluate(inventory, { config, now: new Date(NOW) });
    const planned = planMigrations({ inventory, findings, config, source: 'test', generatedAt: NOW });
    if (!planned.ok) throw new Error(planned.error.message);
    const files = [...renderPlan(planned.value, new Map())];
    const mine = files.filter((file) => file.path.includes('cccc'));
    expect(mine.some((file) => file.path.includes('update-cluster-1a-add-'))).toBe(true);
    const tooLong = mine
      .flatMap((file) => file.path.split('/'))
      .filter((part) => Buffer.byteLength(part) > 255);
    expect(tooLong).toEqual([]);
    const runbook = String(mine.find((file) => file.path.endsWith('/RUNBOOK.md'))!.content);
    for (const file of mine.filter((f) => /update-cluster-1[ab]-/.test(f.path)))
      expect(runbook).toContain(`file://${file.path.split('/').at(-1)}`);
  });
});
