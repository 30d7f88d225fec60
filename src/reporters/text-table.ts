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
  const cells = [header, ...rows].map((row) =>
    row.map((text, index) => (cut ? clipCell(text, maxWidths[index]) : text)),
  );
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
 * Fewest columns a list in the last column is wrapped to beside the others; narrower than this,
 * it goes on lines of its own under its row.
 */
const MIN_LIST_COLUMNS = 24;

/**
 * A table whose last column is a list (`lists`, one per row), wrapped to a screen `width` columns
 * wide: continuation lines start under the column, so that every item shows instead of one
 * ellipsis once the other columns take the screen. When they leave it too few columns for the
 * longest item (or fewer than MIN_LIST_COLUMNS), each row's list goes on indented lines of its own
 * under the row, and the column's title under the others'; an item too long even for such a line
 * is cut there. Without a width (a CI log, a file) it is `textTable`'s, the list joined by ", ".
 */
export function tableWithWrappedList(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  lists: readonly (readonly string[])[],
  maxWidths: readonly number[],
  width: number | undefined,
): string {
  if (width === undefined)
    return textTable(
      header,
      rows.map((row, r) => [...row, lists[r]!.join(', ')]),
      [...maxWidths, 0],
      false,
    );
  const cells = [header.slice(0, -1), ...rows].map((row) =>
    row.map((cell, i) => clipCell(cell, maxWidths[i])),
  );
  const widths = cells[0]!.map((_, i) => maxOf(cells.map((row) => displayWidth(row[i] ?? ''))));
  const start = widths.reduce((sum, w) => sum + w + 2, 0);
  // Beside the row only when every item fits whole there (with its comma).
  const longest = maxOf(lists.flatMap((list) => list.map(displayWidth)));
  const beside = width - start >= Math.max(MIN_LIST_COLUMNS, longest + 1);
  const room = beside ? width - start : width - 4;
  const pad = (row: readonly string[]) =>
    row.map((cell, i) => cell + ' '.repeat(widths[i]! - displayWidth(cell))).join('  ');
  const title = header.at(-1)!;
  const lines = beside ? [`${pad(cells[0]!)}  ${title}`] : [pad(cells[0]!).trimEnd(), `    ${title}`];
  cells.slice(1).forEach((row, r) => {
    const wrapped = wrapList(lists[r]!, room);
    if (beside) {
      lines.push(`${pad(row)}  ${wrapped[0] ?? ''}`.trimEnd());
      for (const more of wrapped.slice(1)) lines.push(`${' '.repeat(start)}${more}`);
    } else {
      lines.push(pad(row).trimEnd());
      for (const line of wrapped) lines.push(`    ${line}`);
    }
  });
  return lines.map((line) => clipLine(line, width)).join('\n');
}

const clipCell = (text: string, max: number | undefined) =>
  !max || displayWidth(text) <= max ? text : clipLine(text.replace(ANSI, ''), max);

/** Items joined by ", " as lines of at most `room` columns, broken after a comma. */
function wrapList(items: readonly string[], room: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line === '' ? item : `${line}, ${item}`;
    if (line !== '' && displayWidth(next) + 1 > room) {
      lines.push(`${line},`);
      line = item;
    } else line = next;
  }
  if (line !== '') lines.push(line);
  return lines;
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
