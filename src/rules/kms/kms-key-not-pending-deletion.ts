import { daysFrom, parseIsoTime } from '../../model/dates.js';
import { isUnresolved } from '../../model/inventory.js';
import { defineRule } from '../define-rule.js';
import { eachKey, groupsUsingKeyByMode, KEY_COMMON_MESSAGES, liveOnly } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource, unresolvedVerdict } from '../resources.js';
import { relativeDays } from '../text.js';

/** Who loses data when some of the key's groups are in clusters of unknown provisioning mode. */
const MAYBE_LOSS =
  'Groups that then lose their data: {{groups}}; groups that may (HyperPod honours a key only in Continuous ' +
  'provisioning mode, and the mode of {{clusters}} is unknown): {{maybeGroups}}';

export default defineRule({
  meta: {
    id: 'kms-key-not-pending-deletion',
    title: 'KMS keys used by HyperPod are not scheduled for deletion',
    severity: 'critical',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot'],
    rationale:
      'When a key is deleted, every volume encrypted under it becomes permanently unreadable: the cluster loses its ' +
      'data. Deletion is scheduled with a waiting period of 7 to 30 days, the only window in which it can be cancelled. ' +
      'A key is honoured only in Continuous provisioning mode and never by a restricted instance group ("Customer ' +
      'managed key encryption is only supported for clusters using the continuous node provisioning mode. ' +
      'Restricted instance groups don\'t support customer managed keys", HyperPod CMK guide): the groups that name ' +
      'the key elsewhere lose nothing with it, and those of a cluster whose mode is unknown may lose their data, ' +
      'which the finding says as such. The key fails either way: its deletion is scheduled, a fact the key ' +
      'state reports, and a deleted key cannot come back for whatever does turn out to use it.',
    remediation: {
      summary:
        'Cancel the deletion now, then re-enable the key (a key whose deletion is cancelled is Disabled).',
      cli: "aws kms cancel-key-deletion --key-id '<key-arn>' && aws kms enable-key --key-id '<key-arn>'",
    },
    references: [
      'https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html',
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
    ],
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
      pendingMaybe: `{{key}} will be deleted on {{date}} ({{when}}). ${MAYBE_LOSS}`,
      pendingPastMaybe:
        '{{key}} was due for deletion on {{date}}, {{when}}: the snapshot is stale or the key is gone. ' +
        MAYBE_LOSS.replace('then lose', 'lose'),
      replicaPendingMaybe: `{{key}} is waiting for its replicas to be deleted ({{window}}-day window). ${MAYBE_LOSS}`,
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
        // Groups of clusters of unknown mode may not be under the key: they may lose their data.
        const { sure, maybe, modeUnknownIn } = groupsUsingKeyByMode(context, key);
        const unsure = maybe.length > 0;
        const groups = sure.join(', ') || (unsure ? 'none' : 'no scanned instance groups');
        const maybeData = unsure ? { maybeGroups: maybe.join(', '), clusters: modeUnknownIn.join(', ') } : {};
        const suffix = unsure ? 'Maybe' : '';
        const evidence = {
          keyState: metadata.keyState,
          deletionDate: metadata.deletionDate ?? null,
          clusters,
          ...(unsure ? { modeUnknownIn } : {}),
        };
        if (metadata.keyState === 'PendingDeletion') {
          const due = parseIsoTime(metadata.deletionDate ?? '') ?? Number.NaN;
          if (Number.isNaN(due))
            return {
              resource,
              status: 'FAIL',
              messageId: `pending${suffix}`,
              data: {
                key: keyLabel(key),
                date: 'an unknown date',
                when: 'date not reported',
                groups,
                ...maybeData,
              },
              evidence,
            };
          const { days, past } = daysFrom(due, context.now.getTime());
          return {
            resource,
            status: 'FAIL',
            messageId: `${past ? 'pendingPast' : 'pending'}${suffix}`,
            data: {
              key: keyLabel(key),
              date: metadata.deletionDate!,
              days,
              when: relativeDays({ days, past }),
              groups,
              ...maybeData,
            },
            evidence,
          };
        }
        const window = metadata.pendingDeletionWindowInDays ?? '?';
        return {
          resource,
          status: 'FAIL',
          messageId: `replicaPending${suffix}`,
          data: { key: keyLabel(key), window, groups, ...maybeData },
          evidence,
        };
      },
      { sourceCheck: (key) => liveOnly(key) },
    );
  },
});
