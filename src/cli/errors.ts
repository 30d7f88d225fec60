import { type InputError, InputRejected } from '../model/input-error.js';
import { MAX_SHOWN_CHARS, shortened } from '../model/text.js';
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
  const e = (text: string) => escapeControl(shortened(text, MAX_SHOWN_CHARS));
  const lines = [`hyperpod-cmk: ${e(detail.input)}: ${e(detail.message)}`];
  for (const problem of detail.problems?.slice(0, 20) ?? [])
    lines.push(`  ${e(problem.path)}: ${e(problem.message)}`);
  if ((detail.problems?.length ?? 0) > 20) lines.push(`  … and ${detail.problems!.length - 20} more`);
  if (detail.hint) lines.push(`  hint: ${e(detail.hint)}`);
  return `${lines.join('\n')}\n`;
}
