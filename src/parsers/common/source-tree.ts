/**
 * A YAML or JSON document as a small tree that remembers lines: what the CloudFormation and
 * create-cluster parsers walk. YAML comes from the `yaml` package (CloudFormation short-form tags
 * such as `!Ref` become their long form, `{ Ref: ... }`); JSON from `jsonc-parser`, whose tree
 * carries offsets, so CDK templates and parameter files get lines too.
 *
 * Both loaders are bounded: a document nested deeper than MAX_DEPTH, or whose YAML aliases expand
 * to more than MAX_NODES nodes (a "billion laughs" file), is refused with a typed error instead
 * of exhausting the stack or memory.
 */
import { type Node as JsonNode, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
} from 'yaml';
import { locate, type Val, type ValObject } from './value.js';

export type Scalar = string | number | boolean | null;

export type SNode =
  | { kind: 'map'; entries: Map<string, SNode>; keyLines: Map<string, number>; line: number }
  | { kind: 'seq'; items: SNode[]; line: number }
  | { kind: 'scalar'; value: Scalar; line: number };

export type SMap = Extract<SNode, { kind: 'map' }>;

export const MAX_DEPTH = 500;
export const MAX_NODES = 2_000_000;

/** Why a document could not be loaded, with the line where it went wrong when known. */
export class DocumentError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly code: 'syntax' | 'too-deep' | 'too-many-nodes' = 'syntax',
  ) {
    super(message);
    this.name = 'DocumentError';
  }
}

/** CloudFormation's short-form tags and the long-form keys they stand for. */
const SHORT_TAGS: Record<string, string> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!GetAtt': 'Fn::GetAtt',
  '!Sub': 'Fn::Sub',
  '!If': 'Fn::If',
  '!Join': 'Fn::Join',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!FindInMap': 'Fn::FindInMap',
  '!ImportValue': 'Fn::ImportValue',
  '!Equals': 'Fn::Equals',
  '!Not': 'Fn::Not',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Base64': 'Fn::Base64',
  '!Cidr': 'Fn::Cidr',
  '!GetAZs': 'Fn::GetAZs',
  '!Length': 'Fn::Length',
  '!ToJsonString': 'Fn::ToJsonString',
  '!Transform': 'Fn::Transform',
};

/** YAML 1.1's integer forms (https://yaml.org/type/int.html), each with the value it stands for. */
const YAML11_INT =
  /^[-+]?(?:0b[01_]+|0[0-7_]+|0|[1-9][0-9_]*|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
/** YAML 1.1's float forms (https://yaml.org/type/float.html): a dot is required, and base 60 is one. */
const YAML11_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** The number a YAML 1.1 integer or float stands for: signs, underscores, radix prefixes and base 60. */
function yaml11Number(text: string, float: boolean): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.replace(/^[-+]/, '').replace(/_/g, '');
  if (/^\.(?:inf|Inf|INF)$/.test(digits)) return sign * Number.POSITIVE_INFINITY;
  if (/^\.(?:nan|NaN|NAN)$/.test(digits)) return Number.NaN;
  if (digits.includes(':'))
    return sign * digits.split(':').reduce((total, part) => total * 60 + Number(part), 0);
  if (float) return sign * Number(digits);
  if (digits.startsWith('0b')) return sign * Number.parseInt(digits.slice(2), 2);
  if (digits.startsWith('0x')) return sign * Number.parseInt(digits.slice(2), 16);
  if (digits.length > 1 && digits.startsWith('0')) return sign * Number.parseInt(digits.slice(1), 8);
  return sign * Number(digits);
}

/**
 * The short-form tags, declared so the parser keeps them on the nodes without a warning per tag
 * (a warning costs an Error with its stack trace: most of the parse time of a large template).
 */
const SHORT_FORM_TAGS = Object.keys(SHORT_TAGS).flatMap((tag) => [
  { tag, identify: (): boolean => false, resolve: (value: string) => value },
  { tag, collection: 'seq' as const, identify: (): boolean => false, resolve: (value: unknown) => value },
  { tag, collection: 'map' as const, identify: (): boolean => false, resolve: (value: unknown) => value },
]);

