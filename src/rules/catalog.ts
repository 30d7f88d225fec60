/**
 * The rule catalog as data: what `hyperpod-cmk rules --format json` prints (schemaVersion 1), one
 * entry per rule from its `meta`, and the zod schema that generates the published
 * schemas/rules.schema.json.
 */
import { z } from 'zod';
import { ResourceTypeSchema, SeveritySchema } from '../model/finding.js';
import { SourceSchema } from '../model/inventory.js';
import { FRAMEWORKS, type Rule } from './define-rule.js';

export const RULE_CATALOG_SCHEMA_VERSION = 1;

const RuleEntrySchema = z
  .object({
    id: z.string().describe('stable; equal to the rule file name and to ruleId in reports'),
    title: z.string().describe('the secure condition'),
    severity: SeveritySchema.describe('the default; config can override it or turn the rule off'),
    resourceType: ResourceTypeSchema,
    sources: z.array(SourceSchema).describe('what the rule judges; it is NOT_APPLICABLE for others'),
    rationale: z.string(),
    remediation: z
      .object({
        summary: z.string(),
        cli: z.string().optional(),
        cloudformation: z.string().optional(),
        terraform: z.string().optional(),
      })
      .strict(),
    references: z.array(z.string()),
    frameworks: z.partialRecord(z.enum(FRAMEWORKS), z.array(z.string())).describe('controls per framework'),
    config: z.array(z.string()).describe('the config keys that drive the rule'),
    messages: z
      .record(z.string(), z.string())
      .describe("message templates by a finding's messageId; {{name}} is filled from its data"),
  })
  .strict();

export const RuleCatalogSchema = z
  .object({
    schemaVersion: z.literal(RULE_CATALOG_SCHEMA_VERSION),
    kind: z.literal('hyperpod-cmk-rules'),
    tool: z.object({ name: z.literal('hyperpod-cmk'), version: z.string() }).strict(),
    rules: z.array(RuleEntrySchema),
  })
  .strict();

export type RuleCatalogEntry = z.infer<typeof RuleEntrySchema>;
export type RuleCatalog = z.infer<typeof RuleCatalogSchema>;

/** One rule as the catalog lists it (`rules explain ID --format json` prints this alone). */
export const ruleCatalogEntry = (rule: Rule): RuleCatalogEntry => ({
  id: rule.meta.id,
  title: rule.meta.title,
  severity: rule.meta.severity,
  resourceType: rule.meta.resourceType,
  sources: [...rule.meta.sources],
  rationale: rule.meta.rationale,
  remediation: { ...rule.meta.remediation },
  references: [...rule.meta.references],
  frameworks: Object.fromEntries(
    Object.entries(rule.meta.frameworks).map(([name, controls]) => [name, [...controls]]),
  ),
  config: [...(rule.meta.config ?? [])],
  messages: { ...rule.meta.messages },
});

/** The catalog of `rules`, versioned as every machine output is. */
export const ruleCatalog = (rules: readonly Rule[], toolVersion: string): RuleCatalog => ({
  schemaVersion: RULE_CATALOG_SCHEMA_VERSION,
  kind: 'hyperpod-cmk-rules',
  tool: { name: 'hyperpod-cmk', version: toolVersion },
  rules: rules.map(ruleCatalogEntry),
});
