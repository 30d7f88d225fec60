/**
 * The portable form of a history (`history export --to FILE.jsonl`, `history import --from
 * FILE.jsonl`): JSON Lines, a header line, then one line per table row in the order an import
 * inserts them. Every line is validated against `HistoryDumpLineSchema` (published as
 * schemas/history-dump.schema.json) before anything is written, so a hand-edited or foreign file
 * is refused with the line and the field at fault. Pure: dump-file.ts reads the file line by line,
 * the CLI writes it.
 *
 *   {"kind":"hyperpod-cmk-history","dumpVersion":1,"schemaVersion":2,"toolVersion":"0.1.0"}
 *   {"table":"scans","row":{"id":1,"report_id":"...",...}}
 */
import { z } from 'zod';
import { type InputError, InputRejected } from '../model/input-error.js';
import { schemaProblems } from '../model/validate.js';
import { HISTORY_COLUMNS, HISTORY_TABLES, type HistoryTable } from './history-sql.js';
import type { TableRow } from './store.js';

export const DUMP_KIND = 'hyperpod-cmk-history';
export const DUMP_VERSION = 1;

const int = z.number().int();
const text = z.string();
const maybe = <T extends z.ZodType>(type: T) => type.nullable().optional();

/** Each table's row, column by column (the columns of history-sql.ts, at the current schema). */
const ROWS = {
  scans: {
    id: int,
    report_id: text,
    source: text,
    started_at: text,
    finished_at: text,
    at_ms: int,
    accounts: text,
    regions: text,
    inputs: text,
    scope: text,
    tool_version: text,
    summary: text,
    saved_at: text,
    incomplete: text.optional(),
    round: maybe(text),
    shard_index: maybe(int),
    shard_count: maybe(int),
  },
  resources: {
    id: int,
    rid: text,
    type: text,
    name: text,
    cluster: maybe(text),
    account: maybe(text),
    region: maybe(text),
    scope: text,
  },
  states: { id: int, type: text, hash: text, body: text },
  observations: { scan_id: int, resource_id: int, state_id: int },
  scan_tallies: { scan_id: int, state_id: int, count: int },
  key_spans: { resource_id: int, state_id: int, first_at: int, last_at: int },
  findings: {
    id: int,
    fingerprint: text,
    rule_id: text,
    rid: text,
    resource_type: text,
    name: text,
    account: maybe(text),
    region: maybe(text),
    project: maybe(text),
    owner: maybe(text),
    scope: text,
    severity: text,
    status: text,
    suppressed: int,
    message: text,
    first_seen_at: int,
    last_seen_at: int,
    first_scan_id: int,
    last_scan_id: int,
  },
  finding_changes: {
    finding_id: int,
    at_ms: int,
    scan_id: int,
    status: text,
    severity: text,
    suppressed: int,
  },
  episodes: {
    id: int,
    finding_id: int,
    opened_at: int,
    opened_scan_id: int,
    resolved_at: maybe(int),
    resolved_scan_id: maybe(int),
    resolution: maybe(text),
    severity: text,
  },
  access_denied: {
    event_id: text,
    event_time: text,
    at_ms: int,
    account: text,
    region: text,
    key: text,
    principal: text,
    event_name: text,
    error_code: text,
  },
} satisfies Record<HistoryTable, Record<string, z.ZodType>>;

export const DumpHeaderSchema = z.strictObject({
  kind: z.literal(DUMP_KIND),
  dumpVersion: z.literal(DUMP_VERSION),
  /** The history schema the rows were read at. */
  schemaVersion: int.positive(),
  toolVersion: text,
});

export type DumpHeader = z.infer<typeof DumpHeaderSchema>;

/** One line of a dump: the header, or a row of one table. */
export const HistoryDumpLineSchema = z.union([
  DumpHeaderSchema,
  ...(Object.entries(ROWS) as [HistoryTable, Record<string, z.ZodType>][]).map(([table, columns]) =>
    z.strictObject({ table: z.literal(table), row: z.strictObject(columns) }),
  ),
]);

// Keep the dump's columns and the store's in step.
for (const [table, columns] of Object.entries(ROWS))
  if (Object.keys(columns).join() !== HISTORY_COLUMNS[table as HistoryTable].join())
    throw new Error(`dump columns of ${table} differ from the store's`);

