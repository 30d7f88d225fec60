/**
 * The report for people: a headline, per-cluster compliance, then what failed grouped by severity
 * and rule, each rule with its remediation once. Colour only when asked (the CLI asks on a TTY
 * without NO_COLOR).
 */
import { createColors } from 'picocolors';
import type { Finding, Severity } from '../model/finding.js';
import { SEVERITIES } from '../model/finding.js';
import { pushAll } from '../model/many.js';
import { type Report, scanSourceLabel } from '../model/report.js';
import { bounded } from '../model/text.js';
import { escapeControl, terminalSafe } from './escape.js';
import { fitWidth, tableWithWrappedList } from './text-table.js';

/** A compliance percentage; n/a when nothing was examined (a scan of nothing is not 100%). */
const pctOrNa = (pct: number | null) => (pct === null ? 'n/a: nothing examined' : `${pct}%`);

export interface TableOptions {
  color: boolean;
  /** Resources listed per rule before "and N more"; 0 lists all. */
  limit: number;
  /** The summary and the failures only (no cluster table, unknown, suppressed or baseline lists). */
  quiet?: boolean;
  /** No remediation text. */
  compact?: boolean;
  /** The terminal's width: a longer line is cut with an ellipsis rather than wrapped. */
  width?: number;
}

type Colors = ReturnType<typeof createColors>;

const STATUS_WORDS = {
  compliant: 'compliant',
  'compliant-by-exception': 'by exception',
  'non-compliant': 'NON-COMPLIANT',
  unknown: 'unknown',
} as const;

function paintStatus(c: Colors, status: keyof typeof STATUS_WORDS): string {
  const word = STATUS_WORDS[status];
  if (status === 'compliant') return c.green(word);
  if (status === 'non-compliant') return c.red(c.bold(word));
  return c.yellow(word);
}

const paintSeverity = (c: Colors, severity: Severity, text: string) =>
  severity === 'critical'
    ? c.bgRed(c.white(c.bold(text)))
    : severity === 'high'
      ? c.red(c.bold(text))
      : severity === 'medium'
        ? c.yellow(c.bold(text))
        : c.cyan(text);

/** IaC leaves account and region as placeholders (`${AWS::AccountId}`): a dash says "not known here". */
const symbolic = (value: string): string => (value.startsWith('${') || value === 'unknown' ? '-' : value);

function resourceLabel(finding: Finding): string {
  const r = finding.resource;
  const where = r.location
    ? ` (${bounded(r.location.file)}${r.location.line ? `:${r.location.line}` : ''})`
    : '';
  if (r.type === 'instance-group') return `${bounded(r.cluster)}/${bounded(r.instanceGroup)}${where}`;
  if (r.type === 'cluster') return `${bounded(r.cluster ?? r.id)}${where}`;
  return `${bounded(r.id)}${where}`;
}

function group<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = map.get(key);
    if (list) list.push(item);
    else map.set(key, [item]);
  }
  return map;
}

function findingBlock(
  c: Colors,
  findings: readonly Finding[],
  limit: number,
  mark: string,
  compact = false,
): string[] {
  const lines: string[] = [];
  for (const [ruleId, list] of group(findings, (f) => f.ruleId)) {
    lines.push(`  ${c.bold(escapeControl(ruleId))} ${c.dim(`(${list.length})`)}`);
    const shown = limit > 0 ? list.slice(0, limit) : list;
    // Only the findings shown are escaped: a large estate's report is never copied whole.
    for (const f of shown.map((finding) => terminalSafe(finding))) {
      lines.push(`    ${mark} ${resourceLabel(f)}`);
      lines.push(`      ${f.message}`);
      // What an UNKNOWN needs differs per finding (a permission, an input): shown with each one.
      if (f.status === 'UNKNOWN' && f.remediation && !compact)
        lines.push(`      ${c.yellow('→')} ${f.remediation}`);
      if (f.suppressed)
        lines.push(
          c.dim(
            `      suppressed${f.suppressed.source === 'inline' ? ' inline' : ''}: ${bounded(f.suppressed.reason)}${f.suppressed.expires ? ` (until ${f.suppressed.expires})` : ''}`,
          ),
        );
      if (f.suppressionExpired)
        lines.push(
          c.yellow(
            `      suppression expired on ${f.suppressionExpired.expires}: ${bounded(f.suppressionExpired.reason)}`,
          ),
        );
    }
    if (shown.length < list.length)
      lines.push(
        c.dim(`    … and ${list.length - shown.length} more (--limit 0 or --format json lists all)`),
      );
    const remediation = list[0]?.remediation === undefined ? undefined : escapeControl(list[0].remediation);
    if (remediation && !compact && list[0]?.status === 'FAIL')
      lines.push(`    ${c.green('→')} ${remediation}`);
    lines.push('');
  }
  return lines;
}

