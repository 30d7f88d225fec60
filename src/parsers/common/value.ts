/**
 * The values IaC evaluators produce: plain JSON data, plus three markers for what a template or
 * configuration does not pin down before deployment.
 *
 * - `Unknown`: a value that cannot be known from the files (an unset parameter or variable, a
 *   condition on such an input, an attribute known only after apply). It keeps the expression as
 *   written and the inputs that are missing; it becomes an `Unresolved` in the inventory.
 * - `Sym`: a value known only by name: an attribute of a resource in the same files
 *   (`!GetAtt Key.Arn`, `aws_kms_key.root.arn`) or the deploying account, region or partition.
 *   Its `text` is stable, so the same reference written twice compares equal (a key policy
 *   principal `!GetAtt Role.Arn` matches an ExecutionRole `!GetAtt Role.Arn`), and its `target`
 *   says which resource it names, so a volume key reference resolves to the key defined alongside.
 * - `NO_VALUE`: CloudFormation's `AWS::NoValue` (and Terraform's `null` attribute): the property
 *   is removed.
 */
import { createHash } from 'node:crypto';
import type { Location, Unresolved } from '../../model/inventory.js';
import { type RegionPartition, regionPartition } from '../../model/regions.js';
import { shortened } from '../../model/text.js';

/** The most of an Unknown's expression or reason the inventory keeps. */
const MAX_UNRESOLVED_CHARS = 1_000;

export class Unknown {
  constructor(
    readonly expression: string,
    readonly reason: string,
    readonly inputs: readonly string[] = [],
  ) {}

  /**
   * What the inventory keeps of it, each text bounded: an expression, a reason or an input may
   * quote a name from the files (a logical id, an address, a parameter name) of any length, and
   * is copied into every finding on the value.
   */
  toUnresolved(): Unresolved {
    const inputs = [...new Set(this.inputs.map((input) => boundedId(input)))];
    return {
      unresolved: shortened(this.expression, MAX_UNRESOLVED_CHARS),
      reason: shortened(this.reason, MAX_UNRESOLVED_CHARS),
      ...(inputs.length > 0 ? { inputs } : {}),
    };
  }
}

/**
 * An expression the language itself refuses when it is evaluated (Terraform: reading an attribute
 * an object does not have, an index past the end of a list, arithmetic on a string): the
 * deployment would stop with that error. It is UNKNOWN like any value the files do not pin down,
 * but `try()` falls back past it and `can()` is false for it, as the language defines.
 */
export class Invalid extends Unknown {}

/** The same unknown under another expression (the one that contains it), keeping whether it is an error. */
export function relabel(value: Unknown, expression: string): Unknown {
  return value instanceof Invalid
    ? new Invalid(expression, value.reason, value.inputs)
    : new Unknown(expression, value.reason, value.inputs);
}

/** The resource a symbolic value names: its inventory id and type, and the attribute read. */
export interface ResourceTarget {
  id: string;
  type: string;
  attribute?: string;
}

export class Sym {
  constructor(
    readonly text: string,
    readonly target?: ResourceTarget,
    /**
     * The one reference to a resource within a text made around it (`key/${Key}` holds `${Key}`),
     * so that a text joined around this one in turn still knows what it holds.
     */
    readonly holds?: Sym,
  ) {}
}

/**
 * The one reference to a resource that a text made of these parts holds (a part that is the
 * reference, or a text around it that holds it), or undefined when they hold none or several.
 */
export function heldReference(parts: readonly Val[]): Sym | undefined {
  let reference: Sym | undefined;
  for (const part of parts) {
    const held = part instanceof Sym ? (part.target ? part : part.holds) : undefined;
    if (!held) continue;
    if (reference) return undefined;
    reference = held;
  }
  return reference;
}

export const NO_VALUE: unique symbol = Symbol('NoValue');
export type NoValue = typeof NO_VALUE;

export type Val = null | boolean | number | string | Sym | Unknown | NoValue | Val[] | ValObject;
export interface ValObject {
  [key: string]: Val;
}

