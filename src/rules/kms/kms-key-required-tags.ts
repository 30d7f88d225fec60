import { type Cluster, isUnresolved } from '../../model/inventory.js';
import { defineRule } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES, keyPartNotCollected } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource, unresolvedVerdict } from '../resources.js';

/** The project a cluster's tags name, when it is not `project`. */
function otherProject(tags: Cluster['tags'], project: string): string | undefined {
  const clusterProject = tags && !isUnresolved(tags) ? tags.project : undefined;
  return clusterProject && clusterProject !== project ? clusterProject : undefined;
}

export default defineRule({
  meta: {
    id: 'kms-key-required-tags',
    title: 'HyperPod keys carry the required tags, and their project matches the clusters that use them',
    severity: 'low',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan'],
    config: ['requiredTags.keys'],
    rationale:
      'Key tags drive cost showback (KMS cost per project), tag-based guardrails (SCPs that protect keys tagged for ' +
      'HyperPod, approvals by tag) and ownership during incidents. A key tagged for one project but used by ' +
      "another project's cluster is a sign of a shared key or a misrouted charge. A cluster outside Continuous " +
      'provisioning mode, or a restricted instance group, uses no key it names (HyperPod CMK guide): it is no project of the key.',
    remediation: {
      summary:
        'Tag the key; if its project differs from the clusters that use it, give those clusters their own key.',
      cli: "aws kms tag-resource --key-id '<key-arn>' --tags 'TagKey=owner,TagValue=<team>' 'TagKey=project,TagValue=<project>'",
      cloudformation: 'Tags:\n  - Key: project\n    Value: llm-pretraining',
      terraform: 'tags = { project = "llm-pretraining" }',
    },
    references: [
      'https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html',
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
    ],
    frameworks: { SOC2: ['CC2.1'], 'NIST-800-53': ['CM-8'] },
    messages: {
      ...KEY_COMMON_MESSAGES,
      tagged: '{{key}} carries every required tag ({{tags}})',
      missing: '{{key}} lacks required tags: {{missing}}',
      projectMismatch:
        '{{key}} is tagged project={{project}} but serves clusters of project {{others}}: {{clusters}}',
      projectMismatchUnknown:
        '{{key}} is tagged project={{project}} and is named by clusters of project {{others}} ({{clusters}}) whose ' +
        'provisioning mode is unknown: they use it only in Continuous mode',
    },
  },
  *check(context) {
    const required = context.config.requiredKeyTags;
    const requiredText = required.join(', ');
    yield* eachKey(context, (key) => {
      const resource = keyResource(key);
      const label = keyLabel(key);
      if (key.tags === undefined)
        return keyPartNotCollected(context, key, `the tags of ${label}`, 'ListResourceTags');
      if (isUnresolved(key.tags)) return unresolvedVerdict(resource, 'the key tags', key.tags);
      const tags = key.tags;
      const missing = required.filter((tag) => !tags[tag]?.trim());
      if (missing.length > 0)
        return {
          resource,
          status: 'FAIL',
          messageId: 'missing',
          data: { key: label, missing: missing.join(', ') },
          evidence: { tags },
        };
      const project = tags.project;
      // The sets are made only for a key some cluster of another project uses. A cluster whose
      // provisioning mode is unknown may not use the key at all: alone, it makes the verdict UNKNOWN.
      const uses = context.index.usesOfKey(key.arn);
      if (project && uses.some((use) => otherProject(use.cluster.tags, project))) {
        const sure = uses.some((use) => !use.modeUnknown && otherProject(use.cluster.tags, project));
        const others = new Set<string>();
        const clusters = new Set<string>();
        for (const use of uses) {
          if (sure && use.modeUnknown) continue;
          const clusterProject = otherProject(use.cluster.tags, project);
          if (clusterProject) {
            others.add(clusterProject);
            clusters.add(use.cluster.name);
          }
        }
        return {
          resource,
          status: sure ? 'FAIL' : 'UNKNOWN',
          messageId: sure ? 'projectMismatch' : 'projectMismatchUnknown',
          data: { key: label, project, others: [...others].join(', '), clusters: [...clusters].join(', ') },
          evidence: { tags, clusterProjects: [...others], clusters: [...clusters] },
        };
      }
      return {
        resource,
        status: 'PASS',
        messageId: 'tagged',
        data: { key: label, tags: requiredText },
      };
    });
  },
});
