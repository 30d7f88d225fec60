import type { Key } from '../../model/inventory.js';
import { isUnresolved } from '../../model/inventory.js';
import { withPrincipalOrganization } from '../../policy/conditions.js';
import { encryptionContextScopedStatements, keyAccess, type StatementHit } from '../../policy/evaluate.js';
import {
  HYPERPOD_UNDOCUMENTED_GRANT_KEYS,
  hyperPodCreateGrantContext,
  hyperPodDescribeKeyContext,
} from '../../policy/hyperpod.js';
import { organizationOf } from '../../policy/organization.js';
import { accountOf, type Caller } from '../../policy/principal.js';
import { defineRule, type RuleContext, type Verdict } from '../define-rule.js';
import { eachGroup } from '../iteration.js';
import { isAwsManagedAlias, keyedVolumes, keyLabel } from '../key-references.js';
import { groupResource, UNRESOLVED_MESSAGE, unresolvedVerdict } from '../resources.js';
import { SharedValues } from '../shared-values.js';
import { gapReason } from '../text.js';

/**
 * What a key says of a role, as the finding's evidence shows it (in this property order). One per
 * key, role and region, shared by the groups that run the same role against the same key.
 */
type KeyJudgement = {
  key: string;
  status: 'PASS' | 'FAIL' | 'UNKNOWN';
  messageId: string;
  data: Record<string, string>;
  evidence: Record<string, unknown>;
};

const ACTIONS = [
  { action: 'kms:CreateGrant', context: hyperPodCreateGrantContext },
  { action: 'kms:DescribeKey', context: hyperPodDescribeKeyContext },
] as const;

/** What one evaluation's judgements share: the callers' organizations and the values findings repeat. */
interface Judge {
  context: RuleContext;
  shared: SharedValues;
  organizations: Map<string, string | null | undefined>;
}

function organizationFor(judge: Judge, account: string): string | null | undefined {
  const { organizations, context } = judge;
  if (organizations.has(account)) return organizations.get(account);
  const organization = organizationOf(context.inventory.accounts, account, context.config.organizationId);
  organizations.set(account, organization);
  return organization;
}

/** Policy hits as the evidence lists them: equal hits (and lists of them) are one shared object. */
function sharedHits(shared: SharedValues, hits: readonly StatementHit[]): readonly StatementHit[] {
  const list: StatementHit[] = [];
  for (const hit of hits) list.push(shared.record(hit));
  return shared.list(list);
}

function judgeKey(judge: Judge, key: Key, roleArn: string, region: string): KeyJudgement {
  const { context, shared } = judge;
  const label = keyLabel(key);
  if (key.policy === undefined) {
    const gaps = context.index.gapsFor(key.arn, 'GetKeyPolicy');
    return {
      key: key.arn,
      status: 'UNKNOWN',
      messageId: 'notCollected',
      data: { what: `the key policy of ${label}`, reason: gapReason(gaps) },
      evidence: { gaps },
    };
  }
  if (isUnresolved(key.policy)) {
    return {
      key: key.arn,
      status: 'UNKNOWN',
      messageId: 'unresolved',
      data: {
        what: `the key policy of ${label}`,
        expression: key.policy.unresolved,
        reason: key.policy.reason,
      },
      evidence: { unresolved: key.policy },
    };
  }
  const role = context.index.role(roleArn);
  const account = accountOf(roleArn) ?? key.account;
  const caller: Caller = { kind: 'iam', arn: roleArn, account, roleId: role?.roleId };
  const identityStatements = role?.policiesCollected ? role.kmsStatements : undefined;
  const resourceTags = key.tags && !isUnresolved(key.tags) ? key.tags : undefined;
  const organization = organizationFor(judge, account);
  for (const { action, context: makeContext } of ACTIONS) {
    const access = keyAccess({
      caller,
      action,
      resource: key.arn,
      context: withPrincipalOrganization(
        makeContext({ roleArn, account, region, resourceTags }),
        organization,
      ),
      keyPolicy: key.policy,
      keyAccount: key.account,
      identityStatements,
    });
    if (access.result === 'yes') continue;
    const evidence = shared.record({
      action,
      path: access.path,
      keyPolicyHits: sharedHits(shared, access.keyPolicy.hits),
      identityHits: access.identity ? sharedHits(shared, access.identity.hits) : null,
    });
    if (access.result === 'no') {
      const scoped = encryptionContextScopedStatements(key.policy, caller, action);
      if (access.explicitDeny)
        return {
          key: key.arn,
          status: 'FAIL',
          messageId: 'explicitDeny',
          data: { key: label, role: roleArn, action },
          evidence,
        };
      if (scoped.length > 0) {
        return {
          key: key.arn,
          status: 'FAIL',
          messageId: 'encryptionContext',
          data: {
            key: label,
            role: roleArn,
            action,
            conditions: shared.text([...new Set(scoped.flatMap((s) => s.keys))].join(', ')),
          },
          evidence: { ...evidence, scopedStatements: scoped },
        };
      }
      return {
        key: key.arn,
        status: 'FAIL',
        messageId: 'notGranted',
        data: { key: label, role: roleArn, action },
        evidence,
      };
    }
    if (access.result === 'maybe') {
      const reasons = [
        ...(access.needsIdentity
          ? [
              `${account === key.account ? 'the key policy delegates to IAM' : 'the key is in another account, so IAM must allow it too,'} and the role's IAM policies ${role ? 'could not be read' : 'were not collected'}`,
            ]
          : []),
        ...grantKeyReasons(action, access.unknownKeys),
        ...access.unknownPrincipals,
      ];
      const reason = shared.text(reasons.join('; ') || 'the policies do not decide it');
      return {
        key: key.arn,
        status: 'UNKNOWN',
        messageId: 'undetermined',
        data: { key: label, role: roleArn, action, reason },
        evidence,
      };
    }
  }
  return {
    key: key.arn,
    status: 'PASS',
    messageId: 'granted',
    data: { key: label, role: roleArn },
    evidence: ALL_GRANTED,
  };
}

