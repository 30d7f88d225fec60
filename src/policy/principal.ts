/**
 * IAM principals as policies write them, and the callers they match.
 *
 * A key policy may name a principal as `"*"`, `{"AWS": "*"}`, an account id, an account root ARN
 * (which delegates to the account's IAM policies), a role or user ARN, an assumed-role session
 * ARN, a role's unique id (what KMS shows after the named role was deleted), or a service.
 */
import type { PolicyStatement } from '../model/inventory.js';
import { toList } from './actions.js';
import type { Tri } from './conditions.js';
import { matchesAny } from './glob.js';

export type PrincipalRef =
  | { kind: 'any' }
  | { kind: 'account'; account: string }
  | { kind: 'iam'; arn: string; account: string; resourceType: string; name: string }
  | { kind: 'assumed-role'; arn: string; account: string; roleName: string }
  | { kind: 'unique-id'; id: string }
  | { kind: 'service'; service: string }
  | { kind: 'typed-wildcard'; type: string }
  | { kind: 'other'; value: string };

/**
 * Who makes a request: an IAM role or user (by ARN, with its unique id when known), or a service.
 * `arn` may be an assumed-role session ARN when the session is known; a role ARN stands for a
 * session of that role whose name is not known.
 */
export type Caller =
  | { kind: 'iam'; arn: string; account: string; roleId?: string | undefined }
  | { kind: 'service'; service: string };

