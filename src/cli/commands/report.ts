import { computeKpis } from '../../kpi/index.js';
import { ReportSchema } from '../../model/report.js';
import { validate } from '../../model/validate.js';
import { dashboardFromHistory, dashboardFromReport } from '../../reporters/html/data.js';
import { DASHBOARD_FINDINGS, renderDashboard } from '../../reporters/html/render.js';
import { parseLimit, parseNow, readInput, writeOutput } from '../common.js';
import { inputError } from '../errors.js';
import { openForReading, readOptions } from '../history.js';
import { defineCommand } from '../spec.js';
import { cloudTrailEvents, kpiWindow } from './kpi.js';

export const reportCommand = defineCommand({
  name: 'report',
  summary: 'write the self-contained HTML dashboard from history (or from one saved JSON report)',
  description:
    'KPI tiles, the compliance trend and time-to-remediate charts, open and recently closed findings (filterable, ' +
    'each with its remediation), the key-to-cluster map, denied key calls and KMS cost. One HTML file that loads ' +
    'nothing from the network; it prints cleanly.',
  options: [
    { flags: '--html <file>', description: 'the HTML file to write' },
    {
      flags: '--since <when>',
      description: 'window start: 30d, 12w, 6m, 1y or an ISO-8601 date',
      default: '90d',
    },
    { flags: '--now <time>', description: 'the clock, ISO-8601: the window ends here', parse: parseNow },
    ...readOptions,
    {
      flags: '--report <file>',
      description: 'render this JSON report (from --format json) instead of history',
    },
    {
      flags: '--cloudtrail-dir <dir>',
      description: 'also count denied calls in exported CloudTrail log files (.json, .json.gz)',
    },
    {
      flags: '--limit <n>',
      description: 'findings the dashboard lists, the most pressing first (0: all)',
      default: DASHBOARD_FINDINGS,
      parse: parseLimit,
    },
  ],
  examples: [
    'hyperpod-cmk report --html dashboard.html',
    'hyperpod-cmk report --html q3.html --since 2026-07-01 --now 2026-09-30T23:59:59Z',
    'hyperpod-cmk report --html scan.html --report report.json',
  ],
  async run(_args, flags, io) {
    if (typeof flags.html !== 'string')
      throw inputError({
        code: 'usage.html',
        input: '--html',
        message: 'missing: where to write the dashboard',
        hint: 'hyperpod-cmk report --html dashboard.html',
      });
    let html: string;
    let issues = 0;
    if (typeof flags.report === 'string') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readInput(io, flags.report, 'JSON report'));
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        throw inputError({
          code: 'report.parse',
          input: flags.report,
          message: `not valid JSON: ${error.message}`,
          hint: 'pass a report written with --format json',
        });
      }
      const report = validate(ReportSchema, parsed);
      if (!report.ok)
        throw inputError({
          code: 'report.invalid',
          input: flags.report,
          message: 'not a hyperpod-cmk JSON report (schemaVersion 1)',
          hint: 'pass a report written with --format json',
          problems: report.error,
        });
      html = renderDashboard(dashboardFromReport(report.value, { findings: flags.limit }), {
        findings: flags.limit,
      });
    } else {
      const window = kpiWindow(io, flags);
      const store = await openForReading(io, flags);
      let history: Awaited<ReturnType<typeof store.load>>;
      try {
        history = await store.load(window);
      } finally {
        await store.close();
      }
      const extra =
        typeof flags.cloudtrailDir === 'string'
          ? cloudTrailEvents(io, flags.cloudtrailDir, history)
          : undefined;
      issues = extra?.issues.length ?? 0;
      const kpis = computeKpis(history, {
        window,
        ...(extra ? { extraEvents: extra.events, issues: extra.issues } : {}),
      });
      html = renderDashboard(dashboardFromHistory(history, kpis, window), { findings: flags.limit });
    }
    writeOutput(io, html, { format: 'html', output: flags.html, what: 'dashboard' });
    return issues ? 3 : 0;
  },
});
