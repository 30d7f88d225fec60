/**
 * Which key policies to write: one for every existing customer managed key in the inventory, and
 * one for every proposed key (one per instance group that has no customer managed key of its own).
 * Everything here is refused with a reason rather than guessed: no admin, an admin that is also
 * an execution role, a policy over the KMS size limit.
 */
import type { ResolvedConfig } from '../config/schema.js';
import type { Cluster, InstanceGroup, Inventory, Key, PolicyDocument } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import { indexInventory } from '../model/inventory-index.js';
import { err, ok, type Result } from '../model/result.js';
import { shortened } from '../model/text.js';
import { matchesAny } from '../policy/glob.js';
import { callsOutsideBoundary } from '../policy/identity-policies.js';
import { principalAccess } from '../policy/principals-analysis.js';
import { adminPatternProblem, type KeyAdminSet, resolveKeyAdmins } from './key-admins.js';
import { KEY_POLICY_MAX_BYTES, keyPolicy, keyPolicyBytes } from './key-policy.js';
import { pathSegment } from './paths.js';
import type { GuardrailsProblem } from './problem.js';

export interface PlannedKeyPolicy {
  kind: 'existing' | 'proposed';
  /** Path of the policy file, relative to the output directory. */
  file: string;
  keyArn?: string;
  /** The key as people know it: alias, ARN, or what the proposed key is for. */
  label: string;
  account: string;
  region: string;
  /** Ids of the instance groups the key serves (or will serve). */
  instanceGroups: string[];
  executionRoles: string[];
  admins: KeyAdminSet;
  policy: PolicyDocument;
  bytes: number;
  /** Principals the current policy lets in that the generated one does not. */
  droppedPrincipals: string[];
  notes: string[];
}

export interface SkippedItem {
  what: string;
  reason: string;
}

export interface KeyPolicyPlan {
  policies: PlannedKeyPolicy[];
  skipped: SkippedItem[];
}

/** An execution role given on the command line (config-alone mode): a key to propose for it. */
export interface ExtraExecutionRole {
  arn: string;
  region: string;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:.+\/)?([^/]+)$/;
const ACCOUNT_ID = /^\d{12}$/;
const safe = (value: string) => value.replace(/[^A-Za-z0-9._-]/g, '_');

/** Config-level checks that apply to every guardrail that names admins. */
export function checkKeyAdmins(config: ResolvedConfig): Result<void, GuardrailsProblem> {
  if (config.keyAdmins.length === 0) {
    return err({
      code: 'config.key_admins_missing',
      message:
        'the config names no keyAdmins: a generated key policy would have no administrator, and the SCPs ' +
        'would exempt nobody from the key protections',
      hint: 'add `keyAdmins: [arn:aws:iam::ACCOUNT:role/KeyAdmin]` (the roles that administer keys and never use them)',
    });
  }
  const problems = config.keyAdmins.flatMap((pattern, i) => {
    const problem = adminPatternProblem(pattern);
    return problem ? [{ path: `$.keyAdmins[${i}]`, message: `"${pattern}" is ${problem}` }] : [];
  });
  if (problems.length > 0) {
    return err({
      code: 'config.key_admins_invalid',
      message: 'some keyAdmins cannot stand for a key administrator',
      hint: 'list IAM role or user ARNs; `*` may stand for the account id or part of the name',
      problems,
    });
  }
  return ok(undefined);
}

function groupLabel(cluster: Cluster, group: InstanceGroup): string {
  return `${cluster.name}/${group.name}`;
}

