/**
 * A Terraform plan as `terraform show -json` writes it. Values come from `resource_changes[].change`
 * (`after`, with `after_unknown` marking what is known only after apply) or, for resources the plan
 * leaves alone, `planned_values`. A volume key known only after apply is resolved through the
 * plan's `configuration`: when the attribute references exactly one key of the plan, the volume
 * uses that key; otherwise it stays UNKNOWN with the references it could be.
 */
import type { SourceIssue } from '../../model/finding.js';
import type { Cluster, ExecutionRole, Key } from '../../model/inventory.js';
import { shortened } from '../../model/text.js';
import {
  awsProviderClusterSpec,
  buildCluster,
  literalKeyResolution,
  looksLikeHyperPodCluster,
  TERRAFORM_CLUSTER_TYPES,
  unknownSpec,
  unsupportedClusterIssue,
  type VolumeKey,
} from '../common/cluster-builder.js';
import {
  buildKey,
  defaultKeyPolicy,
  externalKeyProperties,
  TERRAFORM_KEY_TYPES as KEY_TYPES,
  REPLICA_TYPES,
  terraformKeyProperties,
} from '../common/key-builder.js';
import { getEntry, type SNode, scalarText, treeValue } from '../common/source-tree.js';
import {
  ACCOUNT,
  boundedId,
  isObject,
  locate,
  locationOf,
  PARTITION,
  partitionOf,
  REGION,
  textOf,
  Unknown,
  type Val,
  type ValObject,
} from '../common/value.js';
import { configAddress, planRoles } from './roles.js';

export interface TerraformPlan {
  kind: 'tf-plan';
  file: string;
  root: SNode;
}

export function asPlan(root: SNode, file: string): TerraformPlan | undefined {
  if (root.kind !== 'map' || !root.entries.has('format_version')) return undefined;
  if (
    !root.entries.has('planned_values') &&
    !root.entries.has('resource_changes') &&
    !root.entries.has('values')
  )
    return undefined;
  return { kind: 'tf-plan', file, root };
}

interface PlanResource {
  address: string;
  type: string;
  mode: string;
  values: Val;
  line: number;
  /** The plan creates it (`create`, or a replacement): it has no prior values. */
  created?: boolean;
}

export interface PlanOptions {
  region?: string;
  account?: string;
}

/** Overlays `after_unknown` on `after`: every path marked true becomes an Unknown naming it. */
function withUnknowns(after: Val, unknown: Val, path: string): Val {
  if (unknown === true) return new Unknown(path, 'known only after apply', [path]);
  // Unknown as a whole: what is unknown within it adds nothing.
  if (after instanceof Unknown) return after;
  if (Array.isArray(unknown)) {
    const list: Val[] = Array.isArray(after) ? [...after] : [];
    unknown.forEach((flag, i) => {
      list[i] = withUnknowns(list[i] ?? null, flag, `${path}[${i}]`);
    });
    return locate(list, locationOf(after));
  }
  if (isObject(unknown)) {
    const object: ValObject = isObject(after) ? { ...after } : {};
    for (const [key, flag] of Object.entries(unknown))
      object[key] = withUnknowns(object[key] ?? null, flag, `${path}.${key}`);
    return locate(object, locationOf(after));
  }
  return after;
}

function collectPlanned(module: SNode | undefined, file: string, out: Map<string, PlanResource>): void {
  const resources = getEntry(module, 'resources');
  if (resources?.kind === 'seq')
    for (const resource of resources.items) {
      const address = scalarText(getEntry(resource, 'address'));
      if (!address) continue;
      const values = getEntry(resource, 'values');
      out.set(address, {
        address,
        type: scalarText(getEntry(resource, 'type')) ?? '',
        mode: scalarText(getEntry(resource, 'mode')) ?? 'managed',
        values: values ? treeValue(values, file) : {},
        line: resource.line,
      });
    }
  const children = getEntry(module, 'child_modules');
  if (children?.kind === 'seq') for (const child of children.items) collectPlanned(child, file, out);
}