/**
 * CloudFormation "supports the YAML Version 1.1 specification" (User Guide, Template format,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html), whose
 * plain scalars resolve differently from YAML 1.2's: a plain yes, no, on or off is a boolean
 * (`EnableKeyRotation: yes` turns rotation on); a number with a leading zero is octal (`0123` is
 * 83), one with a digit 8 or 9 after the zero is no number at all (the account `012345678901`
 * stays text), `1_000` is 1000, `1:20` is 80 (base 60), and a float needs a dot (`1e3` is text).
 * Quoted, each stays text. The other scalars (null, true/false, strings) read alike in both.
 */
const YAML11_SCALARS = [
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    test: /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/,
    identify: (): boolean => false,
    resolve: (value: string): boolean => /^(?:yes|on)$/i.test(value),
  },
  {
    tag: 'tag:yaml.org,2002:int',
    default: true,
    test: YAML11_INT,
    identify: (): boolean => false,
    resolve: (value: string): number => yaml11Number(value, false),
  },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    test: YAML11_FLOAT,
    identify: (): boolean => false,
    resolve: (value: string): number => yaml11Number(value, true),
  },
];

const NUMBER_TAGS: ReadonlySet<string> = new Set(['tag:yaml.org,2002:int', 'tag:yaml.org,2002:float']);

/** The core schema's tags, its YAML 1.2 numbers replaced by YAML 1.1's, and the short forms. */
const yaml11Tags = (tags: { tag: string }[]) => [
  ...tags.filter((tag) => !NUMBER_TAGS.has(tag.tag)),
  ...YAML11_SCALARS,
  ...SHORT_FORM_TAGS,
];

/** The core schema's tags as YAML 1.2 reads them, and the short forms. */
const yaml12Tags = (tags: { tag: string }[]) => [...tags, ...SHORT_FORM_TAGS];

const mapNode = (line: number): SMap => ({ kind: 'map', entries: new Map(), keyLines: new Map(), line });

/**
 * Loads YAML (one document). CloudFormation tags become long-form intrinsic functions. Plain
 * scalars resolve as YAML 1.1 does, as CloudFormation reads templates; `version: '1.2'` resolves
 * them as YAML 1.2's core schema does, as the AWS CLI v2 reads `--cli-input-yaml` (ruamel.yaml).
 */
