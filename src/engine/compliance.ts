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

function judge(findings: Iterable<Finding>): {
  status: ComplianceStatus;
  failing: Set<string>;
  unknown: Set<string>;
  excepted: Set<string>;
} {
  const failing = new Set<string>();
  const unknown = new Set<string>();
  const excepted = new Set<string>();
  for (const finding of findings) {
    if (finding.status === 'UNKNOWN') unknown.add(finding.ruleId);
    else if (finding.status === 'FAIL') (finding.suppressed ? excepted : failing).add(finding.ruleId);
  }
  const status: ComplianceStatus =
    failing.size > 0
      ? 'non-compliant'
      : unknown.size > 0
        ? 'unknown'
        : excepted.size > 0
          ? 'compliant-by-exception'
          : 'compliant';
  return { status, failing, unknown, excepted };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function rollUpCompliance(inventory: Inventory, findings: readonly Finding[]): ComplianceReport {
  const byCluster = new Map<string, Finding[]>();
  const byGroup = new Map<string, Finding[]>();
  const byKey = new Map<string, Finding[]>();
  const groupCluster = new Map<string, string>();
  for (const cluster of inventory.clusters) {
    for (const group of cluster.instanceGroups) groupCluster.set(group.id, cluster.id);
    groupCluster.set(`${cluster.id}/instance-group/*`, cluster.id);
  }
  for (const finding of findings) {
    const { type, id } = finding.resource;
    if (type === 'cluster') push(byCluster, id, finding);
    else if (type === 'instance-group') {
      if (id.endsWith('/instance-group/*')) push(byCluster, groupCluster.get(id) ?? id, finding);
      else push(byGroup, id, finding);
    } else if (type === 'kms-key') push(byKey, id, finding);
  }

  const clusters: ClusterCompliance[] = [];
  const instanceGroups: InstanceGroupCompliance[] = [];
  for (const cluster of inventory.clusters) {
    const clusterFindings = byCluster.get(cluster.id) ?? [];
    const all: Finding[] = [...clusterFindings];
    for (const group of cluster.instanceGroups) {
      const keyArns = new Set<string>();
      if (!isUnresolved(group.volumes)) {
        for (const volume of group.volumes)
          if (volume.resolution?.status === 'resolved') keyArns.add(volume.resolution.keyArn);
      }
      const groupFindings = [...(byGroup.get(group.id) ?? [])];
      for (const arn of keyArns) groupFindings.push(...(byKey.get(arn) ?? []));
      all.push(...groupFindings);
      const verdict = judge([...groupFindings, ...clusterFindings]);
      instanceGroups.push({
        id: group.id,
        cluster: cluster.id,
        name: group.name,
        account: cluster.account,
        region: cluster.region,
        status: verdict.status,
      });
    }
    const verdict = judge(all);
    clusters.push({
      id: cluster.id,
      name: cluster.name,
      account: cluster.account,
      region: cluster.region,
      status: verdict.status,
      instanceGroups: cluster.instanceGroups.length,
      failing: [...verdict.failing].sort(),
      unknown: [...verdict.unknown].sort(),
      excepted: [...verdict.excepted].sort(),
    });
  }
  return { clusters, instanceGroups };
}
