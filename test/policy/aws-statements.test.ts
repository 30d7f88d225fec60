/**
 * Statements against AWS's documented semantics, case by case (Resource, policy variables and the
 * policy's Version, NotPrincipal, malformed statements): each row is an input on which AWS's
 * documentation fixes the answer, and names the page that fixes it. Conditions:
 * aws-conditions.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../src/model/inventory.js';
import { requestContext, type Tri } from '../../src/policy/conditions.js';
import {
  effectiveActions,
  evaluatePolicy,
  evaluateStatements,
  keyAccess,
} from '../../src/policy/evaluate.js';
import { kmsStatementsIn, withDocumentVersion } from '../../src/policy/identity-policies.js';
import type { Caller } from '../../src/policy/principal.js';
import { principalAccess } from '../../src/policy/principals-analysis.js';
import { publicAccess } from '../../src/policy/public-access.js';

const IAM = 'https://docs.aws.amazon.com/IAM/latest/UserGuide';
const VARIABLES = `${IAM}/reference_policies_variables.html`;
const RESOURCE = `${IAM}/reference_policies_elements_resource.html`;
const NOT_PRINCIPAL = `${IAM}/reference_policies_elements_notprincipal.html`;
const GRAMMAR = `${IAM}/reference_policies_grammar.html`;
const PRINCIPAL = `${IAM}/reference_policies_elements_principal.html`;
const NOT_PRINCIPAL_SESSIONS = 'https://repost.aws/knowledge-center/explicit-deny-principle-elements-s3';
const PUT_KEY_POLICY = 'https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html';

const A = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${A}:key/k1`;
const ROLE = `arn:aws:iam::${A}:role/hyperpod-exec`;
const SESSION = `arn:aws:sts::${A}:assumed-role/hyperpod-exec/SageMaker`;
const ADMIN = `arn:aws:iam::${A}:role/KeyAdmin`;
const ACCOUNT_ROOT = `arn:aws:iam::${A}:root`;
/** A policy variable as a policy writes it. */
const v = (name: string) => `$${'{'}${name}}`;

type IamCaller = Extract<Caller, { kind: 'iam' }>;
const role: IamCaller = { kind: 'iam', arn: ROLE, account: A };
const session: IamCaller = { kind: 'iam', arn: SESSION, account: A };

/** A policy document; `Version` undefined leaves the element out. */
const doc = (Statement: unknown, Version: string | undefined): PolicyDocument =>
  (Version === undefined ? { Statement } : { Version, Statement }) as PolicyDocument;
const V2012 = '2012-10-17';

function decide(
  statements: unknown,
  options: {
    kind?: 'resource' | 'identity';
    caller?: Caller;
    context?: ReturnType<typeof requestContext>;
    version?: string | undefined;
    action?: string;
  } = {},
) {
  const decision = evaluatePolicy(
    doc(statements, 'version' in options ? options.version : V2012),
    {
      caller: options.caller ?? role,
      action: options.action ?? 'kms:CreateGrant',
      resource: KEY,
      context: options.context ?? requestContext({ 'aws:PrincipalArn': ROLE }),
    },
    options.kind ?? 'resource',
  );
  return { allow: decision.allow, deny: decision.deny };
}

const allowRole = (extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal: { AWS: ROLE },
  Action: 'kms:CreateGrant',
  Resource: '*',
  ...extra,
});

describe(`a key policy statement without Resource has no effect (${PUT_KEY_POLICY})`, () => {
  const { Resource: _omitted, ...noResource } = allowRole();
  it.each([
    ['an Allow naming the role', [noResource], { allow: 'no', deny: 'no' }],
    [
      'a Deny to everyone',
      [allowRole(), { ...noResource, Effect: 'Deny', Principal: '*' }],
      { allow: 'yes', deny: 'no' },
    ],
  ] as const)('%s', (_name, statements, expected) => {
    expect(decide(statements)).toEqual(expected);
  });

  it(`an identity statement must have Resource or NotResource too (${RESOURCE})`, () => {
    expect(decide([{ Effect: 'Allow', Action: 'kms:CreateGrant' }], { kind: 'identity' })).toEqual({
      allow: 'no',
      deny: 'no',
    });
  });

  it('is never public, and grants no principal anything', () => {
    const policy = doc([{ Effect: 'Allow', Principal: '*', Action: 'kms:*' }], V2012);
    expect(publicAccess(policy, { keyArn: KEY, keyAccount: A }).public).toEqual([]);
    expect(effectiveActions(policy, role, KEY, requestContext({}))).toEqual([]);
    expect(principalAccess(policy, KEY, A).map((p) => p.actions.length)).toEqual([0]);
  });
});

