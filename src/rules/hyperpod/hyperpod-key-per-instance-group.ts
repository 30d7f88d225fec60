import type { Cluster, EbsVolume, Key } from '../../model/inventory.js';
import { isUnresolved } from '../../model/inventory.js';
import { defineRule, type Verdict } from '../define-rule.js';
import { eachGroup } from '../iteration.js';
import {
  describeKeyRef,
  groupsNamingSameKey,
  isAwsManagedAlias,
  keyLabel,
  provisioningModeOf,
  undeterminedKeyReason,
} from '../key-references.js';
import { groupResource, UNRESOLVED_MESSAGE, unresolvedVerdict } from '../resources.js';

const projectOf = (cluster: Cluster): string | undefined =>
  cluster.tags && !isUnresolved(cluster.tags) ? cluster.tags.project : undefined;

export default defineRule({
  meta: {
    id: 'hyperpod-key-per-instance-group',
    title: 'Each HyperPod instance group has its own KMS key',
    severity: 'medium',
    resourceType: 'instance-group',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan', 'cli-json'],
    rationale:
      "AWS strongly recommends a different key for each instance group: with a shared key, revoking one group's " +
      'grant can leave unintended permissions in place through the others, and disabling the key to contain one ' +
      'group takes down all of them. Sharing across clusters or projects widens the blast radius further (high). ' +
      'Restricted instance groups are not applicable: they do not support customer managed keys (HyperPod CMK guide), so HyperPod uses no key they name. ' +
      'Nor are the groups of a cluster outside Continuous provisioning mode: "Customer managed key encryption is only ' +
      'supported for clusters using the continuous node provisioning mode" (HyperPod CMK guide), so a key they name ' +
      'encrypts none of their volumes and is shared with no one through them. Sharing through a group of a cluster ' +
      'whose provisioning mode is unknown is UNKNOWN: the key may or may not be honoured there. So is a group of ' +
      'such a cluster whose keys no other group names: if its cluster is in Continuous mode the group has keys of ' +
      'its own (PASS), if not it has no key at all, its volumes on an AWS owned key (NOT_APPLICABLE); that it has ' +
      'a key of its own is not proven until the mode is known.',
    remediation: {
      summary:
        'Create one key per instance group and move each group to a new group that uses its own key (keys cannot ' +
        "be changed on an existing group). Use the same key for a group's root and secondary volume if you wish.",
    },
    references: ['https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html'],
    frameworks: { 'NIST-800-53': ['SC-12', 'AC-6'], SOC2: ['CC6.1'] },
    messages: {
      restricted:
        'restricted instance groups do not support customer managed keys: HyperPod uses no key they name (hyperpod-cmk-provisioning-mode reports one)',
      legacyMode:
        'the cluster is not in Continuous provisioning mode, the only one that supports customer managed keys: HyperPod uses no key its groups name (hyperpod-cmk-provisioning-mode reports it)',
      dedicated: "the group's keys ({{keys}}) serve no other instance group",
      dedicatedModeUnknown:
        "no other instance group names the group's keys ({{keys}}), but whether HyperPod honours them at all is " +
        'unknown: keys are honoured only in Continuous provisioning mode, and the mode {{reason}}',
      shared: 'key {{key}} also serves {{others}}',
      sharedAcrossClusters: 'key {{key}} also serves {{others}}, in other clusters or projects',
      noCmk: 'the instance group uses no customer managed key',
      undetermined: 'whether key {{key}} also serves other instance groups cannot be known: {{reason}}',
      sharingUnknown:
        'key {{key}} also serves {{others}} if HyperPod honours it there: keys are honoured only in Continuous ' +
        'provisioning mode, and the mode of {{clusters}} is unknown (hyperpod-cmk-provisioning-mode reports it)',
      unresolved: UNRESOLVED_MESSAGE,
    },
  },
  *check(context) {
    // Who uses each key, worked out once per key rather than once per group that uses it.
    const sharing = new Map<Key, KeySharing>();
    const sharingOf = (key: Key): KeySharing => {
      let entry = sharing.get(key);
      if (!entry) {
        const ids: string[] = [];
        const names: string[] = [];
        let positions: Map<string, number> | undefined;
        let wide = false;
        let first: { cluster: string; project: string | undefined } | undefined;
        const maybe: { id: string; name: string; cluster: string }[] = [];
        // The index leaves out restricted groups and clusters outside Continuous mode
        // (smcluster-cmk.html): such a group shares the key with no one.
        for (const use of context.index.usesOfKey(key.arn)) {
          if (use.modeUnknown) {
            // A group whose cluster's mode is unknown may share the key, or not.
            maybe.push({
              id: use.group.id,
              name: `${use.cluster.name}/${use.group.name}`,
              cluster: use.cluster.name,
            });
            continue;
          }
          const name = `${use.cluster.name}/${use.group.name}`;
          const at = positions ? positions.get(use.group.id) : ids.indexOf(use.group.id);
          // A group named twice keeps its first place and its last name.
          if (at === undefined || at < 0) {
            positions?.set(use.group.id, ids.length);
            ids.push(use.group.id);
            names.push(name);
            // Past a few groups, a map finds a group's place faster than a scan.
            if (!positions && ids.length > 16) positions = new Map(ids.map((id, i) => [id, i]));
          } else names[at] = name;
          // The key spans clusters or projects when any use differs from the first in either.
          const project = projectOf(use.cluster);
          if (!first) first = { cluster: use.cluster.id, project };
          else if (first.cluster !== use.cluster.id || first.project !== project) wide = true;
        }
        entry = {
          label: keyLabel(key),
          ids,
          positions,
          names,
          wide,
          maybe,
          verdicts: [],
          fiveOthers: undefined,
        };
        sharing.set(key, entry);
      }
      return entry;
    };

    yield* eachGroup(context, (cluster, group): Verdict => {
      const resource = groupResource(cluster, group);
      if (group.kind === 'restricted') return { resource, status: 'NOT_APPLICABLE', messageId: 'restricted' };
      // A cluster of unknown mode may not use the keys it names: sharing through it is UNKNOWN,
      // whether it is this group's cluster or the other group's.
      const mode = provisioningModeOf(cluster);
      const ownMode = mode.mode;
      if (ownMode === 'legacy') return { resource, status: 'NOT_APPLICABLE', messageId: 'legacyMode' };
      if (isUnresolved(group.volumes))
        return unresolvedVerdict(resource, 'the storage configuration', group.volumes);
      // The group's keys as groupKeys (key-references.ts) sorts them, without a map per group.
      const keys: Key[] = [];
      let undetermined: EbsVolume[] | undefined;
      for (const volume of group.volumes) {
        if (volume.kmsKeyId === null) continue;
        if (typeof volume.kmsKeyId === 'string' && isAwsManagedAlias(volume.kmsKeyId)) continue;
        if (volume.resolution?.status === 'not-found') continue;
        const key = context.index.keyOfVolume(volume);
        if (!key) {
          undetermined ??= [];
          undetermined.push(volume);
        } else if (key.metadata?.keyManager !== 'AWS') {
          const at = keys.findIndex((known) => known.arn === key.arn);
          if (at < 0) keys.push(key);
          else keys[at] = key;
        }
      }
      let maybeShared: Verdict | undefined;
      for (const key of keys) {
        const entry = sharingOf(key);
        // Nearly every key has no use of unknown mode: no array made per group for it.
        const maybe =
          entry.maybe.length === 0 ? entry.maybe : entry.maybe.filter((other) => other.id !== group.id);
        if (ownMode !== 'unknown') {
          if (entry.names.length > 1) {
            const at = entry.positions ? entry.positions.get(group.id) : entry.ids.indexOf(group.id);
            return { resource, ...sharedKeyVerdict(entry, key, at === undefined || at < 0 ? undefined : at) };
          }
          if (maybe.length > 0)
            maybeShared ??= sharingUnknown(
              resource,
              entry.label,
              maybe.map((other) => other.name),
              maybe.map((other) => other.cluster),
              { keyArn: key.arn },
            );
        } else {
          // Every other group naming the key, sure of its own mode or not.
          const others = [...maybe.map((other) => other.name), ...entry.names];
          maybeShared ??= sharingUnknown(
            resource,
            entry.label,
            others,
            [cluster.name, ...maybe.map((other) => other.cluster)],
            { keyArn: key.arn },
          );
        }
      }
      for (const volume of undetermined ?? []) {
        const others = groupsNamingSameKey(cluster, group, volume).map(
          (other) => `${cluster.name}/${other.name}`,
        );
        if (others.length === 0) continue;
        // One cluster: the other groups share its mode, so the sharing is as sure as the mode.
        if (ownMode === 'unknown') {
          maybeShared ??= sharingUnknown(resource, describeKeyRef(volume), others, [cluster.name], {
            keyReference: volume.kmsKeyId,
          });
          continue;
        }
        return {
          resource,
          ...shared(sharedData(describeKeyRef(volume), others, others.length), false),
          evidence: { keyReference: volume.kmsKeyId, sharedWithCount: others.length, sharedWith: others },
        };
      }
      if (maybeShared) return maybeShared;
      const unknown = undetermined?.[0];
      if (unknown)
        return {
          resource,
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: { key: describeKeyRef(unknown), reason: undeterminedKeyReason(unknown) },
          evidence: { keyReference: unknown.kmsKeyId },
        };
      if (keys.length === 0) return { resource, status: 'NOT_APPLICABLE', messageId: 'noCmk' };
      if (mode.mode === 'unknown')
        return {
          resource,
          status: 'UNKNOWN',
          messageId: 'dedicatedModeUnknown',
          data: { keys: keys.map(keyLabel).join(', '), reason: mode.reason },
        };
      return {
        resource,
        status: 'PASS',
        messageId: 'dedicated',
        data: { keys: keys.map(keyLabel).join(', ') },
      };
    });
  },
});

