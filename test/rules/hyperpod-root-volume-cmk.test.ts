import type { EbsVolume, InstanceGroup } from '../../src/model/inventory.js';
import rule from '../../src/rules/hyperpod/hyperpod-root-volume-cmk.js';
import {
  asSnapshot,
  CLI_JSON,
  IAC_REGION,
  iacCluster,
  iacId,
  iacInventory,
  iacKey,
  TERRAFORM,
  TERRAFORM_PLAN,
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
const c1 = (volumes: EbsVolume[], extra: Partial<InstanceGroup> = {}) =>
  inventory({
    clusters: [cluster('c1', [group('workers', { volumes, ...extra })])],
    keys: [k1],
  });
const GROUP = 'arn:aws:sagemaker:us-east-1:111122223333:cluster/c1/instance-group/workers';

/** A template whose group's root volume names a key defined beside it (CloudFormation by default). */
const iacWithKey = (options = {}) => {
  const k = iacKey('GroupKey', {}, options);
  return iacInventory(
    {
      clusters: [
        iacCluster(
          'Cluster',
          [group('workers', { volumes: [rootVolume(iacId('GroupKey'), k.arn)] })],
          {},
          options,
        ),
      ],
      keys: [k],
    },
    (options as { source?: 'cloudformation' }).source,
  );
};

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'a snapshot evaluated offline judges as the live scan did',
      inventory: asSnapshot(compliantEstate()),
      expected: [
        { status: 'PASS', messageId: 'cmk', resource: GROUP, data: { volume: 'root', key: 'alias/k1' } },
      ],
    },
    {
      name: 'CloudFormation: the root volume names a key defined in the same template',
      inventory: iacWithKey(),
      expected: [
        {
          status: 'PASS',
          messageId: 'cmk',
          resource: `${iacId('Cluster')}/instance-group/workers`,
          data: { volume: 'root', key: 'infra/hyperpod.yaml#GroupKey' },
        },
      ],
    },
    {
      name: 'Terraform: the root volume references aws_kms_key in the same module',
      inventory: iacWithKey(TERRAFORM),
      expected: [
        { status: 'PASS', messageId: 'cmk', data: { volume: 'root', key: 'infra/main.tf#GroupKey' } },
      ],
    },
    {
      name: 'Terraform plan: the key is resolved through the configuration',
      inventory: iacWithKey(TERRAFORM_PLAN),
      expected: [
        { status: 'PASS', messageId: 'cmk', data: { volume: 'root', key: 'infra/plan.json#GroupKey' } },
      ],
    },
    {
      name: 'root volume under a customer managed key',
      inventory: compliantEstate(),
      expected: [
        { status: 'PASS', messageId: 'cmk', resource: GROUP, data: { volume: 'root', key: 'alias/k1' } },
      ],
    },
    {
      name: 'root key given as an alias that resolved to a customer managed key',
      inventory: c1([rootVolume('alias/k1', k1.arn)]),
      expected: [{ status: 'PASS', messageId: 'cmk', data: { volume: 'root', key: 'alias/k1' } }],
    },
    {
      name: 'restricted instance group is not applicable',
      inventory: c1([], { kind: 'restricted' }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'restricted' }],
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
          data: { volume: 'root', key: 'alias/k1', spec: 'RSA_2048', usage: 'SIGN_VERIFY' },
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
          data: { volume: 'root', key: 'alias/k1', spec: 'HMAC_256', usage: 'GENERATE_VERIFY_MAC' },
        },
      ],
    },
    {
      name: 'a key on an EKS cluster outside Continuous mode is ignored: the volume is on an AWS owned key',
      inventory: compliantEstate({ cluster: { nodeProvisioningMode: null } }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'keyIgnored',
          resource: GROUP,
          data: { volume: 'root', key: keyArn('k1') },
          evidence: (e) => e.nodeProvisioningMode === null,
        },
      ],
    },
    {
      name: 'a key on a Slurm cluster in the legacy mode is ignored',
      inventory: compliantEstate({ cluster: { orchestrator: 'slurm', nodeProvisioningMode: null } }),
      expected: [{ status: 'FAIL', messageId: 'keyIgnored', data: { volume: 'root', key: keyArn('k1') } }],
    },
    {
      name: 'a customer managed key on a cluster whose mode the source does not report: unknown',
      inventory: compliantEstate({ cluster: { notCollected: ['NodeProvisioningMode'] } }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'modeUnknown',
          data: { volume: 'root', key: keyArn('k1'), reason: 'was not reported by the source' },
        },
      ],
    },
    {
      name: 'CloudFormation: a key on a cluster whose NodeProvisioningMode is a parameter: unknown',
      inventory: (() => {
        const k = iacKey('GroupKey');
        return iacInventory({
          clusters: [
            iacCluster(
              'Cluster',
              [group('workers', { volumes: [rootVolume('!GetAtt GroupKey.Arn', k.arn)] })],
              { nodeProvisioningMode: unresolved('!Ref Mode', ['Mode']) },
            ),
          ],
          keys: [k],
        });
      })(),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'modeUnknown',
          data: {
            volume: 'root',
            key: '!GetAtt GroupKey.Arn',
            reason: 'cannot be known from the source: !Ref Mode (Mode has no value)',
          },
        },
      ],
    },
    {
      name: 'an AWS managed key fails whatever the mode',
      inventory: inventory({
        clusters: [
          cluster('c1', [group('workers', { volumes: [rootVolume('alias/aws/ebs', null)] })], {
            notCollected: ['NodeProvisioningMode'],
          }),
        ],
      }),
      expected: [{ status: 'FAIL', messageId: 'awsManaged', data: { volume: 'root', key: 'alias/aws/ebs' } }],
    },
    {
      name: 'a key ARN of another Region cannot encrypt the volume',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('workers', { volumes: [rootVolume(keyArn('west', undefined, 'us-west-2'))] }),
          ]),
        ],
        keys: [key('west', { region: 'us-west-2' })],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'otherRegion',
          data: {
            volume: 'root',
            key: 'arn:aws:kms:us-west-2:111122223333:key/west',
            keyRegion: 'us-west-2',
            clusterRegion: 'us-east-1',
          },
        },
      ],
    },
    {
      name: "a multi-Region replica's ARN names the replica's Region, not the cluster's",
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('workers', {
              volumes: [
                rootVolume(
                  'arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
                  null,
                ),
              ],
            }),
          ]),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'otherRegion',
          data: {
            volume: 'root',
            key: 'arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
            keyRegion: 'eu-west-1',
            clusterRegion: 'us-east-1',
          },
        },
      ],
    },
    {
      name: 'an alias ARN of another Region',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('workers', {
              volumes: [
                rootVolume(
                  'arn:aws:kms:us-west-2:111122223333:alias/hyperpod',
                  keyArn('k1', undefined, 'us-west-2'),
                ),
              ],
            }),
          ]),
        ],
        keys: [key('k1', { region: 'us-west-2' })],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'otherRegion',
          data: {
            volume: 'root',
            key: 'arn:aws:kms:us-west-2:111122223333:alias/hyperpod',
            keyRegion: 'us-west-2',
            clusterRegion: 'us-east-1',
          },
        },
      ],
    },
    {
      name: 'Terraform in a known Region: a literal key ARN of another Region fails',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [
                group('workers', {
                  volumes: [
                    {
                      role: 'root',
                      kmsKeyId: 'arn:aws:kms:us-west-2:111122223333:key/outside',
                      resolution: { status: 'unknown', reason: 'defined outside the scanned files' },
                    },
                  ],
                }),
              ],
              { region: 'us-east-1' },
              TERRAFORM,
            ),
          ],
        },
        'terraform',
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'otherRegion',
          data: {
            volume: 'root',
            key: 'arn:aws:kms:us-west-2:111122223333:key/outside',
            keyRegion: 'us-west-2',
            clusterRegion: 'us-east-1',
          },
        },
      ],
    },
    {
      name: 'CloudFormation in an unnamed Region: a key defined beside it in a named Region is unknown',
      inventory: (() => {
        const k = iacKey('GroupKey', { region: 'us-west-2' });
        return iacInventory({
          clusters: [
            iacCluster('Cluster', [
              group('workers', { volumes: [rootVolume('!GetAtt GroupKey.Arn', k.arn)] }),
            ]),
          ],
          keys: [k],
        });
      })(),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'regionUnknown',
          data: {
            volume: 'root',
            key: '!GetAtt GroupKey.Arn',
            keyRegion: 'us-west-2',
            clusterRegion: IAC_REGION,
          },
        },
      ],
    },
    {
      name: 'create-cluster input without a root EbsVolumeConfig',
      inventory: iacInventory(
        { clusters: [iacCluster('cluster', [group('workers', { volumes: [] })], {}, CLI_JSON)] },
        'cli-json',
      ),
      expected: [{ status: 'FAIL', messageId: 'awsOwned' }],
    },
    {
      name: 'CloudFormation: a literal key ARN defined outside the scanned files cannot be judged',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', {
              volumes: [
                {
                  role: 'root',
                  kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/external',
                  resolution: { status: 'unknown', reason: 'defined outside the scanned files' },
                },
              ],
            }),
          ]),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'keyUnknown',
          data: {
            volume: 'root',
            key: 'arn:aws:kms:us-east-1:111122223333:key/external',
            reason: 'defined outside the scanned files',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: the key is a parameter with no value',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', {
              volumes: [{ role: 'root', kmsKeyId: unresolved('!Ref RootKeyArn', ['RootKeyArn']) }],
            }),
          ]),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the root volume key',
            expression: '!Ref RootKeyArn',
            reason: 'RootKeyArn has no value',
          },
        },
      ],
    },
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
      expected: [
        { status: 'FAIL', messageId: 'awsManaged', data: { volume: 'root', key: 'alias/aws/sagemaker' } },
      ],
    },
    {
      name: 'AWS managed key by ARN, recognised from DescribeKey metadata',
      inventory: inventory({
        clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(keyArn('aws1'))] })])],
        keys: [key('aws1', { metadata: { ...k1.metadata!, keyManager: 'AWS' } })],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'awsManaged',
          data: { volume: 'root', key: 'arn:aws:kms:us-east-1:111122223333:key/aws1' },
        },
      ],
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
      expected: [{ status: 'FAIL', messageId: 'keyNotFound', data: { volume: 'root', key: 'alias/gone' } }],
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
        {
          status: 'UNKNOWN',
          messageId: 'keyUnknown',
          data: { volume: 'root', key: 'alias/secret', reason: 'kms:DescribeKey AccessDenied' },
        },
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
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the root volume key',
            expression: '!Ref KmsKeyArn',
            reason: 'parameter KmsKeyArn has no value',
          },
        },
      ],
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
          data: {
            what: 'the instance groups',
            expression: '!If [UseGpu, ...]',
            reason: 'condition UseGpu depends on parameter Gpu',
          },
        },
      ],
    },
  ],
});
