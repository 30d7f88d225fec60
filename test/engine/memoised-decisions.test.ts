/**
 * Rules memoise IAM decisions within an evaluation (what a key says of a role, judged once per
 * key, role and region; a key's policy analysis, once per policy). A memoised decision must be
 * the decision itself: each group judged among many that share roles and keys gets exactly the
 * finding it gets when it is judged alone, whatever order the groups come in.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { Finding } from '../../src/model/finding.js';
import type { Cluster, InstanceGroup, Inventory, Key, PolicyStatement } from '../../src/model/inventory.js';
import type { Rule } from '../../src/rules/define-rule.js';
import grantsExecutionRole from '../../src/rules/hyperpod/hyperpod-key-grants-execution-role.js';
import {
  ACCOUNT,
  cluster,
  createGrantStatement,
  describeKeyStatement,
  goodPolicy,
  group,
  inventory,
  key,
  keyArn,
  NOW,
  OTHER_ACCOUNT,
  policyOf,
  REGION,
  role,
  roleArn,
  rootStatement,
  rootVolume,
  secondaryVolume,
  unresolved,
} from '../helpers/inventory.js';
import { deepFreeze } from '../helpers/rule-tester.js';

const WEST = 'us-west-2';
/** The same role name in two accounts, with different IAM policies. */
const EXEC = roleArn('hyperpod-exec');
const EXEC_OTHER = roleArn('hyperpod-exec', OTHER_ACCOUNT);
/** A role whose IAM policy covers one key only. */
const NARROW = roleArn('narrow');
const UNCOLLECTED = roleArn('uncollected');

const allowKms = (resource = '*'): PolicyStatement => ({
  Effect: 'Allow',
  Action: ['kms:CreateGrant', 'kms:DescribeKey'],
  Resource: resource,
});
const denyCreateGrant: PolicyStatement = { Effect: 'Deny', Action: 'kms:CreateGrant', Resource: '*' };
/** A Deny on a tag of the key: KMS supports aws:ResourceTag in IAM policies only (tag-authorization.html). */
const denyFrozen: PolicyStatement = {
  ...denyCreateGrant,
  Condition: { StringEquals: { 'aws:ResourceTag/frozen': 'yes' } },
};

const keys: Key[] = [
  // Names the role directly.
  key('direct'),
  // Delegates to IAM only: the role's own policies decide, so same-named roles differ.
  key('delegating', { policy: policyOf(rootStatement()) }),
  // The same policy as `direct`, but a tag only this key carries, on which EXEC's IAM policy denies.
  key('tagged', { tags: { owner: 'ml-platform', project: 'llm', frozen: 'yes' } }),
  // Allows only with encryption context, which HyperPod never sends, and does not delegate to IAM.
  key('context', {
    policy: policyOf(describeKeyStatement(), {
      ...createGrantStatement(),
      Condition: { StringEquals: { 'kms:EncryptionContext:team': 'a' } },
    }),
  }),
  // Allows through SageMaker in us-west-2 only, without delegating to IAM: the cluster's region decides.
  key('west', {
    policy: policyOf(createGrantStatement(EXEC, WEST), describeKeyStatement(EXEC, WEST)),
  }),
  // Another account's key naming the other account's role.
  key('other', {
    account: OTHER_ACCOUNT,
    policy: goodPolicy([EXEC_OTHER], OTHER_ACCOUNT),
  }),
  // A key whose policy could not be read.
  key('unread', { policy: undefined }),
];

const keyRef = (id: string) => keyArn(id, id === 'other' ? OTHER_ACCOUNT : ACCOUNT);

function volumesFor(...ids: string[]) {
  const [first, second] = ids;
  return [rootVolume(keyRef(first!)), ...(second ? [secondaryVolume(keyRef(second))] : [])];
}

/** Every role against every key (and pairs of keys), each combination in several groups. */
function crowd(): Inventory {
  const roles = [EXEC, EXEC_OTHER, NARROW, UNCOLLECTED];
  const keyIds = keys.map((k) => k.keyId!);
  const combinations: [string, string[]][] = [];
  for (const executionRole of roles) {
    for (const id of keyIds) combinations.push([executionRole, [id]]);
    combinations.push([executionRole, ['direct', 'delegating']]);
    combinations.push([executionRole, ['tagged', 'west']]);
  }
  const clusters: Cluster[] = [];
  for (const [index, region] of [REGION, WEST, REGION].entries()) {
    const groups: InstanceGroup[] = combinations.map(([executionRole, ids], n) =>
      group(`g${n}`, { executionRole, volumes: volumesFor(...ids) }),
    );
    groups.push(group('no-role', { executionRole: null, volumes: volumesFor('direct') }));
    groups.push(
      group('unresolved-role', {
        executionRole: unresolved('!GetAtt Role.Arn', 'not deployed'),
        volumes: volumesFor('direct'),
      }),
    );
    clusters.push(cluster(`c${index}`, groups, { region }));
  }
  return inventory({
    accounts: [
      { id: ACCOUNT, regions: [REGION, WEST], source: 'live' },
      { id: OTHER_ACCOUNT, regions: [REGION, WEST], source: 'live' },
    ],
    clusters,
    keys,
    roles: [
      role(EXEC, { kmsStatements: [allowKms(), denyFrozen] }),
      role(EXEC_OTHER, { kmsStatements: [allowKms(), denyCreateGrant] }),
      role(NARROW, { kmsStatements: [allowKms(keyRef('delegating'))] }),
      role(UNCOLLECTED, { policiesCollected: false, kmsStatements: [] }),
    ],
  });
}

