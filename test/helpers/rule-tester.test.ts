import { describe, expect, it } from 'vitest';
import { defineRule } from '../../src/rules/define-rule.js';
import rootVolumeRule from '../../src/rules/hyperpod/hyperpod-root-volume-cmk.js';
import {
  cluster,
  clusterArn,
  compliantEstate,
  group,
  inventory,
  key,
  keyArn,
  rootVolume,
} from './inventory.js';

const GROUP = `${clusterArn('c1')}/instance-group/workers`;

import { checkCase, deepFreeze, validateCases } from './rule-tester.js';

const PASS = {
  status: 'PASS' as const,
  messageId: 'cmk',
  data: { volume: 'root', key: 'alias/k1' },
};

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
  it('a table that does not show a finding from every source the rule declares', () => {
    // hyperpod-root-volume-cmk declares live, snapshot and every IaC source.
    const table = {
      covers: [],
      valid: [{ name: 'x', inventory: compliantEstate(), expected: [PASS] }],
      invalid: [],
    };
    expect(() => validateCases(rootVolumeRule, table)).toThrow(
      /no case has a resource from source snapshot, cloudformation, terraform, terraform-plan, cli-json with a finding on it/,
    );
    // A resource of the source in the inventory is not enough: a finding must be about it.
    const withSnapshotKey = {
      name: 'y',
      inventory: { ...compliantEstate(), keys: [key('k9', { source: 'snapshot' })] },
      expected: [{ ...PASS, resource: GROUP }],
    };
    expect(() => validateCases(rootVolumeRule, { ...table, valid: [withSnapshotKey] })).toThrow(
      /from source snapshot,/,
    );
  });
  it('several expected findings, one of them without its resource', () => {
    expect(() =>
      validateCases(rootVolumeRule, {
        covers: [],
        valid: [{ name: 'x', inventory: compliantEstate(), expected: [{ ...PASS, resource: GROUP }, PASS] }],
        invalid: [],
      }),
    ).toThrow(/expects several findings: each must name its resource/);
  });
  it('an expected finding without data when its message has placeholders', () => {
    expect(() =>
      validateCases(rootVolumeRule, {
        covers: [],
        valid: [
          { name: 'x', inventory: compliantEstate(), expected: [{ status: 'PASS', messageId: 'cmk' }] },
        ],
        invalid: [],
      }),
    ).toThrow(/expects cmk without data; its message needs volume, key/);
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

describe('a case compares the data of each finding exactly', () => {
  const c = (data?: Record<string, string | number>) => ({
    name: 'x',
    inventory: compliantEstate(),
    expected: [{ status: 'PASS' as const, messageId: 'cmk', ...(data ? { data } : {}) }],
  });
  it('passes when every key and value is given', () => {
    expect(() => checkCase(rootVolumeRule, c({ volume: 'root', key: 'alias/k1' }))).not.toThrow();
  });
  it('fails on partial data, a value that is only part of the message, extra keys or no data', () => {
    expect(() => checkCase(rootVolumeRule, c({ key: 'alias/k1' }))).toThrow(/data of PASS cmk/);
    expect(() => checkCase(rootVolumeRule, c({ volume: 'root', key: 'k1' }))).toThrow(/data of PASS cmk/);
    expect(() => checkCase(rootVolumeRule, c({ volume: 'root', key: 'alias/k1', reason: 'x' }))).toThrow(
      /data of PASS cmk/,
    );
    expect(() => checkCase(rootVolumeRule, c())).toThrow(/data of PASS cmk/);
  });
  it('fails when a value has the right text but the wrong type', () => {
    const counted = defineRule({
      meta: { ...rootVolumeRule.meta, id: 'hyperpod-counted', messages: { n: '{{count}} things' } },
      *check(context) {
        const cluster = context.inventory.clusters[0]!;
        yield {
          resource: { type: 'cluster', id: cluster.id },
          status: 'PASS',
          messageId: 'n',
          data: { count: 2 },
        } as const;
      },
    });
    const expectCount = (count: string | number) => ({
      name: 'n',
      inventory: compliantEstate(),
      expected: [{ status: 'PASS' as const, messageId: 'n', data: { count } }],
    });
    expect(() => checkCase(counted, expectCount(2))).not.toThrow();
    expect(() => checkCase(counted, expectCount('2'))).toThrow(/data of PASS n/);
  });
  it('fails when a verdict leaves a placeholder of its message unfilled', () => {
    const unfilled = defineRule({
      meta: { ...rootVolumeRule.meta, id: 'hyperpod-unfilled', messages: { n: '{{count}} of {{total}}' } },
      *check(context) {
        const cluster = context.inventory.clusters[0]!;
        yield {
          resource: { type: 'cluster', id: cluster.id },
          status: 'PASS',
          messageId: 'n',
          data: { count: 2 },
        } as const;
      },
    });
    expect(() =>
      checkCase(unfilled, {
        name: 'n',
        inventory: compliantEstate(),
        expected: [{ status: 'PASS', messageId: 'n', data: { count: 2 } }],
      }),
    ).toThrow(/leaves placeholders unfilled/);
  });
  it('pairs findings by resource, so that data is compared with the finding it describes', () => {
    const two = inventory({
      clusters: [
        cluster('c1', [
          group('a', { volumes: [rootVolume(keyArn('ka'))] }),
          group('b', { volumes: [rootVolume(keyArn('kb'))] }),
        ]),
      ],
      keys: [key('ka'), key('kb')],
    });
    const expected = (first: string, second: string) => ({
      name: 'two',
      inventory: two,
      expected: [
        { ...PASS, resource: `${clusterArn('c1')}/instance-group/b`, data: { volume: 'root', key: first } },
        { ...PASS, resource: `${clusterArn('c1')}/instance-group/a`, data: { volume: 'root', key: second } },
      ],
    });
    expect(() => checkCase(rootVolumeRule, expected('alias/kb', 'alias/ka'))).not.toThrow();
    expect(() => checkCase(rootVolumeRule, expected('alias/ka', 'alias/kb'))).toThrow(/data of PASS cmk/);
  });
});

describe('a rule answers only NOT_APPLICABLE on a resource from a source it does not declare', () => {
  const liveOnly = (status: 'FAIL' | 'NOT_APPLICABLE') =>
    defineRule({
      meta: {
        ...rootVolumeRule.meta,
        id: 'hyperpod-live-only',
        sources: ['live'],
        messages: { m: 'judged' },
      },
      *check(context) {
        for (const c of context.inventory.clusters)
          yield { resource: { type: 'cluster', id: c.id }, status, messageId: 'm' } as const;
      },
    });
  const snapshotCluster = () => {
    const estate = compliantEstate();
    return { ...estate, clusters: estate.clusters.map((c) => ({ ...c, source: 'snapshot' as const })) };
  };
  it('fails a FAIL on a snapshot cluster when the rule declares live only', () => {
    expect(() =>
      checkCase(liveOnly('FAIL'), {
        name: 'x',
        inventory: snapshotCluster(),
        expected: [{ status: 'FAIL', messageId: 'm' }],
      }),
    ).toThrow(/from snapshot, which hyperpod-live-only does not declare in meta.sources/);
  });
  it('accepts NOT_APPLICABLE there, and any status on a declared source', () => {
    expect(() =>
      checkCase(liveOnly('NOT_APPLICABLE'), {
        name: 'x',
        inventory: snapshotCluster(),
        expected: [{ status: 'NOT_APPLICABLE', messageId: 'm' }],
      }),
    ).not.toThrow();
    expect(() =>
      checkCase(liveOnly('FAIL'), {
        name: 'x',
        inventory: compliantEstate(),
        expected: [{ status: 'FAIL', messageId: 'm' }],
      }),
    ).not.toThrow();
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
