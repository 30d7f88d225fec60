/**
 * Live response shapes the AWS API reference documents and an emulator does not produce, played
 * through the whole live path (collect, then the rules) with aws-sdk-client-mock: KeyMetadata with
 * its optional members left out, a multi-Region key Updating or replicated, a cross-account key
 * and the EBS grants of the account that uses it, an alias ARN of another Region, a key that
 * cannot encrypt EBS, ListClusters and DescribeCluster answers that leave out an ARN, a group
 * name or the instance group list. Each case states the findings the shape must give.
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
import { describe, expect, it } from 'vitest';
import { AwsSession } from '../../../src/collectors/aws/clients.js';
import { collect } from '../../../src/collectors/aws/collect.js';
import { ScanContext } from '../../../src/collectors/aws/context.js';
import { KmsCollector } from '../../../src/collectors/aws/kms.js';
import { type Config, resolveConfig } from '../../../src/config/schema.js';
import type { Finding } from '../../../src/model/finding.js';
import type { Inventory } from '../../../src/model/inventory.js';
import { serializeSnapshot } from '../../../src/model/snapshot.js';
import { runPipeline } from '../../../src/pipeline.js';
import { findRule } from '../../../src/rules/registry.js';
import { verdictsOf } from '../../helpers/rule-tester.js';

const ACCOUNT = '111122223333';
const OTHER = '999988887777';
const REGION = 'us-east-1';
const NOW = new Date('2026-11-20T09:00:00Z');
const ROLE = `arn:aws:iam::${ACCOUNT}:role/hyperpod-exec`;
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK = 'mrk-1234abcd12ab34cd56ef1234567890ab';
const keyArn = (id: string, account = ACCOUNT, region = REGION) =>
  `arn:aws:kms:${region}:${account}:key/${id}`;
const clusterArn = (id: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:cluster/${id}`;
const CLUSTER = clusterArn('aaaaaaaaaaaa');
const GROUP = `${CLUSTER}/instance-group/gpu`;

/** A complete DescribeKey answer for a customer managed symmetric key, with overrides. */
const described = (extra: Record<string, unknown> = {}, id = KEY, arn = keyArn(id)) => ({
  KeyMetadata: {
    KeyId: id,
    Arn: arn,
    AWSAccountId: arn.split(':')[4],
    KeyState: 'Enabled',
    Enabled: true,
    KeyManager: 'CUSTOMER',
    KeySpec: 'SYMMETRIC_DEFAULT',
    KeyUsage: 'ENCRYPT_DECRYPT',
    Origin: 'AWS_KMS',
    MultiRegion: false,
    ...extra,
  },
});

