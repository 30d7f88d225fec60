import {
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsSession } from '../../../src/collectors/aws/clients.js';
import { ScanContext } from '../../../src/collectors/aws/context.js';
import {
  describeOrganization,
  type Membership,
  OrganizationPolicies,
} from '../../../src/collectors/aws/organizations.js';
import { identityPerimeterStatement } from '../../helpers/organization-policies.js';

const ACCOUNT = '111122223333';
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });

/** A scan context whose Organizations client answers `send` with what the row says. */
function contextAnswering(answer: () => Promise<unknown>): ScanContext {
  const session = { for: () => ({ send: answer }) } as unknown as AwsSession;
  return new ScanContext(session, 'aws', true, undefined, undefined);
}

// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html
describe('describeOrganization: an account in an organization, in none, or unreadable', () => {
  const rows: [string, () => Promise<unknown>, Membership, [string, string][]][] = [
    [
      'in an organization',
      async () => ({ Organization: { Id: 'o-a1b2c3d4e5' } }),
      { id: 'o-a1b2c3d4e5' },
      [],
    ],
    [
      'with its management account',
      async () => ({ Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: '999988887777' } }),
      { id: 'o-a1b2c3d4e5', management: '999988887777' },
      [],
    ],
    [
      'with a management account that is no account id',
      async () => ({ Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: '9999\u001b[31m' } }),
      { id: 'o-a1b2c3d4e5' },
      [],
    ],
    [
      'in no organization (AWSOrganizationsNotInUseException)',
      async () => {
        throw awsError(
          'AWSOrganizationsNotInUseException',
          "Your account isn't a member of an organization.",
        );
      },
      { id: null },
      [],
    ],
    [
      'AccessDenied',
      async () => {
        throw awsError('AccessDeniedException');
      },
      { id: undefined },
      [['aws.access_denied', 'DescribeOrganization']],
    ],
    [
      'throttled past the retries',
      async () => {
        throw awsError('TooManyRequestsException');
      },
      { id: undefined },
      [['aws.throttled', 'DescribeOrganization']],
    ],
    [
      'an answer without a valid id',
      async () => ({ Organization: { Id: 'not-an-org\u001b[31m' } }),
      { id: undefined },
      [['aws.invalid_response', 'DescribeOrganization']],
    ],
    [
      'an empty answer',
      async () => ({}),
      { id: undefined },
      [['aws.invalid_response', 'DescribeOrganization']],
    ],
  ];
  it.each(rows)('%s', async (_name, answer, expected, gaps) => {
    const ctx = contextAnswering(answer);
    await expect(describeOrganization(ctx, ACCOUNT, 'us-east-1')).resolves.toEqual(expected);
    expect(ctx.gaps.map((g) => [g.code, g.operation])).toEqual(gaps);
    for (const g of ctx.gaps) expect(g).toMatchObject({ service: 'organizations', account: ACCOUNT });
  });
});

