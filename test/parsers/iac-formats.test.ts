/**
 * The same six situations in every IaC format, run through the real scanner and the real rules:
 * a CMK defined alongside (PASS), alias/aws/sagemaker (FAIL), no key (FAIL), a key that depends on
 * an input the files do not give (UNKNOWN naming it), a weak key (FAIL), a restricted group (N/A).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { render } from '../../src/index.js';
import type { Finding } from '../../src/model/finding.js';
import { InventorySchema, isUnresolved } from '../../src/model/inventory.js';
import { IAC_FIXTURES, removeScannedFiles, scanFixtures as scan, scanFiles } from '../helpers/iac-scan.js';

const findingsOf = (findings: readonly Finding[], ruleId: string, type?: string) =>
  findings.filter((f) => f.ruleId === ruleId && (type === undefined || f.resource.type === type));

function only(findings: readonly Finding[], ruleId: string, type?: string): Finding {
  const matching = findingsOf(findings, ruleId, type);
  expect(matching, `${ruleId} findings`).toHaveLength(1);
  return matching[0]!;
}

type Situation = 'pass' | 'aws-managed' | 'no-key' | 'unknown' | 'weak-key' | 'restricted';

const FORMATS: { format: string; paths: Record<Situation, string>; unknownInput: string }[] = [
  {
    format: 'CloudFormation YAML',
    paths: {
      pass: 'cloudformation-yaml/pass.yaml',
      'aws-managed': 'cloudformation-yaml/aws-managed.yaml',
      'no-key': 'cloudformation-yaml/no-key.yaml',
      unknown: 'cloudformation-yaml/unset-parameter.yaml',
      'weak-key': 'cloudformation-yaml/weak-key.yaml',
      restricted: 'cloudformation-yaml/restricted.yaml',
    },
    unknownInput: 'VolumeKeyArn',
  },
  {
    format: 'CloudFormation JSON (CDK synth)',
    paths: {
      pass: 'cloudformation-json/pass.template.json',
      'aws-managed': 'cloudformation-json/aws-managed.template.json',
      'no-key': 'cloudformation-json/no-key.template.json',
      unknown: 'cloudformation-json/unset-parameter.template.json',
      'weak-key': 'cloudformation-json/weak-key.template.json',
      restricted: 'cloudformation-json/restricted.template.json',
    },
    unknownInput: 'VolumeKeyArn',
  },
  {
    format: 'Terraform HCL',
    paths: {
      pass: 'terraform/pass',
      'aws-managed': 'terraform/aws-managed',
      'no-key': 'terraform/no-key',
      unknown: 'terraform/unset-variable',
      'weak-key': 'terraform/weak-key',
      restricted: 'terraform/restricted',
    },
    unknownInput: 'var.volume_key_arn',
  },
  {
    format: 'Terraform plan JSON',
    paths: {
      pass: 'terraform-plan/pass.json',
      'aws-managed': 'terraform-plan/aws-managed.json',
      'no-key': 'terraform-plan/no-key.json',
      unknown: 'terraform-plan/unknown-key.json',
      'weak-key': 'terraform-plan/weak-key.json',
      restricted: 'terraform-plan/restricted.json',
    },
    unknownInput: 'data.aws_kms_key.volumes',
  },
  {
    format: 'create-cluster / update-cluster input',
    paths: {
      pass: 'cli-json/pass',
      'aws-managed': 'cli-json/aws-managed.yaml',
      'no-key': 'cli-json/no-key.json',
      unknown: 'cli-json/instance-groups-external-key.json',
      'weak-key': 'cli-json/weak-key',
      restricted: 'cli-json/restricted.yaml',
    },
    unknownInput: '',
  },
];

describe.each(FORMATS)('$format', ({ format, paths, unknownInput }) => {
  it('a CMK defined alongside for root and secondary volumes: PASS, and the key itself is judged', async () => {
    const { report, inventory } = await scan([paths.pass]);
    expect(InventorySchema.safeParse(inventory).success).toBe(true);
    const root = only(report.findings, 'hyperpod-root-volume-cmk');
    const secondary = only(report.findings, 'hyperpod-secondary-volume-cmk');
    expect([root.status, root.messageId]).toEqual(['PASS', 'cmk']);
    expect([secondary.status, secondary.messageId]).toEqual(['PASS', 'cmk']);
    expect(root.resource.location?.file).toMatch(/\S/);
    expect(root.resource.location?.line).toBeGreaterThan(0);
    const key = inventory.keys[0]!;
    expect(key.location?.line).toBeGreaterThan(0);
    expect(inventory.clusters[0]!.instanceGroups[0]!.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ resolution: { status: 'resolved', keyArn: key.arn } }),
      ]),
    );
    expect(only(report.findings, 'hyperpod-key-grants-execution-role').status).toBe('PASS');
    expect(only(report.findings, 'kms-key-rotation-enabled').status).toBe('PASS');
    expect(only(report.findings, 'kms-key-policy-least-privilege').status).toBe('PASS');
    expect(only(report.findings, 'kms-key-separation-of-duties').status).toBe('PASS');
    const deletion = only(report.findings, 'kms-key-deletion-protection');
    if (format === 'Terraform plan JSON') {
      // terraform show -json does not carry lifecycle.prevent_destroy.
      expect(deletion.status).toBe('UNKNOWN');
      expect(report.clusters[0]!.status).toBe('unknown');
    } else {
      expect(deletion.status).toBe('PASS');
      expect(report.clusters[0]!.status).toBe('compliant');
    }
  });

  it('alias/aws/sagemaker: FAIL as an AWS managed key', async () => {
    const { report } = await scan([paths['aws-managed']]);
    for (const rule of ['hyperpod-root-volume-cmk', 'hyperpod-secondary-volume-cmk']) {
      const finding = only(report.findings, rule);
      expect([finding.status, finding.messageId]).toEqual(['FAIL', 'awsManaged']);
    }
    expect(report.clusters[0]!.status).toBe('non-compliant');
  });

  it('no key: FAIL, the volumes use an AWS owned key', async () => {
    const { report } = await scan([paths['no-key']]);
    expect(only(report.findings, 'hyperpod-root-volume-cmk')).toMatchObject({
      status: 'FAIL',
      messageId: 'awsOwned',
    });
    expect(only(report.findings, 'hyperpod-secondary-volume-cmk')).toMatchObject({
      status: 'FAIL',
      messageId: 'awsOwned',
      message: expect.stringContaining('500 GiB'),
    });
  });

  it('a key the files cannot pin down: UNKNOWN, naming what is missing', async () => {
    const { report, inventory } = await scan([paths.unknown]);
    const root = only(report.findings, 'hyperpod-root-volume-cmk');
    expect(root.status).toBe('UNKNOWN');
    const volume = (
      inventory.clusters[0]!.instanceGroups[0]!.volumes as {
        role: string;
        kmsKeyId: unknown;
        resolution?: unknown;
      }[]
    ).find((v) => v.role === 'root')!;
    if (unknownInput) {
      expect(root.messageId).toBe('unresolved');
      expect(isUnresolved(volume.kmsKeyId)).toBe(true);
      expect((volume.kmsKeyId as { inputs?: string[] }).inputs).toContain(unknownInput);
      expect(root.message).toContain(unknownInput.replace(/^var\./, ''));
    } else {
      // create-cluster input holds no variables: the key it names is defined outside the files.
      expect(root.messageId).toBe('keyUnknown');
      expect(volume.resolution).toEqual({ status: 'unknown', reason: 'defined outside the scanned files' });
    }
    expect(report.clusters[0]!.unknown).toContain('hyperpod-root-volume-cmk');
  });

  it('a key without rotation and with a 7-day deletion window: FAIL', async () => {
    const { report } = await scan([paths['weak-key']]);
    expect(only(report.findings, 'hyperpod-root-volume-cmk').status).toBe('PASS');
    expect(only(report.findings, 'kms-key-rotation-enabled')).toMatchObject({
      status: 'FAIL',
      messageId: 'disabled',
    });
    expect(only(report.findings, 'kms-key-deletion-protection')).toMatchObject({
      status: 'FAIL',
      messageId: 'unprotected',
      message: expect.stringContaining('7-day deletion window'),
    });
    expect(report.clusters[0]!.status).toBe('non-compliant');
  });

  it('a restricted instance group: NOT_APPLICABLE', async () => {
    const { report, inventory } = await scan([paths.restricted]);
    expect(inventory.clusters[0]!.instanceGroups[0]!.kind).toBe('restricted');
    for (const rule of ['hyperpod-root-volume-cmk', 'hyperpod-secondary-volume-cmk'])
      expect(only(report.findings, rule)).toMatchObject({
        status: 'NOT_APPLICABLE',
        messageId: 'restricted',
      });
  });
});

describe('every scanned object carries its file and line', () => {
  it('clusters, instance groups, volumes and keys of every fixture', async () => {
    const { inventory } = await scan(['.']);
    expect(inventory.clusters.length).toBeGreaterThan(25);
    for (const cluster of inventory.clusters) {
      expect(cluster.location?.line, cluster.id).toBeGreaterThan(0);
      for (const group of cluster.instanceGroups) {
        expect(group.location?.line, group.id).toBeGreaterThan(0);
        if (Array.isArray(group.volumes))
          for (const volume of group.volumes) expect(volume.location?.line, group.id).toBeGreaterThan(0);
      }
    }
    for (const key of inventory.keys) expect(key.location?.line, key.arn).toBeGreaterThan(0);
    expect(InventorySchema.safeParse(inventory).success).toBe(true);
  });
});

describe('update-cluster input', () => {
  it('a group listed without InstanceStorageConfigs may exist already: UNKNOWN, not an AWS owned key', async () => {
    const { report, inventory } = await scan(['cli-json/update/update-cluster.json']);
    const groups = inventory.clusters[0]!.instanceGroups;
    expect(groups.map((g) => g.name)).toEqual(['workers', 'workers-cmk']);
    const existing = groups[0]!.volumes;
    expect(isUnresolved(existing) && existing.inputs).toEqual([
      "workers's current InstanceStorageConfigs (aws sagemaker describe-cluster)",
    ]);
    const verdict = (rule: string, group: string) =>
      report.findings
        .filter((f) => f.ruleId === rule && f.resource.instanceGroup === group)
        .map((f) => [f.status, f.messageId]);
    expect(verdict('hyperpod-root-volume-cmk', 'workers')).toEqual([['UNKNOWN', 'unresolved']]);
    expect(verdict('hyperpod-secondary-volume-cmk', 'workers')).toEqual([['UNKNOWN', 'unresolved']]);
    expect(
      report.findings.find(
        (f) => f.ruleId === 'hyperpod-root-volume-cmk' && f.resource.instanceGroup === 'workers',
      )?.message,
    ).toContain('may name an instance group that already exists');
    // A group whose storage the input states is judged as written: what a group it creates gets.
    expect(verdict('hyperpod-root-volume-cmk', 'workers-cmk')).toEqual([['FAIL', 'awsOwned']]);
    expect(verdict('hyperpod-secondary-volume-cmk', 'workers-cmk')).toEqual([['FAIL', 'awsOwned']]);
  });

  it('a create-cluster input without InstanceStorageConfigs still fails: every group is new', async () => {
    const { report } = await scan(['cli-json/no-key.json']);
    expect(only(report.findings, 'hyperpod-root-volume-cmk').status).toBe('FAIL');
  });
});

describe('hashicorp/aws aws_sagemaker_cluster', () => {
  const verdicts = (findings: readonly Finding[], rule: string) =>
    findings
      .filter((f) => f.ruleId === rule)
      .map((f) => `${f.resource.instanceGroup ?? f.resource.id}:${f.status}:${f.messageId}`);

  it('read from HCL blocks: no key can be named, so every volume is on an AWS owned key', async () => {
    const { report, inventory } = await scan(['terraform/aws-provider-cluster']);
    const cluster = inventory.clusters[0]!;
    expect([cluster.name, cluster.orchestrator, cluster.nodeProvisioningMode]).toEqual([
      'tf-aws-slurm',
      'none',
      null,
    ]);
    expect(cluster.instanceGroups.map((g) => [g.name, g.executionRole, g.instanceCount])).toEqual([
      ['example', 'arn:aws:iam::111122223333:role/hyperpod-workers', 2],
      ['example-worker', 'arn:aws:iam::111122223333:role/hyperpod-workers', 1],
    ]);
    expect(verdicts(report.findings, 'hyperpod-root-volume-cmk')).toEqual([
      'example:FAIL:awsOwned',
      'example-worker:FAIL:awsOwned',
    ]);
    expect(verdicts(report.findings, 'hyperpod-secondary-volume-cmk')).toEqual([
      'example:FAIL:awsOwned',
      'example-worker:NOT_APPLICABLE:noSecondary',
    ]);
    expect(only(report.findings, 'hyperpod-cmk-provisioning-mode')).toMatchObject({
      status: 'FAIL',
      messageId: 'legacyMode',
    });
    expect(report.clusters[0]!.status).toBe('non-compliant');
  });

  it('key and mode fields, where a provider version has them, are read like awscc', async () => {
    const { report, inventory } = await scan(['terraform/aws-provider-cluster-keys']);
    const cluster = inventory.clusters[0]!;
    expect([cluster.orchestrator, cluster.nodeProvisioningMode]).toEqual(['eks', 'Continuous']);
    expect(verdicts(report.findings, 'hyperpod-root-volume-cmk')).toEqual(['workers:PASS:cmk']);
    expect(verdicts(report.findings, 'hyperpod-secondary-volume-cmk')).toEqual(['workers:PASS:cmk']);
  });

  it('read from a plan (blocks as lists)', async () => {
    const { report, issues } = await scan(['terraform-plan/aws-provider-cluster.json']);
    expect(verdicts(report.findings, 'hyperpod-root-volume-cmk')).toEqual(['workers:FAIL:awsOwned']);
    expect(verdicts(report.findings, 'hyperpod-secondary-volume-cmk')).toEqual(['workers:FAIL:awsOwned']);
    expect(issues.map((i) => [i.code, i.severity, i.location?.file])).toEqual([
      ['tf.unsupported_cluster_type', 'error', 'terraform-plan/aws-provider-cluster.json'],
    ]);
  });
});

describe('a resource type that looks like a HyperPod cluster and is not read', () => {
  it('is an input issue (error) in Terraform and CloudFormation, not a clean scan', async () => {
    const { report, issues } = await scan(['unsupported-cluster']);
    expect(
      issues.map((i) => [i.code, i.severity, i.message.split(' is a ')[0], i.location?.file]).sort(),
    ).toEqual([
      ['cfn.unsupported_cluster_type', 'error', 'Cluster', 'unsupported-cluster/template.yaml'],
      [
        'tf.unsupported_cluster_type',
        'error',
        'aws_sagemaker_hyperpod_cluster.future',
        'unsupported-cluster/main.tf',
      ],
    ]);
    expect(report.issues).toHaveLength(2);
  });
});

describe.each(FORMATS)('$format: keys outside Continuous mode', ({ format, paths }) => {
  it('the pass fixture without NodeProvisioningMode: its keys are ignored, the volumes FAIL', async () => {
    // The same files, in a copy whose NodeProvisioningMode line (legacy mode when absent) is gone.
    const dir = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-legacy-'));
    cpSync(join(IAC_FIXTURES, paths.pass), join(dir, paths.pass), { recursive: true });
    let removed = 0;
    for (const entry of readdirSync(join(dir, paths.pass.split('/')[0]!), {
      recursive: true,
      withFileTypes: true,
    })) {
      if (!entry.isFile()) continue;
      const file = join(entry.parentPath, entry.name);
      const text = readFileSync(file, 'utf8');
      const legacy = text.replace(/^.*(NodeProvisioningMode|node_provisioning_mode).*Continuous.*\n/gm, '');
      removed += text.length - legacy.length;
      writeFileSync(file, legacy);
    }
    expect(removed, format).toBeGreaterThan(0);
    const { report } = await scan([paths.pass], { cwd: dir });
    for (const rule of ['hyperpod-root-volume-cmk', 'hyperpod-secondary-volume-cmk'])
      expect([only(report.findings, rule).status, only(report.findings, rule).messageId]).toEqual([
        'FAIL',
        'keyIgnored',
      ]);
    expect(only(report.findings, 'hyperpod-cmk-provisioning-mode')).toMatchObject({
      status: 'FAIL',
      messageId: 'keyIgnored',
    });
    expect(report.clusters[0]!.status).toBe('non-compliant');
  });
});

describe('CloudFormation and Terraform scanned in one run', () => {
  const schema = (name: string) =>
    JSON.parse(readFileSync(new URL(`../../schemas/${name}.schema.json`, import.meta.url), 'utf8'));
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  const validReport = ajv.compile(schema('report'));
  const validInventory = ajv.compile(schema('inventory'));

  it('each resource keeps its own source; the scan says both (iac, and its sources), not the larger one', async () => {
    const { report, inventory } = await scan(['cloudformation-yaml/no-key.yaml', 'terraform/pass']);
    expect(
      inventory.clusters.map((c) => [c.id, c.source]).sort((a, b) => a[0]!.localeCompare(b[0]!)),
    ).toEqual([
      ['cloudformation-yaml/no-key.yaml#Cluster', 'cloudformation'],
      ['terraform/pass/main.tf#awscc_sagemaker_cluster.this', 'terraform'],
    ]);
    expect(new Set(inventory.keys.map((k) => k.source))).toEqual(new Set(['terraform']));
    expect([inventory.source, inventory.accounts.map((a) => a.source)]).toEqual(['iac', ['iac']]);
    expect([report.scan.source, report.scan.sources]).toEqual(['iac', ['cloudformation', 'terraform']]);
    // The published schemas take it (an added value, an added optional field: schemaVersion 1 still).
    expect(validReport(JSON.parse(render(report, 'json')))).toBe(true);
    expect(validInventory(JSON.parse(JSON.stringify(inventory)))).toBe(true);
    expect(render(report, 'table').split('\n')[0]).toContain(' · cloudformation + terraform · ');
    expect(render(report, 'markdown')).toContain('Source: cloudformation + terraform · scanned');
    // SARIF and history keep treating it as IaC.
    expect(JSON.parse(render(report, 'sarif')).runs[0].automationDetails.id).toMatch(/^hyperpod-cmk\/iac\//);
  });

  it('one format alone is that format, with no list', async () => {
    const { report, inventory } = await scan(['cloudformation-yaml/no-key.yaml']);
    expect([inventory.source, inventory.accounts.map((a) => a.source)]).toEqual([
      'cloudformation',
      ['cloudformation'],
    ]);
    expect(report.scan.source).toBe('cloudformation');
    expect('sources' in report.scan).toBe(false);
    expect(render(report, 'markdown')).toContain('Source: cloudformation · scanned');
  });
});

// https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html: InstanceStorageConfigs
// "allows up to two EbsVolumeConfig configurations ... you can't specify two root volumes or two
// secondary volumes". Such a group is one CreateCluster refuses: its volumes are UNKNOWN, with an
// issue naming it, never judged on the first of the two.
describe('an instance group with two root or two secondary EBS volumes', () => {
  afterEach(removeScannedFiles);
  const ROOT_KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const cfn = (volumes: string) => `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Cluster:
    Type: AWS::SageMaker::Cluster
    Properties:
      ClusterName: two
      NodeProvisioningMode: Continuous
      Orchestrator:
        Eks:
          ClusterArn: arn:aws:eks:us-east-1:111122223333:cluster/ml
      InstanceGroups:
        - InstanceGroupName: workers
          InstanceType: ml.g5.8xlarge
          InstanceCount: 1
          ExecutionRole: arn:aws:iam::111122223333:role/hyperpod-workers
          LifeCycleConfig:
            SourceS3Uri: s3://hyperpod-lifecycle-111122223333
            OnCreate: on_create.sh
          InstanceStorageConfigs:
${volumes}`;
  const tf = (volumes: string) => `resource "awscc_sagemaker_cluster" "two" {
  cluster_name           = "two"
  node_provisioning_mode = "Continuous"
  orchestrator = { eks = { cluster_arn = "arn:aws:eks:us-east-1:111122223333:cluster/ml" } }
  instance_groups = [{
    instance_group_name      = "workers"
    instance_type            = "ml.g5.8xlarge"
    instance_count           = 1
    execution_role           = "arn:aws:iam::111122223333:role/hyperpod-workers"
    instance_storage_configs = [${volumes}]
  }]
}
`;
  const cli = (volumes: unknown[]) =>
    JSON.stringify({
      ClusterName: 'two',
      NodeProvisioningMode: 'Continuous',
      Orchestrator: { Eks: { ClusterArn: 'arn:aws:eks:us-east-1:111122223333:cluster/ml' } },
      InstanceGroups: [
        {
          InstanceGroupName: 'workers',
          InstanceType: 'ml.g5.8xlarge',
          InstanceCount: 1,
          ExecutionRole: 'arn:aws:iam::111122223333:role/hyperpod-workers',
          LifeCycleConfig: { SourceS3Uri: 's3://hyperpod-lifecycle-111122223333', OnCreate: 'on_create.sh' },
          InstanceStorageConfigs: volumes,
        },
      ],
    });

  it('is UNKNOWN for the volume rules in every format, with an issue naming the group and the fix', async () => {
    const { report, issues } = await scanFiles({
      'roots.yaml': cfn(`            - EbsVolumeConfig:
                RootVolume: true
                VolumeKmsKeyId: ${ROOT_KEY}
            - EbsVolumeConfig:
                RootVolume: true
                VolumeKmsKeyId: alias/aws/ebs
`),
      'secondaries.yaml': cfn(`            - EbsVolumeConfig:
                VolumeSizeInGB: 100
                VolumeKmsKeyId: ${ROOT_KEY}
            - EbsVolumeConfig:
                RootVolume: false
                VolumeSizeInGB: 200
`),
      'main.tf': tf(`
      { ebs_volume_config = { root_volume = true, volume_kms_key_id = "${ROOT_KEY}" } },
      { ebs_volume_config = { root_volume = true, volume_kms_key_id = "alias/aws/ebs" } },
    `),
      'create-cluster.json': cli([
        { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: ROOT_KEY } },
        { EbsVolumeConfig: { RootVolume: true } },
      ]),
    });
    const message = (id: string, role: 'root' | 'secondary') =>
      `instance group ${id}/instance-group/workers: two EbsVolumeConfig entries are its ${role} volume (RootVolume ${role === 'root' ? 'true' : 'false or left out'}), which CreateCluster does not take`;
    expect(
      issues
        .map((i) => [i.code, i.severity, i.message, i.location?.file])
        .sort((a, b) => a[3]!.localeCompare(b[3]!)),
    ).toEqual([
      ['iac.duplicate_volume', 'error', message('create-cluster.json#two', 'root'), 'create-cluster.json'],
      ['iac.duplicate_volume', 'error', message('main.tf#awscc_sagemaker_cluster.two', 'root'), 'main.tf'],
      ['iac.duplicate_volume', 'error', message('roots.yaml#Cluster', 'root'), 'roots.yaml'],
      ['iac.duplicate_volume', 'error', message('secondaries.yaml#Cluster', 'secondary'), 'secondaries.yaml'],
    ]);
    const statuses = (rule: string) =>
      Object.fromEntries(
        findingsOf(report.findings, rule).map((f) => [f.resource.id.split('#')[0], f.status]),
      );
    for (const rule of ['hyperpod-root-volume-cmk', 'hyperpod-secondary-volume-cmk'])
      expect(statuses(rule), rule).toEqual({
        'create-cluster.json': 'UNKNOWN',
        'main.tf': 'UNKNOWN',
        'roots.yaml': 'UNKNOWN',
        'secondaries.yaml': 'UNKNOWN',
      });
  });

  it('one root and one secondary volume are judged, each on its own', async () => {
    const { report, issues, inventory } = await scanFiles({
      'create-cluster.json': cli([
        { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: ROOT_KEY } },
        { EbsVolumeConfig: { VolumeSizeInGB: 100 } },
      ]),
    });
    expect(issues).toEqual([]);
    const volumes = inventory.clusters[0]!.instanceGroups[0]!.volumes;
    expect(isUnresolved(volumes) ? volumes : volumes.map((v) => [v.role, v.kmsKeyId])).toEqual([
      ['root', ROOT_KEY],
      ['secondary', null],
    ]);
    expect(only(report.findings, 'hyperpod-secondary-volume-cmk').status).toBe('FAIL');
    expect(only(report.findings, 'hyperpod-root-volume-cmk').status).toBe('UNKNOWN');
  });
});