/** Configuration references of each resource attribute: `address -> attribute -> references`. */
function collectReferences(
  module: SNode | undefined,
  prefix: string,
  out: Map<string, Map<string, string[]>>,
): void {
  const resources = getEntry(module, 'resources');
  if (resources?.kind === 'seq')
    for (const resource of resources.items) {
      const address = scalarText(getEntry(resource, 'address'));
      const expressions = getEntry(resource, 'expressions');
      if (!address) continue;
      // A resource that sets no argument has no expressions: configured, with nothing set.
      const attributes = new Map<string, string[]>();
      out.set(`${prefix}${address}`, attributes);
      if (expressions?.kind !== 'map') continue;
      for (const [name, expression] of expressions.entries) {
        const refs: string[] = [];
        const walk = (node: SNode, depth: number) => {
          if (depth > 32) return;
          if (node.kind === 'map') {
            const references = node.entries.get('references');
            if (references?.kind === 'seq')
              for (const ref of references.items)
                if (ref.kind === 'scalar' && typeof ref.value === 'string')
                  refs.push(`${prefix}${ref.value}`);
            for (const [key, child] of node.entries) if (key !== 'references') walk(child, depth + 1);
          } else if (node.kind === 'seq') for (const child of node.items) walk(child, depth + 1);
        };
        walk(expression, 0);
        attributes.set(name, refs);
      }
    }
  const calls = getEntry(module, 'module_calls');
  if (calls?.kind === 'map')
    for (const [name, call] of calls.entries)
      collectReferences(getEntry(call, 'module'), `${prefix}module.${name}.`, out);
}

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * The Region of each planned resource: its own `region` (hashicorp/aws 6), else the constant
 * `region` of the provider configuration the configuration gives it (`provider_config_key`: `aws`,
 * `aws.west`, `module.m:aws`, which a module inherits from its caller's `aws` when it declares
 * none), else that of its provider's default configuration (`aws_...` aws's, `awscc_...` awscc's),
 * else `--region` (the environment's), else symbolic.
 */
function planRegions(root: SNode, options: PlanOptions): (resource: PlanResource) => string {
  const configuration = getEntry(root, 'configuration');
  const providers = getEntry(configuration, 'provider_config');
  const configKeys = new Map<string, string>();
  const walk = (module: SNode | undefined, prefix: string, depth: number) => {
    if (depth > 16) return;
    const resources = getEntry(module, 'resources');
    if (resources?.kind === 'seq')
      for (const item of resources.items) {
        const address = scalarText(getEntry(item, 'address'));
        const key = scalarText(getEntry(item, 'provider_config_key'));
        if (address && key) configKeys.set(prefix + address, key);
      }
    const calls = getEntry(module, 'module_calls');
    if (calls?.kind === 'map')
      for (const [name, call] of calls.entries)
        walk(getEntry(call, 'module'), `${prefix}module.${name}.`, depth + 1);
  };
  walk(getEntry(configuration, 'root_module'), '', 0);
  const configured = (key: string): string | undefined => {
    const value = scalarText(
      getEntry(getEntry(getEntry(getEntry(providers, key), 'expressions'), 'region'), 'constant_value'),
    );
    return value !== undefined && REGION_NAME.test(value) ? value : undefined;
  };
  const fallback = options.region ?? REGION;
  return (resource) => {
    const values = isObject(resource.values) ? resource.values : {};
    const own = resource.type.startsWith('aws_') ? textOf(values.region ?? null) : undefined;
    if (own !== undefined && REGION_NAME.test(own)) return own;
    const key = configKeys.get(resource.address.replace(/\[[^\]]*\]/g, ''));
    const local = resource.type.split('_')[0] ?? resource.type;
    return (
      (key ? (configured(key) ?? configured(key.replace(/^.*:/, ''))) : undefined) ??
      configured(local) ??
      fallback
    );
  };
}

