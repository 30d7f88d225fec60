import type { PolicyStatement } from '../../src/model/inventory.js';
import { USAGE_ACTIONS } from '../../src/policy/actions.js';
import rule from '../../src/rules/hyperpod/hyperpod-execution-role-kms-scope.js';
import {
  asSnapshot,
  CLI_FILE,
  CLI_JSON,
  iacCluster,
  iacId,
  iacInventory,
  iacKey,
  iacRole,
  PLAN_FILE,
  TERRAFORM_PLAN,
  TF_FILE,
  unresolved,
} from '../helpers/iac.js';
import {
  ACCOUNT,
  cluster,
  clusterArn,
  compliantEstate,
  EXEC_ROLE,
  group,
  inventory,
  key,
  REGION,
  role,
  rootVolume,
} from '../helpers/inventory.js';
import { ruleTester } from '../helpers/rule-tester.js';

const k1 = key('k1');
const GROUP = `${clusterArn('c1')}/instance-group/workers`;
const USAGE = ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:CreateGrant'];
const withRole = (...kmsStatements: PolicyStatement[]) =>
  inventory({
    clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(k1.arn)] })])],
    keys: [k1],
    roles: [role(EXEC_ROLE, { kmsStatements })],
  });
const allow = (Resource: string | string[], extra: Partial<PolicyStatement> = {}): PolicyStatement => ({
  Sid: 'Kms',
  Effect: 'Allow',
  Action: USAGE,
  Resource,
  ...extra,
});

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'statements scoped to the key ARN',
      inventory: compliantEstate(),
      expected: [{ status: 'PASS', messageId: 'scoped', resource: GROUP }],
    },
    {
      name: 'Resource "*" confined by a permissions boundary that allows KMS on the key only',
      inventory: inventory({
        clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(k1.arn)] })])],
        keys: [k1],
        roles: [
          role(EXEC_ROLE, {
            kmsStatements: [allow('*')],
            permissionsBoundary: {
              policyArn: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
              kmsStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: k1.arn }],
            },
          }),
        ],
      }),
      expected: [{ status: 'PASS', messageId: 'scoped' }],
    },
    {
      name: 'a list of key ARNs',
      inventory: withRole(allow([k1.arn, `arn:aws:kms:${REGION}:${ACCOUNT}:key/k2`])),
      expected: [{ status: 'PASS', messageId: 'scoped' }],
    },
    {
      name: 'one multi-Region key in any region is still one key',
      inventory: withRole(allow(`arn:aws:kms:*:${ACCOUNT}:key/mrk-1234abcd`)),
      expected: [{ status: 'PASS', messageId: 'scoped' }],
    },
    {
      name: 'Resource "*" narrowed by the key tag',
      inventory: withRole(
        allow('*', { Condition: { StringEquals: { 'aws:ResourceTag/hyperpod-cluster': 'c1' } } }),
      ),
      expected: [{ status: 'PASS', messageId: 'scoped' }],
    },
    {
      name: 'Resource "*" narrowed by the key alias',
      inventory: withRole(
        allow('*', { Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/k1' } } }),
      ),
      expected: [{ status: 'PASS', messageId: 'scoped' }],
    },
    {
      name: 'Resource "*" confined by an unconditional Deny on every other key',
      inventory: withRole(allow('*'), { Effect: 'Deny', Action: 'kms:*', NotResource: [k1.arn] }),
      expected: [{ status: 'PASS', messageId: 'scoped' }],
    },
    {
      name: 'only DescribeKey on every key: no usage to scope',
      inventory: withRole({ Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:List*'], Resource: '*' }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'noKmsStatements' }],
    },
    {
      name: 'a Deny on every key is not a grant',
      inventory: withRole({ Effect: 'Deny', Action: 'kms:*', Resource: '*' }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'noKmsStatements' }],
    },
    {
      name: 'no execution role',
      inventory: inventory({ clusters: [cluster('c1', [group('workers', { executionRole: null })])] }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'noRole' }],
    },
    {
      name: 'CloudFormation: the role is defined in another stack',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', { executionRole: 'arn:aws:iam::111122223333:role/shared-exec' }),
          ]),
        ],
      }),
      expected: [
        {
          status: 'NOT_APPLICABLE',
          messageId: 'roleOutsideSource',
          resource: `${iacId('Cluster')}/instance-group/workers`,
        },
      ],
    },
    {
      name: 'CloudFormation: role in the template scoped to the key in the template',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', { executionRole: iacId('ExecRole'), volumes: [rootVolume(iacId('Key'))] }),
          ]),
        ],
        keys: [iacKey('Key')],
        roles: [iacRole('ExecRole', [allow(iacId('Key'))])],
      }),
      expected: [{ status: 'PASS', messageId: 'scoped' }],
    },
    {
      name: 'create-cluster input: the role is not in the file',
      inventory: iacInventory({ clusters: [iacCluster('ml', [group('workers')], {}, CLI_JSON)] }, 'cli-json'),
      expected: [
        {
          status: 'NOT_APPLICABLE',
          messageId: 'roleOutsideSource',
          resource: `${CLI_FILE}#ml/instance-group/workers`,
        },
      ],
    },
    {
      name: 'snapshot: statements scoped to the key ARN',
      inventory: asSnapshot(compliantEstate()),
      expected: [{ status: 'PASS', messageId: 'scoped', resource: GROUP }],
    },
  ],
  invalid: [
    {
      // GetRole's NoSuchEntity (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html)
      // is known data: the group names a role that does not exist.
      name: 'the execution role does not exist',
      inventory: inventory({
        clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(k1.arn)] })])],
        keys: [k1],
        roles: [
          role(EXEC_ROLE, {
            policiesCollected: false,
            notFound: 'NoSuchEntity: The role with name hyperpod-exec cannot be found.',
          }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'roleNotFound',
          resource: GROUP,
          data: { role: EXEC_ROLE },
          evidence: (e) =>
            JSON.stringify(e) ===
            JSON.stringify({
              role: EXEC_ROLE,
              getRole: 'NoSuchEntity: The role with name hyperpod-exec cannot be found.',
            }),
        },
      ],
    },
    {
      name: "the HyperPod guide's sample policy: CreateGrant on every key",
      inventory: withRole({ Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          resource: GROUP,
          data: { role: EXEC_ROLE, actions: 'kms:CreateGrant', statements: 'statement 1' },
        },
      ],
    },
    {
      name: 'every key of every account and region',
      inventory: withRole(allow('arn:aws:kms:*:*:key/*', { Action: 'kms:*' })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions: USAGE_ACTIONS.join(', '),
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'every key of the account',
      inventory: withRole(allow(`arn:aws:kms:${REGION}:${ACCOUNT}:key/*`)),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'every KMS resource of the account',
      inventory: withRole(allow(`arn:aws:kms:${REGION}:${ACCOUNT}:*`)),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'every multi-Region key',
      inventory: withRole(allow(`arn:aws:kms:${REGION}:${ACCOUNT}:key/mrk-*`)),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'the key ARN beside "*" is still every key',
      inventory: withRole(allow([k1.arn, '*'])),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'NotResource: every key but one',
      inventory: withRole({
        Effect: 'Allow',
        Action: USAGE,
        NotResource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/other`,
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'statement 1',
          },
        },
      ],
    },
    {
      name: 'Action "*" on Resource "*" (administrator access)',
      inventory: withRole({ Effect: 'Allow', Action: '*', Resource: '*' }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Encrypt, kms:Decrypt, kms:ReEncryptFrom, kms:ReEncryptTo, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:GenerateMac, kms:VerifyMac, kms:Sign, kms:Verify, kms:DeriveSharedSecret, kms:CreateGrant',
            statements: 'statement 1',
          },
        },
      ],
    },
    {
      name: 'NotAction leaving KMS on every key',
      inventory: withRole({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Encrypt, kms:Decrypt, kms:ReEncryptFrom, kms:ReEncryptTo, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:GenerateMac, kms:VerifyMac, kms:Sign, kms:Verify, kms:DeriveSharedSecret, kms:CreateGrant',
            statements: 'statement 1',
          },
        },
      ],
    },
    {
      name: 'kms:ViaService does not narrow the keys',
      inventory: withRole(
        allow('*', {
          Condition: { StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' } },
        }),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'a negated tag condition does not narrow (untagged keys pass)',
      inventory: withRole(
        allow('*', { Condition: { StringNotEquals: { 'aws:ResourceTag/tenant': 'globex' } } }),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'a tag condition with IfExists does not narrow (untagged keys pass)',
      inventory: withRole(
        allow('*', { Condition: { StringEqualsIfExists: { 'aws:ResourceTag/project': 'llm' } } }),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'a tag condition with a wildcard value does not narrow',
      inventory: withRole(allow('*', { Condition: { StringLike: { 'aws:ResourceTag/project': '*' } } })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'ForAllValues on aliases does not narrow (keys without aliases pass)',
      inventory: withRole(
        allow('*', { Condition: { 'ForAllValues:StringEquals': { 'kms:ResourceAliases': 'alias/k1' } } }),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'a Deny on other keys under a condition does not confine',
      inventory: withRole(allow('*'), {
        Effect: 'Deny',
        Action: 'kms:*',
        NotResource: [k1.arn],
        Condition: { StringEquals: { 'aws:RequestedRegion': 'us-west-2' } },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'a Deny with a wildcard NotResource does not confine',
      inventory: withRole(allow('*'), {
        Effect: 'Deny',
        Action: 'kms:*',
        NotResource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`,
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
    {
      name: 'a Deny that confines Decrypt leaves the other actions wide',
      inventory: withRole(allow('*'), { Effect: 'Deny', Action: 'kms:Decrypt', NotResource: [k1.arn] }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
          evidence: (e) => !JSON.stringify(e).includes('kms:Decrypt'),
        },
      ],
    },
    {
      name: 'several wide statements are all named',
      inventory: withRole(allow('*', { Sid: 'One' }), allow('arn:aws:kms:*:*:key/*', { Sid: 'Two' })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'One, Two',
          },
        },
      ],
    },
    {
      name: 'a wide statement under a permissions boundary that could not be read',
      inventory: inventory({
        clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(k1.arn)] })])],
        keys: [k1],
        roles: [
          role(EXEC_ROLE, {
            kmsStatements: [allow('*', { Action: 'kms:Decrypt' })],
            permissionsBoundary: {
              policyArn: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
              reason: 'not defined in the scanned files',
            },
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'boundaryNotCollected',
          data: {
            role: EXEC_ROLE,
            actions: 'kms:Decrypt',
            statements: 'Kms',
            boundary: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
          },
        },
      ],
    },
    {
      name: 'some policies not in the scanned files, and no wide statement among those read',
      inventory: inventory({
        clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(k1.arn)] })])],
        keys: [k1],
        roles: [
          role(EXEC_ROLE, {
            policiesCollected: false,
            kmsStatements: [allow(k1.arn)],
            unreadPolicies: [
              'managed policy arn:aws:iam::111122223333:policy/extra (not defined in the scanned files)',
            ],
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            role: EXEC_ROLE,
            reason:
              'policies attached to it are not in the scanned files: managed policy arn:aws:iam::111122223333:policy/extra (not defined in the scanned files)',
          },
        },
      ],
    },
    {
      name: 'the role policies could not be read',
      inventory: inventory({
        clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(k1.arn)] })])],
        roles: [role(EXEC_ROLE, { policiesCollected: false })],
        gaps: [
          {
            code: 'aws.access_denied',
            service: 'iam',
            operation: 'ListRolePolicies',
            account: ACCOUNT,
            resource: EXEC_ROLE,
            message: 'not authorized to perform iam:ListRolePolicies',
          },
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            role: EXEC_ROLE,
            reason:
              'ListRolePolicies failed (aws.access_denied): not authorized to perform iam:ListRolePolicies',
          },
        },
      ],
    },
    {
      name: 'a live role missing from the inventory',
      inventory: inventory({
        clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(k1.arn)] })])],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: { role: 'arn:aws:iam::111122223333:role/hyperpod-exec', reason: 'not collected' },
        },
      ],
    },
    {
      name: 'a role missing from the inventory is unknown for a live group and outside the source for an IaC one',
      inventory: {
        ...inventory({ clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(k1.arn)] })])] }),
        clusters: [
          cluster('c1', [group('workers', { volumes: [rootVolume(k1.arn)] })]),
          iacCluster('Cluster', [group('workers', { executionRole: EXEC_ROLE })]),
          cluster('c2', [group('workers', { volumes: [rootVolume(k1.arn)] })]),
        ],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          resource: GROUP,
          data: { role: EXEC_ROLE, reason: 'not collected' },
        },
        {
          status: 'NOT_APPLICABLE',
          messageId: 'roleOutsideSource',
          resource: `${iacId('Cluster')}/instance-group/workers`,
        },
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          resource: `${clusterArn('c2')}/instance-group/workers`,
          data: { role: EXEC_ROLE, reason: 'not collected' },
        },
      ],
    },
    {
      name: 'Terraform: execution role from a variable',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [
                group('workers', {
                  executionRole: unresolved('var.execution_role_arn', ['execution_role_arn']),
                }),
              ],
              {},
              { source: 'terraform', file: TF_FILE },
            ),
          ],
        },
        'terraform',
      ),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the execution role',
            expression: 'var.execution_role_arn',
            reason: 'execution_role_arn has no value',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: role in the template with the sample policy',
      inventory: iacInventory({
        clusters: [iacCluster('Cluster', [group('workers', { executionRole: iacId('ExecRole') })])],
        roles: [
          iacRole('ExecRole', [
            { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' },
          ]),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          resource: `${iacId('Cluster')}/instance-group/workers`,
          data: { role: iacId('ExecRole'), actions: 'kms:CreateGrant', statements: 'statement 1' },
        },
      ],
    },
    {
      name: 'snapshot: a role missing from the snapshot is unknown, not outside the source',
      inventory: asSnapshot(
        inventory({ clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(k1.arn)] })])] }),
      ),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          resource: GROUP,
          data: { role: 'arn:aws:iam::111122223333:role/hyperpod-exec', reason: 'not collected' },
        },
      ],
    },
    {
      name: 'Terraform plan: the role policy of the plan on every key',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [group('workers', { executionRole: iacId('aws_iam_role.exec', PLAN_FILE) })],
              {},
              TERRAFORM_PLAN,
            ),
          ],
          roles: [iacRole('aws_iam_role.exec', [allow('*')], TERRAFORM_PLAN)],
        },
        'terraform-plan',
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'wide',
          resource: `${PLAN_FILE}#awscc_sagemaker_cluster.main/instance-group/workers`,
          data: {
            role: 'infra/plan.json#aws_iam_role.exec',
            actions:
              'kms:Decrypt, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext, kms:GenerateDataKeyPair, kms:GenerateDataKeyPairWithoutPlaintext, kms:CreateGrant',
            statements: 'Kms',
          },
        },
      ],
    },
  ],
});
