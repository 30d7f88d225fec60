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
    // What the shell reads unquoted: single-quoted strings and backslash-escaped characters removed.
    // The <tag> placeholders the runbook asks the user to fill in are quoted too: a `<` outside quotes
    // is a redirection, which a command pasted unedited would run.
    const unquoted = commands
      .map((line) => line.replace(/'[^']*'|\\./g, ''))
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

/** The runbook of a cluster with this name, missing the owner tag, whose one group has no key. */
function runbookOf(name: string): string {
  const base = compliantEstate();
  const evil = cluster(name, [group('workers', { volumes: [rootVolume(null)] })], { tags: { project: 'p' } });
  const inventory = { ...base, clusters: [...base.clusters, evil] };
  const config = resolveConfig({ keyAdmins: [ADMIN_ROLE] });
  const { findings } = evaluate(inventory, { config, now: new Date(NOW) });
  const planned = planMigrations({ inventory, findings, config, source: 'test', generatedAt: NOW });
  if (!planned.ok) throw new Error(planned.error.message);
  const files = [...renderPlan(planned.value, new Map())];
  const mine = files.filter(
    (file) => file.path.endsWith('/RUNBOOK.md') && String(file.content).includes(shellWord(name)),
  );
  if (mine.length !== 1) throw new Error(`${mine.length} runbooks for ${name.slice(0, 40)}`);
  return String(mine[0]!.content);
}

/** The stack name of the runbook's `aws cloudformation deploy`, as the shell passes it. */
const stackNameOf = (runbook: string): string => /--stack-name (\S+) /.exec(runbook)![1]!;

describe('add-tags placeholders', () => {
  // SageMaker tag values match ([\p{L}\p{Z}\p{N}_.:/=+\-@]*)
  // (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Tag.html): `<` and `>` are not in it,
  // so a placeholder sent unedited is refused by AddTags, never taken as a value.
  it('are single-quoted, so that a command pasted unedited is refused by AddTags, not run as a redirection', () => {
    const runbook = runbookOf('prod-a');
    const line = runbook.split('\n').find((l) => l.includes('aws sagemaker add-tags'));
    expect(line).toBe(
      "   aws sagemaker add-tags --resource-arn arn:aws:sagemaker:us-east-1:111122223333:cluster/prod-a --region us-east-1 --tags 'Key=owner,Value=<owner>' 'Key=data-sensitivity,Value=<data-sensitivity>'",
    );
  });
});

describe('CloudFormation stack names', () => {
  // "A stack name can contain only alphanumeric characters (case sensitive) and hyphens. It must start
  // with an alphabetical character and can't be longer than 128 characters."
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html)
  const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

  it('keeps a plain cluster name as it is', () => {
    expect(stackNameOf(runbookOf('prod-a'))).toBe('hyperpod-cmk-keys-prod-a');
  });

  it.each([
    ['dots and underscores', 'prod.a_b', 'hyperpod-cmk-keys-prod-a-b-'],
    ['shell syntax', CLUSTER, 'hyperpod-cmk-keys-c--touch-pwned--x-y-id--z-'],
    ['300 characters', 'c'.repeat(300), `hyperpod-cmk-keys-${'c'.repeat(101)}-`],
    ['letters beyond ASCII', 'prod-é', 'hyperpod-cmk-keys-prod---'],
  ])('makes a name CloudFormation takes of one with %s, told apart by a digest', (_name, name, start) => {
    const stack = stackNameOf(runbookOf(name));
    expect(stack).toMatch(STACK_NAME);
    expect(stack.startsWith(start)).toBe(true);
  });

  it('gives two names that differ only where the stack name cannot show it two stack names', () => {
    expect(stackNameOf(runbookOf('prod.a'))).not.toBe(stackNameOf(runbookOf('prod_a')));
    expect(stackNameOf(runbookOf(`${'c'.repeat(300)}1`))).not.toBe(
      stackNameOf(runbookOf(`${'c'.repeat(300)}2`)),
    );
  });
});
