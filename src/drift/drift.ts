/**
 * Drift: where the deployed estate differs from its infrastructure-as-code in what matters here:
 * the key of each volume, the provisioning mode, instance groups present on one side only, and
 * keys whose rotation or policy (by effect, as `policy diff` compares them) differ from their
 * template. Clusters match by name (or by the value of a chosen tag), and by account and Region where
 * the code names them. Pure.
 */
import { z } from 'zod';
import type { Cluster, EbsVolume, Inventory, Key, PolicyDocument } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import { accessModel, actionCatalog } from '../policy-diff/access-model.js';
import { isAwsManagedAlias } from '../rules/key-references.js';
import { isLiveSource } from '../rules/text.js';

export const DRIFT_SCHEMA_VERSION = 1;

export const DriftKindSchema = z.enum([
  'cluster-not-deployed',
  'group-not-deployed',
  'group-not-in-code',
  'provisioning-mode',
  'volume-key',
  'key-rotation',
  'key-policy',
]);
export type DriftKind = z.infer<typeof DriftKindSchema>;

const DriftItemSchema = z
  .object({
    kind: DriftKindSchema,
    cluster: z
      .string()
      .describe('the cluster as the code names it; empty for a key (key-rotation, key-policy)'),
    group: z
      .string()
      .optional()
      .describe('the instance group (group-not-deployed, group-not-in-code, volume-key)'),
    key: z
      .string()
      .optional()
      .describe('the deployed key, by its first alias or ARN (key-rotation, key-policy)'),
    code: z.string().describe('what the code says'),
    deployed: z.string().describe('what is deployed'),
    status: z
      .enum(['drift', 'unknown'])
      .describe(
        'unknown: drift cannot be decided (a value known only after apply, one not collected, several deployed clusters match)',
      ),
  })
  .strict();
export type DriftItem = z.infer<typeof DriftItemSchema>;

/** What `drift --format json` prints (schemaVersion 1); schemas/drift.schema.json is generated from it. */
export const DriftReportSchema = z
  .object({
    schemaVersion: z.literal(DRIFT_SCHEMA_VERSION),
    kind: z.literal('hyperpod-cmk-drift'),
    matched: z.number().int().describe('clusters of the code matched with exactly one deployed cluster'),
    items: z
      .array(DriftItemSchema)
      .describe('the clusters of the code by name, then the keys they share with the deployed ones'),
  })
  .strict();
export type DriftReport = z.infer<typeof DriftReportSchema>;

const text = (value: unknown): string =>
  value === null || value === undefined
    ? 'not set'
    : isUnresolved(value)
      ? `unknown (${value.unresolved})`
      : String(value);

function keyOf(volume: EbsVolume | undefined, keys: ReadonlyMap<string, Key>): Key | undefined {
  return volume?.resolution?.status === 'resolved' ? keys.get(volume.resolution.keyArn) : undefined;
}

/** Whether the code's key reference and the deployed one name the same key; undefined when unknowable. */
function sameKey(
  code: EbsVolume | undefined,
  deployed: EbsVolume | undefined,
  codeKeys: ReadonlyMap<string, Key>,
  liveKeys: ReadonlyMap<string, Key>,
): boolean | undefined {
  const codeRef = code?.kmsKeyId ?? null;
  const liveRef = deployed?.kmsKeyId ?? null;
  if (codeRef !== null && isUnresolved(codeRef)) return undefined;
  if (codeRef === null || liveRef === null || isUnresolved(liveRef)) return codeRef === liveRef;
  if (codeRef === liveRef) return true;
  const live = keyOf(deployed, liveKeys);
  const names = new Set([liveRef, ...(live ? [live.arn, live.keyId ?? '', ...live.aliases] : [])]);
  const codeKey = keyOf(code, codeKeys);
  const codeNames = [codeRef, ...(codeKey ? codeKey.aliases : [])];
  if (codeNames.some((name) => names.has(name) || [...names].some((n) => n.endsWith(`:${name}`))))
    return true;
  // An AWS managed key and a customer managed one are never the same key.
  const codeManager = managerOf(codeRef, codeKey);
  const liveManager = managerOf(liveRef, live);
  if (codeManager !== undefined && liveManager !== undefined && codeManager !== liveManager) return false;
  // A key defined in the code without an alias cannot be told apart from another before apply.
  if (codeKey && codeKey.aliases.length === 0) return undefined;
  return false;
}