describe(`wildcards in Resource stay within their ARN segment unless they end it (${RESOURCE})`, () => {
  const grant = (Resource: string) => [{ Effect: 'Allow', Action: 'kms:CreateGrant', Resource }];
  it.each([
    ['a star ending its segment', `arn:aws:kms:*:${A}:key/*`, 'yes'],
    ['a star ending its segment reaches past colons', 'arn:aws:kms:*', 'yes'],
    ['a star inside a segment does not', `arn:aws:kms:u*${A.slice(-1)}:key/k1`, 'no'],
  ] as const)('%s', (_name, resource, allow) => {
    expect(decide(grant(resource), { kind: 'identity' }).allow).toBe(allow);
  });
});

describe(`policy variables in Resource (${VARIABLES}#policy-vars-resourceelement)`, () => {
  const tagged = (value: string | undefined) =>
    value === undefined
      ? requestContext({}, ['aws:PrincipalTag/key'])
      : requestContext({ 'aws:PrincipalTag/key': value });
  const unknown = requestContext({});
  const identity = (Resource: string, Effect = 'Allow') => [{ Effect, Action: 'kms:CreateGrant', Resource }];
  const byTag = `arn:aws:kms:us-east-1:${A}:key/${v('aws:PrincipalTag/key')}`;
  const rows: [string, unknown[], ReturnType<typeof requestContext>, string | undefined, Tri, Tri][] = [
    ['the variable resolves to the key', identity(byTag), tagged('k1'), '2012-10-17', 'yes', 'no'],
    ['the variable resolves to another key', identity(byTag), tagged('k2'), '2012-10-17', 'no', 'no'],
    ['the variable is not known', identity(byTag), unknown, '2012-10-17', 'maybe', 'no'],
    ['a Deny whose variable is not known', identity(byTag, 'Deny'), unknown, '2012-10-17', 'no', 'maybe'],
    // "not present ... any attempt to match it fails"
    ['the key is absent: no match', identity(byTag), tagged(undefined), '2012-10-17', 'no', 'no'],
    [
      'the key is absent, its default names the key',
      identity(`arn:aws:kms:us-east-1:${A}:key/${v("aws:PrincipalTag/key, 'k1'")}`),
      tagged(undefined),
      '2012-10-17',
      'yes',
      'no',
    ],
    [
      'a NotResource whose variable is not known',
      [{ Effect: 'Allow', Action: 'kms:CreateGrant', NotResource: byTag }],
      unknown,
      '2012-10-17',
      'maybe',
      'no',
    ],
    // Without Version 2012-10-17 a variable is literal text.
    ['Version 2008-10-17: literal', identity(byTag), unknown, '2008-10-17', 'no', 'no'],
    ['no Version: literal', identity(byTag), unknown, undefined, 'no', 'no'],
  ];
  it.each(rows)('%s', (_name, statements, context, version, allow, deny) => {
    expect(decide(statements, { kind: 'identity', context, version })).toEqual({ allow, deny });
  });
});

describe(`identity statements kept apart from their document keep its Version (${VARIABLES})`, () => {
  const byTag = `arn:aws:kms:us-east-1:${A}:key/${v('aws:PrincipalTag/key')}`;
  const document = (Version: string | undefined) => ({
    ...(Version === undefined ? {} : { Version }),
    Statement: [{ Effect: 'Allow', Action: 'kms:CreateGrant', Resource: byTag }],
  });
  const allow = (Version: string | undefined) =>
    evaluateStatements(
      kmsStatementsIn(JSON.stringify(document(Version)))!,
      {
        caller: role,
        action: 'kms:CreateGrant',
        resource: KEY,
        context: requestContext({ 'aws:PrincipalTag/key': 'k1' }),
      },
      'identity',
    ).allow;
  it.each([
    ['2012-10-17: the variable is substituted', '2012-10-17', 'yes'],
    // "If you don't include the Version element ..., variables like ${aws:username} are treated as
    // literal strings in the policy."
    ['2008-10-17: literal text', '2008-10-17', 'no'],
    ['no Version: literal text', undefined, 'no'],
  ] as const)('%s', (_name, version, expected) => {
    expect(allow(version)).toBe(expected);
  });

  it('the collected statements say the Version, and only the document says it', () => {
    expect(kmsStatementsIn(document('2008-10-17'))).toEqual([
      { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: byTag, documentVersion: '2008-10-17' },
    ]);
    expect(kmsStatementsIn(document(undefined))?.[0]?.documentVersion).toBeNull();
    expect(kmsStatementsIn(document('2012-10-17'))?.[0]).not.toHaveProperty('documentVersion');
    const written = {
      Effect: 'Allow' as const,
      Action: 'kms:*',
      Resource: '*',
      documentVersion: '2012-10-17',
    };
    expect(withDocumentVersion(written, '2008-10-17')).toEqual({ ...written, documentVersion: '2008-10-17' });
    expect(withDocumentVersion(written, '2012-10-17')).toEqual({
      Effect: 'Allow',
      Action: 'kms:*',
      Resource: '*',
    });
  });

  it('a statement of a key policy document is read as its document says, whatever it carries', () => {
    const decision = decide([{ ...allowRole({ Resource: byTag }), documentVersion: '2008-10-17' }], {
      context: requestContext({ 'aws:PrincipalTag/key': 'k1' }),
    });
    expect(decision).toEqual({ allow: 'yes', deny: 'no' });
  });
});

