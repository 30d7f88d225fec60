import type { Gap, Trail } from '../../model/inventory.js';
import { defineRule, type RuleContext } from '../define-rule.js';
import { gapReason, isLiveSource } from '../text.js';

export default defineRule({
  meta: {
    id: 'account-kms-audit-trail',
    title:
      'Every scanned account has a logging multi-Region CloudTrail trail that records KMS management events',
    severity: 'medium',
    resourceType: 'account',
    sources: ['live', 'snapshot'],
    rationale:
      'CloudTrail Event history keeps management events for 90 days in one Region. Proving who used or changed a ' +
      'HyperPod key over an audit period (a year for PCI DSS) needs a multi-Region trail that logs management ' +
      'events, KMS included, to durable storage.',
    remediation: {
      summary:
        'Create (or fix) a multi-Region trail that logs management events and does not exclude kms.amazonaws.com.',
      cli: "aws cloudtrail create-trail --name org-audit --s3-bucket-name '<bucket>' --is-multi-region-trail && aws cloudtrail start-logging --name org-audit",
    },
    references: [
      'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html',
    ],
    frameworks: {
      'CIS-AWS-3.0': ['3.1'],
      'NIST-800-53': ['AU-2', 'AU-12'],
      SOC2: ['CC7.2'],
      'PCI-DSS-4.0.1': ['10.2.1', '10.5.1'],
      HIPAA: ['164.312(b)'],
    },
    needs: ['trails'],
    messages: {
      trail: 'trail {{trail}} logs management events (KMS included) in every Region',
      noTrail: 'no trail in {{account}} logs KMS management events in every Region ({{why}})',
      notCollected: 'the trails of {{account}} could not be read: {{reason}}',
    },
  },
  *check(context) {
    const unlisted = unlistedTrailGaps(context);
    for (const account of context.inventory.accounts) {
      if (!isLiveSource(account.source)) continue;
      const resource = { type: 'account' as const, id: account.id, account: account.id };
      const trails = context.index.trailsOf(account.id);
      // A good trail is proof enough, even if some region could not be read.
      const good = trails.find(
        (t) => t.isMultiRegion && t.isLogging && t.logsManagementEvents && !t.excludesKmsEvents,
      );
      if (good) {
        yield {
          resource,
          status: 'PASS',
          messageId: 'trail',
          data: { trail: good.name },
          evidence: { trail: good.arn },
        };
        continue;
      }
      const gaps = [
        ...context.index.serviceGaps('cloudtrail', account.id, undefined, 'DescribeTrails'),
        // A multi-Region trail whose failing settings could not be read might be the good one.
        ...trails.filter((t) => t.isMultiRegion).flatMap((t) => unreadSettings(context, t)),
        // A trail whose settings could not be read at all is not in the inventory; it might be the good one.
        ...(unlisted.get(account.id) ?? []).filter((gap) => !trails.some((t) => t.arn === gap.resource)),
      ];
      if (gaps.length > 0) {
        yield {
          resource,
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: { account: account.id, reason: gapReason(gaps) },
          evidence: { gaps },
        };
        continue;
      }
      const why =
        trails.length === 0
          ? 'no trails'
          : trails
              .map(
                (t) =>
                  `${t.name}: ${[!t.isMultiRegion && 'single-Region', !t.isLogging && 'not logging', !t.logsManagementEvents && 'no management events', t.excludesKmsEvents && 'excludes KMS events'].filter(Boolean).join(', ')}`,
              )
              .join('; ');
      yield {
        resource,
        status: 'FAIL',
        messageId: 'noTrail',
        data: { account: account.id, why },
        evidence: { trails },
      };
    }
  },
});

/**
 * By account, the gaps of trails the collector could not read the status or event selectors of:
 * it leaves such a trail out of the inventory, so only the gap says that it exists.
 */
function unlistedTrailGaps(context: RuleContext): Map<string, Gap[]> {
  const byAccount = new Map<string, Gap[]>();
  for (const gap of context.inventory.gaps) {
    if (gap.service !== 'cloudtrail' || gap.resource === undefined || gap.account === undefined) continue;
    // DescribeTrails about one trail: the trail was listed without a setting the rule needs.
    if (!['GetTrailStatus', 'GetEventSelectors', 'DescribeTrails'].includes(gap.operation)) continue;
    const gaps = byAccount.get(gap.account);
    if (gaps) gaps.push(gap);
    else byAccount.set(gap.account, [gap]);
  }
  return byAccount;
}

/**
 * The gaps that hid the settings a trail fails on: its logging status (GetTrailStatus) or its
 * event selectors (GetEventSelectors). Empty when every failing setting was read.
 */
function unreadSettings(context: RuleContext, trail: Trail): Gap[] {
  const gaps = context.index.gapsFor(trail.arn);
  const unread = (operation: string) => gaps.filter((gap) => gap.operation === operation);
  const status = trail.isLogging ? [] : unread('GetTrailStatus');
  const selectors = trail.logsManagementEvents && !trail.excludesKmsEvents ? [] : unread('GetEventSelectors');
  if (!trail.isLogging && status.length === 0) return [];
  if ((!trail.logsManagementEvents || trail.excludesKmsEvents) && selectors.length === 0) return [];
  return [...status, ...selectors];
}
