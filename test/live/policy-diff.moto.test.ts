/** `policy diff --key ARN NEW` against a key's live policy, read through the KMS collector from moto. */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { MotoAccount, withAwsEnv } from '../helpers/aws-estate.js';
import { actionsOutsidePolicy, recordCalls } from '../helpers/iam-policy.js';
import { memoryIo } from '../helpers/io.js';
import { motoUrl } from '../helpers/moto.js';

let account: MotoAccount;
let key: { arn: string };
let policy: { Version: string; Statement: object[] };
let dir: string;

beforeAll(async () => {
  account = await MotoAccount.create(motoUrl());
  const role = await account.role('hyperpod-exec');
  policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Root',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account.id}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'Exec',
        Effect: 'Allow',
        Principal: { AWS: role },
        Action: ['kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
      },
    ],
  };
  key = await account.key({ alias: 'alias/diffed', policy });
  dir = mkdtempSync(join(tmpdir(), 'policy-diff-moto-'));
});

const run = (args: string[]) =>
  withAwsEnv(account.credentials, async () => {
    const io = memoryIo({ env: { AWS_ENDPOINT_URL: account.endpoint, AWS_REGION: 'us-east-1' } });
    const code = await runCli(['policy', 'diff', ...args], io);
    return { code, io };
  });

describe('policy diff --key (live)', () => {
  it('the live policy reordered: no effect, exit 0, only read-only calls the scanner policy allows', async () => {
    const same = join(dir, 'same.json');
    writeFileSync(same, JSON.stringify({ Statement: [...policy.Statement].reverse() }));
    const recorder = recordCalls();
    const { code, io } = await run(['--key', key.arn, same, '--format', 'json']);
    recorder.stop();
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({
      effect: 'none',
      key: { arn: key.arn, account: account.id },
    });
    expect(actionsOutsidePolicy(recorder.actions())).toEqual([]);
    expect(recorder.actions().has('kms:GetKeyPolicy')).toBe(true);
  }, 60_000);

  it('a public statement added to the live policy: exit 1', async () => {
    const open = join(dir, 'open.json');
    writeFileSync(
      open,
      JSON.stringify({
        Statement: [
          ...policy.Statement,
          { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
        ],
      }),
    );
    const { code, io } = await run(['--key', key.arn, open]);
    expect(code).toBe(1);
    expect(io.out()).toContain('| ⚠ | `* (anyone)` | gains | kms:Decrypt | always |');
  }, 60_000);

  it('a key that does not exist: exit 2 with the reason', async () => {
    const missing = `arn:aws:kms:us-east-1:${account.id}:key/00000000-0000-0000-0000-000000000000`;
    const file = join(dir, 'any.json');
    writeFileSync(file, JSON.stringify(policy));
    const { code, io } = await run(['--key', missing, file]);
    expect(code).toBe(2);
    expect(io.err()).toContain(`${missing} could not be read`);
  }, 60_000);
});
