/**
 * IaC scanning speed: a generated corpus of 5,000 files mixing every format (CloudFormation YAML
 * and CDK JSON, Terraform modules, plans, create-cluster input), scanned in full, against the
 * floor of merely discovering, reading and parsing the same files with the same parsers.
 * Prints files/s, peak memory and the ratio (goal: at most 1.3x). The ratio is taken on CPU time
 * (user + system), which a busy machine does not distort the way it distorts wall-clock time;
 * wall-clock figures are printed too.
 *
 * Then hostile Terraform: roots that each spend the whole evaluation budget in one way (the
 * cheapest steps, and the work charged besides steps), each scanned alone (goal: at most
 * HOSTILE_ROOT_GOAL_MS of CPU), and all of them in one scan, which the scan's budget bounds (goal:
 * at most HOSTILE_SCAN_GOAL_MS). These run the built scanner (`npm run bench` builds first), as
 * the CLI does: the same code run from source through tsx takes about three times the CPU.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { loadJson, loadYaml } from '../src/parsers/common/source-tree.js';
import { discover } from '../src/parsers/discover.js';
import { scanIac } from '../src/parsers/iac.js';
import { initHcl, parseHcl } from '../src/parsers/terraform/hcl.js';
import { runPipeline } from '../src/pipeline.js';

const FILES = Number(process.env.IAC_BENCH_FILES ?? 5000);
const GOAL = 1.3;
const HOSTILE_ROOT_GOAL_MS = 3_000;
const HOSTILE_SCAN_GOAL_MS = 10_000;

const doubling = (name: string, levels: number, seed: string, join: (prev: string) => string) =>
  [
    `  ${name}0 = ${seed}`,
    ...Array.from({ length: levels }, (_, i) => `  ${name}${i + 1} = ${join(`local.${name}${i}`)}`),
  ].join('\n');

/** Hostile roots: 1,000 cluster instances, each tagged with a value costly in one way. */
const HOSTILE: Record<string, string> = {
  'nested fors': 'length([for a in range(1000) : [for b in range(1000) : a + b]])',
  '%{ for } directives': '"%{ for a in range(1000) }%{ for b in range(1000) }x%{ endfor }%{ endfor }"',
  'strings joined': 'length(join("", [for i in range(100000) : "xxxxxxxxxx"]))',
  'a large local compared': 'local.l15 == local.l14',
  'a large local encoded': 'length(jsonencode(local.l15))',
  'a large local referenced': 'local.l15',
  'a regular expression': 'replace(local.s8, "/x+b/", "")',
  'a sort': 'length(sort(split("", local.s12)))',
  yamldecode: 'yamldecode(join("\\n", [for i in range(3000) : "k${i}: [a, b]"]))',
  templatefile: 'templatefile("big.tpl", {})',
};

function hostileRoot(dir: string, shape: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'locals.tf'),
    `locals {\n${doubling('s', 16, '"xxxxxxxxxxxxxxxx"', (prev) => `"\${${prev}}\${${prev}}"`)}\n${doubling('l', 15, '["a", "b"]', (prev) => `[${prev}, ${prev}]`)}\n}\n`,
  );
  writeFileSync(join(dir, 'big.tpl'), 'x'.repeat(1_000_000));
  writeFileSync(
    join(dir, 'main.tf'),
    `resource "awscc_sagemaker_cluster" "c" {\n  count        = 1000\n  cluster_name = "c-\${count.index}"\n  tags         = { n = ${shape} }\n}\n`,
  );
}

