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

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  coversSources: true,
  valid: [
    {
      name: 'policy names only the account, an admin and the execution role',
      inventory: compliantEstate(),
      expected: [{ status: 'PASS', messageId: 'restricted', resource: K1, data: { key: 'alias/k1' } }],
    },
    {
      name: 'wildcard restricted to the organization',
      inventory: openWhen({ StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'wildcard restricted to an organization path with a fixed organization',
      inventory: openWhen({
        'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*'] },
      }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'wildcard restricted to one account (aws:PrincipalAccount)',
      inventory: openWhen({ StringEquals: { 'aws:PrincipalAccount': '111122223333' } }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'the aws/ebs pattern: kms:CallerAccount with kms:ViaService',
      inventory: openWhen({
        StringEquals: {
          'kms:CallerAccount': '111122223333',
          'kms:ViaService': 'ec2.us-east-1.amazonaws.com',
        },
      }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'wildcard restricted by aws:SourceAccount',
      inventory: openWhen({ StringEquals: { 'aws:SourceAccount': '111122223333' } }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'wildcard restricted to role ARNs of one account (ArnLike with a wildcard name)',
      inventory: openWhen({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/hyperpod-*' } }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'wildcard restricted by aws:SourceArn of one account',
      inventory: openWhen({
        ArnEquals: { 'aws:SourceArn': 'arn:aws:sagemaker:us-east-1:111122223333:cluster/abc' },
      }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'wildcard restricted to a VPC endpoint',
      inventory: openWhen({ StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'wildcard restricted to resources of the organization (aws:SourceOrgID)',
      inventory: openWhen({ StringEquals: { 'aws:SourceOrgID': 'o-a1b2c3d4e5' } }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'wildcard restricted to a VPC',
      inventory: openWhen({ StringEquals: { 'aws:SourceVpc': 'vpc-0a1b2c3d' } }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'wildcard restricted to one service principal',
      inventory: openWhen({ StringEquals: { 'aws:PrincipalServiceName': 'cloudtrail.amazonaws.com' } }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'wildcard restricted to the sessions of one role by aws:userid',
      inventory: openWhen({ StringLike: { 'aws:userid': 'AROAEXAMPLEID1234567:*' } }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'condition operator and key names are case-insensitive',
      inventory: openWhen({ stringequals: { 'AWS:PRINCIPALORGID': 'o-a1b2c3d4e5' } }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'a restricting condition ANDed with a non-restricting one still restricts',
      inventory: openWhen({
        StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' },
        Bool: { 'aws:SecureTransport': 'true' },
      }),
      expected: [{ status: 'PASS', messageId: 'restricted' }],
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
      expected: [{ status: 'PASS', messageId: 'restricted' }],
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
      expected: [{ status: 'PASS', messageId: 'restricted' }],
    },
    {
      name: 'AWS managed key is not governed',
      inventory: inventory({ keys: [awsManagedKey('aws1', 'ebs', { policy: policyOf(open()) })] }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'awsManaged' }],
    },
    ...healthyKeyFromEachSource('restricted'),
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
          data: { statements: 'Open (Principal *)' },
          evidence: (e) => Array.isArray(e.statements) && e.statements.length === 1,
        },
      ],
    },
    {
      name: 'Principal {"AWS": ["*"]} in a list, unnamed statement',
      inventory: withPolicy(
        open({ Sid: undefined, Principal: { AWS: ['arn:aws:iam::111122223333:role/x', '*'] } }),
      ),
      expected: [{ status: 'FAIL', messageId: 'public', data: { statements: 'statement 2 (Principal *)' } }],
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
      expected: [{ status: 'FAIL', messageId: 'public', data: { statements: 'AllButOne (NotPrincipal)' } }],
    },
    {
      name: 'a negated operator does not restrict',
      inventory: openWhen({ StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } }),
      expected: [{ status: 'FAIL', messageId: 'public' }],
    },
    {
      name: 'IfExists lets callers without the key through',
      inventory: openWhen({ StringEqualsIfExists: { 'aws:PrincipalAccount': '111122223333' } }),
      expected: [{ status: 'FAIL', messageId: 'public' }],
    },
    {
      name: 'a wildcard value matches every account',
      inventory: openWhen({ StringLike: { 'kms:CallerAccount': '*' } }),
      expected: [{ status: 'FAIL', messageId: 'public' }],
    },
    {
      name: 'an ARN pattern with a wildcard account matches every account',
      inventory: openWhen({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/hyperpod-exec' } }),
      expected: [{ status: 'FAIL', messageId: 'public' }],
    },
    {
      name: 'ForAllValues holds when the key is absent',
      inventory: openWhen({ 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': ['o-a1b2c3d4e5'] } }),
      expected: [{ status: 'FAIL', messageId: 'public' }],
    },
    {
      name: 'a Null test does not name callers',
      inventory: openWhen({ Null: { 'aws:PrincipalOrgID': 'false' } }),
      expected: [{ status: 'FAIL', messageId: 'public' }],
    },
    {
      name: 'a policy variable is not a restriction',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template
      inventory: openWhen({ StringEquals: { 'aws:PrincipalAccount': '${aws:ResourceAccount}' } }),
      expected: [{ status: 'FAIL', messageId: 'public' }],
    },
    {
      name: 'an organization path pattern without a fixed organization',
      inventory: openWhen({
        'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['*/ou-ab12-11111111/*'] },
      }),
      expected: [{ status: 'FAIL', messageId: 'public' }],
    },
    {
      name: 'an aws:userid pattern that fixes no unique id',
      inventory: openWhen({ StringLike: { 'aws:userid': '*:alice' } }),
      expected: [{ status: 'FAIL', messageId: 'public' }],
    },
    {
      name: 'kms:ViaService alone lets any account call through the service',
      inventory: openWhen({ StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' } }),
      expected: [{ status: 'FAIL', messageId: 'public' }],
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
      expected: [{ status: 'FAIL', messageId: 'public', data: { statements: 'Open (Principal *)' } }],
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
      expected: [{ status: 'FAIL', messageId: 'public' }],
    },
    {
      name: 'two open statements are both named',
      inventory: withPolicy(open(), open({ Sid: 'Open2', Principal: '*', Action: 'kms:*' })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'public',
          data: { statements: 'Open (Principal *), Open2 (Principal *)' },
        },
      ],
    },
    {
      name: 'CloudFormation policy open to everyone',
      inventory: iacInventory('terraform-plan', {
        keys: [
          iacKey('aws_kms_key.k', 'terraform-plan', { policy: policyOf(rootStatement('unknown'), open()) }),
        ],
      }),
      expected: [{ status: 'FAIL', messageId: 'public', resource: 'infra/main.tf#aws_kms_key.k' }],
    },
    {
      name: 'GetKeyPolicy denied',
      inventory: inventory({ keys: [policyless], gaps: [gap({ operation: 'GetKeyPolicy', resource: K1 })] }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: { reason: 'GetKeyPolicy failed (aws.access_denied)' },
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
      expected: [{ status: 'UNKNOWN', messageId: 'unresolved', data: { what: 'the key policy' } }],
    },
    describeKeyDeniedCase(),
  ],
});
