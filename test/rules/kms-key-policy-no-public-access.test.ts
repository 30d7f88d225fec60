import type { PolicyStatement } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-policy-no-public-access.js';
import {
  awsManagedKey,
  compliantEstate,
  gap,
  iacInventory,
  iacKey,
  inventory,
  key,
  keyArn,
  policyOf,
  rootStatement,
  unresolved,
} from '../helpers/inventory.js';
import { describeKeyDeniedCase, healthyKeyFromEachSource } from '../helpers/key-cases.js';
import { ruleTester } from '../helpers/rule-tester.js';

const K1 = keyArn('k1');
const open = (overrides: Partial<PolicyStatement> = {}): PolicyStatement => ({
  Sid: 'Open',
  Effect: 'Allow',
  Principal: { AWS: '*' },
  Action: ['kms:Decrypt', 'kms:DescribeKey'],
  Resource: '*',
  ...overrides,
});
const withPolicy = (...statements: PolicyStatement[]) =>
  inventory({ keys: [key('k1', { policy: policyOf(rootStatement(), ...statements) })] });
const openWhen = (condition: PolicyStatement['Condition']) => withPolicy(open({ Condition: condition }));
const { policy: _policy, ...policyless } = key('k1');

// The AWS documents each class rests on.
const CONFIG =
  'https://docs.aws.amazon.com/config/latest/developerguide/kms-key-policy-no-public-access.html';
const S3_PUBLIC =
  'https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status';
const OPERATORS =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html';
const NOT_PRINCIPAL =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html';
const RESOURCE_ACCOUNT =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount';
const VARIABLES = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html';
const ORG = 'o-a1b2c3d4e5';
const VAR = (name: string) => `$${'{'}${name}}`;

