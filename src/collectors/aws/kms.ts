/**
 * KMS: resolves every form a VolumeKmsKeyId may take (key id, key ARN, alias name, alias ARN,
 * cross-account ARN) to one key ARN, and fetches each distinct key exactly once per scan however
 * many instance groups use it: DescribeKey, GetKeyRotationStatus, GetKeyPolicy, ListGrants and
 * ListResourceTags. ListAliases runs at most once per account and Region, and serves both alias
 * resolution and each key's alias list. Keys that config selects by tag are found with ListKeys
 * and ListResourceTags, only when that rule is on.
 *
 * A key in an account outside the scan is read with the credentials of the account that uses it:
 * DescribeKey, GetKeyRotationStatus and ListGrants work across accounts, GetKeyPolicy and
 * ListResourceTags do not, and those become `aws.cross_account` gaps (shared/aws-facts.md §6).
 */
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  type GrantListEntry,
  type KMSClient,
  type KeyMetadata as KmsKeyMetadata,
  paginateListAliases,
  paginateListGrants,
  paginateListKeys,
  paginateListResourceTags,
} from '@aws-sdk/client-kms';
import type {
  Gap,
  Grant,
  Key,
  KeyMetadata,
  KeyResolution,
  KeyRotation,
  Tags,
  Unresolved,
} from '../../model/inventory.js';
import { PolicyDocumentSchema } from '../../model/inventory.js';
import { depthWithin } from '../../model/many.js';
import { MAX_POLICY_DEPTH } from '../../policy/identity-policies.js';
import type { ScanContext } from './context.js';
import { classifyError, type GapContext, gapReasonText, isNotFound } from './errors.js';
import { everyPage } from './pages.js';

// ---------------------------------------------------------------------------------------------
// Key references

export type KeyRef =
  | { kind: 'key'; keyId: string; account?: string; region?: string; partition?: string }
  | { kind: 'alias'; aliasName: string; account?: string; region?: string; partition?: string }
  | { kind: 'invalid' };

const ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

/** Parses a VolumeKmsKeyId: `1234abcd-...`, `mrk-...`, `arn:aws:kms:...:key/...`, `alias/x`, `arn:...:alias/x`. */
export function parseKeyRef(ref: string): KeyRef {
  const arn = ARN.exec(ref);
  if (arn) {
    const [, partition, region, account, type, rest] = arn as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    return type === 'key'
      ? { kind: 'key', keyId: rest, account, region, partition }
      : { kind: 'alias', aliasName: `alias/${rest}`, account, region, partition };
  }
  if (ref.startsWith('alias/') && ref.length > 6) return { kind: 'alias', aliasName: ref };
  if (/^(mrk-)?[0-9a-f-]{8,}$/i.test(ref)) return { kind: 'key', keyId: ref };
  return { kind: 'invalid' };
}

export const keyArnOf = (partition: string, region: string, account: string, keyId: string): string =>
  `arn:${partition}:kms:${region}:${account}:key/${keyId}`;

const accountOfArn = (arn: string): string => arn.split(':')[4] ?? '';
const regionOfArn = (arn: string): string => arn.split(':')[3] ?? '';
const keyIdOfArn = (arn: string): string => arn.slice(arn.indexOf(':key/') + 5);

// ---------------------------------------------------------------------------------------------

interface AliasTable {
  /** alias name -> target key id (undefined for a predefined AWS alias not yet tied to a key) */
  targetOf: Map<string, string | undefined>;
  aliasesOf: Map<string, string[]>;
  /** key ids that AWS aliases (alias/aws/...) point at: AWS managed keys */
  awsManaged: Set<string>;
}

/** What ListResourceTags said of a key: its tags, that the key does not exist, or a gap. */
type TagsOutcome =
  | { status: 'read'; tags: Tags }
  | { status: 'not-found'; context: GapContext; error: unknown }
  | { status: 'failed'; gap: Gap };

