/**
 * The inventory a CloudFormation stack (with its nested stacks) defines: keys with their aliases,
 * execution roles with the KMS statements of their policies, and clusters, built once every key
 * and alias of the stack family is known. The stacks evaluate; this file only reads their
 * resolved resources.
 */
import type { SourceIssue } from '../../model/finding.js';
import type { Cluster, ExecutionRole, Key } from '../../model/inventory.js';
import {
  buildCluster,
  type ClusterBuildContext,
  type ClusterDefinition,
  looksLikeHyperPodCluster,
  resolveKeyReference,
  unknownSpec,
  unsupportedClusterIssue,
} from '../common/cluster-builder.js';
import { buildKey, defaultKeyPolicy } from '../common/key-builder.js';
import { type ReadPolicy, RolePolicies, readPolicy } from '../common/role-builder.js';
import { getEntry, type SMap, type SNode, scalarText } from '../common/source-tree.js';
import {
  boundedId,
  isAbsent,
  isObject,
  isSym,
  notA,
  textOf,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import { type ClusterStack, customCluster } from './custom-cluster.js';
import { render } from './render.js';

export interface StackOutput {
  clusters: Cluster[];
  keys: Key[];
  roles: ExecutionRole[];
  /** Outputs exported under a literal name whose value is a key of the stack: name -> key id. */
  keyExports?: Map<string, string>;
  /** The templates (absolute paths) whose clusters this evaluation judged. */
  judged?: string[];
  /**
   * Problems with what the clusters of this evaluation write (a name longer than CreateCluster
   * takes): reported when the evaluation is (a template evaluated on its own and then through its
   * parent reports them once, with the ids its clusters are reported under).
   */
  issues?: SourceIssue[];
}

export const KEY_TYPES: ReadonlySet<string> = new Set(['AWS::KMS::Key', 'AWS::KMS::ReplicaKey']);

/** What building the inventory needs of a stack: its evaluated resources and its nested stacks. */
export interface StackView extends ClusterStack {
  readonly region: string;
  readonly issues: SourceIssue[];
  getAtt(logicalId: string, attribute: string, node: SNode): Val;
  /** A resource's Properties, evaluated ({} when they are not an object). */
  properties(resource: SMap): ValObject;
  /** The resources of the types asked for that the stack creates: [logical id, resource, type]. */
  resourcesOfType(types: (type: string) => boolean): [string, SMap, string][];
  /** The nested stack a resource deploys, when its template is in the scan. */
  child(logicalId: string, resource: SMap): StackView | undefined;
  /** Whether an output is created: true without a Condition, else what the condition is. */
  outputCreated(output: SNode): boolean | Unknown;
}

/** Shared by a root stack and its nested stacks: aliases, keys, roles and what they produce. */
class Family {
  readonly aliasToKey = new Map<string, string>();
  readonly aliasResourceToKey = new Map<string, string>();
  readonly keyAliases = new Map<string, string[]>();
  readonly keys: { stack: StackView; logicalId: string; resource: SMap }[] = [];
  readonly roles = new Map<string, { arn: string; policies: RolePolicies }>();
  /** Managed policies the stacks define, by resource id. */
  readonly policies = new Map<string, ReadPolicy>();
  readonly output: StackOutput = { clusters: [], keys: [], roles: [], judged: [], issues: [] };
}

/** The keys, roles and clusters a root stack and its nested stacks define. */
export function stackInventory(root: StackView): StackOutput {
  const family = new Family();
  collect(root, family);
  emitKeys(family);
  emitClusters(root, family);
  family.output.keyExports = keyExports(root, family);
  for (const role of family.roles.values())
    family.output.roles.push(role.policies.toRole(role.arn, root.account, 'cloudformation'));
  return family.output;
}

/** Pass 1: nested stacks, keys, aliases and roles of a stack and its children. */
function collect(stack: StackView, family: Family): void {
  for (const [logicalId, resource] of stack.resourcesOfType(
    (type) => type === 'AWS::CloudFormation::Stack',
  )) {
    const child = stack.child(logicalId, resource);
    if (child) collect(child, family);
  }
  for (const [logicalId, resource] of stack.resourcesOfType((type) => KEY_TYPES.has(type)))
    family.keys.push({ stack, logicalId, resource });
  for (const [logicalId, resource] of stack.resourcesOfType((type) => type === 'AWS::KMS::Alias')) {
    const props = stack.properties(resource);
    const alias = textOf(props.AliasName ?? null);
    const target = props.TargetKeyId;
    if (!isSym(target) || !target.target || !KEY_TYPES.has(target.target.type)) continue;
    // An alias whose name is not known here (a parameter without a value) still names its key
    // wherever the template references the alias resource.
    family.aliasResourceToKey.set(stack.idOf(logicalId), target.target.id);
    if (!alias) continue;
    family.aliasToKey.set(alias, target.target.id);
    const list = family.keyAliases.get(target.target.id) ?? [];
    list.push(alias);
    family.keyAliases.set(target.target.id, list);
  }
  const policies = new Map<string, ReadPolicy>();
  const attachments: { roles: Val; read: ReadPolicy; what: string }[] = [];
  for (const [logicalId, resource, type] of stack.resourcesOfType((type) => POLICY_TYPES.has(type))) {
    const props = stack.properties(resource);
    const read = readPolicy(props.PolicyDocument);
    const what = `${type === 'AWS::IAM::RolePolicy' ? 'role policy' : 'policy'} ${logicalId}`;
    if (type === 'AWS::IAM::ManagedPolicy') policies.set(stack.idOf(logicalId), read);
    // AWS::IAM::RolePolicy names one role; the others a list of them.
    const roles: Val | undefined = type === 'AWS::IAM::RolePolicy' ? [props.RoleName ?? null] : props.Roles;
    if (roles !== undefined) attachments.push({ roles, read, what });
  }
  for (const [logicalId, resource] of stack.resourcesOfType((type) => type === 'AWS::IAM::Role')) {
    const arn = textOf(stack.getAtt(logicalId, 'Arn', resource)) ?? `\${${boundedId(logicalId)}.Arn}`;
    const role = new RolePolicies();
    const props = stack.properties(resource);
    role.addInline('Policies', props.Policies, { name: 'PolicyName', document: 'PolicyDocument' });
    if (props.ManagedPolicyArns !== undefined && !isAbsent(props.ManagedPolicyArns)) {
      if (!Array.isArray(props.ManagedPolicyArns))
        role.addUnreadList('ManagedPolicyArns', props.ManagedPolicyArns);
      else
        for (const arn of props.ManagedPolicyArns)
          if (!isAbsent(arn)) role.addManaged(arn, (id) => policies.get(id) ?? family.policies.get(id));
    }
    role.setBoundary(props.PermissionsBoundary ?? null, (id) => policies.get(id) ?? family.policies.get(id));
    family.roles.set(stack.idOf(logicalId), { arn, policies: role });
  }
  for (const [id, read] of policies) family.policies.set(id, read);
  for (const { roles, read, what } of attachments) {
    if (!Array.isArray(roles)) continue;
    for (const role of roles) {
      if (!isSym(role) || !role.target) continue;
      family.roles.get(role.target.id)?.policies.add(read, what);
    }
  }
}

/** Resources that attach a policy document to roles they name. */
const POLICY_TYPES: ReadonlySet<string> = new Set([
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::RolePolicy',
]);

function emitKeys(family: Family): void {
  const byId = new Map<string, Key>();
  for (const { stack, logicalId, resource } of family.keys) {
    const id = stack.idOf(logicalId);
    const type = scalarText(getEntry(resource, 'Type'));
    const props = stack.properties(resource);
    const attribute = (name: string): Val | undefined => {
      const node = getEntry(resource, name);
      return node ? stack.evaluate(node) : undefined;
    };
    let replica: { primaryKeyArn: string } | undefined;
    if (type === 'AWS::KMS::ReplicaKey') {
      const primary = props.PrimaryKeyArn;
      replica = {
        primaryKeyArn:
          isSym(primary) && primary.target ? primary.target.id : (textOf(primary ?? null) ?? 'unknown'),
      };
    }
    const key = buildKey(
      {
        id,
        location: stack.location(stack.template.resourceLines.get(logicalId)),
        source: 'cloudformation',
        account: stack.account,
        region: stack.region,
        ...(props.Enabled !== undefined ? { enabled: props.Enabled } : {}),
        ...(props.KeySpec !== undefined ? { keySpec: props.KeySpec } : {}),
        ...(props.KeyUsage !== undefined ? { keyUsage: props.KeyUsage } : {}),
        ...(props.Origin !== undefined ? { origin: props.Origin } : {}),
        ...(props.MultiRegion !== undefined ? { multiRegion: props.MultiRegion } : {}),
        ...(props.Description !== undefined ? { description: props.Description } : {}),
        ...(props.EnableKeyRotation !== undefined ? { rotationEnabled: props.EnableKeyRotation } : {}),
        ...(props.RotationPeriodInDays !== undefined
          ? { rotationPeriodInDays: props.RotationPeriodInDays }
          : {}),
        ...(props.KeyPolicy !== undefined ? { policy: props.KeyPolicy } : {}),
        ...(props.Tags !== undefined ? { tags: props.Tags } : {}),
        ...(props.PendingWindowInDays !== undefined
          ? { pendingWindowInDays: props.PendingWindowInDays }
          : {}),
        // CloudFormation's default DeletionPolicy for a key is Delete (which schedules deletion).
        deletionPolicy: attribute('DeletionPolicy') ?? 'Delete',
        updateReplacePolicy: attribute('UpdateReplacePolicy') ?? 'Delete',
        ...(replica ? { replica } : {}),
        aliases: family.keyAliases.get(id) ?? [],
      },
      defaultKeyPolicy(stack.account, stack.partition),
    );
    if (replica) {
      const primary = byId.get(replica.primaryKeyArn);
      if (primary?.rotation) key.rotation = { ...primary.rotation };
      else
        key.rotation = {
          enabled: {
            unresolved: 'PrimaryKeyArn',
            reason: 'a replica rotates with its primary key, which is not in the scanned files',
          },
        };
    }
    byId.set(id, key);
    family.output.keys.push(key);
  }
}

function buildContext(stack: StackView, family: Family): ClusterBuildContext {
  return {
    source: 'cloudformation' as const,
    account: stack.account,
    region: stack.region,
    issues: family.output.issues ?? stack.issues,
    resolveKey: (value: Val) =>
      resolveKeyReference(value, {
        keyTypes: KEY_TYPES,
        aliasToKey: family.aliasToKey,
        aliasResourceToKey: family.aliasResourceToKey,
      }),
  };
}

/** Pass 2: clusters, after every key and alias of the family is known. */
function emitClusters(stack: StackView, family: Family): void {
  // This template's clusters are judged here, on the terms of this evaluation (a cluster whose
  // own Condition is false under them is judged absent).
  family.output.judged?.push(stack.template.absPath);
  let defined = false;
  for (const [logicalId, resource] of stack.resourcesOfType((type) => type === 'AWS::SageMaker::Cluster')) {
    defined = true;
    const node = getEntry(resource, 'Properties');
    const value = node ? stack.evaluate(node) : {};
    // Properties known only as a whole (an undecidable `!If`, a `Fn::Transform`), or not a map: every
    // property is unknown, never taken for absent (an unset NodeProvisioningMode is the legacy mode).
    // Beside a `Fn::Transform`, what is written is read and every other property is unknown.
    const transform = node?.kind === 'map' ? node.entries.get('Fn::Transform') : undefined;
    const spec =
      value instanceof Unknown
        ? unknownSpec(value)
        : isObject(value)
          ? transform
            ? unknownSpec(included(transform), value)
            : value
          : isAbsent(value)
            ? {}
            : unknownSpec(notA('a map of properties', value));
    const definition: ClusterDefinition = {
      id: stack.idOf(logicalId),
      name: spec.ClusterName ?? logicalId,
      location: stack.location(stack.template.resourceLines.get(logicalId)),
      spec,
    };
    family.output.clusters.push(buildCluster(definition, buildContext(stack, family)));
  }
  // A type that looks like a HyperPod cluster and is not read is an input issue, never a silent
  // skip (AWS::SageMaker::ClusterV2, a third-party HyperPod type); custom resources are read below.
  for (const [logicalId, , type] of stack.resourcesOfType(
    (type) =>
      type !== 'AWS::SageMaker::Cluster' && !type.startsWith('Custom::') && looksLikeHyperPodCluster(type),
  ))
    stack.issues.push(
      unsupportedClusterIssue(
        type,
        logicalId,
        stack.location(stack.template.resourceLines.get(logicalId)),
        'cfn',
      ),
    );
  for (const [logicalId, resource, type] of stack.resourcesOfType(
    (type) =>
      type === 'AWS::CloudFormation::Stack' ||
      type === 'AWS::Lambda::Function' ||
      type === 'AWS::Serverless::Function' ||
      type === 'AWS::CloudFormation::CustomResource' ||
      type.startsWith('Custom::'),
  )) {
    if (type === 'AWS::CloudFormation::Stack') {
      const child = stack.child(logicalId, resource);
      if (child) {
        emitClusters(child, family);
        continue;
      }
    }
    const cluster = defined
      ? undefined
      : customCluster(stack, logicalId, resource, type, buildContext(stack, family));
    if (cluster) family.output.clusters.push(cluster);
    else if (type.startsWith('Custom::') && looksLikeHyperPodCluster(type))
      stack.issues.push(
        unsupportedClusterIssue(
          type,
          logicalId,
          stack.location(stack.template.resourceLines.get(logicalId)),
          'cfn',
        ),
      );
  }
}

/** What a `Fn::Transform` (AWS::Include) among a resource's properties adds: known only at deploy time. */
function included(transform: SNode): Unknown {
  const location = scalarText(getEntry(getEntry(transform, 'Parameters'), 'Location'));
  return new Unknown(
    `!Transform ${render(transform)}`,
    'not written here, and what Fn::Transform (AWS::Include) adds when the stack deploys is not scanned',
    location ? [location] : [],
  );
}

/** Outputs exported for other stacks (`Fn::ImportValue`) that name one of the root stack's keys. */
function keyExports(stack: StackView, family: Family): Map<string, string> {
  const exports = new Map<string, string>();
  for (const output of stack.template.outputs.values()) {
    const name = getEntry(getEntry(output, 'Export'), 'Name');
    const value = getEntry(output, 'Value');
    // An output under a condition that is false, or not known, may export nothing.
    if (!name || !value || stack.outputCreated(output) !== true) continue;
    const exportName = stack.evaluate(name);
    const exported = stack.evaluate(value);
    if (typeof exportName !== 'string' || !isSym(exported) || !exported.target) continue;
    const keyId = KEY_TYPES.has(exported.target.type)
      ? exported.target.id
      : family.aliasResourceToKey.get(exported.target.id);
    if (keyId) exports.set(exportName, keyId);
  }
  return exports;
}
