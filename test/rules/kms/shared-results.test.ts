/**
 * At organisation scale every object a finding keeps costs memory and garbage-collection time, so
 * the key rules share what findings say alike: keys whose policies and settings say the same thing
 * get the same frozen evidence object. These tests hold them to it, and show the sharing never
 * crosses what differs (a key's label, the groups that use it, an evaluation's config).
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/schema.js';
import { evaluate } from '../../../src/engine/evaluate.js';
import type { Finding } from '../../../src/model/finding.js';
import type { Inventory, PolicyStatement } from '../../../src/model/inventory.js';
import type { Rule } from '../../../src/rules/define-rule.js';
import leastPrivilege from '../../../src/rules/kms/kms-key-policy-least-privilege.js';
import noPublicAccess from '../../../src/rules/kms/kms-key-policy-no-public-access.js';
import rotation from '../../../src/rules/kms/kms-key-rotation-enabled.js';
import separation from '../../../src/rules/kms/kms-key-separation-of-duties.js';
import {
  cluster,
  goodPolicy,
  group,
  inventory,
  key,
  keyArn,
  policyOf,
  roleArn,
  rootVolume,
} from '../../helpers/inventory.js';

const ANALYST = roleArn('analytics-reader');
const policy = () =>
  policyOf(...(goodPolicy().Statement as PolicyStatement[]), {
    Effect: 'Allow',
    Principal: { AWS: ANALYST },
    Action: ['kms:Decrypt', 'kms:PutKeyPolicy'],
    Resource: '*',
  } as PolicyStatement);

/** Keys with equal but separate policies: the execution role uses k1 and k2, the analyst k3, no one k4. */
const estate = (): Inventory =>
  inventory({
    keys: ['k1', 'k2', 'k3', 'k4'].map((id) => key(id, { policy: policy() })),
    clusters: [
      cluster('c1', [
        group('workers', { volumes: [rootVolume(keyArn('k1'))] }),
        group('trainers', { volumes: [rootVolume(keyArn('k2'))] }),
        group('readers', { executionRole: ANALYST, volumes: [rootVolume(keyArn('k3'))] }),
      ]),
    ],
  });

const findingsOf = (rule: Rule, inv: Inventory, config = {}): Finding[] =>
  evaluate(inv, { rules: [rule], config: resolveConfig(config), now: new Date('2026-11-27T00:00:00Z') })
    .findings;

describe('key rules share the evidence of findings that say the same thing', () => {
  it('kms-key-policy-least-privilege: one frozen evidence per distinct set of violations', () => {
    const [k1, k2, k3, k4] = findingsOf(leastPrivilege, estate());
    expect([k1, k2, k3, k4].map((f) => f!.status)).toEqual(['FAIL', 'FAIL', 'FAIL', 'FAIL']);
    expect(k1!.evidence).toBe(k2!.evidence);
    expect(Object.isFrozen(k1!.evidence)).toBe(true);
    expect(k1!.evidence).toEqual({
      violations: [{ principal: ANALYST, problem: 'not-a-consumer', actions: ['kms:Decrypt'] }],
    });
    // k3 is used by the analyst but not by the execution role, k4 by neither: they say something else.
    expect(k3!.evidence).toEqual({
      violations: [
        { principal: roleArn('hyperpod-exec'), problem: 'not-a-consumer', actions: ['kms:CreateGrant'] },
      ],
    });
    expect((k4!.evidence.violations as unknown[]).length).toBe(2);
    // Each message still names its own key.
    expect([k1, k2, k3, k4].map((f) => f!.message.split(' ')[3])).toEqual([
      'alias/k1',
      'alias/k2',
      'alias/k3',
      'alias/k4',
    ]);
  });

  it('kms-key-separation-of-duties: one frozen evidence per list of accesses', () => {
    const [k1, k2] = findingsOf(separation, estate());
    expect(k1!.messageId).toBe('mixed');
    expect(k1!.evidence).toBe(k2!.evidence);
    expect(Object.isFrozen(k1!.evidence)).toBe(true);
    expect(k1!.evidence).toEqual({
      principals: [{ principal: ANALYST, admin: ['kms:PutKeyPolicy'], usage: ['kms:Decrypt'] }],
    });
  });

  it('a later evaluation with another config judges afresh', () => {
    const inv = estate();
    expect(findingsOf(leastPrivilege, inv)[0]!.status).toBe('FAIL');
    const allowed = findingsOf(leastPrivilege, inv, { allowedKeyUsers: [ANALYST, roleArn('hyperpod-exec')] });
    expect(allowed.map((f) => [f.status, f.messageId])).toEqual([
      ['PASS', 'leastPrivilege'],
      ['PASS', 'leastPrivilege'],
      ['PASS', 'leastPrivilege'],
      ['PASS', 'leastPrivilege'],
    ]);
  });

  it('kms-key-rotation-enabled and kms-key-policy-no-public-access: keys alike share their evidence', () => {
    const [r1, r2] = findingsOf(rotation, estate());
    expect(r1!.evidence).toBe(r2!.evidence);
    expect(r1!.evidence).toEqual({ rotationEnabled: true, periodInDays: 365, assumedDefault: false });
    const [p1, p2] = findingsOf(noPublicAccess, estate());
    expect(p1!.evidence).toBe(p2!.evidence);
    expect(Object.isFrozen(p1!.evidence)).toBe(true);
  });
});