function cfnYaml(i: number): string {
  return `AWSTemplateFormatVersion: '2010-09-09'
Description: generated stack ${i}
Parameters:
  UseKey:
    Type: String
    Default: '${i % 2 === 0 ? 'true' : 'false'}'
Conditions:
  WithKey: !Equals [!Ref UseKey, 'true']
Resources:
  Key:
    Type: AWS::KMS::Key
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      EnableKeyRotation: true
      PendingWindowInDays: ${i % 3 === 0 ? 7 : 30}
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { AWS: !Sub 'arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root' }
            Action: kms:*
            Resource: '*'
  Cluster:
    Type: AWS::SageMaker::Cluster
    Properties:
      ClusterName: !Sub 'cluster-${i}-\${AWS::Region}'
      NodeProvisioningMode: Continuous
      Orchestrator: { Eks: { ClusterArn: arn:aws:eks:us-east-1:111122223333:cluster/ml } }
      InstanceGroups:
${Array.from(
  { length: 4 },
  (_, g) => `        - InstanceGroupName: group-${g}
          InstanceType: ml.p5.48xlarge
          InstanceCount: ${g + 1}
          ExecutionRole: arn:aws:iam::111122223333:role/exec-${g}
          InstanceStorageConfigs:
            - EbsVolumeConfig:
                RootVolume: true
                VolumeKmsKeyId: !If [WithKey, !GetAtt Key.Arn, alias/aws/sagemaker]
            - EbsVolumeConfig:
                VolumeSizeInGB: 500
                VolumeKmsKeyId: !GetAtt Key.Arn`,
).join('\n')}
`;
}

function cdkJson(i: number): string {
  const groups = Array.from({ length: 4 }, (_, g) => ({
    InstanceGroupName: `group-${g}`,
    InstanceType: 'ml.g5.8xlarge',
    InstanceCount: 2,
    ExecutionRole: { 'Fn::GetAtt': ['ExecRoleABCD1234', 'Arn'] },
    InstanceStorageConfigs: [
      { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: { 'Fn::GetAtt': ['GroupKey5678', 'Arn'] } } },
      { EbsVolumeConfig: { VolumeSizeInGB: 500 } },
    ],
  }));
  return JSON.stringify(
    {
      Resources: {
        ExecRoleABCD1234: {
          Type: 'AWS::IAM::Role',
          Properties: { RoleName: `exec-${i}`, AssumeRolePolicyDocument: {} },
        },
        GroupKey5678: {
          Type: 'AWS::KMS::Key',
          Properties: { EnableKeyRotation: true },
          Metadata: { 'aws:cdk:path': `S${i}/Key/Resource` },
        },
        Cluster: {
          Type: 'AWS::SageMaker::Cluster',
          Properties: { ClusterName: `cdk-${i}`, InstanceGroups: groups },
        },
      },
    },
    null,
    1,
  );
}

function terraform(i: number): string {
  return `variable "key_arn" {
  type    = string
  default = null
}
locals {
  groups = { for g in range(4) : "group-\${g}" => { count = g + 1 } }
}
resource "aws_kms_key" "k" {
  enable_key_rotation     = ${i % 2 === 0}
  deletion_window_in_days = 30
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "kms:*", Resource = "*" }]
  })
  lifecycle {
    prevent_destroy = true
  }
}
resource "awscc_sagemaker_cluster" "c" {
  cluster_name           = "tf-${i}"
  node_provisioning_mode = "Continuous"
  orchestrator           = { eks = { cluster_arn = "arn:aws:eks:us-east-1:111122223333:cluster/ml" } }
  instance_groups = [for name, g in local.groups : {
    instance_group_name = name
    instance_type       = "ml.p5.48xlarge"
    instance_count      = g.count
    execution_role      = "arn:aws:iam::111122223333:role/exec"
    instance_storage_configs = [
      { ebs_volume_config = { root_volume = true, volume_kms_key_id = aws_kms_key.k.arn } },
      { ebs_volume_config = { volume_size_in_gb = 500, volume_kms_key_id = var.key_arn } },
    ]
  }]
}
`;
}

