import type { ResourceRef } from '../../model/finding.js';
import type { Cluster, Key } from '../../model/inventory.js';
import { isUnresolved } from '../../model/inventory.js';
import { defineRule, type Verdict } from '../define-rule.js';
import { eachGroup } from '../iteration.js';
import {
  describeKeyRef,
  groupKeys,
  groupsNamingSameKey,
  keyLabel,
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
      'group takes down all of them. Sharing across clusters or projects widens the blast radius further (high).',
    remediation: {
      summary:
        'Create one key per instance group and move each group to a new group that uses its own key (keys cannot ' +
        "be changed on an existing group). Use the same key for a group's root and secondary volume if you wish.",
    },
    references: ['https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html'],
    frameworks: { 'NIST-800-53': ['SC-12', 'AC-6'], SOC2: ['CC6.1'] },
    messages: {
      dedicated: "the group's keys ({{keys}}) serve no other instance group",
      shared: 'key {{key}} also serves {{others}}',
      sharedAcrossClusters: 'key {{key}} also serves {{others}}, in other clusters or projects',
      noCmk: 'the instance group uses no customer managed key',
      undetermined: 'whether key {{key}} also serves other instance groups cannot be known: {{reason}}',
      unresolved: UNRESOLVED_MESSAGE,
    },
  },
  *check(context) {
    // Who uses each key, worked out once per key rather than once per group that uses it.
    const sharing = new Map<string, KeySharing>();
    const sharingOf = (key: Key): KeySharing => {
      let entry = sharing.get(key.arn);
      if (!entry) {
        const groups = new Map<string, string>();
        const clusters = new Set<string>();
        const projects = new Set<string | undefined>();
        for (const use of context.index.usesOfKey(key.arn)) {
          groups.set(use.group.id, `${use.cluster.name}/${use.group.name}`);
          clusters.add(use.cluster.id);
          projects.add(projectOf(use.cluster));
        }
        entry = { groups, wide: clusters.size > 1 || projects.size > 1 };
        sharing.set(key.arn, entry);
      }
      return entry;
    };

    yield* eachGroup(context, (cluster, group): Verdict => {
      const resource = groupResource(cluster, group);
      if (isUnresolved(group.volumes))
        return unresolvedVerdict(resource, 'the storage configuration', group.volumes);
      const { keys, undetermined } = groupKeys(context, group);
      for (const key of keys) {
        const { groups, wide } = sharingOf(key);
        if (groups.size <= 1) continue;
        const others: string[] = [];
        for (const [id, name] of groups) {
          if (others.length === MAX_LISTED) break;
          if (id !== group.id) others.push(name);
        }
        return shared(resource, keyLabel(key), others, groups.size - 1, wide, { keyArn: key.arn });
      }
      for (const volume of undetermined) {
        const others = groupsNamingSameKey(cluster, group, volume).map(
          (other) => `${cluster.name}/${other.name}`,
        );
        if (others.length > 0)
          return shared(resource, describeKeyRef(volume), others, others.length, false, {
            keyReference: volume.kmsKeyId,
          });
      }
      const [unknown] = undetermined;
      if (unknown)
        return {
          resource,
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: { key: describeKeyRef(unknown), reason: undeterminedKeyReason(unknown) },
          evidence: { keyReference: unknown.kmsKeyId },
        };
      if (keys.length === 0) return { resource, status: 'NOT_APPLICABLE', messageId: 'noCmk' };
      return {
        resource,
        status: 'PASS',
        messageId: 'dedicated',
        data: { keys: keys.map(keyLabel).join(', ') },
      };
    });
  },
});

interface KeySharing {
  /** Group id -> "cluster/group", for every group whose volumes use the key. */
  groups: Map<string, string>;
  /** The key spans clusters or projects. */
  wide: boolean;
}

/** Other groups named in a finding's evidence; the count says how many there are in all. */
const MAX_LISTED = 50;

function shared(
  resource: ResourceRef,
  key: string,
  others: string[],
  count: number,
  wide: boolean,
  evidence: Record<string, unknown>,
): Verdict {
  return {
    resource,
    status: 'FAIL',
    messageId: wide ? 'sharedAcrossClusters' : 'shared',
    severity: wide ? 'high' : 'medium',
    data: { key, others: others.slice(0, 5).join(', ') + (count > 5 ? ` and ${count - 5} more` : '') },
    evidence: { ...evidence, sharedWithCount: count, sharedWith: others },
  };
}
