/**
 * What IaC says of an execution role's IAM policies (CloudFormation AWS::IAM::Role with its
 * Policies, ManagedPolicyArns, AWS::IAM::Policy / ManagedPolicy / RolePolicy; Terraform
 * aws_iam_role with inline_policy and managed_policy_arns, aws_iam_role_policy,
 * aws_iam_role_policy_attachment, aws_iam_role_policy_attachments_exclusive,
 * aws_iam_policy_attachment): the KMS statements of every policy
 * the files define, and, named, every policy attached to the role whose statements they do not
 * give. A role with any such policy is not wholly known: its `policiesCollected` is false, so that
 * no rule reads the absence of a statement as the absence of a permission.
 */
import type { ExecutionRole, PolicyStatement, Source } from '../../model/inventory.js';
import { pushAll } from '../../model/many.js';
import { awsManagedPolicy } from '../../policy/aws-managed-policies.js';
import { asStatement, mentionsKms, withDocumentVersion } from '../../policy/identity-policies.js';
import {
  clip,
  findUnknown,
  isAbsent,
  isObject,
  isSym,
  safeJson,
  textOf,
  toPlain,
  Unknown,
  type Val,
} from './value.js';

/** A policy's KMS statements, or why they cannot be known from the files. */
export type ReadPolicy = PolicyStatement[] | { unread: string };

/** An input a policy depends on, as why it cannot be read: the expression, clipped, and its reason. */
export const dependsOn = (unknown: Unknown, prefix = ''): { unread: string } => ({
  unread: `${prefix}${clip(unknown.expression, 80)}: ${unknown.reason}`,
});

export class RolePolicies {
  readonly statements: PolicyStatement[] = [];
  /** Policies attached to the role whose statements the files do not give, each named with why. */
  readonly unread: string[] = [];
  /** The role's permissions boundary, if it has one. */
  boundary: ExecutionRole['permissionsBoundary'];

  /** A policy attached to the role, as read (see `readPolicy`), named `what` if it cannot be. */
  add(read: ReadPolicy, what: string): void {
    if (Array.isArray(read)) pushAll(this.statements, read);
    else this.unread.push(`${what} (${read.unread})`);
  }

  /**
   * Inline policies as a list of blocks, each with its name and document under `keys` (CloudFormation
   * `Policies`: PolicyName, PolicyDocument; Terraform `inline_policy`: name, policy).
   */
  addInline(property: string, list: Val | undefined, keys: { name: string; document: string }): void {
    if (list === undefined || isAbsent(list)) return;
    if (!Array.isArray(list)) {
      this.addUnreadList(property, list);
      return;
    }
    for (const policy of list) {
      if (isAbsent(policy)) continue;
      const name = isObject(policy) ? textOf(policy[keys.name] ?? null) : undefined;
      this.add(
        isObject(policy)
          ? readPolicy(policy[keys.document])
          : policy instanceof Unknown
            ? dependsOn(policy)
            : { unread: 'it is not a policy' },
        `inline policy ${clip(name ?? '(unnamed)', 80)}`,
      );
    }
  }

  /**
   * A managed policy attached by ARN: one the files define (`inFile` reads it by its resource id),
   * one of AWS's whose KMS statements are known (see aws-managed-policies.ts), or else unread.
   */
  addManaged(arn: Val, inFile: (resourceId: string) => ReadPolicy | undefined): void {
    const { label, read } = managedPolicy(arn, inFile);
    this.add(read, `managed policy ${label}`);
  }

  /** The role's permissions boundary: a managed policy, read as `addManaged` reads one. */
  setBoundary(arn: Val, inFile: (resourceId: string) => ReadPolicy | undefined): void {
    if (isAbsent(arn)) return;
    const { label, read } = managedPolicy(arn, inFile);
    this.boundary = Array.isArray(read)
      ? { policyArn: label, kmsStatements: read }
      : { policyArn: label, reason: read.unread };
  }

  /** A property of the role that attaches policies but cannot be read as a list. */
  addUnreadList(property: string, value: Val): void {
    const why = value instanceof Unknown ? value.reason : 'it is not a list';
    this.unread.push(`the policies of ${property} (${why})`);
  }

