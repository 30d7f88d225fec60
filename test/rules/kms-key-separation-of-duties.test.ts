import type { PolicyStatement } from '../../src/model/inventory.js';
import { USAGE_ACTIONS } from '../../src/policy/actions.js';
import rule from '../../src/rules/kms/kms-key-separation-of-duties.js';
import {
  ADMIN_ROLE,
  adminStatement,
  compliantEstate,
  createGrantStatement,
  describeKeyStatement,
  EXEC_ROLE,
  gap,
  goodPolicy,
  iacInventory,
  iacKey,
  inventory,
  key,
  keyArn,
  policyOf,
  rootStatement,
  unresolved,
} from '../helpers/inventory.js';
import { awsManagedKeyCase, describeKeyDeniedCase, healthyKeyFromEachSource } from '../helpers/key-cases.js';
import { ruleTester } from '../helpers/rule-tester.js';

const K1 = keyArn('k1');
const HYPERPOD = [createGrantStatement(), describeKeyStatement()];
const withPolicy = (...statements: PolicyStatement[]) =>
  inventory({ keys: [key('k1', { policy: policyOf(rootStatement(), ...statements) })] });
const allow = (principal: string, action: string | string[]): PolicyStatement => ({
  Effect: 'Allow',
  Principal: { AWS: principal },
  Action: action,
  Resource: '*',
});
const deny = (principal: string, action: string | string[]): PolicyStatement => ({
  ...allow(principal, action),
  Effect: 'Deny',
});
/** The key administrators statement the KMS console writes by default. */
const consoleAdmin = (admin = ADMIN_ROLE): PolicyStatement => ({
  Sid: 'Allow access for Key Administrators',
  Effect: 'Allow',
  Principal: { AWS: admin },
  Action: [
    'kms:Create*',
    'kms:Describe*',
    'kms:Enable*',
    'kms:List*',
    'kms:Put*',
    'kms:Update*',
    'kms:Revoke*',
    'kms:Disable*',
    'kms:Get*',
    'kms:Delete*',
    'kms:TagResource',
    'kms:UntagResource',
    'kms:ScheduleKeyDeletion',
    'kms:CancelKeyDeletion',
    'kms:RotateKeyOnDemand',
  ],
  Resource: '*',
});
/** Every action the tool counts as using the key. */
const USAGE = [...USAGE_ACTIONS];
const { policy: _policy, ...policyless } = key('k1');

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'a separate admin and a separate execution role',
      inventory: compliantEstate(),
      expected: [
        {
          status: 'PASS',
          messageId: 'separated',
          resource: K1,
          data: { key: 'alias/k1', admins: ADMIN_ROLE },
        },
      ],
    },
    {
      name: 'the configured admin (by glob) administers the key',
      inventory: compliantEstate(),
      config: { keyAdmins: ['arn:aws:iam::*:role/Key*'] },
      expected: [{ status: 'PASS', messageId: 'separated', data: { key: 'alias/k1', admins: ADMIN_ROLE } }],
    },
    {
      name: 'an admin with kms:* and a Deny on every usage action',
      inventory: withPolicy(allow(ADMIN_ROLE, 'kms:*'), deny(ADMIN_ROLE, USAGE), ...HYPERPOD),
      expected: [{ status: 'PASS', messageId: 'separated', data: { key: 'alias/k1', admins: ADMIN_ROLE } }],
    },
    {
      name: "the console's admin statement with CreateGrant denied",
      inventory: withPolicy(consoleAdmin(), deny(ADMIN_ROLE, 'kms:CreateGrant'), ...HYPERPOD),
      expected: [
        {
          status: 'PASS',
          messageId: 'separated',
          data: { key: 'alias/k1', admins: 'arn:aws:iam::111122223333:role/KeyAdmin' },
        },
      ],
    },
    awsManagedKeyCase(),
    ...healthyKeyFromEachSource('separated', (key) => ({ key, admins: ADMIN_ROLE })),
  ],
  invalid: [
    {
      name: 'the admin can also decrypt',
      inventory: withPolicy(adminStatement(), allow(ADMIN_ROLE, 'kms:Decrypt'), ...HYPERPOD),
      expected: [
        {
          status: 'FAIL',
          messageId: 'mixed',
          resource: K1,
          data: { key: 'alias/k1', principals: ADMIN_ROLE },
          evidence: (e) => JSON.stringify(e.principals).includes('"usage":["kms:Decrypt"]'),
        },
      ],
    },
    {
      name: "the console's admin statement: kms:Create* includes kms:CreateGrant",
      inventory: withPolicy(consoleAdmin(), ...HYPERPOD),
      expected: [
        {
          status: 'FAIL',
          messageId: 'mixed',
          data: { key: 'alias/k1', principals: ADMIN_ROLE },
          evidence: (e) => JSON.stringify(e.principals).includes('"usage":["kms:CreateGrant"]'),
        },
      ],
    },
    {
      name: 'the admin holds kms:*',
      inventory: withPolicy(allow(ADMIN_ROLE, 'kms:*'), ...HYPERPOD),
      expected: [{ status: 'FAIL', messageId: 'mixed', data: { key: 'alias/k1', principals: ADMIN_ROLE } }],
    },
    {
      name: 'the execution role can change the key policy',
      inventory: withPolicy(adminStatement(), ...HYPERPOD, allow(EXEC_ROLE, 'kms:PutKeyPolicy')),
      expected: [{ status: 'FAIL', messageId: 'mixed', data: { key: 'alias/k1', principals: EXEC_ROLE } }],
    },
    {
      name: 'a Deny on only some usage actions leaves the admin mixed',
      inventory: withPolicy(
        allow(ADMIN_ROLE, 'kms:*'),
        deny(ADMIN_ROLE, ['kms:Decrypt', 'kms:Encrypt']),
        ...HYPERPOD,
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'mixed',
          evidence: (e) => JSON.stringify(e.principals).includes('kms:CreateGrant'),
          data: { key: 'alias/k1', principals: 'arn:aws:iam::111122223333:role/KeyAdmin' },
        },
      ],
    },
    {
      name: 'no admin other than the account root',
      inventory: withPolicy(...HYPERPOD),
      expected: [{ status: 'FAIL', messageId: 'noAdmin', data: { key: 'alias/k1' } }],
    },
    {
      name: 'an operator that can disable the key but not change its policy is not an admin',
      inventory: withPolicy(allow(ADMIN_ROLE, ['kms:DisableKey', 'kms:EnableKey']), ...HYPERPOD),
      expected: [{ status: 'FAIL', messageId: 'noAdmin', data: { key: 'alias/k1' } }],
    },
    {
      name: 'the configured admins are absent from the policy',
      inventory: compliantEstate(),
      config: { keyAdmins: ['arn:aws:iam::111122223333:role/SecurityKeyAdmin'] },
      expected: [
        {
          status: 'FAIL',
          messageId: 'noConfiguredAdmin',
          evidence: (e) =>
            JSON.stringify(e.keyAdmins) === '["arn:aws:iam::111122223333:role/SecurityKeyAdmin"]',
          data: { key: 'alias/k1' },
        },
      ],
    },
    {
      name: 'a wildcard principal with kms:*',
      inventory: withPolicy(adminStatement(), { ...allow('*', 'kms:*'), Principal: '*' }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'mixed',
          data: { key: 'alias/k1', principals: 'arn:aws:iam::111122223333:role/KeyAdmin, *' },
        },
      ],
    },
    {
      name: 'Terraform plan key whose admin also encrypts',
      inventory: iacInventory('terraform-plan', {
        keys: [
          iacKey('aws_kms_key.k', 'terraform-plan', {
            policy: policyOf(
              ...(goodPolicy().Statement as PolicyStatement[]),
              allow(ADMIN_ROLE, 'kms:Encrypt'),
            ),
          }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'mixed',
          resource: 'infra/main.tf#aws_kms_key.k',
          data: { key: 'infra/main.tf#aws_kms_key.k', principals: 'arn:aws:iam::111122223333:role/KeyAdmin' },
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
      name: 'key policy from an unresolvable expression',
      inventory: iacInventory('cloudformation', {
        keys: [
          iacKey('HyperPodKey', 'cloudformation', { policy: unresolved('!Ref PolicyParam', 'no value') }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: { what: 'the key policy', expression: '!Ref PolicyParam', reason: 'no value' },
        },
      ],
    },
    describeKeyDeniedCase(),
  ],
});
