/**
 * The one place AWS SDK clients are made: credentials (the default chain or --profile, and one
 * assumed role per account), Region, endpoint (AWS_ENDPOINT_URL or an emulator), the SDK's
 * adaptive retry, a global bound on requests in flight, the CloudTrail LookupEvents rate, and a
 * record of every operation called (for --verbose counts, the IAM policy test and the bench).
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import pLimit, { type LimitFunction } from 'p-limit';
import pThrottle from 'p-throttle';
import { requestHandlerOptions } from './timeouts.js';

/** One AWS operation as IAM names it: `kms:DescribeKey`. */
export interface AwsCall {
  service: string;
  operation: string;
  account: string;
  region: string;
}

export interface CallRecorder {
  /** Called once per operation (not per retry). */
  call(call: AwsCall): void;
  /** Called once per HTTP attempt, retries included. */
  attempt?(call: AwsCall): void;
}

/** Recorders every session reports to as well as its own (the IAM policy test listens here). */
export const callObservers = new Set<CallRecorder>();

export interface SessionOptions {
  /** Maximum AWS requests in flight at once, across every account and Region. */
  concurrency: number;
  /** Attempts per request, the first included (the SDK's adaptive retry mode). */
  maxAttempts: number;
  profile?: string;
  /** A custom endpoint for every service: an emulator, or a proxy. */
  endpoint?: string;
  /** Explicit base credentials (tests, library users); default: the SDK's default chain. */
  credentials?: AwsCredentialIdentityProvider;
  /** LookupEvents requests per second per account and Region (CloudTrail allows 2). */
  lookupEventsPerSecond: number;
  recorder?: CallRecorder;
  /** Timeouts in milliseconds. */
  connectionTimeout?: number;
  /**
   * How long one HTTP attempt may take before it is aborted with a `TimeoutError`, which the SDK
   * retries (it is transient) within `maxAttempts` and which then becomes a gap: a request that
   * never answers never hangs the scan. Default `DEFAULT_REQUEST_TIMEOUT_MS`.
   */
  requestTimeout?: number;
}

const SERVICE_OF_CLIENT: Record<string, string> = {
  SageMakerClient: 'sagemaker',
  KMSClient: 'kms',
  IAMClient: 'iam',
  CloudTrailClient: 'cloudtrail',
  OrganizationsClient: 'organizations',
  STSClient: 'sts',
  EC2Client: 'ec2',
};

const CLIENTS = {
  sagemaker: SageMakerClient,
  kms: KMSClient,
  iam: IAMClient,
  cloudtrail: CloudTrailClient,
  organizations: OrganizationsClient,
  sts: STSClient,
  ec2: EC2Client,
} as const;
type ServiceName = keyof typeof CLIENTS;
type ClientOf<S extends ServiceName> = InstanceType<(typeof CLIENTS)[S]>;

/** Whether an endpoint is AWS itself (regional, FIPS, dual-stack or a VPC endpoint) rather than an emulator. */
export function isAwsEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return true;
  try {
    const host = new URL(endpoint).hostname;
    return /(\.amazonaws\.com|\.amazonaws\.com\.cn|\.api\.aws|\.c2s\.ic\.gov|\.sc2s\.sgov\.gov)$/.test(host);
  } catch {
    return false;
  }
}

interface MiddlewareContext {
  clientName?: string;
  commandName?: string;
}

export class AwsSession {
  readonly limit: LimitFunction;
  private readonly clients = new Map<string, unknown>();
  /** Calls in flight per client (retries and paginated pages each count while they run). */
  private readonly inFlight = new Map<object, number>();
  /** Released clients with calls still in flight: ended when the last one settles. */
  private readonly retiring = new Set<object>();
  private readonly accountCredentials = new Map<string, AwsCredentialIdentityProvider>();
  private base: STSClient | undefined;

  constructor(readonly options: SessionOptions) {
    this.limit = pLimit(Math.max(1, options.concurrency));
  }

