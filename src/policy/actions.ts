/**
 * The KMS action catalog and IAM action matching (`kms:Create*`, `kms:*`, `*`, `NotAction`).
 */
import { globMatch } from './glob.js';

/** Cryptographic use of a key, and the grant that passes it on (CreateGrant lets the grantee use the key). */
export const USAGE_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:GenerateDataKeyPair',
  'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:GenerateMac',
  'kms:VerifyMac',
  'kms:Sign',
  'kms:Verify',
  'kms:DeriveSharedSecret',
  'kms:CreateGrant',
] as const;

/** Actions that govern the key: who may use it, whether it exists, whether it works. */
export const ADMIN_ACTIONS = [
  'kms:PutKeyPolicy',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:ImportKeyMaterial',
  'kms:DeleteImportedKeyMaterial',
  'kms:UpdateKeyDescription',
  'kms:UpdatePrimaryRegion',
  'kms:ReplicateKey',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:RevokeGrant',
] as const;

export const READ_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:GetPublicKey',
  'kms:GetParametersForImport',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:ListAliases',
  'kms:ListRetirableGrants',
  'kms:RetireGrant',
] as const;

export const ALL_KEY_ACTIONS: readonly string[] = [...USAGE_ACTIONS, ...ADMIN_ACTIONS, ...READ_ACTIONS];

export const toList = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** Whether an `Action` entry (with IAM wildcards) covers `action`. Case-insensitive, as IAM is. */
export const actionMatches = (pattern: string, action: string): boolean =>
  globMatch(pattern, action, { ignoreCase: true });

type ActionBlock = { Action?: string | string[] | undefined; NotAction?: string | string[] | undefined };

/**
 * Which actions an Action/NotAction list covers, memoized by the list's content: an estate has
 * thousands of policies but only a handful of distinct action lists.
 */
const coverage = new Map<string, Map<string, boolean>>();

const coverageByStatement = new WeakMap<object, Map<string, boolean>>();

function coverageOf(statement: ActionBlock): Map<string, boolean> {
  let answers = coverageByStatement.get(statement);
  if (!answers) {
    answers = sharedCoverage(statement);
    coverageByStatement.set(statement, answers);
  }
  return answers;
}

/**
 * What an Action/NotAction list covers depends on its content alone: the key the memos share. A
 * single pattern and a list are written apart, and a list as JSON, so that no two different lists
 * share a key (a pattern may itself hold any character, a separator included).
 */
function contentKey(statement: ActionBlock): string {
  const negated = statement.NotAction !== undefined;
  const patterns = negated ? statement.NotAction : statement.Action;
  if (typeof patterns === 'string') return `${negated ? '!' : '='}${patterns}`;
  return `${negated ? '!' : '='}${JSON.stringify(toList(patterns))}`;
}

function sharedCoverage(statement: ActionBlock): Map<string, boolean> {
  const cacheKey = contentKey(statement);
  let answers = coverage.get(cacheKey);
  if (!answers) {
    if (coverage.size > 10_000) coverage.clear();
    answers = new Map();
    coverage.set(cacheKey, answers);
  }
  return answers;
}

/** Whether a statement's Action/NotAction covers `action`. */
export function statementCoversAction(statement: ActionBlock, action: string): boolean {
  const answers = coverageOf(statement);
  let covered = answers.get(action);
  if (covered === undefined) {
    covered =
      statement.NotAction !== undefined
        ? !toList(statement.NotAction).some((p) => actionMatches(p, action))
        : toList(statement.Action).some((p) => actionMatches(p, action));
    answers.set(action, covered);
  }
  return covered;
}

const catalogByContent = new Map<string, readonly boolean[]>();
const catalogByStatement = new WeakMap<object, readonly boolean[]>();

/**
 * For each action of `ALL_KEY_ACTIONS`, in its order, whether the statement covers it: the answers
 * of `statementCoversAction` as an array, for code that asks about the whole catalog (what a
 * principal may do with a key) and would otherwise look each action up by name. Memoized by the
 * list's content, like those answers.
 */
export function catalogCoverage(statement: ActionBlock): readonly boolean[] {
  let covered = catalogByStatement.get(statement);
  if (!covered) {
    const cacheKey = contentKey(statement);
    covered = catalogByContent.get(cacheKey);
    if (!covered) {
      if (catalogByContent.size > 10_000) catalogByContent.clear();
      covered = Object.freeze(ALL_KEY_ACTIONS.map((action) => statementCoversAction(statement, action)));
      catalogByContent.set(cacheKey, covered);
    }
    catalogByStatement.set(statement, covered);
  }
  return covered;
}

/** The actions of `ALL_KEY_ACTIONS` a statement covers, as a bit set: bit i of `low` (i < 32) or of `high` (i - 32). */
export interface CatalogMask {
  readonly low: number;
  readonly high: number;
}

// A bit set of one number pair; principals-analysis.ts also keys memos on it as one exact double
// with two more bits (53 in all).
if (ALL_KEY_ACTIONS.length > 51) throw new Error('the KMS action catalog outgrew CatalogMask');

/**
 * The masks by list content, as a trie over the list's entries (no key is built: this is asked of
 * every statement of every key policy), one for Action and one for NotAction.
 */
interface MaskNode {
  mask?: CatalogMask;
  /** The node of the list as a single string rather than a list of one. */
  single?: CatalogMask;
  next?: Map<unknown, MaskNode>;
}
const MAX_MASK_NODES = 10_000;
let maskNodes = 0;
let maskRoots: { action: MaskNode; notAction: MaskNode } = { action: {}, notAction: {} };

function child(node: MaskNode, entry: unknown): MaskNode {
  node.next ??= new Map();
  let next = node.next.get(entry);
  if (!next) {
    next = {};
    node.next.set(entry, next);
    maskNodes++;
  }
  return next;
}

function computeMask(statement: ActionBlock): CatalogMask {
  let low = 0;
  let high = 0;
  for (let i = 0; i < ALL_KEY_ACTIONS.length; i++) {
    if (!statementCoversAction(statement, ALL_KEY_ACTIONS[i]!)) continue;
    if (i < 32) low |= 1 << i;
    else high |= 1 << (i - 32);
  }
  return Object.freeze({ low, high });
}

/**
 * `catalogCoverage` as a bit set, memoized by the list's content only (nothing is kept per
 * statement object), for code that combines the coverage of many statements.
 */
export function catalogMask(statement: ActionBlock): CatalogMask {
  if (maskNodes > MAX_MASK_NODES) {
    maskRoots = { action: {}, notAction: {} };
    maskNodes = 0;
  }
  const negated = statement.NotAction !== undefined;
  const patterns = negated ? statement.NotAction : statement.Action;
  let node = negated ? maskRoots.notAction : maskRoots.action;
  if (typeof patterns === 'string') {
    node = child(node, patterns);
    node.single ??= computeMask(statement);
    return node.single;
  }
  for (const pattern of toList(patterns)) node = child(node, pattern);
  node.mask ??= computeMask(statement);
  return node.mask;
}

/** The catalog actions a statement covers. */
export function coveredActions(
  statement: { Action?: string | string[] | undefined; NotAction?: string | string[] | undefined },
  catalog: readonly string[] = ALL_KEY_ACTIONS,
): string[] {
  return catalog.filter((action) => statementCoversAction(statement, action));
}
