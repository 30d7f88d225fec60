/** The key register as Markdown, CSV and HTML: one set of columns, each format's own escaping. Pure. */

import { csvCell } from '../reporters/csv.js';
import { escapeControl, html, markdownText } from '../reporters/escape.js';
import type { Known, RegisterEntry } from './build.js';

const isUnknown = <T>(value: Known<T>): value is { unknown: string } =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && 'unknown' in value;

const show = <T>(value: Known<T>, format: (v: T) => string): string =>
  isUnknown(value) ? `unknown (${value.unknown})` : format(value);

const orNone = (text: string | null | undefined) =>
  text === null || text === undefined || text === '' ? '—' : text;
const list = (items: readonly string[]) => (items.length === 0 ? '—' : items.join('; '));

export interface RegisterColumn {
  header: string;
  value(entry: RegisterEntry): string;
}

export const REGISTER_COLUMNS: readonly RegisterColumn[] = [
  { header: 'Alias', value: (e) => orNone(e.aliases.join('; ')) },
  { header: 'Key ARN', value: (e) => e.arn },
  { header: 'Account', value: (e) => e.account },
  { header: 'Region', value: (e) => e.region },
  { header: 'Owner', value: (e) => show(e.owner, (v) => orNone(v)) },
  { header: 'Project', value: (e) => show(e.project, (v) => orNone(v)) },
  { header: 'Manager', value: (e) => show(e.keyManager, String) },
  { header: 'Spec', value: (e) => show(e.keySpec, String) },
  { header: 'State', value: (e) => show(e.keyState, String) },
  {
    header: 'Rotation',
    value: (e) =>
      show(e.rotation.enabled, (enabled) =>
        enabled
          ? `enabled${typeof e.rotation.periodInDays === 'number' ? ` every ${e.rotation.periodInDays} days` : ''}${e.rotation.nextRotationDate ? `, next ${e.rotation.nextRotationDate.slice(0, 10)}` : ''}`
          : 'disabled',
      ),
  },
  {
    header: 'Last rotation',
    value: (e) => show(e.rotation.lastRotationDate, (date) => (date === null ? 'never' : date.slice(0, 10))),
  },
  {
    header: 'Deletion protection',
    value: (e) => {
      const parts: string[] = [];
      const iac = !['live', 'snapshot'].includes(e.source);
      if (e.deletion.scheduledFor)
        parts.push(`DELETION SCHEDULED for ${e.deletion.scheduledFor.slice(0, 10)}`);
      else if (!iac) parts.push('no deletion scheduled');
      if (iac || e.deletion.pendingWindowInDays !== null)
        parts.push(
          show(e.deletion.pendingWindowInDays, (days) =>
            days === null ? 'deletion window: default (30 days)' : `deletion window: ${days} days`,
          ),
        );
      if (e.deletion.iacProtection) parts.push(e.deletion.iacProtection);
      return parts.join('; ');
    },
  },
  { header: 'Admins (policy)', value: (e) => show(e.admins, list) },
  { header: 'Users (policy)', value: (e) => show(e.users, list) },
  {
    header: 'Protects',
    value: (e) => list(e.protects.map((p) => `${p.cluster}/${p.instanceGroup} (${p.volumes.join('+')})`)),
  },
  {
    header: 'DR',
    value: (e) =>
      show(e.dr.multiRegion, (multi) =>
        multi === true
          ? e.dr.type === 'REPLICA'
            ? `replica of ${orNone(e.dr.primary)}`
            : `multi-Region primary; replicas: ${list(e.dr.replicaRegions)}`
          : multi === false
            ? 'single-Region'
            : 'not reported',
      ),
  },
  {
    header: 'Grants',
    value: (e) =>
      show(e.grants, (g) =>
        g.count === 0 ? 'none' : `${g.count} to ${list(g.grantees)}; operations ${g.operations.join(', ')}`,
      ),
  },
  {
    header: 'Open findings',
    value: (e) =>
      list(e.openFindings.map((f) => `${f.status === 'UNKNOWN' ? 'UNKNOWN' : f.severity} ${f.ruleId}`)),
  },
];

export interface RegisterMeta {
  generatedAt: string;
  source: string;
}

export function renderRegisterMarkdown(entries: readonly RegisterEntry[], meta: RegisterMeta): string {
  const cell = markdownText;
  const lines = [
    '# Key register',
    '',
    `${entries.length} keys, from ${cell(meta.source)}, as of ${meta.generatedAt}.`,
    '',
    `| ${REGISTER_COLUMNS.map((c) => c.header).join(' | ')} |`,
    `|${REGISTER_COLUMNS.map(() => '---').join('|')}|`,
    ...entries.map((entry) => `| ${REGISTER_COLUMNS.map((c) => cell(c.value(entry))).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderRegisterCsv(entries: readonly RegisterEntry[]): string {
  const rows = [
    REGISTER_COLUMNS.map((c) => csvCell(c.header)).join(','),
    ...entries.map((entry) => REGISTER_COLUMNS.map((c) => csvCell(escapeControl(c.value(entry)))).join(',')),
  ];
  return `${rows.join('\r\n')}\r\n`;
}

export function renderRegisterHtml(entries: readonly RegisterEntry[], meta: RegisterMeta): string {
  // Control and bidi characters as visible escapes; `html` escapes the markup.
  const e = escapeControl;
  const head = REGISTER_COLUMNS.map((c) => html`<th scope="col">${e(c.header)}</th>`);
  const body = entries.map(
    (entry, i) =>
      html`${i ? '\n' : ''}<tr>${REGISTER_COLUMNS.map((c) => html`<td>${e(c.value(entry))}</td>`)}</tr>`,
  );
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Key register</title>
<style>body{font:14px system-ui,sans-serif;margin:1rem;color:#1b1f24}table{border-collapse:collapse}th,td{border:1px solid #d8dde3;padding:4px 6px;vertical-align:top;text-align:left}th{background:#f6f8fa;position:sticky;top:0}div{overflow-x:auto}</style>
</head><body>
<h1>Key register</h1>
<p>${entries.length} keys, from ${e(meta.source)}, as of ${e(meta.generatedAt)}.</p>
<div><table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div>
</body></html>
`.toString();
}
