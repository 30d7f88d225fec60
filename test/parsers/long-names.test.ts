/**
 * A cluster or instance group name longer than CreateCluster takes (1 to 63 characters, SageMaker
 * API Reference) is an input issue naming the resource, and is shown shortened: a group's name is
 * in its id, and so in every finding about it, which a 100 KB name would multiply into a report of
 * megabytes. Key ids longer than KMS takes are shortened the same way, in every format.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { render } from '../../src/index.js';
import { scanIac } from '../../src/parsers/iac.js';
import { runPipeline } from '../../src/pipeline.js';
import { IAC_FIXTURES } from '../helpers/iac-scan.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function scanText(file: string, text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'hpcmk-names-'));
  dirs.push(dir);
  writeFileSync(join(dir, file), text);
  const result = await scanIac({ paths: [file], cwd: dir, generatedAt: NOW.toISOString() });
  if (!result.ok) throw new Error(`${result.error.input}: ${result.error.message}`);
  const { report } = runPipeline(result.value.inventory, { now: NOW, issues: result.value.issues });
  return { report, inventory: result.value.inventory, issues: result.value.issues };
}

const fixture = (path: string) => readFileSync(join(IAC_FIXTURES, path), 'utf8');

const CLUSTER = `c${'x'.repeat(100_000)}`;
const GROUP = `g${'y'.repeat(100_000)}`;
/** A text cut to its first `max` characters, marked, with a digest of the whole (two long names stay two). */
const cut = (text: string, max: number) =>
  `${text.slice(0, max)}…(sha256 ${createHash('sha256').update(text).digest('hex').slice(0, 16)})`;
/** What is shown of them: the first 63 characters (what CreateCluster takes), marked. */
const CLUSTER_SHOWN = cut(CLUSTER, 63);
const GROUP_SHOWN = cut(GROUP, 63);

const tooLong = (property: string, resource: string, line: number, file: string) => ({
  code: 'iac.name_too_long',
  severity: 'error',
  message: `${resource}: its ${property} is 100,001 characters, longer than the 63 CreateCluster takes (shown shortened)`,
  hint: `CreateCluster refuses it: shorten ${property} to at most 63 letters, digits and hyphens`,
  location: { file, line },
});

describe.each([
  {
    format: 'CloudFormation YAML',
    file: 'stack.yaml',
    text: () =>
      fixture('cloudformation-yaml/no-key.yaml')
        .replace('ClusterName: no-key', `ClusterName: ${CLUSTER}`)
        .replace('InstanceGroupName: workers', `InstanceGroupName: ${GROUP}`),
    clusterId: 'stack.yaml#Cluster',
    lines: { cluster: 4, group: 13 },
  },
  {
    format: 'Terraform HCL',
    file: 'main.tf',
    text: () =>
      fixture('terraform/no-key/main.tf')
        .replace('"no-key"', `"${CLUSTER}"`)
        .replace('"workers"', `"${GROUP}"`),
    clusterId: 'main.tf#awscc_sagemaker_cluster.this',
    lines: { cluster: 2, group: 9 },
  },
  {
    format: 'Terraform plan JSON',
    file: 'plan.json',
    text: () =>
      fixture('terraform-plan/no-key.json')
        .replaceAll('"no-key"', `"${CLUSTER}"`)
        .replaceAll('"workers"', `"${GROUP}"`),
    clusterId: 'plan.json#awscc_sagemaker_cluster.this',
    lines: { cluster: 60, group: 69 },
  },
  {
    format: 'create-cluster input',
    file: 'create.json',
    text: () =>
      fixture('cli-json/no-key.json').replace('"no-key"', `"${CLUSTER}"`).replace('"workers"', `"${GROUP}"`),
    clusterId: `create.json#${CLUSTER_SHOWN}`,
    lines: { cluster: 1, group: 6 },
  },
])('$format: a 100 KB cluster and group name', ({ file, text, clusterId, lines }) => {
  it('is an input issue naming each, shown shortened in the inventory and every finding; the report stays small', async () => {
    const { report, inventory, issues } = await scanText(file, text());
    const groupId = `${clusterId}/instance-group/${GROUP_SHOWN}`;
    expect(issues).toEqual([
      tooLong('ClusterName', `cluster ${clusterId}`, lines.cluster, file),
      tooLong('InstanceGroupName', `instance group ${groupId}`, lines.group, file),
    ]);
    expect(
      inventory.clusters.map((c) => [c.id, c.name, c.instanceGroups.map((g) => [g.id, g.name])]),
    ).toEqual([[clusterId, CLUSTER_SHOWN, [[groupId, GROUP_SHOWN]]]]);
    // Still judged, under the shortened name.
    const root = report.findings.filter((f) => f.ruleId === 'hyperpod-root-volume-cmk');
    expect(root.map((f) => [f.resource.id, f.status, f.messageId])).toEqual([[groupId, 'FAIL', 'awsOwned']]);
    expect(Math.max(...report.findings.map((f) => JSON.stringify(f).length))).toBeLessThan(5_000);
    expect(render(report, 'json').length).toBeLessThan(100_000);
  });
});

