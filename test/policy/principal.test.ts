import { describe, expect, it } from 'vitest';
import {
  accountOf,
  type Caller,
  describePrincipal,
  matchPrincipal,
  type PrincipalMatch,
  parsePrincipal,
  principalMatcher,
  principalsOf,
  roleArnOfSession,
  roleNameOf,
  sameIamArn,
} from '../../src/policy/principal.js';

const ROLE = 'arn:aws:iam::111122223333:role/hyperpod-exec';
const PATH_ROLE = 'arn:aws:iam::111122223333:role/ml/hyperpod-exec';
const SESSION = 'arn:aws:sts::111122223333:assumed-role/hyperpod-exec/SageMaker';

describe('parsePrincipal', () => {
  it.each([
    ['*', 'AWS', { kind: 'any' }],
    // Only "*" and {"AWS": "*"} are all principals (IAM User Guide, Principal, All principals).
    ['*', 'Service', { kind: 'typed-wildcard', type: 'Service' }],
    ['*', 'Federated', { kind: 'typed-wildcard', type: 'Federated' }],
    ['111122223333', 'AWS', { kind: 'account', account: '111122223333' }],
    ['arn:aws:iam::111122223333:root', 'AWS', { kind: 'account', account: '111122223333' }],
    ['arn:aws-us-gov:iam::111122223333:root', 'AWS', { kind: 'account', account: '111122223333' }],
    [
      ROLE,
      'AWS',
      { kind: 'iam', arn: ROLE, account: '111122223333', resourceType: 'role', name: 'hyperpod-exec' },
    ],
    [
      PATH_ROLE,
      'AWS',
      { kind: 'iam', arn: PATH_ROLE, account: '111122223333', resourceType: 'role', name: 'hyperpod-exec' },
    ],
    [
      'arn:aws:iam::111122223333:user/alice',
      'AWS',
      { kind: 'iam', account: '111122223333', resourceType: 'user', name: 'alice' },
    ],
    [
      SESSION,
      'AWS',
      { kind: 'assumed-role', arn: SESSION, account: '111122223333', roleName: 'hyperpod-exec' },
    ],
    ['AROAEXAMPLEID1234567', 'AWS', { kind: 'unique-id', id: 'AROAEXAMPLEID1234567' }],
    ['AIDAEXAMPLEID1234567', 'AWS', { kind: 'unique-id', id: 'AIDAEXAMPLEID1234567' }],
    ['Sagemaker.amazonaws.com', 'Service', { kind: 'service', service: 'sagemaker.amazonaws.com' }],
    [
      'cognito-identity.amazonaws.com',
      'Federated',
      { kind: 'other', value: 'cognito-identity.amazonaws.com' },
    ],
    ['template.yaml#ExecRole', 'AWS', { kind: 'other', value: 'template.yaml#ExecRole' }],
    ['1111', 'AWS', { kind: 'other', value: '1111' }],
  ] as const)('%s (%s)', (value, type, expected) => {
    expect(parsePrincipal(value, type)).toMatchObject(expected);
  });
});

describe('principalsOf: every way to write Principal', () => {
  it.each([
    ['absent', undefined, []],
    ['"*"', '*', ['any']],
    ['{"AWS": "*"}', { AWS: '*' }, ['any']],
    ['{"AWS": ["*"]}', { AWS: ['*'] }, ['any']],
    ['{"AWS": "<role>"}', { AWS: ROLE }, ['iam']],
    [
      '{"AWS": [role, account, root]}',
      { AWS: [ROLE, '444455556666', 'arn:aws:iam::555566667777:root'] },
      ['iam', 'account', 'account'],
    ],
    ['{"AWS": ..., "Service": ...}', { AWS: ROLE, Service: ['ec2.amazonaws.com'] }, ['iam', 'service']],
  ] as const)('%s', (_name, principal, kinds) => {
    expect(principalsOf(principal as never).map((ref) => ref.kind)).toEqual(kinds);
  });
});

