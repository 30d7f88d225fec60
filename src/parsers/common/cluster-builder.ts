/**
 * Turns an evaluated cluster definition into the inventory's Cluster: the one place that knows the
 * CreateCluster shape. CloudFormation and create-cluster input write it in PascalCase
 * (`InstanceStorageConfigs`), awscc Terraform and plans in snake_case (`instance_storage_configs`);
 * `field` reads either.
 */
import type { SourceIssue } from '../../model/finding.js';
import {
  type Cluster,
  type EbsVolume,
  type InstanceGroup,
  type InstanceGroupKind,
  isUnresolved,
  type KeyResolution,
  type Location,
  type Source,
  type Tags,
  type Unresolved,
} from '../../model/inventory.js';
import { shortened } from '../../model/text.js';
import {
  asBoolean,
  asNumber,
  asText,
  boundedId,
  clip,
  isAbsent,
  isObject,
  locate,
  locationOf,
  NO_VALUE,
  notA,
  Sym,
  textOf,
  Unknown,
  type Val,
  type ValObject,
} from './value.js';

const SNAKE = new Map<string, string>();
export function snakeCase(name: string): string {
  let snake = SNAKE.get(name);
  if (snake === undefined) {
    snake = name
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
      .toLowerCase();
    SNAKE.set(name, snake);
  }
  return snake;
}

/** A property in PascalCase or its snake_case spelling. */
export function field(object: ValObject, name: string): Val | undefined {
  if (name in object) return object[name];
  const snake = snakeCase(name);
  if (snake in object) return object[snake];
  const camel = name.charAt(0).toLowerCase() + name.slice(1);
  return camel in object ? object[camel] : undefined;
}

export interface VolumeKey {
  kmsKeyId: string | null | Unresolved;
  resolution?: KeyResolution;
}

export interface ClusterBuildContext {
  source: Source;
  account: string;
  region: string;
  /** Where problems with what the source writes go (a name longer than CreateCluster takes). */
  issues: SourceIssue[];
  /**
   * Resolves a VolumeKmsKeyId value to what it names: a key in the files, AWS managed, or outside.
   * An Unknown value is passed too: a source may still tell which key it must be (a plan's references).
   */
  resolveKey(value: Val): VolumeKey;
  /** The role an ExecutionRole known only after apply names, when the source can tell (a plan's references). */
  resolveRole?(value: Unknown): string | undefined;
}

export interface ClusterDefinition {
  id: string;
  name: Val;
  location: Location;
  /** The cluster's properties: InstanceGroups, RestrictedInstanceGroups, NodeProvisioningMode, ... */
  spec: ValObject;
  /** Fields the source does not carry, each with why (an update-cluster input, a custom resource). */
  missing?: Partial<Record<'nodeProvisioningMode' | 'orchestrator' | 'tags', Unknown>>;
  /** The instance groups themselves cannot be known. */
  groupsUnknown?: Unknown;
  /** Execution role for groups that do not name one (a custom resource that adds it). */
  defaultExecutionRole?: Val;
  /**
   * Why a group that lists no InstanceStorageConfigs may still have keyed volumes (update-cluster
   * input may name a group that already exists, whose volumes keep the keys they were created
   * with): such a group's volumes are unknown rather than "none".
   */
  storageOfUnlistedGroups?: (groupName: string) => Unknown;
}

const unresolvedOf = (value: Unknown): Unresolved => value.toUnresolved();

