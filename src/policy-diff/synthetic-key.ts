/**
 * The key two policy files are for, when only the files are given: its account is the one the
 * policies name (the account root they delegate to, else the account of the roles and users they
 * name, the most named first), its Region the one given, else "unknown" (kms:ViaService
 * conditions then depend on something the diff cannot see, and say so).
 */
import type { Key, PolicyDocument } from '../model/inventory.js';
import { statementsOf } from '../policy/evaluate.js';
import { principalsOf } from '../policy/principal.js';

export const SYNTHETIC_KEY_ID = 'policy-diff';

function namedAccount(policies: readonly PolicyDocument[]): string {
  const roots = new Map<string, number>();
  const others = new Map<string, number>();
  const count = (map: Map<string, number>, account: string) => map.set(account, (map.get(account) ?? 0) + 1);
  for (const policy of policies)
    for (const statement of statementsOf(policy))
      for (const ref of [...principalsOf(statement.Principal), ...principalsOf(statement.NotPrincipal)]) {
        if (ref.kind === 'account' && /^\d{12}$/.test(ref.account)) count(roots, ref.account);
        else if ((ref.kind === 'iam' || ref.kind === 'assumed-role') && /^\d{12}$/.test(ref.account))
          count(others, ref.account);
      }
  const top = (map: Map<string, number>) =>
    [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  return top(roots) ?? top(others) ?? 'unknown';
}

export function syntheticKey(
  policies: readonly PolicyDocument[],
  options: { region?: string | undefined },
): Key {
  const account = namedAccount(policies);
  const region = options.region ?? 'unknown';
  return {
    arn: `arn:aws:kms:${region}:${account}:key/${SYNTHETIC_KEY_ID}`,
    account,
    region,
    source: 'snapshot',
    aliases: [],
    // Only a customer managed key has a policy one may change: the rules judge it as one.
    metadata: {
      keyManager: 'CUSTOMER',
      keyState: 'Enabled',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
    },
  };
}
