import { describe, expect, it } from 'vitest';
import { exitCode } from '../../src/cli/common.js';
import { resolveConfig } from '../../src/config/schema.js';
import { type Evaluation, evaluate, exitCodeFor, fingerprint } from '../../src/engine/evaluate.js';
import { keySummaries } from '../../src/engine/report.js';
import type { Severity } from '../../src/model/finding.js';
import kmsKeyEnabled from '../../src/rules/kms/kms-key-enabled.js';
import { RULES } from '../../src/rules/registry.js';
import { compliantEstate, keyArn, NOW } from '../helpers/inventory.js';
import { fail, pass, stubRule, unknown } from './stub-rules.js';

const K1 = { type: 'kms-key' as const, id: keyArn('k1') };
const now = new Date(NOW);

describe('severity from config', () => {
  const rule = stubRule(
    'kms-key-stub-sev',
    [fail(K1), fail({ ...K1, id: keyArn('k2') }, 'critical')],
    'medium',
  );
  const severities = (rules: Record<string, unknown>) =>
    evaluate(compliantEstate(), {
      rules: [rule],
      config: resolveConfig({ rules: rules as never }),
      now,
    }).findings.map((f) => f.severity);

  it('uses the default, raised by a verdict that warrants more', () => {
    expect(severities({})).toEqual(['medium', 'critical']);
  });
  it('overrides every finding of the rule with a severity string', () => {
    expect(severities({ 'kms-key-stub-sev': 'low' })).toEqual(['low', 'low']);
  });
  it('overrides with a severity object', () => {
    expect(severities({ 'kms-key-stub-sev': { severity: 'high' } })).toEqual(['high', 'high']);
  });
  it('turns the rule off with "off" or enabled: false', () => {
    expect(severities({ 'kms-key-stub-sev': 'off' })).toEqual([]);
    expect(severities({ 'kms-key-stub-sev': { enabled: false } })).toEqual([]);
  });
  it('leaves other rules alone', () => {
    expect(severities({ 'kms-key-enabled': 'off', 'kms-key-other': 'low' })).toEqual(['medium', 'critical']);
  });
  it('turns a real rule off in a full evaluation', () => {
    const { findings } = evaluate(compliantEstate(), {
      config: resolveConfig({ rules: { 'kms-key-enabled': 'off' } }),
      now,
    });
    expect(findings.some((f) => f.ruleId === 'kms-key-enabled')).toBe(false);
    expect(findings.some((f) => f.ruleId === 'kms-key-not-pending-deletion')).toBe(true);
  });
});

