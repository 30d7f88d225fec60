import type { Cluster } from '../../model/inventory.js';
import { isUnresolved } from '../../model/inventory.js';
import { defineRule } from '../define-rule.js';
import { eachGroup, groupResource, keyLabel } from '../helpers.js';

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
    },
  },
  *check(context) {
    yield* eachGroup(context, (cluster, group) => {
      const resource = groupResource(cluster, group);
      if (isUnresolved(group.volumes)) return undefined;
      const keys = [
        ...new Set(
          group.volumes
            .map((volume) => context.index.keyOfVolume(volume))
            .filter((key) => key !== undefined && key.metadata?.keyManager !== 'AWS'),
        ),
      ];
      if (keys.length === 0) return { resource, status: 'NOT_APPLICABLE', messageId: 'noCmk' };
      for (const key of keys) {
        if (!key) continue;
        const others = context.index.usesOfKey(key.arn).filter((use) => use.group.id !== group.id);
        if (others.length === 0) continue;
        const otherIds = [...new Set(others.map((use) => `${use.cluster.name}/${use.group.name}`))];
        const wide = others.some(
          (use) => use.cluster.id !== cluster.id || projectOf(use.cluster) !== projectOf(cluster),
        );
        return {
          resource,
          status: 'FAIL',
          messageId: wide ? 'sharedAcrossClusters' : 'shared',
          severity: wide ? 'high' : 'medium',
          data: {
            key: keyLabel(key),
            others:
              otherIds.slice(0, 5).join(', ') +
              (otherIds.length > 5 ? ` and ${otherIds.length - 5} more` : ''),
          },
          evidence: { keyArn: key.arn, sharedWith: otherIds },
        };
      }
      return {
        resource,
        status: 'PASS',
        messageId: 'dedicated',
        data: { keys: keys.map((key) => (key ? keyLabel(key) : '')).join(', ') },
      };
    });
  },
});
