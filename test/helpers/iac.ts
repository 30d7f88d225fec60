/**
 * Builders for IaC-shaped inventories, as the parsers produce them: ids are `<file>#<logical id
 * or address>`, the deploying account and region are the placeholders `${AWS::AccountId}` and
 * `${AWS::Region}` unless the source says, objects carry a location, and anything the source
 * cannot know is an `Unresolved`.
 */
import type {
  Cluster,
  ExecutionRole,
  InstanceGroup,
  Inventory,
  Key,
  PolicyStatement,
  Source,
  Unresolved,
} from '../../src/model/inventory.js';
import { cluster, inventory, key } from './inventory.js';

export const CFN_FILE = 'infra/hyperpod.yaml';
export const TF_FILE = 'infra/main.tf';

export const IAC_ACCOUNT = '$' + '{AWS::AccountId}';
export const IAC_REGION = '$' + '{AWS::Region}';

export const iacId = (logicalId: string, file = CFN_FILE) => `${file}#${logicalId}`;

export const unresolved = (expression: string, inputs: string[] = []): Unresolved => ({
  unresolved: expression,
  reason: inputs.length > 0 ? `${inputs.join(', ')} has no value` : 'known only after deployment',
  ...(inputs.length > 0 ? { inputs } : {}),
});

interface IacOptions {
  source?: Source;
  file?: string;
  line?: number;
}

export function iacCluster(
  logicalId: string,
  groups: InstanceGroup[],
  overrides: Partial<Cluster> = {},
  { source = 'cloudformation', file = CFN_FILE, line = 10 }: IacOptions = {},
): Cluster {
  const { arn: _arn, ...built } = cluster(logicalId, groups, {
    id: iacId(logicalId, file),
    account: IAC_ACCOUNT,
    region: IAC_REGION,
    source,
    location: { file, line },
    ...overrides,
  });
  return built;
}

export function iacKey(
  logicalId: string,
  overrides: Partial<Key> = {},
  { source = 'cloudformation', file = CFN_FILE, line = 40 }: IacOptions = {},
): Key {
  const { keyId: _keyId, ...built } = key(logicalId, {
    account: IAC_ACCOUNT,
    region: IAC_REGION,
    source,
    location: { file, line },
    aliases: [],
    ...overrides,
  });
  return { ...built, arn: overrides.arn ?? iacId(logicalId, file) };
}

export function iacRole(
  logicalId: string,
  kmsStatements: PolicyStatement[],
  { source = 'cloudformation', file = CFN_FILE }: IacOptions = {},
): ExecutionRole {
  return {
    arn: iacId(logicalId, file),
    account: IAC_ACCOUNT,
    source,
    kmsStatements,
    policiesCollected: true,
  };
}

export function iacInventory(
  parts: Partial<Omit<Inventory, 'schemaVersion'>> = {},
  source: Source = 'cloudformation',
): Inventory {
  return inventory({
    source,
    accounts: [{ id: 'unknown', regions: ['unknown'], source }],
    eventsCollected: [],
    ...parts,
  });
}

export const PLAN_FILE = 'infra/plan.json';
export const CLI_FILE = 'create-cluster.json';
/** Options for `iacCluster`/`iacKey` per IaC source, with the file each comes from. */
export const TERRAFORM = { source: 'terraform', file: TF_FILE } as const;
export const TERRAFORM_PLAN = { source: 'terraform-plan', file: PLAN_FILE } as const;
export const CLI_JSON = { source: 'cli-json', file: CLI_FILE } as const;

/** A live inventory as `collect -o FILE` saves it and `evaluate FILE` reads it back. */
export function asSnapshot(live: Inventory): Inventory {
  const source = 'snapshot' as const;
  return {
    ...live,
    source,
    accounts: live.accounts.map((account) => ({ ...account, source })),
    clusters: live.clusters.map((cluster) => ({ ...cluster, source })),
    keys: live.keys.map((key) => ({ ...key, source })),
    roles: live.roles.map((role) => ({ ...role, source })),
  };
}
