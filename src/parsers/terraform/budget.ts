/**
 * The work one top-level Terraform expression may do: steps of evaluation (including collection
 * items and string characters built), the longest string and the longest list it may build, and
 * the size of the value it may produce (values shared by reference count each time they are
 * reached, so locals that double each other cannot make an exponential value). Past any of these
 * the expression is UNKNOWN for what it feeds, and the scope is told, to raise an issue.
 *
 * Shared by the expression evaluator and the built-in functions, which charge the same budget.
 */
import {
  heldReference,
  Invalid,
  isObject,
  relabel,
  Sym,
  textOf,
  Unknown,
  type Val,
} from '../common/value.js';
import type { Expr } from './hcl.js';

export const MAX_STEPS = 1_000_000;
export const MAX_STRING = 1_048_576;
export const MAX_LIST = 100_000;
export const MAX_VALUE_NODES = 200_000;
export const OVER_BUDGET = "over the scanner's evaluation budget";
export const TOO_MANY_STEPS = 'the expression takes too many steps';

/*
 * What a step costs. One step of evaluation (a node of an expression, an iteration of a for) takes
 * 0.15 to 0.24 µs of CPU here (a root spending 10 million on nested fors or %{ for } directives:
 * 1.5 s; bench/iac.bench.ts). Work that is not evaluation is charged in steps of that size, or one reference
 * could do seconds of work for a step: encoding or comparing a value (canonicalJson) takes about
 * 1 µs a node, so 1,000 references to a 98,000-node local cost 83 s of CPU for 7,000 steps before
 * they were charged; walking a value to size it takes about 15 ns a node.
 */
/** Steps a node of a value costs to encode or compare (canonicalJson: about 1 µs a node). */
export const STEPS_PER_ENCODED_NODE = 5;
/** A top-level value is sized by a walk of 15 ns a node: a step per 8 nodes. */
const NODES_PER_WALK_STEP = 8;

/** Where an evaluation charges its work and reports running over it. */
export interface BudgetScope {
  /** Steps left for the whole evaluation this scope belongs to (a root module and its children). */
  readonly budget?: { steps: number };
  /** Told once per top-level expression that ran over the budget, to raise an issue. */
  overBudget?(expr: Expr, what: string): void;
}

interface Frame {
  steps: number;
  /** What was already reported over budget in this frame (once steps run out, everything after does). */
  reported: Set<string>;
}

/** The top-level expression being evaluated (evaluation is synchronous: one at a time). */
let frame: Frame | undefined;

/** Whether a top-level expression is being evaluated (its budget is already granted). */
export function inExpression(): boolean {
  return frame !== undefined;
}

/**
 * Evaluates a top-level expression with its own budget, out of what is left for the whole
 * evaluation; a value over the size budget is UNKNOWN.
 */
export function withBudget(expr: Expr, scope: BudgetScope, run: () => Val): Val {
  const granted = Math.max(0, Math.min(MAX_STEPS, scope.budget?.steps ?? MAX_STEPS));
  frame = { steps: granted, reported: new Set() };
  try {
    if (granted === 0) return overBudget(expr, scope, 'the module takes too many steps to evaluate');
    const value = run();
    if (value instanceof Unknown) return value;
    const nodes = nodesWithin(value, MAX_VALUE_NODES);
    if (nodes === undefined) return overBudget(expr, scope, 'the value is too large');
    // A reference to a large local is one step of evaluation, but sizing it walks all of it. A
    // value whose parts already ran over holds them as UNKNOWN: the rest of it stays known.
    const partsOver = frame.steps < 0;
    if (!charge(Math.floor(nodes / NODES_PER_WALK_STEP)) && !partsOver)
      return overBudget(expr, scope, TOO_MANY_STEPS);
    return value;
  } finally {
    if (scope.budget) scope.budget.steps -= granted - Math.max(frame.steps, 0);
    frame = undefined;
  }
}

/** Charges `n` steps to the current expression; false when it is over its budget. */
export function charge(n: number): boolean {
  if (!frame) return true;
  frame.steps -= n;
  return frame.steps >= 0;
}

/** The UNKNOWN an expression over its budget yields; the scope is told once per reason. */
export function overBudget(expr: Expr, scope: BudgetScope, what: string): Unknown {
  if (frame && !frame.reported.has(what) && frame.reported.size < 10) {
    frame.reported.add(what);
    scope.overBudget?.(expr, what);
  }
  if (frame) frame.steps = Math.min(frame.steps, -1);
  return new Unknown(expr.text, `${what}: ${OVER_BUDGET}, so it is not evaluated`);
}

/**
 * Charges the work of encoding or comparing a value whole (STEPS_PER_ENCODED_NODE a node); the
 * UNKNOWN to give instead when it has more than MAX_VALUE_NODES nodes (`tooLarge` says what) or
 * the steps run out.
 */
export function chargeEncoding(
  value: Val,
  expr: Expr,
  scope: BudgetScope,
  tooLarge: string,
): Unknown | undefined {
  const nodes = nodesWithin(value, MAX_VALUE_NODES);
  if (nodes === undefined) return overBudget(expr, scope, tooLarge);
  // A scalar is paid for by the step that evaluated it.
  if (!charge((nodes - 1) * STEPS_PER_ENCODED_NODE)) return overBudget(expr, scope, TOO_MANY_STEPS);
  return undefined;
}

/**
 * How many nodes a value has (a string counts one more per KiB), counting shared values each time
 * they are reached; undefined when more than `limit`.
 */
function nodesWithin(value: Val, limit: number): number | undefined {
  let left = limit;
  const stack: Val[] = [value];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (--left < 0) return undefined;
    if (typeof item === 'string') left -= item.length >> 10;
    else if (Array.isArray(item)) for (const child of item) stack.push(child);
    else if (isObject(item)) for (const child of Object.values(item)) stack.push(child);
    if (stack.length > limit) return undefined;
  }
  return left >= 0 ? limit - left : undefined;
}

/**
 * Values joined into one string (interpolation, join, format), within the string budget. A text
 * made around one reference to a resource holds it (`key/${aws_kms_key.k.key_id}` holds the key's
 * id), however deep the joins go, so that a key ARN written out around a key's id can be known for
 * that key's (see `writtenKeyArn` in inventory.ts).
 */
export function concatenate(values: readonly Val[], expr: Expr, scope: BudgetScope): Val {
  let symbolic = false;
  const texts: string[] = [];
  let length = 0;
  for (const value of values) {
    if (value instanceof Unknown) return relabel(value, expr.text);
    // An interpolated null, list or object is an error in Terraform ("Invalid template
    // interpolation value").
    if (value === null) return new Invalid(expr.text, 'it interpolates a null value: an error in Terraform');
    if (value instanceof Sym) symbolic = true;
    const text = textOf(value);
    if (text === undefined)
      return new Invalid(expr.text, 'it interpolates a value that is not a string: an error in Terraform');
    length += text.length;
    if (length > MAX_STRING)
      return overBudget(expr, scope, `it builds a string longer than ${MAX_STRING} characters`);
    texts.push(text);
  }
  // A step per piece joined and per 64 characters: a join of 100,000 short strings, charged for
  // its characters only, made strings at twice the CPU a step of nested fors takes.
  if (!charge(values.length + (length >> 6))) return overBudget(expr, scope, TOO_MANY_STEPS);
  if (!symbolic) return texts.join('');
  return new Sym(texts.join(''), undefined, heldReference(values));
}