type KeyOutcome =
  | { status: 'found'; key: Key }
  | { status: 'not-found'; message: string }
  | { status: 'unknown'; gap: Gap; key?: Key };

const iso = (date: Date | undefined): string | undefined => (date ? date.toISOString() : undefined);

/**
 * A KeyMetadata member DescribeKey left out. Every member but KeyId is optional in the API model
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyMetadata.html): one that is absent
 * is unknown, never a default that would pass a rule.
 */
const notReported = (member: string, reason = `DescribeKey returned no ${member}`): Unresolved => ({
  unresolved: `KeyMetadata.${member}`,
  reason,
});

/**
 * The key state: KeyState, else what `Enabled` proves ("When KeyState is Enabled this value is
 * true, otherwise it is false", API_KeyMetadata): true is Enabled, false leaves the state unknown.
 */
function keyStateOf(meta: KmsKeyMetadata): KeyMetadata['keyState'] {
  if (meta.KeyState) return meta.KeyState;
  if (meta.Enabled === true) return 'Enabled';
  return notReported(
    'KeyState',
    meta.Enabled === false
      ? 'DescribeKey returned no KeyState, and Enabled false: the key is not Enabled, in a state not reported'
      : 'DescribeKey returned no KeyState',
  );
}

/** A single-Region key's id: a UUID (a multi-Region key's is `mrk-` and 32 hex digits). */
const SINGLE_REGION_KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether the key is multi-Region: MultiRegion, else its configuration or its id, which tells
 * ("multi-Region key IDs begin with mrk-", the key ID of every other key is a UUID:
 * https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html). An
 * emulator leaves MultiRegion out of keys created without it.
 */
function multiRegionOf(meta: KmsKeyMetadata): KeyMetadata['multiRegion'] {
  if (meta.MultiRegion !== undefined) return meta.MultiRegion;
  if (meta.MultiRegionConfiguration?.MultiRegionKeyType || meta.KeyId?.startsWith('mrk-')) return true;
  if (meta.KeyId && SINGLE_REGION_KEY_ID.test(meta.KeyId)) return false;
  return notReported('MultiRegion');
}

/**
 * When the imported key material expires. ValidTo "is present only for KMS keys whose Origin is
 * EXTERNAL and the ExpirationModel is KEY_MATERIAL_EXPIRES" (API_KeyMetadata): such a key without
 * it expires at a time not reported.
 */
function validToOf(meta: KmsKeyMetadata): Pick<KeyMetadata, 'validTo'> {
  if (meta.ValidTo) return { validTo: meta.ValidTo.toISOString() };
  if (meta.ExpirationModel === 'KEY_MATERIAL_EXPIRES')
    return {
      validTo: notReported(
        'ValidTo',
        'DescribeKey returned ExpirationModel KEY_MATERIAL_EXPIRES without ValidTo, when the key material expires',
      ),
    };
  return {};
}