export function planKeyPolicies(
  inventory: Inventory,
  config: ResolvedConfig,
  extraRoles: readonly ExtraExecutionRole[] = [],
): Result<KeyPolicyPlan, GuardrailsProblem> {
  const checked = checkKeyAdmins(config);
  if (!checked.ok) return checked;
  const index = indexInventory(inventory);
  const policies: PlannedKeyPolicy[] = [];
  const skipped: SkippedItem[] = [];

  const adminsFor = (account: string, partition: string): Result<KeyAdminSet, GuardrailsProblem> => {
    const admins = resolveKeyAdmins(config.keyAdmins, account, partition);
    if (admins.principals.length > 0) return ok(admins);
    return err({
      code: 'config.key_admins_not_exact',
      message: `no keyAdmins entry names an exact administrator for account ${account}; a key policy can only name exact ARNs`,
      hint: `add arn:${partition}:iam::${account}:role/NAME (or arn:${partition}:iam::*:role/NAME) to keyAdmins`,
    });
  };

  const build = (
    entry: Omit<PlannedKeyPolicy, 'policy' | 'bytes' | 'admins'> & {
      multiRegion?: boolean;
      importedKeyMaterial?: boolean;
      partition: string;
      currentPolicy?: PolicyDocument;
    },
  ): Result<PlannedKeyPolicy, GuardrailsProblem> => {
    const admins = adminsFor(entry.account, entry.partition);
    if (!admins.ok) return admins;
    const adminPatterns = [...admins.value.principals, ...admins.value.patterns];
    const both = entry.executionRoles.filter((role) => matchesAny(role, adminPatterns, { ignoreCase: true }));
    if (both.length > 0) {
      return err({
        code: 'config.admin_is_execution_role',
        message: `${both.join(', ')} is both a key admin and the execution role of ${entry.label}: separation of duties forbids one principal to administer and use a key`,
        hint: 'give the instance group its own execution role, or narrow keyAdmins',
      });
    }
    const policy = keyPolicy({
      keyAccount: entry.account,
      region: entry.region,
      admins: admins.value,
      executionRoles: entry.executionRoles,
      partition: entry.partition,
      multiRegion: entry.multiRegion ?? false,
      importedKeyMaterial: entry.importedKeyMaterial ?? false,
      id: `hyperpod-cmk-${entry.kind === 'existing' ? (entry.keyArn?.split('/').pop() ?? 'key') : safe(entry.label)}`,
    });
    const bytes = keyPolicyBytes(policy);
    if (bytes > KEY_POLICY_MAX_BYTES) {
      return err({
        code: 'guardrails.key_policy_too_large',
        message: `the key policy for ${entry.label} would be ${bytes} bytes, over the KMS limit of ${KEY_POLICY_MAX_BYTES}`,
        hint: 'use fewer execution roles per key (one key per instance group)',
      });
    }
    const { currentPolicy, multiRegion: _m, importedKeyMaterial: _i, partition: _p, ...rest } = entry;
    return ok({ ...rest, admins: admins.value, policy, bytes });
  };

  // Existing customer managed keys.
  for (const key of inventory.keys) {
    const label = key.aliases[0] ?? key.arn;
    const manager = key.metadata?.keyManager;
    if (manager === 'AWS') continue;
    if (manager === undefined || isUnresolved(manager)) {
      skipped.push({
        what: `key ${label}`,
        reason: 'whether it is customer managed is unknown (DescribeKey)',
      });
      continue;
    }
    if (!ACCOUNT_ID.test(key.account) || !key.arn.startsWith('arn:')) {
      skipped.push({
        what: `key ${label}`,
        reason:
          'defined in IaC, not deployed: its account and ARN are not known yet (see the proposed policies)',
      });
      continue;
    }
    const partition = key.arn.split(':')[1] ?? 'aws';
    const roles = new Set<string>();
    const groups: string[] = [];
    const notes: string[] = [];
    // The index leaves out the groups HyperPod uses no key of (restricted, or of a cluster outside
    // Continuous mode: smcluster-cmk.html); their roles need no grant on the key.
    for (const use of index.usesOfKey(key.arn)) {
      if (!groups.includes(use.group.id)) groups.push(use.group.id);
      if (use.modeUnknown)
        notes.push(
          `the provisioning mode of cluster ${use.cluster.name} is unknown: instance group ${groupLabel(use.cluster, use.group)} uses this key only in Continuous mode; remove its execution role if it is not`,
        );
      const role = use.group.executionRole;
      if (typeof role === 'string' && ROLE_ARN.test(role)) roles.add(role);
      else
        notes.push(
          `instance group ${groupLabel(use.cluster, use.group)} has no execution role ARN (${role === null ? 'none' : typeof role === 'string' ? role : role.unresolved}); add it by hand`,
        );
    }
    if (groups.length > 1)
      notes.push(
        `serves ${groups.length} instance groups: AWS recommends one key per instance group (see the proposed keys)`,
      );
    for (const arn of [...roles].sort()) {
      const role = index.role(arn);
      if (!role?.permissionsBoundary) continue;
      // A boundary limits what a key policy grants the role's ARN: this policy alone may not be enough.
      const stopped = callsOutsideBoundary(role, key.arn, key.region);
      const boundary = `execution role ${arn} has a permissions boundary (${shortened(role.permissionsBoundary.policyArn)})`;
      if (stopped === undefined)
        notes.push(
          `${boundary} that could not be read: check that it allows kms:CreateGrant and kms:DescribeKey on this key`,
        );
      else if (stopped.length > 0)
        notes.push(
          `${boundary} that does not allow ${stopped.join(' or ')} on this key: allow it there too, or this policy will not let HyperPod use the key`,
        );
    }
    if (groups.length === 0) notes.push('no instance group uses this key: only admins are named');
    const metadata = key.metadata!;
    const dropped = droppedPrincipals(key, [...roles], config);
    const planned = build({
      kind: 'existing',
      file: `key-policies/${pathSegment(key.account, 'account')}/${pathSegment(key.region, 'region')}/${pathSegment(key.keyId ?? key.arn.split('/').pop() ?? 'key', 'key-id')}.json`,
      keyArn: key.arn,
      label,
      account: key.account,
      region: key.region,
      instanceGroups: groups,
      executionRoles: [...roles].sort(),
      droppedPrincipals: dropped,
      notes: [...new Set(notes)],
      partition,
      multiRegion: metadata.multiRegion === true,
      importedKeyMaterial: metadata.origin === 'EXTERNAL',
      ...(key.policy && !isUnresolved(key.policy) ? { currentPolicy: key.policy } : {}),
    });
    if (!planned.ok) return planned;
    policies.push(planned.value);
  }

  // Proposed keys: one per instance group without a customer managed key of its own.
  for (const cluster of inventory.clusters) {
    for (const group of cluster.instanceGroups) {
      const label = groupLabel(cluster, group);
      const reason = proposalReason(index, group);
      if (!reason) continue;
      if (group.kind === 'restricted') {
        skipped.push({
          what: `instance group ${label}`,
          reason: 'restricted instance groups do not support CMKs',
        });
        continue;
      }
      const role = group.executionRole;
      if (typeof role !== 'string' || !ROLE_ARN.test(role)) {
        skipped.push({
          what: `instance group ${label}`,
          reason: `its execution role is not a known role ARN (${role === null ? 'none' : typeof role === 'string' ? role : role.unresolved})`,
        });
        continue;
      }
      const [, partition, account] = ROLE_ARN.exec(role)!;
      const keyAccount = ACCOUNT_ID.test(cluster.account) ? cluster.account : account!;
      const notes = [reason];
      if (cluster.nodeProvisioningMode !== 'Continuous')
        notes.push(
          'CMKs need a cluster (EKS or Slurm) in Continuous provisioning mode; this cluster must switch to it first (update-cluster --node-provisioning-mode Continuous, or a new cluster if it is refused)',
        );
      notes.push(
        'the key of an existing instance group cannot change: create a new instance group with this key, then delete the old one',
      );
      const planned = build({
        kind: 'proposed',
        file: `key-policies/proposed/${pathSegment(keyAccount, 'account')}/${pathSegment(cluster.region, 'region')}/${pathSegment(cluster.name, 'name')}.${pathSegment(group.name, 'name')}.json`,
        label,
        account: keyAccount,
        region: cluster.region,
        instanceGroups: [group.id],
        executionRoles: [role],
        droppedPrincipals: [],
        notes,
        partition: partition!,
      });
      if (!planned.ok) return planned;
      policies.push(planned.value);
    }
  }

  for (const extra of extraRoles) {
    const match = ROLE_ARN.exec(extra.arn);
    if (!match) {
      return err({
        code: 'usage.execution_role',
        message: `"${extra.arn}" is not an IAM role ARN`,
        hint: 'e.g. --execution-role arn:aws:iam::111122223333:role/hyperpod-exec',
      });
    }
    const [, partition, account, name] = match;
    const planned = build({
      kind: 'proposed',
      file: `key-policies/proposed/${pathSegment(account!, 'account')}/${pathSegment(extra.region, 'region')}/${pathSegment(name!, 'name')}.json`,
      label: `execution role ${name}`,
      account: account!,
      region: extra.region,
      instanceGroups: [],
      executionRoles: [extra.arn],
      droppedPrincipals: [],
      notes: ['for a new instance group whose execution role is given on the command line'],
      partition: partition!,
    });
    if (!planned.ok) return planned;
    policies.push(planned.value);
  }

  return ok({ policies, skipped });
}

