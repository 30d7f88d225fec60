import type { EbsVolume, InstanceGroup, Key } from '../../src/model/inventory.js';
import rule from '../../src/rules/hyperpod/hyperpod-secondary-volume-cmk.js';
import {
  asSnapshot,
  CLI_FILE,
  CLI_JSON,
  iacCluster,
  iacId,
  iacInventory,
  iacKey,
  PLAN_FILE,
  TERRAFORM_PLAN,
  TF_FILE,
  unresolved,
} from '../helpers/iac.js';
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
const withoutMetadata = ({ metadata: _metadata, ...rest }: Key): Key => rest;
const c1 = (volumes: EbsVolume[], extra: Partial<InstanceGroup> = {}) =>
  inventory({ clusters: [cluster('c1', [group('workers', { volumes, ...extra })])], keys: [k1] });
const GROUP = 'arn:aws:sagemaker:us-east-1:111122223333:cluster/c1/instance-group/workers';
const IAC_GROUP = `${iacId('Cluster')}/instance-group/workers`;

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'secondary volume under a customer managed key',
      inventory: compliantEstate(),
      expected: [
        { status: 'PASS', messageId: 'cmk', resource: GROUP, data: { volume: 'secondary', key: 'alias/k1' } },
      ],
    },
    {
      name: 'secondary key given as an alias ARN that resolved',
      inventory: c1([secondaryVolume('arn:aws:kms:us-east-1:111122223333:alias/k1', k1.arn)]),
      expected: [{ status: 'PASS', messageId: 'cmk', data: { volume: 'secondary', key: 'alias/k1' } }],
    },
    {
      name: 'no secondary volume: not applicable, whatever the root',
      inventory: c1([rootVolume(k1.arn)]),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'noSecondary', resource: GROUP }],
    },
    {
      name: 'restricted instance group',
      inventory: c1([secondaryVolume(null)], { kind: 'restricted' }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'restricted' }],
    },
    {
      name: 'CloudFormation: secondary key defined in the same template',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [group('workers', { volumes: [secondaryVolume(iacId('GroupKey'))] })]),
        ],
        keys: [iacKey('GroupKey')],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'cmk',
          resource: IAC_GROUP,
          data: { volume: 'secondary', key: 'infra/hyperpod.yaml#GroupKey' },
        },
      ],
    },
    {
      name: 'Terraform: secondary key from a resource in the same module',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [group('workers', { volumes: [secondaryVolume(iacId('aws_kms_key.workers', TF_FILE))] })],
              {},
              { source: 'terraform', file: TF_FILE },
            ),
          ],
          keys: [iacKey('aws_kms_key.workers', {}, { source: 'terraform', file: TF_FILE })],
        },
        'terraform',
      ),
      expected: [
        {
          status: 'PASS',
          messageId: 'cmk',
          resource: `${TF_FILE}#awscc_sagemaker_cluster.main/instance-group/workers`,
          data: { volume: 'secondary', key: 'infra/main.tf#aws_kms_key.workers' },
        },
      ],
    },
    {
      name: 'snapshot: secondary volume under a customer managed key',
      inventory: asSnapshot(compliantEstate()),
      expected: [
        { status: 'PASS', messageId: 'cmk', resource: GROUP, data: { volume: 'secondary', key: 'alias/k1' } },
      ],
    },
  ],
  invalid: [
    {
      // "Amazon EBS does not support asymmetric KMS keys" (EC2 API reference, ModifyEbsDefaultKmsKeyId):
      // a customer managed RSA signing key or HMAC key cannot encrypt the volume.
      name: 'a customer managed key that is not a symmetric encryption key cannot encrypt the volume',
      inventory: compliantEstate({
        key: { metadata: { ...key('k1').metadata!, keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' } },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notSymmetric',
          data: { volume: 'secondary', key: 'alias/k1', spec: 'RSA_2048', usage: 'SIGN_VERIFY' },
          evidence: (e) => e.keySpec === 'RSA_2048' && e.keyUsage === 'SIGN_VERIFY',
        },
      ],
    },
    {
      name: 'an HMAC key cannot encrypt the volume',
      inventory: compliantEstate({
        key: { metadata: { ...key('k1').metadata!, keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' } },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notSymmetric',
          data: { volume: 'secondary', key: 'alias/k1', spec: 'HMAC_256', usage: 'GENERATE_VERIFY_MAC' },
        },
      ],
    },
    {
      name: 'a secondary volume key on a cluster outside Continuous mode is ignored',
      inventory: compliantEstate({ cluster: { nodeProvisioningMode: null } }),
      expected: [
        { status: 'FAIL', messageId: 'keyIgnored', data: { volume: 'secondary', key: keyArn('k1') } },
      ],
    },
    {
      name: 'a secondary volume key of another Region',
      inventory: compliantEstate({ cluster: { region: 'eu-central-1' } }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'otherRegion',
          data: {
            volume: 'secondary',
            key: 'arn:aws:kms:us-east-1:111122223333:key/k1',
            keyRegion: 'us-east-1',
            clusterRegion: 'eu-central-1',
          },
        },
      ],
    },
    {
      name: 'secondary volume without a key uses an AWS owned key',
      inventory: c1([rootVolume(k1.arn), secondaryVolume(null, null, 1000)]),
      expected: [{ status: 'FAIL', messageId: 'awsOwned', resource: GROUP, data: { size: 1000 } }],
    },
    {
      name: 'secondary volume of unknown size without a key',
      inventory: c1([
        { role: 'secondary', kmsKeyId: null, sizeInGB: unresolved('!Ref VolumeSize', ['VolumeSize']) },
      ]),
      expected: [{ status: 'FAIL', messageId: 'awsOwned', data: { size: '?' } }],
    },
    {
      name: 'secondary volume under the AWS managed alias',
      inventory: c1([secondaryVolume('alias/aws/sagemaker', null)]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'awsManaged',
          data: { volume: 'secondary', key: 'alias/aws/sagemaker' },
        },
      ],
    },
    {
      name: 'secondary volume under an AWS managed key named by ARN',
      inventory: inventory({
        clusters: [cluster('c1', [group('workers', { volumes: [secondaryVolume(keyArn('ebs'))] })])],
        keys: [key('ebs', { aliases: ['alias/aws/ebs'], metadata: { ...k1.metadata!, keyManager: 'AWS' } })],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'awsManaged',
          data: { volume: 'secondary', key: 'arn:aws:kms:us-east-1:111122223333:key/ebs' },
        },
      ],
    },
    {
      name: 'a root CMK does not cover a secondary volume without one',
      inventory: c1([rootVolume(k1.arn), secondaryVolume(null)]),
      expected: [{ status: 'FAIL', messageId: 'awsOwned', data: { size: 500 } }],
    },
    {
      name: 'secondary key that does not exist',
      inventory: c1([
        {
          role: 'secondary',
          kmsKeyId: 'alias/deleted',
          sizeInGB: 500,
          resolution: { status: 'not-found', message: 'Alias alias/deleted is not found' },
        },
      ]),
      expected: [
        { status: 'FAIL', messageId: 'keyNotFound', data: { volume: 'secondary', key: 'alias/deleted' } },
      ],
    },
    {
      name: 'DescribeKey on the secondary key denied',
      inventory: c1([
        {
          role: 'secondary',
          kmsKeyId: 'arn:aws:kms:us-east-1:444455556666:key/shared',
          sizeInGB: 500,
          resolution: {
            status: 'unknown',
            reason: 'kms:DescribeKey AccessDenied',
            gapCode: 'aws.access_denied',
          },
        },
      ]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'keyUnknown',
          data: {
            volume: 'secondary',
            key: 'arn:aws:kms:us-east-1:444455556666:key/shared',
            reason: 'kms:DescribeKey AccessDenied',
          },
        },
      ],
    },
    {
      name: 'resolved key whose metadata was not collected',
      inventory: inventory({
        clusters: [cluster('c1', [group('workers', { volumes: [secondaryVolume(keyArn('k9'))] })])],
        keys: [withoutMetadata(key('k9'))],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'keyUnknown',
          data: {
            volume: 'secondary',
            key: 'arn:aws:kms:us-east-1:111122223333:key/k9',
            reason: 'the key metadata was not collected',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: secondary key from an unset parameter',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', {
              volumes: [
                { role: 'secondary', kmsKeyId: unresolved('!Ref DataKeyArn', ['DataKeyArn']), sizeInGB: 500 },
              ],
            }),
          ]),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          resource: IAC_GROUP,
          data: {
            what: 'the secondary volume key',
            expression: '!Ref DataKeyArn',
            reason: 'DataKeyArn has no value',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: storage configuration inside an unresolvable !If',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', { volumes: unresolved('!If [Encrypt, ...]', ['Encrypt']) }),
          ]),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the storage configuration',
            expression: '!If [Encrypt, ...]',
            reason: 'Encrypt has no value',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: secondary volume without a key',
      inventory: iacInventory({
        clusters: [iacCluster('Cluster', [group('workers', { volumes: [secondaryVolume(null)] })])],
      }),
      expected: [{ status: 'FAIL', messageId: 'awsOwned', resource: IAC_GROUP, data: { size: 500 } }],
    },
    {
      name: 'cluster-level unresolved instance groups and one known group',
      inventory: inventory({
        clusters: [
          cluster('c2', [group('known', { volumes: [secondaryVolume(k1.arn)] })], {
            instanceGroupsUnresolved: unresolved('!If [Big, ...]', ['Big']),
          }),
        ],
        keys: [k1],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          resource: 'arn:aws:sagemaker:us-east-1:111122223333:cluster/c2/instance-group/*',
          data: { what: 'the instance groups', expression: '!If [Big, ...]', reason: 'Big has no value' },
        },
        {
          status: 'PASS',
          messageId: 'cmk',
          resource: 'arn:aws:sagemaker:us-east-1:111122223333:cluster/c2/instance-group/known',
          data: { volume: 'secondary', key: 'alias/k1' },
        },
      ],
    },
    {
      name: 'Terraform plan: secondary volume without a key',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [group('workers', { volumes: [secondaryVolume(null)] })],
              {},
              TERRAFORM_PLAN,
            ),
          ],
        },
        'terraform-plan',
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'awsOwned',
          resource: `${PLAN_FILE}#awscc_sagemaker_cluster.main/instance-group/workers`,
          data: { size: 500 },
        },
      ],
    },
    {
      name: 'create-cluster input: the AWS managed key by alias',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'ml',
              [group('workers', { volumes: [secondaryVolume('alias/aws/sagemaker', null)] })],
              {},
              CLI_JSON,
            ),
          ],
        },
        'cli-json',
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'awsManaged',
          resource: `${CLI_FILE}#ml/instance-group/workers`,
          data: { volume: 'secondary', key: 'alias/aws/sagemaker' },
        },
      ],
    },
    {
      name: 'create-cluster input: a key alias defined outside the file',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'ml',
              [
                group('workers', {
                  volumes: [
                    {
                      role: 'secondary',
                      kmsKeyId: 'alias/data',
                      sizeInGB: 500,
                      resolution: { status: 'unknown', reason: 'defined outside the scanned files' },
                    },
                  ],
                }),
              ],
              {},
              CLI_JSON,
            ),
          ],
        },
        'cli-json',
      ),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'keyUnknown',
          data: { volume: 'secondary', key: 'alias/data', reason: 'defined outside the scanned files' },
        },
      ],
    },
  ],
});
