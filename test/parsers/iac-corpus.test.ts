/**
 * The real HyperPod IaC that AWS publishes (test/fixtures/iac-corpus, see its README): every file
 * scans without a crash or an input issue, and each instance group gets the verdict a careful
 * reader of the files gives it. None of these files sets a customer managed key, so a group
 * whose storage the files pin down FAILs; where the files cannot tell, the verdict is UNKNOWN and
 * names what is missing; it is never PASS.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/model/inventory.js';
import type { Report } from '../../src/model/report.js';
import { scanIac } from '../../src/parsers/iac.js';
import { runPipeline } from '../../src/pipeline.js';

const CORPUS = fileURLToPath(new URL('../fixtures/iac-corpus/', import.meta.url));

const CLI_SETUP = 'aws__sagemaker-hyperpod-cluster-setup';
const ADT = 'aws-samples__awsome-distributed-training/1.architectures';
const PROTEIN =
  'aws-solutions-library-samples__guidance-for-protein-language-esm-model-training-with-sagemaker-hyperpod/infra/hyperpod/eks';

type Verdict = 'FAIL' | 'UNKNOWN' | 'NOT_APPLICABLE';

/** [instance group id, root volume, secondary volume, why]. */
const GROUPS: [string, Verdict, Verdict, string][] = [
  // Templates with AWS::SageMaker::Cluster: the groups set a secondary EBS volume without a key and
  // no root volume entry, so both volumes are under AWS owned keys.
  [
    'aws-samples__aws-do-hyperpod/wd/cfn/hyperpod-cluster-stack.yaml#HyperPodCluster/instance-group/accelerated-worker-group-1',
    'FAIL',
    'FAIL',
    'secondary volume without VolumeKmsKeyId, no RootVolume entry',
  ],
  [
    'aws-samples__aws-do-hyperpod/wd/cfn/hyperpod-cluster-stack.yaml#HyperPodCluster/instance-group/general-purpose-worker-group-2',
    'FAIL',
    'FAIL',
    'the !If group exists: CreateGeneralPurposeInstanceGroup defaults to true',
  ],
  [
    `${PROTEIN}/cfn-templates/nested-stacks/hyperpod-cluster-stack.yaml#HyperPodCluster/instance-group/accelerated-worker-group-1`,
    'FAIL',
    'FAIL',
    'as aws-do-hyperpod',
  ],
  [
    `${PROTEIN}/cfn-templates/nested-stacks/hyperpod-cluster-stack.yaml#HyperPodCluster/instance-group/general-purpose-worker-group-2`,
    'FAIL',
    'FAIL',
    'as aws-do-hyperpod',
  ],
  // The nested-stacks main stack deploys hyperpod-cluster-stack.yaml (same folder) with its
  // defaults: only the accelerated group (the general purpose one defaults to false).
  [
    `${ADT}/7.sagemaker-hyperpod-eks/cfn-templates/nested-stacks/main-stack.yaml#HyperPodClusterStack.HyperPodCluster/instance-group/accelerated-instance-group`,
    'FAIL',
    'FAIL',
    'parent defaults flow into the nested stack',
  ],
  // The Slinky parameter files hold the real values for that main stack: two groups each.
  [
    `${ADT}/7.sagemaker-hyperpod-eks/slinky-slurm/g5/g5-params.json#HyperPodClusterStack.HyperPodCluster/instance-group/accelerated-instance-group-1`,
    'FAIL',
    'FAIL',
    'g5-params.json with main-stack.yaml',
  ],
  [
    `${ADT}/7.sagemaker-hyperpod-eks/slinky-slurm/g5/g5-params.json#HyperPodClusterStack.HyperPodCluster/instance-group/general-instance-group-2`,
    'FAIL',
    'FAIL',
    'CreateGeneralPurposeInstanceGroup is true in the parameter file',
  ],
  [
    `${ADT}/7.sagemaker-hyperpod-eks/slinky-slurm/p5/p5-params.json#HyperPodClusterStack.HyperPodCluster/instance-group/accelerated-instance-group-1`,
    'FAIL',
    'FAIL',
    'p5-params.json with main-stack.yaml',
  ],
  [
    `${ADT}/7.sagemaker-hyperpod-eks/slinky-slurm/p5/p5-params.json#HyperPodClusterStack.HyperPodCluster/instance-group/general-instance-group-2`,
    'FAIL',
    'FAIL',
    'as g5',
  ],
  // Instance groups as JSON in string parameters, created by a Lambda custom resource.
  [
    `aws__sagemaker-hyperpod-cli/hyperpod-cluster-stack-template/hyperpod_cluster_stack_template/creation_template.yaml#HyperPodClusterStack/instance-group/default`,
    'FAIL',
    'FAIL',
    'InstanceGroupSettings1 default: a 500 GB secondary volume, no key',
  ],
  [
    `${CLI_SETUP}/slurm/cloudformation/main-stack-slurm-based-template.yaml#HyperPodParamClusterStack.hyperPodCustomResourceFunction/instance-group/controller-machine`,
    'FAIL',
    'NOT_APPLICABLE',
    'InstanceGroupSettings1 default, no storage config: AWS owned root key, no secondary volume',
  ],
  [
    `${CLI_SETUP}/slurm/cloudformation/main-stack-slurm-based-template.yaml#HyperPodParamClusterStack.hyperPodCustomResourceFunction/instance-group/compute-nodes`,
    'FAIL',
    'NOT_APPLICABLE',
    'as controller-machine',
  ],
  [
    `${CLI_SETUP}/eks/cloudformation/main-stack-eks-based-template.yaml#HyperPodParamClusterStack.hyperPodCustomResourceFunction/instance-group/*`,
    'UNKNOWN',
    'UNKNOWN',
    'every InstanceGroupSettingsN defaults to []: the groups are given at deploy time',
  ],
  // The cluster template is not in the files.
  [
    'awslabs__ai-on-sagemaker-hyperpod/website/static/cfn/hyperpod-eks-full-stack.yaml#HyperPodClusterStack/instance-group/*',
    'UNKNOWN',
    'UNKNOWN',
    'nested hyperpod-cluster-stack.yaml is not in this repository folder',
  ],
  // create-cluster / update-cluster input: no InstanceStorageConfigs at all.
  [
    'aws-samples__playground-persistent-cluster/cluster-config.yaml#cluster/instance-group/controller-machine',
    'FAIL',
    'NOT_APPLICABLE',
    '--cli-input-yaml without storage',
  ],
  [
    'aws-samples__playground-persistent-cluster/cluster-config.yaml#cluster/instance-group/compute-nodes',
    'FAIL',
    'NOT_APPLICABLE',
    '',
  ],
  [
    'aws-samples__playground-persistent-cluster/cluster-config.yaml#cluster/instance-group/my-login-group',
    'FAIL',
    'NOT_APPLICABLE',
    '',
  ],
  [
    'aws-samples__playground-persistent-cluster/cluster-config-update.yaml#cluster/instance-group/controller-machine',
    'UNKNOWN',
    'UNKNOWN',
    'update-cluster may name existing groups, whose keys the input does not show',
  ],
  [
    'aws-samples__playground-persistent-cluster/cluster-config-update.yaml#cluster/instance-group/compute-nodes',
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    'aws-samples__playground-persistent-cluster/cluster-config-update.yaml#cluster/instance-group/my-login-group',
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    'aws-samples__video-generation-guidance-on-sagemaker-hyperpod/ClusterConfig/cluster-config.json#ml-cluster/instance-group/controller-machine',
    'FAIL',
    'NOT_APPLICABLE',
    '--cli-input-json',
  ],
  [
    'aws-samples__video-generation-guidance-on-sagemaker-hyperpod/ClusterConfig/cluster-config.json#ml-cluster/instance-group/worker-group-1',
    'FAIL',
    'NOT_APPLICABLE',
    '',
  ],
  [
    'aws-samples__video-generation-guidance-on-sagemaker-hyperpod/ClusterConfig/update-cluster-config.json#cluster/instance-group/controller-machine',
    'UNKNOWN',
    'UNKNOWN',
    'a bare --instance-groups list in an update-cluster file: maybe existing groups',
  ],
  [
    'aws-samples__video-generation-guidance-on-sagemaker-hyperpod/ClusterConfig/update-cluster-config.json#cluster/instance-group/worker-group-1',
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  // Terraform variable files published without their configuration: the module decides the keys.
  [
    `${ADT}/5.sagemaker-hyperpod/terraform-modules/hyperpod-slurm-tf/terraform.tfvars.example#var.instance_groups/instance-group/controller-machine`,
    'UNKNOWN',
    'UNKNOWN',
    'no .tf beside it',
  ],
  [
    `${ADT}/5.sagemaker-hyperpod/terraform-modules/hyperpod-slurm-tf/terraform.tfvars.example#var.instance_groups/instance-group/login-nodes`,
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    `${ADT}/5.sagemaker-hyperpod/terraform-modules/hyperpod-slurm-tf/terraform.tfvars.example#var.instance_groups/instance-group/compute-nodes`,
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    `${ADT}/7.sagemaker-hyperpod-eks/slinky-slurm/g5/g5-custom.tfvars#var.instance_groups/instance-group/accelerated-instance-group-1`,
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    `${ADT}/7.sagemaker-hyperpod-eks/slinky-slurm/g5/g5-custom.tfvars#var.instance_groups/instance-group/general-instance-group-2`,
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    `${ADT}/7.sagemaker-hyperpod-eks/slinky-slurm/p5/p5-custom.tfvars#var.instance_groups/instance-group/accelerated-instance-group-1`,
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    `${ADT}/7.sagemaker-hyperpod-eks/slinky-slurm/p5/p5-custom.tfvars#var.instance_groups/instance-group/general-instance-group-2`,
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    `${ADT}/7.sagemaker-hyperpod-eks/terraform-modules/hyperpod-eks-tf/terraform.tfvars#var.instance_groups/instance-group/instance-group-1`,
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    `${ADT}/7.sagemaker-hyperpod-eks/terraform-modules/hyperpod-eks-tf/custom.tfvars#var.instance_groups/instance-group/accelerated-instance-group-1`,
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    `${ADT}/7.sagemaker-hyperpod-eks/terraform-modules/hyperpod-eks-tf/closed-network.tfvars#var.instance_groups/instance-group/closed-worker-group`,
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    `${ADT}/7.sagemaker-hyperpod-eks/terraform-modules/hyperpod-eks-tf/rig_custom.tfvars#var.restricted_instance_groups/instance-group/rig-1`,
    'NOT_APPLICABLE',
    'NOT_APPLICABLE',
    'a restricted instance group cannot use a CMK, whatever the module does',
  ],
  [
    `${PROTEIN}/terraform-modules/hyperpod-eks-tf/terraform.tfvars#var.instance_groups/instance-group/group1`,
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    'awslabs__aiops-modules/modules/sagemaker/hyperpod-eks-tf/terraform.tfvars#var.instance_groups/instance-group/instance-group-1',
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
  [
    'awslabs__aiops-modules/modules/sagemaker/hyperpod-eks-tf/custom.tfvars#var.instance_groups/instance-group/accelerated-instance-group-1',
    'UNKNOWN',
    'UNKNOWN',
    '',
  ],
];

let report: Report;
let inventory: Inventory;

beforeAll(async () => {
  const scanned = await scanIac({ paths: ['.'], cwd: CORPUS, generatedAt: '2026-11-27T12:00:00.000Z' });
  if (!scanned.ok) throw new Error(scanned.error.message);
  expect(scanned.value.issues).toEqual([]);
  inventory = scanned.value.inventory;
  report = runPipeline(inventory, {
    now: new Date('2026-11-27T12:00:00Z'),
    issues: scanned.value.issues,
  }).report;
});

const statusOf = (ruleId: string, id: string) =>
  report.findings.filter((f) => f.ruleId === ruleId && f.resource.id === id).map((f) => f.status);

describe('the public HyperPod IaC corpus', () => {
  it('every instance group, and nothing else, gets the pinned verdicts', () => {
    const groups = new Set(
      report.findings.filter((f) => f.ruleId === 'hyperpod-root-volume-cmk').map((f) => f.resource.id),
    );
    expect([...groups].sort()).toEqual(GROUPS.map(([id]) => id).sort());
    for (const [id, root, secondary] of GROUPS) {
      expect(statusOf('hyperpod-root-volume-cmk', id), id).toEqual([root]);
      expect(statusOf('hyperpod-secondary-volume-cmk', id), id).toEqual([secondary]);
    }
    expect(report.findings.filter((f) => f.status === 'PASS' && f.ruleId.includes('volume'))).toEqual([]);
  });

  it('UNKNOWN verdicts name what is missing', () => {
    const why = (id: string) =>
      report.findings.find((f) => f.ruleId === 'hyperpod-root-volume-cmk' && f.resource.id === id)!;
    expect(why(GROUPS[12]![0]).message).toContain('InstanceGroupSettings1');
    expect(why(GROUPS[13]![0]).message).toContain('hyperpod-cluster-stack.yaml');
    expect(why(GROUPS[24]![0]).evidence).toMatchObject({
      unresolved: { inputs: [`${ADT}/5.sagemaker-hyperpod/terraform-modules/hyperpod-slurm-tf/*.tf`] },
    });
  });

  it('takes the real values from parameter files and parent stacks', () => {
    const g5 = inventory.clusters.find((c) => c.id.includes('g5-params.json'))!;
    expect(g5.name).toBe('slinky-hp-cluster');
    expect(g5.instanceGroups.map((g) => [g.name, g.instanceType, g.instanceCount])).toEqual([
      ['accelerated-instance-group-1', 'ml.g5.8xlarge', 4],
      ['general-instance-group-2', 'ml.m5.2xlarge', 2],
    ]);
    const p5 = inventory.clusters.find((c) => c.id.includes('p5-params.json'))!;
    expect(p5.instanceGroups[0]).toMatchObject({ instanceType: 'ml.p5.48xlarge', instanceCount: 2 });
    // The group is defined in the nested template, at the line of its definition there.
    expect(g5.instanceGroups[0]!.location).toEqual({
      file: `${ADT}/7.sagemaker-hyperpod-eks/cfn-templates/nested-stacks/hyperpod-cluster-stack.yaml`,
      line: 357,
    });
    // JSON groups are located at the parameter that holds them.
    const cli = inventory.clusters.find((c) => c.id.includes('creation_template.yaml'))!;
    expect(cli.instanceGroups[0]!.location).toEqual({
      file: 'aws__sagemaker-hyperpod-cli/hyperpod-cluster-stack-template/hyperpod_cluster_stack_template/creation_template.yaml',
      line: 322,
    });
  });

  it('judges the provisioning mode where the files tell it, and says why where they do not', () => {
    const mode = (suffix: string) => statusOf('hyperpod-cmk-provisioning-mode', suffix);
    expect(mode('aws-samples__aws-do-hyperpod/wd/cfn/hyperpod-cluster-stack.yaml#HyperPodCluster')).toEqual([
      'PASS',
    ]);
    expect(
      mode(`${PROTEIN}/cfn-templates/nested-stacks/hyperpod-cluster-stack.yaml#HyperPodCluster`),
    ).toEqual(['FAIL']);
    expect(
      mode(
        `${CLI_SETUP}/slurm/cloudformation/main-stack-slurm-based-template.yaml#HyperPodParamClusterStack.hyperPodCustomResourceFunction`,
      ),
    ).toEqual(['FAIL']);
    expect(mode('aws-samples__playground-persistent-cluster/cluster-config.yaml#cluster')).toEqual(['FAIL']);
    expect(mode('aws-samples__playground-persistent-cluster/cluster-config-update.yaml#cluster')).toEqual([
      'UNKNOWN',
    ]);
    expect(
      mode(
        'aws__sagemaker-hyperpod-cli/hyperpod-cluster-stack-template/hyperpod_cluster_stack_template/creation_template.yaml#HyperPodClusterStack',
      ),
    ).toEqual(['UNKNOWN']);
  });

  it('no cluster of the corpus is compliant', () => {
    expect(report.summary.clusters).toBe(23);
    expect(report.summary.compliantClusters).toBe(0);
  });
});
