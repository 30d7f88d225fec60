/**
 * Terraform's built-in functions that configurations use for keys and policies (jsonencode,
 * merge, lookup, concat, format, try, ...), one small named function per built-in. A function
 * that is not in the table is not evaluated: its call is UNKNOWN, never a guess.
 *
 * Every function charges the expression's budget (`budget.ts`) for the work it does: a function
 * that would build a huge string, list or value, or run a regular expression that could
 * backtrack, is UNKNOWN with an issue.
 *
 * A new function: one entry in `FUNCTIONS` (or `LAZY_FUNCTIONS` when it must see its arguments
 * before they are evaluated) and a case in test/parsers/terraform-functions.test.ts.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { depthWithin } from '../../model/many.js';
import { byCodePoints } from '../../model/text.js';
import {
  canonicalJson,
  Invalid,
  isObject,
  isSym,
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
  MAX_LIST,
  MAX_STRING,
  overBudget,
  TOO_MANY_STEPS,
} from './budget.js';
import { type Expr, parseTemplateText } from './hcl.js';
import { asSet, isSet } from './types.js';

export type CallExpr = Extract<Expr, { t: 'call' }>;

/** What a built-in function may use of the scope it is called in. */
export interface FunctionScope extends BudgetScope {
  /** A file's bytes for file() and its kin, a relative path from the root module's directory; undefined when it cannot be read. */
  readFile(path: string): Uint8Array | undefined;
}

/** A call of a built-in function, its arguments evaluated. */
export interface FunctionCall {
  /** The call as written (its text names the expression in UNKNOWN values). */
  readonly expr: CallExpr;
  /** The arguments, evaluated, with a final `...` argument spread. */
  readonly args: readonly Val[];
  /** The first argument that is UNKNOWN, as an UNKNOWN of the whole call. */
  readonly unknown: Unknown | undefined;
  readonly scope: FunctionScope;
}

export type TerraformFunction = (call: FunctionCall) => Val;

/** A call of a built-in that looks at its arguments before any is reduced to UNKNOWN (try, can). */
export interface LazyCall {
  readonly expr: CallExpr;
  evaluate(arg: Expr): Val;
  /** A file's bytes, a relative path from the root module's directory; undefined when it cannot be read. */
  readFile(path: string): Uint8Array | undefined;
  /** An expression evaluated with these variables and no other reference (a template file's). */
  evaluateWith(expr: Expr, variables: ValObject): Val;
  /** Whether the call is in a template file templatefile() renders. */
  readonly inTemplateFile: boolean;
  /** Where the call charges work it does besides evaluating its arguments. */
  readonly scope: BudgetScope;
}

export type LazyTerraformFunction = (call: LazyCall) => Val;

export function truthy(value: Val): boolean {
  return value === true || value === 'true';
}

function asList(value: Val): Val[] | undefined {
  if (Array.isArray(value)) return value;
  return undefined;
}

/** The first UNKNOWN among values, as an UNKNOWN of the expression. */
export function firstUnknown(values: readonly Val[], expr: Expr): Unknown | undefined {
  for (const value of values) if (value instanceof Unknown) return relabel(value, expr.text);
  return undefined;
}

/** A function of known arguments only: any UNKNOWN argument makes the call UNKNOWN. */
const strict =
  (run: TerraformFunction): TerraformFunction =>
  (call) =>
    call.unknown ?? run(call);

/** Charges the linear work of reading or transforming a text: a step per 64 characters, as a string built. */
const chargeText = (text: string): boolean => charge(text.length >> 6);

/**
 * YAML is slow to parse here: about 3.6 µs a character (16 steps; 8 charged, the rest being the
 * first calls' compilation), and a map's keys are checked against each other, 25 ns a pair (a
 * 357 KB document of 16,000 keys: 7.2 s, 1.2 s of it parsing).
 */
const YAML_STEPS_PER_CHARACTER = 8;
const yamlSteps = (text: string): number => {
  let colons = 0;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) colons++;
  return text.length * YAML_STEPS_PER_CHARACTER + ((colons * colons) >> 3);
};

