/**
 * A baseline file (`--create-baseline FILE`, `--baseline FILE`): the FAIL and UNKNOWN findings
 * accepted on the day it was made, by fingerprint. Versioned; the zod schema generates the
 * published `schemas/baseline.schema.json`.
 *
 * Fingerprints hash the rule id and the resource id only: for IaC the id is the file relative to
 * the repository root and the logical id or address, never a line number, so a baseline survives
 * reordering, reformatting and the checkout's location.
 */
import { z } from 'zod';
import { type Finding, SeveritySchema } from './finding.js';
import type { InputError } from './input-error.js';
import { err, ok, type Result } from './result.js';
import { byCodeUnits } from './text.js';

export const BASELINE_VERSION = 1;

export const BaselineEntrySchema = z
  .object({
    fingerprint: z.string().regex(/^[0-9a-f]{32}$/),
    ruleId: z.string().min(1),
    resource: z.string().describe('the resource id the fingerprint was computed from'),
    status: z.enum(['FAIL', 'UNKNOWN']),
    severity: SeveritySchema,
  })
  .strict();
export type BaselineEntry = z.infer<typeof BaselineEntrySchema>;

export const BaselineSchema = z
  .object({
    $schema: z.string().optional(),
    baselineVersion: z.literal(BASELINE_VERSION),
    tool: z.object({ name: z.literal('hyperpod-cmk'), version: z.string() }).strict(),
    createdAt: z.string().describe('ISO-8601 time of the scan the baseline was made from'),
    findings: z.array(BaselineEntrySchema),
  })
  .strict();
export type Baseline = z.infer<typeof BaselineSchema>;

/** The baseline of a run: its unsuppressed FAIL and UNKNOWN findings, sorted for a stable diff. */
export function createBaseline(
  findings: readonly Finding[],
  options: { createdAt: string; toolVersion: string; resourceId?: (id: string) => string },
): Baseline {
  const entries = new Map<string, BaselineEntry>();
  for (const f of findings) {
    if ((f.status !== 'FAIL' && f.status !== 'UNKNOWN') || f.suppressed) continue;
    entries.set(f.fingerprint, {
      fingerprint: f.fingerprint,
      ruleId: f.ruleId,
      resource: options.resourceId?.(f.resource.id) ?? f.resource.id,
      status: f.status,
      severity: f.severity,
    });
  }
  return {
    baselineVersion: BASELINE_VERSION,
    tool: { name: 'hyperpod-cmk', version: options.toolVersion },
    createdAt: options.createdAt,
    findings: [...entries.values()].sort(
      (a, b) =>
        byCodeUnits(a.ruleId, b.ruleId) ||
        byCodeUnits(a.resource, b.resource) ||
        byCodeUnits(a.fingerprint, b.fingerprint),
    ),
  };
}

export const serializeBaseline = (baseline: Baseline): string => `${JSON.stringify(baseline, null, 2)}\n`;

/** Parses a baseline file; anything malformed is an InputError naming the file and what is wrong. */
export function parseBaseline(text: string, file: string): Result<Baseline, InputError> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return err({
      code: 'input.baseline',
      input: file,
      message: `is not JSON: ${(error as Error).message}`,
      hint: 'make a baseline with --create-baseline FILE',
    });
  }
  const version = (raw as { baselineVersion?: unknown } | null)?.baselineVersion;
  if (typeof raw === 'object' && raw !== null && version !== undefined && version !== BASELINE_VERSION)
    return err({
      code: 'input.baseline',
      input: file,
      message: `baselineVersion ${JSON.stringify(version)} is not supported (this version reads ${BASELINE_VERSION})`,
      hint: 'make the baseline again with --create-baseline FILE',
    });
  const parsed = BaselineSchema.safeParse(raw);
  if (!parsed.success)
    return err({
      code: 'input.baseline',
      input: file,
      message: 'is not a hyperpod-cmk baseline file',
      hint: 'make a baseline with --create-baseline FILE (schemas/baseline.schema.json describes it)',
      problems: parsed.error.issues.map((issue) => ({
        path: issue.path.length ? issue.path.join('.') : '(root)',
        message: issue.message,
      })),
    });
  return ok(parsed.data);
}
