/**
 * Policy evaluation and the analyses the key rules ask of it.
 *
 * `evaluatePolicy` answers for one request; `keyAccess` combines a key policy with the caller's
 * identity policies the way KMS does (an explicit Deny wins; a key policy Allow to the account root
 * delegates to IAM; cross-account access needs both sides); `effectiveActions` lists what one
 * principal may do with a key. Publicness (AWS's definition) is in public-access.ts.
 */
import type { PolicyDocument, PolicyStatement } from '../model/inventory.js';
import { pushAll } from '../model/many.js';
import { ALL_KEY_ACTIONS, catalogCoverage, statementCoversAction } from './actions.js';
import {
  conditionKeys,
  evaluateConditions,
  type RequestContext,
  type Tri,
  triAnd,
  triNot,
  triOr,
  withoutKeyAttributes,
} from './conditions.js';
import {
  type Caller,
  matchPrincipal,
  notPrincipalApplies,
  type PrincipalRef,
  principalsOf,
  sameAccount,
} from './principal.js';
import {
  hasVariables,
  type ResourceOptions,
  readingOf,
  statementProblem,
  statementResource,
  statementsOf,
} from './statements.js';

export { statementsOf };

/** How a policy is read: its Resource and policy variables (statements.ts), and what is known of the caller. */
export interface EvaluationOptions extends ResourceOptions {
  /**
   * The caller has a permissions boundary: a Deny with NotPrincipal then applies to it whatever the
   * NotPrincipal names ("The NotPrincipal element with a Deny effect will always deny any IAM
   * principal that has a permissions boundary policy attached").
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
   */
  readonly permissionsBoundary?: boolean;
}

export interface AccessRequest {
  caller: Caller;
  action: string;
  resource: string;
  context: RequestContext;
}

export interface StatementHit {
  index: number;
  sid?: string | undefined;
  effect: 'Allow' | 'Deny';
  applies: Tri;
  /** `account`: the statement names the caller's account root (delegation to IAM). */
  via: 'principal' | 'account' | 'identity';
}

export interface PolicyDecision {
  /** An Allow statement applies to the caller by name (or `*`). */
  allow: Tri;
  /** An Allow statement applies through the caller's account root: the caller's IAM policies decide. */
  delegate: Tri;
  /** A Deny statement applies. */
  deny: Tri;
  hits: StatementHit[];
  /** Condition keys whose value was unknown, which is what makes a `maybe`. */
  unknownKeys: string[];
  /** Principals that may or may not cover the caller (a session name, a NotPrincipal), the other source of `maybe`. */
  unknownPrincipals: string[];
  /**
   * The part of `allow` given by statements that name the caller only as a role session (an
   * assumed-role ARN): what a permissions boundary does not limit.
   */
  sessionAllow: Tri;
  /** Statements that are not valid policy statements (each makes what it would allow or deny `maybe`). */
  invalidStatements: string[];
}

/**
 * Whether a statement's Principal/NotPrincipal covers the caller: `direct` by name (or `*`),
 * `delegated` through the caller's account root.
 */
interface PrincipalFit {
  direct: Tri;
  delegated: boolean;
  /** Why `direct` is `maybe`, for messages. */
  doubt?: string;
  /** The statement names the caller only as a role session (an assumed-role ARN). */
  session?: boolean;
}

/** How the refs of a Principal (or NotPrincipal) name the caller, in one pass without arrays. */
function namedHow(
  refs: readonly PrincipalRef[],
  caller: Caller,
): { match: boolean; delegated: boolean; maybe: boolean; sessionOnly: boolean; wildcard: boolean } {
  let match = false;
  let delegated = false;
  let maybe = false;
  // Whether a `maybe` comes only from a `*` of another principal type than AWS.
  let wildcard = true;
  // Whether every ref that matches (or may) is an assumed-role session ARN.
  let sessionOnly = true;
  for (const ref of refs) {
    const how = matchPrincipal(ref, caller);
    if (how === 'match') match = true;
    else if (how === 'delegated') delegated = true;
    else if (how === 'maybe') {
      maybe = true;
      if (ref.kind !== 'typed-wildcard') wildcard = false;
    }
    if ((how === 'match' || how === 'maybe') && ref.kind !== 'assumed-role') sessionOnly = false;
  }
  return { match, delegated, maybe, sessionOnly, wildcard };
}

