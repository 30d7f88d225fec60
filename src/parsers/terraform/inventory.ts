/**
 * The inventory a Terraform root module (with its local child modules) defines: keys with their
 * aliases and key policies, execution roles with the KMS statements of their policies, and
 * clusters, built once every key and alias of the module family is known. The modules evaluate;
 * this file only reads their resources' evaluated bodies.
 */
import type { SourceIssue } from '../../model/finding.js';
import type { Cluster, ExecutionRole, Key } from '../../model/inventory.js';
import {
  awsProviderClusterSpec,
  buildCluster,
  looksLikeHyperPodCluster,
  resolveKeyReference,
  TERRAFORM_CLUSTER_TYPES,
  unknownSpec,
  unsupportedClusterIssue,
  type VolumeKey,
} from '../common/cluster-builder.js';
import { pushOnce } from '../common/issues.js';
import {
  buildKey,
  defaultKeyPolicy,
  externalKeyProperties,
  REPLICA_TYPES,
  TERRAFORM_KEY_TYPES,
  terraformKeyProperties,
} from '../common/key-builder.js';
import { dependsOn, type ReadPolicy, RolePolicies, readPolicy } from '../common/role-builder.js';
import {
  isAbsent,
  isObject,
  isOwnKeyArn,
  isSym,
  partitionOf,
  Sym,
  textOf,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import { type Declared, declaredAt, type Instance, instanceBody } from './declarations.js';
import type { Block } from './hcl.js';

export interface ModuleOutput {
  clusters: Cluster[];
  keys: Key[];
  roles: ExecutionRole[];
  /** The module directories whose clusters this evaluation judged. */
  judged?: string[];
}

export const KEY_TYPES: ReadonlySet<string> = TERRAFORM_KEY_TYPES;
const ALIAS_TYPES: ReadonlySet<string> = new Set(['aws_kms_alias', 'awscc_kms_alias']);

/** What building the inventory needs of a module instance: its resources and its children. */
export interface ModuleView {
  readonly absDir: string;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly issues: SourceIssue[];
  /** The Region a resource is in: its `region` argument, else its provider configuration's. */
  regionOf(declared: Declared<Block>, scope: Instance['scope']): string;
  /** The instances of the module's local child modules. */
  childModules(): ModuleView[];
  /** Visits every instance of the module's resources of the types asked for. */
  eachResource(
    types: (type: string) => boolean,
    visit: (declared: Declared<Block>, type: string, instance: Instance) => void,
  ): void;
  /** An attribute the configuration fixes (a role's ARN from its name), if it does. */
  knownAttribute(
    declared: Declared<Block>,
    type: string,
    attribute: string,
    target: { id: string; type: string },
  ): Val | undefined;
}

/** Shared by a root module and its children: keys, aliases, roles and what they produce. */
class Family {
  readonly keyIds = new Set<string>();
  readonly aliasToKey = new Map<string, string>();
  readonly aliasResourceToKey = new Map<string, string>();
  readonly keyAliases = new Map<string, string[]>();
  readonly keyPolicies = new Map<string, Val>();
  readonly roles = new Map<string, { arn: string; name?: string; policies: RolePolicies }>();
  /** Managed policies (aws_iam_policy) the modules define, by resource id. */
  readonly policies = new Map<string, ReadPolicy>();
  readonly output: ModuleOutput = { clusters: [], keys: [], roles: [], judged: [] };
}

/** The keys, roles and clusters a root module and its children define. */
export function moduleInventory(root: ModuleView): ModuleOutput {
  const family = new Family();
  collect(root, family);
  emitKeys(root, family);
  emitClusters(root, family);
  for (const role of family.roles.values())
    family.output.roles.push(role.policies.toRole(role.arn, root.account, 'terraform'));
  return family.output;
}

/** Pass 1: keys, aliases, key policies and roles across this module and its children. */
function collect(module: ModuleView, family: Family): void {
  for (const child of module.childModules()) collect(child, family);
  module.eachResource(
    (type) => KEY_TYPES.has(type),
    (_declared, _type, instance) => family.keyIds.add(instance.id),
  );
  module.eachResource(
    (type) => ALIAS_TYPES.has(type) || type === 'aws_kms_key_policy',
    (declared, type, instance) => {
      const props = instanceBody(declared, instance);
      if (props instanceof Unknown) return;
      const target = props.target_key_id ?? props.key_id;
      if (!isSym(target) || !target.target || !KEY_TYPES.has(target.target.type)) return;
      if (type === 'aws_kms_key_policy') {
        family.keyPolicies.set(target.target.id, props.policy ?? null);
        return;
      }
      // An alias named only when applied (name_prefix) still names its key where it is referenced.
      family.aliasResourceToKey.set(instance.id, target.target.id);
      const alias = textOf(props.name ?? props.alias_name ?? null);
      if (!alias) return;
      family.aliasToKey.set(alias, target.target.id);
      family.keyAliases.set(target.target.id, [...(family.keyAliases.get(target.target.id) ?? []), alias]);
    },
  );
  module.eachResource(
    (type) => type === 'aws_iam_policy',
    (declared, _type, instance) => {
      const props = instanceBody(declared, instance);
      family.policies.set(
        instance.id,
        props instanceof Unknown ? dependsOn(props) : readPolicy(props.policy),
      );
    },
  );
  module.eachResource(
    (type) => type === 'aws_iam_role',
    (declared, _type, instance) => {
      const props = instanceBody(declared, instance);
      const target = { id: instance.id, type: 'aws_iam_role' };
      const arn =
        textOf(module.knownAttribute(declared, 'aws_iam_role', 'arn', target) ?? null) ??
        `${instance.address}.arn`;
      const policies = new RolePolicies();
      if (props instanceof Unknown) {
        policies.add(dependsOn(props), "the role's arguments");
        family.roles.set(target.id, { arn, policies });
        return;
      }
      policies.addInline('inline_policy', props.inline_policy, { name: 'name', document: 'policy' });
      const managed = props.managed_policy_arns;
      if (managed !== undefined && !isAbsent(managed)) {
        if (!Array.isArray(managed)) policies.addUnreadList('managed_policy_arns', managed);
        else
          for (const policyArn of managed)
            if (!isAbsent(policyArn)) policies.addManaged(policyArn, (id) => family.policies.get(id));
      }
      policies.setBoundary(props.permissions_boundary ?? null, (id) => family.policies.get(id));
      const name = textOf(props.name ?? null);
      family.roles.set(target.id, { arn, ...(name ? { name } : {}), policies });
    },
  );
  module.eachResource(
    (type) => ROLE_POLICY_TYPES.has(type),
    (declared, type, instance) => {
      const props = instanceBody(declared, instance);
      if (props instanceof Unknown) return;
      // aws_iam_policy_attachment attaches to a list of roles; the others to one.
      const roles: Val[] =
        type === 'aws_iam_policy_attachment'
          ? Array.isArray(props.roles)
            ? props.roles
            : []
          : [props.role ?? props.role_name ?? null];
      const what = instance.address;
      for (const named of roles) {
        const role = roleOf(family, named);
        if (!role) continue;
        if (type === 'aws_iam_role_policy') role.policies.add(readPolicy(props.policy), what);
        else if (type === 'aws_iam_role_policy_attachments_exclusive') {
          // The role's managed policies are exactly these.
          const arns = props.policy_arns;
          if (!Array.isArray(arns)) role.policies.addUnreadList(`policy_arns of ${what}`, arns ?? null);
          else for (const arn of arns) role.policies.addManaged(arn, (id) => family.policies.get(id));
        } else role.policies.addManaged(props.policy_arn ?? null, (id) => family.policies.get(id));
      }
    },
  );
}

/** Resources that attach a policy to roles: inline, or a managed policy by ARN. */
const ROLE_POLICY_TYPES: ReadonlySet<string> = new Set([
  'aws_iam_role_policy',
  'aws_iam_role_policy_attachment',
  'aws_iam_role_policy_attachments_exclusive',
  'aws_iam_policy_attachment',
]);

function roleOf(family: Family, value: Val) {
  if (isSym(value) && value.target) return family.roles.get(value.target.id);
  const name = textOf(value);
  if (name === undefined) return undefined;
  for (const role of family.roles.values()) if (role.name === name) return role;
  return undefined;
}

function emitKeys(module: ModuleView, family: Family): void {
  for (const child of module.childModules()) emitKeys(child, family);
  module.eachResource(
    (type) => KEY_TYPES.has(type),
    (declared, type, instance) => {
      const id = instance.id;
      const props = instanceBody(declared, instance);
      // A key whose arguments are unknown (Terraform refuses its count) has every property unknown.
      const p: ValObject = props instanceof Unknown ? unknownSpec(props) : props;
      const lifecycle =
        Array.isArray(p.lifecycle) && isObject(p.lifecycle[0] ?? null) ? (p.lifecycle[0] as ValObject) : {};
      const policy = family.keyPolicies.has(id) ? family.keyPolicies.get(id)! : (p.policy ?? p.key_policy);
      const primary = p.primary_key_arn;
      const region = module.regionOf(declared, instance.scope);
      const key = buildKey(
        {
          id,
          location: declaredAt(declared.file, declared.item.line),
          source: 'terraform',
          account: module.account,
          region,
          ...terraformKeyProperties(p),
          ...(policy !== undefined ? { policy } : {}),
          preventDestroy: lifecycle.prevent_destroy ?? false,
          ...externalKeyProperties(type, p),
          ...(REPLICA_TYPES.has(type)
            ? {
                replica: {
                  primaryKeyArn:
                    isSym(primary) && primary.target
                      ? primary.target.id
                      : (textOf(primary ?? null) ?? 'unknown'),
                },
              }
            : {}),
          aliases: family.keyAliases.get(id) ?? [],
        },
        defaultKeyPolicy(module.account, partitionOf(region)?.partition ?? module.partition),
      );
      if (props instanceof Unknown) key.policy = props.toUnresolved();
      if (REPLICA_TYPES.has(type)) {
        const primaryKey = family.output.keys.find((k) => k.arn === key.metadata?.primaryKeyArn);
        key.rotation = primaryKey?.rotation
          ? { ...primaryKey.rotation }
          : {
              enabled: {
                unresolved: 'primary_key_arn',
                reason: 'a replica rotates with its primary key, which is not in the scanned files',
              },
            };
      }
      family.output.keys.push(key);
    },
  );
}

function resolveKey(family: Family, module: ModuleView, value: Val): VolumeKey {
  return resolveKeyReference(writtenKeyArn(value, module, family) ?? value, {
    keyTypes: KEY_TYPES,
    aliasToKey: family.aliasToKey,
    aliasResourceToKey: family.aliasResourceToKey,
  });
}

/** What of a key resource is its key id (the provider's `id` of a key is its key id). */
const KEY_ID_ATTRIBUTES: ReadonlySet<string> = new Set(['key_id', 'id']);

/**
 * A key ARN written out around a key's id, with the deploying partition, Region and account as the
 * data sources read them or as the scan knows them
 * (`arn:${data.aws_partition.p.partition}:kms:${data.aws_region.r.name}:${data.aws_caller_identity.c.account_id}:key/${aws_kms_key.k.key_id}`):
 * that key's ARN, as `aws_kms_key.k.arn` is. Another account's or Region's ARN of that id is not.
 */
function writtenKeyArn(value: Val, module: ModuleView, family: Family): Sym | undefined {
  const held = value instanceof Sym && !value.target ? value.holds : undefined;
  const target = held?.target;
  if (!held || !target || !KEY_TYPES.has(target.type) || !KEY_ID_ATTRIBUTES.has(target.attribute ?? ''))
    return undefined;
  const known = (text: string) => (text.startsWith('${') ? undefined : text);
  // The ARN of the key in the key's own Region (its provider's), not the module's default one.
  const keyRegion = family.output.keys.find((key) => key.arn === target.id)?.region ?? module.region;
  const own = isOwnKeyArn((value as Sym).text, held.text, {
    region: known(keyRegion),
    account: known(module.account),
  });
  return own ? new Sym(target.id, { ...target, attribute: 'arn' }) : undefined;
}

/** Resources that deploy a CloudFormation template, which may be written inline (template_body). */
const STACK_TYPES: ReadonlySet<string> = new Set([
  'aws_cloudformation_stack',
  'aws_cloudformation_stack_set',
  'awscc_cloudformation_stack',
  'awscc_cloudformation_stack_set',
]);

function emitClusters(module: ModuleView, family: Family): void {
  for (const child of module.childModules()) emitClusters(child, family);
  family.output.judged?.push(module.absDir);
  // A cluster in a template written inside the .tf file is in no file the scan reads: said.
  module.eachResource(
    (type) => STACK_TYPES.has(type),
    (declared, type) => {
      const body = declared.item.body.attributes.get('template_body');
      if (body && /AWS::SageMaker::Cluster/.test(body.expr.text))
        pushOnce(module.issues, {
          code: 'tf.inline_template',
          severity: 'error',
          message: `a ${type} whose inline template_body defines a HyperPod cluster: that cluster is not scanned`,
          hint: 'keep the template in a file of its own (template_body = file("cluster.yaml")), which the scan reads',
          location: declaredAt(declared.file, declared.item.line),
        });
    },
  );
  module.eachResource(
    (type) => TERRAFORM_CLUSTER_TYPES.has(type) || looksLikeHyperPodCluster(type),
    (declared, type, instance) => {
      if (!TERRAFORM_CLUSTER_TYPES.has(type)) {
        module.issues.push(
          unsupportedClusterIssue(
            type,
            instance.address,
            declaredAt(declared.file, declared.item.line),
            'tf',
          ),
        );
        return;
      }
      const props = instanceBody(declared, instance);
      const spec =
        props instanceof Unknown
          ? unknownSpec(props)
          : type === 'aws_sagemaker_cluster'
            ? awsProviderClusterSpec(props)
            : props;
      const id = instance.id;
      const cluster = buildCluster(
        {
          id,
          name: spec.cluster_name ?? instance.address,
          location: declaredAt(declared.file, declared.item.line),
          spec,
          ...(props instanceof Unknown ? { groupsUnknown: props } : {}),
        },
        {
          source: 'terraform',
          account: module.account,
          region: module.regionOf(declared, instance.scope),
          issues: module.issues,
          resolveKey: (value) => resolveKey(family, module, value),
        },
      );
      family.output.clusters.push(cluster);
    },
  );
}
