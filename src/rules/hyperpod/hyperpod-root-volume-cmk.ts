import { isUnresolved } from '../../model/inventory.js';
import { defineRule } from '../define-rule.js';
import { eachGroup } from '../iteration.js';
import { VOLUME_KEY_MESSAGES, volumeKeyVerdict } from '../key-references.js';
import { groupResource, unresolvedVerdict } from '../resources.js';
import { SharedValues } from '../shared-values.js';

export default defineRule({
  meta: {
    id: 'hyperpod-root-volume-cmk',
    title: 'HyperPod instance group root volumes are encrypted with a customer managed KMS key',
    severity: 'high',
    resourceType: 'instance-group',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan', 'cli-json'],
    rationale:
      'Without a root EbsVolumeConfig that names a key, HyperPod encrypts the OS volume with an AWS owned key: ' +
      'invisible in your account, with no key policy, rotation, grants or CloudTrail record you can audit or revoke. ' +
      'An AWS managed key (alias/aws/*) is visible but still not yours to restrict or disable. ' +
      'A key that is not a symmetric encryption key (an asymmetric, HMAC or signing key) cannot encrypt an EBS ' +
      'volume at all ("Amazon EBS does not support asymmetric KMS keys"): the volume fails.',
    remediation: {
      summary:
        'The key of an existing instance group cannot be changed: add a new instance group whose InstanceStorageConfigs ' +
        'has an EbsVolumeConfig with RootVolume: true and VolumeKmsKeyId set to a customer managed key, move the ' +
        'workload, then delete the old group (the cluster must use NodeProvisioningMode Continuous).',
      cli:
        'aws sagemaker update-cluster --cluster-name \'<name>\' --instance-groups \'[{"InstanceGroupName":"<new-group>",...,' +
        '"InstanceStorageConfigs":[{"EbsVolumeConfig":{"RootVolume":true,"VolumeKmsKeyId":"<key-arn>"}}]}]\'',
      cloudformation:
        'InstanceStorageConfigs:\n  - EbsVolumeConfig:\n      RootVolume: true\n      VolumeKmsKeyId: !GetAtt GroupKey.Arn',
      terraform:
        'instance_storage_configs = [{ ebs_volume_config = { root_volume = true, volume_kms_key_id = aws_kms_key.group.arn } }]',
    },
    references: [
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
      'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ClusterEbsVolumeConfig.html',
      'https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html',
    ],
    frameworks: {
      'PCI-DSS-4.0.1': ['3.5.1'],
      HIPAA: ['164.312(a)(2)(iv)'],
      SOC2: ['CC6.1'],
      'NIST-800-53': ['SC-28', 'SC-28(1)', 'SC-12'],
    },
    messages: {
      ...VOLUME_KEY_MESSAGES,
      awsOwned: 'root volume uses an AWS owned key: no root EbsVolumeConfig names a customer managed key',
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
      const root = group.volumes.find((volume) => volume.role === 'root');
      if (!root || root.kmsKeyId === null) return { resource, status: 'FAIL', messageId: 'awsOwned' };
      return shared.verdict(volumeKeyVerdict(context, cluster, resource, root));
    });
  },
});