export const dumpHeader = (schemaVersion: number, toolVersion: string): string =>
  `${JSON.stringify({ kind: DUMP_KIND, dumpVersion: DUMP_VERSION, schemaVersion, toolVersion })}\n`;

/**
 * The largest line a dump may hold (a scan's summary or a state's body), in UTF-8 bytes without its
 * line end: `history export` writes no longer line, and `history import` reads no longer one.
 */
export const MAX_DUMP_LINE = 16 * 1024 * 1024;

/**
 * One row as a dump line. A row whose line would be longer than `MAX_DUMP_LINE` (which `history
 * import` would refuse) is refused here, naming the row in `source`: the dump is not written,
 * rather than written in a form that cannot be read back.
 */
export function dumpLine(row: TableRow, source: string): string {
  const line = JSON.stringify(row);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: only a line that could be over is measured.
  const bytes = line.length * 3 > MAX_DUMP_LINE ? Buffer.byteLength(line) : line.length;
  if (bytes > MAX_DUMP_LINE) {
    const order = HISTORY_TABLES.find((t) => t.name === row.table)?.order ?? 'id';
    const key = order
      .split(', ')
      .map((column) => `${column} ${String(row.row[column])}`)
      .join(', ');
    throw new InputRejected({
      code: 'history.dump_line_too_long',
      input: source,
      message: `its ${row.table} row (${key}) takes ${bytes} bytes as a dump line, over the ${MAX_DUMP_LINE} bytes (16 MiB) \`history import\` reads: nothing was exported`,
      hint: 'export it to a SQLite file or a PostgreSQL database instead (--to FILE.db or --to postgres://...): they hold rows of any size',
    });
  }
  return `${line}\n`;
}

/**
 * Reads the lines of a dump (as they come from the file), validating each: the header first, then
 * rows. Throws `InputRejected` at the first bad line, naming the file, the line and the field.
 */
export async function* parseDump(
  file: string,
  lines: AsyncIterable<string>,
  knownSchema: number,
): AsyncIterable<TableRow> {
  let number = 0;
  let header: DumpHeader | undefined;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    const bad = (message: string, problems?: InputError['problems']): never => {
      throw new InputRejected({
        code: 'history.dump_invalid',
        input: `${file}:${number}`,
        message,
        hint: 'a dump is written by `hyperpod-cmk history export --to FILE.jsonl`; nothing was imported',
        ...(problems ? { problems } : {}),
      });
    };
    if (line.length > MAX_DUMP_LINE && Buffer.byteLength(line) > MAX_DUMP_LINE)
      bad(
        `the line is ${Buffer.byteLength(line)} bytes long; a dump line may be at most ${MAX_DUMP_LINE} bytes (16 MiB)`,
      );
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      bad('is not JSON');
    }
    if (!header) {
      const parsed = DumpHeaderSchema.safeParse(value);
      if (!parsed.success)
        bad(
          `does not start with a ${DUMP_KIND} header (dumpVersion ${DUMP_VERSION})`,
          schemaProblems(parsed.error),
        );
      header = parsed.data!;
      if (header.schemaVersion > knownSchema)
        bad(
          `was exported from a newer hyperpod-cmk (history schema ${header.schemaVersion}, this version knows ${knownSchema})`,
        );
      continue;
    }
    const parsed = HistoryDumpLineSchema.safeParse(value);
    if (!parsed.success || !('table' in parsed.data)) {
      const table = (value as { table?: unknown } | null)?.table;
      const columns = typeof table === 'string' ? ROWS[table as HistoryTable] : undefined;
      if (!columns) bad(`is not a row of a history table`);
      const row = z.strictObject({ table: z.string(), row: z.strictObject(columns!) }).safeParse(value);
      bad(`is not a valid ${String(table)} row`, row.success ? undefined : schemaProblems(row.error));
    }
    yield parsed.data as TableRow;
  }
  if (!header)
    throw new InputRejected({
      code: 'history.dump_invalid',
      input: file,
      message: 'is empty',
      hint: 'a dump is written by `hyperpod-cmk history export --to FILE.jsonl`',
    });
}