function metadataOf(meta: KmsKeyMetadata): KeyMetadata {
  const multi = meta.MultiRegionConfiguration;
  // ReplicaKeys lists every replica of the multi-Region key, a replica's own included ("This
  // field includes the current KMS key if it is a replica key", API_MultiRegionConfiguration):
  // a replica's siblings hold the same key material as much as the primary's replicas do.
  const replicaRegions = (multi?.ReplicaKeys ?? []).flatMap((replica) =>
    replica.Region ? [replica.Region] : [],
  );
  const keySpec = meta.KeySpec ?? meta.CustomerMasterKeySpec;
  return {
    keyManager:
      meta.KeyManager === 'AWS' || meta.KeyManager === 'CUSTOMER'
        ? meta.KeyManager
        : notReported('KeyManager'),
    keyState: keyStateOf(meta),
    keySpec: keySpec ?? notReported('KeySpec'),
    // A symmetric encryption key has one usage, ENCRYPT_DECRYPT (key spec reference,
    // https://docs.aws.amazon.com/kms/latest/developerguide/symm-asymm-choose-key-spec.html): an
    // emulator leaves KeyUsage out of keys created without it.
    keyUsage:
      meta.KeyUsage ?? (keySpec === 'SYMMETRIC_DEFAULT' ? 'ENCRYPT_DECRYPT' : notReported('KeyUsage')),
    ...(meta.Origin ? { origin: meta.Origin } : {}),
    ...(meta.ExpirationModel ? { expirationModel: meta.ExpirationModel } : {}),
    ...validToOf(meta),
    multiRegion: multiRegionOf(meta),
    ...(multi?.MultiRegionKeyType ? { multiRegionKeyType: multi.MultiRegionKeyType } : {}),
    ...(multi?.MultiRegionKeyType === 'REPLICA' && multi.PrimaryKey?.Arn
      ? { primaryKeyArn: multi.PrimaryKey.Arn }
      : {}),
    ...(multi?.MultiRegionKeyType ? { replicaRegions } : {}),
    ...(meta.DeletionDate ? { deletionDate: meta.DeletionDate.toISOString() } : {}),
    ...(meta.PendingDeletionWindowInDays !== undefined
      ? { pendingDeletionWindowInDays: meta.PendingDeletionWindowInDays }
      : {}),
    ...(meta.CreationDate ? { creationDate: meta.CreationDate.toISOString() } : {}),
    ...(meta.Description ? { description: meta.Description } : {}),
  };
}

export function grantOf(entry: GrantListEntry): Grant {
  const constraints = entry.Constraints;
  const hasConstraints =
    constraints !== undefined && Object.values(constraints).some((value) => value !== undefined);
  const creationDate = iso(entry.CreationDate);
  return {
    grantId: entry.GrantId ?? '',
    ...(entry.Name ? { name: entry.Name } : {}),
    ...(entry.GranteePrincipal ? { granteePrincipal: entry.GranteePrincipal } : {}),
    ...(entry.GranteeServicePrincipal ? { granteeServicePrincipal: entry.GranteeServicePrincipal } : {}),
    ...(entry.RetiringPrincipal ? { retiringPrincipal: entry.RetiringPrincipal } : {}),
    ...(entry.RetiringServicePrincipal ? { retiringServicePrincipal: entry.RetiringServicePrincipal } : {}),
    operations: [...(entry.Operations ?? [])],
    ...(entry.IssuingAccount ? { issuingAccount: entry.IssuingAccount } : {}),
    ...(creationDate ? { creationDate } : {}),
    ...(hasConstraints ? { constraints: { ...constraints } } : {}),
  };
}

/**
 * Whether the key's rotation is worth asking for: only symmetric keys with KMS-made material
 * rotate. A key whose spec DescribeKey did not report is asked too (its answer, or the gap, tells).
 */
const rotates = (meta: KeyMetadata): boolean =>
  (typeof meta.keySpec !== 'string' || meta.keySpec === 'SYMMETRIC_DEFAULT') &&
  (meta.origin === undefined || meta.origin === 'AWS_KMS');

export interface KmsOptions {
  /** Tags that select keys for the kms-key-unused rule; undefined: no selection (no ListKeys). */
  selectorTags?: Readonly<Record<string, string>>;
  /** Called once for every key whose metadata was read (CloudTrail lookups start from it). */
  onKey?: (key: Key) => void;
}

export class KmsCollector {
  private readonly aliasTables = new Map<string, Promise<AliasTable | Gap>>();
  private readonly outcomes = new Map<string, Promise<KeyOutcome>>();
  private readonly aliasLookups = new Map<string, Promise<KeyResolution>>();
  private readonly tagLookups = new Map<string, Promise<TagsOutcome>>();
  private readonly found = new Map<string, Key>();

  constructor(
    private readonly ctx: ScanContext,
    private readonly options: KmsOptions = {},
  ) {}

  /** The keys collected so far, metadata or not, by ARN. */
  keys(): Key[] {
    return [...this.found.values()];
  }