/** The address of a resource instance in the configuration (`module.m[0].aws_kms_key.k[1]` -> `module.m.aws_kms_key.k`). */
const configOf = (address: string) => address.replace(/\[[^\]]*\]/g, '');

/**
 * The values of a key the plan creates, with what the configuration leaves out taken as absent, so
 * that the service's defaults apply. An optional argument the provider also computes (the key
 * policy, the rotation period, multi_region; every argument of awscc_kms_key) is "known only after
 * apply" in a plan that creates the resource, though nothing is written for it: KMS then attaches
 * its default key policy and rotates every 365 days
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html,
 * https://docs.aws.amazon.com/kms/latest/developerguide/ct-enablekeyrotation.html). What the
 * configuration does set stays unknown; and so does everything when the plan carries no
 * configuration for the resource, which then cannot tell set from left out
 * (https://developer.hashicorp.com/terraform/internals/json-format).
 */
function serviceDefaults(resource: PlanResource, references: Map<string, Map<string, string[]>>): ValObject {
  if (!isObject(resource.values)) return {};
  const configured = references.get(configOf(resource.address));
  if (!resource.created || !configured) return resource.values;
  const values: ValObject = {};
  for (const [name, value] of Object.entries(resource.values))
    if (!(value instanceof Unknown) || configured.has(name)) values[name] = value;
  return locate(values, locationOf(resource.values));
}

const baseAddress = (reference: string) => reference.replace(/\.(arn|id|key_id)$/, '');

