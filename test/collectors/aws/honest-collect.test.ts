/**
 * The collector never takes a passing state or an empty answer for a fact: a throttled
 * GetCallerIdentity is retried and never blamed on credentials, a response without the field that
 * carries its data is a gap, and an organization with no account to scan is an input error.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { describe, expect, it, vi } from 'vitest';
import type { AwsSession } from '../../../src/collectors/aws/clients.js';
import { ScanContext } from '../../../src/collectors/aws/context.js';
import { classifyError } from '../../../src/collectors/aws/errors.js';
import { collectCluster, listClusters } from '../../../src/collectors/aws/sagemaker.js';
import type * as Sts from '../../../src/collectors/aws/sts.js';

const { callerIdentity } = await vi.importActual<typeof Sts>('../../../src/collectors/aws/sts.js');

const orgAccounts = vi.hoisted(() => ({ list: [] as { id: string; name?: string; state: string }[] }));
vi.mock('../../../src/collectors/aws/organizations.js', () => ({
  listOrgAccounts: async () => orgAccounts.list,
}));
vi.mock('../../../src/collectors/aws/sts.js', async (importOriginal) => ({
  ...(await importOriginal<typeof Sts>()),
  callerIdentity: async () => ({
    account: '111122223333',
    arn: 'arn:aws:sts::111122223333:assumed-role/audit/s',
    partition: 'aws',
  }),
}));

const throttle = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });

function stsSession(answers: (() => unknown)[], maxAttempts = 3) {
  const send = vi.fn(async () => {
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  });
  return { session: { maxAttempts, baseSts: () => ({ send }) } as unknown as AwsSession, send };
}

describe('GetCallerIdentity', () => {
  it('a throttle is retried within the attempt budget, then the identity is read', async () => {
    const { session, send } = stsSession([
      () => {
        throw throttle();
      },
      () => {
        throw throttle();
      },
      () => ({ Account: '111122223333', Arn: 'arn:aws:sts::111122223333:assumed-role/audit/s' }),
    ]);
    await expect(callerIdentity(session, 'us-east-1', { baseDelayMs: 1 })).resolves.toEqual({
      account: '111122223333',
      arn: 'arn:aws:sts::111122223333:assumed-role/audit/s',
      partition: 'aws',
    });
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('bad credentials fail at once, without retries', async () => {
    const denied = Object.assign(new Error('The security token included in the request is invalid'), {
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
    });
    const { session, send } = stsSession([
      () => {
        throw denied;
      },
    ]);
    await expect(callerIdentity(session, 'us-east-1', { baseDelayMs: 1 })).rejects.toBe(denied);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('a throttle that outlasts the retries is reported as a throttle, not as credentials', async () => {
    const { startError } = await import('../../../src/collectors/aws/collect.js');
    const error = startError(throttle(), {});
    expect(error.code).toBe('aws.throttled');
    expect(error.message).toBe(
      'sts:GetCallerIdentity was still throttled after its retries (ThrottlingException: Rate exceeded); the credentials were not rejected',
    );
    expect(error.hint).not.toMatch(/credentials/);
  });
});

describe('--org', () => {
  const credentials = async () => ({ accessKeyId: 'a', secretAccessKey: 'b' });
  it.each([
    [[], 'organizations:ListAccounts returned no account: there is nothing to scan'],
    [
      [{ id: '222233334444', name: 'closed', state: 'SUSPENDED' }],
      "none of the organization's 1 accounts is ACTIVE: there is nothing to scan",
    ],
  ])('with no active account is an input error: %j', async (accounts, message) => {
    orgAccounts.list = accounts;
    const { collect } = await import('../../../src/collectors/aws/collect.js');
    const result = await collect({ org: true, roleName: 'Audit', regions: ['us-east-1'], credentials });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: 'aws.org_empty', input: '--org', message });
  });
});

function sagemakerContext(responses: Record<string, unknown>) {
  const send = vi.fn(async (command: { constructor: { name: string } }) => {
    const name = command.constructor.name.replace(/Command$/, '');
    if (name in responses) return responses[name];
    throw new Error(`unexpected ${name}`);
  });
  // A real client (the SDK's paginators check the class) whose requests never leave the test.
  const client = Object.assign(new SageMakerClient({ region: 'us-east-1' }), { send });
  const session = { for: () => client } as unknown as AwsSession;
  return new ScanContext(session, 'aws', true, undefined, undefined);
}

describe('empty successful responses are gaps', () => {
  it('a ListClusters page without ClusterSummaries throws an invalid-response error', async () => {
    const ctx = sagemakerContext({ ListClusters: {} });
    const error = await listClusters(ctx, '111122223333', 'us-east-1').catch((e: unknown) => e);
    expect(classifyError(error)).toEqual({
      code: 'aws.invalid_response',
      name: 'IncompleteResponse',
      message: 'ListClusters returned a page without ClusterSummaries',
    });
  });

  it('an empty ClusterSummaries list is a Region with no cluster', async () => {
    const ctx = sagemakerContext({ ListClusters: { ClusterSummaries: [] } });
    await expect(listClusters(ctx, '111122223333', 'us-east-1')).resolves.toEqual([]);
  });

  it('a DescribeCluster without InstanceGroups leaves the groups unknown, with a gap', async () => {
    const arn = 'arn:aws:sagemaker:us-east-1:111122223333:cluster/abc';
    const ctx = sagemakerContext({
      DescribeCluster: { ClusterArn: arn, ClusterName: 'abc', ClusterStatus: 'InService' },
      ListTags: { Tags: [] },
    });
    const cluster = await collectCluster(ctx, '111122223333', 'us-east-1', { arn, name: 'abc' });
    expect(cluster?.instanceGroups).toEqual([]);
    expect(cluster?.instanceGroupsUnresolved).toEqual({
      unresolved: 'DescribeCluster',
      reason: 'DescribeCluster failed (aws.invalid_response): DescribeCluster returned no InstanceGroups',
    });
    expect(ctx.gaps).toEqual([
      {
        code: 'aws.invalid_response',
        service: 'sagemaker',
        operation: 'DescribeCluster',
        account: '111122223333',
        region: 'us-east-1',
        resource: arn,
        message: 'DescribeCluster returned no InstanceGroups',
      },
    ]);
  });
});
