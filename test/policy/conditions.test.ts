import { describe, expect, it } from 'vitest';
import {
  evaluateConditionKey,
  evaluateConditions,
  hasPolicyVariable,
  parseOperator,
  requestContext,
  type Tri,
  triAnd,
  triNot,
  triOr,
  withoutKeyAttributes,
  withPrincipalOrganization,
  withResourceAliases,
} from '../../src/policy/conditions.js';

/** The request context most cases use: some known keys, encryption context known to be absent. */
const ctx = requestContext(
  {
    'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com',
    'kms:CallerAccount': '111122223333',
    'kms:GrantIsForAWSResource': true,
    'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/hyperpod-exec',
    'aws:TagKeys': ['project', 'owner'],
    'aws:RequestTag/size': '42',
    'aws:CurrentTime': '2026-11-27T12:00:00Z',
    'aws:EmptyList': [],
  },
  ['kms:EncryptionContext:*', 'kms:EncryptionContextKeys', 'aws:SourceVpce'],
);

/** A policy variable, `${name}`, as a policy writes it. */
const v = (name: string) => `\${${name}}`;

type Row = [operator: string, key: string, value: unknown, expected: Tri];

function table(title: string, rows: Row[], context = ctx) {
  describe(title, () => {
    it.each(rows)('%s %s %j -> %s', (operator, key, value, expected) => {
      expect(evaluateConditionKey(operator, key, value, context)).toBe(expected);
    });
  });
}

describe('three-valued logic', () => {
  const values: Tri[] = ['yes', 'no', 'maybe'];
  const and: Record<string, Tri> = {
    'yes,yes': 'yes',
    'yes,no': 'no',
    'yes,maybe': 'maybe',
    'no,no': 'no',
    'no,maybe': 'no',
    'maybe,maybe': 'maybe',
  };
  const or: Record<string, Tri> = {
    'yes,yes': 'yes',
    'yes,no': 'yes',
    'yes,maybe': 'yes',
    'no,no': 'no',
    'no,maybe': 'maybe',
    'maybe,maybe': 'maybe',
  };
  it.each(Object.entries(and))('and %s = %s', (pair, expected) => {
    const [a, b] = pair.split(',') as [Tri, Tri];
    expect(triAnd(a, b)).toBe(expected);
    expect(triAnd(b, a)).toBe(expected);
  });
  it.each(Object.entries(or))('or %s = %s', (pair, expected) => {
    const [a, b] = pair.split(',') as [Tri, Tri];
    expect(triOr(a, b)).toBe(expected);
    expect(triOr(b, a)).toBe(expected);
  });
  it('not', () => expect(values.map(triNot)).toEqual(['no', 'yes', 'maybe']));
});

describe('parseOperator', () => {
  it.each([
    ['StringEquals', { base: 'stringequals', set: null, ifExists: false, negated: false, known: true }],
    [
      'StringNotLikeIfExists',
      { base: 'stringnotlike', set: null, ifExists: true, negated: true, known: true },
    ],
    [
      'ForAllValues:StringEquals',
      { base: 'stringequals', set: 'ForAllValues', ifExists: false, negated: false, known: true },
    ],
    [
      'forAnyValue:ArnNotLikeIfExists',
      { base: 'arnnotlike', set: 'ForAnyValue', ifExists: true, negated: true, known: true },
    ],
    ['Null', { base: 'null', set: null, ifExists: false, negated: false, known: true }],
    ['StringEqual', { base: 'stringequal', set: null, ifExists: false, negated: false, known: false }],
  ] as const)('%s', (name, expected) => {
    expect(parseOperator(name)).toMatchObject(expected);
  });
});

