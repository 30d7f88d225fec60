/**
 * Migration plans: for each non-compliant cluster, what to do to bring it onto customer managed
 * keys, in order, with the artefacts (keys to create, update-cluster inputs) filled in from the
 * inventory. A group's key cannot change in place (shared/aws-facts.md §1.8): each group that is
 * not on a sound key of its own is replaced by a new group on a new key, and the old group deleted
 * once its work has moved. Pure: an inventory, its findings and the config in, a plan out.
 */
import type { ClusterInstanceType } from '@aws-sdk/client-sagemaker';
import type { ResolvedConfig } from '../config/schema.js';
import { resolveKeyAdmins } from '../guardrails/key-admins.js';
import { keyPolicy } from '../guardrails/key-policy.js';
import { checkKeyAdmins } from '../guardrails/key-policy-plan.js';
import { pathSegment, shortHash } from '../guardrails/paths.js';
import type { Finding } from '../model/finding.js';
import type { Cluster, EbsVolume, InstanceGroup, Inventory, Key } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import { keysHonoured } from '../model/inventory-index.js';
import { pushAll } from '../model/many.js';
import { err, ok, type Result } from '../model/result.js';
import { byCodeUnits } from '../model/text.js';
import { monthlyStorageUsd } from '../pricing/kms.js';
import { shellWord } from '../reporters/escape.js';
import {
  type ClusterPlan,
  type GroupPlan,
  type InPlaceStep,
  type MigrationPlan,
  PLAN_SCHEMA_VERSION,
  type PlannedKey,
  type ReplacementGroup,
} from './schema.js';

/** Where AWS says how to add and remove instance groups with update-cluster. */
export const UPDATE_CLUSTER_DOC =
  'https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-hyperpod-eks-operate-cli-command-update-cluster.html';
/** The provisioning modes the planner words itself; any other mode is the source's text. */
export const MODE_NOT_SET = 'legacy (NodeProvisioningMode not set)';
export const MODE_NOT_READ = 'unknown (the source did not carry NodeProvisioningMode)';
export const CMK_DOC = 'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html';
export const SLURM_CONTINUOUS_DOC =
  'https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-hyperpod-scaling-slurm.html';

export type {
  ClusterPlan,
  GroupAction,
  GroupPlan,
  InPlaceStep,
  MigrationPlan,
  PlannedKey,
} from './schema.js';

export interface PlanProblem {
  code: string;
  message: string;
  hint?: string;
}

/** Failures a key can be cured of in place without losing data or changing the key. */
const IN_PLACE: Record<string, (key: Key, context: FixContext) => InPlaceStep[]> = {
  'kms-key-rotation-enabled': (key, { config }) => [
    {
      title: `Enable rotation of ${label(key)} every ${config.rotationMaxDays} days`,
      command: `aws kms enable-key-rotation --key-id ${shellWord(key.arn)} --rotation-period-in-days ${Math.min(2560, Math.max(90, config.rotationMaxDays))} --region ${shellWord(key.region)}`,
      check: `aws kms get-key-rotation-status --key-id ${shellWord(key.arn)} --region ${shellWord(key.region)}   # KeyRotationEnabled: true`,
    },
  ],
  'kms-key-not-pending-deletion': (key) => reviveSteps(key),
  'kms-key-enabled': (key) => reviveSteps(key),
  'kms-key-required-tags': (key, { config, clusterTags }) => {
    const { tags, missing } = requiredTags(config.requiredKeyTags, key.tags, clusterTags);
    const entries = Object.entries(tags).filter(([name]) => missing.includes(name));
    return [
      {
        title: `Tag ${label(key)} with ${missing.join(', ')}`,
        command: `aws kms tag-resource --key-id ${shellWord(key.arn)} --region ${shellWord(key.region)} --tags ${entries
          .map(([name, value]) => `TagKey=${shellWord(name)},TagValue=${shellWord(value)}`)
          .join(' ')}`,
        check: `aws kms list-resource-tags --key-id ${shellWord(key.arn)} --region ${shellWord(key.region)}`,
      },
    ];
  },
};

