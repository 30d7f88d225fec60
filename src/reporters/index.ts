/** The reporters by format name. Formats added by later work register here. */
import type { Report } from '../model/report.js';
import { renderAsff } from './asff.js';
import { renderCsv } from './csv.js';
import { dashboardFromReport } from './html/data.js';
import { renderDashboard } from './html/render.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderSarif } from './sarif.js';
import { renderTable } from './table.js';

export interface RenderOptions {
  color: boolean;
  limit: number;
}

export type Reporter = (report: Report, options: RenderOptions) => string;

export const REPORTERS: Record<string, Reporter> = {
  table: (report, options) => renderTable(report, options),
  json: (report) => renderJson(report),
  csv: (report) => renderCsv(report),
  markdown: (report) => renderMarkdown(report),
  sarif: (report) => renderSarif(report),
  html: (report) => renderDashboard(dashboardFromReport(report)),
  asff: (report) => renderAsff(report),
};

export { ReportUnavailable } from './unavailable.js';

export const FORMATS = Object.keys(REPORTERS);
