/**
 * CloudFormation across a scan: which templates are nested in which, which parameter files go
 * with which template, and the stacks to evaluate.
 *
 * - A template that another scanned template deploys as a nested stack (its TemplateURL names a
 *   file in the parent's directory, or a relative path) is evaluated through its parent, with the
 *   parameters the parent passes, and not on its own.
 * - Every other template is evaluated with its parameter defaults (ids `<template>#<logical id>`).
 * - A parameter file given with --parameters applies to each template that declares all its
 *   parameters, which is then evaluated only with it. A parameter file found in the scan is paired
 *   with the template that declares all its parameters (the nearest one in the tree when several
 *   do) and adds a deployment: ids `<parameter file>#<logical id>`.
 */
import { dirname, posix, resolve } from 'node:path';
import type { SourceIssue } from '../../model/finding.js';
import type { InputError } from '../../model/input-error.js';
import { type Cluster, isUnresolved } from '../../model/inventory.js';
import { maxOf, pushAll } from '../../model/many.js';
import { err, ok, type Result } from '../../model/result.js';
import { internalIssue, pushOnce } from '../common/issues.js';
import { getEntry, type SMap, scalarText } from '../common/source-tree.js';
import { Unknown } from '../common/value.js';
import { PatternChecker } from './allowed-pattern.js';
import type { StackOutput } from './inventory.js';
import { type CfnContext, type CfnOptions, type ParamInput, Stack } from './stack.js';
import { type CfnParameterFile, type CfnTemplate, templateUrlCandidates } from './template.js';

interface TemplateSummary {
  file: string;
  absPath: string;
  parameters: ReadonlySet<string>;
  /** Logical ids of its AWS::SageMaker::Cluster resources. */
  clusters: readonly string[];
}

/** Nested stacks one scan evaluates at most, across all its root templates. */
export const MAX_NESTED_STACKS = 2_000;

const isStack = (resource: SMap) => scalarText(getEntry(resource, 'Type')) === 'AWS::CloudFormation::Stack';
const isCluster = (resource: SMap) => scalarText(getEntry(resource, 'Type')) === 'AWS::SageMaker::Cluster';

/**
 * Evaluates templates as they are parsed, so a large scan does not hold every template in memory:
 * a template without nested stacks is evaluated at once (with its defaults) and only a summary is
 * kept; templates with nested stacks are kept and evaluated at the end, when every template that
 * could be their child is known. A child, or a template a parameter file applies to, is parsed
 * again from disk when it is needed.
 */
export class CloudFormationScan {
  private readonly issues: SourceIssue[] = [];
  private readonly summaries = new Map<string, TemplateSummary>();
  private readonly parents = new Map<string, CfnTemplate>();
  private readonly standalone = new Map<string, StackOutput>();
  private readonly loaded = new Map<string, CfnTemplate | undefined>();
  private readonly context: CfnContext;

  constructor(
    options: CfnOptions,
    /** Parameter files the user gave with --parameters. */
    private readonly explicitParameters: readonly CfnParameterFile[],
    /** Parses a scanned template again (a nested child, or the target of a parameter file). */
    private readonly load: (absPath: string) => CfnTemplate | undefined,
  ) {
    this.context = {
      options,
      issues: this.issues,
      childTemplate: (parent, resource) => this.childTemplate(parent, resource),
      nestedBudget: { remaining: MAX_NESTED_STACKS },
      patterns: new PatternChecker(),
    };
  }

  /** Evaluates a root stack; a template that trips the evaluator is an issue, and the others keep their results. */
  private evaluate(template: CfnTemplate, idFile: string, inputs: Map<string, ParamInput>): StackOutput {
    try {
      return Stack.evaluateRoot(this.context, template, idFile, inputs);
    } catch (error) {
      pushOnce(this.issues, internalIssue(template.file, error));
      return { clusters: [], keys: [], roles: [] };
    }
  }

  private declares(summary: TemplateSummary, file: CfnParameterFile): boolean {
    for (const key of file.values.keys()) if (!summary.parameters.has(key)) return false;
    return true;
  }

