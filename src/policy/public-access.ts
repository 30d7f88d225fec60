/**
 * Whether a key policy makes the key public, by AWS's definition rather than ours.
 *
 * AWS Config's managed rule `kms-key-policy-no-public-access` (Security Hub KMS.5): "To be considered
 * non-public, a KMS key policy must grant access only to fixed values. This means values that don't
 * contain a wildcard or ... [policy] Variables." The fixed values AWS names for public access are the
 * principal itself and these condition keys (S3 "The meaning of public", which IAM Access Analyzer and
 * Config share): aws:SourceIp (a set of CIDR ranges), aws:SourceArn, aws:SourceVpc, aws:SourceVpce,
 * aws:SourceOwner, aws:SourceAccount, aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn,
 * aws:userid and kms:CallerAccount. So:
 *
 * - an Allow to `*` (or with NotPrincipal, or a principal pattern) is public unless one of its
 *   conditions tests a fixed-value key against fixed values only, with an operator that requires the
 *   key (no `...IfExists`, no `ForAllValues:`, no negation, no `Null`);
 * - `StringEquals` compares literally: a `"*"` among its values is a fixed value (no caller carries it),
 *   while `StringLike` / `ArnLike` read it as a wildcard, and a wildcard value is never fixed
 *   (`o-*`, `arn:aws:iam::111122223333:role/*`, `AROAID:*` included);
 * - a statement that can never apply to a KMS request on this key grants nothing: a condition on a
 *   key of another service (`s3:x-amz-acl`, `ec2:...`) without `IfExists`, `aws:ResourceAccount`
 *   naming another account, Actions of no KMS operation, a Resource that is not this key;
 * - a Deny closes what it covers to everyone outside fixed values: `Deny` with `NotPrincipal`
 *   (everyone but the principals named), or `Deny *` whose every condition is a negated test of a
 *   fixed-value key (`StringNotEquals aws:PrincipalOrgID o-...`), or an unconditional `Deny *`.
 *
 * aws:SourceIp, aws:SourceVpc and aws:SourceVpce restrict the network, not the caller: AWS counts
 * them non-public, and so does this analysis, but it reports them apart (`networkOnly`) so a
 * message can say that any principal on that network is let in.
 *
 * Beyond AWS's list, four keys name callers just as fixedly and are accepted with fixed values:
 * aws:PrincipalOrgPaths, aws:SourceOrgID, aws:SourceOrgPaths, aws:PrincipalServiceName.
 */
import type { PolicyDocument, PolicyStatement } from '../model/inventory.js';
import { catalogMask, coveredActions, statementCoversAction, toList } from './actions.js';
import {
  conditionKeys,
  evaluateConditions,
  hasPolicyVariable,
  parseOperator,
  requestContext,
} from './conditions.js';
import { hasWildcard, resourceMatch } from './glob.js';
import { principalsOf } from './principal.js';
import { hasVariables, statementProblem, statementResource, statementsOf } from './statements.js';

export const PUBLIC_ACCESS_DEFINITION = {
  name: "AWS Config's kms-key-policy-no-public-access (Security Hub KMS.5)",
  summary:
    'non-public means access granted only to fixed values: principals, or conditions on aws:SourceIp ' +
    '(CIDR ranges), aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount, ' +
    'aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalArn, aws:userid or kms:CallerAccount, ' +
    'with no wildcard and no policy variable',
  references: [
    'https://docs.aws.amazon.com/config/latest/developerguide/kms-key-policy-no-public-access.html',
    'https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-5',
    'https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status',
  ],
} as const;

/** The fixed-value keys AWS lists, and what each restricts. */
const AWS_FIXED_KEYS: Readonly<Record<string, 'identity' | 'network'>> = {
  'aws:sourceip': 'network',
  'aws:sourcevpc': 'network',
  'aws:sourcevpce': 'network',
  'aws:sourcearn': 'identity',
  'aws:sourceowner': 'identity',
  'aws:sourceaccount': 'identity',
  'aws:principalaccount': 'identity',
  'aws:principalorgid': 'identity',
  'aws:principalarn': 'identity',
  'aws:userid': 'identity',
  'kms:calleraccount': 'identity',
  // Not in AWS's list, but as fixed: an organization, its OUs, a service principal.
  'aws:principalorgpaths': 'identity',
  'aws:sourceorgid': 'identity',
  'aws:sourceorgpaths': 'identity',
  'aws:principalservicename': 'identity',
};

/** Condition keys by name, for callers that list them. */
export const RESTRICTING_CONDITION_KEYS: readonly string[] = Object.keys(AWS_FIXED_KEYS);

