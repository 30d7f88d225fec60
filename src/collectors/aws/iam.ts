/**
 * IAM: the execution roles of the instance groups, each read once per scan with its attached
 * (managed) and inline policies, keeping only the statements that can allow KMS actions. A managed
 * policy shared by many roles is read once.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
} from '@aws-sdk/client-iam';
import type { ExecutionRole, PolicyStatement } from '../../model/inventory.js';
import { pushAll } from '../../model/many.js';
import { globalRegion } from '../../model/regions.js';
import { shortened } from '../../model/text.js';
import { kmsStatementsIn } from '../../policy/identity-policies.js';
import type { ScanContext } from './context.js';
import { classifyError, isNotFound } from './errors.js';
import { once } from './once.js';
import { everyPage } from './pages.js';

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(.+)$/;

/** The KMS statements of a policy document as IAM returns it (URL-encoded JSON); undefined when it is not one. */
export function kmsStatements(encoded: string | undefined): PolicyStatement[] | undefined {
  if (!encoded) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(decodeURIComponent(encoded));
  } catch {
    raw = encoded;
  }
  return kmsStatementsIn(raw);
}

export class IamCollector {
  private readonly lookups = new Map<string, Promise<void>>();
  private readonly managed = new Map<string, Promise<PolicyStatement[] | undefined>>();
  private readonly collected: ExecutionRole[] = [];

  constructor(private readonly ctx: ScanContext) {}

  roles(): ExecutionRole[] {
    return [...this.collected];
  }

  /** Reads an execution role once; failures become gaps about the role ARN. */
  role(roleArn: string): Promise<void> {
    return once(this.lookups, roleArn, () => this.read(roleArn));
  }

  private async read(roleArn: string): Promise<void> {
    const match = ROLE_ARN.exec(roleArn);
    if (!match) {
      this.ctx.missing(
        { service: 'iam', operation: 'GetRole', resource: roleArn },
        'aws.invalid_response',
        'the execution role is not an IAM role ARN',
      );
      return;
    }
    const [, partition, account, path] = match as unknown as [string, string, string, string];
    const roleName = path.slice(path.lastIndexOf('/') + 1);
    const context = (operation: string) => ({ service: 'iam', operation, account, resource: roleArn });
    if (!this.ctx.session.hasAccount(account)) {
      this.ctx.missing(
        context('GetRole'),
        'aws.cross_account',
        `the role is in account ${account}, outside the scan: add it (--accounts or --org with --role-name)`,
      );
      return;
    }
    const client = this.ctx.session.for('iam', account, globalRegion(partition));
    let roleId: string | undefined;
    let boundaryArn: string | undefined;
    try {
      const role = (await client.send(new GetRoleCommand({ RoleName: roleName }))).Role;
      roleId = role?.RoleId;
      boundaryArn = role?.PermissionsBoundary?.PermissionsBoundaryArn;
    } catch (error) {
      // NoSuchEntity is an answer, not missing data: "the request was rejected because it
      // referenced a resource entity that does not exist"
      // (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html). The role is kept,
      // marked, so that the rules judging it fail it; any other error leaves it unknown.
      if (isNotFound(error)) {
        const { name, message } = classifyError(error);
        this.collected.push({
          arn: roleArn,
          account,
          source: 'live',
          kmsStatements: [],
          policiesCollected: false,
          notFound: shortened(`${name}: ${message}`),
        });
        return;
      }
      this.ctx.failed(context('GetRole'), error);
      return;
    }
    const [statements, permissionsBoundary] = await Promise.all([
      this.statements(client, roleName, context).catch((error: unknown) => {
        this.ctx.failed(context((error as { operation?: string }).operation ?? 'ListRolePolicies'), error);
        return undefined;
      }),
      boundaryArn ? this.boundary(client, boundaryArn, context) : undefined,
    ]);
    this.collected.push({
      arn: roleArn,
      ...(roleId ? { roleId } : {}),
      account,
      source: 'live',
      kmsStatements: statements ?? [],
      policiesCollected: statements !== undefined,
      ...(permissionsBoundary ? { permissionsBoundary } : {}),
    });
  }

