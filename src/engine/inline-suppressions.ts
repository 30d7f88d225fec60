/**
 * Inline skips written in the IaC (`# hyperpod-cmk:skip=<rule-id> <reason>`, or a resource's
 * `Metadata: {hyperpod-cmk: {skip: [{id, reason}]}}`) turned into suppressions of the resources
 * they sit on. A skip applies to the findings of that one resource: a skip on a cluster covers the
 * cluster and its instance groups (they are written inside it), a skip on a key covers the key.
 * A skip without a reason, naming an unknown rule, or on a resource that is neither a cluster nor
 * a key is an input issue, reported and not honoured.
 */
import type { SourceIssue } from '../model/finding.js';
import type { Inventory, Location } from '../model/inventory.js';

/** A skip as a parser found it: which file, which resource (by the line it is defined on). */
export interface InlineSkip {
  file: string;
  /** Where the skip itself is written. */
  line: number;
  /** The line of the resource it applies to (its logical id or `resource` block). */
  resourceLine: number;
  /** The resource's logical id or Terraform address, for messages. */
  resource: string;
  ruleId: string;
  reason: string;
  via: 'comment' | 'metadata';
}

export interface InlineSuppression {
  ruleId: string;
  reason: string;
  location: Location;
}

export interface ResolvedInlineSkips {
  /** By resource id (cluster id, instance-group id, key id). */
  byResource: Map<string, InlineSuppression[]>;
  issues: SourceIssue[];
}

const at = (skip: InlineSkip): Location => ({ file: skip.file, line: skip.line });

export function resolveInlineSkips(
  inventory: Inventory,
  skips: readonly InlineSkip[],
  ruleIds: readonly string[],
): ResolvedInlineSkips {
  const byResource = new Map<string, InlineSuppression[]>();
  const issues: SourceIssue[] = [];
  if (skips.length === 0) return { byResource, issues };
  const known = new Set(ruleIds);
  const targets = new Map<string, string[]>();
  const addTarget = (location: Location | undefined, ids: string[]) => {
    if (!location?.line) return;
    const key = `${location.file}:${location.line}`;
    targets.set(key, [...(targets.get(key) ?? []), ...ids]);
  };
  for (const cluster of inventory.clusters)
    addTarget(cluster.location, [cluster.id, ...cluster.instanceGroups.map((group) => group.id)]);
  for (const key of inventory.keys) addTarget(key.location, [key.arn]);

  for (const skip of skips) {
    const where = `${skip.via === 'comment' ? 'skip comment' : 'Metadata skip'} on ${skip.resource}`;
    if (!known.has(skip.ruleId)) {
      issues.push({
        code: 'iac.skip_unknown_rule',
        severity: 'warning',
        message: `${where} names "${skip.ruleId}", which is not a rule: not honoured`,
        hint: 'use a rule id from `hyperpod-cmk rules`',
        location: at(skip),
      });
      continue;
    }
    if (skip.reason.trim() === '') {
      issues.push({
        code: 'iac.skip_no_reason',
        severity: 'warning',
        message: `${where} skips ${skip.ruleId} without a reason: not honoured`,
        hint:
          skip.via === 'comment'
            ? `write the reason after the rule id: # hyperpod-cmk:skip=${skip.ruleId} <why this is accepted>`
            : `give the skip a reason: {id: ${skip.ruleId}, reason: <why this is accepted>}`,
        location: at(skip),
      });
      continue;
    }
    const ids = targets.get(`${skip.file}:${skip.resourceLine}`);
    if (!ids) {
      issues.push({
        code: 'iac.skip_no_resource',
        severity: 'warning',
        message: `${where} skips ${skip.ruleId}, but ${skip.resource} is not a HyperPod cluster or KMS key: not honoured`,
        hint: 'put the skip on (or just above) the cluster or key resource whose finding it accepts',
        location: at(skip),
      });
      continue;
    }
    for (const id of ids)
      byResource.set(id, [
        ...(byResource.get(id) ?? []),
        { ruleId: skip.ruleId, reason: skip.reason.trim(), location: at(skip) },
      ]);
  }
  return { byResource, issues };
}
