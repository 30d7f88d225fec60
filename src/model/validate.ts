/** Schema validation with problems reported by JSON path, for snapshots and config files. */
import type { z } from 'zod';
import { err, ok, type Result } from './result.js';

export interface SchemaProblem {
  /** JSONPath of the offending value, e.g. `$.clusters[2].instanceGroups[0].volumes[1].role`. */
  path: string;
  message: string;
}

export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return issue.message && issue.message !== 'Invalid input'
        ? issue.message
        : 'does not match any allowed form';
    default:
      return issue.message;
  }
}

/** The problems zod found, most specific first, one per path. */
export function schemaProblems(error: z.ZodError): SchemaProblem[] {
  const seen = new Set<string>();
  const problems: SchemaProblem[] = [];
  for (const issue of error.issues) {
    const path = jsonPath(issue.path);
    if (seen.has(path)) continue;
    seen.add(path);
    problems.push({ path, message: describeIssue(issue) });
  }
  return problems;
}

export function validate<T>(schema: z.ZodType<T>, input: unknown): Result<T, SchemaProblem[]> {
  const parsed = schema.safeParse(input);
  return parsed.success ? ok(parsed.data) : err(schemaProblems(parsed.error));
}
