import { historyListing, historyScan } from '../../history/listing.js';
import { scanGroups } from '../../history/rounds.js';
import { latestRoundIncomplete } from '../../kpi/compliance.js';
import { roundIncompleteIssue } from '../../kpi/index.js';
import { parseSince } from '../../kpi/window.js';
import { csvCell } from '../../reporters/csv.js';
import { terminalSafe } from '../../reporters/escape.js';
import { fittedTable } from '../../reporters/text-table.js';
import { outputOptions, parseLimit, parseNow, planOutput, terminalWidth, writeOutput } from '../common.js';
import { inputError } from '../errors.js';
import { openForReading, readOptions } from '../history.js';
import { defineCommand } from '../spec.js';
import { historyExportCommand, historyImportCommand } from './history-transfer.js';

const HISTORY_FORMATS = ['table', 'json', 'csv'] as const;

const HISTORY_COLUMNS = [
  'id',
  'time',
  'source',
  'accounts',
  'regions',
  'inputs',
  'clusters',
  'clusterCompliancePct',
  'instanceGroups',
  'instanceGroupCompliancePct',
  'fail',
  'unknown',
  'suppressed',
  'toolVersion',
  'round',
  'shard',
] as const;

export const historyCommand = defineCommand({
  name: 'history',
  summary: 'list the scans saved to history',
  options: [
    { flags: '--since <when>', description: 'only scans from: 30d, 12w, 6m, 1y or an ISO-8601 date' },
    {
      flags: '--now <time>',
      description: 'the clock, ISO-8601 (scans after it are not listed)',
      parse: parseNow,
    },
    ...outputOptions(HISTORY_FORMATS, 'table', 'history'),
    {
      flags: '--limit <n>',
      description: 'newest scans shown in the table format (0: all)',
      default: 20,
      parse: parseLimit,
    },
    ...readOptions,
  ],
  examples: [
    'hyperpod-cmk history',
    'hyperpod-cmk history --since 30d --format json',
    'hyperpod-cmk history export --db history.db --to postgres://scanner@db.internal/hyperpod_cmk',
  ],
  subcommands: [historyExportCommand, historyImportCommand],
  async run(_args, flags, io) {
    const output = planOutput(flags, HISTORY_FORMATS, 'table');
    const now = flags.now instanceof Date ? flags.now : undefined;
    let since: number | undefined;
    if (typeof flags.since === 'string') {
      const parsed = parseSince(flags.since, now ?? io.now());
      if (!parsed.ok) throw inputError(parsed.error);
      since = parsed.value;
    }
    const store = await openForReading(io, flags);
    let upToNow: Awaited<ReturnType<typeof store.scans>>;
    const path = store.location;
    try {
      upToNow = await store.scans(now ? { until: now.getTime() } : {});
    } finally {
      await store.close();
    }
    // The listing is the window; the latest round is judged on all its shards, grouped first.
    const scans = since === undefined ? upToNow : upToNow.filter((s) => s.at >= since);
    const rows = scans.map(historyScan);
    const incompleteRound = latestRoundIncomplete(scanGroups(upToNow));
    const roundIssue = incompleteRound ? roundIncompleteIssue(incompleteRound) : undefined;
    let text: string;
    if (output.format === 'json')
      text = `${JSON.stringify(historyListing(path, rows, incompleteRound), null, 2)}\n`;
    else if (output.format === 'csv') {
      const columns = HISTORY_COLUMNS;
      const lines = rows.map((r) =>
        columns.map((c) => csvCell(Array.isArray(r[c]) ? (r[c] as string[]).join(' ') : r[c])).join(','),
      );
      text = `${[columns.join(','), ...lines].join('\r\n')}\r\n`;
    } else {
      const limit = typeof flags.limit === 'number' && flags.limit > 0 ? flags.limit : rows.length;
      const shown = rows.slice(-limit);
      text =
        rows.length === 0
          ? `No scan saved${since !== undefined ? ' in this window' : ''} in ${path}.\n`
          : `${fittedTable(
              [
                'SCAN',
                'TIME',
                'SOURCE',
                'ACCOUNTS',
                'REGIONS',
                'CLUSTERS',
                'COMPLIANT',
                'GROUPS',
                'COMPLIANT',
                'FAIL',
                'UNKNOWN',
              ],
              // Sources and inputs are file names from scanned repositories.
              terminalSafe(shown).map((r) => [
                `#${r.id}${r.shard ? ` (shard ${r.shard} of round ${r.round})` : ''}${r.incomplete.length ? ' (incomplete)' : ''}`,
                r.time,
                r.source,
                r.accounts.length ? r.accounts.join(' ') : r.inputs.join(' '),
                String(r.regions.length),
                String(r.clusters),
                r.clusterCompliancePct === null ? '—' : `${r.clusterCompliancePct}%`,
                String(r.instanceGroups),
                r.instanceGroupCompliancePct === null ? '—' : `${r.instanceGroupCompliancePct}%`,
                String(r.fail),
                String(r.unknown),
              ]),
              [6, 24, 8, 40],
              output.path === undefined ? terminalWidth(io) : undefined,
            )}\n${shown.length < rows.length ? `… ${rows.length - shown.length} older scans (--limit 0 lists all)\n` : ''}` +
            (roundIssue
              ? `${terminalSafe(roundIssue.message)}\n  hint: ${terminalSafe(roundIssue.hint ?? '')}\n`
              : '');
    }
    writeOutput(io, text, {
      format: output.format,
      what: 'history',
      ...(output.path ? { output: output.path } : {}),
    });
    return 0;
  },
});