describe('matchPrincipal', () => {
  const role: Caller = { kind: 'iam', arn: ROLE, account: '111122223333', roleId: 'AROACURRENTROLE00001' };
  const pathRole: Caller = { kind: 'iam', arn: PATH_ROLE, account: '111122223333' };
  const session: Caller = { kind: 'iam', arn: SESSION, account: '111122223333' };
  const otherSession: Caller = {
    kind: 'iam',
    arn: 'arn:aws:sts::111122223333:assumed-role/hyperpod-exec/Other',
    account: '111122223333',
  };
  const crossRole: Caller = {
    kind: 'iam',
    arn: 'arn:aws:iam::444455556666:role/hyperpod-exec',
    account: '444455556666',
  };
  const service: Caller = { kind: 'service', service: 'sagemaker.amazonaws.com' };

  const rows: [string, string, string, Caller, PrincipalMatch][] = [
    ['any matches a role', '*', 'AWS', role, 'match'],
    ['any matches a service', '*', 'AWS', service, 'match'],
    ['the role by ARN', ROLE, 'AWS', role, 'match'],
    ['the role by ARN, other case', 'arn:aws:iam::111122223333:role/HyperPod-Exec', 'AWS', role, 'match'],
    ['the role by ARN matches its sessions', ROLE, 'AWS', session, 'match'],
    ['a role with a path matches its sessions', PATH_ROLE, 'AWS', session, 'match'],
    ['a role without its path is another principal', ROLE, 'AWS', pathRole, 'none'],
    ['same role name in another account', ROLE, 'AWS', crossRole, 'none'],
    ['another role', 'arn:aws:iam::111122223333:role/other', 'AWS', role, 'none'],
    ['a user with the role name', 'arn:aws:iam::111122223333:user/hyperpod-exec', 'AWS', session, 'none'],
    ['the account root delegates', 'arn:aws:iam::111122223333:root', 'AWS', role, 'delegated'],
    ['a bare account id delegates', '111122223333', 'AWS', session, 'delegated'],
    ['another account root', 'arn:aws:iam::444455556666:root', 'AWS', role, 'none'],
    ['an account root does not cover a service', 'arn:aws:iam::111122223333:root', 'AWS', service, 'none'],
    ['the exact session', SESSION, 'AWS', session, 'match'],
    ['another session of the role', SESSION, 'AWS', otherSession, 'none'],
    ['a session of the role, caller session unknown', SESSION, 'AWS', role, 'maybe'],
    [
      'a session of another role',
      'arn:aws:sts::111122223333:assumed-role/other/SageMaker',
      'AWS',
      role,
      'none',
    ],
    ['the role unique id', 'AROACURRENTROLE00001', 'AWS', role, 'match'],
    ['a deleted role unique id', 'AROADELETEDROLE00001', 'AWS', role, 'none'],
    ['a unique id, caller id not known', 'AROACURRENTROLE00001', 'AWS', pathRole, 'none'],
    ['the service', 'sagemaker.amazonaws.com', 'Service', service, 'match'],
    ['another service', 'ec2.amazonaws.com', 'Service', service, 'none'],
    ['a service does not cover a role', 'sagemaker.amazonaws.com', 'Service', role, 'none'],
    [
      'an IaC reference equal to the caller',
      'template.yaml#ExecRole',
      'AWS',
      { kind: 'iam', arn: 'template.yaml#ExecRole', account: 'unknown' },
      'match',
    ],
    [
      'an IaC reference to another role',
      'template.yaml#Other',
      'AWS',
      { kind: 'iam', arn: 'template.yaml#ExecRole', account: 'unknown' },
      'none',
    ],
  ];
  it.each(rows)('%s', (_name, value, type, caller, expected) => {
    expect(matchPrincipal(parsePrincipal(value, type), caller)).toBe(expected);
  });
});

