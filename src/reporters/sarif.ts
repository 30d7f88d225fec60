/**
 * SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps): one run, the rule catalog from
 * each rule's `meta`, and one result per FAIL and UNKNOWN finding, located at the file and line
 * (relative to the repository root, `%SRCROOT%`, declared in `originalUriBaseIds`) where the
 * resource is defined. `automationDetails.id` names what was scanned (stable across checkouts), so
 * that uploads of different scans do not replace each other's alerts. Each result carries its own
 * `security-severity` (a rule may raise the severity case by case). Suppressed findings stay in
 * the log, marked with an accepted suppression; fingerprints are the report's stable ones.
 * Problems reading the inputs become tool execution notifications.
 *
 * GitHub code scanning rejects a run of more than 25,000 results (and shows the 5,000 most severe):
 * https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/results-exceed-limit
 * So a log holds at most `maxResults` results (25,000 unless asked otherwise), the most urgent
 * (urgency.ts), and a notification says how many were left out and where the full list is. The
 * log is one run with one tool and category: GitHub rejects a file with several runs of the same
 * tool and category (https://github.blog/changelog/2024-05-06-code-scanning-will-stop-combining-runs-from-a-single-upload/).
 * Its other limits are far off: 24 rules (25,000 a run), one location a result (1,000), a few
 * tags a rule (20, which a test holds the catalog to; GitHub shows 10, so the fixed ones come first).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding, Severity, SourceIssue } from '../model/finding.js';
import { isIacSource, type Location } from '../model/inventory.js';
import { pushAll } from '../model/many.js';
import type { Report } from '../model/report.js';
import type { Rule } from '../rules/define-rule.js';
import { RULES } from '../rules/registry.js';
import { ruleDocsUrl } from '../version.js';
import { escapeControlKeepNewlines } from './escape.js';
import { lazyArrayInDocument } from './json.js';
import { type PathContext, repoRelative, repoRelativeId, scanScope } from './locations.js';
import { SEVERITY_ORDER, urgency } from './urgency.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};

/** GitHub's security-severity scale (0-10): critical >= 9, high >= 7, medium >= 4. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
};

const pascal = (id: string) => id.replace(/(^|-)([a-z0-9])/g, (_, _dash, ch: string) => ch.toUpperCase());

function ruleDescriptor(rule: Rule) {
  const m = rule.meta;
  const markdown = [
    m.rationale,
    '',
    `**Remediation:** ${m.remediation.summary}`,
    ...(m.remediation.cloudformation
      ? ['', 'CloudFormation:', '```yaml', m.remediation.cloudformation, '```']
      : []),
    ...(m.remediation.terraform ? ['', 'Terraform:', '```hcl', m.remediation.terraform, '```'] : []),
    ...(m.remediation.cli ? ['', 'AWS CLI:', '```sh', m.remediation.cli, '```'] : []),
  ].join('\n');
  const frameworks = Object.entries(m.frameworks).flatMap(([framework, controls]) =>
    (controls ?? []).map((control) => `${framework}:${control}`),
  );
  return {
    id: m.id,
    name: pascal(m.id),
    shortDescription: { text: m.title },
    fullDescription: { text: m.rationale },
    help: { text: `${m.rationale}\n\nRemediation: ${m.remediation.summary}`, markdown },
    ...((ruleDocsUrl(m.id) ?? m.references[0]) ? { helpUri: ruleDocsUrl(m.id) ?? m.references[0] } : {}),
    defaultConfiguration: { level: LEVEL[m.severity] },
    properties: {
      tags: ['security', 'kms', 'sagemaker-hyperpod', m.resourceType, ...frameworks],
      precision: 'high',
      'problem.severity':
        m.severity === 'low' ? 'recommendation' : m.severity === 'medium' ? 'warning' : 'error',
      'security-severity': SECURITY_SEVERITY[m.severity],
    },
  };
}

const SRCROOT = '%SRCROOT%';
const encode = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** A location's file as a SARIF artifact: relative to the repository root, or an absolute file URI. */
function artifact(file: string, context: PathContext) {
  const relative = repoRelative(file, context);
  if (relative) return { uri: encode(relative), uriBaseId: SRCROOT };
  if (/^[A-Za-z]:[\\/]/.test(file)) return { uri: `file:///${encode(file.replace(/\\/g, '/'))}` };
  if (file.startsWith('/')) return { uri: `file://${encode(file)}` };
  if (context.cwd) return { uri: pathToFileURL(resolve(context.cwd, file)).href };
  return { uri: encode(file.replace(/\\/g, '/')) };
}

