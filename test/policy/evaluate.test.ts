import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyStatement } from '../../src/model/inventory.js';
import { requestContext, type Tri } from '../../src/policy/conditions.js';
import {
  allowedPrincipals,
  effectiveActions,
  encryptionContextScopedStatements,
  evaluatePolicy,
  type KeyAccess,
  keyAccess,
  statementsOf,
} from '../../src/policy/evaluate.js';
import { hyperPodCreateGrantContext, hyperPodDescribeKeyContext } from '../../src/policy/hyperpod.js';
import type { Caller } from '../../src/policy/principal.js';

const A = '111122223333';
const B = '444455556666';
const KEY = `arn:aws:kms:us-east-1:${A}:key/k1`;
const ROLE = `arn:aws:iam::${A}:role/hyperpod-exec`;
const X_ROLE = `arn:aws:iam::${B}:role/hyperpod-exec`;
type IamCaller = Extract<Caller, { kind: 'iam' }>;
const role: IamCaller = { kind: 'iam', arn: ROLE, account: A };
const crossRole: IamCaller = { kind: 'iam', arn: X_ROLE, account: B };
const grantCtx = (caller: IamCaller = role) =>
  hyperPodCreateGrantContext({ roleArn: caller.arn, account: caller.account, region: 'us-east-1' });

