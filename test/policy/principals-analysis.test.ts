import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyStatement } from '../../src/model/inventory.js';
import { ADMIN_ACTIONS, ALL_KEY_ACTIONS, USAGE_ACTIONS } from '../../src/policy/actions.js';
import { requestContext, withPrincipalOrganization } from '../../src/policy/conditions.js';
import { allowedPrincipals, effectiveActions } from '../../src/policy/evaluate.js';
import { type Caller, describePrincipal, roleArnOfSession } from '../../src/policy/principal.js';
import {
  conditionContentKey,
  createAccessMemo,
  principalAccess,
} from '../../src/policy/principals-analysis.js';

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

/**
 * The analysis judges each statement once per principal with bit sets and shared memos; this is the
 * straightforward reading it must agree with: `effectiveActions` (evaluate.ts) for every principal
 * an Allow names, with the request context KMS knows of it. Compared over a corpus of generated
 * policies, with one memo shared by the whole corpus (as in an evaluation) and with none.
 */
describe('principalAccess agrees with effectiveActions', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the IaC placeholder for the deploying account
  const SYMBOLIC = '${AWS::AccountId}';
  const reference = (
    doc: PolicyDocument,
    keyArn: string,
    keyAccount: string,
    org: string | null | undefined,
  ) => {
    const refs = allowedPrincipals(doc).map(({ ref }) => ref);
    const named = new Set<string>();
    for (const ref of refs)
      if ((ref.kind === 'iam' || ref.kind === 'assumed-role') && /^\d{12}$/.test(ref.account))
        named.add(ref.account);
    const isOwn = (account: string) =>
      /^\d{12}$/.test(keyAccount)
        ? account === keyAccount
        : account === keyAccount || !/^\d{12}$/.test(account) || named.has(account);
    const seen = new Map<string, unknown>();
    for (const ref of refs) {
      const name = describePrincipal(ref);
      if (seen.has(name)) continue;
      const caller: Caller =
        ref.kind === 'iam' || ref.kind === 'assumed-role'
          ? { kind: 'iam', arn: ref.arn, account: ref.account }
          : ref.kind === 'unique-id'
            ? { kind: 'iam', arn: ref.id, account: keyAccount, roleId: ref.id }
            : ref.kind === 'account'
              ? { kind: 'iam', arn: `arn:aws:iam::${ref.account}:root`, account: ref.account }
              : ref.kind === 'service'
                ? { kind: 'service', service: ref.service }
                : ref.kind === 'other'
                  ? { kind: 'iam', arn: ref.value, account: keyAccount }
                  : {
                      kind: 'iam',
                      arn: 'arn:aws:iam::000000000000:role/any-principal',
                      account: '000000000000',
                    };
      const known = caller.kind === 'iam' && ref.kind !== 'any';
      const base = requestContext(
        known
          ? {
              'aws:PrincipalArn': roleArnOfSession(caller.arn) ?? caller.arn,
              'aws:PrincipalAccount': caller.account,
              'kms:CallerAccount': caller.account,
            }
          : {},
      );
      const context = known && isOwn(caller.account) ? withPrincipalOrganization(base, org) : base;
      const actions = effectiveActions(doc, caller, keyArn, context, {
        includeDelegation: ref.kind === 'account',
      }).map((grant) => grant.action);
      const account =
        ref.kind === 'iam' || ref.kind === 'assumed-role' || ref.kind === 'account' ? ref.account : undefined;
      seen.set(name, {
        ref,
        name,
        account,
        actions,
        admin: actions.filter((action) => (ADMIN_ACTIONS as readonly string[]).includes(action)),
        usage: actions.filter((action) => (USAGE_ACTIONS as readonly string[]).includes(action)),
        all: actions.length === ALL_KEY_ACTIONS.length,
        ownAccountRoot: ref.kind === 'account' && isOwn(ref.account),
        external: account !== undefined && !isOwn(account),
      });
    }
    return [...seen.values()];
  };

  // A small deterministic generator (no dependency on Math.random).
  let seed = 7;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 16;
  };
  const pick = <T>(items: readonly T[]): T => items[next() % items.length]!;
  const principals: PolicyStatement['Principal'][] = [
    '*',
    { AWS: '*' },
    { AWS: `arn:aws:iam::${A}:root` },
    { AWS: A },
    { AWS: B },
    { AWS: `arn:aws:iam::${SYMBOLIC}:root` },
    { AWS: ADMIN },
    { AWS: ADMIN.toUpperCase() },
    { AWS: EXEC },
    { AWS: [EXEC, ADMIN] },
    { AWS: `arn:aws:iam::${A}:role/path/hyperpod-exec` },
    { AWS: `arn:aws:iam::${SYMBOLIC}:role/hyperpod-exec` },
    { AWS: `arn:aws:iam::${B}:role/x` },
    { AWS: SESSION },
    { AWS: `arn:aws:iam::${A}:role/ops` },
    { AWS: 'AROADELETEDROLE00001' },
    { AWS: 'template.yaml#ExecRole' },
    { AWS: `arn:aws:iam::${A}:user/alice` },
    { Service: 'logs.us-east-1.amazonaws.com' },
    { Service: 'LOGS.us-east-1.amazonaws.com' },
    { Federated: 'cognito-identity.amazonaws.com' },
  ];
  const actions: PolicyStatement['Action'][] = [
    'kms:*',
    '*',
    'kms:Decrypt',
    ['kms:Create*', 'kms:Describe*'],
    ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:Get*', 'kms:List*'],
    'kms:Encrypt*',
    's3:GetObject',
    'kms:Decrypt\u0000kms:Encrypt',
  ];
  const conditions: (PolicyStatement['Condition'] | undefined)[] = [
    undefined,
    undefined,
    { StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' } },
    { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    { StringEquals: { 'kms:CallerAccount': A } },
    { ArnNotEquals: { 'aws:PrincipalArn': ADMIN } },
    { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/*` } },
    { StringNotEquals: { 'aws:PrincipalAccount': B } },
    { Bool: { 'aws:SecureTransport': 'false' } },
    { StringEquals: { 'kms:CallerAccount': [A, B] }, ArnEquals: { 'aws:PrincipalArn': [EXEC, ADMIN] } },
    { StringNotEquals: { 'aws:PrincipalOrgID': ['o-a1b2c3d4e5'] } },
  ];
  const resources: Partial<PolicyStatement>[] = [
    { Resource: '*' },
    { Resource: '*' },
    { Resource: KEY },
    { Resource: `arn:aws:kms:us-east-1:${B}:key/*` },
    { NotResource: KEY },
    {},
  ];
  const statement = (): PolicyStatement => {
    const effect = next() % 4 === 0 ? 'Deny' : 'Allow';
    const principal = pick(principals);
    const condition = pick(conditions);
    const action = pick(actions);
    return {
      Effect: effect,
      ...(next() % 8 === 0 ? { NotPrincipal: principal } : { Principal: principal }),
      ...(next() % 10 === 0 ? { NotAction: action } : { Action: action }),
      ...pick(resources),
      ...(condition ? { Condition: condition } : {}),
    } as PolicyStatement;
  };
  const corpus = Array.from({ length: 400 }, () =>
    policy(...Array.from({ length: 1 + (next() % 6) }, statement)),
  );
  const keys: [string, string][] = [
    [KEY, A],
    [KEY, 'unknown'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: IaC placeholders
    ['arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/k', SYMBOLIC],
  ];
  const organizations = ['o-a1b2c3d4e5', 'o-zzzzzzzzzz', null, undefined] as const;

  it('for every principal of every policy, with and without a shared memo', () => {
    const memo = createAccessMemo();
    let compared = 0;
    for (const doc of corpus) {
      for (const [keyArn, keyAccount] of keys) {
        for (const org of organizations) {
          const expected = reference(doc, keyArn, keyAccount, org);
          expect(principalAccess(doc, keyArn, keyAccount, org)).toEqual(expected);
          expect(principalAccess(doc, keyArn, keyAccount, org, memo)).toEqual(expected);
          compared += expected.length;
        }
      }
    }
    // The corpus must exercise the analysis, not only empty policies.
    expect(compared).toBeGreaterThan(3000);
  });

  it('answers from the memo for the same policy, key and organization, and apart for another', () => {
    const memo = createAccessMemo();
    const doc = policy(
      stmt({ AWS: EXEC }, 'kms:Decrypt', {
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      }),
    );
    const first = principalAccess(doc, KEY, A, 'o-a1b2c3d4e5', memo);
    expect(principalAccess(doc, KEY, A, 'o-a1b2c3d4e5', memo)).toBe(first);
    expect(principalAccess(doc, KEY, A, 'o-zzzzzzzzzz', memo)[0]!.actions).toEqual([]);
    expect(principalAccess(doc, KEY, A, 'o-a1b2c3d4e5', memo)[0]!.actions).toEqual(['kms:Decrypt']);
    // Another key of the same account whose policy says the same shares the answer, frozen.
    const again = principalAccess(structuredClone(doc), `${KEY}2`, A, 'o-a1b2c3d4e5', memo);
    expect(again).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first[0]) && Object.isFrozen(first[0]!.actions)).toBe(
      true,
    );
  });
});

describe('conditionContentKey', () => {
  it('gives different contents different keys, whatever characters they hold', () => {
    const blocks: Record<string, Record<string, unknown>>[] = [
      { StringEquals: { a: ['b', 'c'] } },
      { StringEquals: { a: 'b1:c' } },
      { StringEquals: { a: ['b1:c'] } },
      { StringEquals: { a: 'b' } },
      { StringEquals: { a: ['b'] } },
      { StringEquals: { a: true } },
      { StringEquals: { a: 'true' } },
      { StringEquals: { a: 1 } },
      { StringEquals: { a: '1' } },
      { StringEquals: { a: 'b', c: 'd' } },
      { StringEquals: { a: 'b' }, StringLike: { c: 'd' } },
      { 'StringEquals{1:a=s1:b}': {} },
      { StringEquals: {} },
      {},
    ];
    const keys = blocks.map((block) => conditionContentKey(block));
    expect(keys.every((key) => typeof key === 'string')).toBe(true);
    expect(new Set(keys).size).toBe(blocks.length);
    expect(conditionContentKey({ StringEquals: { a: 'b' } })).toBe(keys[3]);
  });

  it('leaves blocks with other values to be judged each time', () => {
    expect(conditionContentKey({ StringEquals: { a: null } })).toBeUndefined();
    expect(conditionContentKey({ StringEquals: { a: [1] } })).toBeUndefined();
    expect(conditionContentKey({ StringEquals: { a: { b: 'c' } } })).toBeUndefined();
    expect(conditionContentKey({ StringEquals: 'a' })).toBeUndefined();
    expect(conditionContentKey(Object.create({ StringEquals: { a: 'b' } }))).toBeUndefined();
  });
});

describe('principalAccess memo with one policy object for many keys', () => {
  it('answers each key, account and organization for itself', () => {
    const memo = createAccessMemo();
    const doc = policy(
      stmt({ AWS: EXEC }, 'kms:Decrypt', {
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      }),
      stmt({ AWS: `arn:aws:iam::${A}:root` }, 'kms:*', { Resource: KEY }),
    );
    const asks: [string, string, string | null | undefined][] = [
      [KEY, A, 'o-a1b2c3d4e5'],
      [`${KEY}2`, A, 'o-a1b2c3d4e5'],
      [KEY, A, null],
      [`${KEY}3`, 'unknown', undefined],
      [`${KEY}2`, B, 'o-a1b2c3d4e5'],
      [KEY, A, 'o-a1b2c3d4e5'],
      ...Array.from(
        { length: 200 },
        (_, i) => [`${KEY}-${i}`, A, 'o-a1b2c3d4e5'] as [string, string, string],
      ),
    ];
    for (const [keyArn, keyAccount, org] of asks)
      expect(principalAccess(doc, keyArn, keyAccount, org, memo), `${keyArn} ${keyAccount} ${org}`).toEqual(
        principalAccess(doc, keyArn, keyAccount, org),
      );
    // The root statement names KEY only: another key's root gets nothing from it.
    expect(principalAccess(doc, `${KEY}2`, A, null, memo).find((a) => a.ownAccountRoot)?.actions).toEqual([]);
    expect(principalAccess(doc, KEY, A, null, memo).find((a) => a.ownAccountRoot)?.all).toBe(true);
  });
});
