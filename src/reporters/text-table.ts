/** Aligned plain-text columns for terminal output (no borders, so it reads and copies cleanly). */
import { maxOf } from '../model/many.js';

const ANSI = /\u001b\[[0-9;]*m/g;
export const visibleLength = (text: string): number => text.replace(ANSI, '').length;

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
    if (!max || visibleLength(text) <= max) return text;
    return `${text.replace(ANSI, '').slice(0, max - 1)}…`;
  };
  const cells = [header, ...rows].map((row) => row.map(clip));
  const widths = header.map((_, i) => maxOf(cells.map((row) => visibleLength(row[i] ?? ''))));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell))))
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

/** A line cut to `width` with an ellipsis (colour kept up to the cut, then reset). */
export function clipLine(line: string, width: number): string {
  if (visibleLength(line) <= width) return line;
  let out = '';
  let shown = 0;
  let coloured = false;
  for (let i = 0; i < line.length; ) {
    const sequence = ANSI_AT.exec(line.slice(i));
    if (sequence) {
      out += sequence[0];
      coloured = true;
      i += sequence[0].length;
      continue;
    }
    const char = String.fromCodePoint(line.codePointAt(i)!);
    if (shown === width - 1) break;
    out += char;
    shown++;
    i += char.length;
  }
  return `${out}…${coloured ? '\u001b[0m' : ''}`;
}
