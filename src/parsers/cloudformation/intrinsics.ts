/**
 * CloudFormation's intrinsic functions (Ref, Fn::GetAtt, Fn::Sub, Fn::If, Fn::Join, ...) and
 * pseudo parameters, evaluated over a template's nodes. What they refer to (parameters, resources,
 * conditions, mappings, nested stack outputs) comes from an `IntrinsicScope`: the stack being
 * evaluated. What the files cannot tell becomes an `Unknown` naming the missing inputs.
 */
import type { Location } from '../../model/inventory.js';
import { pushAll } from '../../model/many.js';
import { getEntry, type SNode, scalarText } from '../common/source-tree.js';
import {
  clip,
  heldReference,
  isOwnKeyArn,
  isSym,
  locate,
  NO_VALUE,
  partitionOf,
  Sym,
  textOf,
  toPlain,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import { render } from './render.js';

/** What intrinsic functions resolve against: the stack whose template is evaluated. */
export interface IntrinsicScope {
  /** The region and account the scan was told, for pseudo parameters. */
  readonly options: { region?: string; account?: string };
  /** The template's Mappings section, for Fn::FindInMap. */
  readonly mappings: SNode | undefined;
  /** How deep the evaluation in progress is nested (shared by every evaluation of this stack). */
  readonly evaluation: { depth: number };
  /** A Ref to a name that is not a pseudo parameter: a parameter or a resource of the template. */
  reference(name: string, node: SNode): Val;
  getAtt(logicalId: string, attribute: string, node: SNode): Val;
  condition(name: string): boolean | Unknown;
  location(line: number | undefined): Location;
}

const MAX_EVAL_DEPTH = 200;

export const PSEUDO: ReadonlySet<string> = new Set([
  'AWS::Region',
  'AWS::AccountId',
  'AWS::Partition',
  'AWS::URLSuffix',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::NotificationARNs',
]);

/** A node that evaluates to null: the argument an intrinsic function was not given. */
export const nullNode: SNode = { kind: 'scalar', value: null, line: 0 };

/** A template node as the deployed stack would see it. */
export function evaluate(scope: IntrinsicScope, node: SNode): Val {
  if (++scope.evaluation.depth > MAX_EVAL_DEPTH) {
    scope.evaluation.depth--;
    return new Unknown(render(node), `nested more than ${MAX_EVAL_DEPTH} levels deep`);
  }
  try {
    return evaluateNode(scope, node);
  } finally {
    scope.evaluation.depth--;
  }
}

function evaluateNode(scope: IntrinsicScope, node: SNode): Val {
  if (node.kind === 'scalar')
    return typeof node.value === 'string' ? dynamicReference(node.value) : node.value;
  if (node.kind === 'seq') {
    const items: Val[] = [];
    for (const item of node.items) {
      const value = evaluate(scope, item);
      if (value !== NO_VALUE) items.push(value);
    }
    return locate(items, scope.location(node.line));
  }
  if (node.entries.size === 1) {
    const [[key, argument]] = [...node.entries] as [[string, SNode]];
    if (key === 'Ref' || key === 'Condition' || key.startsWith('Fn::'))
      return intrinsic(scope, key, argument, node);
  }
  const object: ValObject = {};
  for (const [key, value] of node.entries) {
    const evaluated = evaluate(scope, value);
    if (evaluated !== NO_VALUE) object[key] = evaluated;
  }
  return locate(object, scope.location(node.line));
}

/** `Ref` of a name: AWS::NoValue, a pseudo parameter, or what the scope says the name is. */
export function ref(scope: IntrinsicScope, name: string, node: SNode): Val {
  if (name === 'AWS::NoValue') return NO_VALUE;
  if (PSEUDO.has(name)) {
    const { region, account } = scope.options;
    if (name === 'AWS::Region' && region) return region;
    if (name === 'AWS::AccountId' && account) return account;
    const partition = partitionOf(region);
    if (name === 'AWS::Partition' && partition) return partition.partition;
    if (name === 'AWS::URLSuffix' && partition) return partition.urlSuffix;
    return new Sym(`\${${name}}`);
  }
  return scope.reference(name, node);
}

/** One intrinsic function: its argument as written, and the node that calls it (for messages). */
type Intrinsic = (scope: IntrinsicScope, argument: SNode, node: SNode) => Val;

const argumentsOf = (argument: SNode): SNode[] => (argument.kind === 'seq' ? argument.items : [argument]);
const evaluateArg = (scope: IntrinsicScope, arg: SNode | undefined) => evaluate(scope, arg ?? nullNode);

const refIntrinsic: Intrinsic = (scope, argument, node) => {
  const target = scalarText(argument);
  return target === undefined ? new Unknown(render(node), 'Ref needs a name') : ref(scope, target, node);
};

const conditionIntrinsic: Intrinsic = (scope, argument, node) => {
  const target = scalarText(argument);
  return target === undefined ? new Unknown(render(node), 'Condition needs a name') : scope.condition(target);
};

const getAtt: Intrinsic = (scope, argument, node) => {
  let [resource, attribute] = argumentsOf(argument).map((arg) => textOf(evaluate(scope, arg)));
  if (argument.kind === 'scalar' && resource?.includes('.')) {
    const dot = resource.indexOf('.');
    attribute = resource.slice(dot + 1);
    resource = resource.slice(0, dot);
  }
  if (!resource || !attribute) return new Unknown(render(node), 'GetAtt needs a resource and an attribute');
  return scope.getAtt(resource, attribute, node);
};

const ifIntrinsic: Intrinsic = (scope, argument, node) => {
  const [conditionNode, whenTrue, whenFalse] = argumentsOf(argument);
  const conditionName = scalarText(conditionNode);
  if (!conditionName || !whenTrue || !whenFalse)
    return new Unknown(render(node), 'Fn::If needs [condition, then, else]');
  const result = scope.condition(conditionName);
  if (result instanceof Unknown)
    return new Unknown(
      render(node),
      `it depends on condition ${conditionName}: ${result.reason}`,
      result.inputs,
    );
  return evaluate(scope, result ? whenTrue : whenFalse);
};

const equals: Intrinsic = (scope, argument, node) => {
  const args = argumentsOf(argument);
  const a = evaluateArg(scope, args[0]);
  const b = evaluateArg(scope, args[1]);
  if (a instanceof Unknown) return withExpression(a, node);
  if (b instanceof Unknown) return withExpression(b, node);
  if (isSym(a) || isSym(b)) {
    if (isSym(a) && isSym(b) && a.text === b.text) return true;
    return new Unknown(render(node), 'it compares a value known only at deploy time', []);
  }
  return stringForm(a) === stringForm(b);
};

const not: Intrinsic = (scope, argument, node) => {
  const value = evaluateArg(scope, argumentsOf(argument)[0]);
  if (value instanceof Unknown) return withExpression(value, node);
  return !(value === true || value === 'true');
};

/** Fn::And and Fn::Or: a known deciding operand decides, even beside an unknown one. */
const logical =
  (isAnd: boolean): Intrinsic =>
  (scope, argument, node) => {
    let unknown: Unknown | undefined;
    const inputs: string[] = [];
    for (const arg of argumentsOf(argument)) {
      const value = evaluate(scope, arg);
      if (value instanceof Unknown) {
        unknown ??= value;
        pushAll(inputs, value.inputs);
        continue;
      }
      const truth = value === true || value === 'true';
      if (isAnd && !truth) return false;
      if (!isAnd && truth) return true;
    }
    if (unknown) return new Unknown(render(node), unknown.reason, inputs);
    return isAnd;
  };

const join: Intrinsic = (scope, argument, node) => {
  const [delimiterNode, listNode] = argumentsOf(argument);
  const delimiter = textOf(evaluateArg(scope, delimiterNode)) ?? '';
  const list = evaluateArg(scope, listNode);
  if (list instanceof Unknown) return withExpression(list, node);
  if (!Array.isArray(list)) return new Unknown(render(node), 'Fn::Join needs a list');
  return concat(scope, list, delimiter, node);
};

const select: Intrinsic = (scope, argument, node) => {
  const args = argumentsOf(argument);
  const index = Number(textOf(evaluateArg(scope, args[0])));
  const list = evaluateArg(scope, args[1]);
  if (list instanceof Unknown) return withExpression(list, node);
  if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length)
    return new Unknown(render(node), 'the index is outside the list');
  return list[index]!;
};

