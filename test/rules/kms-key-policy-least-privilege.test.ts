import type { PolicyStatement } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-policy-least-privilege.js';
import {
  ADMIN_ROLE,
  awsManagedKey,
  cluster,
  compliantEstate,
  EXEC_ROLE,
  gap,
  goodPolicy,
  group,
  iacInventory,
  iacKey,
  inventory,
  key,
  keyArn,
  OTHER_ACCOUNT,
  policyOf,
  role,
  roleArn,
  rootVolume,
  unresolved,
} from '../helpers/inventory.js';
import { describeKeyDeniedCase } from '../helpers/key-cases.js';
import { ruleTester } from '../helpers/rule-tester.js';

const K1 = keyArn('k1');
const USE = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];
const allow = (
  principal: string | string[],
  action: string | string[],
  extra: Partial<PolicyStatement> = {},
) =>
  ({
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: action,
    Resource: '*',
    ...extra,
  }) as PolicyStatement;
/** The baseline estate (c1/workers on k1, run by EXEC_ROLE) with extra key policy statements. */
const estate = (...statements: PolicyStatement[]) =>
  compliantEstate({
    key: {
      policy: policyOf(...(goodPolicy().Statement as PolicyStatement[]), ...statements),
    },
  });
const { policy: _policy, ...policyless } = key('k1');
const ANALYST = roleArn('analytics-reader');
/** How IaC writes the deploying account's root. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation pseudo parameters, not a template
const DEPLOYING_ROOT = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root';
const iacCluster = (keyId: string) =>
  cluster('Cluster', [group('workers', { volumes: [rootVolume(keyId)] })], {
    id: 'infra/hyperpod.yaml#Cluster',
    source: 'cloudformation',
    account: 'unknown',
  });
const OUTSIDER = roleArn('ml-research', OTHER_ACCOUNT);

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'only the consuming execution role may use the key',
      inventory: compliantEstate(),
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', resource: K1, data: { key: 'alias/k1' } }],
    },
    {
      name: 'a consuming role may hold the console "Allow use of the key" statement',
      inventory: estate(allow(EXEC_ROLE, USE)),
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'an allowed key user matched by a glob',
      inventory: estate(allow(ANALYST, ['kms:Decrypt', 'kms:DescribeKey'])),
      config: { allowedKeyUsers: ['arn:aws:iam::111122223333:role/analytics-*'] },
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'an allowed external account root',
      inventory: estate(allow(`arn:aws:iam::${OTHER_ACCOUNT}:root`, ['kms:Decrypt', 'kms:CreateGrant'])),
      config: { allowedExternalAccounts: [OTHER_ACCOUNT] },
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'a role in an allowed external account',
      inventory: estate(allow(OUTSIDER, 'kms:Decrypt')),
      config: { allowedExternalAccounts: [OTHER_ACCOUNT] },
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'a Deny on the same principal takes the grant away',
      inventory: estate(allow(ANALYST, 'kms:Decrypt'), { ...allow(ANALYST, 'kms:*'), Effect: 'Deny' }),
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'a Deny to everyone but the execution role takes usage away from others',
      inventory: estate(allow(ANALYST, ['kms:Decrypt', 'kms:GenerateDataKey']), {
        Effect: 'Deny',
        Principal: '*',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': [EXEC_ROLE] } },
      }),
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'a configured key admin may hold kms:* (separation of duties judges that)',
      inventory: estate(allow(ADMIN_ROLE, 'kms:*')),
      config: { keyAdmins: ['arn:aws:iam::111122223333:role/KeyAdmin'] },
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'the consuming role named by its unique id',
      inventory: {
        ...compliantEstate({
          key: {
            policy: policyOf(...(goodPolicy(['AROAEXAMPLEEXEC000001']).Statement as PolicyStatement[])),
          },
        }),
        roles: [role(EXEC_ROLE, { roleId: 'AROAEXAMPLEEXEC000001' })],
      },
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'the consuming role named by an assumed-role session',
      inventory: estate(allow('arn:aws:sts::111122223333:assumed-role/hyperpod-exec/node-1', 'kms:Decrypt')),
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'a consuming role with a path in its ARN',
      inventory: compliantEstate({
        group: { executionRole: roleArn('service-role/hyperpod-exec') },
        key: { policy: goodPolicy([roleArn('service-role/hyperpod-exec')]) },
      }),
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'a service principal that config allows',
      inventory: estate({
        Effect: 'Allow',
        Principal: { Service: 'logs.us-east-1.amazonaws.com' },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*'],
        Resource: '*',
      }),
      config: { allowedKeyUsers: ['logs.*.amazonaws.com'] },
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'AWS managed key is not governed',
      inventory: inventory({
        keys: [awsManagedKey('aws1', 'ebs', { policy: policyOf(allow('*', 'kms:*')) })],
      }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'awsManaged', data: { key: 'alias/aws/ebs' } }],
    },
    {
      name: 'snapshot key used by its execution role',
      inventory: compliantEstate({ key: { source: 'snapshot' } }),
      expected: [{ status: 'PASS', messageId: 'leastPrivilege', data: { key: 'alias/k1' } }],
    },
    {
      name: 'CloudFormation key and cluster in the same template, account ids written literally',
      inventory: iacInventory('cloudformation', {
        keys: [iacKey('HyperPodKey')],
        clusters: [iacCluster('infra/hyperpod.yaml#HyperPodKey')],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'leastPrivilege',
          resource: 'infra/hyperpod.yaml#HyperPodKey',
          data: { key: 'infra/hyperpod.yaml#HyperPodKey' },
        },
      ],
    },
    {
      name: 'CloudFormation key whose root statement names the deploying account symbolically',
      inventory: iacInventory('cloudformation', {
        keys: [
          iacKey('HyperPodKey', 'cloudformation', {
            policy: policyOf(
              { ...allow(DEPLOYING_ROOT, 'kms:*'), Sid: 'Enable IAM User Permissions' },
              ...(goodPolicy().Statement as PolicyStatement[]).slice(1),
            ),
          }),
        ],
        clusters: [iacCluster('infra/hyperpod.yaml#HyperPodKey')],
      }),
      expected: [
        { status: 'PASS', messageId: 'leastPrivilege', data: { key: 'infra/hyperpod.yaml#HyperPodKey' } },
      ],
    },
  ],
  invalid: [
    {
      // "Customer managed key encryption is only supported for clusters using the continuous node
      // provisioning mode" (smcluster-cmk.html): a legacy cluster's group does not use the key.
      name: 'the execution role of a group of a cluster outside Continuous mode is not a consumer',
      inventory: compliantEstate({ cluster: { nodeProvisioningMode: null } }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          resource: K1,
          data: {
            key: 'alias/k1',
            violations:
              'arn:aws:iam::111122223333:role/hyperpod-exec is neither an execution role of a group using the key nor an allowed key user (kms:CreateGrant)',
          },
        },
      ],
    },
    {
      name: 'the execution role of a group of a cluster whose provisioning mode is unknown may be a consumer',
      inventory: compliantEstate({ cluster: { nodeProvisioningMode: unresolved('var.mode', 'no value') } }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'consumerUnknown',
          resource: K1,
          data: { key: 'alias/k1', principals: EXEC_ROLE },
        },
      ],
    },
    {
      name: 'a sure violation fails the key, whatever a role of a cluster of unknown mode may consume',
      inventory: {
        ...compliantEstate({ cluster: { nodeProvisioningMode: unresolved('var.mode', 'no value') } }),
        keys: [
          key('k1', {
            policy: policyOf(...(goodPolicy().Statement as PolicyStatement[]), allow(ANALYST, 'kms:Decrypt')),
          }),
        ],
      },
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          resource: K1,
          data: {
            key: 'alias/k1',
            violations:
              'arn:aws:iam::111122223333:role/analytics-reader is neither an execution role of a group using the key nor an allowed key user (kms:Decrypt)',
          },
        },
      ],
    },
    {
      // What a principal may do is judged once for every key; whether it consumes the key, per key.
      name: 'keys whose policies say the same thing are judged by the groups that use each',
      inventory: (() => {
        const shared = policyOf(
          ...(goodPolicy().Statement as PolicyStatement[]),
          allow(ANALYST, 'kms:Decrypt'),
        );
        return inventory({
          keys: ['k1', 'k2', 'k3'].map((id) => key(id, { policy: structuredClone(shared) })),
          clusters: [
            cluster('c1', [
              group('workers', { volumes: [rootVolume(keyArn('k1'))] }),
              group('readers', { executionRole: ANALYST, volumes: [rootVolume(keyArn('k2'))] }),
            ]),
          ],
        });
      })(),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          resource: keyArn('k1'),
          data: {
            key: 'alias/k1',
            violations:
              'arn:aws:iam::111122223333:role/analytics-reader is neither an execution role of a group using the key nor an allowed key user (kms:Decrypt)',
          },
          evidence: (e) =>
            JSON.stringify(e) ===
            JSON.stringify({
              violations: [{ principal: ANALYST, problem: 'not-a-consumer', actions: ['kms:Decrypt'] }],
            }),
        },
        {
          status: 'FAIL',
          messageId: 'excessive',
          resource: keyArn('k2'),
          data: {
            key: 'alias/k2',
            violations:
              'arn:aws:iam::111122223333:role/hyperpod-exec is neither an execution role of a group using the key nor an allowed key user (kms:CreateGrant)',
          },
          evidence: (e) =>
            JSON.stringify(e) ===
            JSON.stringify({
              violations: [{ principal: EXEC_ROLE, problem: 'not-a-consumer', actions: ['kms:CreateGrant'] }],
            }),
        },
        {
          status: 'FAIL',
          messageId: 'excessive',
          resource: keyArn('k3'),
          data: {
            key: 'alias/k3',
            violations:
              'arn:aws:iam::111122223333:role/hyperpod-exec is neither an execution role of a group using the key nor an allowed key user (kms:CreateGrant); arn:aws:iam::111122223333:role/analytics-reader is neither an execution role of a group using the key nor an allowed key user (kms:Decrypt)',
          },
        },
      ],
    },
    {
      name: 'kms:* to a role that is not a key admin',
      inventory: estate(allow(ANALYST, 'kms:*')),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations:
              'arn:aws:iam::111122223333:role/analytics-reader kms:* but is not a key admin (kms:*)',
          },
          evidence: (e) => JSON.stringify(e.violations).includes('"problem":"full-access"'),
        },
      ],
    },
    {
      name: 'kms:* to the consuming execution role',
      inventory: estate(allow(EXEC_ROLE, 'kms:*')),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations: 'arn:aws:iam::111122223333:role/hyperpod-exec kms:* but is not a key admin (kms:*)',
          },
        },
      ],
    },
    {
      name: 'kms:* to an admin that config does not name',
      inventory: estate(allow(ADMIN_ROLE, 'kms:*')),
      config: { keyAdmins: ['arn:aws:iam::111122223333:role/SecurityAdmin'] },
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations: 'arn:aws:iam::111122223333:role/KeyAdmin kms:* but is not a key admin (kms:*)',
          },
        },
      ],
    },
    {
      name: 'usage granted to a role no instance group uses',
      inventory: estate(allow(ANALYST, ['kms:Decrypt', 'kms:DescribeKey'])),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations:
              'arn:aws:iam::111122223333:role/analytics-reader is neither an execution role of a group using the key nor an allowed key user (kms:Decrypt)',
          },
        },
      ],
    },
    {
      name: 'a role left over from a deleted instance group keeps CreateGrant',
      inventory: estate({
        Sid: 'OldGroup',
        Effect: 'Allow',
        Principal: { AWS: roleArn('old-exec') },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations:
              'arn:aws:iam::111122223333:role/old-exec is neither an execution role of a group using the key nor an allowed key user (kms:CreateGrant)',
          },
        },
      ],
    },
    {
      name: 'an allowed key user glob that does not match',
      inventory: estate(allow(ANALYST, 'kms:Decrypt')),
      config: { allowedKeyUsers: ['arn:aws:iam::111122223333:role/reporting-*'] },
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations:
              'arn:aws:iam::111122223333:role/analytics-reader is neither an execution role of a group using the key nor an allowed key user (kms:Decrypt)',
          },
        },
      ],
    },
    {
      name: 'another account root not allowed by config',
      inventory: estate(allow(`arn:aws:iam::${OTHER_ACCOUNT}:root`, ['kms:Decrypt', 'kms:DescribeKey'])),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations: `arn:aws:iam::${OTHER_ACCOUNT}:root is in an account not allowed by config (kms:Decrypt)`,
          },
        },
      ],
    },
    {
      name: 'another account by bare account id, not allowed by config',
      inventory: estate(allow(OTHER_ACCOUNT, 'kms:GenerateDataKey')),
      config: { allowedExternalAccounts: ['999988887777'] },
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations:
              'arn:aws:iam::444455556666:root is in an account not allowed by config (kms:GenerateDataKey)',
          },
        },
      ],
    },
    {
      name: 'a role in another account not allowed by config',
      inventory: estate(allow(OUTSIDER, 'kms:Decrypt')),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations:
              'arn:aws:iam::444455556666:role/ml-research is in an account not allowed by config (kms:Decrypt)',
          },
        },
      ],
    },
    {
      name: 'a wildcard principal restricted to the organization still reaches everyone in it',
      inventory: estate(
        allow('*', 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations:
              'arn:aws:iam::111122223333:role/KeyAdmin is neither an execution role of a group using the key nor an allowed key user (kms:Decrypt); * is any principal (kms:Decrypt)',
          },
        },
      ],
    },
    {
      name: 'a service principal with usage that config does not allow',
      inventory: estate({
        Effect: 'Allow',
        Principal: { Service: 'logs.us-east-1.amazonaws.com' },
        Action: 'kms:Decrypt',
        Resource: '*',
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations:
              'logs.us-east-1.amazonaws.com is neither an execution role of a group using the key nor an allowed key user (kms:Decrypt)',
          },
        },
      ],
    },
    {
      // Only "*" and {"AWS": "*"} are all principals; {"Service": "*"} is named as written.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
      name: 'a "*" of service principals: a wildcard, named as written',
      inventory: estate({
        Effect: 'Allow',
        Principal: { Service: '*' },
        Action: 'kms:Decrypt',
        Resource: '*',
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations: '{"Service": "*"} is any principal of its type (kms:Decrypt)',
          },
        },
      ],
    },
    {
      name: 'a Deny that takes part of the grant away leaves the rest',
      inventory: estate(allow(ANALYST, ['kms:Decrypt', 'kms:Encrypt']), {
        ...allow(ANALYST, 'kms:Decrypt'),
        Effect: 'Deny',
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations: `${ANALYST} is neither an execution role of a group using the key nor an allowed key user (kms:Encrypt)`,
          },
        },
      ],
    },
    {
      name: 'more than four violations are summarised',
      inventory: estate(
        ...['a', 'b', 'c', 'd', 'e', 'f'].map((name) => allow(roleArn(`user-${name}`), 'kms:Decrypt')),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'alias/k1',
            violations:
              'arn:aws:iam::111122223333:role/user-a is neither an execution role of a group using the key nor an allowed key user (kms:Decrypt); arn:aws:iam::111122223333:role/user-b is neither an execution role of a group using the key nor an allowed key user (kms:Decrypt); arn:aws:iam::111122223333:role/user-c is neither an execution role of a group using the key nor an allowed key user (kms:Decrypt); arn:aws:iam::111122223333:role/user-d is neither an execution role of a group using the key nor an allowed key user (kms:Decrypt); and 2 more',
          },
          evidence: (e) => Array.isArray(e.violations) && e.violations.length === 6,
        },
      ],
    },
    {
      name: 'Terraform key granting kms:* to a pipeline role',
      inventory: iacInventory('terraform', {
        keys: [
          iacKey('aws_kms_key.k', 'terraform', {
            policy: policyOf(...(goodPolicy().Statement as PolicyStatement[]), allow(roleArn('ci'), 'kms:*')),
          }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          resource: 'infra/main.tf#aws_kms_key.k',
          data: {
            key: 'infra/main.tf#aws_kms_key.k',
            violations:
              'arn:aws:iam::111122223333:role/hyperpod-exec is neither an execution role of a group using the key nor an allowed key user (kms:CreateGrant); arn:aws:iam::111122223333:role/ci kms:* but is not a key admin (kms:*)',
          },
        },
      ],
    },
    {
      name: 'CloudFormation key granting kms:* to a vendor account next to its own roles',
      inventory: iacInventory('cloudformation', {
        keys: [
          iacKey('HyperPodKey', 'cloudformation', {
            policy: policyOf(
              ...(goodPolicy().Statement as PolicyStatement[]),
              allow('arn:aws:iam::999988887777:root', 'kms:Decrypt'),
            ),
          }),
        ],
        clusters: [iacCluster('infra/hyperpod.yaml#HyperPodKey')],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'infra/hyperpod.yaml#HyperPodKey',
            violations: 'arn:aws:iam::999988887777:root is in an account not allowed by config (kms:Decrypt)',
          },
        },
      ],
    },
    {
      name: 'Terraform plan key granting usage to nobody that consumes it',
      inventory: iacInventory('terraform-plan', { keys: [iacKey('aws_kms_key.k', 'terraform-plan')] }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: 'infra/main.tf#aws_kms_key.k',
            violations:
              'arn:aws:iam::111122223333:role/hyperpod-exec is neither an execution role of a group using the key nor an allowed key user (kms:CreateGrant)',
          },
        },
      ],
    },
    {
      name: 'GetKeyPolicy denied',
      inventory: inventory({
        keys: [policyless],
        gaps: [gap({ operation: 'GetKeyPolicy', resource: K1 })],
      }),
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
      name: 'key policy from an unresolvable expression',
      inventory: iacInventory('cloudformation', {
        keys: [
          iacKey('HyperPodKey', 'cloudformation', {
            policy: unresolved('!GetAtt Policy.Document', 'not a literal'),
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: { what: 'the key policy', expression: '!GetAtt Policy.Document', reason: 'not a literal' },
        },
      ],
    },
    describeKeyDeniedCase(),
  ],
});
