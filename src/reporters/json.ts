import { randomUUID } from 'node:crypto';
import type { Report } from '../model/report.js';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * The same bytes as `renderJson`, in pieces, for a writer that streams them to a file: the header
 * members one by one, then the elements of the report's arrays (findings, clusters, keys...) a
 * batch at a time, so that no string ever holds the whole report. Each piece is what
 * `JSON.stringify(value, null, 2)` makes of it, indented to its depth.
 */
export function* renderJsonChunks(report: Report): Generator<string> {
  yield* memberChunks(report, '', '', STREAMED_DEPTH) ?? [];
  yield '\n';
}

/** Levels serialised piece by piece: the report's members, then their elements. */
const STREAMED_DEPTH = 2;
const INDENT = '  ';

/**
 * The text a batch of array elements aims at, in UTF-16 code units: large enough that one native
 * JSON.stringify call serialises many findings, small enough that a piece stays a fraction of the
 * writer's buffer. The element count of the next batch is adjusted to what the last one made.
 */
export const BATCH_TARGET_LENGTH = 1 << 15;
/** The most elements in one batch, and how many the first batch of an array takes. */
const MAX_BATCH = 4096;
const FIRST_BATCH = 8;

const hasToJson = (value: unknown): boolean =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'bigint') &&
  typeof (value as { toJSON?: unknown }).toJSON === 'function';

