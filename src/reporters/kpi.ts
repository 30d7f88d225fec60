/**
 * The KPI report for people (table) and spreadsheets (CSV, long format: one figure per row).
 * JSON is the KpiReport itself.
 */
import { createColors } from 'picocolors';
import { shardList } from '../history/rounds.js';
import type { ComplianceFigure } from '../kpi/compliance.js';
import type { KpiReport } from '../kpi/index.js';
import { AGE_BUCKETS } from '../kpi/remediation.js';
import { csvCell } from './csv.js';
import { terminalSafe } from './escape.js';
import { fittedTable } from './text-table.js';

const usd = (n: number) => `$${n.toFixed(2)}`;
/** A figure that does not exist (nothing fixed, nothing examined) shows as a dash, never as 0. */
export const NONE = '—';
const daysOrNone = (days: number | null) => (days === null ? NONE : `${days} d`);
const pctText = (f: ComplianceFigure) =>
  `${f.pct === null ? NONE : `${f.pct}%`} (${f.compliant + f.byException}/${f.total}${f.byException ? `, ${f.byException} by exception` : ''}${f.unknown ? `, ${f.unknown} unknown` : ''})`;

/**
 * `width`: the terminal's, when stdout is one: each table is fitted to it (long cells and lines cut
 * with an ellipsis); the lines between them wrap, so that no hint is cut. In a log or a file
 * nothing is cut.
 */
