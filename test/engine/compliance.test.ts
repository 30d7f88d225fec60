import { describe, expect, it } from 'vitest';
import { type Config, resolveConfig } from '../../src/config/schema.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { ResourceRef } from '../../src/model/finding.js';
import type { Inventory } from '../../src/model/inventory.js';
import type { Rule, Verdict } from '../../src/rules/define-rule.js';
import {
  cluster,
  group,
  inventory,
  key,
  keyArn,
  NOW,
  rootVolume,
  secondaryVolume,
} from '../helpers/inventory.js';
import { fail, notApplicable, pass, stubRule, unknown } from './stub-rules.js';

/**
 * Three clusters: c1 (groups a on k1, b on k2), c2 (group g on k1 and k3: shares k1 with c1),
 * and c3 (group h on nothing: its volumes use AWS owned keys).
 */
const estate: Inventory = inventory({
  clusters: [
    cluster('c1', [
      group('a', { volumes: [rootVolume(keyArn('k1'))] }),
      group('b', { volumes: [rootVolume(keyArn('k2')), secondaryVolume(keyArn('k2'))] }),
    ]),
    cluster('c2', [
      group('g', { volumes: [rootVolume(keyArn('k3')), secondaryVolume('alias/k1', keyArn('k1'))] }),
    ]),
    cluster('c3', [group('h')]),
  ],
  keys: [key('k1'), key('k2'), key('k3')],
});
const clusterRef = (id: string): ResourceRef => ({
  type: 'cluster',
  id: estate.clusters.find((c) => c.name === id)!.id,
});
const groupRef = (clusterName: string, name: string): ResourceRef => ({
  type: 'instance-group',
  id: `${clusterRef(clusterName).id}/instance-group/${name}`,
});
const keyRef = (id: string): ResourceRef => ({ type: 'kms-key', id: keyArn(id) });
const everythingPasses = (): Verdict[] => [
  ...['c1', 'c2', 'c3'].map((c) => pass(clusterRef(c))),
  ...[groupRef('c1', 'a'), groupRef('c1', 'b'), groupRef('c2', 'g'), groupRef('c3', 'h')].map(pass),
  ...['k1', 'k2', 'k3'].map((k) => pass(keyRef(k))),
];

function rollUp(verdicts: Verdict[], config: Config = {}, extraRules: Rule[] = []) {
  const { compliance, summary } = evaluate(estate, {
    rules: [
      stubRule('kms-key-stub-base', everythingPasses()),
      stubRule('kms-key-stub-case', verdicts),
      ...extraRules,
    ],
    config: resolveConfig(config),
    now: new Date(NOW),
  });
  const clusters = Object.fromEntries(compliance.clusters.map((c) => [c.name, c.status]));
  const groups = Object.fromEntries(
    compliance.instanceGroups.map((g) => [
      g.id.split('/').slice(-3).join('/').replace('/instance-group', ''),
      g.status,
    ]),
  );
  return { clusters, groups, compliance, summary };
}