const rootOn = (keyId: string) => ({ EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: keyId } });
const continuous = (groups: unknown[] | undefined, extra: Record<string, unknown> = {}) => ({
  ClusterArn: CLUSTER,
  ClusterName: 'eks-continuous',
  ClusterStatus: 'InService',
  NodeProvisioningMode: 'Continuous',
  Orchestrator: { Eks: { ClusterArn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/main` } },
  InstanceGroups: groups,
  ...extra,
});
const gpu = (configs: unknown[]) => ({
  InstanceGroupName: 'gpu',
  ExecutionRole: ROLE,
  InstanceStorageConfigs: configs,
});

const awsError = (name: string, message = name) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

interface Scenario {
  /** ListClusters summaries (or each page's answer); default: one per described cluster. */
  summaries?: Record<string, unknown>[] | (() => unknown);
  /** DescribeCluster answers by the ClusterName asked (ARN or name). */
  clusters: Record<string, Record<string, unknown>>;
  /** DescribeKey answers (or errors) by the KeyId asked and the Region of the client asked. */
  describeKey: (keyId: string, region: string) => unknown;
  grants?: (keyId: string) => unknown;
  /** DescribeTrails' trails, with the GetTrailStatus answer for each; default: none. */
  trails?: {
    trailList: Record<string, unknown>[];
    status: Record<string, unknown>;
    selectors?: Record<string, unknown>;
  };
  /** GetKeyRotationStatus's answer; default: enabled, every 365 days. */
  rotation?: Record<string, unknown>;
  /** GetKeyPolicy's Policy text; default: the account root may do everything. */
  policy?: string;
  /** GetRole's error for the execution role; default: the role exists. */
  getRoleError?: Error;
  /** ListAliases' answer (or error); default: no alias. */
  aliases?: unknown;
  /** ListKeys' keys (for the key selector of config.keySelector); default: none. */
  listKeys?: { KeyId: string; KeyArn: string }[];
  /** ListResourceTags' answer (or error) by the key ARN asked; default: no tags. */
  keyTags?: (keyArn: string) => unknown;
  config?: Config;
}

interface Scanned {
  inventory: Inventory;
  findings: Finding[];
  /** The KMS commands sent, by class name. */
  kmsCalls: string[];
  config: Config;
}

/** One live scan of the scenario, then the rules: the inventory, the findings, the KMS calls. */
async function scan(scenario: Scenario): Promise<Scanned> {
  const mocks = {
    sts: mockClient(STSClient),
    sagemaker: mockClient(SageMakerClient),
    kms: mockClient(KMSClient),
    iam: mockClient(IAMClient),
    cloudtrail: mockClient(CloudTrailClient),
    organizations: mockClient(OrganizationsClient),
  };
  try {
    mocks.sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/auditor` });
    const summaries =
      scenario.summaries ??
      Object.values(scenario.clusters).map((c) => ({
        ClusterArn: c.ClusterArn,
        ClusterName: c.ClusterName,
        ClusterStatus: c.ClusterStatus,
        CreationTime: NOW,
      }));
    if (typeof summaries === 'function')
      mocks.sagemaker.on(ListClustersCommand).callsFake(async () => summaries());
    else mocks.sagemaker.on(ListClustersCommand).resolves({ ClusterSummaries: summaries as never });
    mocks.sagemaker.on(DescribeClusterCommand).callsFake(async (input: { ClusterName: string }) => {
      const answer = scenario.clusters[input.ClusterName];
      if (!answer) throw awsError('ResourceNotFound');
      return answer;
    });
    mocks.sagemaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'owner', Value: 'ml' }] });
    mocks.kms.on(ListAliasesCommand).callsFake(async () => {
      const answer = scenario.aliases ?? { Aliases: [], Truncated: false };
      if (answer instanceof Error) throw answer;
      return answer;
    });
    mocks.kms
      .on(DescribeKeyCommand)
      .callsFake(async (input: { KeyId: string }, getClient: () => KMSClient) => {
        const answer = scenario.describeKey(input.KeyId, await getClient().config.region());
        if (answer instanceof Error) throw answer;
        if (answer === undefined) throw awsError('NotFoundException', `Key '${input.KeyId}' does not exist`);
        return answer;
      });
    mocks.kms
      .on(GetKeyRotationStatusCommand)
      .resolves(scenario.rotation ?? { KeyRotationEnabled: true, RotationPeriodInDays: 365 });
    mocks.kms.on(GetKeyPolicyCommand).resolves({
      PolicyName: 'default',
      Policy:
        scenario.policy ??
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
              Action: 'kms:*',
              Resource: '*',
            },
          ],
        }),
    });
    mocks.kms
      .on(ListGrantsCommand)
      .callsFake(
        async (input: { KeyId: string }) =>
          scenario.grants?.(input.KeyId) ?? { Grants: [], Truncated: false },
      );
    mocks.kms.on(ListResourceTagsCommand).callsFake(async (input: { KeyId: string }) => {
      const answer = scenario.keyTags?.(input.KeyId) ?? { Tags: [], Truncated: false };
      if (answer instanceof Error) throw answer;
      return answer;
    });
    mocks.kms.on(ListKeysCommand).resolves({ Keys: scenario.listKeys ?? [], Truncated: false });
    if (scenario.getRoleError) mocks.iam.on(GetRoleCommand).rejects(scenario.getRoleError);
    else
      mocks.iam.on(GetRoleCommand).resolves({
        Role: { RoleName: 'hyperpod-exec', RoleId: 'AROAEXAMPLE', Arn: ROLE, Path: '/', CreateDate: NOW },
      });
    mocks.iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [], IsTruncated: false });
    mocks.iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [], IsTruncated: false });
    mocks.cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: scenario.trails?.trailList ?? [] });
    mocks.cloudtrail.on(GetTrailStatusCommand).resolves(scenario.trails?.status ?? {});
    mocks.cloudtrail.on(GetEventSelectorsCommand).resolves(
      scenario.trails?.selectors ?? {
        AdvancedEventSelectors: [
          { Name: 'mgmt', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
        ],
      },
    );
    mocks.cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
    mocks.organizations
      .on(DescribeOrganizationCommand)
      .rejects(awsError('AWSOrganizationsNotInUseException'));
    const selector = scenario.config?.keySelector?.tags;
    const result = await collect({
      regions: [REGION],
      credentials: async () => ({ accessKeyId: 'AKIA', secretAccessKey: 'secret' }),
      now: NOW,
      maxAttempts: 1,
      ...(selector ? { keySelectorTags: selector } : {}),
    });
    if (!result.ok) throw new Error(result.error.message);
    const inventory: Inventory = result.value.inventory;
    const findings = runPipeline(inventory, {
      config: resolveConfig(scenario.config ?? {}),
      now: NOW,
    }).evaluation.findings;
    const kmsCalls = mocks.kms.calls().map((call) => call.args[0].constructor.name);
    return { inventory, findings, kmsCalls, config: scenario.config ?? {} };
  } finally {
    for (const mock of Object.values(mocks)) mock.restore();
  }
}

/**
 * The verdict of one rule on one resource: status, message id and data (findings carry their
 * formatted message only: the data is the rule's verdict's), the finding agreeing with it.
 */
