/**
 * What the moto server cannot emulate, with AWS response shapes from shared/aws-facts.md played
 * through aws-sdk-client-mock: NodeProvisioningMode and the orchestrator, restricted instance
 * groups, AWS managed keys, RotationPeriodInDays, CloudTrail LookupEvents (both AccessDenied
 * spellings, unapproved policy changes, service grants), KMS paging (ListAliases, ListGrants,
 * ListKeys), the key selector, and a key in an account outside the scan.
 */
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  LookupEventsCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  DescribeClusterCommand,
  ListClustersCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../../src/collectors/aws/collect.js';
import { resolveConfig } from '../../../src/config/schema.js';
import type { Finding } from '../../../src/model/finding.js';
import type { Inventory } from '../../../src/model/inventory.js';
import { runPipeline } from '../../../src/pipeline.js';

const ACCOUNT = '111122223333';
const OUTSIDE = '999988887777';
const REGION = 'us-east-1';
const NOW = new Date('2026-11-20T09:00:00Z');
const arn = (id: string, account = ACCOUNT) => `arn:aws:kms:${REGION}:${account}:key/${id}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/hyperpod-exec`;
const GOOD = '1234abcd-12ab-34cd-56ef-1234567890ab';
const MANAGED = 'aaaa1111-2222-3333-4444-555566667777';
const LONG = 'bbbb1111-2222-3333-4444-555566667777';
const UNUSED = 'cccc1111-2222-3333-4444-555566667777';
const FOREIGN = 'dddd1111-2222-3333-4444-555566667777';
const clusterArn = (id: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:cluster/${id}`;

const policy = (roles: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Root',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      ...roles.map((role) => ({
        Effect: 'Allow',
        Principal: { AWS: role },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': `sagemaker.${REGION}.amazonaws.com` },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      })),
    ],
  });

const trailRecord = (fields: Record<string, unknown>) =>
  JSON.stringify({
    eventVersion: '1.08',
    eventSource: 'kms.amazonaws.com',
    awsRegion: REGION,
    recipientAccountId: ACCOUNT,
    ...fields,
  });

const mocks = {
  sts: mockClient(STSClient),
  sagemaker: mockClient(SageMakerClient),
  kms: mockClient(KMSClient),
  iam: mockClient(IAMClient),
  cloudtrail: mockClient(CloudTrailClient),
  organizations: mockClient(OrganizationsClient),
};
let inventory: Inventory;
let findings: Finding[];

beforeAll(async () => {
  mocks.sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/auditor`, UserId: 'AIDA' });
  // Two pages of clusters, the first one empty with a NextToken (MaxResults counts clusters evaluated).
  mocks.sagemaker
    .on(ListClustersCommand)
    .resolvesOnce({ ClusterSummaries: [], NextToken: 't1' })
    .resolvesOnce({
      ClusterSummaries: [
        {
          ClusterArn: clusterArn('aaaaaaaaaaaa'),
          ClusterName: 'eks-continuous',
          CreationTime: NOW,
          ClusterStatus: 'InService',
        },
        {
          ClusterArn: clusterArn('bbbbbbbbbbbb'),
          ClusterName: 'slurm-legacy',
          CreationTime: NOW,
          ClusterStatus: 'InService',
        },
      ],
    });
  mocks.sagemaker.on(DescribeClusterCommand, { ClusterName: clusterArn('aaaaaaaaaaaa') }).resolves({
    ClusterArn: clusterArn('aaaaaaaaaaaa'),
    ClusterName: 'eks-continuous',
    ClusterStatus: 'InService',
    NodeProvisioningMode: 'Continuous',
    Orchestrator: { Eks: { ClusterArn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/main` } },
    InstanceGroups: [
      {
        InstanceGroupName: 'gpu',
        ExecutionRole: ROLE,
        InstanceType: 'ml.p5.48xlarge',
        CurrentCount: 4,
        InstanceStorageConfigs: [
          { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: 'alias/hyperpod/gpu' } },
          { EbsVolumeConfig: { VolumeSizeInGB: 500, VolumeKmsKeyId: arn(LONG) } },
          { FsxLustreConfig: { DnsName: 'fs-1.fsx.us-east-1.amazonaws.com', MountName: 'abc' } },
        ],
      },
      {
        InstanceGroupName: 'cpu',
        ExecutionRole: ROLE,
        InstanceStorageConfigs: [
          { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: 'alias/aws/ebs' } },
          { EbsVolumeConfig: { VolumeSizeInGB: 100, VolumeKmsKeyId: arn(FOREIGN, OUTSIDE) } },
        ],
      },
    ],
    RestrictedInstanceGroups: [
      {
        InstanceGroupName: 'nova-rig',
        ExecutionRole: ROLE,
        InstanceStorageConfigs: [{ EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: GOOD } }],
      },
    ],
  });
  mocks.sagemaker.on(DescribeClusterCommand, { ClusterName: clusterArn('bbbbbbbbbbbb') }).resolves({
    ClusterArn: clusterArn('bbbbbbbbbbbb'),
    ClusterName: 'slurm-legacy',
    ClusterStatus: 'InService',
    Orchestrator: { Slurm: { SlurmConfigStrategy: 'Managed' } },
    InstanceGroups: [
      {
        InstanceGroupName: 'compute',
        ExecutionRole: ROLE,
        InstanceStorageConfigs: [{ EbsVolumeConfig: { VolumeSizeInGB: 100 } }],
      },
    ],
  });
  mocks.sagemaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'owner', Value: 'ml' }] });

  mocks.kms
    .on(ListAliasesCommand)
    .resolvesOnce({
      Aliases: [
        {
          AliasName: 'alias/hyperpod/gpu',
          AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/hyperpod/gpu`,
          TargetKeyId: GOOD,
        },
        {
          AliasName: 'alias/aws/sagemaker',
          AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/sagemaker`,
        },
      ],
      Truncated: true,
      NextMarker: 'm1',
    })
    .resolvesOnce({
      Aliases: [
        {
          AliasName: 'alias/aws/ebs',
          AliasArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/ebs`,
          TargetKeyId: MANAGED,
        },
        { AliasName: 'alias/hyperpod/long', TargetKeyId: LONG },
      ],
      Truncated: false,
    });
  const meta = (id: string, extra: object = {}) => ({
    KeyMetadata: {
      KeyId: id,
      Arn: arn(id),
      AWSAccountId: ACCOUNT,
      KeyState: 'Enabled' as const,
      Enabled: true,
      KeyManager: 'CUSTOMER' as const,
      KeySpec: 'SYMMETRIC_DEFAULT' as const,
      KeyUsage: 'ENCRYPT_DECRYPT' as const,
      Origin: 'AWS_KMS' as const,
      ...extra,
    },
  });
  mocks.kms.on(DescribeKeyCommand, { KeyId: arn(GOOD) }).resolves(meta(GOOD));
  mocks.kms.on(DescribeKeyCommand, { KeyId: arn(LONG) }).resolves(meta(LONG));
  mocks.kms.on(DescribeKeyCommand, { KeyId: arn(UNUSED) }).resolves(meta(UNUSED));
  mocks.kms.on(DescribeKeyCommand, { KeyId: arn(MANAGED) }).resolves(
    meta(MANAGED, {
      KeyManager: 'AWS',
      Description: 'Default key that protects my EBS volumes when no other key is defined',
    }),
  );
  mocks.kms.on(DescribeKeyCommand, { KeyId: arn(FOREIGN, OUTSIDE) }).resolves({
    KeyMetadata: { ...meta(FOREIGN).KeyMetadata, Arn: arn(FOREIGN, OUTSIDE), AWSAccountId: OUTSIDE },
  });
  mocks.kms.on(GetKeyRotationStatusCommand).callsFake((input: { KeyId?: string }) => ({
    KeyRotationEnabled: true,
    RotationPeriodInDays: input.KeyId === arn(LONG) ? 730 : 365,
  }));
  mocks.kms.on(GetKeyPolicyCommand).resolves({ Policy: policy([ROLE]), PolicyName: 'default' });
  const grantPages: Record<string, object> = {
    '': {
      Grants: [
        {
          GrantId: 'g1',
          KeyId: arn(GOOD),
          GranteePrincipal: ROLE,
          RetiringPrincipal: 'sagemaker.amazonaws.com',
          Operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext', 'CreateGrant'],
        },
      ],
      Truncated: true,
      NextMarker: 'g',
    },
    g: {
      Grants: [
        {
          GrantId: 'g2',
          KeyId: arn(GOOD),
          GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/contractor`,
          Operations: ['Decrypt'],
        },
        // The grant EBS makes for an attached volume (KMS developer guide, "Examining grants").
        {
          GrantId: 'g3',
          KeyId: arn(GOOD),
          Name: '0d8aa621-43ef-4657-b29c-3752c41dc132',
          GranteePrincipal: `arn:aws:sts::${ACCOUNT}:assumed-role/aws:ec2-infrastructure/i-5d476fab`,
          RetiringPrincipal: 'arn:aws:iam::123456789012:root',
          IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
          Operations: ['Decrypt'],
          Constraints: { EncryptionContextSubset: { 'aws:ebs:id': 'vol-5cccfb4e' } },
        },
        // A grant created with GranteeServicePrincipal: the field GranteePrincipal may be absent.
        {
          GrantId: 'g4',
          KeyId: arn(GOOD),
          GranteeServicePrincipal: 'sagemaker.amazonaws.com',
          RetiringServicePrincipal: 'sagemaker.amazonaws.com',
          Operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext'],
        },
      ],
      Truncated: false,
    },
  };
  mocks.kms
    .on(ListGrantsCommand)
    .callsFake((input: { KeyId?: string; Marker?: string }) =>
      input.KeyId === arn(GOOD) ? grantPages[input.Marker ?? ''] : { Grants: [], Truncated: false },
    );
  mocks.kms.on(ListKeysCommand).callsFake((input: { Marker?: string }) =>
    input.Marker === 'k'
      ? { Keys: [{ KeyId: UNUSED, KeyArn: arn(UNUSED) }], Truncated: false }
      : {
          Keys: [
            { KeyId: GOOD, KeyArn: arn(GOOD) },
            { KeyId: MANAGED, KeyArn: arn(MANAGED) },
          ],
          Truncated: true,
          NextMarker: 'k',
        },
  );
  const keyTags: Record<string, { TagKey: string; TagValue: string }[]> = {
    [arn(UNUSED)]: [
      { TagKey: 'hyperpod', TagValue: 'true' },
      { TagKey: 'owner', TagValue: 'ml' },
    ],
    [arn(GOOD)]: [{ TagKey: 'hyperpod', TagValue: 'true' }],
  };
  mocks.kms
    .on(ListResourceTagsCommand)
    .callsFake((input: { KeyId?: string }) => ({ Tags: keyTags[input.KeyId ?? ''] ?? [], Truncated: false }));

  mocks.iam.on(GetRoleCommand).resolves({
    Role: { RoleName: 'hyperpod-exec', RoleId: 'AROAEXAMPLE', Arn: ROLE, Path: '/', CreateDate: NOW },
  });
  mocks.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [], IsTruncated: false });
  mocks.iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['kms'], IsTruncated: false });
  mocks.iam.on(GetRolePolicyCommand).resolves({
    RoleName: 'hyperpod-exec',
    PolicyName: 'kms',
    PolicyDocument: encodeURIComponent(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' },
          { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        ],
      }),
    ),
  });

  mocks.cloudtrail.on(DescribeTrailsCommand).resolves({
    trailList: [
      {
        Name: 'org-audit',
        TrailARN: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org-audit`,
        HomeRegion: REGION,
        IsMultiRegionTrail: true,
        IsOrganizationTrail: true,
      },
    ],
  });
  mocks.cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
  mocks.cloudtrail.on(GetEventSelectorsCommand).resolves({
    AdvancedEventSelectors: [
      { Name: 'mgmt', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
    ],
  });
  mocks.cloudtrail
    .on(LookupEventsCommand)
    .callsFake((input: { LookupAttributes?: { AttributeKey?: string; AttributeValue?: string }[] }) => {
      const attribute = input.LookupAttributes?.[0];
      if (attribute?.AttributeKey === 'ResourceName' && attribute.AttributeValue === arn(GOOD)) {
        return {
          Events: [
            {
              EventId: 'e1',
              EventName: 'CreateGrant',
              EventTime: new Date('2026-11-18T03:12:44Z'),
              CloudTrailEvent: trailRecord({
                eventID: 'e1',
                eventName: 'CreateGrant',
                errorCode: 'AccessDenied',
                errorMessage: 'not authorized',
                userIdentity: {
                  type: 'AssumedRole',
                  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/hyperpod-exec/SageMaker`,
                },
                resources: [{ ARN: arn(GOOD), accountId: ACCOUNT, type: 'AWS::KMS::Key' }],
              }),
            },
            {
              EventId: 'e2',
              EventName: 'Decrypt',
              EventTime: new Date('2026-11-19T22:41:09Z'),
              // A failed event without resources[]: the key is named only in requestParameters.
              CloudTrailEvent: trailRecord({
                eventID: 'e2',
                eventName: 'Decrypt',
                errorCode: 'AccessDeniedException',
                userIdentity: {
                  type: 'AssumedRole',
                  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/sandbox/mallory`,
                },
                requestParameters: { keyId: arn(GOOD) },
              }),
            },
            {
              EventId: 'e3',
              EventName: 'Decrypt',
              EventTime: new Date('2026-11-19T23:00:00Z'),
              CloudTrailEvent: trailRecord({
                eventID: 'e3',
                eventName: 'Decrypt',
                userIdentity: { type: 'AWSService', invokedBy: 'ebs.amazonaws.com' },
                resources: [{ ARN: arn(GOOD) }],
              }),
            },
            {
              EventId: 'e4',
              EventName: 'CreateGrant',
              EventTime: new Date('2026-11-17T10:00:00Z'),
              CloudTrailEvent: trailRecord({
                eventID: 'e4',
                eventName: 'CreateGrant',
                userIdentity: {
                  type: 'AssumedRole',
                  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/hyperpod-exec/SageMaker`,
                  invokedBy: 'sagemaker.amazonaws.com',
                },
                requestParameters: { keyId: arn(GOOD), granteePrincipal: ROLE },
                responseElements: { keyId: arn(GOOD) },
              }),
            },
          ],
        };
      }
      if (attribute?.AttributeKey === 'EventName' && attribute.AttributeValue === 'PutKeyPolicy') {
        return {
          Events: [
            {
              EventId: 'e5',
              EventName: 'PutKeyPolicy',
              EventTime: new Date('2026-11-15T16:30:00Z'),
              CloudTrailEvent: trailRecord({
                eventID: 'e5',
                eventName: 'PutKeyPolicy',
                userIdentity: {
                  type: 'AssumedRole',
                  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/developer/alice`,
                },
                requestParameters: { keyId: 'alias/hyperpod/long' },
              }),
            },
            {
              EventId: 'e6',
              EventName: 'PutKeyPolicy',
              EventTime: new Date('2026-11-15T16:31:00Z'),
              // A key the scan does not hold: dropped.
              CloudTrailEvent: trailRecord({
                eventID: 'e6',
                eventName: 'PutKeyPolicy',
                userIdentity: { arn: 'x' },
                requestParameters: { keyId: 'alias/unrelated' },
              }),
            },
          ],
          NextToken: undefined,
        };
      }
      return { Events: [] };
    });

  mocks.organizations.on(DescribeOrganizationCommand).resolves({
    Organization: { Id: 'o-a1b2c3d4e5', Arn: `arn:aws:organizations::${ACCOUNT}:organization/o-a1b2c3d4e5` },
  });

  const result = await collect({
    regions: [REGION],
    credentials: async () => ({ accessKeyId: 'AKIA', secretAccessKey: 'secret' }),
    keySelectorTags: { hyperpod: 'true' },
    now: NOW,
    lookbackDays: 30,
  });
  if (!result.ok) throw new Error(result.error.message);
  inventory = result.value.inventory;
  findings = runPipeline(inventory, {
    config: resolveConfig({
      keySelector: { tags: { hyperpod: 'true' } },
      approvedPolicyEditors: ['arn:aws:sts::*:assumed-role/platform-deployer/*'],
    }),
    now: NOW,
  }).evaluation.findings;
});

