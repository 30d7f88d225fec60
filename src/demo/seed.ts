/**
 * Seeds an estate (an Inventory, such as the demo's) into the moto server through the real AWS
 * API, so that a real `scan` can read it back: execution roles with their KMS statements, keys
 * (policy, tags, rotation, state, grants, aliases, multi-Region replicas), clusters with their
 * instance groups and volumes, and CloudTrail trails.
 *
 * The emulator chooses key ids, so volume references to key ARNs are rewritten to the ARNs it
 * gave; aliases are kept. What it cannot hold is returned in `notSeeded`, with why.
 */
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyRotationCommand,
  type GrantOperation,
  type KeySpec,
  type KeyUsageType,
  KMSClient,
  ReplicateKeyCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
  type ClusterInstanceStorageConfig,
  CreateClusterCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { Cluster, Inventory, Key, Unresolved } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';

export interface SeedResult {
  /** Demo key ARN -> the ARN the emulator gave the key. */
  keyArns: Map<string, string>;
  /** Facts of the estate the emulator could not be given, and why. */
  notSeeded: string[];
}

const BASE: AwsCredentialIdentity = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Credentials for an account of the emulator: moto ties the keys AssumeRole returns to the role's account. */
export async function motoAccountCredentials(
  endpoint: string,
  account: string,
): Promise<AwsCredentialIdentity> {
  const sts = new STSClient({ endpoint, region: 'us-east-1', credentials: BASE });
  try {
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/seed`, RoleSessionName: 'seed' }),
    );
    const c = out.Credentials!;
    return {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    };
  } finally {
    sts.destroy();
  }
}

const val = <T>(value: T | Unresolved | undefined): Exclude<T, Unresolved> | undefined =>
  value === undefined || isUnresolved(value) ? undefined : (value as Exclude<T, Unresolved>);

class Clients {
  private readonly made = new Map<string, { destroy(): void }>();
  constructor(
    private readonly endpoint: string,
    private readonly credentials: Map<string, AwsCredentialIdentity>,
  ) {}
  get<T extends { destroy(): void }>(Client: new (config: object) => T, account: string, region: string): T {
    const key = `${Client.name}|${account}|${region}`;
    let client = this.made.get(key) as T | undefined;
    if (!client) {
      client = new Client({
        endpoint: this.endpoint,
        region,
        credentials: this.credentials.get(account),
        maxAttempts: 2,
      });
      this.made.set(key, client);
    }
    return client;
  }
  destroy(): void {
    for (const client of this.made.values()) client.destroy();
  }
}

/** An execution role SageMaker may assume, with its KMS statements as an inline policy. */
export async function createExecutionRole(
  iam: IAMClient,
  name: string,
  statements: readonly object[],
): Promise<void> {
  await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  if (statements.length > 0)
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: 'hyperpod-kms',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
      }),
    );
}

export async function seedEstate(endpoint: string, estate: Inventory): Promise<SeedResult> {
  const accounts = [...new Set([...estate.accounts.map((a) => a.id), ...estate.keys.map((k) => k.account)])];
  const credentials = new Map<string, AwsCredentialIdentity>();
  for (const account of accounts) credentials.set(account, await motoAccountCredentials(endpoint, account));
  const clients = new Clients(endpoint, credentials);
  const notSeeded: string[] = [];
  const keyArns = new Map<string, string>();
  try {
    // Execution roles and their KMS statements (an inline policy).
    for (const role of estate.roles) {
      const iam = clients.get(IAMClient, role.account, 'us-east-1');
      const name = role.arn.slice(role.arn.lastIndexOf('/') + 1);
      // IAM refuses a statement with an empty Resource list (the demo's "no keys" role has one).
      await createExecutionRole(
        iam,
        name,
        role.kmsStatements.filter(
          (statement) => !Array.isArray(statement.Resource) || statement.Resource.length > 0,
        ),
      );
    }
    for (const key of estate.keys) await seedKey(clients, key, keyArns, notSeeded);
    for (const cluster of estate.clusters) await seedCluster(clients, cluster, keyArns, notSeeded);
    for (const trail of estate.trails) {
      const region = trail.homeRegion;
      const creds = credentials.get(trail.account)!;
      const bucket = `audit-${trail.account}-${trail.name}`.toLowerCase();
      // A bare S3 PUT: moto routes by the credential scope and does not check the signature.
      await fetch(`${endpoint}/${bucket}`, {
        method: 'PUT',
        headers: {
          Authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/20260101/${region}/s3/aws4_request, SignedHeaders=host, Signature=00`,
          ...(creds.sessionToken ? { 'X-Amz-Security-Token': creds.sessionToken } : {}),
        },
      });
      const cloudtrail = clients.get(CloudTrailClient, trail.account, region);
      await cloudtrail.send(
        new CreateTrailCommand({
          Name: trail.name,
          S3BucketName: bucket,
          IsMultiRegionTrail: trail.isMultiRegion,
        }),
      );
      if (trail.isLogging) await cloudtrail.send(new StartLoggingCommand({ Name: trail.name }));
    }
    if (estate.events.length > 0)
      notSeeded.push(
        `${estate.events.length} CloudTrail events: the emulator has no Event history (LookupEvents), so the CloudTrail key rules say UNKNOWN`,
      );
    return { keyArns, notSeeded };
  } finally {
    clients.destroy();
  }
}

