/**
 * Which organization a caller's account belongs to, for aws:PrincipalOrgID conditions: what the
 * live scan read (Organizations DescribeOrganization), else the config's `organizationId`.
 */
import type { Account } from '../model/inventory.js';

const ACCOUNT_ID = /^\d{12}$/;

/**
 * The organization id of `account`; `null` when the scan read that it is in no organization;
 * `undefined` when not known. The configured id stands for the scanned accounts: an account the
 * inventory lists whose organization could not be read, the deploying account of IaC (written
 * `${AWS::AccountId}` or unknown), and any account of an IaC scan. Another account of a live scan
 * may be in any organization.
 */
export function organizationOf(
  accounts: readonly Account[],
  account: string,
  configured: string | undefined,
): string | null | undefined {
  const entry = accounts.find((candidate) => candidate.id === account);
  if (entry?.organizationId !== undefined) return entry.organizationId;
  if (configured === undefined) return undefined;
  if (entry || !ACCOUNT_ID.test(account)) return configured;
  const live = accounts.some((candidate) => candidate.source === 'live' && ACCOUNT_ID.test(candidate.id));
  return live ? undefined : configured;
}
