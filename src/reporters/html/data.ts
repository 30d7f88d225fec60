/**
 * What the HTML dashboard shows, built either from one report (a history of one scan: no trend
 * yet) or from history (`report --html`). Pure.
 */

import { inTerraformTerms, isTerraformResource, shownPlace } from '../../engine/lazy-finding.js';
import { isProblem } from '../../history/lifecycle.js';
import { historyFromRecords } from '../../history/memory.js';
import { keyAliases, resourceName, scanRecord } from '../../history/record.js';
import type { AccessDeniedEvent, HistoryData, KeyState, Resolution } from '../../history/types.js';
import { latestKeyState } from '../../kpi/cost.js';
import { computeKpis, type KpiReport } from '../../kpi/index.js';
import { DAY_MS, type KpiWindow } from '../../kpi/window.js';
import { parseIsoTime } from '../../model/dates.js';
import { SEVERITIES, type Severity, type Status } from '../../model/finding.js';
import type { Inventory } from '../../model/inventory.js';
import { maxOf, minOf } from '../../model/many.js';
import { type Report, scanSourceLabel } from '../../model/report.js';
import { byCodeUnits } from '../../model/text.js';
import { findRule, RULES } from '../../rules/registry.js';

export type FindingState = 'open' | 'suppressed' | 'resolved';

export interface DashboardFinding {
  ruleId: string;
  severity: Severity;
  status: Status;
  state: FindingState;
  account: string;
  region: string;
  resource: string;
  message: string;
  remediation: string;
  remediationCli?: string;
  firstFailedAt?: string;
  ageDays?: number;
  note?: string;
}

export interface DashboardKey {
  arn: string;
  alias?: string;
  account: string;
  region: string;
  keyState?: string;
  keyManager?: string;
  usedBy: { cluster: string; instanceGroup: string; volume: string }[];
  clusters: number;
  monthlyUsd?: number;
}

export interface DashboardData {
  title: string;
  mode: 'report' | 'history';
  generatedAt: string;
  source: string;
  accounts: string[];
  regions: string[];
  kpis: KpiReport;
  findings: DashboardFinding[];
  /**
   * How many findings there are when `findings` holds only the most pressing of them (a report's
   * dashboard is built for the findings it lists), and how many of all are open failures, by
   * severity. Absent: `findings` holds every one.
   */
  listedOf?: { total: number; openFailures: Readonly<Record<Severity, number>> };
  keys: DashboardKey[];
  passed?: number;
  gaps: number;
  notes: string[];
}

/** An UNKNOWN finding kept in history, whose missing data is no longer known in detail. */
const UNKNOWN_IN_HISTORY =
  'Could not be judged (the message says what was missing): supply it and scan again; docs/iam-policy.json lists the permissions a live scan needs.';

/**
 * The remediation shown for a finding: the rule's fix (and its CLI) for a failure; for an UNKNOWN,
 * how to get the missing data, never the fix for a failure it may not have.
 */
const remediationOf = (ruleId: string, status: string, fallback?: string) => {
  const meta = findRule(ruleId)?.meta;
  if (status === 'UNKNOWN') return { remediation: fallback ?? UNKNOWN_IN_HISTORY };
  return {
    remediation: fallback ?? meta?.remediation.summary ?? '',
    ...(meta?.remediation.cli ? { remediationCli: meta.remediation.cli } : {}),
  };
};

