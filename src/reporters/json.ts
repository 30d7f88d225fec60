import type { Report } from '../model/report.js';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * The same bytes as `renderJson`, in pieces, for a writer that streams them to a file: the header
 * members one by one, then each element of the report's arrays (findings, clusters, keys...) on
 * its own, so that no string ever holds the whole report. Each piece is what `JSON.stringify(value,
 * null, 2)` makes of it, indented to its depth.
 */
export function* renderJsonChunks(report: Report): Generator<string> {
  yield* memberChunks(report, '', '', STREAMED_DEPTH) ?? [];
  yield '\n';
}

/** Levels serialised piece by piece: the report's members, then their elements. */
const STREAMED_DEPTH = 2;
const INDENT = '  ';

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
