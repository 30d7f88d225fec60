/**
 * The collection the detection Lambda needs: one account and Region's HyperPod clusters, the keys
 * their volumes name, and their execution roles' KMS statements, as an `Inventory`.
 *
 * `HyperPodCollector` is the seam: the live collectors (src/collectors/aws, issue 3) can replace
 * `createAwsCollector` by implementing the same interface; the handler and its tests do not change.
 * CloudTrail is not collected here: the Config rule judges configuration, and the rules that read
 * CloudTrail are left out of its evaluation (see CONFIG_RULE_EXCLUDED_RULES).
 *
 * Whatever cannot be read becomes a `Gap` (and the rules that needed it answer UNKNOWN), never an
 * exception that would lose the other clusters.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  type ListAttachedRolePoliciesCommandOutput,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  type KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import {
  DescribeClusterCommand,
  type DescribeClusterResponse,
  ListClustersCommand,
  ListTagsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { classifyError } from '../../collectors/aws/errors.js';
import { kmsStatements } from '../../collectors/aws/iam.js';
import { grantOf } from '../../collectors/aws/kms.js';
import { clusterFromDescription } from '../../collectors/aws/sagemaker.js';
import type {
  Cluster,
  EbsVolume,
  ExecutionRole,
  Gap,
  Grant,
  Inventory,
  Key,
  PolicyDocument,
  PolicyStatement,
} from '../../model/inventory.js';
import { INVENTORY_SCHEMA_VERSION } from '../../model/inventory.js';

export interface CollectScope {
  /** Cluster names or ARNs to collect; all clusters in the Region when absent. */
  clusters?: readonly string[];
  /** Key ids or ARNs to collect even when no cluster uses them. */
  keys?: readonly string[];
}

export interface HyperPodCollector {
  collect(scope?: CollectScope): Promise<Inventory>;
}

export interface AwsClients {
  sagemaker: Pick<SageMakerClient, 'send'>;
  kms: Pick<KMSClient, 'send'>;
  iam: Pick<IAMClient, 'send'>;
}

export interface AwsCollectorOptions {
  account: string;
  region: string;
  now: () => Date;
  /** Parallel AWS calls (SDK retries with backoff handle throttling). */
  concurrency?: number;
}

const errorName = (error: unknown): string =>
  (error as { name?: string })?.name ?? (error as { Code?: string })?.Code ?? 'Error';
const errorMessage = (error: unknown): string => (error as Error)?.message ?? String(error);