export function buildCluster(definition: ClusterDefinition, context: ClusterBuildContext): Cluster {
  const { spec, missing = {} } = definition;
  let groupsUnresolved: Unresolved | undefined = definition.groupsUnknown?.toUnresolved();
  const groups: InstanceGroup[] = [];
  // Groups of one name (a YAML alias repeated) make one issue about it.
  const nameReported = new Set<string>();
  const nameText = textOf(definition.name);
  let name = nameText ?? (definition.name instanceof Unknown ? definition.name.expression : definition.id);
  if (nameText !== undefined) {
    const checked = checkName(nameText, definition.name instanceof Sym);
    name = checked.shown;
    if (checked.problem)
      context.issues.push(
        nameIssue('ClusterName', `cluster ${definition.id}`, checked.problem, definition.location),
      );
  }

  for (const [property, kind] of [
    ['InstanceGroups', 'regular'],
    ['RestrictedInstanceGroups', 'restricted'],
  ] as const) {
    const list = field(spec, property);
    if (isAbsent(list)) continue;
    if (list instanceof Unknown) {
      groupsUnresolved ??= unresolvedOf(list);
      continue;
    }
    // A value that is no list, or an entry that is no map, is groups nobody can tell (never none).
    if (!Array.isArray(list)) {
      groupsUnresolved ??= unresolvedOf(notA(`a list of instance groups (${property})`, list));
      continue;
    }
    for (const item of list) {
      if (item === NO_VALUE) continue;
      if (item instanceof Unknown) {
        groupsUnresolved ??= unresolvedOf(item);
        continue;
      }
      if (!isObject(item)) {
        groupsUnresolved ??= unresolvedOf(notA(`an instance group (a map, in ${property})`, item));
        continue;
      }
      groups.push(buildGroup(item, kind, definition, context, nameReported));
    }
  }

  const cluster: Cluster = {
    id: definition.id,
    name,
    account: context.account,
    region: context.region,
    source: context.source,
    location: definition.location,
    orchestrator: missing.orchestrator
      ? unresolvedOf(missing.orchestrator)
      : orchestratorOf(field(spec, 'Orchestrator')),
    nodeProvisioningMode: missing.nodeProvisioningMode
      ? unresolvedOf(missing.nodeProvisioningMode)
      : provisioningModeOf(field(spec, 'NodeProvisioningMode')),
    instanceGroups: groups,
  };
  const tags = missing.tags ? unresolvedOf(missing.tags) : tagsOf(field(spec, 'Tags'));
  if (tags !== undefined) cluster.tags = tags;
  if (groupsUnresolved) cluster.instanceGroupsUnresolved = groupsUnresolved;
  return cluster;
}

function orchestratorOf(value: Val | undefined): Cluster['orchestrator'] {
  if (value instanceof Unknown) return unresolvedOf(value);
  if (isAbsent(value)) return 'none';
  if (!isObject(value)) return unresolvedOf(notA('an orchestrator (a map with Eks or Slurm)', value));
  const eks = field(value, 'Eks');
  const slurm = field(value, 'Slurm');
  if (eks instanceof Unknown) return unresolvedOf(eks);
  if (!isAbsent(eks)) return 'eks';
  if (slurm instanceof Unknown) return unresolvedOf(slurm);
  if (!isAbsent(slurm)) return 'slurm';
  return 'none';
}

/**
 * Continuous is the only value CreateCluster takes (absent: the legacy mode). Any other value
 * written (continuous, Continous) would be refused on deploy: what the cluster would run in
 * cannot be told from the source, which is UNKNOWN, not the legacy mode's FAIL.
 */
function provisioningModeOf(value: Val | undefined): Cluster['nodeProvisioningMode'] {
  const text = asText(value);
  if (text instanceof Unknown) return unresolvedOf(text);
  if (text === undefined) return null;
  if (text === 'Continuous') return 'Continuous';
  return {
    unresolved: clip(text),
    reason: 'not a provisioning mode: Continuous is the only value CreateCluster takes',
  };
}

/** Tags as a `[{Key, Value}]` list (CloudFormation, API, awscc) or a `{ key: value }` map. */
export function tagsOf(value: Val | undefined): Tags | Unresolved | undefined {
  if (value === undefined) return {};
  if (isAbsent(value)) return {};
  if (value instanceof Unknown) return unresolvedOf(value);
  const tags: Tags = {};
  // A key or value that is a list or a map is no tag anyone can tell (see asText): the tags are unknown.
  const put = (key: Val | undefined, tagValue: Val | undefined): Unresolved | undefined => {
    const k = asText(key);
    if (k instanceof Unknown) return unresolvedOf(k);
    const v = asText(tagValue);
    if (v instanceof Unknown) return unresolvedOf(v);
    if (k !== undefined) tags[k] = v ?? '';
    return undefined;
  };
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (entry instanceof Unknown) return unresolvedOf(entry);
      if (entry === NO_VALUE) continue;
      if (!isObject(entry)) return unresolvedOf(notA('a tag (a map of Key and Value)', entry));
      const problem = put(field(entry, 'Key'), field(entry, 'Value'));
      if (problem) return problem;
    }
    return tags;
  }
  if (isObject(value)) {
    for (const [key, tagValue] of Object.entries(value)) {
      const problem = put(key, tagValue);
      if (problem) return problem;
    }
    return tags;
  }
  return unresolvedOf(notA('tags (a list of Key and Value, or a map)', value));
}