function physical(location: Location, context: PathContext) {
  return {
    physicalLocation: {
      artifactLocation: artifact(location.file, context),
      ...(location.line
        ? {
            region: {
              startLine: location.line,
              ...(location.column ? { startColumn: location.column } : {}),
            },
          }
        : {}),
    },
  };
}

/**
 * A result's SARIF `baselineState` when the run compared against a --baseline (some finding was
 * recorded in it): "unchanged" for one it records, "new" for one it does not; absent otherwise.
 */
type BaselineState = 'new' | 'unchanged' | undefined;

/**
 * Text code scanning shows people (alert messages, annotations on a pull request's diff,
 * https://docs.github.com/en/code-security/code-scanning/managing-code-scanning-alerts/triaging-code-scanning-alerts-in-pull-requests):
 * a tenant's control, bidi and invisible characters as visible escapes (escape.ts), as on a
 * terminal. Locations, logical names and fingerprints stay exact: they are matched, not read.
 */
const shown = escapeControlKeepNewlines;

function result(finding: Finding, ruleIndex: number, context: PathContext, baselined: boolean) {
  const r = finding.resource;
  const logical = {
    fullyQualifiedName: repoRelativeId(r, context),
    name: r.instanceGroup ?? r.cluster ?? r.id,
    kind: r.type === 'kms-key' ? 'resource' : r.type === 'account' ? 'namespace' : 'resource',
  };
  const unknown = finding.status === 'UNKNOWN';
  return {
    ruleId: finding.ruleId,
    ...(ruleIndex >= 0 ? { ruleIndex } : {}),
    kind: unknown ? 'review' : 'fail',
    level: unknown ? 'note' : LEVEL[finding.severity],
    message: {
      text: shown(
        unknown
          ? `Could not be judged: ${finding.message}. To find out: ${finding.remediation}`
          : finding.message,
      ),
    },
    locations: [{ ...(r.location ? physical(r.location, context) : {}), logicalLocations: [logical] }],
    partialFingerprints: { 'hyperpodCmkFinding/v1': finding.fingerprint },
    ...(baselined ? { baselineState: (finding.baseline ? 'unchanged' : 'new') satisfies BaselineState } : {}),
    ...(finding.suppressed
      ? {
          suppressions: [
            {
              kind: 'external',
              status: 'accepted',
              justification: shown(
                `${finding.suppressed.reason}${finding.suppressed.expires ? ` (until ${finding.suppressed.expires})` : ''}`,
              ),
            },
          ],
        }
      : {}),
    properties: {
      status: finding.status,
      severity: finding.severity,
      // GitHub ranks alerts by this; a rule may raise a finding above its default severity.
      'security-severity': SECURITY_SEVERITY[finding.severity],
      messageId: finding.messageId,
      resourceType: r.type,
      remediation: finding.remediation,
      ...(finding.suppressionExpired ? { suppressionExpired: finding.suppressionExpired } : {}),
    },
  };
}

function notification(issue: SourceIssue, context: PathContext) {
  return {
    level: issue.severity === 'error' ? 'error' : 'warning',
    message: { text: shown(`${issue.message}${issue.hint ? ` (${issue.hint})` : ''}`) },
    descriptor: { id: issue.code },
    ...(issue.location ? { locations: [physical(issue.location, context)] } : {}),
  };
}

/**
 * The run's category and id: `hyperpod-cmk/<iac|live|snapshot>/<hash of what was scanned>/`. The
 * trailing slash makes the whole id the category (GitHub keeps one set of alerts per category).
 */
