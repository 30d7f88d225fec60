/** Resource references (one shared object per resource) and the verdicts for data a source could not know. */
import type { ResourceRef } from '../model/finding.js';
import type { Cluster, InstanceGroup, Key, Unresolved } from '../model/inventory.js';
import { Stamped } from '../model/stamped.js';
import type { Verdict } from './define-rule.js';

/**
 * Resource references are built once per resource and shared by every finding about it: at
 * 100,000 instance groups the engine makes close to a million findings, and one object per
 * resource instead of one per finding is most of the difference between fitting in memory or not.
 * Findings never mutate them.
 *
 * The shared reference rides on its resource in a private field (see `Stamped`): invisible to
 * JSON.stringify, Object.keys, spreading and equality, and, unlike a WeakMap entry, no work for the
 * garbage collector, which revisits every entry of a weak map on each young-generation collection.
 * A resource that cannot take a field (not extensible) keeps its reference in a weak map instead.
 */
class RefOf extends Stamped {
  #ref: ResourceRef;
  private constructor(owner: object, ref: ResourceRef) {
    super(owner);
    this.#ref = ref;
  }

  static get(owner: object): ResourceRef | undefined {
    return #ref in owner ? (owner as RefOf).#ref : undefined;
  }

  static set(owner: object, ref: ResourceRef): void {
    new RefOf(owner, ref);
  }
}

const refsOfSealed = new WeakMap<object, ResourceRef>();

export function sharedRef(owner: object, build: () => ResourceRef): ResourceRef {
  let ref = RefOf.get(owner) ?? refsOfSealed.get(owner);
  if (!ref) {
    ref = Object.freeze(build());
    if (Object.isExtensible(owner)) RefOf.set(owner, ref);
    else refsOfSealed.set(owner, ref);
  }
  return ref;
}

export const clusterResource = (cluster: Cluster): ResourceRef =>
  sharedRef(cluster, () => buildClusterResource(cluster));
export const groupResource = (cluster: Cluster, group: InstanceGroup): ResourceRef =>
  sharedRef(group, () => buildGroupResource(cluster, group));
export const keyResource = (key: Key): ResourceRef => sharedRef(key, () => buildKeyResource(key));

export function buildClusterResource(cluster: Cluster): ResourceRef {
  return {
    type: 'cluster',
    id: cluster.id,
    account: cluster.account,
    region: cluster.region,
    cluster: cluster.name,
    ...(cluster.location ? { location: cluster.location } : {}),
  };
}

export function buildGroupResource(cluster: Cluster, group: InstanceGroup): ResourceRef {
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

export function buildKeyResource(key: Key): ResourceRef {
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