function verdict(scanned: Scanned, ruleId: string, resource: string) {
  const rule = findRule(ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  const verdicts = verdictsOf(rule, scanned.inventory, scanned.config, NOW.toISOString()).filter(
    (v) => v.resource.id === resource,
  );
  const findings = scanned.findings.filter((f) => f.ruleId === ruleId && f.resource.id === resource);
  expect(verdicts, `${ruleId} on ${resource}`).toHaveLength(1);
  expect(findings.map((f) => [f.status, f.messageId])).toEqual(verdicts.map((v) => [v.status, v.messageId]));
  const [found] = verdicts;
  return {
    status: found!.status,
    messageId: found!.messageId,
    ...(found!.data ? { data: found!.data } : {}),
  };
}

describe('DescribeKey with its optional KeyMetadata members left out', () => {
  // Every KeyMetadata member but KeyId is optional in the API model
  // (https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyMetadata.html).
  const bare = { KeyMetadata: { KeyId: KEY, Arn: keyArn(KEY) } };

  it('is unknown, never the defaults that pass: state, manager, spec, usage, multi-Region', async () => {
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? bare : undefined),
      config: { drRegions: { [REGION]: 'us-west-2' } },
    });
    expect(scanned.inventory.keys.map((k) => k.metadata)).toEqual([
      {
        keyManager: { unresolved: 'KeyMetadata.KeyManager', reason: 'DescribeKey returned no KeyManager' },
        keyState: { unresolved: 'KeyMetadata.KeyState', reason: 'DescribeKey returned no KeyState' },
        keySpec: { unresolved: 'KeyMetadata.KeySpec', reason: 'DescribeKey returned no KeySpec' },
        keyUsage: { unresolved: 'KeyMetadata.KeyUsage', reason: 'DescribeKey returned no KeyUsage' },
        // A UUID key id is a single-Region key's (a multi-Region key's id is mrk-...).
        multiRegion: false,
      },
    ]);
    const unresolved = (what: string, member: string) => ({
      status: 'UNKNOWN',
      messageId: 'unresolved',
      data: { what, expression: `KeyMetadata.${member}`, reason: `DescribeKey returned no ${member}` },
    });
    const K = keyArn(KEY);
    expect(verdict(scanned, 'kms-key-enabled', K)).toEqual(unresolved('the key state', 'KeyState'));
    expect(verdict(scanned, 'kms-key-not-pending-deletion', K)).toEqual(
      unresolved('the key state', 'KeyState'),
    );
    expect(verdict(scanned, 'kms-key-spec-ebs-compatible', K)).toEqual(unresolved('the key spec', 'KeySpec'));
    expect(verdict(scanned, 'kms-key-dr-replica', K)).toEqual({
      status: 'FAIL',
      messageId: 'singleRegion',
      data: { key: K, dr: 'us-west-2' },
    });
    expect(verdict(scanned, 'hyperpod-root-volume-cmk', GROUP)).toEqual({
      status: 'UNKNOWN',
      messageId: 'keyUnknown',
      data: { volume: 'root', key: KEY, reason: 'DescribeKey returned no KeyManager' },
    });
    // A spec not reported does not stop the rotation status being asked: its answer decides.
    expect(scanned.kmsCalls).toContain('GetKeyRotationStatusCommand');
    expect(verdict(scanned, 'kms-key-rotation-enabled', K)).toEqual({
      status: 'PASS',
      messageId: 'rotating',
      data: { key: K, period: 365 },
    });
  });

  it('reads what the rest proves: the usage of a symmetric key, the Regions of a key by its id', async () => {
    // As an emulator answers for a key created without KeyUsage or MultiRegion.
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(MRK)])]) },
      describeKey: (id) =>
        id === keyArn(MRK) ? described({ KeyUsage: undefined, MultiRegion: undefined }, MRK) : undefined,
    });
    expect(scanned.inventory.keys[0]?.metadata).toMatchObject({
      keyUsage: 'ENCRYPT_DECRYPT',
      multiRegion: true,
    });
    expect(verdict(scanned, 'kms-key-spec-ebs-compatible', keyArn(MRK))).toEqual({
      status: 'PASS',
      messageId: 'compatible',
      data: { key: keyArn(MRK), spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT' },
    });
  });

  it('reads the state from Enabled only where Enabled proves it', async () => {
    const only = (enabled: boolean) => ({
      KeyMetadata: { ...described().KeyMetadata, KeyState: undefined, Enabled: enabled },
    });
    const enabled = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? only(true) : undefined),
    });
    expect(verdict(enabled, 'kms-key-enabled', keyArn(KEY))).toEqual({
      status: 'PASS',
      messageId: 'enabled',
      data: { key: keyArn(KEY) },
    });
    const disabled = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? only(false) : undefined),
    });
    const reason =
      'DescribeKey returned no KeyState, and Enabled false: the key is not Enabled, in a state not reported';
    expect(verdict(disabled, 'kms-key-not-pending-deletion', keyArn(KEY))).toEqual({
      status: 'UNKNOWN',
      messageId: 'unresolved',
      data: { what: 'the key state', expression: 'KeyMetadata.KeyState', reason },
    });
  });
});

describe('GetKeyRotationStatus without KeyRotationEnabled', () => {
  it('is unknown, not a key that does not rotate', async () => {
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? described() : undefined),
      rotation: { KeyId: keyArn(KEY) },
    });
    expect(verdict(scanned, 'kms-key-rotation-enabled', keyArn(KEY))).toEqual({
      status: 'UNKNOWN',
      messageId: 'unresolved',
      data: {
        what: 'EnableKeyRotation',
        expression: 'GetKeyRotationStatus.KeyRotationEnabled',
        reason: 'GetKeyRotationStatus returned no KeyRotationEnabled',
      },
    });
  });
});

describe('imported key material that expires', () => {
  // ValidTo: "The earliest time at which any imported key material permanently associated with
  // this KMS key expires. When a key material expires, KMS deletes the key material and the KMS key
  // becomes unusable" (https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyMetadata.html).
  const imported = (extra: Record<string, unknown>) =>
    scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) =>
        id === keyArn(KEY)
          ? described({ Origin: 'EXTERNAL', ExpirationModel: 'KEY_MATERIAL_EXPIRES', ...extra })
          : undefined,
    });

  it('kms-key-enabled fails a key whose material expires within 30 days', async () => {
    const scanned = await imported({ ValidTo: new Date('2026-11-30T09:00:00Z') });
    expect(scanned.inventory.keys[0]?.metadata).toMatchObject({
      origin: 'EXTERNAL',
      expirationModel: 'KEY_MATERIAL_EXPIRES',
      validTo: '2026-11-30T09:00:00.000Z',
    });
    expect(verdict(scanned, 'kms-key-enabled', keyArn(KEY))).toEqual({
      status: 'FAIL',
      messageId: 'materialExpiring',
      data: {
        key: keyArn(KEY),
        date: '2026-11-30T09:00:00.000Z',
        days: 10,
        when: '10 days from now',
        groups: 'eks-continuous/gpu',
      },
    });
  });

  it('an expiring key without ValidTo is unknown, not a key that never expires', async () => {
    const scanned = await imported({});
    const reason =
      'DescribeKey returned ExpirationModel KEY_MATERIAL_EXPIRES without ValidTo, when the key material expires';
    expect(verdict(scanned, 'kms-key-enabled', keyArn(KEY))).toEqual({
      status: 'UNKNOWN',
      messageId: 'unresolved',
      data: { what: 'when the imported key material expires', expression: 'KeyMetadata.ValidTo', reason },
    });
  });
});

