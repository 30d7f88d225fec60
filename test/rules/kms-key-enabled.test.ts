import type { Key } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-enabled.js';
import {
  cluster,
  compliantEstate,
  gap,
  group,
  iacInventory,
  iacKey,
  inventory,
  key,
  keyArn,
  rootVolume,
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
/**
 * The baseline estate with k1's material imported (Origin EXTERNAL) and expiring at `validTo`:
 * "When a key material expires, KMS deletes the key material and the KMS key becomes unusable"
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyMetadata.html).
 */
const importedUntil = (validTo: NonNullable<Key['metadata']>['validTo'], keyState = 'Enabled') =>
  compliantEstate({
    key: {
      metadata: {
        ...key('k1').metadata!,
        keyState,
        origin: 'EXTERNAL',
        expirationModel: 'KEY_MATERIAL_EXPIRES',
        ...(validTo !== undefined ? { validTo } : {}),
      },
    },
  });
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
    {
      name: 'imported key material that expires beyond the window',
      inventory: importedUntil('2027-01-26T12:00:00.000Z'),
      expected: [
        {
          status: 'PASS',
          messageId: 'materialValid',
          resource: K1,
          data: { key: 'alias/k1', date: '2027-01-26T12:00:00.000Z', days: 60, when: '60 days from now' },
        },
      ],
    },
    {
      name: 'imported key material that never expires',
      inventory: compliantEstate({
        key: {
          metadata: {
            ...key('k1').metadata!,
            origin: 'EXTERNAL',
            expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
          },
        },
      }),
      expected: [{ status: 'PASS', messageId: 'enabled', resource: K1, data: { key: 'alias/k1' } }],
    },
    awsManagedKeyCase(),
    ...healthyKeyFromEachSource('enabled', (key) => ({ key })),
  ],
  invalid: [
    {
      name: 'imported key material that expires within 30 days',
      inventory: importedUntil('2026-12-07T12:00:00.000Z'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'materialExpiring',
          resource: K1,
          data: {
            key: 'alias/k1',
            date: '2026-12-07T12:00:00.000Z',
            days: 10,
            when: '10 days from now',
            groups: 'c1/workers',
          },
          evidence: (e) =>
            JSON.stringify(e) ===
            JSON.stringify({ validTo: '2026-12-07T12:00:00.000Z', groups: ['c1/workers'] }),
        },
      ],
    },
    {
      name: 'a multi-Region key Updating whose imported material expires within 30 days',
      inventory: importedUntil('2026-11-28T12:00:00.000Z', 'Updating'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'materialExpiring',
          resource: K1,
          data: {
            key: 'alias/k1',
            date: '2026-11-28T12:00:00.000Z',
            days: 1,
            when: '1 day from now',
            groups: 'c1/workers',
          },
        },
      ],
    },
    {
      // A snapshot evaluated after ValidTo still says Enabled: KMS has deleted the material since.
      name: 'imported key material that has expired',
      inventory: importedUntil('2026-11-20T12:00:00.000Z'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'materialExpired',
          resource: K1,
          data: {
            key: 'alias/k1',
            date: '2026-11-20T12:00:00.000Z',
            days: 7,
            when: '7 days ago',
            groups: 'c1/workers',
          },
        },
      ],
    },
    {
      name: 'imported key material that expires at a time DescribeKey did not report',
      inventory: importedUntil({
        unresolved: 'KeyMetadata.ValidTo',
        reason:
          'DescribeKey returned ExpirationModel KEY_MATERIAL_EXPIRES without ValidTo, when the key material expires',
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          resource: K1,
          data: {
            what: 'when the imported key material expires',
            expression: 'KeyMetadata.ValidTo',
            reason:
              'DescribeKey returned ExpirationModel KEY_MATERIAL_EXPIRES without ValidTo, when the key material expires',
          },
        },
      ],
    },
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
      // A key is honoured only in Continuous mode (smcluster-cmk.html): groups of a cluster whose
      // mode is unknown may be stalled by the disabled key, or may not be under it at all.
      name: 'disabled key: groups of a cluster whose mode is unknown may be stalled, not "cannot scale"',
      inventory: inventory({
        keys: [withState('Disabled')],
        clusters: [
          cluster('c1', [group('workers', { volumes: [rootVolume(K1)] })]),
          cluster('c2', [group('gpu', { volumes: [rootVolume(K1)] })], {
            nodeProvisioningMode: null,
            notCollected: ['NodeProvisioningMode'],
          }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notEnabledMaybe',
          data: {
            key: 'alias/k1',
            state: 'Disabled',
            groups: 'c1/workers',
            maybeGroups: 'c2/gpu',
            clusters: 'c2',
          },
          evidence: (e) =>
            JSON.stringify(e.groups) === '["c1/workers"]' &&
            JSON.stringify(e.maybeGroups) === '["c2/gpu"]' &&
            JSON.stringify(e.modeUnknownIn) === '["c2"]',
        },
      ],
    },
    {
      name: 'expiring imported material, named only where the mode cannot be known from the template',
      inventory: inventory({
        keys: [
          key('k1', {
            metadata: {
              ...key('k1').metadata!,
              origin: 'EXTERNAL',
              expirationModel: 'KEY_MATERIAL_EXPIRES',
              validTo: '2026-12-07T12:00:00.000Z',
            },
          }),
        ],
        clusters: [
          cluster('c2', [group('gpu', { volumes: [rootVolume(K1)] })], {
            nodeProvisioningMode: unresolved('!Ref Mode', 'Mode has no value'),
          }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'materialExpiringMaybe',
          data: {
            key: 'alias/k1',
            date: '2026-12-07T12:00:00.000Z',
            days: 10,
            when: '10 days from now',
            groups: 'none',
            maybeGroups: 'c2/gpu',
            clusters: 'c2',
          },
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
