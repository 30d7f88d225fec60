/**
 * Who a key policy lets do what: the principals it names, each with the key actions it grants
 * them once conditions and Deny statements are taken into account.
 *
 * An organisation's estate has tens of thousands of keys whose policies say much the same thing
 * to a few thousand principals, and two rules ask this of every key. So the analysis is lean:
 * each statement's actions are a bit set over the catalog (shared by content), each principal is
 * parsed once per evaluation, request contexts are built once per caller, and the results (the
 * action lists, each principal's access, the list of them) are frozen and shared by every key
 * that gets the same answer. It answers exactly as `effectiveActions` of evaluate.ts does with
 * `includeDelegation` for account principals (test/policy/principals-analysis.test.ts compares
 * them over a corpus of policies).
 */
import type { PolicyDocument, PolicyStatement } from '../model/inventory.js';
import {
  ADMIN_ACTIONS,
  ALL_KEY_ACTIONS,
  type CatalogMask,
  catalogMask,
  toList,
  USAGE_ACTIONS,
} from './actions.js';
import {
  type ConditionOptions,
  evaluateConditions,
  type RequestContext,
  requestContext,
  type Tri,
  triAnd,
  withPrincipalOrganization,
} from './conditions.js';
import {
  type Caller,
  describePrincipal,
  matchPrincipal,
  notPrincipalApplies,
  type PrincipalRef,
  parsePrincipal,
  roleArnOfSession,
} from './principal.js';
import {
  hasVariables,
  resourceHasVariables,
  statementProblem,
  statementResource,
  statementsOf,
} from './statements.js';

export interface PrincipalAccess {
  readonly ref: PrincipalRef;
  /** The principal as written, for messages and matching against config patterns. */
  readonly name: string;
  /** The account the principal belongs to, when it is an IAM principal or an account. */
  readonly account: string | undefined;
  readonly actions: readonly string[];
  readonly admin: readonly string[];
  readonly usage: readonly string[];
  readonly all: boolean;
  /** The account root (or bare account id) of the key's own account: delegation to IAM. */
  readonly ownAccountRoot: boolean;
  /** The principal belongs to an account other than the key's. */
  readonly external: boolean;
}

const ACCOUNT_ID = /^\d{12}$/;
const ADMIN = new Set<string>(ADMIN_ACTIONS);
const USAGE = new Set<string>(USAGE_ACTIONS);

/** A principal as parsed, with its name (one object per distinct principal in an evaluation). */
interface Named {
  readonly ref: PrincipalRef;
  readonly name: string;
}

interface ActionSets {
  readonly actions: readonly string[];
  readonly admin: readonly string[];
  readonly usage: readonly string[];
  readonly all: boolean;
}

interface CachedAnalysis {
  readonly keyArn: string;
  readonly keyAccount: string;
  readonly keyOrganizationId: string | null | undefined;
  readonly accesses: readonly PrincipalAccess[];
  readonly next: CachedAnalysis | undefined;
}

/**
 * What one evaluation learns once and reuses for every key: parsed principals, request contexts,
 * the shared results, and each policy's analysis. Make one per evaluation (`accessMemo`): nothing
 * in it outlives the object it is attached to.
 */
export interface AccessMemo {
  readonly principals: Map<string, Map<string, Named>>;
  readonly contexts: Map<string, RequestContext>;
  readonly actionSets: Map<number, ActionSets>;
  /** By principal, then by what the key grants it (see sharedAccess). */
  readonly accesses: Map<Named, Map<number, PrincipalAccess>>;
  readonly accessIds: Map<PrincipalAccess, number>;
  readonly lists: Map<string, readonly PrincipalAccess[]>;
  /**
   * Each policy's analysis: one entry for the usual policy of one key, a map by key ARN once a
   * second key shares the policy object (IaC may give one document to thousands of keys).
   */
  readonly analyses: Map<PolicyDocument, CachedAnalysis | Map<string, CachedAnalysis>>;
  /** Condition blocks by content, judged once per request context. */
  readonly conditions: Map<RequestContext, Map<string, Tri>>;
}

