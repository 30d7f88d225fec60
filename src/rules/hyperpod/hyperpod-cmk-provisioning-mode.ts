import { type Cluster, isUnresolved } from '../../model/inventory.js';
import { defineRule, type Verdict } from '../define-rule.js';
import { keyedVolumes, provisioningModeOf } from '../key-references.js';
import { clusterResource, UNRESOLVED_MESSAGE, unresolvedVerdict } from '../resources.js';

/** The orchestrator as people name it; it does not decide anything here (EKS and Slurm both support Continuous). */
function orchestratorLabel(orchestrator: Cluster['orchestrator']): string {
  if (isUnresolved(orchestrator)) return 'orchestrator unknown';
  if (orchestrator === 'eks') return 'EKS';
  if (orchestrator === 'slurm') return 'Slurm';
  return 'Slurm, the default orchestrator';
}

/**
 * Whether the cluster's NodeProvisioningMode is known: an UNKNOWN verdict when the source cannot
 * say (an IaC reference, update-cluster input that leaves it as it is, an emulator that drops it).
 */
export function provisioningModeUnknown(cluster: Cluster): Verdict | undefined {
  if (provisioningModeOf(cluster).mode !== 'unknown') return undefined;
  const resource = clusterResource(cluster);
  if (isUnresolved(cluster.nodeProvisioningMode))
    return unresolvedVerdict(resource, 'NodeProvisioningMode', cluster.nodeProvisioningMode);
  return {
    resource,
    status: 'UNKNOWN',
    messageId: 'notCollected',
    data: { what: 'NodeProvisioningMode', reason: 'the source does not report it' },
  };
}

export default defineRule({
  meta: {
    id: 'hyperpod-cmk-provisioning-mode',
    title:
      'HyperPod clusters run in Continuous provisioning mode, the only mode that supports customer managed keys',
    severity: 'medium',
    resourceType: 'cluster',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan', 'cli-json'],
    rationale:
      'Customer managed key encryption is supported only for clusters using NodeProvisioningMode Continuous ' +
      '(HyperPod CMK guide). Continuous mode is not EKS-only any more: the developer guide page "Continuous ' +
      'provisioning for enhanced cluster operations with Slurm" says Slurm-orchestrated clusters support it when ' +
      'CreateCluster sets NodeProvisioningMode to Continuous, although the CreateCluster API reference (and the ' +
      'SDK doc comment it is generated from) still says "only supported for EKS orchestrated clusters"; the newer ' +
      'developer guide is taken to win. So an EKS or Slurm cluster in Continuous mode passes, and a cluster ' +
      'without it (the legacy mode, whatever its orchestrator) fails: a key configured there is not honoured and ' +
      'its volumes stay on an AWS owned key. Restricted instance groups do not support customer managed keys in ' +
      'any mode. Switching an existing cluster: the UpdateCluster request accepts NodeProvisioningMode ' +
      '(UpdateClusterRequest in @aws-sdk/client-sagemaker 3.1142.0, which this tool ships), but an older copy of ' +
      'the Slurm continuous-provisioning guide said existing clusters "cannot be migrated to continuous ' +
      'provisioning at this time" and the current copy drops that sentence, so whether AWS accepts the switch is ' +
      'not settled by the docs. Either way the volumes of groups created before the switch keep the key they were ' +
      'created with (KMS key transition is not supported): new instance groups carry the keys.',
    remediation: {
      summary:
        'Set NodeProvisioningMode: Continuous (EKS or Slurm). For an existing cluster, try update-cluster ' +
        '--node-provisioning-mode Continuous (the API accepts it; AWS docs disagree on whether an existing cluster ' +
        'may switch), else create a new cluster in that mode; then add instance groups that name customer managed ' +
        'keys and delete the old ones. Restricted instance groups cannot use customer managed keys.',
      cli:
        "aws sagemaker update-cluster --cluster-name '<name>' --node-provisioning-mode Continuous\n" +
        "# if the cluster cannot switch: aws sagemaker create-cluster --cluster-name '<new-name>' --node-provisioning-mode Continuous ...",
      cloudformation: 'NodeProvisioningMode: Continuous',
      terraform:
        'node_provisioning_mode = "Continuous"  # awscc_sagemaker_cluster (hashicorp/aws aws_sagemaker_cluster has no such argument)',
    },
    references: [
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
      'https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-hyperpod-scaling-slurm.html',
      'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateCluster.html',
      'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateCluster.html',
    ],
    frameworks: { 'NIST-800-53': ['SC-28'], SOC2: ['CC6.1'] },
    messages: {
      continuous: 'cluster runs in Continuous mode ({{orchestrator}}), which supports customer managed keys',
      legacyMode:
        'cluster is not in Continuous mode ({{orchestrator}}, NodeProvisioningMode {{mode}}), so it cannot use customer managed keys',
      keyIgnored:
        'keys are configured on {{groups}}, where customer managed keys are not supported ({{why}}), so the volumes stay on an AWS owned key',
      notCollected: '{{what}} could not be read from the source ({{reason}})',
      unresolved: UNRESOLVED_MESSAGE,
    },
  },
  *check(context) {
    for (const cluster of context.inventory.clusters) {
      const resource = clusterResource(cluster);
      const modeUnknown = provisioningModeUnknown(cluster);
      if (modeUnknown) {
        yield modeUnknown;
        continue;
      }
      const orchestrator = orchestratorLabel(cluster.orchestrator);
      const keyedGroups = cluster.instanceGroups.filter(
        (group) => !isUnresolved(group.volumes) && keyedVolumes(group.volumes).length > 0,
      );
      const evidence = {
        nodeProvisioningMode: cluster.nodeProvisioningMode,
        orchestrator: cluster.orchestrator,
        groupsWithKeys: keyedGroups.map((group) => group.name),
      };
      if (cluster.nodeProvisioningMode !== 'Continuous') {
        yield keyedGroups.length > 0
          ? {
              resource,
              status: 'FAIL',
              messageId: 'keyIgnored',
              data: {
                groups: keyedGroups.map((group) => group.name).join(', '),
                why: `the cluster (${orchestrator}) is not in Continuous mode`,
              },
              evidence,
            }
          : {
              resource,
              status: 'FAIL',
              messageId: 'legacyMode',
              data: { orchestrator, mode: 'unset' },
              evidence,
            };
        continue;
      }
      const keyedRestricted = keyedGroups.filter((group) => group.kind === 'restricted');
      if (keyedRestricted.length > 0)
        yield {
          resource,
          status: 'FAIL',
          messageId: 'keyIgnored',
          data: {
            groups: keyedRestricted.map((group) => group.name).join(', '),
            why: 'restricted instance groups do not support customer managed keys',
          },
          evidence,
        };
      else yield { resource, status: 'PASS', messageId: 'continuous', data: { orchestrator }, evidence };
    }
  },
});
