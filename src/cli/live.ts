/**
 * What `scan`, `collect` and `demo --live` share: the scope options (credentials, Regions,
 * accounts, Organizations), their validation (a bad value is a one-line error, exit 2), progress on
 * stderr, and the call to the live collector.
 */
import type { CollectOptions, CollectResult } from '../collectors/aws/collect.js';
import type { ProgressCounts } from '../collectors/aws/context.js';
import type { ResolvedConfig } from '../config/schema.js';
import { isRuleEnabled } from '../engine/evaluate.js';
import { closestRegion, isKnownRegion } from '../model/regions.js';
import {
  defaultRound,
  MAX_SHARDS,
  parseRound,
  parseShard,
  type Shard,
  type ShardOfRound,
} from '../model/shard.js';
import { ruleNeeds } from '../rules/define-rule.js';
import { RULES } from '../rules/registry.js';
import { inputError } from './errors.js';
import type { Io } from './io.js';
import { progressLine } from './progress.js';
import { defineOptions, type OptionsOf } from './spec.js';

/** Matches the collector's default; kept here so that parsing flags does not load the AWS SDK. */
const DEFAULT_CONCURRENCY = 16;

function parseRegion(value: string, previous: string[] | undefined): string[] {
  const list = [...(previous ?? [])];
  for (const region of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    if (!isKnownRegion(region)) {
      const close = closestRegion(region);
      throw inputError({
        code: 'usage.region',
        input: '--region',
        message: `"${region}" is not an AWS Region${close ? ` (did you mean ${close}?)` : ''}`,
        hint: 'Regions look like us-east-1; repeat --region for several, or use --all-regions',
      });
    }
    if (!list.includes(region)) list.push(region);
  }
  return list;
}

function parseAccounts(value: string): string[] {
  const ids = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const bad = ids.find((id) => !/^\d{12}$/.test(id));
  if (bad !== undefined || ids.length === 0) {
    throw inputError({
      code: 'usage.accounts',
      input: '--accounts',
      message: bad === undefined ? 'no account ids given' : `"${bad}" is not a 12-digit AWS account id`,
      hint: 'e.g. --accounts 111122223333,444455556666',
    });
  }
  return [...new Set(ids)];
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw inputError({
      code: 'usage.concurrency',
      input: '--concurrency',
      message: `"${value}" is not a whole number from 1 to 256`,
      hint: `the default is ${DEFAULT_CONCURRENCY} requests in flight`,
    });
  return n;
}

