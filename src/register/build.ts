/**
 * The key register auditors ask for: every governed key with its ownership, state, rotation,
 * deletion protection, who administers and uses it, what it protects, its DR replicas, its grants
 * and its open findings. Pure: an inventory and the findings of its evaluation in, rows out, in a
 * stable order (account, Region, alias, ARN) so that two registers diff line by line.
 */
import type { Finding } from '../model/finding.js';
import type { Inventory, Key, Unresolved } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import { principalAccess } from '../policy/principals-analysis.js';

export const REGISTER_SCHEMA_VERSION = 1;

/** "unknown" with the reason, for a value the source did not give. */
export type Known<T> = T | { unknown: string };

export interface RegisterEntry {
  arn: string;
  alias: string;
  aliases: string[];
  account: string;
  region: string;
  source: string;
  owner: Known<string | null>;
  project: Known<string | null>;
  keySpec: Known<string>;
  keyState: Known<string>;
  keyManager: Known<string>;
  rotation: {
    enabled: Known<boolean>;
    periodInDays: Known<number | null>;
    nextRotationDate: string | null;
    /** When the key material last rotated: next rotation minus the period, once it has rotated; null when it never has. */
    lastRotationDate: Known<string | null>;
    rotations: number | null;
  };
  deletion: {
    /** Scheduled deletion date (PendingDeletion). */
    scheduledFor: string | null;
    pendingWindowInDays: Known<number | null>;
    /** IaC: DeletionPolicy / prevent_destroy, as written. */
    iacProtection: string | null;
  };
  admins: Known<string[]>;
  users: Known<string[]>;
  protects: { cluster: string; account: string; region: string; instanceGroup: string; volumes: string[] }[];
  dr: {
    multiRegion: Known<boolean | null>;
    type: string | null;
    primary: string | null;
    replicaRegions: string[];
  };
  grants: Known<{ count: number; grantees: string[]; operations: string[] }>;
  openFindings: { ruleId: string; severity: string; status: string; message: string }[];
}

const unknownOf = (value: Unresolved | undefined, what: string): { unknown: string } => ({
  unknown: value ? `${value.unresolved}: ${value.reason}` : `${what} not collected`,
});

function known<T>(value: T | Unresolved | undefined, what: string): Known<T> {
  if (value === undefined) return unknownOf(undefined, what);
  if (isUnresolved(value)) return unknownOf(value, what);
  return value;
}

function tag(key: Key, name: string): Known<string | null> {
  if (key.tags === undefined) return { unknown: 'tags not collected' };
  if (isUnresolved(key.tags)) return unknownOf(key.tags, 'tags');
  const entry = Object.entries(key.tags).find(([k]) => k.toLowerCase() === name);
  return entry ? entry[1] : null;
}

function lastRotation(key: Key): Known<string | null> {
  const rotation = key.rotation;
  if (!rotation) return { unknown: 'rotation not collected' };
  if (rotation.rotationCount === 0) return null;
  const period = rotation.periodInDays;
  if (rotation.rotationCount !== undefined && rotation.nextRotationDate && typeof period === 'number') {
    const next = Date.parse(rotation.nextRotationDate);
    if (!Number.isNaN(next)) return new Date(next - period * 86_400_000).toISOString();
  }
  return { unknown: 'the source gives no rotation history' };
}

function iacProtection(key: Key): string | null {
  const dp = key.deletionProtection;
  if (!dp) return null;
  const parts: string[] = [];
  const text = (value: unknown) => (isUnresolved(value) ? value.unresolved : String(value));
  if (dp.deletionPolicy !== undefined) parts.push(`DeletionPolicy ${text(dp.deletionPolicy)}`);
  if (dp.updateReplacePolicy !== undefined) parts.push(`UpdateReplacePolicy ${text(dp.updateReplacePolicy)}`);
  if (dp.preventDestroy !== undefined) parts.push(`prevent_destroy ${text(dp.preventDestroy)}`);
  return parts.length > 0 ? parts.join(', ') : null;
}

function policyPrincipals(key: Key): { admins: Known<string[]>; users: Known<string[]> } {
  if (key.policy === undefined)
    return {
      admins: { unknown: 'key policy not collected' },
      users: { unknown: 'key policy not collected' },
    };
  if (isUnresolved(key.policy)) {
    const unknown = unknownOf(key.policy, 'key policy');
    return { admins: unknown, users: unknown };
  }
  const accesses = principalAccess(key.policy, key.arn, key.account).filter(
    (access) => access.ref.kind !== 'service',
  );
  const name = (access: (typeof accesses)[number]) =>
    access.ownAccountRoot ? `${access.name} (IAM policies of the account)` : access.name;
  return {
    admins: accesses
      .filter((a) => a.admin.length > 0)
      .map(name)
      .sort(),
    users: accesses
      .filter((a) => a.usage.length > 0)
      .map(name)
      .sort(),
  };
}