const UNDOCUMENTED = new Set<string>(HYPERPOD_UNDOCUMENTED_GRANT_KEYS.map((key) => key.toLowerCase()));

/**
 * Why unknown condition keys leave the answer open. Keys that constrain the grant HyperPod
 * creates get their own reason: what HyperPod sends with CreateGrant is not documented.
 */
function grantKeyReasons(action: string, unknownKeys: readonly string[]): string[] {
  const grant =
    action === 'kms:CreateGrant' ? unknownKeys.filter((key) => UNDOCUMENTED.has(key.toLowerCase())) : [];
  const other = unknownKeys.filter((key) => !grant.includes(key));
  return [
    ...(grant.length > 0
      ? [
          `the key policy constrains the grant HyperPod creates (${grant.join(', ')}), and what HyperPod sends ` +
            'with CreateGrant (grant constraints, grantee, operations) is not documented',
        ]
      : []),
    ...(other.length > 0
      ? [`it depends on condition keys that cannot be evaluated: ${other.join(', ')}`]
      : []),
  ];
}

/** The evidence of a PASS: both calls HyperPod makes are allowed. Shared, never mutated. */
const ALL_GRANTED: Record<string, unknown> = Object.freeze({
  results: Object.freeze({ 'kms:CreateGrant': 'yes', 'kms:DescribeKey': 'yes' }),
});

