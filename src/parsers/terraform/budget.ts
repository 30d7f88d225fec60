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
    if (!(value instanceof Unknown) && !sizeWithin(value, MAX_VALUE_NODES))
      return overBudget(expr, scope, 'the value is too large');
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

/** Whether a value has at most `limit` nodes, counting shared values each time they are reached. */
export function sizeWithin(value: Val, limit: number): boolean {
  let left = limit;
  const stack: Val[] = [value];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (--left < 0) return false;
    if (typeof item === 'string') left -= item.length >> 10;
    else if (Array.isArray(item)) for (const child of item) stack.push(child);
    else if (isObject(item)) for (const child of Object.values(item)) stack.push(child);
    if (stack.length > limit) return false;
  }
  return left >= 0;
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
  if (!charge(length >> 6)) return overBudget(expr, scope, 'the expression takes too many steps');
  if (!symbolic) return texts.join('');
  return new Sym(texts.join(''), undefined, heldReference(values));
}
