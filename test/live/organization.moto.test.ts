/**
 * A scan of a whole organization in moto: Organizations ListAccounts from the management account,
 * STS AssumeRole into each member, more clusters and aliases than one page, every VolumeKmsKeyId
 * form, a key in another member account, and each distinct key read exactly once. (moto ignores
 * the KMS page size, so KMS paging is tested against recorded response shapes in test/collectors.)
 */
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { collect } from '../../src/collectors/aws/collect.js';
import type { Inventory } from '../../src/model/inventory.js';
import { MotoAccount, withAwsEnv } from '../helpers/aws-estate.js';
import { actionsOutsidePolicy, recordCalls } from '../helpers/iam-policy.js';
import { memoryIo } from '../helpers/io.js';
import { motoUrl } from '../helpers/moto.js';
import { identityPerimeterStatement } from '../helpers/organization-policies.js';

const CLUSTERS = 105; // ListClusters pages hold 100
const KEYS = 24;

let management: MotoAccount;
let member: MotoAccount;
let other: MotoAccount;
let inventory: Inventory;
let keyArns: string[];
let crossKey: { arn: string; keyId: string };
let organizationId: string;
let guardId: string;
let perimeterId: string;
let rootId: string;
const recorder = recordCalls();

beforeAll(async () => {
  const url = motoUrl();
  management = await MotoAccount.create(url);
  const orgs = management.client(OrganizationsClient);
  const created = await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  organizationId = created.Organization!.Id!;
  const ids: string[] = [];
  for (const name of ['ml-prod', 'ml-research']) {
    const out = await orgs.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
    );
    ids.push(out.CreateAccountStatus!.AccountId!);
  }
  // A service control policy on the first member, beside the FullAWSAccess every target has.
  const guard = await orgs.send(
    new CreatePolicyCommand({
      Name: 'guard-keys',
      Description: 'keys are not deleted',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' },
          { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        ],
      }),
    }),
  );
  guardId = guard.Policy!.PolicySummary!.Id!;
  await orgs.send(new AttachPolicyCommand({ PolicyId: guardId, TargetId: ids[0] }));
  // A resource control policy on the second member: its keys only for the organization's principals.
  const perimeter = await orgs.send(
    new CreatePolicyCommand({
      Name: 'identity-perimeter',
      Description: 'keys only for principals of the organization',
      Type: 'RESOURCE_CONTROL_POLICY',
      Content: JSON.stringify({
        Version: '2012-10-17',
        Statement: [identityPerimeterStatement(organizationId)],
      }),
    }),
  );
  perimeterId = perimeter.Policy!.PolicySummary!.Id!;
  await orgs.send(new AttachPolicyCommand({ PolicyId: perimeterId, TargetId: ids[1] }));
  rootId = (await orgs.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  orgs.destroy();
  member = await MotoAccount.create(url, ids[0]);
  other = await MotoAccount.create(url, ids[1]);

  const role = await member.role('hyperpod-exec', [
    { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' },
  ]);
  crossKey = await other.key({ alias: 'alias/shared/cross', tags: { owner: 'platform', project: 'shared' } });
  const limit = pLimit(8);
  const keys = await Promise.all(
    Array.from({ length: KEYS }, (_, i) =>
      limit(() =>
        member.key({
          alias: `alias/hp/k${String(i).padStart(3, '0')}`,
          tags: { owner: 'ml', project: `p${i % 7}` },
        }),
      ),
    ),
  );
  keyArns = keys.map((k) => k.arn);
  // Every reference form, spread over the clusters; several groups share keys.
  const refs = (i: number): string => {
    const key = keys[i % KEYS]!;
    const alias = `alias/hp/k${String(i % KEYS).padStart(3, '0')}`;
    switch (i % 4) {
      case 0:
        return key.keyId;
      case 1:
        return key.arn;
      case 2:
        return alias;
      default:
        return `arn:aws:kms:us-east-1:${member.id}:${alias}`;
    }
  };
  const seeding: Promise<void>[] = [];
  for (let i = 0; i < CLUSTERS; i++) {
    const seed = () =>
      member.cluster(
        `c${String(i).padStart(3, '0')}`,
        [
          {
            name: 'gpu',
            role,
            root: refs(i),
            // The first cluster's secondary volume uses a key of another member account.
            secondary: i === 0 ? crossKey.arn : i === 1 ? 'alias/hp/does-not-exist' : refs(i + 1),
          },
        ],
        { tags: { owner: 'ml', project: `p${i % 7}`, 'data-sensitivity': 'internal' } },
      );
    seeding.push(limit(seed));
  }
  await Promise.all(seeding);
  const io = memoryIo();
  const code = await withAwsEnv(management.credentials, () =>
    runCli(
      [
        'collect',
        '--org',
        '--role-name',
        'HyperPodCmkAudit',
        '--region',
        'us-east-1',
        '--endpoint-url',
        url,
        '--no-cloudtrail',
      ],
      io,
    ),
  );
  expect(io.err()).not.toMatch(/internal error/);
  expect(code).toBe(3);
  inventory = JSON.parse(io.out()) as Inventory;
}, 120_000);

