import type { DeletionProtection } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-deletion-protection.js';
import {
  awsManagedKey,
  compliantEstate,
  gap,
  iacInventory,
  iacKey,
  inventory,
  key,
  keyArn,
  undescribedKey,
  unresolved,
} from '../helpers/inventory.js';
import { ruleTester } from '../helpers/rule-tester.js';

const CFN_ID = 'infra/hyperpod.yaml#HyperPodKey';
const TF_ID = 'infra/main.tf#aws_kms_key.hyperpod';
const cfn = (deletionProtection: DeletionProtection) =>
  iacInventory('cloudformation', { keys: [iacKey('HyperPodKey', 'cloudformation', { deletionProtection })] });
const tf = (deletionProtection: DeletionProtection, source: 'terraform' | 'terraform-plan' = 'terraform') =>
  iacInventory(source, { keys: [iacKey('aws_kms_key.hyperpod', source, { deletionProtection })] });
const RETAIN = { deletionPolicy: 'Retain', updateReplacePolicy: 'Retain' };

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'a live key is judged by kms-key-not-pending-deletion',
      inventory: compliantEstate(),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'live', resource: keyArn('k1') }],
    },
    {
      name: 'a live key whose DescribeKey was denied is still not applicable',
      inventory: inventory({
        keys: [undescribedKey('k1')],
        gaps: [gap({ operation: 'DescribeKey', resource: keyArn('k1') })],
      }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'live' }],
    },
    {
      name: 'a snapshot key is not applicable',
      inventory: inventory({ keys: [key('k1', { source: 'snapshot' })] }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'live' }],
    },
    {
      name: 'an AWS managed key is not applicable',
      inventory: inventory({ keys: [awsManagedKey('aws1')] }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'live' }],
    },
    {
      name: 'CloudFormation Retain on delete and replace, 30-day window',
      inventory: cfn({ ...RETAIN, pendingWindowInDays: 30 }),
      expected: [
        {
          status: 'PASS',
          messageId: 'protected',
          resource: CFN_ID,
          data: { key: 'infra/hyperpod.yaml#HyperPodKey', window: '30' },
        },
      ],
    },
    {
      name: 'CloudFormation RetainExceptOnCreate with the default window',
      inventory: cfn({ deletionPolicy: 'RetainExceptOnCreate', updateReplacePolicy: 'Retain' }),
      expected: [
        {
          status: 'PASS',
          messageId: 'protected',
          data: { key: 'infra/hyperpod.yaml#HyperPodKey', window: '30' },
        },
      ],
    },
    {
      name: 'a window at the configured minimum',
      inventory: cfn({ ...RETAIN, pendingWindowInDays: 14 }),
      config: { deletion: { minWindowDays: 14 } },
      expected: [
        {
          status: 'PASS',
          messageId: 'protected',
          data: { key: 'infra/hyperpod.yaml#HyperPodKey', window: '14' },
        },
      ],
    },
    {
      name: 'Terraform prevent_destroy with a 30-day window',
      inventory: tf({ preventDestroy: true, pendingWindowInDays: 30 }),
      expected: [
        {
          status: 'PASS',
          messageId: 'protected',
          resource: TF_ID,
          data: { key: 'infra/main.tf#aws_kms_key.hyperpod', window: '30' },
        },
      ],
    },
    {
      name: 'Terraform plan whose parser found prevent_destroy in the configuration',
      inventory: tf({ preventDestroy: true }, 'terraform-plan'),
      expected: [
        {
          status: 'PASS',
          messageId: 'protected',
          data: { key: 'infra/main.tf#aws_kms_key.hyperpod', window: '30' },
        },
      ],
    },
  ],
  invalid: [
    {
      name: 'CloudFormation without DeletionPolicy or UpdateReplacePolicy',
      inventory: cfn({}),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unprotected',
          resource: CFN_ID,
          data: {
            key: 'infra/hyperpod.yaml#HyperPodKey',
            problems: 'DeletionPolicy is not set (Delete); UpdateReplacePolicy is not set (Delete)',
          },
        },
      ],
    },
    {
      name: 'CloudFormation DeletionPolicy Delete',
      inventory: cfn({ deletionPolicy: 'Delete', updateReplacePolicy: 'Retain' }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unprotected',
          data: { key: 'infra/hyperpod.yaml#HyperPodKey', problems: 'DeletionPolicy is Delete' },
        },
      ],
    },
    {
      name: 'CloudFormation Retain on delete but not on replacement',
      inventory: cfn({ deletionPolicy: 'Retain' }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unprotected',
          data: {
            key: 'infra/hyperpod.yaml#HyperPodKey',
            problems: 'UpdateReplacePolicy is not set (Delete)',
          },
        },
      ],
    },
    {
      name: 'a window below the default minimum',
      inventory: cfn({ ...RETAIN, pendingWindowInDays: 7 }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unprotected',
          data: { key: 'infra/hyperpod.yaml#HyperPodKey', problems: 'a 7-day deletion window (minimum 30)' },
          evidence: (e) => e.pendingWindowInDays === 7,
        },
      ],
    },
    {
      name: 'a window below a configured minimum',
      inventory: tf({ preventDestroy: true, pendingWindowInDays: 10 }),
      config: { deletion: { minWindowDays: 14 } },
      expected: [
        {
          status: 'FAIL',
          messageId: 'unprotected',
          data: {
            key: 'infra/main.tf#aws_kms_key.hyperpod',
            problems: 'a 10-day deletion window (minimum 14)',
          },
        },
      ],
    },
    {
      name: 'Terraform without prevent_destroy',
      inventory: tf({ pendingWindowInDays: 30 }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unprotected',
          data: {
            key: 'infra/main.tf#aws_kms_key.hyperpod',
            problems: 'lifecycle.prevent_destroy is not set',
          },
        },
      ],
    },
    {
      name: 'Terraform prevent_destroy false and a short window',
      inventory: tf({ preventDestroy: false, pendingWindowInDays: 7 }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unprotected',
          data: {
            key: 'infra/main.tf#aws_kms_key.hyperpod',
            problems: 'a 7-day deletion window (minimum 30); lifecycle.prevent_destroy is not set',
          },
        },
      ],
    },
    {
      name: 'a short window fails even when the DeletionPolicy cannot be known',
      inventory: cfn({
        deletionPolicy: unresolved('!If [IsProd, Retain, Delete]', 'condition IsProd depends on Env', [
          'Env',
        ]),
        updateReplacePolicy: 'Retain',
        pendingWindowInDays: 7,
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unprotected',
          data: { key: 'infra/hyperpod.yaml#HyperPodKey', problems: 'a 7-day deletion window (minimum 30)' },
        },
      ],
    },
    {
      name: 'PendingWindowInDays from an unset parameter',
      inventory: cfn({
        ...RETAIN,
        pendingWindowInDays: unresolved('!Ref Window', 'parameter Window has no value', ['Window']),
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the deletion window',
            expression: '!Ref Window',
            reason: 'parameter Window has no value',
          },
        },
      ],
    },
    {
      name: 'DeletionPolicy from a condition on an unset parameter',
      inventory: cfn({
        deletionPolicy: unresolved('!If [IsProd, Retain, Delete]', 'condition IsProd depends on Env', [
          'Env',
        ]),
        updateReplacePolicy: 'Retain',
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'DeletionPolicy',
            expression: '!If [IsProd, Retain, Delete]',
            reason: 'condition IsProd depends on Env',
          },
        },
      ],
    },
    {
      name: 'prevent_destroy that cannot be known',
      inventory: tf({
        preventDestroy: unresolved('var.protect', 'variable protect has no value', ['protect']),
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'lifecycle.prevent_destroy',
            expression: 'var.protect',
            reason: 'variable protect has no value',
          },
        },
      ],
    },
    {
      name: 'a Terraform plan does not record lifecycle.prevent_destroy',
      inventory: tf({ pendingWindowInDays: 30 }, 'terraform-plan'),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'planLifecycle',
          resource: TF_ID,
          data: { key: 'infra/main.tf#aws_kms_key.hyperpod' },
        },
      ],
    },
  ],
});
