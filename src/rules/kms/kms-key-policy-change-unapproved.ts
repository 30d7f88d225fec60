import { policyEditors } from '../../config/schema.js';
import type { TrailEvent } from '../../model/inventory.js';
import { principalMatcher } from '../../policy/principal.js';
import { keyEventsInWindow, PARTIAL_WINDOW_MESSAGE, partialWindowVerdict } from '../cloudtrail-window.js';
import { defineRule } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES, liveOnly } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource } from '../resources.js';
import { countOf } from '../text.js';

const WATCHED = new Set(['PutKeyPolicy', 'ScheduleKeyDeletion', 'DisableKey', 'CreateGrant']);

/** A change that needs approval: a successful policy, lifecycle or hand-made grant change. */
function isGovernedChange(event: TrailEvent): boolean {
  if (!WATCHED.has(event.eventName) || event.errorCode) return false;
  // Grants HyperPod and EBS create for the volumes themselves are expected.
  if (
    event.eventName === 'CreateGrant' &&
    (event.grantIsForAwsResource === true || event.invokedBy !== undefined)
  )
    return false;
  return true;
}

export default defineRule({
  meta: {
    id: 'kms-key-policy-change-unapproved',
    title: 'Only approved editors changed the policy, state or grants of HyperPod keys',
    severity: 'high',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot'],
    config: ['approvedPolicyEditors', 'keyAdmins', 'cloudtrail.lookbackDays'],
    needs: ['cloudtrail-events'],
    rationale:
      "PutKeyPolicy, ScheduleKeyDeletion, DisableKey and hand-made grants change who can read a cluster's data or " +
      'whether it stays readable. Outside the change pipeline or the named key admins, they are either an incident ' +
      'or an unreviewed change.',
    remediation: {
      summary:
        'Review each change with its author; revert it if unapproved (restore the policy, cancel the deletion, ' +
        're-enable, revoke the grant). Add legitimate automation to approvedPolicyEditors.',
    },
    references: ['https://docs.aws.amazon.com/kms/latest/developerguide/logging-using-cloudtrail.html'],
    frameworks: { 'NIST-800-53': ['CM-3', 'AU-6'], SOC2: ['CC8.1', 'CC7.2'], 'PCI-DSS-4.0.1': ['10.2.1.2'] },
    messages: {
      ...KEY_COMMON_MESSAGES,
      approved: 'no unapproved change to {{key}} in the last {{days}} days',
      unapproved: '{{unapprovedChanges}} to {{key}}: {{changes}}',
      partialWindow: PARTIAL_WINDOW_MESSAGE,
      notLive: 'changes exist only for deployed keys; a live scan judges them',
    },
  },
  *check(context) {
    const isEditor = principalMatcher(policyEditors(context.config).patterns);
    const days = context.config.lookbackDays;
    yield* eachKey(
      context,
      (key) => {
        const window = keyEventsInWindow(context, key);
        if ('status' in window) return window;
        const resource = keyResource(key);
        const approved = (event: TrailEvent) =>
          event.principalArn !== undefined && isEditor(event.principalArn);
        const unapproved = window.events.filter((event) => isGovernedChange(event) && !approved(event));
        if (unapproved.length === 0) {
          if (window.uncovered) return partialWindowVerdict(key, days, window.uncovered);
          return { resource, status: 'PASS', messageId: 'approved', data: { key: keyLabel(key), days } };
        }
        return {
          resource,
          status: 'FAIL',
          messageId: 'unapproved',
          data: {
            key: keyLabel(key),
            count: unapproved.length,
            unapprovedChanges: countOf(unapproved.length, 'unapproved change'),
            changes: unapproved
              .slice(0, 3)
              .map(
                (event) => `${event.eventName} by ${event.principalArn ?? 'unknown'} at ${event.eventTime}`,
              )
              .join('; '),
          },
          evidence: {
            events: unapproved.map(({ eventId, eventTime, eventName, principalArn }) => ({
              eventId,
              eventTime,
              eventName,
              principalArn,
            })),
          },
        };
      },
      { sourceCheck: (key) => liveOnly(key) },
    );
  },
});
