/** Issues the parsers raise in the same words whichever format they read. */
import type { SourceIssue } from '../../model/finding.js';
import { shortened } from '../../model/text.js';

/**
 * What a file or a stack that tripped the scanner becomes: an error that fails the scan as
 * incomplete, while the other files keep their results. The exception's message is left out: it
 * may quote the input.
 */
export function internalIssue(file: string | undefined, error: unknown): SourceIssue {
  const tooDeep = error instanceof RangeError;
  return {
    code: 'iac.internal',
    severity: 'error',
    message: `could not be scanned: ${tooDeep ? 'nested or repeated beyond what the scanner can evaluate' : 'an internal error of the scanner'} (${error instanceof Error ? error.name : 'Error'})`,
    hint: 'the other files were still scanned; please report this input',
    ...(file ? { location: { file } } : {}),
  };
}

/** Pushes an issue unless the same code, message and location is already there. */
export function pushOnce(issues: SourceIssue[], issue: SourceIssue): void {
  const same = (other: SourceIssue) =>
    other.code === issue.code &&
    other.message === issue.message &&
    other.location?.file === issue.location?.file &&
    other.location?.line === issue.location?.line;
  if (!issues.some(same)) issues.push(issue);
}

/** The most of an issue's message or hint a scan reports. */
const MAX_ISSUE_CHARS = 1_000;

/**
 * An issue as a scan reports it, its texts bounded: a message may quote a name from the files (a
 * logical id, an address, a parameter name) of any length.
 */
export function boundedIssue(issue: SourceIssue): SourceIssue {
  if (issue.message.length <= MAX_ISSUE_CHARS && (issue.hint?.length ?? 0) <= MAX_ISSUE_CHARS) return issue;
  return {
    ...issue,
    message: shortened(issue.message, MAX_ISSUE_CHARS),
    ...(issue.hint === undefined ? {} : { hint: shortened(issue.hint, MAX_ISSUE_CHARS) }),
  };
}
