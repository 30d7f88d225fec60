/** The reporters by format name. Formats added by later work register here. */
import type { Report } from '../model/report.js';
import { renderAsff } from './asff.js';
import { renderCsv } from './csv.js';
import { renderGithub } from './github.js';
import { renderGitlab } from './gitlab.js';
import { dashboardFromReport } from './html/data.js';
import { renderDashboard } from './html/render.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import type { PathContext } from './locations.js';
import { renderMarkdown } from './markdown.js';
import { renderOcsf } from './ocsf.js';
import { renderSarif } from './sarif.js';
import { renderTable } from './table.js';

export interface RenderOptions extends PathContext {
  color: boolean;
  limit: number;
}

export type Reporter = (report: Report, options: RenderOptions) => string;

export const REPORTERS: Record<string, Reporter> = {
  table: (report, options) => renderTable(report, options),
  json: (report) => renderJson(report),
  csv: (report) => renderCsv(report),
  markdown: (report) => renderMarkdown(report),
  sarif: (report, options) => renderSarif(report, undefined, options),
  html: (report) => renderDashboard(dashboardFromReport(report)),
  asff: (report) => renderAsff(report),
  junit: (report, options) => renderJunit(report, options),
  github: (report, options) => renderGithub(report, options),
  gitlab: (report, options) => renderGitlab(report, options),
  ocsf: (report) => renderOcsf(report),
};

export { ReportUnavailable } from './unavailable.js';

export const FORMATS = Object.keys(REPORTERS);
