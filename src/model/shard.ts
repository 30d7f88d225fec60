/**
 * Sharded organization scans (`scan --org --shard K/N --round ID`). Pure.
 *
 * An account belongs to shard `sha256(account id) mod N + 1`: a function of the account id alone,
 * never of its position in the organization's list, so adding or removing an account never moves
 * another one to a different shard. The shards of one scheduled run form a round; together they
 * cover exactly what one unsharded scan covers.
 */
import { createHash } from 'node:crypto';
import type { InputError } from './input-error.js';
import { err, ok, type Result } from './result.js';

/** More shards than this is a typo, not a fleet (an organization holds at most a few thousand accounts). */
export const MAX_SHARDS = 256;

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** A shard as the report and history record it: which slice, and the round it belongs to. */
export interface ShardOfRound extends Shard {
  round: string;
}

/** The shard (1..count) an account belongs to. */
export function shardOf(accountId: string, count: number): number {
  const digest = createHash('sha256').update(accountId).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count)) + 1;
}

export const shardLabel = (shard: Shard): string => `${shard.index}/${shard.count}`;

/** `K/N` with 1 <= K <= N <= MAX_SHARDS. */
export function parseShard(value: string, input = '--shard'): Result<Shard, InputError> {
  const match = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(value);
  const fail = (message: string) =>
    err({
      code: 'usage.shard',
      input,
      message,
      hint: `K/N: this run scans the K-th of N slices of the organization's accounts, e.g. --shard 2/8 (N at most ${MAX_SHARDS})`,
    });
  if (!match) return fail(`"${printable(value)}" is not K/N`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS)
    return fail(`"${printable(value)}": N must be from 1 to ${MAX_SHARDS}`);
  if (index < 1 || index > count) return fail(`"${printable(value)}": K must be from 1 to N (${count})`);
  return ok({ index, count });
}

const ROUND = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

/** A round id: 1 to 128 letters, digits and `. _ : @ + -`, starting with a letter or digit. */
export function parseRound(value: string, input = '--round'): Result<string, InputError> {
  const trimmed = value.trim();
  if (ROUND.test(trimmed)) return ok(trimmed);
  return err({
    code: 'usage.round',
    input,
    message: `"${printable(value)}" is not a round id`,
    hint: 'use 1 to 128 letters, digits and . _ : @ + - (e.g. the CI run id); every shard of one run passes the same id',
  });
}

/**
 * The round a shard belongs to when none is given: the CI run that the shards of a matrix share
 * (GitHub Actions `GITHUB_RUN_ID`, GitLab `CI_PIPELINE_ID`), else the UTC day of the scan's clock,
 * so that a fleet of scheduled jobs started the same day forms one round.
 */
export function defaultRound(env: Readonly<Record<string, string | undefined>>, now: Date): string {
  const github = env.GITHUB_RUN_ID?.trim();
  if (github && /^\d{1,20}$/.test(github)) return `github-${github}`;
  const gitlab = env.CI_PIPELINE_ID?.trim();
  if (gitlab && /^\d{1,20}$/.test(gitlab)) return `gitlab-${gitlab}`;
  return `day-${now.toISOString().slice(0, 10)}`;
}

/** A value shown back in an error, not too long (the CLI escapes control characters when it prints). */
const printable = (value: string): string => (value.length > 40 ? `${value.slice(0, 40)}…` : value);
