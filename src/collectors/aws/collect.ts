/**
 * The live collector: from credentials and a scope (accounts, Regions) to one Inventory.
 *
 * Everything runs as soon as what it depends on is known: each described cluster starts the
 * lookups of its keys and execution roles, each key read starts its CloudTrail lookup. The
 * session bounds the requests in flight, so the code can start work freely. Each distinct key,
 * role, alias list and managed policy is read once, however many instance groups share it.
 * Accounts are collected a bounded number at a time (`accountsInFlight`), each response turned
 * into inventory as it arrives and each account's clients released when it is done, so that an
 * organization's scan holds its result and the accounts in flight, not every account at once.
 *
 * What could not be read is data: a `Gap` per failed call, and an account, Region or resource
 * that failed never stops the others. Only a scan that cannot start at all (no credentials, an
 * unknown profile, an unreachable endpoint, --org without access to Organizations) is an
 * `InputError`.
 */
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { loadSharedConfigFiles } from '@smithy/core/config';
import pLimit from 'p-limit';
import type { SourceIssue } from '../../model/finding.js';
import type { InputError } from '../../model/input-error.js';
import {
  type Account,
  type Cluster,
  emptyInventory,
  type Gap,
  type Inventory,
  isUnresolved,
  type Key,
  type Trail,
} from '../../model/inventory.js';
import { pushAll } from '../../model/many.js';
import { globalRegion, partitionOf } from '../../model/regions.js';
import { err, ok, type Result } from '../../model/result.js';
import { type Shard, shardLabel, shardOf } from '../../model/shard.js';
import { AwsSession, type CallRecorder, isAwsEndpoint } from './clients.js';
import { collectTrails, RegionEvents } from './cloudtrail.js';
import { type ProgressListener, ScanContext } from './context.js';
import { enabledRegions } from './ec2.js';
import { classifyError, errorMessage, errorName, isUnreachable } from './errors.js';
import { IamCollector } from './iam.js';
import { KmsCollector } from './kms.js';
import { once } from './once.js';
import {
  describeOrganization,
  listOrgAccounts,
  type Membership,
  OrganizationPolicies,
} from './organizations.js';
import { type ClusterListing, collectCluster, listClusters } from './sagemaker.js';
import { callerIdentity, isRetryable, roleArnFor } from './sts.js';

export interface CollectOptions {
  /** Regions to scan; default: the profile's or environment's Region. */
  regions?: readonly string[];
  /** Every Region enabled for each account (EC2 DescribeRegions). */
  allRegions?: boolean;
  /** Accounts to scan; default: the caller's own. Others need `roleName`. */
  accounts?: readonly string[];
  /** Every ACTIVE account of the organization (Organizations ListAccounts). */
  org?: boolean;
  /**
   * With `org`: only the accounts of this shard (model/shard.ts), chosen right after the listing,
   * so that no account of another shard is called at all.
   */
  shard?: Shard;
  roleName?: string;
  externalId?: string;
  profile?: string;
  /** A custom endpoint for every service (AWS_ENDPOINT_URL, an emulator). */
  endpoint?: string;
  /** Base credentials; default: the SDK's default chain (with `profile`). */
  credentials?: AwsCredentialIdentityProvider;
  /** The Region to use when neither `regions` nor the profile names one (AWS_REGION from the CLI's env). */
  defaultRegion?: string;
  /** Maximum AWS requests in flight at once. Default 16. */
  concurrency?: number;
  /** Attempts per request with the SDK's adaptive retry. Default 8. */
  maxAttempts?: number;
  /** Milliseconds one attempt may take before it is aborted and retried (then a gap). Default 30 000. */
  requestTimeoutMs?: number;
  /** CloudTrail Event history lookups. Default true. */
  cloudtrail?: boolean;
  /** The accounts' trails (DescribeTrails, GetTrailStatus, GetEventSelectors). Default true. */
  trails?: boolean;
  /**
   * Only these clusters (names or ARNs), of those ListClusters finds in each Region; every
   * cluster when absent. One named here that is not found is a gap, never a silent skip.
   */
  clusters?: readonly string[];
  /** Keys (ids, ARNs or aliases, in the scanned Regions) to read even when no cluster uses them. */
  keys?: readonly string[];
  /** How far back LookupEvents looks, in days (at most 90). Default 30. */
  lookbackDays?: number;
  /** Tags that select unused keys for kms-key-unused; undefined when the rule is off or unset. */
  keySelectorTags?: Readonly<Record<string, string>>;
  /** The clock. Default: now. */
  now?: Date;
  onProgress?: ProgressListener;
  recorder?: CallRecorder;
  /** LookupEvents per second per account and Region. Default 2 (the CloudTrail limit). */
  lookupEventsPerSecond?: number;
  /** A page size below the APIs' maximum (tests of pagination). */
  pageSize?: number;
  /**
   * Whether absent optional DescribeCluster fields mean "not set" (AWS) or may mean "not modelled"
   * (an emulator). Default: true for AWS endpoints, false for any other endpoint.
   */
  faithfulEndpoint?: boolean;
}