function buildGroup(
  spec: ValObject,
  kind: InstanceGroupKind,
  definition: ClusterDefinition,
  context: ClusterBuildContext,
  nameReported: Set<string>,
): InstanceGroup {
  const rawName = field(spec, 'InstanceGroupName');
  const nameText = textOf(rawName ?? null);
  const checked = nameText === undefined ? undefined : checkName(nameText, rawName instanceof Sym);
  const name = checked?.shown ?? (rawName instanceof Unknown ? rawName.expression : '(unnamed)');
  const location = locationOf(spec) ?? definition.location;
  const id = `${definition.id}/instance-group/${name}`;
  if (checked?.problem && !nameReported.has(id)) {
    nameReported.add(id);
    context.issues.push(nameIssue('InstanceGroupName', `instance group ${id}`, checked.problem, location));
  }
  const role = field(spec, 'ExecutionRole') ?? definition.defaultExecutionRole;
  const group: InstanceGroup = {
    id,
    name,
    kind,
    executionRole:
      role instanceof Unknown
        ? (context.resolveRole?.(role) ?? unresolvedOf(role))
        : (textOf(role ?? null) ?? null),
    volumes: volumesOf(field(spec, 'InstanceStorageConfigs'), location, context),
    location,
  };
  if (!isUnresolved(group.volumes)) group.volumes = oneOfEachRole(group.volumes, id, location, context);
  if (definition.storageOfUnlistedGroups && isAbsent(field(spec, 'InstanceStorageConfigs')))
    group.volumes = unresolvedOf(definition.storageOfUnlistedGroups(name));
  const type = field(spec, 'InstanceType');
  if (type instanceof Unknown) group.instanceType = unresolvedOf(type);
  else if (textOf(type ?? null) !== undefined) group.instanceType = textOf(type ?? null)!;
  const count = asNumber(field(spec, 'InstanceCount'));
  if (count instanceof Unknown) group.instanceCount = unresolvedOf(count);
  else if (count !== undefined) group.instanceCount = count;
  // What a replacement group copies, when the source states it in full (never a guess).
  const lifeCycle = field(spec, 'LifeCycleConfig');
  if (isObject(lifeCycle)) {
    const sourceS3Uri = textOf(field(lifeCycle, 'SourceS3Uri') ?? null);
    const onCreate = textOf(field(lifeCycle, 'OnCreate') ?? null);
    const onInitComplete = textOf(field(lifeCycle, 'OnInitComplete') ?? null);
    if (sourceS3Uri !== undefined && onCreate !== undefined)
      group.lifeCycleConfig = { sourceS3Uri, onCreate, ...(onInitComplete ? { onInitComplete } : {}) };
  }
  const threads = asNumber(field(spec, 'ThreadsPerCore'));
  if (threads === 1 || threads === 2) group.threadsPerCore = threads;
  return group;
}

