/** Builds the schemaVersion 1 report that every reporter renders from. */
import { createHash } from 'node:crypto';
import type { SourceIssue } from '../model/finding.js';
import type { Inventory, Unresolved } from '../model/inventory.js';
import { isUnresolved, resourceSources } from '../model/inventory.js';
import { keysHonoured } from '../model/inventory-index.js';
import { type KeySummary, REPORT_SCHEMA_VERSION, type Report } from '../model/report.js';
import type { ShardOfRound } from '../model/shard.js';
import { TOOL_VERSION } from '../version.js';
import type { Evaluation } from './evaluate.js';

export interface ReportInput {
  inventory: Inventory;
  evaluation: Evaluation;
  startedAt: Date;
  finishedAt: Date;
  issues?: readonly SourceIssue[];
  inputs?: readonly string[];
  /**
   * What identifies the input in place of its names (a snapshot's digest): the same snapshot read
   * through any path, or copied elsewhere, is one scan.
   */
  inputDigest?: string;
  shard?: ShardOfRound;
}

/** A scan id that is stable for the same inputs and clock, so reports of the same run agree. */
function scanId(input: ReportInput): string {
  const { shard } = input;
  return createHash('sha256')
    .update(
      `${input.inventory.source}|${input.startedAt.toISOString()}|${input.inventory.generatedAt}|${input.inputDigest ?? (input.inputs ?? []).join(',')}` +
        // The shards of a round may share a clock: each is a scan of its own.
        (shard ? `|shard:${shard.index}/${shard.count}@${shard.round}` : ''),
    )
    .digest('hex')
    .slice(0, 16);
}

function known<T>(value: T | Unresolved | undefined): T | undefined {
  return value === undefined || isUnresolved(value) ? undefined : (value as T);
}

/** The keys of the inventory with the volumes that use them: the key map and the cost model read it. */
export function keySummaries(inventory: Inventory): KeySummary[] {
  const usedBy = new Map<string, KeySummary['usedBy']>();
  for (const cluster of inventory.clusters) {
    for (const group of cluster.instanceGroups) {
      if (isUnresolved(group.volumes)) continue;
      // A restricted group's volumes, and those of a cluster outside Continuous mode, are on an
      // AWS owned key whatever key they name (smcluster-cmk.html).
      if (keysHonoured(cluster, group) === false) continue;
      for (const volume of group.volumes) {
        if (volume.resolution?.status !== 'resolved') continue;
        const list = usedBy.get(volume.resolution.keyArn) ?? [];
        list.push({
          cluster: cluster.id,
          clusterName: cluster.name,
          instanceGroup: group.name,
          volume: volume.role,
        });
        usedBy.set(volume.resolution.keyArn, list);
      }
    }
  }
  return inventory.keys.map((key) => {
    const m = key.metadata;
    const manager = known(m?.keyManager);
    const state = known(m?.keyState);
    const multiRegion = known(m?.multiRegion);
    const rotationEnabled = known(key.rotation?.enabled);
    const tags = known(key.tags);
    return {
      arn: key.arn,
      aliases: [...key.aliases],
      account: key.account,
      region: key.region,
      ...(manager ? { keyManager: manager } : {}),
      ...(state ? { keyState: state } : {}),
      ...(m?.creationDate ? { creationDate: m.creationDate } : {}),
      ...(m?.deletionDate ? { deletionDate: m.deletionDate } : {}),
      ...(multiRegion !== undefined ? { multiRegion } : {}),
      ...(rotationEnabled !== undefined ? { rotationEnabled } : {}),
      ...(key.rotation?.rotationCount !== undefined ? { rotationCount: key.rotation.rotationCount } : {}),
      ...(tags ? { tags: { ...tags } } : {}),
      ...(key.usage ? { usage: key.usage.map((u) => ({ ...u })) } : {}),
      usedBy: usedBy.get(key.arn) ?? [],
    };
  });
}

export function buildReport(input: ReportInput): Report {
  const { inventory, evaluation } = input;
  const regions = new Set<string>();
  for (const account of inventory.accounts) for (const region of account.regions) regions.add(region);
  for (const cluster of inventory.clusters) if (cluster.region) regions.add(cluster.region);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'hyperpod-cmk', version: TOOL_VERSION },
    scan: {
      id: scanId(input),
      source: inventory.source,
      ...(inventory.source === 'iac' ? { sources: resourceSources(inventory) } : {}),
      startedAt: input.startedAt.toISOString(),
      finishedAt: input.finishedAt.toISOString(),
      accounts: inventory.accounts.map((account) => account.id),
      regions: [...regions].sort(),
      ...(input.inputs ? { inputs: [...input.inputs] } : {}),
      ...(input.shard ? { shard: { ...input.shard } } : {}),
    },
    summary: evaluation.summary,
    clusters: evaluation.compliance.clusters,
    instanceGroups: evaluation.compliance.instanceGroups,
    keys: keySummaries(inventory),
    findings: evaluation.findings,
    gaps: inventory.gaps,
    issues: [...(input.issues ?? [])],
  };
}
