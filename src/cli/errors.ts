import type { SourceIssue } from '../model/finding.js';
import { type InputError, InputRejected } from '../model/input-error.js';
import { bounded } from '../model/text.js';
import { escapeControl } from '../reporters/escape.js';

/**
 * An input error on its way to the entry point, which prints it and exits 2: the model's one
 * thrown input error, so a store's or a dump's refusal reaches the entry the same way.
 */
export { InputRejected as CliInputError };

export const inputError = (detail: InputError): InputRejected => new InputRejected(detail);

/** The one-line (plus problems) form of an input error, as printed on stderr. */
export function formatInputError(detail: InputError): string {
  // File names, paths and parse errors quote the input: one line each, whatever they hold, each
  // value at most MAX_SHOWN_CHARS of it (a megabyte file name made a megabyte line).
  const e = (text: string) => escapeControl(bounded(text));
  const lines = [`hyperpod-cmk: ${e(detail.input)}: ${e(detail.message)}`];
  for (const problem of detail.problems?.slice(0, 20) ?? [])
    lines.push(`  ${e(problem.path)}: ${e(problem.message)}`);
  if ((detail.problems?.length ?? 0) > 20) lines.push(`  … and ${detail.problems!.length - 20} more`);
  if (detail.hint) lines.push(`  hint: ${e(detail.hint)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The errors an IaC scan met, as warnings on stderr (a command that reads IaC for another purpose,
 * as `guardrails --iac` and the estate commands do, goes on without what they cost it).
 */
export function iacErrorWarnings(issues: readonly SourceIssue[]): string {
  return issues
    .filter((issue) => issue.severity === 'error')
    .map((issue) => {
      const where = issue.location
        ? `${bounded(issue.location.file)}${issue.location.line ? `:${issue.location.line}` : ''}: `
        : '';
      return `hyperpod-cmk: warning: ${escapeControl(`${where}${bounded(issue.message)}`)} (skipped)\n`;
    })
    .join('');
}
