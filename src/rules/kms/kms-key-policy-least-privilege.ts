import { matchesAny } from '../../policy/glob.js';
import { organizationOf } from '../../policy/organization.js';
import { accountOf, roleNameOf, sameIamArn } from '../../policy/principal.js';
import { type PrincipalAccess, principalAccess } from '../../policy/principals-analysis.js';
import { defineRule, type RuleContext } from '../define-rule.js';
import { consumingRoles, eachKey, KEY_COMMON_MESSAGES, withKeyPolicy } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource } from '../resources.js';

interface Violation {
  principal: string;
  problem: 'full-access' | 'cross-account' | 'not-a-consumer' | 'wildcard';
  actions: string[];
}

function isConsumer(context: RuleContext, access: PrincipalAccess, roles: readonly string[]): boolean {
  const ref = access.ref;
  if (ref.kind === 'iam' || ref.kind === 'other')
    return roles.some((role) => sameIamArn(role, ref.kind === 'iam' ? ref.arn : ref.value));
  if (ref.kind === 'assumed-role') {
    return roles.some(
      (role) => accountOf(role) === ref.account && roleNameOf(role) === ref.roleName.toLowerCase(),
    );
  }
  // A role's unique id: what the policy shows for a role given by id, or recreated since.
  if (ref.kind === 'unique-id')
    return roles.some((role) => role === ref.id || context.index.role(role)?.roleId === ref.id);
  return false;
}

function violations(context: RuleContext, accesses: PrincipalAccess[], roles: string[]): Violation[] {
  const { keyAdmins, allowedKeyUsers, allowedExternalAccounts } = context.config;
  const found: Violation[] = [];
  for (const access of accesses) {
    if (access.ownAccountRoot) continue;
    const admin = matchesAny(access.name, keyAdmins, { ignoreCase: true });
    const allowedUser = matchesAny(access.name, allowedKeyUsers, { ignoreCase: true });
    if (access.all && !admin) {
      found.push({ principal: access.name, problem: 'full-access', actions: ['kms:*'] });
      continue;
    }
    if (access.usage.length === 0) continue;
    if (access.ref.kind === 'any') {
      found.push({ principal: '*', problem: 'wildcard', actions: access.usage });
      continue;
    }
    const consumer = isConsumer(context, access, roles);
    if (consumer || allowedUser || admin) continue;
    if (access.external) {
      // An account config allows may be named in key policies, and so may its principals.
      if (access.account !== undefined && allowedExternalAccounts.includes(access.account)) continue;
      found.push({ principal: access.name, problem: 'cross-account', actions: access.usage });
      continue;
    }
    found.push({ principal: access.name, problem: 'not-a-consumer', actions: access.usage });
  }
  return found;
}

const PROBLEM_WORDS: Record<Violation['problem'], string> = {
  'full-access': 'kms:* but is not a key admin',
  'cross-account': 'is in an account not allowed by config',
  'not-a-consumer': 'is neither an execution role of a group using the key nor an allowed key user',
  wildcard: 'is any principal',
};

export default defineRule({
  meta: {
    id: 'kms-key-policy-least-privilege',
    title: "Key policies grant key use only to the instance groups' execution roles and configured users",
    severity: 'high',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan'],
    config: ['keyAdmins', 'allowedKeyUsers', 'allowedExternalAccounts'],
    rationale:
      'Every principal that may Decrypt, GenerateDataKey or CreateGrant on the key can read what the cluster ' +
      'stores. Least privilege means exactly the execution roles of the groups that use the key (CreateGrant via ' +
      'SageMaker), the users config names, and no kms:* outside the key admins. kms:CreateGrant counts as use: a ' +
      'grant passes use of the key on.',
    remediation: {
      summary:
        'Remove usage actions from principals that do not consume the key; give admins administration actions only; ' +
        'list legitimate extra users in allowedKeyUsers and other accounts in allowedExternalAccounts.',
    },
    references: [
      'https://docs.aws.amazon.com/kms/latest/developerguide/least-privilege.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html',
    ],
    frameworks: {
      'NIST-800-53': ['AC-6'],
      SOC2: ['CC6.3'],
      'PCI-DSS-4.0.1': ['3.6.1', '7.2.1'],
      HIPAA: ['164.308(a)(4)'],
    },
    messages: {
      ...KEY_COMMON_MESSAGES,
      leastPrivilege: 'only consuming roles, configured users and admins may use {{key}}',
      excessive: 'the policy of {{key}} grants more than needed: {{violations}}',
    },
  },
  *check(context) {
    yield* eachKey(context, (key) =>
      withKeyPolicy(context, key, (policy) => {
        const resource = keyResource(key);
        const found = violations(
          context,
          principalAccess(
            policy,
            key.arn,
            key.account,
            organizationOf(context.inventory.accounts, key.account, context.config.organizationId),
          ),
          consumingRoles(context, key),
        );
        if (found.length === 0)
          return { resource, status: 'PASS', messageId: 'leastPrivilege', data: { key: keyLabel(key) } };
        const text = found
          .slice(0, 4)
          .map(
            (v) =>
              `${v.principal} ${PROBLEM_WORDS[v.problem]} (${v.actions.slice(0, 3).join(', ')}${v.actions.length > 3 ? ', ...' : ''})`,
          )
          .join('; ');
        return {
          resource,
          status: 'FAIL',
          messageId: 'excessive',
          data: {
            key: keyLabel(key),
            violations: text + (found.length > 4 ? `; and ${found.length - 4} more` : ''),
          },
          evidence: { violations: found },
        };
      }),
    );
  },
});
