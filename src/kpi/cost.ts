/**
 * KMS cost for showback, from the pricing model in DESIGN.md (shared/aws-facts.md §7). Pure.
 *
 * - Storage: $1 per customer managed key-month, prorated hourly (730 hours a month); the first and
 *   second rotation each add $1/month, capped there ($3/month at most). AWS managed and AWS owned
 *   keys, and keys pending deletion, cost nothing for storage. A key is billed from its creation
 *   date (or first sighting) until the window ends, or until the last scan that saw it when a
 *   later scan of its account and region no longer did. A deletion that was cancelled (the key
 *   seen pending deletion, then not) is billed as though never scheduled (the pricing page).
 * - Requests: $0.03 per 10,000 after 20,000 free per month, the free tier counted per account
 *   across all Regions. Only HyperPod keys' requests are known, so the free tier is shared among
 *   them in proportion to their requests: an upper bound when other keys use part of it. Months
 *   of the key's `usage` that overlap the window count whole.
 */

import type { KeyState, KeyTimeline } from '../history/types.js';
import { parseIsoTime } from '../model/dates.js';
import { minOf } from '../model/many.js';
import { KMS_PRICING, monthlyStorageUsd, requestCostUsd } from '../pricing/kms.js';
import { type Dimension, groupBy, type KpiWindow, round2 } from './window.js';

const HOUR_MS = 3_600_000;

export interface KeyCost {
  arn: string;
  alias?: string;
  account: string;
  region: string;
  project?: string;
  owner?: string;
  /** Customer managed, not pending deletion, at the window's end. */
  billable: boolean;
  keyMonths: number;
  storageUsd: number;
  requests: number;
  requestUsd: number;
  totalUsd: number;
  /** What the key costs per month at its latest state and latest month of requests. */
  monthlyRunRateUsd: number;
}

export interface CostGroup {
  group: string;
  keys: number;
  totalUsd: number;
  monthlyRunRateUsd: number;
}

export interface CostKpi {
  currency: 'USD';
  basis: 'estimate';
  window: { since: string; until: string };
  /** The calendar months of request counts included. */
  requestMonths: string[];
  totalUsd: number;
  monthlyRunRateUsd: number;
  keys: KeyCost[];
  byProject: CostGroup[];
  byOwner: CostGroup[];
  byGroup?: { by: Dimension; groups: CostGroup[] };
}

const PENDING = new Set(['PendingDeletion', 'PendingReplicaDeletion']);
const isPending = (state: KeyState): boolean => state.keyState !== undefined && PENDING.has(state.keyState);
export const isBillable = (state: KeyState): boolean => state.keyManager !== 'AWS' && !isPending(state);

export const monthlyStorageRate = (state: KeyState): number =>
  isBillable(state) ? monthlyStorageUsd(state.rotationCount ?? 0) : 0;

/**
 * A key's states in time order, each from the scan that first saw it to the next state's: history
 * keeps each distinct state once with its first and last sighting, so a state that comes back
 * (enabled, scheduled for deletion, enabled again) is seen at both ends and the other between.
 */
export function keyRuns(key: KeyTimeline): { state: KeyState; from: number; lastSeen: number }[] {
  const sightings = key.spans
    .flatMap((span) =>
      span.lastAt > span.firstAt
        ? [
            { at: span.firstAt, state: span.state },
            { at: span.lastAt, state: span.state },
          ]
        : [{ at: span.firstAt, state: span.state }],
    )
    .sort((a, b) => a.at - b.at);
  const runs: { state: KeyState; from: number; lastSeen: number }[] = [];
  for (const { at, state } of sightings) {
    const last = runs[runs.length - 1];
    if (last && last.state === state) last.lastSeen = at;
    else runs.push({ state, from: at, lastSeen: at });
  }
  return runs;
}

/** A key's state as the newest scan that saw it saw it. */
export const latestKeyState = (key: KeyTimeline): KeyState => keyRuns(key).at(-1)!.state;

const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

/** The months (YYYY-MM) that overlap [since, until]. */
function monthsBetween(since: number, until: number): string[] {
  const months: string[] = [];
  const d = new Date(since);
  d.setUTCDate(1);
  d.setUTCHours(0, 0, 0, 0);
  while (d.getTime() <= until) {
    months.push(monthOf(d.getTime()));
    d.setUTCMonth(d.getUTCMonth() + 1);
  }
  return months;
}

/** Request cost of one account-month, shared among keys in proportion to their requests. */
function requestShares(requests: Map<string, number>): Map<string, number> {
  const total = [...requests.values()].reduce((a, b) => a + b, 0);
  const cost = requestCostUsd(total);
  return new Map([...requests.entries()].map(([arn, n]) => [arn, total === 0 ? 0 : (cost * n) / total]));
}

