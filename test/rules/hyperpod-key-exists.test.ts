import type { EbsVolume } from '../../src/model/inventory.js';
import rule from '../../src/rules/hyperpod/hyperpod-key-exists.js';
import {
  asSnapshot,
  CLI_FILE,
  CLI_JSON,
  IAC_REGION,
  iacCluster,
  iacId,
  iacInventory,
  iacKey,
  PLAN_FILE,
  TERRAFORM,
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
const k2 = key('k2');
const c1 = (volumes: EbsVolume[]) =>
  inventory({ clusters: [cluster('c1', [group('workers', { volumes })])], keys: [k1, k2] });
const GROUP = 'arn:aws:sagemaker:us-east-1:111122223333:cluster/c1/instance-group/workers';

const notFound = (role: 'root' | 'secondary', ref: string): EbsVolume => ({
  role,
  kmsKeyId: ref,
  resolution: { status: 'not-found', message: `Key '${ref}' does not exist` },
});
const denied = (role: 'root' | 'secondary', ref: string): EbsVolume => ({
  role,
  kmsKeyId: ref,
  resolution: { status: 'unknown', reason: 'kms:DescribeKey AccessDenied', gapCode: 'aws.access_denied' },
});
const fromParameter = (role: 'root' | 'secondary'): EbsVolume => ({
  role,
  kmsKeyId: unresolved('!Ref KmsKeyArn', ['KmsKeyArn']),
});

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'root and secondary keys resolve (same key, listed once)',
      inventory: compliantEstate(),
      expected: [{ status: 'PASS', messageId: 'exists', resource: GROUP, data: { keys: k1.arn } }],
    },
    {
      name: 'only an AWS managed alias (IaC: not resolved), which AWS creates on first use',
      inventory: c1([{ role: 'root', kmsKeyId: 'alias/aws/sagemaker' }]),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'awsManagedOnly' }],
    },
    {
      name: 'an AWS managed alias beside a customer managed key: only the latter is judged',
      inventory: c1([
        { role: 'root', kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:alias/aws/sagemaker' },
        secondaryVolume(k2.arn),
      ]),
      expected: [{ status: 'PASS', messageId: 'exists', data: { keys: k2.arn } }],
    },
    {
      name: 'two different keys, one by alias',
      inventory: c1([rootVolume('alias/k1', k1.arn), secondaryVolume(k2.arn)]),
      expected: [{ status: 'PASS', messageId: 'exists', data: { keys: `${k1.arn}, ${k2.arn}` } }],
    },
    {
      name: 'no key named: nothing to resolve',
      inventory: c1([secondaryVolume(null)]),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'noKeys' }],
    },
    {
      name: 'CloudFormation: key defined in the same template',
      inventory: iacInventory({
        clusters: [iacCluster('Cluster', [group('workers', { volumes: [rootVolume(iacId('GroupKey'))] })])],
        keys: [iacKey('GroupKey')],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'exists',
          resource: `${iacId('Cluster')}/instance-group/workers`,
          data: { keys: 'infra/hyperpod.yaml#GroupKey' },
        },
      ],
    },
    {
      name: 'snapshot: every key resolves',
      inventory: asSnapshot(compliantEstate()),
      expected: [
        {
          status: 'PASS',
          messageId: 'exists',
          resource: GROUP,
          data: { keys: 'arn:aws:kms:us-east-1:111122223333:key/k1' },
        },
      ],
    },
    {
      name: 'Terraform plan: the key resource of the plan',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [group('workers', { volumes: [rootVolume(iacId('aws_kms_key.workers', PLAN_FILE))] })],
              {},
              TERRAFORM_PLAN,
            ),
          ],
          keys: [iacKey('aws_kms_key.workers', {}, TERRAFORM_PLAN)],
        },
        'terraform-plan',
      ),
      expected: [{ status: 'PASS', messageId: 'exists', data: { keys: `${PLAN_FILE}#aws_kms_key.workers` } }],
    },
  ],
  invalid: [
    {
      name: 'a key ARN of another Region (live): it exists, but not for this cluster',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('workers', {
              volumes: [rootVolume(k1.arn), secondaryVolume(keyArn('west', undefined, 'us-west-2'))],
            }),
          ]),
        ],
        keys: [k1, key('west', { region: 'us-west-2' })],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'otherRegion',
          resource: GROUP,
          data: {
            volume: 'secondary',
            key: 'arn:aws:kms:us-west-2:111122223333:key/west',
            keyRegion: 'us-west-2',
            clusterRegion: 'us-east-1',
          },
        },
      ],
    },
    {
      name: "a multi-Region replica's ARN in another Region, even with the same key id as a local replica",
      inventory: c1([
        rootVolume(
          'arn:aws:kms:ap-southeast-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
          'arn:aws:kms:ap-southeast-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
        ),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'otherRegion',
          data: {
            volume: 'root',
            key: 'arn:aws:kms:ap-southeast-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
            keyRegion: 'ap-southeast-2',
            clusterRegion: 'us-east-1',
          },
        },
      ],
    },
    {
      name: 'create-cluster input in a known Region (--region): a key ARN of another Region fails',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'ml',
              [
                group('workers', {
                  volumes: [
                    {
                      role: 'root',
                      kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:alias/workers',
                      resolution: { status: 'unknown', reason: 'defined outside the scanned files' },
                    },
                  ],
                }),
              ],
              { region: 'us-east-1' },
              CLI_JSON,
            ),
          ],
        },
        'cli-json',
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'otherRegion',
          data: {
            volume: 'root',
            key: 'arn:aws:kms:eu-west-1:111122223333:alias/workers',
            keyRegion: 'eu-west-1',
            clusterRegion: 'us-east-1',
          },
        },
      ],
    },
    {
      name: 'Terraform: a key defined in a named Region, the cluster in an unnamed one: unknown',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [
                group('workers', {
                  volumes: [rootVolume('aws_kms_key.west.arn', `${TF_FILE}#aws_kms_key.west`)],
                }),
              ],
              {},
              TERRAFORM,
            ),
          ],
          keys: [iacKey('aws_kms_key.west', { region: 'us-west-2' }, TERRAFORM)],
        },
        'terraform',
      ),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'regionUnknown',
          data: {
            volume: 'root',
            key: 'aws_kms_key.west.arn',
            keyRegion: 'us-west-2',
            clusterRegion: IAC_REGION,
          },
        },
      ],
    },
    {
      name: 'alias that no longer exists',
      inventory: c1([notFound('root', 'alias/retired')]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notFound',
          data: { volume: 'root', key: 'alias/retired', reason: "Key 'alias/retired' does not exist" },
        },
      ],
    },
    {
      name: 'deleted secondary key beside a good root key',
      inventory: c1([
        rootVolume(k1.arn),
        notFound('secondary', 'arn:aws:kms:us-east-1:111122223333:key/gone'),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notFound',
          data: {
            volume: 'secondary',
            key: 'arn:aws:kms:us-east-1:111122223333:key/gone',
            reason: "Key 'arn:aws:kms:us-east-1:111122223333:key/gone' does not exist",
          },
        },
      ],
    },
    {
      name: 'a missing key outweighs an unknown one listed before it',
      inventory: c1([denied('root', 'alias/secret'), notFound('secondary', 'alias/retired')]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notFound',
          data: { volume: 'secondary', key: 'alias/retired', reason: "Key 'alias/retired' does not exist" },
        },
      ],
    },
    {
      name: 'a missing key outweighs an unresolvable one listed before it',
      inventory: c1([fromParameter('root'), notFound('secondary', 'alias/retired')]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notFound',
          data: { volume: 'secondary', key: 'alias/retired', reason: "Key 'alias/retired' does not exist" },
        },
      ],
    },
    {
      name: 'DescribeKey denied: unknown, never a pass',
      inventory: c1([rootVolume(k1.arn), denied('secondary', 'alias/secret')]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unknown',
          data: { volume: 'secondary', key: 'alias/secret', reason: 'kms:DescribeKey AccessDenied' },
        },
      ],
    },
    {
      name: 'a reference nobody resolved',
      inventory: c1([{ role: 'root', kmsKeyId: 'arn:aws:kms:us-east-1:444455556666:key/x' }]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unknown',
          data: { volume: 'root', key: 'arn:aws:kms:us-east-1:444455556666:key/x', reason: 'not resolved' },
        },
      ],
    },
    {
      name: 'CloudFormation: key from an unset parameter',
      inventory: iacInventory({
        clusters: [iacCluster('Cluster', [group('workers', { volumes: [fromParameter('root')] })])],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the root volume key',
            expression: '!Ref KmsKeyArn',
            reason: 'KmsKeyArn has no value',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: literal key ARN of a key outside the template',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', {
              volumes: [
                {
                  role: 'root',
                  kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/outside',
                  resolution: { status: 'unknown', reason: 'the key is not defined in the scanned files' },
                },
              ],
            }),
          ]),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unknown',
          data: {
            volume: 'root',
            key: 'arn:aws:kms:us-east-1:111122223333:key/outside',
            reason: 'the key is not defined in the scanned files',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: storage configuration that cannot be known',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [group('workers', { volumes: unresolved('!If [UseCmk, ...]', ['UseCmk']) })]),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the storage configuration',
            expression: '!If [UseCmk, ...]',
            reason: 'UseCmk has no value',
          },
        },
      ],
    },
    {
      name: 'create-cluster input: a literal key ARN cannot be checked offline',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'ml',
              [
                group('workers', {
                  volumes: [
                    {
                      role: 'root',
                      kmsKeyId: keyArn('k7'),
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
          messageId: 'unknown',
          resource: `${CLI_FILE}#ml/instance-group/workers`,
          data: {
            volume: 'root',
            key: 'arn:aws:kms:us-east-1:111122223333:key/k7',
            reason: 'defined outside the scanned files',
          },
        },
      ],
    },
    {
      name: 'Terraform: the key from a variable without a value',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [
                group('workers', {
                  volumes: [{ role: 'root', kmsKeyId: unresolved('var.kms_key_arn', ['kms_key_arn']) }],
                }),
              ],
              {},
              TERRAFORM,
            ),
          ],
        },
        'terraform',
      ),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          resource: `${TF_FILE}#awscc_sagemaker_cluster.main/instance-group/workers`,
          data: {
            what: 'the root volume key',
            expression: 'var.kms_key_arn',
            reason: 'kms_key_arn has no value',
          },
        },
      ],
    },
  ],
});
