/**
 * count and for_each: the instances a resource or module block makes, each with its address
 * suffix and the values (`count.index`, `each.key`, `each.value`) its expressions see. Past
 * MAX_INSTANCES only the first are evaluated, and the scan says so.
 */
import type { SourceIssue } from '../../model/finding.js';
import { pushOnce } from '../common/issues.js';
import {
  boundedId,
  clip,
  Invalid,
  isObject,
  isSym,
  textOf,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import { type Declared, declaredAt, instanceSuffix, resourceAddress } from './declarations.js';
import { evaluate, type Scope } from './expressions.js';
import type { Attribute, Block } from './hcl.js';
import { convert, isSet } from './types.js';

/** Instances of one count or for_each that are evaluated, at most; more is an issue. */
export const MAX_INSTANCES = 1_000;

/** One instance: `[0]` or `["key"]` after the block's address, and what count/each are in it. */
export interface Expansion {
  suffix: string;
  extra: Record<string, Val>;
}

/** count / for_each: one entry per instance, with count.index or each.key/each.value. */
export function expandInstances(
  declared: Declared<Block>,
  scope: Scope,
  issues: SourceIssue[],
): Expansion[] | Unknown {
  const body = declared.item.body;
  const count = body.attributes.get('count');
  if (count) {
    // "The count meta-argument accepts a whole number"
    // (https://developer.hashicorp.com/terraform/language/meta-arguments/count): the value is
    // converted to a number (the string "2" is 2), and null, a value that is no whole number and a
    // negative one fail the plan ("Invalid count argument", hashicorp/terraform
    // internal/terraform/eval_count.go). A count known only later is no error.
    const value = evaluate(count.expr, scope);
    if (value instanceof Unknown) return value;
    if (isSym(value)) return new Unknown(count.expr.text, `count is known only after apply (${value.text})`);
    const n = value === null ? null : convert(value, { kind: 'number' }, () => null, 'count');
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
      return refusedExpansion(
        declared,
        count,
        'tf.invalid_count',
        `count = ${clip(count.expr.text)} is not a whole number of 0 or more`,
        'write count = a whole number of 0 or more (count = var.enabled ? 1 : 0)',
        issues,
      );
    capped(declared, 'count', n, issues);
    return Array.from({ length: Math.min(Math.floor(n), MAX_INSTANCES) }, (_, i) => ({
      suffix: `[${i}]`,
      extra: { count: { index: i } },
    }));
  }
  const forEach = body.attributes.get('for_each');
  if (forEach) {
    // A map, or a set of strings (https://developer.hashicorp.com/terraform/language/meta-arguments/for_each):
    // anything else is an error, and a value known only after apply cannot be expanded before.
    const collection = evaluate(forEach.expr, scope);
    if (collection instanceof Unknown) return collection;
    if (isSym(collection))
      return new Unknown(forEach.expr.text, `for_each is known only after apply (${collection.text})`);
    const refused = !isObject(collection)
      ? !isSet(collection)
        ? `for_each is ${Array.isArray(collection) ? 'a list, not a set' : 'neither a map nor a set'} (it takes a map or a set of strings: toset() makes one)`
        : collection.some((item) => typeof item !== 'string')
          ? 'for_each is a set of values that are not all strings (it takes a map or a set of strings)'
          : undefined
      : undefined;
    if (refused)
      return refusedExpansion(
        declared,
        forEach,
        'tf.invalid_for_each',
        refused,
        'write for_each = toset([...]) or a map',
        issues,
      );
    const entries: [string, Val][] = isSet(collection)
      ? collection.map((item) => [textOf(item)!, item])
      : Object.entries(collection as ValObject);
    capped(declared, 'for_each', entries.length, issues);
    return entries.slice(0, MAX_INSTANCES).map(([key, value]) => ({
      suffix: instanceSuffix(key),
      extra: { each: { key, value } },
    }));
  }
  return [{ suffix: '', extra: {} }];
}

/**
 * A count or for_each Terraform refuses: an error naming the block and the line, and an Invalid
 * expansion, so that what the block makes is judged UNKNOWN (Terraform plans none of it), never PASS.
 */
function refusedExpansion(
  declared: Declared<Block>,
  attribute: Attribute,
  code: 'tf.invalid_count' | 'tf.invalid_for_each',
  refused: string,
  fix: string,
  issues: SourceIssue[],
): Invalid {
  pushOnce(issues, {
    code,
    severity: 'error',
    message: `${addressOf(declared)}: ${refused}: an error in Terraform`,
    hint: `${fix}; until then the resource is judged UNKNOWN`,
    location: declaredAt(declared.file, attribute.line),
  });
  return new Invalid(attribute.expr.text, `${refused}: an error in Terraform`);
}

/** How a message names a resource or module block: its address in its module. */
function addressOf(declared: Declared<Block>): string {
  const [type = '', name = ''] = declared.item.labels;
  return declared.item.type === 'module' ? `module.${boundedId(type)}` : resourceAddress('', type, name);
}

/** A count or for_each over the cap: only the first instances are judged, and the scan says so. */
function capped(
  declared: Declared<Block>,
  what: 'count' | 'for_each',
  n: number,
  issues: SourceIssue[],
): void {
  if (n <= MAX_INSTANCES) return;
  pushOnce(issues, {
    code: 'tf.instances_capped',
    severity: 'error',
    message: `${addressOf(declared)}: ${what} makes ${n} instances; only the first ${MAX_INSTANCES} are evaluated`,
    hint: 'the scan is incomplete for the rest; scan a plan (terraform show -json) to judge every instance',
    location: declaredAt(declared.file, declared.item.line),
  });
}
