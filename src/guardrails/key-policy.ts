/**
 * Least-privilege key policies for HyperPod keys.
 *
 * One policy per key: for each existing customer managed key the inventory holds, and for each
 * proposed key (one per instance group, as AWS recommends, wherever a group has no key of its own).
 *
 * The statements, and why each is there:
 * - `KeyAdministration`: the configured key admins, named exactly, get administration and read
 *   actions only. The actions are listed one by one: `kms:Create*` would include kms:CreateGrant,
 *   a usage action (separation of duties).
 * - `KeyAdministrationThroughIam`: the same actions through the account (IAM policies decide),
 *   only for principals whose ARN matches a key admin. It admits wildcard admin patterns, and it
 *   is the way back in when an admin role is deleted and recreated (the key policy then shows the
 *   old role's unique id, which no longer matches anyone).
 * - `KeyMetadataReadThroughIam`: read-only metadata actions (DescribeKey, GetKeyPolicy, rotation
 *   status, grants, tags) for the account's IAM policies to grant, so auditors, AWS Config, Security
 *   Hub (KMS.5 reads the policy) and the detection Lambda can judge the key. No usage, no admin.
 * - `HyperPodCreateGrant` / `HyperPodDescribeKey`: the execution roles of the instance groups
 *   that use the key, through SageMaker only (kms:ViaService), grants for AWS resources only, and
 *   no encryption-context condition (HyperPod sends none).
 * - `DenyKeyDestructionExceptAdmins`: ScheduleKeyDeletion, DisableKey and PutKeyPolicy are denied
 *   to every principal whose ARN is not an admin's. The exemption compares aws:PrincipalArn case
 *   insensitively with the same ARNs the Allow names, so no admin that the Allow lets in can be
 *   denied; a Deny with NotPrincipal would have to name session ARNs and breaks on role paths.
 * - `DenyPolicyLockoutSafetyCheckBypass`: nobody, admins included, may put a policy with the
 *   lockout safety check bypassed, so the check (the caller of PutKeyPolicy must be able to call it
 *   again under the new policy) always runs.
 */
import type { PolicyDocument, PolicyStatement } from '../model/inventory.js';
import type { KeyAdminSet } from './key-admins.js';

/** Administration and read actions for key admins: no usage (no Encrypt/Decrypt/GenerateDataKey*, no CreateGrant). */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
] as const;

export const MULTI_REGION_ADMIN_ACTIONS = ['kms:ReplicateKey', 'kms:UpdatePrimaryRegion'] as const;
export const IMPORTED_MATERIAL_ADMIN_ACTIONS = [
  'kms:DeleteImportedKeyMaterial',
  'kms:GetParametersForImport',
  'kms:ImportKeyMaterial',
] as const;

/** Metadata reads the account's IAM policies may grant (auditors, AWS Config, the detection Lambda). */
export const KEY_READ_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
] as const;

/** What only key admins may do to a HyperPod key. */
export const PROTECTED_KEY_ACTIONS = [
  'kms:DisableKey',
  'kms:PutKeyPolicy',
  'kms:ScheduleKeyDeletion',
] as const;

/** A key policy document's size limit (KMS: 32 KB). */
export const KEY_POLICY_MAX_BYTES = 32_768;

export interface KeyPolicySpec {
  keyAccount: string;
  /** The key's Region: HyperPod calls KMS through sagemaker.<region>.amazonaws.com. */
  region: string;
  admins: KeyAdminSet;
  /** ARNs of the execution roles of every instance group that uses the key. */
  executionRoles: readonly string[];
  multiRegion?: boolean;
  importedKeyMaterial?: boolean;
  partition?: string;
  /** The policy's Id. */
  id?: string;
}

const one = (values: readonly string[]): string | string[] =>
  values.length === 1 ? values[0]! : [...values];

export const sageMakerViaService = (region: string) => `sagemaker.${region}.amazonaws.com`;

export function keyPolicy(spec: KeyPolicySpec): PolicyDocument {
  const partition = spec.partition ?? 'aws';
  const { principals, patterns } = spec.admins;
  if (principals.length === 0) throw new Error('keyPolicy needs at least one exact key admin ARN');
  const adminActions = [
    ...KEY_ADMIN_ACTIONS,
    ...(spec.multiRegion ? MULTI_REGION_ADMIN_ACTIONS : []),
    ...(spec.importedKeyMaterial ? IMPORTED_MATERIAL_ADMIN_ACTIONS : []),
  ].sort();
  const sameAccountAdmins = [...principals, ...patterns].filter((arn) => {
    const account = arn.split(':')[4];
    return account === spec.keyAccount || account === '*';
  });
  const roles = [...new Set(spec.executionRoles)].sort();
  const viaSageMaker = sageMakerViaService(spec.region);

  const statements: PolicyStatement[] = [
    {
      Sid: 'KeyAdministration',
      Effect: 'Allow',
      Principal: { AWS: one(principals) },
      Action: adminActions,
      Resource: '*',
    },
  ];
  if (sameAccountAdmins.length > 0) {
    statements.push({
      Sid: 'KeyAdministrationThroughIam',
      Effect: 'Allow',
      Principal: { AWS: `arn:${partition}:iam::${spec.keyAccount}:root` },
      Action: adminActions,
      Resource: '*',
      Condition: { ArnLike: { 'aws:PrincipalArn': one(sameAccountAdmins) } },
    });
  }
  statements.push({
    Sid: 'KeyMetadataReadThroughIam',
    Effect: 'Allow',
    Principal: { AWS: `arn:${partition}:iam::${spec.keyAccount}:root` },
    Action: [...KEY_READ_ACTIONS],
    Resource: '*',
  });
  if (roles.length > 0) {
    statements.push(
      {
        Sid: 'HyperPodCreateGrant',
        Effect: 'Allow',
        Principal: { AWS: one(roles) },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': viaSageMaker },
          Bool: { 'kms:GrantIsForAWSResource': 'true' },
        },
      },
      {
        Sid: 'HyperPodDescribeKey',
        Effect: 'Allow',
        Principal: { AWS: one(roles) },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': viaSageMaker } },
      },
    );
  }
  const exemption: Record<string, Record<string, string | string[]>> = {
    StringNotEqualsIgnoreCase: { 'aws:PrincipalArn': one(principals) },
  };
  if (patterns.length > 0) exemption.ArnNotLike = { 'aws:PrincipalArn': one(patterns) };
  statements.push(
    {
      Sid: 'DenyKeyDestructionExceptAdmins',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: [...PROTECTED_KEY_ACTIONS],
      Resource: '*',
      Condition: exemption,
    },
    {
      Sid: 'DenyPolicyLockoutSafetyCheckBypass',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:PutKeyPolicy',
      Resource: '*',
      Condition: { Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' } },
    },
  );
  return {
    Version: '2012-10-17',
    ...(spec.id ? { Id: spec.id } : {}),
    Statement: statements,
  };
}

/** The policy as the file holds it (and as `aws kms put-key-policy --policy file://` reads it). */
export const renderKeyPolicy = (policy: PolicyDocument): string => `${JSON.stringify(policy, null, 2)}\n`;

/** Bytes of the policy as KMS counts them (the document as sent, UTF-8). */
export const keyPolicyBytes = (policy: PolicyDocument): number =>
  Buffer.byteLength(JSON.stringify(policy), 'utf8');
