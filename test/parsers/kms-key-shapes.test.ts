/**
 * KMS keys in the shapes other static analysers' suites exercise (checkov, tfsec/trivy, kics,
 * cfn-nag, the provider acceptance tests), written anew: keys with imported key material, keys in
 * custom key stores, aliases whose name is known only when applied, and keys a Terraform plan
 * creates with what the configuration leaves out. Each case asserts the key the inventory holds
 * and the verdicts of the rules that read it, as AWS and HashiCorp document the configuration.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import type { EbsVolume, Key } from '../../src/model/inventory.js';
import { removeScannedFiles, scanFiles } from '../helpers/iac-scan.js';

afterEach(removeScannedFiles);

type Scanned = Awaited<ReturnType<typeof scanFiles>>;

const keyNamed = (scanned: Scanned, suffix: string): Key => {
  const found = scanned.inventory.keys.filter((key) => key.arn.endsWith(`#${suffix}`));
  if (found.length !== 1)
    throw new Error(`no one key ${suffix}: ${scanned.inventory.keys.map((k) => k.arn).join(', ')}`);
  return found[0]!;
};

/** [status, messageId] of a rule on the resource whose id ends with `suffix`. */
const verdict = (scanned: Scanned, ruleId: string, suffix: string): [string, string] => {
  const found = scanned.report.findings.filter(
    (finding: Finding) => finding.ruleId === ruleId && finding.resource.id.endsWith(`#${suffix}`),
  );
  if (found.length !== 1) throw new Error(`expected one ${ruleId} on ${suffix}, got ${found.length}`);
  return [found[0]!.status, found[0]!.messageId];
};

const volumes = (scanned: Scanned, group = 0): EbsVolume[] =>
  scanned.inventory.clusters[0]!.instanceGroups[group]!.volumes as EbsVolume[];

/** An awscc cluster in Continuous mode in us-east-1 (as are aws resources) whose one group's root volume uses `rootKey` (an HCL expression). */
const awsccCluster = (rootKey: string) => `
provider "aws" {
  region = "us-east-1"
}
provider "awscc" {
  region = "us-east-1"
}
resource "awscc_sagemaker_cluster" "c" {
  cluster_name           = "c"
  node_provisioning_mode = "Continuous"
  orchestrator = { eks = { cluster_arn = "arn:aws:eks:us-east-1:111122223333:cluster/ml" } }
  instance_groups = [{
    instance_group_name = "workers"
    instance_type       = "ml.g5.8xlarge"
    instance_count      = 1
    execution_role      = "arn:aws:iam::111122223333:role/workers"
    life_cycle_config   = { source_s3_uri = "s3://lifecycle", on_create = "on_create.sh" }
    instance_storage_configs = [{ ebs_volume_config = { root_volume = true, volume_kms_key_id = ${rootKey} } }]
  }]
}
`;