function keysOf(
  states: { arn: string; account: string; region: string; state: KeyState }[],
  cost: KpiReport['cost'],
) {
  const runRate = new Map((cost?.keys ?? []).map((k) => [k.arn, k.monthlyRunRateUsd]));
  return states
    .map(({ arn, account, region, state }): DashboardKey => {
      const usedBy = state.usedBy.map((u) => ({
        cluster: u.clusterName,
        instanceGroup: u.instanceGroup,
        volume: u.volume,
      }));
      return {
        arn,
        ...(state.aliases[0] ? { alias: state.aliases[0] } : {}),
        account,
        region,
        ...(state.keyState ? { keyState: state.keyState } : {}),
        ...(state.keyManager ? { keyManager: state.keyManager } : {}),
        usedBy,
        clusters: new Set(usedBy.map((u) => u.cluster)).size,
        ...(runRate.has(arn) ? { monthlyUsd: runRate.get(arn)! } : {}),
      };
    })
    .sort(
      (a, b) =>
        new Set(b.usedBy.map((u) => `${u.cluster}/${u.instanceGroup}`)).size -
          new Set(a.usedBy.map((u) => `${u.cluster}/${u.instanceGroup}`)).size ||
        byCodeUnits(a.alias ?? a.arn, b.alias ?? b.arn),
    );
}

/** The rules whose FAIL evidence lists denied calls (`meta.feeds`). */
const DENIED_CALL_RULES = new Set(
  RULES.filter((rule) => rule.meta.feeds?.includes('denied-calls')).map((rule) => rule.meta.id),
);

/** Denied calls a report's findings carry as evidence (a report has no raw events). */
function evidenceEvents(report: Report): AccessDeniedEvent[] {
  const events: AccessDeniedEvent[] = [];
  for (const f of report.findings) {
    if (!DENIED_CALL_RULES.has(f.ruleId) || f.status !== 'FAIL') continue;
    const list = Array.isArray(f.evidence.events) ? f.evidence.events : [];
    for (const raw of list as Record<string, unknown>[]) {
      const at = parseIsoTime(String(raw.eventTime)) ?? Number.NaN;
      if (typeof raw.eventId !== 'string' || Number.isNaN(at)) continue;
      events.push({
        eventId: raw.eventId,
        eventTime: new Date(at).toISOString(),
        at,
        account: f.resource.account ?? '',
        region: f.resource.region ?? '',
        key: f.resource.id,
        principal: typeof raw.principalArn === 'string' ? raw.principalArn : 'unknown principal',
        eventName: String(raw.eventName ?? ''),
        errorCode: String(raw.errorCode ?? ''),
      });
    }
  }
  return events;
}

/**
 * Findings the dashboard lists unless told otherwise: the most pressing first. An organisation has
 * hundreds of thousands (1.7 KB of HTML each: at 200,000 a 360 MB page no browser shows usably,
 * and close to the longest string JavaScript can make); the JSON report and `kpi` have every one.
 */
export const DASHBOARD_FINDINGS = 5000;

/** The order the dashboard lists findings in: open first, then by severity, rule and resource. */
const STATES: readonly DashboardFinding['state'][] = ['open', 'suppressed', 'resolved'];
export const byPressing = (
  a: Pick<DashboardFinding, 'state' | 'severity' | 'ruleId' | 'resource'>,
  b: Pick<DashboardFinding, 'state' | 'severity' | 'ruleId' | 'resource'>,
): number =>
  STATES.indexOf(a.state) - STATES.indexOf(b.state) ||
  SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
  byCodeUnits(a.ruleId, b.ruleId) ||
  byCodeUnits(a.resource, b.resource);

/**
 * The KPIs of a history of one scan: the report's. The history is let go of when this returns,
 * before the findings are listed (an organisation's is hundreds of MiB).
 */
function oneScanKpis(report: Report, lookbackDays: number): KpiReport {
  const record = scanRecord(problemsOnly(report));
  record.events = evidenceEvents(report);
  const until = record.scan.at;
  const window: KpiWindow = { since: until - lookbackDays * DAY_MS, until };
  return computeKpis(historyFromRecords([record]), { window });
}

/**
 * The report with only the findings a history of it keeps: of a first scan, history keeps its
 * failures and unknowns and nothing of the rest (`isProblem`), which are most of an organisation's
 * findings and would each be made into an observation only to be passed over. Unless a fingerprint
 * is reported twice: then the last report of it stands, whatever its status, and every finding is
 * kept.
 */
