import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import type { ExecutionRole, PolicyDocument, PolicyStatement } from '../../src/model/inventory.js';
import { type AccessChange, diffKeyPolicies } from '../../src/policy-diff/diff.js';
import { syntheticKey } from '../../src/policy-diff/synthetic-key.js';
import { cluster, group, inventory, role, rootVolume } from '../helpers/inventory.js';

const ACCOUNT = '111122223333';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/key-admin`;
const EXEC = `arn:aws:iam::${ACCOUNT}:role/hyperpod-exec`;
const OTHER = `arn:aws:iam::${ACCOUNT}:role/analyst`;
const ADMIN_ACTIONS = [
  'kms:PutKeyPolicy',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:DescribeKey',
];
const VIA = { StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' } };

const admin: PolicyStatement = {
  Sid: 'Admins',
  Effect: 'Allow',
  Principal: { AWS: ADMIN },
  Action: ADMIN_ACTIONS,
  Resource: '*',
};
const grant: PolicyStatement = {
  Sid: 'ExecGrant',
  Effect: 'Allow',
  Principal: { AWS: EXEC },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { ...VIA, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
};
const describe_: PolicyStatement = {
  Sid: 'ExecDescribe',
  Effect: 'Allow',
  Principal: { AWS: EXEC },
  Action: ['kms:DescribeKey'],
  Resource: '*',
};
const policy = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
});
const BASE = policy(admin, grant, describe_);

function diff(before: PolicyDocument, after: PolicyDocument, executionRoles: string[] = []) {
  return diffKeyPolicies({
    before,
    after,
    key: syntheticKey([before, after], { region: 'us-east-1' }),
    executionRoles,
    config: resolveConfig(),
    now: new Date('2026-11-27T12:00:00Z'),
  });
}

type Summary = Pick<AccessChange, 'change' | 'scope' | 'actions' | 'conditions'> & { principal: string };
const summary = (before: PolicyDocument, after: PolicyDocument): Summary[] =>
  diff(before, after).principals.flatMap(({ principal, changes }) =>
    changes.map(({ change, scope, actions, conditions }) => ({
      principal,
      change,
      scope,
      actions,
      conditions,
    })),
  );

describe('policy diff: rewrites that change nothing report no effect', () => {
  const cases: { name: string; after: PolicyDocument }[] = [
    { name: 'the same policy', after: BASE },
    { name: 'statements reordered', after: policy(describe_, grant, admin) },
    {
      name: 'actions reordered',
      after: policy({ ...admin, Action: [...ADMIN_ACTIONS].reverse() }, grant, describe_),
    },
    {
      name: 'Action as a string instead of a one-element list',
      after: policy(admin, grant, { ...describe_, Action: 'kms:DescribeKey' }),
    },
    {
      name: 'Action in another case',
      after: policy(admin, grant, { ...describe_, Action: 'KMS:describekey' }),
    },
    {
      name: 'Principal as a list instead of a string',
      after: policy({ ...admin, Principal: { AWS: [ADMIN] } }, grant, describe_),
    },
    {
      name: 'Sids changed or removed',
      after: policy({ ...admin, Sid: 'KeyAdministrators' }, { ...grant, Sid: undefined }, describe_),
    },
    {
      name: 'one statement split in two',
      after: policy(
        { ...admin, Action: ADMIN_ACTIONS.slice(0, 3) },
        { ...admin, Sid: 'Admins2', Action: ADMIN_ACTIONS.slice(3) },
        grant,
        describe_,
      ),
    },
    {
      name: 'two statements merged into one',
      after: policy(admin, grant, { ...describe_, Principal: { AWS: [EXEC] } }),
    },
    {
      name: 'condition operators and blocks reordered, operator in another case',
      after: policy(
        admin,
        { ...grant, Condition: { bool: { 'kms:grantisforawsresource': 'true' }, ...VIA } },
        describe_,
      ),
    },
    {
      name: 'Bool written as a boolean',
      after: policy(
        admin,
        { ...grant, Condition: { ...VIA, Bool: { 'kms:GrantIsForAWSResource': true } } },
        describe_,
      ),
    },
    {
      name: 'a list of condition values split into two statements',
      after: policy(
        admin,
        {
          ...grant,
          Condition: {
            StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' },
            Bool: { 'kms:GrantIsForAWSResource': 'true' },
          },
        },
        describe_,
      ),
    },
    {
      name: 'a duplicate statement added',
      after: policy(admin, grant, describe_, { ...describe_, Sid: 'Again' }),
    },
    { name: 'Resource written as a list', after: policy({ ...admin, Resource: ['*'] }, grant, describe_) },
    {
      name: 'a redundant narrower statement added',
      after: policy(admin, grant, describe_, { ...describe_, Sid: 'X', Condition: VIA }),
    },
    {
      // "If either of the required Resource or Action elements are missing from a key policy
      // statement, the policy statement has no effect." (KMS PutKeyPolicy)
      name: 'an Allow to "*" without Resource added (KMS gives it no effect)',
      after: policy(admin, grant, describe_, { Effect: 'Allow', Principal: '*', Action: 'kms:*' }),
    },
  ];
  it.each(cases)('$name', ({ after }) => {
    const result = diff(BASE, after);
    expect(result.principals).toEqual([]);
    expect(result.effect).toBe('none');
    expect(result.widens).toBe(false);
    expect(result.rules.every((rule) => !rule.changed)).toBe(true);
  });

  it('an account id and its root ARN are the same principal', () => {
    const before = policy({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'kms:*', Resource: '*' });
    const after = policy({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' });
    expect(diff(before, after).effect).toBe('none');
  });

  it('a condition value list and the same values in two statements are the same', () => {
    const two = {
      StringEquals: {
        'kms:ViaService': ['sagemaker.us-east-1.amazonaws.com', 'ec2.us-east-1.amazonaws.com'],
      },
    };
    const before = policy(admin, { ...describe_, Condition: two });
    const after = policy(
      admin,
      { ...describe_, Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } } },
      { ...describe_, Sid: 'B', Condition: VIA },
    );
    expect(diff(before, after).effect).toBe('none');
  });
});

describe('policy diff: changes report who gains or loses what, and under which conditions', () => {
  const cases: { name: string; after: PolicyDocument; effect: string; changes: Summary[] }[] = [
    {
      name: 'a new principal may decrypt',
      after: policy(admin, grant, describe_, {
        Effect: 'Allow',
        Principal: { AWS: OTHER },
        Action: 'kms:Decrypt',
        Resource: '*',
      }),
      effect: 'widens',
      changes: [
        {
          principal: OTHER,
          change: 'allow-added',
          scope: 'gained',
          actions: ['kms:Decrypt'],
          conditions: [],
        },
      ],
    },
    {
      name: 'a condition removed from CreateGrant (widens only: the old, stricter case stays allowed)',
      after: policy(admin, { ...grant, Condition: VIA }, describe_),
      effect: 'widens',
      changes: [
        {
          principal: EXEC,
          change: 'allow-added',
          scope: 'conditions',
          actions: ['kms:CreateGrant'],
          conditions: ['StringEquals kms:viaservice "sagemaker.us-east-1.amazonaws.com"'],
        },
      ],
    },
    {
      name: 'a condition added to CreateGrant (narrows only)',
      after: policy(
        admin,
        {
          ...grant,
          Condition: {
            ...grant.Condition,
            StringEquals: { ...VIA.StringEquals, 'aws:PrincipalAccount': ACCOUNT },
          },
        },
        describe_,
      ),
      effect: 'narrows',
      changes: [
        {
          principal: EXEC,
          change: 'allow-removed',
          scope: 'conditions',
          actions: ['kms:CreateGrant'],
          conditions: [
            'Bool kms:grantisforawsresource "true"',
            'StringEquals kms:viaservice "sagemaker.us-east-1.amazonaws.com"',
          ],
        },
      ],
    },
    {
      name: 'the execution role loses CreateGrant',
      after: policy(admin, describe_),
      effect: 'narrows',
      changes: [
        {
          principal: EXEC,
          change: 'allow-removed',
          scope: 'lost',
          actions: ['kms:CreateGrant'],
          conditions: [
            'Bool kms:grantisforawsresource "true"',
            'StringEquals kms:viaservice "sagemaker.us-east-1.amazonaws.com"',
          ],
        },
      ],
    },
  ];
  it.each(cases)('$name', ({ after, effect, changes }) => {
    const result = diff(BASE, after);
    expect(result.effect).toBe(effect);
    expect(summary(BASE, after)).toEqual(changes);
  });

  it('a wildcard action replacing a list gives the admin every other action, usage included', () => {
    const result = diff(BASE, policy({ ...admin, Action: 'kms:*' }, grant, describe_));
    expect(result.effect).toBe('widens');
    const [entry] = result.principals;
    expect(entry?.principal).toBe(ADMIN);
    expect(entry?.changes).toHaveLength(1);
    expect(entry?.changes[0]?.actions).toContain('kms:Decrypt');
    expect(entry?.changes[0]?.actions).not.toContain('kms:PutKeyPolicy');
    const sod = result.rules.find((rule) => rule.ruleId === 'kms-key-separation-of-duties');
    expect(sod).toMatchObject({ changed: true, before: { status: 'PASS' }, after: { status: 'FAIL' } });
  });

  it('removing a Deny widens, adding it narrows', () => {
    const deny: PolicyStatement = {
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:ScheduleKeyDeletion',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalArn': ADMIN } },
    };
    const withDeny = policy(admin, grant, describe_, deny);
    const removed = diff(withDeny, BASE);
    expect(removed.effect).toBe('widens');
    expect(removed.principals).toEqual([
      {
        principal: '*',
        changes: [
          {
            change: 'deny-removed',
            scope: 'conditions',
            actions: ['kms:ScheduleKeyDeletion'],
            conditions: [`StringNotEquals aws:principalarn "${ADMIN}"`],
            widens: true,
          },
        ],
      },
    ]);
    expect(diff(BASE, withDeny).effect).toBe('narrows');
  });

  it('a public statement flips the public-access verdict', () => {
    const open = policy(admin, grant, describe_, {
      Effect: 'Allow',
      Principal: '*',
      Action: 'kms:Decrypt',
      Resource: '*',
    });
    const result = diff(BASE, open);
    expect(result.widens).toBe(true);
    expect(result.principals.map((p) => p.principal)).toEqual(['*']);
    expect(result.rules.find((rule) => rule.ruleId === 'kms-key-policy-no-public-access')).toMatchObject({
      changed: true,
      before: { status: 'PASS' },
      after: { status: 'FAIL' },
    });
  });
});

describe('policy diff: execution roles and administration', () => {
  it('infers the execution role from the old policy and reports that it loses CreateGrant via SageMaker', () => {
    const result = diff(BASE, policy(admin, describe_));
    expect(result.executionRoles).toEqual([{ role: EXEC, source: 'old-policy', before: 'yes', after: 'no' }]);
  });

  it('a named role is checked even when the old policy did not let it', () => {
    const result = diff(BASE, BASE, [OTHER]);
    expect(result.executionRoles).toEqual([{ role: OTHER, source: 'option', before: 'no', after: 'no' }]);
  });

  it("the RCPs over the key's account bound what either policy gives the role", () => {
    const key = syntheticKey([BASE, BASE], { region: 'us-east-1' });
    const everything: PolicyStatement = { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' };
    const run = (perimeterOrg: string) =>
      diffKeyPolicies({
        before: BASE,
        after: policy(admin, describe_),
        key,
        inventory: inventory({
          keys: [key],
          accounts: [
            {
              id: ACCOUNT,
              regions: ['us-east-1'],
              source: 'live',
              organizationId: 'o-a1b2c3d4e5',
              resourceControlPolicies: [
                {
                  target: 'r-ab12',
                  policies: [
                    {
                      id: 'p-perimeter',
                      kmsStatements: [
                        everything,
                        {
                          Effect: 'Deny',
                          Principal: '*',
                          Action: 'kms:*',
                          Resource: '*',
                          Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': perimeterOrg } },
                        },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        }),
        executionRoles: [EXEC],
        config: resolveConfig(),
        now: new Date('2026-11-27T12:00:00Z'),
      }).executionRoles;
    // The role's organization is the perimeter's: the old policy lets it, the new one does not.
    expect(run('o-a1b2c3d4e5')).toEqual([{ role: EXEC, source: 'option', before: 'yes', after: 'no' }]);
    // Another organization's perimeter: the RCPs deny it under either policy.
    expect(run('o-zzzzzzzzzz')).toEqual([{ role: EXEC, source: 'option', before: 'no', after: 'no' }]);
  });

  // "An explicit deny in any of the policies overrides the allow":
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
  it('a role whose IAM policies the scan could not read may be denied what the key policy gives it', () => {
    const key = syntheticKey([BASE, BASE], { region: 'us-east-1' });
    const run = (execRole: Partial<ExecutionRole>) =>
      diffKeyPolicies({
        before: BASE,
        after: policy(admin, describe_),
        key,
        // The role runs a group whose volume uses the key: its record goes with the key's estate.
        inventory: inventory({
          clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(key.arn)] })])],
          keys: [key],
          roles: [role(EXEC, execRole)],
        }),
        config: resolveConfig(),
        now: new Date('2026-11-27T12:00:00Z'),
      }).executionRoles;
    expect(run({ policiesCollected: false })).toEqual([
      { role: EXEC, source: 'inventory', before: 'maybe', after: 'no' },
    ]);
    expect(run({ policiesCollected: true })).toEqual([
      { role: EXEC, source: 'inventory', before: 'yes', after: 'no' },
    ]);
  });

  it('a CreateGrant limited to EC2 does not let the role create grants via SageMaker', () => {
    const ec2 = {
      ...grant,
      Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } },
    };
    expect(diff(BASE, policy(admin, ec2, describe_)).executionRoles).toEqual([
      { role: EXEC, source: 'old-policy', before: 'yes', after: 'no' },
    ]);
  });

  it('reports a lockout when nobody may change the policy any more', () => {
    const result = diff(BASE, policy(grant, describe_));
    expect(result.administration).toEqual({
      before: [ADMIN],
      after: [],
      lockout: true,
      lost: [{ principal: ADMIN, actions: ADMIN_ACTIONS.filter((a) => a !== 'kms:DescribeKey') }],
    });
  });

  it('the account root keeps the key administrable', () => {
    const root = { Effect: 'Allow' as const, Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };
    const result = diff(policy(root, grant), policy(root, grant, describe_));
    expect(result.administration.lockout).toBe(false);
    expect(result.administration.after).toEqual([ROOT]);
  });
});
