import type { EbsVolume } from '../../src/model/inventory.js';
import rule from '../../src/rules/hyperpod/hyperpod-key-per-instance-group.js';
import {
  asSnapshot,
  CLI_FILE,
  CLI_JSON,
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
  clusterArn,
  compliantEstate,
  group,
  inventory,
  key,
  keyArn,
  OTHER_ACCOUNT,
  rootVolume,
  secondaryVolume,
} from '../helpers/inventory.js';
import { ruleTester } from '../helpers/rule-tester.js';

const [k1, k2, k3] = [key('k1'), key('k2'), key('k3')];
const awsManaged = key('sm', {
  aliases: ['alias/aws/sagemaker'],
  metadata: { ...k1.metadata!, keyManager: 'AWS' },
});
const gid = (clusterName: string, name: string) => `${clusterArn(clusterName)}/instance-group/${name}`;
const both = (arn: string) => [rootVolume(arn), secondaryVolume(arn)];
const tags = (project: string) => ({ owner: 'ml', project, 'data-sensitivity': 'confidential' });
const fromParameter = (name: string): EbsVolume => ({
  role: 'root',
  kmsKeyId: unresolved(`!Ref ${name}`, [name]),
});

const MODE_VAR = unresolved('!Ref ProvisioningMode', ['ProvisioningMode']);

