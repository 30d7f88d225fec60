/** Words for messages (gap reasons, counts) and where data came from (live or IaC). */
import { isIacSource } from '../model/inventory.js';
import { MAX_SHOWN_CHARS, shortened } from '../model/text.js';

export const isLiveSource = (source: string): boolean => source === 'live' || source === 'snapshot';
export { isIacSource };

/** A gap's reason as a sentence fragment for messages. */
export function gapReason(gaps: readonly { code: string; operation: string; message: string }[]): string {
  const gap = gaps[0];
  return gap ? `${gap.operation} failed (${gap.code}): ${gap.message}` : 'not collected';
}

/**
 * Up to `max` items, each shortened, joined by "; ", then how many more there are: with the
 * sentence a message puts around it, within the MAX_SHOWN_CHARS of a value a message repeats.
 */
export function someOf(items: readonly string[], max = 10): string {
  const each = Math.floor((MAX_SHOWN_CHARS - 400) / max);
  const named = items.slice(0, max).map((item) => shortened(item, each));
  return named.join('; ') + (items.length > max ? `; and ${items.length - max} more` : '');
}

/** Why a role's IAM policies are not all known: the policies the scanned files do not give, or the gap that stopped their reading. */
export function rolePoliciesReason(
  role: { unreadPolicies?: readonly string[] | undefined } | undefined,
  gaps: readonly { code: string; operation: string; message: string }[],
): string {
  const unread = role?.unreadPolicies;
  return unread && unread.length > 0
    ? `policies attached to it are not in the scanned files: ${someOf(unread)}`
    : gapReason(gaps);
}

/** A policy statement as people find it: its Sid, else its position ("statement 2"); `index` counts from 0. */
export const statementLabel = (statement: { index: number; sid?: string | undefined }): string =>
  statement.sid ?? `statement ${statement.index + 1}`;

/** A date's distance from now as messages say it: "today", "3 days from now", "earlier today", "1 day ago". */
export const relativeDays = ({ days, past }: { days: number; past: boolean }): string =>
  past
    ? days === 0
      ? 'earlier today'
      : `${countOf(days, 'day')} ago`
    : days === 0
      ? 'today'
      : `${countOf(days, 'day')} from now`;

/** "1 grant", "3 grants": counts in messages read as English. */
export const countOf = (count: number, singular: string, plural = `${singular}s`): string =>
  `${count} ${count === 1 ? singular : plural}`;
