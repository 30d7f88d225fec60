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
import { err, ok, type Result } from '../../model/result.js';
import { getEntry, type SMap } from '../common/source-tree.js';
import {
  type CfnContext,
  type CfnOptions,
  type ParamInput,
  Stack,
  type StackOutput,
  templateUrlCandidates,
} from './stack.js';
import type { CfnParameterFile, CfnTemplate } from './template.js';

export interface CfnScanInput {
  templates: CfnTemplate[];
  /** Parameter files found in the scan. */
  parameterFiles: CfnParameterFile[];
  /** Parameter files the user gave with --parameters. */
  explicitParameters: CfnParameterFile[];
  options: CfnOptions;
}

export function scanCloudFormation(
  input: CfnScanInput,
): Result<StackOutput & { issues: SourceIssue[] }, InputError> {
  const issues: SourceIssue[] = [];
  const byPath = new Map(input.templates.map((template) => [template.absPath, template]));
  const childTemplate = (parent: CfnTemplate, resource: SMap): CfnTemplate | undefined => {
    const url = getEntry(getEntry(resource, 'Properties'), 'TemplateURL');
    if (!url) return undefined;
    const found = new Set<CfnTemplate>();
    for (const candidate of templateUrlCandidates(url)) {
      const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(candidate);
      const local = isUrl || candidate.includes('${') ? posix.basename(candidate) : candidate;
      const template = byPath.get(resolve(dirname(parent.absPath), local));
      if (template) found.add(template);
    }
    return found.size === 1 ? [...found][0] : undefined;
  };
  const context: CfnContext = { options: input.options, issues, childTemplate };

  // Which templates are deployed as nested stacks of another scanned template.
  const children = new Set<string>();
  for (const template of input.templates)
    for (const resource of template.resources.values())
      if (
        getEntry(resource, 'Type')?.kind === 'scalar' &&
        (getEntry(resource, 'Type') as { value: unknown }).value === 'AWS::CloudFormation::Stack'
      ) {
        const child = childTemplate(template, resource);
        if (child && child !== template) children.add(child.absPath);
      }

  const declares = (template: CfnTemplate, file: CfnParameterFile) =>
    [...file.values.keys()].every((key) => template.parameters.has(key));

  const runs: { template: CfnTemplate; idFile: string; inputs: Map<string, ParamInput> }[] = [];
  const explicitTargets = new Set<CfnTemplate>();
  for (const file of input.explicitParameters) {
    const targets = input.templates.filter((template) => declares(template, file));
    if (targets.length === 0)
      return err({
        code: 'usage.parameters',
        input: file.file,
        message: `no scanned template declares all of its parameters (${[...file.values.keys()].slice(0, 6).join(', ')}${file.values.size > 6 ? ', ...' : ''})`,
        hint: 'scan the template these parameters are for, or check the parameter names',
      });
    for (const template of targets) {
      explicitTargets.add(template);
      runs.push({ template, idFile: file.file, inputs: inputsOf(file) });
    }
  }

  for (const file of input.parameterFiles) {
    if (input.explicitParameters.some((explicit) => explicit.absPath === file.absPath)) continue;
    const candidates = input.templates.filter((template) => declares(template, file));
    if (candidates.length === 0) {
      issues.push({
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
      issues.push({
        code: 'cfn.parameters_ambiguous',
        severity: 'warning',
        message: `a CloudFormation parameter file that fits several templates (${nearest.map((t) => t.file).join(', ')}): not applied`,
        hint: 'pass the one it is for: hyperpod-cmk iac TEMPLATE --parameters FILE',
        location: { file: file.file },
      });
      continue;
    }
    runs.push({ template: nearest[0]!, idFile: file.file, inputs: inputsOf(file) });
  }

  for (const template of input.templates)
    if (!children.has(template.absPath) && !explicitTargets.has(template))
      runs.unshift({ template, idFile: template.file, inputs: new Map() });

  const output: StackOutput = { clusters: [], keys: [], roles: [] };
  for (const run of runs) {
    const result = Stack.evaluateRoot(context, run.template, run.idFile, run.inputs);
    output.clusters.push(...result.clusters);
    output.keys.push(...result.keys);
    output.roles.push(...result.roles);
  }
  return ok({ ...output, issues });
}

function inputsOf(file: CfnParameterFile): Map<string, ParamInput> {
  const inputs = new Map<string, ParamInput>();
  for (const [key, entry] of file.values) {
    const origin = { file: file.file, line: entry.line };
    if (entry.usePrevious) continue;
    inputs.set(key, { value: entry.value ?? '', origin });
  }
  return inputs;
}

/** The candidates that share the longest directory prefix with the parameter file. */
function nearestTemplates(file: CfnParameterFile, candidates: CfnTemplate[]): CfnTemplate[] {
  const shared = (template: CfnTemplate) => {
    const a = dirname(file.absPath).split(/[\\/]/);
    const b = dirname(template.absPath).split(/[\\/]/);
    let n = 0;
    while (n < a.length && n < b.length && a[n] === b[n]) n++;
    return n;
  };
  const best = Math.max(...candidates.map(shared));
  return candidates.filter((template) => shared(template) === best);
}
