/**
 * The headline KPI, exactly as DESIGN.md defines it: a cluster is compliant when every applicable
 * rule on the cluster, on its instance groups, and on the keys those groups use is PASS.
 * Suppressed failures make it "compliant by exception", reported apart. UNKNOWN is never compliant.
 * An instance group is judged the same way over its own findings, its cluster's and its keys'.
 */
import type { Finding } from '../model/finding.js';
import type { Inventory } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import type { ClusterCompliance, ComplianceStatus, InstanceGroupCompliance } from '../model/report.js';

export interface ComplianceReport {
  clusters: ClusterCompliance[];
  instanceGroups: InstanceGroupCompliance[];
}

/** The rule ids a resource's findings fail, leave unknown, or fail but suppressed. */
interface Tally {
  failing: Set<string>;
  unknown: Set<string>;
  excepted: Set<string>;
}

const newTally = (): Tally => ({ failing: new Set(), unknown: new Set(), excepted: new Set() });

function add(tally: Tally, finding: Finding): void {
  if (finding.status !== 'FAIL' && finding.status !== 'UNKNOWN') return;
  // A suppressed UNKNOWN is an accepted gap: an exception, as the exit code and summary treat it.
  if (finding.suppressed) tally.excepted.add(finding.ruleId);
  else (finding.status === 'FAIL' ? tally.failing : tally.unknown).add(finding.ruleId);
}

const RANK: Record<ComplianceStatus, number> = {
  compliant: 0,
  'compliant-by-exception': 1,
  unknown: 2,
  'non-compliant': 3,
};
const BY_RANK: ComplianceStatus[] = ['compliant', 'compliant-by-exception', 'unknown', 'non-compliant'];

function statusOf(tally: Tally | undefined): ComplianceStatus {
  if (!tally) return 'compliant';
  if (tally.failing.size > 0) return 'non-compliant';
  if (tally.unknown.size > 0) return 'unknown';
  return tally.excepted.size > 0 ? 'compliant-by-exception' : 'compliant';
}

/** The combined status of several resources: the worst of theirs (tallies are never merged per group). */
const worst = (tallies: Iterable<Tally | undefined>): ComplianceStatus => {
  let rank = 0;
  for (const tally of tallies) rank = Math.max(rank, RANK[statusOf(tally)]);
  return BY_RANK[rank]!;
};

/** The rule ids behind a group's status (history breaks compliance down by rule and severity). */
interface RuleIds {
  failing: string[];
  unknown: string[];
  excepted: string[];
}

const NO_RULE_IDS: RuleIds = Object.freeze({
  failing: Object.freeze([]) as unknown as string[],
  unknown: Object.freeze([]) as unknown as string[],
  excepted: Object.freeze([]) as unknown as string[],
});
const sortedOf = new WeakMap<Tally, RuleIds>();

const isEmpty = (tally: Tally | undefined): boolean =>
  !tally || (tally.failing.size === 0 && tally.unknown.size === 0 && tally.excepted.size === 0);

/**
 * The rule ids of several tallies together. Most groups have nothing failing, and most of the
 * rest one tally that says it all: those share their arrays rather than build new ones.
 */
function ruleIds(tallies: readonly (Tally | undefined)[]): RuleIds {
  const nonEmpty = tallies.filter((tally): tally is Tally => !isEmpty(tally));
  if (nonEmpty.length === 0) return NO_RULE_IDS;
  if (nonEmpty.length === 1) {
    const [tally] = nonEmpty as [Tally];
    let ids = sortedOf.get(tally);
    if (!ids) {
      ids = {
        failing: [...tally.failing].sort(),
        unknown: [...tally.unknown].sort(),
        excepted: [...tally.excepted].sort(),
      };
      sortedOf.set(tally, ids);
    }
    return ids;
  }
  const union = newTally();
  for (const tally of nonEmpty) {
    for (const id of tally.failing) union.failing.add(id);
    for (const id of tally.unknown) union.unknown.add(id);
    for (const id of tally.excepted) union.excepted.add(id);
  }
  return {
    failing: [...union.failing].sort(),
    unknown: [...union.unknown].sort(),
    excepted: [...union.excepted].sort(),
  };
}

function tallyInto(map: Map<string, Tally>, id: string, finding: Finding): void {
  let tally = map.get(id);
  if (!tally) {
    tally = newTally();
    map.set(id, tally);
  }
  add(tally, finding);
}

export function rollUpCompliance(inventory: Inventory, findings: readonly Finding[]): ComplianceReport {
  const byCluster = new Map<string, Tally>();
  const byGroup = new Map<string, Tally>();
  const byKey = new Map<string, Tally>();
  // A rule that crashed judged nothing: its error finding stands against every cluster and group
  // (account rules excepted, as account findings never count towards cluster compliance).
  let everywhere: Tally | undefined;
  for (const finding of findings) {
    if (finding.status !== 'FAIL' && finding.status !== 'UNKNOWN') continue;
    const { type, id } = finding.resource;
    if (finding.messageId === 'ruleError' && id.startsWith('rule:')) {
      if (type === 'account') continue;
      everywhere ??= newTally();
      add(everywhere, finding);
    } else if (type === 'cluster') tallyInto(byCluster, id, finding);
    else if (type === 'instance-group') {
      // The stand-in for instance groups that could not be known belongs to the cluster.
      if (id.endsWith('/instance-group/*'))
        tallyInto(byCluster, id.slice(0, -'/instance-group/*'.length), finding);
      else tallyInto(byGroup, id, finding);
    } else if (type === 'kms-key') tallyInto(byKey, id, finding);
  }

  const clusters: ClusterCompliance[] = [];
  const instanceGroups: InstanceGroupCompliance[] = [];
  for (const cluster of inventory.clusters) {
    const clusterTally = byCluster.get(cluster.id);
    const parts = new Set<Tally>();
    if (clusterTally) parts.add(clusterTally);
    if (everywhere) parts.add(everywhere);
    for (const group of cluster.instanceGroups) {
      const groupParts: (Tally | undefined)[] = [everywhere, clusterTally, byGroup.get(group.id)];
      if (!isUnresolved(group.volumes)) {
        for (const volume of group.volumes) {
          if (volume.resolution?.status === 'resolved') groupParts.push(byKey.get(volume.resolution.keyArn));
        }
      }
      for (const part of groupParts) if (part) parts.add(part);
      instanceGroups.push({
        id: group.id,
        cluster: cluster.id,
        name: group.name,
        account: cluster.account,
        region: cluster.region,
        status: worst(groupParts),
        ...ruleIds(groupParts),
      });
    }
    const union = newTally();
    for (const part of parts) {
      for (const id of part.failing) union.failing.add(id);
      for (const id of part.unknown) union.unknown.add(id);
      for (const id of part.excepted) union.excepted.add(id);
    }
    clusters.push({
      id: cluster.id,
      name: cluster.name,
      account: cluster.account,
      region: cluster.region,
      status: statusOf(union),
      instanceGroups: cluster.instanceGroups.length,
      failing: [...union.failing].sort(),
      unknown: [...union.unknown].sort(),
      excepted: [...union.excepted].sort(),
      ...(cluster.tags && !isUnresolved(cluster.tags) ? { tags: cluster.tags } : {}),
    });
  }
  return { clusters, instanceGroups };
}
