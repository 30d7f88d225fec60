/**
 * AWS Organizations policies: three service control policies and a tag policy.
 *
 * SCPs can only deny. No IAM condition key on sagemaker:CreateCluster or UpdateCluster carries
 * the volume key (shared/aws-facts.md §5: sagemaker:VolumeKmsKeyArn applies to other actions), so
 * no SCP can force a CMK onto a cluster. What an SCP can do, and these do:
 * - protect the keys HyperPod uses (selected by tag) from deletion, disabling, policy changes,
 *   grants outside SageMaker and re-tagging, by anyone but key admins and approved editors;
 * - require the configured tags when a cluster is created, and keep them from being removed;
 * - deny SageMaker the use (kms:CreateGrant via SageMaker) of any key not tagged as approved.
 *
 * Organizations counts an SCP's characters without whitespace, so the files are minified JSON
 * and each is checked against the 5,120-character limit here.
 */
import type { PolicyDocument, PolicyStatement } from '../model/inventory.js';
import { err, ok, type Result } from '../model/result.js';
import type { GuardrailsProblem } from './problem.js';

export const SCP_MAX_CHARS = 5_120;
export const TAG_POLICY_MAX_CHARS = 10_000;

export interface OrganizationsOptions {
  /** Tags that mark a key as a HyperPod key, approved for SageMaker and protected. */
  keyTags: Readonly<Record<string, string>>;
  /** Principal ARN patterns exempt from the key protections (key admins and approved editors). */
  exemptPrincipals: readonly string[];
  requiredClusterTags: readonly string[];
  requiredKeyTags: readonly string[];
}

export interface OrganizationsPolicy {
  name: string;
  /** The file as written: minified JSON. */
  text: string;
  /** Characters as Organizations counts them. */
  size: number;
  limit: number;
}

const KEY_RESOURCE = 'arn:aws:kms:*:*:key/*';
const CLUSTER_RESOURCE = 'arn:aws:sagemaker:*:*:cluster/*';
const SAGEMAKER_VIA = 'sagemaker.*.amazonaws.com';

const one = (values: readonly string[]): string | string[] =>
  values.length === 1 ? values[0]! : [...values];
const sid = (text: string) => text.replace(/[^A-Za-z0-9]/g, '');

