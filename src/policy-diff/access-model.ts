/**
 * A key policy's meaning, independent of how it is written: for each principal and each KMS
 * action, the conditions under which an Allow (and a Deny) applies, in disjunctive normal form.
 *
 * Two policies that differ only in statement order, Sid, Action as a string or a list, Principal
 * as a string or `{AWS: [...]}`, an account id or its root ARN, one statement split in two, a
 * wildcard action or its expansion, or condition values listed in another order, give the same
 * model. Conditions are compared as written (operator, key case-insensitively, values), so two
 * different conditions that happen to be equivalent read as a change: the diff errs towards
 * showing a reviewer something, never towards hiding it.
 */
import type { PolicyDocument, PolicyStatement } from '../model/inventory.js';
import { pushAll } from '../model/many.js';
import { ALL_KEY_ACTIONS, coveredActions, toList } from '../policy/actions.js';
import { conditionKeys, parseOperator } from '../policy/conditions.js';
import { statementsOf } from '../policy/evaluate.js';
import { hasWildcard } from '../policy/glob.js';
import { describePrincipal, principalsOf } from '../policy/principal.js';

/** One condition test in canonical text, e.g. `StringEquals kms:viaservice "sagemaker.us-east-1.amazonaws.com"`. */
export type Atom = string;
/** Conditions that must all hold (sorted, unique). `[]`: unconditionally. */
export type Conjunction = readonly Atom[];
/** Alternatives, any of which suffices (no alternative implies another). `[]`: never. */
export type Dnf = readonly Conjunction[];

export interface ActionAccess {
  allow: Dnf;
  deny: Dnf;
}

/** principal -> action -> access. Principals are canonical (`describePrincipal`); `*` is anyone. */
export type AccessModel = ReadonlyMap<string, ReadonlyMap<string, ActionAccess>>;

/** Beyond this many alternatives a statement's conditions stay unexpanded (bounded work on hostile input). */
const MAX_ALTERNATIVES = 256;

const quote = (value: string) => JSON.stringify(value);

/** The alternatives one condition entry stands for: a positive single-valued test ORs its values. */
function entryAlternatives(operator: string, key: string, values: readonly string[]): Conjunction[] {
  const op = parseOperator(operator);
  const name = op.known ? canonicalOperator(operator) : operator;
  const lowerKey = key.toLowerCase();
  const norm = (value: string) => (/ignorecase/i.test(op.base) ? value.toLowerCase() : value);
  const distinct = [...new Set(values.map(norm))].sort();
  if (op.set !== null || !op.known || op.base === 'null') {
    return [[`${name} ${lowerKey} [${distinct.map(quote).join(', ')}]`]];
  }
  const atom = (value: string) => `${name} ${lowerKey} ${quote(value)}`;
  // A negated operator holds when the key matches none of the values: an AND of single tests.
  if (op.negated) return [distinct.map(atom).sort()];
  return distinct.map((value) => [atom(value)]);
}

/** The operator as IAM spells it, whatever case the policy used (`stringequals` -> `StringEquals`). */
function canonicalOperator(operator: string): string {
  const op = parseOperator(operator);
  const base = OPERATOR_NAMES[op.base] ?? op.base;
  return `${op.set ? `${op.set}:` : ''}${base}${op.ifExists ? 'IfExists' : ''}`;
}

const OPERATOR_NAMES: Record<string, string> = Object.fromEntries(
  [
    'StringEquals',
    'StringNotEquals',
    'StringEqualsIgnoreCase',
    'StringNotEqualsIgnoreCase',
    'StringLike',
    'StringNotLike',
    'NumericEquals',
    'NumericNotEquals',
    'NumericLessThan',
    'NumericLessThanEquals',
    'NumericGreaterThan',
    'NumericGreaterThanEquals',
    'DateEquals',
    'DateNotEquals',
    'DateLessThan',
    'DateLessThanEquals',
    'DateGreaterThan',
    'DateGreaterThanEquals',
    'Bool',
    'BinaryEquals',
    'IpAddress',
    'NotIpAddress',
    'ArnEquals',
    'ArnLike',
    'ArnNotEquals',
    'ArnNotLike',
    'Null',
  ].map((name) => [name.toLowerCase(), name]),
);

const sortedUnique = (atoms: readonly Atom[]): Conjunction => [...new Set(atoms)].sort();