function volumesOf(
  configs: Val | undefined,
  groupLocation: Location,
  context: ClusterBuildContext,
): InstanceGroup['volumes'] {
  if (isAbsent(configs)) return [];
  if (configs instanceof Unknown) return unresolvedOf(configs);
  // Storage that is no list, or entries that are no maps, is storage nobody can tell: not "no volume
  // names a key", which the volume rules would fail as the AWS owned key.
  if (!Array.isArray(configs)) return unresolvedOf(notA('a list of storage configs', configs));
  const volumes: EbsVolume[] = [];
  for (const config of configs) {
    if (config === NO_VALUE) continue;
    if (config instanceof Unknown) return unresolvedOf(config);
    if (!isObject(config)) return unresolvedOf(notA('a storage config (a map)', config));
    const ebs = field(config, 'EbsVolumeConfig');
    if (isAbsent(ebs)) continue;
    if (ebs instanceof Unknown) return unresolvedOf(ebs);
    if (!isObject(ebs)) return unresolvedOf(notA('an EBS volume config (a map)', ebs));
    const root = asBoolean(field(ebs, 'RootVolume'));
    if (root instanceof Unknown) return unresolvedOf(root);
    const location = locationOf(ebs) ?? locationOf(config) ?? groupLocation;
    const keyValue = field(ebs, 'VolumeKmsKeyId');
    const keyText = textOf(keyValue ?? null);
    const unusable = keyText === undefined ? undefined : unusableKeyId(keyText);
    let key: VolumeKey;
    if (isAbsent(keyValue) || keyValue === '') key = { kmsKeyId: null };
    else if (unusable) key = { kmsKeyId: unusable.toUnresolved() };
    else key = context.resolveKey(keyValue);
    const volume: EbsVolume = {
      role: root === true ? 'root' : 'secondary',
      kmsKeyId: key.kmsKeyId,
      location,
    };
    if (key.resolution && key.kmsKeyId !== null) volume.resolution = key.resolution;
    const size = asNumber(field(ebs, 'VolumeSizeInGB'));
    if (size instanceof Unknown) volume.sizeInGB = unresolvedOf(size);
    else if (size !== undefined) volume.sizeInGB = size;
    volumes.push(volume);
  }
  return volumes;
}

/**
 * An instance group's EBS volumes, when they are at most one root and one secondary volume: the
 * InstanceStorageConfigs structure "allows up to two EbsVolumeConfig configurations ... However,
 * you can't specify two root volumes or two secondary volumes"
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html). A group with two of one
 * role is one CreateCluster does not take: its volumes are UNKNOWN, with an issue naming it, never
 * judged on the first of the two.
 */
function oneOfEachRole(
  volumes: EbsVolume[],
  groupId: string,
  groupLocation: Location,
  context: ClusterBuildContext,
): InstanceGroup['volumes'] {
  for (const role of ['root', 'secondary'] as const) {
    const same = volumes.filter((volume) => volume.role === role);
    if (same.length < 2) continue;
    const flag = role === 'root' ? 'RootVolume true' : 'RootVolume false or left out';
    const refused = `two EbsVolumeConfig entries are its ${role} volume (${flag}), which CreateCluster does not take`;
    context.issues.push({
      code: 'iac.duplicate_volume',
      severity: 'error',
      message: `instance group ${groupId}: ${refused}`,
      hint: `keep one EbsVolumeConfig with RootVolume true (the root volume, with its VolumeKmsKeyId) and at most one without (the secondary volume); until then the group's volumes are UNKNOWN`,
      location: same[1]!.location ?? groupLocation,
    });
    return { unresolved: 'InstanceStorageConfigs', reason: `${refused}: CreateCluster refuses the group` };
  }
  return volumes;
}

