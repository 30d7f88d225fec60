import {
  isAccessDenied,
  keyEventsInWindow,
  PARTIAL_WINDOW_MESSAGE,
  partialWindowVerdict,
} from '../cloudtrail-window.js';
import { defineRule } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES, liveOnly } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource } from '../resources.js';
import { countOf } from '../text.js';

export default defineRule({
  meta: {
    id: 'kms-key-unauthorized-access-attempts',
    title: 'No principal was denied access to a HyperPod key within the lookback window',
    severity: 'medium',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot'],
    config: ['cloudtrail.lookbackDays', 'cloudtrail.accessDeniedThreshold'],
    needs: ['cloudtrail-events'],
    feeds: ['denied-calls'],
    rationale:
      'AccessDenied calls on a key that protects model weights are either a broken deployment (a role that should ' +
      'have access does not, and the cluster will fail to scale) or someone probing for data. Both need a look. ' +
      "The rule reads the key's own account: KMS logs a cross-account request it denies only in the caller's " +
      "account, so attempts from other accounts are in their trails (an organization trail's log files, read by " +
      '`hyperpod-cmk kpi attempts --cloudtrail-dir`).',
    remediation: {
      summary:
        'Review who was denied and which operation: fix the key policy if it was a legitimate execution role, ' +
        'otherwise investigate the principal.',
      cli: "aws cloudtrail lookup-events --lookup-attributes 'AttributeKey=ResourceName,AttributeValue=<key-arn>'",
    },
    references: ['https://docs.aws.amazon.com/kms/latest/developerguide/logging-using-cloudtrail.html'],
    frameworks: {
      'NIST-800-53': ['AU-6', 'SI-4'],
      SOC2: ['CC7.2'],
      HIPAA: ['164.308(a)(1)(ii)(D)'],
      'PCI-DSS-4.0.1': ['10.4.1'],
    },
    messages: {
      ...KEY_COMMON_MESSAGES,
      none: 'no access to {{key}} was denied in the last {{days}} days',
      attempts: '{{deniedCalls}} on {{key}} in the last {{days}} days, by {{principals}}',
      partialWindow: PARTIAL_WINDOW_MESSAGE,
      notLive: 'access attempts exist only for deployed keys; a live scan judges them',
    },
  },
  *check(context) {
    const { lookbackDays: days, accessDeniedThreshold } = context.config;
    yield* eachKey(
      context,
      (key) => {
        const window = keyEventsInWindow(context, key);
        if ('status' in window) return window;
        const resource = keyResource(key);
        const denied = window.events.filter(isAccessDenied);
        if (denied.length < accessDeniedThreshold) {
          if (window.uncovered) return partialWindowVerdict(key, days, window.uncovered);
          return { resource, status: 'PASS', messageId: 'none', data: { key: keyLabel(key), days } };
        }
        const byPrincipal: Record<string, number> = {};
        for (const event of denied) {
          const who = event.principalArn ?? 'unknown principal';
          byPrincipal[who] = (byPrincipal[who] ?? 0) + 1;
        }
        return {
          resource,
          status: 'FAIL',
          messageId: 'attempts',
          data: {
            key: keyLabel(key),
            count: denied.length,
            deniedCalls: countOf(denied.length, 'denied call'),
            days,
            principals: Object.keys(byPrincipal).join(', '),
          },
          evidence: {
            byPrincipal,
            events: denied.slice(0, 20).map(({ eventId, eventTime, eventName, principalArn, errorCode }) => ({
              eventId,
              eventTime,
              eventName,
              principalArn,
              errorCode,
            })),
          },
        };
      },
      { sourceCheck: (key) => liveOnly(key) },
    );
  },
});
