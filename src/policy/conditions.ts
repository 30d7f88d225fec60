/**
 * IAM condition evaluation in three-valued logic.
 *
 * A request context knows some keys (with values), knows that others are absent (HyperPod sends
 * no encryption context, so every `kms:EncryptionContext:*` key is absent), and knows nothing of
 * the rest. A condition on an unknown key evaluates to `maybe`, so an analysis can tell "allowed",
 * "denied" and "depends on something we could not see" apart instead of guessing.
 *
 * Semantics follow the IAM reference: operators on several keys AND together, several values
 * for one key OR together; a missing key fails positive operators and satisfies negated ones;
 * `...IfExists` is satisfied by a missing key; `ForAllValues:` is satisfied by a missing or empty
 * key; `ForAnyValue:` is not; `Null` tests presence. Policy variables in string, ARN and Bool values
 * are substituted from the context (`substituteVariables`) when the policy's Version makes them
 * variables; a variable on an unknown key is `maybe`, like the key itself.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */
import { arnMatch, globMatch, LITERAL_QUESTION, LITERAL_STAR, literalText } from './glob.js';
import { matchesCidr } from './ip.js';

export type Tri = 'yes' | 'no' | 'maybe';

export const triAnd = (a: Tri, b: Tri): Tri =>
  a === 'no' || b === 'no' ? 'no' : a === 'maybe' || b === 'maybe' ? 'maybe' : 'yes';
export const triOr = (a: Tri, b: Tri): Tri =>
  a === 'yes' || b === 'yes' ? 'yes' : a === 'maybe' || b === 'maybe' ? 'maybe' : 'no';
export const triNot = (a: Tri): Tri => (a === 'yes' ? 'no' : a === 'no' ? 'yes' : 'maybe');

export type ContextValue = string | boolean | number | readonly (string | boolean | number)[];

/**
 * A multivalued key whose exact values are not known, only their bounds: the request carries
 * every `certain` value and no value outside `possible`.
 */
export interface BoundedValues {
  readonly certain: readonly string[];
  readonly possible: readonly string[];
}

export interface RequestContext {
  /** Known keys, lower-cased, with their values. */
  readonly values: ReadonlyMap<string, readonly string[]>;
  /** Keys known to be absent (lower-cased); a key ending in `*` covers a prefix. */
  readonly absent: readonly string[];
  /** Multivalued keys known only within bounds (lower-cased). */
  readonly bounded?: ReadonlyMap<string, BoundedValues>;
  /**
   * The resource's tags by lower-cased tag key, when known: `aws:ResourceTag/<key>` is then present
   * for a tag the resource carries and absent for any other.
   */
  readonly resourceTags?: ReadonlyMap<string, string>;
  /**
   * Every alias of the KMS key, when all are known: `kms:ResourceAliases` is then these (absent
   * for a key with none), else unknown.
   */
  readonly resourceAliases?: readonly string[];
  /**
   * The caller's organization, when known: `aws:PrincipalOrgID` is then that id, and
   * `aws:PrincipalOrgPaths` one path that starts with it (the OUs below it are not known).
   */
  readonly principalOrgId?: string;
}

const lowerCasedTags = new WeakMap<object, ReadonlyMap<string, string>>();

/** The context with the resource's tags known (the tag map is built once per tags object). */
export function withResourceTags(
  context: RequestContext,
  tags: Readonly<Record<string, string>>,
): RequestContext {
  let map = lowerCasedTags.get(tags);
  if (!map) {
    map = new Map(Object.entries(tags).map(([key, value]) => [key.toLowerCase(), value]));
    lowerCasedTags.set(tags, map);
  }
  return { ...context, resourceTags: map };
}

/**
 * The quota of aliases per KMS key: "The kms:ResourceAliases condition is effective only when the
 * KMS key conforms to this quota. If a KMS key exceeds this quota, principals who are authorized to
 * use the KMS key by the kms:ResourceAliases condition are denied access to the KMS key."
 * https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html#aliases-per-key
 */