describe('Terraform keys with imported key material (aws_kms_external_key)', () => {
  // https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_external_key
  // https://docs.aws.amazon.com/kms/latest/developerguide/importing-keys-create-cmk.html
  const files = {
    'main.tf': `
resource "aws_kms_external_key" "pending" {
  description = "no key material: PendingImport"
}
resource "aws_kms_external_key" "imported" {
  key_material_base64 = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
  valid_to            = "2027-06-01T00:00:00Z"
  multi_region        = true
}
resource "aws_kms_external_key" "off" {
  key_material_base64 = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
  enabled             = false
}
resource "aws_kms_replica_external_key" "dr" {
  primary_key_arn     = aws_kms_external_key.imported.arn
  key_material_base64 = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
}
${awsccCluster('aws_kms_external_key.pending.arn')}`,
  };

  it('reads each as a key of Origin EXTERNAL, PendingImport until it imports material', async () => {
    const scanned = await scanFiles(files);
    expect(
      scanned.inventory.keys.map((key) => [
        key.arn.replace(/^.*#/, ''),
        key.metadata?.origin,
        key.metadata?.keyState,
        key.metadata?.expirationModel,
        key.metadata?.validTo,
      ]),
    ).toEqual([
      ['aws_kms_external_key.pending', 'EXTERNAL', 'PendingImport', undefined, undefined],
      [
        'aws_kms_external_key.imported',
        'EXTERNAL',
        'Enabled',
        'KEY_MATERIAL_EXPIRES',
        '2027-06-01T00:00:00Z',
      ],
      ['aws_kms_external_key.off', 'EXTERNAL', 'Disabled', 'KEY_MATERIAL_DOES_NOT_EXPIRE', undefined],
      ['aws_kms_replica_external_key.dr', 'EXTERNAL', 'Enabled', 'KEY_MATERIAL_DOES_NOT_EXPIRE', undefined],
    ]);
    const replica = keyNamed(scanned, 'aws_kms_replica_external_key.dr');
    expect(replica.metadata?.multiRegionKeyType).toBe('REPLICA');
    expect(replica.metadata?.primaryKeyArn).toBe(keyNamed(scanned, 'aws_kms_external_key.imported').arn);
  });

  it('links the cluster that names one, and judges it as AWS documents it', async () => {
    const scanned = await scanFiles(files);
    const pending = keyNamed(scanned, 'aws_kms_external_key.pending');
    expect(volumes(scanned)[0]!.resolution).toEqual({ status: 'resolved', keyArn: pending.arn });
    expect(
      verdict(scanned, 'hyperpod-key-exists', 'awscc_sagemaker_cluster.c/instance-group/workers'),
    ).toEqual(['PASS', 'exists']);
    expect(verdict(scanned, 'kms-key-enabled', 'aws_kms_external_key.pending')).toEqual([
      'FAIL',
      'notEnabled',
    ]);
    expect(verdict(scanned, 'kms-key-enabled', 'aws_kms_external_key.imported')).toEqual([
      'PASS',
      'materialValid',
    ]);
    expect(verdict(scanned, 'kms-key-enabled', 'aws_kms_external_key.off')).toEqual(['FAIL', 'notEnabled']);
    // Automatic rotation is for keys whose material KMS generates.
    expect(verdict(scanned, 'kms-key-rotation-enabled', 'aws_kms_external_key.pending')).toEqual([
      'FAIL',
      'unsupported',
    ]);
  });

  it('an expiry that is not an RFC 3339 time, or material known only when applied, is UNKNOWN', async () => {
    const scanned = await scanFiles({
      'main.tf': `
variable "material" {
  type = string
}
resource "aws_kms_external_key" "when" {
  key_material_base64 = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
  valid_to            = "next year"
}
resource "aws_kms_external_key" "var" {
  key_material_base64 = var.material
}
`,
    });
    expect(verdict(scanned, 'kms-key-enabled', 'aws_kms_external_key.when')).toEqual([
      'UNKNOWN',
      'unresolved',
    ]);
    expect(verdict(scanned, 'kms-key-enabled', 'aws_kms_external_key.var')).toEqual([
      'UNKNOWN',
      'unresolved',
    ]);
  });
});

describe('keys whose origin is not AWS_KMS', () => {
  it('an aws_kms_key in a custom key store has the store origin, which cannot rotate automatically', async () => {
    // https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html (Origin);
    // the provider sets it from custom_key_store_id and xks_key_id.
    const scanned = await scanFiles({
      'main.tf': `
resource "aws_kms_key" "hsm" {
  custom_key_store_id = "cks-1234567890abcdef0"
  enable_key_rotation = true
}
resource "aws_kms_key" "xks" {
  custom_key_store_id = "cks-0987654321fedcba0"
  xks_key_id          = "bb8562717f809024"
}
`,
    });
    expect(keyNamed(scanned, 'aws_kms_key.hsm').metadata?.origin).toBe('AWS_CLOUDHSM');
    expect(keyNamed(scanned, 'aws_kms_key.xks').metadata?.origin).toBe('EXTERNAL_KEY_STORE');
    expect(verdict(scanned, 'kms-key-rotation-enabled', 'aws_kms_key.hsm')).toEqual(['FAIL', 'unsupported']);
  });

  it('a CloudFormation or Cloud Control key of Origin EXTERNAL is not known to be usable: UNKNOWN, never Enabled', async () => {
    const scanned = await scanFiles({
      'template.yaml': `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Imported:
    Type: AWS::KMS::Key
    Properties:
      Origin: EXTERNAL
  ImportedOff:
    Type: AWS::KMS::Key
    Properties:
      Origin: EXTERNAL
      Enabled: "false"
`,
      'main.tf': `
resource "awscc_kms_key" "imported" {
  origin = "EXTERNAL"
}
`,
    });
    expect(keyNamed(scanned, 'Imported').metadata?.keyState).toEqual({
      unresolved: 'Origin: EXTERNAL',
      reason:
        'a key of Origin EXTERNAL is PendingImport until key material is imported into it, which the scanned files do not do',
    });
    expect(verdict(scanned, 'kms-key-enabled', 'Imported')).toEqual(['UNKNOWN', 'unresolved']);
    expect(verdict(scanned, 'kms-key-enabled', 'ImportedOff')).toEqual(['FAIL', 'notEnabled']);
    expect(verdict(scanned, 'kms-key-enabled', 'awscc_kms_key.imported')).toEqual(['UNKNOWN', 'unresolved']);
  });
});

describe('aliases whose name is known only when applied', () => {
  it('Terraform name_prefix: the alias still names its key', async () => {
    const scanned = await scanFiles({
      'main.tf': `
resource "aws_kms_key" "k" {
  enable_key_rotation = true
}
resource "aws_kms_alias" "k" {
  name_prefix   = "alias/hyperpod-"
  target_key_id = aws_kms_key.k.key_id
}
${awsccCluster('aws_kms_alias.k.arn')}`,
    });
    expect(volumes(scanned)[0]!.resolution).toEqual({
      status: 'resolved',
      keyArn: keyNamed(scanned, 'aws_kms_key.k').arn,
    });
    expect(
      verdict(scanned, 'hyperpod-root-volume-cmk', 'awscc_sagemaker_cluster.c/instance-group/workers'),
    ).toEqual(['PASS', 'cmk']);
  });

  it('CloudFormation AliasName from a parameter without a value: !Ref of the alias still names its key', async () => {
    const scanned = await scanFiles({
      'template.yaml': `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  AliasName:
    Type: String
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
  Alias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: !Sub "alias/\${AliasName}"
      TargetKeyId: !Ref Key
  Cluster:
    Type: AWS::SageMaker::Cluster
    Properties:
      ClusterName: c
      NodeProvisioningMode: Continuous
      Orchestrator:
        Eks:
          ClusterArn: arn:aws:eks:us-east-1:111122223333:cluster/ml
      InstanceGroups:
        - InstanceGroupName: workers
          InstanceType: ml.g5.8xlarge
          InstanceCount: 1
          ExecutionRole: arn:aws:iam::111122223333:role/workers
          LifeCycleConfig: { SourceS3Uri: "s3://lifecycle", OnCreate: on_create.sh }
          InstanceStorageConfigs:
            - EbsVolumeConfig:
                RootVolume: true
                VolumeKmsKeyId: !Ref Alias
`,
    });
    expect(volumes(scanned)[0]!.resolution).toEqual({
      status: 'resolved',
      keyArn: keyNamed(scanned, 'Key').arn,
    });
  });
});

/** A plan (terraform show -json) that creates `key` with `after` and `afterUnknown`, configured with `expressions`. */
function keyPlan({
  type = 'aws_kms_key',
  after,
  afterUnknown,
  expressions,
  alias,
  keyPolicy,
}: {
  type?: string;
  after: object;
  afterUnknown: object;
  expressions?: object;
  alias?: { after: object; afterUnknown: object; expressions: object };
  /** An aws_kms_key_policy of the key, created with count (its address indexed): its policy. */
  keyPolicy?: object;
}): string {
  const change = (address: string, resourceType: string, values: object, unknown: object) => ({
    address,
    mode: 'managed',
    type: resourceType,
    name: address.split('.')[1],
    change: { actions: ['create'], before: null, after: values, after_unknown: unknown },
  });
  const configured = (address: string, resourceType: string, exprs: object) => ({
    address,
    mode: 'managed',
    type: resourceType,
    name: address.split('.')[1],
    ...(Object.keys(exprs).length > 0 ? { expressions: exprs } : {}),
  });
  const cluster = change(
    'awscc_sagemaker_cluster.c',
    'awscc_sagemaker_cluster',
    {
      cluster_name: 'c',
      node_provisioning_mode: 'Continuous',
      orchestrator: { eks: { cluster_arn: 'arn:aws:eks:us-east-1:111122223333:cluster/ml' } },
      instance_groups: [
        {
          instance_group_name: 'workers',
          instance_type: 'ml.g5.8xlarge',
          instance_count: 1,
          execution_role: 'arn:aws:iam::111122223333:role/workers',
          life_cycle_config: { source_s3_uri: 's3://lifecycle', on_create: 'on_create.sh' },
          instance_storage_configs: [{ ebs_volume_config: { root_volume: true } }],
        },
      ],
    },
    { instance_groups: [{ instance_storage_configs: [{ ebs_volume_config: { volume_kms_key_id: true } }] }] },
  );
  const keyRef = alias ? 'aws_kms_alias.k' : `${type}.k`;
  return JSON.stringify({
    format_version: '1.2',
    resource_changes: [
      change(`${type}.k`, type, after, afterUnknown),
      ...(alias ? [change('aws_kms_alias.k', 'aws_kms_alias', alias.after, alias.afterUnknown)] : []),
      ...(keyPolicy
        ? [
            change(
              'aws_kms_key_policy.k[0]',
              'aws_kms_key_policy',
              { policy: JSON.stringify(keyPolicy) },
              { id: true, key_id: true },
            ),
          ]
        : []),
      cluster,
    ],
    ...(expressions
      ? {
          configuration: {
            root_module: {
              resources: [
                configured(`${type}.k`, type, expressions),
                ...(alias ? [configured('aws_kms_alias.k', 'aws_kms_alias', alias.expressions)] : []),
                ...(keyPolicy
                  ? [
                      configured('aws_kms_key_policy.k', 'aws_kms_key_policy', {
                        key_id: { references: [`${type}.k.id`, `${type}.k`] },
                        policy: { references: ['data.aws_iam_policy_document.k.json'] },
                      }),
                    ]
                  : []),
                configured('awscc_sagemaker_cluster.c', 'awscc_sagemaker_cluster', {
                  instance_groups: { references: [`${keyRef}.arn`, keyRef] },
                }),
              ],
            },
          },
        }
      : {}),
  });
}

describe('Terraform plans: what a created key leaves to the service', () => {
  // What hashicorp/aws 5 and 6 plan for `resource "aws_kms_key" "k" { enable_key_rotation = true }`:
  // policy, rotation_period_in_days and multi_region are optional and computed.
  const after = {
    bypass_policy_lockout_safety_check: false,
    custom_key_store_id: null,
    customer_master_key_spec: 'SYMMETRIC_DEFAULT',
    deletion_window_in_days: null,
    enable_key_rotation: true,
    is_enabled: true,
    key_usage: 'ENCRYPT_DECRYPT',
    tags: null,
    xks_key_id: null,
  };
  const afterUnknown = {
    arn: true,
    description: true,
    id: true,
    key_id: true,
    multi_region: true,
    policy: true,
    rotation_period_in_days: true,
    tags_all: true,
  };

  it('a key the configuration gives no policy or period gets the default key policy and rotates every 365 days', async () => {
    const scanned = await scanFiles({
      'plan.json': keyPlan({
        after,
        afterUnknown,
        expressions: { enable_key_rotation: { constant_value: true } },
      }),
    });
    const key = keyNamed(scanned, 'aws_kms_key.k');
    expect(key.rotation).toEqual({ enabled: true, periodInDays: 365 });
    expect(key.metadata?.multiRegion).toBe(false);
    expect(key.policy).toEqual({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the symbolic partition and account of a plan without them
          Principal: { AWS: 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
    expect(verdict(scanned, 'kms-key-rotation-enabled', 'aws_kms_key.k')).toEqual(['PASS', 'rotating']);
    expect(verdict(scanned, 'kms-key-policy-no-public-access', 'aws_kms_key.k')).toEqual([
      'PASS',
      'restricted',
    ]);
  });

  it('a key with no arguments at all (no expressions in the configuration) gets the defaults too', async () => {
    const scanned = await scanFiles({
      'plan.json': keyPlan({
        after: { ...after, enable_key_rotation: false },
        afterUnknown,
        expressions: {},
      }),
    });
    const key = keyNamed(scanned, 'aws_kms_key.k');
    expect(key.rotation).toEqual({ enabled: false });
    expect(verdict(scanned, 'kms-key-rotation-enabled', 'aws_kms_key.k')).toEqual(['FAIL', 'disabled']);
    expect(verdict(scanned, 'kms-key-policy-no-public-access', 'aws_kms_key.k')).toEqual([
      'PASS',
      'restricted',
    ]);
  });

  it('a key whose policy an aws_kms_key_policy with count sets has that policy, not the default one', async () => {
    const scanned = await scanFiles({
      'plan.json': keyPlan({
        after,
        afterUnknown,
        expressions: { enable_key_rotation: { constant_value: true } },
        keyPolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }],
        },
      }),
    });
    expect(verdict(scanned, 'kms-key-policy-no-public-access', 'aws_kms_key.k')).toEqual(['FAIL', 'public']);
  });

  it('a policy or period the configuration sets but the plan does not know stays UNKNOWN', async () => {
    const scanned = await scanFiles({
      'plan.json': keyPlan({
        after,
        afterUnknown,
        expressions: {
          enable_key_rotation: { constant_value: true },
          policy: {
            references: ['data.aws_iam_policy_document.key.json', 'data.aws_iam_policy_document.key'],
          },
          rotation_period_in_days: { references: ['var.period'] },
        },
      }),
    });
    expect(verdict(scanned, 'kms-key-rotation-enabled', 'aws_kms_key.k')).toEqual(['UNKNOWN', 'unresolved']);
    expect(verdict(scanned, 'kms-key-policy-no-public-access', 'aws_kms_key.k')).toEqual([
      'UNKNOWN',
      'unresolved',
    ]);
  });

  it('a plan without its configuration cannot tell left out from set: UNKNOWN', async () => {
    const scanned = await scanFiles({ 'plan.json': keyPlan({ after, afterUnknown }) });
    expect(verdict(scanned, 'kms-key-rotation-enabled', 'aws_kms_key.k')).toEqual(['UNKNOWN', 'unresolved']);
    expect(verdict(scanned, 'kms-key-policy-no-public-access', 'aws_kms_key.k')).toEqual([
      'UNKNOWN',
      'unresolved',
    ]);
  });

  it('an awscc_kms_key leaves every argument it does not set to CloudFormation: rotation off', async () => {
    const scanned = await scanFiles({
      'plan.json': keyPlan({
        type: 'awscc_kms_key',
        after: { description: 'hp' },
        afterUnknown: {
          arn: true,
          enable_key_rotation: true,
          enabled: true,
          id: true,
          key_id: true,
          key_policy: true,
          key_spec: true,
          key_usage: true,
          multi_region: true,
          origin: true,
          pending_window_in_days: true,
          rotation_period_in_days: true,
          tags: true,
        },
        expressions: { description: { constant_value: 'hp' } },
      }),
    });
    const key = keyNamed(scanned, 'awscc_kms_key.k');
    expect(key.metadata).toMatchObject({
      keyState: 'Enabled',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      multiRegion: false,
    });
    expect(verdict(scanned, 'kms-key-rotation-enabled', 'awscc_kms_key.k')).toEqual(['FAIL', 'disabled']);
    expect(verdict(scanned, 'kms-key-enabled', 'awscc_kms_key.k')).toEqual(['PASS', 'enabled']);
  });

  it('a volume that names an alias created with name_prefix uses the key the alias targets', async () => {
    const scanned = await scanFiles({
      'plan.json': keyPlan({
        after,
        afterUnknown,
        expressions: { enable_key_rotation: { constant_value: true } },
        alias: {
          after: { name_prefix: 'alias/hyperpod-' },
          afterUnknown: { arn: true, id: true, name: true, target_key_arn: true, target_key_id: true },
          expressions: {
            name_prefix: { constant_value: 'alias/hyperpod-' },
            target_key_id: { references: ['aws_kms_key.k.key_id', 'aws_kms_key.k'] },
          },
        },
      }),
    });
    expect(volumes(scanned)[0]!.resolution).toEqual({
      status: 'resolved',
      keyArn: keyNamed(scanned, 'aws_kms_key.k').arn,
    });
  });
});
