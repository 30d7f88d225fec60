import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useColor } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { serializeSnapshot } from '../../src/model/snapshot.js';
import { compliantEstate, key } from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';

const dir = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-cli-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const NO_TAG_RULES = 'rules:\n  hyperpod-cluster-required-tags: off\n  kms-key-required-tags: off\n';

async function run(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ cwd: dir, env });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

describe('exit codes', () => {
  const compliant = file('compliant.json', serializeSnapshot(compliantEstate()));
  const disabled = file(
    'disabled.json',
    serializeSnapshot(
      compliantEstate({ key: { metadata: { ...key('k1').metadata!, keyState: 'Disabled' } } }),
    ),
  );
  const unknown = file(
    'unknown.json',
    serializeSnapshot({
      ...compliantEstate(),
      gaps: [
        {
          code: 'aws.access_denied',
          service: 'cloudtrail',
          operation: 'DescribeTrails',
          account: '111122223333',
          message: 'denied',
        },
      ],
    }),
  );

  it('0 when nothing failed and nothing is unknown', async () => {
    const r = await run(['evaluate', compliant, '--now', '2026-11-27T00:00:00Z']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('No failures.');
  });
  it('1 when a finding at or above --fail-on failed', async () => {
    expect((await run(['evaluate', disabled])).code).toBe(1);
    expect((await run(['evaluate', disabled, '--fail-on', 'critical'])).code).toBe(1);
  });
  it('0 when failures are below --fail-on, 3 when something is unknown', async () => {
    const cfg = file('no-tags.yaml', `${NO_TAG_RULES}  kms-key-enabled: low\n`);
    expect((await run(['evaluate', disabled, '--fail-on', 'high', '--config', cfg])).code).toBe(0);
    expect((await run(['evaluate', unknown, '--fail-on', 'high'])).code).toBe(3);
  });
  it('--fail-on none never exits 1', async () => {
    expect((await run(['evaluate', disabled, '--fail-on', 'none'])).code).toBe(0);
  });
});

describe('bad input: one clear message, exit 2, no stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['evaluate', 'x.json', '--bogus'], /unknown option '--bogus'/],
    ['unknown command', ['scna'], /unknown command 'scna'/],
    ['missing file', ['evaluate', 'nope.json'], /nope\.json: no such file/],
    ['directory instead of a file', ['evaluate', '.'], /\.: is a directory/],
    ['malformed JSON', ['evaluate', file('bad.json', '{"schemaVersion": 1,')], /bad\.json: not valid JSON/],
    [
      'a snapshot with a wrong field names its JSON path',
      [
        'evaluate',
        file(
          'wrong.json',
          serializeSnapshot(compliantEstate()).replace('"kind": "regular"', '"kind": "special"'),
        ),
      ],
      /\$\.clusters\[0\]\.instanceGroups\[0\]\.kind: expected one of "regular", "restricted"/,
    ],
    ['not a snapshot at all', ['evaluate', file('other.json', '{"hello": 1}')], /\$\.schemaVersion/],
    ['bad --now', ['demo', '--now', 'yesterday'], /--now: "yesterday" is not an ISO-8601 time/],
    ['bad --format', ['demo', '--format', 'pdf'], /argument 'pdf' is invalid/],
    ['bad --fail-on', ['demo', '--fail-on', 'severe'], /argument 'severe' is invalid/],
    ['bad --limit', ['demo', '--limit', '-1'], /--limit: "-1" is not a whole number/],
    [
      'unknown rule to explain',
      ['rules', 'explain', 'kms-key-rotation'],
      /did you mean kms-key-rotation-enabled/,
    ],
    ['missing argument', ['evaluate'], /missing required argument 'file'/],
  ];
  it.each(cases)('%s', async (_name, args, pattern) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(pattern);
    expect(r.err.startsWith('hyperpod-cmk')).toBe(true);
    noStack(r.err);
  });
});

