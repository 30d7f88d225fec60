/**
 * The config file (`hyperpod-cmk.yaml`). The zod schema is the source of truth; the published
 * `schemas/config.schema.json` is generated from it. Unknown keys are errors, so a typo never
 * silently turns a control off.
 */
import { z } from 'zod';
import { parseIsoTime } from '../model/dates.js';
import { SEVERITIES } from '../model/finding.js';
import { closestRegion, isKnownRegion } from '../model/regions.js';

const AccountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id');
/** Why a value is not a Region the SDK knows (the closest one suggested for a typo), else undefined. */
function notARegion(value: string): string | undefined {
  if (isKnownRegion(value)) return undefined;
  const close = closestRegion(value);
  return `"${value}" is not an AWS Region${close ? ` (did you mean ${close}?)` : ''}`;
}

/** Validated like --region. */
const Region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')
  .superRefine((value, ctx) => {
    const problem = notARegion(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
/** A cluster ARN names its Region: one that is not a Region (and not a wildcard) is a typo. */
const ClusterPattern = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const region = /^arn:[^:*?]*:sagemaker:([^:]*):/.exec(value)?.[1];
    if (region === undefined || region.includes('*') || region.includes('?')) return;
    const problem = notARegion(region);
    if (problem) ctx.addIssue({ code: 'custom', message: `the Region of the ARN: ${problem}` });
  });
const PrincipalPattern = z
  .string()
  .min(1)
  .describe('an IAM principal ARN; * and ? are wildcards, e.g. arn:aws:iam::111122223333:role/KeyAdmin*');
const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'an ISO-8601 date such as 2026-12-31')
  .refine((value) => parseIsoTime(value) !== undefined, 'a real calendar date');

export const RuleSettingSchema = z.union(
  [
    z.literal('off'),
    z.enum(SEVERITIES),
    z.object({ severity: z.enum(SEVERITIES).optional(), enabled: z.boolean().optional() }).strict(),
  ],
  { error: 'expected "off", a severity (critical, high, medium, low), or { severity, enabled }' },
);

export const SuppressionRuleSchema = z
  .object({
    rule: z.string().min(1).describe('a rule id, or * for every rule'),
    resource: z.string().min(1).describe('a resource id (ARN or <file>#<id>); * and ? are wildcards'),
    reason: z.string().min(1).describe('why this finding is accepted: shown in every report'),
    expires: IsoDate.optional().describe(
      'after this date the suppression stops suppressing, and reports say so',
    ),
  })
  .strict();
export type SuppressionRule = z.infer<typeof SuppressionRuleSchema>;

export const TenantAssignmentSchema = z
  .object({
    cluster: ClusterPattern.describe('cluster name or ARN; * and ? are wildcards'),
    instanceGroup: z.string().min(1).describe('instance group name; * and ? are wildcards'),
    tenant: z.string().min(1),
  })
  .strict();

export const ConfigSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1).optional().describe('the config format version'),
    requiredTags: z
      .object({
        clusters: z.array(z.string().min(1)).optional().describe('default: owner, project, data-sensitivity'),
        keys: z.array(z.string().min(1)).optional().describe('default: owner, project'),
      })
      .strict()
      .optional(),
    keyAdmins: z
      .array(PrincipalPattern)
      .optional()
      .describe('principals that administer keys (and must not use them)'),
    allowedKeyUsers: z
      .array(PrincipalPattern)
      .optional()
      .describe('principals besides the execution roles that may use keys (service principals by name)'),
    allowedExternalAccounts: z
      .array(AccountId)
      .optional()
      .describe('other accounts that may be named in key policies'),
    organizationId: z
      .string()
      .regex(/^o-[a-z0-9]{10,32}$/, 'an AWS Organizations id such as o-a1b2c3d4e5')
      .optional()
      .describe(
        'the organization of the scanned accounts (aws:PrincipalOrgID), for IaC and where DescribeOrganization was not readable',
      ),
    rotation: z
      .object({ maxDays: z.number().int().min(90).max(2560).optional().describe('default 365') })
      .strict()
      .optional(),
    deletion: z
      .object({ minWindowDays: z.number().int().min(7).max(30).optional().describe('default 30') })
      .strict()
      .optional(),
    tenancy: z.array(TenantAssignmentSchema).optional().describe('which tenant each instance group serves'),
    drRegions: z
      .record(z.string(), Region)
      .superRefine((regions, ctx) => {
        for (const region of Object.keys(regions)) {
          const problem = notARegion(region);
          if (problem) ctx.addIssue({ code: 'custom', path: [region], message: problem });
        }
      })
      .optional()
      .describe('for each key region, the region its replica must be in'),
    cloudtrail: z
      .object({
        lookbackDays: z
          .number()
          .int()
          .min(1)
          .max(90)
          .optional()
          .describe('default 30 (LookupEvents keeps 90 days)'),
        accessDeniedThreshold: z.number().int().min(1).optional().describe('default 1'),
      })
      .strict()
      .optional(),
    approvedPolicyEditors: z
      .array(PrincipalPattern)
      .optional()
      .describe('principals allowed to change key policies, disable, schedule deletion or grant by hand'),
    keySelector: z
      .object({
        tags: z
          .record(z.string(), z.string())
          .describe('keys carrying all these tags are governed even when unused'),
      })
      .strict()
      .optional(),
    rules: z.record(z.string(), RuleSettingSchema).optional().describe('per-rule severity, or off'),
    suppressions: z.array(SuppressionRuleSchema).optional(),
  })
  .strict();
