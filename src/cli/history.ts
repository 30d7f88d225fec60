/**
 * History for the commands: `--db FILE` / $HYPERPOD_CMK_DB / the per-user default, `--no-save`, and
 * the one-line save step that evaluate (and scan) call after emitting their report:
 *
 *   const saved = await saveToHistory(io, flags, report, inventory);   // an exit code when saving failed
 */

import { scanRecord } from '../history/record.js';
import type { Inventory } from '../model/inventory.js';
import type { Report } from '../model/report.js';
import { DB_ENV, defaultDbPath } from '../store/paths.js';
import { type HistoryStore, isUrlTarget } from '../store/store.js';
import { absolute } from './common.js';
import { formatInputError, inputError } from './errors.js';
import type { Io } from './io.js';
import { collectGarbage, LARGE_REPORT_FINDINGS } from './memory.js';
import { defineOptions, type OptionsOf } from './spec.js';

const DB_DESCRIPTION = `history database: a SQLite file, or a postgres://USER@HOST/DATABASE URL (default: $${DB_ENV}, else a file in the per-user data directory)`;

/** `--db` and `--no-save`, for commands that save what they scan. */
export const saveOptions = defineOptions([
  { flags: '--db <target>', description: DB_DESCRIPTION },
  { flags: '--no-save', description: 'do not save this scan to history' },
]);

/** `--db`, for commands that read history. */
export const readOptions = defineOptions([{ flags: '--db <target>', description: DB_DESCRIPTION }]);

/** `--db` and `--no-save` as commander parsed them (a reader has no `save`). */
export type HistoryFlags = Partial<OptionsOf<typeof saveOptions>>;

/**
 * A history target as given: a URL (`postgres://...`) as it is, a path (or `sqlite:PATH`) made
 * absolute.
 */
export function historyTarget(io: Io, given: string): string {
  // A URL (postgres://, or one this version cannot open, which the store refuses by name).
  if (isUrlTarget(given)) return given;
  if (given.toLowerCase().startsWith('sqlite:'))
    return `sqlite:${absolute(io, given.slice('sqlite:'.length))}`;
  return absolute(io, given);
}

/** The database: --db, else $HYPERPOD_CMK_DB, else the platform default; undefined when none. */
export function dbPath(io: Io, raw: HistoryFlags): string | undefined {
  if (typeof raw.db === 'string') return historyTarget(io, raw.db);
  const fromEnv = io.env[DB_ENV];
  if (fromEnv) return historyTarget(io, fromEnv);
  const fallback = defaultDbPath(io.env);
  return fallback;
}

/** The store loads its database driver: only commands that touch history pay for it. */
const loadStore = () => import('../store/store.js');

/** Opens history for reading: a missing database is an input error (exit 2) with a hint. */
export async function openForReading(io: Io, raw: HistoryFlags): Promise<HistoryStore> {
  const path = dbPath(io, raw);
  if (!path)
    throw inputError({
      code: 'history.no_location',
      input: '--db',
      message: 'no history database location (no HOME in the environment)',
      hint: `pass --db FILE or set ${DB_ENV}`,
    });
  const { openHistory } = await loadStore();
  // Readers open read-only: a history in a read-only directory, or another user's, can be read.
  const opened = await openHistory(path, { create: false, readOnly: true });
  if (!opened.ok) throw inputError(opened.error);
  // Its readers reject with `HistoryUnreadable`: the thrown input error the entry prints (exit 2).
  return opened.value;
}

/**
 * Saves a scan to history unless `--no-save`; prints where on a TTY. Returns undefined when all is
 * well (or nothing was to be saved), else the exit code (2) after printing why. The report has
 * been emitted before this runs, so a failed save never loses it.
 */
export async function saveToHistory(
  io: Io,
  raw: HistoryFlags,
  report: Report,
  inventory?: Pick<Inventory, 'accounts' | 'events'>,
  options: { explicitOnly?: boolean; narrowedBy?: readonly string[] } = {},
): Promise<number | undefined> {
  if (raw.save === false) return undefined;
  const path = options.explicitOnly
    ? typeof raw.db === 'string'
      ? historyTarget(io, raw.db)
      : undefined
    : dbPath(io, raw);
  if (!path) return undefined;
  // A run that judged some rules, or reported some severities, would close in history every
  // finding it left out as fixed, and its compliance would stand in the trend for the whole scan.
  if (options.narrowedBy && options.narrowedBy.length > 0) {
    io.stderr.write(
      `hyperpod-cmk: not saved to history: ${options.narrowedBy.join(' ')} narrows what this run judges or reports, ` +
        'and history records whole scans (run without it to save one; --no-save silences this)\n',
    );
    return undefined;
  }
  const opened = await (await loadStore()).openHistory(path, { create: true });
  if (!opened.ok) {
    io.stderr.write(formatInputError(opened.error));
    return 2;
  }
  const store = opened.value;
  try {
    // What writing the report let go of is collected before the save makes its own (see memory.ts).
    const large = report.findings.length >= LARGE_REPORT_FINDINGS;
    if (large) collectGarbage();
    const saved = await store.save(
      scanRecord(report, inventory),
      large ? { betweenPhases: collectGarbage } : {},
    );
    if (!saved.ok) {
      io.stderr.write(formatInputError(saved.error));
      return 2;
    }
    if (saved.value.duplicate)
      io.stderr.write(
        `hyperpod-cmk: this scan is already in history as scan #${saved.value.scanId}; not saved again\n`,
      );
    else if (!saved.value.lifecycleApplied)
      io.stderr.write(
        `hyperpod-cmk: scan #${saved.value.scanId} is older than a saved scan of the same accounts: ` +
          'it joins the compliance trend, but finding lifecycles (MTTR, ages) keep what newer scans decided\n',
      );
    else if (io.stderr.isTTY)
      io.stderr.write(`hyperpod-cmk: saved to history as scan #${saved.value.scanId} (${store.location})\n`);
    return undefined;
  } finally {
    await store.close();
  }
}
