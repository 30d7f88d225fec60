/**
 * Turns the properties of a KMS key defined in IaC (CloudFormation AWS::KMS::Key / ReplicaKey,
 * Terraform aws_kms_key / awscc_kms_key / aws_kms_replica_key / aws_kms_external_key /
 * aws_kms_replica_external_key) into the inventory's Key, with the
 * service defaults filled in where the source leaves a property out.
 */
import { isIsoTime } from '../../model/dates.js';
import type {
  DeletionProtection,
  Key,
  KeyMetadata,
  Location,
  PolicyDocument,
  Source,
  Unresolved,
} from '../../model/inventory.js';
import { PolicyDocumentSchema } from '../../model/inventory.js';
import { tagsOf } from './cluster-builder.js';
import {
  asBoolean,
  asNumber,
  asText,
  findUnknown,
  isAbsent,
  textOf,
  toPlain,
  Unknown,
  type Val,
  type ValObject,
} from './value.js';

export interface KeyDefinition {
  id: string;
  location: Location;
  source: Source;
  account: string;
  region: string;
  enabled?: Val;
  keySpec?: Val;
  keyUsage?: Val;
  origin?: Val;
  multiRegion?: Val;
  description?: Val;
  rotationEnabled?: Val;
  rotationPeriodInDays?: Val;
  /** The key policy; `undefined` means the source sets none, so KMS applies its default policy. */
  policy?: Val;
  /** The policy is defined by a separate resource that could not be read (e.g. aws_kms_key_policy with unknown content). */
  tags?: Val;
  pendingWindowInDays?: Val;
  deletionPolicy?: Val;
  updateReplacePolicy?: Val;
  preventDestroy?: Val;
  replica?: { primaryKeyArn: string };
  aliases?: string[];
  /**
   * Keys whose material the source imports (Terraform aws_kms_external_key): the key material it
   * imports (absent: none, so the key is PendingImport) and when that material expires.
   */
  imported?: { material: Val | undefined; validTo: Val | undefined };
}

