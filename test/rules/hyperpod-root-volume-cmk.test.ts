import type { EbsVolume, InstanceGroup } from '../../src/model/inventory.js';
import rule from '../../src/rules/hyperpod/hyperpod-root-volume-cmk.js';
import {
  cluster,
  compliantEstate,
  group,
  inventory,
  key,
  keyArn,
  rootVolume,
  secondaryVolume,
} from '../helpers/inventory.js';
import { ruleTester } from '../helpers/rule-tester.js';

const k1 = key('k1');
const c1 = (volumes: EbsVolume[], extra: Partial<InstanceGroup> = {}) =>
  inventory({
    clusters: [cluster('c1', [group('workers', { volumes, ...extra })])],
    keys: [k1],
  });
const GROUP = 'arn:aws:sagemaker:us-east-1:111122223333:cluster/c1/instance-group/workers';

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'root volume under a customer managed key',
      inventory: compliantEstate(),
      expected: [{ status: 'PASS', messageId: 'cmk', resource: GROUP, data: { key: 'alias/k1' } }],
    },
    {
      name: 'root key given as an alias that resolved to a customer managed key',
      inventory: c1([rootVolume('alias/k1', k1.arn)]),
      expected: [{ status: 'PASS', messageId: 'cmk' }],
    },
    {
      name: 'restricted instance group is not applicable',
      inventory: c1([], { kind: 'restricted' }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'restricted' }],
    },
  ],
  invalid: [
    {
      name: 'no storage config: the root volume uses an AWS owned key',
      inventory: c1([]),
      expected: [{ status: 'FAIL', messageId: 'awsOwned', resource: GROUP }],
    },
    {
      name: 'only a secondary volume with a CMK: the root still uses an AWS owned key',
      inventory: c1([secondaryVolume(k1.arn)]),
      expected: [{ status: 'FAIL', messageId: 'awsOwned' }],
    },
    {
      name: 'AWS managed key by alias',
      inventory: c1([rootVolume('alias/aws/sagemaker', null)]),
      expected: [{ status: 'FAIL', messageId: 'awsManaged', data: { key: 'alias/aws/sagemaker' } }],
    },
    {
      name: 'AWS managed key by ARN, recognised from DescribeKey metadata',
      inventory: inventory({
        clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(keyArn('aws1'))] })])],
        keys: [key('aws1', { metadata: { ...k1.metadata!, keyManager: 'AWS' } })],
      }),
      expected: [{ status: 'FAIL', messageId: 'awsManaged' }],
    },
    {
      name: 'key that does not exist',
      inventory: c1([
        {
          role: 'root',
          kmsKeyId: 'alias/gone',
          resolution: { status: 'not-found', message: 'Alias not found' },
        },
      ]),
      expected: [{ status: 'FAIL', messageId: 'keyNotFound' }],
    },
    {
      name: 'DescribeKey denied: whether the key is customer managed is unknown',
      inventory: c1([
        {
          role: 'root',
          kmsKeyId: 'alias/secret',
          resolution: {
            status: 'unknown',
            reason: 'kms:DescribeKey AccessDenied',
            gapCode: 'aws.access_denied',
          },
        },
      ]),
      expected: [
        { status: 'UNKNOWN', messageId: 'keyUnknown', data: { reason: 'kms:DescribeKey AccessDenied' } },
      ],
    },
    {
      name: 'IaC key that depends on an unset parameter',
      inventory: c1([
        {
          role: 'root',
          kmsKeyId: {
            unresolved: '!Ref KmsKeyArn',
            reason: 'parameter KmsKeyArn has no value',
            inputs: ['KmsKeyArn'],
          },
        },
      ]),
      expected: [{ status: 'UNKNOWN', messageId: 'unresolved', data: { expression: '!Ref KmsKeyArn' } }],
    },
    {
      name: 'instance groups that cannot be known yield one UNKNOWN for the cluster',
      inventory: inventory({
        clusters: [
          cluster('c2', [], {
            instanceGroupsUnresolved: {
              unresolved: '!If [UseGpu, ...]',
              reason: 'condition UseGpu depends on parameter Gpu',
              inputs: ['Gpu'],
            },
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          resource: 'arn:aws:sagemaker:us-east-1:111122223333:cluster/c2/instance-group/*',
        },
      ],
    },
  ],
});