/** A function of one known string (not a value known only after apply). */
const onString = (transform: (text: string) => Val): TerraformFunction =>
  strict(({ expr, args: [a], scope }) => {
    const text = textOf(a ?? null);
    if (text === undefined || isSym(a)) return new Unknown(expr.text, 'not a known string');
    if (!chargeText(text)) return overBudget(expr, scope, TOO_MANY_STEPS);
    return transform(text);
  });

const passThrough: TerraformFunction = ({ args: [a] }) => a ?? null;

const toList: TerraformFunction = strict(({ args: [a] }) =>
  // tolist() of a set is a list: a copy, which is no set.
  Array.isArray(a) ? (isSet(a) ? a.slice() : a) : isObject(a) ? Object.values(a) : [],
);

const affix = (test: (text: string, affix: string) => boolean): TerraformFunction =>
  strict(({ expr, args: [a, b] }) => {
    const text = textOf(a ?? null);
    const other = textOf(b ?? null) ?? '';
    if (text === undefined || isSym(a)) return new Unknown(expr.text, 'not a known string');
    return test(text, other);
  });

const extreme = (pick: (...numbers: number[]) => number): TerraformFunction =>
  strict(({ args }) => pick(...args.map((arg) => Number(textOf(arg)))));

const jsonencode: TerraformFunction = strict(({ expr, args: [a], scope }) => {
  const over = chargeEncoding(a ?? null, expr, scope, 'it encodes a value that is too large');
  if (over) return over;
  // Terraform writes a map's keys in lexical order.
  return stringWithSyms(canonicalJson(a ?? null), a ?? null);
});

/** How deep a decoded document may nest: deeper, every walk of the value would overflow the stack. */
const MAX_DECODED_DEPTH = 200;

const decoded = (value: unknown, expr: Expr): Val =>
  depthWithin(value, MAX_DECODED_DEPTH)
    ? (value as Val)
    : new Unknown(expr.text, `the document nests deeper than ${MAX_DECODED_DEPTH} levels`);

const jsondecode: TerraformFunction = strict(({ expr, args: [a], scope }) => {
  const text = textOf(a ?? null) ?? 'null';
  // JSON.parse and the walk of what it made: about 4 ns a character.
  if (!chargeText(text)) return overBudget(expr, scope, TOO_MANY_STEPS);
  try {
    return decoded(JSON.parse(text), expr);
  } catch {
    return fails(expr, 'the argument is not JSON');
  }
});

const yamldecode: TerraformFunction = strict(({ expr, args: [a], scope }) => {
  const text = textOf(a ?? null) ?? '';
  if (!charge(yamlSteps(text))) return overBudget(expr, scope, TOO_MANY_STEPS);
  try {
    return decoded(parseYaml(text, { maxAliasCount: 100 }), expr);
  } catch {
    return fails(expr, 'the argument is not YAML');
  }
});

/**
 * Bytes as UTF-8 text, or undefined when they are not UTF-8: Terraform's strings are Unicode, and
 * file() and base64decode() fail on bytes that are not UTF-8
 * (https://developer.hashicorp.com/terraform/language/functions/file,
 * https://developer.hashicorp.com/terraform/language/functions/base64decode). A byte-order mark
 * is dropped, as the scan's other reads drop it.
 */
function utf8(bytes: Uint8Array): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A file's bytes for a function of a file (file(), filebase64(), filesha256(), ...), read inside
 * the scanned directories and bounded in size as every read of the scan is; each call reads and
 * charges the file again.
 */
function fileBytes(call: FunctionCall): Uint8Array | Unknown {
  const { expr, args, scope } = call;
  const [a] = args;
  const path = textOf(a ?? null);
  if (path === undefined || isSym(a)) return new Unknown(expr.text, 'the path is not a known string');
  const bytes = scope.readFile(path);
  if (bytes === undefined) return new Unknown(expr.text, `file ${path} cannot be read`);
  return charge(bytes.length >> 6) ? bytes : overBudget(expr, scope, TOO_MANY_STEPS);
}