  /** The STS client on the base credentials, in `region`: the identity every other session starts from. */
  /** Attempts per request, the first included. */
  get maxAttempts(): number {
    return this.options.maxAttempts;
  }

  baseSts(region: string): STSClient {
    if (!this.base) {
      this.base = new STSClient({
        ...this.commonConfig(region),
        // The first call of a scan: an unreachable endpoint or bad credentials should fail fast.
        maxAttempts: Math.min(2, this.options.maxAttempts),
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        ...(this.options.profile ? { profile: this.options.profile } : {}),
      });
      this.instrument(this.base, '', region);
    }
    return this.base;
  }

  /** The credentials of the base identity (resolved once, shared by every client that uses them). */
  baseCredentials(region: string): AwsCredentialIdentityProvider {
    return this.options.credentials ?? this.baseSts(region).config.credentials;
  }

  /** Uses the base credentials for `account` (the caller's own account). */
  useBaseCredentials(account: string, region: string): void {
    this.accountCredentials.set(account, this.baseCredentials(region));
  }

  /**
   * Assumes `roleArn` for `account` now (so a failure is known before anything else is called) and
   * keeps the credentials fresh for the rest of the scan: every client of the account shares them.
   */
  async assumeRole(
    account: string,
    roleArn: string,
    stsRegion: string,
    externalId: string | undefined,
  ): Promise<void> {
    const fetch = async (): Promise<AwsCredentialIdentity> => {
      // A client for this call only: an organization's worth of STS clients is never held.
      const sts = this.client('sts', account, stsRegion, this.baseCredentials(stsRegion));
      const out = await sts
        .send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: 'hyperpod-cmk-scan',
            DurationSeconds: 3600,
            ...(externalId ? { ExternalId: externalId } : {}),
          }),
        )
        .finally(() => this.release(`sts|${account}|${stsRegion}`));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
    };
    let current = await fetch();
    let refreshing: Promise<AwsCredentialIdentity> | undefined;
    const provider: AwsCredentialIdentityProvider = async () => {
      const expires = current.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
      if (expires - Date.now() > 5 * 60_000) return current;
      refreshing ??= fetch().finally(() => {
        refreshing = undefined;
      });
      current = await refreshing;
      return current;
    };
    this.accountCredentials.set(account, provider);
  }

  /**
   * Registers `roleArn` for `account` without assuming it: the role is assumed on the first request
   * made for the account, if any. A shard of an organization scan reads a key of another shard's
   * account that its clusters use this way, as the unsharded scan would, and calls nothing else there.
   */
  deferRole(account: string, roleArn: string, stsRegion: string, externalId: string | undefined): void {
    if (this.accountCredentials.has(account)) return;
    let assumed: Promise<void> | undefined;
    const deferred: AwsCredentialIdentityProvider = async () => {
      assumed ??= this.assumeRole(account, roleArn, stsRegion, externalId);
      await assumed;
      const provider = this.accountCredentials.get(account);
      if (!provider || provider === deferred) throw new Error(`no credentials for account ${account}`);
      return provider();
    };
    this.accountCredentials.set(account, deferred);
  }

  /** A client of `service` for an account whose credentials are set, in `region`. */
  for<S extends ServiceName>(service: S, account: string, region: string): ClientOf<S> {
    const credentials = this.accountCredentials.get(account);
    if (!credentials) throw new Error(`no credentials for account ${account}`);
    return this.client(service, account, region, credentials);
  }

  hasAccount(account: string): boolean {
    return this.accountCredentials.has(account);
  }

  /**
   * Ends and forgets the clients of an account whose collection is over (their sockets, their
   * middleware), keeping its credentials: a later call for it (a key another account uses) makes
   * a new client. A scan of many accounts thus holds the clients of the accounts in flight only.
   */
  releaseAccount(account: string): void {
    for (const cacheKey of [...this.clients.keys()])
      if (cacheKey.split('|')[1] === account) this.release(cacheKey);
  }

  /**
   * Forgets a client and ends it, once no call is in flight on it: another account's scan may be
   * reading this account's keys through it (a key shared across accounts), and ending it then
   * would cut that read.
   */
  private release(cacheKey: string): void {
    const client = this.clients.get(cacheKey) as { destroy(): void } | undefined;
    if (!client) return;
    this.clients.delete(cacheKey);
    if (this.inFlight.has(client)) this.retiring.add(client);
    else client.destroy();
  }

  private started(client: object): void {
    this.inFlight.set(client, (this.inFlight.get(client) ?? 0) + 1);
  }

  private settled(client: object): void {
    const left = (this.inFlight.get(client) ?? 1) - 1;
    if (left > 0) {
      this.inFlight.set(client, left);
      return;
    }
    this.inFlight.delete(client);
    if (this.retiring.delete(client)) (client as { destroy(): void }).destroy();
  }

  /** Ends the keep-alive sockets so the process can exit. */
  destroy(): void {
    for (const client of this.clients.values()) (client as { destroy(): void }).destroy();
    for (const client of this.retiring) (client as { destroy(): void }).destroy();
    this.base?.destroy();
    this.clients.clear();
    this.retiring.clear();
    this.inFlight.clear();
  }

  private client<S extends ServiceName>(
    service: S,
    account: string,
    region: string,
    credentials: AwsCredentialIdentityProvider,
  ): ClientOf<S> {
    const cacheKey = `${service}|${account}|${region}`;
    const cached = this.clients.get(cacheKey);
    if (cached) return cached as ClientOf<S>;
    const Client = CLIENTS[service] as unknown as new (config: object) => ClientOf<S>;
    const client = new Client({ ...this.commonConfig(region), credentials });
    this.instrument(client, account, region, service === 'cloudtrail');
    this.clients.set(cacheKey, client);
    return client;
  }

  private commonConfig(region: string) {
    return {
      region,
      maxAttempts: this.options.maxAttempts,
      retryMode: 'adaptive',
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      requestHandler: requestHandlerOptions(this.options.requestTimeout, this.options.connectionTimeout),
    };
  }

  /**
   * Middleware on every client: the concurrency gate and the record of operations around the
   * whole call (retries included), and per attempt the attempt count and, for LookupEvents, the
   * per-account-Region rate.
   */
  private instrument(
    client: { middlewareStack: { add: (...args: never[]) => void } },
    account: string,
    region: string,
    throttleLookups = false,
  ): void {
    const { recorder } = this.options;
    const describe = (context: MiddlewareContext): AwsCall => ({
      service: SERVICE_OF_CLIENT[context.clientName ?? ''] ?? context.clientName ?? 'unknown',
      operation: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
      account,
      region,
    });
    const stack = client.middlewareStack as unknown as {
      add(
        middleware: (
          next: (args: unknown) => Promise<unknown>,
          context: MiddlewareContext,
        ) => (args: unknown) => Promise<unknown>,
        options: { step: string; priority?: string; name: string },
      ): void;
    };
    stack.add(
      (next, context) => (args) => {
        const call = describe(context);
        recorder?.call(call);
        for (const observer of callObservers) observer.call(call);
        this.started(client);
        return this.limit(() => next(args)).finally(() => this.settled(client));
      },
      { step: 'initialize', priority: 'high', name: 'hyperpodCmkGate' },
    );
    const throttle = throttleLookups
      ? pThrottle({ limit: 1, interval: Math.ceil(1000 / this.options.lookupEventsPerSecond) })
      : undefined;
    const paced = throttle?.((next: () => Promise<unknown>) => next());
    stack.add(
      (next, context) => (args) => {
        recorder?.attempt?.(describe(context));
        if (paced && context.commandName === 'LookupEventsCommand') return paced(() => next(args));
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'hyperpodCmkAttempt' },
    );
  }
}
