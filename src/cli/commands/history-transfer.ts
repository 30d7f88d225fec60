/**
 * `history export` and `history import`: move a history between SQLite and PostgreSQL (a team
 * that starts with a local file and moves to a shared database), or through a portable JSON Lines
 * dump (store/dump.ts, schemas/history-dump.schema.json). Either way every row is copied with its
 * ids, in one transaction, into a history that holds nothing yet: `history` and `kpi` give the
 * same results from the copy as from the original.
 */
import { InputRejected } from '../../model/input-error.js';
import { dumpEnd, dumpHeader, dumpLine, parseDump } from '../../store/dump.js';
import { type HistoryStore, sameHistory, storeError, type TableRow } from '../../store/store.js';
import { TOOL_VERSION } from '../../version.js';
import { absolute } from '../common.js';
import { formatInputError, inputError } from '../errors.js';
import { dbPath, historyTarget, openForReading, readOptions } from '../history.js';
import type { Io } from '../io.js';
import { defineCommand } from '../spec.js';

const isDump = (target: string) => /\.jsonl$/i.test(target);

/** Opens a history to copy into: created when missing, refused unless empty (by the store). */
async function openTarget(target: string): Promise<HistoryStore> {
  const { openHistory } = await import('../../store/store.js');
  const opened = await openHistory(target, { create: true });
  if (!opened.ok) throw inputError(opened.error);
  return opened.value;
}

/**
 * The rows of a source, any failure to read them (a lost connection, a damaged table, a file that
 * cannot be read) an input error naming the source, never the target it was being copied into.
 */
async function* fromSource(rows: AsyncIterable<TableRow>, source: string): AsyncIterable<TableRow> {
  try {
    yield* rows;
  } catch (error) {
    if (error instanceof InputRejected) throw error;
    throw new InputRejected(
      storeError(
        source,
        `cannot be read: ${(error as Error).message ?? String(error)}`,
        'nothing was copied; check that the source is a hyperpod-cmk history (or a dump of one) and that it can be read, then run the command again',
      ),
    );
  }
}

async function copyInto(io: Io, source: AsyncIterable<TableRow>, target: HistoryStore) {
  try {
    const copied = await target.importRows(source);
    if (!copied.ok) {
      io.stderr.write(formatInputError(copied.error));
      return 2;
    }
    io.stderr.write(
      `hyperpod-cmk: copied ${copied.value.scans} scans (${copied.value.rows} rows) into ${target.location}\n`,
    );
    return 0;
  } finally {
    await target.close();
  }
}

export const historyExportCommand = defineCommand({
  name: 'export',
  summary: 'copy the history to a JSON Lines dump, a SQLite file or a PostgreSQL database',
  description:
    'The target must hold no history yet (a dump file is overwritten). Rows keep their ids, so the copy gives the same `history`, `kpi` and `report` results.',
  options: [
    {
      flags: '--to <target>',
      description:
        'FILE.jsonl (a portable dump), a SQLite file (PATH or sqlite:PATH), or postgres://USER@HOST/DATABASE',
    },
    ...readOptions,
  ],
  examples: [
    'hyperpod-cmk history export --to history.jsonl',
    'hyperpod-cmk history export --db history.db --to postgres://scanner@db.internal/hyperpod_cmk',
  ],
  async run(_args, flags, io) {
    if (typeof flags.to !== 'string')
      throw inputError({
        code: 'usage.missing',
        input: '--to',
        message: 'is required',
        hint: 'pass --to FILE.jsonl, a SQLite file or a postgres:// URL',
      });
    const source = await openForReading(io, flags);
    try {
      if (isDump(flags.to)) {
        const file = absolute(io, flags.to);
        const header = dumpHeader(await source.schemaVersion(), TOOL_VERSION);
        let scans = 0;
        let rows = 0;
        // Each row is written as it is read: the dump is never held whole, and a source that fails
        // part-way leaves the target as it was.
        async function* lines(): AsyncGenerator<string> {
          yield header;
          for await (const row of fromSource(source.rows(), source.location)) {
            yield dumpLine(row, source.location);
            rows++;
            if (row.table === 'scans') scans++;
          }
          // The end line: an import refuses a dump without it (cut short) or whose count differs.
          yield dumpEnd(rows);
        }
        await io.writeFileStreamed(file, lines());
        io.stderr.write(`hyperpod-cmk: exported ${scans} scans (${rows} rows) to ${flags.to}\n`);
        return 0;
      }
      const target = historyTarget(io, flags.to);
      const from = dbPath(io, flags);
      if (from !== undefined && sameHistory(target, from))
        throw inputError({
          code: 'usage.same',
          input: '--to',
          message: 'is the history being exported',
          hint: 'pass another target',
        });
      return await copyInto(io, fromSource(source.rows(), source.location), await openTarget(target));
    } finally {
      await source.close();
    }
  },
});

export const historyImportCommand = defineCommand({
  name: 'import',
  summary: 'fill an empty history (--db) from a JSON Lines dump, a SQLite file or a PostgreSQL database',
  description:
    'Nothing is written unless every row is valid and the history holds nothing yet; the copy is one transaction.',
  options: [
    {
      flags: '--from <source>',
      description:
        'FILE.jsonl (written by `history export`), a SQLite file, or postgres://USER@HOST/DATABASE',
    },
    ...readOptions,
  ],
  examples: [
    'hyperpod-cmk history import --from history.jsonl --db postgres://scanner@db.internal/hyperpod_cmk',
  ],
  async run(_args, flags, io) {
    if (typeof flags.from !== 'string')
      throw inputError({
        code: 'usage.missing',
        input: '--from',
        message: 'is required',
        hint: 'pass --from FILE.jsonl, a SQLite file or a postgres:// URL',
      });
    const targetPath = dbPath(io, flags);
    if (!targetPath)
      throw inputError({
        code: 'history.no_location',
        input: '--db',
        message: 'no history database location (no HOME in the environment)',
        hint: 'pass --db',
      });
    if (isDump(flags.from)) {
      // The file is opened (and refused unless a regular file) before the target is created.
      const { openDumpFile } = await import('../../store/dump-file.js');
      const dump = await openDumpFile(absolute(io, flags.from), flags.from);
      try {
        const { SCHEMA_VERSION } = await import('../../store/schema.js');
        const target = await openTarget(targetPath);
        const rows = parseDump(flags.from, dump.lines(), SCHEMA_VERSION);
        return await copyInto(io, fromSource(rows, flags.from), target);
      } finally {
        await dump.close();
      }
    }
    const sourceTarget = historyTarget(io, flags.from);
    if (sameHistory(sourceTarget, targetPath))
      throw inputError({
        code: 'usage.same',
        input: '--from',
        message: 'is the history being imported into',
        hint: 'pass another source',
      });
    const source = await openForReading(io, { db: flags.from });
    try {
      return await copyInto(io, fromSource(source.rows(), source.location), await openTarget(targetPath));
    } finally {
      await source.close();
    }
  },
});
