/** The reporters by format name. Formats added by later work register here. */
import type { Report } from '../model/report.js';
import { renderAsff, renderAsffChunks } from './asff.js';
import { renderCsv, renderCsvChunks } from './csv.js';
import { renderGithub } from './github.js';
import { renderGitlab, renderGitlabChunks } from './gitlab.js';
import { dashboardFromReport } from './html/data.js';
import { renderDashboard } from './html/render.js';
import { renderJson, renderJsonChunks } from './json.js';
import { renderJunit, renderJunitChunks } from './junit.js';
import type { PathContext } from './locations.js';
import { renderMarkdown } from './markdown.js';
import { renderOcsf, renderOcsfChunks } from './ocsf.js';
import { renderSarif, renderSarifChunks } from './sarif.js';
import { renderTable } from './table.js';

export interface RenderOptions extends PathContext {
  color: boolean;
  limit: number;
  /** Table: the summary and the failures only. */
  quiet?: boolean;
  /** Table: no remediation text. */
  compact?: boolean;
  /** Table: the terminal's width; longer lines are cut with an ellipsis. */
  width?: number;
  /** SARIF: the most results the log holds (default GitHub code scanning's limit; Infinity: all). */
  sarifMaxResults?: number;
}

export type Reporter = (report: Report, options: RenderOptions) => string;

export const REPORTERS: Record<string, Reporter> = {
  table: (report, options) => renderTable(report, options),
  json: (report) => renderJson(report),
  csv: (report) => renderCsv(report),
  markdown: (report) => renderMarkdown(report),
  sarif: (report, options) => renderSarif(report, undefined, options, options.sarifMaxResults),
  html: (report) => renderDashboard(dashboardFromReport(report)),
  asff: (report) => renderAsff(report),
  junit: (report, options) => renderJunit(report, options),
  github: (report, options) => renderGithub(report, options),
  gitlab: (report, options) => renderGitlab(report, options),
  ocsf: (report) => renderOcsf(report),
};

/**
 * Formats that can also render in pieces, the same bytes as their reporter: a report written to a
 * file (`-o`) is streamed there, never held whole as one string.
 */
export const STREAMING_REPORTERS: Partial<
  Record<string, (report: Report, options: RenderOptions) => Iterable<string>>
> = {
  json: (report) => renderJsonChunks(report),
  asff: (report) => renderAsffChunks(report),
  ocsf: (report) => renderOcsfChunks(report),
  sarif: (report, options) => renderSarifChunks(report, undefined, options, options.sarifMaxResults),
  csv: (report) => renderCsvChunks(report),
  gitlab: (report, options) => renderGitlabChunks(report, options),
  junit: (report, options) => renderJunitChunks(report, options),
};

export { ReportUnavailable } from './unavailable.js';

export const FORMATS = Object.keys(REPORTERS);

/**
 * The file name endings that tell `-o PATH` its format. A registered format without an entry is
 * known by `.<format name>`; an entry for a format that is not registered is ignored. The longest
 * matching ending wins (`x.sarif.json` is SARIF, `x.json` JSON).
 */
export const FORMAT_EXTENSIONS: Record<string, readonly string[]> = {
  table: ['.txt'],
  markdown: ['.md', '.markdown'],
  html: ['.html', '.htm'],
  sarif: ['.sarif', '.sarif.json'],
  asff: ['.asff', '.asff.json'],
  junit: ['.junit', '.junit.xml', '.xml'],
  ocsf: ['.ocsf', '.ocsf.json'],
  gitlab: ['.gitlab', '.gitlab.json'],
};

/** Formats whose output is one JSON document: a file named `.json` suits any of them. */
export const JSON_FORMATS: ReadonlySet<string> = new Set(['json', 'sarif', 'asff', 'ocsf', 'gitlab']);

/** The file name endings that name a format (`.md`, `.markdown`; `.<format>` when it has no entry). */
export const formatExtensions = (format: string): readonly string[] =>
  FORMAT_EXTENSIONS[format] ?? [`.${format}`];

/** The registered format a file name's ending names, if any. */
export function formatForPath(path: string): string | undefined {
  const name = path.toLowerCase();
  let best: { format: string; length: number } | undefined;
  for (const format of Object.keys(REPORTERS))
    for (const ending of formatExtensions(format))
      if (name.endsWith(ending) && ending.length > (best?.length ?? 0))
        best = { format, length: ending.length };
  return best?.format;
}