export default defineRule({
  meta: {
    id: 'hyperpod-key-grants-execution-role',
    title:
      "Each instance group's key lets its execution role create grants through SageMaker and describe the key",
    severity: 'high',
    resourceType: 'instance-group',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan', 'cli-json'],
    rationale:
      'HyperPod uses the instance group ExecutionRole to call kms:CreateGrant (via sagemaker.<region>.amazonaws.com, ' +
      'for an AWS resource) and kms:DescribeKey when it scales out, adds nodes or patches software. HyperPod sends no ' +
      'encryption context, so a policy scoped by kms:EncryptionContext conditions silently breaks the cluster. ' +
      'What HyperPod puts in its CreateGrant request beyond that is not documented: a policy that requires a grant ' +
      'constraint (kms:GrantConstraintType), a grantee or retiring principal (kms:GranteePrincipal, ' +
      'kms:RetiringPrincipal), or grant operations narrower than the public examples allow (kms:GrantOperations) is ' +
      'UNKNOWN with that reason, not a failure: only a test deployment can tell.',
    remediation: {
      summary:
        'Add key policy statements that allow the execution role kms:CreateGrant with kms:ViaService = ' +
        'sagemaker.<region>.amazonaws.com and kms:GrantIsForAWSResource = true, and kms:DescribeKey via SageMaker; ' +
        'remove kms:EncryptionContext conditions from them (or, where the policy delegates to IAM, grant the same in ' +
        "the role's IAM policy). `hyperpod-cmk guardrails` writes such a policy.",
      cli: 'aws kms put-key-policy --key-id <key> --policy-name default --policy file://key-policy.json',
    },
    references: [
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service',
      'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-constraint-type',
    ],
    frameworks: { 'NIST-800-53': ['SC-12', 'AC-6'], SOC2: ['CC6.1', 'A1.2'] },
    messages: {
      granted: 'the key policy lets {{role}} create grants via SageMaker and describe {{key}}',
      notGranted:
        '{{role}} is not allowed {{action}} on {{key}} as HyperPod calls it (via SageMaker, for an AWS resource)',
      explicitDeny: 'an explicit Deny stops {{role}} from {{action}} on {{key}}',
      encryptionContext:
        '{{role}} may call {{action}} on {{key}} only with encryption context ({{conditions}}), which HyperPod never sends',
      undetermined: 'whether {{role}} may call {{action}} on {{key}} is unknown: {{reason}}',
      noCmk: 'the instance group uses no customer managed key',
      noRole: 'the instance group has no execution role',
      notCollected: '{{what}} could not be collected: {{reason}}',
      unresolved: UNRESOLVED_MESSAGE,
    },
  },
  *check(context) {
    const judge: Judge = { context, shared: new SharedValues(), organizations: new Map() };
    // What a key says of a role is judged once per key, role and region, however many groups run
    // that role against that key in that region: the judgement reads nothing else of the group.
    // Groups with one key share the judgement's evidence too (findings never mutate it).
    const judged = new Map<Key, Map<string, Judged>>();
    const judgedOf = (key: Key, roleArn: string, region: string): Judged => {
      let byRole = judged.get(key);
      if (!byRole) {
        byRole = new Map();
        judged.set(key, byRole);
      }
      // Keyed by role; a key's groups nearly always share one region, any other gets its own entry.
      let entry = byRole.get(roleArn);
      if (entry && entry.region !== region) {
        const otherRegion = `${roleArn}\u0000${region}`;
        entry = byRole.get(otherRegion);
        if (!entry) {
          entry = { region, judgement: judgeKey(judge, key, roleArn, region), oneKeyEvidence: undefined };
          byRole.set(otherRegion, entry);
        }
      } else if (!entry) {
        entry = { region, judgement: judgeKey(judge, key, roleArn, region), oneKeyEvidence: undefined };
        byRole.set(roleArn, entry);
      }
      return entry;
    };
    const evidenceOf = (roleArn: string, judgements: KeyJudgement[]): Record<string, unknown> => {
      const passed = judgements.every((j) => j.status === 'PASS');
      return {
        executionRole: roleArn,
        keys: passed ? judgements.map((j) => j.key) : judgements,
      };
    };
    yield* eachGroup(context, (cluster, group): Verdict | undefined => {
      const resource = groupResource(cluster, group);
      if (isUnresolved(group.volumes))
        return unresolvedVerdict(resource, 'the storage configuration', group.volumes);
      const keys = new Map<string, Key>();
      let unresolvedKey: Verdict | undefined;
      for (const volume of keyedVolumes(group.volumes)) {
        if (volume.kmsKeyId === null) continue;
        if (isUnresolved(volume.kmsKeyId)) {
          unresolvedKey ??= unresolvedVerdict(resource, `the ${volume.role} volume key`, volume.kmsKeyId);
          continue;
        }
        if (isAwsManagedAlias(volume.kmsKeyId) || volume.resolution?.status === 'not-found') continue;
        const key = context.index.keyOfVolume(volume);
        if (key) {
          if (key.metadata?.keyManager !== 'AWS') keys.set(key.arn, key);
          continue;
        }
        // A key that could not be resolved or described may be customer managed: its policy is unknown.
        unresolvedKey ??= {
          resource,
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            what: `the key ${volume.kmsKeyId}`,
            reason:
              volume.resolution?.status === 'unknown'
                ? volume.resolution.reason
                : 'it is not in the inventory',
          },
          evidence: { volumeKmsKeyId: volume.kmsKeyId },
        };
      }
      if (keys.size === 0) return unresolvedKey ?? { resource, status: 'NOT_APPLICABLE', messageId: 'noCmk' };
      if (group.executionRole === null) return { resource, status: 'UNKNOWN', messageId: 'noRole' };
      if (isUnresolved(group.executionRole))
        return unresolvedVerdict(resource, 'the execution role', group.executionRole);
      const roleArn = group.executionRole;
      if (keys.size === 1 && unresolvedKey === undefined) {
        // One key: the verdict is its judgement, and its evidence is shared by the groups that share it.
        const key = keys.values().next().value as Key;
        const entry = judgedOf(key, roleArn, cluster.region);
        const judgement = entry.judgement;
        entry.oneKeyEvidence ??= Object.freeze(evidenceOf(roleArn, [judgement]));
        return {
          resource,
          status: judgement.status,
          messageId: judgement.messageId,
          data: judgement.data,
          evidence: entry.oneKeyEvidence,
        };
      }
      const judgements: KeyJudgement[] = [];
      for (const key of keys.values()) judgements.push(judgedOf(key, roleArn, cluster.region).judgement);
      const worst =
        judgements.find((j) => j.status === 'FAIL') ??
        judgements.find((j) => j.status === 'UNKNOWN') ??
        unresolvedKey ??
        judgements[0]!;
      if ('resource' in worst) return worst;
      // A PASS speaks for every key of the group, so it names them all (one key: the judgement's data says it).
      const namesEveryKey = worst.status === 'PASS' && judgements.length > 1;
      return {
        resource,
        status: worst.status,
        messageId: worst.messageId,
        data: namesEveryKey
          ? { ...worst.data, key: judgements.map((j) => j.data.key).join(', ') }
          : worst.data,
        // A PASS needs only the keys it judged; anything else shows each key's reasoning.
        evidence: evidenceOf(roleArn, judgements),
      };
    });
  },
});

/** A judgement with what groups of one key share: the region it was judged in, and their evidence. */
interface Judged {
  region: string;
  judgement: KeyJudgement;
  oneKeyEvidence: Record<string, unknown> | undefined;
}