describe('names that fit, or may', () => {
  it('63 characters is a name CreateCluster takes: no issue, shown whole', async () => {
    const name = 'n'.repeat(63);
    const { inventory, issues } = await scanText(
      'stack.yaml',
      fixture('cloudformation-yaml/no-key.yaml').replace('ClusterName: no-key', `ClusterName: ${name}`),
    );
    expect(issues).toEqual([]);
    expect(inventory.clusters[0]!.name).toBe(name);
  });

  it('a reference is too long only for what it surely holds: its text outside the placeholders', async () => {
    const template = (groupName: string) =>
      fixture('cloudformation-yaml/no-key.yaml').replace(
        'InstanceGroupName: workers',
        `InstanceGroupName: ${groupName}`,
      );
    // 17 + 46 characters written, of which 46 surely: the stack name may be short enough.
    const fits = `!Sub '\${AWS::StackName}-${'f'.repeat(45)}'`;
    const ok = await scanText('stack.yaml', template(fits));
    expect(ok.issues).toEqual([]);
    expect(ok.inventory.clusters[0]!.instanceGroups[0]!.name).toBe(`\${AWS::StackName}-${'f'.repeat(45)}`);
    const long = await scanText('stack.yaml', template(`!Sub '\${AWS::Region}-${'r'.repeat(99_999)}'`));
    const shown = cut(`\${AWS::Region}-${'r'.repeat(99_999)}`, 63);
    expect(long.issues.map((issue) => issue.message)).toEqual([
      `instance group stack.yaml#Cluster/instance-group/${shown}: its InstanceGroupName is at least 100,000 characters, longer than the 63 CreateCluster takes (shown shortened)`,
    ]);
  });
});

describe('a variable file with no configuration beside it', () => {
  it('names too long for CreateCluster are issues, shown shortened', async () => {
    const { inventory, issues } = await scanText(
      'terraform.tfvars',
      `hyperpod_cluster_name = "${CLUSTER}"\ninstance_groups = {\n  "${GROUP}" = { instance_type = "ml.c5.xlarge", instance_count = 1 }\n}\n`,
    );
    const clusterId = 'terraform.tfvars#var.instance_groups';
    const groupId = `${clusterId}/instance-group/${GROUP_SHOWN}`;
    expect(issues).toEqual([
      tooLong('ClusterName', `cluster ${clusterId}`, 2, 'terraform.tfvars'),
      tooLong('InstanceGroupName', `instance group ${groupId}`, 3, 'terraform.tfvars'),
    ]);
    expect(inventory.clusters.map((c) => [c.name, c.instanceGroups.map((g) => g.id)])).toEqual([
      [CLUSTER_SHOWN, [groupId]],
    ]);
  });
});