// A role session's principal tags are its session tags, incoming transitive session tags and the
// role's IAM tags, a session tag overriding a role tag of the same key
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html): the inventory holds no
// role tags, and what session tags HyperPod's sessions carry is not documented.
describe('an SCP or RCP condition on aws:PrincipalTag is undetermined', () => {
  const tagGuard = [
    { Effect: 'Allow', Action: '*', Resource: '*' },
    {
      Effect: 'Deny',
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'ml' } },
    },
  ] as const;
  it.each([
    ['an SCP', { scpLevels: [tagGuard] }],
    [
      'an RCP',
      {
        rcpLevels: [
          [
            { ...tagGuard[0], Principal: '*' },
            { ...tagGuard[1], Principal: '*' },
          ],
        ],
      },
    ],
  ] as const)('%s', (_name, levels) => {
    const access = keyAccess({
      caller: session,
      action: 'kms:CreateGrant',
      resource: KEY,
      context: requestContext({ 'aws:PrincipalArn': ROLE }),
      keyPolicy: doc([allowRole()], V2012),
      keyAccount: A,
      identityStatements: [],
      ...levels,
    });
    expect({ result: access.result, unknownKeys: access.unknownKeys }).toEqual({
      result: 'maybe',
      unknownKeys: ['aws:PrincipalTag/team'],
    });
  });
});

describe(`NotPrincipal with Deny (${NOT_PRINCIPAL}, ${NOT_PRINCIPAL_SESSIONS})`, () => {
  const denyAllBut = (...names: string[]) => ({
    Sid: 'OnlyThese',
    Effect: 'Deny',
    NotPrincipal: { AWS: names },
    Action: 'kms:*',
    Resource: '*',
  });
  const rows: [string, string[], Caller, Tri][] = [
    // Naming the account does not exempt its other principals ("all principals except the user
    // named Bob in AWS account 444455556666 are explicitly denied").
    ['the account and another role: the role is denied', [ACCOUNT_ROOT, ADMIN], role, 'yes'],
    ['the account only: its roles are denied', [ACCOUNT_ROOT], session, 'yes'],
    // A role session is exempt only when its session ARN is named as well.
    ['the account and the role, not the session', [ACCOUNT_ROOT, ROLE], session, 'yes'],
    ['the role only', [ROLE], session, 'yes'],
    ['the account, the role and the session', [ACCOUNT_ROOT, ROLE, SESSION], session, 'no'],
    [
      'the account, the role and another session',
      [ACCOUNT_ROOT, ROLE, `arn:aws:sts::${A}:assumed-role/hyperpod-exec/Other`],
      session,
      'yes',
    ],
    // The caller's session name is not known: it may be the one named.
    [
      'the account, the role and a session, caller session unknown',
      [ACCOUNT_ROOT, ROLE, SESSION],
      role,
      'maybe',
    ],
    ['the role and the session, not the account: "might" deny', [ROLE, SESSION], session, 'maybe'],
    ['the account root itself', [ACCOUNT_ROOT], { kind: 'iam', arn: ACCOUNT_ROOT, account: A }, 'no'],
    ['nobody the caller is', [ADMIN], session, 'yes'],
  ];
  it.each(rows)('%s', (_name, names, caller, deny) => {
    expect(decide([allowRole(), denyAllBut(...names)], { caller }).deny).toBe(deny);
  });

  it('a service named is exempt', () => {
    const statements = [{ ...denyAllBut(), NotPrincipal: { Service: 'sagemaker.amazonaws.com' } }];
    expect(decide(statements, { caller: { kind: 'service', service: 'sagemaker.amazonaws.com' } }).deny).toBe(
      'no',
    );
  });

  it('always denies a caller with a permissions boundary, whatever it names', () => {
    const ask = (boundary: boolean) =>
      keyAccess({
        caller: session,
        action: 'kms:CreateGrant',
        resource: KEY,
        context: requestContext({ 'aws:PrincipalArn': ROLE }),
        keyPolicy: doc([allowRole(), denyAllBut(ACCOUNT_ROOT, ROLE, SESSION)], V2012),
        keyAccount: A,
        identityStatements: [],
        ...(boundary ? { boundaryStatements: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } : {}),
      });
    expect(ask(false)).toMatchObject({ result: 'yes', explicitDeny: false });
    expect(ask(true)).toMatchObject({ result: 'no', explicitDeny: true });
  });

  it('answers alike in effectiveActions and principalAccess', () => {
    const policy = doc([allowRole({ Action: 'kms:*' }), denyAllBut(ACCOUNT_ROOT, ADMIN)], V2012);
    expect(effectiveActions(policy, role, KEY, requestContext({}))).toEqual([]);
    const [entry] = principalAccess(policy, KEY, A);
    expect(entry?.actions).toEqual([]);
  });
});