const FIT_NONE: PrincipalFit = Object.freeze({ direct: 'no', delegated: false });
const FIT_DIRECT: PrincipalFit = Object.freeze({ direct: 'yes', delegated: false });
const FIT_DIRECT_AND_DELEGATED: PrincipalFit = Object.freeze({ direct: 'yes', delegated: true });
const FIT_DELEGATED: PrincipalFit = Object.freeze({ direct: 'no', delegated: true });
const FIT_SESSION: PrincipalFit = Object.freeze({ direct: 'yes', delegated: false, session: true });
const FIT_SESSION_AND_DELEGATED: PrincipalFit = Object.freeze({
  direct: 'yes',
  delegated: true,
  session: true,
});

function principalFit(
  statement: PolicyStatement,
  caller: Caller,
  options: EvaluationOptions = {},
): PrincipalFit {
  if (statement.NotPrincipal !== undefined) {
    // NotPrincipal applies to everyone it does not exempt (principal.ts).
    if (options.permissionsBoundary && statement.Effect === 'Deny' && caller.kind === 'iam')
      return FIT_DIRECT;
    const fit = notPrincipalApplies(principalsOf(statement.NotPrincipal), caller);
    if (fit.applies === 'no') return FIT_NONE;
    // "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow" is not
    // supported": what such a statement grants those it does not name cannot be told.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    if (statement.Effect === 'Allow')
      return {
        direct: 'maybe',
        delegated: false,
        doubt: `${label(statement)} uses NotPrincipal with Allow, which AWS does not support`,
      };
    if (fit.applies === 'yes') return FIT_DIRECT;
    return {
      direct: 'maybe',
      delegated: false,
      doubt: `NotPrincipal of ${label(statement)} ${DOUBTS[fit.doubt!]}`,
    };
  }
  const named = namedHow(principalsOf(statement.Principal), caller);
  if (named.match) {
    if (named.sessionOnly) return named.delegated ? FIT_SESSION_AND_DELEGATED : FIT_SESSION;
    return named.delegated ? FIT_DIRECT_AND_DELEGATED : FIT_DIRECT;
  }
  if (named.maybe && named.wildcard)
    return {
      direct: 'maybe',
      delegated: named.delegated,
      doubt: `${label(statement)} ${DOUBTS.wildcard}`,
    };
  if (named.maybe)
    return {
      direct: 'maybe',
      delegated: named.delegated,
      doubt: `${label(statement)} names one session of the caller's role, and the session name is not known`,
      session: true,
    };
  return named.delegated ? FIT_DELEGATED : FIT_NONE;
}

const DOUBTS = {
  account: 'names the caller but not its account',
  role: "names the caller's session but not its role and account",
  session: "names a session of the caller's role, and the session name is not known",
  wildcard: 'names "*" of a principal type other than AWS, which AWS does not document as naming the caller',
} as const;

const label = (statement: PolicyStatement): string =>
  statement.Sid ? `statement "${statement.Sid}"` : 'a statement';

/** Whether a statement's principal covers the caller in any way (by name, through the account, or maybe). */
const principalCovers = (statement: PolicyStatement, caller: Caller): boolean => {
  const fit = principalFit(statement, caller);
  return fit.direct !== 'no' || fit.delegated;
};

function unknownConditionKeys(
  statement: PolicyStatement,
  context: RequestContext,
  options: EvaluationOptions,
): string[] {
  return conditionKeys(statement.Condition)
    .filter(
      ({ operator, key, values, malformed }) =>
        !malformed && evaluateConditions({ [operator]: { [key]: values } }, context, options) === 'maybe',
    )
    .map(({ key }) => key);
}