function problemsOnly(report: Report): Report {
  const fingerprints = new Set<string>();
  for (const f of report.findings) {
    if (fingerprints.has(f.fingerprint)) return report;
    fingerprints.add(f.fingerprint);
  }
  return { ...report, findings: report.findings.filter((f) => isProblem(f.status)) };
}

/**
 * The dashboard of one report: KPIs of a history of one scan, and its failing or unknown findings,
 * the `findings` most pressing of them (0: all; default `DASHBOARD_FINDINGS`). Only those are made
 * into dashboard entries, each with its message: an organisation has hundreds of thousands.
 */
export function dashboardFromReport(
  report: Report,
  options: { lookbackDays?: number; findings?: number } = {},
): DashboardData {
  const kpis = oneScanKpis(report, options.lookbackDays ?? 30);
  const aliasOf = keyAliases(report);
  // Ranked by what the list shows of them, and only the listed ones made into entries.
  const openFailures = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const ranked = report.findings
    .filter((f) => f.status === 'FAIL' || f.status === 'UNKNOWN')
    .map((f) => {
      const state: DashboardFinding['state'] = f.suppressed ? 'suppressed' : 'open';
      if (state === 'open' && f.status === 'FAIL') openFailures[f.severity]++;
      const r = f.resource;
      const where = r.location ? ` (${r.location.file}${r.location.line ? `:${r.location.line}` : ''})` : '';
      return {
        finding: f,
        state,
        severity: f.severity,
        ruleId: f.ruleId,
        resource: resourceName(r, aliasOf) + where,
      };
    })
    .sort(byPressing);
  const limit = options.findings ?? DASHBOARD_FINDINGS;
  const listed = limit > 0 && ranked.length > limit ? ranked.slice(0, limit) : ranked;
  const findings: DashboardFinding[] = listed.map(({ finding: f, state, resource }) => {
    const r = f.resource;
    return {
      ruleId: f.ruleId,
      severity: f.severity,
      status: f.status,
      state,
      // In Terraform's terms for a Terraform resource, as its message is.
      account: shownPlace(f, r.account) ?? '',
      region: shownPlace(f, r.region) ?? '',
      resource,
      message: f.message,
      ...remediationOf(f.ruleId, f.status, f.remediation),
      ...(f.suppressed
        ? {
            note: `suppressed: ${f.suppressed.reason}${f.suppressed.expires ? ` (until ${f.suppressed.expires})` : ''}`,
          }
        : f.suppressionExpired
          ? { note: `suppression expired ${f.suppressionExpired.expires}: ${f.suppressionExpired.reason}` }
          : {}),
    };
  });
  return {
    title: 'HyperPod CMK governance',
    mode: 'report',
    generatedAt: report.scan.finishedAt,
    source: scanSourceLabel(report.scan),
    accounts: report.scan.accounts,
    regions: report.scan.regions,
    kpis,
    findings,
    ...(listed.length < ranked.length ? { listedOf: { total: ranked.length, openFailures } } : {}),
    keys: keysOf(
      (report.keys ?? []).map(({ arn, account, region, ...state }) => ({ arn, account, region, state })),
      kpis.cost,
    ),
    passed: report.summary.pass,
    gaps: report.gaps.length,
    notes: [
      'One scan: the trends and time to remediate fill in as scans are saved to history (see `hyperpod-cmk report --html`).',
    ],
  };
}

const RESOLUTION_WORDS: Record<Resolution, string> = {
  fixed: 'fixed',
  'resource-gone': 'resource deleted (not a remediation)',
  'not-applicable': 'rule stopped applying (not a remediation)',
  'not-evaluated': 'rule no longer evaluated',
};

