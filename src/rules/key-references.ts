/** Key references as volumes write them: which key, AWS managed or not, in which Region, shared with whom. */
import type { ResourceRef } from '../model/finding.js';
import type { Cluster, EbsVolume, InstanceGroup, Key } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import { provisioningModeOf } from '../model/inventory-index.js';
import type { RuleContext, Verdict } from './define-rule.js';
import { UNRESOLVED_MESSAGE, unresolvedVerdict } from './resources.js';

/** The volumes of a group with a key set (as written, whether resolved or not). */
export const keyedVolumes = (volumes: readonly EbsVolume[]): EbsVolume[] =>
  volumes.filter((volume) => volume.kmsKeyId !== null);

/** `alias/aws/...` and its ARN form name AWS managed keys, which are not customer managed. */
export function isAwsManagedAlias(ref: string): boolean {
  if (!ref.includes('alias/aws/')) return false;
  return ref.startsWith('alias/aws/') || /^arn:aws[a-z-]*:kms:[^:]*:\d{12}:alias\/aws\//.test(ref);
}

/** Whether the key behind a volume is AWS managed: from its metadata, or from an `alias/aws/` reference. */
export function volumeKeyIsAwsManaged(volume: EbsVolume, key: Key | undefined): boolean | 'unknown' {
  if (typeof volume.kmsKeyId === 'string' && isAwsManagedAlias(volume.kmsKeyId)) return true;
  const manager = key?.metadata?.keyManager;
  if (manager === undefined || isUnresolved(manager)) return 'unknown';
  return manager === 'AWS';
}

/** The words for a key reference as the user wrote it. */
export function describeKeyRef(volume: EbsVolume): string {
  if (volume.kmsKeyId === null) return 'no key';
  return isUnresolved(volume.kmsKeyId) ? volume.kmsKeyId.unresolved : volume.kmsKeyId;
}

/** A key as people know it: its first alias, else its ARN. */
export const keyLabel = (key: Key): string => key.aliases[0] ?? key.arn;

/** Messages for `volumeKeyVerdict`, shared by the root and secondary volume rules. */
export const VOLUME_KEY_MESSAGES = {
  cmk: '{{volume}} volume is encrypted with customer managed key {{key}}',
  awsManaged: '{{volume}} volume uses AWS managed key {{key}}, not a customer managed key',
  keyNotFound:
    '{{volume}} volume key {{key}} does not resolve to a key, so the volume is not under a key you control',
  keyUnknown:
    '{{volume}} volume names {{key}}, but whether it is customer managed could not be checked: {{reason}}',
  keyIgnored:
    '{{volume}} volume names {{key}}, but the cluster is not in Continuous provisioning mode, where HyperPod ' +
    'ignores the key: the volume is on an AWS owned key',
  modeUnknown:
    '{{volume}} volume names {{key}}, but whether HyperPod honours it is unknown: keys are honoured only in ' +
    'Continuous provisioning mode, and the mode {{reason}}',
  otherRegion:
    '{{volume}} volume names {{key}}, a key of {{keyRegion}}, but the cluster is in {{clusterRegion}}: KMS keys ' +
    'are Regional, so it cannot encrypt these volumes',
  regionUnknown:
    '{{volume}} volume names {{key}}, a key of {{keyRegion}}, and the cluster Region is not known ({{clusterRegion}}): ' +
    'a key of another Region cannot encrypt its volumes',
  notSymmetric:
    '{{volume}} volume names {{key}}, a {{spec}} / {{usage}} key: EBS encrypts only with symmetric encryption ' +
    'keys (SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT), so the volume cannot be under it',
  restricted: 'restricted instance groups do not support customer managed keys',
  unresolved: UNRESOLVED_MESSAGE,
} as const;

export { keysHonoured, provisioningModeOf } from '../model/inventory-index.js';

/** A concrete AWS Region name (not an IaC placeholder such as `${AWS::Region}` nor "unknown"). */
export const CONCRETE_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
export const KMS_ARN_REGION = /^arn:aws[a-z-]*:kms:([^:]*):[^:]*:(?:key|alias)\//;

/**
 * The Region a volume's key lives in, when something names it: the ARN as written (a key or
 * alias ARN, a multi-Region replica's ARN naming its own Region), else the ARN the reference
 * resolved to, else the Region of the key in the inventory. A bare key id or alias name names no
 * Region: KMS resolves it in the caller's Region, the cluster's.
 */
