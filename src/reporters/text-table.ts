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
