/**
 * Terraform across a scan: directories of `.tf` files are modules; a module that another scanned
 * module calls with a local `source` is evaluated through that call, every other one as a root
 * module with its variable values (terraform.tfvars and *.auto.tfvars in its directory, as
 * Terraform loads them, then each --var-file that sets one of its variables).
 *
 * A variable file with no configuration beside it (the files that HyperPod samples publish on
 * their own) still describes instance groups: they are reported with what the file says, and with
 * their volumes UNKNOWN, since the configuration that decides the keys is not in the scan.
 */
import { basename, dirname } from 'node:path';
import type { SourceIssue } from '../../model/finding.js';
import type { InputError } from '../../model/input-error.js';
import type { Cluster, InstanceGroup, Unresolved } from '../../model/inventory.js';
import { pushAll } from '../../model/many.js';
import { err, ok, type Result } from '../../model/result.js';
import { byCodePoints } from '../../model/text.js';
import { checkName, nameIssue } from '../common/cluster-builder.js';
import { internalIssue, pushOnce } from '../common/issues.js';
import {
  ACCOUNT,
  asNumber,
  isObject,
  locationOf,
  REGION,
  textOf,
  Unknown,
  type Val,
} from '../common/value.js';
import type { TfFile, TfModuleDir } from './declarations.js';
import { evaluate } from './expressions.js';
import type { ModuleOutput } from './inventory.js';
import {
  CLUSTER_RESOURCE_TYPES,
  MAX_SCAN_STEPS,
  ModuleInstance,
  type TfContext,
  type TfOptions,
} from './module.js';

export interface TfVarFile {
  file: string;
  absPath: string;
  values: Map<string, { value: Val; line: number }>;
}

export interface TfScanInput {
  files: TfFile[];
  varFiles: TfVarFile[];
  explicitVarFiles: TfVarFile[];
  options: TfOptions;
  /** Reads the .tf files of a directory outside the scan (a local module source); undefined if none. */
  loadDirectory(absDir: string): TfModuleDir | undefined;
  displayPath(absPath: string): string;
  mayRead(absPath: string): boolean;
  /** A file's bytes (inside the scanned directories, bounded in size); undefined when it cannot be read. */
  readFile(absPath: string): Uint8Array | undefined;
}

const AUTO_VARS = /^(terraform\.tfvars(\.json)?|.+\.auto\.tfvars(\.json)?)$/;