export function createAccessMemo(): AccessMemo {
  return {
    principals: new Map(),
    contexts: new Map(),
    actionSets: new Map(),
    accesses: new Map(),
    accessIds: new Map(),
    lists: new Map(),
    analyses: new Map(),
    conditions: new Map(),
  };
}

const memos = new WeakMap<object, AccessMemo>();

/** The memo of one evaluation, attached to an object that lives as long as it (the inventory index). */
export function accessMemo(owner: object): AccessMemo {
  let memo = memos.get(owner);
  if (!memo) {
    memo = createAccessMemo();
    memos.set(owner, memo);
  }
  return memo;
}

const ANY: Named = Object.freeze({ ref: Object.freeze({ kind: 'any' }) as PrincipalRef, name: '*' });

function named(memo: AccessMemo, value: unknown, type: string): Named {
  // Only text is memoised; anything else is parsed as it comes (and judged as evaluate.ts judges it).
  if (typeof value !== 'string') {
    const ref = parsePrincipal(value as string, type);
    return { ref, name: describePrincipal(ref) };
  }
  let byValue = memo.principals.get(type);
  if (!byValue) {
    byValue = new Map();
    memo.principals.set(type, byValue);
  }
  let entry = byValue.get(value);
  if (!entry) {
    const ref = Object.freeze(parsePrincipal(value, type));
    entry = Object.freeze({ ref, name: describePrincipal(ref) });
    byValue.set(value, entry);
  }
  return entry;
}

/** The principals a statement's Principal (or NotPrincipal) names, in order, as principalsOf reads them. */
function namedIn(memo: AccessMemo, principal: PolicyStatement['Principal']): readonly Named[] {
  if (principal === undefined) return [];
  if (principal === '*') return [ANY];
  const found: Named[] = [];
  for (const [type, values] of Object.entries(principal)) {
    for (const value of toList(values)) found.push(named(memo, value, type));
  }
  return found;
}

/** A statement as the analysis reads it: parsed once per policy. */
interface ParsedStatement {
  readonly statement: PolicyStatement;
  readonly allow: boolean;
  readonly notPrincipal: readonly PrincipalRef[] | undefined;
  readonly principal: readonly Named[];
  readonly actions: CatalogMask;
  /** Whether its Resource/NotResource covers the key; `depends` on the caller for a policy variable. */
  readonly coversKey: Tri | 'depends';
}

const NO_CONTEXT = requestContext({});

function parseStatements(memo: AccessMemo, policy: PolicyDocument, keyArn: string): ParsedStatement[] {
  const parsed: ParsedStatement[] = [];
  const variables = hasVariables(policy);
  for (const statement of statementsOf(policy)) {
    // A statement AWS would refuse is left out, as effectiveActions leaves it out.
    if (statementProblem(statement) !== undefined) continue;
    parsed.push({
      statement,
      allow: statement.Effect === 'Allow',
      notPrincipal:
        statement.NotPrincipal === undefined
          ? undefined
          : namedIn(memo, statement.NotPrincipal).map((entry) => entry.ref),
      principal: namedIn(memo, statement.Principal),
      actions: catalogMask(statement),
      coversKey:
        variables && resourceHasVariables(statement)
          ? 'depends'
          : statementResource(statement, keyArn, NO_CONTEXT, { variables }),
    });
  }
  return parsed;
}

/**
 * Which accounts are the key's own. A deployed key knows its account. A key in a template does
 * not (its account is "unknown"): the account it will be deployed to is the one the template
 * names symbolically (`${AWS::AccountId}`, `data.aws_caller_identity...`), or, when the template
 * writes account ids literally, the account of the roles and users its policy names.
 */
function ownAccountTest(
  statements: readonly ParsedStatement[],
  keyAccount: string,
): (account: string) => boolean {
  if (ACCOUNT_ID.test(keyAccount)) return (account) => account === keyAccount;
  const named = new Set<string>();
  for (const parsed of statements) {
    if (!parsed.allow) continue;
    for (const { ref } of parsed.principal) {
      if ((ref.kind === 'iam' || ref.kind === 'assumed-role') && ACCOUNT_ID.test(ref.account))
        named.add(ref.account);
    }
  }
  return (account) => account === keyAccount || !ACCOUNT_ID.test(account) || named.has(account);
}