/** The resolution for a key named by a literal string that no key in the files matches. */
export function literalKeyResolution(ref: string): KeyResolution {
  if (/^alias\/aws\//.test(ref) || /:alias\/aws\//.test(ref))
    return { status: 'unknown', reason: 'an AWS managed key, which KMS creates in the deploying account' };
  return { status: 'unknown', reason: 'defined outside the scanned files' };
}

/** The keys and aliases defined in the files an evaluation sees, for resolving VolumeKmsKeyId. */
export interface KeyDirectory {
  /** Resource types that are KMS keys (their ids are the keys' inventory ids). */
  keyTypes: ReadonlySet<string>;
  aliasToKey: ReadonlyMap<string, string>;
  /** Alias resources (by id) to the key they name. */
  aliasResourceToKey: ReadonlyMap<string, string>;
}

/** What of a key names it where a key id goes: its ARN or key id (`Fn::GetAtt`), or its Ref. */
const KEY_ATTRIBUTES: ReadonlySet<string> = new Set(['Arn', 'KeyId', 'arn', 'key_id', 'id']);

/** What of an alias resource names its key: its name or ARN, or its target's id or ARN. */
const ALIAS_ATTRIBUTES: ReadonlySet<string> = new Set([
  'name',
  'arn',
  'id',
  'target_key_arn',
  'target_key_id',
  'alias_name',
]);

/** The longest KeyId KMS accepts (a key id, key ARN, alias name or alias ARN). */
const MAX_KEY_ID_CHARS = 2048;

/**
 * The longest ClusterName and InstanceGroupName CreateCluster takes: 1 to 63 characters, letters,
 * digits and hyphens (SageMaker API Reference: CreateCluster, ClusterInstanceGroupSpecification,
 * ClusterRestrictedInstanceGroupSpecification).
 */
const MAX_NAME_CHARS = 63;

/** Why CreateCluster refuses a name: its length, or what its pattern does not take. */
export type NameProblem =
  | { kind: 'too_long'; length: number; exact: boolean }
  | { kind: 'pattern'; what: string };

/**
 * A cluster or instance group name as the inventory shows it, and why CreateCluster would refuse
 * it. One longer than CreateCluster takes is cut (`boundedId`: its first 63 characters, `…` and a
 * digest of the whole, so two names with the same beginning stay two groups): a group's name is in
 * its id, and so in every finding about it. A reference (`!Sub ${AWS::StackName}-...`) is surely
 * refused only for its text outside the `${...}` placeholders, which it holds whatever they are
 * (a Terraform reference's text is its address, which says nothing of its value): one that may
 * fit is shown as written, but never longer than a key reference is shown.
 */
export function checkName(text: string, symbolic: boolean): { shown: string; problem?: NameProblem } {
  const literal = !symbolic ? text : text.includes('${') ? text.replace(/\$\{[^}]*\}/g, '') : '';
  if (literal.length > MAX_NAME_CHARS)
    return {
      shown: boundedId(text, MAX_NAME_CHARS),
      problem: { kind: 'too_long', length: literal.length, exact: !symbolic },
    };
  const shown = boundedId(text, SHOWN_CHARS);
  const what = outsidePattern(literal, !symbolic);
  return what === undefined ? { shown } : { shown, problem: { kind: 'pattern', what } };
}

/**
 * What of a name the pattern of ClusterName and InstanceGroupName refuses: letters and digits,
 * with hyphens between them (`^[a-zA-Z0-9](-*[a-zA-Z0-9])*$`,
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateCluster.html and
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ClusterInstanceGroupSpecification.html).
 * Of a reference's text outside its placeholders (`whole` false), only a character can be told.
 */
function outsidePattern(text: string, whole: boolean): string | undefined {
  const other = /[^a-zA-Z0-9-]/.exec(text);
  if (other)
    return whole
      ? `has ${JSON.stringify(other[0])} at character ${(other.index + 1).toLocaleString('en')}`
      : `has ${JSON.stringify(other[0])} outside its references`;
  if (!whole) return undefined;
  if (text === '') return 'is empty';
  if (text.startsWith('-')) return 'starts with a hyphen';
  if (text.endsWith('-')) return 'ends with a hyphen';
  return undefined;
}

/** The issue for a name CreateCluster refuses, naming the resource. */
export function nameIssue(
  property: 'ClusterName' | 'InstanceGroupName',
  resource: string,
  problem: NameProblem,
  location: Location,
): SourceIssue {
  if (problem.kind === 'too_long')
    return {
      code: 'iac.name_too_long',
      severity: 'error',
      message: `${resource}: its ${property} is ${problem.exact ? '' : 'at least '}${problem.length.toLocaleString('en')} characters, longer than the ${MAX_NAME_CHARS} CreateCluster takes (shown shortened)`,
      hint: `CreateCluster refuses it: shorten ${property} to at most ${MAX_NAME_CHARS} letters, digits and hyphens`,
      location,
    };
  return {
    code: 'iac.name_invalid',
    severity: 'error',
    message: `${resource}: its ${property} ${problem.what}, which CreateCluster does not take`,
    hint: `CreateCluster refuses it: write ${property} with letters, digits and hyphens only, starting and ending with a letter or digit`,
    location,
  };
}

