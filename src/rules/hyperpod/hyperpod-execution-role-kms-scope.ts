import type { PolicyStatement } from '../../model/inventory.js';
import { isIacSource, isUnresolved } from '../../model/inventory.js';
import { shortened } from '../../model/text.js';
import { coveredActions, toList, USAGE_ACTIONS } from '../../policy/actions.js';
import { conditionKeys, parseOperator } from '../../policy/conditions.js';
import { globMatch, hasWildcard } from '../../policy/glob.js';
import { defineRule, type RuleContext, type Verdict } from '../define-rule.js';
import { eachGroup } from '../iteration.js';
import { groupResource, UNRESOLVED_MESSAGE, unresolvedVerdict } from '../resources.js';
import { rolePoliciesReason, statementLabel } from '../text.js';

/**
 * A Resource that covers every key of an account or more: `*`, `arn:aws:kms:*:*:key/*`,
 * `arn:aws:kms:<region>:<account>:key/*`, `...:*`, or a key id pattern such as `key/mrk-*`.
 * A key ARN in a wildcard region or account (`arn:aws:kms:*:<account>:key/<id>`) names one
 * (multi-Region) key; an alias pattern names no key (usage is authorized on the key ARN).
 */
function isAllKeys(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return false;
  if (!globMatch(parts[2] ?? '', 'kms')) return false;
  const target = parts.slice(5).join(':');
  return hasWildcard(target) && !target.startsWith('alias/');
}

/**
 * Conditions that narrow a statement to particular keys even when Resource is `*`: a positive
 * operator on the key's tags or aliases, with literal values. A negated operator, IfExists or
 * ForAllValues (which untagged or unaliased keys satisfy), Null, or a wildcard value does not.
 */
const KEY_SCOPING_CONDITIONS = /^(aws:resourcetag\/|kms:resourcealiases$|kms:requestalias$)/i;

function scopesKeys(statement: PolicyStatement): boolean {
  return conditionKeys(statement.Condition).some(({ operator, key, values }) => {
    const op = parseOperator(operator);
    if (!op.known || op.negated || op.ifExists || op.set === 'ForAllValues' || op.base === 'null')
      return false;
    if (!KEY_SCOPING_CONDITIONS.test(key)) return false;
    return (
      values.length > 0 &&
      values.every((value) => value !== '' && !hasWildcard(value) && !value.includes('${'))
    );
  });
}

/** Usage actions an unconditional Deny with a specific NotResource confines to those keys. */
function confinedActions(statements: readonly PolicyStatement[]): Set<string> {
  const confined = new Set<string>();
  for (const statement of statements) {
    if (
      statement.Effect !== 'Deny' ||
      statement.Condition !== undefined ||
      statement.NotResource === undefined
    )
      continue;
    if (toList(statement.NotResource).some(isAllKeys)) continue;
    for (const action of coveredActions(statement, USAGE_ACTIONS)) confined.add(action);
  }
  return confined;
}

function wideUsage(statement: PolicyStatement, confined: Set<string>): string[] {
  if (statement.Effect !== 'Allow') return [];
  const usage = coveredActions(statement, USAGE_ACTIONS).filter((action) => !confined.has(action));
  if (usage.length === 0) return [];
  const resources = statement.NotResource !== undefined ? ['*'] : toList(statement.Resource);
  if (!resources.some(isAllKeys)) return [];
  if (scopesKeys(statement)) return [];
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
      "in the account. Scope KMS statements to the group's key ARNs (or to a key tag). " +
      'An execution role that IAM says does not exist (GetRole answers NoSuchEntity) fails: the instance group ' +
      'names a role its nodes cannot assume.',
    remediation: {
      summary:
        'Replace Resource "*" in the execution role\'s KMS statements with the ARNs of the keys its instance groups ' +
        'use, or add an aws:ResourceTag condition that matches only those keys. An execution role that does not ' +
        'exist must be created again, scoped so, before the group next scales or replaces a node.',
    },
    references: [
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/iam-policies-best-practices.html',
      'https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html',
    ],
    frameworks: { 'NIST-800-53': ['AC-6'], SOC2: ['CC6.3'], 'PCI-DSS-4.0.1': ['7.2.1'] },
    messages: {
      scoped: "the execution role's KMS permissions are scoped to specific keys",
      wide: 'execution role {{role}} may {{actions}} on every key ({{statements}})',
      noKmsStatements: 'the execution role grants no KMS usage in its IAM policies',
      noRole: 'the instance group has no execution role',
      roleNotFound:
        'execution role {{role}} does not exist (IAM GetRole: NoSuchEntity): the nodes of the instance group cannot run as it',
      roleOutsideSource: 'the execution role is not defined in the scanned files; a live scan judges it',
      notCollected: 'the IAM policies of {{role}} could not be read: {{reason}}',
      boundaryNotCollected:
        'execution role {{role}} may {{actions}} on every key ({{statements}}) unless its permissions boundary ' +
        '{{boundary}}, which could not be read, confines it',
      unresolved: UNRESOLVED_MESSAGE,
    },
  },
  *check(context) {
    // A role reads the same wherever it runs: judged once per role ARN, the judgement (its data
    // and evidence included) shared by every group that runs it.
    const judged = new Map<string, RoleJudgement>();
    yield* eachGroup(context, (cluster, group) => {
      const resource = groupResource(cluster, group);
      if (group.executionRole === null) return { resource, status: 'NOT_APPLICABLE', messageId: 'noRole' };
      if (isUnresolved(group.executionRole))
        return unresolvedVerdict(resource, 'the execution role', group.executionRole);
      const roleArn = group.executionRole;
      let judgement = judged.get(roleArn);
      if (!judgement) {
        judgement = judgeRole(context, roleArn);
        judged.set(roleArn, judgement);
      }
      // A role that is not in the inventory is for a live scan to judge when the group comes from IaC.
      if (judgement.missing && isIacSource(cluster.source))
        return { resource, status: 'NOT_APPLICABLE', messageId: 'roleOutsideSource' };
      return { resource, ...judgement.verdict };
    });
  },
});