// Infrastructure-as-code writes the deploying account and partition symbolically
// (`arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x`); they stand for that one account.
const PARTITION = '(?:aws[a-z-]*|\\$\\{AWS::Partition\\})';
const ACCOUNT = '(\\d{12}|\\$\\{AWS::AccountId\\})';
const IAM_ARN = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:(root|role|user|group|policy)(?:\\/(.*))?$`);
const STS_ARN = new RegExp(`^arn:${PARTITION}:sts::${ACCOUNT}:assumed-role\\/([^/]+)\\/.+$`);
const UNIQUE_ID = /^(AROA|AIDA|ANPA|AGPA|AIPA)[A-Z0-9]{12,}$/;
/** An account root whose account is symbolic, as IaC writes the deploying account (`${AWS::AccountId}`). */
// Its alternatives never overlap (a placeholder, a lone `$`, any other character but `:`), so it
// cannot backtrack: the overlapping form took exponential time on `arn:${}${}${}...`.
const SYMBOLIC_ROOT = /^arn:(?:\$\{[^}]*\}|\$(?!\{)|[^:$])+:iam::((?:\$\{[^}]*\}|\$(?!\{)|[^:$])+):root$/;

export function parsePrincipal(value: string, type = 'AWS'): PrincipalRef {
  // Only `"*"` and `{"AWS": "*"}` are documented as all principals; a `*` under another type
  // (`{"Service": "*"}`, `{"Federated": "*"}`) is not.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous
  if (value === '*') return type === 'AWS' ? { kind: 'any' } : { kind: 'typed-wildcard', type };
  if (type === 'Service') return { kind: 'service', service: value.toLowerCase() };
  if (type !== 'AWS') return { kind: 'other', value };
  if (/^\d{12}$/.test(value) || value === SYMBOLIC_ACCOUNT) return { kind: 'account', account: value };
  const iam = IAM_ARN.exec(value);
  if (iam) {
    const [, account, resourceType, rest] = iam as unknown as [string, string, string, string | undefined];
    if (resourceType === 'root') return { kind: 'account', account };
    const name = (rest ?? '').split('/').pop() ?? '';
    return { kind: 'iam', arn: value, account, resourceType, name };
  }
  const sts = STS_ARN.exec(value);
  if (sts) return { kind: 'assumed-role', arn: value, account: sts[1]!, roleName: sts[2]! };
  if (UNIQUE_ID.test(value)) return { kind: 'unique-id', id: value };
  const symbolicRoot = SYMBOLIC_ROOT.exec(value);
  if (symbolicRoot) return { kind: 'account', account: symbolicRoot[1]! };
  return { kind: 'other', value };
}

const ANY: readonly PrincipalRef[] = Object.freeze([{ kind: 'any' }]);
const NONE: readonly PrincipalRef[] = Object.freeze([]);
const parsedPrincipals = new WeakMap<object, readonly PrincipalRef[]>();

/** The principals a statement's `Principal` (or `NotPrincipal`) names; parsed once per policy object. */
export function principalsOf(principal: PolicyStatement['Principal']): readonly PrincipalRef[] {
  if (principal === undefined) return NONE;
  if (principal === '*') return ANY;
  const cached = parsedPrincipals.get(principal);
  if (cached) return cached;
  const refs: PrincipalRef[] = [];
  for (const [type, values] of Object.entries(principal)) {
    for (const value of toList(values)) refs.push(parsePrincipal(value, type));
  }
  parsedPrincipals.set(principal, refs);
  return refs;
}

/**
 * How a policy principal relates to a caller. `delegated`: the account root, so IAM policies decide.
 * `maybe`: it names one session of the caller's role, and the caller's session name is not known.
 */
export type PrincipalMatch = 'match' | 'delegated' | 'maybe' | 'none';

export function matchPrincipal(ref: PrincipalRef, caller: Caller): PrincipalMatch {
  switch (ref.kind) {
    case 'any':
      return 'match';
    case 'service':
      return caller.kind === 'service' && caller.service === ref.service ? 'match' : 'none';
    case 'account':
      return caller.kind === 'iam' && sameAccount(caller.account, ref.account) ? 'delegated' : 'none';
    case 'iam':
      if (caller.kind !== 'iam') return 'none';
      if (sameIamArn(ref.arn, caller.arn)) return 'match';
      // A role names every session of it; a session ARN carries the role name but not its path.
      return ref.resourceType === 'role' &&
        STS_ARN.test(caller.arn) &&
        sameAccount(caller.account, ref.account) &&
        roleNameOf(caller.arn) === ref.name.toLowerCase()
        ? 'match'
        : 'none';
    case 'assumed-role':
      // A session ARN names that one session of the role.
      if (
        caller.kind !== 'iam' ||
        !sameAccount(caller.account, ref.account) ||
        roleNameOf(caller.arn) !== ref.roleName.toLowerCase()
      )
        return 'none';
      if (STS_ARN.test(caller.arn)) return sameIamArn(ref.arn, caller.arn) ? 'match' : 'none';
      return 'maybe';
    case 'unique-id':
      return caller.kind === 'iam' && caller.roleId === ref.id ? 'match' : 'none';
    case 'typed-wildcard':
      // A service principal identifies a service, never an IAM role or user; which services its
      // `*` names, and whether a `*` of another type (Federated: an identity provider) names a
      // role's session, AWS does not document.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services
      if (ref.type === 'Service') return caller.kind === 'service' ? 'maybe' : 'none';
      return caller.kind === 'iam' ? 'maybe' : 'none';
    case 'other':
      // IaC may name a role symbolically (e.g. the ARN attribute of a role in the same template).
      return caller.kind === 'iam' && caller.arn === ref.value ? 'match' : 'none';
  }
}

/**
 * Whether a statement with NotPrincipal applies to the caller: to everyone it does not exempt. IAM
 * checks a caller as its account, then its user or role, then its role session, and each must be
 * named for the caller to be exempt: naming the account does not exempt the account's other
 * principals ("all principals except the user named Bob in AWS account 444455556666 are explicitly
 * denied", with both Bob and the account named), and a role session is exempt only when its
 * session ARN is named with the role and the account ("you must list the role session name of every
 * user and every instance ID that will be assuming the role"). Where the documentation says only
 * that a missing account or role "might" deny, the answer is `maybe`; so too when the caller's
 * session name is not known. NotPrincipal "*" exempts everyone.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
 * https://repost.aws/knowledge-center/explicit-deny-principle-elements-s3
 */
export function notPrincipalApplies(
  refs: readonly PrincipalRef[],
  caller: Caller,
): { applies: Tri; doubt?: 'account' | 'role' | 'session' | 'wildcard' } {
  const fit = exemption(refs, caller);
  // A `*` of another type than AWS may or may not exempt the caller (see matchPrincipal).
  return fit.applies === 'yes' &&
    refs.some((ref) => ref.kind === 'typed-wildcard' && matchPrincipal(ref, caller) === 'maybe')
    ? { applies: 'maybe', doubt: 'wildcard' }
    : fit;
}

function exemption(
  refs: readonly PrincipalRef[],
  caller: Caller,
): { applies: Tri; doubt?: 'account' | 'role' | 'session' } {
  if (refs.some((ref) => ref.kind === 'any')) return { applies: 'no' };
  if (caller.kind === 'service')
    return {
      applies: refs.some((ref) => ref.kind === 'service' && ref.service === caller.service) ? 'no' : 'yes',
    };
  const accountNamed = refs.some((ref) => ref.kind === 'account' && sameAccount(ref.account, caller.account));
  if (ACCOUNT_ROOT.test(caller.arn)) return { applies: accountNamed ? 'no' : 'yes' };
  let named = false;
  let session: 'named' | 'maybe' | 'none' = 'none';
  for (const ref of refs) {
    const how = matchPrincipal(ref, caller);
    if (ref.kind === 'assumed-role') {
      if (how === 'match') session = 'named';
      else if (how === 'maybe' && session === 'none') session = 'maybe';
    } else if (how === 'match') named = true;
  }
  if (IAM_ARN.exec(caller.arn)?.[2] === 'user') {
    if (!named) return { applies: 'yes' };
    return accountNamed ? { applies: 'no' } : { applies: 'maybe', doubt: 'account' };
  }
  // A role acts only through its sessions.
  if (session === 'none') return { applies: 'yes' };
  if (!named || !accountNamed) return { applies: 'maybe', doubt: named ? 'account' : 'role' };
  return session === 'named' ? { applies: 'no' } : { applies: 'maybe', doubt: 'session' };
}

const ACCOUNT_ROOT = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:root$`);

