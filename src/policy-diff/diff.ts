/**
 * What a key-policy change does, not how its text differs: who gains or loses which KMS actions
 * under which conditions, whether the execution roles keep CreateGrant via SageMaker, whether the
 * key keeps an administrator, and which rule verdicts change. Pure: no I/O.
 */
import type { ResolvedConfig } from '../config/schema.js';
import { evaluate } from '../engine/evaluate.js';
import type { Status } from '../model/finding.js';
import type { InstanceGroup, Inventory, Key, PolicyDocument } from '../model/inventory.js';
import { emptyInventory } from '../model/inventory.js';
import { ADMIN_ACTIONS } from '../policy/actions.js';
import { type Tri, withPrincipalOrganization } from '../policy/conditions.js';
import { keyAccess } from '../policy/evaluate.js';
import { hyperPodCreateGrantContext } from '../policy/hyperpod.js';
import { identityOf, rcpLevelsOf, scpLevelsOf } from '../policy/identity-policies.js';
import { organizationOf } from '../policy/organization.js';
import { sameIamArn } from '../policy/principal.js';
import { principalAccess } from '../policy/principals-analysis.js';
import { RULES } from '../rules/registry.js';
import {
  type AccessModel,
  type ActionAccess,
  accessModel,
  actionCatalog,
  type Conjunction,
  notImpliedBy,
} from './access-model.js';

export const POLICY_DIFF_SCHEMA_VERSION = 1;

/** The rules whose verdicts on a key policy the diff always shows (any other rule shows when its verdict changes). */
export const POLICY_RULES = [
  'kms-key-policy-no-public-access',
  'kms-key-policy-least-privilege',
  'kms-key-separation-of-duties',
] as const;

export type ChangeKind =
  /** An Allow now applies where it did not: under these conditions (or always). */
  | 'allow-added'
  /** An Allow no longer applies under these conditions. */
  | 'allow-removed'
  /** A Deny now applies under these conditions. */
  | 'deny-added'
  /** A Deny no longer applies under these conditions. */
  | 'deny-removed';

export interface AccessChange {
  change: ChangeKind;
  /** `gained`/`lost`: the principal had no Allow for the action before / has none after; `conditions`: it had and has one. */
  scope: 'gained' | 'lost' | 'conditions';
  actions: string[];
  /** Conditions that must all hold, in canonical form; `[]`: unconditionally. */
  conditions: string[];
  widens: boolean;
}

export interface PrincipalChange {
  principal: string;
  changes: AccessChange[];
}

export interface ExecutionRoleCheck {
  role: string;
  /** Where the role came from: `--execution-role`, the groups using the key in the inventory, or the old policy. */
  source: 'option' | 'inventory' | 'old-policy';
  before: Tri;
  after: Tri;
}

export interface AdministrationCheck {
  /** Principals (not services) that may change the key policy. */
  before: string[];
  after: string[];
  /** No principal may change the key policy any more: the key is locked out. */
  lockout: boolean;
  /** Principals that lose administrative actions. */
  lost: { principal: string; actions: string[] }[];
}

export interface RuleVerdict {
  ruleId: string;
  before: { status: Status; message: string } | null;
  after: { status: Status; message: string } | null;
  changed: boolean;
}

export interface PolicyDiff {
  schemaVersion: typeof POLICY_DIFF_SCHEMA_VERSION;
  kind: 'hyperpod-cmk-policy-diff';
  key: { arn: string; account: string; region: string };
  effect: 'none' | 'widens' | 'narrows' | 'widens-and-narrows';
  widens: boolean;
  narrows: boolean;
  principals: PrincipalChange[];
  executionRoles: ExecutionRoleCheck[];
  administration: AdministrationCheck;
  rules: RuleVerdict[];
}

export interface PolicyDiffInput {
  before: PolicyDocument;
  after: PolicyDocument;
  /** The key the policies are for: a collected key, or a synthetic one when only files are compared. */
  key: Key;
  /** The estate the key lives in (clusters, roles), when known; the key is looked up in it by ARN. */
  inventory?: Inventory;
  executionRoles?: readonly string[];
  config: ResolvedConfig;
  now: Date;
}

const EMPTY: ActionAccess = { allow: [], deny: [] };

function accessOf(model: AccessModel, principal: string, action: string): ActionAccess {
  return model.get(principal)?.get(action) ?? EMPTY;
}