export function keyRegionOf(volume: EbsVolume, key: Key | undefined): string | undefined {
  if (typeof volume.kmsKeyId !== 'string') return undefined;
  const written = KMS_ARN_REGION.exec(volume.kmsKeyId)?.[1];
  if (written) return written;
  if (volume.resolution?.status === 'resolved') {
    const resolved = KMS_ARN_REGION.exec(volume.resolution.keyArn)?.[1];
    if (resolved) return resolved;
  }
  return key?.region;
}

/**
 * KMS keys are Regional: an EBS volume can be encrypted only with a key of its own Region.
 * `mismatch` when both Regions are concrete and differ; `unknown` when one of them is concrete and
 * the other is not (an IaC placeholder); undefined when they agree or neither is named.
 */
export function keyRegionCheck(
  cluster: Cluster,
  volume: EbsVolume,
  key: Key | undefined,
): { status: 'mismatch' | 'unknown'; keyRegion: string; clusterRegion: string } | undefined {
  const keyRegion = keyRegionOf(volume, key);
  if (keyRegion === undefined || keyRegion === cluster.region) return undefined;
  const keyConcrete = CONCRETE_REGION.test(keyRegion);
  const clusterConcrete = CONCRETE_REGION.test(cluster.region);
  if (keyConcrete && clusterConcrete) return { status: 'mismatch', keyRegion, clusterRegion: cluster.region };
  if (keyConcrete || clusterConcrete) return { status: 'unknown', keyRegion, clusterRegion: cluster.region };
  return undefined;
}

/**
 * Judges a volume that names a key: customer managed (PASS), AWS managed or missing (FAIL), or
 * unknown. A key is honoured only in Continuous provisioning mode and only in the cluster's
 * Region: outside that mode the volume is on an AWS owned key (FAIL, or UNKNOWN when the mode is
 * unknown), and a key of another Region cannot encrypt it (FAIL, or UNKNOWN when a Region is unknown).
 */
export function volumeKeyVerdict(
  context: RuleContext,
  cluster: Cluster,
  resource: ResourceRef,
  volume: EbsVolume,
): Verdict {
  if (volume.kmsKeyId === null) throw new Error('volumeKeyVerdict needs a volume that names a key');
  const mode = provisioningModeOf(cluster);
  const written = isUnresolved(volume.kmsKeyId) ? volume.kmsKeyId.unresolved : volume.kmsKeyId;
  if (mode.mode === 'legacy')
    return {
      resource,
      status: 'FAIL',
      messageId: 'keyIgnored',
      data: { volume: volume.role, key: written },
      evidence: { volumeKmsKeyId: volume.kmsKeyId, nodeProvisioningMode: null },
    };
  const verdict = keyVerdict(context, cluster, resource, volume);
  if (mode.mode === 'unknown' && verdict.status === 'PASS')
    return {
      resource,
      status: 'UNKNOWN',
      messageId: 'modeUnknown',
      data: { volume: volume.role, key: written, reason: mode.reason },
      evidence: { volumeKmsKeyId: volume.kmsKeyId, keyVerdict: verdict.messageId },
    };
  return verdict;
}

export function keyVerdict(
  context: RuleContext,
  cluster: Cluster,
  resource: ResourceRef,
  volume: EbsVolume,
): Verdict {
  if (isUnresolved(volume.kmsKeyId))
    return unresolvedVerdict(resource, `the ${volume.role} volume key`, volume.kmsKeyId);
  const ref = volume.kmsKeyId!;
  const key = context.index.keyOfVolume(volume);
  const evidence = { volumeKmsKeyId: ref, keyArn: key?.arn ?? null };
  const data = { volume: volume.role, key: ref };
  const managed = volumeKeyIsAwsManaged(volume, key);
  if (managed === true) return { resource, status: 'FAIL', messageId: 'awsManaged', data, evidence };
  if (volume.resolution?.status === 'not-found')
    return { resource, status: 'FAIL', messageId: 'keyNotFound', data, evidence };
  const region = keyRegionCheck(cluster, volume, key);
  if (region?.status === 'mismatch')
    return {
      resource,
      status: 'FAIL',
      messageId: 'otherRegion',
      data: { ...data, keyRegion: region.keyRegion, clusterRegion: region.clusterRegion },
      evidence,
    };
  // "Amazon EBS does not support asymmetric KMS keys" (EC2 API reference, ModifyEbsDefaultKmsKeyId;
  // https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html): nor HMAC or signing keys,
  // which cannot encrypt at all. A volume naming one is not encrypted under it, whoever manages it.
  const spec = key?.metadata?.keySpec;
  const usage = key?.metadata?.keyUsage;
  if (
    (typeof spec === 'string' && spec !== 'SYMMETRIC_DEFAULT') ||
    (typeof usage === 'string' && usage !== 'ENCRYPT_DECRYPT')
  )
    return {
      resource,
      status: 'FAIL',
      messageId: 'notSymmetric',
      data: {
        ...data,
        key: key ? keyLabel(key) : ref,
        spec: typeof spec === 'string' ? spec : 'unknown spec',
        usage: typeof usage === 'string' ? usage : 'unknown usage',
      },
      evidence: { ...evidence, keySpec: spec ?? null, keyUsage: usage ?? null },
    };
  if (managed === 'unknown' || !key) {
    const manager = key?.metadata?.keyManager;
    const reason =
      volume.resolution?.status === 'unknown'
        ? volume.resolution.reason
        : manager !== undefined && isUnresolved(manager)
          ? manager.reason
          : 'the key metadata was not collected';
    return { resource, status: 'UNKNOWN', messageId: 'keyUnknown', data: { ...data, reason }, evidence };
  }
  if (region?.status === 'unknown')
    return {
      resource,
      status: 'UNKNOWN',
      messageId: 'regionUnknown',
      data: { ...data, keyRegion: region.keyRegion, clusterRegion: region.clusterRegion },
      evidence,
    };
  return { resource, status: 'PASS', messageId: 'cmk', data: { ...data, key: keyLabel(key) }, evidence };
}

