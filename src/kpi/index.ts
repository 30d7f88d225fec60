/**
 * The KPI report (`hyperpod-cmk kpi --format json`, schemaVersion 1): every KPI over one window,
 * computed by pure reducers from history data.
 */

import { completeRoundHint, shardList } from '../history/rounds.js';
import type { AccessDeniedEvent, HistoryData, ScanEntry } from '../history/types.js';
import type { SourceIssue } from '../model/finding.js';
import type { Gap } from '../model/inventory.js';
import { type AttemptsKpi, attemptsKpi, mergeEvents } from './attempts.js';
import { type ComplianceKpi, complianceKpi, type RoundCompleteness, roundsUntil } from './compliance.js';
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

/** The issue that names the missing shards of the latest round and the commands that complete it. */
export function roundIncompleteIssue(round: RoundCompleteness): SourceIssue {
  const plural = round.missing.length === 1 ? '' : 's';
  return {
    code: 'history.round_incomplete',
    severity: 'warning',
    message:
      `the latest round of the sharded organization scan, ${round.id}, is missing shard${plural} ` +
      `${shardList(round.missing, round.shards)}: the accounts of ${round.missing.length === 1 ? 'that shard' : 'those shards'} ` +
      'are not in it, so it is incomplete and its compliance is not a percentage',
    hint: completeRoundHint({ id: round.id, count: round.shards, missing: round.missing }),
  };
}

/**
 * Every scan the history gives: those of the window, and those before it that a store gives apart
 * (`prior`: the scans the trend carries in, the latest round and the scans after it), in time order.
 */
function knownScans(history: HistoryData): ScanEntry[] {
  if (!history.prior?.scans.length) return history.scans;
  const ids = new Set(history.scans.map((scan) => scan.id));
  return [...history.prior.scans.filter((scan) => !ids.has(scan.id)), ...history.scans].sort(
    (a, b) => a.at - b.at || a.id - b.id,
  );
}

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
  // Rounds are grouped once, before the window applies, for the issue and the compliance KPI.
  const rounds = roundsUntil(knownScans(history), window.until);
  if (rounds.latestIncomplete) report.issues.push(roundIncompleteIssue(rounds.latestIncomplete));
  if (wanted.has('compliance')) report.compliance = complianceKpi(history, window, by, rounds);
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
