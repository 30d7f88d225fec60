/**
 * Time to remediate and open findings by age, over the failure episodes of history. Pure.
 *
 * - Time to remediate: from the first scan that saw a FAIL to the first scan that saw it fixed,
 *   for episodes fixed within the window. Episodes closed because the resource disappeared
 *   (`resource-gone`: a deleted cluster is not a remediation), because the rule stopped applying
 *   (`not-applicable`) or because the rule stopped reporting (`not-evaluated`) are counted apart and
 *   never enter the mean or median. With nothing fixed, the mean and median are null (not 0).
 * - Open findings by age: episodes still open at the clock, aged from their first FAIL. Suppressed
 *   findings (accepted exceptions) are counted apart; a suppression that expired makes the
 *   finding open again with its full age.
 */

import type { Episode, FindingEntry, HistoryData } from '../history/types.js';
import { SEVERITIES, type Severity, type Status } from '../model/finding.js';
import { maxOf } from '../model/many.js';
import { DAY_MS, type Dimension, groupBy, type KpiWindow, mean, median, round1 } from './window.js';

export interface MttrFigure {
  group: string;
  /** Episodes fixed in the window. */
  fixed: number;
  /** Null when nothing was fixed in the window: there is no time to remediate to report. */
  meanDays: number | null;
  medianDays: number | null;
  /** Closed in the window because the resource disappeared: not remediated. */
  resourceGone: number;
  /** Closed in the window because the rule stopped applying (NOT_APPLICABLE): not remediated. */
  notApplicable: number;
  /** Closed in the window because the rule no longer reported on the resource. */
  notEvaluated: number;
}

export const AGE_BUCKETS = [
  { label: '0-7d', maxDays: 7 },
  { label: '8-30d', maxDays: 30 },
  { label: '31-90d', maxDays: 90 },
  { label: '>90d', maxDays: Number.POSITIVE_INFINITY },
] as const;

export interface AgeFigure {
  group: string;
  open: number;
  /** Open findings per age bucket, in AGE_BUCKETS order. */
  buckets: Record<(typeof AGE_BUCKETS)[number]['label'], number>;
  oldestDays: number;
  /** Suppressed (accepted) failures, apart from `open`. */
  suppressed: number;
}

export interface OpenFinding {
  fingerprint: string;
  ruleId: string;
  severity: Severity;
  resource: string;
  resourceType: string;
  account?: string;
  region?: string;
  project?: string;
  status: Status;
  suppressed: boolean;
  message: string;
  openedAt: string;
  ageDays: number;
}

export interface RemediationKpi {
  by: Dimension;
  mttr: MttrFigure[];
  age: AgeFigure[];
  open: OpenFinding[];
}

function keysFor(finding: FindingEntry, episode: Episode, by: Dimension): string[] {
  const value =
    by === 'severity'
      ? episode.severity
      : by === 'rule'
        ? finding.ruleId
        : by === 'account'
          ? finding.account
          : by === 'region'
            ? finding.region
            : finding.project;
  return value ? [value] : [];
}

function ordered<T extends { group: string }>(items: T[], by: Dimension): T[] {
  if (by !== 'severity') return items;
  const rank = (g: string) => {
    const i = SEVERITIES.indexOf(g as Severity);
    return i === -1 ? SEVERITIES.length : i;
  };
  return items.sort((a, b) => rank(a.group) - rank(b.group));
}

/** The episode open at `at`, if any. */
export function openEpisode(finding: FindingEntry, at: number): Episode | undefined {
  return finding.episodes.find((e) => e.openedAt <= at && (e.resolvedAt === undefined || e.resolvedAt > at));
}

export function remediationKpi(
  history: HistoryData,
  window: KpiWindow,
  by: Dimension = 'severity',
): RemediationKpi {
  const closed: { finding: FindingEntry; episode: Episode }[] = [];
  const open: { finding: FindingEntry; episode: Episode }[] = [];
  for (const finding of history.findings) {
    for (const episode of finding.episodes) {
      if (
        episode.resolvedAt !== undefined &&
        episode.resolvedAt >= window.since &&
        episode.resolvedAt <= window.until
      )
        closed.push({ finding, episode });
    }
    const current = openEpisode(finding, window.until);
    if (current) open.push({ finding, episode: current });
  }

  const mttrFigure = (group: string, list: typeof closed): MttrFigure => {
    const days = list
      .filter((c) => c.episode.resolution === 'fixed')
      .map((c) => (c.episode.resolvedAt! - c.episode.openedAt) / DAY_MS);
    const closedAs = (resolution: Episode['resolution']) =>
      list.filter((c) => c.episode.resolution === resolution).length;
    return {
      group,
      fixed: days.length,
      meanDays: days.length ? round1(mean(days)) : null,
      medianDays: days.length ? round1(median(days)) : null,
      resourceGone: closedAs('resource-gone'),
      notApplicable: closedAs('not-applicable'),
      notEvaluated: closedAs('not-evaluated'),
    };
  };
  const mttr = [...groupBy(closed, ({ finding, episode }) => keysFor(finding, episode, by)).entries()].map(
    ([group, list]) => mttrFigure(group, list),
  );
  mttr.push(mttrFigure('all', closed));

  const ageOf = (episode: Episode) => (window.until - episode.openedAt) / DAY_MS;
  const ageFigure = (group: string, list: typeof open): AgeFigure => {
    const active = list.filter((o) => !o.finding.suppressed);
    const buckets = Object.fromEntries(AGE_BUCKETS.map((b) => [b.label, 0])) as AgeFigure['buckets'];
    for (const { episode } of active) {
      const days = ageOf(episode);
      const bucket = AGE_BUCKETS.find((b) => days <= b.maxDays)!;
      buckets[bucket.label]++;
    }
    return {
      group,
      open: active.length,
      buckets,
      oldestDays: round1(Math.max(0, maxOf(active.map((o) => ageOf(o.episode))))),
      suppressed: list.length - active.length,
    };
  };
  const age = [...groupBy(open, ({ finding, episode }) => keysFor(finding, episode, by)).entries()].map(
    ([group, list]) => ageFigure(group, list),
  );
  age.push(ageFigure('all', open));

  return {
    by,
    mttr: ordered(mttr.slice(0, -1), by).concat(mttr.slice(-1)),
    age: ordered(age.slice(0, -1), by).concat(age.slice(-1)),
    open: open
      .map(
        ({ finding, episode }): OpenFinding => ({
          fingerprint: finding.fingerprint,
          ruleId: finding.ruleId,
          severity: episode.severity,
          resource: finding.name,
          resourceType: finding.resourceType,
          ...(finding.account ? { account: finding.account } : {}),
          ...(finding.region ? { region: finding.region } : {}),
          ...(finding.project ? { project: finding.project } : {}),
          status: finding.status,
          suppressed: finding.suppressed,
          message: finding.message,
          openedAt: new Date(episode.openedAt).toISOString(),
          ageDays: round1(ageOf(episode)),
        }),
      )
      // A total order: the same findings list the same way however (and in how many scans) they were saved.
      .sort(
        (a, b) =>
          b.ageDays - a.ageDays ||
          a.ruleId.localeCompare(b.ruleId) ||
          a.fingerprint.localeCompare(b.fingerprint),
      ),
  };
}
