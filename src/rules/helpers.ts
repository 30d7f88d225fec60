/** Resource references and verdict shapes that many rules share. */
import type { ResourceRef } from '../model/finding.js';
import type {
  Cluster,
  EbsVolume,
  InstanceGroup,
  Key,
  PolicyDocument,
  TrailEvent,
  Unresolved,
} from '../model/inventory.js';
import { isIacSource, isUnresolved } from '../model/inventory.js';
import type { RuleContext, Verdict } from './define-rule.js';

/*
 * Resource references are built once per resource and shared by every finding about it: at
 * 100,000 instance groups the engine makes close to a million findings, and one object per
 * resource instead of one per finding is most of the difference between fitting in memory or not.
 * Findings never mutate them.
 */
const resourceRefs = new WeakMap<object, ResourceRef>();
function sharedRef(owner: object, build: () => ResourceRef): ResourceRef {
  let ref = resourceRefs.get(owner);
  if (!ref) {
    ref = Object.freeze(build());
    resourceRefs.set(owner, ref);
  }
  return ref;
}

export const clusterResource = (cluster: Cluster): ResourceRef =>
  sharedRef(cluster, () => buildClusterResource(cluster));
export const groupResource = (cluster: Cluster, group: InstanceGroup): ResourceRef =>
  sharedRef(group, () => buildGroupResource(cluster, group));
export const keyResource = (key: Key): ResourceRef => sharedRef(key, () => buildKeyResource(key));

function buildClusterResource(cluster: Cluster): ResourceRef {
  return {
    type: 'cluster',
    id: cluster.id,
    account: cluster.account,
    region: cluster.region,
    cluster: cluster.name,
    ...(cluster.location ? { location: cluster.location } : {}),
  };
}

function buildGroupResource(cluster: Cluster, group: InstanceGroup): ResourceRef {
  const location = group.location ?? cluster.location;
  return {
    type: 'instance-group',
    id: group.id,
    account: cluster.account,
    region: cluster.region,
    cluster: cluster.name,
    instanceGroup: group.name,
    ...(location ? { location } : {}),
  };
}

function buildKeyResource(key: Key): ResourceRef {
  return {
    type: 'kms-key',
    id: key.arn,
    account: key.account,
    region: key.region,
    keyArn: key.arn,
    ...(key.location ? { location: key.location } : {}),
  };
}

/** The verdict for data the source could not know: names the expression and its missing inputs. */
export function unresolvedVerdict(resource: ResourceRef, what: string, value: Unresolved): Verdict {
  return {
    resource,
    status: 'UNKNOWN',
    messageId: 'unresolved',
    data: { what, expression: value.unresolved, reason: value.reason },
    evidence: { unresolved: value },
  };
}

export const UNRESOLVED_MESSAGE = '{{what}} cannot be known from the source: {{expression}} ({{reason}})';
export const NOT_COLLECTED_MESSAGE = '{{what}} could not be collected: {{reason}}';

/**
 * Instance-group rules call this for each cluster: when the cluster's list of instance groups
 * itself is unknown, one UNKNOWN verdict stands for the groups that could not be seen.
 */
export function unresolvedGroupsVerdict(cluster: Cluster): Verdict | undefined {
  if (!cluster.instanceGroupsUnresolved) return undefined;
  return unresolvedVerdict(
    {
      ...clusterResource(cluster),
      type: 'instance-group',
      id: `${cluster.id}/instance-group/*`,
      instanceGroup: '*',
    },
    'the instance groups',
    cluster.instanceGroupsUnresolved,
  );
}

/** Iterates every instance group with its cluster, emitting the unresolved-groups verdicts first. */
export function* eachGroup(
  context: RuleContext,
  visit: (cluster: Cluster, group: InstanceGroup) => Verdict | Iterable<Verdict> | undefined,
): Generator<Verdict> {
  for (const cluster of context.inventory.clusters) {
    const unresolved = unresolvedGroupsVerdict(cluster);
    if (unresolved) yield unresolved;
    for (const group of cluster.instanceGroups) {
      const out = visit(cluster, group);
      if (out === undefined) continue;
      if (isVerdict(out)) yield out;
      else yield* out;
    }
  }
}

const isVerdict = (value: Verdict | Iterable<Verdict>): value is Verdict =>
  'status' in value && 'resource' in value;

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

export const isLiveSource = (source: string): boolean => source === 'live' || source === 'snapshot';
export { isIacSource };

/** The words for a key reference as the user wrote it. */
export function describeKeyRef(volume: EbsVolume): string {
  if (volume.kmsKeyId === null) return 'no key';
  return isUnresolved(volume.kmsKeyId) ? volume.kmsKeyId.unresolved : volume.kmsKeyId;
}

/** A gap's reason as a sentence fragment for messages. */
export function gapReason(gaps: readonly { code: string; operation: string; message: string }[]): string {
  const gap = gaps[0];
  return gap ? `${gap.operation} failed (${gap.code}): ${gap.message}` : 'not collected';
}