export function renderTable(input: Report, options: TableOptions): string {
  // Names, tags, messages and file names come from tenants and pull requests: escaped here, what the
  // table shows of the report but its findings (never the instance groups and keys, the clusters
  // only without --quiet: an organisation has 100,000s), and each finding as it is shown (findingBlock).
  const shown = { ...input, findings: [], instanceGroups: [], keys: [] };
  if (options.quiet) shown.clusters = [];
  const report: Report = { ...terminalSafe(shown), findings: input.findings };
  const c = createColors(options.color);
  const s = report.summary;
  const out: string[] = [];
  const accounts = report.scan.accounts.length;
  out.push(
    c.bold(`hyperpod-cmk ${report.tool.version}`) +
      c.dim(
        ` · ${scanSourceLabel(report.scan)} · ${accounts} account${accounts === 1 ? '' : 's'} · ${report.scan.regions.length} region${report.scan.regions.length === 1 ? '' : 's'} · ${report.scan.finishedAt}`,
      ),
  );
  out.push('');
  out.push(
    `${c.bold('Clusters')}: ${s.compliantClusters + s.compliantByException} of ${s.clusters} compliant (${pctOrNa(s.clusterCompliancePct)})` +
      (s.compliantByException ? `, ${s.compliantByException} by exception` : '') +
      (s.unknownClusters ? `, ${s.unknownClusters} unknown` : '') +
      ` · instance groups ${s.compliantInstanceGroups} of ${s.instanceGroups} (${pctOrNa(s.instanceGroupCompliancePct)}) · keys ${s.keys}`,
  );
  const bySeverity = SEVERITIES.filter((sev) => s.failBySeverity[sev] > 0).map(
    (sev) => `${s.failBySeverity[sev]} ${sev}`,
  );
  out.push(
    `${c.bold('Findings')}: ${c.red(`${s.fail} failed`)}${bySeverity.length ? ` (${bySeverity.join(', ')})` : ''} · ${c.yellow(`${s.unknown} unknown`)} · ${c.green(`${s.pass} passed`)} · ${s.notApplicable} not applicable` +
      (s.suppressed ? ` · ${s.suppressed} suppressed` : '') +
      (s.baseline ? ` · ${s.baseline} in baseline` : '') +
      (s.expiredSuppressions ? ` · ${c.yellow(`${s.expiredSuppressions} expired suppressions`)}` : ''),
  );
  out.push('');

  if (report.clusters.length > 0 && !options.quiet) {
    const rows = report.clusters.map((cluster) => [
      bounded(cluster.name),
      bounded(symbolic(cluster.account)),
      bounded(symbolic(cluster.region)),
      paintStatus(c, cluster.status),
      String(cluster.instanceGroups),
    ]);
    const failing = report.clusters.map((cluster) => [
      ...cluster.failing,
      ...cluster.unknown.map((id) => `${id}?`),
    ]);
    out.push(
      tableWithWrappedList(
        ['CLUSTER', 'ACCOUNT', 'REGION', 'STATUS', 'GROUPS', 'FAILING RULES (? = unknown)'],
        rows,
        failing,
        [40, 12, 14, 14, 6],
        options.width,
      ),
    );
    out.push('');
  }

  const compact = options.compact === true;
  const open = report.findings.filter((f) => f.status === 'FAIL' && !f.suppressed && !f.baseline);
  for (const severity of SEVERITIES) {
    const list = open.filter((f) => f.severity === severity);
    if (list.length === 0) continue;
    out.push(paintSeverity(c, severity, ` ${severity.toUpperCase()} (${list.length}) `));
    pushAll(out, findingBlock(c, list, options.limit, c.red('✗'), compact));
  }
  if (options.quiet) {
    // What could not be read stays: it is why a run exits 3.
    pushAll(out, gapsAndIssues(c, report, options.limit));
    if (open.length === 0) out.push(c.green('No failures.'));
    return finish(out, options.width);
  }
  const unknown = report.findings.filter((f) => f.status === 'UNKNOWN' && !f.suppressed && !f.baseline);
  if (unknown.length > 0) {
    out.push(
      c.yellow(c.bold(` UNKNOWN (${unknown.length}) `)) +
        c.dim(' could not be judged: fix access or inputs and scan again'),
    );
    pushAll(out, findingBlock(c, unknown, options.limit, c.yellow('?'), compact));
  }
  const baseline = report.findings.filter((f) => f.baseline);
  if (baseline.length > 0) {
    out.push(
      c.dim(c.bold(` BASELINE (${baseline.length}) `)) + c.dim(' recorded in the baseline: not failing'),
    );
    pushAll(out, findingBlock(c, baseline, options.limit, c.dim('='), compact));
  }
  const suppressed = report.findings.filter((f) => f.suppressed);
  if (suppressed.length > 0) {
    out.push(c.dim(c.bold(` SUPPRESSED (${suppressed.length}) `)));
    pushAll(out, findingBlock(c, suppressed, options.limit, c.dim('~'), compact));
  }
  pushAll(out, gapsAndIssues(c, report, options.limit));
  if (open.length === 0 && unknown.length === 0) out.push(c.green('No failures.'));
  return finish(out, options.width);
}