function plan(i: number): string {
  const after = {
    cluster_name: `plan-${i}`,
    node_provisioning_mode: 'Continuous',
    orchestrator: { eks: { cluster_arn: 'arn:aws:eks:us-east-1:111122223333:cluster/ml' } },
    instance_groups: Array.from({ length: 4 }, (_, g) => ({
      instance_group_name: `group-${g}`,
      instance_type: 'ml.p5.48xlarge',
      instance_count: 2,
      execution_role: 'arn:aws:iam::111122223333:role/exec',
      instance_storage_configs: [{ ebs_volume_config: { root_volume: true } }],
    })),
  };
  const unknown = {
    instance_groups: after.instance_groups.map(() => ({
      instance_storage_configs: [{ ebs_volume_config: { volume_kms_key_id: true } }],
    })),
  };
  return JSON.stringify({
    format_version: '1.2',
    planned_values: { root_module: { resources: [] } },
    resource_changes: [
      {
        address: 'aws_kms_key.k',
        mode: 'managed',
        type: 'aws_kms_key',
        name: 'k',
        change: { actions: ['create'], after: { enable_key_rotation: true }, after_unknown: { arn: true } },
      },
      {
        address: 'awscc_sagemaker_cluster.c',
        mode: 'managed',
        type: 'awscc_sagemaker_cluster',
        name: 'c',
        change: { actions: ['create'], after, after_unknown: unknown },
      },
    ],
    configuration: {
      root_module: {
        resources: [
          {
            address: 'awscc_sagemaker_cluster.c',
            mode: 'managed',
            type: 'awscc_sagemaker_cluster',
            name: 'c',
            expressions: { instance_groups: { references: ['aws_kms_key.k.arn', 'aws_kms_key.k'] } },
          },
        ],
      },
    },
  });
}

function cliInput(i: number): string {
  return JSON.stringify(
    {
      ClusterName: `cli-${i}`,
      InstanceGroups: Array.from({ length: 3 }, (_, g) => ({
        InstanceGroupName: `group-${g}`,
        InstanceType: 'ml.g5.8xlarge',
        InstanceCount: 1,
        ExecutionRole: 'arn:aws:iam::111122223333:role/exec',
        InstanceStorageConfigs: [
          { EbsVolumeConfig: { VolumeSizeInGB: 100, VolumeKmsKeyId: 'alias/aws/sagemaker' } },
        ],
      })),
      VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1'] },
    },
    null,
    2,
  );
}

function generate(dir: string): void {
  for (let i = 0; i < FILES; i++) {
    const bucket = join(dir, `team-${i % 50}`);
    switch (i % 5) {
      case 0:
        mkdirSync(bucket, { recursive: true });
        writeFileSync(join(bucket, `stack-${i}.yaml`), cfnYaml(i));
        break;
      case 1:
        mkdirSync(join(bucket, 'cdk.out'), { recursive: true });
        writeFileSync(join(bucket, 'cdk.out', `Stack${i}.template.json`), cdkJson(i));
        break;
      case 2:
        mkdirSync(join(bucket, `tf-${i}`), { recursive: true });
        writeFileSync(join(bucket, `tf-${i}`, 'main.tf'), terraform(i));
        break;
      case 3:
        mkdirSync(bucket, { recursive: true });
        writeFileSync(join(bucket, `plan-${i}.json`), plan(i));
        break;
      default:
        mkdirSync(bucket, { recursive: true });
        writeFileSync(join(bucket, `cluster-${i}.json`), cliInput(i));
    }
  }
}

/** The floor: discover, read and parse every file with the parsers the scan uses. */
async function readAndParse(dir: string): Promise<number> {
  await initHcl();
  const { files } = discover([dir], { cwd: dir, exclude: [] });
  let parsed = 0;
  for (const file of files) {
    const text = readFileSync(file.absPath, 'utf8');
    if (file.format === 'hcl') parsed += parseHcl(text).ok ? 1 : 0;
    else if (file.format === 'json') parsed += loadJson(text) ? 1 : 0;
    else parsed += loadYaml(text) ? 1 : 0;
  }
  return parsed;
}