export interface CollectResult {
  inventory: Inventory;
  issues: SourceIssue[];
}

export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Accounts collected at once: as many as requests may be in flight, so that the session's gate
 * stays full (each account has several independent calls from its start) while an organization
 * of any size holds the clients and partial results of this many accounts only.
 */
export const accountsInFlight = (options: Pick<CollectOptions, 'concurrency'>): number =>
  Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);

/** Whether a named profile exists in the shared config or credentials file (the SDK's own loader). */
async function profileExists(profile: string): Promise<boolean> {
  try {
    const files = await loadSharedConfigFiles({ ignoreCache: true });
    return profile in files.configFile || profile in files.credentialsFile;
  } catch {
    return false;
  }
}

async function profileRegion(profile: string | undefined): Promise<string | undefined> {
  const probe = new STSClient(profile ? { profile } : {});
  try {
    return await probe.config.region();
  } catch {
    return undefined;
  } finally {
    probe.destroy();
  }
}

/** The one-line reason a scan cannot start, from the error of its first call. */
export function startError(error: unknown, options: CollectOptions): InputError {
  const name = errorName(error);
  const message = errorMessage(error);
  if (
    isUnreachable(error) ||
    name === 'TimeoutError' ||
    /ECONNREFUSED|ENOTFOUND|socket hang up/.test(message)
  ) {
    return {
      code: 'aws.unreachable',
      input: options.endpoint ? `endpoint ${options.endpoint}` : 'AWS STS',
      message: `cannot be reached (${message})`,
      hint: options.endpoint
        ? 'check --endpoint-url / AWS_ENDPOINT_URL, and that the service is running'
        : 'check the network, a proxy (HTTPS_PROXY) or the Region',
    };
  }
  if (isRetryable(error)) {
    return {
      code: 'aws.throttled',
      input: 'AWS STS',
      message: `sts:GetCallerIdentity was still ${classifyError(error).code === 'aws.throttled' ? 'throttled' : 'failing on the service side'} after its retries (${name}: ${message}); the credentials were not rejected`,
      hint: 'run the scan again in a moment, or raise --max-attempts',
    };
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(name)) {
    return {
      code: 'aws.no_credentials',
      input: options.profile ? `--profile ${options.profile}` : 'AWS credentials',
      message: `none could be loaded (${message})`,
      hint: 'set AWS_PROFILE or pass --profile, log in with `aws sso login`, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
    };
  }
  return {
    code: 'aws.identity',
    input: options.profile ? `--profile ${options.profile}` : 'AWS credentials',
    message: `sts:GetCallerIdentity failed: ${name}: ${message}`,
    hint: 'check that the credentials are valid and not expired',
  };
}

interface AccountScope {
  id: string;
  name?: string;
}