export function renderKpiTable(
  input: KpiReport,
  options: { color: boolean; limit: number; width?: number | undefined },
): string {
  const table = (header: readonly string[], rows: readonly (readonly string[])[], maxWidths: number[]) =>
    fittedTable(header, rows, maxWidths, options.width);
  // Projects, owners, principals and key names come from tenants: escaped once, here. The table
  // prints no list of open failures (JSON and CSV do; an organisation has hundreds of thousands),
  // so that list is not copied to be escaped.
  const report = terminalSafe(
    input.remediation ? { ...input, remediation: { ...input.remediation, open: [] } } : input,
  );
  const c = createColors(options.color);
  const limit = options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY;
  const out: string[] = [];
  out.push(
    c.bold('hyperpod-cmk KPIs') +
      c.dim(
        ` · ${report.window.since.slice(0, 10)} → ${report.window.until.slice(0, 10)} · ${report.scans.count} scan${report.scans.count === 1 ? '' : 's'}${report.by ? ` · by ${report.by}` : ''}`,
      ),
    '',
  );
  const section = (title: string) => out.push(c.bold(title));

  if (report.compliance) {
    const { now, trend } = report.compliance;
    section('Compliance now');
    out.push(
      `  clusters ${pctText(now.overall.clusters)} · instance groups ${pctText(now.overall.instanceGroups)}`,
    );
    if (now.incomplete)
      out.push(
        c.yellow(
          `  incomplete: round ${now.incomplete.id} is missing shard ${shardList(now.incomplete.missing, now.incomplete.shards)}`,
        ),
      );
    out.push('');
    if (report.by) {
      const groups = [...new Set([...now.clusters, ...now.instanceGroups].map((f) => f.group))];
      out.push(
        table(
          [report.by ? report.by.toUpperCase() : 'SCOPE', 'CLUSTERS', 'INSTANCE GROUPS'],
          groups.map((g) => {
            const cl = now.clusters.find((f) => f.group === g);
            const ig = now.instanceGroups.find((f) => f.group === g);
            return [g, cl ? pctText(cl) : '–', ig ? pctText(ig) : '–'];
          }),
          [],
        ),
        '',
      );
    }
    if (trend.length > 0) {
      section('Compliance trend (overall, per scan)');
      const shown = trend.slice(-Math.min(limit * 2, trend.length));
      out.push(
        table(
          ['SCAN', 'TIME', 'CLUSTERS', 'INSTANCE GROUPS'],
          shown.map((p) => [
            `#${p.scanId}${p.round ? ` (round ${p.round.id})` : ''}${p.incomplete?.length || p.round?.missing.length ? ' (incomplete)' : ''}`,
            p.at,
            pctText(p.overall.clusters),
            pctText(p.overall.instanceGroups),
          ]),
          [],
        ),
      );
      if (shown.length < trend.length)
        out.push(c.dim(`  … ${trend.length - shown.length} earlier scans (--format json lists all)`));
      for (const p of shown.filter((point) => point.incomplete?.length))
        out.push(
          c.yellow(
            `  scan #${p.scanId} is incomplete: clusters could not be collected in ${p.incomplete!.join(', ')}`,
          ),
        );
      for (const p of shown.filter((point) => point.round?.missing.length))
        out.push(
          c.yellow(
            `  round ${p.round!.id} is incomplete: shard ${shardList(p.round!.missing, p.round!.shards)} not saved`,
          ),
        );
      out.push('');
    }
  }

  if (report.remediation?.mttr.length) {
    section(`Time to remediate (first FAIL to fixed, by ${report.remediation.by})`);
    out.push(
      table(
        [
          'GROUP',
          'FIXED',
          'MEAN',
          'MEDIAN',
          'CLOSED: RESOURCE GONE',
          'CLOSED: NOT APPLICABLE',
          'CLOSED: NOT EVALUATED',
        ],
        report.remediation.mttr.map((m) => [
          m.group,
          String(m.fixed),
          daysOrNone(m.meanDays),
          daysOrNone(m.medianDays),
          String(m.resourceGone),
          String(m.notApplicable),
          String(m.notEvaluated),
        ]),
        [],
      ),
      '',
    );
  }
  if (report.remediation?.age.length) {
    section('Open failures by age');
    out.push(
      table(
        ['GROUP', 'OPEN', ...AGE_BUCKETS.map((b) => b.label), 'OLDEST', 'SUPPRESSED'],
        report.remediation.age.map((a) => [
          a.group,
          String(a.open),
          ...AGE_BUCKETS.map((b) => String(a.buckets[b.label])),
          a.open ? `${a.oldestDays} d` : '–',
          String(a.suppressed),
        ]),
        [],
      ),
      '',
    );
  }

  if (report.attempts) {
    const a = report.attempts;
    section(`Denied key calls: ${a.total}`);
    if (a.total > 0) {
      out.push(
        table(
          ['KEY', 'DENIED', 'PRINCIPALS', 'LAST'],
          a.byKey
            .slice(0, limit)
            .map((k) => [k.name, String(k.attempts), k.counterparts.join(', '), k.lastAt]),
          [70, 6, 80, 24],
        ),
        '',
        table(
          ['PRINCIPAL', 'DENIED', 'KEYS', 'LAST'],
          a.byPrincipal
            .slice(0, limit)
            .map((p) => [p.name, String(p.attempts), String(p.counterparts.length), p.lastAt]),
          [90, 6, 5, 24],
        ),
      );
      if (a.byGroup)
        out.push(
          '',
          table(
            [a.byGroup.by.toUpperCase(), 'DENIED'],
            a.byGroup.groups.map((g) => [g.group, String(g.attempts)]),
            [],
          ),
        );
    }
    out.push('');
  }

  if (report.cost) {
    const k = report.cost;
    section(
      `KMS cost (estimate): ${usd(k.totalUsd)} in the window · ${usd(k.monthlyRunRateUsd)} per month now`,
    );
    const groups = (name: string, list: typeof k.byProject) =>
      table(
        [name, 'KEYS', 'PER MONTH', 'IN WINDOW'],
        list.map((g) => [g.group, String(g.keys), usd(g.monthlyRunRateUsd), usd(g.totalUsd)]),
        [],
      );
    out.push(groups('PROJECT', k.byProject), '', groups('OWNER', k.byOwner), '');
    if (k.byGroup) out.push(groups(k.byGroup.by.toUpperCase(), k.byGroup.groups), '');
    out.push(
      table(
        ['KEY', 'KEY-MONTHS', 'STORAGE', 'REQUESTS', 'REQUEST COST', 'TOTAL', 'PER MONTH'],
        k.keys
          .slice(0, limit)
          .map((key) => [
            key.alias ?? key.arn,
            String(key.keyMonths),
            usd(key.storageUsd),
            String(key.requests),
            usd(key.requestUsd),
            usd(key.totalUsd),
            usd(key.monthlyRunRateUsd),
          ]),
        [60],
      ),
    );
    if (k.keys.length > limit)
      out.push(c.dim(`  … and ${k.keys.length - limit} more keys (--limit 0 lists all)`));
    for (const actual of k.actual ?? []) {
      out.push(
        '',
        c.bold(`Actual KMS spend (Cost Explorer, by ${actual.groupedBy}): ${usd(actual.totalUsd)}`),
      );
      out.push(
        table(
          ['GROUP', ...actual.months.map((m) => `${m.month}${m.estimated ? '*' : ''}`), 'TOTAL'],
          actual.groups.map((g) => [
            g.group,
            ...actual.months.map((m) => usd(g.months[m.month] ?? 0)),
            usd(g.totalUsd),
          ]),
          [],
        ),
      );
      if (actual.months.some((m) => m.estimated))
        out.push(c.dim('  * not final yet (AWS marks the month as estimated)'));
    }
    out.push('');
  }

  for (const gap of report.gaps)
    out.push(c.yellow(`gap: ${gap.code} ${gap.service}:${gap.operation}: ${gap.message}`));
  for (const issue of report.issues)
    out.push(
      c.yellow(`${issue.severity}: ${issue.message} [${issue.code}]`),
      ...(issue.hint ? [c.dim(`  hint: ${issue.hint}`)] : []),
    );
  if (report.scans.count === 0 && !report.attempts?.total)
    out.push(
      c.yellow('No scan saved in this window: widen --since, or run `hyperpod-cmk scan` / `evaluate` first.'),
    );
  return `${out.join('\n').trimEnd()}\n`;
}