const file: TerraformFunction = strict((call) => {
  const bytes = fileBytes(call);
  if (bytes instanceof Unknown) return bytes;
  return (
    utf8(bytes) ??
    fails(call.expr, `${textOf(call.args[0] ?? null)} is not UTF-8 text (filebase64() reads any bytes)`)
  );
});

/** The bytes of a string as Terraform encodes and hashes it: UTF-8. */
const stringBytes = (call: FunctionCall): Uint8Array | Unknown => {
  const { expr, args, scope } = call;
  const [a] = args;
  const text = textOf(a ?? null);
  if (text === undefined || isSym(a)) return new Unknown(expr.text, 'not a known string');
  if (!chargeText(text)) return overBudget(expr, scope, TOO_MANY_STEPS);
  return Buffer.from(text, 'utf8');
};

/** What a function makes of bytes (a file's or a string's). */
const ofBytes = (
  read: (call: FunctionCall) => Uint8Array | Unknown,
  make: (bytes: Uint8Array, call: FunctionCall) => Val,
): TerraformFunction =>
  strict((call) => {
    const bytes = read(call);
    return bytes instanceof Unknown ? bytes : make(bytes, call);
  });

/**
 * Bytes as Base64, the standard alphabet of RFC 4648 section 4 with its padding, as Terraform
 * writes it; no longer than a string may be (4 characters for every 3 bytes).
 */
const base64 = (bytes: Uint8Array, { expr, scope }: FunctionCall): Val =>
  Math.ceil(bytes.length / 3) * 4 > MAX_STRING
    ? overBudget(expr, scope, `it builds a string longer than ${MAX_STRING} characters`)
    : Buffer.from(bytes).toString('base64');

const digest =
  (algorithm: 'md5' | 'sha1' | 'sha256' | 'sha512', encoding: 'hex' | 'base64') =>
  (bytes: Uint8Array): string =>
    createHash(algorithm).update(bytes).digest(encoding);

/**
 * Standard Base64 (RFC 4648 section 4) with its padding: what Go's base64.StdEncoding, which
 * Terraform decodes with, takes (it skips line breaks). Node's own decoder takes anything,
 * dropping what is not Base64, so the text is checked first.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * base64decode(string): the bytes the Base64 stands for, as UTF-8 text; text that is not Base64,
 * or bytes that are not UTF-8, are an error in Terraform
 * (https://developer.hashicorp.com/terraform/language/functions/base64decode).
 */
const base64decode: TerraformFunction = strict(({ expr, args: [a], scope }) => {
  const text = textOf(a ?? null);
  if (text === undefined || isSym(a)) return new Unknown(expr.text, 'not a known string');
  if (!chargeText(text)) return overBudget(expr, scope, TOO_MANY_STEPS);
  const encoded = text.replace(/[\r\n]/g, '');
  if (!BASE64.test(encoded)) return fails(expr, 'the argument is not Base64 (RFC 4648, with its padding)');
  return utf8(Buffer.from(encoded, 'base64')) ?? fails(expr, 'the decoded bytes are not UTF-8 text');
});

/**
 * templatefile(path, vars): the file read (inside the scanned paths only) and rendered as a
 * template that sees only `vars` (https://developer.hashicorp.com/terraform/language/functions/templatefile).
 */
const templatefile: LazyTerraformFunction = ({
  expr,
  evaluate,
  readFile,
  evaluateWith,
  inTemplateFile,
  scope,
}) => {
  // "templatefile ... cannot be called from inside a template file": Terraform refuses the recursion.
  if (inTemplateFile) return fails(expr, 'templatefile() called from a template file');
  const [pathArg, varsArg] = expr.args;
  if (!pathArg || !varsArg)
    return new Unknown(expr.text, 'templatefile() needs a path and a map of variables');
  const path = evaluate(pathArg);
  if (path instanceof Unknown) return relabel(path, expr.text);
  const variables = evaluate(varsArg);
  if (variables instanceof Unknown) return relabel(variables, expr.text);
  const name = textOf(path);
  if (name === undefined || isSym(path))
    return new Unknown(expr.text, 'the template path is not a known string');
  if (!isObject(variables)) return fails(expr, 'the variables of templatefile() are not a map');
  const bytes = readFile(name);
  if (bytes === undefined) return new Unknown(expr.text, `file ${name} cannot be read`);
  const text = utf8(bytes);
  if (text === undefined) return fails(expr, `${name} is not UTF-8 text`);
  // Each call reads and parses the file again: about 0.1 µs a character (a 1.2 MB template
  // rendered 40 times took 4 s of CPU for 1.9 million steps before it was charged).
  if (!charge(text.length >> 1)) return overBudget(expr, scope, TOO_MANY_STEPS);
  const template = parseTemplateText(text);
  if ('error' in template)
    return fails(expr, `${name} is not a template (${template.error}, line ${template.line})`);
  const value = evaluateWith(template, variables);
  return value instanceof Unknown ? relabel(value, expr.text) : value;
};

