/**
 * Terraform's type constraints on input variables (`type = list(object({ name = string, key =
 * optional(string, "alias/x") }))`) and the conversion a value undergoes to meet one: primitives
 * convert ("41" to a number, "true" to a bool, 5 to a string), an object attribute declared
 * optional() and left out (or null) takes its default or null, attributes the type does not
 * declare are dropped. The rules are those of
 * https://developer.hashicorp.com/terraform/language/expressions/type-constraints (conversion of
 * primitive and complex types, optional object type attributes). A value that cannot convert is
 * one Terraform refuses: UNKNOWN, never the value as written.
 */

import { byCodePoints } from '../../model/text.js';
import {
  canonicalJson,
  clip,
  isObject,
  isSym,
  textOf,
  toPlain,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import type { Expr } from './hcl.js';

export type TypeConstraint =
  | { kind: 'any' }
  | { kind: 'string' | 'number' | 'bool' }
  | { kind: 'list' | 'set' | 'map'; element: TypeConstraint }
  | { kind: 'tuple'; elements: TypeConstraint[] }
  | { kind: 'object'; attributes: Map<string, ObjectAttribute> };

export interface ObjectAttribute {
  type: TypeConstraint;
  optional: boolean;
  /** optional(type, DEFAULT): the default as written, evaluated when it is needed. */
  default?: Expr;
}

const ANY: TypeConstraint = { kind: 'any' };
const MAX_TYPE_DEPTH = 32;

/** The type constraint an expression writes; `any` for what is not one (never a refusal). */
export function typeConstraint(expr: Expr | undefined, depth = 0): TypeConstraint {
  if (!expr || depth > MAX_TYPE_DEPTH) return ANY;
  if (expr.t === 'var') {
    if (expr.name === 'string' || expr.name === 'number' || expr.name === 'bool') return { kind: expr.name };
    return ANY;
  }
  // Terraform 0.11's quoted types: "string", "list" and "map".
  const quoted =
    expr.t === 'lit' ? expr.v : expr.t === 'tmpl' && expr.parts.length === 1 ? expr.parts[0] : undefined;
  if (typeof quoted === 'string') {
    if (quoted === 'string') return { kind: 'string' };
    if (quoted === 'list' || quoted === 'map') return { kind: quoted, element: ANY };
    return ANY;
  }
  if (expr.t !== 'call') return ANY;
  const [first] = expr.args;
  switch (expr.name) {
    case 'list':
    case 'set':
    case 'map':
      return { kind: expr.name, element: typeConstraint(first, depth + 1) };
    case 'tuple':
      return first?.t === 'tuple'
        ? { kind: 'tuple', elements: first.items.map((item) => typeConstraint(item, depth + 1)) }
        : ANY;
    case 'object': {
      if (first?.t !== 'object') return ANY;
      const attributes = new Map<string, ObjectAttribute>();
      for (const { key, value } of first.entries) {
        const name =
          key.t === 'lit' ? key.v : key.t === 'tmpl' && key.parts.length === 1 ? key.parts[0] : undefined;
        if (typeof name !== 'string') continue;
        if (value.t === 'call' && value.name === 'optional') {
          const [type, fallback] = value.args;
          attributes.set(name, {
            type: typeConstraint(type, depth + 1),
            optional: true,
            ...(fallback ? { default: fallback } : {}),
          });
        } else attributes.set(name, { type: typeConstraint(value, depth + 1), optional: false });
      }
      return { kind: 'object', attributes };
    }
    default:
      return ANY;
  }
}

/**
 * A value converted to a type constraint, as Terraform converts an input variable's value (and its
 * default): `evaluateDefault` gives the value of an optional attribute's default.
 */
export function convert(
  value: Val,
  type: TypeConstraint,
  evaluateDefault: (expr: Expr) => Val,
  what: string,
  depth = 0,
): Val {
  if (type.kind === 'any' || value instanceof Unknown || isSym(value) || depth > MAX_TYPE_DEPTH) return value;
  if (value === null) return null;
  const refused = (why: string) =>
    new Unknown(clipped(value), `${what}: ${why}, so Terraform refuses the value`, []);
  switch (type.kind) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return refused('not a string');
    case 'number': {
      if (typeof value === 'number') return value;
      const text = typeof value === 'string' ? value.trim() : undefined;
      if (text !== undefined && /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) return Number(text);
      return refused('not a number');
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return refused('not a bool');
    case 'list':
    case 'set': {
      if (!Array.isArray(value)) return refused(`not a ${type.kind}`);
      const items = value.map((item) => convert(item, type.element, evaluateDefault, what, depth + 1));
      if (type.kind === 'list') return items;
      // A set has each element once; a set of strings is in lexical order (as toset() makes it).
      const seen = new Set<string>();
      const unique = items.filter((item) => {
        const key = canonicalJson(item);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      return asSet(
        unique.every((item) => typeof item === 'string') ? (unique as string[]).sort(byCodePoints) : unique,
      );
    }
    case 'map': {
      if (!isObject(value)) return refused('not a map');
      const out: ValObject = {};
      for (const [key, item] of Object.entries(value))
        out[key] = convert(item, type.element, evaluateDefault, what, depth + 1);
      return out;
    }
    case 'tuple': {
      if (!Array.isArray(value) || value.length !== type.elements.length)
        return refused('not a tuple of that length');
      return value.map((item, i) => convert(item, type.elements[i]!, evaluateDefault, what, depth + 1));
    }
    case 'object': {
      if (!isObject(value)) return refused('not an object');
      const out: ValObject = {};
      for (const [name, attribute] of type.attributes) {
        const given = Object.hasOwn(value, name) ? value[name]! : null;
        if (given !== null) out[name] = convert(given, attribute.type, evaluateDefault, what, depth + 1);
        else if (attribute.optional)
          out[name] = attribute.default
            ? convert(evaluateDefault(attribute.default), attribute.type, evaluateDefault, what, depth + 1)
            : null;
        else if (Object.hasOwn(value, name)) out[name] = null;
        else return refused(`attribute ${name} is required`);
      }
      return out;
    }
  }
}

/**
 * The lists that are sets: what toset() and a `set(...)` type constraint make. Terraform tells a
 * set from a list or tuple where it matters (for_each takes a map or a set of strings), and both
 * are arrays here.
 */
const SETS = new WeakSet<Val[]>();

/** Marks a list as a set, and returns it. */
export function asSet(list: Val[]): Val[] {
  SETS.add(list);
  return list;
}

export const isSet = (value: Val | undefined): value is Val[] => Array.isArray(value) && SETS.has(value);

const clipped = (value: Val): string =>
  clip(textOf(value) ?? JSON.stringify(toPlain(value)) ?? String(value));
