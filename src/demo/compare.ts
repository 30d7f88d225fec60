/**
 * Lines up the findings of two runs over the same estate (the bundled snapshot and a live scan of
 * it seeded into the emulator) by what the resource is to people: the cluster and instance group
 * names, the key's alias, the account. ARNs differ between the two (the emulator picks its own ids).
 */
import type { Finding } from '../model/finding.js';

export interface VerdictChange {
  ruleId: string;
  resource: string;
  before: Finding['status'];
  after: Finding['status'] | 'missing';
  message: string;
}

/** A name for a finding's resource that survives re-creation: account/cluster/group, or account/key alias. */
export function stableResourceName(finding: Finding, keyAliases: ReadonlyMap<string, string>): string {
  const r = finding.resource;
  if (r.type === 'kms-key') return `${r.account}/${keyAliases.get(r.id) ?? r.id}`;
  if (r.type === 'instance-group') return `${r.account}/${r.cluster}/${r.instanceGroup}`;
  if (r.type === 'cluster') return `${r.account}/${r.cluster}`;
  return r.id;
}

export function compareFindings(
  before: readonly Finding[],
  beforeAliases: ReadonlyMap<string, string>,
  after: readonly Finding[],
  afterAliases: ReadonlyMap<string, string>,
): VerdictChange[] {
  const index = new Map<string, Finding>();
  for (const finding of after)
    index.set(`${finding.ruleId}|${stableResourceName(finding, afterAliases)}`, finding);
  const changes: VerdictChange[] = [];
  for (const finding of before) {
    const name = stableResourceName(finding, beforeAliases);
    const match = index.get(`${finding.ruleId}|${name}`);
    if (match?.status === finding.status) continue;
    changes.push({
      ruleId: finding.ruleId,
      resource: name,
      before: finding.status,
      after: match?.status ?? 'missing',
      message: match?.message ?? '',
    });
  }
  return changes.sort((a, b) => a.resource.localeCompare(b.resource) || a.ruleId.localeCompare(b.ruleId));
}

/** Key ARN -> its first alias, for naming keys across runs. */
export function aliasesOf(keys: readonly { arn: string; aliases: readonly string[] }[]): Map<string, string> {
  return new Map(keys.flatMap((key) => (key.aliases[0] ? [[key.arn, key.aliases[0]] as const] : [])));
}
