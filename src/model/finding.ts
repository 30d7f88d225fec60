/**
 * Verdicts, findings and the typed issues that sources report. Findings are part of the published
 * JSON report contract, so their zod schemas generate `schemas/report.schema.json`.
 */
import { z } from 'zod';
import { LocationSchema } from './inventory.js';

export const STATUSES = ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'] as const;
export const StatusSchema = z.enum(STATUSES);
export type Status = z.infer<typeof StatusSchema>;

/** Most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

export const severityRank = (severity: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(severity);

export const RESOURCE_TYPES = ['cluster', 'instance-group', 'kms-key', 'account'] as const;
export const ResourceTypeSchema = z.enum(RESOURCE_TYPES);
export type ResourceType = z.infer<typeof ResourceTypeSchema>;

export const ResourceRefSchema = z
  .object({
    type: ResourceTypeSchema,
    id: z
      .string()
      .describe('cluster ARN, <cluster ARN>/instance-group/<name>, key ARN, account id; <file>#<id> for IaC'),
    account: z.string().optional(),
    region: z.string().optional(),
    cluster: z.string().optional().describe('cluster name'),
    instanceGroup: z.string().optional().describe('instance group name'),
    keyArn: z.string().optional(),
    location: LocationSchema.optional(),
  })
  .strict();
export type ResourceRef = z.infer<typeof ResourceRefSchema>;

export const SuppressionSchema = z
  .object({
    reason: z.string(),
    expires: z.string().nullable().describe('ISO-8601 date, or null when it does not expire'),
    source: z
      .enum(['config', 'inline'])
      .optional()
      .describe('where the suppression was written: the config file, or an inline skip in the IaC itself'),
    location: LocationSchema.optional().describe('where an inline skip was written'),
  })
  .strict();
export type Suppression = z.infer<typeof SuppressionSchema>;

export const FindingSchema = z
  .object({
    ruleId: z.string(),
    status: StatusSchema,
    severity: SeveritySchema,
    messageId: z.string().describe('stable id of the message template'),
    message: z.string(),
    remediation: z.string(),
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .describe('stable across scans for the same rule and resource'),
    resource: ResourceRefSchema,
    evidence: z.record(z.string(), z.unknown()),
    suppressed: SuppressionSchema.nullable().describe(
      'set when a suppression matched: the finding stays, marked',
    ),
    suppressionExpired: SuppressionSchema.optional().describe(
      'a matching suppression that has expired and no longer suppresses',
    ),
    baseline: z
      .literal(true)
      .optional()
      .describe('recorded in the --baseline file: reported, counted apart, does not fail the run'),
  })
  .strict();
export type Finding = z.infer<typeof FindingSchema>;

/** A problem a source met (a parse error, an unreadable file): typed, with a hint for the user. */
export const SourceIssueSchema = z
  .object({
    code: z.string().describe('e.g. cfn.parse, tf.unresolved_reference, input.too_large'),
    severity: z.enum(['error', 'warning']),
    message: z.string(),
    hint: z.string().optional(),
    location: LocationSchema.optional(),
  })
  .strict();
export type SourceIssue = z.infer<typeof SourceIssueSchema>;