export type Restriction = 'identity' | 'network';

export interface PublicStatement {
  index: number;
  sid?: string | undefined;
  /** How the statement opens the key: `Principal *`, `NotPrincipal` or `Principal pattern`. */
  reason: string;
}

export interface RestrictedStatement {
  index: number;
  sid?: string | undefined;
  restriction: Restriction;
  /** The condition keys (or the Deny statements) that restrict it. */
  by: string[];
}

export interface IgnoredStatement {
  index: number;
  sid?: string | undefined;
  /** Why the statement can never apply to a KMS request on this key. */
  why: string;
}

export interface PublicAccessAnalysis {
  definition: typeof PUBLIC_ACCESS_DEFINITION;
  public: PublicStatement[];
  /** Wildcard grants restricted to fixed values. */
  restricted: RestrictedStatement[];
  /** Wildcard grants that can never apply to a KMS request on this key. */
  ignored: IgnoredStatement[];
}

export interface KeyFacts {
  /** The key's ARN, when it is a concrete ARN (IaC may not know it). */
  keyArn?: string | undefined;
  /** The key's account: 12 digits, `${AWS::AccountId}` (IaC) or "unknown". */
  keyAccount?: string | undefined;
  /** The organization of the key's account (aws:ResourceOrgID); null: in none; undefined: not known. */
  keyOrganizationId?: string | null | undefined;
}

const LIKE_OPERATORS = new Set(['stringlike', 'arnlike', 'arnequals']);
const LITERAL_OPERATORS = new Set(['stringequals', 'stringequalsignorecase']);
const NEGATED_LIKE = new Set(['stringnotlike', 'arnnotlike', 'arnnotequals']);
const NEGATED_LITERAL = new Set(['stringnotequals', 'stringnotequalsignorecase']);

/** A CIDR range or address narrower than the whole address space (`0.0.0.0/0` is everyone). */
function isBoundedCidr(value: string): boolean {
  const [address, prefix, extra] = value.trim().split('/');
  if (extra !== undefined || !address) return false;
  const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  const ipv6 = !ipv4 && /^[0-9a-f:.]+$/i.test(address) && address.includes(':');
  if (!ipv4 && !ipv6) return false;
  if (ipv4?.slice(1).some((octet) => Number(octet) > 255)) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  return bits > 0 && bits <= (ipv4 ? 32 : 128);
}

/** Whether a condition value is fixed for the operator: literal, no variable, not empty. */
function isFixedValue(value: string, like: boolean): boolean {
  // A policy variable (`${aws:username}`) is not fixed; an IaC placeholder (`${AWS::AccountId}`) is,
  // once deployed.
  if (value === '' || hasPolicyVariable(value)) return false;
  return !(like && hasWildcard(value));
}

/**
 * Whether one condition entry confines an Allow to the fixed values it names: a positive operator
 * that fails when the key is missing, on a fixed-value key, with fixed values only.
 */
function restriction(operator: string, key: string, values: readonly string[]): Restriction | undefined {
  const kind = AWS_FIXED_KEYS[key.toLowerCase()];
  if (!kind || values.length === 0) return undefined;
  const op = parseOperator(operator);
  if (!op.known || op.negated || op.ifExists || op.set === 'ForAllValues') return undefined;
  if (key.toLowerCase() === 'aws:sourceip')
    return op.base === 'ipaddress' && values.every(isBoundedCidr) ? kind : undefined;
  const like = LIKE_OPERATORS.has(op.base);
  if (!like && !LITERAL_OPERATORS.has(op.base)) return undefined;
  return values.every((value) => isFixedValue(value, like)) ? kind : undefined;
}

/**
 * Whether one condition entry of a Deny holds for every caller outside fixed values: a negated
 * test (missing keys satisfy it, with or without IfExists) of a fixed-value key.
 */
function outsiderTest(operator: string, key: string, values: readonly string[]): Restriction | undefined {
  const kind = AWS_FIXED_KEYS[key.toLowerCase()];
  if (!kind || values.length === 0) return undefined;
  const op = parseOperator(operator);
  if (!op.known || !op.negated || op.set !== null) return undefined;
  if (key.toLowerCase() === 'aws:sourceip')
    return op.base === 'notipaddress' && values.every(isBoundedCidr) ? kind : undefined;
  const like = NEGATED_LIKE.has(op.base);
  if (!like && !NEGATED_LITERAL.has(op.base)) return undefined;
  return values.every((value) => isFixedValue(value, like)) ? kind : undefined;
}