/** The keys of an instance group, as far as they can be known. */
export interface GroupKeys {
  /** Keys in the inventory that are not AWS managed. */
  keys: Key[];
  /**
   * Volumes whose key cannot be identified as such: an unresolvable IaC reference, a reference
   * that DescribeKey could not resolve, or a resolved key that is not in the inventory.
   */
  undetermined: EbsVolume[];
}

/**
 * Sorts a group's volume keys into those the inventory knows (customer managed, or of unknown
 * manager) and those it cannot identify. AWS managed keys and references that do not exist are
 * left out: the volume and key-exists rules judge them.
 */
export function groupKeys(context: RuleContext, group: InstanceGroup): GroupKeys {
  const keys = new Map<string, Key>();
  const undetermined: EbsVolume[] = [];
  if (isUnresolved(group.volumes)) return { keys: [], undetermined: [] };
  for (const volume of keyedVolumes(group.volumes)) {
    if (typeof volume.kmsKeyId === 'string' && isAwsManagedAlias(volume.kmsKeyId)) continue;
    if (volume.resolution?.status === 'not-found') continue;
    const key = context.index.keyOfVolume(volume);
    if (key) {
      if (key.metadata?.keyManager !== 'AWS') keys.set(key.arn, key);
    } else undetermined.push(volume);
  }
  return { keys: [...keys.values()], undetermined };
}

/**
 * The other groups of a cluster that name a volume's key the same way as written: a key the
 * source cannot identify is still one key wherever one cluster names it alike. Restricted groups
 * are left out: HyperPod uses no key they name ("Restricted instance groups don't support
 * customer managed keys", https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html).
 */
export function groupsNamingSameKey(
  cluster: Cluster,
  group: InstanceGroup,
  volume: EbsVolume,
): InstanceGroup[] {
  return cluster.instanceGroups.filter(
    (other) =>
      other.id !== group.id &&
      other.kind !== 'restricted' &&
      !isUnresolved(other.volumes) &&
      other.volumes.some((candidate) => sameKeyReference(candidate, volume)),
  );
}

/**
 * Whether two volumes of the same cluster name the same key as written: the same literal
 * reference, or the same unresolvable expression (one template parameter used twice).
 */
export function sameKeyReference(a: EbsVolume, b: EbsVolume): boolean {
  if (a.kmsKeyId === null || b.kmsKeyId === null) return false;
  if (typeof a.kmsKeyId === 'string' || typeof b.kmsKeyId === 'string') return a.kmsKeyId === b.kmsKeyId;
  return a.kmsKeyId.unresolved === b.kmsKeyId.unresolved;
}

/** Why a volume's key cannot be identified, for messages. */
export function undeterminedKeyReason(volume: EbsVolume): string {
  if (isUnresolved(volume.kmsKeyId)) return volume.kmsKeyId.reason;
  if (volume.resolution?.status === 'unknown') return volume.resolution.reason;
  if (volume.resolution?.status === 'resolved') return `${volume.resolution.keyArn} is not in the inventory`;
  return 'the reference was not resolved to a key';
}