describe(`NotPrincipal with Allow is not supported (${NOT_PRINCIPAL})`, () => {
  const allowAllBut = (...names: string[]) => ({
    Sid: 'AllBut',
    Effect: 'Allow',
    NotPrincipal: { AWS: names },
    Action: 'kms:*',
    Resource: '*',
  });
  const SUPPORTED = 'statement "AllBut" uses NotPrincipal with Allow, which AWS does not support';

  it('grants those it does not name an undetermined answer, with the reason', () => {
    const decision = evaluatePolicy(
      doc([allowAllBut(ADMIN)], V2012),
      {
        caller: role,
        action: 'kms:CreateGrant',
        resource: KEY,
        context: requestContext({}),
      },
      'resource',
    );
    expect({ allow: decision.allow, deny: decision.deny }).toEqual({ allow: 'maybe', deny: 'no' });
    expect(decision.unknownPrincipals).toEqual([SUPPORTED]);
  });

  it('grants nothing to those it names', () => {
    expect(decide([allowAllBut(ACCOUNT_ROOT, ROLE, SESSION)], { caller: session })).toEqual({
      allow: 'no',
      deny: 'no',
    });
  });

  it('answers alike in effectiveActions', () => {
    const policy = doc([allowAllBut(ADMIN)], V2012);
    expect(effectiveActions(policy, role, KEY, requestContext({}), { catalog: ['kms:Decrypt'] })).toEqual([
      { action: 'kms:Decrypt', result: 'maybe' },
    ]);
  });
});