/** The default of --request-timeout, in seconds (the session's default, in milliseconds). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

function parseRequestTimeout(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || n < 1 || n > 3600)
    throw inputError({
      code: 'usage.request_timeout',
      input: '--request-timeout',
      message: `"${value}" is not a number of seconds from 1 to 3600`,
      hint: `the default is ${DEFAULT_REQUEST_TIMEOUT_SECONDS} seconds per attempt`,
    });
  return n;
}

function parseRoleName(value: string): string {
  if (!/^(\/[\w+=,.@-]+)*\/?[\w+=,.@-]{1,64}$/.test(value))
    throw inputError({
      code: 'usage.role_name',
      input: '--role-name',
      message: `"${value}" is not an IAM role name`,
      hint: 'the name (or path/name) of the audit role in each account, e.g. --role-name HyperPodCmkAudit',
    });
  return value;
}

function parseEndpoint(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw inputError({
      code: 'usage.endpoint',
      input: '--endpoint-url',
      message: `"${value}" is not an http(s) URL`,
      hint: 'e.g. --endpoint-url http://127.0.0.1:5000 for an emulator',
    });
  return value;
}

export const scopeOptions = defineOptions([
  {
    flags: '--profile <name>',
    description: 'AWS profile (default: the standard credential chain)',
    env: 'AWS_PROFILE',
  },
  {
    flags: '--region <region>',
    description: "Region to scan; repeat or comma-separate for several (default: the profile's Region)",
    parse: parseRegion,
    repeatable: true,
  },
  { flags: '--all-regions', description: 'scan every Region enabled in each account' },
  {
    flags: '--accounts <ids>',
    description: 'comma-separated account ids to scan (other than your own: needs --role-name)',
    parse: parseAccounts,
  },
  { flags: '--org', description: 'scan every active account of the organization (needs --role-name)' },
  { flags: '--role-name <name>', description: 'role to assume in each account', parse: parseRoleName },
  { flags: '--external-id <id>', description: 'external id for the role trust policy' },
  {
    flags: '--concurrency <n>',
    description: 'AWS requests in flight at once, across accounts and Regions',
    default: DEFAULT_CONCURRENCY,
    parse: parseConcurrency,
  },
  {
    flags: '--request-timeout <seconds>',
    description:
      'abort an AWS request attempt that has not answered after this many seconds; it is retried, then a gap',
    default: DEFAULT_REQUEST_TIMEOUT_SECONDS,
    parse: parseRequestTimeout,
  },
  {
    flags: '--no-cloudtrail',
    description: 'skip CloudTrail Event history lookups (the rules that need them say UNKNOWN)',
  },
  {
    flags: '--endpoint-url <url>',
    description: 'send every AWS request to this endpoint (an emulator); default $AWS_ENDPOINT_URL',
    env: 'AWS_ENDPOINT_URL',
    parse: parseEndpoint,
  },
]);

/** The scope options as commander parsed them. */
export type ScopeFlags = OptionsOf<typeof scopeOptions>;

export const SHARD_ENV = 'HYPERPOD_CMK_SHARD';
export const ROUND_ENV = 'HYPERPOD_CMK_ROUND';

/** `scan --org --shard K/N --round ID`: one stable slice of the organization, saved as part of a round. */
export const shardOptions = defineOptions([
  {
    flags: '--shard <K/N>',
    description:
      `with --org, scan only the K-th of N stable slices of the accounts (an account is in slice sha256(id) mod N + 1; ` +
      `N at most ${MAX_SHARDS}): run the N shards in parallel and their history adds up to one scan`,
    env: SHARD_ENV,
    parse: (value: string): Shard => {
      const shard = parseShard(value);
      if (!shard.ok) throw inputError(shard.error);
      return shard.value;
    },
  },
  {
    flags: '--round <id>',
    description:
      'the run the shard belongs to, shared by its N shards (default: $GITHUB_RUN_ID, else $CI_PIPELINE_ID, else the UTC day)',
    env: ROUND_ENV,
    parse: (value: string): string => {
      const round = parseRound(value);
      if (!round.ok) throw inputError(round.error);
      return round.value;
    },
  },
]);

/** The shard options as commander parsed them. */
export type ShardFlags = OptionsOf<typeof shardOptions>;

/** The shard and round of a sharded scan (undefined when unsharded); bad combinations are input errors. */
export function shardFrom(
  raw: Partial<ShardFlags> & Pick<Partial<ScopeFlags>, 'org'>,
  io: Io,
  now: Date,
): ShardOfRound | undefined {
  const shard = raw.shard;
  if (!shard) {
    // A round from the environment alone (exported for a whole CI job) does not refuse unsharded scans.
    const roundFromEnv = raw.round !== undefined && raw.round === io.env[ROUND_ENV]?.trim();
    if (raw.round !== undefined && !roundFromEnv)
      throw inputError({
        code: 'usage.round',
        input: '--round',
        message: `has no effect without --shard (or $${SHARD_ENV})`,
        hint: 'pass --shard K/N with --round, or drop --round (and $' + ROUND_ENV + ') for an unsharded scan',
      });
    return undefined;
  }
  if (!raw.org)
    throw inputError({
      code: 'usage.shard',
      input: '--shard',
      message: `(or $${SHARD_ENV}) slices the accounts of an organization and needs --org`,
      hint: 'e.g. scan --org --role-name HyperPodCmkAudit --shard 2/8; drop --shard to scan --accounts or this account',
    });
  return { ...shard, round: raw.round ?? defaultRound(io.env, now) };
}

