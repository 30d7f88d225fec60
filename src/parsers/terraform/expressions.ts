/**
 * Evaluates Terraform expressions as far as the configuration pins them down: literals, strings
 * with interpolations, collections, conditionals, operators, for expressions, splats and calls of
 * the built-in functions (`functions.ts`). A reference to something known only after apply, or an
 * input that is not set, is an `Unknown` carrying the expression as written; never a guess. Each
 * top-level expression works within its budget (`budget.ts`).
 */
import {
  canonicalJson,
  Invalid,
  isObject,
  isSym,
  locate,
  relabel,
  Sym,
  textOf,
  toPlain,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import {
  type BudgetScope,
  charge,
  chargeEncoding,
  concatenate,
  inExpression,
  MAX_LIST,
  overBudget,
  withBudget,
} from './budget.js';
import { firstUnknown, functionNamed, lazyFunctionNamed } from './functions.js';
import type { Expr } from './hcl.js';

export type Step = { attr: string } | { index: Val };

export interface Scope extends BudgetScope {
  /** A reference: `var.x`, `local.y`, `aws_kms_key.k.arn`, `module.m.out`, `each.value`, ... */
  reference(root: string, steps: Step[], expr: Expr): Val;
  /** A file's bytes for file() and its kin, a relative path from the root module's directory; undefined when it cannot be read. */
  readFile(path: string): Uint8Array | undefined;
  /** The file the expressions come from, for the locations of the objects they build. */
  readonly file: string;
  /** Set in a template file templatefile() renders (which may not call templatefile() again). */
  readonly inTemplateFile?: boolean;
}

const MAX_DEPTH = 200;

/** A scope that adds the variables of a for expression. */
export function withVariables(scope: Scope, variables: Record<string, Val>): Scope {
  return {
    ...(scope.inTemplateFile ? { inTemplateFile: true } : {}),
    reference: (root, steps, expr) =>
      Object.hasOwn(variables, root)
        ? applySteps(variables[root]!, steps, expr)
        : scope.reference(root, steps, expr),
    readFile: (path) => scope.readFile(path),
    file: scope.file,
    ...(scope.budget ? { budget: scope.budget } : {}),
    ...(scope.overBudget ? { overBudget: (e: Expr, what: string) => scope.overBudget!(e, what) } : {}),
  };
}

/** A scope that sees only these variables (a template file's): any other reference is an error. */
function isolated(scope: Scope, variables: ValObject): Scope {
  return {
    reference: (root, steps, expr) =>
      Object.hasOwn(variables, root)
        ? applySteps(variables[root]!, steps, expr)
        : refused(expr, `the template is given no variable ${root}`),
    readFile: (path) => scope.readFile(path),
    file: scope.file,
    inTemplateFile: true,
    ...(scope.budget ? { budget: scope.budget } : {}),
    ...(scope.overBudget ? { overBudget: (e: Expr, what: string) => scope.overBudget!(e, what) } : {}),
  };
}

export function evaluate(expr: Expr, scope: Scope, depth = 0): Val {
  if (inExpression()) return evaluateStep(expr, scope, depth);
  // A top-level expression: it gets its own budget, out of what is left for the whole evaluation.
  return withBudget(expr, scope, () => evaluateStep(expr, scope, depth));
}

function evaluateStep(expr: Expr, scope: Scope, depth: number): Val {
  if (depth > MAX_DEPTH) return new Unknown(expr.text, `nested more than ${MAX_DEPTH} levels deep`);
  if (!charge(1)) return overBudget(expr, scope, 'the expression takes too many steps');
  switch (expr.t) {
    case 'lit':
      return expr.v;
    case 'tmpl': {
      const single = expr.parts.length === 1 ? expr.parts[0] : undefined;
      if (single !== undefined && typeof single !== 'string' && single.t !== 'tif' && single.t !== 'tfor') {
        // "${x}" alone is x itself, whatever its type.
        return evaluate(single, scope, depth + 1);
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
      if (test instanceof Unknown) return relabel(test, expr.text);
      if (isSym(test))
        return new Unknown(expr.text, `the condition is known only after apply (${test.text})`, []);
      const decided = asBool(test);
      if (decided === undefined) return refused(expr, 'the condition is not a bool');
      return evaluate(decided ? expr.then : expr.else, scope, depth + 1);
    }
    case 'unary': {
      const operand = evaluate(expr.operand, scope, depth + 1);
      if (operand instanceof Unknown) return relabel(operand, expr.text);
      if (isSym(operand)) return new Unknown(expr.text, `a value known only after apply (${operand.text})`);
      if (expr.op === '!') {
        const decided = asBool(operand);
        return decided === undefined ? refused(expr, 'the operand of ! is not a bool') : !decided;
      }
      const number = asNumber(operand);
      return number === undefined ? refused(expr, 'the operand of - is not a number') : -number;
    }
    case 'binary':
      return binary(expr, scope, depth);
    case 'for':
      return forExpression(expr, scope, depth);
    case 'tif': {
      // %{ if COND }...%{ else }...%{ endif }: the condition must be a bool.
      const test = evaluate(expr.test, scope, depth + 1);
      if (test instanceof Unknown) return relabel(test, expr.text);
      if (isSym(test))
        return new Unknown(expr.text, `the condition is known only after apply (${test.text})`, []);
      const decided = asBool(test);
      if (decided === undefined) return refused(expr, 'the condition of %{ if } is not a bool');
      return templateText(evaluate(decided ? expr.whenTrue : expr.whenFalse, scope, depth + 1), expr, scope);
    }
    case 'tfor':
      return templateFor(expr, scope, depth);
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

/** What the language refuses to evaluate: an error in Terraform, which try() and can() catch. */
export function refused(expr: Expr, why: string): Invalid {
  return new Invalid(expr.text, `${why}: an error in Terraform`);
}

/** A bool as Terraform converts one: true, false, "true", "false"; anything else is not one. */
function asBool(value: Val): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

/** A number as Terraform converts one: a number, or a string that is a number's decimal form. */
function asNumber(value: Val): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(value.trim()))
    return Number(value);
  return undefined;
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
    // Reading what a value does not have is an error in Terraform ("Unsupported attribute",
    // "Invalid index", "Attempt to get attribute from null value"), which try() and can() catch
    // (https://developer.hashicorp.com/terraform/language/functions/try).
    if ('attr' in step) {
      if (isObject(current)) {
        if (!Object.hasOwn(current, step.attr))
          return refused(expr, `the object has no attribute ${step.attr}`);
        current = current[step.attr]!;
      } else if (current === null) return refused(expr, `it reads attribute ${step.attr} of null`);
      else return refused(expr, `it reads attribute ${step.attr} of a value that has none`);
    } else {
      const index = step.index;
      if (index instanceof Unknown) return relabel(index, expr.text);
      if (isSym(index)) return new Unknown(expr.text, `an index known only after apply (${index.text})`);
      if (Array.isArray(current)) {
        const n = typeof index === 'number' ? index : Number(textOf(index));
        if (!Number.isInteger(n) || n < 0 || n >= current.length)
          return refused(expr, `the list has no element ${textOf(index) ?? JSON.stringify(toPlain(index))}`);
        current = current[n]!;
      } else if (isObject(current)) {
        const key = textOf(index);
        if (key === undefined || !Object.hasOwn(current, key))
          return refused(expr, `the map has no element ${key ?? JSON.stringify(toPlain(index))}`);
        current = current[key]!;
      } else if (current === null) return refused(expr, 'it indexes null');
      else return refused(expr, 'it indexes a value that is not a collection');
    }
  }
  return current;
}

function binary(expr: Extract<Expr, { t: 'binary' }>, scope: Scope, depth: number): Val {
  const left = evaluate(expr.left, scope, depth + 1);
  // && and || short-circuit on a known side.
  if (expr.op === '&&' && left === false) return false;
  if (expr.op === '||' && left === true) return true;
  const right = evaluate(expr.right, scope, depth + 1);
  if (expr.op === '&&' && right === false) return false;
  if (expr.op === '||' && right === true) return true;
  for (const side of [left, right]) if (side instanceof Unknown) return relabel(side, expr.text);
  if (expr.op === '==' || expr.op === '!=') {
    if (isSym(left) || isSym(right)) {
      if (isSym(left) && isSym(right) && left.text === right.text) return expr.op === '==';
      return new Unknown(expr.text, 'it compares a value known only after apply');
    }
    const tooLarge = 'it compares values that are too large';
    const over = chargeEncoding(left, expr, scope, tooLarge) ?? chargeEncoding(right, expr, scope, tooLarge);
    if (over) return over;
    const equal = canonicalJson(left) === canonicalJson(right);
    return expr.op === '==' ? equal : !equal;
  }
  if (isSym(left) || isSym(right))
    return new Unknown(expr.text, 'it operates on a value known only after apply');
  if (expr.op === '&&' || expr.op === '||') {
    const a = asBool(left);
    const b = asBool(right);
    if (a === undefined || b === undefined) return refused(expr, `the operands of ${expr.op} are not bools`);
    return expr.op === '&&' ? a && b : a || b;
  }
  const a = asNumber(left);
  const b = asNumber(right);
  if (a === undefined || b === undefined) return refused(expr, `the operands of ${expr.op} are not numbers`);
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

/** What a directive's body makes: text (a lone interpolation of a number or bool reads as its text). */
function templateText(value: Val, expr: Expr, scope: Scope): Val {
  if (value instanceof Unknown || typeof value === 'string' || isSym(value)) return value;
  return concatenate([value], expr, scope);
}

/**
 * The key and value of each element a `for` expression or `%{ for }` directive iterates over: a
 * list's by index, a map's in the lexical order of its keys
 * (https://developer.hashicorp.com/terraform/language/expressions/for); or the value to give instead
 * (UNKNOWN, a refusal, over budget). `who` names the iterating construct in a refusal.
 */
function iterationPairs(
  expr: Expr,
  collectionExpr: Expr,
  scope: Scope,
  depth: number,
  who: string,
): { pairs: [Val, Val][] } | { instead: Val } {
  const collection = evaluate(collectionExpr, scope, depth + 1);
  if (collection instanceof Unknown) return { instead: relabel(collection, expr.text) };
  let pairs: [Val, Val][];
  if (Array.isArray(collection)) pairs = collection.map((item, index) => [index, item]);
  else if (isObject(collection))
    pairs = Object.keys(collection)
      .sort()
      .map((key) => [key, collection[key]!]);
  else if (isSym(collection))
    return {
      instead: new Unknown(expr.text, `it iterates over a value known only after apply (${collection.text})`),
    };
  else return { instead: refused(expr, `${who} iterates over a value that is not a collection`) };
  if (pairs.length > MAX_LIST)
    return { instead: overBudget(expr, scope, `it iterates over more than ${MAX_LIST} items`) };
  return { pairs };
}

/** %{ for K, V in COLLECTION }...%{ endfor }: the body once per element, concatenated. */
function templateFor(expr: Extract<Expr, { t: 'tfor' }>, scope: Scope, depth: number): Val {
  const iteration = iterationPairs(expr, expr.collection, scope, depth, 'the %{ for } directive');
  if ('instead' in iteration) return iteration.instead;
  const { pairs } = iteration;
  const pieces: Val[] = [];
  for (const [key, value] of pairs) {
    if (!charge(1)) return overBudget(expr, scope, 'the expression takes too many steps');
    const variables: Record<string, Val> = { [expr.valueVar]: value };
    if (expr.keyVar) variables[expr.keyVar] = key;
    pieces.push(templateText(evaluate(expr.body, withVariables(scope, variables), depth + 1), expr, scope));
  }
  return concatenate(pieces, expr, scope);
}

function forExpression(expr: Extract<Expr, { t: 'for' }>, scope: Scope, depth: number): Val {
  const iteration = iterationPairs(expr, expr.collection, scope, depth, 'it');
  if ('instead' in iteration) return iteration.instead;
  const { pairs } = iteration;
  const tuple: Val[] = [];
  const object: ValObject = {};
  for (const [key, value] of pairs) {
    if (!charge(1)) return overBudget(expr, scope, 'the expression takes too many steps');
    const variables: Record<string, Val> = { [expr.valueVar]: value };
    if (expr.keyVar) variables[expr.keyVar] = key;
    const inner = withVariables(scope, variables);
    if (expr.cond) {
      const keep = evaluate(expr.cond, inner, depth + 1);
      if (keep instanceof Unknown) return relabel(keep, expr.text);
      if (keep !== true) continue;
    }
    const item = evaluate(expr.value, inner, depth + 1);
    if (expr.kind === 'tuple') tuple.push(item);
    else {
      const k = expr.key ? evaluate(expr.key, inner, depth + 1) : key;
      if (k instanceof Unknown) return relabel(k, expr.text);
      if (isSym(k))
        return new Unknown(expr.text, `a key of the result is known only after apply (${k.text})`);
      const name = textOf(k);
      if (name === undefined) return refused(expr, 'a key of the result is not a string');
      if (expr.group) {
        const list = (Object.hasOwn(object, name) ? object[name] : []) as Val[];
        list.push(item);
        object[name] = list;
      } else if (Object.hasOwn(object, name))
        // Without the grouping `...`, two elements with one key are an error
        // (https://developer.hashicorp.com/terraform/language/expressions/for#grouping-results).
        return refused(expr, `two elements have the key ${name} (group them with ...)`);
      else object[name] = item;
    }
  }
  return expr.kind === 'tuple' ? tuple : object;
}

function call(expr: Extract<Expr, { t: 'call' }>, scope: Scope, depth: number): Val {
  const name = expr.name.replace(/^provider::[^:]+::/, '');
  const lazy = lazyFunctionNamed(name);
  if (lazy)
    return lazy({
      expr,
      evaluate: (arg) => evaluate(arg, scope, depth + 1),
      readFile: (path) => scope.readFile(path),
      evaluateWith: (inner, variables) => evaluate(inner, isolated(scope, variables), depth + 1),
      inTemplateFile: scope.inTemplateFile === true,
      scope,
    });
  let args = expr.args.map((arg) => evaluate(arg, scope, depth + 1));
  if (expr.expand && args.length > 0) {
    const last = args[args.length - 1]!;
    if (last instanceof Unknown) return relabel(last, expr.text);
    if (Array.isArray(last)) args = [...args.slice(0, -1), ...last];
  }
  const run = functionNamed(name);
  if (!run) return new Unknown(expr.text, `function ${expr.name}() is not evaluated`);
  return run({ expr, args, unknown: firstUnknown(args, expr), scope });
}
