/**
 * The organization Config rule's side of the detection Lambda: AWS Config in each member account
 * invokes the one function in the delegated administrator account ("You also need to create an IAM
 * role in the managed account that can be assumed by the Lambda function", PutOrganizationConfigRule),
 * so for an event about another account the function assumes that account's evaluation role
 * (EVALUATION_ROLE_NAME, created by the member stack) and collects and reports with it.
 *
 * Which accounts it may enter is decided by IAM, not here: the function role may assume the
 * evaluation role only in accounts of its organization (aws:ResourceOrgID), and each evaluation
 * role trusts only the administrator account's function role.
 */
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { partitionOf } from '../model/regions.js';

type Sender = { send(command: never): Promise<unknown> };

const ACCOUNT = /^\d{12}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** The evaluation role of `account`, or why there is none (a malformed account id or role name). */
export function evaluationRoleArn(
  account: string,
  roleName: string,
  region: string,
): { ok: true; arn: string } | { ok: false; reason: string } {
  if (!ACCOUNT.test(account)) return { ok: false, reason: `"${account}" is not a 12-digit account id` };
  if (!ROLE_NAME.test(roleName))
    return { ok: false, reason: `EVALUATION_ROLE_NAME "${roleName}" is not an IAM role name` };
  return { ok: true, arn: `arn:${partitionOf(region)}:iam::${account}:role/${roleName}` };
}

/** Credentials of `roleArn`, assumed on first use and renewed five minutes before they expire. */
export function assumedRoleCredentials(sts: Sender, roleArn: string): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fetch = async (): Promise<AwsCredentialIdentity> => {
    const out = (await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'hyperpod-cmk-organization-rule',
        DurationSeconds: 3600,
      }) as never,
    )) as {
      Credentials?: {
        AccessKeyId?: string;
        SecretAccessKey?: string;
        SessionToken?: string;
        Expiration?: Date;
      };
    };
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error(`AssumeRole ${roleArn} returned no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  };
  return async () => {
    const expires = current?.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
    if (current && expires - Date.now() > 5 * 60_000) return current;
    pending ??= fetch().finally(() => {
      pending = undefined;
    });
    current = await pending;
    return current;
  };
}