export type Config = z.infer<typeof ConfigSchema>;

/** The config with every default applied: what rules read. */
export interface ResolvedConfig {
  requiredClusterTags: readonly string[];
  requiredKeyTags: readonly string[];
  keyAdmins: readonly string[];
  allowedKeyUsers: readonly string[];
  allowedExternalAccounts: readonly string[];
  organizationId: string | undefined;
  rotationMaxDays: number;
  deletionMinWindowDays: number;
  tenancy: readonly { cluster: string; instanceGroup: string; tenant: string }[];
  drRegions: Readonly<Record<string, string>>;
  lookbackDays: number;
  accessDeniedThreshold: number;
  approvedPolicyEditors: readonly string[];
  keySelectorTags: Readonly<Record<string, string>> | undefined;
  rules: Readonly<Record<string, z.infer<typeof RuleSettingSchema>>>;
  suppressions: readonly SuppressionRule[];
}

/**
 * Who may change a key's policy, state or grants without it being an unapproved change:
 * `approvedPolicyEditors` when the config names any, else `keyAdmins` (README: "default:
 * keyAdmins"). kms-key-policy-change-unapproved and the detection Lambda judge a change by it, so
 * that a change the report calls approved is not alerted on as unapproved, nor the other way.
 */
export function policyEditors(config: ResolvedConfig): { patterns: readonly string[]; from: string } {
  return config.approvedPolicyEditors.length > 0
    ? { patterns: config.approvedPolicyEditors, from: 'approvedPolicyEditors' }
    : { patterns: config.keyAdmins, from: 'keyAdmins (approvedPolicyEditors names none)' };
}

export const DEFAULT_CLUSTER_TAGS = ['owner', 'project', 'data-sensitivity'] as const;
export const DEFAULT_KEY_TAGS = ['owner', 'project'] as const;

export function resolveConfig(config: Config = {}): ResolvedConfig {
  return {
    requiredClusterTags: config.requiredTags?.clusters ?? DEFAULT_CLUSTER_TAGS,
    requiredKeyTags: config.requiredTags?.keys ?? DEFAULT_KEY_TAGS,
    keyAdmins: config.keyAdmins ?? [],
    allowedKeyUsers: config.allowedKeyUsers ?? [],
    allowedExternalAccounts: config.allowedExternalAccounts ?? [],
    organizationId: config.organizationId,
    rotationMaxDays: config.rotation?.maxDays ?? 365,
    deletionMinWindowDays: config.deletion?.minWindowDays ?? 30,
    tenancy: config.tenancy ?? [],
    drRegions: config.drRegions ?? {},
    lookbackDays: config.cloudtrail?.lookbackDays ?? 30,
    accessDeniedThreshold: config.cloudtrail?.accessDeniedThreshold ?? 1,
    approvedPolicyEditors: config.approvedPolicyEditors ?? [],
    keySelectorTags: config.keySelector?.tags,
    rules: config.rules ?? {},
    suppressions: config.suppressions ?? [],
  };
}