export function automationId(report: Report, context: PathContext = {}): string {
  const scope = scanScope(report, context);
  const kind = isIacSource(report.scan.source) ? 'iac' : report.scan.source;
  return `hyperpod-cmk/${kind}/${scope.key ? `${scope.key}/` : ''}`;
}

/**
 * The most results a run may hold for GitHub code scanning to accept the upload
 * (https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/results-exceed-limit).
 */
export const GITHUB_MAX_RESULTS = 25_000;

/**
 * Which findings a log holds as results, in `BUCKETS` groups of equal urgency, the most urgent
 * first: open failures by severity, then UNKNOWN by severity, then those the --baseline records by
 * severity, then suppressed by severity.
 */
const BUCKETS = 16;
const bucketOf = (finding: Finding): number => {
  const level = urgency(finding);
  if (level <= 4) return level - 1;
  return (level - 4) * 4 + SEVERITY_ORDER[finding.severity] - 1;
};
const KINDS: readonly (keyof SarifOmitted)[] = ['failed', 'unknown', 'baseline', 'suppressed'];
const kindOf = (bucket: number): keyof SarifOmitted => KINDS[bucket >> 2]!;

const isResult = (finding: Finding) => finding.status === 'FAIL' || finding.status === 'UNKNOWN';

/** The FAIL and UNKNOWN findings left out of a log, by kind. */
export interface SarifOmitted {
  failed: number;
  unknown: number;
  /** Recorded in the --baseline file (FAIL or UNKNOWN). */
  baseline: number;
  suppressed: number;
}

/** How many results a log of `report` holds and leaves out with at most `maxResults` (Infinity: all). */
export interface SarifCount {
  total: number;
  written: number;
  omitted: SarifOmitted;
}

/** What was left out, given how many findings each bucket has. */
function countOf(sizes: readonly number[], maxResults: number): SarifCount {
  const omitted: SarifOmitted = { failed: 0, unknown: 0, baseline: 0, suppressed: 0 };
  let room = maxResults;
  let total = 0;
  for (const [bucket, size] of sizes.entries()) {
    total += size;
    const kept = Math.min(size, room);
    room -= kept;
    omitted[kindOf(bucket)] += size - kept;
  }
  return { total, written: Math.min(total, maxResults), omitted };
}

/** What `renderSarif` with `maxResults` writes and leaves out, counted without making the log. */
export function countSarifResults(report: Report, maxResults: number = GITHUB_MAX_RESULTS): SarifCount {
  const sizes = new Array<number>(BUCKETS).fill(0);
  for (const finding of report.findings) if (isResult(finding)) sizes[bucketOf(finding)]!++;
  return countOf(sizes, maxResults);
}

/**
 * The findings a log holds, the most urgent first, each group of equals in the report's order.
 * Where the cap cuts a group, the ones kept are those of the smallest fingerprints, so that the
 * same findings make the cut from one scan to the next whatever order the sources listed them in
 * (an alert left out of one upload would be closed, and opened again by the next).
 */
function selectResults(report: Report, maxResults: number): { findings: Finding[]; count: SarifCount } {
  const buckets = Array.from({ length: BUCKETS }, (): Finding[] => []);
  for (const finding of report.findings) if (isResult(finding)) buckets[bucketOf(finding)]!.push(finding);
  const findings: Finding[] = [];
  for (const bucket of buckets) {
    const room = maxResults - findings.length;
    if (room >= bucket.length) {
      pushAll(findings, bucket);
      continue;
    }
    // A finding's fingerprint is made when read (engine/lazy-finding.ts): once each, not per
    // comparison; the group is sorted as indices into them, no object made per finding.
    const keys = bucket.map((finding) => finding.fingerprint);
    const order = Array.from(keys.keys()).sort((a, b) =>
      keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0,
    );
    for (let i = 0; i < room; i++) findings.push(bucket[order[i]!]!);
    break;
  }
  return {
    findings,
    count: countOf(
      buckets.map((bucket) => bucket.length),
      maxResults,
    ),
  };
}

const counted = (n: number) => n.toLocaleString('en-US');

/** How the results are ranked, in words (urgency.ts). */
export const URGENCY_ORDER =
  'failures by severity, then unknown, then those in the baseline, then suppressed';