/**
 * Evaluates one policy for one request. `kind: 'resource'` reads Principal/NotPrincipal (a key
 * policy); `kind: 'identity'` ignores them (an IAM policy attached to the caller).
 */
export function evaluatePolicy(
  doc: PolicyDocument,
  request: AccessRequest,
  kind: 'resource' | 'identity',
  options: EvaluationOptions = {},
): PolicyDecision {
  return evaluateStatements(statementsOf(doc), request, kind, { variables: hasVariables(doc), ...options });
}

/**
 * Evaluates statements for one request (see evaluatePolicy). Statements given without their
 * document are read as of Version 2012-10-17 (policy variables substituted) unless `options` or
 * the statement's `documentVersion` say otherwise (statements.ts, readingOf).
 */
export function evaluateStatements(
  statements: readonly PolicyStatement[],
  request: AccessRequest,
  kind: 'resource' | 'identity',
  options: EvaluationOptions = {},
): PolicyDecision {
  const decision: PolicyDecision = {
    allow: 'no',
    delegate: 'no',
    deny: 'no',
    hits: [],
    unknownKeys: [],
    unknownPrincipals: [],
    sessionAllow: 'no',
    invalidStatements: [],
  };
  for (let index = 0; index < statements.length; index++) {
    const statement = statements[index]!;
    const problem = statementProblem(statement);
    if (problem !== undefined) {
      // What AWS would refuse to store cannot be read: it may allow, or deny, as its Effect says.
      const effect: unknown = (statement as { Effect?: unknown } | null)?.Effect;
      decision.invalidStatements.push(`statement ${index + 1} is not a valid policy statement: ${problem}`);
      if (effect !== 'Deny') decision.allow = triOr(decision.allow, 'maybe');
      if (effect !== 'Allow') decision.deny = triOr(decision.deny, 'maybe');
      continue;
    }
    const fit: PrincipalFit =
      kind === 'identity' ? FIT_DIRECT : principalFit(statement, request.caller, options);
    if (fit.direct === 'no' && !fit.delegated) continue;
    if (!statementCoversAction(statement, request.action)) continue;
    const reading = readingOf(statement, options);
    const resourceKeys: string[] = [];
    const resource = statementResource(statement, request.resource, request.context, reading, resourceKeys);
    if (resource === 'no') continue;
    const conditions = triAnd(evaluateConditions(statement.Condition, request.context, reading), resource);
    if (conditions === 'no') continue;
    if (conditions === 'maybe') {
      pushAll(decision.unknownKeys, resourceKeys);
      pushAll(decision.unknownKeys, unknownConditionKeys(statement, request.context, reading));
    }
    // Through the account root the statement surely applies (subject to conditions); by name, as surely as the name fits.
    const viaAccount = fit.direct !== 'yes' && fit.delegated;
    const applies = viaAccount ? conditions : triAnd(conditions, fit.direct);
    if (!viaAccount && fit.doubt) decision.unknownPrincipals.push(fit.doubt);
    const via = kind === 'identity' ? 'identity' : viaAccount ? 'account' : 'principal';
    decision.hits.push({ index, sid: statement.Sid, effect: statement.Effect, applies, via });
    if (statement.Effect === 'Deny') {
      decision.deny = triOr(decision.deny, applies);
      continue;
    }
    if (fit.direct !== 'no') {
      decision.allow = triOr(decision.allow, triAnd(conditions, fit.direct));
      if (fit.session) decision.sessionAllow = triOr(decision.sessionAllow, triAnd(conditions, fit.direct));
    }
    if (fit.delegated) decision.delegate = triOr(decision.delegate, conditions);
  }
  if (decision.unknownKeys.length > 1) decision.unknownKeys = [...new Set(decision.unknownKeys)];
  if (decision.unknownPrincipals.length > 1)
    decision.unknownPrincipals = [...new Set(decision.unknownPrincipals)];
  return decision;
}

