/**
 * Evaluates Terraform expressions as far as the configuration pins them down: literals, strings
 * with interpolations, collections, conditionals, operators, for expressions, splats and the
 * built-in functions that configurations use for keys and policies (jsonencode, merge, lookup,
 * concat, format, try, ...). A reference to something known only after apply, or an input that
 * is not set, is an `Unknown` carrying the expression as written; never a guess.
 */
import { parse as parseYaml } from 'yaml';
import {
  isObject,
  isSym,
  locate,
  NO_VALUE,
  Sym,
  textOf,
  toPlain,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import type { Expr } from './hcl.js';

export type Step = { attr: string } | { index: Val };

export interface Scope {
  /** A reference: `var.x`, `local.y`, `aws_kms_key.k.arn`, `module.m.out`, `each.value`, ... */
  reference(root: string, steps: Step[], expr: Expr): Val;
  /** A file's text for file(), relative to the module directory; undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** The file the expressions come from, for the locations of the objects they build. */
  readonly file: string;
  /** Steps left for the whole evaluation this scope belongs to (a root module and its children). */
  readonly budget?: { steps: number };
  /** Told once per top-level expression that ran over the budget, to raise an issue. */
  overBudget?(expr: Expr, what: string): void;
}

const MAX_DEPTH = 200;

/**
 * The work one top-level expression may do (steps of evaluation, including collection items and
 * string characters built), the longest string and the longest list it may build, and the size of
 * the value it may produce (values shared by reference count each time they are reached, so
 * locals that double each other cannot make an exponential value). Past any of these the
 * expression is UNKNOWN for what it feeds, and the scope is told, to raise an issue.
 */
export const MAX_STEPS = 1_000_000;
export const MAX_STRING = 1_048_576;
export const MAX_LIST = 100_000;
export const MAX_VALUE_NODES = 200_000;
export const OVER_BUDGET = "over the scanner's evaluation budget";

interface Frame {
  steps: number;
  /** What was already reported over budget in this frame (once steps run out, everything after does). */
  reported: Set<string>;
}

/** The top-level expression being evaluated (evaluation is synchronous: one at a time). */
let frame: Frame | undefined;

/** Charges `n` steps to the current expression; false when it is over its budget. */
function charge(n: number): boolean {
  if (!frame) return true;
  frame.steps -= n;
  return frame.steps >= 0;
}

function overBudget(expr: Expr, scope: Scope, what: string): Unknown {
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

/** A scope that adds the variables of a for expression. */
function withVariables(scope: Scope, variables: Record<string, Val>): Scope {
  return {
    reference: (root, steps, expr) =>
      root in variables ? applySteps(variables[root]!, steps, expr) : scope.reference(root, steps, expr),
    readFile: (path) => scope.readFile(path),
    file: scope.file,
    ...(scope.budget ? { budget: scope.budget } : {}),
    ...(scope.overBudget ? { overBudget: (e: Expr, what: string) => scope.overBudget!(e, what) } : {}),
  };
}

export function evaluate(expr: Expr, scope: Scope, depth = 0): Val {
  if (frame) return evaluateStep(expr, scope, depth);
  // A top-level expression: it gets its own budget, out of what is left for the whole evaluation.
  const granted = Math.max(0, Math.min(MAX_STEPS, scope.budget?.steps ?? MAX_STEPS));
  frame = { steps: granted, reported: new Set() };
  try {
    if (granted === 0) return overBudget(expr, scope, 'the module takes too many steps to evaluate');
    const value = evaluateStep(expr, scope, depth);
    if (!(value instanceof Unknown) && !sizeWithin(value, MAX_VALUE_NODES))
      return overBudget(expr, scope, 'the value is too large');
    return value;
  } finally {
    if (scope.budget) scope.budget.steps -= granted - Math.max(frame.steps, 0);
    frame = undefined;
  }
}

function evaluateStep(expr: Expr, scope: Scope, depth: number): Val {
  if (depth > MAX_DEPTH) return new Unknown(expr.text, `nested more than ${MAX_DEPTH} levels deep`);
  if (!charge(1)) return overBudget(expr, scope, 'the expression takes too many steps');
  switch (expr.t) {
    case 'lit':
      return expr.v;
    case 'tmpl': {
      if (expr.parts.length === 1 && typeof expr.parts[0] !== 'string') {
        // "${x}" alone is x itself, whatever its type.
        return evaluate(expr.parts[0]!, scope, depth + 1);
      }
      const values = expr.parts.map((part) =>
        typeof part === 'string' ? part : evaluate(part, scope, depth + 1),
      );
      return concatenate(values, expr, scope);
    }
    case 'tuple':
      return locate(
        expr.items.map((item) => evaluate(item, scope, depth + 1)),
        { file: scope.file, line: expr.line },
      );
    case 'object': {
      const out: ValObject = {};
      for (const { key, value } of expr.entries) {
        const k = evaluate(key, scope, depth + 1);
        if (k instanceof Unknown)
          return new Unknown(expr.text, `an object key is not known: ${k.reason}`, k.inputs);
        const name = textOf(k);
        if (name === undefined) continue;
        out[name] = evaluate(value, scope, depth + 1);
      }
      return locate(out, { file: scope.file, line: expr.line });
    }
    case 'var':
    case 'attr':
    case 'index': {
      const chain = traversal(expr);
      if (!chain) {
        if (expr.t === 'var') return new Unknown(expr.text, 'not a reference');
        const base = evaluate((expr as { obj: Expr }).obj, scope, depth + 1);
        const step: Step =
          expr.t === 'attr' ? { attr: expr.name } : { index: evaluate(expr.key, scope, depth + 1) };
        return applySteps(base, [step], expr);
      }
      const steps: Step[] = chain.steps.map((step) =>
        'attr' in step ? step : { index: evaluate(step.index, scope, depth + 1) },
      );
      return scope.reference(chain.root, steps, expr);
    }
    case 'splat': {
      const base = evaluate(expr.obj, scope, depth + 1);
      if (base instanceof Unknown) return base;
      const list: Val[] = Array.isArray(base) ? base : base === null ? [] : [base];
      return list.map((item) => {
        let value: Val = item;
        for (const step of expr.path)
          value = applySteps(
            value,
            ['attr' in step ? step : { index: evaluate(step.index, scope, depth + 1) }],
            expr,
          );
        return value;
      });
    }
    case 'call':
      return call(expr, scope, depth);
    case 'cond': {
      const test = evaluate(expr.test, scope, depth + 1);
      if (test instanceof Unknown) return new Unknown(expr.text, test.reason, test.inputs);
      if (isSym(test))
        return new Unknown(expr.text, `the condition is known only after apply (${test.text})`, []);
      return evaluate(truthy(test) ? expr.then : expr.else, scope, depth + 1);
    }
    case 'unary': {
      const operand = evaluate(expr.operand, scope, depth + 1);
      if (operand instanceof Unknown) return new Unknown(expr.text, operand.reason, operand.inputs);
      if (expr.op === '!')
        return typeof operand === 'boolean' ? !operand : new Unknown(expr.text, 'not a boolean');
      return typeof operand === 'number' ? -operand : new Unknown(expr.text, 'not a number');
    }
    case 'binary':
      return binary(expr, scope, depth);
    case 'for':
      return forExpression(expr, scope, depth);
    case 'unsupported':
      return new Unknown(expr.text, expr.why);
  }
}

/** `a.b[0].c` as a root name and steps, or undefined when the root is not a plain name. */
export function traversal(
  expr: Expr,
): { root: string; steps: ({ attr: string } | { index: Expr })[] } | undefined {
  const steps: ({ attr: string } | { index: Expr })[] = [];
  let current: Expr = expr;
  for (;;) {
    if (current.t === 'var') return { root: current.name, steps: steps.reverse() };
    if (current.t === 'attr') {
      steps.push({ attr: current.name });
      current = current.obj;
    } else if (current.t === 'index') {
      steps.push({ index: current.key });
      current = current.obj;
    } else return undefined;
  }
}

export function applySteps(value: Val, steps: readonly Step[], expr: Expr): Val {
  let current = value;
  for (const step of steps) {
    if (current instanceof Unknown) return current;
    if (current instanceof Sym) {
      const suffix = 'attr' in step ? `.${step.attr}` : `[${JSON.stringify(toPlain(step.index))}]`;
      current = new Sym(
        current.text + suffix,
        current.target && 'attr' in step ? { ...current.target, attribute: step.attr } : current.target,
      );
      continue;
    }
    if ('attr' in step) {
      if (isObject(current)) current = step.attr in current ? current[step.attr]! : null;
      else if (current === null) return new Unknown(expr.text, `it reads ${step.attr} of a null value`);
      else return new Unknown(expr.text, `it reads attribute ${step.attr} of a value that has none`);
    } else {
      const index = step.index;
      if (index instanceof Unknown) return new Unknown(expr.text, index.reason, index.inputs);
      if (Array.isArray(current)) {
        const n = typeof index === 'number' ? index : Number(textOf(index));
        current = Number.isInteger(n) && n >= 0 && n < current.length ? current[n]! : null;
      } else if (isObject(current)) {
        const key = textOf(index);
        current = key !== undefined && key in current ? current[key]! : null;
      } else return new Unknown(expr.text, 'it indexes a value that is not a collection');
    }
  }
  return current;
}

function truthy(value: Val): boolean {
  return value === true || value === 'true';
}

function concatenate(values: readonly Val[], expr: Expr, scope: Scope): Val {
  let symbolic = false;
  const texts: string[] = [];
  let length = 0;
  for (const value of values) {
    if (value instanceof Unknown) return new Unknown(expr.text, value.reason, value.inputs);
    if (value === null) return new Unknown(expr.text, 'it interpolates a null value');
    if (value instanceof Sym) symbolic = true;
    const text = textOf(value);
    if (text === undefined) return new Unknown(expr.text, 'it interpolates a value that is not a string');
    length += text.length;
    if (length > MAX_STRING)
      return overBudget(expr, scope, `it builds a string longer than ${MAX_STRING} characters`);
    texts.push(text);
  }
  if (!charge(length >> 6)) return overBudget(expr, scope, 'the expression takes too many steps');
  return symbolic ? new Sym(texts.join('')) : texts.join('');
}

function binary(expr: Extract<Expr, { t: 'binary' }>, scope: Scope, depth: number): Val {
  const left = evaluate(expr.left, scope, depth + 1);
  // && and || short-circuit on a known side.
  if (expr.op === '&&' && left === false) return false;
  if (expr.op === '||' && left === true) return true;
  const right = evaluate(expr.right, scope, depth + 1);
  if (expr.op === '&&' && right === false) return false;
  if (expr.op === '||' && right === true) return true;
  for (const side of [left, right])
    if (side instanceof Unknown) return new Unknown(expr.text, side.reason, side.inputs);
  if (expr.op === '==' || expr.op === '!=') {
    if (isSym(left) || isSym(right)) {
      if (isSym(left) && isSym(right) && left.text === right.text) return expr.op === '==';
      return new Unknown(expr.text, 'it compares a value known only after apply');
    }
    if (!sizeWithin(left, MAX_VALUE_NODES) || !sizeWithin(right, MAX_VALUE_NODES))
      return overBudget(expr, scope, 'it compares values that are too large');
    const equal = JSON.stringify(toPlain(left)) === JSON.stringify(toPlain(right));
    return expr.op === '==' ? equal : !equal;
  }
  if (expr.op === '&&' || expr.op === '||') {
    if (typeof left !== 'boolean' || typeof right !== 'boolean')
      return new Unknown(expr.text, 'not booleans');
    return expr.op === '&&' ? left && right : left || right;
  }
  const a = typeof left === 'string' ? Number(left) : left;
  const b = typeof right === 'string' ? Number(right) : right;
  if (typeof a !== 'number' || typeof b !== 'number' || Number.isNaN(a) || Number.isNaN(b))
    return new Unknown(expr.text, 'arithmetic on values that are not numbers');
  switch (expr.op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    default:
      return new Unknown(expr.text, `operator ${expr.op} is not evaluated`);
  }
}

function forExpression(expr: Extract<Expr, { t: 'for' }>, scope: Scope, depth: number): Val {
  const collection = evaluate(expr.collection, scope, depth + 1);
  if (collection instanceof Unknown) return new Unknown(expr.text, collection.reason, collection.inputs);
  let pairs: [Val, Val][];
  if (Array.isArray(collection)) pairs = collection.map((item, index) => [index, item]);
  else if (isObject(collection)) pairs = Object.entries(collection);
  else return new Unknown(expr.text, 'it iterates over a value that is not a collection');
  if (pairs.length > MAX_LIST) return overBudget(expr, scope, `it iterates over more than ${MAX_LIST} items`);
  const tuple: Val[] = [];
  const object: ValObject = {};
  for (const [key, value] of pairs) {
    if (!charge(1)) return overBudget(expr, scope, 'the expression takes too many steps');
    const variables: Record<string, Val> = { [expr.valueVar]: value };
    if (expr.keyVar) variables[expr.keyVar] = key;
    const inner = withVariables(scope, variables);
    if (expr.cond) {
      const keep = evaluate(expr.cond, inner, depth + 1);
      if (keep instanceof Unknown) return new Unknown(expr.text, keep.reason, keep.inputs);
      if (keep !== true) continue;
    }
    const item = evaluate(expr.value, inner, depth + 1);
    if (expr.kind === 'tuple') tuple.push(item);
    else {
      const k = expr.key ? evaluate(expr.key, inner, depth + 1) : key;
      const name = textOf(k);
      if (k instanceof Unknown || name === undefined)
        return new Unknown(expr.text, 'a key of the result is not known');
      if (expr.group) {
        const list = (object[name] as Val[] | undefined) ?? [];
        list.push(item);
        object[name] = list;
      } else object[name] = item;
    }
  }
  return expr.kind === 'tuple' ? tuple : object;
}

const known = (values: readonly Val[], expr: Expr): Unknown | undefined => {
  for (const value of values)
    if (value instanceof Unknown) return new Unknown(expr.text, value.reason, value.inputs);
  return undefined;
};

function asList(value: Val): Val[] | undefined {
  if (Array.isArray(value)) return value;
  return undefined;
}

function call(expr: Extract<Expr, { t: 'call' }>, scope: Scope, depth: number): Val {
  const name = expr.name.replace(/^provider::[^:]+::/, '');
  // try() and can() look at each argument before any is reduced to Unknown.
  if (name === 'try') {
    for (const arg of expr.args) {
      const value = evaluate(arg, scope, depth + 1);
      if (!(value instanceof Unknown)) return value;
    }
    return new Unknown(expr.text, 'none of the alternatives of try() can be evaluated');
  }
  if (name === 'can') return !(evaluate(expr.args[0]!, scope, depth + 1) instanceof Unknown);
  let args = expr.args.map((arg) => evaluate(arg, scope, depth + 1));
  if (expr.expand && args.length > 0) {
    const last = args[args.length - 1]!;
    if (last instanceof Unknown) return new Unknown(expr.text, last.reason, last.inputs);
    if (Array.isArray(last)) args = [...args.slice(0, -1), ...last];
  }
  const unknown = known(args, expr);
  const [a, b, c] = args;
  switch (name) {
    case 'jsonencode': {
      if (unknown) return unknown;
      if (!sizeWithin(a ?? null, MAX_VALUE_NODES))
        return overBudget(expr, scope, 'it encodes a value that is too large');
      return stringWithSyms(JSON.stringify(toPlain(a ?? null)), a ?? null);
    }
    case 'jsondecode': {
      if (unknown) return unknown;
      try {
        return JSON.parse(textOf(a ?? null) ?? 'null') as Val;
      } catch {
        return new Unknown(expr.text, 'the argument is not JSON');
      }
    }
    case 'yamldecode': {
      if (unknown) return unknown;
      try {
        return parseYaml(textOf(a ?? null) ?? '', { maxAliasCount: 100 }) as Val;
      } catch {
        return new Unknown(expr.text, 'the argument is not YAML');
      }
    }
    case 'file': {
      if (unknown) return unknown;
      const path = textOf(a ?? null);
      const text = path === undefined ? undefined : scope.readFile(path);
      return text ?? new Unknown(expr.text, `file ${path ?? '?'} cannot be read`);
    }
    case 'templatefile':
      return new Unknown(expr.text, 'templatefile() is not evaluated');
    case 'merge': {
      if (unknown) return unknown;
      const out: ValObject = {};
      for (const arg of args) if (isObject(arg)) Object.assign(out, arg);
      return out;
    }
    case 'concat': {
      if (unknown) return unknown;
      const total = args.reduce<number>((n, arg) => n + (asList(arg)?.length ?? 0), 0);
      if (total > MAX_LIST || !charge(total))
        return overBudget(expr, scope, `it builds a list of ${total} items`);
      return args.flatMap((arg) => asList(arg) ?? []);
    }
    case 'flatten': {
      if (unknown) return unknown;
      if (!sizeWithin(a ?? [], MAX_VALUE_NODES))
        return overBudget(expr, scope, 'it flattens a value that is too large');
      const flat = (value: Val): Val[] => (Array.isArray(value) ? value.flatMap(flat) : [value]);
      return flat(a ?? []);
    }
    case 'compact':
      if (unknown) return unknown;
      return (asList(a ?? []) ?? []).filter((item) => item !== null && item !== '');
    case 'distinct': {
      if (unknown) return unknown;
      if (!sizeWithin(a ?? [], MAX_VALUE_NODES)) return overBudget(expr, scope, 'the list is too large');
      const seen = new Set<string>();
      return (asList(a ?? []) ?? []).filter((item) => {
        const k = JSON.stringify(toPlain(item));
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    }
    case 'lookup': {
      if (a instanceof Unknown) return new Unknown(expr.text, a.reason, a.inputs);
      const key = textOf(b ?? null);
      if (isObject(a) && key !== undefined && key in a) return a[key]!;
      if (b instanceof Unknown) return new Unknown(expr.text, b.reason, b.inputs);
      return c === undefined ? new Unknown(expr.text, `the map has no key ${key}`) : c;
    }
    case 'element': {
      if (unknown) return unknown;
      const list = asList(a ?? []);
      const n = Number(textOf(b ?? 0));
      return list && list.length > 0 ? list[((n % list.length) + list.length) % list.length]! : null;
    }
    case 'one': {
      if (unknown) return unknown;
      const list = asList(a ?? []) ?? [];
      return list.length === 0
        ? null
        : list.length === 1
          ? list[0]!
          : new Unknown(expr.text, 'one() of more than one element');
    }
    case 'keys':
      if (unknown) return unknown;
      return isObject(a) ? Object.keys(a).sort() : [];
    case 'values':
      if (unknown) return unknown;
      return isObject(a)
        ? Object.keys(a)
            .sort()
            .map((k) => a[k]!)
        : [];
    case 'length':
      if (unknown) return unknown;
      return Array.isArray(a)
        ? a.length
        : isObject(a)
          ? Object.keys(a).length
          : typeof a === 'string'
            ? a.length
            : 0;
    case 'contains':
      if (unknown) return unknown;
      if (!sizeWithin(a ?? [], MAX_VALUE_NODES) || !sizeWithin(b ?? null, MAX_VALUE_NODES))
        return overBudget(expr, scope, 'the list is too large');
      return (asList(a ?? []) ?? []).some(
        (item) => JSON.stringify(toPlain(item)) === JSON.stringify(toPlain(b ?? null)),
      );
    case 'zipmap': {
      if (unknown) return unknown;
      const keys = asList(a ?? []) ?? [];
      const values = asList(b ?? []) ?? [];
      const out: ValObject = {};
      keys.forEach((key, i) => {
        const k = textOf(key);
        if (k !== undefined) out[k] = values[i] ?? null;
      });
      return out;
    }
    case 'coalesce':
      for (const arg of args) {
        if (arg instanceof Unknown) return new Unknown(expr.text, arg.reason, arg.inputs);
        if (arg !== null && arg !== '') return arg;
      }
      return null;
    case 'coalescelist':
      for (const arg of args) {
        if (arg instanceof Unknown) return new Unknown(expr.text, arg.reason, arg.inputs);
        if (Array.isArray(arg) && arg.length > 0) return arg;
      }
      return [];
    case 'tolist':
    case 'toset':
      if (unknown) return unknown;
      return Array.isArray(a) ? a : isObject(a) ? Object.values(a) : [];
    case 'tomap':
    case 'toobject':
      return a ?? null;
    case 'tostring':
      if (unknown) return unknown;
      return a === null ? null : isSym(a) ? a : (textOf(a ?? null) ?? new Unknown(expr.text, 'not a string'));
    case 'tonumber':
      if (unknown) return unknown;
      return a === null ? null : Number(textOf(a ?? null));
    case 'tobool':
      if (unknown) return unknown;
      return a === null ? null : truthy(a ?? null);
    case 'nonsensitive':
    case 'sensitive':
      return a ?? null;
    case 'lower':
    case 'upper':
    case 'trimspace':
    case 'title': {
      if (unknown) return unknown;
      const text = textOf(a ?? null);
      if (text === undefined || isSym(a)) return new Unknown(expr.text, 'not a known string');
      return name === 'lower'
        ? text.toLowerCase()
        : name === 'upper'
          ? text.toUpperCase()
          : name === 'trimspace'
            ? text.trim()
            : text.replace(/\b\w/g, (ch) => ch.toUpperCase());
    }
    case 'join': {
      if (unknown) return unknown;
      const list = asList(b ?? []) ?? [];
      const inner = known(list, expr);
      if (inner) return inner;
      if (list.length > MAX_LIST) return overBudget(expr, scope, `it joins more than ${MAX_LIST} items`);
      return concatenate(
        list.flatMap((item, i) => (i === 0 ? [item] : [textOf(a ?? '') ?? '', item])),
        expr,
        scope,
      );
    }
    case 'split': {
      if (unknown) return unknown;
      const text = textOf(b ?? null);
      if (text === undefined || isSym(b))
        return new Unknown(expr.text, 'it splits a value known only after apply');
      return text.split(textOf(a ?? '') ?? '');
    }
    case 'replace': {
      if (unknown) return unknown;
      const text = textOf(a ?? null);
      const from = textOf(b ?? null);
      const to = textOf(c ?? null);
      if (text === undefined || from === undefined || to === undefined || isSym(a))
        return new Unknown(expr.text, 'not known strings');
      if (from.length > 2 && from.startsWith('/') && from.endsWith('/')) {
        // JavaScript's regular expressions backtrack (Terraform's RE2 does not): only a pattern
        // whose work is bounded by its subject is run. Without a quantifier or alternation it is
        // linear; with one, quadratic at worst, so on a short subject only; with more (a*a*a*b,
        // (a+)+, a|a...), or a back-reference, it could take exponential time and is not run.
        const repeats = quantifiers(from.slice(1, -1));
        if (text.length > (repeats === 0 ? 65_536 : 4_096) || repeats > 1 || BACKTRACKING.test(from))
          return overBudget(expr, scope, 'a regular expression that could take too long');
        try {
          return text.replace(new RegExp(from.slice(1, -1), 'g'), to.replace(/\$\{(\d+)\}/g, '$$$1'));
        } catch {
          return new Unknown(expr.text, 'an invalid regular expression');
        }
      }
      const pieces = text.split(from);
      const length = text.length + (pieces.length - 1) * (to.length - from.length);
      if (length > MAX_STRING)
        return overBudget(expr, scope, `it builds a string longer than ${MAX_STRING} characters`);
      return pieces.join(to);
    }
    case 'format': {
      if (unknown) return unknown;
      const template = textOf(a ?? null);
      if (template === undefined) return new Unknown(expr.text, 'the format is not a string');
      let i = 1;
      const parts: Val[] = [];
      let last = 0;
      const pattern = /%(%|[-+ #0]*\d*(?:\.\d+)?[sdvqft])/g;
      for (let match = pattern.exec(template); match; match = pattern.exec(template)) {
        parts.push(template.slice(last, match.index));
        last = match.index + match[0].length;
        if (match[1] === '%') parts.push('%');
        else {
          const value = args[i++] ?? null;
          parts.push(
            match[1]!.endsWith('q')
              ? JSON.stringify(textOf(value) ?? '')
              : isSym(value)
                ? value
                : (textOf(value) ?? JSON.stringify(toPlain(value))),
          );
        }
      }
      parts.push(template.slice(last));
      return concatenate(parts, expr, scope);
    }
    case 'substr': {
      if (unknown) return unknown;
      const text = textOf(a ?? null);
      if (text === undefined || isSym(a)) return new Unknown(expr.text, 'not a known string');
      const offset = Number(b);
      const length = Number(c);
      return length < 0 ? text.slice(offset) : text.slice(offset, offset + length);
    }
    case 'startswith':
    case 'endswith': {
      if (unknown) return unknown;
      const text = textOf(a ?? null);
      const affix = textOf(b ?? null) ?? '';
      if (text === undefined || isSym(a)) return new Unknown(expr.text, 'not a known string');
      return name === 'startswith' ? text.startsWith(affix) : text.endsWith(affix);
    }
    case 'max':
    case 'min': {
      if (unknown) return unknown;
      const numbers = args.map((arg) => Number(textOf(arg)));
      return name === 'max' ? Math.max(...numbers) : Math.min(...numbers);
    }
    case 'abs':
      if (unknown) return unknown;
      return Math.abs(Number(textOf(a ?? 0)));
    case 'range': {
      if (unknown) return unknown;
      const numbers = args.map((arg) => Number(textOf(arg)));
      const [start, end, step] =
        numbers.length === 1 ? [0, numbers[0]!, 1] : [numbers[0]!, numbers[1]!, numbers[2] ?? 1];
      if (![start, end, step].every(Number.isFinite) || step === 0)
        return new Unknown(expr.text, 'range() of values that are not finite numbers');
      const length = Math.max(0, Math.ceil((end - start) / step));
      if (length > MAX_LIST || !charge(length))
        return overBudget(expr, scope, `range() of ${length} numbers`);
      const out: number[] = [];
      for (let n = start; step > 0 ? n < end : n > end; n += step) out.push(n);
      return out;
    }
    case 'sort':
      if (unknown) return unknown;
      return [...(asList(a ?? []) ?? [])].sort((x, y) => String(textOf(x)).localeCompare(String(textOf(y))));
    case 'reverse':
      if (unknown) return unknown;
      return [...(asList(a ?? []) ?? [])].reverse();
    case 'alltrue':
      if (unknown) return unknown;
      return (asList(a ?? []) ?? []).every(truthy);
    case 'anytrue':
      if (unknown) return unknown;
      return (asList(a ?? []) ?? []).some(truthy);
    case 'sum':
      if (unknown) return unknown;
      return (asList(a ?? []) ?? []).reduce<number>((total, item) => total + Number(textOf(item)), 0);
    default:
      return new Unknown(expr.text, `function ${expr.name}() is not evaluated`);
  }
}

/** A quantified group that itself holds a quantifier or an alternation: (a+)+, (a|aa)*, (.*a){20}. */
const BACKTRACKING = /\([^)]*[+*?|}][^)]*\)\s*[+*{?]|\\[1-9]/;

/** How many quantifiers and alternations a regular expression source holds (escaped ones aside). */
function quantifiers(source: string): number {
  let count = 0;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (char === '*' || char === '+' || char === '?' || char === '{' || char === '|') count++;
  }
  return count;
}

/** A JSON string that embeds symbolic values (e.g. a role ARN known after apply) stays symbolic. */
function stringWithSyms(text: string, value: Val): Val {
  const hasSym = (v: Val, depth = 0): boolean =>
    depth < 64 &&
    (isSym(v) ||
      (Array.isArray(v) && v.some((item) => hasSym(item, depth + 1))) ||
      (isObject(v) && Object.values(v).some((item) => hasSym(item, depth + 1))));
  return hasSym(value) ? new Sym(text) : text;
}

export { NO_VALUE };
