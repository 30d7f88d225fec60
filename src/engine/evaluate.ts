/**
 * The pure core: inventory + rules + config + clock -> findings, compliance and a summary.
 * A rule that throws becomes a visible UNKNOWN finding, never a silent pass.
 */

import { type ResolvedConfig, resolveConfig } from '../config/schema.js';
import { DAY_MS, parseIsoTime } from '../model/dates.js';
import type { Finding, ResourceRef, Severity, Status, Suppression } from '../model/finding.js';
import { SEVERITIES, severityRank } from '../model/finding.js';
import type { Inventory } from '../model/inventory.js';
import { type InventoryIndex, indexInventory } from '../model/inventory-index.js';
import type { Summary } from '../model/report.js';
import { globMatch } from '../policy/glob.js';
import type { Rule, Verdict } from '../rules/define-rule.js';
import { RULES } from '../rules/registry.js';
import { type ComplianceReport, rollUpCompliance } from './compliance.js';
import type { InlineSuppression } from './inline-suppressions.js';
import { lazyFinding, type RuleRun, ruleRun } from './lazy-finding.js';
import { unknownRemediation } from './missing-data.js';

export interface EvaluateOptions {
  config?: ResolvedConfig;
  /** The clock: lookback windows, suppression expiry and deletion countdowns are measured from it. */
  now?: Date;
  rules?: readonly Rule[];
  /** Check selection (--rule/--skip-rule): decides which rules run; see `selectRules`. */
  selection?: RuleSelection;
  /** Findings below this severity are not reported (--severity). */
  minSeverity?: Severity;
  /**
   * The resource id a fingerprint is computed from (IaC: the file made relative to the repository
   * root), so that fingerprints do not depend on where the checkout is or where the scan ran from.
   */
  fingerprintId?: (resourceId: string) => string;
  /** Inline skips written in the IaC, by resource id (see `inline-suppressions.ts`). */
  inlineSuppressions?: ReadonlyMap<string, readonly InlineSuppression[]>;
  /** Fingerprints recorded in a --baseline file: matching FAIL/UNKNOWN findings are marked, not gated. */
  baseline?: ReadonlySet<string>;
}

/**
 * The rules a run selects. `include` (--rule) narrows the rules the config enables; a rule the
 * config turns off runs only when `include` names it by its exact id. `exclude` (--skip-rule)
 * wins over both.
 */
export interface RuleSelection {
  include?: (ruleId: string) => boolean;
  /** Ids named exactly in `include`: they run even when the config turns them off. */
  named?: ReadonlySet<string>;
  exclude?: (ruleId: string) => boolean;
}

export function isRuleSelected(rule: Rule, config: ResolvedConfig, selection: RuleSelection = {}): boolean {
  const id = rule.meta.id;
  if (selection.exclude?.(id)) return false;
  if (selection.named?.has(id)) return true;
  if (!isRuleEnabled(rule, config)) return false;
  return selection.include ? selection.include(id) : true;
}

export interface Evaluation {
  findings: Finding[];
  compliance: ComplianceReport;
  summary: Summary;
}

export { fingerprint } from './lazy-finding.js';

const NO_EVIDENCE: Record<string, unknown> = Object.freeze({});

/** The severity the config sets for every finding of a rule, if it sets one. */
function configuredSeverity(rule: Rule, config: ResolvedConfig): Severity | undefined {
  const setting = config.rules[rule.meta.id];
  if (typeof setting === 'string' && setting !== 'off') return setting;
  if (typeof setting === 'object' && setting.severity) return setting.severity;
  return undefined;
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
  const at = parseIsoTime(expires) ?? Number.NaN;
  return /^\d{4}-\d{2}-\d{2}$/.test(expires.trim()) ? at + DAY_MS - 1 : at;
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
  const rules = (options.rules ?? RULES).filter((rule) => isRuleSelected(rule, config, options.selection));
  const index = indexInventory(inventory);
  const context = { inventory, index, config, now };
  const planFiles = terraformPlanFiles(inventory);
  // Every finding the rules make: compliance is judged on all of them (a cluster is compliant
  // when every applicable rule passes), whatever --severity leaves in the report.
  const findings: Finding[] = [];
  const threshold = options.minSeverity ? severityRank(options.minSeverity) : 0;

  const add = (run: RuleRun, severity: Severity | undefined, verdict: Verdict) => {
    findings.push(toFinding(run, verdict, severity, config, now, options, index));
  };
  for (const rule of rules) {
    const severity = configuredSeverity(rule, config);
    const run = ruleRun(rule, options.fingerprintId, planFiles);
    // Each verdict becomes a finding as the rule yields it, so that verdicts die young instead of
    // a whole rule's worth being held (and copied by the garbage collector) first. A rule that
    // throws part-way has its findings taken back: it stands as one UNKNOWN, as if it had judged nothing.
    const start = findings.length;
    const crashed = (error: unknown) => {
      findings.length = start;
      add(run, severity, crashFinding(rule, error));
    };
    let verdicts: Iterator<Verdict>;
    try {
      verdicts = rule.check(context)[Symbol.iterator]();
    } catch (error) {
      crashed(error);
      continue;
    }
    for (;;) {
      let next: IteratorResult<Verdict>;
      try {
        next = verdicts.next();
      } catch (error) {
        crashed(error);
        break;
      }
      if (next.done) break;
      add(run, severity, next.value);
    }
  }

  const compliance = rollUpCompliance(inventory, findings);
  // The report holds the findings at or above --severity; the summary counts those.
  const reported =
    threshold === 0 ? findings : findings.filter((finding) => severityRank(finding.severity) >= threshold);
  return { findings: reported, compliance, summary: summarize(inventory, reported, compliance) };
}

