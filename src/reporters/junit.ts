/**
 * JUnit XML, for CI systems that show test results (Jenkins, GitLab, Azure DevOps, CircleCI,
 * GitHub test-reporter actions). Each rule is a <testsuite>; each rule x resource is a <testcase>
 * (classname = rule id, name = resource):
 *
 * - PASS: an empty testcase;
 * - FAIL: <failure type="<severity>" message="<message>"> with the location and remediation;
 * - UNKNOWN, NOT_APPLICABLE, suppressed results and those in the --baseline: <skipped message="...">
 *   saying which and why (an UNKNOWN is never a pass; a failure the baseline records does not fail
 *   the run, so it is not a failed test either);
 * - problems reading the inputs: an "inputs" testsuite with one <error> per problem.
 *
 * Valid against the Jenkins xUnit plugin's junit-10.xsd (test/fixtures/junit). XML 1.0 cannot carry
 * most control characters even escaped: they are written as visible \u escapes, as are the bidi and
 * invisible characters every text format escapes (escape.ts: a CI page shows these names).
 */
import type { Finding, SourceIssue } from '../model/finding.js';
import type { Report } from '../model/report.js';
import { escapeControlButXmlWhitespace } from './escape.js';
import { displayFile, type PathContext, repoRelativeId } from './locations.js';

/** Text safe in XML 1.0 attribute values and character data. */
export function xml(text: string): string {
  return escapeControlButXmlWhitespace(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/** The same, for attribute values: newlines kept as character references (a literal one is normalised away). */
const attr = (text: string) => xml(text).replace(/\n/g, '&#10;');

function where(finding: Finding, context: PathContext): string | undefined {
  const location = finding.resource.location;
  if (!location) return undefined;
  return `${displayFile(location.file, context)}${location.line ? `:${location.line}` : ''}`;
}

function testcase(finding: Finding, context: PathContext): string {
  const open = `    <testcase classname="${attr(finding.ruleId)}" name="${attr(repoRelativeId(finding.resource, context))}"`;
  const at = where(finding, context);
  const body = [finding.message, ...(at ? [`at ${at}`] : []), '', `Remediation: ${finding.remediation}`].join(
    '\n',
  );
  if (finding.suppressed) {
    const until = finding.suppressed.expires ? ` (until ${finding.suppressed.expires})` : '';
    return `${open}>\n      <skipped message="${attr(`suppressed (${finding.status}): ${finding.suppressed.reason}${until}`)}">${xml(body)}</skipped>\n    </testcase>`;
  }
  if (finding.baseline)
    return `${open}>\n      <skipped message="${attr(`in baseline (${finding.status}): recorded in the --baseline file, does not fail the run: ${finding.message}`)}">${xml(body)}</skipped>\n    </testcase>`;
  switch (finding.status) {
    case 'PASS':
      return `${open}/>`;
    case 'FAIL':
      return `${open}>\n      <failure type="${finding.severity}" message="${attr(finding.message)}">${xml(body)}</failure>\n    </testcase>`;
    case 'UNKNOWN':
      return `${open}>\n      <skipped message="${attr(`UNKNOWN: could not be judged: ${finding.message}`)}">${xml(body)}</skipped>\n    </testcase>`;
    case 'NOT_APPLICABLE':
      return `${open}>\n      <skipped message="${attr(`NOT_APPLICABLE: ${finding.message}`)}"/>\n    </testcase>`;
  }
}

function issueCase(issue: SourceIssue, context: PathContext): string {
  const at = issue.location
    ? `${displayFile(issue.location.file, context)}${issue.location.line ? `:${issue.location.line}` : ''}`
    : 'inputs';
  const text = `${issue.message}${issue.hint ? `\nhint: ${issue.hint}` : ''}`;
  const child = issue.severity === 'error' ? 'error' : 'skipped';
  return `    <testcase classname="inputs" name="${attr(at)}">\n      <${child} type="${attr(issue.code)}" message="${attr(issue.message)}">${xml(text)}</${child}>\n    </testcase>`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** Test cases joined into one piece. */
const CASE_BATCH = 512;

/** A test suite in pieces: its cases made and joined a batch at a time. */
function* suiteChunks<T>(
  name: string,
  counts: Counts,
  timestamp: string,
  items: readonly T[],
  testCase: (item: T) => string,
): Generator<string> {
  yield `  <testsuite name="${attr(name)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" timestamp="${attr(timestamp)}">\n`;
  for (let i = 0; i < items.length; i += CASE_BATCH)
    yield `${i === 0 ? '' : '\n'}${items
      .slice(i, i + CASE_BATCH)
      .map(testCase)
      .join('\n')}`;
  yield '\n  </testsuite>\n';
}

export function renderJunit(report: Report, context: PathContext = {}): string {
  return [...renderJunitChunks(report, context)].join('');
}

/**
 * The JUnit report in pieces, for a writer that streams them to a file (and joined, the report):
 * the counts first, as the header needs them, then each suite's cases a batch at a time, so that
 * the whole text (350 MB for an organisation) is never one string.
 */
export function* renderJunitChunks(report: Report, context: PathContext = {}): Generator<string> {
  const byRule = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const list = byRule.get(finding.ruleId) ?? [];
    list.push(finding);
    byRule.set(finding.ruleId, list);
  }
  const timestamp = report.scan.startedAt.replace(/Z$/, '');
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const add = (counts: Counts) => {
    for (const key of Object.keys(total) as (keyof Counts)[]) total[key] += counts[key];
    return counts;
  };
  const suites: [string, Counts][] = [...byRule].map(([ruleId, findings]) => [
    ruleId,
    add({
      tests: findings.length,
      failures: findings.filter((f) => f.status === 'FAIL' && !f.suppressed && !f.baseline).length,
      errors: 0,
      skipped: findings.filter(
        (f) => f.suppressed || f.baseline || f.status === 'UNKNOWN' || f.status === 'NOT_APPLICABLE',
      ).length,
    }),
  ]);
  const issueErrors = report.issues.filter((issue) => issue.severity === 'error').length;
  const issueCounts =
    report.issues.length > 0
      ? add({
          tests: report.issues.length,
          failures: 0,
          errors: issueErrors,
          skipped: report.issues.length - issueErrors,
        })
      : undefined;
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<testsuites name="hyperpod-cmk" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}">\n`;
  for (const [ruleId, counts] of suites)
    yield* suiteChunks(ruleId, counts, timestamp, byRule.get(ruleId)!, (f) => testcase(f, context));
  if (issueCounts)
    yield* suiteChunks('inputs', issueCounts, timestamp, report.issues, (issue) => issueCase(issue, context));
  yield '</testsuites>\n';
}