async function scan(dir: string) {
  const result = await scanIac({ paths: [dir], cwd: dir, generatedAt: new Date(0).toISOString() });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** Wall-clock and CPU milliseconds of one run. */
const time = async <T>(run: () => Promise<T>): Promise<[number, number, T]> => {
  const wall = performance.now();
  const cpu = cpuMs();
  const value = await run();
  return [performance.now() - wall, cpuMs() - cpu, value];
};

const dir = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-iac-bench-'));
try {
  generate(dir);
  // Warm both paths once (WebAssembly compilation, JIT), then take the best of three.
  await readAndParse(dir);
  await scan(dir);
  const best = {
    floorWall: Infinity,
    floorCpu: Infinity,
    scanWall: Infinity,
    scanCpu: Infinity,
    rulesWall: Infinity,
  };
  let parsed = 0;
  let peakHeap = 0;
  let scanned: Awaited<ReturnType<typeof scan>> | undefined;
  for (let round = 0; round < 3; round++) {
    const [floorWall, floorCpu, count] = await time(() => readAndParse(dir));
    const [scanWall, scanCpu, result] = await time(() => scan(dir));
    // Everything the scan produced is still referenced here: the heap it needs.
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    const [rulesWall] = await time(async () => runPipeline(result.inventory, { now: new Date(0) }));
    best.floorWall = Math.min(best.floorWall, floorWall);
    best.floorCpu = Math.min(best.floorCpu, floorCpu);
    best.scanWall = Math.min(best.scanWall, scanWall);
    best.scanCpu = Math.min(best.scanCpu, scanCpu);
    best.rulesWall = Math.min(best.rulesWall, rulesWall);
    parsed = count;
    scanned = result;
  }
  const inventory = scanned!.inventory;
  const groups = inventory.clusters.reduce((n, c) => n + c.instanceGroups.length, 0);
  const ratio = best.scanCpu / best.floorCpu;
  const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MiB`;
  const perSecond = (ms: number) => ((FILES / ms) * 1000).toFixed(0);
  const lines = [
    `files                 ${FILES} generated (${parsed} parsed), ${inventory.clusters.length} clusters, ${groups} instance groups, ${inventory.keys.length} keys`,
    `read + parse (floor)  ${best.floorWall.toFixed(0)} ms wall, ${best.floorCpu.toFixed(0)} ms CPU  (${perSecond(best.floorWall)} files/s)`,
    `scan to inventory     ${best.scanWall.toFixed(0)} ms wall, ${best.scanCpu.toFixed(0)} ms CPU  (${perSecond(best.scanWall)} files/s)`,
    `scan + 24 rules       ${(best.scanWall + best.rulesWall).toFixed(0)} ms wall  (${perSecond(best.scanWall + best.rulesWall)} files/s)`,
    `ratio scan / floor    ${ratio.toFixed(2)}x CPU, ${(best.scanWall / best.floorWall).toFixed(2)}x wall  (goal <= ${GOAL}x: ${ratio <= GOAL ? 'met' : 'NOT met'})`,
    `peak memory           heap ${mib(peakHeap)} with the scan's results held, rss ${mib(process.resourceUsage().maxRSS * 1024)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (scanned!.issues.some((issue) => issue.severity === 'error')) {
    process.stdout.write(`unexpected issues: ${JSON.stringify(scanned!.issues.slice(0, 3))}\n`);
    process.exitCode = 1;
  }

  const built = (await import(
    pathToFileURL(join(import.meta.dirname, '..', 'dist', 'parsers', 'iac.js')).href
  )) as typeof import('../src/parsers/iac.js');
  const scanBuilt = async (path: string) => {
    const result = await built.scanIac({ paths: [path], cwd: path, generatedAt: new Date(0).toISOString() });
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  };
  const hostile = join(dir, 'hostile');
  const met = (ms: number, goal: number) => `(goal <= ${goal} ms: ${ms <= goal ? 'MET' : 'MISSED'})`;
  for (const [name, shape] of Object.entries(HOSTILE)) {
    const root = join(hostile, name.replace(/\W+/g, '-'));
    hostileRoot(root, shape);
    const [, cpu, result] = await time(() => scanBuilt(root));
    const spent = result.issues.some((issue) => issue.code === 'tf.evaluation_budget');
    process.stdout.write(
      `hostile root          ${name}: ${cpu.toFixed(0)} ms CPU ${met(cpu, HOSTILE_ROOT_GOAL_MS)}${spent ? '' : ', budget not reached'}\n`,
    );
  }
  const [, cpu] = await time(() => scanBuilt(hostile));
  process.stdout.write(
    `hostile scan          ${Object.keys(HOSTILE).length} roots: ${cpu.toFixed(0)} ms CPU ${met(cpu, HOSTILE_SCAN_GOAL_MS)}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
