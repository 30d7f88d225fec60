/**
 * Terraform's HCL native syntax, parsed with tree-sitter (`web-tree-sitter` running the
 * `tree-sitter-hcl` Terraform grammar as WebAssembly: no native build, every line and column kept,
 * and broken files still yield the position of the first error). The concrete syntax tree becomes
 * the small AST below, which `expressions.ts` evaluates.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Language, type Node, Parser } from 'web-tree-sitter';
import { minOf } from '../../model/many.js';

export type Expr =
  | { t: 'lit'; v: null | boolean | number | string; line: number; text: string }
  | { t: 'tmpl'; parts: (string | Expr)[]; line: number; text: string }
  | { t: 'tuple'; items: Expr[]; line: number; text: string }
  | { t: 'object'; entries: { key: Expr; value: Expr }[]; line: number; text: string }
  | { t: 'var'; name: string; line: number; text: string }
  | { t: 'attr'; obj: Expr; name: string; line: number; text: string }
  | { t: 'index'; obj: Expr; key: Expr; line: number; text: string }
  | { t: 'splat'; obj: Expr; path: ({ attr: string } | { index: Expr })[]; line: number; text: string }
  | { t: 'call'; name: string; args: Expr[]; expand: boolean; line: number; text: string }
  | { t: 'cond'; test: Expr; then: Expr; else: Expr; line: number; text: string }
  | { t: 'unary'; op: string; operand: Expr; line: number; text: string }
  | { t: 'binary'; op: string; left: Expr; right: Expr; line: number; text: string }
  | {
      t: 'for';
      kind: 'tuple' | 'object';
      keyVar?: string;
      valueVar: string;
      collection: Expr;
      key?: Expr;
      value: Expr;
      cond?: Expr;
      group: boolean;
      line: number;
      text: string;
    }
  | { t: 'tif'; test: Expr; whenTrue: Expr; whenFalse: Expr; line: number; text: string }
  | {
      t: 'tfor';
      keyVar?: string;
      valueVar: string;
      collection: Expr;
      body: Expr;
      line: number;
      text: string;
    }
  | { t: 'unsupported'; line: number; text: string; why: string };

export interface Attribute {
  name: string;
  expr: Expr;
  line: number;
}

export interface Block {
  type: string;
  labels: string[];
  body: Body;
  line: number;
}

export interface Body {
  attributes: Map<string, Attribute>;
  blocks: Block[];
}

export type HclParse = { ok: true; body: Body } | { ok: false; message: string; line: number };

let parser: Parser | undefined;

/** Loads the grammar once (WebAssembly; tens of milliseconds). */
export async function initHcl(): Promise<void> {
  if (parser) return;
  await Parser.init();
  const require = createRequire(import.meta.url);
  const grammarDir = require
    .resolve('@tree-sitter-grammars/tree-sitter-hcl/package.json')
    .replace(/package\.json$/, '');
  const language = await Language.load(readFileSync(`${grammarDir}tree-sitter-terraform.wasm`));
  const instance = new Parser();
  instance.setLanguage(language);
  parser = instance;
}

const MAX_DEPTH = 400;

/**
 * The text of a template file (what templatefile() reads) as a template: the syntax of a string
 * template, with `${ ... }` interpolations and `%{ ... }` directives, and no backslash escapes
 * (https://developer.hashicorp.com/terraform/language/functions/templatefile). Parsed as the body
 * of a heredoc whose closing marker the text does not hold.
 */
export function parseTemplateText(text: string): Expr | { error: string; line: number } {
  // A template rendered by every instance of a resource is parsed once.
  const cached = TEMPLATES.get(text);
  if (cached) return cached;
  const parsed = parseTemplateUncached(text);
  if (TEMPLATES.size >= 16) TEMPLATES.delete(TEMPLATES.keys().next().value!);
  TEMPLATES.set(text, parsed);
  return parsed;
}

const TEMPLATES = new Map<string, Expr | { error: string; line: number }>();

