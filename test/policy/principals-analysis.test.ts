import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyStatement } from '../../src/model/inventory.js';
import { ADMIN_ACTIONS, ALL_KEY_ACTIONS } from '../../src/policy/actions.js';
import { principalAccess } from '../../src/policy/principals-analysis.js';

const A = '111122223333';
const B = '444455556666';
const KEY = `arn:aws:kms:us-east-1:${A}:key/k1`;
const ADMIN = `arn:aws:iam::${A}:role/KeyAdmin`;
const EXEC = `arn:aws:iam::${A}:role/hyperpod-exec`;
const SESSION = `arn:aws:sts::${A}:assumed-role/ops/alice`;

const policy = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const stmt = (
  principal: PolicyStatement['Principal'],
  Action: string | string[],
  extra: Partial<PolicyStatement> = {},
) => ({ Effect: 'Allow', Principal: principal, Action, Resource: '*', ...extra }) as PolicyStatement;

const access = (doc: PolicyDocument) => principalAccess(doc, KEY, A);
const byName = (doc: PolicyDocument) => Object.fromEntries(access(doc).map((entry) => [entry.name, entry]));

describe('principalAccess', () => {
  it('the own account root: delegation to IAM, every action', () => {
    const [root] = access(policy(stmt({ AWS: `arn:aws:iam::${A}:root` }, 'kms:*')));
    expect(root).toMatchObject({
      name: `arn:aws:iam::${A}:root`,
      account: A,
      ownAccountRoot: true,
      all: true,
    });
    expect(root!.actions).toHaveLength(ALL_KEY_ACTIONS.length);
  });

  it('a bare account id of another account is not the own root', () => {
    const [other] = access(policy(stmt({ AWS: B }, 'kms:Decrypt')));
    expect(other).toMatchObject({
      name: `arn:aws:iam::${B}:root`,
      account: B,
      ownAccountRoot: false,
      usage: ['kms:Decrypt'],
    });
  });

  it('splits admin and usage actions, and reads wildcards', () => {
    const entries = byName(
      policy(
        stmt({ AWS: ADMIN }, ['kms:Put*', 'kms:ScheduleKeyDeletion', 'kms:Describe*']),
        stmt({ AWS: EXEC }, ['kms:CreateGrant', 'kms:DescribeKey'], {
          Condition: { StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' } },
        }),
      ),
    );
    expect(entries[ADMIN]).toMatchObject({
      account: A,
      admin: ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'],
      usage: [],
      all: false,
      ownAccountRoot: false,
    });
    expect(entries[ADMIN]!.actions).toContain('kms:DescribeKey');
    // a condition the analysis cannot decide still counts: the grant exists
    expect(entries[EXEC]).toMatchObject({
      admin: [],
      usage: ['kms:CreateGrant'],
      actions: ['kms:CreateGrant', 'kms:DescribeKey'],
    });
  });

  it('kms:* to a role is every action', () => {
    expect(byName(policy(stmt({ AWS: ADMIN }, 'kms:*')))[ADMIN]).toMatchObject({
      all: true,
      admin: [...ADMIN_ACTIONS],
    });
  });

  it('a Deny takes actions away from the principals it covers', () => {
    const entries = byName(
      policy(stmt({ AWS: [ADMIN, EXEC] }, 'kms:*'), {
        Effect: 'Deny',
        Principal: { AWS: EXEC },
        Action: ADMIN_ACTIONS as unknown as string[],
        Resource: '*',
      }),
    );
    expect(entries[EXEC]!.admin).toEqual([]);
    expect(entries[EXEC]!.all).toBe(false);
    expect(entries[ADMIN]!.all).toBe(true);
  });

  it('a Deny on aws:PrincipalArn is decided with the principal ARN', () => {
    const entries = byName(
      policy(stmt({ AWS: [ADMIN, EXEC] }, 'kms:Decrypt'), {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': ADMIN } },
      }),
    );
    expect(entries[ADMIN]!.usage).toEqual(['kms:Decrypt']);
    expect(entries[EXEC]!.usage).toEqual([]);
  });

  it('an assumed-role session is judged as that session, and aws:PrincipalArn is its role', () => {
    const entries = byName(
      policy(
        stmt({ AWS: SESSION }, 'kms:Decrypt'),
        stmt({ AWS: `arn:aws:iam::${A}:role/ops` }, 'kms:Encrypt'),
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 'kms:Encrypt',
          Resource: '*',
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/ops` } },
        },
      ),
    );
    // the session has its own grant and, as a session of the role, the role's grant
    expect(entries[SESSION]).toMatchObject({ account: A, usage: ['kms:Encrypt', 'kms:Decrypt'] });
  });

  it('"*" and NotPrincipal grants are what an outsider gets', () => {
    const entries = byName(
      policy(stmt('*', 'kms:Decrypt', { Condition: { StringEquals: { 'kms:CallerAccount': A } } }), {
        Effect: 'Allow',
        NotPrincipal: { AWS: ADMIN },
        Action: 'kms:Encrypt',
        Resource: '*',
      }),
    );
    expect(Object.keys(entries)).toEqual(['*']);
    expect(entries['*']).toMatchObject({ account: undefined, usage: ['kms:Encrypt', 'kms:Decrypt'] });
  });

  it('service principals, unique ids and IaC references', () => {
    const entries = byName(
      policy(
        stmt({ Service: 'logs.us-east-1.amazonaws.com' }, 'kms:Encrypt*'),
        stmt({ AWS: 'AROADELETEDROLE00001' }, 'kms:Decrypt'),
        stmt({ AWS: 'template.yaml#ExecRole' }, 'kms:CreateGrant'),
      ),
    );
    expect(entries['logs.us-east-1.amazonaws.com']).toMatchObject({
      account: undefined,
      usage: ['kms:Encrypt'],
    });
    expect(entries.AROADELETEDROLE00001).toMatchObject({ account: undefined, usage: ['kms:Decrypt'] });
    expect(entries['template.yaml#ExecRole']).toMatchObject({ usage: ['kms:CreateGrant'] });
  });

  it('lists a principal once, with everything the policy grants it', () => {
    const list = access(policy(stmt({ AWS: EXEC }, 'kms:Decrypt'), stmt({ AWS: EXEC }, 'kms:Encrypt')));
    expect(list).toHaveLength(1);
    expect(list[0]!.usage).toEqual(['kms:Encrypt', 'kms:Decrypt']);
  });

  it('ignores principals named only in Deny statements', () => {
    expect(
      access(policy({ Effect: 'Deny', Principal: { AWS: EXEC }, Action: 'kms:*', Resource: '*' })),
    ).toEqual([]);
  });
});

// aws:PrincipalOrgID of a principal of the key's own account is the key account's organization.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
describe('principalAccess with the organization of the key account', () => {
  const ORG = 'o-a1b2c3d4e5';
  const doc = policy(
    stmt({ AWS: EXEC }, 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } }),
    stmt({ AWS: `arn:aws:iam::${B}:role/x` }, 'kms:Decrypt', {
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
    }),
  );
  const actionsOf = (organization: string | null | undefined) =>
    Object.fromEntries(
      principalAccess(doc, KEY, A, organization).map((entry) => [entry.name, entry.actions]),
    );
  it.each([
    // the organization matches: granted; another one or none: not; unknown: counted (maybe)
    [ORG, ['kms:Decrypt']],
    ['o-zzzzzzzzzz', []],
    [null, []],
    [undefined, ['kms:Decrypt']],
  ] as const)('key account in %s', (organization, own) => {
    const actions = actionsOf(organization);
    expect(actions[EXEC]).toEqual(own);
    // another account's principal may be in any organization
    expect(actions[`arn:aws:iam::${B}:role/x`]).toEqual(['kms:Decrypt']);
  });
});
