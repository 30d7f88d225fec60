/**
 * Compliance % (DESIGN.md): a cluster or instance group is compliant when every applicable rule on
 * it, its cluster and its keys is PASS; suppressed failures make it compliant by exception, which
 * counts as compliant and is reported apart; UNKNOWN is never compliant. Now (the latest state of
 * each resource) and as a trend (one point per scan, or per round of a sharded scan: its shards
 * together, as one scan), each point the estate as of then: every account and Region as the newest
 * scan up to the point saw it, so that a scan of one account or Region does not read as the estate
 * improving or worsening. A round with a shard missing is incomplete, like a scan that could not
 * collect everything: its point counts what it saw, its percentages are null, and so are now's
 * when it is the latest. The estate is the deployed one (live and snapshot scans); templates (IaC
 * scans) are one only in a history of templates alone (docs/history-and-kpis.md). Pure.
 *
 * Breakdowns: by account, region or project (the cluster's `project` tag) the resources split into
 * groups; by rule or severity each group is one rule (severity), with the same definition within
 * it: a resource is non-compliant in it when it has an unsuppressed failure of that rule
 * (severity), else unknown when it has an unsuppressed UNKNOWN of it (never compliant), else
 * compliant by exception when it has a suppressed one, else compliant. Every rule that fails, is
 * unknown or is excepted somewhere has its group.
 */

import { regionScope } from '../history/record.js';
import { type ScanGroup, scanGroups } from '../history/rounds.js';
import type { ComplianceState, ComplianceTally, HistoryData, ScanEntry } from '../history/types.js';
import { SEVERITIES } from '../model/finding.js';
import { IAC_SOURCES } from '../model/inventory.js';
import { maxOf } from '../model/many.js';
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

/** The round of a sharded organization scan: its id, N, and the shards not saved (1-based). */
export interface RoundCompleteness {
  id: string;
  shards: number;
  missing: number[];
}

export interface CompliancePoint {
  /** The scan, or for a round the newest of its shards. */
  scanId: number;
  at: string;
  /** A round of a sharded scan: the point adds up its shards (the newest save of each). */
  round?: RoundCompleteness;
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
    /**
     * The latest round of a sharded scan is missing shards: the accounts of those shards may be
     * anything now, so the percentages are null.
     */
    incomplete?: RoundCompleteness;
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

type Verdict = 'compliant' | 'byException' | 'unknown' | 'nonCompliant';

/**
 * A resource's verdict on one rule or severity (`has` tells whether a `rule@severity` entry is of
 * it): failing it is non-compliant, unknown on it is unknown (never compliant), a suppressed
 * failure of it is compliant by exception. A state saved before the unknown and excepted rules
 * were recorded says only its status: unknown there is unknown in every group it does not fail,
 * and by exception likewise.
 */
function verdictOn(state: ComplianceState, has: (entry: string) => boolean): Verdict {
  if (state.failing.some(has)) return 'nonCompliant';
  if (state.unknown ? state.unknown.some(has) : state.status === 'unknown') return 'unknown';
  if (state.excepted ? state.excepted.some(has) : state.status === 'compliant-by-exception')
    return 'byException';
  return 'compliant';
}

function figure(
  group: string,
  items: readonly Counted[],
  judge?: (s: ComplianceState) => Verdict,
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
      f[judge(state)] += count;
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
      figure(severity, items, (s) => verdictOn(s, (f) => severityOf(f) === severity)),
    );
  }
  if (by === 'rule') {
    const rules = new Set(
      items.flatMap(({ state }) =>
        [...state.failing, ...(state.unknown ?? []), ...(state.excepted ?? [])].map(ruleOf),
      ),
    );
    return [...rules]
      .sort()
      .map((rule) => figure(rule, items, (s) => verdictOn(s, (f) => ruleOf(f) === rule)));
  }
  const groups = groupBy(items, (i) => {
    const value = by === 'account' ? i.state.account : by === 'region' ? i.state.region : i.state.project;
    return value ? [value] : [];
  });
  return [...groups.entries()].map(([group, list]) => figure(group, list));
}

/** A scan of templates (IaC), whose resources are not deployed ones. */
const TEMPLATE_SOURCES: ReadonlySet<string> = new Set(IAC_SOURCES);
const isTemplateScan = (scan: Pick<ScanEntry, 'source'>): boolean => TEMPLATE_SOURCES.has(scan.source);
const isTemplateScope = (scope: string): boolean => scope.startsWith('iac:');

/** The scope a scan's tally is in: the scan's one scope for templates, else its account and Region. */
const tallyScope = (scan: ScanEntry, state: ComplianceState): string =>
  isTemplateScan(scan) ? (scan.scope[0] ?? 'iac:') : regionScope(state.account, state.region);

/**
 * The points in time of the history up to the window's end, grouped before any window applies (a
 * round straddling `since` is judged on all its shards), and the latest round when it is missing
 * shards: computed once, for the trend, now and the KPI report's issue.
 */
export interface Rounds {
  groups: ScanGroup<ScanEntry>[];
  latestIncomplete?: RoundCompleteness;
}

