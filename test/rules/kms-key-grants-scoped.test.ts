import type { Grant } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-grants-scoped.js';
import {
  awsManagedKey,
  cluster,
  compliantEstate,
  EXEC_ROLE,
  gap,
  group,
  inventory,
  key,
  keyArn,
  role,
  roleArn,
  rootVolume,
} from '../helpers/inventory.js';
import { describeKeyDeniedCase, iacNotApplicableCases } from '../helpers/key-cases.js';
import { ruleTester } from '../helpers/rule-tester.js';

const K1 = keyArn('k1');
const OPS = [
  'Decrypt',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'CreateGrant',
  'DescribeKey',
];
let grantCounter = 0;
const grant = (granteePrincipal: string, overrides: Partial<Grant> = {}): Grant => ({
  grantId: `grant-${++grantCounter}`,
  granteePrincipal,
  operations: OPS,
  creationDate: '2026-10-01T00:00:00.000Z',
  ...overrides,
});
const withGrants = (...grants: Grant[]) => compliantEstate({ key: { grants } });
const { grants: _grants, ...grantless } = key('k1');

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'a key without grants',
      inventory: compliantEstate(),
      expected: [{ status: 'PASS', messageId: 'noGrants', resource: K1, data: { key: 'alias/k1' } }],
    },
    {
      name: 'grants to the consuming execution role and to AWS services',
      inventory: withGrants(
        grant(EXEC_ROLE),
        grant('sagemaker.amazonaws.com'),
        grant('ebs.us-east-1.amazonaws.com', { operations: ['Decrypt'] }),
      ),
      expected: [
        { status: 'PASS', messageId: 'scoped', data: { key: 'alias/k1', count: 3, grants: '3 grants' } },
      ],
    },
    {
      name: 'a grant to a session of the consuming role',
      inventory: withGrants(grant('arn:aws:sts::111122223333:assumed-role/hyperpod-exec/SageMaker')),
      expected: [
        { status: 'PASS', messageId: 'scoped', data: { key: 'alias/k1', count: 1, grants: '1 grant' } },
      ],
    },
    {
      name: 'a grant to a session of a consuming role that has a path',
      inventory: compliantEstate({
        group: { executionRole: roleArn('service-role/hyperpod-exec') },
        key: { grants: [grant('arn:aws:sts::111122223333:assumed-role/hyperpod-exec/SageMaker')] },
      }),
      expected: [
        { status: 'PASS', messageId: 'scoped', data: { key: 'alias/k1', count: 1, grants: '1 grant' } },
      ],
    },
    {
      name: 'a grant to the consuming role shown by its unique id',
      inventory: {
        ...withGrants(grant('AROAEXAMPLEEXEC000001')),
        roles: [role(EXEC_ROLE, { roleId: 'AROAEXAMPLEEXEC000001' })],
      },
      expected: [
        { status: 'PASS', messageId: 'scoped', data: { key: 'alias/k1', count: 1, grants: '1 grant' } },
      ],
    },
    {
      name: 'a grant created with GranteeServicePrincipal (no GranteePrincipal) goes to an AWS service',
      inventory: withGrants(grant(EXEC_ROLE), {
        grantId: 'svc',
        granteeServicePrincipal: 'sagemaker.amazonaws.com',
        retiringServicePrincipal: 'sagemaker.amazonaws.com',
        operations: ['Decrypt'],
      }),
      expected: [
        { status: 'PASS', messageId: 'scoped', data: { key: 'alias/k1', count: 2, grants: '2 grants' } },
      ],
    },
    {
      name: 'the grants EBS makes for attached volumes (ec2-infrastructure sessions of the key account)',
      inventory: withGrants(
        grant(EXEC_ROLE),
        ...['i-5d476fab', 'i-0a1b2c3d4e5f60718', 'i-0fedcba9876543210'].map((instance, n) =>
          grant(`arn:aws:sts::111122223333:assumed-role/aws:ec2-infrastructure/${instance}`, {
            operations: ['Decrypt'],
            retiringPrincipal: 'arn:aws:iam::123456789012:root',
            issuingAccount: 'arn:aws:iam::111122223333:root',
            constraints: { EncryptionContextSubset: { 'aws:ebs:id': `vol-5cccfb4${n}` } },
          }),
        ),
        grant('ec2.us-east-1.amazonaws.com', { operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext'] }),
      ),
      expected: [
        { status: 'PASS', messageId: 'scoped', data: { key: 'alias/k1', count: 5, grants: '5 grants' } },
      ],
    },
    {
      // EBS makes its grant as the account that owns the volume: a cluster of 111122223333 whose
      // volumes use a key of 999988887777 leaves 111122223333 sessions on that key.
      name: "another account's key: the EBS sessions of the account whose clusters use it",
      inventory: (() => {
        const shared = key('k1', { account: '999988887777' });
        return inventory({
          clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(shared.arn)] })])],
          keys: [
            {
              ...shared,
              grants: [
                grant('arn:aws:sts::111122223333:assumed-role/aws:ec2-infrastructure/i-5d476fab', {
                  operations: ['Decrypt'],
                  constraints: { EncryptionContextSubset: { 'aws:ebs:id': 'vol-5cccfb4e' } },
                }),
              ],
            },
          ],
        });
      })(),
      expected: [
        {
          status: 'PASS',
          messageId: 'scoped',
          resource: keyArn('k1', '999988887777'),
          data: { key: 'alias/k1', count: 1, grants: '1 grant' },
        },
      ],
    },
    {
      name: 'snapshot key with grants to its execution role',
      inventory: compliantEstate({ key: { source: 'snapshot', grants: [grant(EXEC_ROLE)] } }),
      expected: [
        { status: 'PASS', messageId: 'scoped', data: { key: 'alias/k1', count: 1, grants: '1 grant' } },
      ],
    },
    {
      name: 'AWS managed key is not governed',
      inventory: inventory({ keys: [awsManagedKey('aws1', 'ebs', { grants: [grant(roleArn('anyone'))] })] }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'awsManaged', data: { key: 'alias/aws/ebs' } }],
    },
    ...iacNotApplicableCases('notLive'),
  ],
  invalid: [
    {
      name: 'a grant to a role that does not consume the key',
      inventory: withGrants(grant(EXEC_ROLE), grant(roleArn('data-scientist'), { grantId: 'g-ds' })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unexpected',
          resource: K1,
          data: { key: 'alias/k1', count: 1, grants: '1 grant', grantees: roleArn('data-scientist') },
          evidence: (e) =>
            JSON.stringify(e.grants).includes('"grantId":"g-ds"') &&
            JSON.stringify(e.consumingRoles) === JSON.stringify([EXEC_ROLE]),
        },
      ],
    },
    {
      name: 'a grant left over for the role of a deleted instance group',
      inventory: withGrants(
        grant(EXEC_ROLE),
        grant(roleArn('hyperpod-exec-old')),
        grant('arn:aws:sts::111122223333:assumed-role/hyperpod-exec-old/SageMaker'),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unexpected',
          data: {
            key: 'alias/k1',
            count: 2,
            grants: '2 grants',
            grantees: `${roleArn('hyperpod-exec-old')}, arn:aws:sts::111122223333:assumed-role/hyperpod-exec-old/SageMaker`,
          },
        },
      ],
    },
    {
      name: 'a grant to a role of the same name in another account',
      inventory: withGrants(grant(roleArn('hyperpod-exec', '444455556666'))),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unexpected',
          data: {
            key: 'alias/k1',
            count: 1,
            grants: '1 grant',
            grantees: 'arn:aws:iam::444455556666:role/hyperpod-exec',
          },
        },
      ],
    },
    {
      name: 'a grant to a unique id that is not the consuming role',
      inventory: {
        ...withGrants(grant('AROAEXAMPLEDELETED001')),
        roles: [role(EXEC_ROLE, { roleId: 'AROAEXAMPLEEXEC000001' })],
      },
      expected: [
        {
          status: 'FAIL',
          messageId: 'unexpected',
          data: { key: 'alias/k1', count: 1, grants: '1 grant', grantees: 'AROAEXAMPLEDELETED001' },
        },
      ],
    },
    {
      name: 'an ec2-infrastructure session of another account: that account encrypts volumes under the key',
      inventory: withGrants(
        grant('arn:aws:sts::111122223333:assumed-role/aws:ec2-infrastructure/i-5d476fab', {
          operations: ['Decrypt'],
        }),
        grant('arn:aws:sts::444455556666:assumed-role/aws:ec2-infrastructure/i-0123456789abcdef0', {
          grantId: 'g-foreign-ebs',
          operations: ['Decrypt'],
        }),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unexpected',
          data: {
            key: 'alias/k1',
            count: 1,
            grants: '1 grant',
            grantees: 'arn:aws:sts::444455556666:assumed-role/aws:ec2-infrastructure/i-0123456789abcdef0',
          },
          evidence: (e) => JSON.stringify(e.grants).includes('g-foreign-ebs'),
        },
      ],
    },
    {
      name: 'look-alikes of AWS grantees are customer principals: a role named ec2-infrastructure, a fake service',
      inventory: withGrants(
        grant('arn:aws:sts::111122223333:assumed-role/ec2-infrastructure/i-5d476fab'),
        grant('arn:aws:iam::111122223333:role/aws-service-role/ebs.amazonaws.com'),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unexpected',
          data: {
            key: 'alias/k1',
            count: 2,
            grants: '2 grants',
            grantees:
              'arn:aws:sts::111122223333:assumed-role/ec2-infrastructure/i-5d476fab, arn:aws:iam::111122223333:role/aws-service-role/ebs.amazonaws.com',
          },
        },
      ],
    },
    {
      name: 'a grant whose grantee ListGrants does not report is unknown, not passed',
      inventory: withGrants(grant(EXEC_ROLE), { grantId: 'g-blank', operations: ['Decrypt'] }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'noGrantee',
          data: { key: 'alias/k1', grants: '1 grant', grantIds: 'g-blank' },
        },
      ],
    },
    {
      // "Customer managed key encryption is only supported for clusters using the continuous node
      // provisioning mode. Restricted instance groups don't support customer managed keys"
      // (smcluster-cmk.html): such groups' roles consume no key, as kms-key-policy-least-privilege holds.
      name: 'grants to the roles of a legacy-mode group and of a restricted group: neither consumes the key',
      inventory: inventory({
        keys: [
          key('k1', {
            grants: [
              grant(EXEC_ROLE),
              grant(roleArn('rig-exec')),
              grant('arn:aws:sts::444455556666:assumed-role/aws:ec2-infrastructure/i-0123456789abcdef0', {
                operations: ['Decrypt'],
              }),
            ],
          }),
        ],
        clusters: [
          cluster('legacy', [group('workers', { volumes: [rootVolume(K1)] })], {
            nodeProvisioningMode: null,
          }),
          cluster('c1', [
            group('rig', {
              kind: 'restricted',
              executionRole: roleArn('rig-exec'),
              volumes: [rootVolume(K1)],
            }),
          ]),
          cluster('foreign', [group('gpu', { volumes: [rootVolume(K1)] })], {
            account: '444455556666',
            nodeProvisioningMode: null,
          }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unexpected',
          data: {
            key: 'alias/k1',
            count: 3,
            grants: '3 grants',
            grantees: `${EXEC_ROLE}, ${roleArn('rig-exec')}, arn:aws:sts::444455556666:assumed-role/aws:ec2-infrastructure/i-0123456789abcdef0`,
          },
          evidence: (e) => JSON.stringify(e.consumingRoles) === '[]',
        },
      ],
    },
    {
      // As kms-key-policy-least-privilege: a role consumes the key only if its cluster is in
      // Continuous mode; where the mode is unknown, whether the grant is scoped is unknown.
      name: "grants to a role, and to EBS of an account, whose clusters' mode is unknown are unknown, not passed",
      inventory: inventory({
        keys: [
          key('k1', {
            grants: [
              grant(EXEC_ROLE, { grantId: 'g-exec' }),
              grant('arn:aws:sts::444455556666:assumed-role/aws:ec2-infrastructure/i-0123456789abcdef0', {
                grantId: 'g-ebs',
                operations: ['Decrypt'],
              }),
            ],
          }),
        ],
        clusters: [
          cluster('c2', [group('gpu', { volumes: [rootVolume(K1)] })], {
            nodeProvisioningMode: null,
            notCollected: ['NodeProvisioningMode'],
          }),
          cluster('foreign', [group('gpu', { volumes: [rootVolume(K1)] })], {
            account: '444455556666',
            nodeProvisioningMode: { unresolved: 'var.mode', reason: 'no value' },
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'consumerUnknown',
          data: {
            key: 'alias/k1',
            grants: '2 grants',
            grantees: `${EXEC_ROLE}, arn:aws:sts::444455556666:assumed-role/aws:ec2-infrastructure/i-0123456789abcdef0`,
            clusters: 'c2, foreign',
          },
          evidence: (e) => JSON.stringify(e.grantIds) === '["g-exec","g-ebs"]',
        },
      ],
    },
    {
      name: 'a grant sure to be unexpected fails even beside one whose consumer is unknown',
      inventory: inventory({
        keys: [key('k1', { grants: [grant(EXEC_ROLE), grant(roleArn('data-scientist'))] })],
        clusters: [
          cluster('c2', [group('gpu', { volumes: [rootVolume(K1)] })], {
            nodeProvisioningMode: null,
            notCollected: ['NodeProvisioningMode'],
          }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unexpected',
          data: { key: 'alias/k1', count: 1, grants: '1 grant', grantees: roleArn('data-scientist') },
        },
      ],
    },
    {
      name: 'grants on a key no scanned instance group uses',
      inventory: inventory({ keys: [key('k1', { grants: [grant(EXEC_ROLE)] })] }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unexpected',
          data: { key: 'alias/k1', count: 1, grants: '1 grant', grantees: EXEC_ROLE },
        },
      ],
    },
    {
      name: 'ListGrants denied: the gap reason is given',
      inventory: inventory({
        keys: [grantless],
        gaps: [
          gap({ operation: 'ListGrants', resource: K1, message: 'not authorized to perform kms:ListGrants' }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          resource: K1,
          data: {
            what: 'the grants on alias/k1',
            reason: 'ListGrants failed (aws.access_denied): not authorized to perform kms:ListGrants',
          },
        },
      ],
    },
    describeKeyDeniedCase(),
  ],
});
