/** EC2 DescribeRegions: the Regions enabled for an account (opt-in Regions only once opted in), for --all-regions. */
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import type { AwsSession } from './clients.js';

export async function enabledRegions(
  session: AwsSession,
  account: string,
  region: string,
): Promise<string[]> {
  const out = await session.for('ec2', account, region).send(new DescribeRegionsCommand({}));
  return (out.Regions ?? [])
    .flatMap((entry) => (entry.RegionName && entry.OptInStatus !== 'not-opted-in' ? [entry.RegionName] : []))
    .sort();
}