  /** The role as the inventory holds it (messages name ten unread policies at most, and count the rest). */
  toRole(arn: string, account: string, source: Source): ExecutionRole {
    return {
      arn,
      account,
      source,
      kmsStatements: this.statements,
      policiesCollected: this.unread.length === 0,
      ...(this.boundary ? { permissionsBoundary: this.boundary } : {}),
      ...(this.unread.length > 0 ? { unreadPolicies: this.unread } : {}),
    };
  }
}

/**
 * A managed policy named by ARN, as a label for messages and what is known of it: the files' own
 * policy (a reference to it), an AWS managed policy of the catalogue, or why it is unread.
 */
function managedPolicy(
  arn: Val,
  inFile: (resourceId: string) => ReadPolicy | undefined,
): { label: string; read: ReadPolicy } {
  if (arn instanceof Unknown) return { label: clip(arn.expression, 80), read: { unread: arn.reason } };
  const text = textOf(arn);
  if (text === undefined) return { label: '(not a text)', read: { unread: 'an ARN must be a text' } };
  const label = clip(text, 80);
  const defined = isSym(arn) ? arn.target?.id : undefined;
  const read = (defined === undefined ? undefined : inFile(defined)) ?? awsManagedPolicy(text)?.kmsStatements;
  return { label, read: read ?? { unread: 'not defined in the scanned files' } };
}

/**
 * The KMS statements of an identity policy document as the files write it (an object, or its JSON
 * text), or why they cannot be known: the document is missing, not a policy, or depends on an
 * input in a statement that may concern KMS. A statement that depends on an input but surely
 * concerns no KMS action (its actions are known and none is a key action) is left out as any
 * other such statement is.
 */
export function readPolicy(document: Val | undefined): ReadPolicy {
  if (document === undefined || isAbsent(document)) return { unread: 'it has no policy document' };
  if (document instanceof Unknown) return dependsOn(document);
  // A JSON text (Terraform's jsonencode of values that name resources is known by name).
  let written: Val = isSym(document) ? document.text : document;
  if (typeof written === 'string') {
    const parsed = safeJson(written);
    if (parsed === undefined) return { unread: 'its document is not valid JSON' };
    // A policy is a few levels deep; a document in a string was not bounded as the files were.
    if (deeperThan(parsed, MAX_POLICY_DEPTH))
      return { unread: `its document is nested deeper than ${MAX_POLICY_DEPTH} levels` };
    written = parsed as Val;
  }
  if (!isObject(written)) return { unread: 'its document is not a policy document' };
  const listed = written.Statement;
  if (listed instanceof Unknown) return dependsOn(listed, 'its statements are ');
  // Whether its ${...} are policy variables depends on it (see withDocumentVersion).
  const version = written.Version;
  if (version instanceof Unknown) return dependsOn(version, 'its Version is ');
  if (listed === undefined || listed === null || typeof listed !== 'object')
    return { unread: 'its document is not a policy document' };
  const statements: PolicyStatement[] = [];
  for (const item of Array.isArray(listed) ? listed : [listed]) {
    if (item instanceof Unknown) return dependsOn(item, 'a statement is ');
    const statement = asStatement(toPlain(item));
    const unknown = findUnknown(item);
    if (unknown) {
      const actions: (Val | undefined)[] = isObject(item) ? [item.Effect, item.Action, item.NotAction] : [];
      const actionsKnown = actions.every((value) => value === undefined || !findUnknown(value));
      if (actionsKnown && statement && !mentionsKms(statement)) continue;
      return dependsOn(unknown, 'a statement depends on ');
    }
    if (!statement) return { unread: 'a statement is not a policy statement' };
    if (mentionsKms(statement))
      statements.push(withDocumentVersion(statement, version === undefined ? undefined : toPlain(version)));
  }
  return statements;
}

/** A policy nests a few levels (statements, a condition, its keys, their values); 32 is far past any. */
const MAX_POLICY_DEPTH = 32;

/** Whether parsed JSON nests deeper than `max` levels (looking no deeper than that). */
function deeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max === 0) return true;
  for (const item of Array.isArray(value) ? value : Object.values(value))
    if (deeperThan(item, max - 1)) return true;
  return false;
}
