/**
 * Clusters that something other than AWS::SageMaker::Cluster creates: a Lambda function or custom
 * resource that receives the instance groups as JSON inside string parameters, or a nested stack
 * whose template is not in the scan but whose parameters describe instance groups. They are
 * rebuilt from that JSON; what the code not in the scan decides is UNKNOWN.
 */
import type { Cluster, Location } from '../../model/inventory.js';
import { pushAll } from '../../model/many.js';
import { shortened } from '../../model/text.js';
import { buildCluster, type ClusterBuildContext, type ClusterDefinition } from '../common/cluster-builder.js';
import { getEntry, type SMap, type SNode, scalarText } from '../common/source-tree.js';
import {
  clip,
  locate,
  safeJson,
  textOf,
  toPlain,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import { type CfnTemplate, templateBasename } from './template.js';

/** What rebuilding a custom cluster needs of the stack that declares it. */
export interface ClusterStack {
  readonly template: CfnTemplate;
  /** The inventory id of one of its resources. */
  idOf(logicalId: string): string;
  readonly account: string;
  readonly partition: string;
  evaluate(node: SNode): Val;
  location(line: number | undefined): Location;
  /** The origin of the value an expression yields, following `Ref`s to parameters. */
  originOf(node: SNode): Location;
  /** Whether a value comes from a parameter's Default (rather than a parameter file or a parent). */
  fromDefault(node: SNode): boolean;
  issue(code: string, message: string, line?: number): void;
}

const GROUP_SETTINGS =
  /^(instancegroup|rig|restrictedinstancegroup)(s|settings?|configs?|configurations?|specs?)?\d*$/;

const normalize = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The cluster a custom resource, Lambda function or nested stack creates, when it looks like one. */
export function customCluster(
  stack: ClusterStack,
  logicalId: string,
  resource: SMap,
  type: string,
  build: ClusterBuildContext,
): Cluster | undefined {
  const propsNode = getEntry(resource, 'Properties');
  const carrierNode =
    type === 'AWS::Lambda::Function' || type === 'AWS::Serverless::Function'
      ? getEntry(getEntry(propsNode, 'Environment'), 'Variables')
      : type === 'AWS::CloudFormation::Stack'
        ? getEntry(propsNode, 'Parameters')
        : propsNode;
  if (carrierNode?.kind !== 'map') return undefined;
  const entries = [...carrierNode.entries].map(([key, node]) => ({ key, norm: normalize(key), node }));
  const settings = entries.filter((entry) => GROUP_SETTINGS.test(entry.norm));
  const groupish = entries.some((entry) => entry.norm.includes('instancegroup'));
  if (settings.length === 0 && !(type === 'AWS::CloudFormation::Stack' && groupish)) return undefined;

  const id = stack.idOf(logicalId);
  const location = stack.location(stack.template.resourceLines.get(logicalId));
  const treeValue = (pattern: RegExp) => {
    const entry = entries.find((e) => pattern.test(e.norm));
    return entry ? stack.evaluate(entry.node) : undefined;
  };
  const createdBy =
    type === 'AWS::CloudFormation::Stack'
      ? `nested stack ${logicalId}, whose template is not in the scanned files`
      : `custom resource code (${logicalId}) that is not in the scanned files`;
  const definition: ClusterDefinition = {
    id,
    name: treeValue(/clustername$/) ?? logicalId,
    location,
    spec: {},
  };

  if (settings.length === 0) {
    const templateUrl = getEntry(propsNode, 'TemplateURL');
    const file = templateUrl ? templateBasename(templateUrl) : undefined;
    const missing = new Unknown(
      `${logicalId} (${file ?? 'TemplateURL'})`,
      `the instance groups are defined by ${createdBy}`,
      [file ?? `${logicalId}.TemplateURL`],
    );
    definition.groupsUnknown = missing;
    definition.missing = { nodeProvisioningMode: missing, orchestrator: missing, tags: missing };
    return buildCluster(definition, build);
  }

  const regular: Val[] = [];
  const restricted: Val[] = [];
  let allDefaultsEmpty = true;
  let unknown: Unknown | undefined;
  for (const entry of settings) {
    const value = stack.evaluate(entry.node);
    const origin = stack.originOf(entry.node);
    const isRig = /^(rig|restricted)/.test(entry.norm);
    if (value instanceof Unknown) {
      unknown ??= value;
      continue;
    }
    const groups = parseGroupSettings(value, origin);
    if (groups instanceof Unknown) {
      stack.issue('cfn.instance_group_json', `${entry.key}: ${groups.reason}`, origin.line);
      unknown ??= groups;
      continue;
    }
    if (groups.length > 0 || !stack.fromDefault(entry.node)) allDefaultsEmpty = false;
    pushAll(isRig ? restricted : regular, groups);
  }
  definition.spec = { InstanceGroups: regular, RestrictedInstanceGroups: restricted };
  if (unknown) definition.groupsUnknown = unknown;
  else if (regular.length === 0 && restricted.length === 0 && allDefaultsEmpty) {
    const names = settings.map((entry) => scalarText(getEntry(entry.node, 'Ref')) ?? entry.key);
    definition.groupsUnknown = new Unknown(
      clip(names.join(', '), 100),
      'every instance group parameter is empty by default; the groups are supplied at deploy time (pass --parameters FILE)',
      names,
    );
  }

  const orchestrator = treeValue(/^orchestrator(type)?$/);
  const hasEks = entries.some((entry) => /^eks/.test(entry.norm));
  const orchestratorText = textOf(orchestrator ?? null)?.toLowerCase();
  const missing: ClusterDefinition['missing'] = {};
  if (orchestrator instanceof Unknown) missing.orchestrator = orchestrator;
  else if (orchestratorText === 'slurm') definition.spec.Orchestrator = { Slurm: {} };
  else if (orchestratorText === 'eks' || hasEks) definition.spec.Orchestrator = { Eks: {} };
  else
    missing.orchestrator = new Unknown('Orchestrator', `the orchestrator is chosen by ${createdBy}`, [
      logicalId,
    ]);

  const mode = treeValue(/nodeprovisioningmode$/);
  if (mode !== undefined) definition.spec.NodeProvisioningMode = mode;
  else if (orchestratorText !== 'slurm')
    missing.nodeProvisioningMode = new Unknown('NodeProvisioningMode', `it is set by ${createdBy}`, [
      logicalId,
    ]);

  const tags = treeValue(/tags$/);
  if (tags === undefined) missing.tags = new Unknown('Tags', `the tags are set by ${createdBy}`, [logicalId]);
  else if (typeof tags === 'string') {
    const parsed = tags.trim() === '' ? [] : safeJson(tags);
    definition.spec.Tags =
      parsed === undefined ? new Unknown(`${logicalId} tags`, 'the tags are not JSON') : (parsed as Val);
  } else definition.spec.Tags = tags;

  const role = treeValue(/(iamrole|executionrole)(name|arn)?$/);
  if (role !== undefined) definition.defaultExecutionRole = roleArnOf(stack, role);
  definition.missing = missing;
  return buildCluster(definition, build);
}

/** A role named by its name or its ARN, as an ARN in the stack's account. */
function roleArnOf(stack: ClusterStack, value: Val): Val {
  const text = textOf(value);
  if (text === undefined || text.startsWith('arn:') || text.startsWith('${')) return value;
  return `arn:${stack.partition}:iam::${stack.account}:role/${text}`;
}

/**
 * Instance groups written as JSON in a string parameter: `[{...}, {...}]`, or nested lists of
 * them (`[[{...}], [{...}]]`, as the HyperPod cluster setup's Slurm template writes them).
 */
function parseGroupSettings(value: Val, origin: Location): Val[] | Unknown {
  let plain: unknown = value;
  if (typeof value === 'string') {
    if (value.trim() === '') return [];
    plain = safeJson(value);
    if (plain === undefined)
      return new Unknown(clipText(value), 'the instance group settings are not valid JSON');
  } else plain = toPlain(value);
  const groups: Val[] = [];
  const visit = (item: unknown, depth: number): boolean => {
    if (depth > 4) return false;
    if (Array.isArray(item)) return item.every((child) => visit(child, depth + 1));
    if (item && typeof item === 'object') {
      groups.push(locate(item as ValObject, origin));
      return true;
    }
    return false;
  };
  if (!visit(plain, 0))
    return new Unknown(clipText(String(value)), 'the instance group settings are not a list of groups');
  return groups;
}

const clipText = (text: string) => shortened(text, 80);
