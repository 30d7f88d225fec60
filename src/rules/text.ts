/** Words for messages (gap reasons, counts) and where data came from (live or IaC). */
import { isIacSource } from '../model/inventory.js';

export const isLiveSource = (source: string): boolean => source === 'live' || source === 'snapshot';
export { isIacSource };

/** A gap's reason as a sentence fragment for messages. */
export function gapReason(gaps: readonly { code: string; operation: string; message: string }[]): string {
  const gap = gaps[0];
  return gap ? `${gap.operation} failed (${gap.code}): ${gap.message}` : 'not collected';
}

/** Why a role's IAM policies are not all known: the policies the scanned files do not give, or the gap that stopped their reading. */
export function rolePoliciesReason(
  role: { unreadPolicies?: readonly string[] | undefined } | undefined,
  gaps: readonly { code: string; operation: string; message: string }[],
): string {
  const unread = role?.unreadPolicies;
  return unread && unread.length > 0
    ? `policies attached to it are not in the scanned files: ${unread.join('; ')}`
    : gapReason(gaps);
}

/** A policy statement as people find it: its Sid, else its position ("statement 2"); `index` counts from 0. */
export const statementLabel = (statement: { index: number; sid?: string | undefined }): string =>
  statement.sid ?? `statement ${statement.index + 1}`;

/** "1 grant", "3 grants": counts in messages read as English. */
export const countOf = (count: number, singular: string, plural = `${singular}s`): string =>
  `${count} ${count === 1 ? singular : plural}`;
