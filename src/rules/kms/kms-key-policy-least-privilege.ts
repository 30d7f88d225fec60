import type { Key } from '../../model/inventory.js';
import { matchesAny } from '../../policy/glob.js';
import { accountOf, roleNameOf, sameIamArn } from '../../policy/principal.js';
import type { PrincipalAccess } from '../../policy/principals-analysis.js';
import { defineRule, type RuleContext } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES, keyPolicyAccesses, withKeyPolicy } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource } from '../resources.js';

interface Violation {
  readonly principal: string;
  readonly problem: 'full-access' | 'cross-account' | 'not-a-consumer' | 'wildcard' | 'typed-wildcard';
  readonly actions: readonly string[];
}

/**
 * Whether a principal is the execution role of a group whose volumes use the key: 'maybe' when it
 * is only through clusters whose provisioning mode is unknown (the key may not be used there).
 */
function isConsumer(context: RuleContext, access: PrincipalAccess, key: Key): boolean | 'maybe' {
  const ref = access.ref;
  let maybe = false;
  for (const use of context.index.usesOfKey(key.arn)) {
    const role = use.group.executionRole;
    if (typeof role !== 'string') continue;
    let consumes = false;
    if (ref.kind === 'iam' || ref.kind === 'other') {
      consumes = sameIamArn(role, ref.kind === 'iam' ? ref.arn : ref.value);
    } else if (ref.kind === 'assumed-role') {
      consumes = accountOf(role) === ref.account && roleNameOf(role) === ref.roleName.toLowerCase();
    } else if (ref.kind === 'unique-id') {
      // A role's unique id: what the policy shows for a role given by id, or recreated since.
      consumes = role === ref.id || context.index.role(role)?.roleId === ref.id;
    } else return false;
    if (!consumes) continue;
    if (!use.modeUnknown) return true;
    maybe = true;
  }
  return maybe ? 'maybe' : false;
}

/**
 * What a principal's access means for this rule, whatever the key: no violation, a violation, or
 * one unless the principal consumes the key. Judged once per shared access and evaluation (it
 * depends on the access and the config only), with the violation object shared by every key.
 */
type Judgement =
  | { readonly kind: 'none' }
  | { readonly kind: 'always' | 'unlessConsumer'; readonly violation: Violation; readonly id: number };

const NO_VIOLATION: Judgement = Object.freeze({ kind: 'none' });

function judge(context: RuleContext, access: PrincipalAccess, id: number): Judgement {
  const { keyAdmins, allowedKeyUsers, allowedExternalAccounts } = context.config;
  if (access.ownAccountRoot) return NO_VIOLATION;
  const admin = matchesAny(access.name, keyAdmins, { ignoreCase: true });
  const violation = (problem: Violation['problem'], principal: string, actions: readonly string[]) =>
    Object.freeze({ principal, problem, actions });
  if (access.all && !admin)
    return { kind: 'always', violation: violation('full-access', access.name, ALL_ACTIONS), id };
  if (access.usage.length === 0) return NO_VIOLATION;
  if (access.ref.kind === 'any')
    return { kind: 'always', violation: violation('wildcard', '*', access.usage), id };
  if (access.ref.kind === 'typed-wildcard')
    return { kind: 'always', violation: violation('typed-wildcard', access.name, access.usage), id };
  if (admin || matchesAny(access.name, allowedKeyUsers, { ignoreCase: true })) return NO_VIOLATION;
  // An account config allows may be named in key policies, and so may its principals.
  if (access.external && access.account !== undefined && allowedExternalAccounts.includes(access.account))
    return NO_VIOLATION;
  const problem = access.external ? 'cross-account' : 'not-a-consumer';
  return { kind: 'unlessConsumer', violation: violation(problem, access.name, access.usage), id };
}

const ALL_ACTIONS: readonly string[] = Object.freeze(['kms:*']);

const PROBLEM_WORDS: Record<Violation['problem'], string> = {
  'full-access': 'kms:* but is not a key admin',
  'cross-account': 'is in an account not allowed by config',
  'not-a-consumer': 'is neither an execution role of a group using the key nor an allowed key user',
  wildcard: 'is any principal',
  'typed-wildcard': 'is any principal of its type',
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
      'grant passes use of the key on. A group uses its key only in a cluster in Continuous provisioning mode, and ' +
      'never a restricted group (HyperPod CMK guide): the execution role of any other group is not a consumer.',
    remediation: {
      summary:
        'Remove usage actions from principals that do not consume the key; give admins administration actions only; ' +
        'list legitimate extra users in allowedKeyUsers and other accounts in allowedExternalAccounts.',
    },
    references: [
      'https://docs.aws.amazon.com/kms/latest/developerguide/least-privilege.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html',
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
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
      consumerUnknown:
        'the policy of {{key}} lets {{principals}} use it, the execution role of groups whose cluster provisioning ' +
        'mode is unknown: they use the key only in Continuous mode',
    },
  },
  *check(context) {
    const judgements = new Map<PrincipalAccess, Judgement>();
    const judgementOf = (access: PrincipalAccess): Judgement => {
      let judgement = judgements.get(access);
      if (!judgement) {
        judgement = judge(context, access, judgements.size);
        judgements.set(access, judgement);
      }
      return judgement;
    };
    // Keys whose policies say the same thing share their message text and evidence.
    const failures = new Map<string, { text: string; evidence: Record<string, unknown> }>();
    yield* eachKey(context, (key) =>
      withKeyPolicy(context, key, (policy) => {
        const resource = keyResource(key);
        const accesses = keyPolicyAccesses(context, key, policy);
        let found: Violation[] | undefined;
        let foundKey = '';
        let unsure: string[] | undefined;
        for (const access of accesses) {
          const judgement = judgementOf(access);
          if (judgement.kind === 'none') continue;
          if (judgement.kind === 'unlessConsumer') {
            const consumer = isConsumer(context, access, key);
            if (consumer === true) continue;
            if (consumer === 'maybe') {
              unsure ??= [];
              unsure.push(access.name);
              continue;
            }
          }
          if (found === undefined) found = [];
          found.push(judgement.violation);
          foundKey += `${judgement.id},`;
        }
        if (found === undefined && unsure !== undefined)
          return {
            resource,
            status: 'UNKNOWN',
            messageId: 'consumerUnknown',
            data: { key: keyLabel(key), principals: unsure.slice(0, 4).join(', ') },
            evidence: { principals: unsure },
          };
        if (found === undefined)
          return { resource, status: 'PASS', messageId: 'leastPrivilege', data: { key: keyLabel(key) } };
        let failure = failures.get(foundKey);
        if (!failure) {
          const text = found
            .slice(0, 4)
            .map(
              (v) =>
                `${v.principal} ${PROBLEM_WORDS[v.problem]} (${v.actions.slice(0, 3).join(', ')}${v.actions.length > 3 ? ', ...' : ''})`,
            )
            .join('; ');
          failure = {
            text: text + (found.length > 4 ? `; and ${found.length - 4} more` : ''),
            evidence: Object.freeze({ violations: Object.freeze(found) }),
          };
          failures.set(foundKey, failure);
        }
        return {
          resource,
          status: 'FAIL',
          messageId: 'excessive',
          data: { key: keyLabel(key), violations: failure.text },
          evidence: failure.evidence,
        };
      }),
    );
  },
});