/** The statement's conditions (and a Resource narrower than `*`) as alternatives. */
export function statementDnf(statement: PolicyStatement): Dnf {
  const resourceAtoms: Atom[] = [];
  if (statement.NotResource !== undefined)
    resourceAtoms.push(`NotResource [${[...toList(statement.NotResource)].sort().map(quote).join(', ')}]`);
  else if (statement.Resource !== undefined && !toList(statement.Resource).includes('*'))
    resourceAtoms.push(`Resource [${[...toList(statement.Resource)].sort().map(quote).join(', ')}]`);
  let product: Conjunction[] = [resourceAtoms];
  const entries = conditionKeys(statement.Condition);
  const expanded = entries.map(({ operator, key, values }) => entryAlternatives(operator, key, values));
  const size = expanded.reduce((n, alternatives) => n * alternatives.length, 1);
  if (size > MAX_ALTERNATIVES) {
    // Too many to expand: each entry stays one test with all its values.
    const atoms = entries.map(({ operator, key, values }) => {
      const name = parseOperator(operator).known ? canonicalOperator(operator) : operator;
      return `${name} ${key.toLowerCase()} any of [${[...new Set(values)].sort().map(quote).join(', ')}]`;
    });
    return [sortedUnique([...resourceAtoms, ...atoms])];
  }
  for (const alternatives of expanded) {
    product = product.flatMap((conjunction) =>
      alternatives.map((alternative) => sortedUnique([...conjunction, ...alternative])),
    );
  }
  return absorb(product);
}

const isSubset = (small: Conjunction, big: Conjunction): boolean => small.every((atom) => big.includes(atom));

/** Drops duplicates and alternatives implied by a weaker one (`A or (A and B)` is `A`); sorted. */
export function absorb(alternatives: readonly Conjunction[]): Dnf {
  const unique = new Map<string, Conjunction>();
  for (const conjunction of alternatives) unique.set(conjunction.join('\u0000'), conjunction);
  const list = [...unique.values()].sort((a, b) => a.length - b.length);
  const kept: Conjunction[] = [];
  for (const conjunction of list) {
    if (!kept.some((weaker) => isSubset(weaker, conjunction))) kept.push(conjunction);
  }
  return kept.sort((a, b) => a.join('\u0000').localeCompare(b.join('\u0000')));
}

/** The alternatives of `dnf` that no alternative of `other` implies: conditions `dnf` accepts and `other` may not. */
export function notImpliedBy(dnf: Dnf, other: Dnf): Conjunction[] {
  return dnf.filter((conjunction) => !other.some((weaker) => isSubset(weaker, conjunction)));
}

/** Who a statement names: canonical principals, or for NotPrincipal, "everyone except ...". */
function statementPrincipals(statement: PolicyStatement): string[] {
  if (statement.NotPrincipal !== undefined) {
    const named = [...new Set(principalsOf(statement.NotPrincipal).map(describePrincipal))].sort();
    return [`* except ${named.join(', ')}`];
  }
  return [...new Set(principalsOf(statement.Principal).map(describePrincipal))];
}

/**
 * The actions the model distinguishes: the KMS catalog, plus any other action a policy names
 * literally (kms:CreateKey, ...), so that granting it shows too.
 */
export function actionCatalog(policies: readonly PolicyDocument[]): string[] {
  const known = new Set(ALL_KEY_ACTIONS.map((action) => action.toLowerCase()));
  const extra = new Map<string, string>();
  for (const policy of policies) {
    for (const statement of statementsOf(policy)) {
      for (const action of [...toList(statement.Action), ...toList(statement.NotAction)]) {
        const lower = action.toLowerCase();
        if (hasWildcard(action) || known.has(lower) || extra.has(lower)) continue;
        extra.set(lower, action);
      }
    }
  }
  return [...ALL_KEY_ACTIONS, ...[...extra.values()].sort()];
}

export function accessModel(policy: PolicyDocument, catalog: readonly string[]): AccessModel {
  const raw = new Map<string, Map<string, { allow: Conjunction[]; deny: Conjunction[] }>>();
  for (const statement of statementsOf(policy)) {
    // A key policy statement without Resource has no effect (KMS PutKeyPolicy).
    // https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
    if (statement.Resource === undefined && statement.NotResource === undefined) continue;
    const actions = coveredActions(statement, catalog);
    if (actions.length === 0) continue;
    const dnf = statementDnf(statement);
    const side = statement.Effect === 'Deny' ? 'deny' : 'allow';
    for (const principal of statementPrincipals(statement)) {
      let byAction = raw.get(principal);
      if (!byAction) {
        byAction = new Map();
        raw.set(principal, byAction);
      }
      for (const action of actions) {
        let access = byAction.get(action);
        if (!access) {
          access = { allow: [], deny: [] };
          byAction.set(action, access);
        }
        pushAll(access[side], dnf);
      }
    }
  }
  const model = new Map<string, Map<string, ActionAccess>>();
  for (const [principal, byAction] of raw) {
    const normalized = new Map<string, ActionAccess>();
    for (const [action, access] of byAction)
      normalized.set(action, { allow: absorb(access.allow), deny: absorb(access.deny) });
    model.set(principal, normalized);
  }
  return model;
}
