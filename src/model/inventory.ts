/**
 * The inventory: the one normalized model that every source produces (live AWS, a snapshot file,
 * CloudFormation, Terraform, Terraform plans, create-cluster JSON). Rules read nothing else.
 *
 * The zod schemas here are the single source of truth: the TypeScript types are inferred from
 * them, `evaluate FILE` validates snapshots with them, and `schemas/inventory.schema.json` is
 * generated from them.
 */
import { z } from 'zod';
import { isIsoTime } from './dates.js';

export const INVENTORY_SCHEMA_VERSION = 1;

export const SourceSchema = z.enum([
  'live',
  'snapshot',
  'cloudformation',
  'terraform',
  'terraform-plan',
  'cli-json',
]);
export type Source = z.infer<typeof SourceSchema>;

/**
 * Where an inventory as a whole, its accounts and the scan that made it came from: the one source
 * of everything in it, or `iac` when one scan read infrastructure-as-code of more than one format
 * (CloudFormation and Terraform in one repository). Each cluster, key and role keeps its own source.
 */
export const ScanSourceSchema = z.enum([...SourceSchema.options, 'iac']);
export type ScanSource = z.infer<typeof ScanSourceSchema>;

export const IAC_SOURCES: readonly ScanSource[] = [
  'cloudformation',
  'terraform',
  'terraform-plan',
  'cli-json',
  'iac',
];
export const isIacSource = (source: ScanSource): boolean => IAC_SOURCES.includes(source);

export const LocationSchema = z
  .object({
    file: z.string().min(1),
    line: z.number().int().positive().optional(),
    column: z.number().int().positive().optional(),
  })
  .strict();
export type Location = z.infer<typeof LocationSchema>;

/**
 * A value that could not be known from the source: an IaC reference to an unset parameter, an
 * expression known only after apply, a condition whose inputs are unknown. Rules that need such a
 * value answer UNKNOWN and name `expression` and `inputs`; they never guess.
 */
export const UnresolvedSchema = z
  .object({
    unresolved: z.string().describe('the expression as written, e.g. "!Ref KmsKeyId" or "var.kms_key_arn"'),
    reason: z.string(),
    inputs: z.array(z.string()).optional().describe('parameters or variables whose values are missing'),
  })
  .strict();
export type Unresolved = z.infer<typeof UnresolvedSchema>;

export function isUnresolved(value: unknown): value is Unresolved {
  return (
    typeof value === 'object' &&
    // Lists (volumes, statements) are asked about most often, and never are one.
    !Array.isArray(value) &&
    value !== null &&
    typeof (value as { unresolved?: unknown }).unresolved === 'string' &&
    typeof (value as { reason?: unknown }).reason === 'string'
  );
}

const maybe = <T extends z.ZodType>(schema: T) => z.union([schema, UnresolvedSchema]);

/** A real ISO-8601 time (2026-02-30 and "yesterday" are refused, not rolled over or read as NaN). */
const IsoTime = z
  .string()
  .refine(isIsoTime, 'an ISO-8601 time such as 2026-11-27T12:00:00Z (a real calendar date)');

export const TagsSchema = z.record(z.string(), z.string());
export type Tags = z.infer<typeof TagsSchema>;

// ---------------------------------------------------------------------------------------------
// IAM policy documents (key policies and identity policies)

const StringOrList = z.union([z.string(), z.array(z.string())]);
export const PrincipalSchema = z.union([z.literal('*'), z.record(z.string(), StringOrList)]);
export const ConditionBlockSchema = z.record(
  z.string(),
  z.record(
    z.string(),
    z.union([z.string(), z.boolean(), z.number(), z.array(z.union([z.string(), z.boolean(), z.number()]))]),
  ),
);
export const PolicyStatementSchema = z
  .object({
    Sid: z.string().optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Principal: PrincipalSchema.optional(),
    NotPrincipal: PrincipalSchema.optional(),
    Action: StringOrList.optional(),
    NotAction: StringOrList.optional(),
    Resource: StringOrList.optional(),
    NotResource: StringOrList.optional(),
    Condition: ConditionBlockSchema.optional(),
    documentVersion: z
      .string()
      .nullable()
      .optional()
      .describe(
        'statements kept apart from their document (identity policies, boundaries, SCPs, RCPs): the Version of that document when it is not 2012-10-17, null when it has none; its ${...} are then literal text, not policy variables',
      ),
  })
  .passthrough();