/** The most of a text too long for AWS that the inventory keeps: what a message shows of a value. */
const SHOWN_CHARS = 200;

/**
 * A text AWS takes up to `max` characters of (a key id, a cluster or instance group name), when it
 * is longer: an Unknown showing it cut just past the limit, saying so. Kept whole, such a text
 * would be copied into every finding about every resource that names it (a template's size times
 * the findings), to no purpose.
 */
function overLimit(text: string, max: number, what: string): Unknown | undefined {
  if (text.length <= max) return undefined;
  return new Unknown(
    shortened(text, Math.min(SHOWN_CHARS, max + 1)),
    `longer than ${what} (${max.toLocaleString('en')} characters)`,
  );
}

/**
 * A VolumeKmsKeyId that can name no key, whatever the files define: longer than any KeyId, or a key
 * ARN's resource part alone (`key/1234abcd-...`, as `!Sub key/${Key}` writes it). KMS takes a key
 * id, a key ARN, an alias name (`alias/...`) or an alias ARN (DescribeKey's KeyId; the
 * CloudFormation schema's VolumeKmsKeyId pattern admits those four), and `key/<id>` is none of them:
 * what such a volume would be encrypted with cannot be told, so its key is unknown, never the key
 * whose id it holds.
 */
function unusableKeyId(text: string): Unknown | undefined {
  const tooLong = overLimit(text, MAX_KEY_ID_CHARS, 'any key id, key ARN or alias AWS accepts');
  if (tooLong) return tooLong;
  if (text.startsWith('key/'))
    return new Unknown(
      clip(text),
      'not a key id, key ARN, alias name or alias ARN, the forms KMS takes: no key is named',
    );
  return undefined;
}

/**
 * What a VolumeKmsKeyId value names: a key defined in the files (directly, or through an alias
 * resource or alias name), an AWS managed key, or a key defined elsewhere.
 */