const CONCRETE_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[^*?$]+$/;
const ACCOUNT = /^(\d{12}|\$\{AWS::AccountId\})$/;

const NO_CONTEXT = requestContext({});

/** Why a statement can never apply to a KMS request on this key, or undefined when it may. */
function neverApplies(statement: PolicyStatement, key: KeyFacts, variables: boolean): string | undefined {
  const literalKms = statement.NotAction === undefined && toList(statement.Action).some(isKmsAction);
  const actions = catalogMask(statement);
  if (actions.low === 0 && actions.high === 0 && !literalKms) return 'it allows no KMS action';
  // "If either of the required Resource or Action elements are missing from a key policy statement,
  // the policy statement has no effect." (KMS PutKeyPolicy)
  if (statement.Resource === undefined && statement.NotResource === undefined)
    return 'it has no Resource, and KMS gives a key policy statement without one no effect';
  // A Resource with a policy variable that may name this key may apply.
  if (
    key.keyArn &&
    CONCRETE_KEY_ARN.test(key.keyArn) &&
    statementResource(statement, key.keyArn, NO_CONTEXT, { variables }) === 'no'
  )
    return 'its Resource is not this key';
  const entries = conditionKeys(statement.Condition);
  if (entries.length === 0) return undefined;
  // A KMS request carries global (aws:) and KMS (kms:) keys only: keys of other services are absent.
  const foreign = [
    ...new Set(
      entries
        .map(({ key: name }) => name.toLowerCase().split(':')[0] ?? '')
        .filter((prefix) => prefix !== '' && prefix !== 'aws' && prefix !== 'kms'),
    ),
  ];
  const values: Record<string, string> = {};
  const absent = foreign.map((prefix) => `${prefix}:*`);
  if (key.keyAccount && ACCOUNT.test(key.keyAccount)) values['aws:ResourceAccount'] = key.keyAccount;
  if (key.keyOrganizationId) values['aws:ResourceOrgID'] = key.keyOrganizationId;
  else if (key.keyOrganizationId === null) absent.push('aws:ResourceOrgID', 'aws:ResourceOrgPaths');
  const context = requestContext(values, absent);
  if (evaluateConditions(statement.Condition, context, { variables }) !== 'no') return undefined;
  const blocking = entries
    .filter(
      ({ operator, key: name, values: v, malformed }) =>
        !malformed && evaluateConditions({ [operator]: { [name]: v } }, context, { variables }) === 'no',
    )
    .map(({ operator, key: name }) => `${operator} ${name}`);
  return `its condition (${blocking.join(', ')}) is never true for a KMS request on this key`;
}

const isKmsAction = (action: string) => /^kms:[A-Za-z]+$/i.test(action);

/** How a statement names "anyone": `*`, NotPrincipal, or a principal with a wildcard. */
function wildcardPrincipal(statement: PolicyStatement): string | undefined {
  if (statement.NotPrincipal !== undefined) return 'NotPrincipal';
  const principal = statement.Principal;
  if (principal === undefined) return undefined;
  if (principal === '*') return 'Principal *';
  if (typeof principal !== 'object') return undefined;
  let pattern = false;
  for (const value of Object.values(principal)) {
    for (const item of toList(value as string | string[])) {
      if (item === '*') return 'Principal *';
      if (typeof item === 'string' && hasWildcard(item)) pattern = true;
    }
  }
  return pattern ? 'Principal pattern' : undefined;
}

/** Whether every value a NotPrincipal names is fixed (no `*`, no wildcard). */
function namesFixedPrincipals(notPrincipal: PolicyStatement['NotPrincipal']): boolean {
  if (notPrincipal === undefined || notPrincipal === '*' || typeof notPrincipal !== 'object') return false;
  const values = Object.values(notPrincipal).flatMap((value) => toList(value as string | string[]));
  return values.length > 0 && values.every((value) => typeof value === 'string' && !hasWildcard(value));
}

interface Closer {
  statement: PolicyStatement;
  label: string;
  restriction: Restriction;
}

/**
 * A Deny statement that refuses every caller outside fixed values for the actions it covers, with
 * how it restricts them; undefined for any other statement.
 */