/** [class, AWS doc, the open statement's condition] for conditions that make it non-public. */
const RESTRICTING: [string, string, PolicyStatement['Condition']][] = [
  [
    'aws:SourceOwner with a fixed account',
    S3_PUBLIC,
    { StringEquals: { 'aws:SourceOwner': '111122223333' } },
  ],
  [
    'aws:SourceArn with no wildcard',
    S3_PUBLIC,
    { ArnEquals: { 'aws:SourceArn': 'arn:aws:sagemaker:us-east-1:111122223333:cluster/abc' } },
  ],
  [
    'aws:PrincipalArn naming one role',
    S3_PUBLIC,
    { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/x' } },
  ],
  [
    'aws:userid naming one session',
    S3_PUBLIC,
    { StringEquals: { 'aws:userid': 'AROAEXAMPLEID1234567:alice' } },
  ],
  [
    'StringEquals with a literal "*" among its values',
    `${OPERATORS}#Conditions_String`,
    { StringEquals: { 'kms:CallerAccount': ['111122223333', '*'] } },
  ],
];

/** [class, AWS doc, the open statement's condition] for conditions that leave it public. */
const NOT_RESTRICTING: [string, string, PolicyStatement['Condition']][] = [
  ['StringLike "*" is a wildcard', CONFIG, { StringLike: { 'kms:CallerAccount': '*' } }],
  ['an organization id pattern o-*', CONFIG, { StringLike: { 'aws:PrincipalOrgID': 'o-*' } }],
  [
    'an ARN pattern arn:...:*',
    CONFIG,
    { ArnLike: { 'aws:SourceArn': 'arn:aws:sagemaker:us-east-1:111122223333:*' } },
  ],
  [
    'an ARN pattern with a wildcard account',
    CONFIG,
    { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/hyperpod-exec' } },
  ],
  [
    'role ARNs of one account by pattern',
    CONFIG,
    { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/hyperpod-*' } },
  ],
  [
    'aws:userid in the pattern AROLEID:*',
    S3_PUBLIC,
    { StringLike: { 'aws:userid': 'AROAEXAMPLEID1234567:*' } },
  ],
  [
    'an organization path pattern',
    CONFIG,
    { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ORG}/r-ab12/*`] } },
  ],
  ['a policy variable', VARIABLES, { StringEquals: { 'aws:PrincipalAccount': VAR('aws:ResourceAccount') } }],
  [
    'a ...IfExists operator',
    `${OPERATORS}#Conditions_IfExists`,
    { StringEqualsIfExists: { 'aws:PrincipalOrgID': ORG } },
  ],
  ['aws:SourceIp 0.0.0.0/0', S3_PUBLIC, { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }],
];

/** [class, AWS doc, the open statement's condition] for statements that never apply to a KMS request. */
const NEVER_APPLIES: [string, string, PolicyStatement['Condition']][] = [
  [
    'a condition on s3:x-amz-acl without IfExists',
    OPERATORS,
    { StringEquals: { 's3:x-amz-acl': 'public-read' } },
  ],
  ['a condition on an ec2: key without IfExists', OPERATORS, { StringEquals: { 'ec2:Region': 'us-east-1' } }],
  [
    'aws:ResourceAccount naming another account',
    RESOURCE_ACCOUNT,
    { StringEquals: { 'aws:ResourceAccount': '444455556666' } },
  ],
];

/** [class, AWS doc, the open statement's condition] for network-only restrictions. */
const NETWORK_ONLY: [string, string, PolicyStatement['Condition'], string][] = [
  [
    'aws:SourceIp limited to a CIDR range',
    S3_PUBLIC,
    { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
    'aws:SourceIp',
  ],
  ['aws:SourceVpce', S3_PUBLIC, { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }, 'aws:SourceVpce'],
  ['aws:SourceVpc', S3_PUBLIC, { StringEquals: { 'aws:SourceVpc': 'vpc-0a1b2c3d' } }, 'aws:SourceVpc'],
];

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'policy names only the account, an admin and the execution role',
      inventory: compliantEstate(),
      expected: [{ status: 'PASS', messageId: 'restricted', resource: K1, data: { key: 'alias/k1' } }],
    },
    {
      name: 'wildcard restricted to the organization',
      inventory: openWhen({ StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } }),
      expected: [{ status: 'PASS', messageId: 'restricted', data: { key: 'alias/k1' } }],
    },
    {
      name: 'wildcard restricted to one account (aws:PrincipalAccount)',
      inventory: openWhen({ StringEquals: { 'aws:PrincipalAccount': '111122223333' } }),
      expected: [{ status: 'PASS', messageId: 'restricted', data: { key: 'alias/k1' } }],
    },
    {
      name: 'the aws/ebs pattern: kms:CallerAccount with kms:ViaService',
      inventory: openWhen({
        StringEquals: {
          'kms:CallerAccount': '111122223333',
          'kms:ViaService': 'ec2.us-east-1.amazonaws.com',
        },
      }),
      expected: [{ status: 'PASS', messageId: 'restricted', data: { key: 'alias/k1' } }],
    },
    {
      name: 'wildcard restricted by aws:SourceAccount',
      inventory: openWhen({ StringEquals: { 'aws:SourceAccount': '111122223333' } }),
      expected: [{ status: 'PASS', messageId: 'restricted', data: { key: 'alias/k1' } }],
    },
    {
      name: 'wildcard restricted to resources of the organization (aws:SourceOrgID)',
      inventory: openWhen({ StringEquals: { 'aws:SourceOrgID': 'o-a1b2c3d4e5' } }),
      expected: [{ status: 'PASS', messageId: 'restricted', data: { key: 'alias/k1' } }],
    },
    {
      name: 'wildcard restricted to one service principal',
      inventory: openWhen({ StringEquals: { 'aws:PrincipalServiceName': 'cloudtrail.amazonaws.com' } }),
      expected: [{ status: 'PASS', messageId: 'restricted', data: { key: 'alias/k1' } }],
    },
    {
      name: 'condition operator and key names are case-insensitive',
      inventory: openWhen({ stringequals: { 'AWS:PRINCIPALORGID': 'o-a1b2c3d4e5' } }),
      expected: [{ status: 'PASS', messageId: 'restricted', data: { key: 'alias/k1' } }],
    },
    {
      name: 'a restricting condition ANDed with a non-restricting one still restricts',
      inventory: openWhen({
        StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
        Bool: { 'aws:SecureTransport': 'true' },
      }),
      expected: [{ status: 'PASS', messageId: 'restricted', data: { key: 'alias/k1' } }],
    },
    {
      name: 'a Deny for everyone outside the organization closes an open Allow',
      inventory: withPolicy(open({ Principal: '*' }), {
        Sid: 'DenyOutsideOrg',
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:*',
        Resource: '*',
        Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      }),
      expected: [{ status: 'PASS', messageId: 'restricted', data: { key: 'alias/k1' } }],
    },
    {
      name: 'a wildcard Deny is not a grant',
      inventory: withPolicy({
        Sid: 'DenyAll',
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:ScheduleKeyDeletion',
        Resource: '*',
      }),
      expected: [{ status: 'PASS', messageId: 'restricted', data: { key: 'alias/k1' } }],
    },
    {
      name: 'AWS managed key is not governed',
      inventory: inventory({ keys: [awsManagedKey('aws1', 'ebs', { policy: policyOf(open()) })] }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'awsManaged', data: { key: 'alias/aws/ebs' } }],
    },
    ...healthyKeyFromEachSource('restricted', (key) => ({ key })),
    ...RESTRICTING.map(([name, doc, condition]) => ({
      name: `not public: ${name} (${doc})`,
      inventory: openWhen(condition),
      expected: [
        { status: 'PASS' as const, messageId: 'restricted', resource: K1, data: { key: 'alias/k1' } },
      ],
    })),
    ...NEVER_APPLIES.map(([name, doc, condition]) => ({
      name: `never applies to KMS, so grants nothing: ${name} (${doc})`,
      inventory: openWhen(condition),
      expected: [
        {
          status: 'PASS' as const,
          messageId: 'restricted',
          resource: K1,
          data: { key: 'alias/k1' },
          evidence: (e: Record<string, unknown>) => Array.isArray(e.ignored) && e.ignored.length === 1,
        },
      ],
    })),
    ...NETWORK_ONLY.map(([name, doc, condition, keyName]) => ({
      name: `network only, non-public by AWS's definition: ${name} (${doc})`,
      inventory: openWhen(condition),
      expected: [
        {
          status: 'PASS' as const,
          messageId: 'networkOnly',
          resource: K1,
          data: { key: 'alias/k1', statements: 'Open', keys: keyName },
        },
      ],
    })),
    {
      name: "never applies: aws:ResourceOrgID naming another organization than the key account's",
      inventory: inventory({
        accounts: [{ id: '111122223333', regions: ['us-east-1'], source: 'live', organizationId: ORG }],
        keys: [
          key('k1', {
            policy: policyOf(
              rootStatement(),
              open({ Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-zzzzzzzzzz' } } }),
            ),
          }),
        ],
      }),
      expected: [{ status: 'PASS', messageId: 'restricted', resource: K1, data: { key: 'alias/k1' } }],
    },
    {
      name: `a Deny with NotPrincipal makes an Allow "*" non-public (${NOT_PRINCIPAL})`,
      inventory: withPolicy(open({ Principal: '*', Action: 'kms:*' }), {
        Sid: 'DenyAllButAdmins',
        Effect: 'Deny',
        NotPrincipal: { AWS: ['arn:aws:iam::111122223333:role/x', 'arn:aws:iam::111122223333:root'] },
        Action: 'kms:*',
        Resource: '*',
      }),
      expected: [{ status: 'PASS', messageId: 'restricted', resource: K1, data: { key: 'alias/k1' } }],
    },
  ],
  invalid: [
    {
      name: 'Principal "*" with no condition',
      inventory: withPolicy(open({ Principal: '*' })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'public',
          resource: K1,
          data: { key: 'alias/k1', statements: 'Open (Principal *)' },
          evidence: (e) => Array.isArray(e.statements) && e.statements.length === 1,
        },
      ],
    },
    {
      name: 'Principal {"AWS": ["*"]} in a list, unnamed statement',
      inventory: withPolicy(
        open({ Sid: undefined, Principal: { AWS: ['arn:aws:iam::111122223333:role/x', '*'] } }),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'public',
          data: { key: 'alias/k1', statements: 'statement 2 (Principal *)' },
        },
      ],
    },
    {
      name: 'NotPrincipal grants to everyone it does not name',
      inventory: withPolicy({
        Sid: 'AllButOne',
        Effect: 'Allow',
        NotPrincipal: { AWS: 'arn:aws:iam::111122223333:role/Intern' },
        Action: 'kms:Decrypt',
        Resource: '*',
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'public',
          data: { key: 'alias/k1', statements: 'AllButOne (NotPrincipal)' },
        },
      ],
    },
    {
      name: 'a negated operator does not restrict',
      inventory: openWhen({ StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } }),
      expected: [
        { status: 'FAIL', messageId: 'public', data: { key: 'alias/k1', statements: 'Open (Principal *)' } },
      ],
    },
    {
      name: 'IfExists lets callers without the key through',
      inventory: openWhen({ StringEqualsIfExists: { 'aws:PrincipalAccount': '111122223333' } }),
      expected: [
        { status: 'FAIL', messageId: 'public', data: { key: 'alias/k1', statements: 'Open (Principal *)' } },
      ],
    },
    {
      name: 'ForAllValues holds when the key is absent',
      inventory: openWhen({ 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': ['o-a1b2c3d4e5'] } }),
      expected: [
        { status: 'FAIL', messageId: 'public', data: { key: 'alias/k1', statements: 'Open (Principal *)' } },
      ],
    },
    {
      name: 'a Null test does not name callers',
      inventory: openWhen({ Null: { 'aws:PrincipalOrgID': 'false' } }),
      expected: [
        { status: 'FAIL', messageId: 'public', data: { key: 'alias/k1', statements: 'Open (Principal *)' } },
      ],
    },
    {
      name: 'kms:ViaService alone lets any account call through the service',
      inventory: openWhen({ StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' } }),
      expected: [
        { status: 'FAIL', messageId: 'public', data: { key: 'alias/k1', statements: 'Open (Principal *)' } },
      ],
    },
    {
      name: 'a Deny that does not cover every action the open Allow grants',
      inventory: withPolicy(open(), {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      }),
      expected: [
        { status: 'FAIL', messageId: 'public', data: { key: 'alias/k1', statements: 'Open (Principal *)' } },
      ],
    },
    {
      name: 'a Deny with an extra condition leaves outsiders a way in',
      inventory: withPolicy(open(), {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:*',
        Resource: '*',
        Condition: {
          StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
          Bool: { 'aws:SecureTransport': 'false' },
        },
      }),
      expected: [
        { status: 'FAIL', messageId: 'public', data: { key: 'alias/k1', statements: 'Open (Principal *)' } },
      ],
    },
    {
      name: 'two open statements are both named',
      inventory: withPolicy(open(), open({ Sid: 'Open2', Principal: '*', Action: 'kms:*' })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'public',
          data: { key: 'alias/k1', statements: 'Open (Principal *), Open2 (Principal *)' },
        },
      ],
    },
    {
      name: 'Terraform plan policy open to everyone',
      inventory: iacInventory('terraform-plan', {
        keys: [
          iacKey('aws_kms_key.k', 'terraform-plan', { policy: policyOf(rootStatement('unknown'), open()) }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'public',
          resource: 'infra/main.tf#aws_kms_key.k',
          data: { key: 'infra/main.tf#aws_kms_key.k', statements: 'Open (Principal *)' },
        },
      ],
    },
    {
      name: 'GetKeyPolicy denied',
      inventory: inventory({ keys: [policyless], gaps: [gap({ operation: 'GetKeyPolicy', resource: K1 })] }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            what: 'the key policy of alias/k1',
            reason:
              'GetKeyPolicy failed (aws.access_denied): User is not authorized to perform: kms:GetKeyPolicy',
          },
        },
      ],
    },
    {
      name: 'key policy built from an unresolvable expression',
      inventory: iacInventory('cloudformation', {
        keys: [
          iacKey('HyperPodKey', 'cloudformation', {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation !Sub expression
            policy: unresolved('!Sub ${PolicyJson}', 'parameter PolicyJson has no value'),
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the key policy',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation !Sub expression
            expression: '!Sub ${PolicyJson}',
            reason: 'parameter PolicyJson has no value',
          },
        },
      ],
    },
    ...NOT_RESTRICTING.map(([name, doc, condition]) => ({
      name: `public: ${name} (${doc})`,
      inventory: openWhen(condition),
      expected: [
        {
          status: 'FAIL' as const,
          messageId: 'public',
          resource: K1,
          data: { key: 'alias/k1', statements: 'Open (Principal *)' },
        },
      ],
    })),
    {
      name: `an Allow with NotPrincipal stays public beside a Deny that does not cover it (${NOT_PRINCIPAL})`,
      inventory: withPolicy(
        {
          Sid: 'AllButOne',
          Effect: 'Allow',
          NotPrincipal: { AWS: 'arn:aws:iam::111122223333:role/Intern' },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'DenyDecrypt',
          Effect: 'Deny',
          NotPrincipal: { AWS: 'arn:aws:iam::111122223333:role/x' },
          Action: 'kms:Decrypt',
          Resource: '*',
        },
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'public',
          data: { key: 'alias/k1', statements: 'AllButOne (NotPrincipal)' },
        },
      ],
    },
    {
      name: 'aws:ResourceOrgID of another organization, the organization not known: public',
      inventory: openWhen({ StringEquals: { 'aws:ResourceOrgID': 'o-zzzzzzzzzz' } }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'public',
          resource: K1,
          data: { key: 'alias/k1', statements: 'Open (Principal *)' },
        },
      ],
    },
    describeKeyDeniedCase(),
  ],
});
