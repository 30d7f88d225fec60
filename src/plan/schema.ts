/**
 * The migration plan as data: what `plan --out DIR` writes to DIR/plan.json (schemaVersion 1).
 * The zod schema is the contract: the plan's types are inferred from it, it generates the
 * published schemas/plan.schema.json, and the update-cluster inputs it describes are checked below
 * against the SDK's UpdateClusterCommandInput at compile time.
 */
import type { ClusterInstanceType, UpdateClusterCommandInput } from '@aws-sdk/client-sagemaker';
import { z } from 'zod';
import { OrchestratorSchema, PolicyDocumentSchema, TagsSchema } from '../model/inventory.js';

export const PLAN_SCHEMA_VERSION = 1;

const PlannedKeySchema = z
  .object({
    resourceName: z.string().describe('CloudFormation logical id and Terraform resource name'),
    alias: z.string(),
    account: z.string(),
    region: z.string(),
    forGroup: z.string().describe('the group the key is for: cluster/group'),
    executionRole: z.string(),
    multiRegion: z.boolean(),
    replicaRegion: z.string().nullable().describe('the DR Region of its replica (config drRegions)'),
    rotationPeriodInDays: z.number().int(),
    tags: TagsSchema,
    tagsToFill: z
      .array(z.string())
      .describe(
        'required tags whose value the inventory does not know: the templates take them as parameters',
      ),
    policy: PolicyDocumentSchema,
  })
  .strict();
export type PlannedKey = z.infer<typeof PlannedKeySchema>;

const GroupActionSchema = z
  .enum(['keep', 'fix-in-place', 'replace', 'restricted', 'blocked'])
  .describe(
    'keep: sound already; fix-in-place: its key is fixed without changing it; replace: a new group on a new key ' +
      'takes over, then the old one is deleted; restricted: AWS supports no customer managed key there; ' +
      'blocked: cannot be planned from what the inventory holds (why says why)',
  );
export type GroupAction = z.infer<typeof GroupActionSchema>;

const InPlaceStepSchema = z
  .object({
    title: z.string(),
    command: z.string(),
    check: z.string().describe('what to check afterwards, as a command'),
  })
  .strict();
export type InPlaceStep = z.infer<typeof InPlaceStepSchema>;

/** One volume of a replacement group, on the new key (by its alias). */
const StorageConfigSchema = z
  .object({
    EbsVolumeConfig: z
      .object({
        RootVolume: z.literal(true).optional(),
        VolumeSizeInGB: z.number().optional().describe("a secondary volume: the old one's size"),
        VolumeKmsKeyId: z.string(),
      })
      .strict(),
  })
  .strict();

/**
 * The instance type is the inventory's text: the schema holds it as a string, typed as the SDK's
 * list of instance types so that the inputs below are the SDK's requests (SageMaker checks the value).
 */
const InstanceTypeSchema = z.string() as z.ZodType<ClusterInstanceType>;

/** The replacement group, as update-cluster (or create-cluster) takes it. */
const ReplacementGroupSchema = z
  .object({
    InstanceGroupName: z.string(),
    InstanceCount: z.number().describe("the old group's count; 1 when the inventory does not know it"),
    ExecutionRole: z.string(),
    InstanceType: InstanceTypeSchema.optional(),
    LifeCycleConfig: z
      .object({ SourceS3Uri: z.string(), OnCreate: z.string(), OnInitComplete: z.string().optional() })
      .strict()
      .optional(),
    ThreadsPerCore: z.number().int().optional(),
    InstanceStorageConfigs: z.array(StorageConfigSchema),
  })
  .strict();
export type ReplacementGroup = z.infer<typeof ReplacementGroupSchema>;

const AddGroupInputSchema = z
  .object({
    ClusterName: z.string(),
    InstanceGroups: z.array(ReplacementGroupSchema),
    NodeProvisioningMode: z.literal('Continuous'),
  })
  .strict()
  .describe('aws sagemaker update-cluster --cli-input-json: adds the replacement group');

const DeleteGroupInputSchema = z
  .object({ ClusterName: z.string(), InstanceGroupsToDelete: z.array(z.string()) })
  .strict()
  .describe('aws sagemaker update-cluster --cli-input-json: deletes the old group, a later step');

const GroupPlanSchema = z
  .object({
    name: z.string(),
    action: GroupActionSchema,
    reasons: z.array(z.string()).describe('the failing or unknown rules that call for the action'),
    why: z.string(),
    rolePolicy: z
      .object({ roleName: z.string(), policyName: z.string(), document: PolicyDocumentSchema })
      .strict()
      .optional()
      .describe("the execution role's KMS permissions scoped to the group's new key (by its tags)"),
    replacement: z
      .object({
        name: z.string(),
        key: PlannedKeySchema,
        addInput: AddGroupInputSchema,
        deleteInput: DeleteGroupInputSchema,
        copyFromDescribe: z
          .array(z.string())
          .describe('settings of the old group the inventory does not hold: copy them from describe-cluster'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type GroupPlan = z.infer<typeof GroupPlanSchema>;

const ClusterPlanSchema = z
  .object({
    cluster: z
      .object({
        id: z.string(),
        name: z.string(),
        account: z.string(),
        region: z.string(),
        orchestrator: z.enum([...OrchestratorSchema.options, 'unknown']),
        mode: z.string().describe('NodeProvisioningMode: Continuous, legacy (not set), or unknown (why)'),
      })
      .strict(),
    dir: z.string().describe("the directory of this cluster's artefacts, relative to the plan's root"),
    path: z.enum(['replace-groups', 'new-cluster', 'in-place', 'blocked']),
    failing: z
      .array(z.string())
      .describe('the failing rules, and the UNKNOWN ones of a key whose policy could not be read'),
    preSteps: z
      .array(InPlaceStepSchema)
      .describe('make every key the groups use usable again first: cancel deletion, enable'),
    keys: z.array(PlannedKeySchema),
    groups: z.array(GroupPlanSchema),
    inPlace: z.array(InPlaceStepSchema),
    clusterTags: z
      .object({ missing: z.array(z.string()), command: z.string() })
      .strict()
      .nullable(),
    estimate: z
      .object({
        keysAdded: z.number().int(),
        replicaKeysAdded: z.number().int(),
        kmsUsdPerMonth: z.number(),
        groupsReplaced: z.number().int(),
      })
      .strict(),
    notes: z.array(z.string()),
  })
  .strict();
export type ClusterPlan = z.infer<typeof ClusterPlanSchema>;

export const MigrationPlanSchema = z
  .object({
    schemaVersion: z.literal(PLAN_SCHEMA_VERSION),
    kind: z.literal('hyperpod-cmk-plan'),
    generatedAt: z.string().describe('ISO-8601 time'),
    source: z
      .string()
      .describe('where the inventory came from, as a reader says it: the inventory snapshot FILE, AWS, ...'),
    clusters: z.array(ClusterPlanSchema).describe('the clusters with a failure, by account, Region and name'),
    compliant: z
      .array(z.string())
      .describe('clusters with no failure (compliant, by exception, or unknown): nothing planned'),
  })
  .strict();
export type MigrationPlan = z.infer<typeof MigrationPlanSchema>;

// The update-cluster inputs the plan writes are requests the SDK accepts (checked by the compiler).
type Conforms<A, B> = [A] extends [B] ? true : false;
const _addConforms: Conforms<z.infer<typeof AddGroupInputSchema>, UpdateClusterCommandInput> = true;
const _deleteConforms: Conforms<z.infer<typeof DeleteGroupInputSchema>, UpdateClusterCommandInput> = true;
void [_addConforms, _deleteConforms];
