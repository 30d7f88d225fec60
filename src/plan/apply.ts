/**
 * The estate as it will be once a plan has run, for judging the plan with the tool's own rules:
 * revived keys enabled, in-place fixes made, each replaced group swapped for its replacement on
 * its new key (customer managed, enabled, rotating, the generated policy, the planned tags and
 * replica), missing cluster tags added. Clusters on the new-cluster path become that new cluster.
 * Pure; used by `plan` to say whether the result would be compliant, and by the tests.
 */
import type {
  Cluster,
  EbsVolume,
  InstanceGroup,
  Inventory,
  Key,
  PolicyStatement,
} from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import { pushAll } from '../model/many.js';
import type { ClusterPlan, PlannedKey, StreamedPlan } from './plan.js';

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

/** What the estate keeps of one cluster's plan: its groups' replacements, its new mode and tags. */
interface ClusterChange {
  newCluster: boolean;
  /** The cluster tags the plan adds (filled in as placeholders), or null when it adds none. */
  missingTags: readonly string[] | null;
  /** By the old group's name: the group that replaces it, its key and its volumes on that key. */
  replaced: Map<string, { name: string; key: PlannedKey; volumes: EbsVolume[] }>;
}

/**
 * `applyPlan` made a cluster's plan at a time: `add` each of the plan's clusters (in the plan's
 * order), then `inventory()`. It keeps what the estate will hold (each new key as planned, each
 * replacement's volumes), never the plans themselves: an organisation's plan is gigabytes.
 */
export function planApplier(inventory: Inventory): {
  add(entry: ClusterPlan): void;
  inventory(): Inventory;
} {
  const changes = new Map<string, ClusterChange>();
  const revive = new Set<string>();
  const rotate = new Set<string>();
  const retag = new Map<string, string[]>();
  // The execution roles' own KMS statements are scoped to the keys they will use.
  const scoped = new Map<string, PolicyStatement[]>();
  const add = (entry: ClusterPlan) => {
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
    const replaced: ClusterChange['replaced'] = new Map();
    // A group of the inventory is judged by the first of the plan's groups with its name.
    const seen = new Set<string>();
    for (const planned of entry.groups) {
      if (seen.has(planned.name)) continue;
      seen.add(planned.name);
      const replacement = planned.replacement;
      if (!replacement || (planned.action !== 'replace' && entry.path !== 'new-cluster')) continue;
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
      replaced.set(planned.name, { name: replacement.name, key: replacement.key, volumes });
    }
    // A later plan of the same cluster id replaces an earlier one, as in a map of the plan's clusters.
    changes.set(entry.cluster.id, {
      newCluster: entry.path === 'new-cluster',
      missingTags: entry.clusterTags ? entry.clusterTags.missing : null,
      replaced,
    });
    for (const group of entry.groups) {
      const role = group.replacement?.addInput.InstanceGroups?.[0]?.ExecutionRole;
      if (group.rolePolicy && role) {
        const statements = Array.isArray(group.rolePolicy.document.Statement)
          ? group.rolePolicy.document.Statement
          : [group.rolePolicy.document.Statement];
        const list = scoped.get(role);
        if (list) pushAll(list, statements);
        else scoped.set(role, [...statements]);
      }
    }
  };

  const result = (): Inventory => {
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
      const change = changes.get(cluster.id);
      if (!change) return cluster;
      const groups: InstanceGroup[] = [];
      for (const group of cluster.instanceGroups) {
        const replacement = change.replaced.get(group.name);
        if (!replacement) {
          groups.push(group);
          continue;
        }
        pushAll(keys, plannedKey(replacement.key));
        groups.push({
          ...group,
          id: `${cluster.id}/instance-group/${replacement.name}`,
          name: replacement.name,
          volumes: replacement.volumes,
        });
      }
      const tags = cluster.tags && !isUnresolved(cluster.tags) ? cluster.tags : {};
      const added = Object.fromEntries((change.missingTags ?? []).map((name) => [name, `<${name}>`]));
      return {
        ...cluster,
        ...(change.newCluster ? { nodeProvisioningMode: 'Continuous' as const } : {}),
        ...(change.missingTags ? { tags: { ...tags, ...added } } : {}),
        instanceGroups: groups,
      };
    });
    const roles = inventory.roles.map((role) => {
      const statements = scoped.get(role.arn);
      return statements ? { ...role, kmsStatements: statements } : role;
    });
    return { ...inventory, keys, clusters, roles };
  };
  return { add, inventory: result };
}

export function applyPlan(inventory: Inventory, plan: StreamedPlan): Inventory {
  const applier = planApplier(inventory);
  for (const entry of plan.clusters) applier.add(entry);
  return applier.inventory();
}
