/** Aligned plain-text columns for terminal output (no borders, so it reads and copies cleanly). */
import { eastAsianWidth } from 'get-east-asian-width';
import { maxOf } from '../model/many.js';

const ANSI = /\u001b\[[0-9;]*m/g;

/** Code points that take no column: combining marks, format characters, Hangul medial vowels and final consonants. */
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff]/u;

const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/;

/**
 * The columns one code point takes on a terminal: two for East Asian Wide and Fullwidth (Unicode
 * Standard Annex #11, https://www.unicode.org/reports/tr11/, from the Unicode data tables that
 * get-east-asian-width carries; ambiguous ones narrow, as the annex advises without context).
 */
const columnsOf = (char: string): number =>
  ZERO_WIDTH.test(char) ? 0 : eastAsianWidth(char.codePointAt(0)!, { ambiguousAsWide: false });

/** The columns `text` takes on a terminal: colour sequences none, wide characters two. */
export function displayWidth(text: string): number {
  const plain = text.includes('\u001b') ? text.replace(ANSI, '') : text;
  // Most cells are printable ASCII, a column a character: counted without a look at each one.
  if (PRINTABLE_ASCII.test(plain)) return plain.length;
  let width = 0;
  for (const char of plain) width += columnsOf(char);
  return width;
}

/**
 * `maxWidths` cut long cells (with an ellipsis) only when `cut`: on a terminal, where a row must
 * fit the screen. In a CI log or a file nothing is cut: two ARNs that differ at their end stay two.
 */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  maxWidths: readonly number[],
  cut: boolean,
): string {
  const clip = (text: string, index: number) => {
    const max = cut ? maxWidths[index] : undefined;
    if (!max || displayWidth(text) <= max) return text;
    return clipLine(text.replace(ANSI, ''), max);
  };
  const cells = [header, ...rows].map((row) => row.map(clip));
  const widths = header.map((_, i) => maxOf(cells.map((row) => displayWidth(row[i] ?? ''))));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - displayWidth(cell))))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * A table for a screen `width` columns wide, as the report table is fitted: long cells cut to
 * `maxWidths`, then each line cut to the width with an ellipsis. Without a width (not a terminal:
 * a CI log, a file) nothing is cut.
 */
export function fittedTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  maxWidths: readonly number[],
  width: number | undefined,
): string {
  return fitWidth(textTable(header, rows, maxWidths, width !== undefined), width);
}

/** Each line of `text` cut to `width`; without a width, the text as it is. */
export function fitWidth(text: string, width: number | undefined): string {
  if (!width) return text;
  return text
    .split('\n')
    .map((line) => clipLine(line, width))
    .join('\n');
}

const ANSI_AT = /^\u001b\[[0-9;]*m/;

/**
 * A line cut to `width` columns with an ellipsis (colour kept up to the cut, then reset): whole code
 * points only, a wide one that would not fit before the ellipsis left out.
 */
export function clipLine(line: string, width: number): string {
  if (displayWidth(line) <= width) return line;
  let out = '';
  let shown = 0;
  let coloured = false;
  for (let i = 0; i < line.length; ) {
    const sequence = line.charCodeAt(i) === 0x1b ? ANSI_AT.exec(line.slice(i, i + 32)) : null;
    if (sequence) {
      out += sequence[0];
      coloured = true;
      i += sequence[0].length;
      continue;
    }
    const char = String.fromCodePoint(line.codePointAt(i)!);
    const columns = columnsOf(char);
    if (shown + columns > width - 1) break;
    out += char;
    shown += columns;
    i += char.length;
  }
  return `${out}…${coloured ? '\u001b[0m' : ''}`;
}
