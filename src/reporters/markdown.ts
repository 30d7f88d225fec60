/** Markdown for pull-request comments and wikis: summary, clusters, then failures by severity. */
import type { Finding } from '../model/finding.js';
import { SEVERITIES } from '../model/finding.js';
import { type Report, scanSourceLabel } from '../model/report.js';
import { bounded } from '../model/text.js';
import { markdownCode, markdownText } from './escape.js';

const mdCell = markdownText;
const code = markdownCode;
const pctOrNa = (pct: number | null) => (pct === null ? 'n/a' : `${pct}%`);

function where(f: Finding): string {
  const r = f.resource;
  const loc = r.location
    ? ` (${code(`${bounded(r.location.file)}${r.location.line ? `:${r.location.line}` : ''}`)})`
    : '';
  const name =
    r.type === 'instance-group'
      ? `${bounded(r.cluster)}/${bounded(r.instanceGroup)}`
      : r.type === 'cluster'
        ? bounded(r.cluster ?? r.id)
        : bounded(r.id);
  return `${code(name)}${loc}`;
}

export function renderMarkdown(report: Report): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push('## hyperpod-cmk report', '');
  lines.push(
    `**${pctOrNa(s.clusterCompliancePct)}** of clusters compliant (${s.compliantClusters + s.compliantByException} of ${s.clusters}` +
      `${s.compliantByException ? `, ${s.compliantByException} by exception` : ''}) · ` +
      `**${pctOrNa(s.instanceGroupCompliancePct)}** of instance groups · ${s.fail} failed · ${s.unknown} unknown · ${s.pass} passed · ${s.suppressed} suppressed` +
      (s.baseline ? ` · ${s.baseline} in baseline` : ''),
    '',
  );
  lines.push(
    `Source: ${mdCell(scanSourceLabel(report.scan))} · scanned ${mdCell(report.scan.finishedAt)} · hyperpod-cmk ${mdCell(report.tool.version)}`,
    '',
  );
  if (report.clusters.length > 0) {
    lines.push('| Cluster | Account | Region | Status | Failing rules |', '|---|---|---|---|---|');
    for (const c of report.clusters) {
      lines.push(
        `| ${mdCell(bounded(c.name))} | ${mdCell(bounded(c.account))} | ${mdCell(bounded(c.region))} | ${c.status} | ${mdCell([...c.failing, ...c.unknown.map((id) => `${id} (unknown)`)].join(', '))} |`,
      );
    }
    lines.push('');
  }
  const open = report.findings.filter(
    (f) => (f.status === 'FAIL' || f.status === 'UNKNOWN') && !f.suppressed && !f.baseline,
  );
  for (const severity of SEVERITIES) {
    const list = open.filter((f) => f.status === 'FAIL' && f.severity === severity);
    if (list.length === 0) continue;
    lines.push(`### ${severity[0]!.toUpperCase()}${severity.slice(1)} (${list.length})`, '');
    lines.push('| Rule | Resource | Finding | Remediation |', '|---|---|---|---|');
    for (const f of list)
      lines.push(`| ${code(f.ruleId)} | ${where(f)} | ${mdCell(f.message)} | ${mdCell(f.remediation)} |`);
    lines.push('');
  }
  const unknown = open.filter((f) => f.status === 'UNKNOWN');
  if (unknown.length > 0) {
    lines.push(
      `### Unknown (${unknown.length})`,
      '',
      '| Rule | Resource | Why | To find out |',
      '|---|---|---|---|',
    );
    for (const f of unknown)
      lines.push(`| ${code(f.ruleId)} | ${where(f)} | ${mdCell(f.message)} | ${mdCell(f.remediation)} |`);
    lines.push('');
  }
  // Recorded in the --baseline: known, not failing the run; listed apart from the open ones.
  const baseline = report.findings.filter((f) => f.baseline);
  if (baseline.length > 0) {
    lines.push(
      `<details><summary>In baseline (${baseline.length})</summary>`,
      '',
      '| Rule | Resource | Status | Finding |',
      '|---|---|---|---|',
    );
    for (const f of baseline)
      lines.push(`| ${code(f.ruleId)} | ${where(f)} | ${f.status} | ${mdCell(f.message)} |`);
    lines.push('', '</details>', '');
  }
  const suppressed = report.findings.filter((f) => f.suppressed);
  if (suppressed.length > 0) {
    lines.push(
      `<details><summary>Suppressed (${suppressed.length})</summary>`,
      '',
      '| Rule | Resource | Reason | Expires |',
      '|---|---|---|---|',
    );
    for (const f of suppressed)
      lines.push(
        `| ${code(f.ruleId)} | ${where(f)} | ${mdCell(bounded(f.suppressed?.reason))} | ${mdCell(f.suppressed?.expires ?? 'never')} |`,
      );
    lines.push('', '</details>', '');
  }
  if (report.gaps.length > 0) {
    lines.push(`<details><summary>Gaps (${report.gaps.length})</summary>`, '');
    for (const g of report.gaps)
      lines.push(
        `- ${code(g.code)} ${mdCell(`${g.service}:${g.operation}`)} ${mdCell(
          [g.account, g.region, g.resource].filter(Boolean).map(bounded).join(' '),
        )}: ${mdCell(bounded(g.message))}`,
      );
    lines.push('', '</details>', '');
  }
  if (report.issues.length > 0) {
    lines.push(`<details><summary>Input issues (${report.issues.length})</summary>`, '');
    for (const i of report.issues)
      lines.push(
        `- **${mdCell(i.severity)}** ${code(i.code)} ${i.location ? `${code(`${bounded(i.location.file)}${i.location.line ? `:${i.location.line}` : ''}`)} ` : ''}${mdCell(bounded(i.message))}`,
      );
    lines.push('', '</details>', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