/** The changes for one principal, grouped so that actions with the same change read as one line. */
function principalChanges(before: AccessModel, after: AccessModel, principal: string, catalog: string[]) {
  const grouped = new Map<string, AccessChange>();
  const add = (change: ChangeKind, scope: AccessChange['scope'], conditions: Conjunction, action: string) => {
    const groupKey = `${change}|${scope}|${conditions.join('\u0000')}`;
    let entry = grouped.get(groupKey);
    if (!entry) {
      entry = {
        change,
        scope,
        actions: [],
        conditions: [...conditions],
        widens: change === 'allow-added' || change === 'deny-removed',
      };
      grouped.set(groupKey, entry);
    }
    entry.actions.push(action);
  };
  for (const action of catalog) {
    const old = accessOf(before, principal, action);
    const next = accessOf(after, principal, action);
    const scope: AccessChange['scope'] =
      old.allow.length === 0 && next.allow.length > 0
        ? 'gained'
        : old.allow.length > 0 && next.allow.length === 0
          ? 'lost'
          : 'conditions';
    for (const conjunction of notImpliedBy(next.allow, old.allow))
      add('allow-added', scope, conjunction, action);
    for (const conjunction of notImpliedBy(old.allow, next.allow))
      add('allow-removed', scope, conjunction, action);
    for (const conjunction of notImpliedBy(next.deny, old.deny))
      add('deny-added', 'conditions', conjunction, action);
    for (const conjunction of notImpliedBy(old.deny, next.deny))
      add('deny-removed', 'conditions', conjunction, action);
  }
  const order: ChangeKind[] = ['allow-added', 'deny-removed', 'allow-removed', 'deny-added'];
  return [...grouped.values()].sort(
    (a, b) =>
      order.indexOf(a.change) - order.indexOf(b.change) ||
      a.conditions.join(' ').localeCompare(b.conditions.join(' ')),
  );
}

const ACCOUNT_ID = /^\d{12}$/;

const usesKey = (group: InstanceGroup, keyArn: string): boolean =>
  Array.isArray(group.volumes) &&
  group.volumes.some(
    (volume) => volume.resolution?.status === 'resolved' && volume.resolution.keyArn === keyArn,
  );

/** The execution roles of the instance groups whose volumes use the key. */
const consumingRoles = (inventory: Inventory, keyArn: string): string[] => [
  ...new Set(
    inventory.clusters.flatMap((cluster) =>
      cluster.instanceGroups.flatMap((group) =>
        usesKey(group, keyArn) && typeof group.executionRole === 'string' ? [group.executionRole] : [],
      ),
    ),
  ),
];

/** The key with another policy, and the part of the estate its rules read. */
function oneKeyInventory(input: PolicyDiffInput, policy: PolicyDocument): Inventory {
  const key: Key = { ...input.key, policy };
  const base = emptyInventory(input.key.source, input.now.toISOString());
  const estate = input.inventory;
  if (!estate) return { ...base, keys: [key] };
  const clusters = estate.clusters.filter((cluster) =>
    cluster.instanceGroups.some((group) => usesKey(group, key.arn)),
  );
  const roleArns = new Set(consumingRoles(estate, key.arn));
  return {
    ...base,
    source: estate.source,
    generatedAt: estate.generatedAt,
    accounts: estate.accounts,
    clusters,
    keys: [key],
    roles: estate.roles.filter((role) => roleArns.has(role.arn)),
    gaps: estate.gaps.filter((gap) => gap.resource === key.arn),
  };
}

function executionRoleChecks(input: PolicyDiffInput, inventory: Inventory): ExecutionRoleCheck[] {
  const { key } = input;
  const roles = new Map<string, ExecutionRoleCheck['source']>();
  for (const role of input.executionRoles ?? []) roles.set(role, 'option');
  for (const role of consumingRoles(inventory, key.arn)) if (!roles.has(role)) roles.set(role, 'inventory');
  const scpsOf = (account: string) => {
    const scpLevels = scpLevelsOf(inventory.accounts, ACCOUNT_ID.test(account) ? account : key.account);
    return scpLevels ? { scpLevels } : {};
  };
  // The resource control policies over the key's account, the same for every role.
  const rcpLevels = rcpLevelsOf(inventory.accounts, key.account);
  const check = (role: string, policy: PolicyDocument): Tri => {
    const account = role.split(':')[4] ?? '';
    const roleAccount = ACCOUNT_ID.test(account) ? account : key.account;
    const known = inventory.roles.find((entry) => sameIamArn(entry.arn, role));
    return keyAccess({
      caller: { kind: 'iam', arn: role, account: roleAccount },
      action: 'kms:CreateGrant',
      resource: key.arn,
      // The role's organization too, as the rule has it (conditions on aws:PrincipalOrgID).
      context: withPrincipalOrganization(
        hyperPodCreateGrantContext({ roleArn: role, account: roleAccount, region: key.region }),
        organizationOf(inventory.accounts, roleAccount, input.config.organizationId),
      ),
      keyPolicy: policy,
      keyAccount: key.account,
      ...identityOf(known),
      ...scpsOf(account),
      ...(rcpLevels ? { rcpLevels } : {}),
    }).result;
  };
  if (roles.size === 0) {
    // No role named: the roles that could create grants via SageMaker under the old policy.
    for (const access of principalAccess(input.before, key.arn, key.account)) {
      if (access.ref.kind !== 'iam' || access.ref.resourceType !== 'role') continue;
      if (!access.usage.includes('kms:CreateGrant')) continue;
      if (check(access.ref.arn, input.before) !== 'no') roles.set(access.ref.arn, 'old-policy');
    }
  }
  return [...roles.entries()]
    .map(([role, source]) => ({
      role,
      source,
      before: check(role, input.before),
      after: check(role, input.after),
    }))
    .sort((a, b) => a.role.localeCompare(b.role));
}

