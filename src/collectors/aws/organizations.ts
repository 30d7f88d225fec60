/**
 * Organizations: the member accounts, and the service control and resource control policies over
 * each, from the management account or a delegated administrator.
 */
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  paginateListAccounts,
  paginateListPoliciesForTarget,
} from '@aws-sdk/client-organizations';
import type { Account, PolicyStatement } from '../../model/inventory.js';
import { kmsStatementsIn } from '../../policy/identity-policies.js';
import type { AwsSession } from './clients.js';
import type { ScanContext } from './context.js';
import { errorName } from './errors.js';
import { once } from './once.js';
import { everyPage } from './pages.js';

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
  for await (const page of everyPage(paginateListAccounts({ client }, {}), 'ListAccounts')) {
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

/** An account's organization, as DescribeOrganization (callable from any member account) says it. */
export interface Membership {
  /** The organization's id; `null` when the account is in no organization; `undefined` when it could not be read (a gap). */
  id: string | null | undefined;
  /** The organization's management account, when the answer names it. */
  management?: string;
}

/**
 * The organization an account belongs to (Organizations DescribeOrganization): its id, so that
 * conditions on aws:PrincipalOrgID can be decided (a failure is a gap, and they stay undetermined),
 * and its management account, which service control policies do not limit.
 */
export async function describeOrganization(
  ctx: ScanContext,
  account: string,
  region: string,
): Promise<Membership> {
  try {
    const client = ctx.session.for('organizations', account, region);
    const { Organization } = await client.send(new DescribeOrganizationCommand({}));
    const id = Organization?.Id;
    const management = Organization?.MasterAccountId;
    if (id && ORGANIZATION_ID.test(id))
      return { id, ...(management && /^\d{12}$/.test(management) ? { management } : {}) };
    ctx.missing(
      { service: 'organizations', operation: 'DescribeOrganization', account },
      'aws.invalid_response',
      'DescribeOrganization answered without a valid organization id',
    );
    return { id: undefined };
  } catch (error) {
    if (errorName(error) === 'AWSOrganizationsNotInUseException') return { id: null };
    ctx.failed({ service: 'organizations', operation: 'DescribeOrganization', account }, error);
    return { id: undefined };
  }
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** Levels of organizational units an account can be nested in, the root included (AWS allows five OUs). */
const MAX_LEVELS = 8;

type PolicyLevels = NonNullable<Account['serviceControlPolicies']>;

/** The organization policies read over accounts: each type's filter and name. */
export type OrganizationPolicyType = 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY';
const TYPE_NAMES: Record<OrganizationPolicyType, string> = {
  SERVICE_CONTROL_POLICY: 'service control policy',
  RESOURCE_CONTROL_POLICY: 'resource control policy',
};

/**
 * The service control policies (SCPs) and resource control policies (RCPs) over member accounts,
 * read with the organization's management (or delegated administrator) credentials: each account's
 * chain of parents up to the root (ListParents, once for both types), the policies of a type
 * attached at each level (ListPoliciesForTarget), and each policy once (DescribePolicy), keeping
 * its KMS statements. What cannot be read is a gap, and the account's policies of that type are
 * then left out (they are not applied), never guessed; a type the organization has not enabled
 * applies to no account, which is no gap.
 */
export class OrganizationPolicies {
  private readonly parents = new Map<string, Promise<{ id: string; root: boolean } | undefined>>();
  private readonly attached = new Map<string, Promise<{ id: string; name?: string }[] | undefined>>();
  private readonly documents = new Map<string, Promise<PolicyStatement[] | undefined>>();

  constructor(
    private readonly ctx: ScanContext,
    /** The account whose credentials read them (gaps are about it). */
    private readonly reader: string,
    private readonly region: string,
  ) {}

  /** Asked for each call: the session may have ended an earlier client of the account. */
  private get client() {
    return this.ctx.session.for('organizations', this.reader, this.region);
  }

  /**
   * The levels of policies of a type over an account, root first; undefined when they could not
   * all be read, or the type is not enabled in the organization.
   */
  async forAccount(account: string, type: OrganizationPolicyType): Promise<PolicyLevels | undefined> {
    const chain = [account];
    for (let child = account; ; child = chain[chain.length - 1]!) {
      const parent = await this.parentOf(child);
      if (!parent) return undefined;
      chain.push(parent.id);
      if (parent.root) break;
      if (chain.length > MAX_LEVELS) {
        this.missing('ListParents', account, `no root within ${MAX_LEVELS} levels above the account`);
        return undefined;
      }
    }
    const levels: PolicyLevels = [];
    for (const target of chain.reverse()) {
      const policies = await this.attachedTo(target, type);
      if (!policies) return undefined;
      const read: PolicyLevels[number]['policies'] = [];
      for (const policy of policies) {
        const kmsStatements = await this.statementsOf(policy.id, type);
        if (!kmsStatements) return undefined;
        read.push({ ...policy, kmsStatements });
      }
      levels.push({ target, policies: read });
    }
    return levels;
  }

  private parentOf(child: string) {
    return once(this.parents, child, async () => {
      try {
        const out = await this.client.send(new ListParentsCommand({ ChildId: child }));
        const parent = out.Parents?.[0];
        if (parent?.Id) return { id: parent.Id, root: parent.Type === 'ROOT' };
        this.missing('ListParents', child, 'ListParents answered without a parent');
      } catch (error) {
        this.ctx.failed(this.context('ListParents', child), error);
      }
      return undefined;
    });
  }

  private attachedTo(target: string, type: OrganizationPolicyType) {
    return once(this.attached, `${type} ${target}`, async () => {
      const policies: { id: string; name?: string }[] = [];
      try {
        const pages = everyPage(
          paginateListPoliciesForTarget({ client: this.client }, { TargetId: target, Filter: type }),
          'ListPoliciesForTarget',
        );
        for await (const page of pages)
          for (const policy of page.Policies ?? [])
            if (policy.Id) policies.push({ id: policy.Id, ...(policy.Name ? { name: policy.Name } : {}) });
        return policies;
      } catch (error) {
        // The type not enabled in the organization: none applies, and that is not a gap.
        if (errorName(error) !== 'PolicyTypeNotEnabledException')
          this.ctx.failed(this.context('ListPoliciesForTarget', target), error);
        return undefined;
      }
    });
  }

  private statementsOf(policyId: string, type: OrganizationPolicyType) {
    return once(this.documents, policyId, async () => {
      try {
        const out = await this.client.send(new DescribePolicyCommand({ PolicyId: policyId }));
        const statements = kmsStatementsIn(out.Policy?.Content ?? '');
        if (statements) return statements;
        this.missing('DescribePolicy', policyId, `the ${TYPE_NAMES[type]} is not a valid policy`);
      } catch (error) {
        this.ctx.failed(this.context('DescribePolicy', policyId), error);
      }
      return undefined;
    });
  }

  private context(operation: string, resource: string) {
    return { service: 'organizations', operation, account: this.reader, resource };
  }

  private missing(operation: string, resource: string, message: string): void {
    this.ctx.missing(this.context(operation, resource), 'aws.invalid_response', message);
  }
}