/** IAM ARNs compare with the name case-insensitively (IAM names are unique regardless of case). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the IaC placeholder for the deploying account
const SYMBOLIC_ACCOUNT = '${AWS::AccountId}';

/**
 * Whether two account ids name the same account. IaC that does not know its account writes it as
 * `${AWS::AccountId}` (the deploying account), which may be any literal account it also names.
 */
export const sameAccount = (a: string, b: string): boolean =>
  a === b || a === SYMBOLIC_ACCOUNT || b === SYMBOLIC_ACCOUNT;

/** Whether two strings are equal ignoring case, without building lower-cased copies when both are ASCII. */
function equalsIgnoreCase(a: string, b: string): boolean {
  if (a === b) return true;
  let ascii = true;
  if (a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      let x = a.charCodeAt(i);
      let y = b.charCodeAt(i);
      if (x > 127 || y > 127) {
        ascii = false;
        break;
      }
      if (x === y) continue;
      if (x >= 65 && x <= 90) x += 32;
      if (y >= 65 && y <= 90) y += 32;
      if (x !== y) return false;
    }
    if (ascii) return true;
  } else {
    // Strings of different lengths can lower-case alike only through characters beyond ASCII.
    for (let i = 0; i < a.length && ascii; i++) if (a.charCodeAt(i) > 127) ascii = false;
    for (let i = 0; i < b.length && ascii; i++) if (b.charCodeAt(i) > 127) ascii = false;
    if (ascii) return false;
  }
  return a.toLowerCase() === b.toLowerCase();
}

export function sameIamArn(a: string, b: string): boolean {
  if (equalsIgnoreCase(a, b)) return true;
  // IaC may write the account or partition symbolically on one side only.
  if (!a.includes('${') && !b.includes('${')) return false;
  const x = IAM_ARN.exec(a);
  const y = IAM_ARN.exec(b);
  return (
    x !== null &&
    y !== null &&
    sameAccount(x[1]!, y[1]!) &&
    x[2] === y[2] &&
    (x[3] ?? '').toLowerCase() === (y[3] ?? '').toLowerCase()
  );
}

