/** `policy diff` end to end through the CLI: files, a snapshot's key, formats, exit codes, bad input. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { demoEstate } from '../../src/demo/estate.js';
import type { PolicyDocument } from '../../src/model/inventory.js';
import { memoryIo } from '../helpers/io.js';

const ajv = new Ajv2020.default({ allErrors: true, strict: false });
const validate = ajv.compile(
  JSON.parse(readFileSync(new URL('../../schemas/policy-diff.schema.json', import.meta.url), 'utf8')),
);

const ACCOUNT = '111122223333';
const EXEC = `arn:aws:iam::${ACCOUNT}:role/hyperpod-exec`;
const base: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Root',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'Grant',
      Effect: 'Allow',
      Principal: { AWS: EXEC },
      Action: ['kms:CreateGrant', 'kms:DescribeKey'],
      Resource: '*',
    },
  ],
};
const rewritten: PolicyDocument = {
  Statement: [
    { Effect: 'Allow', Principal: { AWS: EXEC }, Action: 'kms:DescribeKey', Resource: '*' },
    { Effect: 'Allow', Principal: { AWS: [EXEC] }, Action: 'kms:CreateGrant', Resource: ['*'] },
    { Sid: 'Admin', Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: ['kms:*'], Resource: '*' },
  ],
};
const widened: PolicyDocument = {
  Statement: [
    ...(base.Statement as object[]),
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/analyst\u001b[31m` },
      Action: 'kms:Decrypt',
      Resource: '*',
    },
  ] as PolicyDocument['Statement'],
};

let dir: string;
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'policy-diff-'));
});

describe('policy diff OLD NEW', () => {
  it('a rewrite with the same effect: exit 0, no effect, in Markdown', async () => {
    const io = memoryIo();
    expect(await runCli(['policy', 'diff', file('a.json', base), file('b.json', rewritten)], io)).toBe(0);
    expect(io.out()).toContain('### Key policy change: no effect on access');
    expect(io.out()).toContain('No principal gains or loses any KMS action under any condition.');
    expect(io.err()).toBe('');
  });

  it('a widening: exit 1, the principal and action named, no raw control character', async () => {
    const io = memoryIo();
    expect(await runCli(['policy', 'diff', file('a.json', base), file('c.json', widened)], io)).toBe(1);
    const out = io.out();
    expect(out).toContain('### Key policy change: **widens access**');
    expect(out).toContain(
      '| ⚠ | `arn:aws:iam::111122223333:role/analyst\\x1b[31m` | gains | kms:Decrypt | always |',
    );
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });

  it('--execution-role before the files takes one role each time, not the files', async () => {
    const other = `arn:aws:iam::${ACCOUNT}:role/other-exec`;
    const io = memoryIo();
    const code = await runCli(
      [
        'policy',
        'diff',
        '--execution-role',
        EXEC,
        '--execution-role',
        other,
        file('r1.json', base),
        file('r2.json', rewritten),
        '--format',
        'json',
      ],
      io,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const roles = (JSON.parse(io.out()) as { executionRoles: { role: string; source: string }[] })
      .executionRoles;
    expect(roles.map((r) => [r.role, r.source])).toEqual([
      [EXEC, 'option'],
      [other, 'option'],
    ]);
  });

  it('a narrowing: exit 0', async () => {
    const io = memoryIo();
    expect(await runCli(['policy', 'diff', file('c2.json', widened), file('a2.json', base)], io)).toBe(0);
    expect(io.out()).toContain('narrows access');
  });

  it('JSON is valid against schemas/policy-diff.schema.json', async () => {
    const io = memoryIo();
    expect(
      await runCli(
        [
          'policy',
          'diff',
          file('a.json', base),
          file('c.json', widened),
          '--format',
          'json',
          '--region',
          'us-east-1',
        ],
        io,
      ),
    ).toBe(1);
    const diff = JSON.parse(io.out());
    expect(validate(diff)).toBe(true);
    expect(diff).toMatchObject({
      schemaVersion: 1,
      kind: 'hyperpod-cmk-policy-diff',
      key: { account: ACCOUNT, region: 'us-east-1' },
      effect: 'widens',
      executionRoles: [{ role: EXEC, source: 'old-policy', before: 'yes', after: 'yes' }],
      administration: { lockout: false, before: [`arn:aws:iam::${ACCOUNT}:root`] },
    });
    diff.effect = 'maybe';
    expect(validate(diff)).toBe(false);
    // A document of another kind is not a policy diff.
    expect(validate({ ...JSON.parse(io.out()), kind: 'hyperpod-cmk-drift' })).toBe(false);
  });

  it('accepts the output of aws kms get-key-policy', async () => {
    const io = memoryIo();
    const wrapped = file('wrapped.json', { Policy: JSON.stringify(base), PolicyName: 'default' });
    expect(await runCli(['policy', 'diff', wrapped, file('a.json', base)], io)).toBe(0);
    expect(io.out()).toContain('no effect on access');
  });

  it.each([
    ['not JSON', '{"Statement": [', /input\.policy_json|is not JSON/],
    ['not a policy', '{"Version": "2012-10-17"}', /is not a key policy document: Statement/],
    [
      'a statement without Effect',
      '{"Statement": [{"Action": "kms:*"}]}',
      /is not a key policy document: Statement/,
    ],
  ])('bad input (%s): exit 2 naming the file', async (_name, text, message) => {
    const io = memoryIo();
    const bad = file('bad.json', text);
    expect(await runCli(['policy', 'diff', file('a.json', base), bad], io)).toBe(2);
    expect(io.err()).toContain(bad);
    expect(io.err()).toMatch(message);
    expect(io.err()).not.toContain('    at ');
  });

  it('one file without --key is a usage error', async () => {
    const io = memoryIo();
    expect(await runCli(['policy', 'diff', file('a.json', base)], io)).toBe(2);
    expect(io.err()).toContain('needs two key policy files (OLD NEW), got 1');
  });
});

describe('policy diff --from SNAPSHOT --key ARN NEW (the demo estate)', () => {
  const estate = demoEstate();
  const key = estate.keys.find((k) => k.aliases.includes('alias/hyperpod/llm-pretrain/gpu-p5'))!;

  it("the key's own policy: no effect; its execution role from the snapshot keeps CreateGrant", async () => {
    const snapshot = file('estate.json', estate);
    const io = memoryIo();
    expect(
      await runCli(
        [
          'policy',
          'diff',
          '--from',
          snapshot,
          '--key',
          key.arn,
          file('same.json', key.policy),
          '--format',
          'json',
        ],
        io,
      ),
    ).toBe(0);
    const diff = JSON.parse(io.out());
    expect(diff.effect).toBe('none');
    expect(diff.executionRoles.length).toBeGreaterThan(0);
    for (const role of diff.executionRoles)
      expect(role).toMatchObject({ source: 'inventory', before: 'yes', after: 'yes' });
    expect(diff.rules.filter((r: { changed: boolean }) => r.changed)).toEqual([]);
  });

  it('a public grant widens access and flips the public-access verdict', async () => {
    const snapshot = file('estate.json', estate);
    const policy = key.policy as PolicyDocument;
    const open = {
      ...policy,
      Statement: [
        ...(Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]),
        { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
      ],
    };
    const io = memoryIo();
    expect(
      await runCli(
        ['policy', 'diff', '--from', snapshot, '--key', key.arn, file('open.json', open), '--format', 'json'],
        io,
      ),
    ).toBe(1);
    const diff = JSON.parse(io.out());
    expect(diff.principals[0]).toMatchObject({
      principal: '*',
      changes: [{ change: 'allow-added', actions: ['kms:Decrypt'] }],
    });
    expect(
      diff.rules.find((r: { ruleId: string }) => r.ruleId === 'kms-key-policy-no-public-access'),
    ).toMatchObject({
      changed: true,
      before: { status: 'PASS' },
      after: { status: 'FAIL' },
    });
  });

  it('a key the snapshot does not hold: exit 2', async () => {
    const io = memoryIo();
    const arn = 'arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000';
    expect(
      await runCli(
        ['policy', 'diff', '--from', file('estate.json', estate), '--key', arn, file('a.json', base)],
        io,
      ),
    ).toBe(2);
    expect(io.err()).toContain('is not a key of the snapshot');
  });
});