const config = resolveConfig({});
const run = (rule: Rule, estate: Inventory): Finding[] =>
  evaluate(deepFreeze(estate), { rules: [rule], config, now: new Date(NOW) }).findings;

/** The estate with one group left in its cluster: nothing is shared with another group. */
const alone = (estate: Inventory, clusterIndex: number, groupIndex: number): Inventory => ({
  ...estate,
  clusters: [
    {
      ...estate.clusters[clusterIndex]!,
      instanceGroups: [estate.clusters[clusterIndex]!.instanceGroups[groupIndex]!],
    },
  ],
});

describe('memoised IAM decisions', () => {
  const estate = crowd();

  it('the crowd exercises every verdict of the execution-role grants rule', () => {
    const statuses = new Set(run(grantsExecutionRole, estate).map((f) => `${f.status} ${f.messageId}`));
    expect([...statuses].sort()).toEqual([
      'FAIL encryptionContext',
      'FAIL explicitDeny',
      'FAIL notGranted',
      'PASS granted',
      'UNKNOWN noRole',
      'UNKNOWN notCollected',
      'UNKNOWN undetermined',
      'UNKNOWN unresolved',
    ]);
  });

  it('judges each group among the crowd exactly as it judges the group alone', () => {
    const together = run(grantsExecutionRole, estate);
    let compared = 0;
    estate.clusters.forEach((c, ci) => {
      c.instanceGroups.forEach((g, gi) => {
        const single = run(grantsExecutionRole, alone(estate, ci, gi));
        expect(single).toHaveLength(1);
        expect(together.find((f) => f.resource.id === g.id)).toEqual(single[0]);
        compared++;
      });
    });
    expect(compared).toBe(together.length);
  });

  it('does not depend on the order the groups come in', () => {
    const reversed: Inventory = {
      ...estate,
      clusters: [...estate.clusters]
        .reverse()
        .map((c) => ({ ...c, instanceGroups: [...c.instanceGroups].reverse() })),
    };
    const byId = (findings: Finding[]) => new Map(findings.map((f) => [f.resource.id, f]));
    expect(byId(run(grantsExecutionRole, reversed))).toEqual(byId(run(grantsExecutionRole, estate)));
  });

  it('tells apart same-named roles of different accounts and roles of different policies', () => {
    const findings = run(grantsExecutionRole, estate);
    const of = (clusterName: string, executionRole: string, keyId: string) => {
      const c = estate.clusters.find((x) => x.name === clusterName)!;
      const g = c.instanceGroups.find(
        (x) =>
          x.executionRole === executionRole &&
          Array.isArray(x.volumes) &&
          x.volumes.length === 1 &&
          x.volumes[0]!.kmsKeyId === keyRef(keyId),
      )!;
      const f = findings.find((x) => x.resource.id === g.id)!;
      return [f.status, f.messageId];
    };
    // Delegation to IAM: the role in the key's account is allowed by its own policy; the same name
    // in another account is denied by its own; the narrow role's policy covers only this key.
    expect(of('c0', EXEC, 'delegating')).toEqual(['PASS', 'granted']);
    expect(of('c0', EXEC_OTHER, 'delegating')).toEqual(['FAIL', 'explicitDeny']);
    expect(of('c0', EXEC_OTHER, 'other')).toEqual(['FAIL', 'explicitDeny']);
    expect(of('c0', UNCOLLECTED, 'delegating')).toEqual(['UNKNOWN', 'undetermined']);
    expect(of('c0', NARROW, 'delegating')).toEqual(['PASS', 'granted']);
    expect(of('c0', NARROW, 'direct')).toEqual(['FAIL', 'notGranted']);
    // The same policy content, a different key: its tag brings the Deny of the role's IAM policy.
    expect(of('c0', EXEC, 'direct')).toEqual(['PASS', 'granted']);
    expect(of('c0', EXEC, 'tagged')).toEqual(['FAIL', 'explicitDeny']);
    // The same role and key in another region.
    expect(of('c0', EXEC, 'west')).toEqual(['FAIL', 'notGranted']);
    expect(of('c1', EXEC, 'west')).toEqual(['PASS', 'granted']);
  });

  it('shares one judgement among the groups that run the same role against the same key', () => {
    const findings = run(grantsExecutionRole, estate);
    const first = findings.find((f) => f.resource.id === estate.clusters[0]!.instanceGroups[1]!.id)!;
    const again = findings.find((f) => f.resource.id === estate.clusters[2]!.instanceGroups[1]!.id)!;
    expect(again.evidence).toEqual(first.evidence);
    expect(again.evidence).toBe(first.evidence);
    expect(Object.isFrozen(first.evidence)).toBe(true);
  });
});