export const ALIASES_PER_KEY = 50;

/**
 * The context with the KMS key's aliases known, every one of them: `kms:ResourceAliases`, "a
 * multivalued condition key that compares the set of aliases associated with a KMS key to the set
 * of aliases in the policy" (ForAnyValue fails and ForAllValues holds for a key with no alias).
 * A key past the quota of aliases per key stays unknown: AWS says what an Allow on the key does
 * then, not what its Deny does.
 * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases
 */
export function withResourceAliases(context: RequestContext, aliases: readonly string[]): RequestContext {
  if (aliases.length > ALIASES_PER_KEY) return context;
  return { ...context, resourceAliases: aliases };
}

/**
 * The context as a key policy reads it: the key's tags and aliases not known. KMS supports
 * `aws:ResourceTag/*` and `kms:ResourceAliases` in IAM policies only, so they are then unknown
 * unless said absent.
 */
export function withoutKeyAttributes(context: RequestContext): RequestContext {
  if (context.resourceTags === undefined && context.resourceAliases === undefined) return context;
  const { resourceTags: _tags, resourceAliases: _aliases, ...rest } = context;
  return rest;
}

const RESOURCE_TAG = 'aws:resourcetag/';
const RESOURCE_ALIASES = 'kms:resourcealiases';
const PRINCIPAL_ORG_ID = 'aws:principalorgid';
const PRINCIPAL_ORG_PATHS = 'aws:principalorgpaths';

const withOrganization = new WeakMap<RequestContext, Map<string, RequestContext>>();

/**
 * The context with the caller's organization known: an id (Organizations DescribeOrganization, or
 * the config's organizationId), or `null` for an account in no organization, where both
 * aws:PrincipalOrgID and aws:PrincipalOrgPaths are absent. `undefined` leaves them unknown.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
 */
export function withPrincipalOrganization(
  context: RequestContext,
  organizationId: string | null | undefined,
): RequestContext {
  if (organizationId === undefined) return context;
  let byOrganization = withOrganization.get(context);
  if (!byOrganization) {
    byOrganization = new Map();
    withOrganization.set(context, byOrganization);
  }
  const cacheKey = organizationId ?? '';
  let result = byOrganization.get(cacheKey);
  if (!result) {
    if (organizationId === null) {
      result = { ...context, absent: [...context.absent, PRINCIPAL_ORG_ID, PRINCIPAL_ORG_PATHS] };
    } else {
      const values = new Map(context.values);
      values.set(PRINCIPAL_ORG_ID, [organizationId]);
      result = { ...context, values, principalOrgId: organizationId };
    }
    byOrganization.set(cacheKey, result);
  }
  return result;
}

export function requestContext(
  values: Record<string, ContextValue>,
  absent: readonly string[] = [],
  bounded: Record<string, BoundedValues> = {},
): RequestContext {
  const map = new Map<string, readonly string[]>();
  for (const [key, value] of Object.entries(values)) {
    map.set(key.toLowerCase(), (Array.isArray(value) ? value : [value]).map(String));
  }
  const bounds = new Map<string, BoundedValues>();
  for (const [key, value] of Object.entries(bounded)) {
    bounds.set(key.toLowerCase(), {
      certain: value.certain,
      possible: [...new Set([...value.certain, ...value.possible])],
    });
  }
  return { values: map, absent: absent.map((key) => key.toLowerCase()), bounded: bounds };
}

/** The request's values for a key, each marked with whether the request surely carries it. */
interface Member {
  value: string;
  certain: boolean;
}

type KeyState = { state: 'present'; members: readonly Member[] } | { state: 'absent' } | { state: 'unknown' };

/**
 * The key states of a context's known values, built once per values list or bounds (contexts are
 * shared by many evaluations) rather than once per condition evaluated.
 */
const presentStates = new WeakMap<object, KeyState>();

