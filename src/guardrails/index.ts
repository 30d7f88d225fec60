/**
 * `guardrails`: from an inventory (a snapshot, the demo estate, a live scan or IaC later, or
 * nothing but config) and the config, every file the controls need, as contents (no I/O).
 */
import type { ResolvedConfig } from '../config/schema.js';
import type { Inventory } from '../model/inventory.js';
import { err, ok, type Result } from '../model/result.js';
import { budgetCloudFormation, budgetTerraform, describeBasis } from './budget.js';
import { guardRules, regoPolicy } from './ci-policies.js';
import {
  detectionCloudFormation,
  detectionTerraform,
  environmentBytes,
  LAMBDA_ENV_MAX_BYTES,
  lambdaEnvironment,
} from './detection.js';
import { renderKeyPolicy } from './key-policy.js';
import { type ExtraExecutionRole, planKeyPolicies } from './key-policy-plan.js';
import { budgetLimitUsd, estimateAccountCosts } from './kms-cost-model.js';
import { organizationDetection } from './organization-detection.js';
import { organizationsPolicies } from './organizations.js';
import type { GeneratedFile, GuardrailKind, GuardrailsOutput } from './output.js';
import type { GuardrailsProblem } from './problem.js';
import { guardrailsReadme } from './readme.js';

export type { GuardrailsProblem } from './problem.js';

export const DEFAULT_KEY_TAGS: Readonly<Record<string, string>> = { 'hyperpod-cmk': 'approved' };
export const DEFAULT_HEADROOM_PCT = 25;
export const DEFAULT_BUDGET_FLOOR_USD = 10;

export interface GuardrailsInput {
  inventory: Inventory;
  config: ResolvedConfig;
  /** What the inventory came from, for the README ("snapshot estate.json", "demo", "config only"). */
  sourceLabel: string;
  now: Date;
  keyTags?: Readonly<Record<string, string>>;
  extraExecutionRoles?: readonly ExtraExecutionRole[];
  headroomPct?: number;
  /** Overrides the derived budget limit (USD a month). */
  budgetLimitUsd?: number;
  /** Also the organization form of detection: StackSet, code buckets, aggregator, organization rule. */
  organization?: boolean;
}

/**
 * Environment the templates add to the generated variables, at most: ALERT_TOPIC_ARN (an SNS ARN),
 * COMPLIANCE_RESOURCE_TYPE, NODE_OPTIONS, HYPERPOD_CMK_DB_SECRET_ARN (a secret ARN, its name up to
 * 512) and EVALUATION_ROLE_NAME (an IAM role name, up to 64).
 */
export const TEMPLATE_ENVIRONMENT_BYTES = 1_000;

export type { GeneratedFile, GuardrailKind, GuardrailsOutput };