/** The data that could not be collected and the inputs that could not be read: why a run exits 3. */
function gapsAndIssues(c: Colors, report: Report, limit: number): string[] {
  const lines: string[] = [];
  if (report.gaps.length > 0) {
    lines.push(
      c.yellow(c.bold(` GAPS (${report.gaps.length}) `)) + c.dim(' data that could not be collected'),
    );
    for (const gap of report.gaps.slice(0, limit > 0 ? limit * 3 : undefined)) {
      lines.push(
        `  ${gap.code} ${gap.service}:${gap.operation} ${[gap.account, gap.region, gap.resource]
          .filter(Boolean)
          .map(bounded)
          .join(' ')}: ${bounded(gap.message)}`,
      );
    }
    lines.push('');
  }
  if (report.issues.length > 0) {
    lines.push(c.yellow(c.bold(` INPUT ISSUES (${report.issues.length}) `)));
    for (const issue of report.issues) {
      const where = issue.location
        ? `${bounded(issue.location.file)}${issue.location.line ? `:${issue.location.line}` : ''}: `
        : '';
      lines.push(
        `  ${issue.severity === 'error' ? c.red('error') : c.yellow('warning')} ${where}${bounded(issue.message)} [${bounded(issue.code)}]`,
      );
      if (issue.hint) lines.push(c.dim(`    ${bounded(issue.hint)}`));
    }
    lines.push('');
  }
  return lines;
}

/** Joins the lines, each cut to `width` with an ellipsis (colour kept up to the cut, then reset). */
function finish(lines: readonly string[], width: number | undefined): string {
  return `${fitWidth(lines.join('\n').trimEnd(), width)}\n`;
}