const policy = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const root = (account = A): PolicyStatement => ({
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: 'kms:*',
  Resource: '*',
});
const allow = (
  principal: PolicyStatement['Principal'],
  extra: Partial<PolicyStatement> = {},
): PolicyStatement => ({
  Effect: 'Allow',
  Principal: principal,
  Action: ['kms:CreateGrant', 'kms:DescribeKey'],
  Resource: '*',
  ...extra,
});
const deny = (extra: Partial<PolicyStatement>): PolicyStatement => ({
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:*',
  Resource: '*',
  ...extra,
});
/** A Deny to everyone but the principals named. */
const denyExcept = (NotPrincipal: PolicyStatement['NotPrincipal']): PolicyStatement => ({
  Effect: 'Deny',
  NotPrincipal,
  Action: 'kms:*',
  Resource: '*',
});
const viaSageMaker = { StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' } };

describe('statementsOf', () => {
  it('takes a single statement object or a list', () => {
    expect(statementsOf({ Statement: root() })).toHaveLength(1);
    expect(statementsOf(policy(root(), root(B)))).toHaveLength(2);
  });
});

describe('evaluatePolicy (one request, one policy)', () => {
  const rows: [string, PolicyDocument, 'resource' | 'identity', { allow: Tri; delegate: Tri; deny: Tri }][] =
    [
      [
        'a direct grant',
        policy(allow({ AWS: ROLE })),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'no' },
      ],
      [
        'the root statement delegates',
        policy(root()),
        'resource',
        { allow: 'no', delegate: 'yes', deny: 'no' },
      ],
      [
        'another account root: nothing',
        policy(root(B)),
        'resource',
        { allow: 'no', delegate: 'no', deny: 'no' },
      ],
      ['Principal "*"', policy(allow('*')), 'resource', { allow: 'yes', delegate: 'no', deny: 'no' }],
      ['{"AWS": "*"}', policy(allow({ AWS: '*' })), 'resource', { allow: 'yes', delegate: 'no', deny: 'no' }],
      [
        'a list naming the role among others',
        policy(allow({ AWS: [`arn:aws:iam::${A}:role/a`, ROLE] })),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'no' },
      ],
      [
        'a service principal does not cover the role',
        policy(allow({ Service: 'sagemaker.amazonaws.com' })),
        'resource',
        { allow: 'no', delegate: 'no', deny: 'no' },
      ],
      [
        'kms:Create* covers CreateGrant',
        policy(allow({ AWS: ROLE }, { Action: 'kms:Create*' })),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'no' },
      ],
      [
        'action names are case-insensitive',
        policy(allow({ AWS: ROLE }, { Action: 'KMS:creategrant' })),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'no' },
      ],
      [
        'kms:Describe* does not cover CreateGrant',
        policy(allow({ AWS: ROLE }, { Action: 'kms:Describe*' })),
        'resource',
        { allow: 'no', delegate: 'no', deny: 'no' },
      ],
      [
        'NotAction that leaves CreateGrant',
        policy({ Effect: 'Allow', Principal: { AWS: ROLE }, NotAction: ['kms:Decrypt'], Resource: '*' }),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'no' },
      ],
      [
        'NotAction that removes CreateGrant',
        policy({ Effect: 'Allow', Principal: { AWS: ROLE }, NotAction: 'kms:Create*', Resource: '*' }),
        'resource',
        { allow: 'no', delegate: 'no', deny: 'no' },
      ],
      [
        'Resource naming the key',
        policy(allow({ AWS: ROLE }, { Resource: KEY })),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'no' },
      ],
      [
        'Resource naming another key',
        policy(allow({ AWS: ROLE }, { Resource: `arn:aws:kms:us-east-1:${A}:key/k2` })),
        'resource',
        { allow: 'no', delegate: 'no', deny: 'no' },
      ],
      [
        'NotResource excluding the key',
        policy({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', NotResource: KEY }),
        'resource',
        { allow: 'no', delegate: 'no', deny: 'no' },
      ],
      [
        'NotResource excluding another key',
        policy({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'kms:*', NotResource: `${KEY}x` }),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'no' },
      ],
      [
        'a condition on a key no inventory knows',
        policy(allow({ AWS: ROLE }, { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } })),
        'resource',
        { allow: 'maybe', delegate: 'no', deny: 'no' },
      ],
      [
        'a Deny to everyone',
        policy(allow({ AWS: ROLE }), deny({})),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'yes' },
      ],
      [
        'a Deny to the account root covers every principal in it',
        policy(allow({ AWS: ROLE }), deny({ Principal: { AWS: A } })),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'yes' },
      ],
      // A role acts through sessions, and a NotPrincipal exempts a session only when it names it
      // with the role and the account (IAM User Guide, NotPrincipal; AWS Knowledge Center,
      // explicit-deny-principle-elements-s3).
      [
        'a Deny with NotPrincipal naming the role and its account, but no session, denies the role',
        policy(allow({ AWS: ROLE }), denyExcept({ AWS: [ROLE, `arn:aws:iam::${A}:root`] })),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'yes' },
      ],
      [
        'a Deny with NotPrincipal naming a session of the role, and the role and account: the session may be exempt',
        policy(
          allow({ AWS: ROLE }),
          denyExcept({
            AWS: [ROLE, `arn:aws:iam::${A}:root`, `arn:aws:sts::${A}:assumed-role/hyperpod-exec/SageMaker`],
          }),
        ),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'maybe' },
      ],
      [
        'a Deny with NotPrincipal naming only the role denies it (no session, no account)',
        policy(allow({ AWS: ROLE }), denyExcept({ AWS: ROLE })),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'yes' },
      ],
      [
        'a Deny with NotPrincipal naming only the account denies its roles',
        policy(allow({ AWS: ROLE }), denyExcept({ AWS: `arn:aws:iam::${A}:root` })),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'yes' },
      ],
      [
        'a Deny with NotPrincipal naming someone else applies',
        policy(allow({ AWS: ROLE }), denyExcept({ AWS: `arn:aws:iam::${A}:role/admin` })),
        'resource',
        { allow: 'yes', delegate: 'no', deny: 'yes' },
      ],
      [
        // "Using it with "Effect":"Allow" is not supported" (IAM User Guide, NotPrincipal).
        'an Allow with NotPrincipal: what it grants everyone else cannot be told',
        policy({
          Effect: 'Allow',
          NotPrincipal: { AWS: `arn:aws:iam::${A}:role/admin` },
          Action: 'kms:*',
          Resource: '*',
        }),
        'resource',
        { allow: 'maybe', delegate: 'no', deny: 'no' },
      ],
      [
        'a grant to one session of the role: the session HyperPod uses is not known',
        policy(allow({ AWS: `arn:aws:sts::${A}:assumed-role/hyperpod-exec/alice` })),
        'resource',
        { allow: 'maybe', delegate: 'no', deny: 'no' },
      ],
      [
        'identity policies ignore Principal',
        policy({ Effect: 'Allow', Action: 'kms:CreateGrant', Resource: KEY }),
        'identity',
        { allow: 'yes', delegate: 'no', deny: 'no' },
      ],
    ];
  it.each(rows)('%s', (_name, doc, kind, expected) => {
    const decision = evaluatePolicy(
      doc,
      { caller: role, action: 'kms:CreateGrant', resource: KEY, context: grantCtx() },
      kind,
    );
    expect({ allow: decision.allow, delegate: decision.delegate, deny: decision.deny }).toEqual(expected);
  });

  it('names the condition keys that made the answer undetermined', () => {
    const decision = evaluatePolicy(
      policy(
        allow(
          { AWS: ROLE },
          { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1', ...viaSageMaker.StringEquals } } },
        ),
      ),
      { caller: role, action: 'kms:CreateGrant', resource: KEY, context: grantCtx() },
      'resource',
    );
    expect(decision.unknownKeys).toEqual(['aws:PrincipalOrgID']);
    expect(decision.unknownPrincipals).toEqual([]);
  });

  it('names the principal that made the answer undetermined', () => {
    const decision = evaluatePolicy(
      policy({
        ...denyExcept({ AWS: [ROLE, `arn:aws:sts::${A}:assumed-role/hyperpod-exec/SageMaker`] }),
        Sid: 'OnlyRole',
      }),
      { caller: role, action: 'kms:CreateGrant', resource: KEY, context: grantCtx() },
      'resource',
    );
    expect(decision.unknownPrincipals).toEqual([
      'NotPrincipal of statement "OnlyRole" names the caller but not its account',
    ]);
    expect(decision.hits).toEqual([
      { index: 0, sid: 'OnlyRole', effect: 'Deny', applies: 'maybe', via: 'principal' },
    ]);
  });
});