/** Messages every key rule may use through `eachKey`. */
export const KEY_COMMON_MESSAGES = {
  awsManaged:
    'AWS manages {{key}}: its policy, rotation and lifecycle are not yours to govern (the volume rules fail it)',
  notCollected: NOT_COLLECTED_MESSAGE,
  unresolved: UNRESOLVED_MESSAGE,
} as const;

/**
 * Iterates the keys in scope (every key the inventory holds: the live collector brings the keys
 * HyperPod volumes use and those config selects; IaC brings the keys defined alongside), answering
 * NOT_APPLICABLE for AWS managed keys and UNKNOWN when DescribeKey could not be called.
 */
export function* eachKey(
  context: RuleContext,
  visit: (key: Key) => Verdict | Iterable<Verdict> | undefined,
  options: {
    /**
     * Runs before anything else, for rules that judge only some sources: a verdict it returns
     * (e.g. NOT_APPLICABLE for a live key) stands even when the key's metadata is missing.
     */
    sourceCheck?: (key: Key) => Verdict | undefined;
  } = {},
): Generator<Verdict> {
  for (const key of context.inventory.keys) {
    const resource = keyResource(key);
    const bySource = options.sourceCheck?.(key);
    if (bySource) {
      yield bySource;
      continue;
    }
    // Only AWS can create `alias/aws/*` aliases, so they name AWS managed keys even when
    // DescribeKey could not be called.
    if (key.metadata?.keyManager === 'AWS' || key.aliases.some(isAwsManagedAlias)) {
      yield { resource, status: 'NOT_APPLICABLE', messageId: 'awsManaged', data: { key: keyLabel(key) } };
      continue;
    }
    if (key.metadata === undefined) {
      const gaps = context.index.gapsFor(key.arn);
      yield {
        resource,
        status: 'UNKNOWN',
        messageId: 'notCollected',
        data: { what: `the metadata of ${keyLabel(key)}`, reason: gapReason(gaps) },
        evidence: { gaps },
      };
      continue;
    }
    const out = visit(key);
    if (out === undefined) continue;
    if (isVerdict(out)) yield out;
    else yield* out;
  }
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
  restricted: 'restricted instance groups do not support customer managed keys',
  unresolved: UNRESOLVED_MESSAGE,
} as const;

/** Whether a cluster's NodeProvisioningMode is known and Continuous, and if unknown, why. */
export function provisioningModeOf(
  cluster: Cluster,
): { mode: 'Continuous' | 'legacy' } | { mode: 'unknown'; reason: string } {
  if (isUnresolved(cluster.nodeProvisioningMode))
    return {
      mode: 'unknown',
      reason: `cannot be known from the source: ${cluster.nodeProvisioningMode.unresolved} (${cluster.nodeProvisioningMode.reason})`,
    };
  if (cluster.notCollected?.includes('NodeProvisioningMode'))
    return { mode: 'unknown', reason: 'was not reported by the source' };
  return { mode: cluster.nodeProvisioningMode === 'Continuous' ? 'Continuous' : 'legacy' };
}

/** A concrete AWS Region name (not an IaC placeholder such as `${AWS::Region}` nor "unknown"). */
const CONCRETE_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const KMS_ARN_REGION = /^arn:aws[a-z-]*:kms:([^:]*):[^:]*:(?:key|alias)\//;

/**
 * The Region a volume's key lives in, when something names it: the ARN as written (a key or
 * alias ARN, a multi-Region replica's ARN naming its own Region), else the ARN the reference
 * resolved to, else the Region of the key in the inventory. A bare key id or alias name names no
 * Region: KMS resolves it in the caller's Region, the cluster's.
 */
