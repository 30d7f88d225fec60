/** STS: who the base credentials are, and the role ARN a scan assumes in each account. */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsSession } from './clients.js';
import { classifyError } from './errors.js';

export interface CallerIdentity {
  account: string;
  arn: string;
  partition: string;
}

/** A throttle or a 5xx is the service's passing state, retried; anything else fails at once. */
export const isRetryable = (error: unknown): boolean =>
  classifyError(error).code === 'aws.throttled' ||
  ((error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode ?? 0) >= 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * GetCallerIdentity on the base credentials. Throws: without an identity there is no scan. The
 * client fails fast on an unreachable endpoint or bad credentials, but a throttle or a server
 * error is retried with backoff within the scan's attempt budget, like every other call.
 */
export async function callerIdentity(
  session: Pick<AwsSession, 'baseSts' | 'maxAttempts'>,
  region: string,
  options: { baseDelayMs?: number } = {},
): Promise<CallerIdentity> {
  const attempts = Math.max(1, session.maxAttempts);
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await session.baseSts(region).send(new GetCallerIdentityCommand({}));
      const arn = out.Arn ?? '';
      return { account: out.Account ?? '', arn, partition: arn.split(':')[1] || 'aws' };
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      const base = options.baseDelayMs ?? 200;
      await sleep(Math.min(5_000, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
    }
  }
}

export const roleArnFor = (partition: string, account: string, roleName: string): string =>
  `arn:${partition}:iam::${account}:role/${roleName.replace(/^\/+/, '')}`;
