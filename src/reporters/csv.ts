/** One row per finding, RFC 4180 quoting, for spreadsheets and ticket imports. */
import type { Report } from '../model/report.js';

export const CSV_COLUMNS = [
  'ruleId',
  'status',
  'severity',
  'resourceType',
  'resourceId',
  'account',
  'region',
  'cluster',
  'instanceGroup',
  'keyArn',
  'file',
  'line',
  'message',
  'remediation',
  'suppressed',
  'suppressionReason',
  'suppressionExpires',
  'fingerprint',
] as const;

export function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  // Cells that a spreadsheet would run as a formula are prefixed with a quote.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function renderCsv(report: Report): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const f of report.findings) {
    const r = f.resource;
    rows.push(
      [
        f.ruleId,
        f.status,
        f.severity,
        r.type,
        r.id,
        r.account,
        r.region,
        r.cluster,
        r.instanceGroup,
        r.keyArn,
        r.location?.file,
        r.location?.line,
        f.message,
        f.remediation,
        f.suppressed ? 'yes' : 'no',
        f.suppressed?.reason ?? f.suppressionExpired?.reason,
        f.suppressed?.expires ?? f.suppressionExpired?.expires,
        f.fingerprint,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
}
