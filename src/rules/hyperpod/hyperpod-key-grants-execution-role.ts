import type { ExecutionRole, Key, PolicyStatement } from '../../model/inventory.js';
import { isUnresolved } from '../../model/inventory.js';
import { shortened } from '../../model/text.js';
import {
  conditionKeys,
  type RequestContext,
  withPrincipalOrganization,
  withResourceAliases,
  withResourceTags,
} from '../../policy/conditions.js';
import {
  encryptionContextScopedStatements,
  type KeyAccess,
  keyAccess,
  type StatementHit,
} from '../../policy/evaluate.js';
import { HYPERPOD_KEY_CALLS, HYPERPOD_UNDOCUMENTED_GRANT_KEYS } from '../../policy/hyperpod.js';
import { identityOf, rcpLevelsOf, scpLevelsOf } from '../../policy/identity-policies.js';
import { organizationOf } from '../../policy/organization.js';
import { accountOf, type Caller } from '../../policy/principal.js';
import { defineRule, type RuleContext, type Verdict } from '../define-rule.js';
import { eachGroup } from '../iteration.js';
import { isAwsManagedAlias, keyLabel, provisioningModeOf } from '../key-references.js';
import { groupResource, UNRESOLVED_MESSAGE, unresolvedVerdict } from '../resources.js';
import { SharedValues } from '../shared-values.js';
import { gapReason, someOf } from '../text.js';

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

const ACTIONS = HYPERPOD_KEY_CALLS;

/** What one evaluation's judgements share: callers' contexts, and the values findings repeat. */
interface Judge {
  context: RuleContext;
  shared: SharedValues;
  organizations: Map<string, string | null | undefined>;
  /** Per role ARN: the request contexts of HyperPod's calls (in ACTIONS order), without the key's tags. */
  callers: Map<string, CallerContexts>;
  /** Per statement list: which of the key's attributes its conditions read. */
  reads: Map<object, KeyAttributesRead>;
  /** Per account id: the statements of each level of the service control policies over it, if read. */
  scps: Map<string, readonly (readonly PolicyStatement[])[] | undefined>;
  /** Per account id: the statements of each level of the resource control policies over its resources, if read. */
  rcps: Map<string, readonly (readonly PolicyStatement[])[] | undefined>;
  hits: Map<string, StatementHit>;
  hitLists: Map<string, SharedHits>;
  evidence: Map<string, Record<string, unknown>>;
}

interface CallerContexts {
  account: string;
  region: string;
  contexts: readonly RequestContext[];
}

interface SharedHits {
  /** A content key no other list of hits has. */
  content: string;
  hits: readonly StatementHit[];
}

const newJudge = (context: RuleContext): Judge => ({
  context,
  shared: new SharedValues(),
  organizations: new Map(),
  callers: new Map(),
  reads: new Map(),
  scps: new Map(),
  rcps: new Map(),
  hits: new Map(),
  hitLists: new Map(),
  evidence: new Map(),
});

/** The service control policies over an account, level by level, when the scan read them: once per account. */
function scpsOver(judge: Judge, account: string): readonly (readonly PolicyStatement[])[] | undefined {
  if (!judge.scps.has(account))
    judge.scps.set(account, scpLevelsOf(judge.context.inventory.accounts, account));
  return judge.scps.get(account);
}

/** The resource control policies over an account's keys, level by level, when the scan read them: once per account. */
function rcpsOver(judge: Judge, account: string): readonly (readonly PolicyStatement[])[] | undefined {
  if (!judge.rcps.has(account))
    judge.rcps.set(account, rcpLevelsOf(judge.context.inventory.accounts, account));
  return judge.rcps.get(account);
}

function organizationFor(judge: Judge, account: string): string | null | undefined {
  const { organizations, context } = judge;
  if (organizations.has(account)) return organizations.get(account);
  const organization = organizationOf(context.inventory.accounts, account, context.config.organizationId);
  organizations.set(account, organization);
  return organization;
}