function presentState(source: readonly string[] | BoundedValues): KeyState {
  let state = presentStates.get(source);
  if (!state) {
    if (isBounded(source)) {
      const certain = new Set(source.certain);
      state = {
        state: 'present',
        members: source.possible.map((value) => ({ value, certain: certain.has(value) })),
      };
    } else state = { state: 'present', members: source.map((value) => ({ value, certain: true })) };
    presentStates.set(source, state);
  }
  return state;
}

const isBounded = (source: readonly string[] | BoundedValues): source is BoundedValues =>
  !Array.isArray(source);

const ABSENT: KeyState = { state: 'absent' };
const UNKNOWN: KeyState = { state: 'unknown' };

function lookup(context: RequestContext, key: string): KeyState {
  const lower = key.toLowerCase();
  const values = context.values.get(lower);
  if (values) return presentState(values);
  const bounds = context.bounded?.get(lower);
  if (bounds) return presentState(bounds);
  if (context.resourceTags && lower.startsWith(RESOURCE_TAG)) {
    const tag = context.resourceTags.get(lower.slice(RESOURCE_TAG.length));
    return tag === undefined ? ABSENT : { state: 'present', members: [{ value: tag, certain: true }] };
  }
  if (context.resourceAliases && lower === RESOURCE_ALIASES)
    return context.resourceAliases.length === 0 ? ABSENT : presentState(context.resourceAliases);
  for (const absent of context.absent) {
    if (absent === lower || (absent.endsWith('*') && lower.startsWith(absent.slice(0, -1)))) return ABSENT;
  }
  return UNKNOWN;
}

interface Operator {
  negated: boolean;
  /** Whether policy variables are substituted in its values (string, ARN and Bool operators). */
  variables: boolean;
  /** Does one request value match one condition value? `maybe` for values we cannot compare. */
  compare: (requestValue: string, conditionValue: string) => Tri;
}

const bool = (ok: boolean): Tri => (ok ? 'yes' : 'no');
// An IAM policy variable (`${aws:username}`, `${*}`). IaC placeholders for the deploying account,
// region and partition (`${AWS::Region}`) are not variables: both sides of a comparison carry them.
// Scanned by hand, in one pass: a regular expression for it backtracks on `${${${...` without a `}`.
export function hasPolicyVariable(value: string): boolean {
  let close = -1;
  for (let open = value.indexOf('${'); open >= 0; open = value.indexOf('${', open + 2)) {
    if (close < open) close = value.indexOf('}', open + 2);
    if (close < 0) return false;
    if (!IAC_PLACEHOLDER_HEAD.test(value.slice(open + 2, Math.min(close, open + 66)))) return true;
  }
  return false;
}
const IAC_PLACEHOLDER_HEAD = /^[A-Za-z]+::/;

/**
 * A text with its policy variables substituted from the request context: `text` (a literal `*` or
 * `?` from `${*}`, `${?}` or from a substituted value stays literal, see glob.ts), `unknown` when a
 * variable names a key whose value is not known, `invalid` when it names a key the request does not
 * carry and gives no default (or a multivalued key): "any attempt to match it fails".
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
export type Substituted =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'unknown'; readonly keys: readonly string[] }
  | { readonly kind: 'invalid' };

/** A value's characters as a pattern's literal ones: a substituted value is never a wildcard. */
const literally = (value: string): string =>
  value.replaceAll('*', LITERAL_STAR).replaceAll('?', LITERAL_QUESTION);

/** `'default'` after the comma of `${key, 'default'}`. */
const DEFAULT_VALUE = /^'([^']*)'$/;

/**
 * Substitutes the policy variables of `value` that start at or after `from` (a Resource takes them
 * only in its resource part, after the fifth colon); one pass over the text, so hostile text such
 * as `${${${...` costs its length.
 */
