import { daysFrom } from '../../model/dates.js';
import { isUnresolved } from '../../model/inventory.js';
import { defineRule } from '../define-rule.js';
import { eachKey, groupsUsingKey, KEY_COMMON_MESSAGES, liveOnly } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource, unresolvedVerdict } from '../resources.js';
import { relativeDays } from '../text.js';

export default defineRule({
  meta: {
    id: 'kms-key-not-pending-deletion',
    title: 'KMS keys used by HyperPod are not scheduled for deletion',
    severity: 'critical',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot'],
    rationale:
      'When a key is deleted, every volume encrypted under it becomes permanently unreadable: the cluster loses its ' +
      'data. Deletion is scheduled with a waiting period of 7 to 30 days, the only window in which it can be cancelled.',
    remediation: {
      summary:
        'Cancel the deletion now, then re-enable the key (a key whose deletion is cancelled is Disabled).',
      cli: 'aws kms cancel-key-deletion --key-id <key-arn> && aws kms enable-key --key-id <key-arn>',
    },
    references: ['https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html'],
    frameworks: {
      'NIST-800-53': ['SC-12', 'CP-9'],
      SOC2: ['A1.2'],
      HIPAA: ['164.308(a)(7)'],
      'PCI-DSS-4.0.1': ['3.6.1'],
    },
    messages: {
      ...KEY_COMMON_MESSAGES,
      notPending: '{{key}} is not scheduled for deletion',
      pending: '{{key}} will be deleted on {{date}} ({{when}}); {{groups}} then lose their data',
      pendingPast:
        '{{key}} was due for deletion on {{date}}, {{when}}: the snapshot is stale or the key is gone; ' +
        '{{groups}} lose their data when it is',
      replicaPending:
        '{{key}} is waiting for its replicas to be deleted ({{window}}-day window); {{groups}} then lose their data',
      notLive:
        'a key defined in a template cannot be scheduled for deletion; kms-key-deletion-protection judges templates',
    },
  },
  *check(context) {
    yield* eachKey(
      context,
      (key) => {
        const resource = keyResource(key);
        const metadata = key.metadata!;
        if (isUnresolved(metadata.keyState))
          return unresolvedVerdict(resource, 'the key state', metadata.keyState);
        if (metadata.keyState !== 'PendingDeletion' && metadata.keyState !== 'PendingReplicaDeletion')
          return { resource, status: 'PASS', messageId: 'notPending', data: { key: keyLabel(key) } };
        // Who loses data is worked out only for a key on its way out.
        const uses = context.index.usesOfKey(key.arn);
        const clusters = [...new Set(uses.map((use) => use.cluster.name))];
        const groups = groupsUsingKey(context, key).join(', ') || 'no scanned instance groups';
        const evidence = {
          keyState: metadata.keyState,
          deletionDate: metadata.deletionDate ?? null,
          clusters,
        };
        if (metadata.keyState === 'PendingDeletion') {
          const due = metadata.deletionDate ? Date.parse(metadata.deletionDate) : Number.NaN;
          if (Number.isNaN(due))
            return {
              resource,
              status: 'FAIL',
              messageId: 'pending',
              data: { key: keyLabel(key), date: 'an unknown date', when: 'date not reported', groups },
              evidence,
            };
          const { days, past } = daysFrom(due, context.now.getTime());
          return {
            resource,
            status: 'FAIL',
            messageId: past ? 'pendingPast' : 'pending',
            data: {
              key: keyLabel(key),
              date: metadata.deletionDate!,
              days,
              when: relativeDays({ days, past }),
              groups,
            },
            evidence,
          };
        }
        const window = metadata.pendingDeletionWindowInDays ?? '?';
        return {
          resource,
          status: 'FAIL',
          messageId: 'replicaPending',
          data: { key: keyLabel(key), window, groups },
          evidence,
        };
      },
      { sourceCheck: (key) => liveOnly(key) },
    );
  },
});