const merge: TerraformFunction = strict(({ args }) => {
  const out: ValObject = {};
  for (const arg of args) if (isObject(arg)) Object.assign(out, arg);
  return out;
});

const concat: TerraformFunction = strict(({ expr, args, scope }) => {
  const total = args.reduce<number>((n, arg) => n + (asList(arg)?.length ?? 0), 0);
  if (total > MAX_LIST || !charge(total))
    return overBudget(expr, scope, `it builds a list of ${total} items`);
  return args.flatMap((arg) => asList(arg) ?? []);
});

const flatten: TerraformFunction = strict(({ expr, args: [a], scope }) => {
  const over = chargeEncoding(a ?? [], expr, scope, 'it flattens a value that is too large');
  if (over) return over;
  const flat = (value: Val): Val[] => (Array.isArray(value) ? value.flatMap(flat) : [value]);
  return flat(a ?? []);
});

const compact: TerraformFunction = strict(({ args: [a] }) =>
  (asList(a ?? []) ?? []).filter((item) => item !== null && item !== ''),
);

const distinct: TerraformFunction = strict(({ expr, args: [a], scope }) => {
  const over = chargeEncoding(a ?? [], expr, scope, 'the list is too large');
  if (over) return over;
  const seen = new Set<string>();
  return (asList(a ?? []) ?? []).filter((item) => {
    const k = canonicalJson(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
});

/** toset(list): its distinct elements, strings in lexical order (as Terraform orders a set of strings). */
const toset: TerraformFunction = (call) => {
  const list = toList(call);
  if (!Array.isArray(list)) return list;
  const unique = distinct({ ...call, args: [list] });
  if (!Array.isArray(unique)) return unique;
  if (!unique.every((item) => typeof item === 'string')) return asSet(unique);
  return asSet([...(unique as string[])].sort(byCodePoints));
};

/** lookup(map, key, default): a known key of a known map is found even when the default is UNKNOWN. */
const lookup: TerraformFunction = ({ expr, args: [a, b, c] }) => {
  if (a instanceof Unknown) return relabel(a, expr.text);
  // A key known only after apply (the Region a data source reads) may be any key: neither an
  // element nor the default can be chosen before.
  if (isSym(b)) return new Unknown(expr.text, `the key is known only after apply (${b.text})`);
  const key = textOf(b ?? null);
  if (isObject(a) && key !== undefined && key in a) return a[key]!;
  if (b instanceof Unknown) return relabel(b, expr.text);
  return c === undefined ? fails(expr, `the map has no key ${key}`) : c;
};

/**
 * element(list, index): the index wraps around the end of the list; a negative one, or an empty
 * list, is an error (https://developer.hashicorp.com/terraform/language/functions/element).
 */
const element: TerraformFunction = strict(({ expr, args: [a, b] }) => {
  const list = asList(a ?? []);
  const n = Number(textOf(b ?? 0));
  if (!Number.isInteger(n) || n < 0) return fails(expr, 'element() of an index that is not a whole number');
  return list && list.length > 0
    ? list[((n % list.length) + list.length) % list.length]!
    : fails(expr, 'element() of an empty list');
});

const one: TerraformFunction = strict(({ expr, args: [a] }) => {
  const list = asList(a ?? []) ?? [];
  return list.length === 0
    ? null
    : list.length === 1
      ? list[0]!
      : fails(expr, 'one() of more than one element');
});

const keys: TerraformFunction = strict(({ args: [a] }) => (isObject(a) ? Object.keys(a).sort() : []));

const values: TerraformFunction = strict(({ args: [a] }) =>
  isObject(a)
    ? Object.keys(a)
        .sort()
        .map((k) => a[k]!)
    : [],
);

const length: TerraformFunction = strict(({ args: [a] }) =>
  Array.isArray(a) ? a.length : isObject(a) ? Object.keys(a).length : typeof a === 'string' ? a.length : 0,
);

const contains: TerraformFunction = strict(({ expr, args: [a, b], scope }) => {
  const over =
    chargeEncoding(a ?? [], expr, scope, 'the list is too large') ??
    chargeEncoding(b ?? null, expr, scope, 'the list is too large');
  if (over) return over;
  const wanted = canonicalJson(b ?? null);
  const list = asList(a ?? []) ?? [];
  if (list.some((item) => canonicalJson(item) === wanted)) return true;
  // A value known only after apply may equal any element: not known until then.
  if (isSym(b) || list.some(isSym))
    return new Unknown(expr.text, 'it compares a value known only after apply');
  return false;
});

const zipmap: TerraformFunction = strict(({ args: [a, b] }) => {
  const names = asList(a ?? []) ?? [];
  const items = asList(b ?? []) ?? [];
  const out: ValObject = {};
  names.forEach((key, i) => {
    const k = textOf(key);
    if (k !== undefined) out[k] = items[i] ?? null;
  });
  return out;
});

/**
 * coalesce(...): the first argument that is neither null nor empty; an UNKNOWN before it makes it
 * UNKNOWN; none at all is an error ("no non-null, non-empty-string arguments",
 * https://developer.hashicorp.com/terraform/language/functions/coalesce).
 */
const coalesce: TerraformFunction = ({ expr, args }) => {
  for (const arg of args) {
    if (arg instanceof Unknown) return relabel(arg, expr.text);
    if (arg !== null && arg !== '') return arg;
  }
  return fails(expr, 'coalesce() of only null and empty arguments');
};

const coalescelist: TerraformFunction = ({ expr, args }) => {
  for (const arg of args) {
    if (arg instanceof Unknown) return relabel(arg, expr.text);
    if (Array.isArray(arg) && arg.length > 0) return arg;
  }
  return [];
};

const tostring: TerraformFunction = strict(({ expr, args: [a] }) =>
  a === null
    ? null
    : isSym(a)
      ? a
      : (textOf(a ?? null) ?? fails(expr, 'tostring() of a value that is not a primitive')),
);

const tonumber: TerraformFunction = strict(({ expr, args: [a] }) => {
  if (a === null || a === undefined) return null;
  if (isSym(a)) return new Unknown(expr.text, `a value known only after apply (${a.text})`);
  const text = typeof a === 'number' ? String(a) : typeof a === 'string' ? a.trim() : undefined;
  return text !== undefined && /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)
    ? Number(text)
    : fails(expr, 'tonumber() of a value that is not a number');
});

const tobool: TerraformFunction = strict(({ expr, args: [a] }) => {
  if (a === null || a === undefined) return null;
  if (isSym(a)) return new Unknown(expr.text, `a value known only after apply (${a.text})`);
  if (a === true || a === false) return a;
  return a === 'true' || a === 'false' ? a === 'true' : fails(expr, 'tobool() of a value that is not a bool');
});

const join: TerraformFunction = strict(({ expr, args: [a, b], scope }) => {
  const list = asList(b ?? []) ?? [];
  const inner = firstUnknown(list, expr);
  if (inner) return inner;
  if (list.length > MAX_LIST) return overBudget(expr, scope, `it joins more than ${MAX_LIST} items`);
  return concatenate(
    list.flatMap((item, i) => (i === 0 ? [item] : [textOf(a ?? '') ?? '', item])),
    expr,
    scope,
  );
});

const split: TerraformFunction = strict(({ expr, args: [a, b], scope }) => {
  const text = textOf(b ?? null);
  if (text === undefined || isSym(b))
    return new Unknown(expr.text, 'it splits a value known only after apply');
  const pieces = text.split(textOf(a ?? '') ?? '');
  if (pieces.length > MAX_LIST || !charge(pieces.length + (text.length >> 6)))
    return overBudget(expr, scope, `it builds a list of ${pieces.length} items`);
  return pieces;
});

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

const replace: TerraformFunction = strict(({ expr, args: [a, b, c], scope }) => {
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
    // What the match may take, charged: a quantifier may try every length at every position,
    // (4,096 characters of "a" against /a+b/: 18 ms here, 40 ms for /.*a...ab/), else linear.
    const work = repeats === 0 ? text.length >> 6 : (text.length * text.length) >> 6;
    if (!charge(work + (from.length >> 6))) return overBudget(expr, scope, TOO_MANY_STEPS);
    try {
      return text.replace(new RegExp(from.slice(1, -1), 'g'), to.replace(/\$\{(\d+)\}/g, '$$$1'));
    } catch {
      return new Unknown(expr.text, 'an invalid regular expression');
    }
  }
  const pieces = text.split(from);
  const built = text.length + (pieces.length - 1) * (to.length - from.length);
  if (built > MAX_STRING)
    return overBudget(expr, scope, `it builds a string longer than ${MAX_STRING} characters`);
  return pieces.join(to);
});

const format: TerraformFunction = strict(({ expr, args, scope }) => {
  const template = textOf(args[0] ?? null);
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
});

const substr: TerraformFunction = strict(({ expr, args: [a, b, c] }) => {
  const text = textOf(a ?? null);
  if (text === undefined || isSym(a)) return new Unknown(expr.text, 'not a known string');
  const offset = Number(b);
  const count = Number(c);
  return count < 0 ? text.slice(offset) : text.slice(offset, offset + count);
});

const range: TerraformFunction = strict(({ expr, args, scope }) => {
  const numbers = args.map((arg) => Number(textOf(arg)));
  const [start, end, step] =
    numbers.length === 1 ? [0, numbers[0]!, 1] : [numbers[0]!, numbers[1]!, numbers[2] ?? 1];
  if (![start, end, step].every(Number.isFinite) || step === 0)
    return new Unknown(expr.text, 'range() of values that are not finite numbers');
  const count = Math.max(0, Math.ceil((end - start) / step));
  if (count > MAX_LIST || !charge(count)) return overBudget(expr, scope, `range() of ${count} numbers`);
  const out: number[] = [];
  for (let n = start; step > 0 ? n < end : n > end; n += step) out.push(n);
  return out;
});

const sort: TerraformFunction = strict(({ expr, args: [a], scope }) => {
  const list = asList(a ?? []) ?? [];
  // A comparison costs about a step: n log n of them.
  if (!charge(list.length * Math.ceil(Math.log2(list.length + 1))))
    return overBudget(expr, scope, TOO_MANY_STEPS);
  // "sorted lexicographically ... in terms of Unicode codepoints"
  // (https://developer.hashicorp.com/terraform/language/functions/sort), whatever the machine's locale.
  return [...list].sort((x, y) => byCodePoints(String(textOf(x)), String(textOf(y))));
});

const reverse: TerraformFunction = strict(({ args: [a] }) => [...(asList(a ?? []) ?? [])].reverse());

const alltrue: TerraformFunction = strict(({ args: [a] }) => (asList(a ?? []) ?? []).every(truthy));

const anytrue: TerraformFunction = strict(({ args: [a] }) => (asList(a ?? []) ?? []).some(truthy));

const sum: TerraformFunction = strict(({ args: [a] }) =>
  (asList(a ?? []) ?? []).reduce<number>((total, item) => total + Number(textOf(item)), 0),
);

/** The built-in functions evaluated, by name (a `provider::x::` prefix is dropped before lookup). */
export const FUNCTIONS: Readonly<Record<string, TerraformFunction>> = Object.freeze({
  jsonencode,
  jsondecode,
  yamldecode,
  file,
  // https://developer.hashicorp.com/terraform/language/functions/filebase64 and the hash
  // functions (base64sha256, filesha256, md5, ...): the digest of the UTF-8 bytes of a string, or
  // of a file's bytes, in hexadecimal or Base64.
  filebase64: ofBytes(fileBytes, base64),
  filebase64sha256: ofBytes(fileBytes, digest('sha256', 'base64')),
  filebase64sha512: ofBytes(fileBytes, digest('sha512', 'base64')),
  filemd5: ofBytes(fileBytes, digest('md5', 'hex')),
  filesha1: ofBytes(fileBytes, digest('sha1', 'hex')),
  filesha256: ofBytes(fileBytes, digest('sha256', 'hex')),
  filesha512: ofBytes(fileBytes, digest('sha512', 'hex')),
  base64encode: ofBytes(stringBytes, base64),
  base64decode,
  base64sha256: ofBytes(stringBytes, digest('sha256', 'base64')),
  base64sha512: ofBytes(stringBytes, digest('sha512', 'base64')),
  md5: ofBytes(stringBytes, digest('md5', 'hex')),
  sha1: ofBytes(stringBytes, digest('sha1', 'hex')),
  sha256: ofBytes(stringBytes, digest('sha256', 'hex')),
  sha512: ofBytes(stringBytes, digest('sha512', 'hex')),
  merge,
  concat,
  flatten,
  compact,
  distinct,
  lookup,
  element,
  one,
  keys,
  values,
  length,
  contains,
  zipmap,
  coalesce,
  coalescelist,
  tolist: toList,
  toset,
  tomap: passThrough,
  toobject: passThrough,
  tostring,
  tonumber,
  tobool,
  nonsensitive: passThrough,
  sensitive: passThrough,
  lower: onString((text) => text.toLowerCase()),
  upper: onString((text) => text.toUpperCase()),
  trimspace: onString((text) => text.trim()),
  title: onString((text) => text.replace(/\b\w/g, (ch) => ch.toUpperCase())),
  join,
  split,
  replace,
  format,
  substr,
  startswith: affix((text, prefix) => text.startsWith(prefix)),
  endswith: affix((text, suffix) => text.endsWith(suffix)),
  max: extreme(Math.max),
  min: extreme(Math.min),
  abs: strict(({ args: [a] }) => Math.abs(Number(textOf(a ?? 0)))),
  range,
  sort,
  reverse,
  alltrue,
  anytrue,
  sum,
});

/** Built-ins that see their arguments as written: an argument that cannot be evaluated is their subject. */
export const LAZY_FUNCTIONS: Readonly<Record<string, LazyTerraformFunction>> = Object.freeze({
  templatefile,
  /**
   * try(): the first argument evaluated without an error; an argument that depends on a value not
   * known yet makes the result not known either, since it may fail once known
   * (https://developer.hashicorp.com/terraform/language/functions/try). A value known only after
   * apply (a resource's ARN) is what it will be.
   */
  try: ({ expr, evaluate }) => {
    for (const arg of expr.args) {
      const value = evaluate(arg);
      if (value instanceof Invalid) continue;
      if (value instanceof Unknown) return relabel(value, expr.text);
      return value;
    }
    return fails(expr, 'none of the arguments of try() can be evaluated');
  },
  /** can(): false for an error, true for a value, not known for a value not known yet. */
  can: ({ expr, evaluate }) => {
    const [arg] = expr.args;
    if (!arg) return new Unknown(expr.text, 'can() needs an expression to try');
    const value = evaluate(arg);
    if (value instanceof Invalid) return false;
    if (value instanceof Unknown) return relabel(value, expr.text);
    return true;
  },
});

/** What a function refuses: an error in Terraform, which try() and can() catch. */
function fails(expr: Expr, why: string): Invalid {
  return new Invalid(expr.text, `${why}: an error in Terraform`);
}

/** The table's entry for a name, never an inherited property (`constructor`, `toString`, ...). */
export function functionNamed(name: string): TerraformFunction | undefined {
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
}

export function lazyFunctionNamed(name: string): LazyTerraformFunction | undefined {
  return Object.hasOwn(LAZY_FUNCTIONS, name) ? LAZY_FUNCTIONS[name] : undefined;
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