describe('the key selector', () => {
  it('a key whose tags cannot be read is UNKNOWN for the rules that would judge it, not left out', async () => {
    const OTHER_KEY = 'eeee1111-2222-3333-4444-555566667777';
    const denied = awsError(
      'AccessDeniedException',
      `User is not authorized to perform: kms:ListResourceTags on resource: ${keyArn(OTHER_KEY)}`,
    );
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? described() : undefined),
      listKeys: [
        { KeyId: KEY, KeyArn: keyArn(KEY) },
        { KeyId: OTHER_KEY, KeyArn: keyArn(OTHER_KEY) },
      ],
      keyTags: (arn) => (arn === keyArn(OTHER_KEY) ? denied : undefined),
      config: { keySelector: { tags: { hyperpod: 'true' } } },
    });
    // Kept, with nothing more read of it than its tags: it may not be HyperPod's.
    expect(scanned.inventory.keys.find((k) => k.arn === keyArn(OTHER_KEY))).toEqual({
      arn: keyArn(OTHER_KEY),
      keyId: OTHER_KEY,
      account: ACCOUNT,
      region: REGION,
      source: 'live',
      aliases: [],
    });
    expect(scanned.kmsCalls.filter((call) => call === 'DescribeKeyCommand')).toHaveLength(1);
    const unknown = {
      status: 'UNKNOWN',
      messageId: 'notCollected',
      data: {
        what: `the metadata of ${keyArn(OTHER_KEY)}`,
        reason: `ListResourceTags failed (aws.access_denied): AccessDeniedException: User is not authorized to perform: kms:ListResourceTags on resource: ${keyArn(OTHER_KEY)}`,
      },
    };
    for (const rule of ['kms-key-unused', 'kms-key-enabled', 'kms-key-rotation-enabled'])
      expect(verdict(scanned, rule, keyArn(OTHER_KEY)), rule).toEqual(unknown);
  });
  it('a key tagged "code" keeps its tags and is selected by them, as any other', async () => {
    // Tag keys are the tenant's (ListResourceTags: TagKey is any string of 1 to 128 characters):
    // one named "code" is a tag, not a failed call.
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([])]) },
      describeKey: (id) => (id === keyArn(KEY) ? described() : undefined),
      listKeys: [{ KeyId: KEY, KeyArn: keyArn(KEY) }],
      keyTags: () => ({
        Tags: [
          { TagKey: 'hyperpod', TagValue: 'true' },
          { TagKey: 'code', TagValue: 'ml-platform' },
        ],
        Truncated: false,
      }),
      config: { keySelector: { tags: { hyperpod: 'true' } } },
    });
    expect(scanned.inventory.keys.map((k) => [k.arn, k.metadata?.keyState, k.tags])).toEqual([
      [keyArn(KEY), 'Enabled', { hyperpod: 'true', code: 'ml-platform' }],
    ]);
    expect(scanned.inventory.gaps).toEqual([]);
  });

  it('a key deleted since ListKeys listed it is no key of the account: not kept, and no gap', async () => {
    // "After the waiting period ends, KMS deletes the KMS key, its key material, and all KMS data
    // associated with it" (https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html);
    // KMS then answers NotFoundException, "the specified entity or resource could not be found".
    const GONE = 'eeee1111-2222-3333-4444-555566667777';
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? described() : undefined),
      listKeys: [
        { KeyId: KEY, KeyArn: keyArn(KEY) },
        { KeyId: GONE, KeyArn: keyArn(GONE) },
      ],
      keyTags: (arn) =>
        arn === keyArn(GONE)
          ? awsError('NotFoundException', `Key '${arn}' does not exist`)
          : { Tags: [{ TagKey: 'hyperpod', TagValue: 'true' }], Truncated: false },
      config: { keySelector: { tags: { hyperpod: 'true' } } },
    });
    expect(scanned.inventory.keys.map((k) => k.arn)).toEqual([keyArn(KEY)]);
    expect(scanned.inventory.gaps).toEqual([]);
    expect(scanned.findings.filter((f) => f.resource.id === keyArn(GONE))).toEqual([]);
  });

  it('a key the selector kept unread, then found deleted by the volume that names it, leaves the inventory', async () => {
    // The selector keeps a key whose tags it could not read; DescribeKey, asked later for a
    // volume, answers NotFoundException: the key is gone, and the volume is judged on that answer.
    const GONE = 'eeee1111-2222-3333-4444-555566667777';
    const kms = mockClient(KMSClient);
    const session = new AwsSession({ concurrency: 4, maxAttempts: 1, lookupEventsPerSecond: 2 });
    try {
      session.useBaseCredentials(ACCOUNT, REGION);
      kms.on(ListAliasesCommand).resolves({ Aliases: [], Truncated: false });
      kms.on(ListKeysCommand).resolves({ Keys: [{ KeyId: GONE, KeyArn: keyArn(GONE) }], Truncated: false });
      kms
        .on(ListResourceTagsCommand)
        .rejects(awsError('AccessDeniedException', 'not authorized to perform: kms:ListResourceTags'));
      kms
        .on(DescribeKeyCommand)
        .rejects(awsError('NotFoundException', `Key '${keyArn(GONE)}' does not exist`));
      const ctx = new ScanContext(session, 'aws', true, undefined, undefined);
      const collector = new KmsCollector(ctx, { selectorTags: { hyperpod: 'true' } });
      await collector.selectByTags(ACCOUNT, REGION);
      expect(collector.keys().map((k) => k.arn)).toEqual([keyArn(GONE)]);
      await expect(collector.resolve(keyArn(GONE), ACCOUNT, REGION)).resolves.toEqual({
        status: 'not-found',
        message: `Key '${keyArn(GONE)}' does not exist`,
      });
      expect(collector.keys()).toEqual([]);
    } finally {
      kms.restore();
      session.destroy();
    }
  });
});

