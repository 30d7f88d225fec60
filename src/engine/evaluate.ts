/**
 * The pure core: inventory + rules + config + clock -> findings, compliance and a summary.
 * A rule that throws becomes a visible UNKNOWN finding, never a silent pass.
 */
import { hash } from 'node:crypto';
import { type ResolvedConfig, resolveConfig } from '../config/schema.js';
import type { Finding, ResourceRef, Severity, Status, Suppression } from '../model/finding.js';
import { SEVERITIES, severityRank } from '../model/finding.js';
import type { Inventory } from '../model/inventory.js';
import { type InventoryIndex, indexInventory } from '../model/inventory-index.js';
import type { Summary } from '../model/report.js';
import { globMatch } from '../policy/glob.js';
import { formatMessage, type Rule, type Verdict } from '../rules/define-rule.js';
import { RULES } from '../rules/registry.js';
import { type ComplianceReport, rollUpCompliance } from './compliance.js';
import { unknownRemediation } from './missing-data.js';

export interface EvaluateOptions {
  config?: ResolvedConfig;
  /** The clock: lookback windows, suppression expiry and deletion countdowns are measured from it. */
  now?: Date;
  rules?: readonly Rule[];
}

export interface Evaluation {
  findings: Finding[];
  compliance: ComplianceReport;
  summary: Summary;
}

export function fingerprint(ruleId: string, resourceId: string): string {
  return hash('sha256', `${ruleId}\u0000${resourceId}`).slice(0, 32);
}

const NO_EVIDENCE: Record<string, unknown> = Object.freeze({});

function severityFor(rule: Rule, verdict: Verdict, config: ResolvedConfig): Severity {
  const setting = config.rules[rule.meta.id];
  if (typeof setting === 'string' && setting !== 'off') return setting;
  if (typeof setting === 'object' && setting.severity) return setting.severity;
  return verdict.severity ?? rule.meta.severity;
}

export function isRuleEnabled(rule: Rule, config: ResolvedConfig): boolean {
  const setting = config.rules[rule.meta.id];
  return !(setting === 'off' || (typeof setting === 'object' && setting.enabled === false));
}

function matchSuppression(
  finding: Pick<Finding, 'ruleId' | 'resource' | 'status'>,
  config: ResolvedConfig,
  now: Date,
) {
  if (finding.status !== 'FAIL' && finding.status !== 'UNKNOWN') return undefined;
  // The first live suppression wins; an expired one is reported only when no live one matches,
  // so that a renewed waiver listed after the old one takes effect.
  let expired: Suppression | undefined;
  for (const rule of config.suppressions) {
    const ruleMatches = globMatch(rule.rule, finding.ruleId);
    if (!ruleMatches || !globMatch(rule.resource, finding.resource.id)) continue;
    const suppression: Suppression = { reason: rule.reason, expires: rule.expires ?? null };
    if (rule.expires === undefined || expiresAt(rule.expires) >= now.getTime())
      return { suppression, expired: false };
    expired ??= suppression;
  }
  return expired ? { suppression: expired, expired: true } : undefined;
}

/**
 * When a suppression stops: a date-only expiry lasts through that day, and a timestamp without
 * an offset is UTC (never the machine's zone, so that a result does not depend on where it ran).
 */
function expiresAt(expires: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(expires)) return Date.parse(`${expires}T23:59:59.999Z`);
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(expires);
  return Date.parse(hasOffset ? expires : `${expires}Z`);
}

function crashFinding(rule: Rule, error: unknown): Verdict {
  const message = error instanceof Error ? error.message : String(error);
  return {
    resource: { type: rule.meta.resourceType, id: `rule:${rule.meta.id}` },
    status: 'UNKNOWN',
    messageId: 'ruleError',
    data: { error: message },
    evidence: { error: message },
  };
}