interface FixContext {
  config: ResolvedConfig;
  clusterTags: Record<string, string> | undefined;
}

const label = (key: Key) => key.aliases[0] ?? key.arn;
const keyCount = (count: number) => (count === 1 ? '1 key' : `${count} keys`);

function reviveSteps(key: Key): InPlaceStep[] {
  const state = key.metadata && !isUnresolved(key.metadata.keyState) ? key.metadata.keyState : undefined;
  const steps: InPlaceStep[] = [];
  if (state === 'PendingDeletion')
    steps.push({
      title: `Cancel the scheduled deletion of ${label(key)}${key.metadata?.deletionDate ? ` (due ${key.metadata.deletionDate})` : ''}`,
      command: `aws kms cancel-key-deletion --key-id ${shellWord(key.arn)} --region ${shellWord(key.region)}`,
      check: `aws kms describe-key --key-id ${shellWord(key.arn)} --region ${shellWord(key.region)} --query KeyMetadata.KeyState   # Disabled`,
    });
  if (state === 'PendingDeletion' || state === 'Disabled')
    steps.push({
      title: `Re-enable ${label(key)}: a key whose deletion is cancelled is Disabled, and nothing can use a disabled key`,
      command: `aws kms enable-key --key-id ${shellWord(key.arn)} --region ${shellWord(key.region)}`,
      check: `aws kms describe-key --key-id ${shellWord(key.arn)} --region ${shellWord(key.region)} --query KeyMetadata.KeyState   # Enabled`,
    });
  return steps;
}

const PLACEHOLDER = (name: string) => `<${name}>`;

/** Required tags with the values the key or the cluster already carry; the rest marked to fill. */
function requiredTags(
  required: readonly string[],
  own: Key['tags'] | undefined,
  clusterTags: Record<string, string> | undefined,
): { tags: Record<string, string>; missing: string[]; toFill: string[] } {
  const present = own && !isUnresolved(own) ? own : {};
  const tags: Record<string, string> = {};
  const missing: string[] = [];
  const toFill: string[] = [];
  for (const name of required) {
    if (present[name] !== undefined) {
      tags[name] = present[name]!;
      continue;
    }
    missing.push(name);
    const fromCluster = clusterTags?.[name];
    if (fromCluster !== undefined) tags[name] = fromCluster;
    else {
      tags[name] = PLACEHOLDER(name);
      toFill.push(name);
    }
  }
  return { tags, missing, toFill };
}

const groupId = (cluster: Cluster, group: InstanceGroup) => `${cluster.name}/${group.name}`;

/** The keys in the inventory a group's volumes name, whether HyperPod honours them there or not. */
const keysNamedBy = (group: InstanceGroup, keys: ReadonlyMap<string, Key>): Key[] =>
  Array.isArray(group.volumes)
    ? [
        ...new Set(
          group.volumes.flatMap((volume) =>
            volume.resolution?.status === 'resolved' && keys.has(volume.resolution.keyArn)
              ? [keys.get(volume.resolution.keyArn)!]
              : [],
          ),
        ),
      ]
    : [];

/**
 * The keys a group uses: those it names, unless HyperPod ignores them there. "Customer managed key
 * encryption is only supported for clusters using the continuous node provisioning mode.
 * Restricted instance groups don't support customer managed keys" (smcluster-cmk.html): a key a
 * restricted group, or a group of a cluster known to be outside Continuous mode, names encrypts
 * none of its volumes, so its findings are not the group's and the plan need not revive it (the
 * rules count no such use either: `usesOfKey`). A cluster whose mode is unknown may use them.
 */
const keysOfGroup = (cluster: Cluster, group: InstanceGroup, keys: ReadonlyMap<string, Key>): Key[] =>
  keysHonoured(cluster, group) === false ? [] : keysNamedBy(group, keys);

