/**
 * Lookups the rules share, built once per evaluation in linear time, so that no rule scans the
 * whole inventory per resource (the engine must stay linear at 100,000 instance groups).
 */
import { parseIsoTime } from './dates.js';
import type {
  Cluster,
  EbsVolume,
  ExecutionRole,
  Gap,
  InstanceGroup,
  Inventory,
  Key,
  Trail,
  TrailEvent,
} from './inventory.js';
import { isUnresolved } from './inventory.js';

/**
 * A volume whose key HyperPod honours, or may: "Customer managed key encryption is only supported
 * for clusters using the continuous node provisioning mode. Restricted instance groups don't
 * support customer managed keys" (https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html).
 * A key named by a restricted group, or by a cluster known to be outside Continuous mode, encrypts
 * nothing (shared/aws-facts.md §1.10): it is not a use.
 */
export interface KeyUse {
  cluster: Cluster;
  group: InstanceGroup;
  volume: EbsVolume;
  /**
   * The cluster's provisioning mode is unknown (an unresolved IaC value, or not reported): the key
   * may or may not be honoured, so what depends on this use alone is UNKNOWN.
   */
  modeUnknown: boolean;
}

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

/** Whether HyperPod honours the keys a group names: never for a restricted group or a cluster outside Continuous mode. */
export function keysHonoured(cluster: Cluster, group: InstanceGroup): boolean | 'unknown' {
  if (group.kind === 'restricted') return false;
  const mode = provisioningModeOf(cluster).mode;
  return mode === 'legacy' ? false : mode === 'unknown' ? 'unknown' : true;
}

export interface InventoryIndex {
  readonly groupCount: number;
  /** Whether any gap is about one resource: when none is, `gapsFor` answers none for every resource. */
  readonly hasResourceGaps: boolean;
  /** The key a volume's reference resolved to, when it is in the inventory. */
  keyOfVolume(volume: EbsVolume): Key | undefined;
  key(arn: string): Key | undefined;
  /**
   * The volumes that use a key, by key ARN: those of groups whose keys HyperPod honours or may
   * honour (`KeyUse`); a key only restricted groups or clusters outside Continuous mode name has none.
   */
  usesOfKey(arn: string): readonly KeyUse[];
  role(arnOrId: string): ExecutionRole | undefined;
  /** Gaps about one resource (ARN or id), optionally for one operation. */
  gapsFor(resource: string, operation?: string): readonly Gap[];
  /** Account- or region-wide gaps for a service (e.g. cloudtrail DescribeTrails). */
  serviceGaps(service: string, account: string, region?: string, operation?: string): readonly Gap[];
  trailsOf(account: string): readonly Trail[];
  eventsOfKey(key: Key): readonly TrailEvent[];
  /** When CloudTrail events were looked up for the account and region, or undefined if they were not. */
  eventsCollectedSince(account: string, region: string): string | undefined;
  /** The window whose CloudTrail events were looked up (epoch ms), or undefined if they were not. */
  eventsCollectedWindow(account: string, region: string): { since: number; until: number } | undefined;
}

const lower = (value: string) => value.toLowerCase();

/**
 * A literal role ARN as IaC writes the role it defines when the deploying account and partition are
 * not given (`arn:${AWS::Partition}:iam::${AWS::AccountId}:role/<name>`), lower-cased: an instance
 * group may name by literal ARN a role the same files define by name.
 */