function callerFor(ref: PrincipalRef, keyAccount: string): Caller {
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
    case 'typed-wildcard':
      // Some service, or someone else no statement names (see matchPrincipal).
      if (ref.type === 'Service') return { kind: 'service', service: '*' };
      return OUTSIDER;
    case 'any':
      // Someone no statement names: an outsider. What a wildcard grants, it grants to them.
      return OUTSIDER;
  }
}

const OUTSIDER: Caller = Object.freeze({
  kind: 'iam',
  arn: 'arn:aws:iam::000000000000:role/any-principal',
  account: '000000000000',
});

const EMPTY_CONTEXT_KEY = '\u0000';

/** The request context of a caller: what KMS knows of the principal (built once per caller and organization). */
function contextFor(
  memo: AccessMemo,
  ref: PrincipalRef,
  caller: Caller,
  own: boolean,
  keyOrganizationId: string | null | undefined,
): RequestContext {
  const known = caller.kind === 'iam' && ref.kind !== 'any' && ref.kind !== 'typed-wildcard';
  // For a role session, aws:PrincipalArn is the role's ARN.
  const principalArn = known ? (roleArnOfSession(caller.arn) ?? caller.arn) : '';
  const account = known ? caller.account : '';
  // A principal of the key's own account is in the key account's organization.
  const organization = known && own ? keyOrganizationId : undefined;
  const cacheKey = known
    ? `${principalArn}\u0000${account}\u0000${organization === undefined ? '?' : organization === null ? '-' : `=${organization}`}`
    : EMPTY_CONTEXT_KEY;
  let context = memo.contexts.get(cacheKey);
  if (!context) {
    const base = requestContext(
      known
        ? { 'aws:PrincipalArn': principalArn, 'aws:PrincipalAccount': account, 'kms:CallerAccount': account }
        : {},
    );
    context = withPrincipalOrganization(base, organization);
    memo.contexts.set(cacheKey, context);
  }
  return context;
}

/**
 * A condition block's content as text that no other content shares (every name and value is
 * length-prefixed), or undefined for a block with anything but text, numbers and booleans, or
 * with inherited properties: those are judged each time.
 */
export function conditionContentKey(condition: Readonly<Record<string, unknown>>): string | undefined {
  let text = '';
  for (const operator in condition) {
    if (!Object.hasOwn(condition, operator)) return undefined;
    const keys = condition[operator];
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) return undefined;
    text += `${operator.length}:${operator}{`;
    for (const key in keys) {
      if (!Object.hasOwn(keys, key)) return undefined;
      const value = (keys as Record<string, unknown>)[key];
      text += `${key.length}:${key}=`;
      if (typeof value === 'string') text += `s${value.length}:${value}`;
      else if (typeof value === 'boolean' || typeof value === 'number') text += `${typeof value}:${value};`;
      else if (Array.isArray(value)) {
        text += `a${value.length}[`;
        for (const item of value) {
          if (typeof item !== 'string') return undefined;
          text += `${item.length}:${item}`;
        }
        text += ']';
      } else return undefined;
    }
    text += '}';
  }
  return text;
}

const MAX_CONDITION_KEY = 4096;

/** `evaluateConditions`, memoised by the block's content and the context (both fixed in an evaluation). */
function conditionsHold(
  memo: AccessMemo,
  condition: Record<string, Record<string, unknown>>,
  context: RequestContext,
  options: ConditionOptions,
): Tri {
  const content = conditionContentKey(condition);
  // A block too large to be a common one is judged each time rather than kept as text.
  if (content === undefined || content.length > MAX_CONDITION_KEY)
    return evaluateConditions(condition, context, options);
  // Policy variables are read only from Version 2012-10-17 on: the same block may read two ways.
  const cacheKey = options.variables === false ? `L${content}` : `V${content}`;
  let byContent = memo.conditions.get(context);
  if (!byContent) {
    byContent = new Map();
    memo.conditions.set(context, byContent);
  }
  let result = byContent.get(cacheKey);
  if (result === undefined) {
    result = evaluateConditions(condition, context, options);
    byContent.set(cacheKey, result);
  }
  return result;
}