/**
 * Who manages the key a volume names, when that is known: `alias/aws/...` names only AWS managed
 * keys (only AWS can create them), DescribeKey says it of a deployed key, and a key the code defines
 * (AWS::KMS::Key, aws_kms_key) is always the customer's.
 */
function managerOf(ref: string, key: Key | undefined): 'AWS' | 'CUSTOMER' | undefined {
  if (isAwsManagedAlias(ref)) return 'AWS';
  const manager = key?.metadata?.keyManager;
  if (manager === 'AWS' || manager === 'CUSTOMER') return manager;
  return key && !isLiveSource(key.source) ? 'CUSTOMER' : undefined;
}

/** A CloudFormation pseudo parameter as templates write it inside strings: `${AWS::Region}`. */
const pseudo = (name: string) => `\${AWS::${name}}`;

const canonicalPolicy = (policy: PolicyDocument, catalog: string[]): string =>
  JSON.stringify(
    [...accessModel(policy, catalog).entries()]
      .map(([principal, actions]) => [
        principal,
        [...actions.entries()].sort(([a], [b]) => a.localeCompare(b)),
      ])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );

export interface DriftOptions {
  /**
   * Match a cluster of the code to the deployed cluster that carries the same value of this tag
   * (e.g. a stack or deployment id), for code whose cluster names are generated or renamed. A
   * cluster of the code without the tag is matched by name.
   */
  matchTag?: string;
}