async function seedKey(
  clients: Clients,
  key: Key,
  keyArns: Map<string, string>,
  notSeeded: string[],
): Promise<void> {
  const meta = key.metadata;
  if (!meta) return;
  const kms = clients.get(KMSClient, key.account, key.region);
  const awsAlias = key.aliases.find((alias) => alias.startsWith('alias/aws/'));
  if (val(meta.keyManager) === 'AWS' || awsAlias) {
    notSeeded.push(
      `${awsAlias ?? key.arn}: AWS managed keys cannot be created, and the emulator lists no such alias, so the volumes naming it stay unresolved`,
    );
  }
  if (val(meta.multiRegion) && meta.multiRegionKeyType === 'REPLICA') {
    // A replica is made from its primary below.
    return;
  }
  const created = await kms.send(
    new CreateKeyCommand({
      Description: meta.description,
      KeySpec: val(meta.keySpec) as KeySpec | undefined,
      KeyUsage: val(meta.keyUsage) as KeyUsageType | undefined,
      MultiRegion: val(meta.multiRegion) === true,
      ...(key.policy && !isUnresolved(key.policy) ? { Policy: JSON.stringify(key.policy) } : {}),
      ...(key.tags && !isUnresolved(key.tags)
        ? { Tags: Object.entries(key.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) }
        : {}),
    }),
  );
  const arn = created.KeyMetadata!.Arn!;
  const keyId = created.KeyMetadata!.KeyId!;
  keyArns.set(key.arn, arn);
  for (const alias of key.aliases) {
    if (alias.startsWith('alias/aws/')) continue;
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
  }
  const rotation = key.rotation;
  if (rotation && val(rotation.enabled) === true) {
    const period = val(rotation.periodInDays);
    await kms.send(
      new EnableKeyRotationCommand({ KeyId: keyId, ...(period ? { RotationPeriodInDays: period } : {}) }),
    );
    if (period && period !== 365)
      notSeeded.push(
        `${key.aliases[0] ?? key.arn}: rotation every ${period} days (the emulator reports no period, read as 365)`,
      );
  }
  for (const grant of key.grants ?? []) {
    // A grant to a service principal is seeded with the service in GranteePrincipal, where
    // ListGrants may show it too.
    const grantee = grant.granteePrincipal ?? grant.granteeServicePrincipal;
    if (!grantee) continue;
    await kms.send(
      new CreateGrantCommand({
        KeyId: keyId,
        GranteePrincipal: grantee,
        Operations: grant.operations as GrantOperation[],
        ...(grant.retiringPrincipal ? { RetiringPrincipal: grant.retiringPrincipal } : {}),
      }),
    );
  }
  for (const region of meta.replicaRegions ?? []) {
    await kms.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: region }));
  }
  const state = val(meta.keyState);
  if (state === 'Disabled') await kms.send(new DisableKeyCommand({ KeyId: keyId }));
  if (state === 'PendingDeletion')
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
}

/** moto accepts only the instance types HyperPod had when it was written; others are swapped (types judge nothing here). */
const EMULATOR_TYPES = /^ml\.(p4d|p4de|p5|trn1|trn1n|g5|c5|c5n|m5|t3)\.[a-z0-9]+$/;
function emulatorInstanceType(type: string | undefined, where: string, notSeeded: string[]): never {
  if (type && EMULATOR_TYPES.test(type)) return type as never;
  notSeeded.push(
    `${where}: instance type ${type ?? '(none)'} is unknown to the emulator, seeded as ml.m5.12xlarge`,
  );
  return 'ml.m5.12xlarge' as never;
}

async function seedCluster(
  clients: Clients,
  cluster: Cluster,
  keyArns: Map<string, string>,
  notSeeded: string[],
): Promise<void> {
  const sagemaker = clients.get(SageMakerClient, cluster.account, cluster.region);
  const groups = cluster.instanceGroups.filter((group) => group.kind === 'regular');
  for (const group of cluster.instanceGroups.filter((g) => g.kind === 'restricted'))
    notSeeded.push(
      `${cluster.name}/${group.name}: restricted instance groups are not modelled by the emulator`,
    );
  const storage = (group: Cluster['instanceGroups'][number]): ClusterInstanceStorageConfig[] =>
    (isUnresolved(group.volumes) ? [] : group.volumes).map((volume) => {
      const ref =
        typeof volume.kmsKeyId === 'string' ? (keyArns.get(volume.kmsKeyId) ?? volume.kmsKeyId) : undefined;
      return {
        EbsVolumeConfig: {
          ...(volume.role === 'root'
            ? { RootVolume: true }
            : { VolumeSizeInGB: val(volume.sizeInGB) ?? 100 }),
          ...(ref ? { VolumeKmsKeyId: ref } : {}),
        },
      };
    });
  await sagemaker.send(
    new CreateClusterCommand({
      ClusterName: cluster.name,
      InstanceGroups: groups.map((group) => ({
        InstanceGroupName: group.name,
        InstanceType: emulatorInstanceType(
          val(group.instanceType),
          `${cluster.name}/${group.name}`,
          notSeeded,
        ),
        InstanceCount: val(group.instanceCount) ?? 1,
        ExecutionRole: typeof group.executionRole === 'string' ? group.executionRole : undefined,
        ThreadsPerCore: 1,
        LifeCycleConfig: { SourceS3Uri: 's3://sagemaker-lifecycle/scripts/', OnCreate: 'on_create.sh' },
        InstanceStorageConfigs: storage(group),
      })),
      ...(val(cluster.orchestrator) === 'eks'
        ? {
            Orchestrator: {
              Eks: { ClusterArn: `arn:aws:eks:${cluster.region}:${cluster.account}:cluster/${cluster.name}` },
            },
          }
        : {}),
      ...(cluster.nodeProvisioningMode === 'Continuous' ? { NodeProvisioningMode: 'Continuous' } : {}),
      ...(cluster.tags && !isUnresolved(cluster.tags)
        ? { Tags: Object.entries(cluster.tags).map(([Key, Value]) => ({ Key, Value })) }
        : {}),
    }),
  );
}