/** The collector options from the parsed flags and the config; throws an input error for bad combinations. */
export function collectOptionsFrom(raw: Partial<ScopeFlags>, config: ResolvedConfig, io: Io): CollectOptions {
  const regions = raw.region;
  if (regions && raw.allRegions)
    throw inputError({
      code: 'usage.regions',
      input: '--all-regions',
      message: 'cannot be combined with --region',
      hint: 'pass either --region (repeatable) or --all-regions',
    });
  if (raw.org && raw.accounts)
    throw inputError({
      code: 'usage.accounts',
      input: '--org',
      message: 'cannot be combined with --accounts',
      hint: 'pass either --org or --accounts',
    });
  if (raw.org && !raw.roleName)
    throw inputError({
      code: 'usage.role_name',
      input: '--org',
      message: 'needs --role-name, the role to assume in each member account',
      hint: 'e.g. --org --role-name HyperPodCmkAudit',
    });
  if (raw.externalId && !raw.roleName)
    throw inputError({
      code: 'usage.external_id',
      input: '--external-id',
      message: 'has no effect without --role-name',
      hint: 'pass --role-name with the role whose trust policy requires the external id',
    });
  const selectorOn =
    config.keySelectorTags !== undefined &&
    RULES.some((rule) => ruleNeeds(rule, 'governed-keys') && isRuleEnabled(rule, config));
  const defaultRegion = io.env.AWS_REGION || io.env.AWS_DEFAULT_REGION || undefined;
  return {
    ...(regions ? { regions } : {}),
    ...(raw.allRegions ? { allRegions: true } : {}),
    ...(raw.accounts ? { accounts: raw.accounts } : {}),
    ...(raw.org ? { org: true } : {}),
    ...(typeof raw.roleName === 'string' ? { roleName: raw.roleName } : {}),
    ...(typeof raw.externalId === 'string' ? { externalId: raw.externalId } : {}),
    ...(typeof raw.profile === 'string' && raw.profile ? { profile: raw.profile } : {}),
    ...(typeof raw.endpointUrl === 'string' ? { endpoint: raw.endpointUrl } : {}),
    ...(defaultRegion ? { defaultRegion } : {}),
    concurrency: typeof raw.concurrency === 'number' ? raw.concurrency : DEFAULT_CONCURRENCY,
    requestTimeoutMs:
      1000 * (typeof raw.requestTimeout === 'number' ? raw.requestTimeout : DEFAULT_REQUEST_TIMEOUT_SECONDS),
    cloudtrail: raw.cloudtrail !== false,
    lookbackDays: config.lookbackDays,
    ...(selectorOn && config.keySelectorTags ? { keySelectorTags: config.keySelectorTags } : {}),
  };
}

/** Scan progress: accounts, Regions, clusters and keys done. */
export function progressReporter(io: Io): { update(counts: Readonly<ProgressCounts>): void; done(): void } {
  const line = progressLine(io);
  return {
    update: (c) =>
      line.update(
        () =>
          `scanning: accounts ${c.accounts.done}/${c.accounts.total} · regions ${c.regions.done}/${c.regions.total} · ` +
          `clusters ${c.clusters.done}/${c.clusters.total} · keys ${c.keys.done}/${c.keys.total}`,
      ),
    done: () => line.done(),
  };
}

/** Runs the live collector for a command; a scan that cannot start is an input error (exit 2). */
export async function collectLive(io: Io, options: CollectOptions): Promise<CollectResult> {
  const progress = progressReporter(io);
  try {
    // The AWS SDK is large: only the commands that talk to AWS load it.
    const { collect } = await import('../collectors/aws/collect.js');
    const result = await collect({ ...options, onProgress: (counts) => progress.update(counts) });
    if (!result.ok) throw inputError(result.error);
    return result.value;
  } finally {
    progress.done();
  }
}
