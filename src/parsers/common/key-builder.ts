/**
 * Turns the properties of a KMS key defined in IaC (CloudFormation AWS::KMS::Key / ReplicaKey,
 * Terraform aws_kms_key / awscc_kms_key / aws_kms_replica_key) into the inventory's Key, with the
 * service defaults filled in where the source leaves a property out.
 */
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

export function buildKey(definition: KeyDefinition, defaultPolicy: PolicyDocument): Key {
  const enabled = asBoolean(definition.enabled);
  const metadata: KeyMetadata = {
    keyManager: 'CUSTOMER',
    keyState:
      enabled instanceof Unknown ? enabled.toUnresolved() : enabled === false ? 'Disabled' : 'Enabled',
    keySpec: maybeString(definition.keySpec, 'SYMMETRIC_DEFAULT'),
    keyUsage: maybeString(definition.keyUsage, 'ENCRYPT_DECRYPT'),
    origin: maybeString(definition.origin, 'AWS_KMS'),
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
  set('origin', p.origin);
  set('multiRegion', p.multi_region);
  set('description', p.description);
  set('rotationEnabled', p.enable_key_rotation);
  set('rotationPeriodInDays', p.rotation_period_in_days);
  set('tags', p.tags);
  set('pendingWindowInDays', first('deletion_window_in_days', 'pending_window_in_days'));
  return out;
}
