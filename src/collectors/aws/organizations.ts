/** Organizations: the member accounts, from the management account or a delegated administrator. */
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import type { AwsSession } from './clients.js';

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
  let token: string | undefined;
  do {
    const page = await client.send(new ListAccountsCommand({ ...(token ? { NextToken: token } : {}) }));
    for (const entry of page.Accounts ?? []) {
      if (!entry.Id) continue;
      accounts.push({
        id: entry.Id,
        ...(entry.Name ? { name: entry.Name } : {}),
        state: String(entry.State ?? entry.Status ?? 'ACTIVE'),
      });
    }
    token = page.NextToken || undefined;
  } while (token);
  return accounts;
}