describe('a key id longer than KMS takes is UNKNOWN, shortened, in every format', () => {
  const key = `arn:aws:kms:us-east-1:111122223333:key/${'k'.repeat(5_000)}`;
  const unresolved = {
    unresolved: `${key.slice(0, 199)}…`,
    reason: 'longer than any key id, key ARN or alias AWS accepts (2,048 characters)',
  };
  it.each([
    [
      'plan.json',
      () =>
        fixture('terraform-plan/no-key.json').replaceAll(
          '"volume_size_in_gb": 500',
          `"volume_size_in_gb": 500, "volume_kms_key_id": "${key}"`,
        ),
    ],
    [
      'create.json',
      () =>
        fixture('cli-json/no-key.json').replace(
          '"VolumeSizeInGB": 500',
          `"VolumeSizeInGB": 500, "VolumeKmsKeyId": "${key}"`,
        ),
    ],
  ])('%s', async (file, text) => {
    const { inventory } = await scanText(file, text());
    expect(inventory.clusters[0]!.instanceGroups[0]!.volumes).toEqual([
      expect.objectContaining({ role: 'secondary', kmsKeyId: unresolved }),
    ]);
  });
});

/** A template of one cluster whose volume names a key of the template, under the logical ids given. */
const cfn = (logicalId: string) =>
  JSON.stringify({
    Resources: {
      [`${logicalId}Key`]: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } },
      [logicalId]: {
        Type: 'AWS::SageMaker::Cluster',
        Properties: {
          ClusterName: 'c',
          NodeProvisioningMode: 'Continuous',
          InstanceGroups: [
            {
              InstanceGroupName: 'workers',
              InstanceType: 'ml.c5.xlarge',
              InstanceCount: 1,
              ExecutionRole: 'arn:aws:iam::111122223333:role/r',
              InstanceStorageConfigs: [
                { EbsVolumeConfig: { VolumeSizeInGB: 500, VolumeKmsKeyId: { Ref: `${logicalId}Key` } } },
              ],
            },
          ],
        },
      },
    },
  });

describe('identifiers of any length from the files: logical ids, resource names, for_each keys, plan addresses', () => {
  // CloudFormation takes logical ids of up to 255 characters; past that, ids show the first 255.
  const LONG = `L${'i'.repeat(1_000_000)}`;
  const SHOWN = cut(LONG, 255);
  const tf = (resourceName: string, key: string) =>
    fixture('terraform/no-key/main.tf').replace(
      '"this" {',
      `"${resourceName}" {\n  for_each = toset(["${key}"])`,
    );

  it.each([
    {
      what: 'a CloudFormation logical id',
      file: 'stack.json',
      text: () => cfn(LONG),
      ids: [
        `stack.json#${SHOWN}`,
        `stack.json#${SHOWN}/instance-group/workers`,
        `stack.json#${cut(`${LONG}Key`, 255)}`,
      ],
    },
    {
      what: 'a Terraform resource name',
      file: 'main.tf',
      text: () => tf(LONG, 'k'),
      ids: [
        `main.tf#awscc_sagemaker_cluster.${SHOWN}["k"]`,
        `main.tf#awscc_sagemaker_cluster.${SHOWN}["k"]/instance-group/workers`,
      ],
    },
    {
      what: 'a for_each key',
      file: 'main.tf',
      text: () => tf('this', LONG),
      ids: [
        `main.tf#awscc_sagemaker_cluster.this[${JSON.stringify(SHOWN)}]`,
        `main.tf#awscc_sagemaker_cluster.this[${JSON.stringify(SHOWN)}]/instance-group/workers`,
      ],
    },
    {
      what: 'a plan address',
      file: 'plan.json',
      text: () =>
        fixture('terraform-plan/no-key.json').replaceAll(
          'awscc_sagemaker_cluster.this',
          `awscc_sagemaker_cluster.${LONG}`,
        ),
      ids: [
        `plan.json#${cut(`awscc_sagemaker_cluster.${LONG}`, 255)}`,
        `plan.json#${cut(`awscc_sagemaker_cluster.${LONG}`, 255)}/instance-group/workers`,
      ],
    },
  ])(
    '$what of a megabyte is shown cut in every id, and the report stays small',
    async ({ file, text, ids }) => {
      const { report } = await scanText(file, text());
      expect([...new Set(report.findings.map((f) => f.resource.id))].sort()).toEqual([...ids].sort());
      expect(Math.max(...report.findings.map((f) => JSON.stringify(f).length))).toBeLessThan(5_000);
      expect(render(report, 'json').length).toBeLessThan(100_000);
    },
  );

  it('the key a long logical id names is still the key the volume resolves to', async () => {
    const { inventory } = await scanText('stack.json', cfn(LONG));
    const keyId = `stack.json#${cut(`${LONG}Key`, 255)}`;
    expect(inventory.keys.map((k) => k.arn)).toEqual([keyId]);
    expect(inventory.clusters[0]!.instanceGroups[0]!.volumes).toEqual([
      expect.objectContaining({ role: 'secondary', resolution: { status: 'resolved', keyArn: keyId } }),
    ]);
  });
});

