import type { KeyMetadata } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-spec-ebs-compatible.js';
import {
  compliantEstate,
  iacInventory,
  iacKey,
  inventory,
  key,
  keyArn,
  unresolved,
} from '../helpers/inventory.js';
import { awsManagedKeyCase, describeKeyDeniedCase, healthyKeyFromEachSource } from '../helpers/key-cases.js';
import { ruleTester } from '../helpers/rule-tester.js';

const K1 = keyArn('k1');
const metadata = (overrides: Partial<KeyMetadata>): KeyMetadata => ({ ...key('k1').metadata!, ...overrides });
const withSpec = (keySpec: string, keyUsage: string) =>
  inventory({ keys: [key('k1', { metadata: metadata({ keySpec, keyUsage }) })] });

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'symmetric encryption key',
      inventory: compliantEstate(),
      expected: [
        {
          status: 'PASS',
          messageId: 'compatible',
          resource: K1,
          data: { key: 'alias/k1', spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT' },
        },
      ],
    },
    awsManagedKeyCase(),
    ...healthyKeyFromEachSource('compatible', (key) => ({
      key,
      spec: 'SYMMETRIC_DEFAULT',
      usage: 'ENCRYPT_DECRYPT',
    })),
  ],
  invalid: [
    {
      name: 'RSA signing key',
      inventory: withSpec('RSA_2048', 'SIGN_VERIFY'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'incompatible',
          data: { key: 'alias/k1', spec: 'RSA_2048', usage: 'SIGN_VERIFY' },
        },
      ],
    },
    {
      name: 'RSA key for encryption is still asymmetric',
      inventory: withSpec('RSA_4096', 'ENCRYPT_DECRYPT'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'incompatible',
          data: { key: 'alias/k1', spec: 'RSA_4096', usage: 'ENCRYPT_DECRYPT' },
        },
      ],
    },
    {
      name: 'HMAC key',
      inventory: withSpec('HMAC_256', 'GENERATE_VERIFY_MAC'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'incompatible',
          data: { key: 'alias/k1', spec: 'HMAC_256', usage: 'GENERATE_VERIFY_MAC' },
        },
      ],
    },
    {
      name: 'symmetric spec with a non-encryption usage',
      inventory: withSpec('SYMMETRIC_DEFAULT', 'GENERATE_VERIFY_MAC'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'incompatible',
          data: { key: 'alias/k1', spec: 'SYMMETRIC_DEFAULT', usage: 'GENERATE_VERIFY_MAC' },
        },
      ],
    },
    {
      name: 'ECC key agreement key',
      inventory: withSpec('ECC_NIST_P256', 'KEY_AGREEMENT'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'incompatible',
          data: { key: 'alias/k1', spec: 'ECC_NIST_P256', usage: 'KEY_AGREEMENT' },
        },
      ],
    },
    {
      name: 'Terraform key declared as an HMAC key',
      inventory: iacInventory('terraform', {
        keys: [
          iacKey('aws_kms_key.mac', 'terraform', {
            metadata: metadata({ keySpec: 'HMAC_512', keyUsage: 'GENERATE_VERIFY_MAC' }),
          }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'incompatible',
          resource: 'infra/main.tf#aws_kms_key.mac',
          data: { key: 'infra/main.tf#aws_kms_key.mac', spec: 'HMAC_512', usage: 'GENERATE_VERIFY_MAC' },
        },
      ],
    },
    {
      name: 'KeySpec from an unset parameter',
      inventory: iacInventory('cloudformation', {
        keys: [
          iacKey('HyperPodKey', 'cloudformation', {
            metadata: metadata({ keySpec: unresolved('!Ref KeySpec', 'parameter KeySpec has no value') }),
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the key spec',
            expression: '!Ref KeySpec',
            reason: 'parameter KeySpec has no value',
          },
        },
      ],
    },
    {
      name: 'KeyUsage from an unset parameter',
      inventory: iacInventory('cloudformation', {
        keys: [
          iacKey('HyperPodKey', 'cloudformation', {
            metadata: metadata({ keyUsage: unresolved('!Ref KeyUsage', 'parameter KeyUsage has no value') }),
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the key usage',
            expression: '!Ref KeyUsage',
            reason: 'parameter KeyUsage has no value',
          },
        },
      ],
    },
    describeKeyDeniedCase(),
  ],
});
