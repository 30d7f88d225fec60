import type { ActualCost, CostGrouping } from '../../collectors/aws/cost-explorer.js';
import { accessDeniedEvents, isAccessDeniedCode, keyResolver } from '../../history/record.js';
import type { AccessDeniedEvent, HistoryData } from '../../history/types.js';
import { latestKeyState } from '../../kpi/cost.js';
import { computeKpis, KPI_NAMES, type KpiName, type KpiReport } from '../../kpi/index.js';
import { DEFAULT_SINCE, DIMENSIONS, type Dimension, type KpiWindow, parseSince } from '../../kpi/window.js';
import type { SourceIssue } from '../../model/finding.js';
import type { Gap } from '../../model/inventory.js';
import { pushAll } from '../../model/many.js';
import { DEFAULT_CLOUDTRAIL_LIMITS, readCloudTrailDir } from '../../parsers/cloudtrail/log-files.js';
import { renderKpiCsv, renderKpiTable } from '../../reporters/kpi.js';
import {
  absolute,
  outputOptions,
  parseLimit,
  parseNow,
  planOutput,
  terminalWidth,
  writeOutput,
} from '../common.js';
import { inputError } from '../errors.js';
import { openForReading, readOptions } from '../history.js';
import { type Io, useColor } from '../io.js';
import { defineCommand } from '../spec.js';

const KPI_FORMATS = ['table', 'json', 'csv'] as const;

/** The window from --since and --now (default: the last 90 days up to now). */
export function kpiWindow(io: Io, flags: { now?: Date | undefined; since?: string | undefined }): KpiWindow {
  const now = flags.now ?? io.now();
  const since = parseSince(flags.since ?? DEFAULT_SINCE, now);
  if (!since.ok) throw inputError(since.error);
  return { since: since.value, until: now.getTime() };
}

/** Denied calls on HyperPod keys from exported CloudTrail files (all keys when history knows none). */
export function cloudTrailEvents(
  io: Io,
  dir: string,
  history: HistoryData,
): { events: AccessDeniedEvent[]; issues: SourceIssue[] } {
  const path = absolute(io, dir);
  if (!io.exists(path))
    throw inputError({
      code: 'input.missing',
      input: dir,
      message: 'no such directory',
      hint: 'pass the directory holding exported CloudTrail log files (.json or .json.gz)',
    });
  // Only denied KMS calls count: the routine calls that fill a trail are not kept.
  const read = readCloudTrailDir(
    path,
    DEFAULT_CLOUDTRAIL_LIMITS,
    (event) => event.eventSource === 'kms.amazonaws.com' && isAccessDeniedCode(event.errorCode),
  );
  if (read.files === 0)
    read.issues.push({
      code: 'cloudtrail.empty',
      severity: 'warning',
      message: `${dir}: no .json or .json.gz file found`,
      hint: 'pass the directory CloudTrail delivers to (AWSLogs/...)',
    });
  const keys = history.keys.map((k) => {
    const latest = latestKeyState(k);
    return { arn: k.arn, aliases: latest.aliases, account: k.account, region: k.region };
  });
  const known = new Set(keys.map((k) => k.arn));
  const events = accessDeniedEvents(read.events, keyResolver(keys)).filter(
    (event) => known.size === 0 || known.has(event.key),
  );
  return { events, issues: read.issues };
}

async function actualCosts(
  window: KpiWindow,
  by: Dimension | undefined,
  profile: string | undefined,
): Promise<{ actual: ActualCost[]; gaps: Gap[] }> {
  // The AWS SDK loads only when actual spend is asked for.
  const { createCostExplorerClient, fetchKmsActualCost } = await import(
    '../../collectors/aws/cost-explorer.js'
  );
  const client = createCostExplorerClient(profile ? { profile } : {});
  const groupings: CostGrouping[] = [
    { type: 'TAG', key: 'project' },
    { type: 'TAG', key: 'owner' },
    ...(by === 'account' ? [{ type: 'DIMENSION', key: 'LINKED_ACCOUNT' } as const] : []),
  ];
  const actual: ActualCost[] = [];
  const gaps: Gap[] = [];
  try {
    for (const grouping of groupings) {
      const result = await fetchKmsActualCost(client, window, grouping);
      if (result.ok) actual.push(result.value);
      else {
        gaps.push(result.error);
        break; // the same error would repeat for every grouping
      }
    }
  } finally {
    client.destroy();
  }
  return { actual, gaps };
}

