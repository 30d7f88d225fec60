/**
 * The estate as it will be once a plan has run, for judging the plan with the tool's own rules:
 * revived keys enabled, in-place fixes made, each replaced group swapped for its replacement on
 * its new key (customer managed, enabled, rotating, the generated policy, the planned tags and
 * replica), missing cluster tags added. Clusters on the new-cluster path become that new cluster.
 * Pure; used by `plan` to say whether the result would be compliant, and by the tests.
 */
import type { Cluster, InstanceGroup, Inventory, Key, PolicyStatement } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import { pushAll } from '../model/many.js';
import type { MigrationPlan, PlannedKey } from './plan.js';

export const plannedKeyArn = (key: PlannedKey): string =>
  `arn:aws:kms:${key.region}:${key.account}:key/planned-${key.resourceName}`;

function plannedKey(key: PlannedKey): Key[] {
  const arn = plannedKeyArn(key);
  const base: Key = {
    arn,
    account: key.account,
    region: key.region,
    source: 'snapshot',
    aliases: [key.alias],
    metadata: {
      keyManager: 'CUSTOMER',
      keyState: 'Enabled',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      multiRegion: key.multiRegion,
      ...(key.multiRegion
        ? {
            multiRegionKeyType: 'PRIMARY' as const,
            replicaRegions: key.replicaRegion ? [key.replicaRegion] : [],
          }
        : {}),
    },
    rotation: { enabled: true, periodInDays: key.rotationPeriodInDays },
    policy: key.policy,
    grants: [],
    tags: key.tags,
  };
  return [base];
}

export function applyPlan(inventory: Inventory, plan: MigrationPlan): Inventory {
  const byCluster = new Map(plan.clusters.map((entry) => [entry.cluster.id, entry]));
  const revive = new Set<string>();
  const rotate = new Set<string>();
  const retag = new Map<string, string[]>();
  for (const entry of plan.clusters) {
    for (const step of [...entry.preSteps, ...entry.inPlace]) {
      const arn = /--key-id (\S+)/.exec(step.command)?.[1];
      if (!arn) continue;
      if (/enable-key |cancel-key-deletion/.test(step.command)) revive.add(arn);
      if (step.command.includes('enable-key-rotation')) rotate.add(arn);
      if (step.command.includes('tag-resource'))
        retag.set(
          arn,
          [...step.command.matchAll(/TagKey=('[^']*'|[^,]+),TagValue=('[^']*'|\S+)/g)].map(
            (m) => `${m[1]}=${m[2]}`,
          ),
        );
    }
  }
  const keys: Key[] = inventory.keys.map((key) => {
    let next = key;
    if (revive.has(key.arn) && next.metadata) {
      const { deletionDate: _d, pendingDeletionWindowInDays: _w, ...metadata } = next.metadata;
      next = { ...next, metadata: { ...metadata, keyState: 'Enabled' } };
    }
    if (rotate.has(key.arn))
      next = { ...next, rotation: { ...next.rotation, enabled: true, periodInDays: 365 } };
    const tags = retag.get(key.arn);
    if (tags) {
      const own = next.tags && !isUnresolved(next.tags) ? next.tags : {};
      next = {
        ...next,
        tags: { ...own, ...Object.fromEntries(tags.map((t) => t.split('=') as [string, string])) },
      };
    }
    return next;
  });
  const clusters: Cluster[] = inventory.clusters.map((cluster) => {
    const entry = byCluster.get(cluster.id);
    if (!entry) return cluster;
    const groups: InstanceGroup[] = [];
    for (const group of cluster.instanceGroups) {
      const planned = entry.groups.find((g) => g.name === group.name);
      const replacement = planned?.replacement;
      if (!replacement || (planned.action !== 'replace' && entry.path !== 'new-cluster')) {
        groups.push(group);
        continue;
      }
      pushAll(keys, plannedKey(replacement.key));
      const arn = plannedKeyArn(replacement.key);
      const volumes = (replacement.addInput.InstanceGroups?.[0]?.InstanceStorageConfigs ?? []).flatMap(
        (config) =>
          'EbsVolumeConfig' in config && config.EbsVolumeConfig
            ? [
                {
                  role: config.EbsVolumeConfig.RootVolume ? ('root' as const) : ('secondary' as const),
                  kmsKeyId: config.EbsVolumeConfig.VolumeKmsKeyId ?? null,
                  resolution: { status: 'resolved' as const, keyArn: arn },
                  ...(config.EbsVolumeConfig.VolumeSizeInGB !== undefined
                    ? { sizeInGB: config.EbsVolumeConfig.VolumeSizeInGB }
                    : {}),
                },
              ]
            : [],
      );
      groups.push({
        ...group,
        id: `${cluster.id}/instance-group/${replacement.name}`,
        name: replacement.name,
        volumes,
      });
    }
    const tags = cluster.tags && !isUnresolved(cluster.tags) ? cluster.tags : {};
    const added = Object.fromEntries((entry.clusterTags?.missing ?? []).map((name) => [name, `<${name}>`]));
    return {
      ...cluster,
      ...(entry.path === 'new-cluster' ? { nodeProvisioningMode: 'Continuous' as const } : {}),
      ...(entry.clusterTags ? { tags: { ...tags, ...added } } : {}),
      instanceGroups: groups,
    };
  });
  // The execution roles' own KMS statements are scoped to the keys they will use.
  const scoped = new Map<string, PolicyStatement[]>();
  for (const entry of plan.clusters)
    for (const group of entry.groups) {
      const role = group.replacement?.addInput.InstanceGroups?.[0]?.ExecutionRole;
      if (group.rolePolicy && role) {
        const statements = Array.isArray(group.rolePolicy.document.Statement)
          ? group.rolePolicy.document.Statement
          : [group.rolePolicy.document.Statement];
        scoped.set(role, [...(scoped.get(role) ?? []), ...statements]);
      }
    }
  const roles = inventory.roles.map((role) => {
    const statements = scoped.get(role.arn);
    return statements ? { ...role, kmsStatements: statements } : role;
  });
  return { ...inventory, keys, clusters, roles };
}