describe("a key's aliases, for kms:ResourceAliases", () => {
  // kms:ResourceAliases compares "the set of aliases associated with a KMS key" (conditions-kms.html):
  // only a ListAliases of the key's account and Region lists them all.
  it('are complete where ListAliases was read in its account, and unknown across accounts or after a failure', async () => {
    const foreign = keyArn(KEY, OTHER);
    const listed = await scan({
      clusters: {
        [CLUSTER]: continuous([gpu([rootOn(KEY)]), { ...gpu([rootOn(foreign)]), InstanceGroupName: 'cpu' }]),
      },
      describeKey: (id) =>
        id === keyArn(KEY) ? described() : id === foreign ? described({}, KEY, foreign) : undefined,
      aliases: {
        Aliases: [
          { AliasName: 'alias/llm-gpu', TargetKeyId: KEY },
          { AliasName: 'alias/aws/ebs', TargetKeyId: 'aaaa1111-2222-3333-4444-555566667777' },
        ],
        Truncated: false,
      },
    });
    expect(listed.inventory.keys.map((k) => [k.arn, k.aliases, k.aliasesComplete])).toEqual([
      [keyArn(KEY), ['alias/llm-gpu'], true],
      [foreign, [], undefined],
    ]);
    const failed = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? described() : undefined),
      aliases: awsError('AccessDeniedException', 'not authorized to perform: kms:ListAliases'),
    });
    expect(failed.inventory.keys.map((k) => [k.arn, k.aliases, k.aliasesComplete])).toEqual([
      [keyArn(KEY), [], undefined],
    ]);
  });
});

describe('multi-Region keys', () => {
  it('a key Updating its primary Region is usable: kms-key-enabled passes it', async () => {
    // "While the key state is Updating, you can use the keys in cryptographic operations"
    // (https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-update.html).
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(MRK)])]) },
      describeKey: (id) =>
        id === keyArn(MRK)
          ? described({ KeyState: 'Updating', MultiRegion: true, Enabled: true }, MRK)
          : undefined,
    });
    expect(verdict(scanned, 'kms-key-enabled', keyArn(MRK))).toEqual({
      status: 'PASS',
      messageId: 'updating',
      data: { key: keyArn(MRK) },
    });
  });

  it("a replica's sibling replica in the DR Region holds its key material", async () => {
    // ReplicaKeys "includes the current KMS key if it is a replica key"
    // (https://docs.aws.amazon.com/kms/latest/APIReference/API_MultiRegionConfiguration.html).
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(MRK)])]) },
      describeKey: (id) =>
        id === keyArn(MRK)
          ? described(
              {
                MultiRegion: true,
                MultiRegionConfiguration: {
                  MultiRegionKeyType: 'REPLICA',
                  PrimaryKey: { Arn: keyArn(MRK, ACCOUNT, 'eu-west-1'), Region: 'eu-west-1' },
                  ReplicaKeys: [
                    { Arn: keyArn(MRK), Region: REGION },
                    { Arn: keyArn(MRK, ACCOUNT, 'us-west-2'), Region: 'us-west-2' },
                  ],
                },
              },
              MRK,
            )
          : undefined,
      config: { drRegions: { [REGION]: 'us-west-2' } },
    });
    expect(scanned.inventory.keys[0]?.metadata).toMatchObject({
      multiRegion: true,
      multiRegionKeyType: 'REPLICA',
      primaryKeyArn: keyArn(MRK, ACCOUNT, 'eu-west-1'),
      replicaRegions: [REGION, 'us-west-2'],
    });
    expect(verdict(scanned, 'kms-key-dr-replica', keyArn(MRK))).toEqual({
      status: 'PASS',
      messageId: 'replicated',
      data: { key: keyArn(MRK), dr: 'us-west-2' },
    });
  });
});

describe('keys of another account or Region', () => {
  it("another account's key carries the EBS grants of the account whose cluster uses it", async () => {
    // EBS grants Decrypt to the aws:ec2-infrastructure session of the account that owns the volume
    // (KMS developer guide, "Examining grants": determining-access-grants.html).
    const foreign = keyArn(KEY, OTHER);
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(foreign)])]) },
      describeKey: (id) => (id === foreign ? described({}, KEY, foreign) : undefined),
      grants: (id) =>
        id === foreign
          ? {
              Grants: [
                {
                  GrantId: 'g-ebs',
                  KeyId: foreign,
                  GranteePrincipal: `arn:aws:sts::${ACCOUNT}:assumed-role/aws:ec2-infrastructure/i-5d476fab`,
                  RetiringPrincipal: 'arn:aws:iam::123456789012:root',
                  IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
                  Operations: ['Decrypt'],
                  Constraints: { EncryptionContextSubset: { 'aws:ebs:id': 'vol-5cccfb4e' } },
                },
              ],
              Truncated: false,
            }
          : { Grants: [], Truncated: false },
    });
    expect(verdict(scanned, 'kms-key-grants-scoped', foreign)).toEqual({
      status: 'PASS',
      messageId: 'scoped',
      data: { key: foreign, count: 1, grants: '1 grant' },
    });
    // Its account's Event history is not read: the event rules are UNKNOWN, and a gap says why.
    const why = `the Event history about the key ${foreign} was not looked up: account ${OTHER} is outside the scan: add it (--accounts or --org with --role-name)`;
    expect(scanned.inventory.gaps.filter((g) => g.service === 'cloudtrail')).toEqual([
      {
        code: 'aws.cross_account',
        service: 'cloudtrail',
        operation: 'LookupEvents',
        account: OTHER,
        region: REGION,
        message: why,
      },
    ]);
    for (const ruleId of ['kms-key-unauthorized-access-attempts', 'kms-key-policy-change-unapproved'])
      expect(verdict(scanned, ruleId, foreign)).toEqual({
        status: 'UNKNOWN',
        messageId: 'notCollected',
        data: {
          what: `CloudTrail events for ${OTHER}/${REGION}`,
          reason: `LookupEvents failed (aws.cross_account): ${why}`,
        },
      });
  });

  it('an alias ARN of another account and Region is resolved in its own Region, and fails for the Region', async () => {
    const alias = `arn:aws:kms:us-west-2:${OTHER}:alias/team`;
    const target = keyArn(KEY, OTHER, 'us-west-2');
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(alias)])]) },
      // KMS resolves an alias ARN only in the alias's Region.
      describeKey: (id, region) =>
        (id === alias && region === 'us-west-2') || id === target ? described({}, KEY, target) : undefined,
    });
    expect(scanned.inventory.clusters[0]?.instanceGroups[0]?.volumes).toEqual([
      { role: 'root', kmsKeyId: alias, resolution: { status: 'resolved', keyArn: target } },
    ]);
    const otherRegion = { volume: 'root', key: alias, keyRegion: 'us-west-2', clusterRegion: REGION };
    expect(verdict(scanned, 'hyperpod-root-volume-cmk', GROUP)).toEqual({
      status: 'FAIL',
      messageId: 'otherRegion',
      data: otherRegion,
    });
    expect(verdict(scanned, 'hyperpod-key-exists', GROUP)).toEqual({
      status: 'FAIL',
      messageId: 'otherRegion',
      data: otherRegion,
    });
  });

  it('a customer managed signing key cannot encrypt the volume', async () => {
    // "Amazon EBS does not support asymmetric KMS keys" (EC2 API reference, ModifyEbsDefaultKmsKeyId).
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) =>
        id === keyArn(KEY) ? described({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }) : undefined,
    });
    expect(verdict(scanned, 'hyperpod-root-volume-cmk', GROUP)).toEqual({
      status: 'FAIL',
      messageId: 'notSymmetric',
      data: { volume: 'root', key: keyArn(KEY), spec: 'RSA_2048', usage: 'SIGN_VERIFY' },
    });
  });
});

