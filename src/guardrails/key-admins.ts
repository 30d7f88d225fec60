/**
 * Key administrators as a key policy can name them.
 *
 * Config `keyAdmins` holds principal patterns (`arn:aws:iam::*:role/KeyAdmin`,
 * `arn:aws:iam::111122223333:role/KeyAdmin-*`). A key policy's `Principal` takes exact ARNs only,
 * so for each key we split the patterns into:
 * - `principals`: exact ARNs. A pattern whose only wildcard is the account field is read as "this
 *   role in the key's account" and made exact with the key's account id;
 * - `patterns`: the rest (a wildcard in the name), usable in `aws:PrincipalArn` conditions only.
 *
 * What would lock administrators out, or is not an administrator at all, is refused with a reason:
 * an assumed-role session ARN (aws:PrincipalArn is the role's ARN, so a Deny exempting the session
 * would deny the admin), the account root (it delegates to IAM: every IAM admin would be a key
 * admin), IAM groups (not principals), and service principals.
 */
import { hasWildcard } from '../policy/glob.js';

export interface KeyAdminSet {
  /** Exact ARNs: named in the key policy's Allow statements. */
  principals: string[];
  /** Wildcard patterns: admitted through IAM and exempt from the Deny, never named as principals. */
  patterns: string[];
}

const ARN = /^arn:(aws[a-z-]*|\*):iam::(\d{12}|\*):(.+)$/;

/** Why a keyAdmins entry cannot stand for a key administrator, or undefined when it can. */
export function adminPatternProblem(pattern: string): string | undefined {
  if (/^arn:[^:]+:sts::/.test(pattern))
    return 'an assumed-role session ARN; name the role (arn:aws:iam::ACCOUNT:role/NAME), which is what aws:PrincipalArn holds';
  if (/^\d{12}$/.test(pattern) || /:root$/.test(pattern))
    return 'the account root delegates to every IAM policy in the account; name the admin roles instead';
  const match = ARN.exec(pattern);
  if (!match) return 'not an IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME)';
  const resource = match[3]!;
  if (/^group\//.test(resource)) return 'an IAM group, which a key policy cannot name as a principal';
  if (!/^(role|user)\//.test(resource) && resource !== '*')
    return 'not an IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME)';
  return undefined;
}

/** Splits config key admins into what a key policy in `keyAccount` can name and what it can only match. */
export function resolveKeyAdmins(
  patterns: readonly string[],
  keyAccount: string,
  partition = 'aws',
): KeyAdminSet {
  const principals = new Set<string>();
  const wild = new Set<string>();
  for (const pattern of patterns) {
    if (adminPatternProblem(pattern)) continue;
    const [, part, account, resource] = ARN.exec(pattern)!;
    const exactPartition = part === '*' ? partition : part!;
    if (
      !hasWildcard(resource!) &&
      (account === '*' || account === keyAccount) &&
      !hasWildcard(exactPartition)
    ) {
      principals.add(`arn:${exactPartition}:iam::${keyAccount}:${resource}`);
    } else if (!hasWildcard(pattern)) {
      // An exact admin in another account: named as is (it also needs IAM permission at home).
      principals.add(pattern);
    } else {
      wild.add(pattern);
    }
  }
  return { principals: [...principals].sort(), patterns: [...wild].sort() };
}