/** What the caller may do with the key, as `effectiveActions` answers it: a bit set over the catalog. */
function grantedMask(
  memo: AccessMemo,
  statements: readonly ParsedStatement[],
  caller: Caller,
  includeDelegation: boolean,
  context: () => RequestContext,
  options: ConditionOptions,
  keyArn: string,
): { low: number; high: number } {
  let allowLow = 0;
  let allowHigh = 0;
  let denyLow = 0;
  let denyHigh = 0;
  for (const parsed of statements) {
    let direct: Tri;
    let delegated = false;
    if (parsed.notPrincipal !== undefined) {
      // NotPrincipal applies to everyone it does not exempt (see principalFit in evaluate.ts).
      direct = notPrincipalApplies(parsed.notPrincipal, caller).applies;
    } else {
      let match = false;
      let maybe = false;
      for (const { ref } of parsed.principal) {
        const fit = matchPrincipal(ref, caller);
        if (fit === 'match') match = true;
        else if (fit === 'maybe') maybe = true;
        else if (fit === 'delegated') delegated = true;
      }
      direct = match ? 'yes' : maybe ? 'maybe' : 'no';
    }
    // Through the account root a statement surely applies, but an Allow that way counts only with
    // includeDelegation; by name, as surely as the name fits.
    const viaAccount = direct !== 'yes' && delegated && (!parsed.allow || includeDelegation);
    const principal: Tri = viaAccount ? 'yes' : direct;
    if (principal === 'no' || parsed.coversKey === 'no') continue;
    const covers =
      parsed.coversKey === 'depends'
        ? statementResource(parsed.statement, keyArn, context(), options)
        : parsed.coversKey;
    if (covers === 'no') continue;
    const condition = parsed.statement.Condition;
    const applies = triAnd(
      condition === undefined
        ? principal
        : triAnd(conditionsHold(memo, condition, context(), options), principal),
      covers,
    );
    if (applies === 'no') continue;
    if (parsed.allow) {
      allowLow |= parsed.actions.low;
      allowHigh |= parsed.actions.high;
    } else if (applies === 'yes') {
      denyLow |= parsed.actions.low;
      denyHigh |= parsed.actions.high;
    }
  }
  return { low: allowLow & ~denyLow, high: allowHigh & ~denyHigh };
}

/** A bit set over the catalog as one number (exact: the catalog has at most 51 actions, see actions.ts). */
const maskKey = (low: number, high: number): number => (high >>> 0) * 2 ** 32 + (low >>> 0);

function actionSets(memo: AccessMemo, cacheKey: number, low: number, high: number): ActionSets {
  let sets = memo.actionSets.get(cacheKey);
  if (!sets) {
    const actions: string[] = [];
    for (let i = 0; i < ALL_KEY_ACTIONS.length; i++) {
      const bit = i < 32 ? (low >>> i) & 1 : (high >>> (i - 32)) & 1;
      if (bit) actions.push(ALL_KEY_ACTIONS[i]!);
    }
    sets = Object.freeze({
      actions: Object.freeze(actions),
      admin: Object.freeze(actions.filter((action) => ADMIN.has(action))),
      usage: Object.freeze(actions.filter((action) => USAGE.has(action))),
      all: actions.length === ALL_KEY_ACTIONS.length,
    });
    memo.actionSets.set(cacheKey, sets);
  }
  return sets;
}

/** One principal's access, shared by every key whose policy gives that principal the same. */
function sharedAccess(
  memo: AccessMemo,
  principal: Named,
  actionsKey: number,
  sets: ActionSets,
  ownAccountRoot: boolean,
  external: boolean,
): PrincipalAccess {
  const { ref, name } = principal;
  let byGrant = memo.accesses.get(principal);
  if (!byGrant) {
    byGrant = new Map();
    memo.accesses.set(principal, byGrant);
  }
  // Exact: the actions' bit set has at most 51 bits.
  const cacheKey = actionsKey * 4 + (ownAccountRoot ? 2 : 0) + (external ? 1 : 0);
  let access = byGrant.get(cacheKey);
  if (!access) {
    const account =
      ref.kind === 'iam' || ref.kind === 'assumed-role' || ref.kind === 'account' ? ref.account : undefined;
    access = Object.freeze({
      ref,
      name,
      account,
      actions: sets.actions,
      admin: sets.admin,
      usage: sets.usage,
      all: sets.all,
      ownAccountRoot,
      external,
    });
    byGrant.set(cacheKey, access);
    memo.accessIds.set(access, memo.accessIds.size);
  }
  return access;
}

