import { isUnresolved } from '../../model/inventory.js';
import { defineRule } from '../define-rule.js';
import { eachGroup } from '../iteration.js';
import { VOLUME_KEY_MESSAGES, volumeKeyVerdict } from '../key-references.js';
import { groupResource, unresolvedVerdict } from '../resources.js';
import { SharedValues } from '../shared-values.js';

export default defineRule({
  meta: {
    id: 'hyperpod-secondary-volume-cmk',
    title: 'HyperPod secondary volumes (/opt/sagemaker) are encrypted with a customer managed KMS key',
    severity: 'high',
    resourceType: 'instance-group',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan', 'cli-json'],
    rationale:
      'The secondary EBS volume holds datasets, checkpoints and container images at /opt/sagemaker. Its ' +
      'VolumeKmsKeyId is optional: left out, the volume is encrypted with an AWS owned key that you cannot audit, ' +
      'rotate or revoke. ' +
      'A key that is not a symmetric encryption key (an asymmetric, HMAC or signing key) cannot encrypt an EBS ' +
      'volume at all ("Amazon EBS does not support asymmetric KMS keys"): the volume fails.',
    remediation: {
      summary:
        'Create a new instance group whose secondary EbsVolumeConfig (RootVolume false or absent, VolumeSizeInGB set) ' +
        'names a customer managed key in VolumeKmsKeyId, move the workload, and delete the old group.',
      cloudformation:
        'InstanceStorageConfigs:\n  - EbsVolumeConfig:\n      VolumeSizeInGB: 500\n      VolumeKmsKeyId: !GetAtt GroupKey.Arn',
      terraform:
        'instance_storage_configs = [{ ebs_volume_config = { volume_size_in_gb = 500, volume_kms_key_id = aws_kms_key.group.arn } }]',
    },
    references: [
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
      'https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html',
    ],
    frameworks: {
      'PCI-DSS-4.0.1': ['3.5.1'],
      HIPAA: ['164.312(a)(2)(iv)'],
      SOC2: ['CC6.1'],
      'NIST-800-53': ['SC-28', 'SC-28(1)'],
    },
    messages: {
      ...VOLUME_KEY_MESSAGES,
      noSecondary: 'the instance group configures no secondary EBS volume',
      awsOwned: 'secondary volume ({{size}} GiB) names no key, so it uses an AWS owned key',
    },
  },
  *check(context) {
    // Most groups say the same of the same key: their findings share one data and evidence object.
    const shared = new SharedValues();
    yield* eachGroup(context, (cluster, group) => {
      const resource = groupResource(cluster, group);
      if (group.kind === 'restricted') return { resource, status: 'NOT_APPLICABLE', messageId: 'restricted' };
      if (isUnresolved(group.volumes))
        return unresolvedVerdict(resource, 'the storage configuration', group.volumes);
      const secondary = group.volumes.find((volume) => volume.role === 'secondary');
      if (!secondary) return { resource, status: 'NOT_APPLICABLE', messageId: 'noSecondary' };
      if (secondary.kmsKeyId === null) {
        const size = typeof secondary.sizeInGB === 'number' ? secondary.sizeInGB : '?';
        return shared.verdict({ resource, status: 'FAIL', messageId: 'awsOwned', data: { size } });
      }
      return shared.verdict(volumeKeyVerdict(context, cluster, resource, secondary));
    });
  },
});