describe('an execution role IAM does not have', () => {
  // GetRole: "NoSuchEntity: The request was rejected because it referenced a resource entity
  // that does not exist" (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html).
  const keyPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Action: ['kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': `sagemaker.${REGION}.amazonaws.com` } },
      },
    ],
  });
  const scanWith = (error: Error, policy = keyPolicy) =>
    scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? described() : undefined),
      policy,
      getRoleError: error,
    });

  it('NoSuchEntity is known: the role is recorded as not existing, and the rules that judge it fail', async () => {
    const message = 'The role with name hyperpod-exec cannot be found.';
    const scanned = await scanWith(
      Object.assign(awsError('NoSuchEntity', message), { $metadata: { httpStatusCode: 404 } }),
    );
    expect(scanned.inventory.roles).toEqual([
      {
        arn: ROLE,
        account: ACCOUNT,
        source: 'live',
        kmsStatements: [],
        policiesCollected: false,
        notFound: `NoSuchEntity: ${message}`,
      },
    ]);
    // Not a gap: nothing is missing, and the scan is complete.
    expect(scanned.inventory.gaps.filter((gap) => gap.service === 'iam')).toEqual([]);
    expect(verdict(scanned, 'hyperpod-execution-role-kms-scope', GROUP)).toEqual({
      status: 'FAIL',
      messageId: 'roleNotFound',
      data: { role: ROLE },
    });
    expect(verdict(scanned, 'hyperpod-key-grants-execution-role', GROUP)).toEqual({
      status: 'FAIL',
      messageId: 'roleNotFound',
      data: { key: keyArn(KEY), role: ROLE },
    });
  });

  it('AccessDenied on GetRole stays unknown where the key policy names the role: its boundary is unknown', async () => {
    const scanned = await scanWith(
      awsError('AccessDenied', `User is not authorized to perform: iam:GetRole on resource: ${ROLE}`),
    );
    expect(verdict(scanned, 'hyperpod-key-grants-execution-role', GROUP)).toEqual({
      status: 'UNKNOWN',
      messageId: 'undetermined',
      data: {
        key: keyArn(KEY),
        role: ROLE,
        action: 'kms:CreateGrant',
        reason:
          'the role could not be read, so whether it has a permissions boundary, which limits what the policies allow, is unknown',
      },
    });
  });

  it('AccessDenied on GetRole stays unknown', async () => {
    // The default key policy delegates to IAM: the role's own policies decide, and were not read.
    const scanned = await scanWith(
      awsError('AccessDenied', `User is not authorized to perform: iam:GetRole on resource: ${ROLE}`),
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      }),
    );
    expect(scanned.inventory.roles).toEqual([]);
    const reason = `GetRole failed (aws.access_denied): AccessDenied: User is not authorized to perform: iam:GetRole on resource: ${ROLE}`;
    expect(verdict(scanned, 'hyperpod-execution-role-kms-scope', GROUP)).toEqual({
      status: 'UNKNOWN',
      messageId: 'notCollected',
      data: { role: ROLE, reason },
    });
    expect(verdict(scanned, 'hyperpod-key-grants-execution-role', GROUP)).toEqual({
      status: 'UNKNOWN',
      messageId: 'undetermined',
      data: {
        key: keyArn(KEY),
        role: ROLE,
        action: 'kms:CreateGrant',
        reason:
          "the key policy delegates to IAM and the role's IAM policies were not collected; the role could not be read, so whether it has a permissions boundary, which limits what the policies allow, is unknown",
      },
    });
  });
});