/**
 * Every principal an Allow statement names (NotPrincipal counts as `*`), each once with what the
 * policy lets it do with the key. Memoised per policy object and key in `memo`: several rules ask
 * the same question of the same key. Without a memo, nothing is kept.
 */
export function principalAccess(
  policy: PolicyDocument,
  keyArn: string,
  keyAccount: string,
  /** The organization of the key's account (its principals' aws:PrincipalOrgID), when known. */
  keyOrganizationId?: string | null,
  memo?: AccessMemo,
): readonly PrincipalAccess[] {
  if (!memo) return analysePrincipals(createAccessMemo(), policy, keyArn, keyAccount, keyOrganizationId);
  const held = memo.analyses.get(policy);
  // The chain holds the analyses of one key ARN under other accounts or organizations: a handful.
  const first = held instanceof Map ? held.get(keyArn) : held?.keyArn === keyArn ? held : undefined;
  for (let cached = first; cached; cached = cached.next) {
    if (cached.keyAccount === keyAccount && cached.keyOrganizationId === keyOrganizationId)
      return cached.accesses;
  }
  const accesses = analysePrincipals(memo, policy, keyArn, keyAccount, keyOrganizationId);
  const entry: CachedAnalysis = { keyArn, keyAccount, keyOrganizationId, accesses, next: first };
  if (held === undefined || (!(held instanceof Map) && held.keyArn === keyArn))
    memo.analyses.set(policy, entry);
  else if (held instanceof Map) held.set(keyArn, entry);
  else
    memo.analyses.set(
      policy,
      new Map([
        [held.keyArn, held],
        [keyArn, entry],
      ]),
    );
  return accesses;
}

function analysePrincipals(
  memo: AccessMemo,
  policy: PolicyDocument,
  keyArn: string,
  keyAccount: string,
  keyOrganizationId: string | null | undefined,
): readonly PrincipalAccess[] {
  const statements = parseStatements(memo, policy, keyArn);
  const reading: ConditionOptions = { variables: hasVariables(policy) };
  const isOwn = ownAccountTest(statements, keyAccount);
  const seen = new Set<string>();
  const found: PrincipalAccess[] = [];
  const visit = (principal: Named) => {
    const { ref, name } = principal;
    if (seen.has(name)) return;
    seen.add(name);
    const caller = callerFor(ref, keyAccount);
    const own = caller.kind === 'iam' && isOwn(caller.account);
    let context: RequestContext | undefined;
    const mask = grantedMask(
      memo,
      statements,
      caller,
      ref.kind === 'account',
      () => (context ??= contextFor(memo, ref, caller, own, keyOrganizationId)),
      reading,
      keyArn,
    );
    const account =
      ref.kind === 'iam' || ref.kind === 'assumed-role' || ref.kind === 'account' ? ref.account : undefined;
    const actionsKey = maskKey(mask.low, mask.high);
    found.push(
      sharedAccess(
        memo,
        principal,
        actionsKey,
        actionSets(memo, actionsKey, mask.low, mask.high),
        ref.kind === 'account' && isOwn(ref.account),
        account !== undefined && !isOwn(account),
      ),
    );
  };
  for (const parsed of statements) {
    if (!parsed.allow) continue;
    if (parsed.notPrincipal !== undefined) visit(ANY);
    for (const principal of parsed.principal) visit(principal);
  }
  let listKey = '';
  for (const access of found) listKey += `${memo.accessIds.get(access)},`;
  let list = memo.lists.get(listKey);
  if (!list) {
    list = Object.freeze(found);
    memo.lists.set(listKey, list);
  }
  return list;
}
