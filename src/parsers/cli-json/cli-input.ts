/**
 * AWS CLI input for `aws sagemaker create-cluster` / `update-cluster`: a `--cli-input-json` or
 * `--cli-input-yaml` file (the request as JSON or YAML), or a bare `--instance-groups` list, which
 * most HyperPod guides keep in a file of its own.
 */
import type { Cluster } from '../../model/inventory.js';
import {
  buildCluster,
  type ClusterBuildContext,
  type ClusterDefinition,
  checkName,
  literalKeyResolution,
} from '../common/cluster-builder.js';
import { getEntry, type SNode, scalarText, treeValue } from '../common/source-tree.js';
import { isObject, textOf, Unknown, type Val } from '../common/value.js';

export type CliInputKind = 'create' | 'update' | 'instance-groups';

export interface CliInput {
  kind: 'cli-input';
  request: CliInputKind;
  file: string;
  root: SNode;
}

const isGroupSpec = (node: SNode | undefined): boolean =>
  node?.kind === 'map' &&
  node.entries.has('InstanceGroupName') &&
  (node.entries.has('InstanceType') ||
    node.entries.has('InstanceCount') ||
    node.entries.has('ExecutionRole'));

/** Whether a document is create-cluster/update-cluster input or a bare instance-groups list. */
export function asCliInput(root: SNode, file: string): CliInput | undefined {
  if (root.kind === 'seq') {
    if (root.items.length > 0 && root.items.every(isGroupSpec))
      return { kind: 'cli-input', request: 'instance-groups', file, root };
    return undefined;
  }
  if (root.kind !== 'map' || root.entries.has('Resources')) return undefined;
  const groups = root.entries.get('InstanceGroups') ?? root.entries.get('RestrictedInstanceGroups');
  if (groups?.kind !== 'seq' || !groups.items.some(isGroupSpec)) return undefined;
  const has = (key: string) => root.entries.has(key);
  let request: CliInputKind;
  if (has('InstanceGroupsToDelete')) request = 'update';
  else if (has('VpcConfig') || has('Tags') || has('Orchestrator')) request = 'create';
  else request = /update/i.test(file.split('/').pop() ?? '') ? 'update' : 'create';
  return { kind: 'cli-input', request, file, root };
}

export function cliInputCluster(
  input: CliInput,
  context: Omit<ClusterBuildContext, 'resolveKey' | 'source'>,
): Cluster {
  const value = treeValue(input.root, input.file);
  const spec = Array.isArray(value) ? { InstanceGroups: value } : isObject(value) ? value : {};
  const clusterName = scalarText(getEntry(input.root, 'ClusterName'));
  const stem = (input.file.split('/').pop() ?? input.file).replace(/\.(json|ya?ml)$/i, '');
  const definition: ClusterDefinition = {
    // The name as shown (buildCluster says when it is longer than CreateCluster takes).
    id: `${input.file}#${clusterName === undefined ? 'cluster' : checkName(clusterName, false).shown}`,
    name: clusterName ?? stem,
    location: { file: input.file, line: input.root.line },
    spec,
  };
  // update-cluster may name groups that exist already (to change their count, say): their volumes
  // keep the keys they were created with, which the input does not show unless it lists their
  // InstanceStorageConfigs. Nothing in the request tells an existing group from a new one (both
  // take the same ClusterInstanceGroupSpecification, with the same required fields), so a group
  // listed without InstanceStorageConfigs is unknown, and a group that lists them is judged as
  // written: that is what a group the input creates gets. A bare --instance-groups list counts as
  // update-cluster input when its file name says so.
  const updating =
    input.request === 'update' || (input.request === 'instance-groups' && /update/i.test(stem));
  if (updating)
    definition.storageOfUnlistedGroups = (group) =>
      new Unknown(
        `InstanceGroups[${group}].InstanceStorageConfigs`,
        `update-cluster input may name an instance group that already exists, whose volumes keep the keys they were created with; this input lists no InstanceStorageConfigs for ${group}`,
        [`${group}'s current InstanceStorageConfigs (aws sagemaker describe-cluster)`],
      );
  if (input.request === 'instance-groups') {
    const why = (what: string) =>
      new Unknown(
        what,
        'a bare --instance-groups list: the other create-cluster or update-cluster arguments are given on the command line',
        ['create-cluster arguments'],
      );
    definition.missing = {
      nodeProvisioningMode: why('NodeProvisioningMode'),
      orchestrator: why('Orchestrator'),
      tags: why('Tags'),
    };
  } else if (input.request === 'update') {
    const unchanged = (what: string) =>
      new Unknown(
        what,
        `update-cluster leaves ${what} as it is, and the cluster's current value is not in the file`,
        [`${clusterName ?? 'the cluster'}'s current ${what}`],
      );
    const missing: ClusterDefinition['missing'] = { tags: unchanged('Tags') };
    if (!('NodeProvisioningMode' in spec)) missing.nodeProvisioningMode = unchanged('NodeProvisioningMode');
    if (!('Orchestrator' in spec)) missing.orchestrator = unchanged('Orchestrator');
    definition.missing = missing;
  }
  return buildCluster(definition, {
    ...context,
    source: 'cli-json',
    resolveKey: (key: Val) => {
      if (key instanceof Unknown) return { kmsKeyId: key.toUnresolved() };
      const text = textOf(key);
      return text === undefined
        ? { kmsKeyId: null }
        : { kmsKeyId: text, resolution: literalKeyResolution(text) };
    },
  });
}