function parseTemplateUncached(text: string): Expr | { error: string; line: number } {
  let marker = 'TEMPLATEFILE';
  while (text.includes(marker)) marker += '_';
  const parsed = parseHcl(`template = <<${marker}\n${text}\n${marker}\n`);
  if (!parsed.ok) return { error: parsed.message, line: Math.max(1, parsed.line - 1) };
  const expr = parsed.body.attributes.get('template')?.expr;
  if (!expr) return { error: 'not a template', line: 1 };
  if (expr.t !== 'tmpl')
    return expr.t === 'lit' && typeof expr.v === 'string' ? { ...expr, v: expr.v.replace(/\n$/, '') } : expr;
  // The newline before the closing marker is the heredoc's, not the file's.
  const parts = [...expr.parts];
  const last = parts[parts.length - 1];
  if (typeof last === 'string') {
    if (last === '\n') parts.pop();
    else parts[parts.length - 1] = last.replace(/\n$/, '');
  }
  return { ...expr, parts };
}

export function parseHcl(text: string): HclParse {
  if (!parser) throw new Error('initHcl() must be awaited before parsing HCL');
  const tree = parseWithExponents(parser, text);
  if (!tree) return { ok: false, message: 'the HCL parser gave up on this file', line: 1 };
  try {
    const root = tree.rootNode;
    if (root.hasError) {
      const bad = firstError(root);
      const line = (bad?.startPosition.row ?? 0) + 1;
      const what = bad?.isMissing
        ? `missing ${bad.type}`
        : `unexpected ${describe(bad ? spanOf(bad, text) : '')}`;
      return { ok: false, message: `invalid HCL: ${what}`, line };
    }
    const chained = chainedLegacyIndex(root, text);
    if (chained) return { ok: false, ...chained };
    const bodyNode = root.namedChildren.find((child) => child?.type === 'body');
    return {
      ok: true,
      body: bodyNode ? convertBody(bodyNode, text, 0) : { attributes: new Map(), blocks: [] },
    };
  } catch (error) {
    if (error instanceof DepthError) return { ok: false, message: error.message, line: error.line };
    if (error instanceof NotHclError)
      return { ok: false, message: `invalid HCL: unexpected ${describe(error.text)}`, line: error.line };
    throw error;
  } finally {
    tree.delete();
  }
}

/**
 * HCL writes a number with an exponent and no fraction (`1e3`, `1E+3`; NumericLit = decimal+ ("."
 * decimal+)? (expmark decimal+)?, https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md#numeric-literals),
 * which the tree-sitter grammar does not: it lexes `1` and stops at `e3`. Where a parse fails, each
 * numeric literal the grammar did lex that such an exponent follows is overwritten, in a copy of
 * the text, by a literal of the same length the grammar takes whole (`0x00`, its hexadecimal form;
 * for a legacy index, `x.1e3`, zeros: `x.000`), and the copy parsed again. Only the grammar's own numeric literals are touched (never text in a
 * string, a comment or a name) and nothing moves, so every line and column stays exact;
 * `convertExpr` reads each literal, and each expression's text, from the original.
 */
function parseWithExponents(instance: Parser, text: string) {
  let tree = instance.parse(text);
  let source = text;
  // Each round mends at least one literal; error recovery usually shows them all in the first.
  for (let round = 0; round < 8 && tree?.rootNode.hasError; round++) {
    const spans = exponentsAfterNumbers(tree.rootNode, source);
    if (spans.length === 0) break;
    const pieces: string[] = [];
    let cursor = 0;
    for (const [start, end, mended] of spans) {
      pieces.push(source.slice(cursor, start), mended);
      cursor = end;
    }
    pieces.push(source.slice(cursor));
    source = pieces.join('');
    tree.delete();
    tree = instance.parse(source);
  }
  return tree;
}

const EXPONENT = /[eE][+-]?[0-9]+(?![A-Za-z0-9_])/y;

/**
 * The spans of `digits` + exponent where the grammar lexed only the digits, in order: a numeric
 * literal's, or a legacy index's (`x.1e3`: HCL lexes `1e3` as one number token after the dot,
 * and the index is its value). A legacy index's digits are mended into zeros (`.000`), which the
 * grammar takes as a legacy index whole.
 */
function exponentsAfterNumbers(root: Node, source: string): [number, number, string][] {
  const spans: [number, number, string][] = [];
  for (const literal of root.descendantsOfType(['numeric_lit', 'legacy_index'])) {
    if (!literal) continue;
    const legacy = literal.type === 'legacy_index';
    if (!(legacy ? /^\.[0-9]+$/ : /^[0-9]+$/).test(literal.text)) continue;
    EXPONENT.lastIndex = literal.endIndex;
    if (!EXPONENT.exec(source)) continue;
    const start = literal.startIndex + (legacy ? 1 : 0);
    const width = EXPONENT.lastIndex - start;
    spans.push([start, EXPONENT.lastIndex, legacy ? '0'.repeat(width) : `0x${'0'.repeat(width - 2)}`]);
  }
  return spans.sort((a, b) => a[0] - b[0]);
}