export async function collect(options: CollectOptions = {}): Promise<Result<CollectResult, InputError>> {
  const now = options.now ?? new Date();
  const session = new AwsSession({
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ...(options.requestTimeoutMs !== undefined ? { requestTimeout: options.requestTimeoutMs } : {}),
    lookupEventsPerSecond: options.lookupEventsPerSecond ?? 2,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.recorder ? { recorder: options.recorder } : {}),
  });
  try {
    return await run(session, options, now);
  } finally {
    session.destroy();
  }
}

async function run(
  session: AwsSession,
  options: CollectOptions,
  now: Date,
): Promise<Result<CollectResult, InputError>> {
  if (options.profile && !options.credentials && !(await profileExists(options.profile)))
    return err({
      code: 'aws.unknown_profile',
      input: `--profile ${options.profile}`,
      message: 'no such profile in the AWS config or credentials files',
      hint: 'list profiles with `aws configure list-profiles`, or omit --profile for the default credential chain',
    });
  const homeRegion = options.regions?.[0] ?? options.defaultRegion ?? (await profileRegion(options.profile));
  if (!homeRegion)
    return err({
      code: 'aws.no_region',
      input: '--region',
      message: 'no Region given, and the profile and environment name none',
      hint: 'pass --region us-east-1 (repeatable), --all-regions, or set AWS_REGION',
    });

  let identity: Awaited<ReturnType<typeof callerIdentity>>;
  try {
    identity = await callerIdentity(session, homeRegion);
  } catch (error) {
    return err(startError(error, options));
  }
  const partition = identity.partition || partitionOf(homeRegion);
  const faithful = options.faithfulEndpoint ?? isAwsEndpoint(options.endpoint);
  const ctx = new ScanContext(session, partition, faithful, options.pageSize, options.onProgress);
  const issues: SourceIssue[] = [];
  session.useBaseCredentials(identity.account, homeRegion);

  // Which accounts.
  let scope: AccountScope[];
  let orgAccounts: AccountScope[] = [];
  if (options.org) {
    try {
      const listed = await listOrgAccounts(session, identity.account, globalRegion(partition));
      const shard = options.shard;
      const inShard = shard ? listed.filter((a) => shardOf(a.id, shard.count) === shard.index) : listed;
      orgAccounts = listed.filter((a) => a.state === 'ACTIVE');
      scope = [];
      for (const account of inShard) {
        if (account.state === 'ACTIVE')
          scope.push({ id: account.id, ...(account.name ? { name: account.name } : {}) });
        else
          issues.push({
            code: 'aws.account_inactive',
            severity: 'warning',
            message: `account ${account.id}${account.name ? ` (${account.name})` : ''} is ${account.state}: not scanned`,
          });
      }
      // An organization scan that examines no account would report nothing as compliant.
      if (scope.length === 0 && shard && listed.some((a) => a.state === 'ACTIVE'))
        issues.push({
          code: 'aws.shard_empty',
          severity: 'warning',
          message: `shard ${shardLabel(shard)} holds none of the organization's ACTIVE accounts: nothing to scan in it (it still completes its round)`,
          hint: 'fewer shards (a smaller N) give each shard some accounts',
        });
      else if (scope.length === 0)
        return err({
          code: 'aws.org_empty',
          input: '--org',
          message:
            listed.length === 0
              ? 'organizations:ListAccounts returned no account: there is nothing to scan'
              : `none of the organization's ${listed.length} accounts is ACTIVE: there is nothing to scan`,
          hint: 'check that the credentials are those of the management account or a delegated administrator, or list accounts with --accounts',
        });
    } catch (error) {
      return err({
        code: 'aws.org_unavailable',
        input: '--org',
        message: `organizations:ListAccounts failed: ${errorName(error)}: ${errorMessage(error)}`,
        hint: 'run from the management account or a delegated administrator, or list accounts with --accounts',
      });
    }
  } else {
    scope = (
      options.accounts && options.accounts.length > 0 ? [...new Set(options.accounts)] : [identity.account]
    ).map((id) => ({ id }));
  }
  const others = scope.filter((account) => account.id !== identity.account);
  /** Accounts of other shards: not scanned, but a key there that a cluster of this shard uses is read. */
  const otherShards = new Set<string>();
  if (options.shard && options.roleName) {
    // The key is read through the account's role, with its CloudTrail events, as the unsharded scan
    // reads it; the role is assumed only when such a key is met.
    const inShard = new Set(scope.map((account) => account.id));
    for (const account of orgAccounts)
      if (!inShard.has(account.id) && account.id !== identity.account) {
        otherShards.add(account.id);
        session.deferRole(
          account.id,
          roleArnFor(partition, account.id, options.roleName),
          homeRegion,
          options.externalId,
        );
      }
  }
  // Each account's organization, read once (the caller's serves the SCPs and RCPs below too).
  const memberships = new Map<string, Promise<Membership>>();
  const membershipOf = (account: string) =>
    once(memberships, account, () => describeOrganization(ctx, account, globalRegion(partition)));
  // The service control and resource control policies over the accounts: read with the
  // organization's credentials, for every account but the management account (neither SCPs nor
  // RCPs limit it or its resources).
  let orgPolicies: OrganizationPolicies | undefined;
  let management: string | undefined;
  if (options.org && scope.length > 0) {
    const organization = await membershipOf(identity.account);
    management = organization.management;
    if (management !== undefined)
      orgPolicies = new OrganizationPolicies(ctx, identity.account, globalRegion(partition));
    else if (organization.id)
      ctx.missing(
        { service: 'organizations', operation: 'DescribeOrganization', account: identity.account },
        'aws.invalid_response',
        'DescribeOrganization answered without the management account: service control and resource control policies not read',
      );
  }
  if (others.length > 0 && !options.roleName)
    return err({
      code: 'usage.role_name',
      input: options.org ? '--org' : '--accounts',
      message: `account ${others[0]!.id} is not the caller's (${identity.account}), and no role to assume was given`,
      hint: 'pass --role-name with the audit role deployed in each account',
    });

  const kms = new KmsCollector(ctx, {
    ...(options.keySelectorTags ? { selectorTags: options.keySelectorTags } : {}),
    onKey: (key) => eventsOfKey(key),
  });
  const iam = new IamCollector(ctx);
  const clusters: Cluster[] = [];
  const trails: Trail[] = [];
  const accounts: Account[] = [];
  const cloudtrail = options.cloudtrail ?? true;
  const lookbackDays = Math.min(90, Math.max(1, options.lookbackDays ?? 30));
  const since = new Date(now.getTime() - lookbackDays * 86_400_000);
  const regionEvents = new Map<string, RegionEvents>();
  const scannedRegions = new Set<string>();
  const waitingKeys = new Map<string, string[]>();

  function eventsOfKey(key: Key): void {
    const where = `${key.account}|${key.region}`;
    if (otherShards.has(key.account) && !scannedRegions.has(where)) startEvents(key.account, key.region);
    // AWS managed keys are not governed; a key whose manager DescribeKey did not report may be the customer's.
    if (!cloudtrail || key.metadata === undefined || key.metadata.keyManager === 'AWS') return;
    const events = regionEvents.get(where);
    if (events) events.addKey(key.arn);
    else waitingKeys.set(where, [...(waitingKeys.get(where) ?? []), key.arn]);
  }

  function startEvents(account: string, region: string): void {
    const where = `${account}|${region}`;
    scannedRegions.add(where);
    if (!cloudtrail) {
      ctx.missing(
        { service: 'cloudtrail', operation: 'LookupEvents', account, region },
        'skipped',
        'CloudTrail lookups were skipped (--no-cloudtrail)',
      );
      return;
    }
    const events = new RegionEvents(ctx, account, region, since, now);
    regionEvents.set(where, events);
    for (const arn of waitingKeys.get(where) ?? []) events.addKey(arn);
    waitingKeys.delete(where);
  }

  async function scanRegion(account: string, region: string): Promise<void> {
    let listed: Awaited<ReturnType<typeof listClusters>>;
    try {
      listed = await listClusters(ctx, account, region);
    } catch (error) {
      const failure = ctx.failed({ service: 'sagemaker', operation: 'ListClusters', account, region }, error);
      if (failure.code === 'aws.region_disabled')
        failure.message = `the Region is not enabled for this account (${failure.message})`;
      else startEvents(account, region);
      return;
    }
    startEvents(account, region);
    if (options.clusters) listed = onlyNamed(ctx, account, region, listed, options.clusters);
    ctx.tick((p) => {
      p.clusters.total += listed.length;
    });
    const work: Promise<unknown>[] = [kms.selectByTags(account, region)];
    for (const ref of options.keys ?? []) work.push(kms.resolve(ref, account, region));
    for (const listing of listed) {
      work.push(
        collectCluster(ctx, account, region, listing).then(async (cluster) => {
          ctx.tick((p) => p.clusters.done++);
          if (!cluster) return;
          clusters.push(cluster);
          const lookups: Promise<unknown>[] = [];
          for (const group of cluster.instanceGroups) {
            if (typeof group.executionRole === 'string') lookups.push(iam.role(group.executionRole));
            if (isUnresolved(group.volumes)) continue;
            for (const volume of group.volumes) {
              const ref = volume.kmsKeyId;
              if (typeof ref !== 'string') continue;
              lookups.push(
                kms.resolve(ref, account, region).then((resolution) => {
                  volume.resolution = resolution;
                }),
              );
            }
          }
          await Promise.all(lookups);
        }),
      );
    }
    await Promise.all(work);
  }

  async function readTrails(account: string, region: string): Promise<void> {
    if (options.trails === false) {
      ctx.missing(
        { service: 'cloudtrail', operation: 'DescribeTrails', account },
        'skipped',
        'the trails were not read (this collection leaves CloudTrail out)',
      );
      return;
    }
    const found = await collectTrails(ctx, account, region);
    pushAll(trails, found);
    noteUnreadTrails(ctx, account, found);
  }

  /**
   * Assumes the audit role in an account; on failure records the gaps that make its account-level
   * rules UNKNOWN, and returns false.
   */
  async function assumeAccount(account: AccountScope): Promise<boolean> {
    if (account.id === identity.account) return true;
    const roleArn = roleArnFor(partition, account.id, options.roleName!);
    try {
      await session.assumeRole(account.id, roleArn, homeRegion!, options.externalId);
      return true;
    } catch (error) {
      const { name, message } = classifyError(error);
      const text = `cannot assume ${roleArn}: ${name}: ${message}`;
      ctx.missing(
        { service: 'sts', operation: 'AssumeRole', account: account.id, resource: roleArn },
        'aws.assume_role_failed',
        text,
      );
      // The account-level rules must say UNKNOWN, not judge an account they never saw.
      ctx.missing(
        { service: 'cloudtrail', operation: 'DescribeTrails', account: account.id },
        'aws.assume_role_failed',
        text,
      );
      return false;
    }
  }

  async function scanAccount(account: AccountScope, assumed: boolean): Promise<void> {
    const entry: Account = {
      id: account.id,
      ...(account.name ? { name: account.name } : {}),
      regions: [],
      source: 'live',
    };
    accounts.push(entry);
    try {
      if (!assumed) return;
      let regions = options.regions ? [...options.regions] : [homeRegion!];
      if (options.allRegions) {
        try {
          regions = await enabledRegions(session, account.id, homeRegion!);
        } catch (error) {
          ctx.failed(
            { service: 'ec2', operation: 'DescribeRegions', account: account.id, region: homeRegion! },
            error,
          );
        }
      }
      entry.regions = regions;
      ctx.tick((p) => {
        p.regions.total += regions.length;
      });
      await Promise.all([
        membershipOf(account.id).then(({ id }) => {
          if (id !== undefined) entry.organizationId = id;
        }),
        account.id !== management &&
          orgPolicies?.forAccount(account.id, 'SERVICE_CONTROL_POLICY').then((levels) => {
            if (levels) entry.serviceControlPolicies = levels;
          }),
        account.id !== management &&
          orgPolicies?.forAccount(account.id, 'RESOURCE_CONTROL_POLICY').then((levels) => {
            if (levels) entry.resourceControlPolicies = levels;
          }),
        readTrails(account.id, regions[0] ?? homeRegion!),
        ...regions.map((region) =>
          scanRegion(account.id, region).finally(() => ctx.tick((p) => p.regions.done++)),
        ),
      ]);
      // Its CloudTrail lookups too, before its clients go.
      await Promise.all(regions.map((region) => regionEvents.get(`${account.id}|${region}`)?.settle()));
    } finally {
      session.releaseAccount(account.id);
      ctx.tick((p) => p.accounts.done++);
    }
  }

  ctx.tick((p) => {
    p.accounts.total = scope.length;
  });
  // Every role is assumed first, so that a key or role one account names in another is known to be
  // in the scan. Then the accounts are collected a bounded number at a time, each turned into
  // inventory and its clients released before the next starts: memory stays flat in the number of
  // accounts, while the session's gate keeps as many requests in flight as before.
  const accountLimit = pLimit(accountsInFlight(options));
  const assumed = await Promise.all(scope.map((account) => accountLimit(() => assumeAccount(account))));
  await Promise.all(scope.map((account, i) => accountLimit(() => scanAccount(account, assumed[i]!))));
  // Keys whose account and Region no lookup covered: their event rules are UNKNOWN, and say why.
  for (const [where, arns] of waitingKeys) {
    const [account, region] = where.split('|') as [string, string];
    const at = scope.findIndex((entry) => entry.id === account);
    const keys = `${arns.length === 1 ? 'key' : `${arns.length} keys`} ${arns.slice(0, 3).join(', ')}${arns.length > 3 ? ', ...' : ''}`;
    const [code, why] =
      at < 0
        ? [
            'aws.cross_account',
            `account ${account} is outside the scan: add it (--accounts or --org with --role-name)`,
          ]
        : assumed[at]
          ? ['skipped', `${region} is not among the Regions scanned in ${account}`]
          : ['aws.assume_role_failed', `the audit role of ${account} could not be assumed`];
    ctx.missing(
      { service: 'cloudtrail', operation: 'LookupEvents', account, region },
      code,
      `the Event history about the ${keys} was not looked up: ${why}`,
    );
  }

  const eventsCollected: Inventory['eventsCollected'] = [];
  const events: Inventory['events'] = [];
  for (const [where, lookups] of regionEvents) {
    const settled = await lookups.settle();
    if (!settled.complete) continue;
    const [account, region] = where.split('|') as [string, string];
    eventsCollected.push({ account, region, since: since.toISOString(), until: now.toISOString() });
    pushAll(events, lookups.events);
  }
  if (!faithful && clusters.some((cluster) => (cluster.notCollected ?? []).length > 0)) {
    issues.push({
      code: 'aws.emulator_fields',
      severity: 'warning',
      message: `the endpoint ${options.endpoint ?? ''} is not AWS: DescribeCluster fields it left out (${[
        ...new Set(clusters.flatMap((cluster) => cluster.notCollected ?? [])),
      ].join(', ')}) are treated as not collected, not as unset`,
    });
  }

  const keys = kms.keys();
  const inventory: Inventory = {
    ...emptyInventory('live', now.toISOString()),
    accounts: accounts.sort((a, b) => a.id.localeCompare(b.id)),
    clusters: clusters.sort(byClusterOrder),
    keys: keys.sort((a, b) => a.arn.localeCompare(b.arn)),
    roles: iam.roles().sort((a, b) => a.arn.localeCompare(b.arn)),
    trails: trails.sort((a, b) => `${a.account}|${a.arn}`.localeCompare(`${b.account}|${b.arn}`)),
    events: eventsAboutKeys(events, keys).sort(
      (a, b) => a.eventTime.localeCompare(b.eventTime) || a.eventId.localeCompare(b.eventId),
    ),
    eventsCollected: eventsCollected.sort((a, b) =>
      `${a.account}|${a.region}`.localeCompare(`${b.account}|${b.region}`),
    ),
    gaps: ctx.gaps.sort(byGapOrder),
  };
  return ok({ inventory, issues });
}

