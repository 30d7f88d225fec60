/**
 * The KMS statements of IAM identity policies (what an execution role's own policies allow), read
 * alike from what IAM returns and from what IaC defines: only the statements that can allow or
 * deny some KMS action are kept.
 */
import {
  type Account,
  type ExecutionRole,
  type PolicyStatement,
  PolicyStatementSchema,
} from '../model/inventory.js';
import { depthWithin } from '../model/many.js';
import { ALL_KEY_ACTIONS, statementCoversAction } from './actions.js';
import { evaluateStatements } from './evaluate.js';
import { HYPERPOD_KEY_CALLS } from './hyperpod.js';

/** Whether a statement covers any KMS key action (`kms:...`, `kms:Create*`, `*`, or a NotAction that leaves one in). */
export const mentionsKms = (statement: PolicyStatement): boolean =>
  ALL_KEY_ACTIONS.some((action) => statementCoversAction(statement, action));

/**
 * How deep a policy document may nest. The IAM policy grammar nests six levels at most (document,
 * Statement list, statement, Condition, operator, key's values); a document nested far deeper is no
 * policy, and kept whole (statements keep members they do not know) it would overflow the stack of
 * every recursive walk of the inventory, such as writing the snapshot.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */
export const MAX_POLICY_DEPTH = 32;

/**
 * A statement kept apart from its document, with the document's Version when that is not
 * 2012-10-17 (null when it has none): policy variables exist only from 2012-10-17 on, and
 * evaluateStatements reads `${...}` as literal text otherwise. A `documentVersion` the statement
 * itself was written with is not kept (only the document says its Version).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
export function withDocumentVersion(statement: PolicyStatement, version: unknown): PolicyStatement {
  const { documentVersion: _written, ...read } = statement;
  if (version === '2012-10-17') return _written === undefined ? statement : read;
  return { ...read, documentVersion: typeof version === 'string' ? version : null };
}

/**
 * The statements of a policy document (an object, or its JSON text), each as it was written, with
 * the document's Version, or undefined when it is not a policy document.
 */
function statementsIn(document: unknown): { statements: unknown[]; version: unknown } | undefined {
  let plain = document;
  if (typeof plain === 'string') {
    try {
      plain = JSON.parse(plain);
    } catch {
      return undefined;
    }
  }
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) return undefined;
  if (!depthWithin(plain, MAX_POLICY_DEPTH)) return undefined;
  const { Statement: statement, Version: version } = plain as { Statement?: unknown; Version?: unknown };
  if (statement === undefined || statement === null || typeof statement !== 'object') return undefined;
  return { statements: Array.isArray(statement) ? statement : [statement], version };
}

/** A statement as a policy statement, or undefined when it is not one. */
export function asStatement(statement: unknown): PolicyStatement | undefined {
  const parsed = PolicyStatementSchema.safeParse(statement);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The KMS statements of a policy document, or undefined when it is not a policy document or one
 * of its statements is not a statement (what it allows cannot be told).
 */
export function kmsStatementsIn(document: unknown): PolicyStatement[] | undefined {
  const read = statementsIn(document);
  if (!read) return undefined;
  const kms: PolicyStatement[] = [];
  for (const written of read.statements) {
    const statement = asStatement(written);
    if (!statement) return undefined;
    if (mentionsKms(statement)) kms.push(withDocumentVersion(statement, read.version));
  }
  return kms;
}

/**
 * A role's identity statements as `keyAccess` reads them: all of them when its policies were read,
 * those of the policies IaC defines when it defines only some (`complete` false), null when IAM did
 * not return them (they may deny), none when the role is not known or does not exist; and its
 * permissions boundary's, if it has one.
 */
export function identityOf(role: ExecutionRole | undefined): {
  identityStatements: readonly PolicyStatement[] | null | undefined;
  identityComplete: boolean;
  boundaryStatements?: readonly PolicyStatement[] | null;
} {
  const boundary = role?.permissionsBoundary;
  const limits = boundary ? { boundaryStatements: boundary.kmsStatements ?? null } : {};
  if (role?.policiesCollected)
    return { identityStatements: role.kmsStatements, identityComplete: true, ...limits };
  if (role?.unreadPolicies !== undefined)
    return { identityStatements: role.kmsStatements, identityComplete: false, ...limits };
  if (role !== undefined && role.notFound === undefined)
    return { identityStatements: null, identityComplete: false, ...limits };
  return { identityStatements: undefined, identityComplete: false, ...limits };
}

/**
 * The calls HyperPod makes on a key that a role's permissions boundary stops (it does not allow
 * them, or denies them): none when the role has no boundary, undefined when it could not be read.
 */
export function callsOutsideBoundary(
  role: ExecutionRole,
  keyArn: string,
  region: string,
): string[] | undefined {
  const boundary = role.permissionsBoundary;
  if (!boundary) return [];
  const statements = boundary.kmsStatements;
  if (!statements) return undefined;
  const caller = { kind: 'iam' as const, arn: role.arn, account: role.account };
  return HYPERPOD_KEY_CALLS.filter(({ action, context }) => {
    const decision = evaluateStatements(
      statements,
      {
        caller,
        action,
        resource: keyArn,
        context: context({ roleArn: role.arn, account: role.account, region }),
      },
      'identity',
    );
    return decision.allow === 'no' || decision.deny === 'yes';
  }).map(({ action }) => action);
}

/**
 * The KMS statements of each level of the service control policies over an account (root first),
 * as `keyAccess` reads them; undefined when they were not read (or the account is not known).
 */
export function scpLevelsOf(
  accounts: readonly Account[],
  account: string,
): readonly (readonly PolicyStatement[])[] | undefined {
  return levelsOf(accounts.find((entry) => entry.id === account)?.serviceControlPolicies);
}

/**
 * The KMS statements of each level of the resource control policies over an account's resources
 * (root first), as `keyAccess` reads them; undefined when they were not read or none apply.
 */
export function rcpLevelsOf(
  accounts: readonly Account[],
  account: string,
): readonly (readonly PolicyStatement[])[] | undefined {
  return levelsOf(accounts.find((entry) => entry.id === account)?.resourceControlPolicies);
}

const levelsOf = (levels: Account['serviceControlPolicies']) =>
  levels?.map((level) => level.policies.flatMap((policy) => policy.kmsStatements));
