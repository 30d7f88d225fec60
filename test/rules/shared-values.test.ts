import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/rules/define-rule.js';
import { SharedValues } from '../../src/rules/shared-values.js';

const resource = { type: 'instance-group', id: 'g1' } as Verdict['resource'];

describe('SharedValues', () => {
  it('gives equal records one frozen copy, leaving the records passed in as they were', () => {
    const shared = new SharedValues();
    const first = { volume: 'root', key: 'alias/k1' };
    const a = shared.record(first);
    const b = shared.record({ volume: 'root', key: 'alias/k1' });
    expect(a).toBe(b);
    expect(a).toEqual({ volume: 'root', key: 'alias/k1' });
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(first)).toBe(false);
  });

  it.each([
    ['another value', { volume: 'root', key: 'alias/k2' }],
    ['the same values under other names', { role: 'root', key: 'alias/k1' }],
    ['the same properties in another order', { key: 'alias/k1', volume: 'root' }],
    ['a property more', { volume: 'root', key: 'alias/k1', reason: 'x' }],
    ['a number for a string', { volume: 'root', key: 1 }],
    ['an undefined value for a missing one', { volume: 'root', key: 'alias/k1', sid: undefined }],
    ['a value that would forge a separator', { volume: 'root","key":"alias/k1' }],
  ])('keeps records apart that differ by %s', (_name, other) => {
    const shared = new SharedValues();
    const a = shared.record({ volume: 'root', key: 'alias/k1' });
    const b = shared.record(other);
    expect(b).not.toBe(a);
    expect(b).toEqual(other);
    expect(Object.keys(b)).toEqual(Object.keys(other));
  });

  it('compares lists by content and other objects by identity', () => {
    const shared = new SharedValues();
    const gap = { code: 'aws.access_denied' };
    const a = shared.record({ keys: ['k1', 'k2'], gap });
    expect(shared.record({ keys: ['k1', 'k2'], gap })).toBe(a);
    expect(shared.record({ keys: ['k1'], gap })).not.toBe(a);
    expect(shared.record({ keys: ['k1', 'k2'], gap: { code: 'aws.access_denied' } })).not.toBe(a);
    expect(Object.isFrozen(a.keys)).toBe(true);
    expect(shared.list([1])).not.toBe(shared.list(['1']));
    expect(shared.list([['a', 'b']])).not.toBe(shared.list(['a', 'b']));
    expect(shared.list([['a'], 'b'])).toBe(shared.list([['a'], 'b']));
  });

  it('shares the data and evidence of verdicts, never their resource or status', () => {
    const shared = new SharedValues();
    const one = shared.verdict({
      resource,
      status: 'PASS',
      messageId: 'cmk',
      data: { key: 'k' },
      evidence: { a: 'b' },
    });
    const two = shared.verdict({
      resource,
      status: 'FAIL',
      messageId: 'x',
      data: { key: 'k' },
      evidence: { a: 'b' },
    });
    expect(two.data).toBe(one.data);
    expect(two.evidence).toBe(one.evidence);
    expect([one.status, two.status]).toEqual(['PASS', 'FAIL']);
  });

  it('keeps nothing between evaluations: each instance starts empty', () => {
    const a = new SharedValues().record({ key: 'k' });
    const b = new SharedValues().record({ key: 'k' });
    expect(b).not.toBe(a);
  });
});