/**
 * The contexts of HyperPod's calls with a role: built once per role (its account and region
 * nearly always the same wherever it runs; any other is built afresh), the organization added
 * once to that shared context rather than to each key's copy of it.
 */
function callerContexts(judge: Judge, roleArn: string, account: string, region: string) {
  const entry = judge.callers.get(roleArn);
  if (entry && entry.account === account && entry.region === region) return entry.contexts;
  const organization = organizationFor(judge, account);
  const contexts = ACTIONS.map(({ context: make }) =>
    withPrincipalOrganization(make({ roleArn, account, region }), organization),
  );
  if (!entry) judge.callers.set(roleArn, { account, region, contexts });
  return contexts;
}

const RESOURCE_TAG_KEY = /^aws:resourcetag\//i;
const RESOURCE_ALIASES_KEY = /^kms:resourcealiases$/i;

/** Whether conditions read the key's tags (aws:ResourceTag) and its aliases (kms:ResourceAliases). */
interface KeyAttributesRead {
  tags: boolean;
  aliases: boolean;
}
const READS_NOTHING: KeyAttributesRead = Object.freeze({ tags: false, aliases: false });

/** What of the key the statements' conditions read: only that of the key matters. */
function keyAttributesRead(judge: Judge, statements: readonly PolicyStatement[] | null): KeyAttributesRead {
  if (!statements) return READS_NOTHING;
  let answer = judge.reads.get(statements);
  if (answer === undefined) {
    const keys = statements.flatMap((statement) => conditionKeys(statement.Condition).map(({ key }) => key));
    answer = {
      tags: keys.some((key) => RESOURCE_TAG_KEY.test(key)),
      aliases: keys.some((key) => RESOURCE_ALIASES_KEY.test(key)),
    };
    judge.reads.set(statements, answer);
  }
  return answer;
}

/** A hit's content key: the sid (any text) last, after fields that are numbers or fixed words. */
const hitKey = (hit: StatementHit): string =>
  `${hit.index}|${hit.effect}|${hit.applies}|${hit.via}|${hit.sid === undefined ? '-' : `+${hit.sid}`}`;

/**
 * Policy hits as the evidence lists them: equal hits, and equal lists of them, are one shared
 * frozen object. A list's key joins its hits' keys, each prefixed by its length, so no two
 * contents share a key.
 */
function sharedHits(judge: Judge, hits: readonly StatementHit[]): SharedHits {
  const keys = hits.map(hitKey);
  const content = keys.map((one) => `${one.length}:${one}`).join('');
  let list = judge.hitLists.get(content);
  if (!list) {
    const shared = hits.map((hit, i) => {
      let canonical = judge.hits.get(keys[i]!);
      if (!canonical) {
        canonical = Object.freeze(hit);
        judge.hits.set(keys[i]!, canonical);
      }
      return canonical;
    });
    list = { content, hits: Object.freeze(shared) };
    judge.hitLists.set(content, list);
  }
  return list;
}

/** The evidence of a call that is not surely allowed: one shared object per action, path and hits. */
function callEvidence(judge: Judge, action: string, access: KeyAccess): Record<string, unknown> {
  const keyPolicyHits = sharedHits(judge, access.keyPolicy.hits);
  const identityHits = access.identity ? sharedHits(judge, access.identity.hits) : undefined;
  const boundaryHits = access.boundary ? sharedHits(judge, access.boundary.hits) : undefined;
  const content =
    `${action}|${access.path}|${keyPolicyHits.content.length}:${keyPolicyHits.content}|` +
    (identityHits ? `+${identityHits.content.length}:${identityHits.content}` : '-') +
    (boundaryHits ? `|+${boundaryHits.content}` : access.boundaryAllow === 'maybe' ? '|?' : '') +
    (access.scpAllow === 'yes' ? '' : `|scp:${access.scpAllow}`) +
    (access.rcpAllow === 'yes' ? '' : `|rcp:${access.rcpAllow}`);
  let evidence = judge.evidence.get(content);
  if (!evidence) {
    evidence = Object.freeze({
      action,
      path: access.path,
      keyPolicyHits: keyPolicyHits.hits,
      identityHits: identityHits?.hits ?? null,
      // Only for a role with a permissions boundary: what it allows of the call.
      ...(boundaryHits ? { boundaryHits: boundaryHits.hits } : {}),
      ...(access.boundaryAllow !== 'yes' || boundaryHits ? { boundary: access.boundaryAllow } : {}),
      ...(access.scpAllow !== 'yes' ? { serviceControlPolicies: access.scpAllow } : {}),
      ...(access.rcpAllow !== 'yes' ? { resourceControlPolicies: access.rcpAllow } : {}),
    });
    judge.evidence.set(content, evidence);
  }
  return evidence;
}