table('string operators', [
  ['StringEquals', 'kms:ViaService', 'sagemaker.us-east-1.amazonaws.com', 'yes'],
  ['StringEquals', 'kms:ViaService', 'sagemaker.us-west-2.amazonaws.com', 'no'],
  [
    'StringEquals',
    'kms:ViaService',
    ['ec2.us-east-1.amazonaws.com', 'sagemaker.us-east-1.amazonaws.com'],
    'yes',
  ],
  ['StringEquals', 'kms:ViaService', 'SageMaker.us-east-1.amazonaws.com', 'no'],
  ['StringEquals', 'KMS:VIASERVICE', 'sagemaker.us-east-1.amazonaws.com', 'yes'],
  ['stringequals', 'kms:ViaService', 'sagemaker.us-east-1.amazonaws.com', 'yes'],
  ['StringNotEquals', 'kms:ViaService', 'sagemaker.us-east-1.amazonaws.com', 'no'],
  ['StringNotEquals', 'kms:ViaService', 'sagemaker.us-west-2.amazonaws.com', 'yes'],
  // several values of a negated operator: NOR
  [
    'StringNotEquals',
    'kms:ViaService',
    ['ec2.us-east-1.amazonaws.com', 'sagemaker.us-east-1.amazonaws.com'],
    'no',
  ],
  ['StringEqualsIgnoreCase', 'kms:ViaService', 'SageMaker.US-EAST-1.amazonaws.com', 'yes'],
  ['StringNotEqualsIgnoreCase', 'kms:ViaService', 'SageMaker.US-EAST-1.amazonaws.com', 'no'],
  ['StringNotEqualsIgnoreCase', 'kms:ViaService', 'ec2.us-east-1.amazonaws.com', 'yes'],
  ['StringLike', 'kms:ViaService', 'sagemaker.*.amazonaws.com', 'yes'],
  ['StringLike', 'kms:ViaService', 'sagemaker.us-east-?.amazonaws.com', 'yes'],
  ['StringLike', 'kms:ViaService', 'ec2.*', 'no'],
  ['StringLike', 'kms:ViaService', 'SAGEMAKER.*', 'no'],
  ['StringNotLike', 'kms:ViaService', 'sagemaker.*', 'no'],
  ['StringNotLike', 'kms:ViaService', 'ec2.*', 'yes'],
  // a literal "*" in StringEquals is not a wildcard
  ['StringEquals', 'kms:ViaService', '*', 'no'],
]);