function keyRegionOf(volume: EbsVolume, key: Key | undefined): string | undefined {
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

function keyVerdict(
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
  if (managed === 'unknown' || !key) {
    const reason =
      volume.resolution?.status === 'unknown'
        ? volume.resolution.reason
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

/**
 * The UNKNOWN verdict for a part of a key that was not collected (`what`, e.g. "the grants on
 * alias/x"), with the reason the `operation`'s gap gives.
 */
export function keyPartNotCollected(
  context: RuleContext,
  key: Key,
  what: string,
  operation: string,
): Verdict {
  const gaps = context.index.gapsFor(key.arn, operation);
  return {
    resource: keyResource(key),
    status: 'UNKNOWN',
    messageId: 'notCollected',
    data: { what, reason: gapReason(gaps) },
    evidence: { gaps },
  };
}

/**
 * Runs `visit` with the key's policy document, or answers UNKNOWN when the policy could not be
 * read (GetKeyPolicy denied) or cannot be known from the IaC source.
 */
export function withKeyPolicy(
  context: RuleContext,
  key: Key,
  visit: (policy: PolicyDocument) => Verdict | Iterable<Verdict>,
): Verdict | Iterable<Verdict> {
  const resource = keyResource(key);
  if (key.policy === undefined)
    return keyPartNotCollected(context, key, `the key policy of ${keyLabel(key)}`, 'GetKeyPolicy');
  if (isUnresolved(key.policy)) return unresolvedVerdict(resource, 'the key policy', key.policy);
  return visit(key.policy);
}

/** Execution roles of the instance groups that use a key (as written: ARN, unique id or IaC reference). */
export function consumingRoles(context: RuleContext, key: Key): string[] {
  const roles = new Set<string>();
  for (const use of context.index.usesOfKey(key.arn)) {
    if (typeof use.group.executionRole === 'string') roles.add(use.group.executionRole);
  }
  return [...roles];
}

/** Rules that read CloudTrail or grants judge live keys only. */
export function liveOnly(key: Key, messageId = 'notLive'): Verdict | undefined {
  return isLiveSource(key.source)
    ? undefined
    : { resource: keyResource(key), status: 'NOT_APPLICABLE', messageId };
}

/** CloudTrail delivers events within minutes: a window edge this close is not a gap. */
const WINDOW_SLACK_MS = 3_600_000;

/** The part of the lookback window whose events were not looked up, when there is one. */
export interface UncoveredWindow {
  /** What was looked up, ISO-8601. */
  collectedFrom: string;
  collectedTo: string;
  /** The parts of the lookback window outside it, as "FROM to TO" ranges. */
  missing: string[];
}

/**
 * The CloudTrail events about a key within the lookback window, or an UNKNOWN verdict when
 * events were not looked up for the key's account and region. When they were looked up for a
 * shorter window than the lookback (a snapshot collected with a shorter lookback, or evaluated
 * at a later clock), `uncovered` says which part was not seen: a rule may FAIL on what it saw, but
 * never PASS for the whole lookback.
 */
export function keyEventsInWindow(
  context: RuleContext,
  key: Key,
): { events: TrailEvent[]; since: Date; uncovered?: UncoveredWindow } | Verdict {
  const collected = context.index.eventsCollectedWindow(key.account, key.region);
  const since = new Date(context.now.getTime() - context.config.lookbackDays * 86_400_000);
  if (collected === undefined) {
    const gaps = context.index.serviceGaps('cloudtrail', key.account, key.region, 'LookupEvents');
    return {
      resource: keyResource(key),
      status: 'UNKNOWN',
      messageId: 'notCollected',
      data: { what: `CloudTrail events for ${key.account}/${key.region}`, reason: gapReason(gaps) },
      evidence: { gaps },
    };
  }
  const events = context.index.eventsOfKey(key).filter((event) => {
    const time = Date.parse(event.eventTime);
    return time >= since.getTime() && time <= context.now.getTime();
  });
  const iso = (ms: number) => new Date(ms).toISOString();
  const missing: string[] = [];
  if (collected.since > since.getTime() + WINDOW_SLACK_MS)
    missing.push(`${iso(since.getTime())} to ${iso(Math.min(collected.since, context.now.getTime()))}`);
  if (collected.until < context.now.getTime() - WINDOW_SLACK_MS)
    missing.push(`${iso(Math.max(collected.until, since.getTime()))} to ${iso(context.now.getTime())}`);
  if (missing.length === 0) return { events, since };
  return {
    events,
    since,
    uncovered: { collectedFrom: iso(collected.since), collectedTo: iso(collected.until), missing },
  };
}

export const PARTIAL_WINDOW_MESSAGE =
  'nothing found for {{key}} in the CloudTrail events that were looked up ({{collectedFrom}} to {{collectedTo}}), ' +
  'but the last {{days}} days were not all seen: {{missing}} was not looked up';

/** The UNKNOWN verdict that stands for a PASS over a lookback window only partly seen. */
export function partialWindowVerdict(key: Key, days: number, uncovered: UncoveredWindow): Verdict {
  return {
    resource: keyResource(key),
    status: 'UNKNOWN',
    messageId: 'partialWindow',
    data: {
      key: keyLabel(key),
      days,
      collectedFrom: uncovered.collectedFrom,
      collectedTo: uncovered.collectedTo,
      missing: uncovered.missing.join(' and '),
    },
    evidence: {
      collected: { from: uncovered.collectedFrom, to: uncovered.collectedTo },
      missing: uncovered.missing,
    },
  };
}

/** CloudTrail spells KMS access denials both ways (shared/aws-facts.md §8.2). */
export const isAccessDenied = (event: TrailEvent): boolean =>
  event.errorCode === 'AccessDenied' || event.errorCode === 'AccessDeniedException';

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
 * source cannot identify is still one key wherever one cluster names it alike.
 */
export function groupsNamingSameKey(
  cluster: Cluster,
  group: InstanceGroup,
  volume: EbsVolume,
): InstanceGroup[] {
  return cluster.instanceGroups.filter(
    (other) =>
      other.id !== group.id &&
      !isUnresolved(other.volumes) &&
      other.volumes.some((candidate) => sameKeyReference(candidate, volume)),
  );
}

/**
 * Whether two volumes of the same cluster name the same key as written: the same literal
 * reference, or the same unresolvable expression (one template parameter used twice).
 */
function sameKeyReference(a: EbsVolume, b: EbsVolume): boolean {
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

/** "1 grant", "3 grants": counts in messages read as English. */
export const countOf = (count: number, singular: string, plural = `${singular}s`): string =>
  `${count} ${count === 1 ? singular : plural}`;