const gapCode = (error: unknown): string => classifyError(error).code;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function createAwsCollector(clients: AwsClients, options: AwsCollectorOptions): HyperPodCollector {
  const { account, region } = options;
  const concurrency = options.concurrency ?? 4;

  return {
    async collect(scope = {}) {
      const gaps: Gap[] = [];
      const gap = (service: string, operation: string, error: unknown, resource?: string) =>
        gaps.push({
          code: gapCode(error),
          service,
          operation,
          account,
          region,
          ...(resource ? { resource } : {}),
          message: `${errorName(error)}: ${errorMessage(error)}`.slice(0, 500),
        });

      // 1. Clusters.
      let names: string[] = [...(scope.clusters ?? [])];
      if (scope.clusters === undefined) {
        let token: string | undefined;
        try {
          do {
            const page = await clients.sagemaker.send(
              new ListClustersCommand({ NextToken: token, MaxResults: 100 }),
            );
            for (const summary of page.ClusterSummaries ?? [])
              if (summary.ClusterArn) names.push(summary.ClusterArn);
            token = page.NextToken;
          } while (token);
        } catch (error) {
          gap('sagemaker', 'ListClusters', error);
        }
      }
      names = [...new Set(names)];
      const described = await mapLimit(names, concurrency, async (name) => {
        try {
          const cluster = await clients.sagemaker.send(new DescribeClusterCommand({ ClusterName: name }));
          let tags: Record<string, string> | undefined;
          try {
            tags = {};
            let token: string | undefined;
            do {
              const page = await clients.sagemaker.send(
                new ListTagsCommand({ ResourceArn: cluster.ClusterArn, NextToken: token }),
              );
              for (const tag of page.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
              token = page.NextToken;
            } while (token);
          } catch (error) {
            tags = undefined;
            gap('sagemaker', 'ListTags', error, cluster.ClusterArn);
          }
          return { cluster, tags };
        } catch (error) {
          // A cluster deleted between ListClusters and DescribeCluster is simply gone.
          if (errorName(error) !== 'ResourceNotFound') gap('sagemaker', 'DescribeCluster', error, name);
          return undefined;
        }
      });

      // 2. Key references -> key ARNs (DescribeKey resolves ids, aliases and alias ARNs).
      const refs = new Set<string>(scope.keys ?? []);
      for (const entry of described) {
        for (const group of [
          ...(entry?.cluster.InstanceGroups ?? []),
          ...(entry?.cluster.RestrictedInstanceGroups ?? []),
        ])
          for (const config of group.InstanceStorageConfigs ?? [])
            if (config.EbsVolumeConfig?.VolumeKmsKeyId) refs.add(config.EbsVolumeConfig.VolumeKmsKeyId);
      }
      const resolutions = new Map<string, EbsVolume['resolution']>();
      const metadataByArn = new Map<string, NonNullable<Awaited<ReturnType<typeof describeKey>>>>();
      const describeKey = async (ref: string) => {
        const out = await clients.kms.send(new DescribeKeyCommand({ KeyId: ref }));
        return out.KeyMetadata;
      };
      await mapLimit([...refs], concurrency, async (ref) => {
        try {
          const metadata = await describeKey(ref);
          if (!metadata?.Arn)
            throw Object.assign(new Error('DescribeKey returned no key ARN'), { name: 'EmptyResponse' });
          resolutions.set(ref, { status: 'resolved', keyArn: metadata.Arn });
          metadataByArn.set(metadata.Arn, metadata);
        } catch (error) {
          if (errorName(error) === 'NotFoundException') {
            resolutions.set(ref, { status: 'not-found', message: errorMessage(error) });
          } else {
            gap('kms', 'DescribeKey', error, ref);
            resolutions.set(ref, {
              status: 'unknown',
              reason: `DescribeKey failed: ${errorName(error)}`,
              gapCode: gapCode(error),
            });
          }
        }
      });

      // 3. Keys.
      const keys = await mapLimit([...metadataByArn.entries()], concurrency, async ([arn, metadata]) =>
        collectKey(arn, metadata),
      );
      async function collectKey(
        arn: string,
        metadata: NonNullable<Awaited<ReturnType<typeof describeKey>>>,
      ): Promise<Key> {
        const key: Key = {
          arn,
          keyId: metadata.KeyId,
          account: metadata.AWSAccountId ?? arn.split(':')[4] ?? account,
          region: arn.split(':')[3] ?? region,
          source: 'live',
          aliases: [],
          metadata: {
            keyManager: metadata.KeyManager === 'AWS' ? 'AWS' : 'CUSTOMER',
            keyState: metadata.KeyState ?? 'Unknown',
            keySpec: metadata.KeySpec ?? 'SYMMETRIC_DEFAULT',
            keyUsage: metadata.KeyUsage ?? 'ENCRYPT_DECRYPT',
            ...(metadata.Origin ? { origin: metadata.Origin } : {}),
            multiRegion: metadata.MultiRegion === true,
            ...(metadata.MultiRegionConfiguration?.MultiRegionKeyType
              ? { multiRegionKeyType: metadata.MultiRegionConfiguration.MultiRegionKeyType }
              : {}),
            ...(metadata.MultiRegionConfiguration?.PrimaryKey?.Arn
              ? { primaryKeyArn: metadata.MultiRegionConfiguration.PrimaryKey.Arn }
              : {}),
            ...(metadata.MultiRegionConfiguration?.ReplicaKeys
              ? {
                  replicaRegions: metadata.MultiRegionConfiguration.ReplicaKeys.flatMap((r) =>
                    r.Region ? [r.Region] : [],
                  ),
                }
              : {}),
            ...(metadata.DeletionDate ? { deletionDate: new Date(metadata.DeletionDate).toISOString() } : {}),
            ...(metadata.PendingDeletionWindowInDays !== undefined
              ? { pendingDeletionWindowInDays: metadata.PendingDeletionWindowInDays }
              : {}),
            ...(metadata.CreationDate ? { creationDate: new Date(metadata.CreationDate).toISOString() } : {}),
            ...(metadata.Description ? { description: metadata.Description } : {}),
          },
        };
        if (metadata.KeyManager === 'AWS') return key;
        const step = async (operation: string, fn: () => Promise<void>) => {
          try {
            await fn();
          } catch (error) {
            if (operation === 'GetKeyRotationStatus' && errorName(error) === 'UnsupportedOperationException')
              return;
            gap('kms', operation, error, arn);
          }
        };
        await step('GetKeyPolicy', async () => {
          const out = await clients.kms.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: 'default' }));
          if (out.Policy) key.policy = JSON.parse(out.Policy) as PolicyDocument;
        });
        await step('GetKeyRotationStatus', async () => {
          const out = await clients.kms.send(new GetKeyRotationStatusCommand({ KeyId: arn }));
          key.rotation = {
            enabled: out.KeyRotationEnabled === true,
            ...(out.RotationPeriodInDays !== undefined ? { periodInDays: out.RotationPeriodInDays } : {}),
            ...(out.NextRotationDate
              ? { nextRotationDate: new Date(out.NextRotationDate).toISOString() }
              : {}),
          };
        });
        await step('ListResourceTags', async () => {
          const tags: Record<string, string> = {};
          let marker: string | undefined;
          do {
            const page = await clients.kms.send(new ListResourceTagsCommand({ KeyId: arn, Marker: marker }));
            for (const tag of page.Tags ?? []) if (tag.TagKey) tags[tag.TagKey] = tag.TagValue ?? '';
            marker = page.Truncated ? page.NextMarker : undefined;
          } while (marker);
          key.tags = tags;
        });
        await step('ListAliases', async () => {
          let marker: string | undefined;
          do {
            const page = await clients.kms.send(
              new ListAliasesCommand({ KeyId: metadata.KeyId, Marker: marker }),
            );
            for (const alias of page.Aliases ?? []) if (alias.AliasName) key.aliases.push(alias.AliasName);
            marker = page.Truncated ? page.NextMarker : undefined;
          } while (marker);
        });
        await step('ListGrants', async () => {
          const grants: Grant[] = [];
          let marker: string | undefined;
          do {
            const page = await clients.kms.send(new ListGrantsCommand({ KeyId: arn, Marker: marker }));
            for (const grant of page.Grants ?? []) grants.push(grantOf(grant));
            marker = page.Truncated ? page.NextMarker : undefined;
          } while (marker);
          key.grants = grants;
        });
        return key;
      }

      // 4. Clusters in the model.
      const resolve = (ref: string) => resolutions.get(ref);
      const clusters: Cluster[] = described.flatMap((entry) =>
        entry ? [toCluster(entry.cluster, entry.tags, account, region, resolve)] : [],
      );

      // 5. Execution roles.
      const roleArns = [
        ...new Set(
          clusters.flatMap((c) =>
            c.instanceGroups.flatMap((g) => (typeof g.executionRole === 'string' ? [g.executionRole] : [])),
          ),
        ),
      ];
      const roles = (
        await mapLimit(roleArns, concurrency, async (arn) => {
          const roleAccount = arn.split(':')[4] ?? account;
          // Another account's role cannot be read from here; its rules say so (UNKNOWN).
          if (roleAccount !== account) return undefined;
          return collectRole(arn);
        })
      ).filter((role): role is ExecutionRole => role !== undefined);
      async function collectRole(arn: string): Promise<ExecutionRole> {
        const name = arn.split('/').pop()!;
        const role: ExecutionRole = {
          arn,
          account,
          source: 'live',
          kmsStatements: [],
          policiesCollected: false,
        };
        try {
          const got = await clients.iam.send(new GetRoleCommand({ RoleName: name }));
          if (got.Role?.RoleId) role.roleId = got.Role.RoleId;
          const statements: PolicyStatement[] = [];
          let marker: string | undefined;
          do {
            const page = await clients.iam.send(
              new ListRolePoliciesCommand({ RoleName: name, Marker: marker }),
            );
            for (const policyName of page.PolicyNames ?? []) {
              const inline = await clients.iam.send(
                new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }),
              );
              statements.push(...(kmsStatements(inline.PolicyDocument) ?? []));
            }
            marker = page.IsTruncated ? page.Marker : undefined;
          } while (marker);
          marker = undefined;
          do {
            const page: ListAttachedRolePoliciesCommandOutput = await clients.iam.send(
              new ListAttachedRolePoliciesCommand({ RoleName: name, Marker: marker }),
            );
            for (const attached of page.AttachedPolicies ?? []) {
              if (!attached.PolicyArn) continue;
              const policy = await clients.iam.send(new GetPolicyCommand({ PolicyArn: attached.PolicyArn }));
              const version = policy.Policy?.DefaultVersionId;
              if (!version) continue;
              const got = await clients.iam.send(
                new GetPolicyVersionCommand({ PolicyArn: attached.PolicyArn, VersionId: version }),
              );
              statements.push(...(kmsStatements(got.PolicyVersion?.Document) ?? []));
            }
            marker = page.IsTruncated ? page.Marker : undefined;
          } while (marker);
          role.kmsStatements = statements;
          role.policiesCollected = true;
        } catch (error) {
          gap('iam', 'GetRolePolicy', error, arn);
        }
        return role;
      }

      const inventory: Inventory = {
        schemaVersion: INVENTORY_SCHEMA_VERSION,
        generatedAt: options.now().toISOString(),
        source: 'live',
        accounts: [{ id: account, regions: [region], source: 'live' }],
        clusters,
        keys,
        roles,
        trails: [],
        events: [],
        eventsCollected: [],
        gaps,
      };
      return inventory;
    },
  };
}

/** A DescribeCluster response as an inventory cluster (the live collector's reading), with resolved volume keys. */
export function toCluster(
  described: DescribeClusterResponse,
  tags: Record<string, string> | undefined,
  account: string,
  region: string,
  resolve: (ref: string) => EbsVolume['resolution'] | undefined,
): Cluster {
  const arn = described.ClusterArn ?? `arn:aws:sagemaker:${region}:${account}:cluster/unknown`;
  const cluster = clusterFromDescription(
    described,
    { arn, name: described.ClusterName ?? arn.split('/').pop()! },
    arn.split(':')[4] ?? account,
    arn.split(':')[3] ?? region,
    true,
  );
  for (const group of cluster.instanceGroups) {
    for (const volume of group.volumes as EbsVolume[]) {
      if (typeof volume.kmsKeyId !== 'string') continue;
      const resolution = resolve(volume.kmsKeyId);
      if (resolution) volume.resolution = resolution;
    }
  }
  return tags ? { ...cluster, tags } : cluster;
}