/** "2 failed, 0 unknown, 1 suppressed": what was left out, by kind; the baseline's only when it counts some. */
export function omittedKinds({ failed, unknown, baseline, suppressed }: SarifOmitted): string {
  return `${counted(failed)} failed, ${counted(unknown)} unknown, ${baseline > 0 ? `${counted(baseline)} in baseline, ` : ''}${counted(suppressed)} suppressed`;
}

/** The notification of a log that leaves results out: how many, which, and where they all are. */
function omissionNotification(count: SarifCount, maxResults: number) {
  return {
    level: 'warning',
    message: {
      text:
        `${counted(count.total - count.written)} of ${counted(count.total)} results are left out of this log ` +
        `(${omittedKinds(count.omitted)}): it holds the ${counted(maxResults)} most urgent (${URGENCY_ORDER}), as ` +
        `--sarif-max-results asks (default ${counted(GITHUB_MAX_RESULTS)}: GitHub code scanning rejects a run of more). ` +
        'Every finding is in the JSON report (--format json); --sarif-max-results none writes them all here.',
    },
    descriptor: { id: 'sarif.results_omitted' },
  };
}

/**
 * The SARIF log of `report`: at most `maxResults` results (default GitHub's limit; Infinity for
 * every FAIL and UNKNOWN finding).
 */
export function renderSarif(
  report: Report,
  rules: readonly Rule[] = RULES,
  context: PathContext = {},
  maxResults: number = GITHUB_MAX_RESULTS,
): string {
  const { findings, count } = selectResults(report, maxResults);
  const results = [...sarifResults(findings, rules, context, report.summary.baseline !== undefined)];
  return `${JSON.stringify(sarifLog(report, rules, context, results, count, maxResults), null, 2)}\n`;
}

/**
 * The same bytes as `renderSarif`, in pieces, for a writer that streams them to a file: the
 * results are made and serialised a batch at a time, never held whole (an organisation's SARIF
 * log is about as long as a JavaScript string can be).
 */
export function renderSarifChunks(
  report: Report,
  rules: readonly Rule[] = RULES,
  context: PathContext = {},
  maxResults: number = GITHUB_MAX_RESULTS,
): Iterable<string> {
  const { findings, count } = selectResults(report, maxResults);
  return lazyArrayInDocument(
    (placeholder) => sarifLog(report, rules, context, placeholder, count, maxResults),
    sarifResults(findings, rules, context, report.summary.baseline !== undefined),
  );
}

/** The results of the findings given, made one at a time. */
function* sarifResults(
  findings: readonly Finding[],
  rules: readonly Rule[],
  context: PathContext,
  baselined: boolean,
): Generator<unknown> {
  const index = new Map(rules.map((rule, i) => [rule.meta.id, i]));
  for (const finding of findings) yield result(finding, index.get(finding.ruleId) ?? -1, context, baselined);
}

/** The SARIF log, its results as given. */
function sarifLog(
  report: Report,
  rules: readonly Rule[],
  context: PathContext,
  results: unknown,
  count: SarifCount,
  maxResults: number,
) {
  const root = context.baseDir
    ? { uri: pathToFileURL(context.baseDir.endsWith('/') ? context.baseDir : `${context.baseDir}/`).href }
    : {};
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            semanticVersion: report.tool.version,
            rules: rules.map(ruleDescriptor),
          },
        },
        automationDetails: { id: automationId(report, context) },
        originalUriBaseIds: {
          [SRCROOT]: { ...root, description: { text: 'The root of the repository that was scanned' } },
        },
        invocations: [
          {
            executionSuccessful: !report.issues.some((issue) => issue.severity === 'error'),
            startTimeUtc: report.scan.startedAt,
            endTimeUtc: report.scan.finishedAt,
            toolExecutionNotifications: [
              ...report.issues.map((issue) => notification(issue, context)),
              ...(count.written < count.total ? [omissionNotification(count, maxResults)] : []),
            ],
          },
        ],
        results,
        columnKind: 'utf16CodeUnits',
        properties: { summary: report.summary, scanId: report.scan.id },
      },
    ],
  };
  return log;
}