const safeName = (value: string) => value.replace(/[^A-Za-z0-9]/g, '');
const hyphenName = (value: string) => value.replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '');

/** A new group name: `<name>-cmk`, unique in the cluster, within the API's 63 characters. */
function replacementName(cluster: Cluster, group: InstanceGroup): string {
  const taken = new Set(cluster.instanceGroups.map((g) => g.name));
  const base = `${group.name.slice(0, 59)}-cmk`;
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${group.name.slice(0, 57)}-cmk${n}`;
  return name;
}

function aliasFor(cluster: Cluster, group: InstanceGroup, existing: ReadonlySet<string>): string {
  const base = `alias/hyperpod/${hyphenName(cluster.name)}/${hyphenName(group.name)}`;
  let alias = base;
  for (let n = 2; existing.has(alias); n++) alias = `${base}-v${n}`;
  return alias;
}

function secondaryOf(volumes: readonly EbsVolume[]): EbsVolume | undefined {
  return volumes.find((volume) => volume.role === 'secondary');
}

export interface PlanInput {
  inventory: Inventory;
  findings: readonly Finding[];
  config: ResolvedConfig;
  source: string;
  generatedAt: string;
}

/**
 * A plan whose clusters may be made as they are read: `migrationPlanner` gives one whose
 * `clusters` plans each cluster afresh every time they are iterated (the same plans in the same
 * order each time), `planMigrations` one with every cluster made. An organisation's plan is
 * gigabytes of objects (a key, its policy and the update-cluster inputs for each of a hundred
 * thousand groups): its outputs are made from it a cluster at a time, never from all of it held.
 */
export type StreamedPlan = Omit<MigrationPlan, 'clusters'> & { clusters: Iterable<ClusterPlan> };

export function planMigrations(input: PlanInput): Result<MigrationPlan, PlanProblem> {
  const planner = migrationPlanner(input);
  return planner.ok ? ok({ ...planner.value, clusters: [...planner.value.clusters] }) : planner;
}

/**
 * The plan of `input`, its clusters made when they are iterated. It holds the failing findings by
 * resource, and not the rest: the caller may let go of `input.findings`.
 */
export function migrationPlanner(input: PlanInput): Result<StreamedPlan, PlanProblem> {
  const { inventory, findings, config } = input;
  const admins = checkKeyAdmins(config);
  if (!admins.ok) return err(admins.error);
  const keys = new Map(inventory.keys.map((key) => [key.arn, key]));
  // A plan acts on failures; what could not be judged (UNKNOWN) calls for data, not for a change.
  // Except where the key's own policy could not be read: a key nobody can inspect is not one the
  // plan can vouch for, and a new key with a known policy settles it.
  const unreadable = new Set(
    inventory.keys
      .filter((key) => key.policy === undefined || isUnresolved(key.policy))
      .map((key) => key.arn),
  );
  const byResource = new Map<string, Finding[]>();
  const file = (finding: Finding) => {
    const list = byResource.get(finding.resource.id);
    if (list) list.push(finding);
    else byResource.set(finding.resource.id, [finding]);
  };
  // The failures first, then those UNKNOWNs: each resource's findings in that order.
  for (const finding of findings) if (finding.status === 'FAIL' && !finding.suppressed) file(finding);
  for (const finding of findings)
    if (finding.status === 'UNKNOWN' && !finding.suppressed && unreadable.has(finding.resource.id))
      file(finding);
  const failingOf = (cluster: Cluster, group: InstanceGroup) => [
    ...(byResource.get(group.id) ?? []),
    ...keysOfGroup(cluster, group, keys).flatMap((key) => byResource.get(key.arn) ?? []),
  ];

  const toPlan: Cluster[] = [];
  const compliant: string[] = [];
  const clusters = [...inventory.clusters].sort(
    (a, b) =>
      byCodeUnits(a.account, b.account) || byCodeUnits(a.region, b.region) || byCodeUnits(a.name, b.name),
  );
  for (const cluster of clusters) {
    const all = [
      ...(byResource.get(cluster.id) ?? []),
      ...cluster.instanceGroups.flatMap((group) => failingOf(cluster, group)),
    ];
    if (all.some((f) => f.status === 'FAIL')) toPlan.push(cluster);
    else compliant.push(cluster.name);
  }
  const inventoryAliases = inventory.keys.flatMap((key) => key.aliases);
  function* planClusters(): Generator<ClusterPlan> {
    // Each new key's alias is unique among the aliases known so far: the inventory's and those
    // of the keys planned before it, so every pass starts again from the inventory's.
    const aliases = new Set(inventoryAliases);
    // Names made file-safe never meet (pathSegment appends a hash of what it changed), but two
    // clusters of one account, Region and name do (IaC files that deploy one name to a symbolic
    // account or Region): each later one takes a hash of its id, and a number if even that is taken
    // (names are a tenant's to choose), rather than overwrite the first's files.
    const taken = new Set<string>();
    for (const cluster of toPlan) {
      const clusterFindings = byResource.get(cluster.id) ?? [];
      const plan = planCluster(cluster, { keys, aliases, clusterFindings, failingOf, config });
      let dir = plan.dir;
      if (taken.has(dir)) dir = `${plan.dir}-${shortHash(plan.cluster.id)}`;
      for (let n = 2; taken.has(dir); n++) dir = `${plan.dir}-${shortHash(plan.cluster.id)}-${n}`;
      taken.add(dir);
      plan.dir = dir;
      yield plan;
    }
  }
  return ok({
    schemaVersion: PLAN_SCHEMA_VERSION,
    kind: 'hyperpod-cmk-plan',
    generatedAt: input.generatedAt,
    source: input.source,
    clusters: { [Symbol.iterator]: planClusters },
    compliant,
  });
}

interface ClusterContext {
  keys: ReadonlyMap<string, Key>;
  aliases: Set<string>;
  clusterFindings: Finding[];
  failingOf(cluster: Cluster, group: InstanceGroup): Finding[];
  config: ResolvedConfig;
}

function planCluster(cluster: Cluster, ctx: ClusterContext): ClusterPlan {
  const { config } = ctx;
  const tags = cluster.tags && !isUnresolved(cluster.tags) ? cluster.tags : undefined;
  const notCollected = cluster.notCollected?.includes('NodeProvisioningMode') === true;
  const mode = isUnresolved(cluster.nodeProvisioningMode)
    ? `unknown (${cluster.nodeProvisioningMode.unresolved})`
    : notCollected && cluster.nodeProvisioningMode === null
      ? MODE_NOT_READ
      : (cluster.nodeProvisioningMode ?? MODE_NOT_SET);
  const orchestrator = isUnresolved(cluster.orchestrator) ? 'unknown' : cluster.orchestrator;
  const continuous = cluster.nodeProvisioningMode === 'Continuous';
  const dir = `${pathSegment(cluster.account, 'account')}-${pathSegment(cluster.region, 'region')}-${pathSegment(cluster.name, 'name')}`;
  const notes: string[] = [];
  const preSteps: InPlaceStep[] = [];
  const inPlace: InPlaceStep[] = [];
  const plannedKeys: PlannedKey[] = [];
  const groups: GroupPlan[] = [];
  const revived = new Set<string>();
  // Keys the groups name where HyperPod ignores them (by ARN): on none of their volumes, so left alone.
  const ignored = new Set<string>();

  for (const group of [...cluster.instanceGroups].sort((a, b) => byCodeUnits(a.name, b.name))) {
    const failing = ctx.failingOf(cluster, group);
    const reasons = [...new Set(failing.map((f) => f.ruleId))].sort();
    const groupKeys = keysOfGroup(cluster, group, ctx.keys);
    const ignoredKeys = keysHonoured(cluster, group) === false ? keysNamedBy(group, ctx.keys) : [];
    if (group.kind !== 'restricted') for (const key of ignoredKeys) ignored.add(key.arn);
    // You cannot migrate off a key you cannot use: revive it first, whatever happens next.
    for (const key of groupKeys) {
      if (revived.has(key.arn)) continue;
      const steps = reviveSteps(key);
      if (steps.length > 0) {
        revived.add(key.arn);
        pushAll(preSteps, steps);
      }
    }
    if (group.kind === 'restricted') {
      groups.push({
        name: group.name,
        action: 'restricted',
        reasons,
        why:
          'restricted instance groups do not support customer managed keys (AWS); nothing can move them onto a CMK' +
          // Counted, not named: a key's alias is a tenant's text, and this goes in a Markdown table.
          (ignoredKeys.length > 0
            ? `, and HyperPod ignores the keys it names (${keyCount(ignoredKeys.length)}): their findings are not this group's and the plan does not revive them`
            : '') +
          '. Record the exception (a suppression with its reason) and keep sensitive data off this group',
      });
      continue;
    }
    if (reasons.length === 0) {
      groups.push({ name: group.name, action: 'keep', reasons, why: 'already on a sound key of its own' });
      continue;
    }
    const curable = reasons.every((rule) => rule in IN_PLACE);
    if (curable && continuous) {
      for (const key of groupKeys) {
        for (const rule of reasons) {
          if (rule === 'kms-key-not-pending-deletion' || rule === 'kms-key-enabled') continue; // pre-steps
          if (failing.some((f) => f.ruleId === rule && f.resource.id === key.arn))
            pushAll(inPlace, IN_PLACE[rule]!(key, { config, clusterTags: tags }));
        }
      }
      groups.push({
        name: group.name,
        action: 'fix-in-place',
        reasons,
        why: 'its key is its own and customer managed; what fails can be fixed on the key without replacing anything',
      });
      continue;
    }
    if (typeof group.executionRole !== 'string' || !group.executionRole.startsWith('arn:')) {
      groups.push({
        name: group.name,
        action: 'blocked',
        reasons,
        why: 'the execution role is not known from the source, and both the key policy and update-cluster need it',
      });
      continue;
    }
    const key = planKey(cluster, group, group.executionRole, ctx, tags);
    plannedKeys.push(key);
    const newName = replacementName(cluster, group);
    const volumes = Array.isArray(group.volumes) ? group.volumes : [];
    const secondary = secondaryOf(volumes);
    const copy: string[] = [
      ...(group.lifeCycleConfig ? [] : ['LifeCycleConfig']),
      ...(group.threadsPerCore ? [] : ['ThreadsPerCore']),
      'OnStartDeepHealthChecks',
      'OverrideVpcConfig',
      'TrainingPlanArn',
      'KubernetesConfig/SlurmConfig',
    ];
    const spec: ReplacementGroup = {
      InstanceGroupName: newName,
      InstanceCount: typeof group.instanceCount === 'number' ? group.instanceCount : 1,
      ExecutionRole: group.executionRole,
      ...(typeof group.instanceType === 'string'
        ? { InstanceType: group.instanceType as ClusterInstanceType }
        : {}),
      ...(group.lifeCycleConfig
        ? {
            LifeCycleConfig: {
              SourceS3Uri: group.lifeCycleConfig.sourceS3Uri,
              OnCreate: group.lifeCycleConfig.onCreate,
              ...(group.lifeCycleConfig.onInitComplete
                ? { OnInitComplete: group.lifeCycleConfig.onInitComplete }
                : {}),
            },
          }
        : {}),
      ...(group.threadsPerCore ? { ThreadsPerCore: group.threadsPerCore } : {}),
      InstanceStorageConfigs: [
        { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: key.alias } },
        ...(secondary
          ? [
              {
                EbsVolumeConfig: {
                  ...(typeof secondary.sizeInGB === 'number' ? { VolumeSizeInGB: secondary.sizeInGB } : {}),
                  VolumeKmsKeyId: key.alias,
                },
              },
            ]
          : []),
      ],
    };
    if (typeof group.instanceCount !== 'number') copy.unshift('InstanceCount (the plan writes 1)');
    if (typeof group.instanceType !== 'string') copy.unshift('InstanceType');
    if (secondary && typeof secondary.sizeInGB !== 'number')
      copy.unshift('the secondary volume VolumeSizeInGB');
    const roleName = group.executionRole.split('/').pop() ?? group.executionRole;
    const rolePolicy = reasons.includes('hyperpod-execution-role-kms-scope')
      ? {
          roleName,
          policyName: `hyperpod-cmk-${hyphenName(cluster.name)}-${hyphenName(newName)}`.slice(0, 128),
          document: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'HyperPodVolumeKeyOfThisGroup',
                Effect: 'Allow' as const,
                Action: ['kms:CreateGrant', 'kms:DescribeKey'],
                Resource: `arn:${cluster.arn?.split(':')[1] || 'aws'}:kms:${cluster.region}:${cluster.account}:key/*`,
                Condition: {
                  StringEquals: {
                    'aws:ResourceTag/hyperpod-cluster': cluster.name,
                    'aws:ResourceTag/hyperpod-instance-group': group.name,
                  },
                },
              },
            ],
          },
        }
      : undefined;
    groups.push({
      ...(rolePolicy ? { rolePolicy } : {}),
      name: group.name,
      action: 'replace',
      reasons,
      why: continuous
        ? "a group's key cannot change in place: a new group on a new key of its own takes over, then the old group is deleted"
        : 'the cluster is not in Continuous mode, where alone HyperPod honours customer managed keys: see the new-cluster path',
      replacement: {
        name: newName,
        key,
        addInput: { ClusterName: cluster.name, InstanceGroups: [spec], NodeProvisioningMode: 'Continuous' },
        deleteInput: { ClusterName: cluster.name, InstanceGroupsToDelete: [group.name] },
        copyFromDescribe: copy,
      },
    });
  }

  const clusterRules = new Set(ctx.clusterFindings.map((f) => f.ruleId));
  let clusterTags: ClusterPlan['clusterTags'] = null;
  if (clusterRules.has('hyperpod-cluster-required-tags')) {
    const present = tags ?? {};
    const missing = config.requiredClusterTags.filter((name) => present[name] === undefined);
    if (missing.length > 0)
      clusterTags = {
        missing,
        // Each tag one quoted word, its value a placeholder: unquoted, `<owner>` is a redirection that
        // a command pasted unedited would run; quoted, AddTags refuses it (a SageMaker tag value
        // matches ([\p{L}\p{Z}\p{N}_.:/=+\-@]*), without `<` or `>`:
        // https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Tag.html).
        command: `aws sagemaker add-tags --resource-arn ${shellWord(cluster.arn ?? cluster.id)} --region ${shellWord(cluster.region)} --tags ${missing
          .map((name) => shellWord(`Key=${name},Value=${PLACEHOLDER(name)}`))
          .join(' ')}`,
      };
  }
  if (!continuous && mode.startsWith('unknown'))
    notes.push(
      `Whether the cluster is in Continuous mode is ${mode}: check with \`aws sagemaker describe-cluster --cluster-name ${shellWord(cluster.name)} --query NodeProvisioningMode\`. ` +
        'If it is Continuous, replace the groups in place of a new cluster (run `hyperpod-cmk plan` again on a scan that reads the mode).' +
        (preSteps.length > 0
          ? ' The keys its groups name are revived first all the same: in Continuous mode they are in use.'
          : ''),
    );
  if (!continuous) {
    notes.push(
      `The cluster is in ${mode} mode. HyperPod honours customer managed keys only in Continuous mode (${CMK_DOC}); ` +
        `both EKS and Slurm clusters support Continuous mode when they are created (${SLURM_CONTINUOUS_DOC}). ` +
        "The SDK's UpdateCluster request accepts NodeProvisioningMode, but AWS does not document switching an existing " +
        'cluster (an earlier version of the Slurm page said existing clusters cannot be migrated), so this plan does not ' +
        'rely on it: create a new cluster in Continuous mode with the groups below on their new keys, move the work, ' +
        'then delete this cluster. Trying update-cluster with NodeProvisioningMode Continuous first is harmless: if AWS ' +
        'accepts it, the replace-groups steps apply instead.',
    );
  }
  if (ignored.size > 0)
    notes.push(
      `HyperPod ignores the keys its groups name (${keyCount(ignored.size)}): they encrypt ` +
        'no volume here, so this plan neither revives nor fixes them, and their findings are not counted against ' +
        'these groups; the key rules judge them on their own.',
    );
  const replaced = groups.filter((g) => g.action === 'replace');
  const replicas = plannedKeys.filter((k) => k.replicaRegion !== null).length;
  const path: ClusterPlan['path'] = !continuous
    ? 'new-cluster'
    : replaced.length > 0
      ? 'replace-groups'
      : inPlace.length > 0 || preSteps.length > 0 || clusterTags
        ? 'in-place'
        : 'blocked';
  return {
    cluster: {
      id: cluster.id,
      name: cluster.name,
      account: cluster.account,
      region: cluster.region,
      orchestrator,
      mode,
    },
    dir,
    path,
    failing: [
      ...new Set(
        [
          ...ctx.clusterFindings,
          ...cluster.instanceGroups.flatMap((group) => ctx.failingOf(cluster, group)),
        ].map((f) => f.ruleId),
      ),
    ].sort(),
    preSteps,
    keys: plannedKeys,
    groups,
    inPlace: dedupe(inPlace),
    clusterTags,
    estimate: {
      keysAdded: plannedKeys.length,
      replicaKeysAdded: replicas,
      kmsUsdPerMonth: (plannedKeys.length + replicas) * monthlyStorageUsd(0),
      groupsReplaced: replaced.length,
    },
    notes,
  };
}

