import type { Key } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-enabled.js';
import {
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
import { awsManagedKeyCase, describeKeyDeniedCase, healthyKeyFromEachSource } from '../helpers/key-cases.js';
import { ruleTester } from '../helpers/rule-tester.js';

const K1 = keyArn('k1');
const withState = (keyState: string, overrides: Partial<Key> = {}) => {
  const base = key('k1', overrides);
  return { ...base, metadata: { ...base.metadata!, keyState } };
};
/** The baseline estate (cluster c1, group workers on k1) with k1 in the given state. */
const estateWithState = (keyState: string) =>
  compliantEstate({ key: { metadata: { ...key('k1').metadata!, keyState } } });

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'enabled key used by a cluster',
      inventory: compliantEstate(),
      expected: [{ status: 'PASS', messageId: 'enabled', resource: K1, data: { key: 'alias/k1' } }],
    },
    {
      name: 'AWS managed key recognised by its alias when DescribeKey was denied',
      inventory: inventory({
        keys: [undescribedKey('aws2', { aliases: ['alias/aws/sagemaker'] })],
        gaps: [gap({ operation: 'DescribeKey', resource: keyArn('aws2') })],
      }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'awsManaged', data: { key: 'alias/aws/sagemaker' } }],
    },
    {
      name: 'pending deletion is left to kms-key-not-pending-deletion',
      inventory: estateWithState('PendingDeletion'),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'pendingDeletion', data: { key: 'alias/k1' } }],
    },
    {
      name: 'pending replica deletion is left to kms-key-not-pending-deletion',
      inventory: estateWithState('PendingReplicaDeletion'),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'pendingDeletion', data: { key: 'alias/k1' } }],
    },
    {
      // "While the key state is Updating, you can use the keys in cryptographic operations"
      // (https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-update.html).
      name: 'a multi-Region key Updating its primary Region stays usable',
      inventory: estateWithState('Updating'),
      expected: [{ status: 'PASS', messageId: 'updating', resource: K1, data: { key: 'alias/k1' } }],
    },
    awsManagedKeyCase(),
    ...healthyKeyFromEachSource('enabled', (key) => ({ key })),
  ],
  invalid: [
    {
      name: 'disabled key names the groups that can no longer scale',
      inventory: estateWithState('Disabled'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notEnabled',
          resource: K1,
          data: { key: 'alias/k1', state: 'Disabled', groups: 'c1/workers' },
          // The group uses the key for its root and secondary volumes: it is named once.
          evidence: (e) => e.keyState === 'Disabled' && JSON.stringify(e.groups) === '["c1/workers"]',
        },
      ],
    },
    {
      name: 'key waiting for imported key material',
      inventory: inventory({ keys: [withState('PendingImport', { aliases: [] })] }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notEnabled',
          data: { key: K1, state: 'PendingImport', groups: 'none' },
        },
      ],
    },
    {
      name: 'key in a disconnected custom key store is Unavailable',
      inventory: inventory({ keys: [withState('Unavailable')] }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notEnabled',
          data: { key: 'alias/k1', state: 'Unavailable', groups: 'none' },
        },
      ],
    },
    {
      name: 'Terraform key with is_enabled = false',
      inventory: iacInventory('terraform-plan', {
        keys: [
          iacKey('aws_kms_key.off', 'terraform-plan', {
            metadata: { ...key('x').metadata!, keyState: 'Disabled' },
          }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notEnabled',
          resource: 'infra/main.tf#aws_kms_key.off',
          data: { key: 'infra/main.tf#aws_kms_key.off', state: 'Disabled', groups: 'none' },
        },
      ],
    },
    {
      name: 'CloudFormation Enabled from an unset parameter',
      inventory: iacInventory('cloudformation', {
        keys: [
          iacKey('HyperPodKey', 'cloudformation', {
            metadata: {
              ...key('x').metadata!,
              keyState: unresolved('!Ref KeyEnabled', 'parameter KeyEnabled has no value', ['KeyEnabled']),
            },
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the key state',
            expression: '!Ref KeyEnabled',
            reason: 'parameter KeyEnabled has no value',
          },
        },
      ],
    },
    describeKeyDeniedCase(),
  ],
});