const SIXTY = Array.from({ length: 60 }, (_, i) => `g${String(i).padStart(2, '0')}`);

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      // HyperPod uses no key a restricted group names (smcluster-cmk.html): the key serves one group.
      name: 'a restricted group naming the same key shares it with no one',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('workers', { volumes: both(k1.arn) }),
            group('nova', { kind: 'restricted', volumes: [rootVolume(k1.arn)] }),
          ]),
        ],
        keys: [k1],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'dedicated',
          resource: gid('c1', 'workers'),
          data: { keys: 'alias/k1' },
        },
        { status: 'NOT_APPLICABLE', messageId: 'restricted', resource: gid('c1', 'nova') },
      ],
    },
    {
      // "Customer managed key encryption is only supported for clusters using the continuous node
      // provisioning mode" (smcluster-cmk.html): a legacy cluster's groups use no key they name.
      name: 'a group of a cluster outside Continuous mode naming the same key shares it with no one',
      inventory: inventory({
        clusters: [
          cluster('c1', [group('workers', { volumes: both(k1.arn) })]),
          cluster('legacy', [group('workers', { volumes: [rootVolume(k1.arn)] })], {
            nodeProvisioningMode: null,
          }),
        ],
        keys: [k1],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'dedicated',
          resource: gid('c1', 'workers'),
          data: { keys: 'alias/k1' },
        },
        { status: 'NOT_APPLICABLE', messageId: 'legacyMode', resource: gid('legacy', 'workers') },
      ],
    },
    {
      name: 'one key for root and secondary of one group',
      inventory: compliantEstate(),
      expected: [
        {
          status: 'PASS',
          messageId: 'dedicated',
          resource: gid('c1', 'workers'),
          data: { keys: 'alias/k1' },
        },
      ],
    },
    {
      name: 'each group its own keys',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('controller', { volumes: [rootVolume(k1.arn), secondaryVolume(k2.arn)] }),
            group('workers', { volumes: both(k3.arn) }),
          ]),
        ],
        keys: [k1, k2, k3],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'dedicated',
          resource: gid('c1', 'controller'),
          data: { keys: 'alias/k1, alias/k2' },
        },
        {
          status: 'PASS',
          messageId: 'dedicated',
          resource: gid('c1', 'workers'),
          data: { keys: 'alias/k3' },
        },
      ],
    },
    {
      name: 'groups without keys, or on the AWS managed key, are not applicable',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('a', { volumes: [] }),
            group('b', { volumes: [rootVolume('alias/aws/sagemaker', awsManaged.arn)] }),
            group('c', { volumes: [rootVolume('alias/aws/sagemaker', awsManaged.arn)] }),
            group('d', {
              volumes: [
                {
                  role: 'root',
                  kmsKeyId: 'alias/gone',
                  resolution: { status: 'not-found', message: 'gone' },
                },
              ],
            }),
          ]),
        ],
        keys: [awsManaged],
      }),
      expected: ['a', 'b', 'c', 'd'].map((name) => ({
        status: 'NOT_APPLICABLE' as const,
        messageId: 'noCmk',
        resource: gid('c1', name),
      })),
    },
    {
      name: 'CloudFormation: one key resource per group',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('controller', { volumes: [rootVolume(iacId('ControllerKey'))] }),
            group('workers', { volumes: [rootVolume(iacId('WorkersKey'))] }),
          ]),
        ],
        keys: [iacKey('ControllerKey'), iacKey('WorkersKey')],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'dedicated',
          resource: `${iacId('Cluster')}/instance-group/controller`,
          data: { keys: 'infra/hyperpod.yaml#ControllerKey' },
        },
        {
          status: 'PASS',
          messageId: 'dedicated',
          resource: `${iacId('Cluster')}/instance-group/workers`,
          data: { keys: 'infra/hyperpod.yaml#WorkersKey' },
        },
      ],
    },
    {
      name: 'snapshot: one key per group',
      inventory: asSnapshot(compliantEstate()),
      expected: [
        {
          status: 'PASS',
          messageId: 'dedicated',
          resource: gid('c1', 'workers'),
          data: { keys: 'alias/k1' },
        },
      ],
    },
    {
      name: 'Terraform: one key per group through for_each',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              ['controller', 'workers'].map((name) =>
                group(name, { volumes: [rootVolume(iacId(`aws_kms_key.group["${name}"]`, TF_FILE))] }),
              ),
              {},
              TERRAFORM,
            ),
          ],
          keys: ['controller', 'workers'].map((name) =>
            iacKey(`aws_kms_key.group["${name}"]`, {}, TERRAFORM),
          ),
        },
        'terraform',
      ),
      expected: [
        {
          status: 'PASS',
          messageId: 'dedicated',
          resource: `${TF_FILE}#awscc_sagemaker_cluster.main/instance-group/controller`,
          data: { keys: 'infra/main.tf#aws_kms_key.group["controller"]' },
        },
        {
          status: 'PASS',
          messageId: 'dedicated',
          resource: `${TF_FILE}#awscc_sagemaker_cluster.main/instance-group/workers`,
          data: { keys: 'infra/main.tf#aws_kms_key.group["workers"]' },
        },
      ],
    },
  ],
  invalid: [
    {
      // Keys are honoured only in Continuous mode (smcluster-cmk.html): a group of a cluster whose
      // mode is unknown may share the key, or not.
      name: 'a key also named by a group of a cluster whose provisioning mode is unknown',
      inventory: inventory({
        clusters: [
          cluster('c1', [group('workers', { volumes: both(k1.arn) })]),
          cluster('c9', [group('workers', { volumes: [rootVolume(k1.arn)] })], {
            nodeProvisioningMode: MODE_VAR,
          }),
        ],
        keys: [k1],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'sharingUnknown',
          resource: gid('c1', 'workers'),
          data: { key: 'alias/k1', others: 'c9/workers', clusters: 'c9' },
          evidence: (e) => JSON.stringify(e.modeUnknownIn) === '["c9"]' && e.sharedWithCount === 1,
        },
        {
          status: 'UNKNOWN',
          messageId: 'sharingUnknown',
          resource: gid('c9', 'workers'),
          data: { key: 'alias/k1', others: 'c1/workers', clusters: 'c9' },
        },
      ],
    },
    {
      name: 'a key two Continuous groups share fails them, whatever a cluster of unknown mode does',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('workers', { volumes: both(k1.arn) }),
            group('cpu', { volumes: both(k1.arn) }),
          ]),
          cluster(
            'c9',
            [group('a', { volumes: [rootVolume(k1.arn)] }), group('b', { volumes: both(k2.arn) })],
            {
              nodeProvisioningMode: MODE_VAR,
            },
          ),
        ],
        keys: [k1, k2],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          severity: 'medium',
          resource: gid('c1', 'workers'),
          data: { key: 'alias/k1', others: 'c1/cpu' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          severity: 'medium',
          resource: gid('c1', 'cpu'),
          data: { key: 'alias/k1', others: 'c1/workers' },
        },
        {
          status: 'UNKNOWN',
          messageId: 'sharingUnknown',
          resource: gid('c9', 'a'),
          data: { key: 'alias/k1', others: 'c1/workers, c1/cpu', clusters: 'c9' },
        },
        {
          status: 'UNKNOWN',
          messageId: 'dedicatedModeUnknown',
          resource: gid('c9', 'b'),
          data: {
            keys: 'alias/k2',
            reason: 'cannot be known from the source: !Ref ProvisioningMode (ProvisioningMode has no value)',
          },
        },
      ],
    },
    {
      // The rule asks whether the group has a key of its own. Where the mode is unknown, the key may
      // not be honoured at all (smcluster-cmk.html): the group would then have no key (NOT_APPLICABLE),
      // so "its own key" is not proven.
      name: 'a key only its own group names, in a cluster whose mode the source did not report',
      inventory: inventory({
        clusters: [
          cluster('c9', [group('workers', { volumes: both(k1.arn) })], {
            nodeProvisioningMode: null,
            notCollected: ['NodeProvisioningMode'],
          }),
        ],
        keys: [k1],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'dedicatedModeUnknown',
          data: { keys: 'alias/k1', reason: 'was not reported by the source' },
        },
      ],
    },
    {
      name: 'two groups of a cluster of unknown mode naming one template parameter',
      inventory: inventory({
        clusters: [
          cluster(
            'c9',
            [
              group('a', { volumes: [fromParameter('KeyArn')] }),
              group('b', { volumes: [fromParameter('KeyArn')] }),
            ],
            { nodeProvisioningMode: MODE_VAR },
          ),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'sharingUnknown',
          resource: gid('c9', 'a'),
          data: { key: '!Ref KeyArn', others: 'c9/b', clusters: 'c9' },
        },
        {
          status: 'UNKNOWN',
          messageId: 'sharingUnknown',
          resource: gid('c9', 'b'),
          data: { key: '!Ref KeyArn', others: 'c9/a', clusters: 'c9' },
        },
      ],
    },
    {
      name: 'two groups of one cluster share a key: medium',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('controller', { volumes: both(k1.arn) }),
            group('workers', { volumes: [rootVolume(k1.arn)] }),
          ]),
        ],
        keys: [k1],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          severity: 'medium',
          resource: gid('c1', 'controller'),
          data: { key: 'alias/k1', others: 'c1/workers' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          severity: 'medium',
          resource: gid('c1', 'workers'),
          data: { key: 'alias/k1', others: 'c1/controller' },
        },
      ],
    },
    {
      name: 'a key shared with a group of another cluster of the same project: high',
      inventory: inventory({
        clusters: [
          cluster('c1', [group('workers', { volumes: both(k1.arn) })], { tags: tags('llm') }),
          cluster('c2', [group('workers', { volumes: [secondaryVolume(k1.arn)] })], { tags: tags('llm') }),
        ],
        keys: [k1],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'sharedAcrossClusters',
          severity: 'high',
          resource: gid('c1', 'workers'),
          data: { key: 'alias/k1', others: 'c2/workers' },
        },
        {
          status: 'FAIL',
          messageId: 'sharedAcrossClusters',
          severity: 'high',
          resource: gid('c2', 'workers'),
          data: { key: 'alias/k1', others: 'c1/workers' },
        },
      ],
    },
    {
      name: 'a key shared across two projects: high',
      inventory: inventory({
        clusters: [
          cluster('c1', [group('a', { volumes: [rootVolume(k1.arn)] })], { tags: tags('llm') }),
          cluster('c2', [group('b', { volumes: [rootVolume(k1.arn)] })], { tags: tags('vision') }),
        ],
        keys: [k1],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'sharedAcrossClusters',
          severity: 'high',
          resource: gid('c1', 'a'),
          data: { key: 'alias/k1', others: 'c2/b' },
        },
        {
          status: 'FAIL',
          messageId: 'sharedAcrossClusters',
          severity: 'high',
          resource: gid('c2', 'b'),
          data: { key: 'alias/k1', others: 'c1/a' },
        },
      ],
    },
    {
      name: 'one shared key is enough, even beside a dedicated one',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('a', { volumes: [rootVolume(k1.arn), secondaryVolume(k2.arn)] }),
            group('b', { volumes: [rootVolume(k3.arn), secondaryVolume(k2.arn)] }),
          ]),
        ],
        keys: [k1, k2, k3],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('c1', 'a'),
          data: { key: 'alias/k2', others: 'c1/b' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('c1', 'b'),
          data: { key: 'alias/k2', others: 'c1/a' },
        },
      ],
    },
    {
      name: 'the list of other groups is capped at five',
      inventory: inventory({
        clusters: [
          cluster(
            'c1',
            ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7'].map((name) =>
              group(name, { volumes: [rootVolume(k1.arn)] }),
            ),
          ),
        ],
        keys: [k1],
      }),
      // Each group shares the key with six others: the first five named, in order, and "1 more".
      expected: ['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7'].map((name, _i, all) => ({
        status: 'FAIL' as const,
        messageId: 'shared',
        resource: gid('c1', name),
        data: {
          key: 'alias/k1',
          others: `${all
            .filter((other) => other !== name)
            .slice(0, 5)
            .map((other) => `c1/${other}`)
            .join(', ')} and 1 more`,
        },
        evidence: (evidence: Record<string, unknown>) => (evidence.sharedWith as string[]).length === 6,
      })),
    },
    {
      name: 'a key of 60 groups lists at most 50 others, each group leaving itself out wherever it stands',
      inventory: inventory({
        clusters: [
          cluster(
            'c1',
            SIXTY.map((name) => group(name, { volumes: [rootVolume(k1.arn)] })),
          ),
        ],
        keys: [k1],
      }),
      expected: SIXTY.map((name) => {
        const others = SIXTY.filter((other) => other !== name).map((other) => `c1/${other}`);
        return {
          status: 'FAIL' as const,
          messageId: 'shared',
          resource: gid('c1', name),
          data: { key: 'alias/k1', others: `${others.slice(0, 5).join(', ')} and 54 more` },
          evidence: (evidence: Record<string, unknown>) =>
            evidence.keyArn === k1.arn &&
            evidence.sharedWithCount === 59 &&
            JSON.stringify(evidence.sharedWith) === JSON.stringify(others.slice(0, 50)),
        };
      }),
    },
    {
      name: 'a key of unknown manager (DescribeKey failed) is judged like a customer managed key',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('a', { volumes: [rootVolume(keyArn('x', OTHER_ACCOUNT))] }),
            group('b', { volumes: [rootVolume(keyArn('x', OTHER_ACCOUNT))] }),
          ]),
        ],
        keys: [(({ metadata: _m, ...rest }) => rest)(key('x', { account: OTHER_ACCOUNT }))],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('c1', 'a'),
          data: { key: 'alias/x', others: 'c1/b' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('c1', 'b'),
          data: { key: 'alias/x', others: 'c1/a' },
        },
      ],
    },
    {
      name: 'a key DescribeKey could not resolve: unknown, never not applicable',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('a', {
              volumes: [
                {
                  role: 'root',
                  kmsKeyId: 'alias/secret',
                  resolution: {
                    status: 'unknown',
                    reason: 'kms:DescribeKey AccessDenied',
                    gapCode: 'aws.access_denied',
                  },
                },
              ],
            }),
          ]),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: { key: 'alias/secret', reason: 'kms:DescribeKey AccessDenied' },
        },
      ],
    },
    {
      name: 'a resolved key missing from the inventory: unknown',
      inventory: inventory({
        clusters: [cluster('c1', [group('a', { volumes: [rootVolume(keyArn('elsewhere'))] })])],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'arn:aws:kms:us-east-1:111122223333:key/elsewhere',
            reason: 'arn:aws:kms:us-east-1:111122223333:key/elsewhere is not in the inventory',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: one KMS key resource for every group',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('controller', { volumes: [rootVolume(iacId('Key'))] }),
            group('workers', { volumes: both(iacId('Key')) }),
          ]),
        ],
        keys: [iacKey('Key')],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${iacId('Cluster')}/instance-group/controller`,
          data: { key: 'infra/hyperpod.yaml#Key', others: 'Cluster/workers' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${iacId('Cluster')}/instance-group/workers`,
          data: { key: 'infra/hyperpod.yaml#Key', others: 'Cluster/controller' },
        },
      ],
    },
    {
      name: 'CloudFormation: one key parameter for every group is one key',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('controller', { volumes: [fromParameter('KmsKeyArn')] }),
            group('workers', { volumes: [fromParameter('KmsKeyArn')] }),
          ]),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${iacId('Cluster')}/instance-group/controller`,
          data: { key: '!Ref KmsKeyArn', others: 'Cluster/workers' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${iacId('Cluster')}/instance-group/workers`,
          data: { key: '!Ref KmsKeyArn', others: 'Cluster/controller' },
        },
      ],
    },
    {
      name: 'CloudFormation: a key parameter per group cannot be judged',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('controller', { volumes: [fromParameter('ControllerKey')] }),
            group('workers', { volumes: [fromParameter('WorkersKey')] }),
          ]),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          resource: `${iacId('Cluster')}/instance-group/controller`,
          data: { key: '!Ref ControllerKey', reason: 'ControllerKey has no value' },
        },
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          resource: `${iacId('Cluster')}/instance-group/workers`,
          data: { key: '!Ref WorkersKey', reason: 'WorkersKey has no value' },
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
      name: 'Terraform plan: one key resource for two groups',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              ['controller', 'workers'].map((name) =>
                group(name, { volumes: [rootVolume(iacId('aws_kms_key.cluster', PLAN_FILE))] }),
              ),
              {},
              TERRAFORM_PLAN,
            ),
          ],
          keys: [iacKey('aws_kms_key.cluster', {}, TERRAFORM_PLAN)],
        },
        'terraform-plan',
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${PLAN_FILE}#awscc_sagemaker_cluster.main/instance-group/controller`,
          data: {
            key: 'infra/plan.json#aws_kms_key.cluster',
            others: 'awscc_sagemaker_cluster.main/workers',
          },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${PLAN_FILE}#awscc_sagemaker_cluster.main/instance-group/workers`,
          data: {
            key: 'infra/plan.json#aws_kms_key.cluster',
            others: 'awscc_sagemaker_cluster.main/controller',
          },
        },
      ],
    },
    {
      name: 'create-cluster input: the same key ARN, defined elsewhere, on two groups',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'ml',
              ['controller', 'workers'].map((name) =>
                group(name, {
                  volumes: [
                    {
                      role: 'root',
                      kmsKeyId: keyArn('shared'),
                      resolution: { status: 'unknown', reason: 'defined outside the scanned files' },
                    },
                  ],
                }),
              ),
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
          messageId: 'shared',
          resource: `${CLI_FILE}#ml/instance-group/controller`,
          data: { key: keyArn('shared'), others: 'ml/workers' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${CLI_FILE}#ml/instance-group/workers`,
          data: { key: 'arn:aws:kms:us-east-1:111122223333:key/shared', others: 'ml/controller' },
        },
      ],
    },
  ],
});