function judgeKey(judge: Judge, key: Key, roleArn: string, region: string): KeyJudgement {
  const { context, shared } = judge;
  const label = keyLabel(key);
  const role = context.index.role(roleArn);
  // IAM answered that the role does not exist: whatever the key policy says, no call is made as it.
  if (role?.notFound !== undefined)
    return {
      key: key.arn,
      status: 'FAIL',
      messageId: 'roleNotFound',
      data: { key: label, role: roleArn },
      evidence: { getRole: role.notFound },
    };
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
  const policy = key.policy;
  const account = accountOf(roleArn) ?? key.account;
  const caller: Caller = { kind: 'iam', arn: roleArn, account, roleId: role?.roleId };
  // A role GetRole could not read may have a permissions boundary, which limits what the key
  // policy grants it by its ARN (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html):
  // unknown (null), never none.
  const unread = role === undefined && context.index.gapsFor(roleArn, 'GetRole').length > 0;
  const identity = unread ? { ...identityOf(role), boundaryStatements: null } : identityOf(role);
  const { identityStatements, boundaryStatements } = identity;
  // The key's tags and aliases matter only to a condition on aws:ResourceTag or kms:ResourceAliases
  // (conditions.ts reads them nowhere else) in the role's IAM policies: KMS supports them in IAM
  // policies only, not in key policies (keyAccess). Its aliases are read only when every one is known.
  const identityReads = keyAttributesRead(judge, identityStatements ?? null);
  const boundaryReads = keyAttributesRead(judge, boundaryStatements ?? null);
  const resourceTags =
    key.tags && !isUnresolved(key.tags) && (identityReads.tags || boundaryReads.tags) ? key.tags : undefined;
  const resourceAliases =
    key.aliasesComplete && (identityReads.aliases || boundaryReads.aliases) ? key.aliases : undefined;
  const keyContext = (callContext: RequestContext): RequestContext => {
    const tagged = resourceTags ? withResourceTags(callContext, resourceTags) : callContext;
    return resourceAliases ? withResourceAliases(tagged, resourceAliases) : tagged;
  };
  const contexts = callerContexts(judge, roleArn, account, region);
  const scpLevels = scpsOver(judge, account);
  // The keys judged here are customer managed (an AWS managed key is `noCmk`): RCPs limit them.
  const rcpLevels = rcpsOver(judge, key.account);
  for (let i = 0; i < ACTIONS.length; i++) {
    const action = ACTIONS[i]!.action;
    const callContext = contexts[i]!;
    const access = keyAccess({
      caller,
      action,
      resource: key.arn,
      context: keyContext(callContext),
      keyPolicy: policy,
      keyAccount: key.account,
      ...identity,
      ...(scpLevels ? { scpLevels } : {}),
      ...(rcpLevels ? { rcpLevels } : {}),
    });
    if (access.result === 'yes') continue;
    const evidence = callEvidence(judge, action, access);
    if (access.result === 'no') {
      // An explicit Deny is the reason, whatever else the policy scopes.
      const scoped = access.explicitDeny ? [] : encryptionContextScopedStatements(policy, caller, action);
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
      const fail = (messageId: string, data: Record<string, string>): KeyJudgement => ({
        key: key.arn,
        status: 'FAIL',
        messageId,
        data: { key: label, role: roleArn, action, ...data },
        evidence,
      });
      // Allowed by the policies, but not within what the organization's SCPs or RCPs or the
      // role's permissions boundary let through (an explicit Deny anywhere is its own reason).
      const allowedByPolicies = !access.explicitDeny && access.policiesAllow !== 'no';
      if (allowedByPolicies && access.scpAllow === 'no' && access.boundaryAllow !== 'no')
        return fail('outsideScp', { account });
      if (allowedByPolicies && access.rcpAllow === 'no' && access.boundaryAllow !== 'no')
        return fail('outsideRcp', { account: key.account });
      if (allowedByPolicies && access.boundaryAllow === 'no')
        return fail('outsideBoundary', { boundary: shortened(role?.permissionsBoundary?.policyArn ?? '') });
      // A Deny in the organization's policies alone: say which, and over which account.
      if (access.explicitDeny && access.denies.policies !== 'yes') {
        if (access.denies.scp === 'yes')
          return fail('organizationDeny', { policies: 'service control policies', account });
        if (access.denies.rcp === 'yes')
          return fail('organizationDeny', { policies: 'resource control policies', account: key.account });
      }
      return fail(access.explicitDeny ? 'explicitDeny' : 'notGranted', {});
    }
    if (access.result === 'maybe') {
      const reasons = [
        ...(access.needsIdentity
          ? [`${identityNeed(access, account, key.account)} and ${identityGap(context, role, roleArn)}`]
          : []),
        ...(access.boundaryAllow === 'maybe' && boundaryStatements === null && access.policiesAllow !== 'no'
          ? [boundaryGap(role)]
          : []),
        ...grantKeyReasons(action, access.unknownKeys, access.keyPolicy.unknownKeys),
        ...access.unknownPrincipals,
        ...access.invalidStatements,
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

const ACCOUNT_ID = /^\d{12}$/;

/** Why the answer needs the role's IAM policies, as the reason of an UNKNOWN says it. */
function identityNeed(access: KeyAccess, roleAccount: string, keyAccount: string): string {
  if (roleAccount !== keyAccount) {
    // An IaC key's account is often not in the files ("unknown", ${AWS::AccountId}): not known to differ.
    if (!ACCOUNT_ID.test(roleAccount) || !ACCOUNT_ID.test(keyAccount))
      return "the key's account is not known, so IAM may have to allow it too (as for a key in another account),";
    return 'the key is in another account, so IAM must allow it too,';
  }
  if (access.keyPolicy.allow !== 'yes' && access.keyPolicy.delegate !== 'no')
    return 'the key policy delegates to IAM';
  // Otherwise the key policy allows, and what keyAccess cannot tell is a Deny in the policies IAM did not return.
  return "an explicit Deny in the role's IAM policies would override what the key policy allows,";
}

/** Why the role's IAM policies were not read, as the reason of an UNKNOWN says it: the gap that stopped a live scan, if any. */
function identityGap(context: RuleContext, role: ExecutionRole | undefined, roleArn: string): string {
  if (!role) return "the role's IAM policies were not collected";
  const unread = role.unreadPolicies;
  if (unread && unread.length > 0)
    return `not all of the role's IAM policies are in the scanned files (${someOf(unread)})`;
  const gaps = context.index.gapsFor(roleArn);
  return `the role's IAM policies could not be read${gaps.length > 0 ? ` (${gapReason(gaps)})` : ''}`;
}

/** Why the role's permissions boundary was not read. */
function boundaryGap(role: ExecutionRole | undefined): string {
  if (!role)
    return 'the role could not be read, so whether it has a permissions boundary, which limits what the policies allow, is unknown';
  const boundary = role.permissionsBoundary;
  return `the role's permissions boundary ${shortened(boundary?.policyArn ?? '')} could not be read${boundary?.reason ? ` (${shortened(boundary.reason)})` : ''}, and it limits what the policies allow`;
}

const UNDOCUMENTED = new Set<string>(HYPERPOD_UNDOCUMENTED_GRANT_KEYS.map((key) => key.toLowerCase()));

/**
 * Why unknown condition keys leave the answer open. Keys that constrain the grant HyperPod
 * creates get their own reason: what HyperPod sends with CreateGrant is not documented; so do the
 * key policy's conditions on the key's tags and aliases, which KMS does not support (keyAccess).
 */
function grantKeyReasons(
  action: string,
  unknownKeys: readonly string[],
  keyPolicyKeys: readonly string[],
): string[] {
  const grant =
    action === 'kms:CreateGrant' ? unknownKeys.filter((key) => UNDOCUMENTED.has(key.toLowerCase())) : [];
  const tags = keyPolicyKeys.filter((key) => RESOURCE_TAG_KEY.test(key));
  const aliases = keyPolicyKeys.filter((key) => RESOURCE_ALIASES_KEY.test(key));
  const other = unknownKeys.filter(
    (key) => !grant.includes(key) && !tags.includes(key) && !aliases.includes(key),
  );
  return [
    ...(grant.length > 0
      ? [
          `the key policy constrains the grant HyperPod creates (${grant.join(', ')}), and what HyperPod sends ` +
            'with CreateGrant (grant constraints, grantee, operations) is not documented',
        ]
      : []),
    ...(tags.length > 0
      ? [
          `the key policy has a condition on the key's tags (${tags.join(', ')}), which KMS supports in IAM ` +
            'policies only: what it does in a key policy is not documented',
        ]
      : []),
    ...(aliases.length > 0
      ? [
          `the key policy has a condition on the key's aliases (${aliases.join(', ')}), which KMS supports in ` +
            'IAM policies only: what it does in a key policy is not documented',
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
      'UNKNOWN with that reason, not a failure: only a test deployment can tell. ' +
      "So is a key policy condition on the key's tags (aws:ResourceTag) or aliases (kms:ResourceAliases), which KMS " +
      'supports in IAM policies only (AWS KMS Developer Guide, Use tags to control access to KMS keys; AWS KMS ' +
      "condition keys). In the role's IAM policies they are judged on the key's tags, and on its aliases when " +
      'every one is known (a live scan that read ListAliases in its account and Region; never IaC). ' +
      'Restricted instance groups are not applicable: they do not support customer managed keys (HyperPod CMK guide), so HyperPod uses no key they name. ' +
      'Nor are the groups of a cluster outside Continuous provisioning mode, the only one that supports customer ' +
      'managed keys (HyperPod CMK guide): HyperPod makes no grant on a key they name. ' +
      'An execution role that IAM says does not exist (GetRole answers NoSuchEntity) fails: no call is made as it. ' +
      'One whose IAM policies a live scan could not read is UNKNOWN even when the key policy names it: an explicit Deny in ' +
      'any policy overrides an Allow (IAM User Guide, Policy evaluation for requests within a single account). ' +
      'IaC is judged on the policies the scanned files give (docs/iac-scanning.md).',
    remediation: {
      summary:
        'Add key policy statements that allow the execution role kms:CreateGrant with kms:ViaService = ' +
        'sagemaker.<region>.amazonaws.com and kms:GrantIsForAWSResource = true, and kms:DescribeKey via SageMaker; ' +
        'remove kms:EncryptionContext conditions from them (or, where the policy delegates to IAM, grant the same in ' +
        "the role's IAM policy), and allow both in the role's permissions boundary if it has one, and in the " +
        "organization's service control policies over its account and resource control policies over the key's account. " +
        '`hyperpod-cmk guardrails` writes such a policy.',
      cli: "aws kms put-key-policy --key-id '<key>' --policy-name default --policy file://key-policy.json",
    },
    references: [
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service',
      'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-constraint-type',
      'https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases',
      'https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html',
      'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html',
    ],
    frameworks: { 'NIST-800-53': ['SC-12', 'AC-6'], SOC2: ['CC6.1', 'A1.2'] },
    messages: {
      restricted:
        'restricted instance groups do not support customer managed keys: HyperPod uses no key they name (hyperpod-cmk-provisioning-mode reports one)',
      legacyMode:
        'the cluster is not in Continuous provisioning mode, the only one that supports customer managed keys: HyperPod uses no key its groups name (hyperpod-cmk-provisioning-mode reports it)',
      granted: 'the key policy lets {{role}} create grants via SageMaker and describe {{key}}',
      notGranted:
        '{{role}} is not allowed {{action}} on {{key}} as HyperPod calls it (via SageMaker, for an AWS resource)',
      explicitDeny: 'an explicit Deny stops {{role}} from {{action}} on {{key}}',
      organizationDeny:
        'a Deny in the {{policies}} over account {{account}} stops {{role}} from {{action}} on {{key}}',
      outsideBoundary:
        'the policies allow {{role}} {{action}} on {{key}}, but its permissions boundary {{boundary}} does not',
      outsideScp:
        'the policies allow {{role}} {{action}} on {{key}}, but the service control policies over account {{account}} do not',
      outsideRcp:
        "the policies allow {{role}} {{action}} on {{key}}, but the resource control policies over the key's account {{account}} do not",
      encryptionContext:
        '{{role}} may call {{action}} on {{key}} only with encryption context ({{conditions}}), which HyperPod never sends',
      undetermined: 'whether {{role}} may call {{action}} on {{key}} is unknown: {{reason}}',
      noCmk: 'the instance group uses no customer managed key',
      noRole: 'the instance group has no execution role',
      roleNotFound:
        'execution role {{role}} does not exist (IAM GetRole: NoSuchEntity): HyperPod cannot call {{key}} as it',
      notCollected: '{{what}} could not be collected: {{reason}}',
      unresolved: UNRESOLVED_MESSAGE,
    },
  },
  *check(context) {
    const judge = newJudge(context);
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
      // "Restricted instance groups don't support customer managed keys" (smcluster-cmk.html): no
      // grant is ever made for their volumes, so their role needs none.
      if (group.kind === 'restricted') return { resource, status: 'NOT_APPLICABLE', messageId: 'restricted' };
      // "Customer managed key encryption is only supported for clusters using the continuous node
      // provisioning mode" (smcluster-cmk.html): no grant is made for a key named outside it.
      if (provisioningModeOf(cluster).mode === 'legacy')
        return { resource, status: 'NOT_APPLICABLE', messageId: 'legacyMode' };
      if (isUnresolved(group.volumes))
        return unresolvedVerdict(resource, 'the storage configuration', group.volumes);
      // A group has a volume or two: a short list beats a map per group.
      const keys: Key[] = [];
      let unresolvedKey: Verdict | undefined;
      for (const volume of group.volumes) {
        if (volume.kmsKeyId === null) continue;
        if (isUnresolved(volume.kmsKeyId)) {
          unresolvedKey ??= unresolvedVerdict(resource, `the ${volume.role} volume key`, volume.kmsKeyId);
          continue;
        }
        if (isAwsManagedAlias(volume.kmsKeyId) || volume.resolution?.status === 'not-found') continue;
        const key = context.index.keyOfVolume(volume);
        if (key) {
          if (key.metadata?.keyManager !== 'AWS') {
            const at = keys.findIndex((known) => known.arn === key.arn);
            if (at < 0) keys.push(key);
            else keys[at] = key;
          }
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
      if (keys.length === 0)
        return unresolvedKey ?? { resource, status: 'NOT_APPLICABLE', messageId: 'noCmk' };
      if (group.executionRole === null) return { resource, status: 'UNKNOWN', messageId: 'noRole' };
      if (isUnresolved(group.executionRole))
        return unresolvedVerdict(resource, 'the execution role', group.executionRole);
      const roleArn = group.executionRole;
      if (keys.length === 1 && unresolvedKey === undefined) {
        // One key: the verdict is its judgement, and its evidence is shared by the groups that share it.
        const entry = judgedOf(keys[0]!, roleArn, cluster.region);
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
      for (const key of keys) judgements.push(judgedOf(key, roleArn, cluster.region).judgement);
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
