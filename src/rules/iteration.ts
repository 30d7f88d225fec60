/** Iteration over the inventory's instance groups and keys, with the verdicts every group or key rule shares. */
import type { Cluster, InstanceGroup, Key, PolicyDocument } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import { organizationOf } from '../policy/organization.js';
import { accessMemo, type PrincipalAccess, principalAccess } from '../policy/principals-analysis.js';
import type { RuleContext, Verdict } from './define-rule.js';
import { isAwsManagedAlias, keyLabel } from './key-references.js';
import {
  keyResource,
  NOT_COLLECTED_MESSAGE,
  UNRESOLVED_MESSAGE,
  unresolvedGroupsVerdict,
  unresolvedVerdict,
} from './resources.js';
import { gapReason, isLiveSource } from './text.js';

/** Iterates every instance group with its cluster, emitting the unresolved-groups verdicts first. */
export function* eachGroup(
  context: RuleContext,
  visit: (cluster: Cluster, group: InstanceGroup) => Verdict | Iterable<Verdict> | undefined,
): Generator<Verdict> {
  for (const cluster of context.inventory.clusters) {
    const unresolved = unresolvedGroupsVerdict(cluster);
    if (unresolved) yield unresolved;
    for (const group of cluster.instanceGroups) {
      const out = visit(cluster, group);
      if (out === undefined) continue;
      if (isVerdict(out)) yield out;
      else yield* out;
    }
  }
}

export const isVerdict = (value: Verdict | Iterable<Verdict>): value is Verdict =>
  'status' in value && 'resource' in value;

/** Messages every key rule may use through `eachKey`. */
export const KEY_COMMON_MESSAGES = {
  awsManaged:
    'AWS manages {{key}}: its policy, rotation and lifecycle are not yours to govern (the volume rules fail it)',
  notCollected: NOT_COLLECTED_MESSAGE,
  unresolved: UNRESOLVED_MESSAGE,
} as const;

/**
 * Iterates the keys in scope (every key the inventory holds: the live collector brings the keys
 * HyperPod volumes use and those config selects; IaC brings the keys defined alongside), answering
 * NOT_APPLICABLE for AWS managed keys and UNKNOWN when DescribeKey could not be called.
 */
export function* eachKey(
  context: RuleContext,
  visit: (key: Key) => Verdict | Iterable<Verdict> | undefined,
  options: {
    /**
     * Runs before anything else, for rules that judge only some sources: a verdict it returns
     * (e.g. NOT_APPLICABLE for a live key) stands even when the key's metadata is missing.
     */
    sourceCheck?: (key: Key) => Verdict | undefined;
  } = {},
): Generator<Verdict> {
  for (const key of context.inventory.keys) {
    const resource = keyResource(key);
    const bySource = options.sourceCheck?.(key);
    if (bySource) {
      yield bySource;
      continue;
    }
    // Only AWS can create `alias/aws/*` aliases, so they name AWS managed keys even when
    // DescribeKey could not be called.
    if (key.metadata?.keyManager === 'AWS' || key.aliases.some(isAwsManagedAlias)) {
      yield { resource, status: 'NOT_APPLICABLE', messageId: 'awsManaged', data: { key: keyLabel(key) } };
      continue;
    }
    if (key.metadata === undefined) {
      const gaps = context.index.gapsFor(key.arn);
      yield {
        resource,
        status: 'UNKNOWN',
        messageId: 'notCollected',
        data: { what: `the metadata of ${keyLabel(key)}`, reason: gapReason(gaps) },
        evidence: { gaps },
      };
      continue;
    }
    const out = visit(key);
    if (out === undefined) continue;
    if (isVerdict(out)) yield out;
    else yield* out;
  }
}

/**
 * The UNKNOWN verdict for a part of a key that was not collected (`what`, e.g. "the grants on
 * alias/x"), with the reason the `operation`'s gap gives.
 */
export function keyPartNotCollected(
  context: RuleContext,
  key: Key,
  what: string,
  operation: string,
): Verdict {
  const gaps = context.index.gapsFor(key.arn, operation);
  return {
    resource: keyResource(key),
    status: 'UNKNOWN',
    messageId: 'notCollected',
    data: { what, reason: gapReason(gaps) },
    evidence: { gaps },
  };
}

/**
 * Runs `visit` with the key's policy document, or answers UNKNOWN when the policy could not be
 * read (GetKeyPolicy denied) or cannot be known from the IaC source.
 */
export function withKeyPolicy(
  context: RuleContext,
  key: Key,
  visit: (policy: PolicyDocument) => Verdict | Iterable<Verdict>,
): Verdict | Iterable<Verdict> {
  const resource = keyResource(key);
  if (key.policy === undefined)
    return keyPartNotCollected(context, key, `the key policy of ${keyLabel(key)}`, 'GetKeyPolicy');
  if (isUnresolved(key.policy)) return unresolvedVerdict(resource, 'the key policy', key.policy);
  return visit(key.policy);
}

/**
 * Who the key policy lets do what with the key (see `principalAccess`), judged with the
 * organisation of the key's account and the evaluation's memo: keys whose policies say the same
 * share the answer.
 */
export function keyPolicyAccesses(
  context: RuleContext,
  key: Key,
  policy: PolicyDocument,
): readonly PrincipalAccess[] {
  return principalAccess(
    policy,
    key.arn,
    key.account,
    organizationOf(context.inventory.accounts, key.account, context.config.organizationId),
    accessMemo(context.index),
  );
}

/** Execution roles of the instance groups that use a key (as written: ARN, unique id or IaC reference). */
export function consumingRoles(context: RuleContext, key: Key): string[] {
  const roles = new Set<string>();
  for (const use of context.index.usesOfKey(key.arn)) {
    if (typeof use.group.executionRole === 'string') roles.add(use.group.executionRole);
  }
  return [...roles];
}

/**
 * The instance groups whose volumes use a key, as "cluster/group", each named once: `sure` those of
 * clusters known to be in Continuous mode, `maybe` those of clusters whose provisioning mode is
 * unknown (HyperPod honours a key only in Continuous mode, so they may not be under it), with
 * those clusters' names.
 */
export function groupsUsingKeyByMode(
  context: RuleContext,
  key: Key,
): { sure: string[]; maybe: string[]; modeUnknownIn: string[] } {
  const sure = new Set<string>();
  const maybe = new Set<string>();
  const modeUnknownIn = new Set<string>();
  for (const use of context.index.usesOfKey(key.arn)) {
    const name = `${use.cluster.name}/${use.group.name}`;
    if (!use.modeUnknown) sure.add(name);
    else {
      maybe.add(name);
      modeUnknownIn.add(use.cluster.name);
    }
  }
  return { sure: [...sure], maybe: [...maybe], modeUnknownIn: [...modeUnknownIn] };
}

/** Rules that read CloudTrail or grants judge live keys only. */
export function liveOnly(key: Key, messageId = 'notLive'): Verdict | undefined {
  return isLiveSource(key.source)
    ? undefined
    : { resource: keyResource(key), status: 'NOT_APPLICABLE', messageId };
}
