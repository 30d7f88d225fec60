/** Builds the schemaVersion 1 report that every reporter renders from. */
import { createHash } from 'node:crypto';
import type { Evaluation } from '../engine/evaluate.js';
import type { SourceIssue } from '../model/finding.js';
import type { Inventory } from '../model/inventory.js';
import { REPORT_SCHEMA_VERSION, type Report } from '../model/report.js';
import { TOOL_VERSION } from '../version.js';

export interface ReportInput {
  inventory: Inventory;
  evaluation: Evaluation;
  startedAt: Date;
  finishedAt: Date;
  issues?: readonly SourceIssue[];
  inputs?: readonly string[];
}

/** A scan id that is stable for the same inputs and clock, so reports of the same run agree. */
function scanId(input: ReportInput): string {
  return createHash('sha256')
    .update(
      `${input.inventory.source}|${input.startedAt.toISOString()}|${input.inventory.generatedAt}|${(input.inputs ?? []).join(',')}`,
    )
    .digest('hex')
    .slice(0, 16);
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
      startedAt: input.startedAt.toISOString(),
      finishedAt: input.finishedAt.toISOString(),
      accounts: inventory.accounts.map((account) => account.id),
      regions: [...regions].sort(),
      ...(input.inputs ? { inputs: [...input.inputs] } : {}),
    },
    summary: evaluation.summary,
    clusters: evaluation.compliance.clusters,
    findings: evaluation.findings,
    gaps: inventory.gaps,
    issues: [...(input.issues ?? [])],
  };
}
