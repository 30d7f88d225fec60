import { afterEach, describe, expect, it } from 'vitest';
import { type Config, resolveConfig } from '../../src/config/schema.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { Finding } from '../../src/model/finding.js';
import { compliantEstate, keyArn, NOW } from '../helpers/inventory.js';
import { fail, notApplicable, pass, stubRule, unknown } from './stub-rules.js';

const K1 = { type: 'kms-key' as const, id: keyArn('k1') };
const K2 = { type: 'kms-key' as const, id: keyArn('k2', '444455556666') };
const rules = [
  stubRule('kms-key-stub-one', [fail(K1), fail(K2), pass({ ...K1, id: keyArn('k3') })]),
  stubRule('kms-key-stub-two', [unknown(K1), notApplicable({ ...K1, id: keyArn('k4') })]),
  stubRule('account-stub', [fail({ type: 'account', id: '111122223333' })]),
];
const run = (config: Config, now = NOW) =>
  evaluate(compliantEstate(), { rules, config: resolveConfig(config), now: new Date(now) });
const find = (findings: Finding[], ruleId: string, resource: string) => {
  const found = findings.find((f) => f.ruleId === ruleId && f.resource.id === resource);
  if (!found) throw new Error(`no finding for ${ruleId} on ${resource}`);
  return found;
};
const REASON = 'accepted until the key migration (SEC-7)';

describe('suppressions', () => {
  it('marks matching findings by rule and resource globs, keeping them and their reason', () => {
    const { findings, summary } = run({
      suppressions: [
        { rule: 'kms-key-stub-*', resource: 'arn:aws:kms:*:111122223333:key/*', reason: REASON },
      ],
    });
    expect(find(findings, 'kms-key-stub-one', K1.id).suppressed).toEqual({ reason: REASON, expires: null });
    expect(find(findings, 'kms-key-stub-two', K1.id).suppressed).toEqual({ reason: REASON, expires: null });
    expect(find(findings, 'kms-key-stub-one', K2.id).suppressed, 'other account').toBeNull();
    expect(find(findings, 'account-stub', '111122223333').suppressed, 'other rule').toBeNull();
    expect(findings).toHaveLength(6);
    expect(summary.suppressed).toBe(2);
    expect(summary.fail).toBe(2);
    expect(summary.unknown).toBe(0);
  });

  it('never suppresses PASS or NOT_APPLICABLE', () => {
    const { findings } = run({ suppressions: [{ rule: '*', resource: '*', reason: REASON }] });
    expect(find(findings, 'kms-key-stub-one', keyArn('k3')).suppressed).toBeNull();
    expect(find(findings, 'kms-key-stub-two', keyArn('k4')).suppressed).toBeNull();
    expect(findings.filter((f) => f.suppressed)).toHaveLength(4);
  });

  it('matches the rule id exactly unless it has a wildcard', () => {
    const { findings } = run({ suppressions: [{ rule: 'kms-key-stub', resource: '*', reason: REASON }] });
    expect(findings.some((f) => f.suppressed)).toBe(false);
  });

  it('keeps a date-only expiry through that day (UTC), then reports it expired', () => {
    const config: Config = {
      suppressions: [{ rule: 'kms-key-stub-one', resource: K1.id, reason: REASON, expires: '2026-11-27' }],
    };
    const during = find(run(config, '2026-11-27T23:59:59.999Z').findings, 'kms-key-stub-one', K1.id);
    expect(during.suppressed).toEqual({ reason: REASON, expires: '2026-11-27' });
    expect(during.suppressionExpired).toBeUndefined();

    const after = run(config, '2026-11-28T00:00:00.000Z');
    const expired = find(after.findings, 'kms-key-stub-one', K1.id);
    expect(expired.suppressed).toBeNull();
    expect(expired.suppressionExpired).toEqual({ reason: REASON, expires: '2026-11-27' });
    expect(after.summary.expiredSuppressions).toBe(1);
    expect(after.summary.fail).toBe(3);
  });

  it('expires a full timestamp at that instant', () => {
    const config: Config = {
      suppressions: [
        { rule: 'kms-key-stub-one', resource: K1.id, reason: REASON, expires: '2026-11-27T12:00:00Z' },
      ],
    };
    expect(
      find(run(config, '2026-11-27T12:00:00.000Z').findings, 'kms-key-stub-one', K1.id).suppressed,
    ).not.toBeNull();
    const late = find(run(config, '2026-11-27T12:00:00.001Z').findings, 'kms-key-stub-one', K1.id);
    expect(late.suppressed).toBeNull();
    expect(late.suppressionExpired?.expires).toBe('2026-11-27T12:00:00Z');
  });

  it('honours a timestamp offset', () => {
    const config: Config = {
      suppressions: [
        { rule: 'kms-key-stub-one', resource: K1.id, reason: REASON, expires: '2026-11-27T14:00:00+02:00' },
      ],
    };
    expect(
      find(run(config, '2026-11-27T12:00:00.000Z').findings, 'kms-key-stub-one', K1.id).suppressed,
    ).not.toBeNull();
    expect(
      find(run(config, '2026-11-27T12:00:01.000Z').findings, 'kms-key-stub-one', K1.id).suppressed,
    ).toBeNull();
  });

  describe('in another time zone', () => {
    const tz = process.env.TZ;
    afterEach(() => {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    });

    it('reads a timestamp without an offset as UTC, whatever the machine zone', () => {
      process.env.TZ = 'America/Los_Angeles';
      const config: Config = {
        suppressions: [
          { rule: 'kms-key-stub-one', resource: K1.id, reason: REASON, expires: '2026-11-27T12:00:00' },
        ],
      };
      expect(
        find(run(config, '2026-11-27T11:59:59.000Z').findings, 'kms-key-stub-one', K1.id).suppressed,
      ).not.toBeNull();
      expect(
        find(run(config, '2026-11-27T12:00:01.000Z').findings, 'kms-key-stub-one', K1.id).suppressed,
      ).toBeNull();
    });
  });

  it('lets a renewed suppression apply after an expired one for the same finding', () => {
    const { findings, summary } = run({
      suppressions: [
        { rule: 'kms-key-stub-one', resource: K1.id, reason: 'first waiver', expires: '2026-01-31' },
        { rule: 'kms-key-stub-one', resource: K1.id, reason: 'renewed waiver', expires: '2027-01-31' },
      ],
    });
    const finding = find(findings, 'kms-key-stub-one', K1.id);
    expect(finding.suppressed).toEqual({ reason: 'renewed waiver', expires: '2027-01-31' });
    expect(finding.suppressionExpired).toBeUndefined();
    expect(summary.expiredSuppressions).toBe(0);
  });

  it('uses the first of several live suppressions', () => {
    const { findings } = run({
      suppressions: [
        { rule: '*', resource: K1.id, reason: 'first' },
        { rule: 'kms-key-stub-one', resource: K1.id, reason: 'second' },
      ],
    });
    expect(find(findings, 'kms-key-stub-one', K1.id).suppressed?.reason).toBe('first');
  });
});

