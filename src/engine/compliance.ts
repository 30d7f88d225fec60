/**
 * The headline KPI, exactly as DESIGN.md defines it: a cluster is compliant when every applicable
 * rule on the cluster, on its instance groups, and on the keys those groups use is PASS.
 * Suppressed failures make it "compliant by exception", reported apart. UNKNOWN is never compliant.
 * An instance group is judged the same way over its own findings, its cluster's and its keys'.
 * A group uses the keys it names only where HyperPod honours them (`keysHonoured`): never a
 * restricted group nor one of a cluster known to be outside Continuous mode (smcluster-cmk.html).
 */
import type { Finding } from '../model/finding.js';
import type { Inventory } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import { keysHonoured } from '../model/inventory-index.js';
import type { ClusterCompliance, ComplianceStatus, InstanceGroupCompliance } from '../model/report.js';

export interface ComplianceReport {
  clusters: ClusterCompliance[];
  instanceGroups: InstanceGroupCompliance[];
}

/**
 * Tallies in bit sets: each rule id that fails or is unknown somewhere gets a bit, and each
 * resource with such findings gets a slot of three bit sets in one array (failing, unknown,
 * excepted: the rule ids its findings fail, leave unknown, or fail but suppressed). At 100,000
 * instance groups this is one array instead of hundreds of thousands of Sets, and the sorted
 * rule-id lists are made once per combination of bits, shared by every resource that has it.
 */
class Tallies {
  /** The rule ids that have a bit, by bit. */
  readonly ids: string[] = [];
  private readonly bitOf = new Map<string, number>();
  /** 32-bit words per bit set; fixed before the first slot is made. */
  private words = 0;
  /** Slot `s` holds its failing words at s * 3 * words, then its unknown words, then excepted. */
  private bits = new Uint32Array(0);
  private slots = 0;
  private readonly lists = new Map<string, RuleIds>();

  /** Gives every rule id a bit; called for each FAIL or UNKNOWN finding before any slot is made. */
  register(ruleId: string): void {
    if (this.bitOf.has(ruleId)) return;
    this.bitOf.set(ruleId, this.ids.length);
    this.ids.push(ruleId);
  }

  private get stride(): number {
    return 3 * this.words;
  }

  /** A new, empty slot. */
  slot(): number {
    if (this.words === 0) this.words = Math.max(1, Math.ceil(this.ids.length / 32));
    const needed = (this.slots + 1) * this.stride;
    if (needed > this.bits.length) {
      const grown = new Uint32Array(Math.max(needed, this.bits.length * 2, 1024));
      grown.set(this.bits);
      this.bits = grown;
    }
    return this.slots++;
  }

  private lastRuleId: string | undefined;
  private lastBit = 0;

  add(slot: number, finding: Finding): void {
    if (finding.status !== 'FAIL' && finding.status !== 'UNKNOWN') return;
    // Findings come rule by rule: most have the last one's rule id.
    if (finding.ruleId !== this.lastRuleId) {
      this.lastRuleId = finding.ruleId;
      this.lastBit = this.bitOf.get(finding.ruleId)!;
    }
    const bit = this.lastBit;
    // A suppressed UNKNOWN is an accepted gap: an exception, as the exit code and summary treat it.
    const set = finding.suppressed ? 2 : finding.status === 'FAIL' ? 0 : 1;
    this.bits[slot * this.stride + set * this.words + (bit >>> 5)]! |= 1 << (bit & 31);
  }

  /** The union of some slots' bit sets (-1 and repeated slots are skipped), in `into`. */
  union(slots: Iterable<number>, into: Uint32Array): Uint32Array {
    into.fill(0);
    for (const slot of slots) {
      if (slot < 0) continue;
      const base = slot * this.stride;
      for (let i = 0; i < into.length; i++) into[i]! |= this.bits[base + i]!;
    }
    return into;
  }

  scratch(): Uint32Array {
    return new Uint32Array(Math.max(1, this.stride));
  }

  status(union: Uint32Array): ComplianceStatus {
    if (this.any(union, 0)) return 'non-compliant';
    if (this.any(union, 1)) return 'unknown';
    return this.any(union, 2) ? 'compliant-by-exception' : 'compliant';
  }

