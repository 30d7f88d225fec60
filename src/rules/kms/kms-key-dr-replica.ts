import { isUnresolved } from '../../model/inventory.js';
import { defineRule } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES } from '../iteration.js';
import { KMS_ARN_REGION, keyLabel } from '../key-references.js';
import { keyResource, unresolvedVerdict } from '../resources.js';

export default defineRule({
  meta: {
    id: 'kms-key-dr-replica',
    title: 'HyperPod keys have a multi-Region replica in the configured disaster-recovery region',
    severity: 'medium',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan'],
    config: ['drRegions'],
    rationale:
      'Checkpoints and data copied to a recovery region are only readable there if the same key material exists ' +
      'there: a multi-Region key with a replica in the DR region. A single-Region key cannot be made multi-Region later.',
    remediation: {
      summary:
        'Create a multi-Region key (MultiRegion: true) and replicate it to the DR region; a single-Region key cannot ' +
        'be converted, so new instance groups must use the new key.',
      cli: "aws kms replicate-key --key-id '<mrk-key-arn>' --replica-region '<dr-region>'",
      cloudformation: 'MultiRegion: true   # plus an AWS::KMS::ReplicaKey stack in the DR region',
      terraform: 'multi_region = true   # plus aws_kms_replica_key in the DR region',
    },
    references: ['https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html'],
    frameworks: { 'NIST-800-53': ['CP-9', 'CP-10'], SOC2: ['A1.2'], HIPAA: ['164.308(a)(7)(ii)(B)'] },
    messages: {
      ...KEY_COMMON_MESSAGES,
      replicated: '{{key}} has a replica in the DR region {{dr}}',
      noDrRegion: 'no DR region is configured for {{region}}',
      singleRegion: '{{key}} is a single-Region key, so it cannot be replicated to the DR region {{dr}}',
      noReplica:
        '{{key}} is multi-Region but has no replica in the DR region {{dr}} (replicas: {{replicas}})',
    },
  },
  *check(context) {
    const { drRegions } = context.config;
    if (Object.keys(drRegions).length === 0) return;
    yield* eachKey(context, (key) => {
      const resource = keyResource(key);
      const label = keyLabel(key);
      const dr = drRegions[key.region];
      if (!dr)
        return { resource, status: 'NOT_APPLICABLE', messageId: 'noDrRegion', data: { region: key.region } };
      const metadata = key.metadata!;
      if (isUnresolved(metadata.multiRegion))
        return unresolvedVerdict(resource, 'MultiRegion', metadata.multiRegion);
      if (!metadata.multiRegion)
        return { resource, status: 'FAIL', messageId: 'singleRegion', data: { key: label, dr } };
      const replicas = metadata.replicaRegions ?? [];
      if (
        replicas.includes(dr) ||
        (metadata.primaryKeyArn && KMS_ARN_REGION.exec(metadata.primaryKeyArn)?.[1] === dr)
      )
        return { resource, status: 'PASS', messageId: 'replicated', data: { key: label, dr } };
      const regions = new Set(replicas);
      return {
        resource,
        status: 'FAIL',
        messageId: 'noReplica',
        data: { key: label, dr, replicas: [...regions].join(', ') || 'none' },
        evidence: { replicaRegions: [...regions], primaryKeyArn: metadata.primaryKeyArn ?? null },
      };
    });
  },
});
