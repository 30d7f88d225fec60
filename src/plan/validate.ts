/**
 * A runtime check of generated update-cluster input against the SageMaker request shape (the
 * TypeScript type, UpdateClusterCommandInput, checks it at compile time): required members
 * present and typed, no member the API does not know, storage configs as the API wants them.
 */
import type { UpdateClusterCommandInput } from '@aws-sdk/client-sagemaker';

type RequestKey = keyof UpdateClusterCommandInput;
type GroupKey = keyof NonNullable<UpdateClusterCommandInput['InstanceGroups']>[number];

/** Every member of UpdateClusterRequest (the Record type makes the compiler check the list is complete and exact). */
const REQUEST_KEYS: Record<RequestKey, true> = {
  ClusterName: true,
  InstanceGroups: true,
  RestrictedInstanceGroups: true,
  RestrictedInstanceGroupsConfig: true,
  TieredStorageConfig: true,
  NodeRecovery: true,
  InstanceGroupsToDelete: true,
  NodeProvisioningMode: true,
  ClusterRole: true,
  AutoScaling: true,
  Orchestrator: true,
};

const GROUP_KEYS: Record<GroupKey, true> = {
  InstanceCount: true,
  MinInstanceCount: true,
  InstanceGroupName: true,
  InstanceType: true,
  InstanceRequirements: true,
  LifeCycleConfig: true,
  ExecutionRole: true,
  ThreadsPerCore: true,
  InstanceStorageConfigs: true,
  OnStartDeepHealthChecks: true,
  TrainingPlanArn: true,
  OverrideVpcConfig: true,
  ScheduledUpdateConfig: true,
  ImageId: true,
  AutoPatchConfig: true,
  ImageReleaseVersion: true,
  KubernetesConfig: true,
  SlurmConfig: true,
  CapacityRequirements: true,
  NetworkInterface: true,
};

const GROUP_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const KMS_KEY_ID = /^[a-zA-Z0-9:/_-]*$/;

export function updateClusterProblems(input: unknown): string[] {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null) return ['not an object'];
  const request = input as Record<string, unknown>;
  for (const key of Object.keys(request))
    if (!(key in REQUEST_KEYS)) problems.push(`${key}: not a member of UpdateClusterRequest`);
  if (typeof request.ClusterName !== 'string' || request.ClusterName === '')
    problems.push('ClusterName: required');
  if (request.InstanceGroupsToDelete !== undefined) {
    const names = request.InstanceGroupsToDelete;
    if (
      !Array.isArray(names) ||
      names.length === 0 ||
      !names.every((n) => typeof n === 'string' && GROUP_NAME.test(n))
    )
      problems.push('InstanceGroupsToDelete: a non-empty list of instance group names');
  }
  if (request.InstanceGroups !== undefined) {
    if (!Array.isArray(request.InstanceGroups) || request.InstanceGroups.length === 0)
      problems.push('InstanceGroups: a non-empty list');
    else
      request.InstanceGroups.forEach((raw, i) => {
        const at = `InstanceGroups[${i}]`;
        const group = raw as Record<string, unknown>;
        for (const key of Object.keys(group))
          if (!(key in GROUP_KEYS))
            problems.push(`${at}.${key}: not a member of ClusterInstanceGroupSpecification`);
        if (typeof group.InstanceGroupName !== 'string' || !GROUP_NAME.test(group.InstanceGroupName))
          problems.push(`${at}.InstanceGroupName: required, 1-63 letters, digits and hyphens`);
        if (
          typeof group.InstanceCount !== 'number' ||
          !Number.isInteger(group.InstanceCount) ||
          group.InstanceCount < 0
        )
          problems.push(`${at}.InstanceCount: required, a whole number`);
        if (typeof group.ExecutionRole !== 'string' || !group.ExecutionRole.startsWith('arn:'))
          problems.push(`${at}.ExecutionRole: required, an IAM role ARN`);
        const storage = group.InstanceStorageConfigs;
        if (storage === undefined) return;
        if (!Array.isArray(storage)) {
          problems.push(`${at}.InstanceStorageConfigs: a list`);
          return;
        }
        const roots = storage.filter(
          (s) => (s as { EbsVolumeConfig?: { RootVolume?: boolean } }).EbsVolumeConfig?.RootVolume === true,
        );
        if (roots.length > 1) problems.push(`${at}.InstanceStorageConfigs: two root volumes`);
        if (storage.filter((s) => 'EbsVolumeConfig' in (s as object)).length - roots.length > 1)
          problems.push(`${at}.InstanceStorageConfigs: two secondary volumes`);
        storage.forEach((entry, j) => {
          const ebs = (entry as { EbsVolumeConfig?: Record<string, unknown> }).EbsVolumeConfig;
          if (!ebs) return;
          const where = `${at}.InstanceStorageConfigs[${j}].EbsVolumeConfig`;
          if (
            ebs.VolumeKmsKeyId !== undefined &&
            (typeof ebs.VolumeKmsKeyId !== 'string' ||
              !KMS_KEY_ID.test(ebs.VolumeKmsKeyId) ||
              ebs.VolumeKmsKeyId.length > 2048)
          )
            problems.push(`${where}.VolumeKmsKeyId: a key id, key ARN, alias or alias ARN`);
          if (ebs.RootVolume === true) {
            if (ebs.VolumeSizeInGB !== undefined)
              problems.push(`${where}: a root volume takes no VolumeSizeInGB`);
            if (typeof ebs.VolumeKmsKeyId !== 'string')
              problems.push(`${where}: a root volume needs VolumeKmsKeyId`);
          } else if (
            typeof ebs.VolumeSizeInGB !== 'number' ||
            ebs.VolumeSizeInGB < 1 ||
            ebs.VolumeSizeInGB > 16384
          )
            problems.push(`${where}.VolumeSizeInGB: required for a secondary volume, 1-16384`);
        });
      });
  }
  if (request.InstanceGroups === undefined && request.InstanceGroupsToDelete === undefined)
    problems.push('neither InstanceGroups nor InstanceGroupsToDelete: the request would change nothing');
  return problems;
}
