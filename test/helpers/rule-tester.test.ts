import { describe, expect, it } from 'vitest';
import { defineRule } from '../../src/rules/define-rule.js';
import rootVolumeRule from '../../src/rules/hyperpod/hyperpod-root-volume-cmk.js';
import { compliantEstate, inventory } from './inventory.js';
import { deepFreeze, validateCases } from './rule-tester.js';

const PASS = { status: 'PASS' as const, messageId: 'cmk' };

describe('the rule tester refuses malformed tables', () => {
  it('an invalid case without expected findings', () => {
    expect(() =>
      validateCases(rootVolumeRule, {
        covers: [],
        valid: [],
        invalid: [{ name: 'x', inventory: compliantEstate(), expected: [] }],
      }),
    ).toThrow(/has no expected findings/);
  });
  it('an invalid case that expects no FAIL or UNKNOWN', () => {
    expect(() =>
      validateCases(rootVolumeRule, {
        covers: [],
        valid: [],
        invalid: [{ name: 'x', inventory: compliantEstate(), expected: [PASS] }],
      }),
    ).toThrow(/expects no FAIL or UNKNOWN/);
  });
  it('a duplicate case name, and a duplicate input under another name', () => {
    const c = { name: 'same', inventory: compliantEstate(), expected: [PASS] };
    expect(() => validateCases(rootVolumeRule, { covers: [], valid: [c, c], invalid: [] })).toThrow(
      /duplicate case name/,
    );
    expect(() =>
      validateCases(rootVolumeRule, { covers: [], valid: [c, { ...c, name: 'other' }], invalid: [] }),
    ).toThrow(/duplicates another case's input/);
  });
  it('a messageId the rule does not have', () => {
    expect(() =>
      validateCases(rootVolumeRule, {
        covers: [],
        valid: [
          { name: 'x', inventory: compliantEstate(), expected: [{ status: 'PASS', messageId: 'nope' }] },
        ],
        invalid: [],
      }),
    ).toThrow(/unknown messageId/);
  });
  it('a table that does not show every status it claims to cover', () => {
    expect(() =>
      validateCases(rootVolumeRule, {
        covers: ['PASS', 'UNKNOWN'],
        valid: [{ name: 'x', inventory: compliantEstate(), expected: [PASS] }],
        invalid: [],
      }),
    ).toThrow(/no case shows UNKNOWN/);
  });
  it('a table that asks to cover every source but shows a live resource only', () => {
    // hyperpod-root-volume-cmk declares live, snapshot and every IaC source.
    const table = {
      covers: [],
      valid: [{ name: 'x', inventory: compliantEstate(), expected: [PASS] }],
      invalid: [],
    };
    expect(() => validateCases(rootVolumeRule, table)).not.toThrow();
    expect(() => validateCases(rootVolumeRule, { ...table, coversSources: true })).toThrow(
      /no case has a resource from source snapshot, cloudformation/,
    );
  });
  it('an inventory that is not a valid snapshot', () => {
    const broken = { ...inventory(), clusters: [{ id: 'x' }] } as unknown as ReturnType<typeof inventory>;
    expect(() =>
      validateCases(rootVolumeRule, {
        covers: [],
        valid: [{ name: 'x', inventory: broken, expected: [PASS] }],
        invalid: [],
      }),
    ).toThrow(/invalid inventory/);
  });
});

describe('deep freezing', () => {
  it('makes a rule that mutates its input throw', () => {
    const mutating = defineRule({
      meta: { ...rootVolumeRule.meta, id: 'hyperpod-mutating' },
      *check(context) {
        (context.inventory.clusters[0] as { name: string }).name = 'changed';
        yield* [];
      },
    });
    const frozen = deepFreeze(structuredClone(compliantEstate()));
    expect(() => [...mutating.check({ inventory: frozen } as never)]).toThrow(TypeError);
    expect(Object.isFrozen(frozen.clusters[0]!.instanceGroups[0]!.volumes)).toBe(true);
  });
});