export interface KeyAccessInput extends AccessRequest {
  keyPolicy: PolicyDocument;
  keyAccount: string;
  /**
   * The caller's identity-policy statements; null when IAM did not return them (a live scan that
   * could not read the role's policies), undefined when the caller's policies are not known at all
   * (a role outside the scanned files). Either way what they allow is unknown; what they deny is
   * unknown only when null: a Deny among them stops what the key policy allows ("An explicit deny in
   * any of the policies overrides the allow", IAM User Guide, Policy evaluation for requests within a
   * single account,
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html;
   * "explicitly allowed, and never denied, in a key policy, IAM policy, or grant",
   * https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html). A role outside the
   * files is judged, as IaC judges every role, on what the files say.
   */
  identityStatements: readonly PolicyStatement[] | null | undefined;
  /**
   * False when `identityStatements` are those of some of the caller's policies only (IaC that
   * attaches policies it does not define): what they allow or deny stands, what they do not allow
   * may be allowed by the others.
   */
  identityComplete?: boolean;
  /**
   * The caller's permissions boundary, when it has one: the boundary's KMS statements, or null
   * when they could not be read. A boundary limits what a key policy grants a role's ARN as it
   * limits the role's own policies: "Resource-based policies that grant permissions to an IAM
   * role ARN are limited by an implicit deny in a permissions boundary or session policy" (IAM
   * User Guide, Permissions boundaries for IAM entities); what it grants a session by the session's
   * ARN, in the same account, is not (`PolicyDecision.sessionAllow`). An explicit Deny in the
   * boundary stops either.
   */
  boundaryStatements?: readonly PolicyStatement[] | null;
  /**
   * The service control policies over the caller's account, by level from the root down (each
   * level's KMS statements), when they were read: every level must allow the call and any Deny
   * denies it, whatever a key policy grants ("SCPs affect all users and roles in attached accounts",
   * and limit even permissions a resource-based policy grants; AWS Organizations User Guide).
   */
  scpLevels?: readonly (readonly PolicyStatement[])[];
  /**
   * The resource control policies over the key's account, by level from the root down (each
   * level's KMS statements), when they were read: as SCPs bound what the caller's account may do,
   * RCPs bound what may be done to the account's resources, whoever calls ("RCPs can be used to
   * centrally set the maximum permissions on AWS resources in your organization", AWS KMS
   * Developer Guide, Resource control policies in AWS KMS). They never affect kms:RetireGrant; nor
   * do they limit AWS managed keys, whose policies no customer writes (callers judge customer
   * managed keys only).
   */
  rcpLevels?: readonly (readonly PolicyStatement[])[];
}

export interface KeyAccess {
  result: Tri;
  /** How access was (or would be) granted. */
  path: 'key-policy' | 'iam-delegation' | 'none';
  explicitDeny: boolean;
  /**
   * True when the answer depended on identity policies we could not read: to allow (across
   * accounts, or through delegation), or, when IAM did not return them, to deny.
   */
  needsIdentity: boolean;
  /** Whether the key policy and the caller's IAM policies allow it, before the permissions boundary and any Deny. */
  policiesAllow: Tri;
  /** What the caller's permissions boundary allows: `no` when it stops what the policies allow, `maybe` when it could not be read. */
  boundaryAllow: Tri;
  /** What the service control policies over the caller's account allow (`yes` when they were not read). */
  scpAllow: Tri;
  /** What the resource control policies over the key's account allow (`yes` when they were not read). */
  rcpAllow: Tri;
  /** Where an explicit Deny is: the key policy, the caller's policies or its boundary; the SCPs; the RCPs. */
  denies: { policies: Tri; scp: Tri; rcp: Tri };
  boundary: PolicyDecision | undefined;
  keyPolicy: PolicyDecision;
  identity: PolicyDecision | undefined;
  unknownKeys: string[];
  unknownPrincipals: string[];
  /** Statements of the key policy, the caller's policies or its boundary that are not valid policy statements. */
  invalidStatements: string[];
}