export type PolicyStatement = z.infer<typeof PolicyStatementSchema>;
export const PolicyDocumentSchema = z
  .object({
    Version: z.string().optional(),
    Id: z.string().optional(),
    Statement: z.union([PolicyStatementSchema, z.array(PolicyStatementSchema)]),
  })
  .passthrough();
export type PolicyDocument = z.infer<typeof PolicyDocumentSchema>;

// ---------------------------------------------------------------------------------------------
// Accounts, gaps

/** Organization policies (SCPs or RCPs) over an account, by level from the root down, their KMS statements kept. */
const OrganizationPolicyLevelsSchema = z
  .array(
    z
      .object({
        target: z.string().describe('the root, an organizational unit, or the account itself'),
        policies: z.array(
          z
            .object({
              id: z.string(),
              name: z.string().optional(),
              kmsStatements: z.array(PolicyStatementSchema),
            })
            .strict(),
        ),
      })
      .strict(),
  )
  .optional();

export const AccountSchema = z
  .object({
    id: z.string().regex(/^(\d{12}|unknown)$/, 'a 12-digit AWS account id, or "unknown" for IaC'),
    name: z.string().optional(),
    regions: z.array(z.string()).describe('regions scanned in this account'),
    organizationId: z
      .string()
      .regex(/^o-[a-z0-9]{10,32}$/, 'an AWS Organizations id such as o-a1b2c3d4e5')
      .nullable()
      .optional()
      .describe(
        'the organization the account belongs to (aws:PrincipalOrgID); null: in no organization; absent: not known',
      ),
    serviceControlPolicies: OrganizationPolicyLevelsSchema.describe(
      "the service control policies that apply to the account's principals, by level from the root down to the account (each level must allow a call, any Deny denies it); absent: not read (only the management account or a delegated administrator can), or the account is the management account, which SCPs do not limit",
    ),
    resourceControlPolicies: OrganizationPolicyLevelsSchema.describe(
      "the resource control policies that apply to the account's resources (its KMS keys), by level from the root down to the account (each level must allow a call on them, any Deny denies it, whoever calls); absent: not read, the organization has not enabled them, or the account is the management account, which RCPs do not limit",
    ),
    source: ScanSourceSchema,
  })
  .strict();
export type Account = z.infer<typeof AccountSchema>;

/** Something that could not be collected, and why. Rules that needed it answer UNKNOWN. */
export const GapSchema = z
  .object({
    code: z
      .string()
      .describe('e.g. aws.access_denied, aws.throttled, aws.region_disabled, aws.assume_role_failed'),
    service: z.string(),
    operation: z.string(),
    account: z.string().optional(),
    region: z.string().optional(),
    resource: z
      .string()
      .optional()
      .describe('the ARN or id the call was about; absent for account-wide calls'),
    message: z.string(),
  })
  .strict();
export type Gap = z.infer<typeof GapSchema>;

// ---------------------------------------------------------------------------------------------
// Clusters, instance groups, volumes

export const VolumeRoleSchema = z.enum(['root', 'secondary']);
export type VolumeRole = z.infer<typeof VolumeRoleSchema>;

/** What resolving a `VolumeKmsKeyId` (kms:DescribeKey, or a key defined in the same IaC) gave. */
export const KeyResolutionSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('resolved'), keyArn: z.string() }).strict(),
  z.object({ status: z.literal('not-found'), message: z.string() }).strict(),
  z
    .object({
      status: z.literal('unknown'),
      reason: z.string(),
      gapCode: z.string().optional().describe('the gap that kept the key from being resolved'),
    })
    .strict(),
]);
export type KeyResolution = z.infer<typeof KeyResolutionSchema>;