  private any(union: Uint32Array, set: number): boolean {
    for (let i = set * this.words; i < (set + 1) * this.words; i++) if (union[i] !== 0) return true;
    return false;
  }

  /** The sorted rule ids of a union: shared, frozen lists, one per combination of bits. */
  ruleIds(union: Uint32Array): RuleIds {
    const cacheKey = union.join(',');
    let ids = this.lists.get(cacheKey);
    if (!ids) {
      ids = {
        failing: this.idsOf(union, 0),
        unknown: this.idsOf(union, 1),
        excepted: this.idsOf(union, 2),
      };
      this.lists.set(cacheKey, ids);
    }
    return ids;
  }

  private idsOf(union: Uint32Array, set: number): string[] {
    const ids: string[] = [];
    for (let bit = 0; bit < this.ids.length; bit++) {
      if ((union[set * this.words + (bit >>> 5)]! >>> (bit & 31)) & 1) ids.push(this.ids[bit]!);
    }
    return Object.freeze(ids.sort()) as string[];
  }
}

/** The rule ids behind a resource's status (history breaks compliance down by rule and severity). */
interface RuleIds {
  failing: string[];
  unknown: string[];
  excepted: string[];
}

const judged = (finding: Finding) => finding.status === 'FAIL' || finding.status === 'UNKNOWN';

export function rollUpCompliance(inventory: Inventory, findings: readonly Finding[]): ComplianceReport {
  const tallies = new Tallies();
  let last: string | undefined;
  for (const finding of findings) {
    // Findings come rule by rule: most share the last one's rule id.
    if (judged(finding) && finding.ruleId !== last) {
      tallies.register(finding.ruleId);
      last = finding.ruleId;
    }
  }
  const byCluster = new Map<string, number>();
  const byGroup = new Map<string, number>();
  const byKey = new Map<string, number>();
  const tallyInto = (map: Map<string, number>, id: string, finding: Finding) => {
    let slot = map.get(id);
    if (slot === undefined) {
      slot = tallies.slot();
      map.set(id, slot);
    }
    tallies.add(slot, finding);
  };
  // A rule that crashed judged nothing: its error finding stands against every cluster and group
  // (account rules excepted, as account findings never count towards cluster compliance).
  let everywhere = -1;
  for (const finding of findings) {
    if (!judged(finding)) continue;
    const { type, id } = finding.resource;
    if (finding.messageId === 'ruleError' && id.startsWith('rule:')) {
      if (type === 'account') continue;
      if (everywhere < 0) everywhere = tallies.slot();
      tallies.add(everywhere, finding);
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
  const groupUnion = tallies.scratch();
  const clusterUnion = tallies.scratch();
  const groupSlots: number[] = [];
  for (const cluster of inventory.clusters) {
    const clusterSlot = byCluster.get(cluster.id) ?? -1;
    // The cluster's union: its own findings, the crashed rules', and every part of every group.
    tallies.union([clusterSlot, everywhere], clusterUnion);
    for (const group of cluster.instanceGroups) {
      groupSlots.length = 0;
      groupSlots.push(everywhere, clusterSlot, byGroup.get(group.id) ?? -1);
      if (!isUnresolved(group.volumes) && keysHonoured(cluster, group) !== false) {
        for (const volume of group.volumes) {
          if (volume.resolution?.status === 'resolved')
            groupSlots.push(byKey.get(volume.resolution.keyArn) ?? -1);
        }
      }
      tallies.union(groupSlots, groupUnion);
      for (let i = 0; i < groupUnion.length; i++) clusterUnion[i]! |= groupUnion[i]!;
      instanceGroups.push({
        id: group.id,
        cluster: cluster.id,
        name: group.name,
        account: cluster.account,
        region: cluster.region,
        status: tallies.status(groupUnion),
        ...tallies.ruleIds(groupUnion),
      });
    }
    const ids = tallies.ruleIds(clusterUnion);
    clusters.push({
      id: cluster.id,
      name: cluster.name,
      account: cluster.account,
      region: cluster.region,
      status: tallies.status(clusterUnion),
      instanceGroups: cluster.instanceGroups.length,
      failing: ids.failing,
      unknown: ids.unknown,
      excepted: ids.excepted,
      ...(cluster.tags && !isUnresolved(cluster.tags) ? { tags: cluster.tags } : {}),
    });
  }
  return { clusters, instanceGroups };
}
