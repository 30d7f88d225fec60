/**
 * The portable form of a history (`history export --to FILE.jsonl`, `history import --from
 * FILE.jsonl`): JSON Lines, a header line, then one line per table row in the order an import
 * inserts them. Every line is validated against `HistoryDumpLineSchema` (published as
 * schemas/history-dump.schema.json) before anything is written, so a hand-edited or foreign file
 * is refused with the line and the field at fault. Pure: dump-file.ts reads the file line by line,
 * the CLI writes it.
 *
 *   {"kind":"hyperpod-cmk-history","dumpVersion":2,"schemaVersion":4,"toolVersion":"0.1.0"}
 *   {"table":"scans","row":{"id":1,"report_id":"...",...}}
 *   ...
 *   {"kind":"hyperpod-cmk-history-end","rows":1328}
 */
import { z } from 'zod';
import type { Resolution } from '../history/types.js';
import { ResourceTypeSchema, SeveritySchema, StatusSchema } from '../model/finding.js';
import { type InputError, InputRejected } from '../model/input-error.js';
import { schemaProblems } from '../model/validate.js';
import { HISTORY_COLUMNS, HISTORY_TABLES, type HistoryTable } from './history-sql.js';
import type { TableRow } from './store.js';

export const DUMP_KIND = 'hyperpod-cmk-history';
export const DUMP_END_KIND = 'hyperpod-cmk-history-end';
/**
 * 2: the dump ends with a line counting its rows, so a dump cut short (at a line boundary, where
 * every line left is valid) is refused instead of imported as a smaller history. Dumps of version 1
 * have no end line and are still read.
 */
export const DUMP_VERSION = 2;

const int = z.number().int();
const text = z.string();
const maybe = <T extends z.ZodType>(type: T) => type.nullable().optional();
const flag = z.union([z.literal(0), z.literal(1)]);
const RESOLUTIONS = [
  'fixed',
  'not-applicable',
  'resource-gone',
  'not-evaluated',
] as const satisfies readonly Resolution[];

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
    type: ResourceTypeSchema,
    name: text,
    cluster: maybe(text),
    account: maybe(text),
    region: maybe(text),
    scope: text,
  },
  states: { id: int, type: z.enum(['cluster', 'instance-group', 'kms-key']), hash: text, body: text },
  observations: { scan_id: int, resource_id: int, state_id: int },
  scan_tallies: { scan_id: int, state_id: int, count: int },
  key_spans: { resource_id: int, state_id: int, first_at: int, last_at: int },
  findings: {
    id: int,
    fingerprint: text,
    rule_id: text,
    rid: text,
    resource_type: ResourceTypeSchema,
    name: text,
    account: maybe(text),
    region: maybe(text),
    project: maybe(text),
    owner: maybe(text),
    scope: text,
    severity: SeveritySchema,
    status: StatusSchema,
    suppressed: flag,
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
    status: StatusSchema,
    severity: SeveritySchema,
    suppressed: flag,
    message: maybe(text),
  },
  episodes: {
    id: int,
    finding_id: int,
    opened_at: int,
    opened_scan_id: int,
    resolved_at: maybe(int),
    resolved_scan_id: maybe(int),
    resolution: maybe(z.enum(RESOLUTIONS)),
    severity: SeveritySchema,
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
  dumpVersion: z.union([z.literal(1), z.literal(DUMP_VERSION)]),
  /** The history schema the rows were read at. */
  schemaVersion: int.positive(),
  toolVersion: text,
});

export type DumpHeader = z.infer<typeof DumpHeaderSchema>;

/** The last line of a dump (dumpVersion 2): how many rows it holds. */
export const DumpEndSchema = z.strictObject({
  kind: z.literal(DUMP_END_KIND),
  rows: int.nonnegative().describe('the row lines of the dump, header and end line not counted'),
});