export function detectDrift(code: Inventory, deployed: Inventory, options: DriftOptions = {}): DriftReport {
  const items: DriftItem[] = [];
  const codeKeys = new Map(code.keys.map((k) => [k.arn, k]));
  const liveKeys = new Map(deployed.keys.map((k) => [k.arn, k]));
  const tagOf = (c: Cluster): string | undefined =>
    options.matchTag !== undefined && c.tags && !isUnresolved(c.tags) ? c.tags[options.matchTag] : undefined;
  const notFound = (c: Cluster) => {
    const tag = tagOf(c);
    return tag === undefined ? 'no cluster of that name' : `no cluster tagged ${options.matchTag}=${tag}`;
  };
  const sameIdentity = (c: Cluster, d: Cluster) => {
    const tag = tagOf(c);
    return tag === undefined ? c.name === d.name : tagOf(d) === tag;
  };
  const fits = (c: Cluster, d: Cluster) =>
    sameIdentity(c, d) &&
    (!/^\d{12}$/.test(c.account) || c.account === d.account) &&
    (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(c.region) || c.region === d.region);
  const matchedLive = new Set<Cluster>();
  let matched = 0;
  const keyPairs = new Map<Key, Key>();
  for (const cluster of [...code.clusters].sort((a, b) => a.name.localeCompare(b.name))) {
    const candidates = deployed.clusters.filter((d) => fits(cluster, d));
    if (candidates.length !== 1) {
      items.push({
        kind: 'cluster-not-deployed',
        cluster: cluster.name,
        code: cluster.location?.file ?? cluster.id,
        deployed:
          candidates.length === 0
            ? notFound(cluster)
            : `${candidates.length} clusters match: give the account and Region in the code`,
        status: candidates.length === 0 ? 'drift' : 'unknown',
      });
      continue;
    }
    const live = candidates[0]!;
    matchedLive.add(live);
    matched++;
    const liveMode = live.notCollected?.includes('NodeProvisioningMode')
      ? undefined
      : live.nodeProvisioningMode;
    if (isUnresolved(cluster.nodeProvisioningMode) || liveMode === undefined) {
      if (text(cluster.nodeProvisioningMode) !== text(liveMode))
        items.push({
          kind: 'provisioning-mode',
          cluster: cluster.name,
          code: text(cluster.nodeProvisioningMode),
          deployed: liveMode === undefined ? 'not collected' : text(liveMode),
          status: 'unknown',
        });
    } else if (cluster.nodeProvisioningMode !== liveMode)
      items.push({
        kind: 'provisioning-mode',
        cluster: cluster.name,
        code: text(cluster.nodeProvisioningMode),
        deployed: text(liveMode),
        status: 'drift',
      });
    const liveGroups = new Map(live.instanceGroups.map((g) => [g.name, g]));
    for (const group of cluster.instanceGroups) {
      const liveGroup = liveGroups.get(group.name);
      if (!liveGroup) {
        items.push({
          kind: 'group-not-deployed',
          cluster: cluster.name,
          group: group.name,
          code: 'defined',
          deployed: 'absent',
          status: 'drift',
        });
        continue;
      }
      liveGroups.delete(group.name);
      // Storage the code leaves to deploy time (or the scan could not read) decides nothing.
      if (isUnresolved(group.volumes) || isUnresolved(liveGroup.volumes)) {
        items.push({
          kind: 'volume-key',
          cluster: cluster.name,
          group: group.name,
          code: isUnresolved(group.volumes) ? text(group.volumes) : 'storage as written',
          deployed: isUnresolved(liveGroup.volumes) ? text(liveGroup.volumes) : 'storage as deployed',
          status: 'unknown',
        });
        continue;
      }
      for (const role of ['root', 'secondary'] as const) {
        const c = group.volumes.find((v) => v.role === role);
        const d = liveGroup.volumes.find((v) => v.role === role);
        const same = sameKey(c, d, codeKeys, liveKeys);
        if (same === true) {
          const ck = keyOf(c, codeKeys);
          const lk = keyOf(d, liveKeys);
          if (ck && lk) keyPairs.set(ck, lk);
          continue;
        }
        items.push({
          kind: 'volume-key',
          cluster: cluster.name,
          group: group.name,
          code: `${role}: ${text(c?.kmsKeyId ?? null)}`,
          deployed: `${role}: ${text(d?.kmsKeyId ?? null)}`,
          status: same === undefined ? 'unknown' : 'drift',
        });
      }
    }
    for (const name of liveGroups.keys())
      items.push({
        kind: 'group-not-in-code',
        cluster: cluster.name,
        group: name,
        code: 'absent',
        deployed: 'present',
        status: 'drift',
      });
  }
  for (const [codeKey, liveKey] of keyPairs) {
    const label = liveKey.aliases[0] ?? liveKey.arn;
    const codeRotation = codeKey.rotation?.enabled;
    const liveRotation = liveKey.rotation?.enabled;
    if (codeRotation !== undefined && (liveRotation === undefined || isUnresolved(liveRotation)))
      items.push({
        kind: 'key-rotation',
        cluster: '',
        key: label,
        code: text(codeRotation),
        deployed: 'not collected',
        status: 'unknown',
      });
    else if (codeRotation !== undefined && liveRotation !== undefined) {
      if (isUnresolved(codeRotation))
        items.push({
          kind: 'key-rotation',
          cluster: '',
          key: label,
          code: text(codeRotation),
          deployed: text(liveRotation),
          status: 'unknown',
        });
      else if (codeRotation !== liveRotation)
        items.push({
          kind: 'key-rotation',
          cluster: '',
          key: label,
          code: text(codeRotation),
          deployed: text(liveRotation),
          status: 'drift',
        });
    }
    const cp = codeKey.policy;
    const lp = liveKey.policy;
    if (cp && (!lp || isUnresolved(lp)))
      items.push({
        kind: 'key-policy',
        cluster: '',
        key: label,
        code: isUnresolved(cp) ? text(cp) : 'the template policy',
        deployed: 'not collected',
        status: 'unknown',
      });
    else if (cp && lp && !isUnresolved(lp)) {
      if (isUnresolved(cp))
        items.push({
          kind: 'key-policy',
          cluster: '',
          key: label,
          code: text(cp),
          deployed: 'deployed policy',
          status: 'unknown',
        });
      else {
        // The template writes the deploying account, Region and partition symbolically.
        const [, partition = 'aws', , region = '', account = ''] = liveKey.arn.split(':');
        const concrete = JSON.parse(
          JSON.stringify(cp)
            .replaceAll(pseudo('AccountId'), account)
            .replaceAll(pseudo('Region'), region)
            .replaceAll(pseudo('Partition'), partition),
        ) as PolicyDocument;
        const catalog = actionCatalog([concrete, lp]);
        if (canonicalPolicy(concrete, catalog) !== canonicalPolicy(lp, catalog))
          items.push({
            kind: 'key-policy',
            cluster: '',
            key: label,
            code: 'the template policy',
            deployed: `a policy with another effect (hyperpod-cmk policy diff shows how)`,
            status: 'drift',
          });
      }
    }
  }
  return { schemaVersion: DRIFT_SCHEMA_VERSION, kind: 'hyperpod-cmk-drift', matched, items };
}