describe(`a "*" of a principal type other than AWS is not all principals (${PRINCIPAL})`, () => {
  const grant = (Principal: Record<string, string>) => [
    { Effect: 'Allow', Principal, Action: 'kms:*', Resource: '*' },
  ];
  const sagemaker: Caller = { kind: 'service', service: 'sagemaker.amazonaws.com' };
  const rows: [string, Record<string, string>, Caller, Tri][] = [
    ['{"AWS": "*"}: the role', { AWS: '*' }, role, 'yes'],
    // A service principal identifies a service, never a role.
    ['{"Service": "*"}: the role', { Service: '*' }, role, 'no'],
    // Which services it names is not documented.
    ['{"Service": "*"}: a service', { Service: '*' }, sagemaker, 'maybe'],
    // Whether an identity provider's "*" names a role's session in a key policy is not documented.
    ['{"Federated": "*"}: the role', { Federated: '*' }, role, 'maybe'],
    ['{"Federated": "*"}: a service', { Federated: '*' }, sagemaker, 'no'],
  ];
  it.each(rows)('%s', (_name, principal, caller, allow) => {
    expect(decide(grant(principal), { caller }).allow).toBe(allow);
  });

  it('says why the answer is undetermined', () => {
    const decision = evaluatePolicy(
      doc(
        [{ Sid: 'Idp', Effect: 'Allow', Principal: { Federated: '*' }, Action: 'kms:*', Resource: '*' }],
        V2012,
      ),
      { caller: role, action: 'kms:CreateGrant', resource: KEY, context: requestContext({}) },
      'resource',
    );
    expect(decision.unknownPrincipals).toEqual([
      'statement "Idp" names "*" of a principal type other than AWS, which AWS does not document as naming the caller',
    ]);
  });

  it('a Deny with {"Service": "*"} does not deny a role, and does not close the key to everyone', () => {
    const statements = [
      { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
      { Effect: 'Deny', Principal: { Service: '*' }, Action: 'kms:*', Resource: '*' },
    ];
    expect(decide(statements, { action: 'kms:Decrypt' })).toEqual({ allow: 'yes', deny: 'no' });
    expect(publicAccess(doc(statements, V2012), { keyArn: KEY, keyAccount: A }).public).toHaveLength(1);
  });

  it('a Deny with NotPrincipal {"Federated": "*"} may or may not exempt a role', () => {
    const statements = [
      allowRole(),
      { Effect: 'Deny', NotPrincipal: { Federated: '*' }, Action: 'kms:*', Resource: '*' },
    ];
    expect(decide(statements)).toEqual({ allow: 'yes', deny: 'maybe' });
  });
});

describe(`a malformed statement gives an undetermined answer, never a throw (${GRAMMAR})`, () => {
  const rows: [string, unknown, Tri, Tri][] = [
    ['Effect in lower case', [allowRole({ Effect: 'allow' })], 'maybe', 'maybe'],
    ['no Effect', [allowRole({ Effect: undefined })], 'maybe', 'maybe'],
    ['Action a number', [allowRole({ Action: 5 })], 'maybe', 'no'],
    ['Action a list holding a number', [allowRole({ Action: ['kms:Decrypt', 5] })], 'maybe', 'no'],
    ['Resource an object', [allowRole({ Resource: { arn: KEY } })], 'maybe', 'no'],
    ['Principal a number', [allowRole({ Principal: 5 })], 'maybe', 'no'],
    ['Principal values a number', [allowRole({ Principal: { AWS: 5 } })], 'maybe', 'no'],
    ['Condition a string', [allowRole({ Condition: 'StringEquals' })], 'maybe', 'no'],
    ['a statement that is null', [null], 'maybe', 'maybe'],
    ['a statement that is a string', ['Allow everything'], 'maybe', 'maybe'],
    ['Statement a string', 'Allow everything', 'maybe', 'maybe'],
    ['Statement missing', undefined, 'maybe', 'maybe'],
  ];
  it.each(rows)('%s', (_name, statements, allow, deny) => {
    expect(decide(statements)).toEqual({ allow, deny });
  });

  it('a document that is not an object', () => {
    expect(() =>
      evaluatePolicy(
        null as never,
        { caller: role, action: 'kms:Decrypt', resource: KEY, context: requestContext({}) },
        'resource',
      ),
    ).not.toThrow();
  });

  it('a malformed key policy keeps keyAccess undetermined', () => {
    const access = keyAccess({
      caller: role,
      action: 'kms:CreateGrant',
      resource: KEY,
      context: requestContext({}),
      keyPolicy: doc([allowRole({ Effect: 'allow' })], V2012),
      keyAccount: A,
      identityStatements: [],
    });
    expect(access.result).toBe('maybe');
  });

  it('10,000 statements are judged, in time', () => {
    const statements: unknown[] = [];
    for (let i = 0; i < 10_000; i++)
      statements.push(
        allowRole({
          Principal: { AWS: `arn:aws:iam::${A}:role/r${i}` },
          Condition: { StringLike: { 'kms:ViaService': `${'*a'.repeat(20)}*` } },
        }),
      );
    statements.push({ Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' });
    const started = Date.now();
    expect(decide(statements)).toEqual({ allow: 'no', deny: 'yes' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe(`policy variables in conditions, as the policy's Version reads them (${VARIABLES})`, () => {
  it('without Version 2012-10-17 a variable is literal text', () => {
    const statements = [
      allowRole({ Condition: { StringEquals: { 'aws:PrincipalArn': v('aws:PrincipalArn') } } }),
    ];
    const context = requestContext({ 'aws:PrincipalArn': ROLE });
    expect(decide(statements, { context }).allow).toBe('yes');
    expect(decide(statements, { context, version: '2008-10-17' }).allow).toBe('no');
  });
});