afterAll(() => recorder.stop());

describe('scan --org', () => {
  it('scans the management account and every member through AssumeRole', () => {
    expect(inventory.accounts.map((a) => a.id).sort()).toEqual([management.id, member.id, other.id].sort());
    expect(inventory.accounts.find((a) => a.id === member.id)?.name).toBe('ml-prod');
    const assumed = recorder.calls.filter((c) => c.operation === 'AssumeRole').map((c) => c.account);
    expect(new Set(assumed)).toEqual(new Set([member.id, other.id]));
    expect(recorder.calls.filter((c) => c.operation === 'ListAccounts').length).toBeGreaterThanOrEqual(1);
  });

  it("records each account's organization (DescribeOrganization), for aws:PrincipalOrgID", () => {
    expect(inventory.accounts.map((a) => a.organizationId)).toEqual([
      organizationId,
      organizationId,
      organizationId,
    ]);
    expect(inventory.gaps.filter((g) => g.operation === 'DescribeOrganization')).toEqual([]);
    // Once per account: the caller's answer names the management account too.
    expect(recorder.calls.filter((c) => c.operation === 'DescribeOrganization')).toHaveLength(3);
  });

  it('reads the service control policies over each member, root first; none for the management account', () => {
    const full = {
      id: 'p-FullAWSAccess',
      name: 'FullAWSAccess',
      kmsStatements: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    };
    const byId = new Map(inventory.accounts.map((a) => [a.id, a.serviceControlPolicies]));
    expect(byId.get(management.id)).toBeUndefined();
    const levels = byId.get(member.id)!;
    expect(levels.map((level) => level.target)).toEqual([rootId, member.id]);
    expect(levels[0]!.policies).toEqual([full]);
    expect([...levels[1]!.policies].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        full,
        {
          id: guardId,
          name: 'guard-keys',
          kmsStatements: [{ Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' }],
        },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(byId.get(other.id)?.map((level) => level.policies)).toEqual([[full], [full]]);
    expect(inventory.gaps.filter((g) => g.service === 'organizations')).toEqual([]);
    // Each policy, and each target's list of each type, is read once however many accounts it is
    // over: FullAWSAccess, the guard, RCPFullAWSAccess and the perimeter; the root and two members.
    const described = recorder.calls.filter((c) => c.operation === 'DescribePolicy');
    expect(described).toHaveLength(4);
    expect(recorder.calls.filter((c) => c.operation === 'ListPoliciesForTarget')).toHaveLength(6);
    expect(recorder.calls.filter((c) => c.operation === 'ListParents')).toHaveLength(2);
  });

  it('reads the resource control policies over each member, root first; none for the management account', () => {
    const full = {
      id: 'p-RCPFullAWSAccess',
      name: 'RCPFullAWSAccess',
      kmsStatements: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
    };
    const byId = new Map(inventory.accounts.map((a) => [a.id, a.resourceControlPolicies]));
    expect(byId.get(management.id)).toBeUndefined();
    expect(byId.get(member.id)).toEqual([
      { target: rootId, policies: [full] },
      { target: member.id, policies: [full] },
    ]);
    const levels = byId.get(other.id)!;
    expect(levels.map((level) => level.target)).toEqual([rootId, other.id]);
    expect([...levels[1]!.policies].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        full,
        {
          id: perimeterId,
          name: 'identity-perimeter',
          kmsStatements: [identityPerimeterStatement(organizationId)],
        },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('reads every cluster past the first page of ListClusters', () => {
    expect(inventory.clusters.filter((c) => c.account === member.id)).toHaveLength(CLUSTERS);
    expect(
      recorder.calls.filter((c) => c.operation === 'ListClusters' && c.account === member.id).length,
    ).toBe(2);
  });

  it('resolves every VolumeKmsKeyId form to the key ARN, and a missing alias to not-found', () => {
    const byName = new Map(inventory.clusters.map((c) => [c.name, c]));
    for (let i = 0; i < CLUSTERS; i++) {
      const root = (
        byName.get(`c${String(i).padStart(3, '0')}`)!.instanceGroups[0]!.volumes as { resolution?: unknown }[]
      )[0];
      expect(root?.resolution).toEqual({ status: 'resolved', keyArn: keyArns[i % KEYS] });
    }
    const c001 = byName.get('c001')!.instanceGroups[0]!.volumes as { resolution?: { status: string } }[];
    expect(c001[1]?.resolution?.status).toBe('not-found');
  });

  it('reads a key of another member account with that account’s credentials (policy and tags included)', () => {
    const c000 = inventory.clusters.find((c) => c.name === 'c000')!.instanceGroups[0]!.volumes as {
      resolution?: unknown;
    }[];
    expect(c000[1]?.resolution).toEqual({ status: 'resolved', keyArn: crossKey.arn });
    const key = inventory.keys.find((k) => k.arn === crossKey.arn)!;
    expect(key.account).toBe(other.id);
    expect(key.aliases).toEqual(['alias/shared/cross']);
    expect(key.tags).toEqual({ owner: 'platform', project: 'shared' });
    expect(key.policy).toBeDefined();
    expect(inventory.gaps.filter((g) => g.resource === crossKey.arn)).toEqual([]);
  });

  it('reads each distinct key once, and lists aliases once per account and Region', () => {
    const described = recorder.calls.filter((c) => c.operation === 'DescribeKey');
    expect(described).toHaveLength(KEYS + 1);
    for (const operation of ['GetKeyPolicy', 'ListGrants', 'ListResourceTags', 'GetKeyRotationStatus'])
      expect(recorder.calls.filter((c) => c.operation === operation)).toHaveLength(KEYS + 1);
    const aliasPages = recorder.calls.filter((c) => c.operation === 'ListAliases' && c.account === member.id);
    // One listing per account and Region (moto answers it in one page; paging is tested with recorded shapes).
    expect(aliasPages).toHaveLength(1);
    expect(inventory.keys.filter((k) => k.account === member.id)).toHaveLength(KEYS);
    expect(recorder.calls.filter((c) => c.operation === 'GetRole')).toHaveLength(1);
  });

  it('records only gaps it was asked to make (the skipped CloudTrail lookups)', () => {
    expect(inventory.gaps.filter((g) => g.code !== 'skipped')).toEqual([]);
    expect(inventory.gaps.filter((g) => g.code === 'skipped')).toHaveLength(3);
  });

  it('--all-regions scans every Region EC2 says is enabled', async () => {
    const result = await collect({
      endpoint: motoUrl(),
      credentials: async () => other.credentials,
      allRegions: true,
      defaultRegion: 'us-east-1',
      cloudtrail: false,
    });
    if (!result.ok) throw new Error(result.error.message);
    const regions = result.value.inventory.accounts[0]!.regions;
    expect(regions.length).toBeGreaterThan(15);
    expect(regions).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-southeast-2']));
    expect(
      recorder.calls.filter((c) => c.operation === 'DescribeRegions' && c.account === other.id),
    ).toHaveLength(1);
    expect(result.value.inventory.gaps.filter((g) => g.code !== 'skipped')).toEqual([]);
  });

  it('calls only the actions docs/iam-policy.json allows', () => {
    expect(actionsOutsidePolicy(recorder.actions())).toEqual([]);
  });
});