function administration(input: PolicyDiffInput): AdministrationCheck {
  const admins = (policy: PolicyDocument) =>
    new Map(
      principalAccess(policy, input.key.arn, input.key.account)
        .filter((access) => access.ref.kind !== 'service' && access.admin.length > 0)
        .map((access) => [access.name, access.admin] as const),
    );
  const before = admins(input.before);
  const after = admins(input.after);
  const policyChangers = (map: Map<string, readonly string[]>) =>
    [...map.entries()]
      .filter(([, actions]) => actions.includes('kms:PutKeyPolicy'))
      .map(([name]) => name)
      .sort();
  const lost = [...before.entries()]
    .map(([principal, actions]) => ({
      principal,
      actions: actions.filter((action) => !(after.get(principal) ?? []).includes(action)),
    }))
    .filter((entry) => entry.actions.length > 0)
    .sort((a, b) => a.principal.localeCompare(b.principal));
  const changersAfter = policyChangers(after);
  return {
    before: policyChangers(before),
    after: changersAfter,
    lockout: changersAfter.length === 0,
    lost: lost.map((entry) => ({
      principal: entry.principal,
      actions: entry.actions.filter((a) => (ADMIN_ACTIONS as readonly string[]).includes(a)),
    })),
  };
}

function ruleVerdicts(input: PolicyDiffInput, beforeInv: Inventory, afterInv: Inventory): RuleVerdict[] {
  const run = (inventory: Inventory) => {
    const { findings } = evaluate(inventory, { config: input.config, now: input.now, rules: RULES });
    const byRule = new Map<string, { status: Status; message: string }[]>();
    for (const finding of findings) {
      const list = byRule.get(finding.ruleId) ?? [];
      list.push({ status: finding.status, message: finding.message });
      byRule.set(finding.ruleId, list);
    }
    return byRule;
  };
  const before = run(beforeInv);
  const after = run(afterInv);
  // A rule judging several resources (groups of the key) is summarised by its worst verdict.
  const worst = (list: { status: Status; message: string }[] | undefined) => {
    if (!list || list.length === 0) return null;
    const rank: Record<Status, number> = { FAIL: 0, UNKNOWN: 1, PASS: 2, NOT_APPLICABLE: 3 };
    return [...list].sort(
      (a, b) => rank[a.status] - rank[b.status] || a.message.localeCompare(b.message),
    )[0]!;
  };
  const verdicts: RuleVerdict[] = [];
  for (const rule of RULES) {
    const id = rule.meta.id;
    const b = worst(before.get(id));
    const a = worst(after.get(id));
    const changed = JSON.stringify(before.get(id) ?? []) !== JSON.stringify(after.get(id) ?? []);
    if (!changed && !(POLICY_RULES as readonly string[]).includes(id)) continue;
    verdicts.push({ ruleId: id, before: b, after: a, changed });
  }
  return verdicts;
}

export function diffKeyPolicies(input: PolicyDiffInput): PolicyDiff {
  const catalog = actionCatalog([input.before, input.after]);
  const before = accessModel(input.before, catalog);
  const after = accessModel(input.after, catalog);
  const principals = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) =>
    a === '*' ? -1 : b === '*' ? 1 : a.localeCompare(b),
  );
  const changes = principals
    .map((principal) => ({ principal, changes: principalChanges(before, after, principal, catalog) }))
    .filter((entry) => entry.changes.length > 0);
  const widens = changes.some((entry) => entry.changes.some((change) => change.widens));
  const narrows = changes.some((entry) => entry.changes.some((change) => !change.widens));
  const beforeInv = oneKeyInventory(input, input.before);
  const afterInv = oneKeyInventory(input, input.after);
  return {
    schemaVersion: POLICY_DIFF_SCHEMA_VERSION,
    kind: 'hyperpod-cmk-policy-diff',
    key: { arn: input.key.arn, account: input.key.account, region: input.key.region },
    effect: widens && narrows ? 'widens-and-narrows' : widens ? 'widens' : narrows ? 'narrows' : 'none',
    widens,
    narrows,
    principals: changes,
    executionRoles: executionRoleChecks(input, beforeInv),
    administration: administration(input),
    rules: ruleVerdicts(input, beforeInv, afterInv),
  };
}
