/**
 * Compliance % (DESIGN.md): a cluster or instance group is compliant when every applicable rule on
 * it, its cluster and its keys is PASS; suppressed failures make it compliant by exception, which
 * counts as compliant and is reported apart; UNKNOWN is never compliant. Now (the latest state of
 * each resource) and as a trend (one point per scan). Pure.
 *
 * Breakdowns: by account, region or project (the cluster's `project` tag) the resources split into
 * groups; by rule or severity each group is one rule (severity) and a resource counts as
 * compliant in it when it has no unsuppressed failure of that rule (severity).
 */

import type { ComplianceState, ComplianceTally, HistoryData } from '../history/types.js';
import { SEVERITIES } from '../model/finding.js';
import { type Dimension, groupBy, type KpiWindow, pct } from './window.js';

export type ComplianceScope = 'cluster' | 'instance-group';

export interface ComplianceFigure {
  group: string;
  total: number;
  compliant: number;
  byException: number;
  unknown: number;
  nonCompliant: number;
  /**
   * (compliant + by exception) / total, one decimal; null when there is nothing to judge (nothing
   * examined) or the scan could not collect everything (an incomplete trend point).
   */
  pct: number | null;
}

export interface CompliancePoint {
  scanId: number;
  at: string;
  /**
   * Scopes (`aws:<account>:<region>`) the scan could not collect in full: its figures count what it
   * saw, but its percentages are null, since what it missed may be anything.
   */
  incomplete?: string[];
  /** The whole scan, whatever the breakdown. */
  overall: { clusters: ComplianceFigure; instanceGroups: ComplianceFigure };
  clusters: ComplianceFigure[];
  instanceGroups: ComplianceFigure[];
}

export interface ComplianceKpi {
  by?: Dimension;
  now: {
    overall: { clusters: ComplianceFigure; instanceGroups: ComplianceFigure };
    clusters: ComplianceFigure[];
    instanceGroups: ComplianceFigure[];
  };
  trend: CompliancePoint[];
}

interface Counted {
  state: ComplianceState;
  count: number;
}

const ruleOf = (failing: string) => failing.slice(0, failing.lastIndexOf('@'));
const severityOf = (failing: string) => failing.slice(failing.lastIndexOf('@') + 1);

function figure(
  group: string,
  items: readonly Counted[],
  judge?: (s: ComplianceState) => boolean,
): ComplianceFigure {
  const f: ComplianceFigure = {
    group,
    total: 0,
    compliant: 0,
    byException: 0,
    unknown: 0,
    nonCompliant: 0,
    pct: null,
  };
  for (const { state, count } of items) {
    f.total += count;
    if (judge) {
      if (judge(state)) f.compliant += count;
      else f.nonCompliant += count;
      continue;
    }
    if (state.status === 'compliant') f.compliant += count;
    else if (state.status === 'compliant-by-exception') f.byException += count;
    else if (state.status === 'unknown') f.unknown += count;
    else f.nonCompliant += count;
  }
  f.pct = pct(f.compliant + f.byException, f.total);
  return f;
}

/** The figures for a set of resource states, whole or broken down. */
export function complianceFigures(items: readonly Counted[], by?: Dimension): ComplianceFigure[] {
  if (!by) return [figure('all', items)];
  if (by === 'severity') {
    return SEVERITIES.map((severity) =>
      figure(severity, items, (s) => !s.failing.some((f) => severityOf(f) === severity)),
    );
  }
  if (by === 'rule') {
    const rules = new Set(items.flatMap((i) => i.state.failing.map(ruleOf)));
    return [...rules]
      .sort()
      .map((rule) => figure(rule, items, (s) => !s.failing.some((f) => ruleOf(f) === rule)));
  }
  const groups = groupBy(items, (i) => {
    const value = by === 'account' ? i.state.account : by === 'region' ? i.state.region : i.state.project;
    return value ? [value] : [];
  });
  return [...groups.entries()].map(([group, list]) => figure(group, list));
}

export function complianceKpi(history: HistoryData, window: KpiWindow, by?: Dimension): ComplianceKpi {
  const currentOf = (type: ComplianceScope) =>
    history.current.filter((r) => r.type === type).map((r) => ({ state: r.state, count: 1 }));
  const byScan = new Map<number, ComplianceTally[]>();
  for (const tally of history.tallies) {
    const list = byScan.get(tally.scanId);
    if (list) list.push(tally);
    else byScan.set(tally.scanId, [tally]);
  }
  const trend: CompliancePoint[] = [];
  for (const scan of history.scans) {
    if (scan.at < window.since || scan.at > window.until) continue;
    const tallies = byScan.get(scan.id) ?? [];
    const clusters = tallies.filter((t) => t.type === 'cluster');
    const groups = tallies.filter((t) => t.type === 'instance-group');
    const incomplete = scan.incomplete ?? [];
    const seen = (figures: ComplianceFigure[]) =>
      incomplete.length ? figures.map((f) => ({ ...f, pct: null })) : figures;
    trend.push({
      scanId: scan.id,
      at: new Date(scan.at).toISOString(),
      ...(incomplete.length ? { incomplete: [...incomplete] } : {}),
      overall: {
        clusters: seen([figure('all', clusters)])[0]!,
        instanceGroups: seen([figure('all', groups)])[0]!,
      },
      clusters: seen(complianceFigures(clusters, by)),
      instanceGroups: seen(complianceFigures(groups, by)),
    });
  }
  const clusters = currentOf('cluster');
  const groups = currentOf('instance-group');
  return {
    ...(by ? { by } : {}),
    now: {
      overall: { clusters: figure('all', clusters), instanceGroups: figure('all', groups) },
      clusters: complianceFigures(clusters, by),
      instanceGroups: complianceFigures(groups, by),
    },
    trend,
  };
}