const split: Intrinsic = (scope, argument, node) => {
  const args = argumentsOf(argument);
  const delimiter = textOf(evaluateArg(scope, args[0]));
  const value = evaluateArg(scope, args[1]);
  if (value instanceof Unknown) return withExpression(value, node);
  if (typeof value !== 'string' || delimiter === undefined)
    return new Unknown(render(node), 'it splits a value known only at deploy time');
  return value.split(delimiter);
};

const findInMap: Intrinsic = (scope, argument, node) => {
  const args = argumentsOf(argument);
  const keys = args.slice(0, 3).map((arg) => evaluate(scope, arg));
  const unknown = keys.find((key) => key instanceof Unknown) as Unknown | undefined;
  const fallback = getEntry(args[3], 'DefaultValue');
  if (unknown) return new Unknown(render(node), unknown.reason, unknown.inputs);
  // A key known only at deploy time (`!Ref AWS::Region` when the scan is not told the Region) may
  // be any entry of the map: neither one entry nor the DefaultValue can be chosen before.
  const symbolic = keys.find(isSym);
  if (symbolic) return new Unknown(render(node), `a map key is known only at deploy time (${symbolic.text})`);
  const texts = keys.map((key) => textOf(key));
  if (texts.some((text) => text === undefined))
    return fallback
      ? evaluate(scope, fallback)
      : new Unknown(render(node), 'a map key is known only at deploy time');
  const found = getEntry(getEntry(getEntry(scope.mappings, texts[0]!), texts[1]!), texts[2]!);
  if (found) return evaluate(scope, found);
  return fallback ? evaluate(scope, fallback) : new Unknown(render(node), 'the mapping has no such entry');
};

