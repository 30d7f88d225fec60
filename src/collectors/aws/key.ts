/**
 * One key, read live for `policy diff --key ARN`: the same KMS collector a scan uses (DescribeKey,
 * GetKeyRotationStatus, GetKeyPolicy, ListGrants, ListResourceTags, ListAliases), nothing else.
 */
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { Gap, Key } from '../../model/inventory.js';
import { AwsSession, isAwsEndpoint } from './clients.js';
import { DEFAULT_MAX_ATTEMPTS } from './collect.js';
import { ScanContext } from './context.js';
import { KmsCollector, parseKeyRef } from './kms.js';

export interface ReadKeyOptions {
  keyArn: string;
  profile?: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentityProvider;
}

export interface ReadKeyResult {
  key: Key | undefined;
  gaps: Gap[];
  /** Why the key could not be read, when it could not. */
  problem?: string;
}

export async function readKey(options: ReadKeyOptions): Promise<ReadKeyResult> {
  const ref = parseKeyRef(options.keyArn);
  if (ref.kind !== 'key' || !ref.account || !ref.region)
    return { key: undefined, gaps: [], problem: 'is not a key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)' };
  const session = new AwsSession({
    concurrency: 4,
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    lookupEventsPerSecond: 2,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  try {
    session.useBaseCredentials(ref.account, ref.region);
    const ctx = new ScanContext(
      session,
      ref.partition ?? 'aws',
      isAwsEndpoint(options.endpoint),
      undefined,
      undefined,
    );
    const collector = new KmsCollector(ctx);
    const resolution = await collector
      .resolve(options.keyArn, ref.account, ref.region)
      .catch((error: unknown) => ({ status: 'unknown' as const, reason: (error as Error).message }));
    if (resolution.status === 'not-found')
      return { key: undefined, gaps: ctx.gaps, problem: resolution.message };
    if (resolution.status === 'unknown')
      return { key: undefined, gaps: ctx.gaps, problem: resolution.reason };
    const key = collector.keys().find((candidate) => candidate.arn === resolution.keyArn);
    return { key, gaps: ctx.gaps, ...(key ? {} : { problem: 'KMS returned no key' }) };
  } finally {
    session.destroy();
  }
}
