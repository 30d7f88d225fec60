/**
 * A cluster or instance group name longer than CreateCluster takes (1 to 63 characters, SageMaker
 * API Reference) is an input issue naming the resource, and is shown shortened: a group's name is
 * in its id, and so in every finding about it, which a 100 KB name would multiply into a report of
 * megabytes. Key ids longer than KMS takes are shortened the same way, in every format.
 */
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
/** What is shown of them: the first 63 characters (what CreateCluster takes), marked. */
const CLUSTER_SHOWN = `c${'x'.repeat(62)}…`;
const GROUP_SHOWN = `g${'y'.repeat(62)}…`;

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
    const shown = `\${AWS::Region}-${'r'.repeat(48)}…`;
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