interface RoleJudgement {
  /** The inventory holds no role of this ARN. */
  missing: boolean;
  verdict: Omit<Verdict, 'resource'>;
}

function judgeRole(context: RuleContext, roleArn: string): RoleJudgement {
  const role = context.index.role(roleArn);
  // IAM answered that the role does not exist: known, not missing, data.
  if (role?.notFound !== undefined)
    return {
      missing: false,
      verdict: {
        status: 'FAIL',
        messageId: 'roleNotFound',
        data: Object.freeze({ role: roleArn }),
        evidence: Object.freeze({ role: roleArn, getRole: role.notFound }),
      },
    };
  // A wide statement that was read is wide whatever the policies not read say.
  const statements = role?.kmsStatements ?? [];
  const confined = confinedActions(statements);
  // A permissions boundary lets the role do on every key only what it too allows on every key.
  const boundary = role?.permissionsBoundary;
  const boundaryWide = boundary?.kmsStatements
    ? new Set(
        boundary.kmsStatements.flatMap((statement) =>
          wideUsage(statement, confinedActions(boundary.kmsStatements!)),
        ),
      )
    : undefined;
  const wide = statements
    .map((statement, index) => ({
      index,
      sid: statement.Sid,
      actions: wideUsage(statement, confined).filter((action) => !boundaryWide || boundaryWide.has(action)),
    }))
    .filter((entry) => entry.actions.length > 0);
  if (wide.length > 0) {
    const actions = [...new Set(wide.flatMap((entry) => entry.actions))];
    if (boundary && !boundary.kmsStatements)
      return {
        missing: false,
        verdict: {
          status: 'UNKNOWN',
          messageId: 'boundaryNotCollected',
          data: Object.freeze({
            role: roleArn,
            actions: actions.join(', '),
            statements: wide.map(statementLabel).join(', '),
            boundary: shortened(boundary.policyArn),
          }),
          evidence: Object.freeze({
            role: roleArn,
            statements: wide,
            permissionsBoundary: boundary.policyArn,
          }),
        },
      };
    return {
      missing: false,
      verdict: {
        status: 'FAIL',
        messageId: 'wide',
        data: Object.freeze({
          role: roleArn,
          actions: actions.join(', '),
          statements: wide.map(statementLabel).join(', '),
        }),
        evidence: Object.freeze({
          role: roleArn,
          statements: wide,
          ...(role?.unreadPolicies ? { unreadPolicies: role.unreadPolicies.slice(0, 10) } : {}),
        }),
      },
    };
  }
  if (!role?.policiesCollected) {
    const reason = rolePoliciesReason(role, context.index.gapsFor(roleArn));
    return {
      missing: !role,
      verdict: {
        status: 'UNKNOWN',
        messageId: 'notCollected',
        data: Object.freeze({ role: roleArn, reason }),
        ...(role?.unreadPolicies
          ? { evidence: Object.freeze({ unreadPolicies: role.unreadPolicies.slice(0, 10) }) }
          : {}),
      },
    };
  }
  const usesKms = role.kmsStatements.some(
    (statement) => statement.Effect === 'Allow' && coveredActions(statement, USAGE_ACTIONS).length > 0,
  );
  return {
    missing: false,
    verdict: {
      status: usesKms ? 'PASS' : 'NOT_APPLICABLE',
      messageId: usesKms ? 'scoped' : 'noKmsStatements',
    },
  };
}
