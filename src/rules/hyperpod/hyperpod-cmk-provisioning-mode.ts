import { isUnresolved } from '../../model/inventory.js';
import { defineRule, type Verdict } from '../define-rule.js';
import { clusterResource, keyedVolumes, UNRESOLVED_MESSAGE, unresolvedVerdict } from '../helpers.js';

export default defineRule({
  meta: {
    id: 'hyperpod-cmk-provisioning-mode',
    title:
      'HyperPod clusters run in Continuous provisioning mode, the only mode that supports customer managed keys',
    severity: 'medium',
    resourceType: 'cluster',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan', 'cli-json'],
    rationale:
      'Customer managed key encryption is supported only with NodeProvisioningMode Continuous, which only ' +
      'EKS-orchestrated clusters support. A Slurm cluster, or one left in the legacy mode, cannot put its volumes ' +
      'under your key; a key configured there, or on a restricted instance group, is not honoured.',
    remediation: {
      summary:
        'Create EKS-orchestrated clusters with NodeProvisioningMode: Continuous. A Slurm cluster must be rebuilt on ' +
        'EKS to use customer managed keys; restricted instance groups cannot use them at all.',
      cli: 'aws sagemaker create-cluster --cluster-name <name> --orchestrator Eks={ClusterArn=<eks-arn>} --node-provisioning-mode Continuous ...',
      cloudformation:
        'NodeProvisioningMode: Continuous\nOrchestrator:\n  Eks:\n    ClusterArn: !GetAtt EksCluster.Arn',
      terraform:
        'node_provisioning_mode = "Continuous"\norchestrator = { eks = { cluster_arn = aws_eks_cluster.this.arn } }',
    },
    references: [
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
      'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateCluster.html',
    ],
    frameworks: { 'NIST-800-53': ['SC-28'], SOC2: ['CC6.1'] },
    messages: {
      continuous: 'cluster runs EKS-orchestrated in Continuous mode, which supports customer managed keys',
      legacyMode:
        'cluster is not in Continuous mode ({{orchestrator}}, NodeProvisioningMode {{mode}}), so it cannot use customer managed keys',
      slurmContinuous:
        'Continuous mode is only supported for EKS-orchestrated clusters, and this cluster is {{orchestrator}}',
      notEks:
        'the cluster has {{orchestrator}}, and only EKS-orchestrated clusters in Continuous mode can use customer managed keys',
      keyIgnored:
        'keys are configured on {{groups}}, where customer managed keys are not supported ({{why}})',
      notCollected: '{{what}} could not be read from the source ({{reason}})',
      unresolved: UNRESOLVED_MESSAGE,
    },
  },
  *check(context) {
    for (const cluster of context.inventory.clusters) {
      const resource = clusterResource(cluster);
      const notCollected = (field: string): Verdict | undefined =>
        cluster.notCollected?.includes(field)
          ? {
              resource,
              status: 'UNKNOWN',
              messageId: 'notCollected',
              data: { what: field, reason: 'the source does not report it' },
            }
          : undefined;
      const modeUnknown = isUnresolved(cluster.nodeProvisioningMode)
        ? unresolvedVerdict(resource, 'NodeProvisioningMode', cluster.nodeProvisioningMode)
        : notCollected('NodeProvisioningMode');
      const orchestratorUnknown = isUnresolved(cluster.orchestrator)
        ? unresolvedVerdict(resource, 'the orchestrator', cluster.orchestrator)
        : notCollected('Orchestrator');
      if (orchestratorUnknown || isUnresolved(cluster.orchestrator)) {
        yield modeUnknown ?? orchestratorUnknown!;
        continue;
      }
      const continuous = !modeUnknown && cluster.nodeProvisioningMode === 'Continuous';
      const orchestrator =
        cluster.orchestrator === 'none'
          ? 'no orchestrator'
          : cluster.orchestrator === 'eks'
            ? 'EKS'
            : 'Slurm';
      const keyedGroups = cluster.instanceGroups.filter(
        (group) => !isUnresolved(group.volumes) && keyedVolumes(group.volumes).length > 0,
      );
      const keyedRestricted = keyedGroups
        .filter((group) => group.kind === 'restricted')
        .map((group) => group.name);
      const evidence = {
        nodeProvisioningMode: modeUnknown ? 'unknown' : cluster.nodeProvisioningMode,
        orchestrator: cluster.orchestrator,
        groupsWithKeys: keyedGroups.map((group) => group.name),
      };
      if (cluster.orchestrator !== 'eks') {
        // Continuous mode needs EKS, so no value of NodeProvisioningMode lets this cluster use keys.
        if (keyedGroups.length > 0)
          yield {
            resource,
            status: 'FAIL',
            messageId: 'keyIgnored',
            data: {
              groups: keyedGroups.map((group) => group.name).join(', '),
              why: continuous
                ? `Continuous mode needs EKS, the cluster is ${orchestrator}`
                : modeUnknown
                  ? `customer managed keys need EKS in Continuous mode, the cluster is ${orchestrator}`
                  : 'the cluster is not in Continuous mode',
            },
            evidence,
          };
        else if (continuous)
          yield { resource, status: 'FAIL', messageId: 'slurmContinuous', data: { orchestrator }, evidence };
        else if (modeUnknown)
          yield { resource, status: 'FAIL', messageId: 'notEks', data: { orchestrator }, evidence };
        else
          yield {
            resource,
            status: 'FAIL',
            messageId: 'legacyMode',
            data: { orchestrator, mode: 'unset' },
            evidence,
          };
        continue;
      }
      if (modeUnknown) {
        yield modeUnknown;
        continue;
      }
      if (!continuous)
        yield keyedGroups.length > 0
          ? {
              resource,
              status: 'FAIL',
              messageId: 'keyIgnored',
              data: {
                groups: keyedGroups.map((group) => group.name).join(', '),
                why: 'the cluster is not in Continuous mode',
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
      else if (keyedRestricted.length > 0)
        yield {
          resource,
          status: 'FAIL',
          messageId: 'keyIgnored',
          data: {
            groups: keyedRestricted.join(', '),
            why: 'restricted instance groups do not support customer managed keys',
          },
          evidence,
        };
      else yield { resource, status: 'PASS', messageId: 'continuous', evidence };
    }
  },
});
