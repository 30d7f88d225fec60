/**
 * Unauthorized access attempts: CloudTrail calls on HyperPod keys denied with AccessDenied(Exception),
 * per key and per principal, and over time (per day, or per week beyond 60 days). Events from the
 * scans' inventories and from exported log files are merged by event id; only calls on the keys
 * history knows count (when it knows any). Pure.
 */

import { keyResolver } from '../history/record.js';
import type { AccessDeniedEvent, KeyTimeline } from '../history/types.js';
import { maxOf } from '../model/many.js';
import { latestKeyState } from './cost.js';
import { DAY_MS, type Dimension, groupBy, type KpiWindow } from './window.js';

export interface AttemptCount {
  name: string;
  attempts: number;
  /** Keys (for a principal) or principals (for a key) involved. */
  counterparts: string[];
  lastAt: string;
}

export interface AttemptsKpi {
  total: number;
  byKey: AttemptCount[];
  byPrincipal: AttemptCount[];
  /** When `--by` is account, region or project. */
  byGroup?: { by: Dimension; groups: { group: string; attempts: number }[] };
  /** Attempts per period: `period` is "day" or "week" (weeks start on Monday, UTC). */
  period: 'day' | 'week';
  series: { start: string; attempts: number }[];
}

export function mergeEvents(...sources: readonly AccessDeniedEvent[][]): AccessDeniedEvent[] {
  const byId = new Map<string, AccessDeniedEvent>();
  for (const source of sources)
    for (const event of source) if (!byId.has(event.eventId)) byId.set(event.eventId, event);
  return [...byId.values()].sort((a, b) => a.at - b.at);
}

function counts(
  events: readonly AccessDeniedEvent[],
  nameOf: (e: AccessDeniedEvent) => string,
  other: (e: AccessDeniedEvent) => string,
): AttemptCount[] {
  return [...groupBy(events, (e) => [nameOf(e)]).entries()]
    .map(([name, list]) => ({
      name,
      attempts: list.length,
      counterparts: [...new Set(list.map(other))].sort(),
      lastAt: new Date(maxOf(list.map((e) => e.at))).toISOString(),
    }))
    .sort((a, b) => b.attempts - a.attempts || a.name.localeCompare(b.name));
}

const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
/** 1970-01-01 was a Thursday: Monday-based weeks are offset by 3 days. */
const startOfWeek = (ms: number) => Math.floor((ms + 3 * DAY_MS) / (7 * DAY_MS)) * 7 * DAY_MS - 3 * DAY_MS;

/**
 * The calls on the keys history knows, each key reference (an alias or key id an event gave, which
 * the scan that recorded it could not resolve) resolved against their aliases: CloudTrail lookups
 * by event name return the calls on every key of the account, not only HyperPod keys. A key no
 * longer seen by any scan is still known. When history knows no key, every call counts.
 */
export function onKnownKeys(
  events: readonly AccessDeniedEvent[],
  keys: readonly KeyTimeline[],
): AccessDeniedEvent[] {
  if (keys.length === 0) return [...events];
  const resolve = keyResolver(
    keys.map((k) => ({
      arn: k.arn,
      aliases: latestKeyState(k).aliases,
      account: k.account,
      region: k.region,
    })),
  );
  const known = new Set(keys.map((k) => k.arn));
  const kept: AccessDeniedEvent[] = [];
  for (const event of events) {
    const key = known.has(event.key) ? event.key : resolve(event.key, event.account, event.region);
    if (known.has(key)) kept.push(key === event.key ? event : { ...event, key });
  }
  return kept;
}

export function attemptsKpi(
  events: readonly AccessDeniedEvent[],
  window: KpiWindow,
  options: { by?: Dimension; keys?: readonly KeyTimeline[] } = {},
): AttemptsKpi {
  const inWindow = onKnownKeys(
    events.filter((e) => e.at >= window.since && e.at <= window.until),
    options.keys ?? [],
  );
  const period = window.until - window.since > 60 * DAY_MS ? 'week' : 'day';
  const bucket = period === 'day' ? startOfDay : startOfWeek;
  const step = period === 'day' ? DAY_MS : 7 * DAY_MS;
  const perBucket = new Map<number, number>();
  for (const e of inWindow) perBucket.set(bucket(e.at), (perBucket.get(bucket(e.at)) ?? 0) + 1);
  const series: AttemptsKpi['series'] = [];
  if (Number.isFinite(window.since) && window.until - window.since <= 3 * 366 * DAY_MS) {
    for (let t = bucket(window.since); t <= window.until; t += step)
      series.push({ start: new Date(t).toISOString(), attempts: perBucket.get(t) ?? 0 });
  } else {
    for (const [t, n] of [...perBucket.entries()].sort(([a], [b]) => a - b))
      series.push({ start: new Date(t).toISOString(), attempts: n });
  }

  const result: AttemptsKpi = {
    total: inWindow.length,
    byKey: counts(
      inWindow,
      (e) => e.key,
      (e) => e.principal,
    ),
    byPrincipal: counts(
      inWindow,
      (e) => e.principal,
      (e) => e.key,
    ),
    period,
    series,
  };
  const by = options.by;
  if (by === 'account' || by === 'region' || by === 'project') {
    const projectOf = new Map<string, string>();
    for (const key of options.keys ?? []) {
      const project = latestKeyState(key).tags?.project;
      if (project) projectOf.set(key.arn, project);
    }
    const groups = groupBy(inWindow, (e) => {
      const value = by === 'account' ? e.account : by === 'region' ? e.region : projectOf.get(e.key);
      return value ? [value] : [];
    });
    result.byGroup = {
      by,
      groups: [...groups.entries()].map(([group, list]) => ({ group, attempts: list.length })),
    };
  }
  return result;
}