export function substituteVariables(value: string, context: RequestContext, from = 0): Substituted {
  if (!value.includes('${')) return { kind: 'text', text: value };
  let text = '';
  const unknown: string[] = [];
  let at = 0;
  let close = -1;
  for (let open = value.indexOf('${', from); open >= 0; open = value.indexOf('${', at)) {
    if (close < open) close = value.indexOf('}', open + 2);
    if (close < 0) break;
    const inner = value.slice(open + 2, close);
    text += value.slice(at, open);
    at = close + 1;
    if (inner === '*') text += LITERAL_STAR;
    else if (inner === '?') text += LITERAL_QUESTION;
    else if (inner === '$') text += '$';
    else if (IAC_PLACEHOLDER_HEAD.test(inner)) text += value.slice(open, at);
    else {
      const comma = inner.indexOf(',');
      const name = (comma < 0 ? inner : inner.slice(0, comma)).trim();
      const fallback = comma < 0 ? undefined : DEFAULT_VALUE.exec(inner.slice(comma + 1).trim())?.[1];
      const state = lookup(context, name);
      if (state.state === 'unknown' || (state.state === 'present' && state.members.some((m) => !m.certain))) {
        unknown.push(name);
        continue;
      }
      if (state.state === 'present' && state.members.length === 1) text += literally(state.members[0]!.value);
      else if (state.state === 'present' && state.members.length > 1) return { kind: 'invalid' };
      else if (fallback !== undefined) text += literally(fallback);
      else return { kind: 'invalid' };
    }
  }
  if (unknown.length > 0) return { kind: 'unknown', keys: unknown };
  return { kind: 'text', text: text + value.slice(at) };
}

/**
 * IaC writes what it cannot know before deployment as `${AWS::Region}`, `${AWS::AccountId}`,
 * `${AWS::Partition}`; a request value that carries one (the ViaService of a template's cluster)
 * may equal a literal condition value once deployed.
 */
const PLACEHOLDER = /\$\{AWS::[A-Za-z]+\}/;

/** A comparison that, failing, may still hold once the request value's IaC placeholders are deployed. */
const placeholders =
  (compare: (a: string, b: string) => Tri) =>
  (a: string, b: string): Tri => {
    const result = compare(a, b);
    if (result !== 'no') return result;
    return PLACEHOLDER.test(a) && couldEqual(a, literalText(b)) ? 'maybe' : 'no';
  };

/** Operators that take no policy variable: a value that holds one cannot be judged. */
const noVariables =
  (compare: (a: string, b: string) => Tri) =>
  (a: string, b: string): Tri =>
    hasPolicyVariable(b) ? 'maybe' : compare(a, b);

/**
 * Whether a request value with placeholders could equal a condition value (which may hold
 * wildcards): their literal heads and tails must agree, as far as the shorter one reaches.
 */
function couldEqual(requestValue: string, conditionValue: string): boolean {
  const split = (value: string, cut: RegExp) => {
    const parts = value.toLowerCase().split(cut);
    return { head: parts[0] ?? '', tail: parts.length > 1 ? (parts[parts.length - 1] ?? '') : undefined };
  };
  const a = split(requestValue, /\$\{aws::[a-z]+\}/);
  const b = split(conditionValue, /[*?]/);
  const agree = (x: string, y: string, at: 'start' | 'end') =>
    at === 'start' ? x.startsWith(y) || y.startsWith(x) : x.endsWith(y) || y.endsWith(x);
  const bTail = b.tail ?? conditionValue.toLowerCase();
  return agree(b.tail === undefined ? bTail : b.head, a.head, 'start') && agree(bTail, a.tail ?? '', 'end');
}
const equal = (a: string, b: string): Tri => bool(a === literalText(b));
const equalIgnoringCase = (a: string, b: string): Tri =>
  bool(a.toLowerCase() === literalText(b).toLowerCase());
const like = (a: string, b: string): Tri => bool(globMatch(b, a));
/**
 * `ArnLike` and `ArnEquals` (which IAM applies alike): part by part, a `*` never crossing the colon
 * between two parts. A pattern that is not a six-part ARN cannot be judged.
 */
const arnCompare = (a: string, b: string): Tri => {
  const matched = arnMatch(b, a);
  return matched === undefined ? 'maybe' : bool(matched);
};

