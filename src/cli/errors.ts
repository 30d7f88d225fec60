import type { InputError } from '../model/input-error.js';

/** An input error on its way to the entry point, which prints it and exits 2. */
export class CliInputError extends Error {
  constructor(readonly detail: InputError) {
    super(detail.message);
    this.name = 'CliInputError';
  }
}

export const inputError = (detail: InputError): CliInputError => new CliInputError(detail);

/** The one-line (plus problems) form of an input error, as printed on stderr. */
export function formatInputError(detail: InputError): string {
  const lines = [`hyperpod-cmk: ${detail.input}: ${detail.message}`];
  for (const problem of detail.problems?.slice(0, 20) ?? [])
    lines.push(`  ${problem.path}: ${problem.message}`);
  if ((detail.problems?.length ?? 0) > 20) lines.push(`  … and ${detail.problems!.length - 20} more`);
  if (detail.hint) lines.push(`  hint: ${detail.hint}`);
  return `${lines.join('\n')}\n`;
}