  /** Resolves a VolumeKmsKeyId written in a cluster of `account`/`region` to a key ARN, fetching the key. */
  async resolve(ref: string, account: string, region: string): Promise<KeyResolution> {
    const parsed = parseKeyRef(ref);
    if (parsed.kind === 'invalid')
      return {
        status: 'not-found',
        message: `"${ref}" is not a KMS key id, key ARN, alias name or alias ARN`,
      };
    const owner = parsed.account ?? account;
    const ownerRegion = parsed.region ?? region;
    const partition = parsed.partition ?? this.ctx.partition;
    if (parsed.kind === 'key') {
      return this.resolutionOf(
        await this.key(keyArnOf(partition, ownerRegion, owner, parsed.keyId), account),
      );
    }
    if (this.ctx.session.hasAccount(owner)) {
      const table = await this.aliasTable(owner, ownerRegion);
      if (!('code' in table)) {
        if (!table.targetOf.has(parsed.aliasName) && parsed.aliasName.startsWith('alias/aws/'))
          return {
            status: 'unknown',
            reason: `${parsed.aliasName} is not among the aliases of ${owner} ${ownerRegion}; AWS lists its predefined aliases, an emulator may not`,
          };
        if (!table.targetOf.has(parsed.aliasName))
          return {
            status: 'not-found',
            message: `alias ${parsed.aliasName} does not exist in ${owner} ${ownerRegion}`,
          };
        const target = table.targetOf.get(parsed.aliasName);
        if (target === undefined)
          return {
            status: 'unknown',
            reason: `${parsed.aliasName} is a predefined AWS alias that no key is associated with yet`,
          };
        return this.resolutionOf(await this.key(keyArnOf(partition, ownerRegion, owner, target), account));
      }
    }
    // No alias table (the account is outside the scan, or ListAliases failed): ask DescribeKey.
    if (parsed.aliasName.startsWith('alias/aws/'))
      return {
        status: 'unknown',
        reason: `the aliases of ${owner} ${ownerRegion} could not be listed, and DescribeKey on a predefined AWS alias would create its key`,
      };
    const lookupKey = `${owner}|${ownerRegion}|${parsed.aliasName}|${account}`;
    let lookup = this.aliasLookups.get(lookupKey);
    if (!lookup) {
      // Asked in the alias's own Region: KMS resolves an alias ARN only where the alias lives.
      lookup = this.describeAlias(ref, account, ownerRegion);
      this.aliasLookups.set(lookupKey, lookup);
    }
    return lookup;
  }

  /** Adds the keys of one account and Region that carry every selector tag. */
  async selectByTags(account: string, region: string): Promise<void> {
    const selector = this.options.selectorTags;
    if (!selector) return;
    const client = this.ctx.session.for('kms', account, region);
    const table = await this.aliasTable(account, region);
    const awsManaged = 'code' in table ? new Set<string>() : table.awsManaged;
    const arns: string[] = [];
    try {
      for await (const page of everyPage(
        paginateListKeys({ client, pageSize: this.ctx.pageSize(1000) }, {}),
        'ListKeys',
      )) {
        for (const entry of page.Keys ?? []) {
          const keyId = entry.KeyId ?? (entry.KeyArn ? keyIdOfArn(entry.KeyArn) : undefined);
          if (!keyId || awsManaged.has(keyId)) continue;
          arns.push(entry.KeyArn ?? keyArnOf(this.ctx.partition, region, account, keyId));
        }
      }
    } catch (error) {
      this.ctx.failed({ service: 'kms', operation: 'ListKeys', account, region }, error);
      return;
    }
    await Promise.all(
      arns.map(async (arn) => {
        const tags = await this.tags(arn, account, region);
        // Deleted since ListKeys listed it: "After the waiting period ends, KMS deletes the KMS
        // key ... and all KMS data associated with it" (API_ScheduleKeyDeletion), and answers
        // NotFoundException. A key that no longer exists is no key of the account.
        if (tags.status === 'not-found') return;
        if (tags.status === 'failed') {
          this.keepUnselectable(arn, account, region, table);
          return;
        }
        if (Object.entries(selector).every(([name, value]) => tags.tags[name] === value))
          await this.key(arn, account);
      }),
    );
  }

