/** Parses and validates `hyperpod-cmk.yaml` text; every problem names its path and what was expected. */
import { parseDocument } from 'yaml';
import type { InputError } from '../model/input-error.js';
import { err, ok, type Result } from '../model/result.js';
import { validate } from '../model/validate.js';
import { type Config, ConfigSchema, type ResolvedConfig, resolveConfig } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'hyperpod-cmk.yaml';

export function parseConfig(
  text: string,
  file: string,
  ruleIds: readonly string[],
): Result<ResolvedConfig, InputError> {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = first.linePos?.[0];
    return err({
      code: 'config.parse',
      input: file,
      message: `${line ? `line ${line.line}, column ${line.col}: ` : ''}${first.message.split('\n')[0]}`,
      hint: 'fix the YAML syntax (indentation, quotes, a stray tab)',
    });
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    return err({ code: 'config.parse', input: file, message: (error as Error).message });
  }
  const parsed = validate<Config>(ConfigSchema, raw);
  if (!parsed.ok) {
    return err({
      code: 'config.invalid',
      input: file,
      message: 'the config does not match its schema',
      hint: 'see schemas/config.schema.json and the Config section of the README',
      problems: parsed.error,
    });
  }
  const known = new Set(ruleIds);
  const problems = [
    ...Object.keys(parsed.value.rules ?? {})
      .filter((id) => !known.has(id))
      .map((id) => ({
        path: `$.rules[${JSON.stringify(id)}]`,
        message: `unknown rule id "${id}" (hyperpod-cmk rules lists them)`,
      })),
    ...(parsed.value.suppressions ?? []).flatMap((s, i) =>
      s.rule === '*' || s.rule.includes('*') || known.has(s.rule)
        ? []
        : [
            {
              path: `$.suppressions[${i}].rule`,
              message: `unknown rule id "${s.rule}" (hyperpod-cmk rules lists them)`,
            },
          ],
    ),
  ];
  if (problems.length > 0) {
    return err({
      code: 'config.invalid',
      input: file,
      message: 'the config names rules that do not exist',
      problems,
    });
  }
  return ok(resolveConfig(parsed.value));
}