export function buildRegister(inventory: Inventory, findings: readonly Finding[]): RegisterEntry[] {
  const protects = new Map<string, RegisterEntry['protects']>();
  for (const cluster of inventory.clusters) {
    for (const group of cluster.instanceGroups) {
      if (!Array.isArray(group.volumes)) continue;
      const byKey = new Map<string, string[]>();
      for (const volume of group.volumes) {
        if (volume.resolution?.status !== 'resolved') continue;
        const list = byKey.get(volume.resolution.keyArn) ?? [];
        list.push(volume.role);
        byKey.set(volume.resolution.keyArn, list);
      }
      for (const [arn, volumes] of byKey) {
        const list = protects.get(arn) ?? [];
        list.push({
          cluster: cluster.name,
          account: cluster.account,
          region: cluster.region,
          instanceGroup: group.name,
          volumes: [...new Set(volumes)].sort(),
        });
        protects.set(arn, list);
      }
    }
  }
  const open = new Map<string, RegisterEntry['openFindings']>();
  for (const finding of findings) {
    if (finding.resource.type !== 'kms-key' || finding.suppressed) continue;
    if (finding.status !== 'FAIL' && finding.status !== 'UNKNOWN') continue;
    const list = open.get(finding.resource.id) ?? [];
    list.push({
      ruleId: finding.ruleId,
      severity: finding.severity,
      status: finding.status,
      message: finding.message,
    });
    open.set(finding.resource.id, list);
  }
  const entries = inventory.keys.map((key): RegisterEntry => {
    const meta = key.metadata;
    const grants = key.grants;
    const { admins, users } = policyPrincipals(key);
    return {
      arn: key.arn,
      alias: key.aliases[0] ?? '',
      aliases: [...key.aliases].sort(),
      account: key.account,
      region: key.region,
      source: key.source,
      owner: tag(key, 'owner'),
      project: tag(key, 'project'),
      keySpec: known(meta?.keySpec, 'metadata'),
      keyState: known(meta?.keyState, 'metadata'),
      keyManager: known(meta?.keyManager, 'metadata'),
      rotation: {
        enabled: known(key.rotation?.enabled, 'rotation'),
        periodInDays: key.rotation
          ? key.rotation.periodInDays === undefined
            ? null
            : known(key.rotation.periodInDays, 'rotation period')
          : { unknown: 'rotation not collected' },
        nextRotationDate: key.rotation?.nextRotationDate ?? null,
        lastRotationDate: lastRotation(key),
        rotations: key.rotation?.rotationCount ?? null,
      },
      deletion: {
        scheduledFor: meta?.deletionDate ?? null,
        pendingWindowInDays:
          meta?.pendingDeletionWindowInDays ??
          (key.deletionProtection?.pendingWindowInDays === undefined
            ? null
            : known(key.deletionProtection.pendingWindowInDays, 'deletion window')),
        iacProtection: iacProtection(key),
      },
      admins,
      users,
      protects: (protects.get(key.arn) ?? []).sort(
        (a, b) => a.cluster.localeCompare(b.cluster) || a.instanceGroup.localeCompare(b.instanceGroup),
      ),
      dr: {
        multiRegion: meta
          ? known(meta.multiRegion ?? null, 'metadata')
          : { unknown: 'metadata not collected' },
        type: meta?.multiRegionKeyType ?? null,
        primary: meta?.primaryKeyArn ?? null,
        replicaRegions: [...(meta?.replicaRegions ?? [])].sort(),
      },
      grants:
        grants === undefined
          ? { unknown: 'grants not collected' }
          : {
              count: grants.length,
              grantees: [
                ...new Set(grants.flatMap((g) => (g.granteePrincipal ? [g.granteePrincipal] : []))),
              ].sort(),
              operations: [...new Set(grants.flatMap((g) => g.operations))].sort(),
            },
      openFindings: (open.get(key.arn) ?? []).sort(
        (a, b) => a.ruleId.localeCompare(b.ruleId) || a.message.localeCompare(b.message),
      ),
    };
  });
  return entries.sort(
    (a, b) =>
      a.account.localeCompare(b.account) ||
      a.region.localeCompare(b.region) ||
      a.alias.localeCompare(b.alias) ||
      a.arn.localeCompare(b.arn),
  );
}
