/**
 * The JSON report, schemaVersion 1: the stable contract for machines (DESIGN.md). The zod schema
 * generates the published `schemas/report.schema.json`; tests validate every JSON report against
 * that published file with an independent validator.
 */
import { z } from 'zod';
import { FindingSchema, SEVERITIES, SourceIssueSchema } from './finding.js';
import {
  GapSchema,
  KeyUsageCountSchema,
  ScanSourceSchema,
  SourceSchema,
  TagsSchema,
  VolumeRoleSchema,
} from './inventory.js';

export const REPORT_SCHEMA_VERSION = 1;

export const ComplianceStatusSchema = z.enum([
  'compliant',
  'compliant-by-exception',
  'non-compliant',
  'unknown',
]);
export type ComplianceStatus = z.infer<typeof ComplianceStatusSchema>;

export const SummarySchema = z
  .object({
    clusters: z.number().int(),
    compliantClusters: z.number().int().describe('clusters where every applicable rule passed'),
    compliantByException: z
      .number()
      .int()
      .describe('clusters compliant only because failures are suppressed'),
    unknownClusters: z.number().int(),
    clusterCompliancePct: z
      .number()
      .nullable()
      .describe('(compliant + by exception) / clusters, one decimal; null when no cluster was examined'),
    instanceGroups: z.number().int(),
    compliantInstanceGroups: z.number().int(),
    instanceGroupCompliancePct: z
      .number()
      .nullable()
      .describe('compliant / instance groups, one decimal; null when no instance group was examined'),
    keys: z.number().int(),
    pass: z.number().int(),
    fail: z.number().int().describe('unsuppressed FAIL findings'),
    notApplicable: z.number().int(),
    unknown: z.number().int().describe('unsuppressed UNKNOWN findings'),
    suppressed: z.number().int(),
    baseline: z
      .number()
      .int()
      .optional()
      .describe('FAIL and UNKNOWN findings recorded in the --baseline file (not in fail or unknown)'),
    expiredSuppressions: z.number().int(),
    failBySeverity: z
      .object(
        Object.fromEntries(SEVERITIES.map((s) => [s, z.number().int()])) as Record<
          (typeof SEVERITIES)[number],
          z.ZodNumber
        >,
      )
      .strict(),
  })
  .strict();
export type Summary = z.infer<typeof SummarySchema>;

export const ClusterComplianceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    account: z.string(),
    region: z.string(),
    status: ComplianceStatusSchema,
    instanceGroups: z.number().int(),
    failing: z
      .array(z.string())
      .describe('rule ids with an unsuppressed FAIL on the cluster, its groups or their keys'),
    unknown: z.array(z.string()),
    excepted: z.array(z.string()).describe('rule ids whose failures are suppressed'),
    tags: TagsSchema.optional().describe('the cluster tags, when they were read (for breakdowns by project)'),
  })
  .strict();
export type ClusterCompliance = z.infer<typeof ClusterComplianceSchema>;

export const InstanceGroupComplianceSchema = z
  .object({
    id: z.string(),
    cluster: z.string(),
    name: z.string(),
    account: z.string(),
    region: z.string(),
    status: ComplianceStatusSchema,
    failing: z
      .array(z.string())
      .optional()
      .describe('rule ids with an unsuppressed FAIL on the group, its cluster or its keys'),
    unknown: z.array(z.string()).optional(),
    excepted: z.array(z.string()).optional(),
  })
  .strict();
export type InstanceGroupCompliance = z.infer<typeof InstanceGroupComplianceSchema>;

/** A key that HyperPod volumes use (or that config selects): what the cost model and the key map need. */
export const KeySummarySchema = z
  .object({
    arn: z.string(),
    aliases: z.array(z.string()),
    account: z.string(),
    region: z.string(),
    keyManager: z.enum(['AWS', 'CUSTOMER']).optional().describe('absent when unknown'),
    keyState: z.string().optional(),
    creationDate: z.string().optional(),
    deletionDate: z.string().optional(),
    multiRegion: z.boolean().optional(),
    rotationEnabled: z.boolean().optional(),
    rotationCount: z.number().int().nonnegative().optional(),
    tags: TagsSchema.optional(),
    usage: z.array(KeyUsageCountSchema).optional().describe('KMS requests per month'),
    usedBy: z
      .array(
        z
          .object({
            cluster: z.string().describe('cluster id'),
            clusterName: z.string(),
            instanceGroup: z.string().describe('instance group name'),
            volume: VolumeRoleSchema,
          })
          .strict(),
      )
      .describe('the HyperPod volumes encrypted under this key'),
  })
  .strict();
export type KeySummary = z.infer<typeof KeySummarySchema>;

export const ScanInfoSchema = z
  .object({
    id: z.string(),
    source: ScanSourceSchema,
    sources: z
      .array(SourceSchema)
      .optional()
      .describe(
        'the formats the resources of a scan of several (source iac) came from, e.g. cloudformation and terraform',
      ),
    startedAt: z.string(),
    finishedAt: z.string(),
    accounts: z.array(z.string()),
    regions: z.array(z.string()),
    inputs: z.array(z.string()).optional().describe('files or directories read (IaC, snapshots)'),
    shard: z
      .object({
        index: z.number().int().min(1).describe('K of --shard K/N (1-based)'),
        count: z.number().int().min(1).describe('N of --shard K/N'),
        round: z
          .string()
          .describe('the round (one scheduled run) whose shards together cover the organization'),
      })
      .strict()
      .optional()
      .describe(
        'an organization scan of one shard (scan --org --shard K/N): the accounts whose sha256(account id) mod N is K - 1',
      ),
  })
  .strict();
export type ScanInfo = z.infer<typeof ScanInfoSchema>;

/** The scan's source as a reader says it: `cloudformation + terraform` for a scan of both. */
export const scanSourceLabel = (scan: Pick<ScanInfo, 'source' | 'sources'>): string =>
  scan.sources && scan.sources.length > 0 ? scan.sources.join(' + ') : scan.source;

export const ReportSchema = z
  .object({
    $schema: z.string().optional(),
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    tool: z.object({ name: z.literal('hyperpod-cmk'), version: z.string() }).strict(),
    scan: ScanInfoSchema,
    summary: SummarySchema,
    clusters: z.array(ClusterComplianceSchema).describe('per-cluster compliance roll-up'),
    instanceGroups: z
      .array(InstanceGroupComplianceSchema)
      .optional()
      .describe('per-instance-group compliance roll-up'),
    keys: z
      .array(KeySummarySchema)
      .optional()
      .describe('the keys in the inventory and the volumes that use them (key map, cost model)'),
    findings: z.array(FindingSchema),
    gaps: z.array(GapSchema),
    issues: z
      .array(SourceIssueSchema)
      .describe('problems reading the inputs (IaC parse errors, unreadable files)'),
  })
  .strict();
export type Report = z.infer<typeof ReportSchema>;
