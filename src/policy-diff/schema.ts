/** The JSON output of `policy diff`: versioned; schemas/policy-diff.schema.json is generated from this. */
import { z } from 'zod';
import type { PolicyDiff } from './diff.js';

const Tri = z.enum(['yes', 'no', 'maybe']);
const Verdict = z
  .object({ status: z.enum(['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN']), message: z.string() })
  .strict();

export const PolicyDiffSchema = z
  .object({
    schemaVersion: z.literal(1),
    kind: z.literal('hyperpod-cmk-policy-diff'),
    key: z.object({ arn: z.string(), account: z.string(), region: z.string() }).strict(),
    effect: z.enum(['none', 'widens', 'narrows', 'widens-and-narrows']),
    widens: z
      .boolean()
      .describe('some principal may do something, or under some condition, it could not before'),
    narrows: z.boolean(),
    principals: z.array(
      z
        .object({
          principal: z
            .string()
            .describe('canonical: an ARN, an account root ARN, a service, "*", or "* except ..."'),
          changes: z.array(
            z
              .object({
                change: z.enum(['allow-added', 'allow-removed', 'deny-added', 'deny-removed']),
                scope: z.enum(['gained', 'lost', 'conditions']),
                actions: z.array(z.string()).min(1),
                conditions: z.array(z.string()).describe('all must hold; [] means unconditionally'),
                widens: z.boolean(),
              })
              .strict(),
          ),
        })
        .strict(),
    ),
    executionRoles: z.array(
      z
        .object({
          role: z.string(),
          source: z.enum(['option', 'inventory', 'old-policy']),
          before: Tri.describe('may the role call kms:CreateGrant via SageMaker under the old policy'),
          after: Tri,
        })
        .strict(),
    ),
    administration: z
      .object({
        before: z.array(z.string()),
        after: z.array(z.string()),
        lockout: z.boolean(),
        lost: z.array(z.object({ principal: z.string(), actions: z.array(z.string()) }).strict()),
      })
      .strict(),
    rules: z.array(
      z
        .object({
          ruleId: z.string(),
          before: Verdict.nullable(),
          after: Verdict.nullable(),
          changed: z.boolean(),
        })
        .strict(),
    ),
  })
  .strict();

// The schema and the type describe the same document.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const policyDiffSchemaMatchesType: Same<z.infer<typeof PolicyDiffSchema>, PolicyDiff> = true;
