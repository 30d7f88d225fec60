import { describe, expect, it } from 'vitest';
import type { KeyMetadata } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-dr-replica.js';
import {
  compliantEstate,
  iacInventory,
  iacKey,
  inventory,
  key,
  keyArn,
  unresolved,
} from '../helpers/inventory.js';
import { awsManagedKeyCase, describeKeyDeniedCase } from '../helpers/key-cases.js';
import { ruleTester, verdictsOf } from '../helpers/rule-tester.js';

const K1 = keyArn('mrk-1');
const DR = { drRegions: { 'us-east-1': 'us-west-2', 'us-west-2': 'us-east-1' } };
const metadata = (overrides: Partial<KeyMetadata>): KeyMetadata => ({ ...key('x').metadata!, ...overrides });
const primary = (replicaRegions: string[]) =>
  metadata({ multiRegion: true, multiRegionKeyType: 'PRIMARY', primaryKeyArn: K1, replicaRegions });
const withMetadata = (meta: KeyMetadata) => inventory({ keys: [key('mrk-1', { metadata: meta })] });

describe('kms-key-dr-replica without DR regions in config', () => {
  it('judges no key', () => {
    expect(verdictsOf(rule, compliantEstate())).toEqual([]);
  });
});

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'multi-Region primary with a replica in the DR region',
      inventory: withMetadata(primary(['us-west-2', 'eu-west-1'])),
      config: DR,
      expected: [
        {
          status: 'PASS',
          messageId: 'replicated',
          resource: K1,
          data: { key: 'alias/mrk-1', dr: 'us-west-2' },
        },
      ],
    },
    {
      name: 'replica key whose primary is in the DR region',
      inventory: inventory({
        accounts: [{ id: '111122223333', regions: ['us-west-2'], source: 'live' }],
        keys: [
          key('mrk-1', {
            region: 'us-west-2',
            metadata: metadata({
              multiRegion: true,
              multiRegionKeyType: 'REPLICA',
              primaryKeyArn: K1,
              replicaRegions: ['us-west-2'],
            }),
          }),
        ],
      }),
      config: DR,
      expected: [
        {
          status: 'PASS',
          messageId: 'replicated',
          resource: keyArn('mrk-1', undefined, 'us-west-2'),
          data: { key: 'alias/mrk-1', dr: 'us-east-1' },
        },
      ],
    },
    {
      name: 'a region without a DR region is not applicable',
      inventory: inventory({ keys: [key('k1', { region: 'eu-west-1' })] }),
      config: DR,
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'noDrRegion', data: { region: 'eu-west-1' } }],
    },
    {
      name: 'snapshot primary with its replica',
      inventory: inventory({
        keys: [key('mrk-1', { source: 'snapshot', metadata: primary(['us-west-2']) })],
      }),
      config: DR,
      expected: [{ status: 'PASS', messageId: 'replicated', data: { key: 'alias/mrk-1', dr: 'us-west-2' } }],
    },
    {
      name: 'CloudFormation multi-Region key replicated to the DR region',
      inventory: iacInventory('cloudformation', {
        keys: [
          iacKey('HyperPodKey', 'cloudformation', {
            metadata: metadata({ multiRegion: true, replicaRegions: ['us-west-2'] }),
          }),
        ],
      }),
      config: DR,
      expected: [
        {
          status: 'PASS',
          messageId: 'replicated',
          resource: 'infra/hyperpod.yaml#HyperPodKey',
          data: { key: 'infra/hyperpod.yaml#HyperPodKey', dr: 'us-west-2' },
        },
      ],
    },
    awsManagedKeyCase(DR),
  ],
  invalid: [
    {
      name: 'a single-Region key cannot be replicated',
      inventory: compliantEstate(),
      config: DR,
      expected: [
        {
          status: 'FAIL',
          messageId: 'singleRegion',
          resource: keyArn('k1'),
          data: { key: 'alias/k1', dr: 'us-west-2' },
        },
      ],
    },
    {
      name: 'multi-Region key replicated elsewhere',
      inventory: withMetadata(primary(['eu-west-1'])),
      config: DR,
      expected: [
        {
          status: 'FAIL',
          messageId: 'noReplica',
          data: { key: 'alias/mrk-1', dr: 'us-west-2', replicas: 'eu-west-1' },
          evidence: (e) => JSON.stringify(e.replicaRegions) === '["eu-west-1"]',
        },
      ],
    },
    {
      name: 'multi-Region key without replicas',
      inventory: withMetadata(primary([])),
      config: DR,
      expected: [
        {
          status: 'FAIL',
          messageId: 'noReplica',
          data: { key: 'alias/mrk-1', dr: 'us-west-2', replicas: 'none' },
        },
      ],
    },
    {
      name: 'Terraform key without multi_region',
      inventory: iacInventory('terraform', {
        keys: [iacKey('aws_kms_key.k', 'terraform', { metadata: metadata({ multiRegion: undefined }) })],
      }),
      config: DR,
      expected: [
        {
          status: 'FAIL',
          messageId: 'singleRegion',
          resource: 'infra/main.tf#aws_kms_key.k',
          data: { key: 'infra/main.tf#aws_kms_key.k', dr: 'us-west-2' },
        },
      ],
    },
    {
      name: 'Terraform plan key with multi_region from an unset variable',
      inventory: iacInventory('terraform-plan', {
        keys: [
          iacKey('aws_kms_key.k', 'terraform-plan', {
            metadata: metadata({
              multiRegion: unresolved('var.multi_region', 'variable multi_region has no value'),
            }),
          }),
        ],
      }),
      config: DR,
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'MultiRegion',
            expression: 'var.multi_region',
            reason: 'variable multi_region has no value',
          },
        },
      ],
    },
    describeKeyDeniedCase(DR),
  ],
});
