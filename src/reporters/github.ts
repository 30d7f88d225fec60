/**
 * GitHub Actions annotations: one workflow command per line on stdout, which the runner turns into
 * annotations on the pull request's files (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands):
 *
 *   ::error file=infra/stack.yaml,line=12,title=hyperpod-root-volume-cmk (critical)::message
 *
 * - unsuppressed FAIL: `error` (critical, high), `warning` (medium), `notice` (low);
 * - UNKNOWN: `warning`, "could not be judged"; suppressed: `notice`, with the reason;
 *   PASS and NOT_APPLICABLE: nothing; problems reading the inputs: `error` / `warning`;
 * - paths are relative to the repository root (GITHUB_WORKSPACE), as the runner expects.
 *
 * Escaping is the runner's own (actions/toolkit `command.ts`): in the message `%`, CR and LF become
 * %25, %0D, %0A; in properties `:` and `,` also become %3A and %2C. So no value can end a command or
 * start another; other control, bidi and invisible characters are written as visible \u escapes
 * (escape.ts), as a pull request's annotation is read by a reviewer as a terminal line is.
 * The runner undoes exactly that escaping (actions/runner `ActionCommand.cs`, UnescapeProperty) and
 * matches `file` to the repository's files, so a file is named only when that escaping alone writes
 * its name: one holding another control, bidi or invisible character (which a visible escape would
 * turn into the name of a file that does not exist) is named in the message instead, as a file
 * outside the repository is.
 */
import type { Finding, Severity, SourceIssue } from '../model/finding.js';
import type { Location } from '../model/inventory.js';
import type { Report } from '../model/report.js';
import { bounded } from '../model/text.js';
import { escapeControlButLineEnds } from './escape.js';
import { type PathContext, repoRelative, repoRelativeId } from './locations.js';
import { urgency } from './urgency.js';

type Command = 'error' | 'warning' | 'notice';

const LEVEL: Record<Severity, Command> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'notice',
};

/** A workflow command's message (data). */
export const escapeData = (text: string): string =>
  escapeControlButLineEnds(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** A workflow command's property value. */
export const escapeProperty = (text: string): string =>
  escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

function command(name: Command, properties: Record<string, string | number | undefined>, message: string) {
  const props = Object.entries(properties)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

function place(location: Location | undefined, context: PathContext) {
  if (!location) return {};
  const file = repoRelative(location.file, context);
  // A file outside the repository cannot be annotated, nor one whose name cannot be written as it
  // is: its path goes into the message instead (`unplaced`).
  if (!file || escapeControlButLineEnds(file) !== file) return {};
  return { file, line: location.line, col: location.line ? location.column : undefined };
}

/** Where a location that `place` could not name is, for the end of the message ('' when it named it). */
function unplaced(location: Location | undefined, at: { file?: string }): string {
  if (!location || at.file) return '';
  const file = bounded(location.file);
  return `\n(${file}${location.line ? `:${location.line}` : ''})`;
}

/**
 * The kind of annotation a finding is written as (FAIL and UNKNOWN only). Suppressed ones, and
 * those the --baseline records (known, not failing the run), are notices.
 */
function levelOf(finding: Finding): Command {
  if (finding.suppressed || finding.baseline) return 'notice';
  return finding.status === 'FAIL' ? LEVEL[finding.severity] : 'warning';
}

function findingCommand(finding: Finding, context: PathContext): string | undefined {
  const r = finding.resource;
  // A tenant's megabyte name would make a megabyte annotation: each value `bounded`.
  const subject = r.instanceGroup
    ? `${bounded(r.cluster)}/${bounded(r.instanceGroup)}`
    : bounded(r.cluster ?? repoRelativeId(r, context));
  const at = place(r.location, context);
  const outside = unplaced(r.location, at);
  if (finding.suppressed) {
    if (finding.status !== 'FAIL' && finding.status !== 'UNKNOWN') return undefined;
    const until = finding.suppressed.expires ? ` until ${finding.suppressed.expires}` : '';
    return command(
      levelOf(finding),
      { ...at, title: `${finding.ruleId} (suppressed)` },
      `${subject}: ${finding.message}\nSuppressed${until}: ${bounded(finding.suppressed.reason)}${outside}`,
    );
  }
  if (finding.baseline)
    return command(
      levelOf(finding),
      { ...at, title: `${finding.ruleId} (in baseline)` },
      `${subject}: ${finding.message}\nIn the baseline (${finding.status}): recorded in the --baseline file, does not fail the run${outside}`,
    );
  if (finding.status === 'FAIL')
    return command(
      levelOf(finding),
      { ...at, title: `${finding.ruleId} (${finding.severity})` },
      `${subject}: ${finding.message}\nRemediation: ${finding.remediation}${outside}`,
    );
  if (finding.status === 'UNKNOWN')
    return command(
      levelOf(finding),
      { ...at, title: `${finding.ruleId} (could not be judged)` },
      `${subject}: ${finding.message}\n${finding.remediation}${outside}`,
    );
  return undefined;
}

/** The kind of annotation a source issue is written as. */
const issueLevel = (issue: SourceIssue): Command => (issue.severity === 'error' ? 'error' : 'warning');

function issueCommand(issue: SourceIssue, context: PathContext): string {
  const at = place(issue.location, context);
  return command(
    issueLevel(issue),
    { ...at, title: issue.code },
    `${issue.message}${issue.hint ? `\nhint: ${issue.hint}` : ''}${unplaced(issue.location, at)}`,
  );
}

/**
 * Annotations GitHub shows per step of each kind (error, warning, notice); it drops the rest in the
 * order they were written, though they stay in the log (actions/toolkit docs/problem-matchers.md:
 * 10 of each kind per step, 50 per job).
 */
export const SHOWN_PER_KIND = 10;

export function renderGithub(report: Report, context: PathContext = {}): string {
  // Errors first, as failures come before what could not be judged.
  const issues = [...report.issues].sort(
    (a, b) => Number(issueLevel(a) !== 'error') - Number(issueLevel(b) !== 'error'),
  );
  const findings = report.findings
    .filter((f) => f.status === 'FAIL' || f.status === 'UNKNOWN')
    // The ones GitHub shows are the ones that matter most (urgency.ts).
    .sort((a, b) => urgency(a) - urgency(b));
  const lines = [
    ...issues.map((issue) => issueCommand(issue, context)),
    ...findings.flatMap((finding) => findingCommand(finding, context) ?? []),
  ];
  const written = { error: 0, warning: 0, notice: 0 };
  for (const issue of issues) written[issueLevel(issue)]++;
  for (const finding of findings) written[levelOf(finding)]++;
  if (Object.values(written).some((count) => count > SHOWN_PER_KIND))
    lines.push(
      `hyperpod-cmk: GitHub shows ${SHOWN_PER_KIND} annotations of each kind per step: this step wrote ` +
        `${written.error} errors, ${written.warning} warnings and ${written.notice} notices, the most severe ` +
        'first; every one is in this log (--format sarif sends them to code scanning)',
    );
  const s = report.summary;
  lines.push(
    `hyperpod-cmk: ${s.fail} failed, ${s.unknown} unknown, ${s.pass} passed, ${s.suppressed} suppressed` +
      ` · clusters ${s.compliantClusters + s.compliantByException} of ${s.clusters} compliant`,
  );
  return `${lines.join('\n')}\n`;
}
