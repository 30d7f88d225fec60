/**
 * The saved scans as `history` lists them: one row per scan, and the document `history --format
 * json` prints (schemaVersion 1). The zod schema is the contract: the types are inferred from it,
 * and it generates the published schemas/history.schema.json. Pure.
 */
import { z } from 'zod';
import { shardLabel } from '../model/shard.js';
import type { ScanEntry } from './types.js';

export const HISTORY_LISTING_SCHEMA_VERSION = 1;

const HistoryScanSchema = z
  .object({
    id: z.number().int().describe('the scan id in the history'),
    time: z.string().describe('when the scan finished, ISO-8601'),
    source: z
      .string()
      .describe(
        'what was scanned: live, snapshot, cloudformation, terraform, terraform-plan, cli-json, iac, or detection-lambda',
      ),
    accounts: z.array(z.string()),
    regions: z.array(z.string()),
    inputs: z.array(z.string()).describe('the files or snapshot the scan read'),
    clusters: z.number().int(),
    clusterCompliancePct: z
      .number()
      .nullable()
      .describe('(compliant + by exception) / clusters, one decimal; null when the scan examined none'),
    instanceGroups: z.number().int(),
    instanceGroupCompliancePct: z
      .number()
      .nullable()
      .describe('compliant / instance groups, one decimal; null when the scan examined none'),
    incomplete: z
      .array(z.string())
      .describe('scopes (aws:<account>:<region>) the scan could not collect in full; empty when complete'),
    fail: z.number().int(),
    unknown: z.number().int(),
    suppressed: z.number().int(),
    toolVersion: z.string(),
    round: z.string().nullable().describe('the round of a sharded scan (scan --round); null when unsharded'),
    shard: z
      .string()
      .regex(/^\d+\/\d+$/)
      .nullable()
      .describe('K/N of a sharded scan (scan --shard K/N); null when unsharded'),
  })
  .strict();
export type HistoryScan = z.infer<typeof HistoryScanSchema>;

const IncompleteRoundSchema = z
  .object({
    id: z.string().describe('the round id (scan --round)'),
    shards: z.number().int().describe('N of --shard K/N'),
    missing: z.array(z.number().int()).describe('the shards (K) of the round not in history'),
  })
  .strict();

export const HistoryListingSchema = z
  .object({
    schemaVersion: z.literal(HISTORY_LISTING_SCHEMA_VERSION),
    kind: z.literal('hyperpod-cmk-history-scans'),
    database: z
      .string()
      .describe('the history read: a SQLite file, or a PostgreSQL URL with its password as ***'),
    scans: z.array(HistoryScanSchema).describe('oldest first, within --since and --now'),
    incompleteRound: IncompleteRoundSchema.optional().describe(
      'the latest round of a sharded scan is missing shards (scan --org --shard K/N --round ID completes it)',
    ),
  })
  .strict();
export type HistoryListing = z.infer<typeof HistoryListingSchema>;

/** A saved scan as a row of the listing. */
export const historyScan = (scan: ScanEntry): HistoryScan => ({
  id: scan.id,
  time: scan.finishedAt,
  source: scan.source,
  accounts: scan.accounts,
  regions: scan.regions,
  inputs: scan.inputs,
  clusters: scan.summary.clusters,
  // Scans of nothing were saved as 100% before that was corrected: never show them so.
  clusterCompliancePct: scan.summary.clusters ? scan.summary.clusterCompliancePct : null,
  instanceGroups: scan.summary.instanceGroups,
  instanceGroupCompliancePct: scan.summary.instanceGroups ? scan.summary.instanceGroupCompliancePct : null,
  incomplete: scan.incomplete ?? [],
  fail: scan.summary.fail,
  unknown: scan.summary.unknown,
  suppressed: scan.summary.suppressed,
  toolVersion: scan.toolVersion,
  round: scan.shard?.round ?? null,
  shard: scan.shard ? shardLabel(scan.shard) : null,
});

/** The listing as a versioned document. */
export const historyListing = (
  database: string,
  scans: HistoryScan[],
  incompleteRound: HistoryListing['incompleteRound'],
): HistoryListing => ({
  schemaVersion: HISTORY_LISTING_SCHEMA_VERSION,
  kind: 'hyperpod-cmk-history-scans',
  database,
  scans,
  ...(incompleteRound ? { incompleteRound } : {}),
});
