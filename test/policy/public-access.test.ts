/**
 * Key-policy publicness by AWS's definition. Every row names the AWS document it rests on.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyStatement } from '../../src/model/inventory.js';
import { publicStatements as reExported } from '../../src/policy/evaluate.js';
import { PUBLIC_ACCESS_DEFINITION, publicAccess, publicStatements } from '../../src/policy/public-access.js';

const CONFIG =
  'https://docs.aws.amazon.com/config/latest/developerguide/kms-key-policy-no-public-access.html';
const S3_PUBLIC =
  'https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status';
const OPERATORS =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html';
const STRING_OPS = `${OPERATORS}#Conditions_String`;
const IF_EXISTS = `${OPERATORS}#Conditions_IfExists`;
const NULL_OP = `${OPERATORS}#Conditions_Null`;
const IP_OPS = `${OPERATORS}#Conditions_IPAddress`;
const ARN_OPS = `${OPERATORS}#Conditions_ARN`;
const MULTI =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html';
const LOGIC =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html';
const NOT_PRINCIPAL =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html';
const EVALUATION =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html';
const GLOBAL_KEYS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html';
const RESOURCE_ACCOUNT = `${GLOBAL_KEYS}#condition-keys-resourceaccount`;
const VARIABLES = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html';
const KMS_KEYS = 'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html';
const KMS_ACTIONS =
  'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html';

const A = '111122223333';
const B = '444455556666';
const KEY = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLE = `arn:aws:iam::${A}:role/hyperpod-exec`;
const ORG = 'o-a1b2c3d4e5';
const VAR = (name: string) => `$${'{'}${name}}`;

const root: PolicyStatement = {
  Sid: 'Root',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${A}:root` },
  Action: 'kms:*',
  Resource: '*',
};
/** The statement under test: always at index 1. */
const open = (extra: Partial<PolicyStatement> = {}): PolicyStatement => ({
  Sid: 'Open',
  Effect: 'Allow',
  Principal: { AWS: '*' },
  Action: ['kms:Decrypt', 'kms:DescribeKey'],
  Resource: '*',
  ...extra,
});
const when = (Condition: PolicyStatement['Condition']) => open({ Condition });
const deny = (extra: Partial<PolicyStatement>): PolicyStatement => ({
  Sid: 'Perimeter',
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:*',
  Resource: '*',
  ...extra,
});

