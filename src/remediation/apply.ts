/**
 * Applies fixes through the AWS API, one at a time, in order; each outcome is reported, a failure
 * stops nothing else except the fixes of the same key that depend on it.
 */
import {
  CancelKeyDeletionCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import { AddTagsCommand } from '@aws-sdk/client-sagemaker';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { AwsSession } from '../collectors/aws/clients.js';
import { DEFAULT_MAX_ATTEMPTS } from '../collectors/aws/collect.js';
import { errorMessage, errorName } from '../collectors/aws/errors.js';
import type { Fix } from './fixes.js';

export interface FixOutcome {
  fix: Fix;
  status: 'applied' | 'failed' | 'skipped';
  message?: string;
}

export interface ApplyOptions {
  profile?: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentityProvider;
}

export async function applyFixes(fixes: readonly Fix[], options: ApplyOptions): Promise<FixOutcome[]> {
  const session = new AwsSession({
    concurrency: 1,
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    lookupEventsPerSecond: 2,
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const outcomes: FixOutcome[] = [];
  const failedKeys = new Set<string>();
  try {
    for (const fix of fixes) {
      if (!session.hasAccount(fix.account)) session.useBaseCredentials(fix.account, fix.region);
      if ('keyArn' in fix && failedKeys.has(fix.keyArn)) {
        outcomes.push({ fix, status: 'skipped', message: 'an earlier fix of this key failed' });
        continue;
      }
      try {
        await run(session, fix);
        outcomes.push({ fix, status: 'applied' });
      } catch (error) {
        if ('keyArn' in fix) failedKeys.add(fix.keyArn);
        outcomes.push({ fix, status: 'failed', message: `${errorName(error)}: ${errorMessage(error)}` });
      }
    }
  } finally {
    session.destroy();
  }
  return outcomes;
}

/** The key id of a key ARN: the client already targets the key's account and Region. */
const keyIdOf = (arn: string) => arn.slice(arn.indexOf(':key/') + 5);

async function run(session: AwsSession, fix: Fix): Promise<void> {
  switch (fix.kind) {
    case 'cancel-key-deletion':
      await session
        .for('kms', fix.account, fix.region)
        .send(new CancelKeyDeletionCommand({ KeyId: keyIdOf(fix.keyArn) }));
      return;
    case 'enable-key':
      await session
        .for('kms', fix.account, fix.region)
        .send(new EnableKeyCommand({ KeyId: keyIdOf(fix.keyArn) }));
      return;
    case 'enable-key-rotation':
      await session.for('kms', fix.account, fix.region).send(
        new EnableKeyRotationCommand({
          KeyId: keyIdOf(fix.keyArn),
          RotationPeriodInDays: fix.periodInDays,
        }),
      );
      return;
    case 'tag-key':
      await session.for('kms', fix.account, fix.region).send(
        new TagResourceCommand({
          KeyId: keyIdOf(fix.keyArn),
          Tags: Object.entries(fix.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
        }),
      );
      return;
    case 'tag-cluster':
      await session.for('sagemaker', fix.account, fix.region).send(
        new AddTagsCommand({
          ResourceArn: fix.clusterArn,
          Tags: Object.entries(fix.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return;
  }
}