export function planInventory(
  plan: TerraformPlan,
  options: PlanOptions,
): { clusters: Cluster[]; keys: Key[]; roles: ExecutionRole[]; issues: SourceIssue[] } {
  const { file, root } = plan;
  const account = options.account ?? ACCOUNT;
  const regionOf = planRegions(root, options);
  const resources = new Map<string, PlanResource>();
  collectPlanned(getEntry(getEntry(root, 'planned_values'), 'root_module'), file, resources);
  collectPlanned(getEntry(getEntry(root, 'values'), 'root_module'), file, resources);
  const changes = getEntry(root, 'resource_changes');
  // What a plan holds that cannot be read is said, never passed over (a cluster could be in it).
  const planIssues: SourceIssue[] = [];
  const malformed = (message: string, line: number | undefined) =>
    planIssues.push({
      code: 'tf.plan_malformed',
      severity: 'error',
      message,
      hint: 'write the plan with terraform show -json PLANFILE, unedited',
      location: { file, ...(line !== undefined ? { line } : {}) },
    });
  if (changes !== undefined && changes.kind !== 'seq')
    malformed('resource_changes is not a list: the changes it holds are not read', changes.line);
  if (changes?.kind === 'seq')
    for (const change of changes.items) {
      const address = scalarText(getEntry(change, 'address'));
      const body = getEntry(change, 'change');
      const actions = getEntry(body, 'actions');
      if (!address || !body) {
        malformed(
          `a resource change without ${address ? 'a change' : 'an address'}${address ? ` (${shortened(address)})` : ''}: not read`,
          change.line,
        );
        continue;
      }
      if (
        actions?.kind === 'seq' &&
        actions.items.length === 1 &&
        scalarText(actions.items[0]) === 'delete'
      ) {
        resources.delete(address);
        continue;
      }
      const after = getEntry(body, 'after');
      const afterUnknown = getEntry(body, 'after_unknown');
      // A resource that is not deleted but has no values after apply (`after: null`) is known only
      // after apply as a whole, as one whose `after_unknown` is `true`.
      const afterValues =
        after && !(after.kind === 'scalar' && after.value === null)
          ? treeValue(after, file)
          : new Unknown(address, 'its values are known only after apply', [address]);
      const values = withUnknowns(afterValues, afterUnknown ? treeValue(afterUnknown, file) : {}, address);
      resources.set(address, {
        address,
        type: scalarText(getEntry(change, 'type')) ?? '',
        mode: scalarText(getEntry(change, 'mode')) ?? 'managed',
        values,
        line: change.line,
        ...(actions?.kind === 'seq' && actions.items.some((action) => scalarText(action) === 'create')
          ? { created: true }
          : {}),
      });
    }
  const references = new Map<string, Map<string, string[]>>();
  collectReferences(getEntry(getEntry(root, 'configuration'), 'root_module'), '', references);

  const idOf = (address: string) => `${file}#${boundedId(address)}`;
  const keyAddresses = new Set(
    [...resources.values()]
      .filter((r) => r.mode === 'managed' && KEY_TYPES.has(r.type))
      .map((r) => r.address),
  );
  const keyByArn = new Map<string, string>();
  const aliasToKey = new Map<string, string>();
  const aliasAddressToKey = new Map<string, string>();
  for (const resource of resources.values()) {
    if (!isObject(resource.values)) continue;
    if (keyAddresses.has(resource.address)) {
      for (const attr of ['arn', 'key_id', 'id']) {
        const text = textOf(resource.values[attr] ?? null);
        if (text) keyByArn.set(text, idOf(resource.address));
      }
    }
    if (resource.type === 'aws_kms_alias' || resource.type === 'awscc_kms_alias') {
      const name = textOf(resource.values.name ?? resource.values.alias_name ?? null);
      const refs = references.get(configAddress(resource.address))?.get('target_key_id') ?? [];
      const target = textOf(resource.values.target_key_id ?? null);
      const keyRef = refs.map(baseAddress).find((ref) => keyAddresses.has(ref));
      const keyId = keyRef ? idOf(keyRef) : target ? keyByArn.get(target) : undefined;
      // An alias named only when applied (name_prefix) still names its key where it is referenced.
      if (keyId) aliasAddressToKey.set(resource.address, keyId);
      if (name && keyId) aliasToKey.set(name, keyId);
    }
  }

  const keys: Key[] = [];
  for (const address of keyAddresses) {
    const resource = resources.get(address)!;
    const p = serviceDefaults(resource, references);
    const partition = partitionOf(regionOf(resource))?.partition ?? PARTITION;
    const policyResource = [...resources.values()].find(
      (r) =>
        r.type === 'aws_kms_key_policy' &&
        (references.get(configOf(r.address))?.get('key_id') ?? []).some(
          (ref) => baseAddress(ref) === address,
        ),
    );
    const policy =
      policyResource && isObject(policyResource.values)
        ? policyResource.values.policy
        : (p.policy ?? p.key_policy);
    const keyRegion = regionOf(resource);
    const key = buildKey(
      {
        id: idOf(address),
        location: { file, line: locationOf(resource.values)?.line ?? resource.line },
        source: 'terraform-plan',
        account,
        region: keyRegion,
        ...terraformKeyProperties(p),
        ...(policy !== undefined && policy !== null ? { policy } : {}),
        preventDestroy: new Unknown(
          'lifecycle.prevent_destroy',
          'terraform show -json does not record lifecycle settings; scan the configuration for them',
          [`${address} lifecycle`],
        ),
        ...externalKeyProperties(resource.type, p),
        ...(REPLICA_TYPES.has(resource.type)
          ? { replica: { primaryKeyArn: textOf(p.primary_key_arn ?? null) ?? 'unknown' } }
          : {}),
        aliases: [...aliasToKey].filter(([, id]) => id === idOf(address)).map(([name]) => name),
      },
      defaultKeyPolicy(account, partition),
    );
    keys.push(key);
  }

  const roles = planRoles(resources, references, account);
  const clusters: Cluster[] = [];
  const issues: SourceIssue[] = planIssues;
  for (const resource of resources.values()) {
    if (resource.mode !== 'managed') continue;
    if (!TERRAFORM_CLUSTER_TYPES.has(resource.type)) {
      if (looksLikeHyperPodCluster(resource.type))
        issues.push(
          unsupportedClusterIssue(resource.type, resource.address, { file, line: resource.line }, 'tf'),
        );
      continue;
    }
    // A cluster known only after apply as a whole: every attribute is, not absent (absent groups
    // would read as a cluster with none to judge).
    const values: ValObject = isObject(resource.values) ? resource.values : {};
    const spec = !isObject(resource.values)
      ? unknownSpec(
          resource.values instanceof Unknown
            ? resource.values
            : new Unknown(resource.address, 'its values in the plan are not an object', [resource.address]),
        )
      : resource.type === 'aws_sagemaker_cluster'
        ? awsProviderClusterSpec(values)
        : values;
    const refs = references.get(configAddress(resource.address));
    const resolveKey = (value: Val): VolumeKey => {
      if (value instanceof Unknown) {
        const candidates = [
          ...new Set(
            GROUP_ATTRIBUTES.flatMap((attribute) => refs?.get(attribute) ?? [])
              .map(baseAddress)
              .filter(
                (ref) =>
                  keyAddresses.has(ref) ||
                  [...resources.values()].some(
                    (r) => r.address === ref && (r.type === 'aws_kms_alias' || r.type === 'awscc_kms_alias'),
                  ),
              ),
          ),
        ];
        const keysReferenced = [
          ...new Set(
            candidates
              .map((ref) => (keyAddresses.has(ref) ? idOf(ref) : aliasAddressToKey.get(ref)))
              .filter((id): id is string => id !== undefined),
          ),
        ];
        if (keysReferenced.length === 1)
          return {
            kmsKeyId: `${candidates[0]}.arn`,
            resolution: { status: 'resolved', keyArn: keysReferenced[0]! },
          };
        const inputs =
          candidates.length > 0
            ? candidates
            : [
                ...new Set(
                  GROUP_ATTRIBUTES.flatMap((attribute) => refs?.get(attribute) ?? []).map(baseAddress),
                ),
              ].slice(0, 8);
        return {
          kmsKeyId: {
            unresolved: value.expression,
            reason:
              keysReferenced.length > 1
                ? `known only after apply: one of ${candidates.join(', ')}`
                : inputs.length > 0
                  ? `known only after apply, from ${inputs.join(', ')}`
                  : 'known only after apply',
            ...(inputs.length > 0 ? { inputs } : {}),
          },
        };
      }
      const text = textOf(value);
      if (text === undefined) return { kmsKeyId: null };
      const known = keyByArn.get(text);
      if (known) return { kmsKeyId: text, resolution: { status: 'resolved', keyArn: known } };
      const alias = /(?:^|:)(alias\/[\w/-]+)$/.exec(text)?.[1];
      if (alias && aliasToKey.has(alias))
        return { kmsKeyId: text, resolution: { status: 'resolved', keyArn: aliasToKey.get(alias)! } };
      return { kmsKeyId: text, resolution: literalKeyResolution(text) };
    };
    clusters.push(
      buildCluster(
        {
          id: idOf(resource.address),
          name: spec.cluster_name ?? resource.address,
          location: { file, line: locationOf(resource.values)?.line ?? resource.line },
          spec,
        },
        {
          source: 'terraform-plan',
          account,
          region: regionOf(resource),
          issues,
          resolveKey,
          resolveRole: () =>
            roles.namedBy(GROUP_ATTRIBUTES.flatMap((attribute) => refs?.get(attribute) ?? [])),
        },
      ),
    );
  }
  return { clusters, keys, roles: roles.roles, issues };
}

/** The attributes (awscc) and blocks (hashicorp/aws) whose references may name volume keys. */
const GROUP_ATTRIBUTES = [
  'instance_groups',
  'restricted_instance_groups',
  'instance_group',
  'restricted_instance_group',
];