/**
 * Whether a principal ARN (a role, or a session of it) is the role `roleArn`. Role names are
 * unique within an account whatever their path, and a session ARN omits the path, so the account
 * and the name decide.
 */
export function isRoleOrItsSession(roleArn: string, principal: string): boolean {
  if (sameIamArn(roleArn, principal)) return true;
  const name = roleNameOf(principal);
  return name !== undefined && roleNameOf(roleArn) === name && accountOf(roleArn) === accountOf(principal);
}

const ROLE_PREFIX = /^arn:[^:]+:iam::[^:]+:role\//;

/**
 * A role ARN pattern with its path removed, to compare with the role behind a session (whose ARN
 * has no path): `arn:aws:iam::*:role/security/KeyAdmin` becomes `arn:aws:iam::*:role/KeyAdmin`.
 * Role names are unique in an account, so this is exact when the name is literal; a wildcard name
 * under a path (`role/security/*`) cannot be judged without the path, and gives undefined.
 */
export function rolePatternWithoutPath(pattern: string): string | undefined {
  // Split at the role prefix and the last slash rather than with a backtracking regex.
  const prefix = ROLE_PREFIX.exec(pattern)?.[0];
  if (!prefix) return undefined;
  const rest = pattern.slice(prefix.length);
  const slash = rest.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const name = rest.slice(slash + 1);
  if (name === '' || /[*?]/.test(name)) return undefined;
  return `${prefix}${name}`;
}

export function roleNameOf(arn: string): string | undefined {
  const iam = IAM_ARN.exec(arn);
  if (iam && iam[2] === 'role') return (iam[3] ?? '').split('/').pop()?.toLowerCase();
  const sts = STS_ARN.exec(arn);
  return sts ? sts[2]!.toLowerCase() : undefined;
}

export function accountOf(arn: string): string | undefined {
  return /^arn:(?:aws[a-z-]*|\$\{AWS::Partition\}):[a-z0-9-]+:(?:[a-z0-9-]*|\$\{AWS::Region\}):(\d{12}|\$\{AWS::AccountId\}):/.exec(
    arn,
  )?.[1];
}

/**
 * The IAM role ARN behind a principal ARN as CloudTrail shows it: an assumed-role session
 * `arn:aws:sts::111122223333:assumed-role/Admin/alice` is the role `arn:aws:iam::111122223333:role/Admin`
 * (the role's path is not in the session ARN).
 */
export function roleArnOfSession(arn: string): string | undefined {
  const sts = STS_ARN.exec(arn);
  if (!sts) return undefined;
  const partition = arn.split(':')[1];
  return `arn:${partition}:iam::${sts[1]}:role/${sts[2]}`;
}

/**
 * Whether the caller CloudTrail names (a user or role ARN, or a role session) is one of `patterns`
 * (ARN globs, case-insensitive). A session's ARN leaves out its role's path, so it is also compared,
 * as its role, with the patterns of roles without theirs: `role/platform/KeyAdmin` approves
 * `assumed-role/KeyAdmin/alice`. One judgement for the rule that reads CloudTrail and the Lambda
 * that reads the same events from EventBridge.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
export function principalMatcher(patterns: readonly string[]): (principal: string) => boolean {
  const rolePatterns = [
    ...patterns,
    ...patterns.map(rolePatternWithoutPath).filter((pattern) => pattern !== undefined),
  ];
  return (principal) => {
    if (matchesAny(principal, patterns, { ignoreCase: true })) return true;
    const role = roleArnOfSession(principal);
    return role !== undefined && matchesAny(role, rolePatterns, { ignoreCase: true });
  };
}

/** A principal as a person would write it, for messages. */
export function describePrincipal(ref: PrincipalRef): string {
  switch (ref.kind) {
    case 'any':
      return '*';
    case 'account':
      return `arn:aws:iam::${ref.account}:root`;
    case 'iam':
    case 'assumed-role':
      return ref.arn;
    case 'unique-id':
      return ref.id;
    case 'service':
      return ref.service;
    case 'typed-wildcard':
      return `{"${ref.type}": "*"}`;
    case 'other':
      return ref.value;
  }
}