describe('cluster compliance roll-up', () => {
  it('is compliant when every applicable finding passes (NOT_APPLICABLE does not count)', () => {
    const { clusters, groups, summary } = rollUp([
      notApplicable(groupRef('c3', 'h')),
      notApplicable(keyRef('k1')),
    ]);
    expect(clusters).toEqual({ c1: 'compliant', c2: 'compliant', c3: 'compliant' });
    expect(Object.values(groups)).toEqual(['compliant', 'compliant', 'compliant', 'compliant']);
    expect(summary).toMatchObject({
      clusters: 3,
      compliantClusters: 3,
      clusterCompliancePct: 100,
      compliantInstanceGroups: 4,
    });
  });

  it('fails a cluster for a failure on the cluster, failing all its groups', () => {
    const { clusters, groups, compliance } = rollUp([fail(clusterRef('c1'))]);
    expect(clusters).toEqual({ c1: 'non-compliant', c2: 'compliant', c3: 'compliant' });
    expect(groups).toMatchObject({ 'c1/a': 'non-compliant', 'c1/b': 'non-compliant', 'c2/g': 'compliant' });
    expect(compliance.clusters[0]!.failing).toEqual(['kms-key-stub-case']);
  });

  it('fails a cluster and only the group for a failure on one group', () => {
    const { clusters, groups } = rollUp([fail(groupRef('c1', 'b'))]);
    expect(clusters).toMatchObject({ c1: 'non-compliant', c2: 'compliant' });
    expect(groups).toMatchObject({ 'c1/a': 'compliant', 'c1/b': 'non-compliant' });
  });

  it('counts a key failure for every cluster and group that uses the key, and no other', () => {
    const { clusters, groups, summary } = rollUp([fail(keyRef('k1'))]);
    expect(clusters).toEqual({ c1: 'non-compliant', c2: 'non-compliant', c3: 'compliant' });
    expect(groups).toEqual({
      'c1/a': 'non-compliant',
      'c1/b': 'compliant',
      'c2/g': 'non-compliant',
      'c3/h': 'compliant',
    });
    expect(summary).toMatchObject({
      compliantClusters: 1,
      clusterCompliancePct: 33.3,
      compliantInstanceGroups: 2,
      instanceGroupCompliancePct: 50,
    });
  });

  // "Customer managed key encryption is only supported for clusters using the continuous node
  // provisioning mode. Restricted instance groups don't support customer managed keys"
  // (smcluster-cmk.html): a key such a group names is not one it uses, as the rules hold (usesOfKey).
  it('counts a key failure against no restricted group and no group of a legacy-mode cluster, but where the mode is unknown', () => {
    const k1 = keyArn('k1');
    const estateOfModes = inventory({
      clusters: [
        cluster('legacy', [group('a', { volumes: [rootVolume(k1)] })], { nodeProvisioningMode: null }),
        cluster('rig', [group('r', { kind: 'restricted', volumes: [rootVolume(k1)] })]),
        cluster('unsure', [group('u', { volumes: [rootVolume(k1)] })], {
          nodeProvisioningMode: null,
          notCollected: ['NodeProvisioningMode'],
        }),
      ],
      keys: [key('k1')],
    });
    const { compliance } = evaluate(estateOfModes, {
      rules: [stubRule('kms-key-stub-case', [fail({ type: 'kms-key', id: k1 })])],
      config: resolveConfig({}),
      now: new Date(NOW),
    });
    expect(compliance.clusters.map((c) => [c.name, c.status, c.failing])).toEqual([
      ['legacy', 'compliant', []],
      ['rig', 'compliant', []],
      ['unsure', 'non-compliant', ['kms-key-stub-case']],
    ]);
    expect(compliance.instanceGroups.map((g) => [g.name, g.status])).toEqual([
      ['a', 'compliant'],
      ['r', 'compliant'],
      ['u', 'non-compliant'],
    ]);
  });

  it('counts a failure on a key no group uses against no cluster', () => {
    const { clusters } = rollUp([fail(keyRef('k9'))]);
    expect(clusters).toEqual({ c1: 'compliant', c2: 'compliant', c3: 'compliant' });
  });

  it('ignores account findings', () => {
    const { clusters } = rollUp([fail({ type: 'account', id: '111122223333' })]);
    expect(clusters).toEqual({ c1: 'compliant', c2: 'compliant', c3: 'compliant' });
  });

  it('is unknown when something is UNKNOWN and nothing failed', () => {
    const { clusters, groups, compliance, summary } = rollUp([unknown(keyRef('k3'))]);
    expect(clusters).toMatchObject({ c1: 'compliant', c2: 'unknown' });
    expect(groups).toMatchObject({ 'c2/g': 'unknown' });
    expect(compliance.clusters[1]!.unknown).toEqual(['kms-key-stub-case']);
    expect(summary).toMatchObject({ unknownClusters: 1, compliantClusters: 2 });
  });

  it('is non-compliant when a failure and an unknown meet', () => {
    const { clusters } = rollUp([unknown(groupRef('c2', 'g')), fail(keyRef('k3'))]);
    expect(clusters.c2).toBe('non-compliant');
  });

  it('is unknown when the instance groups themselves cannot be known', () => {
    const { clusters, groups } = rollUp([
      unknown({ type: 'instance-group', id: `${clusterRef('c3').id}/instance-group/*` }),
    ]);
    expect(clusters.c3).toBe('unknown');
    expect(groups['c3/h'], 'the cluster finding covers its known groups').toBe('unknown');
  });

  it('is compliant by exception when every failure is suppressed, reported apart', () => {
    const config: Config = {
      suppressions: [{ rule: 'kms-key-stub-case', resource: keyArn('k1'), reason: 'migration planned' }],
    };
    const { clusters, compliance, summary } = rollUp([fail(keyRef('k1'))], config);
    expect(clusters).toEqual({ c1: 'compliant-by-exception', c2: 'compliant-by-exception', c3: 'compliant' });
    expect(compliance.clusters[0]).toMatchObject({ failing: [], excepted: ['kms-key-stub-case'] });
    expect(summary).toMatchObject({
      compliantClusters: 1,
      compliantByException: 2,
      clusterCompliancePct: 100,
    });
  });

  it('is non-compliant when an unsuppressed failure remains beside a suppressed one', () => {
    const config: Config = { suppressions: [{ rule: '*', resource: keyArn('k1'), reason: 'accepted' }] };
    const { clusters } = rollUp([fail(keyRef('k1')), fail(groupRef('c1', 'b'))], config);
    expect(clusters).toMatchObject({ c1: 'non-compliant', c2: 'compliant-by-exception' });
  });

  it('counts a suppressed UNKNOWN as an exception, not as unknown', () => {
    const config: Config = {
      suppressions: [{ rule: '*', resource: keyArn('k3'), reason: 'trail account is out of scope' }],
    };
    const { clusters, compliance } = rollUp([unknown(keyRef('k3'))], config);
    expect(clusters.c2).toBe('compliant-by-exception');
    expect(compliance.clusters[1]).toMatchObject({ unknown: [], excepted: ['kms-key-stub-case'] });
  });

  it('treats a failure under an expired suppression as a failure', () => {
    const config: Config = {
      suppressions: [{ rule: '*', resource: keyArn('k1'), reason: 'was accepted', expires: '2026-06-30' }],
    };
    const { clusters } = rollUp([fail(keyRef('k1'))], config);
    expect(clusters).toMatchObject({ c1: 'non-compliant', c2: 'non-compliant' });
  });

  it('reports no percentage (null, never 100%) for an estate without clusters', () => {
    const { summary } = evaluate(inventory({ keys: [key('k1')] }), { now: new Date(NOW) });
    expect(summary).toMatchObject({
      clusters: 0,
      clusterCompliancePct: null,
      instanceGroups: 0,
      instanceGroupCompliancePct: null,
    });
  });
});
