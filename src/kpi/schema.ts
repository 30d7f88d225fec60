/**
 * The KPI report contract (`kpi --format json`, schemaVersion 1) as a zod schema: it generates the
 * published `schemas/kpi.schema.json`, and a compile-time check below keeps it equal to the
 * KpiReport type the reducers produce.
 */
import { z } from 'zod';
import { SeveritySchema, SourceIssueSchema, StatusSchema } from '../model/finding.js';
import { GapSchema } from '../model/inventory.js';
import type { KpiReport } from './index.js';
import { DIMENSIONS } from './window.js';

const Dimension = z.enum(DIMENSIONS);
const Iso = z.string().describe('ISO-8601 time');

const Figure = z
  .object({
    group: z.string(),
    total: z.number().int(),
    compliant: z.number().int(),
    byException: z.number().int(),
    unknown: z.number().int(),
    nonCompliant: z.number().int(),
    pct: z
      .number()
      .nullable()
      .describe(
        '(compliant + byException) / total, one decimal; null when total is 0 (nothing examined) or the scan was incomplete',
      ),
  })
  .strict();
const Overall = z.object({ clusters: Figure, instanceGroups: Figure }).strict();

const Round = z
  .object({
    id: z.string().describe('the round id (scan --round)'),
    shards: z.number().int().describe('N of --shard K/N'),
    missing: z
      .array(z.number().int())
      .describe('the shards (K) of the round not in history; empty when complete'),
  })
  .strict();

const Compliance = z
  .object({
    by: Dimension.optional(),
    now: z
      .object({
        incomplete: Round.optional().describe(
          'the latest round of a sharded scan is missing shards: the pct are null until it is complete',
        ),
        overall: Overall,
        clusters: z.array(Figure),
        instanceGroups: z.array(Figure),
      })
      .strict(),
    trend: z.array(
      z
        .object({
          scanId: z.number().int().describe('the scan, or the newest shard of a round'),
          at: Iso,
          round: Round.optional().describe(
            'a round of a sharded scan, its shards added up; its pct are null when shards are missing',
          ),
          incomplete: z
            .array(z.string())
            .optional()
            .describe('scopes (aws:<account>:<region>) the scan could not collect in full; its pct are null'),
          overall: Overall,
          clusters: z.array(Figure),
          instanceGroups: z.array(Figure),
        })
        .strict(),
    ),
  })
  .strict();

const Remediation = z
  .object({
    by: Dimension,
    mttr: z.array(
      z
        .object({
          group: z.string(),
          fixed: z.number().int(),
          meanDays: z.number().nullable().describe('null when nothing was fixed in the window'),
          medianDays: z.number().nullable().describe('null when nothing was fixed in the window'),
          resourceGone: z.number().int().describe('closed because the resource disappeared (not fixed)'),
          notApplicable: z
            .number()
            .int()
            .describe('closed because the rule stopped applying (NOT_APPLICABLE): not fixed'),
          notEvaluated: z.number().int(),
        })
        .strict(),
    ),
    age: z.array(
      z
        .object({
          group: z.string(),
          open: z.number().int(),
          buckets: z
            .object({
              '0-7d': z.number().int(),
              '8-30d': z.number().int(),
              '31-90d': z.number().int(),
              '>90d': z.number().int(),
            })
            .strict(),
          oldestDays: z.number(),
          suppressed: z.number().int(),
        })
        .strict(),
    ),
    open: z.array(
      z
        .object({
          fingerprint: z.string(),
          ruleId: z.string(),
          severity: SeveritySchema,
          resource: z.string(),
          resourceType: z.string(),
          account: z.string().optional(),
          region: z.string().optional(),
          project: z.string().optional(),
          status: StatusSchema,
          suppressed: z.boolean(),
          message: z.string(),
          openedAt: Iso,
          ageDays: z.number(),
        })
        .strict(),
    ),
  })
  .strict();

const AttemptCount = z
  .object({ name: z.string(), attempts: z.number().int(), counterparts: z.array(z.string()), lastAt: Iso })
  .strict();
const Attempts = z
  .object({
    total: z.number().int(),
    byKey: z.array(AttemptCount),
    byPrincipal: z.array(AttemptCount),
    byGroup: z
      .object({
        by: Dimension,
        groups: z.array(z.object({ group: z.string(), attempts: z.number().int() }).strict()),
      })
      .strict()
      .optional(),
    period: z.enum(['day', 'week']),
    series: z.array(z.object({ start: Iso, attempts: z.number().int() }).strict()),
  })
  .strict();

const CostGroup = z
  .object({ group: z.string(), keys: z.number().int(), totalUsd: z.number(), monthlyRunRateUsd: z.number() })
  .strict();
const Cost = z
  .object({
    currency: z.literal('USD'),
    basis: z.literal('estimate'),
    window: z.object({ since: Iso, until: Iso }).strict(),
    requestMonths: z.array(z.string()),
    totalUsd: z.number(),
    monthlyRunRateUsd: z.number(),
    keys: z.array(
      z
        .object({
          arn: z.string(),
          alias: z.string().optional(),
          account: z.string(),
          region: z.string(),
          project: z.string().optional(),
          owner: z.string().optional(),
          billable: z.boolean(),
          keyMonths: z.number(),
          storageUsd: z.number(),
          requests: z.number(),
          requestUsd: z.number(),
          totalUsd: z.number(),
          monthlyRunRateUsd: z.number(),
        })
        .strict(),
    ),
    byProject: z.array(CostGroup),
    byOwner: z.array(CostGroup),
    byGroup: z
      .object({ by: Dimension, groups: z.array(CostGroup) })
      .strict()
      .optional(),
    actual: z
      .array(
        z
          .object({
            groupedBy: z.string(),
            months: z.array(
              z.object({ month: z.string(), totalUsd: z.number(), estimated: z.boolean() }).strict(),
            ),
            totalUsd: z.number(),
            groups: z.array(
              z
                .object({ group: z.string(), totalUsd: z.number(), months: z.record(z.string(), z.number()) })
                .strict(),
            ),
          })
          .strict(),
      )
      .optional()
      .describe('actual KMS spend from Cost Explorer (--cost-explorer)'),
  })
  .strict();

export const KpiReportSchema = z
  .object({
    schemaVersion: z.literal(1),
    kind: z.literal('hyperpod-cmk-kpi'),
    generatedAt: Iso,
    window: z.object({ since: Iso, until: Iso }).strict(),
    by: Dimension.optional(),
    scans: z.object({ count: z.number().int(), first: Iso.optional(), last: Iso.optional() }).strict(),
    compliance: Compliance.optional(),
    remediation: Remediation.optional(),
    attempts: Attempts.optional(),
    cost: Cost.optional(),
    issues: z.array(SourceIssueSchema),
    gaps: z.array(GapSchema),
  })
  .strict();

// Every report the reducers produce conforms to the schema (checked by the compiler).
type Conforms<A, B> = [A] extends [B] ? true : false;
const _conforms: Conforms<KpiReport, z.infer<typeof KpiReportSchema>> = true;
void _conforms;