/** The files of the inventory's resources read from Terraform plans, if it has any. */
function terraformPlanFiles(inventory: Inventory): ReadonlySet<string> | undefined {
  const files = new Set<string>();
  for (const list of [inventory.clusters, inventory.keys, inventory.roles])
    for (const resource of list as readonly { source: string; location?: { file: string } }[])
      if (resource.source === 'terraform-plan' && resource.location) files.add(resource.location.file);
  return files.size > 0 ? files : undefined;
}

function toFinding(
  run: RuleRun,
  verdict: Verdict,
  severity: Severity | undefined,
  config: ResolvedConfig,
  now: Date,
  options: EvaluateOptions,
  index: InventoryIndex,
): Finding {
  const { rule } = run;
  const resource: ResourceRef = verdict.resource;
  // The message text and the fingerprint are made when read (see lazyFinding).
  const finding = lazyFinding(
    run,
    verdict.status,
    severity ?? verdict.severity ?? rule.meta.severity,
    verdict.messageId,
    verdict.data,
    // An UNKNOWN is fixed by getting the missing data, not by the rule's fix for a failure.
    verdict.status === 'UNKNOWN' ? unknownRemediation(verdict, index) : rule.meta.remediation.summary,
    resource,
    verdict.evidence ?? NO_EVIDENCE,
  );
  if (finding.status !== 'FAIL' && finding.status !== 'UNKNOWN') return finding;
  const inline = options.inlineSuppressions?.get(resource.id)?.find((skip) => skip.ruleId === rule.meta.id);
  if (inline) {
    finding.suppressed = {
      reason: inline.reason,
      expires: null,
      source: 'inline',
      location: inline.location,
    };
    return finding;
  }
  const match = matchSuppression(finding, config, now);
  if (match?.expired) finding.suppressionExpired = match.suppression;
  else if (match) finding.suppressed = match.suppression;
  if (!finding.suppressed && options.baseline?.has(finding.fingerprint)) finding.baseline = true;
  return finding;
}

/** Null when nothing was examined: a scan that judged no cluster is not 100% compliant. */
const pct = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10);

function summarize(
  inventory: Inventory,
  findings: readonly Finding[],
  compliance: ComplianceReport,
): Summary {
  // One pass over the findings (there can be close to a million).
  const open: Record<Status, number> = { PASS: 0, FAIL: 0, NOT_APPLICABLE: 0, UNKNOWN: 0 };
  const failBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let baseline = 0;
  let suppressed = 0;
  let expiredSuppressions = 0;
  for (const finding of findings) {
    if (finding.suppressed) suppressed++;
    if (finding.baseline) baseline++;
    if (finding.suppressionExpired) expiredSuppressions++;
    if (finding.suppressed || finding.baseline) continue;
    open[finding.status]++;
    if (finding.status === 'FAIL') failBySeverity[finding.severity]++;
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
    pass: open.PASS,
    fail: open.FAIL,
    notApplicable: open.NOT_APPLICABLE,
    unknown: open.UNKNOWN,
    suppressed,
    ...(baseline > 0 ? { baseline } : {}),
    expiredSuppressions,
    failBySeverity,
  };
}

/** How UNKNOWN results count for the exit code (--unknown). */
export type UnknownMode = 'fail' | 'warn';
export const UNKNOWN_MODES: readonly UnknownMode[] = ['fail', 'warn'];

/**
 * The exit code a set of findings and gaps calls for (docs/ci.md has the matrix):
 * - `failOn` 'none' is report-only: 0 (usage and input errors exit 2 before this is asked);
 * - 1 when an unsuppressed FAIL not in the baseline is at or above `failOn`;
 * - 3 when the scan is incomplete: `gaps` (data not collected, inputs not read or parsed), or,
 *   with `unknown` 'fail', an unsuppressed UNKNOWN not in the baseline;
 * - 0 otherwise.
 */
export function exitCodeFor(
  evaluation: Evaluation,
  gaps: number,
  failOn: Severity | 'none',
  unknown: UnknownMode = 'fail',
): 0 | 1 | 3 {
  if (failOn === 'none') return 0;
  const threshold = severityRank(failOn);
  const open = (f: Finding) => !f.suppressed && !f.baseline;
  const failed = evaluation.findings.some(
    (f) => f.status === 'FAIL' && open(f) && severityRank(f.severity) >= threshold,
  );
  if (failed) return 1;
  const incomplete =
    gaps > 0 || (unknown === 'fail' && evaluation.findings.some((f) => f.status === 'UNKNOWN' && open(f)));
  return incomplete ? 3 : 0;
}
