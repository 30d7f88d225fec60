/**
 * The safe, reversible fixes: changes that cannot lose data and that a later change can undo.
 * - cancel a scheduled key deletion, then re-enable the key (a key whose deletion is cancelled is
 *   Disabled); a key disabled for any other reason is left alone: disabling is how access is revoked;
 * - enable automatic rotation (old key material stays, so nothing encrypted becomes unreadable);
 * - add the required tags a key or a cluster lacks, with values the user gives (`--tag KEY=VALUE`)
 *   or, for a key, the value every cluster using it agrees on; a tag whose value is not known is
 *   reported, never invented.
 * Pure: the inventory and the config in, the fixes out, in the order they must run.
 */
import type { ResolvedConfig } from '../config/schema.js';
import type { Cluster, Inventory, Key, Tags } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';

export type Fix =
  | {
      kind: 'cancel-key-deletion';
      keyArn: string;
      account: string;
      region: string;
      label: string;
      deletionDate?: string;
    }
  | { kind: 'enable-key'; keyArn: string; account: string; region: string; label: string }
  | {
      kind: 'enable-key-rotation';
      keyArn: string;
      account: string;
      region: string;
      label: string;
      periodInDays: number;
    }
  | {
      kind: 'tag-key';
      keyArn: string;
      account: string;
      region: string;
      label: string;
      tags: Record<string, string>;
    }
  | {
      kind: 'tag-cluster';
      clusterArn: string;
      account: string;
      region: string;
      label: string;
      tags: Record<string, string>;
    };

export interface Skipped {
  resource: string;
  reason: string;
}

export interface FixPlan {
  fixes: Fix[];
  skipped: Skipped[];
}

const label = (key: Key) => key.aliases[0] ?? key.arn;
const known = <T>(value: T | { unresolved: string } | undefined): value is T =>
  value !== undefined && !isUnresolved(value);
const tagsOf = (tags: Key['tags'] | Cluster['tags']): Tags | undefined =>
  tags === undefined || isUnresolved(tags) ? undefined : tags;

/** KMS allows a rotation period of 90 to 2560 days. */
export const rotationPeriod = (maxDays: number) => Math.min(2560, Math.max(90, Math.floor(maxDays)));

function missingTags(
  required: readonly string[],
  present: Tags,
  values: Readonly<Record<string, string>>,
  fallback: (name: string) => string | undefined,
): { tags: Record<string, string>; unknown: string[] } {
  const tags: Record<string, string> = {};
  const unknown: string[] = [];
  for (const name of required) {
    if (present[name] !== undefined) continue;
    const value = values[name] ?? fallback(name);
    if (value === undefined) unknown.push(name);
    else tags[name] = value;
  }
  return { tags, unknown };
}

