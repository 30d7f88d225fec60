/**
 * A baseline file is sorted for readable diffs the same on every machine: by code units, not by
 * the machine's locale (`localeCompare` in en-US puts "ä" before "z" and "a" before "B"; in sv-SE
 * "ä" after "z"), so that one made on a laptop and one made in CI do not differ in order.
 */
import { describe, expect, it } from 'vitest';
import { createBaseline } from '../../src/model/baseline.js';
import type { Finding } from '../../src/model/finding.js';

const finding = (ruleId: string, id: string, fingerprint: string): Finding => ({
  ruleId,
  status: 'FAIL',
  severity: 'high',
  messageId: 'm',
  message: 'm',
  remediation: 'r',
  fingerprint,
  resource: { type: 'kms-key', id },
  evidence: {},
  suppressed: null,
});

describe('createBaseline', () => {
  it('sorts by rule, resource and fingerprint in code-unit order, never the locale', () => {
    const baseline = createBaseline(
      [
        finding('rule-b', 'z', '4'),
        finding('rule-a', 'ä', '1'),
        finding('rule-a', 'B', '2'),
        finding('rule-a', 'a', '3'),
        finding('rule-a', 'z', '6'),
        finding('rule-a', 'z', '5'),
      ],
      { createdAt: '2026-12-07T00:00:00.000Z', toolVersion: '0.1.0' },
    );
    expect(baseline.findings.map((f) => [f.ruleId, f.resource, f.fingerprint])).toEqual([
      ['rule-a', 'B', '2'],
      ['rule-a', 'a', '3'],
      ['rule-a', 'z', '5'],
      ['rule-a', 'z', '6'],
      ['rule-a', 'ä', '1'],
      ['rule-b', 'z', '4'],
    ]);
  });
});