type SharedVerdict = Omit<Verdict, 'resource'>;

/**
 * The UNKNOWN of a group whose key other groups (`others`, "cluster/group") name where it may not be
 * honoured: `clusters` are those whose provisioning mode is unknown. Undefined when no group does.
 */
function sharingUnknown(
  resource: Verdict['resource'],
  key: string,
  others: readonly string[],
  clusters: readonly string[],
  evidence: Record<string, unknown>,
): Verdict | undefined {
  if (others.length === 0) return undefined;
  const unknownIn = [...new Set(clusters)];
  return {
    resource,
    status: 'UNKNOWN',
    messageId: 'sharingUnknown',
    data: { ...sharedData(key, others, others.length), clusters: unknownIn.join(', ') },
    evidence: {
      ...evidence,
      sharedWithCount: others.length,
      sharedWith: others.slice(0, MAX_LISTED),
      modeUnknownIn: unknownIn.slice(0, MAX_LISTED),
    },
  };
}

interface KeySharing {
  label: string;
  /** The id of every group whose volumes use the key, in the index's order. */
  ids: string[];
  /** Group id -> its place in `ids`, for keys of many groups. */
  positions: Map<string, number> | undefined;
  /** "cluster/group" for every group whose volumes use the key, in the index's order. */
  names: string[];
  /** The key spans clusters or projects. */
  wide: boolean;
  /** The groups that name the key in clusters whose provisioning mode is unknown. */
  maybe: { id: string; name: string; cluster: string }[];
  /**
   * The verdicts its groups share: what a group's finding says depends only on its place among
   * the key's groups, and all places past the listed ones say the same (by place; -1: none).
   */
  verdicts: (SharedVerdict | undefined)[];
  /** The data of the groups past the first five, which all name the same five others. */
  fiveOthers: Record<string, string> | undefined;
}