describe('two long names with the same beginning stay two resources', () => {
  const first = `${'s'.repeat(300)}a`;
  const second = `${'s'.repeat(300)}b`;

  it('instance groups of one cluster: two groups, two ids, each judged', async () => {
    const group = fixture('cloudformation-yaml/no-key.yaml').split(
      '        - InstanceGroupName: workers',
    )[1]!;
    const text =
      fixture('cloudformation-yaml/no-key.yaml').replace(
        'InstanceGroupName: workers',
        `InstanceGroupName: ${first}`,
      ) + `        - InstanceGroupName: ${second}${group}`;
    const { report } = await scanText('stack.yaml', text);
    const root = report.findings.filter((f) => f.ruleId === 'hyperpod-root-volume-cmk');
    expect(root.map((f) => [f.resource.id, f.status])).toEqual([
      [`stack.yaml#Cluster/instance-group/${cut(first, 63)}`, 'FAIL'],
      [`stack.yaml#Cluster/instance-group/${cut(second, 63)}`, 'FAIL'],
    ]);
  });

  it('clusters of create-cluster input, logical ids and for_each keys: one id each', async () => {
    const ids = async (file: string, text: string) =>
      [...new Set((await scanText(file, text)).report.findings.map((f) => f.resource.id))].filter(
        (id) => !id.includes('/instance-group/'),
      );
    expect(
      await ids(
        'main.tf',
        fixture('terraform/no-key/main.tf').replace(
          '"this" {',
          `"this" {\n  for_each = toset(["${first}", "${second}"])`,
        ),
      ),
    ).toEqual([
      `main.tf#awscc_sagemaker_cluster.this[${JSON.stringify(cut(first, 255))}]`,
      `main.tf#awscc_sagemaker_cluster.this[${JSON.stringify(cut(second, 255))}]`,
    ]);
    const two = JSON.parse(cfn('X')).Resources;
    const template = JSON.stringify({
      Resources: { [`${'A'.repeat(300)}1`]: two.X, [`${'A'.repeat(300)}2`]: two.X, XKey: two.XKey },
    });
    expect(await ids('stack.json', template)).toEqual([
      `stack.json#${cut(`${'A'.repeat(300)}1`, 255)}`,
      `stack.json#${cut(`${'A'.repeat(300)}2`, 255)}`,
      'stack.json#XKey',
    ]);
    const input = (name: string) => fixture('cli-json/no-key.json').replace('"no-key"', `"${name}"`);
    expect(await ids('a.json', input(first))).toEqual([`a.json#${cut(first, 63)}`]);
    expect(await ids('a.json', input(second))).toEqual([`a.json#${cut(second, 63)}`]);
  });
});

