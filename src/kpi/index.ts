/**
 * The KPI report (`hyperpod-cmk kpi --format json`, schemaVersion 1): every KPI over one window,
 * computed by pure reducers from history data.
 */

import type { AccessDeniedEvent, HistoryData } from '../history/types.js';
import type { SourceIssue } from '../model/finding.js';
import type { Gap } from '../model/inventory.js';
import { type AttemptsKpi, attemptsKpi, mergeEvents } from './attempts.js';
import { type ComplianceKpi, complianceKpi } from './compliance.js';
import type { ActualCost } from './cost.js';
import { type CostKpi, costKpi } from './cost.js';
import { type RemediationKpi, remediationKpi } from './remediation.js';
import type { Dimension, KpiWindow } from './window.js';

export const KPI_SCHEMA_VERSION = 1;
export const KPI_NAMES = ['compliance', 'mttr', 'age', 'attempts', 'cost'] as const;
export type KpiName = (typeof KPI_NAMES)[number];

export interface KpiReport {
  schemaVersion: typeof KPI_SCHEMA_VERSION;
  kind: 'hyperpod-cmk-kpi';
  generatedAt: string;
  window: { since: string; until: string };
  by?: Dimension;
  scans: { count: number; first?: string; last?: string };
  compliance?: ComplianceKpi;
  remediation?: RemediationKpi;
  attempts?: AttemptsKpi;
  cost?: CostKpi & { actual?: ActualCost[] };
  /** What could not be read (log files) or fetched (Cost Explorer). */
  issues: SourceIssue[];
  gaps: Gap[];
}

export interface KpiOptions {
  window: KpiWindow;
  by?: Dimension;
  kpis?: readonly KpiName[];
  /** Denied calls read from exported CloudTrail files, merged with history's. */
  extraEvents?: readonly AccessDeniedEvent[];
  actualCost?: ActualCost[];
  issues?: readonly SourceIssue[];
  gaps?: readonly Gap[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function computeKpis(history: HistoryData, options: KpiOptions): KpiReport {
  const { window, by } = options;
  const wanted = new Set<KpiName>(options.kpis?.length ? options.kpis : KPI_NAMES);
  const inWindow = history.scans.filter((s) => s.at >= window.since && s.at <= window.until);
  const report: KpiReport = {
    schemaVersion: KPI_SCHEMA_VERSION,
    kind: 'hyperpod-cmk-kpi',
    generatedAt: iso(window.until),
    window: {
      since: Number.isFinite(window.since)
        ? iso(window.since)
        : (inWindow[0]?.finishedAt ?? iso(window.until)),
      until: iso(window.until),
    },
    ...(by ? { by } : {}),
    scans: {
      count: inWindow.length,
      ...(inWindow.length
        ? { first: inWindow[0]!.finishedAt, last: inWindow[inWindow.length - 1]!.finishedAt }
        : {}),
    },
    issues: [...(options.issues ?? [])],
    gaps: [...(options.gaps ?? [])],
  };
  if (wanted.has('compliance')) report.compliance = complianceKpi(history, window, by);
  if (wanted.has('mttr') || wanted.has('age')) {
    const remediation = remediationKpi(history, window, by ?? 'severity');
    report.remediation = {
      ...remediation,
      mttr: wanted.has('mttr') ? remediation.mttr : [],
      age: wanted.has('age') ? remediation.age : [],
      open: wanted.has('age') ? remediation.open : [],
    };
  }
  if (wanted.has('attempts'))
    report.attempts = attemptsKpi(mergeEvents(history.events, [...(options.extraEvents ?? [])]), window, {
      ...(by ? { by } : {}),
      keys: history.keys,
    });
  if (wanted.has('cost'))
    report.cost = {
      ...costKpi(history.keys, window, by),
      ...(options.actualCost ? { actual: options.actualCost } : {}),
    };
  return report;
}

export type { AttemptsKpi, ComplianceKpi, CostKpi, RemediationKpi };
