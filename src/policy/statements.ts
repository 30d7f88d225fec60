/**
 * What every analysis reads of a policy statement before its principals, actions and conditions:
 * whether it is a statement at all, and whether its Resource covers the resource asked about.
 */
import type { PolicyDocument, PolicyStatement } from '../model/inventory.js';
import { toList } from './actions.js';
import { type RequestContext, substituteVariables, type Tri, triNot, triOr } from './conditions.js';
import { resourceMatch } from './glob.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A document's statements as written: a single statement or a list. A document that is not an
 * object, or has no Statement, gives one entry that is no statement (see `statementProblem`), so
 * that what cannot be read is never read as "nothing is allowed".
 */
export function statementsOf(doc: PolicyDocument): PolicyStatement[] {
  const statement: unknown = isRecord(doc) ? doc.Statement : undefined;
  return (Array.isArray(statement) ? statement : [statement]) as PolicyStatement[];
}

/**
 * Whether `${...}` in a document are policy variables: only from Version 2012-10-17 on; "If you
 * don't include the Version element ..., variables like ${aws:username} are treated as literal
 * strings in the policy."
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
export const hasVariables = (doc: PolicyDocument): boolean => isRecord(doc) && doc.Version === '2012-10-17';

/**
 * How a statement given without its document is read: as `options` say, or, when they do not say
 * whether `${...}` are variables, as the Version of the document it was kept from says
 * (`documentVersion`, see withDocumentVersion in identity-policies.ts).
 */
export function readingOf<T extends ResourceOptions>(statement: PolicyStatement, options: T): T {
  if (options.variables !== undefined || statement.documentVersion === undefined) return options;
  return { ...options, variables: statement.documentVersion === '2012-10-17' };
}

const isText = (value: unknown): boolean => typeof value === 'string';
const isTextOrList = (value: unknown): boolean =>
  typeof value === 'string' || (Array.isArray(value) && value.every(isText));
const isPrincipal = (value: unknown): boolean =>
  value === '*' || (isRecord(value) && Object.values(value).every(isTextOrList));
const isConditionValue = (value: unknown): boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
const isCondition = (value: unknown): boolean =>
  isRecord(value) &&
  Object.values(value).every(
    (keys) =>
      isRecord(keys) &&
      Object.values(keys).every(
        (v) => isConditionValue(v) || (Array.isArray(v) && v.length > 0 && v.every(isConditionValue)),
      ),
  );

const problems = new WeakMap<object, string | null>();

/**
 * Why a statement is not one the IAM policy grammar allows (and AWS would refuse), or undefined
 * when it is one: its Effect is `Allow` or `Deny` exactly, its elements have the shapes the grammar
 * gives them, and it does not hold an element and its negation. Statements come from tenants: such
 * a statement makes an analysis undetermined, never a guess, a throw or a hang.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
export function statementProblem(statement: unknown): string | undefined {
  if (!isRecord(statement)) return 'it is not an object';
  let problem = problems.get(statement);
  if (problem === undefined) {
    problem = findProblem(statement) ?? null;
    problems.set(statement, problem);
  }
  return problem ?? undefined;
}

function findProblem(statement: Record<string, unknown>): string | undefined {
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')
    return 'its Effect is not "Allow" or "Deny"';
  for (const [element, negation] of [
    ['Action', 'NotAction'],
    ['Resource', 'NotResource'],
  ] as const) {
    if (statement[element] !== undefined && statement[negation] !== undefined)
      return `it has both ${element} and ${negation}`;
    for (const name of [element, negation])
      if (statement[name] !== undefined && !isTextOrList(statement[name]))
        return `its ${name} is not a string or a list of strings`;
  }
  if (statement.Principal !== undefined && statement.NotPrincipal !== undefined)
    return 'it has both Principal and NotPrincipal';
  for (const name of ['Principal', 'NotPrincipal'])
    if (statement[name] !== undefined && !isPrincipal(statement[name]))
      return `its ${name} is not a principal`;
  if (statement.Condition !== undefined && !isCondition(statement.Condition))
    return 'its Condition is not a condition block';
  return undefined;
}

/** How a statement's Resource is read. */
export interface ResourceOptions {
  /** Whether `${...}` are policy variables (see `hasVariables`); true unless said otherwise. */
  readonly variables?: boolean;
  /**
   * Whether a statement without Resource or NotResource has no effect, as in IAM policies ("Statements
   * must include either a Resource or a NotResource element") and key policies ("If either of the
   * required Resource or Action elements are missing from a key policy statement, the policy
   * statement has no effect", KMS PutKeyPolicy). True unless said otherwise.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
   * https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
   */
  readonly resourceRequired?: boolean;
}

/**
 * Where an ARN's resource part begins (after its fifth colon, a `${...}` counting as text), or 0
 * for a pattern that is no ARN.
 */
function resourcePartStart(pattern: string): number {
  let colons = 0;
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charCodeAt(i);
    if (char === 36 /* $ */ && pattern.charCodeAt(i + 1) === 123 /* { */) {
      depth++;
      i++;
    } else if (char === 125 /* } */ && depth > 0) depth--;
    else if (char === 58 /* : */ && depth === 0 && ++colons === 5) return i + 1;
  }
  return 0;
}

/**
 * Whether one Resource pattern covers `resource`. A policy variable is taken in the resource part
 * only ("You can't use a variable to replace parts of the ARN before the fifth colon"); one whose
 * key is not known makes it `maybe`, one the request does not carry makes it fail.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-resourceelement
 */
function patternCovers(
  pattern: string,
  resource: string,
  context: RequestContext,
  variables: boolean,
  unknownKeys?: string[],
): Tri {
  if (!variables || !pattern.includes('${')) return resourceMatch(pattern, resource) ? 'yes' : 'no';
  const substituted = substituteVariables(pattern, context, resourcePartStart(pattern));
  if (substituted.kind === 'invalid') return 'no';
  if (substituted.kind === 'unknown') {
    if (unknownKeys) for (const key of substituted.keys) unknownKeys.push(key);
    return 'maybe';
  }
  return resourceMatch(substituted.text, resource) ? 'yes' : 'no';
}

/**
 * Whether a (well-formed) statement's Resource or NotResource covers `resource`; the keys of the
 * variables that made it `maybe` are added to `unknownKeys`.
 */
export function statementResource(
  statement: PolicyStatement,
  resource: string,
  context: RequestContext,
  options: ResourceOptions = {},
  unknownKeys?: string[],
): Tri {
  const negated = statement.NotResource !== undefined;
  const patterns = negated ? statement.NotResource : statement.Resource;
  if (patterns === undefined) return options.resourceRequired === false ? 'yes' : 'no';
  const variables = options.variables !== false;
  let covered: Tri = 'no';
  for (const pattern of toList(patterns)) {
    covered = triOr(covered, patternCovers(pattern, resource, context, variables, unknownKeys));
    if (covered === 'yes') break;
  }
  return negated ? triNot(covered) : covered;
}

/** Whether any Resource or NotResource pattern of a statement holds a policy variable. */
export const resourceHasVariables = (statement: PolicyStatement): boolean =>
  toList(statement.NotResource ?? statement.Resource).some((pattern) => pattern.includes('${'));
