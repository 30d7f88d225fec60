import { dirname, isAbsolute, relative, sep } from 'node:path';
import { resolveInlineSkips } from '../../engine/inline-suppressions.js';
import { pushAll } from '../../model/many.js';
import { isRegionName } from '../../model/regions.js';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_HCL_BYTES } from '../../parsers/limits.js';
import { runPipeline } from '../../pipeline.js';
import { escapeControl } from '../../reporters/escape.js';
import { RULES } from '../../rules/registry.js';
import {
  absolute,
  configNotices,
  emitReport,
  exitCode,
  gatingOptions,
  gitWorkTree,
  loadConfig,
  reportOptions,
  reportOptionsFrom,
  repositoryRoot,
} from '../common.js';
import { inputError } from '../errors.js';
import type { Io } from '../io.js';
import { progressLine } from '../progress.js';
import { defineCommand } from '../spec.js';

function parseMegabytes(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw inputError({
      code: 'usage.max_file_size',
      input: '--max-file-size',
      message: `"${value}" is not a positive number of MiB`,
      hint: 'e.g. --max-file-size 50',
    });
  return Math.round(n * 1_048_576);
}

function parseRegion(value: string): string {
  if (!isRegionName(value))
    throw inputError({
      code: 'usage.region',
      input: '--region',
      message: `"${value}" is not an AWS region`,
      hint: 'e.g. --region us-east-1',
    });
  return value;
}

function parseAccount(value: string): string {
  if (!/^\d{12}$/.test(value))
    throw inputError({
      code: 'usage.account',
      input: '--account',
      message: `"${value}" is not a 12-digit AWS account id`,
      hint: 'e.g. --account 111122223333',
    });
  return value;
}

/**
 * The root that IaC fingerprints are relative to: the repository root --base-dir names (a checkout
 * mounted without its .git, as CI formats take it), else the repository holding the scanned paths
 * (the nearest directory with a .git), else the directory the scanned paths share. Resource ids
 * name files relative to the working directory (or absolutely, outside it); fingerprints name them
 * relative to this root, so they do not change with the checkout's location or where the scan was
 * started from.
 */
export function fingerprintRoot(io: Io, paths: readonly string[], baseDir?: string): string {
  if (baseDir !== undefined) return repositoryRoot(io, { baseDir });
  const isDirectory = (path: string) => io.exists(`${path}${sep}.`);
  const dirs = paths.map((path) => {
    const abs = absolute(io, path);
    return isDirectory(abs) ? abs : dirname(abs);
  });
  let common = dirs[0] ?? io.cwd;
  for (const dir of dirs.slice(1))
    while (relative(common, dir).startsWith('..') || isAbsolute(relative(common, dir)))
      common = dirname(common);
  return gitWorkTree(io, common) ?? common;
}

/** Resource id -> the id its fingerprint is computed from (`<file>#<rest>`, the file made relative to the root). */
export function fingerprintIds(
  io: Io,
  paths: readonly string[],
  baseDir?: string,
): (resourceId: string) => string {
  const root = fingerprintRoot(io, paths, baseDir);
  return (resourceId) => {
    const hash = resourceId.indexOf('#');
    if (hash <= 0) return resourceId;
    const rel = relative(root, absolute(io, resourceId.slice(0, hash)));
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return resourceId;
    return `${rel.split(sep).join('/')}${resourceId.slice(hash)}`;
  };
}