export function loadYaml(text: string, version: '1.1' | '1.2' = '1.1'): SNode {
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: false,
      customTags: (version === '1.1' ? yaml11Tags : yaml12Tags) as never,
    });
  } catch (error) {
    // The YAML parser recurses per nesting level: a document deep enough to exhaust the stack is
    // refused with the same message as one that is merely deeper than the limit.
    if (error instanceof RangeError)
      throw new DocumentError(`nested deeper than ${MAX_DEPTH} levels`, undefined, 'too-deep');
    throw new DocumentError(`YAML could not be parsed: ${(error as Error).message}`);
  }
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? 1 : lineCounter.linePos(offset).line;
  const firstError = doc.errors[0];
  if (firstError && /call stack/i.test(firstError.message))
    throw new DocumentError(`nested deeper than ${MAX_DEPTH} levels`, undefined, 'too-deep');
  if (firstError?.code === 'MULTIPLE_DOCS')
    throw new DocumentError(
      'several YAML documents in one file: a template is one document',
      lineOf(firstError.pos?.[0]),
    );
  if (firstError) {
    throw new DocumentError(firstError.message.split('\n')[0] ?? 'invalid YAML', lineOf(firstError.pos?.[0]));
  }
  let budget = MAX_NODES;
  const aliasCache = new Map<YamlNode, SNode>();
  let refused: RefusedYaml | undefined;

  const convert = (node: unknown, depth: number): SNode => {
    if (depth > MAX_DEPTH)
      throw new DocumentError(`nested deeper than ${MAX_DEPTH} levels`, undefined, 'too-deep');
    if (--budget < 0)
      throw new DocumentError(
        `expands to more than ${MAX_NODES} nodes (YAML aliases that multiply, a "billion laughs" document?)`,
        undefined,
        'too-many-nodes',
      );
    if (node === null || node === undefined) return { kind: 'scalar', value: null, line: 1 };
    if (isAlias(node)) {
      refused ??= { kind: 'alias', what: `*${(node as Alias).source}`, line: lineOf(node.range?.[0]) };
      const target = (node as Alias).resolve(doc);
      if (!target)
        throw new DocumentError(`unknown alias *${(node as Alias).source}`, lineOf(node.range?.[0]));
      // Each use of an alias costs its full size, so a document of aliases that multiply is
      // refused long before it is expanded.
      const cached = aliasCache.get(target);
      if (cached) {
        budget -= sizeOf(cached);
        if (budget < 0)
          throw new DocumentError(
            `expands to more than ${MAX_NODES} nodes (YAML aliases that multiply, a "billion laughs" document?)`,
            lineOf(node.range?.[0]),
            'too-many-nodes',
          );
        return cached;
      }
      const converted = convert(target, depth + 1);
      aliasCache.set(target, converted);
      return converted;
    }
    const yamlNode = node as YamlNode;
    const line = lineOf(yamlNode.range?.[0]);
    let out: SNode;
    if (isMap(yamlNode)) {
      const map = mapNode(line);
      // Keys the map sets itself: a merge never overrides them, and none may be set twice.
      const own = new Set<string>();
      for (const pair of yamlNode.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key;
        if (isAlias(keyNode)) continue;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        if (key === '<<' && pair.value !== null) {
          refused ??= { kind: 'merge', what: '<<', line: lineOf((keyNode as YamlNode | null)?.range?.[0]) };
          // YAML 1.1's merge key (https://yaml.org/type/merge.html), as `aws cloudformation
          // package` and SAM expand it: one map, or a list of maps where the earlier wins, whose
          // entries are added unless the map sets them itself.
          const merged = convert(pair.value, depth + 1);
          for (const source of merged.kind === 'map' ? [merged] : merged.kind === 'seq' ? merged.items : [])
            if (source.kind === 'map')
              for (const [k, v] of source.entries)
                if (!map.entries.has(k)) {
                  map.entries.set(k, v);
                  map.keyLines.set(k, source.keyLines.get(k) ?? source.line);
                }
          continue;
        }
        const keyLine = lineOf((keyNode as YamlNode | null)?.range?.[0]);
        // A mapping's keys are unique (YAML 1.1 and 1.2), and what CloudFormation makes of a
        // template that repeats one is undefined (User Guide, Template format): never one of them
        // picked silently.
        if (own.has(key))
          throw new DocumentError(`duplicate key ${key} (first at line ${map.keyLines.get(key)})`, keyLine);
        own.add(key);
        map.entries.set(key, convert(pair.value, depth + 1));
        map.keyLines.set(key, keyLine);
      }
      out = map;
    } else if (isSeq(yamlNode)) {
      out = { kind: 'seq', items: yamlNode.items.map((item) => convert(item, depth + 1)), line };
    } else if (isScalar(yamlNode)) {
      const value = yamlNode.value;
      out = {
        kind: 'scalar',
        value:
          value === null ||
          typeof value === 'string' ||
          typeof value === 'number' ||
          typeof value === 'boolean'
            ? value
            : value instanceof Date
              ? value.toISOString().slice(0, 10)
              : String(value),
        line,
      };
    } else {
      out = { kind: 'scalar', value: null, line };
    }
    const tag = yamlNode.tag;
    if (tag && !(tag in SHORT_TAGS) && !CORE_TAGS.has(tag))
      refused ??= { kind: 'tag', what: tag.replace(/^tag:yaml\.org,2002:/, '!!'), line };
    if (tag && tag in SHORT_TAGS) {
      const long = mapNode(line);
      const name = SHORT_TAGS[tag]!;
      // !GetAtt Resource.Attribute is the string form of [Resource, Attribute].
      if (name === 'Fn::GetAtt' && out.kind === 'scalar' && typeof out.value === 'string') {
        const dot = out.value.indexOf('.');
        out = {
          kind: 'seq',
          items: [
            { kind: 'scalar', value: dot < 0 ? out.value : out.value.slice(0, dot), line },
            { kind: 'scalar', value: dot < 0 ? '' : out.value.slice(dot + 1), line },
          ],
          line,
        };
      }
      long.entries.set(name, out);
      long.keyLines.set(name, line);
      return long;
    }
    return out;
  };
  const root = convert(doc.contents, 0);
  if (refused) REFUSED_YAML.set(root, refused);
  return root;
}