table('ARN operators', [
  ['ArnEquals', 'aws:PrincipalArn', 'arn:aws:iam::111122223333:role/hyperpod-exec', 'yes'],
  ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::111122223333:role/*', 'yes'],
  ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/hyperpod-*', 'yes'],
  ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::444455556666:role/*', 'no'],
  ['ArnNotEquals', 'aws:PrincipalArn', 'arn:aws:iam::111122223333:role/hyperpod-exec', 'no'],
  ['ArnNotLike', 'aws:PrincipalArn', 'arn:aws:iam::444455556666:*', 'yes'],
  ['ArnNotLike', 'aws:PrincipalArn', ['arn:aws:iam::444455556666:*', 'arn:aws:iam::111122223333:*'], 'no'],
]);

table('numeric, date and bool operators', [
  ['NumericEquals', 'aws:RequestTag/size', '42', 'yes'],
  ['NumericEquals', 'aws:RequestTag/size', 42, 'yes'],
  ['NumericNotEquals', 'aws:RequestTag/size', '42', 'no'],
  ['NumericLessThan', 'aws:RequestTag/size', '43', 'yes'],
  ['NumericLessThan', 'aws:RequestTag/size', '42', 'no'],
  ['NumericLessThanEquals', 'aws:RequestTag/size', '42', 'yes'],
  ['NumericGreaterThan', 'aws:RequestTag/size', '41', 'yes'],
  ['NumericGreaterThan', 'aws:RequestTag/size', '42', 'no'],
  ['NumericGreaterThanEquals', 'aws:RequestTag/size', '42', 'yes'],
  ['NumericEquals', 'aws:RequestTag/size', 'forty-two', 'no'],
  ['DateEquals', 'aws:CurrentTime', '2026-11-27T12:00:00Z', 'yes'],
  ['DateNotEquals', 'aws:CurrentTime', '2026-11-27T12:00:00Z', 'no'],
  ['DateLessThan', 'aws:CurrentTime', '2027-01-01T00:00:00Z', 'yes'],
  ['DateLessThanEquals', 'aws:CurrentTime', '2026-01-01T00:00:00Z', 'no'],
  ['DateGreaterThan', 'aws:CurrentTime', '2026-01-01T00:00:00Z', 'yes'],
  ['DateGreaterThanEquals', 'aws:CurrentTime', '2027-01-01T00:00:00Z', 'no'],
  ['Bool', 'kms:GrantIsForAWSResource', 'true', 'yes'],
  ['Bool', 'kms:GrantIsForAWSResource', true, 'yes'],
  ['Bool', 'kms:GrantIsForAWSResource', 'TRUE', 'yes'],
  ['Bool', 'kms:GrantIsForAWSResource', 'false', 'no'],
  ['BinaryEquals', 'kms:CallerAccount', '111122223333', 'yes'],
]);

table('IP address conditions need the caller address, which no inventory knows', [
  ['IpAddress', 'aws:SourceIp', '10.0.0.0/8', 'maybe'],
  ['NotIpAddress', 'aws:SourceIp', '10.0.0.0/8', 'maybe'],
]);

table('absent keys: positive operators fail, negated ones and IfExists hold', [
  ['StringEquals', 'kms:EncryptionContext:aws:ebs:id', 'vol-1', 'no'],
  ['StringLike', 'kms:EncryptionContext:tenant', '*', 'no'],
  ['StringNotEquals', 'kms:EncryptionContext:tenant', 'a', 'yes'],
  ['StringNotLike', 'kms:EncryptionContext:tenant', 'a*', 'yes'],
  ['ArnNotEquals', 'kms:EncryptionContext:arn', 'arn:aws:s3:::b', 'yes'],
  ['NumericNotEquals', 'kms:EncryptionContext:n', '1', 'yes'],
  ['DateNotEquals', 'kms:EncryptionContext:d', '2026-01-01', 'yes'],
  ['NumericLessThan', 'kms:EncryptionContext:n', '1', 'no'],
  ['Bool', 'kms:EncryptionContext:flag', 'true', 'no'],
  ['StringEqualsIfExists', 'kms:EncryptionContext:tenant', 'a', 'yes'],
  ['StringNotEqualsIfExists', 'kms:EncryptionContext:tenant', 'a', 'yes'],
  ['IpAddress', 'aws:SourceVpce', '10.0.0.0/8', 'no'],
  ['NotIpAddress', 'aws:SourceVpce', '10.0.0.0/8', 'yes'],
  // IfExists on a present key is the plain operator
  ['StringEqualsIfExists', 'kms:ViaService', 'sagemaker.us-west-2.amazonaws.com', 'no'],
  ['StringEqualsIfExists', 'kms:ViaService', 'sagemaker.us-east-1.amazonaws.com', 'yes'],
]);

table('Null tests presence', [
  ['Null', 'kms:EncryptionContextKeys', 'true', 'yes'],
  ['Null', 'kms:EncryptionContextKeys', 'false', 'no'],
  ['Null', 'kms:ViaService', 'false', 'yes'],
  ['Null', 'kms:ViaService', 'true', 'no'],
  ['Null', 'kms:ViaService', false, 'yes'],
  // an empty list counts as absent
  ['Null', 'aws:EmptyList', 'true', 'yes'],
  ['Null', 'aws:SomethingNobodyKnows', 'true', 'maybe'],
]);

table('set operators on present, absent and empty keys', [
  ['ForAllValues:StringEquals', 'aws:TagKeys', ['project', 'owner', 'cost'], 'yes'],
  ['ForAllValues:StringEquals', 'aws:TagKeys', ['project'], 'no'],
  ['ForAnyValue:StringEquals', 'aws:TagKeys', ['project'], 'yes'],
  ['ForAnyValue:StringEquals', 'aws:TagKeys', ['cost'], 'no'],
  ['ForAllValues:StringLike', 'aws:TagKeys', ['*o*'], 'yes'],
  ['ForAllValues:StringNotEquals', 'aws:TagKeys', ['cost'], 'yes'],
  ['ForAllValues:StringNotEquals', 'aws:TagKeys', ['owner'], 'no'],
  ['ForAnyValue:StringNotEquals', 'aws:TagKeys', ['owner'], 'yes'],
  ['ForAnyValue:StringNotEquals', 'aws:TagKeys', ['owner', 'project'], 'no'],
  // absent: ForAllValues holds (vacuously), ForAnyValue fails, whatever the operator
  ['ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['tenant'], 'yes'],
  ['ForAllValues:StringNotEquals', 'kms:EncryptionContextKeys', ['tenant'], 'yes'],
  ['ForAnyValue:StringEquals', 'kms:EncryptionContextKeys', ['tenant'], 'no'],
  ['ForAnyValue:StringNotEquals', 'kms:EncryptionContextKeys', ['tenant'], 'no'],
  ['ForAnyValue:StringLike', 'kms:EncryptionContextKeys', '*', 'no'],
  // empty list: as absent
  ['ForAllValues:StringEquals', 'aws:EmptyList', ['x'], 'yes'],
  ['ForAnyValue:StringEquals', 'aws:EmptyList', ['x'], 'no'],
  ['StringEquals', 'aws:EmptyList', ['x'], 'no'],
  ['StringNotEquals', 'aws:EmptyList', ['x'], 'yes'],
  // a multivalued key without a set operator: positive means "any"
  ['StringEquals', 'aws:TagKeys', 'owner', 'yes'],
  ['StringEquals', 'aws:TagKeys', 'cost', 'no'],
  // negated without a set operator reads two ways where the values differ: undetermined
  ['StringNotEquals', 'aws:TagKeys', 'owner', 'maybe'],
  // ... and one way where they agree
  ['StringNotEquals', 'aws:TagKeys', ['owner', 'project'], 'no'],
  ['StringNotEquals', 'aws:TagKeys', 'cost', 'yes'],
]);

table('unknown keys, unknown operators and policy variables are undetermined', [
  ['StringEquals', 'aws:PrincipalOrgID', 'o-abc123', 'maybe'],
  ['StringNotEquals', 'aws:PrincipalOrgID', 'o-abc123', 'maybe'],
  ['StringEqualsIfExists', 'aws:PrincipalOrgID', 'o-abc123', 'maybe'],
  ['ForAllValues:StringEquals', 'aws:PrincipalOrgPaths', 'o-abc123/*', 'maybe'],
  ['ForAnyValue:StringEquals', 'aws:PrincipalOrgPaths', 'o-abc123/*', 'maybe'],
  ['StringEqual', 'kms:ViaService', 'sagemaker.us-east-1.amazonaws.com', 'maybe'],
  // a variable whose key the context does not know
  ['StringEquals', 'aws:PrincipalArn', v('aws:username'), 'maybe'],
  ['StringLike', 'kms:ViaService', `sagemaker.${v('aws:RequestedRegion')}.amazonaws.com`, 'maybe'],
  // a variable among literal values: a literal match still decides
  ['StringEquals', 'kms:ViaService', ['sagemaker.us-east-1.amazonaws.com', v('x')], 'yes'],
  ['StringNotEquals', 'kms:ViaService', [v('x')], 'maybe'],
]);

describe('IaC placeholders in the request: equal once deployed, or not', () => {
  const iac = requestContext({
    'kms:ViaService': `sagemaker.${v('AWS::Region')}.amazonaws.com`,
    'aws:PrincipalArn': `arn:aws:iam::${v('AWS::AccountId')}:role/exec`,
  });
  it.each([
    ['StringEquals', 'kms:ViaService', 'sagemaker.us-east-1.amazonaws.com', 'maybe'],
    ['StringEquals', 'kms:ViaService', 'ec2.us-east-1.amazonaws.com', 'no'],
    ['StringEquals', 'kms:ViaService', 'sagemaker.us-east-1.amazonaws.com.cn', 'no'],
    ['StringNotEquals', 'kms:ViaService', 'sagemaker.us-east-1.amazonaws.com', 'maybe'],
    ['StringNotEquals', 'kms:ViaService', 'ec2.us-east-1.amazonaws.com', 'yes'],
    ['StringLike', 'kms:ViaService', 'sagemaker.*.amazonaws.com', 'yes'],
    ['StringLike', 'kms:ViaService', 'sagemaker.us-*', 'maybe'],
    ['StringLike', 'kms:ViaService', 'ec2.*', 'no'],
    ['ArnEquals', 'aws:PrincipalArn', 'arn:aws:iam::111122223333:role/exec', 'maybe'],
    ['ArnEquals', 'aws:PrincipalArn', 'arn:aws:iam::111122223333:role/other', 'no'],
    ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/exec', 'yes'],
  ] as const)('%s %s %j -> %s', (operator, key, value, expected) => {
    expect(evaluateConditionKey(operator, key, value, iac)).toBe(expected);
  });
});

describe('keys known only within bounds (kms:GrantOperations as HyperPod asks)', () => {
  const bounded = requestContext({}, [], {
    'kms:GrantOperations': { certain: ['Decrypt'], possible: ['Decrypt', 'CreateGrant', 'RetireGrant'] },
    'x:MaybeEmpty': { certain: [], possible: ['a', 'b'] },
  });
  it.each([
    [
      'ForAllValues:StringEquals',
      'kms:GrantOperations',
      ['Decrypt', 'CreateGrant', 'RetireGrant', 'Encrypt'],
      'yes',
    ],
    ['ForAllValues:StringEquals', 'kms:GrantOperations', ['Decrypt', 'CreateGrant'], 'maybe'],
    ['ForAllValues:StringEquals', 'kms:GrantOperations', ['Encrypt'], 'no'],
    ['ForAnyValue:StringEquals', 'kms:GrantOperations', ['Decrypt'], 'yes'],
    ['ForAnyValue:StringEquals', 'kms:GrantOperations', ['RetireGrant'], 'maybe'],
    ['ForAnyValue:StringEquals', 'kms:GrantOperations', ['Encrypt', 'GenerateDataKey'], 'no'],
    ['ForAllValues:StringNotEquals', 'kms:GrantOperations', ['Encrypt'], 'yes'],
    ['ForAllValues:StringNotEquals', 'kms:GrantOperations', ['Decrypt'], 'no'],
    ['ForAnyValue:StringNotEquals', 'kms:GrantOperations', ['Decrypt'], 'maybe'],
    ['Null', 'kms:GrantOperations', 'false', 'yes'],
    ['StringEquals', 'kms:GrantOperations', 'Decrypt', 'yes'],
    ['StringEquals', 'kms:GrantOperations', 'Encrypt', 'no'],
    // a bounded key that may be empty: absent-case answers join in
    ['ForAnyValue:StringEquals', 'x:MaybeEmpty', 'a', 'maybe'],
    ['ForAllValues:StringEquals', 'x:MaybeEmpty', ['a', 'b'], 'yes'],
    ['ForAllValues:StringEquals', 'x:MaybeEmpty', 'c', 'maybe'],
    ['ForAnyValue:StringEquals', 'x:MaybeEmpty', 'c', 'no'],
    ['Null', 'x:MaybeEmpty', 'true', 'maybe'],
    ['StringEqualsIfExists', 'x:MaybeEmpty', 'c', 'maybe'],
  ] as const)('%s %s %j -> %s', (operator, key, value, expected) => {
    expect(evaluateConditionKey(operator, key, value, bounded)).toBe(expected);
  });
});

describe('evaluateConditions: operators and keys AND together', () => {
  it.each([
    ['no condition', undefined, 'yes'],
    [
      'both hold',
      {
        StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' },
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
      'yes',
    ],
    [
      'one fails',
      {
        StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' },
        Bool: { 'kms:GrantIsForAWSResource': 'false' },
      },
      'no',
    ],
    [
      'two keys under one operator, one fails',
      {
        StringEquals: {
          'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com',
          'kms:CallerAccount': '444455556666',
        },
      },
      'no',
    ],
    [
      'one unknown, one holds',
      {
        StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com', 'aws:PrincipalOrgID': 'o-1' },
      },
      'maybe',
    ],
    [
      'one unknown, one fails: a known failure decides',
      {
        StringEquals: { 'aws:PrincipalOrgID': 'o-1' },
        Bool: { 'kms:GrantIsForAWSResource': 'false' },
      },
      'no',
    ],
  ] as const)('%s', (_name, condition, expected) => {
    expect(evaluateConditions(condition as Record<string, Record<string, unknown>> | undefined, ctx)).toBe(
      expected,
    );
  });
});

// ArnLike / ArnEquals match each of the six parts of an ARN on its own: a `*` never crosses the
// colon between two parts; the resource part keeps its colons and slashes.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
table('ARN operators, part by part', [
  ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::111122223333:role/*', 'yes'],
  ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/hyperpod-exec', 'yes'],
  ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::*:user/*', 'no'],
  ['ArnEquals', 'aws:PrincipalArn', 'arn:aws:iam::111122223333:role/hyperpod-*', 'yes'],
  ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::1111*:role/hyperpod-exec', 'yes'],
  // a star cannot stand for several parts: not a six-part pattern, so not judged; nor is a bare
  // star, which IAM documents as every resource in a Resource element but not in ARN operators
  ['ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::*', 'maybe'],
  ['ArnLike', 'aws:PrincipalArn', 'arn:*:role/hyperpod-exec', 'maybe'],
  ['ArnLike', 'aws:PrincipalArn', '*', 'maybe'],
  ['ArnNotLike', 'aws:PrincipalArn', '*', 'maybe'],
  ['ArnNotLike', 'aws:PrincipalArn', 'arn:aws:iam::*:user/*', 'yes'],
  ['ArnNotLike', 'aws:PrincipalArn', 'arn:aws:iam::111122223333:role/*', 'no'],
  ['ArnLike', 'aws:SourceVpce', 'arn:aws:iam::*:role/*', 'no'],
  ['ArnLikeIfExists', 'aws:SourceVpce', 'arn:aws:iam::*:role/*', 'yes'],
  ['ArnLike', 'aws:PrincipalArn', v('aws:username'), 'maybe'],
]);

// A variable whose key the context knows is substituted, as IAM does when it evaluates the policy.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
table('policy variables the context knows', [
  ['StringEquals', 'aws:PrincipalArn', v('aws:PrincipalArn'), 'yes'],
  ['ArnLike', 'aws:PrincipalArn', v('aws:PrincipalArn'), 'yes'],
  ['StringNotEquals', 'aws:PrincipalArn', v('aws:PrincipalArn'), 'no'],
  ['StringLike', 'kms:ViaService', `sagemaker.${v('aws:RequestedRegion')}.amazonaws.com`, 'maybe'],
]);

describe('ARN operators on a request ARN with extra colons', () => {
  const arnCtx = requestContext({ 'aws:SourceArn': 'arn:aws:iam::1:2:role/a' });
  it.each([
    ['arn:aws:iam::*:role/a', 'no'],
    ['arn:aws:iam::1:2:role/a', 'yes'],
    ['arn:aws:iam::1:*', 'yes'],
  ] as const)('ArnLike %s -> %s', (pattern, expected) => {
    expect(evaluateConditionKey('ArnLike', 'aws:SourceArn', pattern, arnCtx)).toBe(expected);
  });
});

// aws:PrincipalOrgID is the caller's organization; an account in no organization carries neither it
// nor aws:PrincipalOrgPaths (of which only the organization is known).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
// "ForAnyValue: At least one alias associated with the KMS key must match ... If the KMS key has no
// aliases, the condition is not satisfied"; "ForAllValues: Every alias associated with the KMS key
// must match ... It doesn't require any aliases".
// https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases
table(
  'kms:ResourceAliases of a key with two aliases, every one known',
  [
    ['ForAnyValue:StringEquals', 'kms:ResourceAliases', 'alias/llm-gpu', 'yes'],
    ['ForAnyValue:StringLike', 'kms:resourcealiases', ['alias/vision-*', 'alias/team-*'], 'yes'],
    ['ForAnyValue:StringLike', 'kms:ResourceAliases', 'alias/vision-*', 'no'],
    ['ForAllValues:StringLike', 'kms:ResourceAliases', 'alias/llm-*', 'no'],
    ['ForAllValues:StringLike', 'kms:ResourceAliases', ['alias/llm-*', 'alias/team-*'], 'yes'],
    ['ForAnyValue:StringNotLike', 'kms:ResourceAliases', 'alias/llm-*', 'yes'],
    ['ForAllValues:StringNotLike', 'kms:ResourceAliases', 'alias/llm-*', 'no'],
  ],
  withResourceAliases(ctx, ['alias/llm-gpu', 'alias/team-a']),
);
table(
  'kms:ResourceAliases of a key with no alias',
  [
    ['ForAnyValue:StringLike', 'kms:ResourceAliases', 'alias/*', 'no'],
    ['ForAllValues:StringLike', 'kms:ResourceAliases', 'alias/llm-*', 'yes'],
    ['Null', 'kms:ResourceAliases', 'true', 'yes'],
  ],
  withResourceAliases(ctx, []),
);
table(
  'kms:ResourceAliases when the aliases are not known, or the key has more than its quota of 50',
  [
    ['ForAnyValue:StringLike', 'kms:ResourceAliases', 'alias/*', 'maybe'],
    ['ForAllValues:StringLike', 'kms:ResourceAliases', 'alias/llm-*', 'maybe'],
  ],
  withResourceAliases(
    ctx,
    Array.from({ length: 51 }, (_, i) => `alias/llm-${i}`),
  ),
);

describe('withoutKeyAttributes', () => {
  it("leaves the key's aliases and tags unknown, as a key policy reads them", () => {
    const keyPolicy = withoutKeyAttributes(withResourceAliases(ctx, ['alias/llm-gpu']));
    expect(
      evaluateConditionKey('ForAnyValue:StringEquals', 'kms:ResourceAliases', 'alias/llm-gpu', keyPolicy),
    ).toBe('maybe');
    expect(withoutKeyAttributes(ctx)).toBe(ctx);
  });
});

describe('withPrincipalOrganization', () => {
  const ORG = 'o-a1b2c3d4e5';
  const base = requestContext({ 'kms:CallerAccount': '111122223333' });
  const rows: [string | null | undefined, string, string, unknown, Tri][] = [
    [ORG, 'StringEquals', 'aws:PrincipalOrgID', ORG, 'yes'],
    [ORG, 'StringEquals', 'aws:PrincipalOrgID', 'o-zzzzzzzzzz', 'no'],
    [ORG, 'StringNotEquals', 'aws:PrincipalOrgID', 'o-zzzzzzzzzz', 'yes'],
    [ORG, 'StringLike', 'aws:PrincipalOrgID', 'o-a1*', 'yes'],
    [ORG, 'ForAnyValue:StringLike', 'aws:PrincipalOrgPaths', `${ORG}/*`, 'yes'],
    [ORG, 'ForAnyValue:StringLike', 'aws:PrincipalOrgPaths', '*', 'yes'],
    [ORG, 'ForAnyValue:StringLike', 'aws:PrincipalOrgPaths', `${ORG}/r-ab12/ou-ab12-11111111/*`, 'maybe'],
    [ORG, 'ForAnyValue:StringLike', 'aws:PrincipalOrgPaths', 'o-zzzzzzzzzz/*', 'no'],
    [ORG, 'ForAnyValue:StringLike', 'aws:PrincipalOrgPaths', ['o-zzzzzzzzzz/*', `${ORG}/*`], 'yes'],
    [ORG, 'ForAnyValue:StringEquals', 'aws:PrincipalOrgPaths', `${ORG}/r-ab12/`, 'maybe'],
    [ORG, 'ForAnyValue:StringEquals', 'aws:PrincipalOrgPaths', 'o-zzzzzzzzzz/r-ab12/', 'no'],
    [ORG, 'ForAnyValue:StringNotLike', 'aws:PrincipalOrgPaths', 'o-zzzzzzzzzz/*', 'yes'],
    [null, 'StringEquals', 'aws:PrincipalOrgID', ORG, 'no'],
    [null, 'StringNotEquals', 'aws:PrincipalOrgID', ORG, 'yes'],
    [null, 'Null', 'aws:PrincipalOrgID', 'true', 'yes'],
    [null, 'ForAnyValue:StringLike', 'aws:PrincipalOrgPaths', `${ORG}/*`, 'no'],
    [undefined, 'StringEquals', 'aws:PrincipalOrgID', ORG, 'maybe'],
    [undefined, 'ForAnyValue:StringLike', 'aws:PrincipalOrgPaths', `${ORG}/*`, 'maybe'],
  ];
  it.each(rows)('organization %s: %s %s %j -> %s', (organization, operator, key, value, expected) => {
    const context = withPrincipalOrganization(base, organization);
    expect(evaluateConditionKey(operator, key, value, context)).toBe(expected);
    // the other keys stay as they were
    expect(evaluateConditionKey('StringEquals', 'kms:CallerAccount', '111122223333', context)).toBe('yes');
  });
});

describe('hasPolicyVariable: one pass over hostile text', () => {
  it.each([
    [v('aws:username'), true],
    [`arn:aws:iam::111122223333:user/${v('aws:username')}`, true],
    [v('AWS::AccountId'), false],
    [`${v('AWS::AccountId')}-${v('aws:userid')}`, true],
    ['${'.repeat(20_000), false],
    [`${'${'.repeat(20_000)}}`, true],
    ['no variables', false],
  ] as const)('%s -> %s', (value, expected) => {
    expect(hasPolicyVariable(value)).toBe(expected);
  });
});
