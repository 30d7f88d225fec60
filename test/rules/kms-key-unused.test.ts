import { describe, expect, it } from 'vitest';
import type { Key } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-unused.js';
import {
  awsManagedKey,
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
  secondaryVolume,
  undescribedKey,
  unresolved,
} from '../helpers/inventory.js';
import { ruleTester, verdictsOf } from '../helpers/rule-tester.js';

const SELECT = { keySelector: { tags: { hyperpod: 'true' } } };
const SELECTED = { owner: 'ml-platform', project: 'llm', hyperpod: 'true' };
const selected = (id: string, overrides: Partial<Key> = {}) => key(id, { tags: SELECTED, ...overrides });
const { tags: _tags, ...untagged } = key('k2');
const K2 = keyArn('k2');

describe('kms-key-unused without a key selector in config', () => {
  it('judges no key', () => {
    expect(verdictsOf(rule, inventory({ keys: [selected('k2')] }))).toEqual([]);
  });
});

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'a selected key used by a Continuous cluster is used, whatever a cluster of unknown mode does',
      inventory: inventory({
        keys: [selected('k2')],
        clusters: [
          cluster('c1', [group('workers', { volumes: [rootVolume(K2)] })]),
          cluster('c9', [group('workers', { volumes: [rootVolume(K2)] })], {
            nodeProvisioningMode: unresolved('var.mode', 'a variable without a value'),
          }),
        ],
      }),
      config: SELECT,
      expected: [
        {
          status: 'PASS',
          messageId: 'used',
          resource: K2,
          data: { key: 'alias/k2', count: 1, volumes: '1 volume' },
        },
      ],
    },
    {
      name: 'a selected key used by two volumes',
      inventory: compliantEstate({ key: { tags: SELECTED } }),
      config: SELECT,
      expected: [
        {
          status: 'PASS',
          messageId: 'used',
          resource: keyArn('k1'),
          data: { key: 'alias/k1', count: 2, volumes: '2 volumes' },
        },
      ],
    },
    {
      name: 'a key the selector does not pick is not judged',
      inventory: { ...compliantEstate({ key: { tags: SELECTED } }), keys: [selected('k1'), key('k2')] },
      config: SELECT,
      expected: [
        {
          status: 'PASS',
          messageId: 'used',
          resource: keyArn('k1'),
          data: { key: 'alias/k1', count: 2, volumes: '2 volumes' },
        },
      ],
    },
    {
      name: 'a used key whose tags could not be read cannot be unused',
      inventory: {
        ...compliantEstate({ key: { tags: SELECTED } }),
        keys: [key('k1', { tags: SELECTED }), { ...untagged, arn: keyArn('k3'), keyId: 'k3' }],
        clusters: [
          cluster('c1', [
            group('workers', { volumes: [rootVolume(keyArn('k1'))] }),
            group('cpu', { volumes: [secondaryVolume(keyArn('k3'))] }),
          ]),
        ],
      },
      config: SELECT,
      expected: [
        {
          status: 'PASS',
          messageId: 'used',
          resource: keyArn('k1'),
          data: { key: 'alias/k1', count: 1, volumes: '1 volume' },
        },
      ],
    },
    {
      name: 'an unused key already scheduled for deletion',
      inventory: inventory({
        keys: [selected('k2', { metadata: { ...key('k2').metadata!, keyState: 'PendingDeletion' } })],
      }),
      config: SELECT,
      expected: [
        { status: 'NOT_APPLICABLE', messageId: 'pendingDeletion', resource: K2, data: { key: 'alias/k2' } },
      ],
    },
    {
      name: 'AWS managed key is not governed',
      inventory: inventory({ keys: [awsManagedKey('aws1')] }),
      config: SELECT,
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'awsManaged', data: { key: 'alias/aws/ebs' } }],
    },
    {
      name: 'a selected snapshot key in use',
      inventory: compliantEstate({ key: { tags: SELECTED, source: 'snapshot' } }),
      config: SELECT,
      expected: [
        { status: 'PASS', messageId: 'used', data: { key: 'alias/k1', count: 2, volumes: '2 volumes' } },
      ],
    },
    {
      name: 'a CloudFormation key used by the cluster in the same template',
      inventory: iacInventory('cloudformation', {
        keys: [iacKey('HyperPodKey', 'cloudformation', { tags: SELECTED })],
        clusters: [
          cluster(
            'Cluster',
            [group('workers', { volumes: [rootVolume('infra/hyperpod.yaml#HyperPodKey')] })],
            {
              id: 'infra/hyperpod.yaml#Cluster',
              source: 'cloudformation',
              account: 'unknown',
            },
          ),
        ],
      }),
      config: SELECT,
      expected: [
        {
          status: 'PASS',
          messageId: 'used',
          resource: 'infra/hyperpod.yaml#HyperPodKey',
          data: { key: 'infra/hyperpod.yaml#HyperPodKey', count: 1, volumes: '1 volume' },
        },
      ],
    },
  ],
  invalid: [
    {
      // "Customer managed key encryption is only supported for clusters using the continuous node
      // provisioning mode. Restricted instance groups don't support customer managed keys" (smcluster-cmk.html).
      name: 'a selected key named only by a cluster outside Continuous mode and a restricted group is unused',
      inventory: inventory({
        keys: [selected('k2')],
        clusters: [
          cluster('legacy', [group('workers', { volumes: [rootVolume(K2)] })], {
            nodeProvisioningMode: null,
          }),
          cluster('c1', [group('nova', { kind: 'restricted', volumes: [rootVolume(K2)] })]),
        ],
      }),
      config: SELECT,
      expected: [{ status: 'FAIL', messageId: 'unused', resource: K2, data: { key: 'alias/k2' } }],
    },
    {
      name: 'a selected key named only by a cluster whose provisioning mode is unknown may or may not be used',
      inventory: inventory({
        keys: [selected('k2'), { ...untagged, arn: keyArn('k3'), keyId: 'k3', aliases: ['alias/k3'] }],
        clusters: [
          cluster('c9', [group('workers', { volumes: [rootVolume(K2), secondaryVolume(keyArn('k3'))] })], {
            nodeProvisioningMode: unresolved('var.mode', 'a variable without a value'),
          }),
        ],
      }),
      config: SELECT,
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'useUnknown',
          resource: K2,
          data: { key: 'alias/k2', groups: 'c9/workers' },
        },
        {
          status: 'UNKNOWN',
          messageId: 'useUnknown',
          resource: keyArn('k3'),
          data: { key: 'alias/k3', groups: 'c9/workers' },
        },
      ],
    },
    {
      name: 'a selected key no instance group uses',
      inventory: inventory({ keys: [selected('k2')] }),
      config: SELECT,
      expected: [
        {
          status: 'FAIL',
          messageId: 'unused',
          resource: K2,
          data: { key: 'alias/k2' },
          evidence: (e) => JSON.stringify(e.selector) === '{"hyperpod":"true"}',
        },
      ],
    },
    {
      name: 'a selector with two tags picks keys that carry both',
      inventory: inventory({
        keys: [selected('k2', { tags: { ...SELECTED, team: 'research' } }), selected('k3')],
      }),
      config: { keySelector: { tags: { hyperpod: 'true', team: 'research' } } },
      expected: [{ status: 'FAIL', messageId: 'unused', resource: K2, data: { key: 'alias/k2' } }],
    },
    {
      name: 'a Terraform key defined but used by no cluster',
      inventory: iacInventory('terraform', {
        keys: [iacKey('aws_kms_key.spare', 'terraform', { tags: SELECTED })],
      }),
      config: SELECT,
      expected: [
        {
          status: 'FAIL',
          messageId: 'unused',
          resource: 'infra/main.tf#aws_kms_key.spare',
          data: { key: 'infra/main.tf#aws_kms_key.spare' },
        },
      ],
    },
    {
      name: 'an unused key whose tags could not be read may be selected',
      inventory: inventory({
        keys: [untagged],
        gaps: [gap({ operation: 'ListResourceTags', resource: K2 })],
      }),
      config: SELECT,
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          resource: K2,
          data: {
            what: 'the tags of alias/k2',
            reason:
              'ListResourceTags failed (aws.access_denied): User is not authorized to perform: kms:ListResourceTags',
          },
        },
      ],
    },
    {
      name: 'an unused Terraform plan key whose tags are known only after apply',
      inventory: iacInventory('terraform-plan', {
        keys: [
          iacKey('aws_kms_key.k', 'terraform-plan', { tags: unresolved('var.tags', 'known after apply') }),
        ],
      }),
      config: SELECT,
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: { what: 'the key tags', expression: 'var.tags', reason: 'known after apply' },
        },
      ],
    },
    {
      name: 'DescribeKey denied',
      inventory: inventory({
        keys: [undescribedKey('k2', { tags: SELECTED })],
        gaps: [gap({ operation: 'DescribeKey', resource: K2 })],
      }),
      config: SELECT,
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            what: 'the metadata of alias/k2',
            reason:
              'DescribeKey failed (aws.access_denied): User is not authorized to perform: kms:DescribeKey',
          },
        },
      ],
    },
  ],
});