describe('ARN helpers', () => {
  it.each([
    [ROLE, 'hyperpod-exec'],
    [PATH_ROLE, 'hyperpod-exec'],
    [SESSION, 'hyperpod-exec'],
    ['arn:aws:iam::111122223333:user/alice', undefined],
    ['arn:aws:iam::111122223333:root', undefined],
  ])('roleNameOf %s', (arn, expected) => expect(roleNameOf(arn)).toBe(expected));

  it.each([
    [SESSION, 'arn:aws:iam::111122223333:role/hyperpod-exec'],
    ['arn:aws-cn:sts::111122223333:assumed-role/R/s', 'arn:aws-cn:iam::111122223333:role/R'],
    [ROLE, undefined],
  ])('roleArnOfSession %s', (arn, expected) => expect(roleArnOfSession(arn)).toBe(expected));

  it.each([
    // A session's ARN leaves out its role's path: the pattern's path is left out to compare them.
    [
      ['arn:aws:iam::111122223333:role/platform/KeyAdmin'],
      'arn:aws:sts::111122223333:assumed-role/KeyAdmin/a',
      true,
    ],
    [['arn:aws:iam::111122223333:role/KeyAdmin'], 'arn:aws:sts::111122223333:assumed-role/keyadmin/a', true],
    [['arn:aws:iam::111122223333:role/KeyAdmin'], 'arn:aws:iam::111122223333:role/KeyAdmin', true],
    [['arn:aws:iam::*:role/Key*'], 'arn:aws:sts::444455556666:assumed-role/KeyAdmin/a', true],
    [
      ['arn:aws:iam::111122223333:role/platform/KeyAdmin'],
      'arn:aws:sts::111122223333:assumed-role/Other/a',
      false,
    ],
    [['arn:aws:iam::111122223333:role/KeyAdmin'], 'arn:aws:sts::444455556666:assumed-role/KeyAdmin/a', false],
    [['arn:aws:iam::111122223333:role/KeyAdmin'], 'ec2.amazonaws.com', false],
    [[], 'arn:aws:sts::111122223333:assumed-role/KeyAdmin/a', false],
  ])('principalMatcher(%j) of %s is %s', (patterns, principal, expected) =>
    expect(principalMatcher(patterns)(principal)).toBe(expected),
  );

  it.each([
    [ROLE, '111122223333'],
    ['arn:aws:kms:us-east-1:444455556666:key/k', '444455556666'],
    ['arn:aws:s3:::bucket', undefined],
    ['template.yaml#Key', undefined],
  ])('accountOf %s', (arn, expected) => expect(accountOf(arn)).toBe(expected));

  it('sameIamArn ignores case', () => {
    expect(sameIamArn(ROLE, ROLE.toUpperCase())).toBe(true);
    expect(sameIamArn(ROLE, PATH_ROLE)).toBe(false);
  });

  it.each([
    // As String.prototype.toLowerCase reads them: beyond ASCII, the Kelvin sign lower-cases to k,
    // and a dotted capital I to two characters.
    [`${ROLE}K`, `${ROLE}\u212a`, true],
    [`${ROLE}i\u0307`, `${ROLE}\u0130`, true],
    [`${ROLE}\u00e9`, `${ROLE}\u00c9`, true],
    [`${ROLE}\u00e9`, `${ROLE}e`, false],
    [`${ROLE}a`, `${ROLE}b`, false],
    [`${ROLE}A`, `${ROLE}a`, true],
    [ROLE, `${ROLE}x`, false],
    ['', '', true],
  ])('sameIamArn %s %s compares as lower-cased text', (a, b, expected) => {
    expect(sameIamArn(a, b)).toBe(expected);
    expect(sameIamArn(b, a)).toBe(expected);
  });

  it.each([
    ['*', '*'],
    ['111122223333', 'arn:aws:iam::111122223333:root'],
    [ROLE, ROLE],
    [SESSION, SESSION],
    ['AROAEXAMPLEID1234567', 'AROAEXAMPLEID1234567'],
  ])('describePrincipal %s', (value, expected) =>
    expect(describePrincipal(parsePrincipal(value))).toBe(expected),
  );

  it('describes a service principal by name', () => {
    expect(describePrincipal(parsePrincipal('ec2.amazonaws.com', 'Service'))).toBe('ec2.amazonaws.com');
  });
});