function closerOf(
  statement: PolicyStatement,
  index: number,
  key: KeyFacts,
  variables: boolean,
): Closer | undefined {
  if (statementProblem(statement) !== undefined || statement.Effect !== 'Deny') return undefined;
  if (neverApplies(statement, key, variables) !== undefined) return undefined;
  // It must cover the key whatever its ARN: `*` (a key policy's usual Resource), or this key.
  if (statement.NotResource !== undefined) return undefined;
  const resources = toList(statement.Resource);
  const coversKey =
    statement.Resource === undefined ||
    resources.includes('*') ||
    (key.keyArn !== undefined &&
      CONCRETE_KEY_ARN.test(key.keyArn) &&
      resources.some((r) => resourceMatch(r, key.keyArn!)));
  if (!coversKey) return undefined;
  const label = statement.Sid ? `Deny "${statement.Sid}"` : `Deny statement ${index + 1}`;
  const entries = conditionKeys(statement.Condition);
  const tests = entries.map(({ operator, key: name, values }) => outsiderTest(operator, name, values));
  if (tests.some((test) => test === undefined)) return undefined;
  const restriction: Restriction =
    tests.includes('network') && !tests.includes('identity') ? 'network' : 'identity';
  if (statement.NotPrincipal !== undefined)
    return namesFixedPrincipals(statement.NotPrincipal) ? { statement, label, restriction } : undefined;
  // Everyone is `"*"` or `{"AWS": "*"}`: a `*` of another type (`{"Service": "*"}`) does not
  // name every caller (see parsePrincipal).
  const everyone = principalsOf(statement.Principal).some((ref) => ref.kind === 'any');
  if (!everyone) return undefined;
  // An unconditional Deny to everyone closes the actions to all; a conditional one, to outsiders.
  return { statement, label, restriction: entries.length === 0 ? 'identity' : restriction };
}

/** The actions an Allow grants: the catalog actions it covers and any literal KMS action it names. */
function grantedActions(allow: PolicyStatement): string[] {
  const literal = allow.NotAction === undefined ? toList(allow.Action).filter((a) => !hasWildcard(a)) : [];
  return [...new Set([...coveredActions(allow), ...literal])];
}

/** Judges every statement of a key policy by AWS's definition of public access. */
export function publicAccess(doc: PolicyDocument, key: KeyFacts = {}): PublicAccessAnalysis {
  const statements = statementsOf(doc);
  const variables = hasVariables(doc);
  const closers = statements.flatMap((statement, index) => closerOf(statement, index, key, variables) ?? []);
  const analysis: PublicAccessAnalysis = {
    definition: PUBLIC_ACCESS_DEFINITION,
    public: [],
    restricted: [],
    ignored: [],
  };
  statements.forEach((statement, index) => {
    // A statement AWS would refuse cannot be read: it may open the key, so it counts as open.
    const problem = statementProblem(statement);
    if (problem !== undefined) {
      if ((statement as { Effect?: unknown } | null)?.Effect !== 'Deny')
        analysis.public.push({ index, reason: `not a valid policy statement: ${problem}` });
      return;
    }
    if (statement.Effect !== 'Allow') return;
    const reason = wildcardPrincipal(statement);
    if (!reason) return;
    const sid = statement.Sid;
    const why = neverApplies(statement, key, variables);
    if (why) {
      analysis.ignored.push({ index, sid, why });
      return;
    }
    const restrictions = conditionKeys(statement.Condition).flatMap(({ operator, key: name, values }) => {
      const kind = restriction(operator, name, values);
      return kind ? [{ kind, name }] : [];
    });
    if (restrictions.length > 0) {
      const identity = restrictions.filter((r) => r.kind === 'identity');
      const used = identity.length > 0 ? identity : restrictions;
      analysis.restricted.push({
        index,
        sid,
        restriction: identity.length > 0 ? 'identity' : 'network',
        by: [...new Set(used.map((r) => r.name))],
      });
      return;
    }
    // Each action the Allow grants must be closed by some Deny.
    const used = new Set<Closer>();
    const open = grantedActions(statement).filter((action) => {
      const closer =
        closers.find((c) => c.restriction === 'identity' && statementCoversAction(c.statement, action)) ??
        closers.find((c) => statementCoversAction(c.statement, action));
      if (closer) used.add(closer);
      return closer === undefined;
    });
    if (open.length === 0 && used.size > 0) {
      const all = [...used];
      analysis.restricted.push({
        index,
        sid,
        restriction: all.every((c) => c.restriction === 'identity') ? 'identity' : 'network',
        by: all.map((c) => c.label),
      });
      return;
    }
    analysis.public.push({ index, sid, reason });
  });
  return analysis;
}

/** Allow statements that open the key to anyone, by AWS's definition. */
export function publicStatements(doc: PolicyDocument, key: KeyFacts = {}): PublicStatement[] {
  return publicAccess(doc, key).public;
}
