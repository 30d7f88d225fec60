/**
 * The key register auditors ask for: every governed key with its ownership, state, rotation,
 * deletion protection, who administers and uses it, what it protects, its DR replicas, its grants
 * and its open findings. Pure: an inventory and the findings of its evaluation in, rows out, in a
 * stable order (account, Region, alias, ARN) so that two registers diff line by line. The zod schema
 * of `register --format json` is here: its types are inferred from it, and it generates the
 * published schemas/register.schema.json.
 */

import { z } from 'zod';
import { parseIsoTime } from '../model/dates.js';
import { type Finding, SeveritySchema } from '../model/finding.js';
import type { Inventory, Key, Unresolved } from '../model/inventory.js';
import { isUnresolved, SourceSchema, type VolumeRole, VolumeRoleSchema } from '../model/inventory.js';
import { principalAccess } from '../policy/principals-analysis.js';

export const REGISTER_SCHEMA_VERSION = 1;

const UnknownSchema = z
  .object({
    unknown: z.string().describe('why the value is not known: not collected, or unresolved in the code'),
  })
  .strict();

/** "unknown" with the reason, for a value the source did not give. */
export type Known<T> = T | z.infer<typeof UnknownSchema>;
const orUnknown = <T extends z.ZodType>(schema: T) => z.union([schema, UnknownSchema]);

const Iso = z.string().describe('ISO-8601 time');

const RegisterEntrySchema = z
  .object({
    arn: z.string(),
    alias: z.string().describe('the first alias; empty when the key has none'),
    aliases: z.array(z.string()),
    account: z.string(),
    region: z.string(),
    source: SourceSchema,
    owner: orUnknown(z.string().nullable()).describe('the owner tag; null when the key has none'),
    project: orUnknown(z.string().nullable()).describe('the project tag; null when the key has none'),
    keySpec: orUnknown(z.string()),
    keyState: orUnknown(z.string()).describe(
      'Enabled, Disabled, PendingDeletion, PendingReplicaDeletion, ...',
    ),
    keyManager: orUnknown(z.enum(['AWS', 'CUSTOMER'])),
    rotation: z
      .object({
        enabled: orUnknown(z.boolean()),
        periodInDays: orUnknown(z.number().nullable()).describe('null when the source gives no period'),
        nextRotationDate: Iso.nullable(),
        lastRotationDate: orUnknown(Iso.nullable()).describe(
          'next rotation minus the period, once it has rotated; null when it never has',
        ),
        rotations: z.number().int().nullable(),
      })
      .strict(),
    deletion: z
      .object({
        scheduledFor: Iso.nullable().describe('the deletion date of a key pending deletion'),
        pendingWindowInDays: orUnknown(z.number().nullable()),
        iacProtection: z
          .string()
          .nullable()
          .describe('IaC: DeletionPolicy, UpdateReplacePolicy, prevent_destroy, as written'),
      })
      .strict(),
    admins: orUnknown(z.array(z.string())).describe('principals the key policy lets administer the key'),
    users: orUnknown(z.array(z.string())).describe('principals the key policy lets use the key'),
    protects: z.array(
      z
        .object({
          cluster: z.string(),
          account: z.string(),
          region: z.string(),
          instanceGroup: z.string(),
          volumes: z.array(VolumeRoleSchema),
        })
        .strict(),
    ),
    dr: z
      .object({
        multiRegion: orUnknown(z.boolean().nullable()).describe('null when DescribeKey did not say'),
        type: z.enum(['PRIMARY', 'REPLICA']).nullable(),
        primary: z.string().nullable(),
        replicaRegions: z.array(z.string()),
      })
      .strict(),
    grants: orUnknown(
      z
        .object({ count: z.number().int(), grantees: z.array(z.string()), operations: z.array(z.string()) })
        .strict(),
    ),
    openFindings: z
      .array(
        z
          .object({
            ruleId: z.string(),
            severity: SeveritySchema,
            status: z.enum(['FAIL', 'UNKNOWN']),
            message: z.string(),
          })
          .strict(),
      )
      .describe('failing and UNKNOWN findings on the key, suppressed ones left out'),
  })
  .strict();
export type RegisterEntry = z.infer<typeof RegisterEntrySchema>;

/** What `register --format json` prints (schemaVersion 1); schemas/register.schema.json is generated from it. */
export const RegisterSchema = z
  .object({
    schemaVersion: z.literal(REGISTER_SCHEMA_VERSION),
    kind: z.literal('hyperpod-cmk-register'),
    generatedAt: Iso.describe("the inventory's time"),
    source: z
      .string()
      .describe('where the inventory came from, as a reader says it: the inventory snapshot FILE, AWS, ...'),
    keys: z.array(RegisterEntrySchema).describe('ordered by account, Region, alias and ARN'),
  })
  .strict();
export type Register = z.infer<typeof RegisterSchema>;

/** The register as a versioned document. */
export const registerDocument = (
  entries: RegisterEntry[],
  meta: { generatedAt: string; source: string },
): Register => ({
  schemaVersion: REGISTER_SCHEMA_VERSION,
  kind: 'hyperpod-cmk-register',
  generatedAt: meta.generatedAt,
  source: meta.source,
  keys: entries,
});

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
    const next = parseIsoTime(rotation.nextRotationDate) ?? Number.NaN;
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
      const byKey = new Map<string, VolumeRole[]>();
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