/**
 * Two legacy indexes run together (`x.0.1`): HCL lexes `0.1` as one number token, and its parser
 * refuses a legacy index with a fraction ("Invalid legacy index syntax ... Use the proper index
 * syntax instead, like [0][1]": hashicorp/hcl hclsyntax/parser.go; hclsyntax/spec.md, "Index
 * Operator": "The legacy syntax does not support chaining of index operations"). The grammar
 * takes them as two indexes.
 */
function chainedLegacyIndex(root: Node, source: string): { message: string; line: number } | undefined {
  const endingAt = new Map<number, Node>();
  for (const index of root.descendantsOfType('legacy_index')) {
    if (!index) continue;
    const before = endingAt.get(index.startIndex);
    if (before) {
      const first = spanOf(before, source).slice(1);
      const second = spanOf(index, source).slice(1);
      return {
        message: `invalid HCL: legacy indexes run together (.${first}.${second}); write them as [${first}][${second}], as Terraform requires`,
        line: lineOf(index),
      };
    }
    endingAt.set(index.endIndex, index);
  }
  return undefined;
}

/** A number as HCL writes it (the grammar also takes `0x10`, which HCL does not). */
const NUMERIC_LITERAL = /^([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * A numeric literal's value. cty holds numbers exactly, in arbitrary precision
 * (https://github.com/zclconf/go-cty/blob/main/docs/types.md#ctynumber); a literal whose value a
 * double does not hold (`1e400`, `1e-400`, an integer of more than about 16 digits) is an
 * expression the scanner does not evaluate, rather than a rounded number.
 */
function numericLiteral(text: string, line: number, exprText: string): Expr {
  const value = Number(text);
  if (Number.isFinite(value) && decimalValue(String(value)) === decimalValue(text))
    return { t: 'lit', v: value, line, text: exprText };
  return {
    t: 'unsupported',
    line,
    text: exprText,
    why: `the number ${text} has more digits or a larger exponent than the scanner holds exactly`,
  };
}

/** A decimal number's value as significant digits and the position of the point: equal text, equal value. */
function decimalValue(text: string): string {
  const match = NUMERIC_LITERAL.exec(text);
  if (!match) return text;
  const digits = `${match[1]}${match[2] ?? ''}`;
  const significant = digits.replace(/^0+/, '');
  if (!/[1-9]/.test(significant)) return '0';
  // The exponent as written may be longer than a double holds; as text it compares exactly.
  const shift = BigInt(match[1]!.length - (digits.length - significant.length)) + BigInt(match[3] ?? 0);
  return `${significant.replace(/0+$/, '')}e${shift}`;
}

class NotHclError extends Error {
  constructor(
    readonly text: string,
    readonly line: number,
  ) {
    super(`not HCL: ${text}`);
  }
}

class DepthError extends Error {
  constructor(readonly line: number) {
    super(`nested deeper than ${MAX_DEPTH} levels`);
  }
}

function describe(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat ? `"${flat.length > 30 ? `${flat.slice(0, 29)}…` : flat}"` : 'end of input';
}

function firstError(node: Node): Node | undefined {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (current.type === 'ERROR' || current.isMissing) return current;
    if (!current.hasError) continue;
    for (let i = current.childCount - 1; i >= 0; i--) {
      const child = current.child(i);
      if (child) stack.push(child);
    }
  }
  return undefined;
}

const lineOf = (node: Node) => node.startPosition.row + 1;
/** A node's text in the file as written (the parsed copy may have its numbers rewritten: `parseWithExponents`). */
const spanOf = (node: Node, source: string) => source.slice(node.startIndex, node.endIndex);
const named = (node: Node): Node[] =>
  node.namedChildren.filter((child): child is Node => child !== null && child.type !== 'comment');

function convertBody(node: Node, source: string, depth: number): Body {
  const body: Body = { attributes: new Map(), blocks: [] };
  for (const child of named(node)) {
    if (child.type === 'attribute') {
      const [nameNode, exprNode] = named(child);
      if (!nameNode || !exprNode) continue;
      body.attributes.set(nameNode.text, {
        name: nameNode.text,
        expr: convertExpr(exprNode, source, depth + 1),
        line: lineOf(child),
      });
    } else if (child.type === 'block') {
      const parts = named(child);
      const type = parts[0]?.text ?? '';
      const labels: string[] = [];
      let inner: Body = { attributes: new Map(), blocks: [] };
      for (const part of parts.slice(1)) {
        if (part.type === 'string_lit') labels.push(stringLiteral(part, source));
        else if (part.type === 'identifier') labels.push(part.text);
        else if (part.type === 'body') inner = convertBody(part, source, depth + 1);
      }
      body.blocks.push({ type, labels, body: inner, line: lineOf(child) });
    }
  }
  return body;
}

function stringLiteral(node: Node, source: string): string {
  const start = node.child(0);
  const end = node.child(node.childCount - 1);
  if (!start || !end) return node.text;
  return unescapeHcl(source.slice(start.endIndex, end.startIndex));
}

function unescapeHcl(text: string): string {
  return text.replace(
    /\\(["\\nrt])|\\u([0-9a-fA-F]{4})|\$\$\{|%%\{/g,
    (whole, ch: string | undefined, hex: string | undefined) => {
      if (hex) return String.fromCharCode(Number.parseInt(hex, 16));
      if (whole === '$${') return '${';
      if (whole === '%%{') return '%{';
      return ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch === 't' ? '\t' : (ch ?? '');
    },
  );
}

function convertExpr(node: Node, source: string, depth: number): Expr {
  if (depth > MAX_DEPTH) throw new DepthError(lineOf(node));
  const line = lineOf(node);
  const text = spanOf(node, source);
  const children = named(node);
  switch (node.type) {
    case 'expression': {
      if (children.length === 0) return { t: 'unsupported', line, text, why: 'an empty expression' };
      // A term followed by attribute, index and splat accessors.
      let expr = convertExpr(children[0]!, source, depth + 1);
      for (const accessor of children.slice(1)) expr = applyAccessor(expr, accessor, source, depth + 1);
      return expr;
    }
    case 'variable_expr':
      return { t: 'var', name: text, line, text };
    case 'literal_value': {
      const inner = children[0];
      if (!inner) return { t: 'lit', v: null, line, text };
      if (inner.type === 'null_lit') return { t: 'lit', v: null, line, text };
      if (inner.type === 'bool_lit') return { t: 'lit', v: inner.text === 'true', line, text };
      if (inner.type === 'numeric_lit') {
        const written = spanOf(inner, source);
        if (!NUMERIC_LITERAL.test(written)) throw new NotHclError(written, line);
        return numericLiteral(written, line, text);
      }
      return { t: 'lit', v: stringLiteral(inner, source), line, text };
    }
    case 'collection_value':
      return convertExpr(children[0]!, source, depth + 1);
    case 'tuple':
      return {
        t: 'tuple',
        items: children.filter((c) => c.type === 'expression').map((c) => convertExpr(c, source, depth + 1)),
        line,
        text,
      };
    case 'object': {
      const entries: { key: Expr; value: Expr }[] = [];
      for (const element of children.filter((c) => c.type === 'object_elem')) {
        const [keyNode, valueNode] = named(element);
        if (!keyNode || !valueNode) continue;
        let key = convertExpr(keyNode, source, depth + 1);
        // A bare identifier as a key is the string of its name.
        if (key.t === 'var') key = { t: 'lit', v: key.name, line: key.line, text: key.text };
        entries.push({ key, value: convertExpr(valueNode, source, depth + 1) });
      }
      return { t: 'object', entries, line, text };
    }
    case 'template_expr':
      return convertExpr(children[0]!, source, depth + 1);
    case 'quoted_template':
    case 'heredoc_template':
      return convertTemplate(node, source, depth);
    case 'function_call': {
      const name = children[0]?.text ?? '';
      const argsNode = children.find((c) => c.type === 'function_arguments');
      const args = argsNode
        ? named(argsNode)
            .filter((c) => c.type === 'expression')
            .map((c) => convertExpr(c, source, depth + 1))
        : [];
      const expand = argsNode ? named(argsNode).some((c) => c.type === 'ellipsis') : false;
      return { t: 'call', name, args, expand, line, text };
    }
    case 'conditional': {
      const [test, then, otherwise] = children.map((c) => convertExpr(c, source, depth + 1));
      if (!test || !then || !otherwise)
        return { t: 'unsupported', line, text, why: 'an incomplete conditional' };
      return { t: 'cond', test, then, else: otherwise, line, text };
    }
    case 'operation':
      return convertExpr(children[0]!, source, depth + 1);
    case 'unary_operation': {
      const op = node.child(0)?.type ?? '!';
      const [operand] = operands(children, source, depth);
      if (!operand) return { t: 'unsupported', line, text, why: 'an incomplete operation' };
      return { t: 'unary', op, operand, line, text };
    }
    case 'binary_operation': {
      // The operator is the first anonymous child between the operands.
      let op = '';
      for (let i = 0; i < node.childCount; i++) {
        const child = node.child(i);
        if (child && !child.isNamed) {
          op = child.type;
          break;
        }
      }
      const [left, right] = operands(children, source, depth);
      if (!left || !right) return { t: 'unsupported', line, text, why: 'an incomplete operation' };
      return { t: 'binary', op, left, right, line, text };
    }
    case 'for_expr':
      return convertFor(children[0]!, source, depth + 1);
    default:
      return { t: 'unsupported', line, text, why: `${node.type} is not evaluated` };
  }
}

/** Operands of an operation: a term's attribute, index and splat accessors come as its siblings. */
function operands(children: Node[], source: string, depth: number): Expr[] {
  const out: Expr[] = [];
  for (const child of children) {
    if ((child.type === 'get_attr' || child.type === 'index' || child.type === 'splat') && out.length > 0)
      out[out.length - 1] = applyAccessor(out[out.length - 1]!, child, source, depth + 1);
    else out.push(convertExpr(child, source, depth + 1));
  }
  return out;
}

function applyAccessor(expr: Expr, accessor: Node, source: string, depth: number): Expr {
  const line = lineOf(accessor);
  const text = `${expr.text}${spanOf(accessor, source)}`;
  if (accessor.type === 'get_attr')
    return { t: 'attr', obj: expr, name: named(accessor)[0]?.text ?? '', line, text };
  if (accessor.type === 'index') {
    const inner = named(accessor)[0];
    if (inner?.type === 'legacy_index')
      return { t: 'index', obj: expr, key: legacyIndexKey(inner, source, line), line, text };
    const keyNode = inner ? named(inner)[0] : undefined;
    if (!keyNode) return { t: 'unsupported', line, text, why: 'an empty index' };
    return { t: 'index', obj: expr, key: convertExpr(keyNode, source, depth + 1), line, text };
  }
  if (accessor.type === 'splat') {
    const kind = named(accessor)[0];
    const parts = kind ? named(kind) : [];
    // The legacy attribute-only splat (`.*`) takes only the attribute accesses that follow it, and
    // legacy indexes (`.0`: hashicorp/hcl hclsyntax/parser.go, "we also allow numbers as attribute
    // names inside splats"): an index in brackets after them applies to the list it makes (HCL
    // native syntax specification, "Splat Operators": `tuple.*.foo.bar[0]` is
    // `[for v in tuple: v.foo.bar][0]`). The full splat (`[*]`) takes the whole traversal that follows.
    const legacy = kind?.type === 'attr_splat';
    const firstIndex = legacy
      ? parts.findIndex((part) => part.type !== 'get_attr' && named(part)[0]?.type !== 'legacy_index')
      : -1;
    const inner = firstIndex >= 0 ? parts.slice(0, firstIndex) : parts;
    const path: ({ attr: string } | { index: Expr })[] = [];
    for (const part of inner) {
      if (part.type === 'get_attr') path.push({ attr: named(part)[0]?.text ?? '' });
      else if (part.type === 'index') {
        const keyNode = named(part)[0];
        if (keyNode?.type === 'legacy_index') {
          path.push({ index: legacyIndexKey(keyNode, source, lineOf(keyNode)) });
          continue;
        }
        const key = keyNode ? named(keyNode)[0] : undefined;
        if (key) path.push({ index: convertExpr(key, source, depth + 1) });
      }
    }
    const splatText =
      firstIndex >= 0
        ? `${expr.text}${source.slice(accessor.startIndex, parts[firstIndex]!.startIndex)}`
        : text;
    let splat: Expr = { t: 'splat', obj: expr, path, line, text: splatText };
    if (firstIndex >= 0)
      for (const part of parts.slice(firstIndex)) splat = applyAccessor(splat, part, source, depth + 1);
    return splat;
  }
  return { t: 'unsupported', line, text, why: `${accessor.type} is not evaluated` };
}

/** A legacy index's key: the number as written (`.1e3`: the grammar read a mended `.000`), its value. */
function legacyIndexKey(node: Node, source: string, line: number): Expr {
  const written = spanOf(node, source).slice(1);
  if (!NUMERIC_LITERAL.test(written)) throw new NotHclError(written, line);
  return numericLiteral(written, line, written);
}

/**
 * A quoted or heredoc template: literal text, interpolations (`${...}`) and the `%{ if }` /
 * `%{ for }` directives, with the `~` strip markers applied (each removes the whitespace, newlines
 * included, on its side of the interpolation or directive) and, in an indented heredoc (`<<-`),
 * the lines' common leading whitespace removed at the start of each line
 * (https://developer.hashicorp.com/terraform/language/expressions/strings).
 */
function convertTemplate(node: Node, source: string, depth: number): Expr {
  const line = lineOf(node);
  const text = spanOf(node, source);
  const isHeredoc = node.type === 'heredoc_template';
  const children = allChildren(node);
  let start: number;
  let end: number;
  if (isHeredoc) {
    const identifiers = children.filter((c) => c.type === 'heredoc_identifier');
    const open = identifiers[0];
    const close = identifiers[identifiers.length - 1];
    if (!open || !close || open === close) return { t: 'lit', v: '', line, text };
    start = source.indexOf('\n', open.endIndex) + 1;
    end = source.lastIndexOf('\n', close.startIndex) + 1;
    if (end < start) end = start;
  } else {
    start = children[0]?.endIndex ?? node.startIndex;
    end = children[children.length - 1]?.startIndex ?? node.endIndex;
  }
  const indent = isHeredoc && text.startsWith('<<-') ? heredocIndent(source.slice(start, end)) : 0;
  const literal = (from: number, to: number): string => {
    let raw = source.slice(from, to);
    if (indent > 0) {
      // Only at the start of a line: text after an interpolation on the same line keeps its spaces.
      const atLineStart = from === start || source[from - 1] === '\n';
      raw = raw.replace(/(^|\n)([ \t]*)/g, (whole, newline: string, spaces: string, offset: number) =>
        offset === 0 && !newline && !atLineStart
          ? whole
          : newline + spaces.slice(Math.min(spaces.length, indent)),
      );
    }
    return isHeredoc ? raw.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{') : unescapeHcl(raw);
  };
  const stripsAfter = (delimiter: Node | undefined) =>
    delimiter !== undefined && source.slice(delimiter.endIndex - 2, delimiter.endIndex) === '~}';
  const stripsBefore = (delimiter: Node | undefined) =>
    delimiter !== undefined && /^[$%]\{~/.test(source.slice(delimiter.startIndex, delimiter.startIndex + 3));

  /** The parts of the template text from `from` to `to`, between two delimiters (or its ends). */
  const sequence = (
    nodes: Node[],
    from: number,
    to: number,
    before: Node | undefined,
    after: Node | undefined,
    level: number,
  ): Expr => {
    if (level > MAX_DEPTH) throw new DepthError(line);
    const parts: (string | Expr)[] = [];
    let cursor = from;
    let previous = before;
    const pushLiteral = (upTo: number, next: Node | undefined) => {
      let piece = literal(cursor, upTo);
      if (stripsAfter(previous)) piece = piece.replace(/^\s+/, '');
      if (stripsBefore(next)) piece = piece.replace(/\s+$/, '');
      if (piece) parts.push(piece);
    };
    for (const child of nodes) {
      if (child.startIndex < from || child.endIndex > to) continue;
      if (child.type === 'template_interpolation') {
        pushLiteral(child.startIndex, child);
        const inner = named(child).find((c) => c.type === 'expression');
        parts.push(
          inner ? convertExpr(inner, source, depth + level + 1) : { t: 'lit', v: '', line, text: '' },
        );
      } else if (child.type === 'template_directive') {
        pushLiteral(child.startIndex, child);
        parts.push(directive(child, level + 1));
      } else continue;
      cursor = child.endIndex;
      previous = child;
    }
    pushLiteral(to, after);
    return { t: 'tmpl', parts, line, text: source.slice(from, to) };
  };

  const directive = (node: Node, level: number): Expr => {
    const body = named(node)[0];
    const nodeText = spanOf(node, source);
    const nodeLine = lineOf(node);
    const parts = body ? allChildren(body) : [];
    const find = (type: string) => parts.find((part) => part.type === type);
    if (body?.type === 'template_if') {
      const intro = find('template_if_intro');
      const otherwise = find('template_else_intro');
      const close = find('template_if_end');
      const test = intro ? named(intro).find((c) => c.type === 'expression') : undefined;
      if (!intro || !close || !test)
        return { t: 'unsupported', line: nodeLine, text: nodeText, why: 'an incomplete %{ if } directive' };
      const thenEnd = otherwise ?? close;
      return {
        t: 'tif',
        test: convertExpr(test, source, depth + level + 1),
        whenTrue: sequence(parts, intro.endIndex, thenEnd.startIndex, intro, thenEnd, level + 1),
        whenFalse: otherwise
          ? sequence(parts, otherwise.endIndex, close.startIndex, otherwise, close, level + 1)
          : { t: 'tmpl', parts: [], line: nodeLine, text: '' },
        line: nodeLine,
        text: nodeText,
      };
    }
    if (body?.type === 'template_for') {
      const intro = find('template_for_start');
      const close = find('template_for_end');
      const introParts = intro ? named(intro) : [];
      const names = introParts.filter((c) => c.type === 'identifier').map((c) => c.text);
      const collection = introParts.find((c) => c.type === 'expression');
      if (!intro || !close || !collection || names.length === 0)
        return { t: 'unsupported', line: nodeLine, text: nodeText, why: 'an incomplete %{ for } directive' };
      return {
        t: 'tfor',
        ...(names.length > 1 ? { keyVar: names[0]! } : {}),
        valueVar: names[names.length - 1]!,
        collection: convertExpr(collection, source, depth + level + 1),
        body: sequence(parts, intro.endIndex, close.startIndex, intro, close, level + 1),
        line: nodeLine,
        text: nodeText,
      };
    }
    return {
      t: 'unsupported',
      line: nodeLine,
      text: nodeText,
      why: `${body?.type ?? 'a directive'} is not evaluated`,
    };
  };

  const template = sequence(children, start, end, undefined, undefined, 0);
  return { ...template, line, text };
}

const allChildren = (node: Node): Node[] => {
  const out: Node[] = [];
  for (let i = 0; i < node.childCount; i++) {
    const child = node.child(i);
    if (child) out.push(child);
  }
  return out;
};

/** The common leading whitespace of a heredoc's lines that are not blank. */
function heredocIndent(body: string): number {
  const lines = body.split('\n').filter((l) => l.trim());
  const indent = minOf(lines.map((l) => /^[ \t]*/.exec(l)![0].length));
  return Number.isFinite(indent) ? indent : 0;
}

function convertFor(node: Node, source: string, depth: number): Expr {
  const line = lineOf(node);
  const text = spanOf(node, source);
  const children = named(node);
  const intro = children.find((c) => c.type === 'for_intro');
  const introParts = intro ? named(intro) : [];
  const identifiers = introParts.filter((c) => c.type === 'identifier').map((c) => c.text);
  const collectionNode = introParts.find((c) => c.type === 'expression');
  const exprs = children.filter((c) => c.type === 'expression').map((c) => convertExpr(c, source, depth + 1));
  const condNode = children.find((c) => c.type === 'for_cond');
  const condExpr = condNode ? named(condNode).find((c) => c.type === 'expression') : undefined;
  if (!collectionNode || identifiers.length === 0 || exprs.length === 0)
    return { t: 'unsupported', line, text, why: 'an incomplete for expression' };
  const kind = node.type === 'for_object_expr' ? 'object' : 'tuple';
  const [first, second] = identifiers;
  return {
    t: 'for',
    kind,
    ...(second !== undefined ? { keyVar: first! } : {}),
    valueVar: second ?? first!,
    collection: convertExpr(collectionNode, source, depth + 1),
    ...(kind === 'object' ? { key: exprs[0]! } : {}),
    value: kind === 'object' ? (exprs[1] ?? exprs[0]!) : exprs[0]!,
    ...(condExpr ? { cond: convertExpr(condExpr, source, depth + 1) } : {}),
    group: children.some((c) => c.type === 'ellipsis'),
    line,
    text,
  };
}
