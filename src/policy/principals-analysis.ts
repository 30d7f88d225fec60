/**
 * Who a key policy lets do what: the principals it names, each with the key actions it grants
 * them once conditions and Deny statements are taken into account.
 */
import type { PolicyDocument } from '../model/inventory.js';
import { ADMIN_ACTIONS, ALL_KEY_ACTIONS, USAGE_ACTIONS } from './actions.js';
import { requestContext, withPrincipalOrganization } from './conditions.js';
import { allowedPrincipals, effectiveActions } from './evaluate.js';
import { type Caller, describePrincipal, type PrincipalRef, roleArnOfSession } from './principal.js';

export interface PrincipalAccess {
  ref: PrincipalRef;
  /** The principal as written, for messages and matching against config patterns. */
  name: string;
  /** The account the principal belongs to, when it is an IAM principal or an account. */
  account: string | undefined;
  actions: string[];
  admin: string[];
  usage: string[];
  all: boolean;
  /** The account root (or bare account id) of the key's own account: delegation to IAM. */
  ownAccountRoot: boolean;
  /** The principal belongs to an account other than the key's. */
  external: boolean;
}

const ACCOUNT_ID = /^\d{12}$/;
const ADMIN = new Set<string>(ADMIN_ACTIONS);
const USAGE = new Set<string>(USAGE_ACTIONS);

/**
 * Which accounts are the key's own. A deployed key knows its account. A key in a template does
 * not (its account is "unknown"): the account it will be deployed to is the one the template
 * names symbolically (`${AWS::AccountId}`, `data.aws_caller_identity...`), or, when the template
 * writes account ids literally, the account of the roles and users its policy names.
 */
function ownAccountTest(policy: PolicyDocument, keyAccount: string): (account: string) => boolean {
  if (ACCOUNT_ID.test(keyAccount)) return (account) => account === keyAccount;
  const named = new Set<string>();
  for (const { ref } of allowedPrincipals(policy)) {
    if ((ref.kind === 'iam' || ref.kind === 'assumed-role') && ACCOUNT_ID.test(ref.account))
      named.add(ref.account);
  }
  return (account) => account === keyAccount || !ACCOUNT_ID.test(account) || named.has(account);
}

function callerFor(ref: PrincipalRef, keyAccount: string): Caller | undefined {
  switch (ref.kind) {
    case 'iam':
      return { kind: 'iam', arn: ref.arn, account: ref.account };
    case 'assumed-role':
      return { kind: 'iam', arn: ref.arn, account: ref.account };
    case 'unique-id':
      return { kind: 'iam', arn: ref.id, account: keyAccount, roleId: ref.id };
    case 'account':
      return { kind: 'iam', arn: `arn:aws:iam::${ref.account}:root`, account: ref.account };
    case 'service':
      return { kind: 'service', service: ref.service };
    case 'other':
      return { kind: 'iam', arn: ref.value, account: keyAccount };
    case 'any':
      // Someone no statement names: an outsider. What a wildcard grants, it grants to them.
      return { kind: 'iam', arn: 'arn:aws:iam::000000000000:role/any-principal', account: '000000000000' };
  }
}

const analysed = new WeakMap<PolicyDocument, Map<string, PrincipalAccess[]>>();

/** Memoized per policy object and key: several rules ask the same question of the same key. */
export function principalAccess(
  policy: PolicyDocument,
  keyArn: string,
  keyAccount: string,
  /** The organization of the key's account (its principals' aws:PrincipalOrgID), when known. */
  keyOrganizationId?: string | null,
): PrincipalAccess[] {
  let byKey = analysed.get(policy);
  if (!byKey) {
    byKey = new Map();
    analysed.set(policy, byKey);
  }
  const cacheKey = `${keyArn}|${keyAccount}|${keyOrganizationId}`;
  let result = byKey.get(cacheKey);
  if (!result) {
    result = analysePrincipals(policy, keyArn, keyAccount, keyOrganizationId);
    byKey.set(cacheKey, result);
  }
  return result;
}

function analysePrincipals(
  policy: PolicyDocument,
  keyArn: string,
  keyAccount: string,
  keyOrganizationId: string | null | undefined,
): PrincipalAccess[] {
  const seen = new Map<string, PrincipalAccess>();
  const isOwn = ownAccountTest(policy, keyAccount);
  for (const { ref } of allowedPrincipals(policy)) {
    const name = describePrincipal(ref);
    if (seen.has(name)) continue;
    const caller = callerFor(ref, keyAccount);
    if (!caller) continue;
    const base = requestContext(
      caller.kind === 'iam' && ref.kind !== 'any'
        ? {
            // For a role session, aws:PrincipalArn is the role's ARN.
            'aws:PrincipalArn': roleArnOfSession(caller.arn) ?? caller.arn,
            'aws:PrincipalAccount': caller.account,
            'kms:CallerAccount': caller.account,
          }
        : {},
    );
    // A principal of the key's own account is in the key account's organization.
    const context =
      caller.kind === 'iam' && ref.kind !== 'any' && isOwn(caller.account)
        ? withPrincipalOrganization(base, keyOrganizationId)
        : base;
    const actions = effectiveActions(policy, caller, keyArn, context, {
      includeDelegation: ref.kind === 'account',
    }).map((grant) => grant.action);
    const account =
      ref.kind === 'iam' || ref.kind === 'assumed-role' || ref.kind === 'account' ? ref.account : undefined;
    seen.set(name, {
      ref,
      name,
      account,
      actions,
      admin: actions.filter((action) => ADMIN.has(action)),
      usage: actions.filter((action) => USAGE.has(action)),
      all: actions.length === ALL_KEY_ACTIONS.length,
      ownAccountRoot: ref.kind === 'account' && isOwn(ref.account),
      external: account !== undefined && !isOwn(account),
    });
  }
  return [...seen.values()];
}