afterAll(() => {
  for (const mock of Object.values(mocks)) mock.restore();
});

const finding = (ruleId: string, id: string) =>
  findings.find((f) => f.ruleId === ruleId && f.resource.id === id);
const group = (cluster: string, name: string) => `${clusterArn(cluster)}/instance-group/${name}`;

describe('collect against AWS response shapes', () => {
  it("records each account's organization (DescribeOrganization), for aws:PrincipalOrgID", () => {
    expect(inventory.accounts.map((a) => [a.id, a.organizationId])).toEqual([[ACCOUNT, 'o-a1b2c3d4e5']]);
    expect(mocks.organizations.commandCalls(DescribeOrganizationCommand)).toHaveLength(1);
  });

  it('reads NodeProvisioningMode and the orchestrator from AWS, where absent means unset', () => {
    const [eks, slurm] = inventory.clusters;
    expect(eks).toMatchObject({
      name: 'eks-continuous',
      orchestrator: 'eks',
      nodeProvisioningMode: 'Continuous',
    });
    expect(eks!.notCollected).toBeUndefined();
    expect(slurm).toMatchObject({ name: 'slurm-legacy', orchestrator: 'slurm', nodeProvisioningMode: null });
    expect(finding('hyperpod-cmk-provisioning-mode', clusterArn('aaaaaaaaaaaa'))?.status).toBe('FAIL'); // a key on the RIG
    expect(finding('hyperpod-cmk-provisioning-mode', clusterArn('bbbbbbbbbbbb'))?.messageId).toBe(
      'legacyMode',
    );
  });

  it('keeps restricted instance groups, and FSx entries out of the volumes', () => {
    const eks = inventory.clusters[0]!;
    expect(eks.instanceGroups.map((g) => [g.name, g.kind])).toEqual([
      ['gpu', 'regular'],
      ['cpu', 'regular'],
      ['nova-rig', 'restricted'],
    ]);
    expect(eks.instanceGroups[0]!.volumes).toHaveLength(2);
    expect(finding('hyperpod-root-volume-cmk', group('aaaaaaaaaaaa', 'nova-rig'))?.status).toBe(
      'NOT_APPLICABLE',
    );
  });

  it('keeps AWS managed keys as AWS, reads nothing more about them, and fails the volume', () => {
    const managed = inventory.keys.find((k) => k.arn === arn(MANAGED))!;
    expect(managed.metadata?.keyManager).toBe('AWS');
    expect(managed.aliases).toEqual(['alias/aws/ebs']);
    expect(managed.policy).toBeUndefined();
    expect(mocks.kms.commandCalls(GetKeyPolicyCommand, { KeyId: arn(MANAGED) })).toHaveLength(0);
    expect(finding('hyperpod-root-volume-cmk', group('aaaaaaaaaaaa', 'cpu'))?.status).toBe('FAIL');
    expect(finding('kms-key-rotation-enabled', arn(MANAGED))?.status).toBe('NOT_APPLICABLE');
  });

  it('reads RotationPeriodInDays and fails a period above the maximum', () => {
    expect(inventory.keys.find((k) => k.arn === arn(LONG))?.rotation).toEqual({
      enabled: true,
      periodInDays: 730,
    });
    expect(finding('kms-key-rotation-enabled', arn(LONG))?.status).toBe('FAIL');
    expect(finding('kms-key-rotation-enabled', arn(GOOD))?.status).toBe('PASS');
  });

  it('follows every page of ListAliases, ListGrants and ListKeys', () => {
    expect(inventory.keys.find((k) => k.arn === arn(GOOD))?.grants?.map((g) => g.grantId)).toEqual([
      'g1',
      'g2',
      'g3',
      'g4',
    ]);
    expect(inventory.keys.find((k) => k.arn === arn(LONG))?.aliases).toEqual(['alias/hyperpod/long']);
    expect(mocks.kms.commandCalls(ListAliasesCommand)).toHaveLength(2);
    expect(finding('kms-key-grants-scoped', arn(GOOD))?.status).toBe('FAIL');
  });

  it('keeps the service-principal grant fields apart, and passes grants EBS and services make for themselves', () => {
    const grants = inventory.keys.find((k) => k.arn === arn(GOOD))?.grants ?? [];
    expect(grants.find((g) => g.grantId === 'g3')).toEqual({
      grantId: 'g3',
      name: '0d8aa621-43ef-4657-b29c-3752c41dc132',
      granteePrincipal: `arn:aws:sts::${ACCOUNT}:assumed-role/aws:ec2-infrastructure/i-5d476fab`,
      retiringPrincipal: 'arn:aws:iam::123456789012:root',
      issuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
      operations: ['Decrypt'],
      constraints: { EncryptionContextSubset: { 'aws:ebs:id': 'vol-5cccfb4e' } },
    });
    expect(grants.find((g) => g.grantId === 'g4')).toEqual({
      grantId: 'g4',
      granteeServicePrincipal: 'sagemaker.amazonaws.com',
      retiringServicePrincipal: 'sagemaker.amazonaws.com',
      operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext'],
    });
    const scoped = finding('kms-key-grants-scoped', arn(GOOD));
    expect(scoped?.status).toBe('FAIL');
    expect(scoped?.message).toBe(
      `1 grant on alias/hyperpod/gpu to principals that do not consume it: arn:aws:iam::${ACCOUNT}:user/contractor`,
    );
  });

  it('selects unused keys by tag with ListKeys, skipping AWS managed keys, one tag lookup per key', () => {
    expect(finding('kms-key-unused', arn(UNUSED))?.status).toBe('FAIL');
    expect(finding('kms-key-unused', arn(GOOD))?.status).toBe('PASS');
    expect(mocks.kms.commandCalls(ListResourceTagsCommand, { KeyId: arn(MANAGED) })).toHaveLength(0);
    expect(mocks.kms.commandCalls(ListResourceTagsCommand, { KeyId: arn(GOOD) })).toHaveLength(1);
    expect(mocks.kms.commandCalls(DescribeKeyCommand, { KeyId: arn(GOOD) })).toHaveLength(1);
  });

  it('reads a key outside the scanned accounts across accounts, with gaps for what only its owner may read', () => {
    const foreign = inventory.keys.find((k) => k.arn === arn(FOREIGN, OUTSIDE))!;
    expect(foreign.account).toBe(OUTSIDE);
    expect(foreign.metadata).toBeDefined();
    expect(foreign.grants).toEqual([]);
    expect(
      inventory.gaps.filter((g) => g.resource === foreign.arn).map((g) => [g.code, g.operation]),
    ).toEqual([
      ['aws.cross_account', 'GetKeyPolicy'],
      ['aws.cross_account', 'ListResourceTags'],
    ]);
    expect(finding('kms-key-policy-no-public-access', foreign.arn)?.status).toBe('UNKNOWN');
  });

  it('maps LookupEvents into events: both AccessDenied spellings, the key from resources or requestParameters', () => {
    const events = inventory.events;
    expect(events.map((e) => e.eventId)).toEqual(['e5', 'e4', 'e1', 'e2']); // routine Decrypt and other keys' events dropped
    expect(events.find((e) => e.eventId === 'e2')).toMatchObject({
      errorCode: 'AccessDeniedException',
      keyRef: arn(GOOD),
      principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/sandbox/mallory`,
    });
    expect(events.find((e) => e.eventId === 'e4')).toMatchObject({
      grantIsForAwsResource: true,
      invokedBy: 'sagemaker.amazonaws.com',
      granteePrincipal: ROLE,
    });
    expect(events.find((e) => e.eventId === 'e1')).toMatchObject({
      errorCode: 'AccessDenied',
      grantIsForAwsResource: false,
    });
    expect(inventory.eventsCollected).toEqual([
      { account: ACCOUNT, region: REGION, since: '2026-10-21T09:00:00.000Z' },
    ]);
    expect(finding('kms-key-unauthorized-access-attempts', arn(GOOD))?.status).toBe('FAIL');
    expect(finding('kms-key-policy-change-unapproved', arn(LONG))?.status).toBe('FAIL');
    expect(finding('kms-key-policy-change-unapproved', arn(GOOD))?.status).toBe('PASS');
  });

  it('reads trails with advanced selectors, and keeps only the KMS statements of the role', () => {
    expect(inventory.trails).toMatchObject([
      {
        name: 'org-audit',
        isMultiRegion: true,
        isLogging: true,
        logsManagementEvents: true,
        excludesKmsEvents: false,
      },
    ]);
    expect(finding('account-kms-audit-trail', ACCOUNT)?.status).toBe('PASS');
    expect(inventory.roles).toEqual([
      expect.objectContaining({
        arn: ROLE,
        roleId: 'AROAEXAMPLE',
        policiesCollected: true,
        kmsStatements: [{ Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' }],
      }),
    ]);
    expect(inventory.gaps.filter((g) => g.code !== 'aws.cross_account')).toEqual([]);
  });
});