  /**
   * A key whose tags could not be read may be one the selector governs: it is kept, without
   * metadata, so that every rule that would judge it says UNKNOWN (the ListResourceTags gap says
   * why) instead of leaving it out. Nothing more is read of a key that may not be HyperPod's; a
   * volume that names it still fetches it in full, and drops it if DescribeKey finds it gone.
   */
  private keepUnselectable(arn: string, account: string, region: string, table: AliasTable | Gap): void {
    if (this.outcomes.has(arn) || this.found.has(arn)) return;
    const keyId = keyIdOfArn(arn);
    const aliases = 'code' in table ? [] : [...(table.aliasesOf.get(keyId) ?? [])].sort();
    this.found.set(arn, { arn, keyId, account, region, source: 'live', aliases });
  }

  private resolutionOf(outcome: KeyOutcome): KeyResolution {
    if (outcome.status === 'found') return { status: 'resolved', keyArn: outcome.key.arn };
    if (outcome.status === 'not-found') return { status: 'not-found', message: outcome.message };
    return { status: 'unknown', reason: gapReasonText(outcome.gap), gapCode: outcome.gap.code };
  }

  private async describeAlias(ref: string, account: string, region: string): Promise<KeyResolution> {
    const context = { service: 'kms', operation: 'DescribeKey', account, region, resource: ref };
    try {
      const out = await this.ctx.session
        .for('kms', account, region)
        .send(new DescribeKeyCommand({ KeyId: ref }));
      const meta = out.KeyMetadata;
      if (!meta?.Arn) {
        const entry = this.ctx.missing(context, 'aws.invalid_response', 'DescribeKey returned no key ARN');
        return { status: 'unknown', reason: gapReasonText(entry), gapCode: entry.code };
      }
      return this.resolutionOf(await this.key(meta.Arn, account, meta));
    } catch (error) {
      if (isNotFound(error)) return { status: 'not-found', message: classifyError(error).message };
      const entry = this.ctx.failed(context, error);
      return { status: 'unknown', reason: gapReasonText(entry), gapCode: entry.code };
    }
  }

  /** ListAliases for an account and Region, once. */
  private aliasTable(account: string, region: string): Promise<AliasTable | Gap> {
    const cacheKey = `${account}|${region}`;
    let table = this.aliasTables.get(cacheKey);
    if (!table) {
      table = this.listAliases(account, region);
      this.aliasTables.set(cacheKey, table);
    }
    return table;
  }

  private async listAliases(account: string, region: string): Promise<AliasTable | Gap> {
    const client = this.ctx.session.for('kms', account, region);
    const table: AliasTable = { targetOf: new Map(), aliasesOf: new Map(), awsManaged: new Set() };
    try {
      for await (const page of everyPage(
        paginateListAliases({ client, pageSize: this.ctx.pageSize(100) }, {}),
        'ListAliases',
      )) {
        for (const alias of page.Aliases ?? []) {
          if (!alias.AliasName) continue;
          table.targetOf.set(alias.AliasName, alias.TargetKeyId);
          if (!alias.TargetKeyId) continue;
          const list = table.aliasesOf.get(alias.TargetKeyId) ?? [];
          list.push(alias.AliasName);
          table.aliasesOf.set(alias.TargetKeyId, list);
          if (alias.AliasName.startsWith('alias/aws/')) table.awsManaged.add(alias.TargetKeyId);
        }
      }
      return table;
    } catch (error) {
      return this.ctx.failed({ service: 'kms', operation: 'ListAliases', account, region }, error);
    }
  }