export const EbsVolumeSchema = z
  .object({
    role: VolumeRoleSchema,
    kmsKeyId: z
      .union([z.string(), z.null(), UnresolvedSchema])
      .describe(
        'VolumeKmsKeyId as written (id, ARN, alias, alias ARN, IaC reference); null when no key is set',
      ),
    resolution: KeyResolutionSchema.optional().describe('absent when kmsKeyId is null'),
    sizeInGB: maybe(z.number()).optional(),
    location: LocationSchema.optional(),
  })
  .strict();
export type EbsVolume = z.infer<typeof EbsVolumeSchema>;

export const InstanceGroupKindSchema = z.enum(['regular', 'restricted']);
export type InstanceGroupKind = z.infer<typeof InstanceGroupKindSchema>;

export const InstanceGroupSchema = z
  .object({
    id: z.string().describe('<cluster id>/instance-group/<name>'),
    name: z.string(),
    kind: InstanceGroupKindSchema,
    executionRole: z.union([z.string(), z.null(), UnresolvedSchema]),
    instanceType: maybe(z.string()).optional(),
    instanceCount: maybe(z.number()).optional(),
    status: z.string().optional(),
    lifeCycleConfig: z
      .object({ sourceS3Uri: z.string(), onCreate: z.string(), onInitComplete: z.string().optional() })
      .strict()
      .optional()
      .describe('LifeCycleConfig when known in full: what a replacement group must copy'),
    threadsPerCore: z.number().int().min(1).max(2).optional(),
    volumes: z
      .union([z.array(EbsVolumeSchema), UnresolvedSchema])
      .describe('EBS entries of InstanceStorageConfigs; [] when the group configures none'),
    location: LocationSchema.optional(),
  })
  .strict();
export type InstanceGroup = z.infer<typeof InstanceGroupSchema>;

export const OrchestratorSchema = z.enum(['eks', 'slurm', 'none']);
export type Orchestrator = z.infer<typeof OrchestratorSchema>;

export const ClusterSchema = z
  .object({
    id: z.string().describe('the cluster ARN; <file>#<logical id or address> for IaC'),
    arn: z.string().optional(),
    name: z.string(),
    account: z.string(),
    region: z.string(),
    source: SourceSchema,
    location: LocationSchema.optional(),
    status: z.string().optional(),
    orchestrator: maybe(OrchestratorSchema).describe('"none" when the cluster sets no orchestrator'),
    nodeProvisioningMode: z
      .union([z.literal('Continuous'), z.null(), UnresolvedSchema])
      .describe('null when absent (the legacy mode)'),
    tags: maybe(TagsSchema).optional().describe('absent when the tags could not be read (see gaps)'),
    instanceGroups: z.array(InstanceGroupSchema),
    instanceGroupsUnresolved: UnresolvedSchema.optional().describe(
      'set when the list of instance groups itself cannot be known (e.g. inside an unresolvable !If)',
    ),
    notCollected: z
      .array(z.string())
      .optional()
      .describe('fields the source could not carry (e.g. an emulator that drops NodeProvisioningMode)'),
  })
  .strict();
export type Cluster = z.infer<typeof ClusterSchema>;

// ---------------------------------------------------------------------------------------------
// KMS keys

export const KeyMetadataSchema = z
  .object({
    keyManager: maybe(z.enum(['AWS', 'CUSTOMER'])),
    keyState: maybe(z.string()).describe('Enabled, Disabled, PendingDeletion, PendingReplicaDeletion, ...'),
    keySpec: maybe(z.string()),
    keyUsage: maybe(z.string()),
    origin: maybe(z.string()).optional(),
    expirationModel: z
      .string()
      .optional()
      .describe(
        'KEY_MATERIAL_EXPIRES or KEY_MATERIAL_DOES_NOT_EXPIRE; only keys with imported material (Origin EXTERNAL)',
      ),
    validTo: maybe(IsoTime)
      .optional()
      .describe(
        'ISO-8601: when the imported key material expires (KMS then deletes it and the key is unusable); only with KEY_MATERIAL_EXPIRES',
      ),
    multiRegion: maybe(z.boolean()).optional(),
    multiRegionKeyType: z.enum(['PRIMARY', 'REPLICA']).optional(),
    primaryKeyArn: z.string().optional(),
    replicaRegions: z.array(z.string()).optional(),
    deletionDate: IsoTime.optional().describe('ISO-8601; set when PendingDeletion'),
    pendingDeletionWindowInDays: z.number().optional(),
    creationDate: IsoTime.optional(),
    description: z.string().optional(),
  })
  .strict();