/** Whether the caller may perform the action on the key, as KMS decides it. */
const hasDeny = new WeakMap<readonly PolicyStatement[], boolean>();
/** Whether some statement may deny: a Deny, or one whose Effect cannot be read. */
const anyDeny = (statements: readonly PolicyStatement[]): boolean => {
  let answer = hasDeny.get(statements);
  if (answer === undefined) {
    answer = statements.some((statement) => (statement as { Effect?: unknown } | null)?.Effect !== 'Allow');
    hasDeny.set(statements, answer);
  }
  return answer;
};

export function keyAccess(input: KeyAccessInput): KeyAccess {
  // "In AWS KMS, the aws:ResourceTag/tag-key condition key is supported only in IAM policies ...
  // It isn't supported in key policies": what a key policy's condition on it does is not
  // documented, so there the key's tags are not read and the condition is undetermined.
  // https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html
  // kms:ResourceAliases likewise: its policy type is "IAM policies only".
  // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases
  const keyPolicyContext = withoutKeyAttributes(input.context);
  const keyPolicyRequest =
    keyPolicyContext === input.context ? input : { ...input, context: keyPolicyContext };
  const keyPolicy = evaluatePolicy(input.keyPolicy, keyPolicyRequest, 'resource', {
    permissionsBoundary: input.boundaryStatements !== undefined,
  });
  const crossAccount = input.caller.kind === 'iam' && !sameAccount(input.caller.account, input.keyAccount);
  // The caller's IAM policies matter across accounts, through delegation, or for an explicit Deny;
  // when the key policy alone allows and they hold no Deny, they cannot change the answer.
  const statements = input.identityStatements;
  const identityMatters =
    crossAccount || keyPolicy.allow !== 'yes' || (statements != null && anyDeny(statements));
  const identity =
    statements && identityMatters ? evaluateStatements(statements, input, 'identity') : undefined;
  // Policies IAM did not return may hold a Deny (see identityStatements).
  const identityDeny: Tri = statements === null ? 'maybe' : (identity?.deny ?? 'no');
  const identityAllow: Tri = !identity
    ? 'maybe'
    : identity.allow === 'no' && input.identityComplete === false
      ? 'maybe'
      : identity.allow;
  const boundary = input.boundaryStatements
    ? evaluateStatements(input.boundaryStatements, input, 'identity')
    : undefined;
  const boundaryAllow: Tri =
    input.boundaryStatements === undefined ? 'yes' : boundary ? boundary.allow : 'maybe';
  const scps = organizationCeiling(input.scpLevels, input, 'identity');
  const rcps =
    input.action.toLowerCase() === 'kms:retiregrant'
      ? organizationCeiling(undefined, input, 'resource')
      : organizationCeiling(input.rcpLevels, input, 'resource');
  const scpAllow = scps.allow;
  const rcpAllow = rcps.allow;
  const policiesDeny = triOr(triOr(keyPolicy.deny, identityDeny), boundary?.deny ?? 'no');
  const deny = triOr(policiesDeny, triOr(scps.deny, rcps.deny));

  let allow: Tri;
  if (crossAccount) {
    // Both the key policy (naming the role or its account) and the caller's IAM policies must allow.
    allow = triAnd(triOr(keyPolicy.allow, keyPolicy.delegate), identityAllow);
  } else {
    allow = triOr(keyPolicy.allow, triAnd(keyPolicy.delegate, identityAllow));
  }
  // A permissions boundary limits what the key policy grants the role (by its ARN or account),
  // not what it grants a session of it by the session's ARN, in the same account: "Resource-based
  // policies that grant permissions to the session principal are not limited by an implicit deny
  // in the boundary" (IAM User Guide, Permissions boundaries for IAM entities).
  const withinBoundary = crossAccount
    ? triAnd(allow, boundaryAllow)
    : triOr(triAnd(allow, boundaryAllow), keyPolicy.sessionAllow);
  const result = triAnd(triAnd(withinBoundary, triAnd(scpAllow, rcpAllow)), triNot(deny));
  let path: KeyAccess['path'] = 'none';
  if (keyPolicy.allow !== 'no' && !crossAccount) path = 'key-policy';
  else if (keyPolicy.delegate !== 'no' || keyPolicy.allow !== 'no') path = 'iam-delegation';
  const needsIdentity =
    ((identity === undefined || identityAllow !== identity.allow) &&
      (crossAccount || (keyPolicy.allow !== 'yes' && keyPolicy.delegate !== 'no'))) ||
    (statements === null && result === 'maybe');
  return {
    result,
    path,
    explicitDeny: deny === 'yes',
    needsIdentity,
    policiesAllow: allow,
    boundaryAllow,
    scpAllow,
    rcpAllow,
    denies: { policies: policiesDeny, scp: scps.deny, rcp: rcps.deny },
    boundary,
    keyPolicy,
    identity,
    unknownKeys:
      (identity && identity.unknownKeys.length > 0) ||
      (boundary && boundary.unknownKeys.length > 0) ||
      scps.unknownKeys.length > 0 ||
      rcps.unknownKeys.length > 0
        ? [
            ...new Set([
              ...keyPolicy.unknownKeys,
              ...(identity?.unknownKeys ?? []),
              ...(boundary?.unknownKeys ?? []),
              ...scps.unknownKeys,
              ...rcps.unknownKeys,
            ]),
          ]
        : keyPolicy.unknownKeys,
    unknownPrincipals: keyPolicy.unknownPrincipals,
    invalidStatements:
      (identity && identity.invalidStatements.length > 0) ||
      (boundary && boundary.invalidStatements.length > 0)
        ? [
            ...keyPolicy.invalidStatements.map((problem) => `key policy ${problem}`),
            ...(identity?.invalidStatements ?? []).map((problem) => `IAM policy ${problem}`),
            ...(boundary?.invalidStatements ?? []).map((problem) => `permissions boundary ${problem}`),
          ]
        : keyPolicy.invalidStatements.map((problem) => `key policy ${problem}`),
  };
}

