import { isUnresolved } from '../../model/inventory.js';
import { defineRule } from '../define-rule.js';
import { clusterResource, UNRESOLVED_MESSAGE, unresolvedVerdict } from '../resources.js';
import { gapReason } from '../text.js';

export default defineRule({
  meta: {
    id: 'hyperpod-cluster-required-tags',
    title: 'HyperPod clusters carry the required ownership and data-classification tags',
    severity: 'low',
    resourceType: 'cluster',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan', 'cli-json'],
    config: ['requiredTags.clusters'],
    rationale:
      'Owner, project and data-sensitivity tags tie a cluster to the people who answer for it, drive cost showback, ' +
      'select the key policy and SCP guardrails that apply, and tell auditors which clusters hold regulated data.',
    remediation: {
      summary: 'Add the missing tags to the cluster.',
      cli: "aws sagemaker add-tags --resource-arn '<cluster-arn>' --tags 'Key=owner,Value=<team>' 'Key=project,Value=<project>'",
      cloudformation: 'Tags:\n  - Key: owner\n    Value: ml-platform',
      terraform: 'tags = [{ key = "owner", value = "ml-platform" }]',
    },
    references: ['https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AddTags.html'],
    frameworks: { SOC2: ['CC2.1'], 'NIST-800-53': ['CM-8'] },
    messages: {
      tagged: 'cluster carries every required tag ({{tags}})',
      missing: 'cluster lacks required tags: {{missing}}',
      notCollected: 'the cluster tags could not be read: {{reason}}',
      unresolved: UNRESOLVED_MESSAGE,
    },
  },
  *check(context) {
    const required = context.config.requiredClusterTags;
    for (const cluster of context.inventory.clusters) {
      const resource = clusterResource(cluster);
      if (cluster.tags === undefined) {
        const reason = gapReason(context.index.gapsFor(cluster.id, 'ListTags'));
        yield { resource, status: 'UNKNOWN', messageId: 'notCollected', data: { reason } };
        continue;
      }
      if (isUnresolved(cluster.tags)) {
        yield unresolvedVerdict(resource, 'the cluster tags', cluster.tags);
        continue;
      }
      const tags = cluster.tags;
      const missing = required.filter((tag) => !tags[tag]?.trim());
      if (missing.length > 0)
        yield {
          resource,
          status: 'FAIL',
          messageId: 'missing',
          data: { missing: missing.join(', ') },
          evidence: { missing, tags },
        };
      else yield { resource, status: 'PASS', messageId: 'tagged', data: { tags: required.join(', ') } };
    }
  },
});