export type KeyMetadata = z.infer<typeof KeyMetadataSchema>;

export const KeyRotationSchema = z
  .object({
    enabled: maybe(z.boolean()),
    periodInDays: maybe(z.number()).optional().describe('absent when the source does not report it'),
    nextRotationDate: IsoTime.optional(),
    rotationCount: z.number().int().nonnegative().optional().describe('rotations so far, for the cost model'),
  })
  .strict();
export type KeyRotation = z.infer<typeof KeyRotationSchema>;

export const GrantSchema = z
  .object({
    grantId: z.string(),
    name: z.string().optional(),
    granteePrincipal: z
      .string()
      .optional()
      .describe('an IAM principal ARN, or a service principal for some grants AWS services make'),
    granteeServicePrincipal: z
      .string()
      .optional()
      .describe('the service principal of a grant created with GranteeServicePrincipal (ListGrants)'),
    retiringPrincipal: z.string().optional(),
    retiringServicePrincipal: z.string().optional(),
    operations: z.array(z.string()),
    issuingAccount: z.string().optional(),
    creationDate: IsoTime.optional(),
    constraints: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type Grant = z.infer<typeof GrantSchema>;

export const DeletionProtectionSchema = z
  .object({
    pendingWindowInDays: maybe(z.number()).optional().describe('absent: the service default (30 days)'),
    deletionPolicy: maybe(z.string()).optional().describe('CloudFormation DeletionPolicy'),
    updateReplacePolicy: maybe(z.string()).optional().describe('CloudFormation UpdateReplacePolicy'),
    preventDestroy: maybe(z.boolean()).optional().describe('Terraform lifecycle.prevent_destroy'),
  })
  .strict();
export type DeletionProtection = z.infer<typeof DeletionProtectionSchema>;

export const KeyUsageCountSchema = z
  .object({ month: z.string().regex(/^\d{4}-\d{2}$/), requests: z.number().nonnegative() })
  .strict();

export const KeySchema = z
  .object({
    arn: z.string().describe('the key ARN; <file>#<logical id or address> for IaC'),
    keyId: z.string().optional(),
    account: z.string(),
    region: z.string(),
    source: SourceSchema,
    location: LocationSchema.optional(),
    aliases: z.array(z.string()),
    aliasesComplete: z
      .literal(true)
      .optional()
      .describe(
        'set when aliases is every alias the key has (live: ListAliases was read in its account and Region); absent when the source cannot say (IaC, a key of an account outside the scan, a ListAliases that failed), and kms:ResourceAliases conditions are then undetermined',
      ),
    metadata: KeyMetadataSchema.optional().describe('absent when DescribeKey could not be called (see gaps)'),
    rotation: KeyRotationSchema.optional(),
    policy: z.union([PolicyDocumentSchema, UnresolvedSchema]).optional(),
    grants: z.array(GrantSchema).optional(),
    tags: maybe(TagsSchema).optional(),
    deletionProtection: DeletionProtectionSchema.optional().describe('IaC only'),
    usage: z.array(KeyUsageCountSchema).optional().describe('KMS requests per month, for the cost model'),
  })
  .strict();
export type Key = z.infer<typeof KeySchema>;

// ---------------------------------------------------------------------------------------------
// Execution roles, CloudTrail

export const ExecutionRoleSchema = z
  .object({
    arn: z.string(),
    roleId: z
      .string()
      .optional()
      .describe('the unique id (AROA...), as key policies show it after a role is recreated'),
    account: z.string(),
    source: SourceSchema,
    kmsStatements: z
      .array(PolicyStatementSchema)
      .describe('the statements of attached and inline policies that mention kms actions'),
    policiesCollected: z
      .boolean()
      .describe(
        'false when the role policies could not be read, or not all of them (see unreadPolicies), and for a role that does not exist (see notFound)',
      ),
    notFound: z
      .string()
      .optional()
      .describe(
        "set when IAM GetRole answered NoSuchEntity: the role does not exist (deleted, or never created), so the instance groups that name it cannot run as it; IAM's answer",
      ),
    permissionsBoundary: z
      .object({
        policyArn: z.string().describe('the managed policy set as the boundary, as written'),
        kmsStatements: z
          .array(PolicyStatementSchema)
          .optional()
          .describe("the boundary's statements that concern KMS; absent when it could not be read"),
        reason: z.string().optional().describe('why the boundary could not be read'),
      })
      .strict()
      .optional()
      .describe(
        'the permissions boundary the role has, if any: it limits what its policies and key policies that name it allow',
      ),
    unreadPolicies: z
      .array(z.string())
      .optional()
      .describe(
        'IaC: the policies attached to the role whose statements the scanned files do not give (defined elsewhere, or depending on inputs), each with why; kmsStatements holds those of the others',
      ),
  })
  .strict();
export type ExecutionRole = z.infer<typeof ExecutionRoleSchema>;

export const TrailSchema = z
  .object({
    arn: z.string(),
    name: z.string(),
    account: z.string(),
    homeRegion: z.string(),
    isMultiRegion: z.boolean(),
    isOrganizationTrail: z.boolean().optional(),
    isLogging: z.boolean(),
    logsManagementEvents: z.boolean(),
    excludesKmsEvents: z
      .boolean()
      .optional()
      .describe('ExcludeManagementEventSources contains kms.amazonaws.com'),
  })
  .strict();
export type Trail = z.infer<typeof TrailSchema>;

export const TrailEventSchema = z
  .object({
    eventId: z.string(),
    eventTime: IsoTime,
    eventSource: z.string(),
    eventName: z.string(),
    account: z.string(),
    region: z.string(),
    principalArn: z.string().optional(),
    principalType: z.string().optional(),
    invokedBy: z.string().optional(),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
    keyRef: z.string().optional().describe('the key as the event names it (ARN, id or alias)'),
    grantIsForAwsResource: z.boolean().optional(),
    granteePrincipal: z.string().optional(),
  })
  .strict();
export type TrailEvent = z.infer<typeof TrailEventSchema>;

// ---------------------------------------------------------------------------------------------

export const InventorySchema = z
  .object({
    schemaVersion: z.literal(INVENTORY_SCHEMA_VERSION),
    generatedAt: IsoTime.describe('ISO-8601 time the data was collected'),
    source: ScanSourceSchema,
    accounts: z.array(AccountSchema),
    clusters: z.array(ClusterSchema),
    keys: z.array(KeySchema),
    roles: z.array(ExecutionRoleSchema),
    trails: z.array(TrailSchema),
    events: z.array(TrailEventSchema),
    eventsCollected: z
      .array(
        z
          .object({
            account: z.string(),
            region: z.string(),
            since: IsoTime.describe('the start of the window whose events were looked up'),
            until: IsoTime.optional().describe('the end of that window (default: generatedAt)'),
          })
          .strict(),
      )
      .describe('account-regions whose CloudTrail events were looked up, and for which window'),
    gaps: z.array(GapSchema),
  })
  .strict();
export type Inventory = z.infer<typeof InventorySchema>;

/** The sources of an inventory's clusters, keys and roles, in the order of `SourceSchema`. */
export function resourceSources(inventory: Pick<Inventory, 'clusters' | 'keys' | 'roles'>): Source[] {
  const found = new Set<Source>();
  for (const list of [inventory.clusters, inventory.keys, inventory.roles])
    for (const resource of list) found.add(resource.source);
  return SourceSchema.options.filter((source) => found.has(source));
}

export function emptyInventory(source: ScanSource, generatedAt: string): Inventory {
  return {
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    generatedAt,
    source,
    accounts: [],
    clusters: [],
    keys: [],
    roles: [],
    trails: [],
    events: [],
    eventsCollected: [],
    gaps: [],
  };
}