/**
 * Fn::Base64: "the Base64 representation of the input string" (User Guide, intrinsic function
 * reference, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-base64.html),
 * of its UTF-8 bytes. What a value known only once deployed encodes to is not known before.
 */
const base64: Intrinsic = (scope, argument, node) => {
  const value = evaluate(scope, argument);
  if (value instanceof Unknown) return withExpression(value, node);
  if (isSym(value))
    return new Unknown(render(node), 'the Base64 encoding of a value known only once deployed');
  const text = textOf(value);
  if (text === undefined) return new Unknown(render(node), 'Fn::Base64 needs a string');
  return Buffer.from(text, 'utf8').toString('base64');
};

/**
 * Fn::Cidr [ipBlock, count, cidrBits]: `count` consecutive blocks with `cidrBits` host bits, from
 * the start of `ipBlock`, an IPv4 or an IPv6 block ("subtract the subnet bits from 32 for IPv4 or
 * 128 for IPv6"; Template Reference, Fn::Cidr,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-cidr.html).
 * A block whose host bits are set, a count outside 1 to 256 (the documented range, which also
 * bounds the work) or blocks that do not fit are what CloudFormation refuses: UNKNOWN.
 */
const cidr: Intrinsic = (scope, argument, node) => {
  const [blockArg, countArg, bitsArg] = argumentsOf(argument).map((arg) => evaluate(scope, arg));
  for (const value of [blockArg, countArg, bitsArg])
    if (value instanceof Unknown) return withExpression(value, node);
  const block = textOf(blockArg ?? null);
  const count = Number(textOf(countArg ?? null));
  const bits = Number(textOf(bitsArg ?? null));
  if (isSym(blockArg) || block === undefined)
    return new Unknown(render(node), 'Fn::Cidr of a block known only once deployed');
  const refused = (why: string) => new Unknown(render(node), `CloudFormation refuses this Fn::Cidr: ${why}`);
  const family = block.includes(':') ? IPV6 : IPV4;
  const parsed = family.parse(block.trim());
  if (!parsed) return refused(`${clip(block)} is not an ${family.name} block`);
  const { address: base, prefix } = parsed;
  if (!Number.isInteger(count) || count < 1 || count > 256) return refused('the count is not 1 to 256');
  const subnetPrefix = family.width - bits;
  if (!Number.isInteger(bits) || bits < 0 || subnetPrefix < prefix)
    return refused('the blocks do not fit in the block');
  const hostBits = BigInt(family.width - prefix);
  if (base % (1n << hostBits) !== 0n) return refused(`${block} has host bits set`);
  const size = 1n << BigInt(bits);
  if (BigInt(count) * size > 1n << hostBits) return refused('the blocks do not fit in the block');
  const blocks: string[] = [];
  for (let i = 0n; i < BigInt(count); i++) blocks.push(`${family.format(base + i * size)}/${subnetPrefix}`);
  return locate(blocks, scope.location(node.line));
};

/** An address family Fn::Cidr splits blocks of: its width, and its addresses read and written. */
interface AddressFamily {
  name: string;
  width: number;
  parse(block: string): { address: bigint; prefix: number } | undefined;
  format(address: bigint): string;
}

const IPV4: AddressFamily = {
  name: 'IPv4',
  width: 32,
  parse(block) {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(block);
    if (!match) return undefined;
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
    return { address: octets.reduce((address, octet) => address * 256n + BigInt(octet), 0n), prefix };
  },
  format: (address) => [24n, 16n, 8n, 0n].map((shift) => (address >> shift) & 255n).join('.'),
};