/**
 * A trail whose status or selectors could not be read is left out; if no trail that was read
 * satisfies the audit-trail rule, the account's trails are incomplete rather than missing.
 */
/**
 * The listed clusters a scope names (by name or ARN); each name the Region does not hold is a gap,
 * so that a cluster asked for and not found is reported, not dropped.
 */
function onlyNamed(
  ctx: ScanContext,
  account: string,
  region: string,
  listed: readonly ClusterListing[],
  wanted: readonly string[],
): ClusterListing[] {
  const names = new Set(wanted);
  const kept = listed.filter(
    (listing) => names.has(listing.name) || (listing.arn !== undefined && names.has(listing.arn)),
  );
  for (const name of names) {
    if (kept.some((listing) => listing.name === name || listing.arn === name)) continue;
    if (name.startsWith('arn:') && !name.includes(`:${region}:${account}:`)) continue;
    ctx.missing(
      { service: 'sagemaker', operation: 'DescribeCluster', account, region, resource: name },
      'aws.not_found',
      `cluster ${name} is not in ${account}/${region} (deleted, or not yet listed)`,
    );
  }
  return kept;
}

function noteUnreadTrails(ctx: ScanContext, account: string, found: readonly Trail[]): void {
  const unread = ctx.gaps.filter(
    (entry) =>
      entry.account === account &&
      entry.service === 'cloudtrail' &&
      entry.resource !== undefined &&
      ['GetTrailStatus', 'GetEventSelectors', 'DescribeTrails'].includes(entry.operation),
  );
  if (unread.length === 0) return;
  const good = found.some(
    (t) => t.isMultiRegion && t.isLogging && t.logsManagementEvents && !t.excludesKmsEvents,
  );
  if (good) return;
  const first = unread[0]!;
  ctx.missing(
    { service: 'cloudtrail', operation: 'DescribeTrails', account },
    first.code,
    `trail ${first.resource ?? ''} could not be read in full: ${first.operation}: ${first.message}`,
  );
}

