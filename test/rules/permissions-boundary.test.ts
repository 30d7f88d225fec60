/**
 * A permissions boundary limits an execution role whichever way it is granted a key: through its own
 * policies, and through a key policy that names the role's ARN ("Resource-based policies that grant
 * permissions to an IAM role ARN are limited by an implicit deny in a permissions boundary", IAM
 * User Guide). A boundary that could not be read leaves what it limits UNKNOWN. The rules' own
 * tables hold the main cases; these are the evaluator's answer, the evidence, and messages that stay
 * short whatever a snapshot holds.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.js';
import type { ExecutionRole, PolicyStatement } from '../../src/model/inventory.js';
import { keyAccess } from '../../src/policy/evaluate.js';
import { hyperPodCreateGrantContext } from '../../src/policy/hyperpod.js';
import scope from '../../src/rules/hyperpod/hyperpod-execution-role-kms-scope.js';
import grants from '../../src/rules/hyperpod/hyperpod-key-grants-execution-role.js';
import {
  ACCOUNT,
  adminStatement,
  cluster,
  EXEC_ROLE,
  goodPolicy,
  group,
  inventory,
  key,
  keyArn,
  policyOf,
  REGION,
  role,
  rootStatement,
  rootVolume,
} from '../helpers/inventory.js';

const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/workload-boundary`;
const allow = (action: string | string[], resource: string | string[] = '*'): PolicyStatement => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
});

function judge(ruleId: 'grants' | 'scope', execRole: Partial<ExecutionRole>, keyPolicy = goodPolicy()) {
  const k = key('k1', { policy: keyPolicy });
  const estate = inventory({
    clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(k.arn)] })])],
    keys: [k],
    roles: [role(EXEC_ROLE, execRole)],
  });
  const { findings } = evaluate(estate, {
    rules: [ruleId === 'grants' ? grants : scope],
    now: new Date('2026-11-27T12:00:00Z'),
  });
  expect(findings).toHaveLength(1);
  return findings[0]!;
}

const verdict = (finding: { status: string; messageId: string }) => [finding.status, finding.messageId];

describe('hyperpod-key-grants-execution-role with a permissions boundary', () => {
  it('a key policy that names the role: the boundary must allow the calls too', () => {
    const none = judge('grants', { permissionsBoundary: { policyArn: BOUNDARY, kmsStatements: [] } });
    expect(verdict(none)).toEqual(['FAIL', 'outsideBoundary']);
    expect(none.message).toBe(
      `the policies allow ${EXEC_ROLE} kms:CreateGrant on alias/k1, but its permissions boundary ${BOUNDARY} does not`,
    );
    expect(none.evidence).toMatchObject({
      executionRole: EXEC_ROLE,
      keys: [{ evidence: { action: 'kms:CreateGrant', boundary: 'no', boundaryHits: [] } }],
    });
    const both = judge('grants', {
      permissionsBoundary: {
        policyArn: BOUNDARY,
        kmsStatements: [allow(['kms:CreateGrant', 'kms:DescribeKey'])],
      },
    });
    expect(verdict(both)).toEqual(['PASS', 'granted']);
    const grantOnly = judge('grants', {
      permissionsBoundary: { policyArn: BOUNDARY, kmsStatements: [allow('kms:CreateGrant')] },
    });
    expect(verdict(grantOnly)).toEqual(['FAIL', 'outsideBoundary']);
    expect(grantOnly.message).toContain('kms:DescribeKey');
  });

  it('a Deny in the boundary is an explicit Deny', () => {
    const finding = judge('grants', {
      permissionsBoundary: {
        policyArn: BOUNDARY,
        kmsStatements: [allow('kms:*'), { Effect: 'Deny', Action: 'kms:CreateGrant', Resource: '*' }],
      },
    });
    expect(verdict(finding)).toEqual(['FAIL', 'explicitDeny']);
  });

  it('nothing grants the call: notGranted, whatever the boundary says', () => {
    const finding = judge(
      'grants',
      { permissionsBoundary: { policyArn: BOUNDARY, kmsStatements: [] } },
      policyOf(rootStatement(), adminStatement()),
    );
    expect(verdict(finding)).toEqual(['FAIL', 'notGranted']);
  });

  it('keyAccess: no boundary changes nothing; a boundary and SCPs are applied after the policies', () => {
    const request = {
      caller: { kind: 'iam' as const, arn: EXEC_ROLE, account: ACCOUNT },
      action: 'kms:CreateGrant',
      resource: keyArn('k1'),
      context: hyperPodCreateGrantContext({ roleArn: EXEC_ROLE, account: ACCOUNT, region: REGION }),
      keyPolicy: goodPolicy(),
      keyAccount: ACCOUNT,
      identityStatements: [],
    };
    expect(keyAccess(request)).toMatchObject({ result: 'yes', policiesAllow: 'yes', boundaryAllow: 'yes' });
    expect(keyAccess({ ...request, boundaryStatements: [] })).toMatchObject({
      result: 'no',
      policiesAllow: 'yes',
      boundaryAllow: 'no',
      explicitDeny: false,
    });
    expect(keyAccess({ ...request, boundaryStatements: null })).toMatchObject({
      result: 'maybe',
      boundaryAllow: 'maybe',
    });
    // Service control policies: every level must allow, and any Deny denies.
    const all = { Effect: 'Allow' as const, Action: '*', Resource: '*' };
    expect(keyAccess({ ...request, scpLevels: [[all], [all]] })).toMatchObject({
      result: 'yes',
      scpAllow: 'yes',
    });
    expect(keyAccess({ ...request, scpLevels: [[all], []] })).toMatchObject({
      result: 'no',
      policiesAllow: 'yes',
      scpAllow: 'no',
      explicitDeny: false,
    });
    expect(
      keyAccess({ ...request, scpLevels: [[all, { Effect: 'Deny', Action: 'kms:Create*', Resource: '*' }]] }),
    ).toMatchObject({ result: 'no', scpAllow: 'yes', explicitDeny: true });
  });
});

describe('a key policy that grants a session of the role, by its session ARN', () => {
  const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/hyperpod-exec/hyperpod-session`;
  const sessionGrant: PolicyStatement = {
    Sid: 'Session',
    Effect: 'Allow',
    Principal: { AWS: SESSION },
    Action: ['kms:CreateGrant', 'kms:DescribeKey'],
    Resource: '*',
  };
  const request = (
    caller: string,
    keyPolicy = policyOf(rootStatement(), adminStatement(), sessionGrant),
  ) => ({
    caller: { kind: 'iam' as const, arn: caller, account: ACCOUNT },
    action: 'kms:CreateGrant',
    resource: keyArn('k1'),
    context: hyperPodCreateGrantContext({ roleArn: EXEC_ROLE, account: ACCOUNT, region: REGION }),
    keyPolicy,
    keyAccount: ACCOUNT,
    identityStatements: [],
  });

  it('is not limited by the implicit deny of a boundary; an explicit Deny in it still stops the call', () => {
    // That session calling: the key policy grants it, and the boundary (no KMS at all) does not limit that.
    expect(keyAccess({ ...request(SESSION), boundaryStatements: [] })).toMatchObject({
      result: 'yes',
      boundaryAllow: 'no',
    });
    expect(
      keyAccess({
        ...request(SESSION),
        boundaryStatements: [allow('kms:*'), { Effect: 'Deny', Action: 'kms:CreateGrant', Resource: '*' }],
      }),
    ).toMatchObject({ result: 'no', explicitDeny: true });
    // The role named by its ARN is limited by it, as before.
    expect(
      keyAccess({
        ...request(
          SESSION,
          policyOf(rootStatement(), adminStatement(), { ...sessionGrant, Principal: { AWS: EXEC_ROLE } }),
        ),
        boundaryStatements: [],
      }),
    ).toMatchObject({ result: 'no', boundaryAllow: 'no' });
    // Another session of the role: the grant does not name it.
    expect(
      keyAccess({
        ...request(`arn:aws:sts::${ACCOUNT}:assumed-role/hyperpod-exec/other`),
        boundaryStatements: [],
      }),
    ).toMatchObject({ result: 'no' });
  });

  it('the role whose session name is not known: UNKNOWN, not a FAIL for the boundary', () => {
    const finding = judge(
      'grants',
      { permissionsBoundary: { policyArn: BOUNDARY, kmsStatements: [] } },
      policyOf(rootStatement(), adminStatement(), sessionGrant),
    );
    expect(verdict(finding)).toEqual(['UNKNOWN', 'undetermined']);
    expect(keyAccess({ ...request(EXEC_ROLE), boundaryStatements: [] })).toMatchObject({ result: 'maybe' });
  });
});

describe('hyperpod-execution-role-kms-scope with a permissions boundary', () => {
  const wide = [allow(['kms:CreateGrant', 'kms:Decrypt'])];

  it('a boundary that is wide too, or only partly scoped, leaves the wide actions it lets through', () => {
    expect(
      verdict(
        judge('scope', {
          kmsStatements: wide,
          permissionsBoundary: { policyArn: BOUNDARY, kmsStatements: [allow('*')] },
        }),
      ),
    ).toEqual(['FAIL', 'wide']);
    const partly = judge('scope', {
      kmsStatements: wide,
      permissionsBoundary: {
        policyArn: BOUNDARY,
        kmsStatements: [allow('kms:Decrypt'), allow('kms:CreateGrant', keyArn('k1'))],
      },
    });
    expect(verdict(partly)).toEqual(['FAIL', 'wide']);
    expect(partly.message).toBe(`execution role ${EXEC_ROLE} may kms:Decrypt on every key (statement 1)`);
  });
});

describe("a role's unread policies and boundary, as a snapshot from anyone may hold them", () => {
  it('messages name ten of them, each shortened, and count the rest', () => {
    const unreadPolicies = Array.from({ length: 1000 }, (_, i) => `policy-${i} ${'x'.repeat(10_000)}`);
    const grants = judge(
      'grants',
      { policiesCollected: false, unreadPolicies, kmsStatements: [] },
      policyOf(rootStatement(), adminStatement()),
    );
    expect(verdict(grants)).toEqual(['UNKNOWN', 'undetermined']);
    expect(grants.message).toContain('policy-9 ');
    expect(grants.message).not.toContain('policy-10 ');
    expect(grants.message).toContain('; and 990 more)');
    expect(grants.message.length).toBeLessThan(2_500);
    const scoped = judge('scope', { policiesCollected: false, unreadPolicies, kmsStatements: [] });
    expect(verdict(scoped)).toEqual(['UNKNOWN', 'notCollected']);
    expect(scoped.message.length).toBeLessThan(2_500);
    expect((scoped.evidence as { unreadPolicies: string[] }).unreadPolicies).toHaveLength(10);
    const boundary = judge('grants', {
      permissionsBoundary: {
        policyArn: `arn:aws:iam::${ACCOUNT}:policy/${'b'.repeat(1_000_000)}`,
        kmsStatements: [],
      },
    });
    expect(verdict(boundary)).toEqual(['FAIL', 'outsideBoundary']);
    expect(boundary.message.length).toBeLessThan(400);
  });
});