/**
 * IPv6 blocks in the text form of RFC 4291 section 2.2 (eight groups of up to four hex digits, one
 * `::` for a run of zero groups); an address with an embedded IPv4 part is not read. Blocks are
 * written in the form of RFC 5952 (lower case, no leading zeros, the longest run of two or more
 * zero groups, the first of equal runs, as `::`), the form EC2 writes IPv6 CIDR blocks in
 * ("2001:db8:1234:1a00::/64",
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateSubnetCidrBlock.html); the
 * Fn::Cidr page shows no IPv6 output of its own.
 */
const IPV6: AddressFamily = {
  name: 'IPv6',
  width: 128,
  parse(block) {
    const match = /^([0-9A-Fa-f:]{2,39})\/(\d{1,3})$/.exec(block);
    if (!match) return undefined;
    const prefix = Number(match[2]);
    const halves = match[1]!.split('::');
    if (prefix > 128 || halves.length > 2) return undefined;
    const groups = (text: string) => (text === '' ? [] : text.split(':'));
    const head = groups(halves[0]!);
    const tail = halves.length === 2 ? groups(halves[1]!) : [];
    const missing = 8 - head.length - tail.length;
    if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
    const all = [...head, ...Array<string>(missing).fill('0'), ...tail];
    if (!all.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return undefined;
    return { address: all.reduce((address, group) => (address << 16n) + BigInt(`0x${group}`), 0n), prefix };
  },
  format(address) {
    const groups = Array.from({ length: 8 }, (_, i) =>
      ((address >> BigInt(112 - 16 * i)) & 0xffffn).toString(16),
    );
    let best = { start: -1, length: 1 };
    for (let i = 0; i < 8; ) {
      let end = i;
      while (end < 8 && groups[end] === '0') end++;
      if (end - i > best.length) best = { start: i, length: end - i };
      i = end === i ? i + 1 : end;
    }
    if (best.start < 0) return groups.join(':');
    return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
  },
};

const importValue: Intrinsic = (scope, argument, node) => {
  const exportName = textOf(evaluate(scope, argument)) ?? render(argument);
  return new Unknown(render(node), `an export of another stack (${exportName})`, [exportName]);
};

const length: Intrinsic = (scope, argument, node) => {
  const list = evaluate(scope, argument);
  return Array.isArray(list)
    ? list.length
    : new Unknown(render(node), 'the length of a list known only at deploy time');
};

const toJsonString: Intrinsic = (scope, argument, node) => {
  const value = evaluate(scope, argument);
  if (value instanceof Unknown) return withExpression(value, node);
  return JSON.stringify(toPlain(value));
};

/** The intrinsic functions evaluated, by name; any other `Fn::` is evaluated by CloudFormation at deploy time. */
export const INTRINSICS: Readonly<Record<string, Intrinsic>> = Object.freeze({
  Ref: refIntrinsic,
  Condition: conditionIntrinsic,
  'Fn::GetAtt': getAtt,
  'Fn::Sub': sub,
  'Fn::If': ifIntrinsic,
  'Fn::Equals': equals,
  'Fn::Not': not,
  'Fn::And': logical(true),
  'Fn::Or': logical(false),
  'Fn::Join': join,
  'Fn::Select': select,
  'Fn::Split': split,
  'Fn::FindInMap': findInMap,
  'Fn::ImportValue': importValue,
  'Fn::Base64': base64,
  'Fn::Cidr': cidr,
  'Fn::Length': length,
  'Fn::ToJsonString': toJsonString,
});

function intrinsic(scope: IntrinsicScope, name: string, argument: SNode, node: SNode): Val {
  // An own entry only: `Fn::` names come from the template, never from Object.prototype.
  const run = Object.hasOwn(INTRINSICS, name) ? INTRINSICS[name] : undefined;
  if (run) return run(scope, argument, node);
  return new Unknown(render(node), `${name} is evaluated by CloudFormation at deploy time`);
}

/** The longest text a join or substitution makes: CloudFormation's limit on a template's size. */
const MAX_JOINED_CHARS = 1_048_576;

/**
 * The text `Fn::Join` and `Fn::Sub` make of their parts. A text made around one reference to a
 * resource holds it (`key/${Key}` holds the key's Ref), however deep the joins go, so that a key ARN
 * written out around the key's id, in one Sub or in joins within joins, names the key as
 * `!GetAtt Key.Arn` does.
 */
function concat(scope: IntrinsicScope, parts: readonly Val[], delimiter: string, node: SNode): Val {
  let symbolic: Sym | undefined;
  const texts: string[] = [];
  let length = 0;
  for (const part of parts) {
    if (part instanceof Unknown) return withExpression(part, node);
    if (part instanceof Sym) symbolic = part;
    const text = textOf(part);
    if (text === undefined) return new Unknown(render(node), 'it joins a value that is not a string');
    length += text.length + delimiter.length;
    // A template is at most 1 MB: a joined value longer than that is an amplification (a long
    // parameter joined thousands of times), not anything CloudFormation deploys.
    if (length > MAX_JOINED_CHARS)
      return new Unknown(
        render(node),
        `it makes a text longer than a template can be (${MAX_JOINED_CHARS.toLocaleString('en')} characters)`,
      );
    texts.push(text);
  }
  const joined = texts.join(delimiter);
  if (joined.includes(DYNAMIC_REFERENCE_START)) {
    const resolved = dynamicReference(joined);
    if (resolved instanceof Unknown) return resolved;
  }
  if (!symbolic) return joined;
  if (parts.length === 1) return symbolic;
  const reference = heldReference(parts);
  if (!reference) return new Sym(joined);
  // The ARN of a key of this stack, written out: the key itself, as `!GetAtt Key.Arn` would be.
  if (isKeyId(reference) && isOwnKeyArn(joined, reference.text, scope.options))
    return new Sym(joined, { ...reference.target!, attribute: 'Arn' });
  return new Sym(joined, undefined, reference);
}

const KMS_KEY_TYPES: ReadonlySet<string> = new Set(['AWS::KMS::Key', 'AWS::KMS::ReplicaKey']);

/** A key of this stack by its id: its Ref, or `!GetAtt Key.KeyId`. */
const isKeyId = (reference: Sym): boolean =>
  reference.target !== undefined &&
  KMS_KEY_TYPES.has(reference.target.type) &&
  (reference.target.attribute === undefined || reference.target.attribute === 'KeyId');

function sub(scope: IntrinsicScope, argument: SNode, node: SNode): Val {
  let template: string | undefined;
  const variables = new Map<string, Val>();
  if (argument.kind === 'seq') {
    template = scalarText(argument.items[0]);
    const vars = argument.items[1];
    if (vars?.kind === 'map')
      for (const [key, value] of vars.entries) variables.set(key, evaluate(scope, value));
  } else template = scalarText(argument);
  if (template === undefined) return new Unknown(render(node), 'Fn::Sub needs a string');
  const parts: Val[] = [];
  const pattern = /\$\{([^}]*)\}/g;
  let last = 0;
  for (let match = pattern.exec(template); match; match = pattern.exec(template)) {
    parts.push(template.slice(last, match.index));
    last = match.index + match[0].length;
    const name = match[1]!.trim();
    if (name.startsWith('!')) {
      parts.push(`\${${name.slice(1)}}`);
      continue;
    }
    if (variables.has(name)) parts.push(variables.get(name)!);
    else if (name.includes('.') && !PSEUDO.has(name)) {
      const dot = name.indexOf('.');
      parts.push(scope.getAtt(name.slice(0, dot), name.slice(dot + 1), node));
    } else parts.push(ref(scope, name, node));
  }
  parts.push(template.slice(last));
  // A Sub of exactly one reference is that reference (it may name a key or role).
  return concat(
    scope,
    parts.filter((part) => part !== ''),
    '',
    node,
  );
}

const DYNAMIC_REFERENCE_START = '{{resolve:';

/**
 * A text that holds a dynamic reference (`{{resolve:ssm:NAME}}`, `{{resolve:ssm-secure:...}}`,
 * `{{resolve:secretsmanager:...}}`), written out or built by Fn::Sub or Fn::Join: CloudFormation
 * reads the parameter or secret when it creates or updates the stack (User Guide, "Get values
 * stored in other services using dynamic references",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html), so the
 * value is not known before. Any other text is itself.
 */
function dynamicReference(text: string): string | Unknown {
  if (!text.includes(DYNAMIC_REFERENCE_START)) return text;
  // Only a whole reference: a piece of one that Fn::Join puts together is text until joined.
  const references = text.match(/\{\{resolve:[^}]*\}\}/g);
  if (!references) return text;
  return new Unknown(
    text,
    'a dynamic reference, resolved by CloudFormation when the stack deploys',
    references.slice(0, 8),
  );
}

function withExpression(value: Unknown, node: SNode): Unknown {
  return new Unknown(render(node), value.reason, value.inputs);
}

function stringForm(value: Val): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(toPlain(value));
}