/** KMS's default key policy: the account root may do everything, so IAM policies decide. */
export function defaultKeyPolicy(account: string, partition: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

/** A policy document from an object or a JSON string; an Unresolved when it cannot be known. */
export function policyOf(value: Val, expression: string): PolicyDocument | Unresolved {
  if (value instanceof Unknown) return value.toUnresolved();
  const unknown = findUnknown(value);
  if (unknown) return unknown.toUnresolved();
  let plain: unknown = toPlain(value);
  if (typeof plain === 'string') {
    try {
      plain = JSON.parse(plain);
    } catch {
      return { unresolved: expression, reason: 'the key policy is not valid JSON' };
    }
  }
  const parsed = PolicyDocumentSchema.safeParse(plain);
  if (!parsed.success)
    return { unresolved: expression, reason: 'the key policy is not a valid policy document' };
  return parsed.data;
}

const maybeString = (value: Val | undefined, fallback: string): string | Unresolved => {
  const text = asText(value);
  if (text instanceof Unknown) return text.toUnresolved();
  return text ?? fallback;
};

const maybeBoolean = (value: Val | undefined, fallback: boolean): boolean | Unresolved => {
  const bool = asBoolean(value);
  if (bool instanceof Unknown) return bool.toUnresolved();
  return bool ?? fallback;
};

const maybeNumber = (value: Val | undefined): number | Unresolved | undefined => {
  const n = asNumber(value);
  return n instanceof Unknown ? n.toUnresolved() : n;
};

/**
 * The key state a source gives a key. A key of Origin EXTERNAL has no key material when it is
 * created, and "The key state of a KMS key with an EXTERNAL origin and no key material is
 * PendingImport" until material is imported
 * (https://docs.aws.amazon.com/kms/latest/developerguide/importing-keys-create-cmk.html).
 * CloudFormation and Cloud Control import none, so whether the key is usable is not in the files;
 * aws_kms_external_key imports its key_material_base64, if it has one.
 */
function keyStateOf(definition: KeyDefinition, origin: string | Unresolved): KeyMetadata['keyState'] {
  const enabled = asBoolean(definition.enabled);
  if (enabled instanceof Unknown) return enabled.toUnresolved();
  if (enabled === false) return 'Disabled';
  if (definition.imported) {
    const { material } = definition.imported;
    if (material instanceof Unknown) return material.toUnresolved();
    return isAbsent(material) ? 'PendingImport' : 'Enabled';
  }
  if (origin === 'EXTERNAL')
    return {
      unresolved: 'Origin: EXTERNAL',
      reason:
        'a key of Origin EXTERNAL is PendingImport until key material is imported into it, which the scanned files do not do',
    };
  return 'Enabled';
}

/** When imported key material expires: its ValidTo, or no expiry when none is given. */
function expiryOf(imported: KeyDefinition['imported']): Pick<KeyMetadata, 'expirationModel' | 'validTo'> {
  if (!imported || isAbsent(imported.material)) return {};
  const validTo = asText(imported.validTo);
  if (validTo === undefined) return { expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' };
  return {
    expirationModel: 'KEY_MATERIAL_EXPIRES',
    validTo:
      validTo instanceof Unknown
        ? validTo.toUnresolved()
        : isIsoTime(validTo)
          ? validTo
          : { unresolved: validTo, reason: 'valid_to is not an RFC 3339 time' },
  };
}

export function buildKey(definition: KeyDefinition, defaultPolicy: PolicyDocument): Key {
  const origin = maybeString(definition.origin, 'AWS_KMS');
  const metadata: KeyMetadata = {
    keyManager: 'CUSTOMER',
    keyState: keyStateOf(definition, origin),
    keySpec: maybeString(definition.keySpec, 'SYMMETRIC_DEFAULT'),
    keyUsage: maybeString(definition.keyUsage, 'ENCRYPT_DECRYPT'),
    origin,
    ...expiryOf(definition.imported),
    multiRegion: definition.replica ? true : maybeBoolean(definition.multiRegion, false),
  };
  if (definition.replica) {
    metadata.multiRegionKeyType = 'REPLICA';
    metadata.primaryKeyArn = definition.replica.primaryKeyArn;
  } else if (metadata.multiRegion === true) metadata.multiRegionKeyType = 'PRIMARY';
  const description = textOf(definition.description ?? null);
  if (description !== undefined) metadata.description = description;

  const key: Key = {
    arn: definition.id,
    account: definition.account,
    region: definition.region,
    source: definition.source,
    location: definition.location,
    aliases: [...(definition.aliases ?? [])],
    metadata,
  };

  const rotationEnabled = maybeBoolean(definition.rotationEnabled, false);
  const period = maybeNumber(definition.rotationPeriodInDays);
  key.rotation = {
    enabled: rotationEnabled,
    ...(period !== undefined
      ? { periodInDays: period }
      : rotationEnabled === true
        ? { periodInDays: 365 }
        : {}),
  };

  key.policy =
    definition.policy === undefined || isAbsent(definition.policy)
      ? defaultPolicy
      : policyOf(definition.policy, 'the key policy');

  const tags = tagsOf(definition.tags);
  key.tags = tags ?? {};

  const protection: DeletionProtection = {};
  const window = maybeNumber(definition.pendingWindowInDays);
  if (window !== undefined) protection.pendingWindowInDays = window;
  if (definition.deletionPolicy !== undefined) {
    const value = maybeString(definition.deletionPolicy, 'Delete');
    protection.deletionPolicy = value;
  }
  if (definition.updateReplacePolicy !== undefined)
    protection.updateReplacePolicy = maybeString(definition.updateReplacePolicy, 'Delete');
  if (definition.preventDestroy !== undefined) {
    const prevent = asBoolean(definition.preventDestroy);
    protection.preventDestroy = prevent instanceof Unknown ? prevent.toUnresolved() : prevent === true;
  }
  key.deletionProtection = protection;
  return key;
}

/** The arguments of a Terraform key (aws_kms_key, awscc_kms_key, aws_kms_replica_key), as a key definition. */
export function terraformKeyProperties(p: ValObject): Partial<KeyDefinition> {
  const first = (...names: string[]) => names.map((name) => p[name]).find((value) => value !== undefined);
  const out: Partial<KeyDefinition> = {};
  const set = (key: keyof KeyDefinition, value: Val | undefined) => {
    if (value !== undefined) (out as Record<string, Val>)[key] = value;
  };
  set('enabled', first('is_enabled', 'enabled'));
  set('keySpec', first('customer_master_key_spec', 'key_spec'));
  set('keyUsage', p.key_usage);
  // aws_kms_key has no origin argument: a key in a custom key store takes the store's origin
  // (CreateKey Origin AWS_CLOUDHSM with custom_key_store_id, EXTERNAL_KEY_STORE with xks_key_id too).
  set(
    'origin',
    p.origin ??
      (!isAbsent(p.xks_key_id)
        ? 'EXTERNAL_KEY_STORE'
        : !isAbsent(p.custom_key_store_id)
          ? 'AWS_CLOUDHSM'
          : undefined),
  );
  set('multiRegion', p.multi_region);
  set('description', p.description);
  set('rotationEnabled', p.enable_key_rotation);
  set('rotationPeriodInDays', p.rotation_period_in_days);
  set('tags', p.tags);
  set('pendingWindowInDays', first('deletion_window_in_days', 'pending_window_in_days'));
  return out;
}

/** The Terraform resource types read as KMS keys. */
export const TERRAFORM_KEY_TYPES: ReadonlySet<string> = new Set([
  'aws_kms_key',
  'awscc_kms_key',
  'aws_kms_replica_key',
  'aws_kms_external_key',
  'aws_kms_replica_external_key',
]);

/** The Terraform key types that replicate a multi-Region primary key. */
export const REPLICA_TYPES: ReadonlySet<string> = new Set([
  'aws_kms_replica_key',
  'aws_kms_replica_external_key',
]);

/**
 * What a Terraform key with imported key material adds (aws_kms_external_key and
 * aws_kms_replica_external_key, https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_external_key):
 * Origin EXTERNAL, the key_material_base64 it imports, if any, and its valid_to. Nothing for other types.
 */
export function externalKeyProperties(type: string, p: ValObject): Partial<KeyDefinition> {
  if (type !== 'aws_kms_external_key' && type !== 'aws_kms_replica_external_key') return {};
  return { origin: 'EXTERNAL', imported: { material: p.key_material_base64, validTo: p.valid_to } };
}
