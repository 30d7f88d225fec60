import { matchesAny } from '../../policy/glob.js';
import type { PrincipalAccess } from '../../policy/principals-analysis.js';
import { defineRule } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES, keyPolicyAccesses, withKeyPolicy } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource } from '../resources.js';

export default defineRule({
  meta: {
    id: 'kms-key-separation-of-duties',
    title:
      'Key administrators cannot use the key, key users cannot administer it, and the key has an administrator',
    severity: 'medium',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan'],
    config: ['keyAdmins'],
    rationale:
      'A principal that can both change the key policy (or disable or delete the key) and decrypt with it can ' +
      'grant itself access and then cover its tracks. PCI DSS and SOC 2 expect key custodians and key users to be ' +
      "different people. Note that kms:Create* in the console's default admin statement includes kms:CreateGrant.",
    remediation: {
      summary:
        'Split the statements: admins get PutKeyPolicy, ScheduleKeyDeletion, DisableKey and the like but no usage ' +
        'actions (list kms:CreateAlias and kms:CreateKey instead of kms:Create*); users get usage actions only. ' +
        'Name the admins in config keyAdmins.',
    },
    references: [
      'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators',
    ],
    frameworks: {
      'NIST-800-53': ['AC-5'],
      SOC2: ['CC6.3'],
      'PCI-DSS-4.0.1': ['3.6.1'],
      'ISO-27001-2022': ['A.5.3'],
    },
    messages: {
      ...KEY_COMMON_MESSAGES,
      separated:
        'administration and use of {{key}} are held by different principals ({{admins}} administer it)',
      mixed: '{{principals}} can both administer and use {{key}}',
      noAdmin: 'no principal other than the account root administers {{key}}',
      noConfiguredAdmin: 'none of the configured key admins administers {{key}}',
    },
  },
  *check(context) {
    const { keyAdmins } = context.config;
    // The judgement depends on the list of accesses (shared by keys whose policies say the same)
    // and the config only: made once per list, with its evidence shared by those keys.
    const judgements = new Map<readonly PrincipalAccess[], Judgement>();
    const judge = (all: readonly PrincipalAccess[]): Judgement => {
      const accesses = all.filter((access) => !access.ownAccountRoot);
      const mixed = accesses.filter((access) => access.admin.length > 0 && access.usage.length > 0);
      if (mixed.length > 0)
        return {
          status: 'FAIL',
          messageId: 'mixed',
          principals: mixed.map((access) => access.name).join(', '),
          evidence: Object.freeze({
            principals: Object.freeze(
              mixed.map(({ name, admin, usage }) => Object.freeze({ principal: name, admin, usage })),
            ),
          }),
        };
      const admins = accesses.filter(
        (access) =>
          access.admin.includes('kms:PutKeyPolicy') || access.admin.includes('kms:ScheduleKeyDeletion'),
      );
      if (keyAdmins.length > 0) {
        const configured = admins.filter((access) =>
          matchesAny(access.name, keyAdmins, { ignoreCase: true }),
        );
        if (configured.length === 0)
          return { status: 'FAIL', messageId: 'noConfiguredAdmin', evidence: { keyAdmins } };
      }
      if (admins.length === 0) return { status: 'FAIL', messageId: 'noAdmin' };
      return { status: 'PASS', messageId: 'separated', admins: admins.map((a) => a.name).join(', ') };
    };
    yield* eachKey(context, (key) =>
      withKeyPolicy(context, key, (policy) => {
        const resource = keyResource(key);
        const label = keyLabel(key);
        const accesses = keyPolicyAccesses(context, key, policy);
        let judgement = judgements.get(accesses);
        if (!judgement) {
          judgement = judge(accesses);
          judgements.set(accesses, judgement);
        }
        const data: Record<string, string> = { key: label };
        if (judgement.messageId === 'mixed') data.principals = judgement.principals;
        else if (judgement.messageId === 'separated') data.admins = judgement.admins;
        return {
          resource,
          status: judgement.status,
          messageId: judgement.messageId,
          data,
          ...('evidence' in judgement ? { evidence: judgement.evidence } : {}),
        };
      }),
    );
  },
});

/** What the rule finds of a list of accesses, whatever the key. */
type Judgement =
  | { status: 'FAIL'; messageId: 'mixed'; principals: string; evidence: Record<string, unknown> }
  | { status: 'FAIL'; messageId: 'noConfiguredAdmin'; evidence: Record<string, unknown> }
  | { status: 'FAIL'; messageId: 'noAdmin' }
  | { status: 'PASS'; messageId: 'separated'; admins: string };