  /** ListResourceTags for one key, once (the selector and the key fetch share it). */
  private tags(arn: string, account: string, region: string): Promise<TagsOutcome> {
    let lookup = this.tagLookups.get(arn);
    if (!lookup) {
      lookup = this.listTags(arn, account, region);
      this.tagLookups.set(arn, lookup);
    }
    return lookup;
  }

  private async listTags(arn: string, account: string, region: string): Promise<TagsOutcome> {
    const client = this.ctx.session.for('kms', account, region);
    const tags: Tags = {};
    const context = { service: 'kms', operation: 'ListResourceTags', account, region, resource: arn };
    try {
      const pages = everyPage(
        paginateListResourceTags({ client, pageSize: this.ctx.pageSize(50) }, { KeyId: arn }),
        'ListResourceTags',
      );
      for await (const page of pages)
        for (const tag of page.Tags ?? []) if (tag.TagKey) tags[tag.TagKey] = tag.TagValue ?? '';
      return { status: 'read', tags };
    } catch (error) {
      // Left to the caller: the selector drops a key that is gone, the key fetch records the gap.
      if (isNotFound(error)) return { status: 'not-found', context, error };
      return { status: 'failed', gap: this.ctx.failed(context, error) };
    }
  }

  /** The key behind an ARN, fetched once; `caller` is the account whose volume names it. */
  private key(arn: string, caller: string, described?: KmsKeyMetadata): Promise<KeyOutcome> {
    let outcome = this.outcomes.get(arn);
    if (!outcome) {
      this.ctx.tick((p) => p.keys.total++);
      outcome = this.fetchKey(arn, caller, described).finally(() => this.ctx.tick((p) => p.keys.done++));
      this.outcomes.set(arn, outcome);
    }
    return outcome;
  }