export const kpiCommand = defineCommand({
  name: 'kpi',
  summary: 'KPIs from history: compliance %, time to remediate, finding age, denied key calls, KMS cost',
  description:
    'Computes the KPIs over a window of saved scans. KPIs: compliance (now and trend), mttr, age, attempts, cost ' +
    '(default: all). The shards of a round (scan --org --shard K/N --round ID) count as one scan. Exits 0, 2 on a ' +
    'usage or history error, 3 when a log file or Cost Explorer could not be read, or when the latest round of a ' +
    'sharded scan is missing a shard (the issue names it).',
  args: [
    {
      name: 'kpis',
      description: `which KPIs (${KPI_NAMES.join(', ')}; default all)`,
      required: false,
      variadic: true,
    },
  ],
  options: [
    {
      flags: '--since <when>',
      description: 'window start: 30d, 12w, 6m, 1y or an ISO-8601 date',
      default: DEFAULT_SINCE,
    },
    { flags: '--by <dimension>', description: 'breakdown', choices: DIMENSIONS },
    ...outputOptions(KPI_FORMATS, 'table', 'kpi'),
    { flags: '--now <time>', description: 'the clock, ISO-8601: the window ends here', parse: parseNow },
    ...readOptions,
    {
      flags: '--cloudtrail-dir <dir>',
      description:
        'also count denied calls in exported CloudTrail log files (.json, .json.gz) under this directory',
    },
    {
      flags: '--cost-explorer',
      description:
        'also fetch actual KMS spend from AWS Cost Explorer (read-only; AWS bills $0.01 per request)',
    },
    { flags: '--profile <name>', description: 'AWS profile for --cost-explorer' },
    {
      flags: '--limit <n>',
      description: 'rows per table in the table format (0: all)',
      default: 10,
      parse: parseLimit,
    },
  ],
  examples: [
    'hyperpod-cmk kpi',
    'hyperpod-cmk kpi compliance --since 6m --by account',
    'hyperpod-cmk kpi mttr age --by severity --format csv -o kpis.csv',
    'hyperpod-cmk kpi attempts --cloudtrail-dir ./AWSLogs --since 1y',
    'hyperpod-cmk kpi cost --by project --cost-explorer',
  ],
  async run(args, flags, io) {
    const isKpi = (name: string): name is KpiName => KPI_NAMES.some((known) => known === name);
    const unknown = args.filter((name) => !isKpi(name));
    if (unknown.length)
      throw inputError({
        code: 'usage.kpi',
        input: unknown[0]!,
        message: 'no such KPI',
        hint: `one of ${KPI_NAMES.join(', ')}`,
      });
    const kpis = args.length ? args.filter(isKpi) : [...KPI_NAMES];
    const output = planOutput(flags, KPI_FORMATS, 'table');
    const window = kpiWindow(io, flags);
    const by = flags.by;
    const store = await openForReading(io, flags);
    let history: HistoryData;
    try {
      history = await store.load({ since: window.since, until: window.until });
    } finally {
      await store.close();
    }
    const issues: SourceIssue[] = [];
    let extraEvents: AccessDeniedEvent[] = [];
    if (typeof flags.cloudtrailDir === 'string') {
      const read = cloudTrailEvents(io, flags.cloudtrailDir, history);
      extraEvents = read.events;
      pushAll(issues, read.issues);
    }
    let actual: { actual: ActualCost[]; gaps: Gap[] } = { actual: [], gaps: [] };
    if (flags.costExplorer === true && kpis.includes('cost'))
      actual = await actualCosts(window, by, typeof flags.profile === 'string' ? flags.profile : undefined);
    const report: KpiReport = computeKpis(history, {
      window,
      ...(by ? { by } : {}),
      kpis,
      extraEvents,
      ...(flags.costExplorer === true ? { actualCost: actual.actual } : {}),
      issues,
      gaps: actual.gaps,
    });
    const text =
      output.format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : output.format === 'csv'
          ? renderKpiCsv(report)
          : renderKpiTable(report, {
              color: output.path === undefined && useColor(io),
              limit: flags.limit,
              width: output.path === undefined ? terminalWidth(io) : undefined,
            });
    writeOutput(io, text, {
      format: output.format,
      what: 'KPIs',
      ...(output.path ? { output: output.path } : {}),
    });
    return report.issues.length || actual.gaps.length ? 3 : 0;
  },
});