export function scanTerraform(
  input: TfScanInput,
): Result<ModuleOutput & { issues: SourceIssue[] }, InputError> {
  const issues: SourceIssue[] = [];
  const modules = new Map<string, TfModuleDir>();
  for (const file of input.files) {
    const dir = dirname(file.absPath);
    const module = modules.get(dir) ?? { absDir: dir, files: [] };
    module.files.push(file);
    modules.set(dir, module);
  }
  const loaded = new Map<string, TfModuleDir | undefined>();
  const context: TfContext = {
    options: input.options,
    issues,
    scanBudget: { steps: MAX_SCAN_STEPS },
    displayPath: input.displayPath,
    mayRead: input.mayRead,
    readFile: input.readFile,
    loadModule: (absDir) => {
      if (modules.has(absDir)) return modules.get(absDir);
      if (!loaded.has(absDir)) loaded.set(absDir, input.loadDirectory(absDir));
      return loaded.get(absDir);
    },
  };

  // Modules called by another scanned module are evaluated through the call.
  const called = new Set<string>();
  for (const module of modules.values())
    for (const file of module.files)
      for (const block of file.body.blocks) {
        if (block.type !== 'module') continue;
        const source = block.body.attributes.get('source');
        const value =
          source && source.expr.t === 'tmpl' && source.expr.parts.length === 1
            ? source.expr.parts[0]
            : source?.expr.t === 'lit'
              ? source.expr.v
              : undefined;
        if (typeof value === 'string' && (value.startsWith('./') || value.startsWith('../')))
          called.add(`${module.absDir}/${value}`.replace(/\/\.\//g, '/'));
      }
  const normalized = new Set([...called].map((path) => require_resolve(path)));
  const roots = [...modules.values()].filter((module) => !normalized.has(module.absDir));

  const declared = (module: TfModuleDir) => {
    const names = new Set<string>();
    for (const file of module.files)
      for (const block of file.body.blocks)
        if (block.type === 'variable' && block.labels[0]) names.add(block.labels[0]);
    return names;
  };

  const usedVarFiles = new Set<string>();
  for (const varFile of input.explicitVarFiles) {
    if (!roots.some((root) => [...varFile.values.keys()].some((key) => declared(root).has(key))))
      return err({
        code: 'usage.var_file',
        input: varFile.file,
        message: 'no scanned Terraform root module declares any of its variables',
        hint: 'scan the configuration these variables are for, or check the variable names',
      });
  }

  const output: ModuleOutput = { clusters: [], keys: [], roles: [] };
  const judged = new Set<string>();
  const evaluateAsRoot = (root: TfModuleDir) => {
    const names = declared(root);
    const values = new Map<string, Val>();
    const auto = input.varFiles
      .filter(
        (varFile) => dirname(varFile.absPath) === root.absDir && AUTO_VARS.test(basename(varFile.absPath)),
      )
      .sort((a, b) => autoVarsOrder(basename(a.absPath), basename(b.absPath)));
    for (const varFile of [...auto, ...input.explicitVarFiles]) {
      if (![...varFile.values.keys()].some((key) => names.has(key))) continue;
      usedVarFiles.add(varFile.absPath);
      for (const [key, entry] of varFile.values) if (names.has(key)) values.set(key, entry.value);
    }
    let result: ModuleOutput;
    try {
      result = ModuleInstance.evaluateRoot(context, root, values);
    } catch (error) {
      // A module that trips the evaluator is an issue; the other modules keep their results.
      pushOnce(issues, internalIssue(root.files[0]?.file, error));
      return;
    }
    for (const dir of result.judged ?? []) judged.add(dir);
    pushAll(output.clusters, result.clusters);
    pushAll(output.keys, result.keys);
    pushAll(output.roles, result.roles);
  };
  for (const root of roots) evaluateAsRoot(root);

  // Nothing hides a cluster: a scanned module whose clusters no evaluated caller created (count = 0,
  // a module that calls itself, a cycle, nesting beyond the limit) is judged on its own.
  for (const module of [...modules.values()].sort((a, b) => (a.absDir < b.absDir ? -1 : 1))) {
    if (judged.has(module.absDir)) continue;
    const clusters = module.files.flatMap((file) =>
      file.body.blocks
        .filter(
          (block) =>
            block.type === 'resource' && CLUSTER_RESOURCE_TYPES.has(block.labels[0] ?? '') && block.labels[1],
        )
        .map((block) => ({ file, address: `${block.labels[0]}.${block.labels[1]}` })),
    );
    if (clusters.length === 0) continue;
    issues.push({
      code: 'tf.judged_standalone',
      severity: 'warning',
      message: `${clusters.map((c) => c.address).join(', ')}: no evaluated caller creates this module's clusters (a caller with count = 0, a module that calls itself, a cycle, or nesting beyond the limit), so the module is judged on its own with its variable defaults`,
      hint: 'scan the root module that deploys it, with its variable values (--var-file)',
      location: { file: clusters[0]!.file.file },
    });
    evaluateAsRoot(module);
  }

  for (const varFile of input.varFiles) {
    if (
      usedVarFiles.has(varFile.absPath) ||
      input.explicitVarFiles.some((v) => v.absPath === varFile.absPath)
    )
      continue;
    if (modules.has(dirname(varFile.absPath))) {
      if (!AUTO_VARS.test(basename(varFile.absPath)))
        issues.push({
          code: 'tf.var_file_not_applied',
          severity: 'warning',
          message: 'a variable file that Terraform does not load by itself: not applied',
          hint: 'pass it with --var-file FILE to scan with its values',
          location: { file: varFile.file },
        });
      continue;
    }
    pushAll(output.clusters, orphanClusters(varFile, issues));
  }
  return ok({ ...output, issues });
}

/**
 * The order Terraform loads a root module's variable files in, later ones winning:
 * terraform.tfvars, then terraform.tfvars.json, then every *.auto.tfvars and *.auto.tfvars.json
 * in lexical order of their file names (then -var-file in the order given)
 * (https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence).
 */
function autoVarsOrder(a: string, b: string): number {
  const rank = (name: string) => (name === 'terraform.tfvars' ? 0 : name === 'terraform.tfvars.json' ? 1 : 2);
  return rank(a) - rank(b) || byCodePoints(a, b);
}

function require_resolve(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '.' && part !== '') parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** Instance groups described by a variable file whose configuration is not in the scan. */
function orphanClusters(varFile: TfVarFile, issues: SourceIssue[]): Cluster[] {
  const groupsVars = [
    ['instance_groups', 'regular'],
    ['restricted_instance_groups', 'restricted'],
  ] as const;
  if (!groupsVars.some(([name]) => varFile.values.has(name))) return [];
  const dir = dirname(varFile.file);
  const missing = (what: string): Unresolved => ({
    unresolved: what,
    reason: `${basename(varFile.file)} holds variable values for a Terraform configuration that is not in the scanned files; the configuration decides this`,
    inputs: [`${dir === '.' ? '' : `${dir}/`}*.tf`],
  });
  const written = textOf(varFile.values.get('hyperpod_cluster_name')?.value ?? null);
  const id = `${varFile.file}#var.${groupsVars.find(([name]) => varFile.values.has(name))![0]}`;
  const firstLine = Math.min(
    ...groupsVars.map(([name]) => varFile.values.get(name)?.line ?? Number.POSITIVE_INFINITY),
  );
  const location = { file: varFile.file, line: Number.isFinite(firstLine) ? firstLine : 1 };
  const clusterName = written === undefined ? undefined : checkName(written, false);
  if (clusterName?.problem)
    issues.push(nameIssue('ClusterName', `cluster ${id}`, clusterName.problem, location));
  const cluster: Cluster = {
    id,
    name: clusterName?.shown ?? basename(dirname(varFile.absPath)),
    account: ACCOUNT,
    region: textOf(varFile.values.get('aws_region')?.value ?? null) ?? REGION,
    source: 'terraform',
    location,
    orchestrator: missing('the orchestrator'),
    nodeProvisioningMode: missing('NodeProvisioningMode'),
    tags: missing('the cluster tags'),
    instanceGroups: [],
  };
  for (const [name, kind] of groupsVars) {
    const entry = varFile.values.get(name);
    if (!entry) continue;
    const value = entry.value;
    const items: [string | undefined, Val][] = Array.isArray(value)
      ? value.map((item) => [undefined, item])
      : isObject(value)
        ? Object.entries(value)
        : [];
    for (const [key, item] of items) {
      if (!isObject(item)) continue;
      const written = key ?? textOf(item.name ?? item.instance_group_name ?? null);
      const checked = written === undefined ? undefined : checkName(written, false);
      const groupName = checked?.shown ?? '(unnamed)';
      const groupLocation = locationOf(item) ?? { file: varFile.file, line: entry.line };
      const group: InstanceGroup = {
        id: `${id}/instance-group/${groupName}`,
        name: groupName,
        kind,
        executionRole: missing('the execution role'),
        volumes: missing(`the EBS volumes and keys of ${groupName}`),
        location: groupLocation,
      };
      if (checked?.problem)
        issues.push(
          nameIssue('InstanceGroupName', `instance group ${group.id}`, checked.problem, groupLocation),
        );
      const type = textOf(item.instance_type ?? null);
      if (type) group.instanceType = type;
      const count = asNumber(item.instance_count ?? undefined);
      if (typeof count === 'number') group.instanceCount = count;
      cluster.instanceGroups.push(group);
    }
  }
  return [cluster];
}

/** Variable values from a .tfvars body (literal expressions only, as Terraform requires). */
export function tfvarsValues(
  body: import('./hcl.js').Body,
  file: string,
): Map<string, { value: Val; line: number }> {
  const values = new Map<string, { value: Val; line: number }>();
  const scope = {
    file,
    readFile: () => undefined,
    reference: (_root: string, _steps: unknown, expr: { text: string }) =>
      new Unknown(expr.text, 'variable files hold literal values only'),
  };
  for (const [name, attribute] of body.attributes)
    values.set(name, { value: evaluate(attribute.expr, scope), line: attribute.line });
  return values;
}
