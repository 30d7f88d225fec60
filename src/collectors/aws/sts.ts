/** STS: who the base credentials are, and the role ARN a scan assumes in each account. */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsSession } from './clients.js';

export interface CallerIdentity {
  account: string;
  arn: string;
  partition: string;
}

/** GetCallerIdentity on the base credentials. Throws: without an identity there is no scan. */
export async function callerIdentity(session: AwsSession, region: string): Promise<CallerIdentity> {
  const out = await session.baseSts(region).send(new GetCallerIdentityCommand({}));
  const arn = out.Arn ?? '';
  return { account: out.Account ?? '', arn, partition: arn.split(':')[1] || 'aws' };
}

export const roleArnFor = (partition: string, account: string, roleName: string): string =>
  `arn:${partition}:iam::${account}:role/${roleName.replace(/^\/+/, '')}`;
