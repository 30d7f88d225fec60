/**
 * KPI windows as a reader of the command line means them: `--since 1m` is one calendar month back
 * (the same day of the previous month, or its last day when it has no such day), never a month and
 * a few days; dates and times with an offset are instants, whatever daylight saving does locally.
 */
import { describe, expect, it } from 'vitest';
import { parseSince } from '../../src/kpi/window.js';

const since = (value: string, now: string): string => {
  const parsed = parseSince(value, new Date(now));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return new Date(parsed.value).toISOString();
};

describe('--since', () => {
  it.each([
    // The day exists in the previous month: the same day and time.
    ['1m', '2026-03-15T12:00:00.000Z', '2026-02-15T12:00:00.000Z'],
    // 31 March: February has no 31st, so its last day (it read 3 March, a window of 28 days).
    ['1m', '2026-03-31T12:00:00.000Z', '2026-02-28T12:00:00.000Z'],
    ['1m', '2028-03-31T12:00:00.000Z', '2028-02-29T12:00:00.000Z'],
    ['1m', '2026-05-31T00:00:00.000Z', '2026-04-30T00:00:00.000Z'],
    ['3m', '2026-05-31T08:30:00.000Z', '2026-02-28T08:30:00.000Z'],
    ['6m', '2026-08-31T00:00:00.000Z', '2026-02-28T00:00:00.000Z'],
    // Across a year boundary.
    ['2m', '2026-01-31T00:00:00.000Z', '2025-11-30T00:00:00.000Z'],
    ['12m', '2026-03-31T00:00:00.000Z', '2025-03-31T00:00:00.000Z'],
    // 29 February: a year back has no 29 February (it read 1 March).
    ['1y', '2028-02-29T06:00:00.000Z', '2027-02-28T06:00:00.000Z'],
    ['4y', '2028-02-29T06:00:00.000Z', '2024-02-29T06:00:00.000Z'],
  ])('%s before %s is %s', (value, now, expected) => {
    expect(since(value, now)).toBe(expected);
  });

  it('counts days and weeks in 24-hour days, whatever a local clock does at daylight saving', () => {
    // US daylight saving started on 2026-03-08: 30 days are still 720 hours.
    expect(since('30d', '2026-03-20T07:00:00.000Z')).toBe('2026-02-18T07:00:00.000Z');
    expect(since('2w', '2026-11-08T12:00:00.000Z')).toBe('2026-10-25T12:00:00.000Z');
  });

  it('reads a date as UTC midnight and a time with an offset as that instant', () => {
    expect(since('2026-03-08', '2026-04-01T00:00:00Z')).toBe('2026-03-08T00:00:00.000Z');
    // Midnight in Los Angeles before and after the change of clocks.
    expect(since('2026-03-08T00:00:00-08:00', '2026-04-01T00:00:00Z')).toBe('2026-03-08T08:00:00.000Z');
    expect(since('2026-03-09T00:00:00-07:00', '2026-04-01T00:00:00Z')).toBe('2026-03-09T07:00:00.000Z');
    expect(since('2026-03-09T05:30:00+05:30', '2026-04-01T00:00:00Z')).toBe('2026-03-09T00:00:00.000Z');
  });
});