export function evaluate(inventory: Inventory, options: EvaluateOptions = {}): Evaluation {
  const config = options.config ?? resolveConfig();
  const now = options.now ?? new Date();
  const rules = (options.rules ?? RULES).filter((rule) => isRuleEnabled(rule, config));
  const index = indexInventory(inventory);
  const context = { inventory, index, config, now };
  const findings: Finding[] = [];

  for (const rule of rules) {
    let verdicts: Verdict[];
    try {
      verdicts = [...rule.check(context)];
    } catch (error) {
      verdicts = [crashFinding(rule, error)];
    }
    for (const verdict of verdicts) findings.push(toFinding(rule, verdict, config, now, index));
  }

  const compliance = rollUpCompliance(inventory, findings);
  return { findings, compliance, summary: summarize(inventory, findings, compliance) };
}

function toFinding(
  rule: Rule,
  verdict: Verdict,
  config: ResolvedConfig,
  now: Date,
  index: InventoryIndex,
): Finding {
  const template =
    verdict.messageId === 'ruleError'
      ? 'the rule failed to run: {{error}}'
      : rule.meta.messages[verdict.messageId];
  const message =
    template === undefined
      ? `${verdict.messageId} (no message template)`
      : formatMessage(template, verdict.data);
  const resource: ResourceRef = verdict.resource;
  const finding: Finding = {
    ruleId: rule.meta.id,
    status: verdict.status,
    severity: severityFor(rule, verdict, config),
    messageId: verdict.messageId,
    message,
    // An UNKNOWN is fixed by getting the missing data, not by the rule's fix for a failure.
    remediation:
      verdict.status === 'UNKNOWN' ? unknownRemediation(verdict, index) : rule.meta.remediation.summary,
    fingerprint: fingerprint(rule.meta.id, resource.id),
    resource,
    evidence: verdict.evidence ?? NO_EVIDENCE,
    suppressed: null,
  };
  const match = matchSuppression(finding, config, now);
  if (match?.expired) finding.suppressionExpired = match.suppression;
  else if (match) finding.suppressed = match.suppression;
  return finding;
}

/** Null when nothing was examined: a scan that judged no cluster is not 100% compliant. */
const pct = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10);

function summarize(
  inventory: Inventory,
  findings: readonly Finding[],
  compliance: ComplianceReport,
): Summary {
  const count = (status: Status) => findings.filter((f) => f.status === status && !f.suppressed).length;
  const failBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const finding of findings) {
    if (finding.status === 'FAIL' && !finding.suppressed) failBySeverity[finding.severity]++;
  }
  const clusters = compliance.clusters;
  const compliantClusters = clusters.filter((c) => c.status === 'compliant').length;
  const compliantByException = clusters.filter((c) => c.status === 'compliant-by-exception').length;
  const groups = compliance.instanceGroups;
  const compliantGroups = groups.filter(
    (g) => g.status === 'compliant' || g.status === 'compliant-by-exception',
  ).length;
  return {
    clusters: clusters.length,
    compliantClusters,
    compliantByException,
    unknownClusters: clusters.filter((c) => c.status === 'unknown').length,
    clusterCompliancePct: pct(compliantClusters + compliantByException, clusters.length),
    instanceGroups: groups.length,
    compliantInstanceGroups: compliantGroups,
    instanceGroupCompliancePct: pct(compliantGroups, groups.length),
    keys: inventory.keys.length,
    pass: count('PASS'),
    fail: count('FAIL'),
    notApplicable: count('NOT_APPLICABLE'),
    unknown: count('UNKNOWN'),
    suppressed: findings.filter((f) => f.suppressed).length,
    expiredSuppressions: findings.filter((f) => f.suppressionExpired).length,
    failBySeverity,
  };
}

/** The exit code a set of findings and gaps calls for (DESIGN.md): 1 fail, 3 incomplete, 0 clean. */
export function exitCodeFor(evaluation: Evaluation, gaps: number, failOn: Severity | 'none'): 0 | 1 | 3 {
  const threshold = failOn === 'none' ? Number.POSITIVE_INFINITY : severityRank(failOn);
  const failed = evaluation.findings.some(
    (f) => f.status === 'FAIL' && !f.suppressed && severityRank(f.severity) >= threshold,
  );
  if (failed) return 1;
  const incomplete = gaps > 0 || evaluation.findings.some((f) => f.status === 'UNKNOWN' && !f.suppressed);
  return incomplete ? 3 : 0;
}