  private async fetchKey(
    arn: string,
    caller: string,
    described: KmsKeyMetadata | undefined,
  ): Promise<KeyOutcome> {
    const owner = accountOfArn(arn);
    const region = regionOfArn(arn);
    const inScope = this.ctx.session.hasAccount(owner);
    const via = inScope ? owner : caller;
    const client = this.ctx.session.for('kms', via, region);
    const context = (operation: string) => ({
      service: 'kms',
      operation,
      account: owner,
      region,
      resource: arn,
    });

    let meta = described;
    if (!meta) {
      try {
        meta = (await client.send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata;
      } catch (error) {
        if (isNotFound(error)) {
          // The key is gone: the selector may have kept it unread (keepUnselectable), and it leaves.
          this.found.delete(arn);
          return { status: 'not-found', message: classifyError(error).message };
        }
        const entry = this.ctx.failed(context('DescribeKey'), error);
        const key: Key = { arn, keyId: keyIdOfArn(arn), account: owner, region, source: 'live', aliases: [] };
        this.found.set(arn, key);
        return { status: 'unknown', gap: entry, key };
      }
    }
    if (!meta) {
      const entry = this.ctx.missing(
        context('DescribeKey'),
        'aws.invalid_response',
        'DescribeKey returned no metadata',
      );
      return { status: 'unknown', gap: entry };
    }
    const metadata = metadataOf(meta);
    const keyId = meta.KeyId ?? keyIdOfArn(arn);
    const table = inScope ? await this.aliasTable(owner, region) : undefined;
    // ListAliases read in the key's account and Region lists every alias it has; outside the scan
    // (ListAliases does not work across accounts) or after a failed ListAliases, they are not known.
    const listed = table !== undefined && !('code' in table);
    const aliases = listed ? [...(table.aliasesOf.get(keyId) ?? [])].sort() : [];
    const key: Key = {
      arn,
      keyId,
      account: owner,
      region,
      source: 'live',
      aliases,
      ...(listed ? { aliasesComplete: true as const } : {}),
      metadata,
    };
    if (metadata.keyManager === 'AWS') {
      // AWS manages its policy, rotation and grants: nothing there is the customer's to govern.
      this.found.set(arn, key);
      this.options.onKey?.(key);
      return { status: 'found', key };
    }

    const crossAccount = (operation: string) =>
      this.ctx.missing(
        context(operation),
        'aws.cross_account',
        `${operation} only works from the key's own account ${owner}: add it to the scan (--accounts or --org with --role-name)`,
      );

    const [rotation, policy, grants, tags] = await Promise.all([
      this.rotation(client, arn, metadata, context('GetKeyRotationStatus')),
      inScope ? this.policy(client, arn, context('GetKeyPolicy')) : void crossAccount('GetKeyPolicy'),
      this.grants(client, arn, context('ListGrants')),
      inScope
        ? this.tags(arn, owner, region)
        : ({ status: 'failed', gap: crossAccount('ListResourceTags') } as const),
    ]);
    if (rotation) key.rotation = rotation;
    if (policy) key.policy = policy;
    if (grants) key.grants = grants;
    if (tags.status === 'read') key.tags = tags.tags;
    // Deleted between DescribeKey and ListResourceTags: its tags are not known.
    else if (tags.status === 'not-found') this.ctx.failed(tags.context, tags.error);
    this.found.set(arn, key);
    this.options.onKey?.(key);
    return { status: 'found', key };
  }

  private async rotation(
    client: KMSClient,
    arn: string,
    metadata: KeyMetadata,
    context: GapContext,
  ): Promise<KeyRotation | undefined> {
    // Keys that cannot rotate, and keys pending deletion (whose status always reads false), need no call.
    if (!rotates(metadata) || metadata.keyState === 'PendingDeletion') return { enabled: false };
    try {
      const out = await client.send(new GetKeyRotationStatusCommand({ KeyId: arn }));
      const nextRotationDate = iso(out.NextRotationDate);
      return {
        // Optional in the response model: absent, whether the key rotates is not known.
        enabled:
          out.KeyRotationEnabled ??
          ({
            unresolved: 'GetKeyRotationStatus.KeyRotationEnabled',
            reason: 'GetKeyRotationStatus returned no KeyRotationEnabled',
          } satisfies Unresolved),
        ...(out.RotationPeriodInDays !== undefined ? { periodInDays: out.RotationPeriodInDays } : {}),
        ...(nextRotationDate ? { nextRotationDate } : {}),
      };
    } catch (error) {
      this.ctx.failed(context, error);
      return undefined;
    }
  }

  private async policy(client: KMSClient, arn: string, context: GapContext): Promise<Key['policy']> {
    try {
      // "default" is the only policy name; emulators need it spelled out.
      const out = await client.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: 'default' }));
      let raw: unknown;
      try {
        raw = JSON.parse(out.Policy ?? '');
      } catch {
        this.ctx.missing(context, 'aws.invalid_response', 'the key policy is not valid JSON');
        return undefined;
      }
      if (!depthWithin(raw, MAX_POLICY_DEPTH)) {
        this.ctx.missing(
          context,
          'aws.invalid_response',
          `the key policy nests deeper than ${MAX_POLICY_DEPTH} levels: it is not an IAM policy document`,
        );
        return undefined;
      }
      const parsed = PolicyDocumentSchema.safeParse(raw);
      if (!parsed.success) {
        this.ctx.missing(context, 'aws.invalid_response', 'the key policy is not an IAM policy document');
        return undefined;
      }
      return parsed.data;
    } catch (error) {
      this.ctx.failed(context, error);
      return undefined;
    }
  }

  private async grants(client: KMSClient, arn: string, context: GapContext): Promise<Grant[] | undefined> {
    const grants: Grant[] = [];
    try {
      const pages = everyPage(
        paginateListGrants({ client, pageSize: this.ctx.pageSize(100) }, { KeyId: arn }),
        'ListGrants',
      );
      for await (const page of pages) for (const entry of page.Grants ?? []) grants.push(grantOf(entry));
      return grants;
    } catch (error) {
      this.ctx.failed(context, error);
      return undefined;
    }
  }
}