function symbolicRoleArn(arn: string): string {
  const match = /^arn:[^:]+:iam::\d{12}:(role\/.+)$/i.exec(arn);
  return match ? lower(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:${match[1]}`) : '';
}

const NO_GAPS: readonly Gap[] = Object.freeze([]);
const NO_USES: readonly KeyUse[] = Object.freeze([]);
const ALIAS_ARN = /^arn:aws[a-z-]*:kms:([^:]+):(\d{12}):(alias\/.+)$/;

export function indexInventory(inventory: Inventory): InventoryIndex {
  const keys = new Map<string, Key>();
  const keyByLocalRef = new Map<string, Key>();
  const localRef = (account: string, region: string, ref: string) => `${account}|${region}|${ref}`;
  for (const key of inventory.keys) {
    keys.set(key.arn, key);
    if (key.keyId) keyByLocalRef.set(localRef(key.account, key.region, key.keyId), key);
    for (const alias of key.aliases) keyByLocalRef.set(localRef(key.account, key.region, alias), key);
  }

  const uses = new Map<string, KeyUse[]>();
  let groupCount = 0;
  for (const cluster of inventory.clusters) {
    for (const group of cluster.instanceGroups) {
      groupCount++;
      if (isUnresolved(group.volumes)) continue;
      const honoured = keysHonoured(cluster, group);
      if (honoured === false) continue;
      const modeUnknown = honoured === 'unknown';
      for (const volume of group.volumes) {
        if (volume.resolution?.status !== 'resolved') continue;
        const use = { cluster, group, volume, modeUnknown };
        const list = uses.get(volume.resolution.keyArn);
        if (list) list.push(use);
        else uses.set(volume.resolution.keyArn, [use]);
      }
    }
  }

  const roles = new Map<string, ExecutionRole>();
  for (const role of inventory.roles) {
    roles.set(lower(role.arn), role);
    if (role.roleId) roles.set(role.roleId, role);
  }
  // IAM ARNs compare case-insensitively. Each name asked for is looked up once per evaluation,
  // found or not (groups name their role as written, and many groups share a role): no name is
  // lower-cased twice.
  const roleLookups = new Map<string, ExecutionRole | null>();
  const roleNamed = (arnOrId: string): ExecutionRole | undefined => {
    let role = roleLookups.get(arnOrId);
    if (role === undefined) {
      role = roles.get(arnOrId) ?? roles.get(lower(arnOrId)) ?? roles.get(symbolicRoleArn(arnOrId)) ?? null;
      roleLookups.set(arnOrId, role);
    }
    return role ?? undefined;
  };

  const gapsByResource = new Map<string, Gap[]>();
  const gapsByService = new Map<string, Gap[]>();
  for (const gap of inventory.gaps) {
    if (gap.resource) {
      const list = gapsByResource.get(gap.resource) ?? [];
      list.push(gap);
      gapsByResource.set(gap.resource, list);
    }
    const serviceKey = `${gap.service}|${gap.account ?? ''}`;
    const list = gapsByService.get(serviceKey) ?? [];
    list.push(gap);
    gapsByService.set(serviceKey, list);
  }

  const trails = new Map<string, Trail[]>();
  for (const trail of inventory.trails) {
    const list = trails.get(trail.account) ?? [];
    list.push(trail);
    trails.set(trail.account, list);
  }

  // An event names its key by key ARN, key id, alias name or alias ARN (which carries its own
  // account and region); ids and alias names are relative to the event's account and region.
  const keyOfEvent = (event: TrailEvent, keyRef: string): Key | undefined => {
    const aliasArn = ALIAS_ARN.exec(keyRef);
    if (aliasArn) return keyByLocalRef.get(localRef(aliasArn[2]!, aliasArn[1]!, aliasArn[3]!));
    return keys.get(keyRef) ?? keyByLocalRef.get(localRef(event.account, event.region, keyRef));
  };
  const eventsByKey = new Map<string, TrailEvent[]>();
  for (const event of inventory.events) {
    if (!event.keyRef) continue;
    const key = keyOfEvent(event, event.keyRef);
    if (!key) continue;
    const list = eventsByKey.get(key.arn) ?? [];
    list.push(event);
    eventsByKey.set(key.arn, list);
  }

  const collected = new Map<string, string>();
  const windows = new Map<string, { since: number; until: number }>();
  for (const entry of inventory.eventsCollected) {
    collected.set(`${entry.account}|${entry.region}`, entry.since);
    windows.set(`${entry.account}|${entry.region}`, {
      since: parseIsoTime(entry.since) ?? Number.NaN,
      until: parseIsoTime(entry.until ?? inventory.generatedAt) ?? Number.NaN,
    });
  }

  return {
    groupCount,
    hasResourceGaps: gapsByResource.size > 0,
    keyOfVolume: (volume) =>
      volume.resolution?.status === 'resolved' ? keys.get(volume.resolution.keyArn) : undefined,
    key: (arn) => keys.get(arn),
    usesOfKey: (arn) => uses.get(arn) ?? NO_USES,
    role: roleNamed,
    gapsFor: (resource, operation) => {
      const gaps = gapsByResource.get(resource);
      if (gaps === undefined) return NO_GAPS;
      return operation === undefined ? gaps.slice() : gaps.filter((gap) => gap.operation === operation);
    },
    serviceGaps: (service, account, region, operation) =>
      [
        ...(gapsByService.get(`${service}|${account}`) ?? []),
        ...(gapsByService.get(`${service}|`) ?? []),
      ].filter(
        (gap) =>
          !gap.resource &&
          (region === undefined || gap.region === undefined || gap.region === region) &&
          (operation === undefined || gap.operation === operation),
      ),
    trailsOf: (account) => trails.get(account) ?? [],
    eventsOfKey: (key) => eventsByKey.get(key.arn) ?? [],
    eventsCollectedSince: (account, region) => collected.get(`${account}|${region}`),
    eventsCollectedWindow: (account, region) => windows.get(`${account}|${region}`),
  };
}
