import { isUnresolved } from '../../model/inventory.js';
import { defineRule } from '../define-rule.js';
import { eachKey, groupsUsingKey, KEY_COMMON_MESSAGES } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource, unresolvedVerdict } from '../resources.js';

export default defineRule({
  meta: {
    id: 'kms-key-enabled',
    title: 'KMS keys used by HyperPod are enabled',
    severity: 'critical',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan'],
    rationale:
      'A disabled or unavailable key stops HyperPod from creating grants: nodes cannot be replaced, added or ' +
      'patched, and volumes cannot be attached. For a long training job that is an outage waiting for the next node failure. ' +
      'A multi-Region key that is Updating (its primary Region changing) stays usable and returns to Enabled: it passes.',
    remediation: {
      summary:
        'Enable the key if it was disabled by mistake; if it was disabled on purpose, move the groups that use it to a new key first.',
      cli: 'aws kms enable-key --key-id <key-arn>',
      cloudformation: 'Enabled: true',
      terraform: 'is_enabled = true',
    },
    references: [
      'https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-update.html',
    ],
    frameworks: { 'NIST-800-53': ['SC-12', 'CP-10'], SOC2: ['A1.2'] },
    messages: {
      ...KEY_COMMON_MESSAGES,
      enabled: '{{key}} is Enabled',
      updating:
        '{{key}} is Updating while its primary Region changes: it serves cryptographic operations meanwhile and returns to Enabled',
      pendingDeletion: '{{key}} is pending deletion, which kms-key-not-pending-deletion reports',
      notEnabled:
        '{{key}} is {{state}}; the instance groups that use it ({{groups}}) cannot scale, heal or patch',
    },
  },
  *check(context) {
    yield* eachKey(context, (key) => {
      const resource = keyResource(key);
      const state = key.metadata!.keyState;
      if (isUnresolved(state)) return unresolvedVerdict(resource, 'the key state', state);
      if (state === 'PendingDeletion' || state === 'PendingReplicaDeletion') {
        return {
          resource,
          status: 'NOT_APPLICABLE',
          messageId: 'pendingDeletion',
          data: { key: keyLabel(key) },
        };
      }
      if (state === 'Enabled')
        return { resource, status: 'PASS', messageId: 'enabled', data: { key: keyLabel(key) } };
      // Updating is the transient state of a multi-Region key whose primary Region changes: "While
      // the key state is Updating, you can use the keys in cryptographic operations" (KMS developer
      // guide, multi-region-update.html), and Enabled is restored when the update completes.
      if (state === 'Updating')
        return { resource, status: 'PASS', messageId: 'updating', data: { key: keyLabel(key) } };
      const groups = groupsUsingKey(context, key);
      return {
        resource,
        status: 'FAIL',
        messageId: 'notEnabled',
        data: { key: keyLabel(key), state, groups: groups.join(', ') || 'none' },
        evidence: { keyState: state, groups },
      };
    });
  },
});
