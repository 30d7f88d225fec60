/**
 * Hostile repositories for the IaC scanner, written in a temporary directory at test time: a
 * `repo/` to scan and an `outside/` beside it that holds what must never reach a report. Scans
 * run the real CLI in process (`runCli` with an in-memory Io) and return the exit code, the JSON
 * report, and everything written to stdout and stderr.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import type { Report } from '../../src/model/report.js';
import { memoryIo } from './io.js';

/** Text planted outside the scanned tree: a report that contains it has leaked a file. */
export const SECRET = 'HOSTILE-SECRET-7f3a9c';

export interface HostileRepo {
  /** The directory scanned (cwd of the scan). */
  repo: string;
  /** A directory beside it, outside the scan. */
  outside: string;
  write(path: string, text: string | Buffer): string;
  writeOutside(path: string, text: string | Buffer): string;
  link(path: string, target: string): string;
  cleanup(): void;
}

export function hostileRepo(): HostileRepo {
  const base = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-hostile-'));
  const repo = join(base, 'repo');
  const outside = join(base, 'outside');
  mkdirSync(repo);
  mkdirSync(outside);
  const put = (root: string, path: string, text: string | Buffer) => {
    const abs = join(root, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
    return abs;
  };
  return {
    repo,
    outside,
    write: (path, text) => put(repo, path, text),
    writeOutside: (path, text) => put(outside, path, text),
    link: (path, target) => {
      const abs = join(repo, path);
      mkdirSync(dirname(abs), { recursive: true });
      symlinkSync(target, abs);
      return abs;
    },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

export interface ScanRun {
  code: number;
  report: Report | undefined;
  /** stdout and stderr together: what a leak would show up in. */
  output: string;
  millis: number;
}

export async function scanRepo(cwd: string, args: string[]): Promise<ScanRun> {
  const io = memoryIo({ cwd });
  const started = Date.now();
  const code = await runCli(['iac', ...args, '--format', 'json'], io);
  const out = io.out();
  return {
    code,
    report: out.trim().startsWith('{') ? (JSON.parse(out) as Report) : undefined,
    output: out + io.err(),
    millis: Date.now() - started,
  };
}

/** Issues as [code, severity, file] triples, sorted, for exact comparison. */
export const issueTriples = (report: Report | undefined): [string, string, string | undefined][] =>
  (report?.issues ?? [])
    .map((issue): [string, string, string | undefined] => [issue.code, issue.severity, issue.location?.file])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** The verdict of each cluster: id -> [status, failing rules, unknown rules]. */
export const clusterVerdicts = (report: Report | undefined) =>
  Object.fromEntries(
    (report?.clusters ?? []).map((cluster) => [
      cluster.id,
      { status: cluster.status, failing: [...cluster.failing].sort(), unknown: [...cluster.unknown].sort() },
    ]),
  );

/** A CloudFormation template whose one cluster names no key (so its volumes FAIL). */
export function clusterTemplate(
  options: { name?: string; nested?: Record<string, string>; extra?: string } = {},
) {
  const nested = Object.entries(options.nested ?? {})
    .map(
      ([logicalId, url]) =>
        `  ${logicalId}:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: ${url}\n`,
    )
    .join('');
  return `AWSTemplateFormatVersion: '2010-09-09'
Resources:
${options.name === undefined ? '' : clusterResource(options.name)}${nested}${options.extra ?? ''}`;
}

export const clusterResource = (name: string) => `  Cluster:
    Type: AWS::SageMaker::Cluster
    Properties:
      ClusterName: ${name}
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
            - EbsVolumeConfig:
                VolumeSizeInGB: 500
`;

/** A Terraform cluster resource; `key` is the expression of its root volume's key (none by default). */
export function clusterTf(name: string, options: { key?: string; meta?: string; resource?: string } = {}) {
  const key = options.key ? `, volume_kms_key_id = ${options.key}` : '';
  return `resource "awscc_sagemaker_cluster" "${options.resource ?? 'this'}" {
  ${options.meta ?? ''}
  cluster_name           = ${name.startsWith('"') || name.includes('.') ? name : `"${name}"`}
  node_provisioning_mode = "Continuous"
  orchestrator = {
    eks = { cluster_arn = "arn:aws:eks:us-east-1:111122223333:cluster/ml" }
  }
  instance_groups = [
    {
      instance_group_name = "workers"
      instance_type       = "ml.g5.8xlarge"
      instance_count      = 1
      execution_role      = "arn:aws:iam::111122223333:role/hyperpod-workers"
      life_cycle_config   = { source_s3_uri = "s3://hyperpod-lifecycle-111122223333", on_create = "on_create.sh" }
      instance_storage_configs = [
        { ebs_volume_config = { root_volume = true${key} } },
        { ebs_volume_config = { volume_size_in_gb = 500${key} } },
      ]
    }
  ]
}
`;
}

/** The verdicts a file gets when it is scanned alone, in a clean directory: "on its own terms". */
export async function standaloneVerdict(name: string, text: string) {
  const clean = hostileRepo();
  try {
    clean.write(name, text);
    const run = await scanRepo(clean.repo, ['.']);
    const verdicts = Object.values(clusterVerdicts(run.report));
    if (verdicts.length !== 1) throw new Error(`expected one cluster in ${name}, got ${verdicts.length}`);
    return verdicts[0]!;
  } finally {
    clean.cleanup();
  }
}