export function roundsUntil(scans: readonly ScanEntry[], until: number): Rounds {
  const groups = scanGroups(scans.filter((s) => s.at <= until));
  const latestIncomplete = latestRoundIncomplete(groups);
  return { groups, ...(latestIncomplete ? { latestIncomplete } : {}) };
}

export function complianceKpi(
  history: HistoryData,
  window: KpiWindow,
  by?: Dimension,
  rounds: Rounds = roundsUntil(history.scans, window.until),
): ComplianceKpi {
  const byScan = new Map<number, ComplianceTally[]>();
  for (const tally of [...(history.prior?.tallies ?? []), ...history.tallies]) {
    const list = byScan.get(tally.scanId);
    if (list) list.push(tally);
    else byScan.set(tally.scanId, [tally]);
  }
  // One estate: the deployed one (live and snapshot scans) when history has any, else the templates.
  const known = [...(history.prior?.scans ?? []), ...history.scans].filter((s) => s.at <= window.until);
  const templates = !known.some((scan) => !isTemplateScan(scan));
  const ofEstate = (scan: ScanEntry) => isTemplateScan(scan) === templates;
  const currentOf = (type: ComplianceScope) =>
    history.current
      .filter((r) => r.type === type && isTemplateScope(r.scope) === templates)
      .map((r) => ({ state: r.state, count: 1 }));

  // The estate at each point: each scope as its newest scan up to the point saw it, starting from
  // the newest scans before the window. A scan of one account or Region changes only those.
  const inWindow = rounds.groups.filter((group) => group.at >= window.since);
  const inPoints = new Set(inWindow.flatMap((group) => group.scans.map((scan) => scan.id)));
  const estate = new Map<string, ComplianceTally[]>();
  const byScope = (scan: ScanEntry): Map<string, ComplianceTally[]> =>
    groupBy(byScan.get(scan.id) ?? [], (tally) => [tallyScope(scan, tally.state)]);
  const before = known
    .filter((scan) => scan.at < window.since && !inPoints.has(scan.id) && ofEstate(scan))
    .sort((a, b) => b.at - a.at || b.id - a.id);
  for (const scan of before) {
    if (scan.scope.every((scope) => estate.has(scope))) continue;
    const ofScope = byScope(scan);
    for (const scope of scan.scope) if (!estate.has(scope)) estate.set(scope, ofScope.get(scope) ?? []);
  }

  const trend: CompliancePoint[] = [];
  const points = inWindow.filter((group) => group.scans.every(ofEstate));
  for (const point of points) {
    for (const scan of point.scans) {
      const ofScope = byScope(scan);
      for (const scope of scan.scope) estate.set(scope, ofScope.get(scope) ?? []);
    }
    const incomplete = [...new Set(point.scans.flatMap((scan) => scan.incomplete ?? []))].sort();
    const round = point.round;
    const partial = incomplete.length > 0 || (round?.missing.length ?? 0) > 0;
    // A point that could not collect everything shows what it saw (its pct are null); a complete
    // one the whole estate as of then.
    const tallies = partial
      ? point.scans.flatMap((scan) => byScan.get(scan.id) ?? [])
      : [...estate.values()].flat();
    const clusters = tallies.filter((t) => t.type === 'cluster');
    const groups = tallies.filter((t) => t.type === 'instance-group');
    const seen = (figures: ComplianceFigure[]) =>
      partial ? figures.map((f) => ({ ...f, pct: null })) : figures;
    trend.push({
      scanId: maxOf(point.scans.map((scan) => scan.id)),
      at: new Date(point.at).toISOString(),
      ...(round ? { round: { id: round.id, shards: round.count, missing: [...round.missing] } } : {}),
      ...(incomplete.length ? { incomplete } : {}),
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
  const incomplete = rounds.latestIncomplete;
  const now = (figures: ComplianceFigure[]) =>
    incomplete ? figures.map((f) => ({ ...f, pct: null })) : figures;
  return {
    ...(by ? { by } : {}),
    now: {
      ...(incomplete ? { incomplete } : {}),
      overall: {
        clusters: now([figure('all', clusters)])[0]!,
        instanceGroups: now([figure('all', groups)])[0]!,
      },
      clusters: now(complianceFigures(clusters, by)),
      instanceGroups: now(complianceFigures(groups, by)),
    },
    trend,
  };
}

/**
 * The latest round of sharded scans when shards of it are missing. A newer round supersedes it,
 * and so does a newer unsharded scan of at least the accounts its shards scanned (a scan of a few
 * accounts does not make the organization's round complete).
 */
export function latestRoundIncomplete(
  groups: readonly ScanGroup<Pick<ScanEntry, 'id' | 'at' | 'shard' | 'accounts'>>[],
): RoundCompleteness | undefined {
  const index = groups.findLastIndex((group) => group.round !== undefined);
  const latest = groups[index];
  if (!latest?.round || latest.round.missing.length === 0) return undefined;
  const accounts = latest.scans.flatMap((scan) => scan.accounts);
  const superseded = groups
    .slice(index + 1)
    .some((group) => !group.round && accounts.every((a) => group.scans[0]!.accounts.includes(a)));
  if (superseded) return undefined;
  return { id: latest.round.id, shards: latest.round.count, missing: [...latest.round.missing] };
}