function dedupe(steps: InPlaceStep[]): InPlaceStep[] {
  const seen = new Set<string>();
  return steps.filter((step) => !seen.has(step.command) && seen.add(step.command));
}

function planKey(
  cluster: Cluster,
  group: InstanceGroup,
  executionRole: string,
  ctx: ClusterContext,
  clusterTags: Record<string, string> | undefined,
): PlannedKey {
  const { config } = ctx;
  const alias = aliasFor(cluster, group, ctx.aliases);
  ctx.aliases.add(alias);
  const replicaRegion = config.drRegions[cluster.region] ?? null;
  const partition = cluster.arn?.split(':')[1] || 'aws';
  const admins = resolveKeyAdmins(config.keyAdmins, cluster.account, partition);
  const { tags, toFill } = requiredTags(config.requiredKeyTags, {}, clusterTags);
  tags['hyperpod-cluster'] = cluster.name;
  tags['hyperpod-instance-group'] = group.name;
  return {
    resourceName: `Key${safeName(cluster.name)}${safeName(group.name)}`.slice(0, 255),
    alias,
    account: cluster.account,
    region: cluster.region,
    forGroup: groupId(cluster, group),
    executionRole,
    multiRegion: replicaRegion !== null,
    replicaRegion,
    rotationPeriodInDays: Math.min(2560, Math.max(90, config.rotationMaxDays)),
    tags,
    tagsToFill: toFill,
    policy: keyPolicy({
      keyAccount: cluster.account,
      region: cluster.region,
      admins,
      executionRoles: [executionRole],
      multiRegion: replicaRegion !== null,
      partition,
      id: `hyperpod-cmk-${hyphenName(cluster.name)}-${hyphenName(group.name)}`,
    }),
  };
}