describe('fingerprints', () => {
  it('are 32 hex digits, stable across scans and across inventory order', () => {
    const estate = compliantEstate();
    const first = evaluate(estate, { now }).findings;
    const reordered = {
      ...estate,
      keys: [...estate.keys].reverse(),
      clusters: [...estate.clusters].reverse(),
    };
    const second = evaluate(reordered, { now: new Date('2027-01-01T00:00:00Z') }).findings;
    const byRuleAndResource = (findings: typeof first) =>
      Object.fromEntries(findings.map((f) => [`${f.ruleId} ${f.resource.id}`, f.fingerprint]));
    expect(byRuleAndResource(second)).toEqual(byRuleAndResource(first));
    for (const f of first) {
      expect(f.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      expect(f.fingerprint).toBe(fingerprint(f.ruleId, f.resource.id));
    }
  });

  it('are distinct for every rule and resource pair', () => {
    const { findings } = evaluate(compliantEstate(), { now });
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(findings.length);
    expect(fingerprint('kms-key-enabled', K1.id)).not.toBe(fingerprint('kms-key-rotation-enabled', K1.id));
    expect(fingerprint('kms-key-enabled', K1.id)).not.toBe(fingerprint('kms-key-enabled', keyArn('k2')));
    // The separator keeps "a" + "bc" apart from "ab" + "c".
    expect(fingerprint('kms-key-a', 'bc')).not.toBe(fingerprint('kms-key-ab', 'c'));
  });

  it('do not depend on status, message or severity', () => {
    const failing = evaluate(compliantEstate(), { rules: [stubRule('kms-key-stub', [fail(K1)])], now });
    const passing = evaluate(compliantEstate(), {
      rules: [stubRule('kms-key-stub', [pass(K1)], 'low')],
      now,
    });
    expect(failing.findings[0]!.fingerprint).toBe(passing.findings[0]!.fingerprint);
  });
});

describe('a rule that throws', () => {
  const broken = stubRule('kms-key-broken', () => {
    throw new TypeError("Cannot read properties of undefined (reading 'keyState')");
  });

  it('becomes a visible UNKNOWN finding, and the other rules still run', () => {
    const { findings, summary } = evaluate(compliantEstate(), { rules: [broken, kmsKeyEnabled], now });
    const crash = findings.find((f) => f.ruleId === 'kms-key-broken');
    expect(crash).toMatchObject({
      status: 'UNKNOWN',
      messageId: 'ruleError',
      resource: { id: 'rule:kms-key-broken' },
    });
    expect(crash!.message).toContain("Cannot read properties of undefined (reading 'keyState')");
    expect(findings.find((f) => f.ruleId === 'kms-key-enabled')?.status).toBe('PASS');
    expect(summary.unknown).toBe(1);
  });

  it('leaves no cluster compliant, since the rule could not judge any of them', () => {
    const { compliance, summary } = evaluate(compliantEstate(), { rules: [broken, kmsKeyEnabled], now });
    expect(compliance.clusters.map((c) => [c.status, c.unknown])).toEqual([['unknown', ['kms-key-broken']]]);
    expect(compliance.instanceGroups.map((g) => g.status)).toEqual(['unknown']);
    expect(summary.compliantClusters).toBe(0);
  });

  it('a generator that throws halfway loses its partial verdicts but not the report', () => {
    const halfway = stubRule('kms-key-halfway', () => {
      function* verdicts() {
        yield pass(K1);
        throw new Error('boom');
      }
      return [...verdicts()];
    });
    const { findings } = evaluate(compliantEstate(), { rules: [halfway], now });
    expect(findings.map((f) => [f.status, f.messageId])).toEqual([['UNKNOWN', 'ruleError']]);
  });
});

describe('exitCodeFor', () => {
  const K2 = { ...K1, id: keyArn('k2') };
  const evaluation = (...rules: ReturnType<typeof stubRule>[]): Evaluation =>
    evaluate(compliantEstate(), { rules, now, config: resolveConfig({}) });
  const failing = (severity: Severity) => stubRule('kms-key-stub-fail', [fail(K1)], severity);
  const clean = evaluation(stubRule('kms-key-stub-pass', [pass(K1)]));

  it('is 0 when nothing failed and nothing is unknown', () => {
    expect(exitCodeFor(clean, 0, 'low')).toBe(0);
  });
  it('is 1 for a failure at or above --fail-on', () => {
    expect(exitCodeFor(evaluation(failing('low')), 0, 'low')).toBe(1);
    expect(exitCodeFor(evaluation(failing('high')), 0, 'medium')).toBe(1);
    expect(exitCodeFor(evaluation(failing('critical')), 0, 'critical')).toBe(1);
  });
  it('is 0 for a failure below --fail-on, or with --fail-on none', () => {
    expect(exitCodeFor(evaluation(failing('medium')), 0, 'high')).toBe(0);
    expect(exitCodeFor(evaluation(failing('critical')), 0, 'none')).toBe(0);
  });
  it('is 3 when the scan is incomplete: UNKNOWN findings or gaps', () => {
    expect(exitCodeFor(evaluation(stubRule('kms-key-stub-unknown', [unknown(K1)])), 0, 'low')).toBe(3);
    expect(exitCodeFor(clean, 2, 'low')).toBe(3);
    expect(
      exitCodeFor(evaluation(failing('low'), stubRule('kms-key-stub-unknown', [unknown(K2)])), 0, 'high'),
    ).toBe(3);
  });
  it('is 0 with --fail-on none (report-only), whatever failed, is unknown or was not collected', () => {
    expect(exitCodeFor(evaluation(stubRule('kms-key-stub-unknown', [unknown(K1)])), 0, 'none')).toBe(0);
    expect(exitCodeFor(evaluation(failing('critical')), 5, 'none', 'fail')).toBe(0);
  });
  it('with --unknown warn, UNKNOWN findings do not make it 3, but gaps still do', () => {
    const unknownOnly = evaluation(stubRule('kms-key-stub-unknown', [unknown(K1)]));
    expect(exitCodeFor(unknownOnly, 0, 'low', 'warn')).toBe(0);
    expect(exitCodeFor(unknownOnly, 0, 'low', 'fail')).toBe(3);
    expect(exitCodeFor(unknownOnly, 1, 'low', 'warn')).toBe(3);
    expect(
      exitCodeFor(
        evaluation(failing('low'), stubRule('kms-key-stub-unknown', [unknown(K2)])),
        0,
        'low',
        'warn',
      ),
    ).toBe(1);
  });
  it('a gap the user asked for (--no-cloudtrail) is no failure to read: only --unknown decides', () => {
    const unknownOnly = evaluation(stubRule('kms-key-stub-unknown', [unknown(K1)]));
    const gap = (code: string) => ({
      code,
      service: 'cloudtrail',
      operation: 'LookupEvents',
      account: '111122223333',
      region: 'us-east-1',
      message: 'CloudTrail lookups were skipped (--no-cloudtrail)',
    });
    const options = { failOn: 'low' as const, unknown: 'warn' as const };
    expect(exitCode(clean, [gap('skipped')], options)).toBe(0);
    expect(exitCode(unknownOnly, [gap('skipped')], options)).toBe(0);
    expect(exitCode(unknownOnly, [gap('skipped')], { ...options, unknown: 'fail' })).toBe(3);
    expect(exitCode(clean, [gap('skipped'), gap('aws.access_denied')], options)).toBe(3);
  });
  it('ignores findings in the baseline, and counts them apart', () => {
    const rules = [failing('high'), stubRule('kms-key-stub-unknown', [unknown(K2)])];
    const all = evaluate(compliantEstate(), { rules, now, config: resolveConfig({}) });
    const baseline = new Set(all.findings.filter((f) => f.status !== 'PASS').map((f) => f.fingerprint));
    expect(baseline.size).toBe(2);
    const withBaseline = evaluate(compliantEstate(), { rules, now, config: resolveConfig({}), baseline });
    expect(withBaseline.findings.map((f) => [f.ruleId, f.status, f.baseline])).toEqual([
      ['kms-key-stub-fail', 'FAIL', true],
      ['kms-key-stub-unknown', 'UNKNOWN', true],
    ]);
    expect([withBaseline.summary.fail, withBaseline.summary.unknown, withBaseline.summary.baseline]).toEqual([
      0, 0, 2,
    ]);
    expect(exitCodeFor(all, 0, 'low')).toBe(1);
    expect(exitCodeFor(withBaseline, 0, 'low')).toBe(0);
    // Compliance is not changed by a baseline: what fails still fails.
    expect(withBaseline.compliance.clusters.map((c) => c.status)).toEqual(
      all.compliance.clusters.map((c) => c.status),
    );
  });
  it('prefers 1 over 3 when both apply', () => {
    expect(
      exitCodeFor(evaluation(failing('high'), stubRule('kms-key-stub-unknown', [unknown(K2)])), 4, 'low'),
    ).toBe(1);
  });
  it('ignores suppressed failures and unknowns', () => {
    const suppressed = evaluate(compliantEstate(), {
      rules: [failing('critical'), stubRule('kms-key-stub-unknown', [unknown(K2)])],
      now,
      config: resolveConfig({ suppressions: [{ rule: '*', resource: '*', reason: 'accepted' }] }),
    });
    expect(exitCodeFor(suppressed, 0, 'low')).toBe(0);
  });
  it('counts an expired suppression as no suppression', () => {
    const expired = evaluate(compliantEstate(), {
      rules: [failing('high')],
      now,
      config: resolveConfig({
        suppressions: [{ rule: '*', resource: '*', reason: 'old', expires: '2026-01-01' }],
      }),
    });
    expect(exitCodeFor(expired, 0, 'low')).toBe(1);
  });
  it('follows severity overrides from config', () => {
    const lowered = evaluate(compliantEstate(), {
      rules: [failing('critical')],
      now,
      config: resolveConfig({ rules: { 'kms-key-stub-fail': 'low' } }),
    });
    expect(exitCodeFor(lowered, 0, 'medium')).toBe(0);
    expect(exitCodeFor(lowered, 0, 'low')).toBe(1);
  });
});

describe('the full catalog on the healthy baseline', () => {
  it('runs every rule without an error finding', () => {
    const { findings } = evaluate(compliantEstate(), { now });
    expect(findings.filter((f) => f.messageId === 'ruleError')).toEqual([]);
    expect(RULES.length).toBe(24);
  });
});

describe('keySummaries', () => {
  it('lists as using a key only the volumes HyperPod puts under it: none of a restricted group or of a cluster outside Continuous mode', () => {
    const estate = compliantEstate();
    const [c1] = estate.clusters;
    const k1 = keyArn('k1');
    const summaries = keySummaries({
      ...estate,
      clusters: [
        {
          ...c1!,
          instanceGroups: [
            ...c1!.instanceGroups,
            {
              ...c1!.instanceGroups[0]!,
              id: `${c1!.arn}/instance-group/nova`,
              name: 'nova',
              kind: 'restricted',
            },
          ],
        },
        { ...c1!, id: 'legacy', name: 'legacy', nodeProvisioningMode: null },
      ],
    });
    expect(summaries.map((key) => [key.arn, key.usedBy])).toEqual([
      [
        k1,
        [
          { cluster: c1!.id, clusterName: 'c1', instanceGroup: 'workers', volume: 'root' },
          { cluster: c1!.id, clusterName: 'c1', instanceGroup: 'workers', volume: 'secondary' },
        ],
      ],
    ]);
  });
});
