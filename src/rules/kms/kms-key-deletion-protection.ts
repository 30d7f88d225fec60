import type { Key } from '../../model/inventory.js';
import { isUnresolved } from '../../model/inventory.js';
import { defineRule, type Verdict } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource, unresolvedVerdict } from '../resources.js';
import { isIacSource } from '../text.js';

const RETAIN = new Set(['Retain', 'RetainExceptOnCreate']);

export default defineRule({
  meta: {
    id: 'kms-key-deletion-protection',
    title: 'Keys defined in infrastructure-as-code are protected from accidental deletion',
    severity: 'medium',
    resourceType: 'kms-key',
    sources: ['cloudformation', 'terraform', 'terraform-plan'],
    config: ['deletion.minWindowDays'],
    rationale:
      'Deleting a stack or running terraform destroy schedules the key for deletion; when the window ends, every ' +
      'volume under the key is unreadable. A Retain policy (CloudFormation) or prevent_destroy (Terraform) keeps ' +
      'the key, and the longest waiting period leaves the most time to notice and cancel.',
    remediation: {
      summary:
        'Set DeletionPolicy and UpdateReplacePolicy to Retain and PendingWindowInDays to 30 (CloudFormation), or ' +
        'lifecycle { prevent_destroy = true } and deletion_window_in_days = 30 (Terraform).',
      cloudformation:
        'DeletionPolicy: Retain\nUpdateReplacePolicy: Retain\nProperties:\n  PendingWindowInDays: 30',
      terraform: 'deletion_window_in_days = 30\nlifecycle {\n  prevent_destroy = true\n}',
    },
    references: [
      'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html',
      'https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle',
    ],
    frameworks: { 'NIST-800-53': ['CP-9', 'CM-3'], SOC2: ['A1.2', 'CC8.1'] },
    messages: {
      ...KEY_COMMON_MESSAGES,
      protected: '{{key}} is retained on stack deletion and has a {{window}}-day deletion window',
      unprotected: '{{key}} is not protected from deletion: {{problems}}',
      live: 'deletion protection is a property of the template; live keys are judged by kms-key-not-pending-deletion',
      planLifecycle:
        'a Terraform plan does not record lifecycle.prevent_destroy for {{key}}; scan the .tf files to judge it',
    },
  },
  *check(context) {
    const min = context.config.deletionMinWindowDays;
    yield* eachKey(
      context,
      (key: Key): Verdict => {
        const resource = keyResource(key);
        const label = keyLabel(key);
        const protection = key.deletionProtection ?? {};
        const problems: string[] = [];
        // What the source leaves open; a problem that is certain still fails the key.
        const unknowns: Verdict[] = [];
        const window = protection.pendingWindowInDays ?? 30;
        if (isUnresolved(window)) unknowns.push(unresolvedVerdict(resource, 'the deletion window', window));
        else if (window < min) problems.push(`a ${window}-day deletion window (minimum ${min})`);
        if (key.source === 'cloudformation') {
          for (const [name, value] of [
            ['DeletionPolicy', protection.deletionPolicy],
            ['UpdateReplacePolicy', protection.updateReplacePolicy],
          ] as const) {
            if (isUnresolved(value)) unknowns.push(unresolvedVerdict(resource, name, value));
            else if (!value || !RETAIN.has(value)) problems.push(`${name} is ${value ?? 'not set (Delete)'}`);
          }
        } else {
          const prevent = protection.preventDestroy;
          if (isUnresolved(prevent))
            unknowns.push(unresolvedVerdict(resource, 'lifecycle.prevent_destroy', prevent));
          else if (prevent === undefined && key.source === 'terraform-plan')
            // `terraform show -json` has no lifecycle settings in its configuration representation.
            unknowns.push({ resource, status: 'UNKNOWN', messageId: 'planLifecycle', data: { key: label } });
          else if (prevent !== true) problems.push('lifecycle.prevent_destroy is not set');
        }
        if (problems.length > 0) {
          return {
            resource,
            status: 'FAIL',
            messageId: 'unprotected',
            data: { key: label, problems: problems.join('; ') },
            evidence: { ...protection },
          };
        }
        const [unknown] = unknowns;
        if (unknown) return unknown;
        return {
          resource,
          status: 'PASS',
          messageId: 'protected',
          data: { key: label, window: String(window) },
        };
      },
      {
        sourceCheck: (key) =>
          isIacSource(key.source) && key.source !== 'cli-json'
            ? undefined
            : { resource: keyResource(key), status: 'NOT_APPLICABLE', messageId: 'live' },
      },
    );
  },
});