describe('config errors name the path and what was expected', () => {
  const snapshot = file('ok.json', serializeSnapshot(compliantEstate()));
  const cases: [string, string, RegExp][] = [
    ['unknown key', 'keyAdmin: []\n', /\$: unknown key "keyAdmin"/],
    ['wrong type', 'rotation:\n  maxDays: "a year"\n', /\$\.rotation\.maxDays: expected number/],
    ['out of range', 'rotation:\n  maxDays: 5000\n', /\$\.rotation\.maxDays/],
    [
      'unknown rule id',
      'rules:\n  kms-key-rotaton-enabled: off\n',
      /\$\.rules\["kms-key-rotaton-enabled"\]: unknown rule id/,
    ],
    [
      'bad severity',
      'rules:\n  kms-key-enabled: urgent\n',
      /\$\.rules\["kms-key-enabled"\]: expected "off", a severity/,
    ],
    [
      'suppression without a reason',
      'suppressions:\n  - rule: kms-key-enabled\n    resource: "*"\n',
      /\$\.suppressions\[0\]\.reason/,
    ],
    [
      'suppression with a bad date',
      'suppressions:\n  - { rule: kms-key-enabled, resource: "*", reason: r, expires: 2026-02-31 }\n',
      /\$\.suppressions\[0\]\.expires/,
    ],
    ['malformed YAML', 'rules:\n  - a\n   b: [\n', /line \d+, column \d+/],
    [
      'bad account id',
      'allowedExternalAccounts: ["12345"]\n',
      /\$\.allowedExternalAccounts\[0\]: .*12-digit/,
    ],
    ['bad organization id', 'organizationId: org-123\n', /\$\.organizationId: .*o-a1b2c3d4e5/],
  ];
  it.each(cases)('%s', async (name, yaml, pattern) => {
    const cfg = file(`${name.replace(/\W+/g, '-')}.yaml`, yaml);
    const r = await run(['evaluate', snapshot, '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(pattern);
    noStack(r.err);
  });

  it('picks up hyperpod-cmk.yaml from the working directory', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-cwd-'));
    writeFileSync(join(cwd, 'hyperpod-cmk.yaml'), 'rules:\n  kms-key-enabled: off\n');
    writeFileSync(
      join(cwd, 'inv.json'),
      serializeSnapshot(
        compliantEstate({ key: { metadata: { ...key('k1').metadata!, keyState: 'Disabled' } } }),
      ),
    );
    const io = memoryIo({ cwd });
    await runCli(['evaluate', 'inv.json', '--format', 'json'], io);
    const report = JSON.parse(io.out());
    expect(report.findings.some((f: { ruleId: string }) => f.ruleId === 'kms-key-enabled')).toBe(false);
  });
});

describe('rules', () => {
  it('lists all 24 rules and explains one', async () => {
    const list = await run(['rules']);
    expect(list.code).toBe(0);
    expect(list.out.split('\n').filter((l) => /^(hyperpod|kms|account)-/.test(l))).toHaveLength(24);
    const explain = await run(['rules', 'explain', 'hyperpod-root-volume-cmk']);
    expect(explain.code).toBe(0);
    expect(explain.out).toContain('RootVolume: true');
    expect(explain.out).toContain('PCI-DSS-4.0.1 3.5.1');
    const json = JSON.parse((await run(['rules', 'explain', 'kms-key-enabled', '--format', 'json'])).out);
    expect(json).toMatchObject({
      schemaVersion: 1,
      kind: 'hyperpod-cmk-rules',
      tool: { name: 'hyperpod-cmk' },
    });
    expect(json.rules).toHaveLength(1);
    expect(json.rules[0]).toMatchObject({
      id: 'kms-key-enabled',
      severity: 'critical',
      resourceType: 'kms-key',
    });
  });
});

describe('a command that needs a subcommand', () => {
  it('without one is a usage error (exit 2, the usage on stderr); help asked for is 0', async () => {
    for (const args of [['policy'], []]) {
      const io = memoryIo();
      expect([args, await runCli(args, io)]).toEqual([args, 2]);
      expect(io.err()).toMatch(/^Usage: hyperpod-cmk /);
      expect(io.out()).toBe('');
    }
    for (const args of [['--help'], ['policy', '--help'], ['help', 'policy']])
      expect([args, await runCli(args, memoryIo())]).toEqual([args, 0]);
  });
});

describe('colour', () => {
  it('only when forced or on a TTY, never with NO_COLOR', async () => {
    expect((await run(['demo'])).out).not.toMatch(/\u001b\[/);
    expect((await run(['demo'], { FORCE_COLOR: '1' })).out).toMatch(/\u001b\[/);
    expect((await run(['demo'], { FORCE_COLOR: '1', NO_COLOR: '1' })).out).not.toMatch(/\u001b\[/);
  });

  it('FORCE_COLOR=0 or false turns it off even on a TTY; TERM=dumb too', () => {
    const tty = (env: Record<string, string>) => {
      const io = memoryIo({ env });
      return { ...io, stdout: { write: io.stdout.write, isTTY: true } };
    };
    expect(useColor(tty({}))).toBe(true);
    expect(useColor(tty({ FORCE_COLOR: '0' }))).toBe(false);
    expect(useColor(tty({ FORCE_COLOR: 'false' }))).toBe(false);
    expect(useColor(tty({ TERM: 'dumb' }))).toBe(false);
    expect(useColor(memoryIo({ env: { FORCE_COLOR: '2' } }))).toBe(true);
  });
});

describe('the installed binary', () => {
  const bin = new URL('../../bin/hyperpod-cmk.js', import.meta.url).pathname;
  const exec = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  it('runs the demo', () => {
    const r = exec('demo');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('llm-pretrain-prod');
  });
  it('prints its version and help', () => {
    expect(exec('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = exec('--help');
    expect(help.status).toBe(0);
    for (const command of ['evaluate', 'demo', 'rules']) expect(help.stdout).toContain(command);
  });
  it('loads the AWS SDK, SQLite and the HCL grammar only for the commands that use them', () => {
    const loader = join(dir, 'watch-loads.mjs');
    writeFileSync(
      loader,
      // The loader's own source: it reports each heavy package as it is imported.
      [
        'export async function resolve(s, c, n) {',
        "  if (/@aws-sdk\\/client|better-sqlite3|web-tree-sitter/.test(s)) process.stderr.write('LOADED ' + s + '\\n');",
        '  return n(s, c);',
        '}',
        '',
      ].join('\n'),
    );
    for (const args of [['rules'], ['demo'], ['rules', 'explain', 'kms-key-enabled']]) {
      const r = spawnSync(process.execPath, ['--no-warnings', '--loader', loader, bin, ...args], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/LOADED/);
    }
    const iac = spawnSync(process.execPath, ['--no-warnings', '--loader', loader, bin, 'iac', dir], {
      encoding: 'utf8',
    });
    expect(iac.stderr).toMatch(/LOADED web-tree-sitter/);
  });

  it('fails cleanly on a bad flag', () => {
    const r = exec('demo', '--colour');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^hyperpod-cmk: unknown option '--colour'/);
    noStack(r.stderr);
  });
});