  add(template: CfnTemplate): void {
    const summary = {
      file: template.file,
      absPath: template.absPath,
      parameters: new Set(template.parameters.keys()),
      clusters: [...template.resources].filter(([, resource]) => isCluster(resource)).map(([id]) => id),
    };
    this.summaries.set(template.absPath, summary);
    this.loaded.set(template.absPath, undefined);
    if ([...template.resources.values()].some(isStack)) {
      this.parents.set(template.absPath, template);
      this.loaded.set(template.absPath, template);
      return;
    }
    // A template that --parameters applies to is evaluated only with those values.
    if (this.explicitParameters.some((file) => this.declares(summary, file))) return;
    this.standalone.set(template.absPath, this.evaluate(template, template.file, new Map()));
  }

  private template(absPath: string): CfnTemplate | undefined {
    if (!this.summaries.has(absPath)) return undefined;
    let template = this.loaded.get(absPath);
    if (!template) {
      template = this.load(absPath);
      this.loaded.set(absPath, template);
    }
    return template;
  }

  /** The scanned template a nested stack resource deploys: a relative path, or a file of that name beside the parent. */
  private childPath(parent: { absPath: string }, resource: SMap): string | undefined {
    const url = getEntry(getEntry(resource, 'Properties'), 'TemplateURL');
    if (!url) return undefined;
    const found = new Set<string>();
    for (const candidate of templateUrlCandidates(url)) {
      const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(candidate);
      const local = isUrl || candidate.includes('${') ? posix.basename(candidate) : candidate;
      const absPath = resolve(dirname(parent.absPath), local);
      if (this.summaries.has(absPath)) found.add(absPath);
    }
    return found.size === 1 ? [...found][0] : undefined;
  }

  private childTemplate(parent: CfnTemplate, resource: SMap): CfnTemplate | undefined {
    const path = this.childPath(parent, resource);
    return path ? this.template(path) : undefined;
  }

  finish(
    parameterFiles: readonly CfnParameterFile[],
  ): Result<StackOutput & { issues: SourceIssue[] }, InputError> {
    // Templates deployed as nested stacks of a scanned parent are evaluated through the parent.
    const children = new Set<string>();
    for (const parent of this.parents.values())
      for (const resource of parent.resources.values()) {
        if (!isStack(resource)) continue;
        const child = this.childPath(parent, resource);
        if (child && child !== parent.absPath) children.add(child);
      }

    const runs: { absPath: string; idFile: string; inputs: Map<string, ParamInput> }[] = [];
    const summaries = [...this.summaries.values()];
    const explicitTargets = new Set<string>();
    for (const file of this.explicitParameters) {
      const targets = summaries.filter((summary) => this.declares(summary, file));
      if (targets.length === 0)
        return err({
          code: 'usage.parameters',
          input: file.file,
          message: `no scanned template declares all of its parameters (${[...file.values.keys()].slice(0, 6).join(', ')}${file.values.size > 6 ? ', ...' : ''})`,
          hint: 'scan the template these parameters are for, or check the parameter names',
        });
      for (const target of targets) {
        explicitTargets.add(target.absPath);
        runs.push({ absPath: target.absPath, idFile: file.file, inputs: inputsOf(file) });
      }
    }
    for (const file of parameterFiles) {
      if (this.explicitParameters.some((explicit) => explicit.absPath === file.absPath)) continue;
      const candidates = summaries.filter((summary) => this.declares(summary, file));
      if (candidates.length === 0) {
        this.issues.push({
          code: 'cfn.parameters_unmatched',
          severity: 'warning',
          message: `a CloudFormation parameter file, but no scanned template declares all of its parameters (${[...file.values.keys()].slice(0, 4).join(', ')}...): not applied`,
          hint: 'scan it together with its template, or pass both: hyperpod-cmk iac TEMPLATE --parameters FILE',
          location: { file: file.file },
        });
        continue;
      }
      const nearest = nearestTemplates(file, candidates);
      if (nearest.length > 1) {
        this.issues.push({
          code: 'cfn.parameters_ambiguous',
          severity: 'warning',
          message: `a CloudFormation parameter file that fits several templates (${nearest.map((t) => t.file).join(', ')}): not applied`,
          hint: 'pass the one it is for: hyperpod-cmk iac TEMPLATE --parameters FILE',
          location: { file: file.file },
        });
        continue;
      }
      runs.push({ absPath: nearest[0]!.absPath, idFile: file.file, inputs: inputsOf(file) });
    }

    const output: StackOutput = { clusters: [], keys: [], roles: [] };
    const exports = new Map<string, string[]>();
    const judged = new Set<string>();
    const append = (result: StackOutput) => {
      for (const id of result.judged ?? []) judged.add(id);
      pushAll(output.clusters, result.clusters);
      pushAll(output.keys, result.keys);
      pushAll(output.roles, result.roles);
      pushAll(this.issues, result.issues ?? []);
      for (const [name, keyId] of result.keyExports ?? [])
        exports.set(name, [...(exports.get(name) ?? []), keyId]);
    };
    for (const summary of summaries) {
      if (children.has(summary.absPath) || explicitTargets.has(summary.absPath)) continue;
      const done = this.standalone.get(summary.absPath);
      if (done) append(done);
      else {
        const parent = this.parents.get(summary.absPath);
        if (parent) append(this.evaluate(parent, parent.file, new Map()));
      }
    }
    for (const run of runs) {
      const template = this.template(run.absPath);
      if (template) append(this.evaluate(template, run.idFile, run.inputs));
    }
    // Nothing hides a cluster: a template whose clusters no evaluated parent deployed (the nested
    // stack is under a false Condition, in a cycle, deeper than the nesting limit, past the
    // budget) is judged on its own, with its parameter defaults.
    for (const summary of summaries) {
      if (summary.clusters.length === 0 || judged.has(summary.absPath)) continue;
      const hidden = summary.clusters;
      const template = this.template(summary.absPath);
      if (!template) continue;
      this.issues.push({
        code: 'cfn.judged_standalone',
        severity: 'warning',
        message: `${hidden.join(', ')}: no evaluated parent stack deploys ${hidden.length === 1 ? 'this cluster' : 'these clusters'} (a nested stack under a false Condition, a cycle, or nesting beyond the limit), so the template is judged on its own with its parameter defaults`,
        hint: 'scan it with the parameters it is deployed with: hyperpod-cmk iac TEMPLATE --parameters FILE',
        location: { file: summary.file },
      });
      append(this.evaluate(template, template.file, new Map()));
    }
    resolveImports(output.clusters, exports);
    return ok({ ...output, issues: this.issues });
  }
}