/** Only the events about keys in the inventory: LookupEvents by name returns every key's. */
function eventsAboutKeys(events: Inventory['events'], keys: readonly Key[]): Inventory['events'] {
  const refs = new Set<string>();
  for (const key of keys) {
    refs.add(key.arn);
    if (key.keyId) refs.add(`${key.account}|${key.region}|${key.keyId}`);
    for (const alias of key.aliases) refs.add(`${key.account}|${key.region}|${alias}`);
  }
  const seen = new Set<string>();
  return events.filter((event) => {
    if (!event.keyRef || seen.has(event.eventId)) return false;
    const about = refs.has(event.keyRef) || refs.has(`${event.account}|${event.region}|${event.keyRef}`);
    if (about) seen.add(event.eventId);
    return about;
  });
}

const byClusterOrder = (a: Cluster, b: Cluster): number =>
  a.account.localeCompare(b.account) ||
  a.region.localeCompare(b.region) ||
  a.name.localeCompare(b.name) ||
  a.id.localeCompare(b.id);

const byGapOrder = (a: Gap, b: Gap): number =>
  (a.account ?? '').localeCompare(b.account ?? '') ||
  (a.region ?? '').localeCompare(b.region ?? '') ||
  a.service.localeCompare(b.service) ||
  a.operation.localeCompare(b.operation) ||
  (a.resource ?? '').localeCompare(b.resource ?? '') ||
  a.code.localeCompare(b.code);