const LET_THROUGH = Object.freeze({
  allow: 'yes',
  deny: 'no',
  unknownKeys: Object.freeze([]) as unknown as string[],
} as const);

/**
 * What an organization's policies over an account (SCPs or RCPs, by level from the root down) let
 * through: every level must allow the request, and a Deny at any level denies it. No levels (not
 * read, or none apply): everything is let through.
 */
function organizationCeiling(
  levels: readonly (readonly PolicyStatement[])[] | undefined,
  request: AccessRequest,
  kind: 'resource' | 'identity',
): { readonly allow: Tri; readonly deny: Tri; readonly unknownKeys: readonly string[] } {
  if (levels === undefined || levels.length === 0) return LET_THROUGH;
  let allow: Tri = 'yes';
  let deny: Tri = 'no';
  const unknownKeys: string[] = [];
  for (const level of levels) {
    // An SCP or RCP statement without Resource is read as applying to every resource.
    const decision = evaluateStatements(level, request, kind, { resourceRequired: false });
    allow = triAnd(allow, decision.allow);
    deny = triOr(deny, decision.deny);
    pushAll(unknownKeys, decision.unknownKeys);
  }
  return { allow, deny, unknownKeys };
}

export interface ActionGrant {
  action: string;
  result: Tri;
}

/**
 * What a principal may do with the key under the key policy alone: every catalog action whose
 * answer is not `no` (a `maybe` counts: the grant exists, subject to a condition we cannot see).
 * Denies that apply to the principal are taken into account. Grants through the account root
 * (delegation to IAM) count only with `includeDelegation`: for an account principal itself.
 */