  /** The role's permissions boundary, a managed policy read as attached ones are; why not, when it cannot be. */
  private async boundary(
    client: IAMClient,
    policyArn: string,
    context: (operation: string) => { service: string; operation: string; account: string; resource: string },
  ): Promise<NonNullable<ExecutionRole['permissionsBoundary']>> {
    try {
      const kmsStatements = await this.managedPolicy(client, policyArn);
      if (kmsStatements) return { policyArn, kmsStatements };
      const gap = this.ctx.missing(
        context('GetPolicyVersion'),
        'aws.invalid_response',
        `the document of permissions boundary ${policyArn} is not a valid IAM policy`,
      );
      return { policyArn, reason: gap.message };
    } catch (error) {
      const gap = this.ctx.failed(context((error as { operation?: string }).operation ?? 'GetPolicy'), error);
      return { policyArn, reason: `${gap.operation} failed (${gap.code})` };
    }
  }

  private async statements(
    client: IAMClient,
    roleName: string,
    context: (operation: string) => { service: string; operation: string; account: string; resource: string },
  ): Promise<PolicyStatement[] | undefined> {
    const tagged = <T>(operation: string, work: () => Promise<T>): Promise<T> =>
      work().catch((error: unknown) => {
        throw Object.assign(error as object, { operation });
      });
    const attached: string[] = [];
    const inline: string[] = [];
    const listAttached = async () => {
      const pages = everyPage(
        paginateListAttachedRolePolicies({ client }, { RoleName: roleName }),
        'ListAttachedRolePolicies',
      );
      await tagged('ListAttachedRolePolicies', async () => {
        for await (const page of pages)
          for (const policy of page.AttachedPolicies ?? [])
            if (policy.PolicyArn) attached.push(policy.PolicyArn);
      });
    };
    const listInline = async () => {
      const pages = everyPage(
        paginateListRolePolicies({ client }, { RoleName: roleName }),
        'ListRolePolicies',
      );
      await tagged('ListRolePolicies', async () => {
        for await (const page of pages) pushAll(inline, page.PolicyNames ?? []);
      });
    };
    await Promise.all([listAttached(), listInline()]);
    const documents = await Promise.all([
      ...attached.map(async (arn) => ({
        what: `managed policy ${arn}`,
        operation: 'GetPolicyVersion',
        statements: await this.managedPolicy(client, arn),
      })),
      ...inline.map(async (name) => {
        const out = await tagged('GetRolePolicy', () =>
          client.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name })),
        );
        return {
          what: `inline policy ${name}`,
          operation: 'GetRolePolicy',
          statements: kmsStatements(out.PolicyDocument),
        };
      }),
    ]);
    const unread = documents.find((document) => document.statements === undefined);
    if (unread) {
      this.ctx.missing(
        context(unread.operation),
        'aws.invalid_response',
        `the document of ${unread.what} is not a valid IAM policy`,
      );
      return undefined;
    }
    return documents.flatMap((document) => document.statements ?? []);
  }

  /** A managed policy's default version, once per policy ARN. */
  private managedPolicy(client: IAMClient, arn: string): Promise<PolicyStatement[] | undefined> {
    return once(this.managed, arn, async () => {
      const policy = await client.send(new GetPolicyCommand({ PolicyArn: arn })).catch((error: unknown) => {
        throw Object.assign(error as object, { operation: 'GetPolicy' });
      });
      const version = policy.Policy?.DefaultVersionId;
      if (!version) return undefined;
      const out = await client
        .send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: version }))
        .catch((error: unknown) => {
          throw Object.assign(error as object, { operation: 'GetPolicyVersion' });
        });
      return kmsStatements(out.PolicyVersion?.Document);
    });
  }
}