/** An integer or a decimal, as the numeric operators take them; anything else is no number. */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const parseNumber = (value: string): number | undefined => (NUMBER.test(value) ? Number(value) : undefined);
const numeric =
  (op: (a: number, b: number) => boolean) =>
  (a: string, b: string): Tri => {
    const x = parseNumber(a);
    const y = parseNumber(b);
    return x === undefined || y === undefined ? 'no' : bool(op(x, y));
  };

/**
 * A date as the date operators take it: a W3C profile of ISO 8601 (`2026`, `2026-11`, `2026-11-27`,
 * `2026-11-27T12:00Z`, `2026-11-27T12:00:00.5+01:00`; a time without a zone is UTC) or epoch
 * seconds. `ambiguous` for a run of more than ten digits (epoch seconds past the year 2286, or
 * milliseconds); undefined for anything else.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
 */
const W3C_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?([Zz]|[+-]\d{2}:\d{2})?)?)?)?$/;
export function parseDate(value: string): number | 'ambiguous' | undefined {
  const w3c = W3C_DATE.exec(value);
  if (w3c) {
    const [, year, month = '1', day = '1', hour = '0', minute = '0', second = '0', fraction = '0', zone] =
      w3c as unknown as string[];
    const fields = [Number(month), Number(day), Number(hour), Number(minute), Number(second)];
    const [mo, d, h, mi, se] = fields as [number, number, number, number, number];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return undefined;
    let time = Date.UTC(Number(year), mo - 1, d, h, mi, se) + Math.round(Number(`0.${fraction}`) * 1000);
    if (zone && zone.toUpperCase() !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      time -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
    }
    return time;
  }
  if (/^\d+$/.test(value)) return value.length > 10 ? 'ambiguous' : Number(value) * 1000;
  return undefined;
}
const date =
  (op: (a: number, b: number) => boolean) =>
  (a: string, b: string): Tri => {
    const x = parseDate(a);
    const y = parseDate(b);
    if (x === undefined || y === undefined) return 'no';
    if (x === 'ambiguous' || y === 'ambiguous') return 'maybe';
    return bool(op(x, y));
  };

/** An address in a CIDR range (a bare address is /32, or /128); a request value that is no address cannot be judged. */
const ipCompare = (a: string, b: string): Tri => {
  const matched = matchesCidr(a, b);
  return matched === undefined ? 'maybe' : bool(matched);
};

const string = (compare: (a: string, b: string) => Tri) => placeholders(compare);
const OPERATORS: Record<string, Operator> = {
  stringequals: { negated: false, variables: true, compare: string(equal) },
  stringnotequals: { negated: true, variables: true, compare: string(equal) },
  stringequalsignorecase: { negated: false, variables: true, compare: string(equalIgnoringCase) },
  stringnotequalsignorecase: { negated: true, variables: true, compare: string(equalIgnoringCase) },
  stringlike: { negated: false, variables: true, compare: string(like) },
  stringnotlike: { negated: true, variables: true, compare: string(like) },
  arnequals: { negated: false, variables: true, compare: string(arnCompare) },
  arnlike: { negated: false, variables: true, compare: string(arnCompare) },
  arnnotequals: { negated: true, variables: true, compare: string(arnCompare) },
  arnnotlike: { negated: true, variables: true, compare: string(arnCompare) },
  numericequals: { negated: false, variables: false, compare: noVariables(numeric((a, b) => a === b)) },
  numericnotequals: { negated: true, variables: false, compare: noVariables(numeric((a, b) => a === b)) },
  numericlessthan: { negated: false, variables: false, compare: noVariables(numeric((a, b) => a < b)) },
  numericlessthanequals: {
    negated: false,
    variables: false,
    compare: noVariables(numeric((a, b) => a <= b)),
  },
  numericgreaterthan: { negated: false, variables: false, compare: noVariables(numeric((a, b) => a > b)) },
  numericgreaterthanequals: {
    negated: false,
    variables: false,
    compare: noVariables(numeric((a, b) => a >= b)),
  },
  dateequals: { negated: false, variables: false, compare: noVariables(date((a, b) => a === b)) },
  datenotequals: { negated: true, variables: false, compare: noVariables(date((a, b) => a === b)) },
  datelessthan: { negated: false, variables: false, compare: noVariables(date((a, b) => a < b)) },
  datelessthanequals: { negated: false, variables: false, compare: noVariables(date((a, b) => a <= b)) },
  dategreaterthan: { negated: false, variables: false, compare: noVariables(date((a, b) => a > b)) },
  dategreaterthanequals: { negated: false, variables: false, compare: noVariables(date((a, b) => a >= b)) },
  bool: { negated: false, variables: true, compare: string(equalIgnoringCase) },
  binaryequals: { negated: false, variables: false, compare: noVariables(equal) },
  ipaddress: { negated: false, variables: false, compare: noVariables(ipCompare) },
  notipaddress: { negated: true, variables: false, compare: noVariables(ipCompare) },
};