/** One line of a dump: the header, a row of one table, or the end line. */
export const HistoryDumpLineSchema = z.union([
  DumpHeaderSchema,
  DumpEndSchema,
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

/** The end line, after `rows` row lines. */
export const dumpEnd = (rows: number): string => `${JSON.stringify({ kind: DUMP_END_KIND, rows })}\n`;

/** The rows a row names, by column: each must be a row of that table earlier in the dump. */
const REFERENCES: Partial<Record<HistoryTable, readonly (readonly [string, IdTable])[]>> = {
  observations: [
    ['scan_id', 'scans'],
    ['resource_id', 'resources'],
    ['state_id', 'states'],
  ],
  scan_tallies: [
    ['scan_id', 'scans'],
    ['state_id', 'states'],
  ],
  key_spans: [
    ['resource_id', 'resources'],
    ['state_id', 'states'],
  ],
  findings: [
    ['first_scan_id', 'scans'],
    ['last_scan_id', 'scans'],
  ],
  finding_changes: [
    ['finding_id', 'findings'],
    ['scan_id', 'scans'],
  ],
  episodes: [
    ['finding_id', 'findings'],
    ['opened_scan_id', 'scans'],
    ['resolved_scan_id', 'scans'],
  ],
};
type IdTable = 'scans' | 'resources' | 'states' | 'findings' | 'episodes';
const ID_TABLES: readonly IdTable[] = ['scans', 'resources', 'states', 'findings', 'episodes'];

/** Tables keyed by two ids, whose rows export writes in that key's order (so a repeat is out of order). */
const PAIR_KEYS: Partial<Record<HistoryTable, readonly [string, string]>> = {
  observations: ['scan_id', 'resource_id'],
  scan_tallies: ['scan_id', 'state_id'],
  key_spans: ['resource_id', 'state_id'],
};

/** The columns history writes as JSON text, and what each must hold. */
const JSON_COLUMNS: Partial<Record<HistoryTable, readonly (readonly [string, 'list' | 'object'])[]>> = {
  scans: [
    ['accounts', 'list'],
    ['regions', 'list'],
    ['inputs', 'list'],
    ['scope', 'list'],
    ['incomplete', 'list'],
    ['summary', 'object'],
  ],
  states: [['body', 'object']],
};

function jsonProblem(value: unknown, expected: 'list' | 'object'): boolean {
  if (typeof value !== 'string') return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return true;
  }
  return expected === 'list'
    ? !Array.isArray(parsed) || parsed.some((item) => typeof item !== 'string')
    : parsed === null || typeof parsed !== 'object' || Array.isArray(parsed);
}

/**
 * What the rows of a dump must agree on beyond each line's shape, checked as they come, so that a
 * tampered line is named by its number rather than failing the import's transaction as a whole (a
 * database constraint names no line) or imported and failing every reading after: ids not
 * repeated, every id a row names is of a row before it, ordered pairs in order, JSON columns JSON.
 * Only ids are held (numbers), not the rows.
 */
class DumpRows {
  private readonly ids = new Map<IdTable, Set<number>>(ID_TABLES.map((t) => [t, new Set<number>()]));
  private readonly lastPair = new Map<HistoryTable, readonly [number, number]>();

  /** What is wrong with the row, or undefined. */
  problem({ table, row }: TableRow): string | undefined {
    for (const [column, expected] of JSON_COLUMNS[table] ?? [])
      if (jsonProblem(row[column], expected))
        return `its ${column} is not a JSON ${expected === 'list' ? 'list of strings' : 'object'}`;
    for (const [column, target] of REFERENCES[table] ?? []) {
      const id = row[column];
      if (typeof id === 'number' && !this.ids.get(target)!.has(id))
        return `its ${column} ${id} is not the id of a ${target} row before it`;
    }
    if (table === 'episodes') {
      const set = [row.resolved_at, row.resolved_scan_id, row.resolution].filter(
        (v) => v !== null && v !== undefined,
      );
      if (set.length !== 0 && set.length !== 3)
        return 'its resolved_at, resolved_scan_id and resolution are neither all set nor all empty';
    }
    const pair = PAIR_KEYS[table];
    if (pair) {
      const key = [Number(row[pair[0]]), Number(row[pair[1]])] as const;
      const last = this.lastPair.get(table);
      if (last && (key[0] < last[0] || (key[0] === last[0] && key[1] <= last[1])))
        return `repeats or comes before the ${table} row above it (${pair.join(', ')})`;
      this.lastPair.set(table, key);
    }
    const ids = (ID_TABLES as readonly string[]).includes(table) ? this.ids.get(table as IdTable) : undefined;
    if (ids) {
      const id = Number(row.id);
      if (ids.has(id)) return `repeats ${table} id ${id}`;
      ids.add(id);
    }
    return undefined;
  }
}

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
  let last = 0;
  let header: DumpHeader | undefined;
  let end: z.infer<typeof DumpEndSchema> | undefined;
  let count = 0;
  const rows = new DumpRows();
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    last = number;
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
    if (end) bad('follows the end line');
    if ((value as { kind?: unknown } | null)?.kind === DUMP_END_KIND) {
      const parsed = DumpEndSchema.safeParse(value);
      if (!parsed.success) bad('is not a valid end line', schemaProblems(parsed.error));
      end = parsed.data!;
      if (end.rows !== count)
        bad(
          `the end line counts ${end.rows} rows, but the dump holds ${count}: rows were added or taken out`,
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
    const problem = rows.problem(parsed.data as TableRow);
    if (problem) bad(problem);
    count++;
    yield parsed.data as TableRow;
  }
  if (header && header.dumpVersion >= 2 && !end)
    throw new InputRejected({
      code: 'history.dump_invalid',
      input: `${file}:${last}`,
      message: 'the dump ends here, without the end line `history export` writes: it was cut short',
      hint: 'a dump is written by `hyperpod-cmk history export --to FILE.jsonl`; nothing was imported',
    });
  if (!header)
    throw new InputRejected({
      code: 'history.dump_invalid',
      input: file,
      message: 'is empty',
      hint: 'a dump is written by `hyperpod-cmk history export --to FILE.jsonl`',
    });
}
