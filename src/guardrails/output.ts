/** What `generateGuardrails` returns: the files it writes and the plans they came from. */
import type { BudgetSpec } from './budget.js';
import type { KeyPolicyPlan } from './key-policy-plan.js';
import type { AccountKmsCost } from './kms-cost-model.js';
import type { OrganizationsPolicy } from './organizations.js';

export type GuardrailKind =
  | 'readme'
  | 'key-policy'
  | 'scp'
  | 'tag-policy'
  | 'detection-cloudformation'
  | 'detection-terraform'
  | 'detection-organization'
  | 'budget-cloudformation'
  | 'budget-terraform'
  | 'cfn-guard'
  | 'rego'
  | 'manifest';

export interface GeneratedFile {
  path: string;
  kind: GuardrailKind;
  content: string;
  /** For size-limited documents: the size as the service counts it, and its limit. */
  size?: { value: number; limit: number; unit: 'bytes' | 'characters' };
}

export interface GuardrailsOutput {
  files: GeneratedFile[];
  plan: KeyPolicyPlan;
  scps: OrganizationsPolicy[];
  tagPolicy: OrganizationsPolicy;
  budgets: (BudgetSpec & { cost: AccountKmsCost | undefined })[];
  keyTags: Readonly<Record<string, string>>;
  /** Whether the organization form of the detection stack (detection/organization/) was generated. */
  organization: boolean;
}