export interface ParsedOperator {
  name: string;
  base: string;
  set: 'ForAllValues' | 'ForAnyValue' | null;
  ifExists: boolean;
  negated: boolean;
  known: boolean;
}

const parsedOperators = new Map<string, ParsedOperator>();

export function parseOperator(name: string): ParsedOperator {
  let parsed = parsedOperators.get(name);
  if (!parsed) {
    parsed = parseOperatorName(name);
    if (parsedOperators.size > 1_000) parsedOperators.clear();
    parsedOperators.set(name, parsed);
  }
  return parsed;
}

function parseOperatorName(name: string): ParsedOperator {
  let rest = name;
  let set: ParsedOperator['set'] = null;
  if (/^forallvalues:/i.test(rest)) {
    set = 'ForAllValues';
    rest = rest.slice('ForAllValues:'.length);
  } else if (/^foranyvalue:/i.test(rest)) {
    set = 'ForAnyValue';
    rest = rest.slice('ForAnyValue:'.length);
  }
  const ifExists = /ifexists$/i.test(rest);
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  const base = rest.toLowerCase();
  const op = OPERATORS[base];
  return {
    name,
    base,
    set,
    ifExists,
    negated: op?.negated ?? false,
    // "You can add IfExists to the end of any condition operator name except the Null condition."
    known: base === 'null' ? !ifExists : op !== undefined,
  };
}

/**
 * A condition's values as a policy may write them: a string, number or boolean, or a non-empty list
 * of them. Undefined for anything else (an object, null, a nested list): no AWS policy holds one, and
 * what it would mean cannot be told.
 */
function conditionValues(value: unknown): string[] | undefined {
  const items: readonly unknown[] = Array.isArray(value) ? value : [value];
  if (items.length === 0) return undefined;
  const values: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') return undefined;
    values.push(String(item));
  }
  return values;
}

/** How the evaluation reads a policy: whether `${...}` are policy variables (they are from Version 2012-10-17 on). */
export interface ConditionOptions {
  readonly variables?: boolean;
}

/** A condition's values once its policy variables are substituted. */
interface Patterns {
  readonly values: readonly string[];
  /** Some value names a variable whose value is not known: it may match. */
  readonly undetermined: boolean;
  /** Some value names a variable the request does not carry: the statement is invalid. */
  readonly invalid: boolean;
}

function patternsOf(
  op: Operator,
  values: readonly string[],
  context: RequestContext,
  options: ConditionOptions | undefined,
): Patterns {
  if (!op.variables || options?.variables === false) return { values, undetermined: false, invalid: false };
  const resolved: string[] = [];
  let undetermined = false;
  let invalid = false;
  for (const value of values) {
    const substituted = substituteVariables(value, context);
    if (substituted.kind === 'text') resolved.push(substituted.text);
    else if (substituted.kind === 'unknown') undetermined = true;
    else invalid = true;
  }
  return { values: resolved, undetermined, invalid };
}