// https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListParents.html,
// API_ListPoliciesForTarget.html, API_DescribePolicy.html
describe('OrganizationPolicies: the SCP or RCP levels over an account, or a gap and none', () => {
  const OU = 'ou-ab12-cdef3456';
  const ROOT = 'r-ab12';
  const FULL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';
  const GUARD =
    '{"Statement":[{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}},{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}';
  type Answer = (input: Record<string, string>) => unknown;
  /** Organizations as `answers` says, by operation; `calls` lists what it was sent. */
  function organization(answers: {
    ListParents: Answer;
    ListPoliciesForTarget: Answer;
    DescribePolicy: Answer;
  }) {
    const mock = mockClient(OrganizationsClient);
    mocks.push(mock);
    const calls: string[] = [];
    const answer = (operation: string, reply: Answer) => async (input: Record<string, string>) => {
      calls.push(
        `${operation} ${Object.values(input)
          .filter((value) => value !== undefined)
          .join(' ')}`,
      );
      return reply(input);
    };
    mock.on(ListParentsCommand).callsFake(answer('ListParents', answers.ListParents));
    mock
      .on(ListPoliciesForTargetCommand)
      .callsFake(answer('ListPoliciesForTarget', answers.ListPoliciesForTarget));
    mock.on(DescribePolicyCommand).callsFake(answer('DescribePolicy', answers.DescribePolicy));
    const session = { for: () => new OrganizationsClient({ region: 'us-east-1' }) } as unknown as AwsSession;
    const ctx = new ScanContext(session, 'aws', true, undefined, undefined);
    return { ctx, calls, scps: new OrganizationPolicies(ctx, ACCOUNT, 'us-east-1') };
  }
  const mocks: { restore(): void }[] = [];
  afterEach(() => {
    for (const mock of mocks.splice(0)) mock.restore();
  });
  const parents = (input: Record<string, string>) =>
    input.ChildId === ROOT
      ? { Parents: [] }
      : input.ChildId === OU
        ? { Parents: [{ Id: ROOT, Type: 'ROOT' }] }
        : { Parents: [{ Id: OU, Type: 'ORGANIZATIONAL_UNIT' }] };
  const attached = (input: Record<string, string>) => ({
    Policies: [
      { Id: 'p-FullAWSAccess', Name: 'FullAWSAccess' },
      ...(input.TargetId === OU ? [{ Id: 'p-guard', Name: 'region-guard' }] : []),
    ],
  });
  const documents = (input: Record<string, string>) => ({
    Policy: { Content: input.PolicyId === 'p-guard' ? GUARD : FULL },
  });

  it('reads the chain up to the root, each level, each policy once, keeping KMS statements', async () => {
    const { ctx, calls, scps } = organization({
      ListParents: parents,
      ListPoliciesForTarget: attached,
      DescribePolicy: documents,
    });
    const [one, two] = await Promise.all([
      scps.forAccount('444455556666', 'SERVICE_CONTROL_POLICY'),
      scps.forAccount('777788889999', 'SERVICE_CONTROL_POLICY'),
    ]);
    const full = {
      id: 'p-FullAWSAccess',
      name: 'FullAWSAccess',
      kmsStatements: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    };
    expect(one).toEqual([
      { target: ROOT, policies: [full] },
      {
        target: OU,
        policies: [
          full,
          {
            id: 'p-guard',
            name: 'region-guard',
            kmsStatements: [
              {
                Effect: 'Deny',
                Action: 'kms:*',
                Resource: '*',
                Condition: { StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } },
                // the SCP has no Version
                documentVersion: null,
              },
            ],
          },
        ],
      },
      { target: '444455556666', policies: [full] },
    ]);
    expect(two?.map((level) => level.target)).toEqual([ROOT, OU, '777788889999']);
    expect(ctx.gaps).toEqual([]);
    // The OU and the root, their lists and the two policies, once for both accounts.
    expect(calls.filter((call) => call.startsWith('ListParents')).sort()).toEqual([
      'ListParents 444455556666',
      'ListParents 777788889999',
      `ListParents ${OU}`,
    ]);
    expect(calls.filter((call) => call.startsWith('DescribePolicy')).sort()).toEqual([
      'DescribePolicy p-FullAWSAccess',
      'DescribePolicy p-guard',
    ]);
  });

  it('a level that cannot be read leaves the SCPs out, with a gap; SCPs not enabled leave them out, without one', async () => {
    const denied = organization({
      ListParents: parents,
      ListPoliciesForTarget: (input) => {
        if (input.TargetId === OU) throw awsError('AccessDeniedException');
        return attached(input);
      },
      DescribePolicy: documents,
    });
    expect(await denied.scps.forAccount('444455556666', 'SERVICE_CONTROL_POLICY')).toBeUndefined();
    expect(denied.ctx.gaps).toMatchObject([
      {
        code: 'aws.access_denied',
        service: 'organizations',
        operation: 'ListPoliciesForTarget',
        resource: OU,
      },
    ]);
    const off = organization({
      ListParents: parents,
      ListPoliciesForTarget: () => {
        throw awsError('PolicyTypeNotEnabledException');
      },
      DescribePolicy: documents,
    });
    expect(await off.scps.forAccount('444455556666', 'SERVICE_CONTROL_POLICY')).toBeUndefined();
    expect(off.ctx.gaps).toEqual([]);
    const broken = organization({
      ListParents: parents,
      ListPoliciesForTarget: attached,
      DescribePolicy: () => ({ Policy: { Content: '{"Statement": "all"}' } }),
    });
    expect(await broken.scps.forAccount('444455556666', 'SERVICE_CONTROL_POLICY')).toBeUndefined();
    expect(broken.ctx.gaps).toMatchObject([
      {
        code: 'aws.invalid_response',
        operation: 'DescribePolicy',
        message: 'the service control policy is not a valid policy',
      },
    ]);
  });

  it('reads RCPs as SCPs: the chain once for both, each type by its own filter, an invalid RCP named as one', async () => {
    const RCP =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},"Bool":{"aws:PrincipalIsAWSService":"false"}}},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}';
    const { ctx, calls, scps } = organization({
      ListParents: parents,
      ListPoliciesForTarget: (input) =>
        input.Filter === 'RESOURCE_CONTROL_POLICY'
          ? {
              Policies: [
                { Id: 'p-RCPFullAWSAccess', Name: 'RCPFullAWSAccess' },
                ...(input.TargetId === ROOT ? [{ Id: 'p-perimeter', Name: 'perimeter' }] : []),
              ],
            }
          : attached(input),
      DescribePolicy: (input) =>
        input.PolicyId === 'p-perimeter'
          ? { Policy: { Content: RCP } }
          : input.PolicyId === 'p-RCPFullAWSAccess'
            ? {
                Policy: {
                  Content:
                    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}',
                },
              }
            : documents(input),
    });
    const [rcps, ownScps] = await Promise.all([
      scps.forAccount('444455556666', 'RESOURCE_CONTROL_POLICY'),
      scps.forAccount('444455556666', 'SERVICE_CONTROL_POLICY'),
    ]);
    const rcpFull = {
      id: 'p-RCPFullAWSAccess',
      name: 'RCPFullAWSAccess',
      kmsStatements: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
    };
    expect(rcps).toEqual([
      {
        target: ROOT,
        policies: [
          rcpFull,
          {
            id: 'p-perimeter',
            name: 'perimeter',
            kmsStatements: [identityPerimeterStatement('o-a1b2c3d4e5')],
          },
        ],
      },
      { target: OU, policies: [rcpFull] },
      { target: '444455556666', policies: [rcpFull] },
    ]);
    expect(ownScps?.map((level) => level.policies.map((policy) => policy.id))).toEqual([
      ['p-FullAWSAccess'],
      ['p-FullAWSAccess', 'p-guard'],
      ['p-FullAWSAccess'],
    ]);
    expect(ctx.gaps).toEqual([]);
    expect(calls.filter((call) => call.startsWith('ListParents')).sort()).toEqual([
      'ListParents 444455556666',
      `ListParents ${OU}`,
    ]);
    expect(calls.filter((call) => call.startsWith('ListPoliciesForTarget')).sort()).toEqual(
      [
        `ListPoliciesForTarget ${ROOT} RESOURCE_CONTROL_POLICY`,
        `ListPoliciesForTarget ${ROOT} SERVICE_CONTROL_POLICY`,
        `ListPoliciesForTarget ${OU} RESOURCE_CONTROL_POLICY`,
        `ListPoliciesForTarget ${OU} SERVICE_CONTROL_POLICY`,
        'ListPoliciesForTarget 444455556666 RESOURCE_CONTROL_POLICY',
        'ListPoliciesForTarget 444455556666 SERVICE_CONTROL_POLICY',
      ].sort(),
    );

    const broken = organization({
      ListParents: parents,
      ListPoliciesForTarget: attached,
      DescribePolicy: () => ({ Policy: { Content: '[]' } }),
    });
    expect(await broken.scps.forAccount('444455556666', 'RESOURCE_CONTROL_POLICY')).toBeUndefined();
    expect(broken.ctx.gaps).toMatchObject([
      { operation: 'DescribePolicy', message: 'the resource control policy is not a valid policy' },
    ]);
  });

  it('a chain of parents that never reaches a root is a gap, not a loop', async () => {
    const { ctx, scps } = organization({
      ListParents: () => ({ Parents: [{ Id: OU, Type: 'ORGANIZATIONAL_UNIT' }] }),
      ListPoliciesForTarget: attached,
      DescribePolicy: documents,
    });
    expect(await scps.forAccount('444455556666', 'SERVICE_CONTROL_POLICY')).toBeUndefined();
    expect(ctx.gaps).toMatchObject([
      { operation: 'ListParents', message: 'no root within 8 levels above the account' },
    ]);
  });
});