type Verdict = 'public' | 'restricted' | 'network' | 'ignored';
/** [class, AWS doc, statements after the root statement (the first one is judged), verdict] */
const rows: [string, string, PolicyStatement[], Verdict][] = [
  // --- the principal -------------------------------------------------------------------------
  ['Principal "*" and no condition', CONFIG, [open({ Principal: '*' })], 'public'],
  ['{"AWS": "*"}', CONFIG, [open()], 'public'],
  ['"*" among named principals', CONFIG, [open({ Principal: { AWS: [ROLE, '*'] } })], 'public'],
  [
    'a principal pattern (no fixed value)',
    CONFIG,
    [open({ Principal: { AWS: 'arn:aws:iam::*:root' } })],
    'public',
  ],
  [
    'Allow with NotPrincipal is everyone else',
    NOT_PRINCIPAL,
    [open({ Principal: undefined, NotPrincipal: { AWS: ROLE } })],
    'public',
  ],
  // --- each fixed-value key AWS lists, with a fixed value -------------------------------------
  ['aws:PrincipalOrgID', S3_PUBLIC, [when({ StringEquals: { 'aws:PrincipalOrgID': ORG } })], 'restricted'],
  ['aws:PrincipalAccount', S3_PUBLIC, [when({ StringEquals: { 'aws:PrincipalAccount': A } })], 'restricted'],
  [
    'kms:CallerAccount',
    `${KMS_KEYS}#conditions-kms-caller-account`,
    [when({ StringEquals: { 'kms:CallerAccount': A } })],
    'restricted',
  ],
  ['aws:SourceAccount', S3_PUBLIC, [when({ StringEquals: { 'aws:SourceAccount': A } })], 'restricted'],
  [
    'aws:SourceOwner with a fixed account',
    S3_PUBLIC,
    [when({ StringEquals: { 'aws:SourceOwner': A } })],
    'restricted',
  ],
  [
    'aws:SourceArn with ArnEquals, no wildcard',
    S3_PUBLIC,
    [when({ ArnEquals: { 'aws:SourceArn': `arn:aws:sagemaker:us-east-1:${A}:cluster/abc` } })],
    'restricted',
  ],
  [
    'aws:SourceArn with StringEquals, no wildcard',
    S3_PUBLIC,
    [when({ StringEquals: { 'aws:SourceArn': `arn:aws:sns:us-east-1:${A}:topic` } })],
    'restricted',
  ],
  [
    'aws:SourceArn with ArnLike but no wildcard',
    S3_PUBLIC,
    [when({ ArnLike: { 'aws:SourceArn': `arn:aws:sns:us-east-1:${A}:topic` } })],
    'restricted',
  ],
  [
    'aws:PrincipalArn, a fixed role',
    S3_PUBLIC,
    [when({ ArnEquals: { 'aws:PrincipalArn': ROLE } })],
    'restricted',
  ],
  [
    'aws:userid, a fixed role session',
    S3_PUBLIC,
    [when({ StringEquals: { 'aws:userid': 'AROAEXAMPLEID1234567:alice' } })],
    'restricted',
  ],
  [
    'StringEqualsIgnoreCase is still equality',
    STRING_OPS,
    [when({ StringEqualsIgnoreCase: { 'aws:PrincipalOrgID': ORG } })],
    'restricted',
  ],
  [
    'ForAnyValue on a single-valued key fails when the key is missing',
    MULTI,
    [when({ 'ForAnyValue:StringEquals': { 'aws:PrincipalOrgID': ORG } })],
    'restricted',
  ],
  [
    'operator and key names are case-insensitive',
    STRING_OPS,
    [when({ stringequals: { 'AWS:PRINCIPALORGID': ORG } })],
    'restricted',
  ],
  [
    'a fixed-value condition ANDed with another condition',
    LOGIC,
    [when({ StringEquals: { 'aws:PrincipalOrgID': ORG }, Bool: { 'aws:SecureTransport': 'true' } })],
    'restricted',
  ],
  [
    'two fixed values ORed',
    LOGIC,
    [when({ StringEquals: { 'aws:PrincipalAccount': [A, B] } })],
    'restricted',
  ],
  [
    'an IaC placeholder for the deploying account is fixed once deployed',
    CONFIG,
    [when({ StringEquals: { 'kms:CallerAccount': VAR('AWS::AccountId') } })],
    'restricted',
  ],
  // --- StringEquals compares literally ---------------------------------------------------------
  [
    'StringEquals with a literal "*" among its values',
    STRING_OPS,
    [when({ StringEquals: { 'kms:CallerAccount': [A, '*'] } })],
    'restricted',
  ],
  [
    'StringEquals with "*" alone (no caller carries it)',
    STRING_OPS,
    [when({ StringEquals: { 'aws:PrincipalOrgID': '*' } })],
    'restricted',
  ],
  [
    'StringLike reads "*" as a wildcard',
    STRING_OPS,
    [when({ StringLike: { 'kms:CallerAccount': [A, '*'] } })],
    'public',
  ],
  // --- wildcards, variables and operators that do not restrict ---------------------------------
  ['StringLike "*"', CONFIG, [when({ StringLike: { 'kms:CallerAccount': '*' } })], 'public'],
  ['a partial wildcard', CONFIG, [when({ StringLike: { 'aws:PrincipalAccount': '1111*' } })], 'public'],
  [
    'an organization id pattern o-*',
    CONFIG,
    [when({ StringLike: { 'aws:PrincipalOrgID': 'o-*' } })],
    'public',
  ],
  [
    'an ARN pattern with a wildcard account',
    CONFIG,
    [when({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/admin' } })],
    'public',
  ],
  [
    'an ARN pattern with a fixed account but a wildcard name',
    CONFIG,
    [when({ ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/*` } })],
    'public',
  ],
  [
    'aws:SourceArn ending in :*',
    CONFIG,
    [when({ ArnLike: { 'aws:SourceArn': `arn:aws:sagemaker:us-east-1:${A}:*` } })],
    'public',
  ],
  [
    'ArnEquals reads wildcards as ArnLike does',
    ARN_OPS,
    [when({ ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:*:*:*' } })],
    'public',
  ],
  [
    'aws:userid in the pattern AROLEID:*',
    S3_PUBLIC,
    [when({ StringLike: { 'aws:userid': 'AROAEXAMPLEID1234567:*' } })],
    'public',
  ],
  [
    'an organization path pattern',
    CONFIG,
    [when({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': `${ORG}/r-ab12/*` } })],
    'public',
  ],
  [
    'a policy variable',
    VARIABLES,
    [when({ StringEquals: { 'aws:PrincipalAccount': VAR('aws:ResourceAccount') } })],
    'public',
  ],
  [
    'a policy variable inside an ARN',
    VARIABLES,
    [when({ ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/${VAR('aws:username')}` } })],
    'public',
  ],
  [
    '...IfExists lets callers without the key in',
    IF_EXISTS,
    [when({ StringEqualsIfExists: { 'aws:PrincipalOrgID': ORG } })],
    'public',
  ],
  [
    'ForAllValues holds when the key is missing',
    MULTI,
    [when({ 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': ORG } })],
    'public',
  ],
  [
    'Null tests presence, not a value',
    NULL_OP,
    [when({ Null: { 'aws:PrincipalOrgID': 'false' } })],
    'public',
  ],
  [
    'StringNotEquals holds for every other caller',
    STRING_OPS,
    [when({ StringNotEquals: { 'kms:CallerAccount': B } })],
    'public',
  ],
  ['an empty value', CONFIG, [when({ StringEquals: { 'kms:CallerAccount': '' } })], 'public'],
  ['an unknown operator', OPERATORS, [when({ StringEqual: { 'kms:CallerAccount': A } })], 'public'],
  [
    'kms:ViaService is not a fixed-value key',
    S3_PUBLIC,
    [when({ StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } })],
    'public',
  ],
  [
    'aws:ResourceAccount of the key itself names no caller',
    RESOURCE_ACCOUNT,
    [when({ StringEquals: { 'aws:ResourceAccount': A } })],
    'public',
  ],
  [
    'a restricted statement does not restrict another',
    EVALUATION,
    [open(), open({ Sid: 'Org', Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } })],
    'public',
  ],
  // --- network: non-public by AWS's definition, reported apart ---------------------------------
  [
    'aws:SourceIp limited to a CIDR range',
    S3_PUBLIC,
    [when({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } })],
    'network',
  ],
  [
    'aws:SourceIp with IPv4 and IPv6 ranges',
    IP_OPS,
    [when({ IpAddress: { 'aws:SourceIp': ['203.0.113.7', '2001:db8::/32'] } })],
    'network',
  ],
  ['aws:SourceVpce', S3_PUBLIC, [when({ StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } })], 'network'],
  ['aws:SourceVpc', S3_PUBLIC, [when({ StringEquals: { 'aws:SourceVpc': 'vpc-111bbb22' } })], 'network'],
  [
    'a network and a caller restriction: the caller wins',
    S3_PUBLIC,
    [when({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' }, StringEquals: { 'aws:PrincipalOrgID': ORG } })],
    'restricted',
  ],
  [
    'aws:SourceIp 0.0.0.0/0 is everyone',
    S3_PUBLIC,
    [when({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } })],
    'public',
  ],
  [
    'NotIpAddress holds for every other address',
    IP_OPS,
    [when({ NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } })],
    'public',
  ],
  [
    'aws:SourceIp with a non-IP operator',
    IP_OPS,
    [when({ StringEquals: { 'aws:SourceIp': '203.0.113.7' } })],
    'public',
  ],
  // --- statements that can never apply to a KMS request ----------------------------------------
  [
    'a key of another service without IfExists (s3:x-amz-acl)',
    OPERATORS,
    [when({ StringEquals: { 's3:x-amz-acl': 'public-read' } })],
    'ignored',
  ],
  [
    'an EC2 key without IfExists',
    OPERATORS,
    [when({ StringEquals: { 'ec2:CreateAction': 'RunInstances' } })],
    'ignored',
  ],
  [
    "ForAnyValue on another service's key",
    MULTI,
    [when({ 'ForAnyValue:StringLike': { 's3:prefix': '*' } })],
    'ignored',
  ],
  [
    'Null "false" on another service\'s key',
    NULL_OP,
    [when({ Null: { 's3:x-amz-acl': 'false' } })],
    'ignored',
  ],
  [
    'aws:ResourceAccount naming another account',
    RESOURCE_ACCOUNT,
    [when({ StringEquals: { 'aws:ResourceAccount': B } })],
    'ignored',
  ],
  ['Actions of another service only', KMS_ACTIONS, [open({ Action: 's3:GetObject' })], 'ignored'],
  [
    'a Resource that is another key',
    EVALUATION,
    [open({ Resource: `arn:aws:kms:us-east-1:${A}:key/other` })],
    'ignored',
  ],
  [
    "another service's key with IfExists still applies",
    IF_EXISTS,
    [when({ StringEqualsIfExists: { 's3:x-amz-acl': 'public-read' } })],
    'public',
  ],
  [
    "another service's key under a negated operator still applies",
    STRING_OPS,
    [when({ StringNotEquals: { 's3:x-amz-acl': 'public-read' } })],
    'public',
  ],
  // --- Deny statements that carve out ----------------------------------------------------------
  [
    'Deny with NotPrincipal: everyone but the named principals',
    NOT_PRINCIPAL,
    [
      open({ Action: 'kms:*' }),
      deny({ Principal: undefined, NotPrincipal: { AWS: [ROLE, `arn:aws:iam::${A}:root`] } }),
    ],
    'restricted',
  ],
  [
    'Deny to everyone outside the organization',
    EVALUATION,
    [open({ Principal: '*' }), deny({ Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORG } } })],
    'restricted',
  ],
  [
    'Deny to everyone outside the organization, IfExists',
    EVALUATION,
    [open(), deny({ Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': ORG } } })],
    'restricted',
  ],
  ['an unconditional Deny to everyone', EVALUATION, [open(), deny({})], 'restricted'],
  [
    'two Denies that together cover every action granted',
    EVALUATION,
    [
      open(),
      deny({ Action: 'kms:Decrypt', Condition: { StringNotEquals: { 'kms:CallerAccount': A } } }),
      deny({
        Sid: 'P2',
        Action: 'kms:Describe*',
        Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORG } },
      }),
    ],
    'restricted',
  ],
  [
    'Deny outside a network range',
    EVALUATION,
    [open(), deny({ Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } })],
    'network',
  ],
  [
    'a Deny that leaves an action granted open',
    EVALUATION,
    [open(), deny({ Action: 'kms:Decrypt', Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORG } } })],
    'public',
  ],
  [
    'a Deny with an extra condition lets outsiders through',
    LOGIC,
    [
      open(),
      deny({
        Condition: {
          StringNotEquals: { 'aws:PrincipalOrgID': ORG },
          Bool: { 'aws:SecureTransport': 'false' },
        },
      }),
    ],
    'public',
  ],
  [
    'a Deny whose exception is a wildcard',
    CONFIG,
    [open(), deny({ Condition: { StringNotLike: { 'aws:PrincipalOrgID': 'o-*' } } })],
    'public',
  ],
  [
    'a Deny with NotPrincipal and a condition',
    NOT_PRINCIPAL,
    [
      open(),
      deny({
        Principal: undefined,
        NotPrincipal: { AWS: ROLE },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ],
    'public',
  ],
  [
    'a Deny on one other key only',
    EVALUATION,
    [open(), deny({ Resource: `arn:aws:kms:us-east-1:${A}:key/other` })],
    'public',
  ],
  [
    'a Deny that can never apply',
    OPERATORS,
    [open(), deny({ Condition: { StringEquals: { 's3:x-amz-acl': 'private' } } })],
    'public',
  ],
];

const verdictOf = (doc: PolicyDocument, index: number, organization?: string | null): Verdict | undefined => {
  const analysis = publicAccess(doc, { keyArn: KEY, keyAccount: A, keyOrganizationId: organization });
  if (analysis.public.some((s) => s.index === index)) return 'public';
  if (analysis.ignored.some((s) => s.index === index)) return 'ignored';
  const restricted = analysis.restricted.find((s) => s.index === index);
  if (restricted) return restricted.restriction === 'network' ? 'network' : 'restricted';
  return undefined;
};

describe("publicAccess: AWS Config's definition of a public key policy", () => {
  it.each(rows)('%s (%s)', (_name, _doc, statements, expected) => {
    const doc: PolicyDocument = { Version: '2012-10-17', Statement: [root, ...statements] };
    expect(verdictOf(doc, 1)).toBe(expected);
    // The root statement is never a wildcard grant.
    expect(verdictOf(doc, 0)).toBeUndefined();
  });

  // aws:ResourceOrgID is the organization of the key's account.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceorgid
  it.each([
    [ORG, 'o-zzzzzzzzzz', 'ignored'],
    [ORG, ORG, 'public'],
    [null, ORG, 'ignored'],
    [undefined, 'o-zzzzzzzzzz', 'public'],
  ] as const)(
    'key in organization %s, a condition on aws:ResourceOrgID %s: %s',
    (organization, value, expected) => {
      const doc: PolicyDocument = {
        Statement: [root, when({ StringEquals: { 'aws:ResourceOrgID': value } })],
      };
      expect(verdictOf(doc, 1, organization)).toBe(expected);
    },
  );

  it('says which definition it applies', () => {
    const analysis = publicAccess({ Statement: [open()] });
    expect(analysis.definition).toBe(PUBLIC_ACCESS_DEFINITION);
    expect(analysis.definition.name).toContain("AWS Config's kms-key-policy-no-public-access");
    expect(analysis.definition.references).toContain(CONFIG);
  });

  it('names the statement, the reason, and what restricts or rules out the others', () => {
    const analysis = publicAccess(
      {
        Statement: [
          root,
          open(),
          open({ Sid: 'Org', Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } }),
          open({ Sid: 'S3', Condition: { StringEquals: { 's3:x-amz-acl': 'public-read' } } }),
          open({ Sid: 'Everyone', Principal: undefined, NotPrincipal: { AWS: ROLE } }),
        ],
      },
      { keyArn: KEY, keyAccount: A },
    );
    expect(analysis.public).toEqual([
      { index: 1, sid: 'Open', reason: 'Principal *' },
      { index: 4, sid: 'Everyone', reason: 'NotPrincipal' },
    ]);
    expect(analysis.restricted).toEqual([
      { index: 2, sid: 'Org', restriction: 'identity', by: ['aws:PrincipalOrgID'] },
    ]);
    expect(analysis.ignored).toEqual([
      {
        index: 3,
        sid: 'S3',
        why: 'its condition (StringEquals s3:x-amz-acl) is never true for a KMS request on this key',
      },
    ]);
  });

  it('is what evaluate.js re-exports as publicStatements', () => {
    const doc: PolicyDocument = { Statement: [root, open()] };
    expect(reExported(doc)).toEqual(publicStatements(doc));
    expect(publicStatements(doc)).toEqual([{ index: 1, sid: 'Open', reason: 'Principal *' }]);
  });

  it('without the key ARN, a Resource naming a key is not ruled out', () => {
    const doc: PolicyDocument = { Statement: [open({ Resource: `arn:aws:kms:us-east-1:${A}:key/other` })] };
    expect(publicStatements(doc)).toHaveLength(1);
  });
});