export function effectiveActions(
  doc: PolicyDocument,
  caller: Caller,
  keyArn: string,
  context: RequestContext,
  options: { includeDelegation?: boolean; catalog?: readonly string[] } = {},
): ActionGrant[] {
  // Principal, resource and conditions do not depend on the action: judge each statement once,
  // then combine per action (the same answer evaluatePolicy gives, 40-odd times cheaper).
  const applicable: { statement: PolicyStatement; applies: Tri; allow: boolean }[] = [];
  const reading: EvaluationOptions = { variables: hasVariables(doc) };
  for (const statement of statementsOf(doc)) {
    // A statement AWS would refuse is left out here, as in principals-analysis.ts (the documents
    // the rules read are validated first); evaluatePolicy answers `maybe` for it.
    if (statementProblem(statement) !== undefined) continue;
    const fit = principalFit(statement, caller);
    const allow = statement.Effect === 'Allow';
    // Through the account root a statement surely applies, but an Allow that way counts only with
    // includeDelegation; by name, as surely as the name fits (as evaluateStatements decides).
    const viaAccount =
      fit.direct !== 'yes' && fit.delegated && (!allow || options.includeDelegation === true);
    const principal: Tri = viaAccount ? 'yes' : fit.direct;
    if (principal === 'no') continue;
    const resource = statementResource(statement, keyArn, context, reading);
    if (resource === 'no') continue;
    const applies = triAnd(
      triAnd(evaluateConditions(statement.Condition, context, reading), principal),
      resource,
    );
    if (applies !== 'no') applicable.push({ statement, applies, allow });
  }
  const grants: ActionGrant[] = [];
  const catalog = options.catalog ?? ALL_KEY_ACTIONS;
  // Over the whole catalog, each statement's coverage is an array in the catalog's order.
  const coverage =
    catalog === ALL_KEY_ACTIONS ? applicable.map((entry) => catalogCoverage(entry.statement)) : undefined;
  for (let i = 0; i < catalog.length; i++) {
    const action = catalog[i]!;
    let allow: Tri = 'no';
    let deny: Tri = 'no';
    for (let j = 0; j < applicable.length; j++) {
      const entry = applicable[j]!;
      if (!(coverage ? coverage[j]![i] : statementCoversAction(entry.statement, action))) continue;
      if (entry.allow) allow = triOr(allow, entry.applies);
      else deny = triOr(deny, entry.applies);
    }
    const result = triAnd(allow, triNot(deny));
    if (result !== 'no') grants.push({ action, result });
  }
  return grants;
}

/** Every principal that some Allow statement names (NotPrincipal grants count as `*`). */
export function allowedPrincipals(doc: PolicyDocument): { ref: PrincipalRef; statement: number }[] {
  const refs: { ref: PrincipalRef; statement: number }[] = [];
  statementsOf(doc).forEach((statement, index) => {
    if (statementProblem(statement) !== undefined || statement.Effect !== 'Allow') return;
    if (statement.NotPrincipal !== undefined) refs.push({ ref: { kind: 'any' }, statement: index });
    for (const ref of principalsOf(statement.Principal)) refs.push({ ref, statement: index });
  });
  return refs;
}

export { publicStatements } from './public-access.js';

/** Statements that name the caller and scope the action by encryption context (HyperPod sends none). */
export function encryptionContextScopedStatements(
  doc: PolicyDocument,
  caller: Caller,
  action: string,
): { index: number; sid?: string | undefined; keys: string[] }[] {
  const found: { index: number; sid?: string | undefined; keys: string[] }[] = [];
  statementsOf(doc).forEach((statement, index) => {
    if (statementProblem(statement) !== undefined) return;
    if (statement.Effect !== 'Allow' || !statementCoversAction(statement, action)) return;
    if (!principalCovers(statement, caller)) return;
    const keys = conditionKeys(statement.Condition)
      .map(({ key }) => key)
      .filter((key) => /^kms:encryptioncontext/i.test(key));
    if (keys.length > 0) found.push({ index, sid: statement.Sid, keys });
  });
  return found;
}