describe('SageMaker answers that leave something out', () => {
  const key = (id: string) => (id === keyArn(KEY) ? described() : undefined);

  it('a cluster summary without its ARN is described by name, not dropped', async () => {
    // ClusterArn and ClusterName are both required in ClusterSummary, and DescribeCluster takes either.
    const scanned = await scan({
      summaries: [{ ClusterName: 'eks-continuous', ClusterStatus: 'InService', CreationTime: NOW }],
      clusters: { 'eks-continuous': continuous([gpu([rootOn(KEY)])]) },
      describeKey: key,
    });
    expect(scanned.inventory.clusters.map((c) => [c.id, c.name, c.tags])).toEqual([
      [CLUSTER, 'eks-continuous', { owner: 'ml' }],
    ]);
    expect(verdict(scanned, 'hyperpod-root-volume-cmk', GROUP)).toEqual({
      status: 'PASS',
      messageId: 'cmk',
      data: { volume: 'root', key: keyArn(KEY) },
    });
  });

  it('a cluster summary with neither ARN nor name is a gap, never silence', async () => {
    const scanned = await scan({
      summaries: [{ ClusterStatus: 'InService' }],
      clusters: {},
      describeKey: key,
    });
    expect(scanned.inventory.clusters).toEqual([]);
    expect(scanned.inventory.gaps).toEqual([
      {
        code: 'aws.invalid_response',
        service: 'sagemaker',
        operation: 'ListClusters',
        account: ACCOUNT,
        region: REGION,
        message:
          'ListClusters returned a cluster summary with neither ClusterArn nor ClusterName: that cluster is not scanned',
      },
    ]);
  });

  it('a storage configuration the SDK cannot name is unknown, never compliant', async () => {
    // A union member newer than the SDK arrives as `$unknown: [name, value]` (aws-facts.md §1.5).
    const scanned = await scan({
      clusters: {
        [CLUSTER]: continuous([
          gpu([rootOn(KEY), { $unknown: ['EbsVolumeConfigV2', { VolumeKmsKeyId: 'alias/other' }] }]),
        ]),
      },
      describeKey: (id) => (id === keyArn(KEY) ? described() : undefined),
    });
    const reason =
      "DescribeCluster returned a storage configuration this scanner's AWS SDK does not know (EbsVolumeConfigV2): what it stores, and under which key, is unknown";
    const unknown = {
      status: 'UNKNOWN',
      messageId: 'unresolved',
      data: { what: 'the storage configuration', expression: 'InstanceStorageConfigs', reason },
    };
    expect(verdict(scanned, 'hyperpod-root-volume-cmk', GROUP)).toEqual(unknown);
    expect(verdict(scanned, 'hyperpod-secondary-volume-cmk', GROUP)).toEqual(unknown);
  });

  it('a cluster being deleted keeps its status and is judged as any other until it is gone', async () => {
    // ClusterStatus and InstanceGroupStatus are recorded (history keeps them); AWS documents no
    // end to Deleting nor what it leaves of the volumes, so no rule reads them (aws-facts.md §1.2).
    const scanned = await scan({
      clusters: {
        [CLUSTER]: continuous([{ ...gpu([{ EbsVolumeConfig: { RootVolume: true } }]), Status: 'Deleting' }], {
          ClusterStatus: 'Deleting',
        }),
      },
      describeKey: () => undefined,
    });
    expect(scanned.inventory.clusters.map((c) => [c.status, c.instanceGroups.map((g) => g.status)])).toEqual([
      ['Deleting', ['Deleting']],
    ]);
    expect(verdict(scanned, 'hyperpod-root-volume-cmk', GROUP)).toEqual({
      status: 'FAIL',
      messageId: 'awsOwned',
    });
  });

  it('instance groups without InstanceGroupName stay distinct resources', async () => {
    // InstanceGroupName is optional in ClusterInstanceGroupDetails.
    const scanned = await scan({
      clusters: {
        [CLUSTER]: continuous([
          { ExecutionRole: ROLE, InstanceStorageConfigs: [rootOn(KEY)] },
          { ExecutionRole: ROLE, InstanceStorageConfigs: [] },
        ]),
      },
      describeKey: key,
    });
    expect(
      scanned.findings
        .filter((f) => f.ruleId === 'hyperpod-root-volume-cmk')
        .map((f) => [f.resource.id, f.status, f.messageId]),
    ).toEqual([
      [`${CLUSTER}/instance-group/(unnamed group 1)`, 'PASS', 'cmk'],
      [`${CLUSTER}/instance-group/(unnamed group 2)`, 'FAIL', 'awsOwned'],
    ]);
  });

  it('a description without InstanceGroups keeps what it does give: the restricted groups', async () => {
    const scanned = await scan({
      clusters: {
        [CLUSTER]: continuous(undefined, {
          RestrictedInstanceGroups: [
            { InstanceGroupName: 'nova', ExecutionRole: ROLE, InstanceStorageConfigs: [rootOn(KEY)] },
          ],
        }),
      },
      describeKey: key,
    });
    const [cluster] = scanned.inventory.clusters;
    expect(cluster?.instanceGroups.map((g) => [g.name, g.kind])).toEqual([['nova', 'restricted']]);
    expect(cluster?.instanceGroupsUnresolved).toEqual({
      unresolved: 'DescribeCluster',
      reason: 'DescribeCluster failed (aws.invalid_response): DescribeCluster returned no InstanceGroups',
    });
    expect(verdict(scanned, 'hyperpod-root-volume-cmk', `${CLUSTER}/instance-group/nova`)).toEqual({
      status: 'NOT_APPLICABLE',
      messageId: 'restricted',
    });
    expect(verdict(scanned, 'hyperpod-root-volume-cmk', `${CLUSTER}/instance-group/*`).status).toBe(
      'UNKNOWN',
    );
    // "Restricted instance groups don't support customer managed keys" (smcluster-cmk.html).
    expect(verdict(scanned, 'hyperpod-cmk-provisioning-mode', CLUSTER)).toEqual({
      status: 'FAIL',
      messageId: 'keyIgnored',
      data: { groups: 'nova', why: 'restricted instance groups do not support customer managed keys' },
    });
  });

  it('in such an incomplete description an absent mode is unknown, not the legacy mode', async () => {
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous(undefined, { NodeProvisioningMode: undefined }) },
      describeKey: key,
    });
    expect(verdict(scanned, 'hyperpod-cmk-provisioning-mode', CLUSTER)).toEqual({
      status: 'UNKNOWN',
      messageId: 'notCollected',
      data: { what: 'NodeProvisioningMode', reason: 'the source does not report it' },
    });
  });
});