/** An array or an object literal without `toJSON`: what this writer takes apart itself. */
function isContainer(value: unknown): value is unknown[] | Record<string, unknown> {
  if (value === null || typeof value !== 'object' || hasToJson(value)) return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * JSON.stringify's text for the value of member `key`, indented to `indent`; undefined when it
 * leaves the member out (undefined, a function, a symbol, or a `toJSON` that returns one). A
 * value with `toJSON` is serialised inside a holder, so that its `toJSON` receives its own key.
 */
function leafText(value: unknown, key: string, indent: string): string | undefined {
  if (hasToJson(value)) {
    const held = JSON.stringify({ [key]: value }, null, INDENT);
    if (held === '{}') return undefined;
    const text = held.slice(`{\n${INDENT}${JSON.stringify(key)}: `.length, -'\n}'.length);
    return text.replaceAll(`\n${INDENT}`, `\n${indent}`);
  }
  const text = JSON.stringify(value, null, INDENT) as string | undefined;
  if (text === undefined) return undefined;
  // A JSON string never holds a raw line feed: every line feed is between tokens.
  return indent === '' ? text : text.replaceAll('\n', `\n${indent}`);
}

/** The value of member `key` in pieces, or undefined when JSON.stringify leaves it out. */
function memberChunks(
  value: unknown,
  key: string,
  indent: string,
  depth: number,
): Iterable<string> | undefined {
  if (depth > 0 && isContainer(value)) return containerChunks(value, indent, depth);
  const text = leafText(value, key, indent);
  return text === undefined ? undefined : [text];
}

function* containerChunks(
  value: unknown[] | Record<string, unknown>,
  indent: string,
  depth: number,
): Generator<string> {
  const inner = indent + INDENT;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    if (depth === 1) yield* batchedElements(value, inner);
    else
      for (let i = 0; i < value.length; i++) {
        yield `${i === 0 ? '' : ','}\n${inner}`;
        // What JSON.stringify cannot represent is null in an array.
        yield* memberChunks(value[i], String(i), inner, depth - 1) ?? ['null'];
      }
    yield `\n${indent}]`;
    return;
  }
  let first = true;
  for (const name of Object.keys(value)) {
    const member = memberChunks(value[name], name, inner, depth - 1);
    if (member === undefined) continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(name)}: `;
    first = false;
    yield* member;
  }
  yield first ? '{}' : `\n${indent}}`;
}

/**
 * The elements of a non-empty array whose elements are leaves, each after its separator: runs of
 * elements serialised by one JSON.stringify call each, already at their indentation (the run is
 * nested in holder arrays as deep as the elements sit, and the holders' brackets are cut off). An
 * element with `toJSON` is serialised on its own, so that its `toJSON` receives its own index.
 */
function* batchedElements(value: unknown[], inner: string): Generator<string> {
  const holders = inner.length / INDENT.length - 1;
  let open = '';
  let close = '';
  for (let level = 0; level <= holders; level++) {
    open += `[\n${INDENT.repeat(level + 1)}`;
    close = `\n${INDENT.repeat(level)}]${close}`;
  }
  let size = FIRST_BATCH;
  let i = 0;
  // Each element is read once, as JSON.stringify of the whole array would: the one that ended a
  // run (it has toJSON) is kept for the next turn.
  let readAhead: { element: unknown } | undefined;
  while (i < value.length) {
    const separator = i === 0 ? `\n${inner}` : `,\n${inner}`;
    const element = readAhead ? readAhead.element : value[i];
    readAhead = undefined;
    if (hasToJson(element)) {
      yield separator;
      yield leafText(element, String(i), inner) ?? 'null';
      i++;
      continue;
    }
    const run: unknown[] = [element];
    for (i++; i < value.length && run.length < size; i++) {
      const next = value[i];
      if (hasToJson(next)) {
        readAhead = { element: next };
        break;
      }
      run.push(next);
    }
    let held: unknown = run;
    for (let level = 0; level < holders; level++) held = [held];
    const text = JSON.stringify(held, null, INDENT);
    yield separator;
    yield text.slice(open.length, text.length - close.length);
    // Aim the next run at the target length, from what this run's elements made on average.
    const perElement = Math.max(1, (text.length - open.length - close.length) / run.length);
    size = Math.min(MAX_BATCH, Math.max(1, Math.floor(BATCH_TARGET_LENGTH / perElement)));
  }
}

/** Elements of a lazily made array serialised by one JSON.stringify call. */
const LAZY_BATCH = 256;

/**
 * The text `JSON.stringify(document, null, 2)` makes of a document whose one large array is made
 * an element at a time (`items`), in pieces: `before` is the document's text up to the array,
 * `after` its text after it, `level` the array's depth in the document (0: the document is the
 * array). The elements are made and serialised a batch at a time, so that neither they nor their
 * text are ever held whole: an organisation's report in some formats is longer than a JavaScript
 * string can be. Elements must serialise to a value (no undefined, functions or symbols).
 */
function* lazyArrayChunks(
  items: Iterable<unknown>,
  level: number,
  before: string,
  after: string,
  batchLength: number | undefined,
): Generator<string> {
  const pad = INDENT.repeat(level);
  yield before;
  let first = true;
  let batch: unknown[] = [];
  let size = batchLength === undefined ? LAZY_BATCH : 1;
  const flush = (): string => {
    // The batch as an array at its depth, its brackets cut off: the elements as they sit in the whole.
    const text = JSON.stringify(batch, null, INDENT);
    if (batchLength !== undefined)
      size = Math.min(LAZY_BATCH, Math.max(1, Math.floor((batchLength * batch.length) / text.length)));
    batch = [];
    const indented = pad === '' ? text : text.replaceAll('\n', `\n${pad}`);
    const elements = indented.slice(1, -(2 + pad.length));
    const piece = `${first ? '[' : ','}${elements}`;
    first = false;
    return piece;
  };
  for (const item of items) {
    batch.push(item);
    if (batch.length >= size) yield flush();
  }
  if (batch.length > 0) yield flush();
  yield first ? `[]${after}` : `\n${pad}]${after}`;
}

/**
 * `lazyArrayChunks` for a document whose large array is built in by `document(placeholder)`: the
 * document's text around the placeholder (a string of random bytes, which no value in the document
 * can hold by chance or by design) is what comes before and after the array, and the placeholder's
 * line gives the array's depth. The same bytes as the document with the array in it.
 * `batchLength`: elements large and of varied size (a cluster's migration plan is 150 KB at ten
 * groups) are serialised, after the first alone, as many at a time as made about that many
 * characters in the batch before (at most `LAZY_BATCH`), not `LAZY_BATCH` at a time.
 */
export function lazyArrayInDocument(
  document: (placeholder: string) => unknown,
  items: Iterable<unknown>,
  options: { batchLength?: number } = {},
): Generator<string> {
  const placeholder = `\u0000${randomUUID()}`;
  const text = JSON.stringify(document(placeholder), null, INDENT);
  const quoted = JSON.stringify(placeholder);
  const at = text.indexOf(quoted);
  const lineStart = text.lastIndexOf('\n', at) + 1;
  const level = /^ */.exec(text.slice(lineStart, at))![0].length / INDENT.length;
  return lazyArrayChunks(
    items,
    level,
    text.slice(0, at),
    `${text.slice(at + quoted.length)}\n`,
    options.batchLength,
  );
}