/**
 * An account or Region history kept for a resource, as a reader sees it: in Terraform's terms for a
 * resource of a `.tf` file (history keeps the resource's id, `<file>#...`, not the finding), as the
 * dashboard of one report shows it (`shownPlace`).
 */
function historyPlace(resourceId: string, value: string | undefined): string {
  if (value === undefined) return '';
  return isTerraformResource({ type: 'cluster', id: resourceId }) ? inTerraformTerms(value) : value;
}

/** The dashboard of history: KPIs over the window, open and recently closed findings. */
export function dashboardFromHistory(
  history: HistoryData,
  kpis: KpiReport,
  window: KpiWindow,
): DashboardData {
  const latest = history.scans[history.scans.length - 1];
  const findings: DashboardFinding[] = [];
  for (const f of history.findings) {
    const open = f.episodes.find(
      (e) => e.openedAt <= window.until && (e.resolvedAt === undefined || e.resolvedAt > window.until),
    );
    const closed = [...f.episodes]
      .reverse()
      .find(
        (e) => e.resolvedAt !== undefined && e.resolvedAt >= window.since && e.resolvedAt <= window.until,
      );
    const unknownNow = !open && f.status === 'UNKNOWN' && latest !== undefined && f.lastSeenAt >= latest.at;
    if (!open && !closed && !unknownNow) continue;
    const episode = open ?? closed;
    findings.push({
      ruleId: f.ruleId,
      severity: episode?.severity ?? f.severity,
      status: open || unknownNow ? f.status : 'FAIL',
      state: open ? (f.suppressed ? 'suppressed' : 'open') : unknownNow ? 'open' : 'resolved',
      account: historyPlace(f.rid, f.account),
      region: historyPlace(f.rid, f.region),
      resource: f.name,
      message: f.message,
      ...remediationOf(f.ruleId, open || unknownNow ? f.status : 'FAIL'),
      ...(episode ? { firstFailedAt: new Date(episode.openedAt).toISOString() } : {}),
      ...(open ? { ageDays: Math.round(((window.until - open.openedAt) / DAY_MS) * 10) / 10 } : {}),
      ...(closed && !open
        ? {
            note: `closed ${new Date(closed.resolvedAt!).toISOString().slice(0, 10)}: ${RESOLUTION_WORDS[closed.resolution!]}`,
          }
        : f.suppressed && open
          ? { note: 'suppressed (accepted exception)' }
          : {}),
    });
  }
  const accounts = new Set<string>();
  const regions = new Set<string>();
  for (const scan of history.scans) {
    for (const a of scan.accounts) accounts.add(a);
    for (const r of scan.regions) regions.add(r);
  }
  return {
    title: 'HyperPod CMK governance',
    mode: 'history',
    generatedAt: new Date(window.until).toISOString(),
    source: latest?.source ?? 'history',
    accounts: [...accounts].sort(),
    regions: [...regions].sort(),
    kpis,
    findings,
    keys: keysOf(
      history.keys
        .filter((k) => k.current)
        .map((k) => ({
          arn: k.arn,
          account: k.account,
          region: k.region,
          state: latestKeyState(k),
        })),
      kpis.cost,
    ),
    gaps: 0,
    notes: history.scans.length === 0 ? ['No scan saved in this window.'] : [],
  };
}

/** The dashboard of a series of scans kept in memory (the demo's weeks): history without a database. */
export function dashboardFromScans(
  scans: readonly { report: Report; inventory?: Inventory }[],
): DashboardData {
  const records = scans.map((s) => scanRecord(s.report, s.inventory));
  const history = historyFromRecords(records);
  const ats = records.map((r) => r.scan.at);
  const window: KpiWindow = { since: minOf(ats), until: maxOf(ats) };
  const data = dashboardFromHistory(history, computeKpis(history, { window }), window);
  const last = scans[scans.length - 1]!.report;
  return { ...data, source: last.scan.source, passed: last.summary.pass, gaps: last.gaps.length };
}