export function generateGuardrails(input: GuardrailsInput): Result<GuardrailsOutput, GuardrailsProblem> {
  const { config, inventory } = input;
  const keyTags = input.keyTags ?? config.keySelectorTags ?? DEFAULT_KEY_TAGS;
  const planned = planKeyPolicies(inventory, config, input.extraExecutionRoles ?? []);
  if (!planned.ok) return planned;
  const plan = planned.value;

  const org = organizationsPolicies({
    keyTags,
    exemptPrincipals: [...new Set([...config.keyAdmins, ...config.approvedPolicyEditors])],
    requiredClusterTags: config.requiredClusterTags,
    requiredKeyTags: config.requiredKeyTags,
  });
  if (!org.ok) return org;

  const env = lambdaEnvironment({ config, keyTags });
  const envBytes = environmentBytes(env) + TEMPLATE_ENVIRONMENT_BYTES;
  if (envBytes > LAMBDA_ENV_MAX_BYTES) {
    return err({
      code: 'guardrails.lambda_environment_too_large',
      message: `the config is too large for the detection Lambda's environment (${envBytes} of ${LAMBDA_ENV_MAX_BYTES} bytes)`,
      hint: 'shorten suppressions and tenancy lists, or use wildcard patterns',
    });
  }

  // Budgets: one per account, from the cost model (existing keys + proposed ones) plus headroom.
  const headroom = input.headroomPct ?? DEFAULT_HEADROOM_PCT;
  const proposedKeys: Record<string, number> = {};
  for (const policy of plan.policies)
    if (policy.kind === 'proposed') proposedKeys[policy.account] = (proposedKeys[policy.account] ?? 0) + 1;
  const costs = estimateAccountCosts(
    inventory.keys.filter((k) => /^\d{12}$/.test(k.account)),
    {
      now: input.now,
      proposedKeys,
    },
  );
  const budgets: GuardrailsOutput['budgets'] =
    costs.length > 0
      ? costs.map((cost) => {
          const limit = input.budgetLimitUsd ?? budgetLimitUsd(cost.projectedMonthlyUsd, headroom);
          const basis =
            input.budgetLimitUsd !== undefined
              ? `set with --budget-limit`
              : describeBasis(cost, headroom, limit);
          return { account: cost.account, limitUsd: limit, basis, cost };
        })
      : [
          {
            account: undefined,
            limitUsd: input.budgetLimitUsd ?? DEFAULT_BUDGET_FLOOR_USD,
            basis:
              input.budgetLimitUsd !== undefined
                ? 'set with --budget-limit'
                : describeBasis(undefined, headroom, DEFAULT_BUDGET_FLOOR_USD),
            cost: undefined,
          },
        ];

  const files: GeneratedFile[] = [];
  // A key policy's text is made when read, and not kept: an organisation has a policy per key and
  // per proposed key (120,000 files, 680 MB of text, at 100,000 instance groups), written one by one.
  for (const policy of plan.policies) {
    files.push({
      path: policy.file,
      kind: 'key-policy',
      get content() {
        return renderKeyPolicy(policy.policy);
      },
      size: { value: policy.bytes, limit: 32_768, unit: 'bytes' },
    });
  }
  for (const scp of org.value.scps) {
    files.push({
      path: `scp/${scp.name}.json`,
      kind: 'scp',
      content: scp.text,
      size: { value: scp.size, limit: scp.limit, unit: 'characters' },
    });
  }
  files.push({
    path: `tag-policy/${org.value.tagPolicy.name}.json`,
    kind: 'tag-policy',
    content: org.value.tagPolicy.text,
    size: { value: org.value.tagPolicy.size, limit: org.value.tagPolicy.limit, unit: 'characters' },
  });
  files.push({
    path: 'detection/cloudformation/detection.yaml',
    kind: 'detection-cloudformation',
    content: detectionCloudFormation({ config, keyTags }),
  });
  for (const [name, content] of Object.entries(detectionTerraform({ config, keyTags })))
    files.push({ path: `detection/terraform/${name}`, kind: 'detection-terraform', content });
  if (input.organization) {
    const organization = organizationDetection({ config, keyTags });
    if (!organization.ok) return organization;
    for (const file of organization.value)
      files.push({
        path: `detection/organization/${file.name}`,
        kind: 'detection-organization',
        content: file.content,
        ...(file.size ? { size: file.size } : {}),
      });
  }
  for (const budget of budgets) {
    const stem = budget.account ? `kms-budget-${budget.account}` : 'kms-budget';
    files.push({
      path: `budget/${stem}.yaml`,
      kind: 'budget-cloudformation',
      content: budgetCloudFormation(budget),
    });
    files.push({
      path: `budget/terraform-${budget.account ?? 'account'}/main.tf`,
      kind: 'budget-terraform',
      content: budgetTerraform(budget),
    });
  }
  files.push({
    path: 'ci/cfn-guard/hyperpod-cmk.guard',
    kind: 'cfn-guard',
    content: guardRules(config.rotationMaxDays),
  });
  files.push({
    path: 'ci/rego/hyperpod_cmk.rego',
    kind: 'rego',
    content: regoPolicy(config.rotationMaxDays),
  });

  const output: GuardrailsOutput = {
    files,
    plan,
    scps: org.value.scps,
    tagPolicy: org.value.tagPolicy,
    budgets,
    keyTags,
    organization: input.organization === true,
  };
  files.unshift({
    path: 'README.md',
    kind: 'readme',
    content: guardrailsReadme(output, { sourceLabel: input.sourceLabel, config, headroomPct: headroom }),
  });
  files.push({
    path: 'manifest.json',
    kind: 'manifest',
    content: `${JSON.stringify(
      {
        manifestVersion: 1,
        source: input.sourceLabel,
        keyTags,
        files: files.map((f) => ({ path: f.path, kind: f.kind, ...(f.size ? { size: f.size } : {}) })),
        keyPolicies: plan.policies.map((p) => ({
          file: p.file,
          kind: p.kind,
          keyArn: p.keyArn ?? null,
          label: p.label,
          account: p.account,
          region: p.region,
          instanceGroups: p.instanceGroups,
          executionRoles: p.executionRoles,
          droppedPrincipals: p.droppedPrincipals,
          notes: p.notes,
        })),
        skipped: plan.skipped,
        budgets: budgets.map(({ account, limitUsd, basis }) => ({
          account: account ?? null,
          limitUsd,
          basis,
        })),
      },
      null,
      2,
    )}\n`,
  });
  return ok(output);
}