export function planFixes(
  inventory: Inventory,
  config: ResolvedConfig,
  tagValues: Readonly<Record<string, string>> = {},
): FixPlan {
  const fixes: Fix[] = [];
  const skipped: Skipped[] = [];
  const clustersOfKey = new Map<string, Cluster[]>();
  for (const cluster of inventory.clusters)
    for (const group of cluster.instanceGroups)
      for (const volume of Array.isArray(group.volumes) ? group.volumes : [])
        if (volume.resolution?.status === 'resolved') {
          const list = clustersOfKey.get(volume.resolution.keyArn) ?? [];
          if (!list.includes(cluster)) list.push(cluster);
          clustersOfKey.set(volume.resolution.keyArn, list);
        }

  const keys = [...inventory.keys].sort((a, b) => a.arn.localeCompare(b.arn));
  for (const key of keys) {
    const where = { keyArn: key.arn, account: key.account, region: key.region, label: label(key) };
    const meta = key.metadata;
    if (!meta || !known(meta.keyManager) || !known(meta.keyState)) {
      skipped.push({ resource: key.arn, reason: 'its metadata was not collected' });
      continue;
    }
    if (meta.keyManager !== 'CUSTOMER') continue;
    let state = meta.keyState;
    if (state === 'PendingDeletion') {
      fixes.push({
        kind: 'cancel-key-deletion',
        ...where,
        ...(meta.deletionDate ? { deletionDate: meta.deletionDate } : {}),
      });
      fixes.push({ kind: 'enable-key', ...where });
      state = 'Enabled';
    }
    if (state !== 'Enabled') {
      skipped.push({
        resource: key.arn,
        reason: `the key is ${state}: disabling is how access is revoked, so it is not re-enabled`,
      });
      continue;
    }
    const symmetric = known(meta.keySpec) && meta.keySpec === 'SYMMETRIC_DEFAULT';
    const kmsOrigin = meta.origin === undefined || meta.origin === 'AWS_KMS';
    if (key.rotation && known(key.rotation.enabled) && key.rotation.enabled === false) {
      if (symmetric && kmsOrigin && meta.multiRegionKeyType !== 'REPLICA')
        fixes.push({
          kind: 'enable-key-rotation',
          ...where,
          periodInDays: rotationPeriod(config.rotationMaxDays),
        });
      else
        skipped.push({
          resource: key.arn,
          reason:
            'KMS rotates only symmetric keys with KMS key material, and a replica rotates with its primary',
        });
    }
    const keyTags = tagsOf(key.tags);
    if (!keyTags) {
      skipped.push({ resource: key.arn, reason: 'its tags were not collected' });
      continue;
    }
    const users = clustersOfKey.get(key.arn) ?? [];
    const { tags, unknown } = missingTags(config.requiredKeyTags, keyTags, tagValues, (name) => {
      const values = new Set(users.map((c) => tagsOf(c.tags)?.[name]));
      return values.size === 1 ? [...values][0] : undefined;
    });
    if (Object.keys(tags).length > 0) fixes.push({ kind: 'tag-key', ...where, tags });
    if (unknown.length > 0)
      skipped.push({
        resource: key.arn,
        reason: `no value known for tag(s) ${unknown.join(', ')}: pass --tag NAME=VALUE`,
      });
  }

  const clusters = [...inventory.clusters].sort((a, b) => (a.arn ?? a.id).localeCompare(b.arn ?? b.id));
  for (const cluster of clusters) {
    if (!cluster.arn) continue;
    const clusterTags = tagsOf(cluster.tags);
    if (!clusterTags) {
      skipped.push({ resource: cluster.arn, reason: 'its tags were not collected' });
      continue;
    }
    const { tags, unknown } = missingTags(
      config.requiredClusterTags,
      clusterTags,
      tagValues,
      () => undefined,
    );
    const where = {
      clusterArn: cluster.arn,
      account: cluster.account,
      region: cluster.region,
      label: cluster.name,
    };
    if (Object.keys(tags).length > 0) fixes.push({ kind: 'tag-cluster', ...where, tags });
    if (unknown.length > 0)
      skipped.push({
        resource: cluster.arn,
        reason: `no value known for tag(s) ${unknown.join(', ')}: pass --tag NAME=VALUE`,
      });
  }
  return { fixes, skipped };
}

/** The fix as one line a person reads before approving it. */
export function describeFix(fix: Fix): string {
  switch (fix.kind) {
    case 'cancel-key-deletion':
      return `cancel the scheduled deletion of ${fix.label}${fix.deletionDate ? ` (due ${fix.deletionDate})` : ''}`;
    case 'enable-key':
      return `re-enable ${fix.label} (a key whose deletion is cancelled is Disabled)`;
    case 'enable-key-rotation':
      return `enable rotation of ${fix.label} every ${fix.periodInDays} days`;
    case 'tag-key':
      return `tag ${fix.label} with ${Object.entries(fix.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`;
    case 'tag-cluster':
      return `tag cluster ${fix.label} with ${Object.entries(fix.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`;
  }
}

/** The IAM action each fix calls (docs/iam-fixer-policy.json lists them). */
export const FIX_ACTIONS: Record<Fix['kind'], string> = {
  'cancel-key-deletion': 'kms:CancelKeyDeletion',
  'enable-key': 'kms:EnableKey',
  'enable-key-rotation': 'kms:EnableKeyRotation',
  'tag-key': 'kms:TagResource',
  'tag-cluster': 'sagemaker:AddTags',
};
