/**
 * A rule is `{ meta, check }`: `meta` is the single source of truth for docs, SARIF rule lists and
 * `hyperpod-cmk rules`; `check` is a pure function from the inventory (with its index and the
 * resolved config) to verdicts. Rules never import the AWS SDK, `fs` or a parser.
 */
import type { ResolvedConfig } from '../config/schema.js';
import type { ResourceRef, ResourceType, Severity, Status } from '../model/finding.js';
import type { Inventory, Source } from '../model/inventory.js';
import type { InventoryIndex } from '../model/inventory-index.js';
import { MAX_SHOWN_CHARS, shortened } from '../model/text.js';

/** The compliance frameworks a rule's controls are mapped to. */
export const FRAMEWORKS = [
  'PCI-DSS-4.0.1',
  'HIPAA',
  'SOC2',
  'NIST-800-53',
  'CIS-AWS-3.0',
  'ISO-27001-2022',
] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export interface RuleMeta {
  /** Stable id, equal to the rule's file name. */
  id: string;
  /** States the secure condition: "HyperPod root volumes are encrypted with a customer managed key". */
  title: string;
  severity: Severity;
  resourceType: ResourceType;
  /** Sources the rule can judge; for others it answers NOT_APPLICABLE. */
  sources: readonly Source[];
  rationale: string;
  remediation: {
    summary: string;
    cli?: string;
    cloudformation?: string;
    terraform?: string;
  };
  references: readonly string[];
  frameworks: Partial<Record<Framework, readonly string[]>>;
  /** Message templates by id; `{{name}}` is replaced from the verdict's data. */
  messages: Readonly<Record<string, string>>;
  /** Config that drives the rule, for docs (e.g. "tenancy"). */
  config?: readonly string[];
  /**
   * Data the rule reads beyond clusters, groups, keys and roles. It decides what the live collector
   * gathers (`governed-keys`: every key the config's selector governs, not only the keys clusters
   * use) and where the rule can run (the periodic Config rule collects no CloudTrail, so rules
   * that need `cloudtrail-events` or `trails` are left out of it).
   */
  needs?: readonly RuleNeed[];
  /** A dashboard figure built from this rule's FAIL evidence (`denied-calls`: its `events`). */
  feeds?: readonly RuleFeed[];
}

export type RuleNeed = 'cloudtrail-events' | 'trails' | 'governed-keys';
export type RuleFeed = 'denied-calls';

/** Whether a rule reads any of these data. */
export function ruleNeeds(rule: Rule, ...needs: readonly RuleNeed[]): boolean {
  return needs.some((need) => rule.meta.needs?.includes(need) ?? false);
}

export interface Verdict {
  resource: ResourceRef;
  status: Status;
  messageId: string;
  data?: Record<string, string | number>;
  evidence?: Record<string, unknown>;
  /** A severity this verdict warrants above the rule's default (e.g. a key shared across clusters). */
  severity?: Severity;
}

export interface RuleContext {
  readonly inventory: Inventory;
  readonly index: InventoryIndex;
  readonly config: ResolvedConfig;
  readonly now: Date;
}

export interface Rule {
  readonly meta: RuleMeta;
  check(context: RuleContext): Iterable<Verdict>;
}

const ID = /^(hyperpod|kms|account)-[a-z0-9]+(-[a-z0-9]+)*$/;

/** Checks a rule's metadata when it loads, so a broken rule fails at start-up, not in a report. */
export function defineRule(rule: Rule): Rule {
  const { meta } = rule;
  const problems: string[] = [];
  if (!ID.test(meta.id))
    problems.push(`id "${meta.id}" must be kebab-case and start with hyperpod-, kms- or account-`);
  if (!meta.title.trim()) problems.push('title is empty');
  if (Object.keys(meta.messages).length === 0) problems.push('no messages');
  if (meta.sources.length === 0) problems.push('no sources');
  if (!meta.remediation.summary.trim()) problems.push('remediation.summary is empty');
  if (problems.length > 0) throw new Error(`rule ${meta.id}: ${problems.join('; ')}`);
  return Object.freeze({ meta: Object.freeze(meta), check: rule.check });
}

/** A template split once into literal text and placeholder names (odd indexes). */
const compiledTemplates = new Map<string, readonly string[]>();

function compileTemplate(template: string): readonly string[] {
  let parts = compiledTemplates.get(template);
  if (!parts) {
    parts = template.split(/\{\{\s*(\w+)\s*\}\}/);
    compiledTemplates.set(template, parts);
  }
  return parts;
}

/**
 * Fills `{{name}}` placeholders, each value bounded and as `show` words it (itself by default). A
 * missing value stays visible as `{{name}}` rather than vanishing.
 */
export function formatMessage(
  template: string,
  data: Record<string, string | number> = {},
  show: (value: string) => string = String,
): string {
  const parts = compileTemplate(template);
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const name = parts[i]!;
    const value = data[name];
    // A value from data may be a tenant's megabyte name: the message repeats at most MAX_SHOWN_CHARS
    // of it (the finding's data keeps it whole).
    out +=
      (value === undefined ? `{{${name}}}` : show(shortened(String(value), MAX_SHOWN_CHARS))) + parts[i + 1]!;
  }
  return out;
}
