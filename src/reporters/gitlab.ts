/**
 * GitLab Code Quality report (`artifacts: reports: codequality:`), shown in the merge request
 * widget and diff: a JSON array of issues, each with `description`, `check_name`, `fingerprint`,
 * `severity` (info, minor, major, critical, blocker) and `location.path` / `location.lines.begin`,
 * the subset of the Code Climate spec GitLab reads
 * (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).
 *
 * - unsuppressed FAIL: critical -> critical, high -> major, medium -> minor, low -> info;
 * - UNKNOWN: info, "could not be judged"; suppressed FAIL/UNKNOWN: info, with the reason (kept,
 *   marked); FAIL/UNKNOWN the --baseline records: info, "[in baseline]" (known, not failing the
 *   run); PASS and NOT_APPLICABLE: nothing;
 * - problems reading the inputs: major (errors) or minor (warnings);
 * - `fingerprint` is the finding's stable fingerprint, so GitLab tells new issues from old ones;
 * - paths are relative to the repository root. A live finding has no file: its path is the
 *   resource's id and its line 1.
 */
import { createHash } from 'node:crypto';
import type { Finding, Severity, SourceIssue } from '../model/finding.js';
import type { Location } from '../model/inventory.js';
import type { Report } from '../model/report.js';
import { escapeControlKeepNewlines } from './escape.js';
import { lazyArrayInDocument } from './json.js';
import { displayFile, type PathContext, repoRelativeId } from './locations.js';

export type CodeQualitySeverity = 'info' | 'minor' | 'major' | 'critical' | 'blocker';

export interface CodeQualityIssue {
  type: 'issue';
  check_name: string;
  description: string;
  categories: string[];
  fingerprint: string;
  severity: CodeQualitySeverity;
  location: { path: string; lines: { begin: number } };
}

const SEVERITY: Record<Severity, CodeQualitySeverity> = {
  critical: 'critical',
  high: 'major',
  medium: 'minor',
  low: 'info',
};

/**
 * A description as GitLab shows it to a reviewer in the merge request: a tenant's control, bidi and
 * invisible characters as visible escapes (escape.ts), as on a terminal. Paths and fingerprints
 * stay exact: GitLab matches them to files and to other reports.
 */
const shown = escapeControlKeepNewlines;

const location = (at: Location | undefined, fallback: string, context: PathContext) => ({
  path: at ? displayFile(at.file, context) : fallback,
  lines: { begin: at?.line ?? 1 },
});

function findingIssue(finding: Finding, context: PathContext): CodeQualityIssue | undefined {
  if (finding.status !== 'FAIL' && finding.status !== 'UNKNOWN') return undefined;
  const r = finding.resource;
  const subject = r.instanceGroup
    ? `${r.cluster}/${r.instanceGroup}`
    : (r.cluster ?? repoRelativeId(r, context));
  const base = {
    type: 'issue' as const,
    check_name: `hyperpod-cmk/${finding.ruleId}`,
    categories: ['Security'],
    fingerprint: finding.fingerprint,
    location: location(r.location, repoRelativeId(r, context), context),
  };
  if (finding.suppressed) {
    const until = finding.suppressed.expires ? ` until ${finding.suppressed.expires}` : '';
    return {
      ...base,
      severity: 'info',
      description: shown(`[suppressed${until}: ${finding.suppressed.reason}] ${subject}: ${finding.message}`),
    };
  }
  if (finding.baseline)
    return {
      ...base,
      severity: 'info',
      description: shown(
        `[in baseline: ${finding.status}, does not fail the run] ${subject}: ${finding.message}`,
      ),
    };
  if (finding.status === 'UNKNOWN')
    return {
      ...base,
      severity: 'info',
      description: shown(`Could not be judged: ${subject}: ${finding.message}`),
    };
  return {
    ...base,
    severity: SEVERITY[finding.severity],
    description: shown(`${subject}: ${finding.message}`),
  };
}

function issueEntry(issue: SourceIssue, context: PathContext): CodeQualityIssue {
  const at = location(issue.location, 'hyperpod-cmk', context);
  return {
    type: 'issue',
    check_name: `hyperpod-cmk/${issue.code}`,
    description: shown(`${issue.message}${issue.hint ? ` (${issue.hint})` : ''}`),
    categories: ['Bug Risk'],
    fingerprint: createHash('md5')
      .update([issue.code, at.path, String(at.lines.begin), issue.message].join('\0'))
      .digest('hex'),
    severity: issue.severity === 'error' ? 'major' : 'minor',
    location: at,
  };
}

export function toCodeQuality(report: Report, context: PathContext = {}): CodeQualityIssue[] {
  return [...codeQualityIssues(report, context)];
}

/** The entries of the report: its input issues, then its findings', made one at a time. */
function* codeQualityIssues(report: Report, context: PathContext): Generator<CodeQualityIssue> {
  for (const issue of report.issues) yield issueEntry(issue, context);
  for (const finding of report.findings) {
    const entry = findingIssue(finding, context);
    if (entry) yield entry;
  }
}

export function renderGitlab(report: Report, context: PathContext = {}): string {
  return `${JSON.stringify(toCodeQuality(report, context), null, 2)}\n`;
}

/**
 * The same bytes as `renderGitlab`, in pieces, for a writer that streams them to a file: the
 * entries made and serialised a batch at a time, never held whole.
 */
export function renderGitlabChunks(report: Report, context: PathContext = {}): Iterable<string> {
  return lazyArrayInDocument((placeholder) => placeholder, codeQualityIssues(report, context));
}