const tagConditions = (tags: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:ResourceTag/${key}`, value]));

export function protectKeysScp(options: OrganizationsOptions): PolicyDocument {
  const exempt = { ArnNotLike: { 'aws:PrincipalArn': one(options.exemptPrincipals) } };
  const selected = { StringEquals: tagConditions(options.keyTags) };
  const tagKeys = Object.keys(options.keyTags);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ProtectHyperPodKeys',
        Effect: 'Deny',
        Action: ['kms:DisableKey', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'],
        Resource: KEY_RESOURCE,
        Condition: { ...selected, ...exempt },
      },
      {
        Sid: 'HyperPodKeyGrantsOnlyViaSageMaker',
        Effect: 'Deny',
        Action: 'kms:CreateGrant',
        Resource: KEY_RESOURCE,
        Condition: { ...selected, StringNotLike: { 'kms:ViaService': SAGEMAKER_VIA }, ...exempt },
      },
      {
        Sid: 'ProtectHyperPodKeyTags',
        Effect: 'Deny',
        Action: ['kms:TagResource', 'kms:UntagResource'],
        Resource: KEY_RESOURCE,
        Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': one(tagKeys) }, ...exempt },
      },
      {
        Sid: 'CreateHyperPodKeysOnlyByAdmins',
        Effect: 'Deny',
        Action: 'kms:CreateKey',
        Resource: '*',
        Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': one(tagKeys) }, ...exempt },
      },
      {
        Sid: 'DenyKeyPolicyLockoutBypass',
        Effect: 'Deny',
        Action: ['kms:CreateKey', 'kms:PutKeyPolicy'],
        Resource: '*',
        Condition: { Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' } },
      },
    ],
  };
}

export function requireClusterTagsScp(options: OrganizationsOptions): PolicyDocument {
  const statements: PolicyStatement[] = options.requiredClusterTags.map((tag, i) => ({
    Sid: `RequireClusterTag${i + 1}${sid(tag)}`.slice(0, 100),
    Effect: 'Deny',
    Action: 'sagemaker:CreateCluster',
    Resource: CLUSTER_RESOURCE,
    Condition: { Null: { [`aws:RequestTag/${tag}`]: 'true' } },
  }));
  statements.push({
    Sid: 'KeepRequiredClusterTags',
    Effect: 'Deny',
    Action: 'sagemaker:DeleteTags',
    Resource: CLUSTER_RESOURCE,
    Condition: {
      'ForAnyValue:StringEquals': { 'aws:TagKeys': one(options.requiredClusterTags) },
      ArnNotLike: { 'aws:PrincipalArn': one(options.exemptPrincipals) },
    },
  });
  return { Version: '2012-10-17', Statement: statements };
}

export function approvedKeysOnlyScp(options: OrganizationsOptions): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: Object.entries(options.keyTags).map(([key, value], i) => ({
      Sid: `SageMakerUsesApprovedKeysOnly${i + 1}`,
      Effect: 'Deny',
      Action: 'kms:CreateGrant',
      Resource: KEY_RESOURCE,
      Condition: {
        StringLike: { 'kms:ViaService': SAGEMAKER_VIA },
        StringNotEquals: { [`aws:ResourceTag/${key}`]: value },
      },
    })),
  };
}

/**
 * A tag policy that fixes the spelling of the required tag keys and the values of the key tags.
 * Tag policies standardize tags; they cannot require one (the SCP does), and `enforced_for` is left
 * out because the resource types Organizations enforces for change over time (adding an unsupported
 * one makes the policy invalid): attach it for compliance reporting, and add enforcement by hand.
 */
export function tagPolicy(options: OrganizationsOptions): Record<string, unknown> {
  const locked = { '@@operators_allowed_for_child_policies': ['@@none'] };
  const tags: Record<string, unknown> = {};
  for (const tag of [...new Set([...options.requiredClusterTags, ...options.requiredKeyTags])].sort()) {
    tags[tag] = { tag_key: { '@@assign': tag, ...locked } };
  }
  for (const [tag, value] of Object.entries(options.keyTags)) {
    tags[tag] = { tag_key: { '@@assign': tag, ...locked }, tag_value: { '@@assign': [value] } };
  }
  return { tags };
}

function finish(
  name: string,
  document: unknown,
  limit: number,
): Result<OrganizationsPolicy, GuardrailsProblem> {
  const text = JSON.stringify(document);
  const size = text.length;
  if (size > limit) {
    return err({
      code: 'guardrails.policy_too_large',
      message: `${name} would be ${size} characters, over the Organizations limit of ${limit}`,
      hint: 'use fewer, broader keyAdmins/approvedPolicyEditors patterns (e.g. arn:aws:iam::*:role/KeyAdmin*)',
    });
  }
  return ok({ name, text: `${text}\n`, size, limit });
}

export function organizationsPolicies(
  options: OrganizationsOptions,
): Result<{ scps: OrganizationsPolicy[]; tagPolicy: OrganizationsPolicy }, GuardrailsProblem> {
  if (Object.keys(options.keyTags).length === 0)
    return err({ code: 'guardrails.key_tags', message: 'no key tag selects HyperPod keys' });
  const scps: OrganizationsPolicy[] = [];
  const built: [string, PolicyDocument][] = [['protect-hyperpod-keys', protectKeysScp(options)]];
  if (options.requiredClusterTags.length > 0)
    built.push(['require-cluster-tags', requireClusterTagsScp(options)]);
  built.push(['approved-keys-only', approvedKeysOnlyScp(options)]);
  for (const [name, document] of built) {
    const done = finish(name, document, SCP_MAX_CHARS);
    if (!done.ok) return done;
    scps.push(done.value);
  }
  const tags = finish('hyperpod-tags', tagPolicy(options), TAG_POLICY_MAX_CHARS);
  if (!tags.ok) return tags;
  return ok({ scps, tagPolicy: tags.value });
}
