/**
 * Recognising a CloudFormation template (YAML, JSON, CDK `*.template.json`) and a CloudFormation
 * parameter file, from an already loaded document.
 */
import { posix } from 'node:path';
import { getEntry, type SMap, type SNode, scalarText } from '../common/source-tree.js';

export interface CfnTemplate {
  kind: 'cfn-template';
  /** Path as shown to the user (relative to where they pointed the scan). */
  file: string;
  absPath: string;
  root: SMap;
  parameters: Map<string, SNode>;
  parameterLines: Map<string, number>;
  conditions: Map<string, SNode>;
  mappings: SNode | undefined;
  resources: Map<string, SMap>;
  resourceLines: Map<string, number>;
  outputs: Map<string, SNode>;
}

export interface CfnParameterFile {
  kind: 'cfn-parameters';
  file: string;
  absPath: string;
  values: Map<string, { value: string | undefined; line: number; usePrevious?: boolean }>;
}

const asMap = (node: SNode | undefined): SMap | undefined => (node?.kind === 'map' ? node : undefined);

/** Whether a loaded document is a CloudFormation template: AWSTemplateFormatVersion, or Resources of AWS types. */
export function asTemplate(root: SNode, file: string, absPath: string): CfnTemplate | undefined {
  const map = asMap(root);
  if (!map) return undefined;
  const resources = asMap(map.entries.get('Resources'));
  const hasVersion = map.entries.has('AWSTemplateFormatVersion');
  if (!resources && !hasVersion) return undefined;
  if (!hasVersion && resources) {
    // Without the version marker, require at least one resource with a CloudFormation type.
    const typed = [...resources.entries.values()].some((resource) => {
      const type = scalarText(getEntry(resource, 'Type'));
      return type !== undefined && /^(AWS|Custom|Alexa)::|^Custom::/.test(type);
    });
    if (!typed) return undefined;
  }
  const section = (name: string) => asMap(map.entries.get(name));
  const resourceMap = new Map<string, SMap>();
  for (const [id, node] of resources?.entries ?? []) if (node.kind === 'map') resourceMap.set(id, node);
  return {
    kind: 'cfn-template',
    file,
    absPath,
    root: map,
    parameters: section('Parameters')?.entries ?? new Map(),
    parameterLines: section('Parameters')?.keyLines ?? new Map(),
    conditions: section('Conditions')?.entries ?? new Map(),
    mappings: map.entries.get('Mappings'),
    resources: resourceMap,
    resourceLines: resources?.keyLines ?? new Map(),
    outputs: section('Outputs')?.entries ?? new Map(),
  };
}

/**
 * Whether a document is a CloudFormation parameter file: the CLI's `[{ParameterKey,
 * ParameterValue}]` list, or the `{"Parameters": {...}}` object of `deploy --parameter-overrides`
 * and CodePipeline template configurations.
 */
export function asParameterFile(root: SNode, file: string, absPath: string): CfnParameterFile | undefined {
  const values: CfnParameterFile['values'] = new Map();
  if (root.kind === 'seq') {
    if (root.items.length === 0) return undefined;
    for (const item of root.items) {
      const key = scalarText(getEntry(item, 'ParameterKey'));
      if (key === undefined) return undefined;
      const usePrevious = scalarText(getEntry(item, 'UsePreviousValue')) === 'true';
      values.set(key, {
        value: scalarText(getEntry(item, 'ParameterValue')) ?? (usePrevious ? undefined : ''),
        line: item.line,
        ...(usePrevious ? { usePrevious } : {}),
      });
    }
    return { kind: 'cfn-parameters', file, absPath, values };
  }
  const map = asMap(root);
  const parameters = asMap(map?.entries.get('Parameters'));
  if (!map || !parameters || map.entries.has('Resources')) return undefined;
  const allowed = new Set(['Parameters', 'Tags', 'StackPolicy']);
  if ([...map.entries.keys()].some((key) => !allowed.has(key))) return undefined;
  for (const [key, node] of parameters.entries) {
    if (node.kind === 'map') return undefined;
    const value =
      node.kind === 'seq'
        ? node.items.map((item) => scalarText(item) ?? '').join(',')
        : (scalarText(node) ?? '');
    values.set(key, { value, line: parameters.keyLines.get(key) ?? node.line });
  }
  return { kind: 'cfn-parameters', file, absPath, values };
}

/** The file a TemplateURL names: the last path segment of any URL-like string in it. */
export function templateBasename(node: SNode): string | undefined {
  const names = templateUrlCandidates(node);
  return names[0] ? posix.basename(names[0]) : undefined;
}

/** Every string in a TemplateURL expression that looks like a template path or URL. */
export function templateUrlCandidates(node: SNode, depth = 0): string[] {
  if (depth > 10) return [];
  if (node.kind === 'scalar')
    return typeof node.value === 'string' && /\.(ya?ml|json|template)(\?.*)?$/i.test(node.value)
      ? [node.value.replace(/\?.*$/, '')]
      : [];
  if (node.kind === 'seq') return node.items.flatMap((item) => templateUrlCandidates(item, depth + 1));
  return [...node.entries.values()].flatMap((item) => templateUrlCandidates(item, depth + 1));
}
