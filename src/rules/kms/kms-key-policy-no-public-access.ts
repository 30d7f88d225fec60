import { publicStatements } from '../../policy/evaluate.js';
import { defineRule } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES, keyLabel, keyResource, withKeyPolicy } from '../helpers.js';

export default defineRule({
  meta: {
    id: 'kms-key-policy-no-public-access',
    title: 'Key policies grant nothing to a wildcard principal without a condition that restricts the caller',
    severity: 'critical',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan'],
    rationale:
      'A key policy statement with Principal "*" (or NotPrincipal) and no aws:PrincipalOrgID, aws:PrincipalAccount, ' +
      'kms:CallerAccount, aws:SourceAccount or similar condition lets any AWS account use or manage the key, and ' +
      'with it the training data and model weights on every volume it protects.',
    remediation: {
      summary:
        'Replace the wildcard principal with the execution roles and admins that need the key, or add a condition ' +
        'that restricts callers to your organization or account (aws:PrincipalOrgID, kms:CallerAccount).',
      cli: 'aws kms put-key-policy --key-id <key-arn> --policy-name default --policy file://key-policy.json',
    },
    references: [
      'https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-5',
      'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html',
    ],
    frameworks: {
      'NIST-800-53': ['AC-3', 'AC-6', 'SC-12'],
      SOC2: ['CC6.1', 'CC6.3'],
      'PCI-DSS-4.0.1': ['3.6.1', '7.2.1'],
    },
    messages: {
      ...KEY_COMMON_MESSAGES,
      restricted: 'no statement in the policy of {{key}} opens it to every principal',
      public: 'the policy of {{key}} grants {{statements}} to any principal with no restricting condition',
    },
  },
  *check(context) {
    yield* eachKey(context, (key) =>
      withKeyPolicy(context, key, (policy) => {
        const resource = keyResource(key);
        const found = publicStatements(policy);
        if (found.length === 0)
          return { resource, status: 'PASS', messageId: 'restricted', data: { key: keyLabel(key) } };
        return {
          resource,
          status: 'FAIL',
          messageId: 'public',
          data: {
            key: keyLabel(key),
            statements: found
              .map((entry) => `${entry.sid ?? `statement ${entry.index + 1}`} (${entry.reason})`)
              .join(', '),
          },
          evidence: { statements: found },
        };
      }),
    );
  },
});