describe("a name CreateCluster's pattern refuses is an issue as a name too long is", () => {
  // ^[a-zA-Z0-9](-*[a-zA-Z0-9])*$ for ClusterName and InstanceGroupName (SageMaker API Reference).
  const invalid = (property: string, resource: string, what: string, line: number) => ({
    code: 'iac.name_invalid',
    severity: 'error',
    message: `${resource}: its ${property} ${what}, which CreateCluster does not take`,
    hint: `CreateCluster refuses it: write ${property} with letters, digits and hyphens only, starting and ending with a letter or digit`,
    location: { file: 'stack.yaml', line },
  });
  const template = (clusterName: string, groupName: string) =>
    fixture('cloudformation-yaml/no-key.yaml')
      .replace('ClusterName: no-key', `ClusterName: ${clusterName}`)
      .replace('InstanceGroupName: workers', `InstanceGroupName: ${groupName}`);

  it.each([
    ['no_key', 'has "_" at character 3', 'work.ers', 'has "." at character 5'],
    ['-no-key', 'starts with a hyphen', 'workers-', 'ends with a hyphen'],
    ["''", 'is empty', '"\\e[31mred"', 'has "\\u001b" at character 1'],
    ["!Sub '${AWS::StackName}_x'", 'has "_" outside its references', "!Sub '${AWS::Region}-ok'", undefined],
  ])('ClusterName %s (%s), InstanceGroupName %s', async (clusterName, clusterWhat, groupName, groupWhat) => {
    const { issues, inventory, report } = await scanText('stack.yaml', template(clusterName, groupName));
    const group = inventory.clusters[0]!.instanceGroups[0]!;
    expect(issues).toEqual([
      invalid('ClusterName', 'cluster stack.yaml#Cluster', clusterWhat, 4),
      ...(groupWhat ? [invalid('InstanceGroupName', `instance group ${group.id}`, groupWhat, 13)] : []),
    ]);
    // Still judged, as a name too long is.
    expect(
      report.findings
        .filter((f) => f.ruleId === 'hyperpod-root-volume-cmk')
        .map((f) => [f.resource.id, f.status]),
    ).toEqual([[group.id, 'FAIL']]);
  });

  it('names that match it are no issue: letters, digits, hyphens between them, one character', async () => {
    expect((await scanText('stack.yaml', template('A--0b', 'x'))).issues).toEqual([]);
  });

  it('in create-cluster input and a Terraform variable file too', async () => {
    const input = await scanText(
      'create.json',
      fixture('cli-json/no-key.json').replace('"no-key"', '"no key"').replace('"workers"', '"w_1"'),
    );
    expect(input.issues.map((issue) => [issue.code, issue.message])).toEqual([
      [
        'iac.name_invalid',
        'cluster create.json#no key: its ClusterName has " " at character 3, which CreateCluster does not take',
      ],
      [
        'iac.name_invalid',
        'instance group create.json#no key/instance-group/w_1: its InstanceGroupName has "_" at character 2, which CreateCluster does not take',
      ],
    ]);
    const vars = await scanText(
      'terraform.tfvars',
      'hyperpod_cluster_name = "my.cluster"\ninstance_groups = {\n  "gpu_a" = { instance_type = "ml.c5.xlarge", instance_count = 1 }\n}\n',
    );
    expect(vars.issues.map((issue) => [issue.code, issue.message])).toEqual([
      [
        'iac.name_invalid',
        'cluster terraform.tfvars#var.instance_groups: its ClusterName has "." at character 3, which CreateCluster does not take',
      ],
      [
        'iac.name_invalid',
        'instance group terraform.tfvars#var.instance_groups/instance-group/gpu_a: its InstanceGroupName has "_" at character 4, which CreateCluster does not take',
      ],
    ]);
  });
});
