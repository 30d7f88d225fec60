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

/** What an Action/NotAction list covers depends on its content alone: the key the memos share. */
function contentKey(statement: ActionBlock): string {
  const negated = statement.NotAction !== undefined;
  const patterns = toList(negated ? statement.NotAction : statement.Action);
  return `${negated ? '!' : ''}${patterns.join('\u0000')}`;
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

/** The catalog actions a statement covers. */
export function coveredActions(
  statement: { Action?: string | string[] | undefined; NotAction?: string | string[] | undefined },
  catalog: readonly string[] = ALL_KEY_ACTIONS,
): string[] {
  return catalog.filter((action) => statementCoversAction(statement, action));
}
