import type { KeyMetadata, KeyRotation } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-rotation-enabled.js';
import {
  compliantEstate,
  gap,
  iacInventory,
  iacKey,
  inventory,
  key,
  keyArn,
  unresolved,
} from '../helpers/inventory.js';
import { awsManagedKeyCase, describeKeyDeniedCase } from '../helpers/key-cases.js';
import { ruleTester } from '../helpers/rule-tester.js';

const K1 = keyArn('k1');
const metadata = (overrides: Partial<KeyMetadata>): KeyMetadata => ({ ...key('k1').metadata!, ...overrides });
const rotating = (rotation: KeyRotation) => inventory({ keys: [key('k1', { rotation })] });
const { rotation: _rotation, ...uncollected } = key('k1');

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'yearly automatic rotation',
      inventory: compliantEstate(),
      expected: [
        {
          status: 'PASS',
          messageId: 'rotating',
          resource: K1,
          data: { key: 'alias/k1', period: 365 },
          evidence: (e) => e.periodInDays === 365 && e.assumedDefault === false,
        },
      ],
    },
    {
      name: 'period not reported: the 365-day default is assumed and shown',
      inventory: rotating({ enabled: true }),
      expected: [
        {
          status: 'PASS',
          messageId: 'rotating',
          data: { key: 'alias/k1', period: 365 },
          evidence: (e) => e.periodInDays === null && e.assumedDefault === true,
        },
      ],
    },
    {
      name: 'period equal to the configured maximum',
      inventory: rotating({ enabled: true, periodInDays: 180 }),
      config: { rotation: { maxDays: 180 } },
      expected: [{ status: 'PASS', messageId: 'rotating', data: { key: 'alias/k1', period: 180 } }],
    },
    {
      name: 'key pending deletion reads rotation false, which means nothing',
      inventory: inventory({
        keys: [
          key('k1', { rotation: { enabled: false }, metadata: metadata({ keyState: 'PendingDeletion' }) }),
        ],
      }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'pendingDeletion', data: { key: 'alias/k1' } }],
    },
    {
      name: 'a multi-Region primary waiting for its replicas to be deleted',
      inventory: inventory({
        keys: [
          key('k1', {
            rotation: { enabled: false },
            metadata: metadata({
              keyState: 'PendingReplicaDeletion',
              multiRegion: true,
              pendingDeletionWindowInDays: 7,
            }),
          }),
        ],
      }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'pendingDeletion', data: { key: 'alias/k1' } }],
    },
    {
      // "While a KMS key is disabled, AWS KMS does not rotate it. When the KMS key is re-enabled, if
      // the key material is past its last scheduled rotation date, AWS KMS rotates it immediately"
      // (rotate-keys.html): no material encrypts past its period, but the key does not rotate now.
      name: 'a disabled key with rotation on: not rotated while disabled, rotated at once when enabled again',
      inventory: inventory({
        keys: [
          key('k1', {
            metadata: metadata({ keyState: 'Disabled' }),
            rotation: { enabled: true, periodInDays: 180 },
          }),
        ],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'rotatesWhenEnabled',
          data: { key: 'alias/k1', state: 'Disabled', period: 180 },
          evidence: (e) => e.periodInDays === 180 && e.keyState === 'Disabled',
        },
      ],
    },
    {
      name: 'Terraform: a key with is_enabled = false and enable_key_rotation = true',
      inventory: iacInventory('terraform', {
        keys: [
          iacKey('aws_kms_key.k', 'terraform', {
            metadata: metadata({ keyState: 'Disabled' }),
            rotation: { enabled: true },
          }),
        ],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'rotatesWhenEnabled',
          data: { key: 'infra/main.tf#aws_kms_key.k', state: 'Disabled', period: 365 },
        },
      ],
    },
    {
      name: 'snapshot key rotating every 90 days',
      inventory: inventory({
        keys: [key('k1', { source: 'snapshot', rotation: { enabled: true, periodInDays: 90 } })],
      }),
      expected: [{ status: 'PASS', messageId: 'rotating', data: { key: 'alias/k1', period: 90 } }],
    },
    {
      name: 'CloudFormation EnableKeyRotation true without RotationPeriodInDays',
      inventory: iacInventory('cloudformation', {
        keys: [iacKey('HyperPodKey', 'cloudformation', { rotation: { enabled: true } })],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'rotating',
          resource: 'infra/hyperpod.yaml#HyperPodKey',
          evidence: (e) => e.assumedDefault === true,
          data: { key: 'infra/hyperpod.yaml#HyperPodKey', period: 365 },
        },
      ],
    },
    {
      name: 'Terraform plan key with rotation_period_in_days 180',
      inventory: iacInventory('terraform-plan', {
        keys: [iacKey('aws_kms_key.k', 'terraform-plan', { rotation: { enabled: true, periodInDays: 180 } })],
      }),
      expected: [
        { status: 'PASS', messageId: 'rotating', data: { key: 'infra/main.tf#aws_kms_key.k', period: 180 } },
      ],
    },
    awsManagedKeyCase(),
  ],
  invalid: [
    {
      name: 'automatic rotation off',
      inventory: rotating({ enabled: false }),
      expected: [{ status: 'FAIL', messageId: 'disabled', resource: K1, data: { key: 'alias/k1' } }],
    },
    {
      name: 'Terraform enable_key_rotation = false',
      inventory: iacInventory('terraform', {
        keys: [iacKey('aws_kms_key.k', 'terraform', { rotation: { enabled: false } })],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'disabled',
          resource: 'infra/main.tf#aws_kms_key.k',
          data: { key: 'infra/main.tf#aws_kms_key.k' },
        },
      ],
    },
    {
      name: 'period above the default maximum',
      inventory: rotating({ enabled: true, periodInDays: 730 }),
      expected: [{ status: 'FAIL', messageId: 'tooSlow', data: { key: 'alias/k1', period: 730, max: 365 } }],
    },
    {
      name: 'a disabled key whose period is too long still fails on the period',
      inventory: inventory({
        keys: [
          key('k1', {
            metadata: metadata({ keyState: 'Disabled' }),
            rotation: { enabled: true, periodInDays: 730 },
          }),
        ],
      }),
      expected: [{ status: 'FAIL', messageId: 'tooSlow', data: { key: 'alias/k1', period: 730, max: 365 } }],
    },
    {
      name: 'period above a configured maximum',
      inventory: rotating({ enabled: true, periodInDays: 365 }),
      config: { rotation: { maxDays: 180 } },
      expected: [{ status: 'FAIL', messageId: 'tooSlow', data: { key: 'alias/k1', period: 365, max: 180 } }],
    },
    {
      name: 'absent period assumed 365 is above a configured maximum',
      inventory: rotating({ enabled: true }),
      config: { rotation: { maxDays: 90 } },
      expected: [
        {
          status: 'FAIL',
          messageId: 'tooSlow',
          data: { key: 'alias/k1', period: 365, max: 90 },
          evidence: (e) => e.assumedDefault === true,
        },
      ],
    },
    {
      name: 'imported key material cannot rotate automatically',
      inventory: inventory({
        keys: [key('k1', { rotation: { enabled: false }, metadata: metadata({ origin: 'EXTERNAL' }) })],
      }),
      expected: [
        { status: 'FAIL', messageId: 'unsupported', data: { key: 'alias/k1', spec: 'origin EXTERNAL' } },
      ],
    },
    {
      name: 'CloudHSM key store key cannot rotate automatically',
      inventory: inventory({ keys: [{ ...uncollected, metadata: metadata({ origin: 'AWS_CLOUDHSM' }) }] }),
      expected: [
        { status: 'FAIL', messageId: 'unsupported', data: { key: 'alias/k1', spec: 'origin AWS_CLOUDHSM' } },
      ],
    },
    {
      name: 'asymmetric key: GetKeyRotationStatus is unsupported, and the key cannot rotate',
      inventory: inventory({
        keys: [{ ...uncollected, metadata: metadata({ keySpec: 'RSA_2048', keyUsage: 'ENCRYPT_DECRYPT' }) }],
        gaps: [
          gap({
            operation: 'GetKeyRotationStatus',
            resource: K1,
            code: 'aws.unsupported_operation',
            message: 'UnsupportedOperationException',
          }),
        ],
      }),
      expected: [{ status: 'FAIL', messageId: 'unsupported', data: { key: 'alias/k1', spec: 'RSA_2048' } }],
    },
    {
      name: 'HMAC key cannot rotate automatically',
      inventory: inventory({
        keys: [
          { ...uncollected, metadata: metadata({ keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' }) },
        ],
      }),
      expected: [{ status: 'FAIL', messageId: 'unsupported', data: { key: 'alias/k1', spec: 'HMAC_256' } }],
    },
    {
      name: 'GetKeyRotationStatus denied',
      inventory: inventory({
        keys: [uncollected],
        gaps: [gap({ operation: 'GetKeyRotationStatus', resource: K1 })],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            what: 'the rotation status of alias/k1',
            reason:
              'GetKeyRotationStatus failed (aws.access_denied): User is not authorized to perform: kms:GetKeyRotationStatus',
          },
        },
      ],
    },
    {
      name: 'EnableKeyRotation from an unset parameter',
      inventory: iacInventory('cloudformation', {
        keys: [
          iacKey('HyperPodKey', 'cloudformation', {
            rotation: { enabled: unresolved('!Ref Rotate', 'parameter Rotate has no value', ['Rotate']) },
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'EnableKeyRotation',
            expression: '!Ref Rotate',
            reason: 'parameter Rotate has no value',
          },
        },
      ],
    },
    {
      name: 'rotation period from an unset variable',
      inventory: iacInventory('terraform', {
        keys: [
          iacKey('aws_kms_key.k', 'terraform', {
            rotation: {
              enabled: true,
              periodInDays: unresolved('var.rotation_days', 'variable has no value'),
            },
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the rotation period',
            expression: 'var.rotation_days',
            reason: 'variable has no value',
          },
        },
      ],
    },
    describeKeyDeniedCase(),
  ],
});