export const KPI_CSV_COLUMNS = ['kpi', 'at', 'scope', 'group', 'metric', 'value'] as const;

export function renderKpiCsv(report: KpiReport): string {
  const rows: (string | number)[][] = [];
  const add = (
    kpi: string,
    at: string,
    scope: string,
    group: string,
    metric: string,
    value: string | number,
  ) => rows.push([kpi, at, scope, group, metric, value]);
  const figures = (kpi: string, at: string, scope: string, list: readonly ComplianceFigure[]) => {
    for (const f of list) {
      add(kpi, at, scope, f.group, 'pct', f.pct ?? '');
      add(kpi, at, scope, f.group, 'total', f.total);
      add(kpi, at, scope, f.group, 'compliant', f.compliant);
      add(kpi, at, scope, f.group, 'byException', f.byException);
      add(kpi, at, scope, f.group, 'unknown', f.unknown);
      add(kpi, at, scope, f.group, 'nonCompliant', f.nonCompliant);
    }
  };
  const until = report.window.until;
  if (report.compliance) {
    figures('compliance', until, 'cluster', report.compliance.now.clusters);
    figures('compliance', until, 'instance-group', report.compliance.now.instanceGroups);
    for (const p of report.compliance.trend) {
      figures('compliance-trend', p.at, 'cluster', p.clusters);
      figures('compliance-trend', p.at, 'instance-group', p.instanceGroups);
    }
  }
  for (const m of report.remediation?.mttr ?? []) {
    add('mttr', until, report.remediation!.by, m.group, 'fixed', m.fixed);
    add('mttr', until, report.remediation!.by, m.group, 'meanDays', m.meanDays ?? '');
    add('mttr', until, report.remediation!.by, m.group, 'medianDays', m.medianDays ?? '');
    add('mttr', until, report.remediation!.by, m.group, 'resourceGone', m.resourceGone);
    add('mttr', until, report.remediation!.by, m.group, 'notApplicable', m.notApplicable);
    add('mttr', until, report.remediation!.by, m.group, 'notEvaluated', m.notEvaluated);
  }
  for (const a of report.remediation?.age ?? []) {
    add('age', until, report.remediation!.by, a.group, 'open', a.open);
    for (const b of AGE_BUCKETS)
      add('age', until, report.remediation!.by, a.group, b.label, a.buckets[b.label]);
    add('age', until, report.remediation!.by, a.group, 'oldestDays', a.oldestDays);
    add('age', until, report.remediation!.by, a.group, 'suppressed', a.suppressed);
  }
  if (report.attempts) {
    add('attempts', until, 'all', 'all', 'denied', report.attempts.total);
    for (const k of report.attempts.byKey) add('attempts', until, 'key', k.name, 'denied', k.attempts);
    for (const p of report.attempts.byPrincipal)
      add('attempts', until, 'principal', p.name, 'denied', p.attempts);
    for (const s of report.attempts.series)
      add('attempts-series', s.start, report.attempts.period, 'all', 'denied', s.attempts);
  }
  if (report.cost) {
    const k = report.cost;
    add('cost', until, 'all', 'all', 'totalUsd', k.totalUsd);
    add('cost', until, 'all', 'all', 'monthlyRunRateUsd', k.monthlyRunRateUsd);
    for (const key of k.keys) {
      add('cost', until, 'key', key.arn, 'totalUsd', key.totalUsd);
      add('cost', until, 'key', key.arn, 'monthlyRunRateUsd', key.monthlyRunRateUsd);
    }
    for (const g of k.byProject) add('cost', until, 'project', g.group, 'totalUsd', g.totalUsd);
    for (const g of k.byOwner) add('cost', until, 'owner', g.group, 'totalUsd', g.totalUsd);
    for (const actual of k.actual ?? [])
      for (const g of actual.groups)
        for (const [month, value] of Object.entries(g.months))
          add('cost-actual', month, actual.groupedBy, g.group, 'usd', value);
  }
  return `${[KPI_CSV_COLUMNS.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\r\n')}\r\n`;
}
