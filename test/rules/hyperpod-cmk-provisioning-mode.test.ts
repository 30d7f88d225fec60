import type { Cluster, InstanceGroup } from '../../src/model/inventory.js';
import rule from '../../src/rules/hyperpod/hyperpod-cmk-provisioning-mode.js';
import {
  asSnapshot,
  CLI_FILE,
  CLI_JSON,
  iacCluster,
  iacId,
  iacInventory,
  PLAN_FILE,
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
  keyArn,
  rootVolume,
  secondaryVolume,
} from '../helpers/inventory.js';
import { ruleTester } from '../helpers/rule-tester.js';

const C1 = clusterArn('c1');
const keyed = (name: string, extra: Partial<InstanceGroup> = {}) =>
  group(name, { volumes: [rootVolume(keyArn(name))], ...extra });
const plain = (name: string, extra: Partial<InstanceGroup> = {}) =>
  group(name, { volumes: [secondaryVolume(null)], ...extra });
const one = (groups: InstanceGroup[], overrides: Partial<Cluster>) =>
  inventory({ clusters: [cluster('c1', groups, overrides)] });
const slurm = { orchestrator: 'slurm', nodeProvisioningMode: null } as const;

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'UNKNOWN'],
  valid: [
    {
      name: 'EKS in Continuous mode with keys',
      inventory: compliantEstate(),
      expected: [
        {
          status: 'PASS',
          messageId: 'continuous',
          resource: C1,
          evidence: (e) =>
            e.nodeProvisioningMode === 'Continuous' && (e.groupsWithKeys as string[]).join() === 'workers',
          data: { orchestrator: 'EKS' },
        },
      ],
    },
    {
      name: 'Slurm in Continuous mode with keys (Slurm supports Continuous provisioning)',
      inventory: one([keyed('controller'), keyed('workers')], { orchestrator: 'slurm' }),
      expected: [
        {
          status: 'PASS',
          messageId: 'continuous',
          data: { orchestrator: 'Slurm' },
          evidence: (e) => (e.groupsWithKeys as string[]).join() === 'controller,workers',
        },
      ],
    },
    {
      name: 'a cluster without an Orchestrator (Slurm by default) in Continuous mode',
      inventory: one([keyed('workers')], { orchestrator: 'none' }),
      expected: [
        {
          status: 'PASS',
          messageId: 'continuous',
          data: { orchestrator: 'Slurm, the default orchestrator' },
        },
      ],
    },
    {
      name: 'Continuous mode decides even when the orchestrator is unknown',
      inventory: one([keyed('workers')], { orchestrator: unresolved('var.orchestrator', ['orchestrator']) }),
      expected: [{ status: 'PASS', messageId: 'continuous', data: { orchestrator: 'orchestrator unknown' } }],
    },
    {
      name: 'Orchestrator not collected does not matter in Continuous mode',
      inventory: one([keyed('workers')], { notCollected: ['Orchestrator'] }),
      expected: [{ status: 'PASS', messageId: 'continuous', data: { orchestrator: 'EKS' } }],
    },
    {
      name: 'EKS in Continuous mode with a restricted group that names no key',
      inventory: one([keyed('workers'), plain('nova', { kind: 'restricted' })], {}),
      expected: [{ status: 'PASS', messageId: 'continuous', data: { orchestrator: 'EKS' } }],
    },
    {
      name: 'CloudFormation: EKS in Continuous mode',
      inventory: iacInventory({ clusters: [iacCluster('Cluster', [keyed('workers')])] }),
      expected: [
        {
          status: 'PASS',
          messageId: 'continuous',
          resource: iacId('Cluster'),
          data: { orchestrator: 'EKS' },
        },
      ],
    },
    {
      name: 'Terraform plan: EKS in Continuous mode',
      inventory: iacInventory(
        { clusters: [iacCluster('awscc_sagemaker_cluster.main', [keyed('workers')], {}, TERRAFORM_PLAN)] },
        'terraform-plan',
      ),
      expected: [
        {
          status: 'PASS',
          messageId: 'continuous',
          resource: `${PLAN_FILE}#awscc_sagemaker_cluster.main`,
          data: { orchestrator: 'EKS' },
        },
      ],
    },
  ],
  invalid: [
    {
      name: 'Slurm cluster (legacy mode) without keys',
      inventory: one([plain('workers')], slurm),
      expected: [{ status: 'FAIL', messageId: 'legacyMode', data: { orchestrator: 'Slurm', mode: 'unset' } }],
    },
    {
      name: 'EKS cluster with NodeProvisioningMode unset',
      inventory: one([plain('workers')], { nodeProvisioningMode: null }),
      expected: [{ status: 'FAIL', messageId: 'legacyMode', data: { orchestrator: 'EKS', mode: 'unset' } }],
    },
    {
      name: 'a cluster without orchestrator',
      inventory: one([plain('workers')], { orchestrator: 'none', nodeProvisioningMode: null }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'legacyMode',
          data: { orchestrator: 'Slurm, the default orchestrator', mode: 'unset' },
        },
      ],
    },
    {
      name: 'keys on a Slurm cluster are not honoured',
      inventory: one([keyed('controller'), plain('login'), keyed('workers')], slurm),
      expected: [
        {
          status: 'FAIL',
          messageId: 'keyIgnored',
          data: { groups: 'controller, workers', why: 'the cluster (Slurm) is not in Continuous mode' },
        },
      ],
    },
    {
      name: 'keys on an EKS cluster with the mode unset',
      inventory: one([keyed('workers')], { nodeProvisioningMode: null }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'keyIgnored',
          data: { groups: 'workers', why: 'the cluster (EKS) is not in Continuous mode' },
        },
      ],
    },
    {
      name: 'a key on a restricted instance group of a Continuous EKS cluster',
      inventory: one([keyed('workers'), keyed('nova', { kind: 'restricted' })], {}),
      expected: [
        {
          status: 'FAIL',
          messageId: 'keyIgnored',
          data: { groups: 'nova', why: 'restricted instance groups do not support customer managed keys' },
        },
      ],
    },
    {
      name: 'an AWS managed key on a Slurm cluster is still a key it cannot use',
      inventory: one([group('workers', { volumes: [rootVolume('alias/aws/sagemaker', null)] })], slurm),
      expected: [
        {
          status: 'FAIL',
          messageId: 'keyIgnored',
          data: { groups: 'workers', why: 'the cluster (Slurm) is not in Continuous mode' },
        },
      ],
    },
    {
      name: 'an emulator that drops NodeProvisioningMode: unknown for EKS',
      inventory: one([keyed('workers')], {
        nodeProvisioningMode: null,
        notCollected: ['NodeProvisioningMode'],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: { what: 'NodeProvisioningMode', reason: 'the source does not report it' },
        },
      ],
    },
    {
      name: 'NodeProvisioningMode not collected on a Slurm cluster: unknown, as on EKS',
      inventory: one([keyed('workers')], { ...slurm, notCollected: ['NodeProvisioningMode'] }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: { what: 'NodeProvisioningMode', reason: 'the source does not report it' },
        },
      ],
    },
    {
      name: 'CloudFormation: NodeProvisioningMode from a parameter on EKS',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [keyed('workers')], {
            nodeProvisioningMode: unresolved('!Ref Mode', ['Mode']),
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          resource: iacId('Cluster'),
          data: { what: 'NodeProvisioningMode', expression: '!Ref Mode', reason: 'Mode has no value' },
        },
      ],
    },
    {
      name: 'CloudFormation: NodeProvisioningMode from a parameter on Slurm is unknown, not a failure',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [plain('workers')], {
            orchestrator: 'slurm',
            nodeProvisioningMode: unresolved('!Ref Mode', ['Mode']),
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: { what: 'NodeProvisioningMode', expression: '!Ref Mode', reason: 'Mode has no value' },
        },
      ],
    },
    {
      name: 'Terraform: a Slurm cluster (awscc, no orchestrator) without node_provisioning_mode',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [keyed('workers')],
              { orchestrator: 'none', nodeProvisioningMode: null },
              { source: 'terraform', file: TF_FILE },
            ),
          ],
        },
        'terraform',
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'keyIgnored',
          resource: `${TF_FILE}#awscc_sagemaker_cluster.main`,
          data: {
            groups: 'workers',
            why: 'the cluster (Slurm, the default orchestrator) is not in Continuous mode',
          },
        },
      ],
    },
    {
      name: 'snapshot: EKS with the mode unset',
      inventory: asSnapshot(one([plain('workers')], { nodeProvisioningMode: null })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'legacyMode',
          resource: C1,
          data: { orchestrator: 'EKS', mode: 'unset' },
        },
      ],
    },
    {
      name: 'create-cluster input: a Slurm cluster with keys',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'ml',
              [keyed('workers')],
              { orchestrator: 'slurm', nodeProvisioningMode: null },
              CLI_JSON,
            ),
          ],
        },
        'cli-json',
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'keyIgnored',
          resource: `${CLI_FILE}#ml`,
          data: { groups: 'workers', why: 'the cluster (Slurm) is not in Continuous mode' },
        },
      ],
    },
  ],
});
