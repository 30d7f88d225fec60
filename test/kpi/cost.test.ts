import { describe, expect, it } from 'vitest';
import type { KeyState, KeyTimeline } from '../../src/history/types.js';
import { costKpi, monthlyStorageRate } from '../../src/kpi/cost.js';

const DAY = 86_400_000;
const t = (iso: string) => Date.parse(iso);

const state = (overrides: Partial<KeyState> = {}): KeyState => ({
  aliases: ['alias/k'],
  keyManager: 'CUSTOMER',
  keyState: 'Enabled',
  rotationCount: 0,
  tags: { project: 'llm', owner: 'ml' },
  usedBy: [],
  ...overrides,
});

const timeline = (
  arn: string,
  account: string,
  spans: KeyTimeline['spans'],
  current = true,
): KeyTimeline => ({
  arn,
  account,
  region: 'us-east-1',
  spans,
  current,
});

describe('KMS cost model', () => {
  it('prices storage per key-month with rotations capped at two, and nothing for AWS managed or pending-deletion keys', () => {
    expect(monthlyStorageRate(state({ rotationCount: 0 }))).toBe(1);
    expect(monthlyStorageRate(state({ rotationCount: 1 }))).toBe(2);
    expect(monthlyStorageRate(state({ rotationCount: 2 }))).toBe(3);
    expect(monthlyStorageRate(state({ rotationCount: 7 }))).toBe(3);
    expect(monthlyStorageRate(state({ keyManager: 'AWS' }))).toBe(0);
    expect(monthlyStorageRate(state({ keyState: 'PendingDeletion' }))).toBe(0);
    expect(monthlyStorageRate(state({ keyState: 'PendingReplicaDeletion' }))).toBe(0);
    expect(monthlyStorageRate(state({ keyState: 'Disabled' }))).toBe(1);
  });

  it('prorates by the hour over 730-hour months, from creation to the end of the window', () => {
    const until = t('2026-03-01T00:00:00Z');
    const since = until - 73 * DAY;
    const keys = [
      // Created 36.5 days (876 h = 1.2 key-months) before the window ends, rotated twice: $3/month.
      timeline('arn:k1', '111', [
        {
          state: state({ rotationCount: 2, creationDate: new Date(until - 36.5 * DAY).toISOString() }),
          firstAt: until - 10 * DAY,
          lastAt: until,
        },
      ]),
    ];
    const cost = costKpi(keys, { since, until });
    expect(cost.keys[0]).toMatchObject({
      keyMonths: 1.2,
      storageUsd: 3.6,
      monthlyRunRateUsd: 3,
      billable: true,
    });
  });

  it('stops billing when the key is scheduled for deletion or disappears', () => {
    const until = t('2026-03-01T00:00:00Z');
    const since = until - 73 * DAY;
    const created = new Date(since - 100 * DAY).toISOString();
    const pending = timeline('arn:pending', '111', [
      { state: state({ creationDate: created }), firstAt: since, lastAt: since + 36.5 * DAY - 1 },
      {
        state: state({ creationDate: created, keyState: 'PendingDeletion' }),
        firstAt: since + 36.5 * DAY,
        lastAt: until,
      },
    ]);
    // Seen for 18.25 days, then a scan of its account no longer saw it.
    const gone = timeline(
      'arn:gone',
      '111',
      [{ state: state(), firstAt: since, lastAt: since + 18.25 * DAY }],
      false,
    );
    const cost = costKpi([pending, gone], { since, until });
    expect(cost.keys.find((k) => k.arn === 'arn:pending')).toMatchObject({
      keyMonths: 1.2,
      storageUsd: 1.2,
      billable: false,
      monthlyRunRateUsd: 0,
    });
    expect(cost.keys.find((k) => k.arn === 'arn:gone')).toMatchObject({
      keyMonths: 0.6,
      storageUsd: 0.6,
      monthlyRunRateUsd: 0,
    });
  });

  it('charges requests beyond 20,000 free per account and month, shared in proportion', () => {
    const until = t('2026-02-28T00:00:00Z');
    const since = t('2026-02-01T00:00:00Z');
    const s = (requests: number, project: string) =>
      state({
        creationDate: '2025-01-01T00:00:00Z',
        usage: [
          { month: '2026-02', requests },
          { month: '2025-12', requests: 9_999_999 },
        ],
        tags: { project, owner: 'ml' },
      });
    const keys = [
      timeline('arn:a', '111', [{ state: s(60_000, 'llm'), firstAt: since, lastAt: until }]),
      timeline('arn:b', '111', [{ state: s(20_000, 'vision'), firstAt: since, lastAt: until }]),
      // Another account has its own free tier: 15,000 requests cost nothing.
      timeline('arn:c', '222', [{ state: s(15_000, 'vision'), firstAt: since, lastAt: until }]),
    ];
    const cost = costKpi(keys, { since, until });
    expect(cost.requestMonths).toEqual(['2026-02']);
    // Account 111: 80,000 requests, 60,000 billable = $0.18, split 3:1.
    expect(cost.keys.find((k) => k.arn === 'arn:a')).toMatchObject({ requests: 60_000, requestUsd: 0.14 });
    expect(cost.keys.find((k) => k.arn === 'arn:b')).toMatchObject({ requests: 20_000, requestUsd: 0.05 });
    expect(cost.keys.find((k) => k.arn === 'arn:c')).toMatchObject({ requests: 15_000, requestUsd: 0 });
    // 27 days of storage at $1/month each: 648 h / 730 = 0.89 key-months.
    expect(cost.keys.find((k) => k.arn === 'arn:c')!.storageUsd).toBe(0.89);
    expect(cost.byProject.map((g) => [g.group, g.keys])).toEqual([
      ['vision', 2],
      ['llm', 1],
    ]);
    expect(cost.byProject.find((g) => g.group === 'llm')!.totalUsd).toBe(1.02);
    expect(cost.monthlyRunRateUsd).toBe(3.18);
  });
});
