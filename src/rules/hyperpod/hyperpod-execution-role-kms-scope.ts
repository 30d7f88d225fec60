import type { PolicyStatement } from '../../model/inventory.js';
import { isIacSource, isUnresolved } from '../../model/inventory.js';
import { coveredActions, toList, USAGE_ACTIONS } from '../../policy/actions.js';
import { conditionKeys } from '../../policy/conditions.js';
import { defineRule } from '../define-rule.js';
import { eachGroup, gapReason, groupResource, UNRESOLVED_MESSAGE, unresolvedVerdict } from '../helpers.js';

/** A Resource that covers every key in an account or more: `*`, `arn:aws:kms:*:*:key/*`, `...:key/*`. */
const isAllKeys = (resource: string): boolean =>
  resource === '*' || /^arn:[^:]*:kms:[^:]*:[^:]*:(key\/)?\*$|^arn:[^:]*:kms:\*/.test(resource);

/** Conditions that narrow a statement to particular keys even when Resource is `*`. */
const KEY_SCOPING_CONDITIONS = /^(aws:resourcetag\/|kms:resourcealiases$|kms:requestalias$)/i;

function wideUsage(statement: PolicyStatement): string[] {
  if (statement.Effect !== 'Allow') return [];
  const usage = coveredActions(statement, USAGE_ACTIONS);
  if (usage.length === 0) return [];
  const resources = statement.NotResource !== undefined ? ['*'] : toList(statement.Resource);
  if (!resources.some(isAllKeys)) return [];
  if (conditionKeys(statement.Condition).some(({ key }) => KEY_SCOPING_CONDITIONS.test(key))) return [];
  return usage;
}

export default defineRule({
  meta: {
    id: 'hyperpod-execution-role-kms-scope',
    title: 'Execution roles may use only the KMS keys of their own instance groups',
    severity: 'medium',
    resourceType: 'instance-group',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan', 'cli-json'],
    rationale:
      'The HyperPod guide\'s sample IAM policy allows kms:CreateGrant on Resource "*". Every node of the group runs ' +
      'as this role, so a compromised node could then create grants on, or use, any key whose policy delegates to IAM ' +
      "in the account. Scope KMS statements to the group's key ARNs (or to a key tag).",
    remediation: {
      summary:
        'Replace Resource "*" in the execution role\'s KMS statements with the ARNs of the keys its instance groups ' +
        'use, or add an aws:ResourceTag condition that matches only those keys.',
    },
    references: [
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/iam-policies-best-practices.html',
    ],
    frameworks: { 'NIST-800-53': ['AC-6'], SOC2: ['CC6.3'], 'PCI-DSS-4.0.1': ['7.2.1'] },
    messages: {
      scoped: "the execution role's KMS permissions are scoped to specific keys",
      wide: 'execution role {{role}} may {{actions}} on every key ({{statements}})',
      noKmsStatements: 'the execution role grants no KMS usage in its IAM policies',
      noRole: 'the instance group has no execution role',
      roleOutsideSource: 'the execution role is not defined in the scanned files; a live scan judges it',
      notCollected: 'the IAM policies of {{role}} could not be read: {{reason}}',
      unresolved: UNRESOLVED_MESSAGE,
    },
  },
  *check(context) {
    yield* eachGroup(context, (cluster, group) => {
      const resource = groupResource(cluster, group);
      if (group.executionRole === null) return { resource, status: 'NOT_APPLICABLE', messageId: 'noRole' };
      if (isUnresolved(group.executionRole))
        return unresolvedVerdict(resource, 'the execution role', group.executionRole);
      const roleArn = group.executionRole;
      const role = context.index.role(roleArn);
      if (!role?.policiesCollected) {
        if (!role && isIacSource(cluster.source))
          return { resource, status: 'NOT_APPLICABLE', messageId: 'roleOutsideSource' };
        const reason = gapReason(context.index.gapsFor(roleArn));
        return { resource, status: 'UNKNOWN', messageId: 'notCollected', data: { role: roleArn, reason } };
      }
      const wide = role.kmsStatements
        .map((statement, index) => ({ index, sid: statement.Sid, actions: wideUsage(statement) }))
        .filter((entry) => entry.actions.length > 0);
      if (wide.length > 0) {
        const actions = [...new Set(wide.flatMap((entry) => entry.actions))];
        return {
          resource,
          status: 'FAIL',
          messageId: 'wide',
          data: {
            role: roleArn,
            actions: actions.join(', '),
            statements: wide.map((entry) => entry.sid ?? `statement ${entry.index + 1}`).join(', '),
          },
          evidence: { role: roleArn, statements: wide },
        };
      }
      const usesKms = role.kmsStatements.some(
        (statement) => statement.Effect === 'Allow' && coveredActions(statement, USAGE_ACTIONS).length > 0,
      );
      return {
        resource,
        status: usesKms ? 'PASS' : 'NOT_APPLICABLE',
        messageId: usesKms ? 'scoped' : 'noKmsStatements',
      };
    });
  },
});