export function costKpi(keys: readonly KeyTimeline[], window: KpiWindow, by?: Dimension): CostKpi {
  const firstScan = minOf(keys.flatMap((k) => k.spans.map((s) => s.firstAt)));
  const since = Number.isFinite(window.since)
    ? window.since
    : Number.isFinite(firstScan)
      ? firstScan
      : window.until;
  const months = monthsBetween(since, window.until);
  const monthSet = new Set(months);

  // Requests per key and month: the newest state that reports the month wins.
  const usage = new Map<string, Map<string, number>>();
  const latestMonth = new Map<string, number>();
  for (const key of keys) {
    const perMonth = new Map<string, number>();
    for (const span of [...key.spans].sort((a, b) => a.lastAt - b.lastAt))
      for (const u of span.state.usage ?? []) perMonth.set(u.month, u.requests);
    usage.set(key.arn, perMonth);
    const newest = [...perMonth.keys()].sort().pop();
    if (newest) latestMonth.set(key.arn, perMonth.get(newest)!);
  }
  const requestUsd = new Map<string, number>();
  const runRateRequests = new Map<string, number>();
  for (const [, accountKeys] of groupBy(keys, (k) => [k.account])) {
    for (const month of months) {
      const requests = new Map(accountKeys.map((k) => [k.arn, usage.get(k.arn)?.get(month) ?? 0]));
      for (const [arn, usd] of requestShares(requests)) requestUsd.set(arn, (requestUsd.get(arn) ?? 0) + usd);
    }
    const latest = new Map(accountKeys.map((k) => [k.arn, latestMonth.get(k.arn) ?? 0]));
    for (const [arn, usd] of requestShares(latest)) runRateRequests.set(arn, usd);
  }

  const raw = new Map<string, { total: number; runRate: number }>();
  const costs: KeyCost[] = keys.map((key) => {
    const runs = keyRuns(key);
    const latest = runs[runs.length - 1]!.state;
    let hours = 0;
    let storage = 0;
    runs.forEach((run, i) => {
      const created = parseIsoTime(run.state.creationDate ?? '') ?? Number.NaN;
      const start = i === 0 && !Number.isNaN(created) ? Math.min(created, run.from) : run.from;
      const next = runs[i + 1];
      const end = next ? next.from : key.current ? window.until : run.lastSeen;
      const from = Math.max(start, since);
      const to = Math.min(end, window.until);
      // A deletion cancelled (the key seen not pending after) is billed "as though it was never
      // scheduled for deletion" (https://aws.amazon.com/kms/pricing/).
      const cancelled = isPending(run.state) && runs.slice(i + 1).some((later) => !isPending(later.state));
      const rate = cancelled
        ? monthlyStorageRate({ ...run.state, keyState: 'Enabled' })
        : monthlyStorageRate(run.state);
      if (to <= from || rate === 0) return;
      const h = (to - from) / HOUR_MS;
      hours += h;
      storage += (h / KMS_PRICING.hoursPerMonth) * rate;
    });
    const requests = [...(usage.get(key.arn) ?? new Map<string, number>()).entries()]
      .filter(([month]) => monthSet.has(month))
      .reduce((sum, [, n]) => sum + n, 0);
    const reqUsd = requestUsd.get(key.arn) ?? 0;
    const billableNow = key.current && isBillable(latest);
    const runRate = key.current ? monthlyStorageRate(latest) + (runRateRequests.get(key.arn) ?? 0) : 0;
    raw.set(key.arn, { total: storage + reqUsd, runRate });
    return {
      arn: key.arn,
      ...(latest.aliases[0] ? { alias: latest.aliases[0] } : {}),
      account: key.account,
      region: key.region,
      ...(latest.tags?.project ? { project: latest.tags.project } : {}),
      ...(latest.tags?.owner ? { owner: latest.tags.owner } : {}),
      billable: billableNow,
      keyMonths: round2(hours / KMS_PRICING.hoursPerMonth),
      storageUsd: round2(storage),
      requests,
      requestUsd: round2(reqUsd),
      totalUsd: round2(storage + reqUsd),
      monthlyRunRateUsd: key.current
        ? round2(monthlyStorageRate(latest) + (runRateRequests.get(key.arn) ?? 0))
        : 0,
    };
  });
  costs.sort((a, b) => b.totalUsd - a.totalUsd || a.arn.localeCompare(b.arn));

  const summarize = (groups: Map<string, KeyCost[]>): CostGroup[] =>
    [...groups.entries()]
      .map(([group, list]) => ({
        group,
        keys: list.length,
        totalUsd: round2(list.reduce((s, k) => s + raw.get(k.arn)!.total, 0)),
        monthlyRunRateUsd: round2(list.reduce((s, k) => s + raw.get(k.arn)!.runRate, 0)),
      }))
      .sort((a, b) => b.totalUsd - a.totalUsd || a.group.localeCompare(b.group));

  const result: CostKpi = {
    currency: 'USD',
    basis: 'estimate',
    window: { since: new Date(since).toISOString(), until: new Date(window.until).toISOString() },
    requestMonths: months,
    totalUsd: round2(costs.reduce((s, k) => s + raw.get(k.arn)!.total, 0)),
    monthlyRunRateUsd: round2(costs.reduce((s, k) => s + raw.get(k.arn)!.runRate, 0)),
    keys: costs,
    byProject: summarize(groupBy(costs, (k) => (k.project ? [k.project] : []), '(untagged)')),
    byOwner: summarize(groupBy(costs, (k) => (k.owner ? [k.owner] : []), '(untagged)')),
  };
  if (by === 'account' || by === 'region') {
    result.byGroup = {
      by,
      groups: summarize(groupBy(costs, (k) => [by === 'account' ? k.account : k.region])),
    };
  }
  return result;
}

/** Actual KMS spend from Cost Explorer (`kpi --cost-explorer`), beside the model's estimate. */
export type CostGrouping = { type: 'TAG'; key: string } | { type: 'DIMENSION'; key: 'LINKED_ACCOUNT' };

export interface ActualCostGroup {
  group: string;
  totalUsd: number;
  months: Record<string, number>;
}

export interface ActualCost {
  groupedBy: string;
  /** Months (YYYY-MM) the figures cover; `estimated` when AWS marks them as not final. */
  months: { month: string; totalUsd: number; estimated: boolean }[];
  totalUsd: number;
  groups: ActualCostGroup[];
}
