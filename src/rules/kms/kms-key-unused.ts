import type { Key } from '../../model/inventory.js';
import { isUnresolved } from '../../model/inventory.js';
import type { KeyUse } from '../../model/inventory-index.js';
import type { Verdict } from '../define-rule.js';
import { defineRule } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES, keyPartNotCollected } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource, unresolvedVerdict } from '../resources.js';
import { countOf } from '../text.js';

export default defineRule({
  meta: {
    id: 'kms-key-unused',
    title: 'Every key selected for HyperPod is used by a cluster',
    severity: 'low',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan'],
    config: ['keySelector'],
    needs: ['governed-keys'],
    rationale:
      'A key tagged for HyperPod that no instance group uses costs $1 to $3 a month, keeps its grants and policy ' +
      'as attack surface, and is often the sign of a group that was rebuilt on a new key while the old one lingers. ' +
      'A key named only by restricted instance groups or by clusters outside Continuous provisioning mode is unused: ' +
      '"Customer managed key encryption is only supported for clusters using the continuous node provisioning mode. ' +
      'Restricted instance groups don\'t support customer managed keys" (HyperPod CMK guide).',
    remediation: {
      summary:
        'Confirm nothing else encrypts with the key (CloudTrail, GetKeyLastUsage), then disable it, wait, and schedule its deletion with a 30-day window.',
      cli: "aws kms get-key-last-usage --key-id '<key-arn>'\naws kms disable-key --key-id '<key-arn>'",
    },
    references: [
      'https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys-determining-usage.html',
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
    ],
    frameworks: { 'NIST-800-53': ['CM-7', 'SC-12'] },
    messages: {
      ...KEY_COMMON_MESSAGES,
      used: '{{key}} is used by {{volumes}}',
      unused: '{{key}} matches the key selector but no scanned instance group uses it',
      useUnknown:
        '{{key}} is named only by {{groups}}, whose cluster provisioning mode is unknown: keys are used only in Continuous mode',
      pendingDeletion: '{{key}} is unused and already scheduled for deletion',
    },
  },
  *check(context) {
    const selector = context.config.keySelectorTags;
    if (!selector) return;
    yield* eachKey(context, (key) => {
      const resource = keyResource(key);
      const label = keyLabel(key);
      const all = context.index.usesOfKey(key.arn);
      // A use in a cluster whose provisioning mode is unknown may not be one: it alone proves nothing.
      const uses = all.filter((use) => !use.modeUnknown).length;
      const maybe = all.length - uses;
      if (key.tags === undefined || isUnresolved(key.tags)) {
        // Whether the selector picks the key is unknown; a key in use cannot be unused anyway.
        if (uses > 0) return undefined;
        if (maybe > 0) return useUnknown(key, label, all);
        if (key.tags !== undefined) return unresolvedVerdict(resource, 'the key tags', key.tags);
        return keyPartNotCollected(context, key, `the tags of ${label}`, 'ListResourceTags');
      }
      const tags = key.tags;
      if (!Object.entries(selector).every(([name, value]) => tags[name] === value)) return undefined;
      if (uses > 0)
        return {
          resource,
          status: 'PASS',
          messageId: 'used',
          data: { key: label, count: uses, volumes: countOf(uses, 'volume') },
        };
      if (maybe > 0) return useUnknown(key, label, all);
      const state = key.metadata?.keyState;
      if (state === 'PendingDeletion' || state === 'PendingReplicaDeletion')
        return { resource, status: 'NOT_APPLICABLE', messageId: 'pendingDeletion', data: { key: label } };
      return { resource, status: 'FAIL', messageId: 'unused', data: { key: label }, evidence: { selector } };
    });
  },
});

function useUnknown(key: Key, label: string, uses: readonly KeyUse[]): Verdict {
  const groups = [...new Set(uses.map((use) => `${use.cluster.name}/${use.group.name}`))];
  return {
    resource: keyResource(key),
    status: 'UNKNOWN',
    messageId: 'useUnknown',
    data: { key: label, groups: groups.join(', ') },
    evidence: { groups },
  };
}
