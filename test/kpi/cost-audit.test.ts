/**
 * KMS showback as a FinOps analyst checks it against the price list (https://aws.amazon.com/kms/pricing/,
 * shared/aws-facts.md §7): $1 per key-month prorated hourly (730 hours), nothing while scheduled for
 * deletion, "if you cancel the deletion during the waiting period, the customer managed KMS key will
 * incur charges as though it was never scheduled for deletion". History keeps each distinct state of
 * a key once, with its first and last sighting: a key that goes back to a state it had before must
 * still read as that state now, from the scan that saw it last. Worked out by hand, on the timelines
 * the stores and the in-memory builder make.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { historyFromRecords } from '../../src/history/memory.js';
import { scanRecord } from '../../src/history/record.js';
import type { KeyState, KeyTimeline } from '../../src/history/types.js';
import { attemptsKpi } from '../../src/kpi/attempts.js';
import { costKpi } from '../../src/kpi/cost.js';
import type { Inventory } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import { compliantEstate, key } from '../helpers/inventory.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-10-01T00:00:00.000Z');
const at = (day: number) => T0 + day * DAY;
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/k1';

const state = (overrides: Partial<KeyState> = {}): KeyState => ({
  aliases: ['alias/k1'],
  keyManager: 'CUSTOMER',
  keyState: 'Enabled',
  creationDate: new Date(at(0)).toISOString(),
  rotationCount: 0,
  tags: { project: 'llm', owner: 'ml' },
  usedBy: [],
  ...overrides,
});

/** A key's timeline as history keeps it: one span per distinct state, first and last sighting. */
const timeline = (spans: KeyTimeline['spans'], current = true): KeyTimeline => ({
  arn: ARN,
  account: '111122223333',
  region: 'us-east-1',
  spans,
  current,
});

const window = { since: at(0), until: at(30) };

describe('KMS cost: a key whose state comes back', () => {
  it('a deletion scheduled on day 10 and cancelled by day 20 is billed as though never scheduled', () => {
    // Scans on days 0, 10 and 20 saw Enabled, PendingDeletion, Enabled.
    const enabled = state();
    const key = timeline([
      { state: enabled, firstAt: at(0), lastAt: at(20) },
      { state: state({ keyState: 'PendingDeletion' }), firstAt: at(10), lastAt: at(10) },
    ]);
    const cost = costKpi([key], window).keys[0]!;
    // 30 days = 720 h = 0.99 key-months at $1. It read 10 days (0.33), not billable, $0 a month.
    expect(cost).toMatchObject({ billable: true, keyMonths: 0.99, storageUsd: 0.99, monthlyRunRateUsd: 1 });
  });

  it('a deletion not cancelled stops the bill from the scan that saw it scheduled', () => {
    const key = timeline([
      { state: state(), firstAt: at(0), lastAt: at(0) },
      { state: state({ keyState: 'PendingDeletion' }), firstAt: at(10), lastAt: at(20) },
    ]);
    // 10 days = 240 h = 0.33 key-months.
    expect(costKpi([key], window).keys[0]).toMatchObject({
      billable: false,
      keyMonths: 0.33,
      storageUsd: 0.33,
      monthlyRunRateUsd: 0,
    });
  });

  it('tags that change and change back are the latest ones in the showback', () => {
    // project llm on day 0, vision on day 10, llm again on day 20.
    const key = timeline([
      { state: state(), firstAt: at(0), lastAt: at(20) },
      { state: state({ tags: { project: 'vision', owner: 'cv' } }), firstAt: at(10), lastAt: at(10) },
    ]);
    const cost = costKpi([key], window);
    // It read vision and cv: the state first seen last, not the one seen last.
    expect(cost.keys[0]).toMatchObject({ project: 'llm', owner: 'ml', keyMonths: 0.99, storageUsd: 0.99 });
    expect(cost.byProject.map((g) => [g.group, g.totalUsd, g.monthlyRunRateUsd])).toEqual([['llm', 0.99, 1]]);
    const denied = attemptsKpi(
      [
        {
          eventId: 'e1',
          eventTime: new Date(at(25)).toISOString(),
          at: at(25),
          account: '111122223333',
          region: 'us-east-1',
          key: ARN,
          principal: 'arn:aws:iam::111122223333:role/x',
          eventName: 'Decrypt',
          errorCode: 'AccessDenied',
        },
      ],
      window,
      { by: 'project', keys: [key] },
    );
    expect(denied.byGroup).toEqual({ by: 'project', groups: [{ group: 'llm', attempts: 1 }] });
  });

  it('a rotation surcharge runs from the scan that saw the rotation, even when an older state recurs', () => {
    // Rotated once by day 10 ($2 a month), then a tag changed and changed back on days 15 and 20.
    const rotated = state({ rotationCount: 1 });
    const key = timeline([
      { state: state(), firstAt: at(0), lastAt: at(5) },
      { state: rotated, firstAt: at(10), lastAt: at(20) },
      { state: state({ rotationCount: 1, tags: { project: 'x' } }), firstAt: at(15), lastAt: at(15) },
    ]);
    // Days 0-10 at $1, 10-30 at $2 (the tag change costs the same): (240 + 2 * 480) / 730 = 1.64.
    expect(costKpi([key], window).keys[0]).toMatchObject({
      keyMonths: 0.99,
      storageUsd: 1.64,
      monthlyRunRateUsd: 2,
      project: 'llm',
    });
  });
});

describe('KMS cost through history: scheduled for deletion, then cancelled', () => {
  const config = resolveConfig({ keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'] });
  const scan = (day: number, keyState: string): ReturnType<typeof scanRecord> => {
    const base = compliantEstate();
    const k1 = key('k1', {
      metadata: {
        ...key('k1').metadata!,
        keyState,
        creationDate: new Date(at(0)).toISOString(),
        ...(keyState === 'PendingDeletion' ? { deletionDate: new Date(at(40)).toISOString() } : {}),
      },
    });
    const inv: Inventory = { ...base, keys: [k1], generatedAt: new Date(at(day)).toISOString() };
    return scanRecord(runPipeline(inv, { config, now: new Date(at(day)) }).report, inv);
  };

  it('bills the whole month and reads the key as billable now', () => {
    const history = historyFromRecords([
      scan(0, 'Enabled'),
      scan(10, 'PendingDeletion'),
      scan(20, 'Enabled'),
    ]);
    expect(costKpi(history.keys, window).keys[0]).toMatchObject({
      billable: true,
      keyMonths: 0.99,
      storageUsd: 0.99,
      monthlyRunRateUsd: 1,
    });
  });
});