/** The FAIL of a group whose key serves other groups too, shared by the groups it reads alike. */
function sharedKeyVerdict(entry: KeySharing, key: Key, position: number | undefined): SharedVerdict {
  // Past MAX_LISTED the group is not among those listed: every such group lists the same others.
  const place = position === undefined || position >= MAX_LISTED ? -1 : position;
  let verdict = entry.verdicts[place + 1];
  if (!verdict) {
    const others: string[] = [];
    for (let i = 0; i < entry.names.length && others.length < MAX_LISTED; i++)
      if (i !== place) others.push(entry.names[i]!);
    const count = entry.names.length - 1;
    // Every group past the first five names the same five others in its data: one object for them all.
    let data: Record<string, string>;
    if (place >= 0 && place < 5) data = sharedData(entry.label, others, count);
    else {
      entry.fiveOthers ??= sharedData(entry.label, others, count);
      data = entry.fiveOthers;
    }
    Object.freeze(others);
    verdict = Object.freeze({
      ...shared(data, entry.wide),
      evidence: Object.freeze({ keyArn: key.arn, sharedWithCount: count, sharedWith: others }),
    });
    entry.verdicts[place + 1] = verdict;
  }
  return verdict;
}

/** Other groups named in a finding's evidence; the count says how many there are in all. */
const MAX_LISTED = 50;

function sharedData(key: string, others: readonly string[], count: number): Record<string, string> {
  return Object.freeze({
    key,
    others: others.slice(0, 5).join(', ') + (count > 5 ? ` and ${count - 5} more` : ''),
  });
}

function shared(data: Record<string, string>, wide: boolean): SharedVerdict {
  return {
    status: 'FAIL',
    messageId: wide ? 'sharedAcrossClusters' : 'shared',
    severity: wide ? 'high' : 'medium',
    data,
  };
}
