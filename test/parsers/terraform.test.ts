/** Terraform evaluation: variables and var files, count and for_each, files, key policies. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUnresolved } from '../../src/model/inventory.js';
import { scanIac } from '../../src/parsers/iac.js';
import { scanFixtures } from '../helpers/iac-scan.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-tf-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), text);
};

async function scan(paths: string[], varFiles: string[] = []) {
  const result = await scanIac({ paths, cwd: dir, varFiles, generatedAt: '2026-11-27T12:00:00.000Z' });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const CLUSTER = (keyExpr: string, extra = '') => `
resource "awscc_sagemaker_cluster" "this" {
  cluster_name = "c"
  ${extra}
  instance_groups = [{
    instance_group_name = "workers"
    instance_count      = 1
    execution_role      = "arn:aws:iam::111122223333:role/exec"
    instance_storage_configs = [{ ebs_volume_config = { root_volume = true, volume_kms_key_id = ${keyExpr} } }]
  }]
}
`;

describe('Terraform', () => {
  it('applies terraform.tfvars on its own and --var-file on request, later files winning', async () => {
    write('main.tf', `variable "key" {\n  type = string\n}\n${CLUSTER('var.key')}`);
    write('terraform.tfvars', 'key = "alias/aws/sagemaker"\n');
    write('prod.tfvars', 'key = "arn:aws:kms:us-east-1:111122223333:key/abcd"\n');
    const auto = await scan(['.']);
    const volume = () =>
      (auto.inventory.clusters[0]!.instanceGroups[0]!.volumes as { kmsKeyId: unknown }[])[0]!;
    expect(volume().kmsKeyId).toBe('alias/aws/sagemaker');
    expect(auto.issues).toEqual([
      expect.objectContaining({ code: 'tf.var_file_not_applied', location: { file: 'prod.tfvars' } }),
    ]);
    const prod = await scan(['.'], ['prod.tfvars']);
    expect(
      (prod.inventory.clusters[0]!.instanceGroups[0]!.volumes as { kmsKeyId: unknown }[])[0]!.kmsKeyId,
    ).toBe('arn:aws:kms:us-east-1:111122223333:key/abcd');
  });

  it('expands count and for_each, and resolves indexed references to the right key', async () => {
    write(
      'main.tf',
      `locals {\n  groups = toset(["a", "b"])\n}\nresource "aws_kms_key" "per_group" {\n  for_each = local.groups\n  enable_key_rotation = each.key == "a"\n}\nresource "aws_kms_key" "spare" {\n  count = 2\n  deletion_window_in_days = 7 + count.index\n}\n${CLUSTER('aws_kms_key.per_group["b"].arn')}`,
    );
    const { inventory } = await scan(['.']);
    expect(inventory.keys.map((key) => key.arn).sort()).toEqual([
      'main.tf#aws_kms_key.per_group["a"]',
      'main.tf#aws_kms_key.per_group["b"]',
      'main.tf#aws_kms_key.spare[0]',
      'main.tf#aws_kms_key.spare[1]',
    ]);
    const rotation = Object.fromEntries(inventory.keys.map((key) => [key.arn, key.rotation?.enabled]));
    expect(rotation['main.tf#aws_kms_key.per_group["a"]']).toBe(true);
    expect(rotation['main.tf#aws_kms_key.per_group["b"]']).toBe(false);
    expect(
      inventory.keys.find((k) => k.arn.endsWith('spare[1]'))!.deletionProtection!.pendingWindowInDays,
    ).toBe(8);
    const volume = (inventory.clusters[0]!.instanceGroups[0]!.volumes as { resolution?: unknown }[])[0]!;
    expect(volume.resolution).toEqual({ status: 'resolved', keyArn: 'main.tf#aws_kms_key.per_group["b"]' });
  });

  it('reads a key policy from jsonencode, a policy file inside the tree, or aws_kms_key_policy; never a file outside it', async () => {
    write(
      'policy.json',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }],
      }),
    );
    write(
      'main.tf',
      [
        'resource "aws_kms_key" "from_file" {',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform interpolation inside the HCL text
        '  policy = file("${path.module}/policy.json")',
        '}',
        'resource "aws_kms_key" "outside" {',
        '  policy = file("/etc/hostname")',
        '}',
        'resource "aws_kms_key" "separate" {}',
        'resource "aws_kms_key_policy" "separate" {',
        '  key_id = aws_kms_key.separate.id',
        '  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "Only", Effect = "Deny", Principal = "*", Action = "kms:*", Resource = "*" }] })',
        '}',
      ].join('\n'),
    );
    const { inventory } = await scan(['.']);
    const policy = (name: string) =>
      inventory.keys.find((key) => key.arn === `main.tf#aws_kms_key.${name}`)!.policy;
    expect(policy('from_file')).toMatchObject({ Statement: [{ Principal: { AWS: '*' } }] });
    expect(isUnresolved(policy('outside'))).toBe(true);
    expect(policy('separate')).toMatchObject({ Statement: [{ Sid: 'Only', Effect: 'Deny' }] });
  });

  it('a value known only after apply, or read from AWS, is UNKNOWN with its expression', async () => {
    write(
      'main.tf',
      `data "aws_kms_key" "by_id" {\n  key_id = var.missing\n}\nvariable "missing" {}\ndata "aws_ssm_parameter" "key" {\n  name = "/hyperpod/key"\n}\n${CLUSTER('data.aws_ssm_parameter.key.value', 'node_provisioning_mode = data.aws_kms_key.by_id.arn == "" ? "Continuous" : null')}`,
    );
    const { inventory } = await scan(['.']);
    const cluster = inventory.clusters[0]!;
    const volume = (cluster.instanceGroups[0]!.volumes as { kmsKeyId: unknown }[])[0]!;
    expect(volume.kmsKeyId).toMatchObject({
      unresolved: 'data.aws_ssm_parameter.key.value',
      inputs: ['data.aws_ssm_parameter.key'],
    });
    expect(cluster.nodeProvisioningMode).toMatchObject({ inputs: ['var.missing'] });
  });
});

describe('a module called by several roots', () => {
  it('makes a resource per root, named through the root that calls it: two ids, two fingerprints, each cluster its own key', async () => {
    write(
      'modules/key/main.tf',
      'variable "rotate" {\n  type = bool\n}\n' +
        'resource "aws_kms_key" "this" {\n  enable_key_rotation = var.rotate\n}\n' +
        'output "key_arn" {\n  value = aws_kms_key.this.arn\n}\n',
    );
    for (const [env, rotate] of [
      ['dev', 'false'],
      ['prod', 'true'],
    ])
      write(
        `envs/${env}/main.tf`,
        `module "key" {\n  source = "../../modules/key"\n  rotate = ${rotate}\n}\n${CLUSTER('module.key.key_arn')}`,
      );
    const { inventory, issues } = await scan(['.']);
    expect(issues).toEqual([]);
    expect(
      inventory.keys.map((key) => ({
        arn: key.arn,
        location: key.location,
        rotation: key.rotation?.enabled,
      })),
    ).toEqual([
      {
        arn: 'envs/dev/main.tf#module.key.aws_kms_key.this',
        location: { file: 'modules/key/main.tf', line: 4 },
        rotation: false,
      },
      {
        arn: 'envs/prod/main.tf#module.key.aws_kms_key.this',
        location: { file: 'modules/key/main.tf', line: 4 },
        rotation: true,
      },
    ]);
    expect(
      inventory.clusters.map((cluster) => [
        cluster.id,
        (cluster.instanceGroups[0]!.volumes as { kmsKeyId: unknown }[])[0]!.kmsKeyId,
      ]),
    ).toEqual([
      ['envs/dev/main.tf#awscc_sagemaker_cluster.this', 'envs/dev/main.tf#module.key.aws_kms_key.this'],
      ['envs/prod/main.tf#awscc_sagemaker_cluster.this', 'envs/prod/main.tf#module.key.aws_kms_key.this'],
    ]);
  });
});

describe('what a replacement group copies, read from IaC', () => {
  it.each([['cli-json/pass/create-cluster.json'], ['terraform-plan/pass.json']])(
    '%s: the lifecycle config of each group, in both spellings',
    async (path) => {
      const { inventory } = await scanFixtures([path]);
      const groups = inventory.clusters.flatMap((cluster) => cluster.instanceGroups);
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups)
        expect(group.lifeCycleConfig).toEqual({
          sourceS3Uri: 's3://hyperpod-lifecycle-111122223333',
          onCreate: 'on_create.sh',
        });
    },
  );
});
