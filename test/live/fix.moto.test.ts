/**
 * `fix` against moto: the state before, after --apply, and a second run that changes nothing; every
 * call the fixer makes is in docs/iam-fixer-policy.json (or, for the scan, docs/iam-policy.json).
 */
import { readFileSync } from 'node:fs';
import {
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { MotoAccount, withAwsEnv } from '../helpers/aws-estate.js';
import { policyActions, recordCalls } from '../helpers/iam-policy.js';
import { memoryIo } from '../helpers/io.js';
import { motoUrl } from '../helpers/moto.js';

const fixerActions = (): Set<string> => {
  const policy = JSON.parse(
    readFileSync(new URL('../../docs/iam-fixer-policy.json', import.meta.url), 'utf8'),
  ) as {
    Statement: { Action: string | string[] }[];
  };
  return new Set(policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
};

let account: MotoAccount;
let rotating: { arn: string };
let doomed: { arn: string; keyId: string };

beforeAll(async () => {
  account = await MotoAccount.create(motoUrl());
  const role = await account.role('hyperpod-exec');
  rotating = await account.key({ alias: 'alias/fix-rotation' });
  doomed = await account.key({ alias: 'alias/fix-doomed', tags: { owner: 'ml', project: 'p' } });
  const kms = account.client(KMSClient);
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.keyId, PendingWindowInDays: 7 }));
  kms.destroy();
  await account.cluster('fixable', [{ name: 'gpu', role, root: rotating.arn, secondary: doomed.arn }], {
    tags: { owner: 'ml', project: 'p' },
  });
});

const fix = (...args: string[]) =>
  withAwsEnv(account.credentials, async () => {
    const io = memoryIo({ env: { AWS_ENDPOINT_URL: account.endpoint } });
    const code = await runCli(['fix', '--region', 'us-east-1', '--no-cloudtrail', ...args], io);
    return { code, out: io.out(), err: io.err() };
  });

async function state() {
  const kms = account.client(KMSClient);
  const sagemaker = account.client(SageMakerClient);
  const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: rotating.arn }));
  const doomedState = (await kms.send(new DescribeKeyCommand({ KeyId: doomed.arn }))).KeyMetadata?.KeyState;
  const keyTags = (await kms.send(new ListResourceTagsCommand({ KeyId: rotating.arn }))).Tags ?? [];
  const { ListClustersCommand } = await import('@aws-sdk/client-sagemaker');
  const arn = (await sagemaker.send(new ListClustersCommand({}))).ClusterSummaries?.find(
    (c) => c.ClusterName === 'fixable',
  )?.ClusterArn;
  const clusterTags = (await sagemaker.send(new ListTagsCommand({ ResourceArn: arn! }))).Tags ?? [];
  kms.destroy();
  sagemaker.destroy();
  return {
    rotation: rotation.KeyRotationEnabled,
    doomed: doomedState,
    keyTags: Object.fromEntries(keyTags.map((t) => [t.TagKey, t.TagValue])),
    clusterTags: Object.fromEntries(clusterTags.map((t) => [t.Key, t.Value])),
  };
}

describe('fix (live)', () => {
  it('dry run by default: shows the fixes and changes nothing', async () => {
    const before = await state();
    const { code, out } = await fix();
    expect(code).toBe(0);
    expect(out).toContain('Dry run: nothing was changed.');
    expect(out).toMatch(/cancel-key-deletion +cancel the scheduled deletion of alias\/fix-doomed/);
    expect(out).toMatch(/enable-key-rotation +enable rotation of alias\/fix-rotation every 365 days/);
    expect(out).toMatch(/tag-key +tag alias\/fix-rotation with owner=ml, project=p/);
    expect(out).toContain('no value known for tag(s) data-sensitivity: pass --tag NAME=VALUE');
    expect(await state()).toEqual(before);
    expect(before).toMatchObject({ rotation: false, doomed: 'PendingDeletion', keyTags: {} });
  }, 120_000);

  it('--apply makes the fixes, with only the actions the published policies allow; a second run changes nothing', async () => {
    const recorder = recordCalls();
    const applied = await fix('--apply', '--tag', 'data-sensitivity=internal');
    recorder.stop();
    expect(applied.err).toBe('');
    expect(applied.code).toBe(0);
    const allowed = new Set([...policyActions(), ...fixerActions()]);
    expect([...recorder.actions()].filter((action) => !allowed.has(action)).sort()).toEqual([]);
    const writes = [...recorder.actions()].filter((action) => !policyActions().has(action)).sort();
    expect(writes).toEqual([...fixerActions()].sort());
    expect(await state()).toEqual({
      rotation: true,
      doomed: 'Enabled',
      keyTags: { owner: 'ml', project: 'p' },
      clusterTags: { owner: 'ml', project: 'p', 'data-sensitivity': 'internal' },
    });

    const again = recordCalls();
    const second = await fix('--apply', '--tag', 'data-sensitivity=internal');
    again.stop();
    expect(second.code).toBe(0);
    expect(second.out).toContain('Nothing to fix');
    expect([...again.actions()].filter((action) => fixerActions().has(action))).toEqual([]);
  }, 180_000);
});