export const isSym = (value: unknown): value is Sym => value instanceof Sym;
export const isObject = (value: unknown): value is ValObject =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof Unknown) &&
  !(value instanceof Sym);

// Where each evaluated object or list came from, kept under a symbol so that it never shows in
// the data (JSON, Object.entries) and costs the garbage collector nothing extra (a WeakMap with
// millions of entries does).
const LOCATION: unique symbol = Symbol('location');

export function locate<T extends Val>(value: T, location: Location | undefined): T {
  if (
    location &&
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Unknown) &&
    !(value instanceof Sym)
  )
    (value as unknown as { [LOCATION]: Location })[LOCATION] = location;
  return value;
}

export const locationOf = (value: Val | undefined): Location | undefined =>
  typeof value === 'object' && value !== null
    ? (value as unknown as { [LOCATION]?: Location })[LOCATION]
    : undefined;

/** The text a value stands for in a string context, or undefined when it is not a scalar. */
export function textOf(value: Val): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Sym) return value.text;
  return undefined;
}

/** The first Unknown inside a value (depth-first), for values that must be wholly known. */
export function findUnknown(value: Val, depth = 0): Unknown | undefined {
  if (value instanceof Unknown) return value;
  if (depth > 64) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findUnknown(item, depth + 1);
      if (found) return found;
    }
  } else if (isObject(value)) {
    for (const item of Object.values(value)) {
      const found = findUnknown(item, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** Plain JSON for a value: Syms become their text; Unknown and NO_VALUE are left out. */
export function toPlain(value: Val): unknown {
  if (value instanceof Sym) return value.text;
  if (value instanceof Unknown || value === NO_VALUE) return undefined;
  if (Array.isArray(value)) return value.map(toPlain).filter((item) => item !== undefined);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const plain = toPlain(item);
      if (plain !== undefined) out[key] = plain;
    }
    return out;
  }
  return value;
}

/**
 * A value as JSON with the keys of every map in lexical order: the form Terraform gives a map (its
 * `jsonencode`, its iteration order), so that two maps with the same elements compare equal
 * whatever order they were written in.
 */
export function canonicalJson(value: Val): string {
  return JSON.stringify(sortedPlain(toPlain(value)));
}

function sortedPlain(value: unknown, depth = 0): unknown {
  if (depth > 256 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => sortedPlain(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort())
    out[key] = sortedPlain((value as Record<string, unknown>)[key], depth + 1);
  return out;
}

/** Whether a value is absent: not set, null or NO_VALUE. */
export const isAbsent = (value: Val | undefined): value is undefined | null | NoValue =>
  value === undefined || value === null || value === NO_VALUE;

/**
 * A value a property cannot take, as unknown: the service refuses it or converts it in ways the
 * source does not show, so what the deployed resource would have cannot be told. Never the
 * property's default, which would pass or fail a check on a value nobody wrote. A reference to a
 * resource is known once deployed.
 */
export function notA(kind: string, value: Val): Unknown {
  if (value instanceof Sym) return new Unknown(clip(value.text), 'a reference known only once deployed');
  const written = typeof value === 'string' ? value : JSON.stringify(toPlainShallow(value));
  return new Unknown(clip(written ?? String(value)), `not ${kind}, so what would be deployed cannot be told`);
}

/**
 * A value as JSON for a message, its nested symbols and unknowns as their text: the first 8 items of
 * a list or map, 3 levels deep (a message shows 160 characters of it; a hostile value can be
 * millions of nodes).
 */
function toPlainShallow(value: Val, depth = 0): unknown {
  if (value instanceof Sym) return value.text;
  if (value instanceof Unknown) return value.expression;
  if (value === NO_VALUE) return null;
  if ((Array.isArray(value) || isObject(value)) && depth >= 3) return '…';
  if (Array.isArray(value)) return value.slice(0, 8).map((item) => toPlainShallow(item, depth + 1));
  if (isObject(value))
    return Object.fromEntries(
      Object.keys(value)
        .slice(0, 8)
        .map((k) => [k, toPlainShallow(value[k]!, depth + 1)]),
    );
  return value;
}

/**
 * A boolean as templates write it: true, "true", "True" (YAML 1.1's yes/no/on/off are booleans
 * once loaded, see source-tree.ts). Absent: undefined. Anything else: an Unknown (see `notA`).
 */
export function asBoolean(value: Val | undefined): boolean | Unknown | undefined {
  if (value instanceof Unknown) return value;
  if (typeof value === 'boolean') return value;
  if (isAbsent(value)) return undefined;
  if (typeof value === 'string') {
    if (/^true$/i.test(value)) return true;
    if (/^false$/i.test(value)) return false;
  }
  return notA('a boolean (true or false)', value);
}

/** A number as templates write it: 30, "30". Absent: undefined. Anything else: an Unknown (see `notA`). */
export function asNumber(value: Val | undefined): number | Unknown | undefined {
  if (value instanceof Unknown) return value;
  if (typeof value === 'number') return value;
  if (isAbsent(value)) return undefined;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return notA('a number', value);
}

/**
 * A text as templates write it (a number or boolean reads as its text, a reference as written).
 * Absent: undefined. A list or a map: an Unknown (see `notA`).
 */
export function asText(value: Val | undefined): string | Unknown | undefined {
  if (value instanceof Unknown) return value;
  if (isAbsent(value)) return undefined;
  return textOf(value) ?? notA('a text', value);
}

/** A string parsed as JSON, or undefined when it is not JSON. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The longest identifier from the files (a logical id, a Terraform resource name or for_each key)
 * an id shows whole: CloudFormation takes logical ids of up to 255 characters ("Resource name",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html), so
 * no deployable template reaches it.
 */
export const MAX_ID_CHARS = 255;

/**
 * An identifier from the files as ids and messages show it: whole up to `max` characters, else
 * its first `max`, `…` and a digest of the whole. An id is copied into every finding about its
 * resource, so a megabyte written as a logical id or for_each key would be copied into every
 * finding; the digest keeps two long identifiers with the same beginning two ids, the same in
 * every scan.
 */
export function boundedId(text: string, max = MAX_ID_CHARS): string {
  if (text.length <= max) return text;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return `${text.slice(0, max)}…(sha256 ${digest})`;
}

/** Truncates an expression for messages. */
export function clip(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return shortened(flat, max);
}

// The deploying account, region and partition when the IaC does not pin them down: the
// placeholders CloudFormation's own pseudo parameters are written as, used by every format.
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation placeholder, not a template
export const ACCOUNT = '${AWS::AccountId}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation placeholder, not a template
export const REGION = '${AWS::Region}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation placeholder, not a template
export const PARTITION = '${AWS::Partition}';

/**
 * Whether a text is the ARN of the key with this id in the deploying partition, Region and account:
 * each written as its placeholder (a CloudFormation pseudo parameter, or a Terraform data source
 * that reads it), or as the value the scan knows it has (`--region`, `--account`, a provider's
 * Region), which is what the placeholder then evaluates to. Another account's or Region's ARN of
 * that id is not the key.
 */
export function isOwnKeyArn(
  text: string,
  keyId: string,
  known: { region?: string | undefined; account?: string | undefined },
): boolean {
  const either = (placeholder: string, value: string | undefined, otherwise?: string) =>
    `(?:${escapeRegExp(placeholder)}|${value !== undefined ? escapeRegExp(value) : (otherwise ?? '(?!)')})`;
  const partition = either(PARTITION, partitionOf(known.region)?.partition, 'aws[a-z-]*');
  const region = either(REGION, known.region);
  const account = either(ACCOUNT, known.account);
  return new RegExp(`^arn:${partition}:kms:${region}:${account}:key/${escapeRegExp(keyId)}$`).test(text);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The partition of a Region and its domain (`AWS::URLSuffix`); undefined when no Region is given or
 * it is in no partition known (an ARN built on it stays symbolic rather than taken for `aws`).
 */
export function partitionOf(region: string | undefined): RegionPartition | undefined {
  return region ? regionPartition(region) : undefined;
}