/** Does one request value match any of the condition values (before negation)? */
function matchesAnyValue(op: Operator, requestValue: string, patterns: Patterns): Tri {
  let result: Tri = patterns.undetermined ? 'maybe' : 'no';
  for (const value of patterns.values) result = triOr(result, op.compare(requestValue, value));
  return result;
}

/** Every request value satisfies: `no` only when a value the request surely carries fails. */
function forAll(members: readonly Member[], test: (value: string) => Tri): Tri {
  let result: Tri = 'yes';
  for (const member of members) {
    const outcome = test(member.value);
    if (outcome === 'no' && member.certain) return 'no';
    if (outcome !== 'yes') result = 'maybe';
  }
  return result;
}

/** Some request value satisfies: `yes` only when a value the request surely carries does. */
function forAny(members: readonly Member[], test: (value: string) => Tri): Tri {
  let result: Tri = 'no';
  for (const member of members) {
    const outcome = test(member.value);
    if (outcome === 'yes' && member.certain) return 'yes';
    if (outcome !== 'no') result = 'maybe';
  }
  return result;
}

const merge = (a: Tri, b: Tri): Tri => (a === b ? a : 'maybe');

/** One operator applied to one key. */
export function evaluateConditionKey(
  operator: string,
  key: string,
  value: unknown,
  context: RequestContext,
  options?: ConditionOptions,
): Tri {
  const values = conditionValues(value);
  return values ? evaluateConditionValues(operator, key, values, context, options) : 'maybe';
}

/** `evaluateConditionKey` with the condition's values already a list of strings (as `conditionKeys` gives them). */
function evaluateConditionValues(
  operator: string,
  key: string,
  values: readonly string[],
  context: RequestContext,
  options: ConditionOptions | undefined,
): Tri {
  const parsed = parseOperator(operator);
  if (!parsed.known) return 'maybe';
  if (
    context.principalOrgId &&
    key.toLowerCase() === PRINCIPAL_ORG_PATHS &&
    !context.values.has(PRINCIPAL_ORG_PATHS)
  )
    return organizationPathTest(parsed, values, context.principalOrgId);
  const state = lookup(context, key);
  if (state.state === 'unknown') return 'maybe';
  const members = state.state === 'present' ? state.members : [];
  const surelyPresent = members.some((member) => member.certain);
  if (parsed.base === 'null') {
    // {"Null": {"k": "true"}} holds when k is absent; "false" when present; any other value never.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
    const test = (present: boolean): Tri => {
      let result: Tri = 'no';
      for (const v of values) {
        const written = v.toLowerCase();
        if (written === 'true' || written === 'false')
          result = triOr(result, bool((written === 'true') === !present));
      }
      return result;
    };
    return surelyPresent ? test(true) : members.length === 0 ? test(false) : merge(test(true), test(false));
  }
  const op = OPERATORS[parsed.base];
  if (!op) return 'maybe';
  // A missing or empty key: ForAllValues holds, ForAnyValue fails, IfExists holds, a negated operator holds.
  const whenAbsent: Tri =
    parsed.set === 'ForAllValues'
      ? 'yes'
      : parsed.set === 'ForAnyValue'
        ? 'no'
        : bool(parsed.ifExists || op.negated);
  if (members.length === 0) return whenAbsent;
  const patterns = patternsOf(op, values, context, options);
  let result: Tri;
  if (patterns.invalid && op.negated) {
    // A variable the request does not carry makes the statement invalid: it does not apply.
    result = 'no';
  } else {
    const hit = (requestValue: string) => matchesAnyValue(op, requestValue, patterns);
    const satisfies = (requestValue: string) => (op.negated ? triNot(hit(requestValue)) : hit(requestValue));
    if (parsed.set === 'ForAllValues') result = forAll(members, satisfies);
    else if (parsed.set === 'ForAnyValue') result = forAny(members, satisfies);
    else if (!op.negated) result = forAny(members, hit);
    else {
      // A negated operator on a multivalued key without a set operator reads two ways (some value
      // differs; no value matches); IAM asks for a set operator there, so where they differ it is unknown.
      result = merge(forAny(members, satisfies), triNot(forAny(members, hit)));
    }
  }
  return surelyPresent ? result : merge(result, whenAbsent);
}

