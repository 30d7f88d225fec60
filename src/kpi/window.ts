/** KPI windows and breakdowns: `--since 30d|12w|6m|1y|ISO-8601` and `--by DIMENSION`. Pure. */
import { DAY_MS, parseIsoTime } from '../model/dates.js';
import type { InputError } from '../model/input-error.js';
import { err, ok, type Result } from '../model/result.js';

export const DIMENSIONS = ['account', 'region', 'project', 'severity', 'rule'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export { DAY_MS };

export interface KpiWindow {
  /** Epoch ms, inclusive. */
  since: number;
  /** Epoch ms, inclusive: the clock (`--now`). */
  until: number;
}

export const DEFAULT_SINCE = '90d';

/**
 * `months` calendar months before `now`, at the same time of day: the same day of that month, or
 * its last day when it has no such day (1 month before 31 March is 28 or 29 February, as a calendar
 * reads it; `setUTCMonth` would roll over to 3 March, a month of 28 days).
 */
function monthsBefore(now: Date, months: number): number {
  const total = now.getUTCFullYear() * 12 + now.getUTCMonth() - months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const date = new Date(now.getTime());
  date.setUTCFullYear(year, month, Math.min(now.getUTCDate(), lastDay));
  return date.getTime();
}

/** A relative duration (`30d`, `12w`, `6m`, `1y`; months are calendar months) or an ISO-8601 date. */
export function parseSince(value: string, now: Date): Result<number, InputError> {
  const relative = /^(\d+)\s*([dwmy])$/i.exec(value.trim());
  if (relative) {
    const n = Number(relative[1]);
    const unit = relative[2]!.toLowerCase();
    if (unit === 'd') return ok(now.getTime() - n * DAY_MS);
    if (unit === 'w') return ok(now.getTime() - n * 7 * DAY_MS);
    return ok(monthsBefore(now, unit === 'm' ? n : 12 * n));
  }
  const ms = parseIsoTime(value);
  if (ms !== undefined) {
    if (ms > now.getTime())
      return err({
        code: 'usage.since',
        input: '--since',
        message: `"${value}" is after the clock (${now.toISOString()})`,
        hint: 'pick a start before --now',
      });
    return ok(ms);
  }
  return err({
    code: 'usage.since',
    input: '--since',
    message: `"${value}" is neither a duration nor an ISO-8601 date on a real calendar day`,
    hint: 'e.g. --since 30d, --since 12w, --since 6m, --since 2026-01-01',
  });
}

export const round1 = (value: number): number => Math.round(value * 10) / 10;
export const round2 = (value: number): number => Math.round(value * 100) / 100;
/** A percentage, one decimal; null when there is nothing to measure (never a 100% of nothing). */
export const pct = (part: number, whole: number): number | null =>
  whole === 0 ? null : round1((part / whole) * 100);

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const mean = (values: readonly number[]): number =>
  values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;

/** Groups items by a key; items whose key list is empty fall in `fallback`. */
export function groupBy<T>(
  items: Iterable<T>,
  keysOf: (item: T) => readonly string[],
  fallback = '(none)',
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const keys = keysOf(item);
    for (const key of keys.length ? keys : [fallback]) {
      const list = groups.get(key);
      if (list) list.push(item);
      else groups.set(key, [item]);
    }
  }
  return new Map([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