describe('keyAccess: as KMS decides it', () => {
  const createGrant = allow(
    { AWS: ROLE },
    {
      Action: 'kms:CreateGrant',
      Condition: { ...viaSageMaker, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    },
  );
  const identityAllow: PolicyStatement = {
    Effect: 'Allow',
    Action: ['kms:CreateGrant', 'kms:DescribeKey'],
    Resource: '*',
  };
  type Expect = Partial<Pick<KeyAccess, 'result' | 'path' | 'explicitDeny' | 'needsIdentity'>>;
  // The third column: the caller's IAM statements; undefined when the caller's policies are not
  // known (a role outside the scanned files), null when they could not be read.
  const rows: [string, PolicyStatement[], PolicyStatement[] | null | undefined, IamCaller, Expect][] = [
    [
      'key policy grants the role directly; IAM not needed',
      [createGrant],
      undefined,
      role,
      { result: 'yes', path: 'key-policy', needsIdentity: false },
    ],
    // "An explicit deny in any of the policies overrides the allow" (IAM User Guide, Policy
    // evaluation for requests within a single account): policies that could not be read may hold one.
    [
      "key policy grants the role directly; the role's IAM policies could not be read",
      [createGrant],
      null,
      role,
      { result: 'maybe', path: 'key-policy', explicitDeny: false, needsIdentity: true },
    ],
    [
      "explicit Deny in the key policy; the role's IAM policies could not be read",
      [createGrant, deny({ Action: 'kms:CreateGrant' })],
      null,
      role,
      { result: 'no', explicitDeny: true, needsIdentity: false },
    ],
    [
      "no statement for the role; the role's IAM policies could not be read",
      [root(B)],
      null,
      role,
      { result: 'no', path: 'none', needsIdentity: false },
    ],
    [
      "root delegation and the role's IAM policies could not be read",
      [root()],
      null,
      role,
      { result: 'maybe', path: 'iam-delegation', needsIdentity: true },
    ],
    [
      "cross-account: key policy names the role, the role's IAM policies could not be read",
      [{ ...createGrant, Principal: { AWS: X_ROLE } }],
      null,
      crossRole,
      { result: 'maybe', needsIdentity: true },
    ],
    [
      'key policy grants the role directly; IAM grants nothing',
      [createGrant],
      [],
      role,
      { result: 'yes', path: 'key-policy' },
    ],
    [
      'root delegation and IAM allows',
      [root()],
      [identityAllow],
      role,
      { result: 'yes', path: 'iam-delegation' },
    ],
    ['root delegation and IAM allows nothing', [root()], [], role, { result: 'no', path: 'iam-delegation' }],
    [
      'root delegation and IAM not collected',
      [root()],
      undefined,
      role,
      { result: 'maybe', needsIdentity: true },
    ],
    [
      'root delegation; IAM allows only via another region',
      [root()],
      [
        {
          ...identityAllow,
          Condition: { StringEquals: { 'kms:ViaService': 'sagemaker.us-west-2.amazonaws.com' } },
        },
      ],
      role,
      { result: 'no' },
    ],
    [
      'root delegation; IAM allows only another key',
      [root()],
      [{ ...identityAllow, Resource: `arn:aws:kms:us-east-1:${A}:key/k2` }],
      role,
      { result: 'no' },
    ],
    [
      'root delegation; IAM allows keys by tag and the key tags are not known',
      [root()],
      [{ ...identityAllow, Condition: { StringEquals: { 'aws:ResourceTag/project': 'llm' } } }],
      role,
      { result: 'maybe' },
    ],
    ['no statement for the role', [root(B)], [identityAllow], role, { result: 'no', path: 'none' }],
    [
      'explicit Deny in the key policy wins',
      [createGrant, deny({ Action: 'kms:CreateGrant' })],
      undefined,
      role,
      { result: 'no', explicitDeny: true },
    ],
    [
      'explicit Deny in IAM wins over a key policy Allow',
      [createGrant],
      [{ Effect: 'Deny', Action: 'kms:*', Resource: '*' }],
      role,
      { result: 'no', explicitDeny: true },
    ],
    [
      'Deny StringNotEquals kms:ViaService sagemaker: HyperPod comes via SageMaker, so it does not apply',
      [
        createGrant,
        deny({ Condition: { StringNotEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' } } }),
      ],
      undefined,
      role,
      { result: 'yes', explicitDeny: false },
    ],
    [
      'Deny StringNotEquals aws:PrincipalArn naming only admins applies to the role',
      [
        createGrant,
        deny({ Condition: { StringNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/admin` } } }),
      ],
      undefined,
      role,
      { result: 'no', explicitDeny: true },
    ],
    [
      'Deny unless the caller is in an organization we cannot see: undetermined',
      [createGrant, deny({ Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-1' } } })],
      undefined,
      role,
      { result: 'maybe', explicitDeny: false },
    ],
    [
      'Deny without encryption context (Null true) stops HyperPod',
      [createGrant, deny({ Condition: { Null: { 'kms:EncryptionContextKeys': 'true' } } })],
      undefined,
      role,
      { result: 'no', explicitDeny: true },
    ],
    [
      'Deny grants that are not for AWS resources does not stop HyperPod',
      [
        createGrant,
        deny({ Action: 'kms:CreateGrant', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false' } } }),
      ],
      undefined,
      role,
      { result: 'yes' },
    ],
    [
      'cross-account: key policy names the role, IAM allows',
      [{ ...createGrant, Principal: { AWS: X_ROLE } }],
      [identityAllow],
      crossRole,
      { result: 'yes', path: 'iam-delegation' },
    ],
    [
      'cross-account: key policy names the role, IAM allows nothing',
      [{ ...createGrant, Principal: { AWS: X_ROLE } }],
      [],
      crossRole,
      { result: 'no' },
    ],
    [
      'cross-account: key policy names the role, IAM not collected',
      [{ ...createGrant, Principal: { AWS: X_ROLE } }],
      undefined,
      crossRole,
      { result: 'maybe', needsIdentity: true },
    ],
    [
      'cross-account: key policy names the other account, IAM allows',
      [root(), root(B)],
      [identityAllow],
      crossRole,
      { result: 'yes', path: 'iam-delegation' },
    ],
    [
      'cross-account: only the key owner root is named',
      [root()],
      [identityAllow],
      crossRole,
      { result: 'no', path: 'none' },
    ],
    [
      'cross-account: IAM allows but the key policy does not name the account',
      [createGrant],
      [identityAllow],
      crossRole,
      { result: 'no' },
    ],
  ];
  it.each(rows)('%s', (_name, keyStatements, identityStatements, caller, expected) => {
    const access = keyAccess({
      caller,
      action: 'kms:CreateGrant',
      resource: KEY,
      context: grantCtx(caller),
      keyPolicy: policy(...keyStatements),
      keyAccount: A,
      identityStatements,
    });
    expect(access).toMatchObject(expected);
  });

  it('DescribeKey never carries grant keys: a statement that requires GrantIsForAWSResource does not allow it', () => {
    const access = keyAccess({
      caller: role,
      action: 'kms:DescribeKey',
      resource: KEY,
      context: hyperPodDescribeKeyContext({ roleArn: ROLE, account: A, region: 'us-east-1' }),
      keyPolicy: policy(
        allow({ AWS: ROLE }, { Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }),
      ),
      keyAccount: A,
      identityStatements: undefined,
    });
    expect(access.result).toBe('no');
  });

  it('a condition on the key tags is decided by the tags the key carries', () => {
    const keyPolicy = policy(root());
    const identity: PolicyStatement[] = [
      {
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/project': 'llm' } },
      },
    ];
    const ask = (resourceTags: Record<string, string> | undefined) =>
      keyAccess({
        caller: role,
        action: 'kms:CreateGrant',
        resource: KEY,
        context: hyperPodCreateGrantContext({ roleArn: ROLE, account: A, region: 'us-east-1', resourceTags }),
        keyPolicy,
        keyAccount: A,
        identityStatements: identity,
      }).result;
    expect(ask({ project: 'llm' })).toBe('yes');
    expect(ask({ project: 'vision' })).toBe('no');
    expect(ask({})).toBe('no');
    expect(ask(undefined)).toBe('maybe');
  });

  // "In AWS KMS, the aws:ResourceTag/tag-key condition key is supported only in IAM policies ...
  // It isn't supported in key policies."
  // https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html
  it('a key policy condition on the key tags is undetermined, whatever tags the key carries', () => {
    const keyPolicy = policy(
      allow({ AWS: ROLE }, { Condition: { StringEquals: { 'aws:ResourceTag/project': 'llm' } } }),
    );
    const ask = (resourceTags: Record<string, string>) => {
      const access = keyAccess({
        caller: role,
        action: 'kms:CreateGrant',
        resource: KEY,
        context: hyperPodCreateGrantContext({ roleArn: ROLE, account: A, region: 'us-east-1', resourceTags }),
        keyPolicy,
        keyAccount: A,
        identityStatements: [],
      });
      return { result: access.result, unknownKeys: access.unknownKeys };
    };
    const undetermined = { result: 'maybe', unknownKeys: ['aws:ResourceTag/project'] };
    expect(ask({ project: 'llm' })).toEqual(undetermined);
    expect(ask({ project: 'vision' })).toEqual(undetermined);
  });

  it('aws:CalledVia is not assumed: whether SageMaker sets it is not documented', () => {
    const access = keyAccess({
      caller: role,
      action: 'kms:CreateGrant',
      resource: KEY,
      context: grantCtx(),
      keyPolicy: policy(
        allow(
          { AWS: ROLE },
          { Condition: { 'ForAnyValue:StringEquals': { 'aws:CalledVia': 'sagemaker.amazonaws.com' } } },
        ),
      ),
      keyAccount: A,
      identityStatements: undefined,
    });
    expect(access.result).toBe('maybe');
    expect(access.unknownKeys).toEqual(['aws:CalledVia']);
  });

  it("RCPs over the key's account: every level must allow, a Deny denies, kms:RetireGrant is never limited", () => {
    const everything: PolicyStatement = { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' };
    const noKms: PolicyStatement = { Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' };
    const ask = (action: string, rcpLevels: PolicyStatement[][] | undefined) =>
      keyAccess({
        caller: role,
        action,
        resource: KEY,
        context: requestContext({ 'aws:PrincipalAccount': A }),
        keyPolicy: policy(allow({ AWS: ROLE }, { Action: 'kms:*' })),
        keyAccount: A,
        identityStatements: undefined,
        ...(rcpLevels ? { rcpLevels } : {}),
      });
    expect(ask('kms:CreateGrant', undefined)).toMatchObject({ result: 'yes', rcpAllow: 'yes' });
    expect(ask('kms:CreateGrant', [[everything], [everything]])).toMatchObject({
      result: 'yes',
      rcpAllow: 'yes',
    });
    // A level with nothing that allows KMS: implicitly denied, though the key policy allows.
    expect(ask('kms:CreateGrant', [[everything], []])).toMatchObject({
      result: 'no',
      rcpAllow: 'no',
      policiesAllow: 'yes',
      explicitDeny: false,
    });
    expect(ask('kms:CreateGrant', [[everything, noKms], [everything]])).toMatchObject({
      result: 'no',
      explicitDeny: true,
      denies: { policies: 'no', scp: 'no', rcp: 'yes' },
    });
    expect(ask('kms:RetireGrant', [[everything, noKms], []])).toMatchObject({
      result: 'yes',
      rcpAllow: 'yes',
    });
  });

  it('an IaC caller (no region, account or ARN) leaves kms:ViaService and aws:PrincipalArn undetermined', () => {
    const access = keyAccess({
      caller: { kind: 'iam', arn: 'template.yaml#ExecRole', account: 'unknown' },
      action: 'kms:CreateGrant',
      resource: 'template.yaml#Key',
      context: hyperPodCreateGrantContext({
        roleArn: 'template.yaml#ExecRole',
        account: 'unknown',
        region: 'unknown',
      }),
      keyPolicy: policy(allow({ AWS: 'template.yaml#ExecRole' }, { Condition: viaSageMaker })),
      keyAccount: 'unknown',
      identityStatements: undefined,
    });
    expect(access.result).toBe('maybe');
    expect(access.unknownKeys).toEqual(['kms:ViaService']);
  });
});

describe('effectiveActions', () => {
  const doc = policy(
    root(),
    {
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:Create*'],
      Resource: '*',
    },
    {
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: 'kms:ReEncrypt*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } },
    },
    { Effect: 'Deny', Principal: '*', Action: 'kms:CreateAlias', Resource: '*' },
  );
  const actions = (caller: Caller, includeDelegation = false) =>
    effectiveActions(doc, caller, KEY, requestContext({ 'aws:PrincipalArn': ROLE }), { includeDelegation });

  it('lists what the key policy grants a principal by name, with Deny applied and conditions as maybe', () => {
    expect(actions(role)).toEqual([
      { action: 'kms:Encrypt', result: 'yes' },
      { action: 'kms:Decrypt', result: 'yes' },
      { action: 'kms:ReEncryptFrom', result: 'maybe' },
      { action: 'kms:ReEncryptTo', result: 'maybe' },
      { action: 'kms:CreateGrant', result: 'yes' },
    ]);
  });
  it('leaves out grants through the account root unless asked', () => {
    const account: Caller = { kind: 'iam', arn: `arn:aws:iam::${A}:root`, account: A };
    expect(actions(account)).toEqual([]);
    const all = actions(account, true).map((grant) => grant.action);
    expect(all).toContain('kms:PutKeyPolicy');
    expect(all).not.toContain('kms:CreateAlias');
  });
  it('restricts to a catalog', () => {
    expect(
      effectiveActions(doc, role, KEY, requestContext({}), { catalog: ['kms:Decrypt', 'kms:Sign'] }).map(
        (g) => g.action,
      ),
    ).toEqual(['kms:Decrypt']);
  });
});

describe('allowedPrincipals', () => {
  it('lists the principals of Allow statements; NotPrincipal counts as "*"; Deny does not count', () => {
    const refs = allowedPrincipals(
      policy(
        root(),
        allow({ AWS: [ROLE, 'arn:aws:sts::111122223333:assumed-role/R/s'], Service: 'ec2.amazonaws.com' }),
        { Effect: 'Allow', NotPrincipal: { AWS: ROLE }, Action: 'kms:Decrypt', Resource: '*' },
        deny({ Principal: { AWS: X_ROLE } }),
      ),
    );
    expect(refs.map(({ ref, statement }) => [ref.kind, statement])).toEqual([
      ['account', 0],
      ['iam', 1],
      ['assumed-role', 1],
      ['service', 1],
      ['any', 2],
    ]);
  });
});

// publicStatements (AWS's definition of a public key policy): test/policy/public-access.test.ts

describe('encryptionContextScopedStatements', () => {
  it.each([
    [
      'StringEquals on an encryption context key',
      { StringEquals: { 'kms:EncryptionContext:aws:ebs:id': 'vol-1' } },
      ['kms:EncryptionContext:aws:ebs:id'],
    ],
    [
      'ForAnyValue on kms:EncryptionContextKeys',
      { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'tenant' } },
      ['kms:EncryptionContextKeys'],
    ],
    ['no encryption context condition', viaSageMaker, []],
  ] as const)('%s', (_name, Condition, keys) => {
    const doc = policy(allow({ AWS: ROLE }, { Condition: Condition as PolicyStatement['Condition'] }));
    const found = encryptionContextScopedStatements(doc, role, 'kms:CreateGrant');
    expect(found.flatMap((s) => s.keys)).toEqual(keys);
  });
  it('ignores statements for other principals or actions', () => {
    const scoped = { StringEquals: { 'kms:EncryptionContext:x': 'y' } };
    const doc = policy(
      allow({ AWS: `arn:aws:iam::${A}:role/other` }, { Condition: scoped }),
      allow({ AWS: ROLE }, { Action: 'kms:Decrypt', Condition: scoped }),
    );
    expect(encryptionContextScopedStatements(doc, role, 'kms:CreateGrant')).toEqual([]);
  });
  it('counts statements that reach the role through its account', () => {
    const doc = policy({ ...root(), Condition: { StringEquals: { 'kms:EncryptionContext:x': 'y' } } });
    expect(encryptionContextScopedStatements(doc, role, 'kms:CreateGrant')).toHaveLength(1);
  });
});