/** Why a group should get a key of its own, or undefined when it has one. */
function proposalReason(index: ReturnType<typeof indexInventory>, group: InstanceGroup): string | undefined {
  if (isUnresolved(group.volumes)) return undefined;
  const root = group.volumes.find((v) => v.role === 'root');
  if (!root || root.kmsKeyId === null) return 'the root volume uses an AWS owned key';
  const keys = new Set<Key>();
  for (const volume of group.volumes) {
    if (volume.kmsKeyId === null) return `the ${volume.role} volume uses an AWS owned key`;
    const key = index.keyOfVolume(volume);
    if (!key) continue;
    if (key.metadata?.keyManager === 'AWS') return `the ${volume.role} volume uses an AWS managed key`;
    keys.add(key);
  }
  for (const key of keys) {
    const groups = new Set(index.usesOfKey(key.arn).map((use) => use.group.id));
    if (groups.size > 1) return `its key ${key.aliases[0] ?? key.arn} is shared with other instance groups`;
  }
  return undefined;
}

/** Principals the current policy lets use or administer the key that the generated policy leaves out. */
function droppedPrincipals(key: Key, roles: readonly string[], config: ResolvedConfig): string[] {
  if (!key.policy || isUnresolved(key.policy)) return [];
  const kept = [...roles, ...config.keyAdmins];
  return principalAccess(key.policy, key.arn, key.account)
    .filter((access) => access.actions.length > 0)
    .filter((access) => !matchesAny(access.name, kept, { ignoreCase: true }))
    .map((access) => (access.ownAccountRoot ? `${access.name} (IAM policies in the account)` : access.name))
    .sort();
}
