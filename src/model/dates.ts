/**
 * Strict ISO-8601 times. `Date.parse` rolls impossible dates over (2026-02-30 becomes March 2) and
 * accepts many other spellings; a clock, an expiry or an event time that is not a real calendar
 * time must be refused instead, naming the input. Pure.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Epoch ms of an ISO-8601 date or date-time (a time without an offset is UTC), or undefined when the
 * text is not one or names a day or time that does not exist (2026-02-30, 2026-13-01, 24:30).
 */
export function parseIsoTime(value: string): number | undefined {
  const m = ISO.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, , zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59)) return undefined;
  if (zone && zone.toUpperCase() !== 'Z') {
    const [zh, zm] = [Number(zone.slice(1, 3)), Number(zone.slice(-2))];
    if (zh > 23 || zm > 59) return undefined;
  }
  const text = value.trim();
  const ms = Date.parse(h === undefined ? `${text.slice(0, 10)}T00:00:00Z` : zone ? text : `${text}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

export const isIsoTime = (value: string): boolean => parseIsoTime(value) !== undefined;

export const DAY_MS = 86_400_000;

/**
 * How far `target` is from `now`, in words that never lie about the past: "in 12 days", "today",
 * "3 days ago". Whole days, rounded away from now for the future (a deletion in 2.5 days is "in 3
 * days") and towards now for the past.
 */
export function daysFrom(target: number, now: number): { days: number; past: boolean } {
  const diff = target - now;
  if (diff >= 0) return { days: Math.ceil(diff / DAY_MS), past: false };
  return { days: Math.floor(-diff / DAY_MS), past: true };
}