export function resolveKeyReference(value: Val, directory: KeyDirectory): VolumeKey {
  // A list or a map where a key goes (see asText) names no key anyone can tell: not the AWS owned key.
  const text = asText(value);
  if (text instanceof Unknown) return { kmsKeyId: text.toUnresolved() };
  if (text === undefined) return { kmsKeyId: null };
  const resolved = (keyArn: string): VolumeKey => ({
    kmsKeyId: text,
    resolution: { status: 'resolved', keyArn },
  });
  if (value instanceof Sym && value.target) {
    const { type, attribute, id } = value.target;
    if (directory.keyTypes.has(type)) {
      // A key's Ref, ARN or key id names it; any other attribute is none a key has (CloudFormation
      // refuses the template), not the key.
      if (attribute === undefined || KEY_ATTRIBUTES.has(attribute)) return resolved(id);
      return {
        kmsKeyId: new Unknown(
          shortened(text),
          `${shortened(attribute, 64)} of ${type} is not a key id or ARN: no key is named`,
        ).toUnresolved(),
      };
    }
    const viaAlias = directory.aliasResourceToKey.get(id);
    if (viaAlias && (attribute === undefined || ALIAS_ATTRIBUTES.has(attribute))) return resolved(viaAlias);
  }
  const aliasName = /(?:^|:)(alias\/[\w/-]+)$/.exec(text)?.[1];
  const aliased = aliasName ? directory.aliasToKey.get(aliasName) : undefined;
  if (aliased) return resolved(aliased);
  if (value instanceof Sym && !/^alias\//.test(text))
    return { kmsKeyId: text, resolution: { status: 'unknown', reason: 'defined outside the scanned files' } };
  return { kmsKeyId: text, resolution: literalKeyResolution(text) };
}

/** The Terraform resource types read as HyperPod clusters. */
export const TERRAFORM_CLUSTER_TYPES: ReadonlySet<string> = new Set([
  'awscc_sagemaker_cluster',
  'aws_sagemaker_cluster',
]);

/**
 * Whether a resource type looks like a HyperPod cluster: SageMaker or HyperPod in its name, ending
 * in "cluster" (or "cluster" and a version, `AWS::SageMaker::ClusterV2`). Such a type that the
 * scanner does not read is an input issue, never a silent skip (a future
 * `aws_sagemaker_hyperpod_cluster`, say). `...ClusterSchedulerConfig` and the like do not end in
 * "cluster".
 */
export function looksLikeHyperPodCluster(type: string): boolean {
  const name = type.toLowerCase().replace(/[^a-z0-9]/g, '');
  return /(sagemaker|hyperpod)[a-z0-9]*cluster(v\d+)?$/.test(name);
}

/** The issue for a resource that looks like a HyperPod cluster and is not read. */
export function unsupportedClusterIssue(
  type: string,
  name: string,
  location: Location,
  prefix: 'cfn' | 'tf',
): SourceIssue {
  return {
    code: `${prefix}.unsupported_cluster_type`,
    severity: 'error',
    message: `${name} is a ${type}, which looks like a HyperPod cluster but is not a resource type this scanner reads: its volumes and keys are not judged`,
    hint: `define the cluster as ${prefix === 'cfn' ? 'AWS::SageMaker::Cluster' : 'awscc_sagemaker_cluster or aws_sagemaker_cluster'}, or scan the cluster live (hyperpod-cmk scan)`,
    location,
  };
}

const firstBlock = (value: Val | undefined): Val | undefined => {
  if (!Array.isArray(value)) return value;
  const [first] = value;
  return first;
};

const mapBlocks = (value: Val | undefined, map: (block: ValObject) => Val): Val | undefined => {
  if (!Array.isArray(value)) return value;
  return value.map((item) => (isObject(item) ? locate(map(item), locationOf(item)) : item));
};

/**
 * The properties of a cluster known only as a whole (a plan's `after_unknown: true`, a body that
 * cannot be evaluated): every property read is that Unknown, so every check that reads one is
 * UNKNOWN, never judged on a property taken for absent. With `written`, the properties written
 * beside what adds the rest at deploy time (a CloudFormation `Fn::Transform` among them) are read
 * as written, and only the others are that Unknown.
 */
export function unknownSpec(unknown: Unknown, written: ValObject = {}): ValObject {
  return new Proxy(written, {
    has: () => true,
    get: (target, key) =>
      typeof key !== 'string' ? Reflect.get(target, key) : Object.hasOwn(target, key) ? target[key] : unknown,
  });
}

/**
 * The hashicorp/aws `aws_sagemaker_cluster` resource in the CreateCluster shape. It writes nested
 * blocks (`instance_group`, `instance_storage_config`, `ebs_volume_config`, `orchestrator { eks }`)
 * where awscc writes attributes (`instance_groups`, `instance_storage_configs`). Its documented
 * schema (website/docs/r/sagemaker_cluster.html.markdown) has no `volume_kms_key_id`, no
 * `root_volume` and no `node_provisioning_mode`: read as written, its volumes name no key (an AWS
 * owned key) and its mode is the legacy one. Should a later version add them, they are read.
 */
export function awsProviderClusterSpec(values: ValObject): ValObject {
  const group = (block: ValObject): ValObject => {
    const { instance_storage_config: storage, ...rest } = block;
    const out: ValObject = { ...rest };
    if (storage !== undefined)
      out.InstanceStorageConfigs =
        mapBlocks(storage, (config) => {
          const { ebs_volume_config: ebs, ...others } = config;
          return ebs === undefined ? others : { ...others, EbsVolumeConfig: firstBlock(ebs) ?? null };
        }) ?? null;
    return out;
  };
  const spec: ValObject = {};
  for (const [name, value] of Object.entries(values)) {
    if (name === 'instance_group') spec.InstanceGroups = mapBlocks(value, group) ?? null;
    else if (name === 'restricted_instance_group')
      spec.RestrictedInstanceGroups = mapBlocks(value, group) ?? null;
    else if (name === 'orchestrator') {
      const block = firstBlock(value);
      spec.Orchestrator = isObject(block)
        ? Object.fromEntries(Object.entries(block).map(([key, inner]) => [key, firstBlock(inner) ?? null]))
        : (block ?? null);
    } else spec[name] = value;
  }
  return spec;
}