/** The tags of YAML's core schema, which CloudFormation reads (`!!str 0123` is text). */
const CORE_TAGS: ReadonlySet<string> = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`),
);

/** What of a YAML document CloudFormation does not read, and where it first is. */
export interface RefusedYaml {
  kind: 'tag' | 'alias' | 'merge';
  /** As written: `!Upper`, `!!binary`, `*base`, `<<`. */
  what: string;
  line: number;
}

const REFUSED_YAML = new WeakMap<SNode, RefusedYaml>();

/**
 * The first construct of a loaded YAML document that CloudFormation does not read: a tag that is
 * neither a CloudFormation short form nor one of YAML's core schema (`!Upper`, `!!binary`,
 * `!!timestamp`), an alias (`*base`) or a merge key (`<<`). CloudFormation refuses a template that
 * holds one: "CloudFormation doesn't support the following features: The binary, omap, pairs, set,
 * and timestamp tags; Aliases; Hash merges" (User Guide, Template formats,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html), and a tag
 * it does not define is an error. Other YAML (a workflow, a chart) may use them freely.
 */
export const refusedYamlOf = (root: SNode): RefusedYaml | undefined => REFUSED_YAML.get(root);

const SIZES = new WeakMap<SNode, number>();

/** The expanded size of a tree whose subtrees may be shared (aliases), memoized so it stays linear. */
function sizeOf(node: SNode, depth = 0): number {
  if (node.kind === 'scalar') return 1;
  const known = SIZES.get(node);
  if (known !== undefined) return known;
  if (depth > MAX_DEPTH) return MAX_NODES;
  let size = 1;
  if (node.kind === 'seq') for (const item of node.items) size += sizeOf(item, depth + 1);
  else for (const value of node.entries.values()) size += sizeOf(value, depth + 1);
  const capped = Math.min(size, MAX_NODES);
  SIZES.set(node, capped);
  return capped;
}

/** Offsets to 1-based lines, by binary search over the line starts. */
export function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** Loads JSON (comments and trailing commas are errors, as in CloudFormation). */
export function loadJson(text: string): SNode {
  // jsonc-parser recurses per nesting level: refuse absurd nesting before it can overflow.
  let depth = 0;
  let maxDepth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++;
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      depth++;
      if (depth > maxDepth) maxDepth = depth;
    } else if (ch === 125 || ch === 93) depth--;
  }
  const lineOf = lineIndex(text);
  if (maxDepth > MAX_DEPTH)
    throw new DocumentError(`nested deeper than ${MAX_DEPTH} levels`, undefined, 'too-deep');
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const firstError = errors[0];
  if (firstError || !root) {
    throw new DocumentError(
      firstError ? `invalid JSON: ${printParseErrorCode(firstError.error)}` : 'empty JSON document',
      firstError ? lineOf(firstError.offset) : 1,
    );
  }
  const convert = (node: JsonNode): SNode => {
    const line = lineOf(node.offset);
    switch (node.type) {
      case 'object': {
        const map = mapNode(line);
        for (const property of node.children ?? []) {
          const [keyNode, valueNode] = property.children ?? [];
          if (!keyNode || !valueNode) continue;
          const key = String(keyNode.value);
          // RFC 8259: names within an object SHOULD be unique, and a parser's answer to one that
          // is not is unpredictable; CloudFormation's is undefined. Never one picked silently.
          if (map.entries.has(key))
            throw new DocumentError(
              `duplicate key ${key} (first at line ${map.keyLines.get(key)})`,
              lineOf(keyNode.offset),
            );
          map.entries.set(key, convert(valueNode));
          map.keyLines.set(key, lineOf(keyNode.offset));
        }
        return map;
      }
      case 'array':
        return { kind: 'seq', items: (node.children ?? []).map(convert), line };
      default:
        return { kind: 'scalar', value: (node.value ?? null) as Scalar, line };
    }
  };
  return convert(root);
}

/** The plain JavaScript value of a tree (used where lines no longer matter). */
export function plainOf(node: SNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(plainOf);
  const out: Record<string, unknown> = {};
  for (const [key, value] of node.entries) out[key] = plainOf(value);
  return out;
}

export const getEntry = (node: SNode | undefined, key: string): SNode | undefined =>
  node?.kind === 'map' ? node.entries.get(key) : undefined;

export const scalarText = (node: SNode | undefined): string | undefined =>
  node?.kind === 'scalar' && node.value !== null ? String(node.value) : undefined;

/** A tree as evaluated data (no functions to evaluate), remembering where each object came from. */
export function treeValue(node: SNode, file: string): Val {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq')
    return locateAt(
      node.items.map((item) => treeValue(item, file)),
      file,
      node.line,
    );
  const out: ValObject = {};
  for (const [key, value] of node.entries) out[key] = treeValue(value, file);
  return locateAt(out, file, node.line);
}

const locateAt = <T extends Val>(value: T, file: string, line: number): T => locate(value, { file, line });