export const iacCommand = defineCommand({
  name: 'iac',
  summary: 'scan CloudFormation, CDK, Terraform (HCL and plans) and create-cluster input before deployment',
  description:
    'Walks the files and directories given (skipping node_modules, .terraform, .git and cdk.out assets), turns every ' +
    'HyperPod cluster, KMS key and execution role they define into the same inventory a live scan builds, and runs the ' +
    'same rules, with file and line on every finding. Values the files cannot pin down (an unset parameter or variable, ' +
    'something known only after apply) make the rules that need them UNKNOWN, naming what is missing. ' +
    'Inline skips (`# hyperpod-cmk:skip=<rule-id> <reason>`, or CloudFormation `Metadata: {hyperpod-cmk: {skip: ' +
    "[{id, reason}]}}`) suppress that resource's findings, marked. " +
    'Exit codes: 0 clean, 1 a finding at or above --fail-on failed, 2 usage or input error, 3 incomplete ' +
    '(files that could not be read or parsed; UNKNOWN results too with --unknown fail); --fail-on none always 0 ' +
    'unless 2 (docs/ci.md).',
  args: [{ name: 'path', description: 'files or directories to scan', required: true, variadic: true }],
  options: [
    // UNKNOWN warns by default here: before deployment, a key on KMS's default policy (or a value
    // known only after apply) leaves some rules UNKNOWN in nearly every template (docs/ci.md).
    ...reportOptions(undefined, { unknown: 'warn' }),
    {
      flags: '--exclude <glob>',
      description: 'skip paths matching this glob (repeatable), e.g. "examples/**"',
      repeatable: true,
    },
    {
      flags: '--parameters <file>',
      description: 'CloudFormation parameter file for the templates that declare its parameters (repeatable)',
      repeatable: true,
    },
    {
      flags: '--var-file <file>',
      description: 'Terraform variable file for the root modules that declare its variables (repeatable)',
      repeatable: true,
    },
    {
      flags: '--region <region>',
      description:
        'the region the IaC deploys to (default: kept symbolic, as the CloudFormation pseudo parameter AWS::Region)',
      parse: parseRegion,
    },
    {
      flags: '--account <id>',
      description:
        'the account the IaC deploys to (default: kept symbolic, as the CloudFormation pseudo parameter AWS::AccountId)',
      parse: parseAccount,
    },
    {
      flags: '--max-file-size <MiB>',
      description: `skip files larger than this (default ${DEFAULT_MAX_FILE_BYTES / 1_048_576}; ${DEFAULT_MAX_HCL_BYTES / 1_048_576} for .tf and .tfvars)`,
      parse: parseMegabytes,
    },
  ],
  examples: [
    'hyperpod-cmk iac infra/',
    'hyperpod-cmk iac cdk.out --format sarif -o hyperpod-cmk.sarif',
    'hyperpod-cmk iac stack.yaml --parameters prod-params.json',
    'hyperpod-cmk iac terraform/ --var-file prod.tfvars --fail-on high',
    'terraform show -json plan.out > plan.json && hyperpod-cmk iac plan.json',
  ],
  async run(paths, flags, io) {
    const options = reportOptionsFrom(flags);
    const config = loadConfig(io, options);
    const gating = gatingOptions(io, options);
    // --now is the run's clock, its start included: the same files and --now make the same report.
    const now = options.now ?? io.now();
    const startedAt = now;
    const progress = progressLine(io);
    // The parsers load a WebAssembly HCL grammar: only `iac` pays for it.
    const { scanIac } = await import('../../parsers/iac.js');
    const scanned = await scanIac({
      onProgress: (done, total) => progress.update(() => `reading: ${done}/${total} files`),
      paths,
      cwd: io.cwd,
      exclude: flags.exclude ?? [],
      parameters: flags.parameters ?? [],
      varFiles: flags.varFile ?? [],
      ...(typeof flags.maxFileSize === 'number' ? { maxFileBytes: flags.maxFileSize } : {}),
      ...(typeof flags.region === 'string' ? { region: flags.region } : {}),
      ...(typeof flags.account === 'string' ? { account: flags.account } : {}),
      generatedAt: now.toISOString(),
    });
    progress.done();
    if (!scanned.ok) throw inputError(scanned.error);
    const { inventory, issues, counts, filesSeen, skips } = scanned.value;
    pushAll(issues, configNotices(config));
    const found = Object.values(counts).reduce((a, b) => a + b, 0);
    if (found === 0) {
      const looked = `${filesSeen} file${filesSeen === 1 ? '' : 's'} looked at`;
      issues.push({
        code: 'iac.none_found',
        severity: 'error',
        message: `no CloudFormation, Terraform, plan or create-cluster input found in ${paths.join(', ')} (${looked})`,
        hint: 'point the scan at the directory that holds your templates, .tf files, plan JSON or cluster config',
      });
      io.stderr.write(
        `hyperpod-cmk: no infrastructure-as-code found in ${paths.map((path) => escapeControl(path)).join(', ')} (${looked})\n`,
      );
    }
    const inline = resolveInlineSkips(
      inventory,
      skips,
      RULES.map((rule) => rule.meta.id),
    );
    pushAll(issues, inline.issues);
    const fingerprintId = fingerprintIds(io, paths, options.baseDir);
    const { evaluation, report } = runPipeline(inventory, {
      config,
      now,
      startedAt,
      issues,
      inputs: paths,
      evaluate: { ...gating, fingerprintId, inlineSuppressions: inline.byResource },
    });
    emitReport(io, report, options, { resourceId: fingerprintId });
    const errors = issues.filter((issue) => issue.severity === 'error').length;
    return exitCode(evaluation, inventory.gaps.length + errors, options);
  },
});