describe('the summary', () => {
  it('counts open findings by status and failures by severity, suppressed, baselined and expired apart', () => {
    const config: Config = {
      rules: { 'account-stub': 'low' },
      suppressions: [
        { rule: 'kms-key-stub-one', resource: K1.id, reason: REASON },
        { rule: 'kms-key-stub-two', resource: '*', reason: REASON, expires: '2026-01-01' },
      ],
    };
    const baseline = new Set([find(run(config).findings, 'kms-key-stub-one', K2.id).fingerprint]);
    const { findings, summary } = evaluate(compliantEstate(), {
      rules,
      config: resolveConfig(config),
      now: new Date(NOW),
      baseline,
    });
    expect(findings.map((f) => [f.ruleId, f.status, f.severity, !!f.suppressed, !!f.baseline])).toEqual([
      ['kms-key-stub-one', 'FAIL', 'high', true, false],
      ['kms-key-stub-one', 'FAIL', 'high', false, true],
      ['kms-key-stub-one', 'PASS', 'high', false, false],
      ['kms-key-stub-two', 'UNKNOWN', 'high', false, false],
      ['kms-key-stub-two', 'NOT_APPLICABLE', 'high', false, false],
      ['account-stub', 'FAIL', 'low', false, false],
    ]);
    expect(summary).toMatchObject({
      pass: 1,
      fail: 1,
      notApplicable: 1,
      unknown: 1,
      suppressed: 1,
      baseline: 1,
      expiredSuppressions: 1,
      failBySeverity: { critical: 0, high: 0, medium: 0, low: 1 },
    });
  });
});