/**
 * A test of aws:PrincipalOrgPaths when only the organization is known: the caller carries one path,
 * `<org id>/r-.../ou-.../`, whose part after the organization is unknown. A value for another
 * organization cannot match it; `<org id>/*` (or `*`) matches it whatever the OUs; anything else
 * under the organization may or may not.
 */
function organizationPathTest(
  parsed: ParsedOperator,
  values: readonly string[],
  organizationId: string,
): Tri {
  const op = OPERATORS[parsed.base];
  if (!op || !/^string/.test(parsed.base)) return 'maybe';
  const ignoreCase = parsed.base.includes('ignorecase');
  const like = parsed.base.includes('like');
  const head = `${organizationId}/`;
  const hitOne = (value: string): Tri => {
    if (hasPolicyVariable(value)) return 'maybe';
    const pattern = ignoreCase ? value.toLowerCase() : value;
    if (!like) return pattern.startsWith(head) ? 'maybe' : 'no';
    // `P*` matches every path under the organization when P matches a prefix of `<org id>/`.
    if (pattern.endsWith('*')) {
      const prefix = pattern.slice(0, -1);
      for (let length = 0; length <= head.length; length++)
        if (globMatch(prefix, head.slice(0, length))) return 'yes';
    }
    const wildcard = pattern.search(/[*?]/);
    const literal = wildcard < 0 ? pattern : pattern.slice(0, wildcard);
    return literal.startsWith(head) || head.startsWith(literal) ? 'maybe' : 'no';
  };
  let hit: Tri = 'no';
  for (const value of values) hit = triOr(hit, hitOne(value));
  // One value, surely present: ForAnyValue, ForAllValues and a plain operator agree.
  return op.negated ? triNot(hit) : hit;
}

/** A whole `Condition` block: every operator and every key must hold. */
export function evaluateConditions(
  condition: Record<string, Record<string, unknown>> | undefined,
  context: RequestContext,
  options?: ConditionOptions,
): Tri {
  if (condition === undefined) return 'yes';
  let result: Tri = 'yes';
  for (const entry of conditionKeys(condition)) {
    const outcome = entry.malformed
      ? 'maybe'
      : evaluateConditionValues(entry.operator, entry.key, entry.values, context, options);
    result = triAnd(result, outcome);
    if (result === 'no') return 'no';
  }
  return result;
}

const flattened = new WeakMap<object, readonly ConditionEntry[]>();

export interface ConditionEntry {
  operator: string;
  key: string;
  values: string[];
  /** The entry is not one a policy can hold (keys that are not an object, a value that is an object...): undetermined. */
  malformed?: true;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const MALFORMED_BLOCK: readonly ConditionEntry[] = Object.freeze([
  Object.freeze({ operator: '', key: '', values: [], malformed: true as const }),
]);

/** Condition keys a block uses, with their operators, for diagnosis and messages. */
export function conditionKeys(
  condition: Record<string, Record<string, unknown>> | undefined,
): readonly ConditionEntry[] {
  if (condition === undefined) return [];
  if (!isRecord(condition)) return MALFORMED_BLOCK;
  let entries = flattened.get(condition);
  if (!entries) {
    const found: ConditionEntry[] = [];
    for (const [operator, keys] of Object.entries(condition)) {
      if (!isRecord(keys)) {
        found.push({ operator, key: '', values: [], malformed: true });
        continue;
      }
      for (const [key, value] of Object.entries(keys)) {
        const values = conditionValues(value);
        found.push(values ? { operator, key, values } : { operator, key, values: [], malformed: true });
      }
    }
    entries = found;
    flattened.set(condition, entries);
  }
  return entries;
}
