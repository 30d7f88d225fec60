/** Organizations: the member accounts, from the management account or a delegated administrator. */
import { DescribeOrganizationCommand, paginateListAccounts } from '@aws-sdk/client-organizations';
import type { AwsSession } from './clients.js';
import type { ScanContext } from './context.js';
import { errorName } from './errors.js';

export interface OrgAccount {
  id: string;
  name?: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE... (State, else the older Status field). */
  state: string;
}

/** Every account of the organization, all pages. Throws: --org without the list is no scan. */
export async function listOrgAccounts(
  session: AwsSession,
  account: string,
  region: string,
): Promise<OrgAccount[]> {
  const client = session.for('organizations', account, region);
  const accounts: OrgAccount[] = [];
  for await (const page of paginateListAccounts({ client }, {})) {
    for (const entry of page.Accounts ?? []) {
      if (!entry.Id) continue;
      accounts.push({
        id: entry.Id,
        ...(entry.Name ? { name: entry.Name } : {}),
        state: String(entry.State ?? entry.Status ?? 'ACTIVE'),
      });
    }
  }
  return accounts;
}

/**
 * The organization an account belongs to (Organizations DescribeOrganization, callable from any
 * member account): its id, `null` when the account is in no organization, `undefined` when it could
 * not be read (the failure is a gap, so conditions on aws:PrincipalOrgID stay undetermined).
 */
export async function describeOrganization(
  ctx: ScanContext,
  account: string,
  region: string,
): Promise<string | null | undefined> {
  try {
    const client = ctx.session.for('organizations', account, region);
    const { Organization } = await client.send(new DescribeOrganizationCommand({}));
    const id = Organization?.Id;
    if (id && ORGANIZATION_ID.test(id)) return id;
    ctx.missing(
      { service: 'organizations', operation: 'DescribeOrganization', account },
      'aws.invalid_response',
      'DescribeOrganization answered without a valid organization id',
    );
    return undefined;
  } catch (error) {
    if (errorName(error) === 'AWSOrganizationsNotInUseException') return null;
    ctx.failed({ service: 'organizations', operation: 'DescribeOrganization', account }, error);
    return undefined;
  }
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
