/** CloudTrail events of a key within the lookback window, and what a partial window means for a verdict. */
import { parseIsoTime } from '../model/dates.js';
import type { Key, TrailEvent } from '../model/inventory.js';
import type { RuleContext, Verdict } from './define-rule.js';
import { keyLabel } from './key-references.js';
import { keyResource } from './resources.js';
import { gapReason } from './text.js';

/** CloudTrail delivers events within minutes: a window edge this close is not a gap. */
export const WINDOW_SLACK_MS = 3_600_000;

/** The part of the lookback window whose events were not looked up, when there is one. */
export interface UncoveredWindow {
  /** What was looked up, ISO-8601. */
  collectedFrom: string;
  collectedTo: string;
  /** The parts of the lookback window outside it, as "FROM to TO" ranges. */
  missing: string[];
}

/**
 * The CloudTrail events about a key within the lookback window, or an UNKNOWN verdict when
 * events were not looked up for the key's account and region. When they were looked up for a
 * shorter window than the lookback (a snapshot collected with a shorter lookback, or evaluated
 * at a later clock), `uncovered` says which part was not seen: a rule may FAIL on what it saw, but
 * never PASS for the whole lookback.
 */
export function keyEventsInWindow(
  context: RuleContext,
  key: Key,
): { events: TrailEvent[]; since: Date; uncovered?: UncoveredWindow } | Verdict {
  const collected = context.index.eventsCollectedWindow(key.account, key.region);
  const since = new Date(context.now.getTime() - context.config.lookbackDays * 86_400_000);
  if (collected === undefined) {
    const gaps = context.index.serviceGaps('cloudtrail', key.account, key.region, 'LookupEvents');
    return {
      resource: keyResource(key),
      status: 'UNKNOWN',
      messageId: 'notCollected',
      data: { what: `CloudTrail events for ${key.account}/${key.region}`, reason: gapReason(gaps) },
      evidence: { gaps },
    };
  }
  const events = context.index.eventsOfKey(key).filter((event) => {
    const time = parseIsoTime(event.eventTime) ?? Number.NaN;
    return time >= since.getTime() && time <= context.now.getTime();
  });
  const iso = (ms: number) => new Date(ms).toISOString();
  const missing: string[] = [];
  if (collected.since > since.getTime() + WINDOW_SLACK_MS)
    missing.push(`${iso(since.getTime())} to ${iso(Math.min(collected.since, context.now.getTime()))}`);
  if (collected.until < context.now.getTime() - WINDOW_SLACK_MS)
    missing.push(`${iso(Math.max(collected.until, since.getTime()))} to ${iso(context.now.getTime())}`);
  if (missing.length === 0) return { events, since };
  return {
    events,
    since,
    uncovered: { collectedFrom: iso(collected.since), collectedTo: iso(collected.until), missing },
  };
}

export const PARTIAL_WINDOW_MESSAGE =
  'nothing found for {{key}} in the CloudTrail events that were looked up ({{collectedFrom}} to {{collectedTo}}), ' +
  'but the last {{days}} days were not all seen: {{missing}} was not looked up';

/** The UNKNOWN verdict that stands for a PASS over a lookback window only partly seen. */
export function partialWindowVerdict(key: Key, days: number, uncovered: UncoveredWindow): Verdict {
  return {
    resource: keyResource(key),
    status: 'UNKNOWN',
    messageId: 'partialWindow',
    data: {
      key: keyLabel(key),
      days,
      collectedFrom: uncovered.collectedFrom,
      collectedTo: uncovered.collectedTo,
      missing: uncovered.missing.join(' and '),
    },
    evidence: {
      collected: { from: uncovered.collectedFrom, to: uncovered.collectedTo },
      missing: uncovered.missing,
    },
  };
}

/** CloudTrail spells KMS access denials both ways (shared/aws-facts.md §8.2). */
export const isAccessDenied = (event: TrailEvent): boolean =>
  event.errorCode === 'AccessDenied' || event.errorCode === 'AccessDeniedException';
