/** One row per finding, RFC 4180 quoting, for spreadsheets and ticket imports. */

import { shownPlace } from '../engine/lazy-finding.js';
import type { Finding } from '../model/finding.js';
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
  // Last, so that columns read by position before it was added keep their place.
  'baseline',
] as const;

export function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  // Cells that a spreadsheet would run as a formula are prefixed with a quote.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function renderCsv(report: Report): string {
  return [...renderCsvChunks(report)].join('');
}

/** Rows joined into one piece. */
const CSV_BATCH = 1024;

/**
 * The same bytes as `renderCsv`, in pieces, for a writer that streams them to a file: the header,
 * then the rows a batch at a time (an organisation's CSV is nearly as long as a JavaScript string can be).
 */
export function* renderCsvChunks(report: Report): Generator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  let rows: string[] = [];
  for (const f of report.findings) {
    rows.push(csvRow(f));
    if (rows.length < CSV_BATCH) continue;
    yield `${rows.join('\r\n')}\r\n`;
    rows = [];
  }
  if (rows.length > 0) yield `${rows.join('\r\n')}\r\n`;
}

function csvRow(f: Finding): string {
  const r = f.resource;
  return [
    f.ruleId,
    f.status,
    f.severity,
    r.type,
    r.id,
    // In Terraform's terms for a Terraform resource, as its message is.
    shownPlace(f, r.account),
    shownPlace(f, r.region),
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
    f.baseline ? 'yes' : 'no',
  ]
    .map(csvCell)
    .join(',');
}