describe('hostile key policy text', () => {
  it('a policy nested thousands of levels deep is a gap, and the snapshot can still be written', async () => {
    // KMS allows 32 KB of policy: room for 16,000 nested arrays in a member the grammar does not know.
    const depth = 16_000;
    const policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${ACCOUNT}:root"},"Action":"kms:*","Resource":"*","Extra":${'['.repeat(depth)}${']'.repeat(depth)}}]}`;
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? described() : undefined),
      policy,
    });
    expect(scanned.inventory.keys[0]?.policy).toBeUndefined();
    expect(scanned.inventory.gaps.filter((g) => g.operation === 'GetKeyPolicy')).toEqual([
      {
        code: 'aws.invalid_response',
        service: 'kms',
        operation: 'GetKeyPolicy',
        account: ACCOUNT,
        region: REGION,
        resource: keyArn(KEY),
        message: 'the key policy nests deeper than 32 levels: it is not an IAM policy document',
      },
    ]);
    expect(verdict(scanned, 'kms-key-policy-no-public-access', keyArn(KEY))).toEqual({
      status: 'UNKNOWN',
      messageId: 'notCollected',
      data: {
        what: `the key policy of ${keyArn(KEY)}`,
        reason:
          'GetKeyPolicy failed (aws.invalid_response): the key policy nests deeper than 32 levels: it is not an IAM policy document',
      },
    });
    // `collect -o` writes the inventory with JSON.stringify, which overflowed the stack.
    expect(() => serializeSnapshot(scanned.inventory)).not.toThrow();
  });
});

describe('pages that never end', () => {
  // A service that answers every page with the token it was sent would keep the paginators asking
  // forever. The mocks give up after 50 pages, so that without the guard these tests fail, not hang.
  const endless = <T>(page: T) => {
    let calls = 0;
    return () => {
      if (++calls > 50) throw awsError('TooManyPagesInTest');
      return page;
    };
  };

  it('a ListGrants that repeats its NextMarker is a gap, its grants unknown, not a partial list', async () => {
    const grantPage = endless({
      Grants: [{ GrantId: 'g1', KeyId: keyArn(KEY), GranteePrincipal: ROLE, Operations: ['Decrypt'] }],
      Truncated: true,
      NextMarker: 'same',
    });
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? described() : undefined),
      grants: grantPage,
    });
    const message =
      'IncompleteResponse: ListGrants returned a page token it had already returned: its pages never end';
    expect(scanned.inventory.keys[0]?.grants).toBeUndefined();
    expect(scanned.inventory.gaps.filter((g) => g.operation === 'ListGrants')).toEqual([
      {
        code: 'aws.invalid_response',
        service: 'kms',
        operation: 'ListGrants',
        account: ACCOUNT,
        region: REGION,
        resource: keyArn(KEY),
        message,
      },
    ]);
    expect(verdict(scanned, 'kms-key-grants-scoped', keyArn(KEY))).toEqual({
      status: 'UNKNOWN',
      messageId: 'notCollected',
      data: {
        what: `the grants on ${keyArn(KEY)}`,
        reason: `ListGrants failed (aws.invalid_response): ${message}`,
      },
    });
    expect(scanned.kmsCalls.filter((name) => name === 'ListGrantsCommand')).toHaveLength(2);
  });

  it('a ListClusters that repeats its NextToken is a gap for the Region', async () => {
    const page = endless({
      ClusterSummaries: [
        { ClusterArn: CLUSTER, ClusterName: 'eks-continuous', ClusterStatus: 'InService', CreationTime: NOW },
      ],
      NextToken: 'same',
    });
    const scanned = await scan({
      summaries: page,
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? described() : undefined),
    });
    expect(scanned.inventory.clusters).toEqual([]);
    expect(scanned.inventory.gaps.filter((g) => g.service === 'sagemaker')).toEqual([
      {
        code: 'aws.invalid_response',
        service: 'sagemaker',
        operation: 'ListClusters',
        account: ACCOUNT,
        region: REGION,
        message:
          'IncompleteResponse: ListClusters returned a page token it had already returned: its pages never end',
      },
    ]);
  });
});

describe('trails whose settings the answers leave out', () => {
  // IsMultiRegionTrail (DescribeTrails) and IsLogging (GetTrailStatus) are optional in their
  // response models: absent, the account's audit trail is unknown, not missing.
  const trail = (extra: Record<string, unknown>) => ({
    Name: 'org-audit',
    TrailARN: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org-audit`,
    HomeRegion: REGION,
    ...extra,
  });
  it.each([
    [
      'IsMultiRegionTrail',
      trail({}),
      { IsLogging: true },
      {},
      'DescribeTrails returned no IsMultiRegionTrail',
    ],
    ['IsLogging', trail({ IsMultiRegionTrail: true }), {}, {}, 'GetTrailStatus returned no IsLogging'],
    [
      'event selectors',
      trail({ IsMultiRegionTrail: true }),
      { IsLogging: true },
      { TrailARN: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org-audit` },
      'GetEventSelectors returned neither EventSelectors nor AdvancedEventSelectors',
    ],
  ])('a trail without %s', async (_member, listed, status, selectors, message) => {
    const scanned = await scan({
      clusters: { [CLUSTER]: continuous([gpu([rootOn(KEY)])]) },
      describeKey: (id) => (id === keyArn(KEY) ? described() : undefined),
      trails: {
        trailList: [listed],
        status,
        ...(Object.keys(selectors).length > 0 ? { selectors } : {}),
      },
    });
    expect(scanned.inventory.trails).toEqual([]);
    expect(verdict(scanned, 'account-kms-audit-trail', ACCOUNT)).toEqual({
      status: 'UNKNOWN',
      messageId: 'notCollected',
      data: {
        account: ACCOUNT,
        reason: `DescribeTrails failed (aws.invalid_response): trail arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org-audit could not be read in full: ${message.split(' ')[0]}: ${message}`,
      },
    });
  });
});