/**
 * A volume key written `!ImportValue NAME` uses the key another scanned stack exports under that
 * name, when exactly one does.
 */
function resolveImports(clusters: readonly Cluster[], exports: ReadonlyMap<string, string[]>): void {
  if (exports.size === 0) return;
  for (const cluster of clusters)
    for (const group of cluster.instanceGroups) {
      if (!Array.isArray(group.volumes)) continue;
      for (const volume of group.volumes) {
        const ref = volume.kmsKeyId;
        if (!isUnresolved(ref) || !ref.unresolved.startsWith('!ImportValue')) continue;
        const keys = ref.inputs?.length === 1 ? exports.get(ref.inputs[0]!) : undefined;
        if (keys?.length !== 1) continue;
        volume.kmsKeyId = ref.unresolved;
        volume.resolution = { status: 'resolved', keyArn: keys[0]! };
      }
    }
}

function inputsOf(file: CfnParameterFile): Map<string, ParamInput> {
  const inputs = new Map<string, ParamInput>();
  for (const [key, entry] of file.values) {
    const origin = { file: file.file, line: entry.line };
    // UsePreviousValue keeps what the deployed stack has, which the files do not hold.
    const value = entry.usePrevious
      ? new Unknown(
          `!Ref ${key}`,
          `parameter ${key} keeps the value the deployed stack has (UsePreviousValue)`,
          [key],
        )
      : (entry.value ?? '');
    inputs.set(key, { value, origin });
  }
  return inputs;
}

/** The candidates that share the longest directory prefix with the parameter file. */
function nearestTemplates<T extends { absPath: string }>(file: CfnParameterFile, candidates: T[]): T[] {
  const shared = (template: T) => {
    const a = dirname(file.absPath).split(/[\\/]/);
    const b = dirname(template.absPath).split(/[\\/]/);
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  };
  const best = maxOf(candidates.map(shared));
  return candidates.filter((template) => shared(template) === best);
}
