/**
 * The bundled demo estate: three accounts, two Regions, nine HyperPod clusters, as a live scan
 * would collect them. Together they make every rule pass somewhere and fail somewhere (the
 * IaC-only deletion-protection rule excepted), driven by `demo/hyperpod-cmk.yaml`.
 *
 * The same estate seeds the AWS emulator for `demo --live`, so it is written with the builders
 * below rather than as a JSON blob: each cluster says in one place what makes it interesting.
 */
import type {
  Cluster,
  EbsVolume,
  ExecutionRole,
  Gap,
  Grant,
  InstanceGroup,
  Inventory,
  Key,
  PolicyDocument,
  PolicyStatement,
  Trail,
  TrailEvent,
} from '../model/inventory.js';
import { INVENTORY_SCHEMA_VERSION } from '../model/inventory.js';
import { HYPERPOD_GRANT_OPERATIONS } from '../policy/hyperpod.js';

/** The demo's clock: the snapshot was taken at this time, and the demo evaluates at it. */
export const DEMO_TIME = '2026-11-20T09:00:00.000Z';

export const DEMO_ACCOUNTS = {
  prod: '111111111111',
  research: '222222222222',
  platform: '333333333333',
} as const;

const EAST = 'us-east-1';
const WEST = 'us-west-2';

// ---------------------------------------------------------------------------------------------
// Builders

const keyArn = (region: string, account: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;
const roleArn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const clusterArn = (region: string, account: string, id: string) =>
  `arn:aws:sagemaker:${region}:${account}:cluster/${id}`;
const adminRole = (account: string) => roleArn(account, 'KeyAdmin');

const ADMIN_ACTIONS = [
  'kms:CreateAlias',
  'kms:DescribeKey',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
  'kms:RevokeGrant',
  'kms:DisableKey',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:DeleteAlias',
];

const rootStatement = (account: string): PolicyStatement => ({
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: 'kms:*',
  Resource: '*',
});

const adminStatement = (account: string): PolicyStatement => ({
  Sid: 'KeyAdministration',
  Effect: 'Allow',
  Principal: { AWS: adminRole(account) },
  Action: ADMIN_ACTIONS,
  Resource: '*',
});

/** The statements the HyperPod CMK guide asks for, for one execution role. */
const hyperpodStatements = (role: string, region: string, sid = 'HyperPod'): PolicyStatement[] => [
  {
    Sid: `${sid}CreateGrant`,
    Effect: 'Allow',
    Principal: { AWS: role },
    Action: 'kms:CreateGrant',
    Resource: '*',
    Condition: {
      StringEquals: { 'kms:ViaService': `sagemaker.${region}.amazonaws.com` },
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
    },
  },
  {
    Sid: `${sid}DescribeKey`,
    Effect: 'Allow',
    Principal: { AWS: role },
    Action: 'kms:DescribeKey',
    Resource: '*',
    Condition: { StringEquals: { 'kms:ViaService': `sagemaker.${region}.amazonaws.com` } },
  },
];

const policy = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Id: 'hyperpod-key-policy',
  Statement: statements,
});

/** The usual well-run key policy: IAM delegation, a separate admin, the consuming roles. */
const goodPolicy = (account: string, region: string, roles: string[]) =>
  policy(
    rootStatement(account),
    adminStatement(account),
    ...roles.flatMap((role, i) => hyperpodStatements(role, region, `Group${i + 1}`)),
  );

const hyperpodGrants = (roles: string[], keyIdSeed: string): Grant[] =>
  roles.map((role, i) => ({
    grantId: `${keyIdSeed.replace(/-/g, '').slice(0, 16)}${String(i).padStart(48, '0')}`,
    granteePrincipal: role,
    retiringPrincipal: 'sagemaker.amazonaws.com',
    operations: [...HYPERPOD_GRANT_OPERATIONS],
    creationDate: '2026-09-01T10:00:00.000Z',
  }));

/**
 * The grants AWS makes for itself on a key that encrypts volumes: EBS grants Decrypt to the
 * `aws:ec2-infrastructure` session of the volume's account, constrained to the volume (KMS
 * developer guide, "Examining grants"), and a service grant shows its service principal in
 * GranteeServicePrincipal. kms-key-grants-scoped passes them.
 */
const awsResourceGrants = (account: string, keyIdSeed: string, instances: string[]): Grant[] => [
  ...instances.map((instance, i) => ({
    grantId: `${keyIdSeed.slice(0, 16)}e${String(i).padStart(47, '0')}`,
    name: `ebs-${instance}`,
    granteePrincipal: `arn:aws:sts::${account}:assumed-role/aws:ec2-infrastructure/${instance}`,
    retiringPrincipal: 'arn:aws:iam::123456789012:root',
    issuingAccount: `arn:aws:iam::${account}:root`,
    operations: ['Decrypt'],
    constraints: { EncryptionContextSubset: { 'aws:ebs:id': `vol-${instance.slice(2, 10)}ebs${i}` } },
    creationDate: '2026-09-01T10:05:00.000Z',
  })),
  {
    grantId: `${keyIdSeed.slice(0, 16)}s${'0'.repeat(47)}`,
    granteeServicePrincipal: 'sagemaker.amazonaws.com',
    retiringServicePrincipal: 'sagemaker.amazonaws.com',
    operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext'],
    creationDate: '2026-09-01T10:00:00.000Z',
  },
];

interface KeySpec {
  id: string;
  account: string;
  region: string;
  alias: string;
  policy?: PolicyDocument;
  tags?: Record<string, string>;
  state?: string;
  deletionDate?: string;
  rotation?: Key['rotation'];
  keySpec?: string;
  keyUsage?: string;
  multiRegion?: { replicas?: string[]; primary?: string };
  grants?: Grant[];
  requestsPerMonth?: number;
  manager?: 'AWS' | 'CUSTOMER';
  omit?: ('policy' | 'grants' | 'tags')[];
}

function key(spec: KeySpec): Key {
  const arn = keyArn(spec.region, spec.account, spec.id);
  const omit = new Set(spec.omit ?? []);
  const requests = spec.requestsPerMonth ?? 150_000;
  return {
    arn,
    keyId: spec.id,
    account: spec.account,
    region: spec.region,
    source: 'live',
    aliases: [spec.alias],
    metadata: {
      keyManager: spec.manager ?? 'CUSTOMER',
      keyState: spec.state ?? 'Enabled',
      keySpec: spec.keySpec ?? 'SYMMETRIC_DEFAULT',
      keyUsage: spec.keyUsage ?? 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      multiRegion: spec.multiRegion !== undefined,
      ...(spec.multiRegion?.replicas
        ? { multiRegionKeyType: 'PRIMARY' as const, replicaRegions: spec.multiRegion.replicas }
        : {}),
      ...(spec.multiRegion?.primary
        ? { multiRegionKeyType: 'REPLICA' as const, primaryKeyArn: spec.multiRegion.primary }
        : {}),
      ...(spec.deletionDate ? { deletionDate: spec.deletionDate } : {}),
      creationDate: '2026-03-02T12:00:00.000Z',
      description: `HyperPod volumes: ${spec.alias.replace('alias/', '')}`,
    },
    rotation: spec.rotation ?? { enabled: true, periodInDays: 365, rotationCount: 1 },
    ...(omit.has('policy') ? {} : { policy: spec.policy ?? policy(rootStatement(spec.account)) }),
    ...(omit.has('grants') ? {} : { grants: spec.grants ?? [] }),
    ...(omit.has('tags') ? {} : { tags: spec.tags ?? {} }),
    usage: [
      { month: '2026-09', requests: Math.round(requests * 0.9) },
      { month: '2026-10', requests },
    ],
  };
}

const volumes = (
  rootKey: string | null,
  secondary: { key: string | null; size: number } | null,
  resolve = true,
): EbsVolume[] => {
  const out: EbsVolume[] = [];
  const resolution = (ref: string) =>
    resolve ? { resolution: { status: 'resolved' as const, keyArn: ref } } : {};
  if (rootKey) out.push({ role: 'root', kmsKeyId: rootKey, ...resolution(rootKey) });
  if (secondary) {
    out.push({
      role: 'secondary',
      kmsKeyId: secondary.key,
      sizeInGB: secondary.size,
      ...(secondary.key ? resolution(secondary.key) : {}),
    });
  }
  return out;
};

interface GroupSpec {
  name: string;
  role: string;
  type?: string;
  count?: number;
  volumes: EbsVolume[];
  restricted?: boolean;
}

function cluster(spec: {
  id: string;
  name: string;
  account: string;
  region: string;
  orchestrator: 'eks' | 'slurm';
  continuous: boolean;
  tags: Record<string, string>;
  groups: GroupSpec[];
}): Cluster {
  const arn = clusterArn(spec.region, spec.account, spec.id);
  return {
    id: arn,
    arn,
    name: spec.name,
    account: spec.account,
    region: spec.region,
    source: 'live',
    status: 'InService',
    orchestrator: spec.orchestrator,
    nodeProvisioningMode: spec.continuous ? 'Continuous' : null,
    tags: spec.tags,
    instanceGroups: spec.groups.map(
      (group): InstanceGroup => ({
        id: `${arn}/instance-group/${group.name}`,
        name: group.name,
        kind: group.restricted ? 'restricted' : 'regular',
        executionRole: group.role,
        instanceType: group.type ?? 'ml.p5.48xlarge',
        instanceCount: group.count ?? 4,
        status: 'InService',
        volumes: group.volumes,
      }),
    ),
  };
}

/** An execution role whose KMS statements are scoped to its keys (or not, when `keys` is "*"). */
function role(account: string, name: string, keys: string[] | '*', roleId: string): ExecutionRole {
  return {
    arn: roleArn(account, name),
    roleId,
    account,
    source: 'live',
    policiesCollected: true,
    kmsStatements: [
      {
        Sid: 'HyperPodVolumeKeys',
        Effect: 'Allow',
        Action: ['kms:CreateGrant', 'kms:DescribeKey'],
        Resource: keys,
      },
    ],
  };
}

const tags = (owner: string, project: string, sensitivity?: string): Record<string, string> => ({
  owner,
  project,
  ...(sensitivity ? { 'data-sensitivity': sensitivity } : {}),
});

let eventSeq = 0;
function event(e: Omit<TrailEvent, 'eventId' | 'eventSource'> & { eventSource?: string }): TrailEvent {
  eventSeq++;
  return {
    eventId: `demo-event-${String(eventSeq).padStart(4, '0')}`,
    eventSource: 'kms.amazonaws.com',
    ...e,
  };
}

// ---------------------------------------------------------------------------------------------
// The estate

export function demoEstate(): Inventory {
  eventSeq = 0;
  const { prod, research, platform } = DEMO_ACCOUNTS;
  const keys: Key[] = [];
  const clusters: Cluster[] = [];
  const roles: ExecutionRole[] = [];
  const events: TrailEvent[] = [];
  const gaps: Gap[] = [];

  // 1. llm-pretrain-prod: the reference cluster. EKS, Continuous, one multi-Region key per
  //    instance group (root and secondary), least-privilege policies, scoped roles. All PASS.
  {
    const gpuRole = roleArn(prod, 'hyperpod-llm-gpu');
    const dataRole = roleArn(prod, 'hyperpod-llm-data');
    const gpuKey = keyArn(EAST, prod, 'mrk-1a2b3c4d5e6f40718293a4b5c6d7e8f9');
    const dataKey = keyArn(EAST, prod, 'mrk-2b3c4d5e6f7a48192a3b4c5d6e7f8091');
    const t = { ...tags('ml-platform', 'llm-pretrain', 'confidential'), hyperpod: 'true' };
    keys.push(
      key({
        id: 'mrk-1a2b3c4d5e6f40718293a4b5c6d7e8f9',
        account: prod,
        region: EAST,
        alias: 'alias/hyperpod/llm-pretrain/gpu-p5',
        policy: goodPolicy(prod, EAST, [gpuRole]),
        tags: t,
        multiRegion: { replicas: [WEST] },
        grants: [
          ...hyperpodGrants([gpuRole], '1a2b3c4d5e6f4071'),
          ...awsResourceGrants(prod, '1a2b3c4d5e6f4071', ['i-0a1b2c3d4e5f60718', 'i-0b2c3d4e5f6071829']),
        ],
        requestsPerMonth: 2_400_000,
        rotation: { enabled: true, periodInDays: 180, rotationCount: 3 },
      }),
      key({
        id: 'mrk-2b3c4d5e6f7a48192a3b4c5d6e7f8091',
        account: prod,
        region: EAST,
        alias: 'alias/hyperpod/llm-pretrain/cpu-data',
        policy: goodPolicy(prod, EAST, [dataRole]),
        tags: t,
        multiRegion: { replicas: [WEST] },
        grants: [
          ...hyperpodGrants([dataRole], '2b3c4d5e6f7a4819'),
          ...awsResourceGrants(prod, '2b3c4d5e6f7a4819', ['i-0c3d4e5f60718293a']),
        ],
        requestsPerMonth: 600_000,
      }),
    );
    roles.push(
      role(prod, 'hyperpod-llm-gpu', [gpuKey], 'AROA1LLMGPU00000000001'),
      role(prod, 'hyperpod-llm-data', [dataKey], 'AROA1LLMDATA0000000001'),
    );
    clusters.push(
      cluster({
        id: 'a1b2c3d4e5f6',
        name: 'llm-pretrain-prod',
        account: prod,
        region: EAST,
        orchestrator: 'eks',
        continuous: true,
        tags: t,
        groups: [
          { name: 'gpu-p5', role: gpuRole, count: 16, volumes: volumes(gpuKey, { key: gpuKey, size: 2000 }) },
          {
            name: 'cpu-data',
            role: dataRole,
            type: 'ml.m5.12xlarge',
            count: 4,
            volumes: volumes(dataKey, { key: dataKey, size: 1000 }),
          },
        ],
      }),
    );
    // An approved change: the platform deployer updated a key policy.
    events.push(
      event({
        eventTime: '2026-11-10T14:02:11.000Z',
        eventName: 'PutKeyPolicy',
        account: prod,
        region: EAST,
        principalArn: `arn:aws:sts::${prod}:assumed-role/platform-deployer/pipeline-8812`,
        principalType: 'AssumedRole',
        keyRef: gpuKey,
      }),
    );
  }

  // 1b. slurm-continuous: Slurm clusters support Continuous provisioning too, and with it customer
  //     managed keys. One key per instance group, EBS grants on the keys. All PASS.
  {
    const headRole = roleArn(prod, 'hyperpod-slurm-head');
    const computeRole = roleArn(prod, 'hyperpod-slurm-compute');
    const headKey = keyArn(WEST, prod, 'mrk-4e5f6a7b8c9d40e1f2a3b4c5d6e7f809');
    const computeKey = keyArn(WEST, prod, 'mrk-5f6a7b8c9d0e41f2a3b4c5d6e7f80912');
    const t = { ...tags('hpc-team', 'weather-ml', 'confidential'), hyperpod: 'true' };
    keys.push(
      key({
        id: 'mrk-4e5f6a7b8c9d40e1f2a3b4c5d6e7f809',
        account: prod,
        region: WEST,
        alias: 'alias/hyperpod/weather-ml/head',
        policy: goodPolicy(prod, WEST, [headRole]),
        tags: t,
        multiRegion: { replicas: [EAST] },
        grants: [
          ...hyperpodGrants([headRole], '4e5f6a7b8c9d40e1'),
          ...awsResourceGrants(prod, '4e5f6a7b8c9d40e1', ['i-0d4e5f60718293a4b']),
        ],
        requestsPerMonth: 90_000,
      }),
      key({
        id: 'mrk-5f6a7b8c9d0e41f2a3b4c5d6e7f80912',
        account: prod,
        region: WEST,
        alias: 'alias/hyperpod/weather-ml/compute',
        policy: goodPolicy(prod, WEST, [computeRole]),
        tags: t,
        multiRegion: { replicas: [EAST] },
        grants: [
          ...hyperpodGrants([computeRole], '5f6a7b8c9d0e41f2'),
          ...awsResourceGrants(prod, '5f6a7b8c9d0e41f2', ['i-0e5f60718293a4b5c', 'i-0f60718293a4b5c6d']),
        ],
        requestsPerMonth: 800_000,
      }),
    );
    roles.push(
      role(prod, 'hyperpod-slurm-head', [headKey], 'AROA1SLURMHEAD00000001'),
      role(prod, 'hyperpod-slurm-compute', [computeKey], 'AROA1SLURMCOMP00000001'),
    );
    clusters.push(
      cluster({
        id: 'c9d0e1f2a3b4',
        name: 'slurm-continuous',
        account: prod,
        region: WEST,
        orchestrator: 'slurm',
        continuous: true,
        tags: t,
        groups: [
          {
            name: 'controller',
            role: headRole,
            type: 'ml.m5.4xlarge',
            count: 1,
            volumes: volumes(headKey, { key: headKey, size: 200 }),
          },
          {
            name: 'compute',
            role: computeRole,
            count: 8,
            volumes: volumes(computeKey, { key: computeKey, size: 1000 }),
          },
        ],
      }),
    );
  }

  // 2. slurm-legacy: Slurm, legacy provisioning, AWS owned keys everywhere, a missing tag.
  {
    const r = roleArn(prod, 'hyperpod-slurm-legacy');
    roles.push({ ...role(prod, 'hyperpod-slurm-legacy', [], 'AROA1SLURM000000000001'), kmsStatements: [] });
    clusters.push(
      cluster({
        id: 'b2c3d4e5f6a7',
        name: 'slurm-legacy',
        account: prod,
        region: WEST,
        orchestrator: 'slurm',
        continuous: false,
        tags: tags('hpc-team', 'climate-sim'),
        groups: [
          { name: 'controller', role: r, type: 'ml.m5.4xlarge', count: 1, volumes: [] },
          { name: 'compute', role: r, count: 8, volumes: volumes(null, { key: null, size: 500 }) },
        ],
      }),
    );
  }

  // 3. genai-batch: encryption-context-scoped key policy (breaks HyperPod), CloudTrail shows
  //    AccessDenied calls and a PutKeyPolicy by a developer outside the approved editors.
  {
    const r = roleArn(prod, 'hyperpod-genai-batch');
    const id = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
    const arn = keyArn(EAST, prod, id);
    keys.push(
      key({
        id,
        account: prod,
        region: EAST,
        alias: 'alias/hyperpod/genai-batch',
        // No IAM delegation: only the statements below decide, and HyperPod sends no encryption context.
        policy: policy(adminStatement(prod), {
          Sid: 'HyperPodCreateGrantScoped',
          Effect: 'Allow',
          Principal: { AWS: r },
          Action: ['kms:CreateGrant', 'kms:DescribeKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:EncryptionContext:project': 'genai-batch' } },
        }),
        tags: { ...tags('genai-team', 'genai-batch', 'internal'), hyperpod: 'true' },
        multiRegion: { replicas: [WEST] },
        grants: [],
      }),
    );
    roles.push(role(prod, 'hyperpod-genai-batch', [arn], 'AROA1GENAI000000000001'));
    clusters.push(
      cluster({
        id: 'c3d4e5f6a7b8',
        name: 'genai-batch',
        account: prod,
        region: EAST,
        orchestrator: 'eks',
        continuous: true,
        tags: tags('genai-team', 'genai-batch', 'internal'),
        groups: [
          {
            name: 'inference-g5',
            role: r,
            type: 'ml.g5.12xlarge',
            volumes: volumes(arn, { key: arn, size: 500 }),
          },
        ],
      }),
    );
    for (const [i, time] of [
      '2026-11-18T03:12:44.000Z',
      '2026-11-18T03:13:02.000Z',
      '2026-11-19T22:41:09.000Z',
    ].entries()) {
      events.push(
        event({
          eventTime: time,
          eventName: i < 2 ? 'CreateGrant' : 'Decrypt',
          account: prod,
          region: EAST,
          principalArn:
            i < 2
              ? `arn:aws:sts::${prod}:assumed-role/hyperpod-genai-batch/SageMaker`
              : `arn:aws:sts::${prod}:assumed-role/data-science-sandbox/mallory`,
          principalType: 'AssumedRole',
          errorCode: i < 2 ? 'AccessDenied' : 'AccessDeniedException',
          errorMessage:
            'User is not authorized to perform this operation because no resource-based policy allows it',
          keyRef: arn,
        }),
      );
    }
    events.push(
      event({
        eventTime: '2026-11-15T16:30:00.000Z',
        eventName: 'PutKeyPolicy',
        account: prod,
        region: EAST,
        principalArn: `arn:aws:sts::${prod}:assumed-role/developer/alice`,
        principalType: 'AssumedRole',
        keyRef: 'alias/hyperpod/genai-batch',
      }),
    );
  }

  // An unused key, selected by its hyperpod=true tag: it costs money and serves nobody.
  keys.push(
    key({
      id: '4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a',
      account: prod,
      region: EAST,
      alias: 'alias/hyperpod/old-gpu-pool',
      policy: goodPolicy(prod, EAST, []),
      tags: { ...tags('ml-platform', 'llm-pretrain'), hyperpod: 'true' },
      multiRegion: { replicas: [WEST] },
      requestsPerMonth: 0,
    }),
  );

  // 4. vision-finetune: root CMK but the secondary volume on the AWS owned key; the key does not
  //    rotate, is single-Region, lacks an owner tag and has no dedicated admin; the execution
  //    role may use every key in the account.
  const sharedVisionKey = keyArn(EAST, research, '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9');
  {
    const r = roleArn(research, 'hyperpod-vision');
    keys.push(
      key({
        id: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
        account: research,
        region: EAST,
        alias: 'alias/vision-finetune',
        // The policy from the HyperPod guide: root delegation plus the role. No admin.
        policy: policy(
          rootStatement(research),
          ...hyperpodStatements(r, EAST),
          ...hyperpodStatements(roleArn(research, 'hyperpod-nlp-eval'), EAST, 'Eval'),
        ),
        tags: { project: 'vision' },
        rotation: { enabled: false },
        grants: hyperpodGrants([r, roleArn(research, 'hyperpod-nlp-eval')], '5e6f7a8b9c0d4e1f'),
      }),
    );
    roles.push(role(research, 'hyperpod-vision', '*', 'AROA2VISION00000000001'));
    clusters.push(
      cluster({
        id: 'd4e5f6a7b8c9',
        name: 'vision-finetune',
        account: research,
        region: EAST,
        orchestrator: 'eks',
        continuous: true,
        tags: tags('vision-team', 'vision', 'internal'),
        groups: [
          {
            name: 'train-p4d',
            role: r,
            type: 'ml.p4d.24xlarge',
            volumes: volumes(sharedVisionKey, { key: null, size: 1000 }),
          },
        ],
      }),
    );
  }

  // 5. nlp-eval: one group on a key pending deletion, one on a disabled key, and one that shares
  //    vision-finetune's key across clusters and projects.
  {
    const r = roleArn(research, 'hyperpod-nlp-eval');
    const pending = keyArn(EAST, research, '6f7a8b9c-0d1e-4f2a-b3c4-d5e6f7a8b9c0');
    const disabled = keyArn(EAST, research, '7a8b9c0d-1e2f-4a3b-c4d5-e6f7a8b9c0d1');
    keys.push(
      key({
        id: '6f7a8b9c-0d1e-4f2a-b3c4-d5e6f7a8b9c0',
        account: research,
        region: EAST,
        alias: 'alias/nlp-eval/a100',
        policy: goodPolicy(research, EAST, [r]),
        tags: tags('nlp-team', 'nlp-eval'),
        state: 'PendingDeletion',
        deletionDate: '2026-11-27T09:00:00.000Z',
        rotation: { enabled: false },
        grants: hyperpodGrants([r], '6f7a8b9c0d1e4f2a'),
      }),
      key({
        id: '7a8b9c0d-1e2f-4a3b-c4d5-e6f7a8b9c0d1',
        account: research,
        region: EAST,
        alias: 'alias/nlp-eval/cpu',
        policy: goodPolicy(research, EAST, [r]),
        tags: tags('nlp-team', 'nlp-eval'),
        state: 'Disabled',
        grants: hyperpodGrants([r], '7a8b9c0d1e2f4a3b'),
      }),
    );
    roles.push(
      role(research, 'hyperpod-nlp-eval', [pending, disabled, sharedVisionKey], 'AROA2NLPEVAL0000000001'),
    );
    clusters.push(
      cluster({
        id: 'e5f6a7b8c9d0',
        name: 'nlp-eval',
        account: research,
        region: EAST,
        orchestrator: 'eks',
        continuous: true,
        tags: tags('nlp-team', 'nlp-eval', 'internal'),
        groups: [
          {
            name: 'eval-a100',
            role: r,
            type: 'ml.p4d.24xlarge',
            volumes: volumes(pending, { key: pending, size: 500 }),
          },
          { name: 'eval-cpu', role: r, type: 'ml.m5.12xlarge', volumes: volumes(disabled, null) },
          { name: 'eval-vision', role: r, type: 'ml.g5.48xlarge', volumes: volumes(sharedVisionKey, null) },
        ],
      }),
    );
  }

  // 6. recsys-train: an AWS managed key (alias/aws/sagemaker) is visible but not the customer's.
  {
    const r = roleArn(research, 'hyperpod-recsys');
    const awsManaged = keyArn(WEST, research, '8b9c0d1e-2f3a-4b4c-d5e6-f7a8b9c0d1e2');
    keys.push(
      key({
        id: '8b9c0d1e-2f3a-4b4c-d5e6-f7a8b9c0d1e2',
        account: research,
        region: WEST,
        alias: 'alias/aws/sagemaker',
        manager: 'AWS',
        omit: ['grants', 'tags'],
      }),
    );
    roles.push(role(research, 'hyperpod-recsys', [awsManaged], 'AROA2RECSYS00000000001'));
    const c = cluster({
      id: 'f6a7b8c9d0e1',
      name: 'recsys-train',
      account: research,
      region: WEST,
      orchestrator: 'eks',
      continuous: true,
      tags: tags('recsys-team', 'recsys', 'confidential'),
      groups: [
        {
          name: 'train-g5',
          role: r,
          type: 'ml.g5.48xlarge',
          volumes: volumes(null, { key: 'alias/aws/sagemaker', size: 500 }),
        },
      ],
    });
    const secondary = c.instanceGroups[0]!.volumes as EbsVolume[];
    secondary[0]!.resolution = { status: 'resolved', keyArn: awsManaged };
    // The root entry names the AWS managed key by alias too.
    secondary.unshift({
      role: 'root',
      kmsKeyId: 'alias/aws/sagemaker',
      resolution: { status: 'resolved', keyArn: awsManaged },
    });
    clusters.push(c);
  }

  // 7. multi-tenant-shared: tenants A and B share one key whose policy is open to any principal
  //    and whose admin may also decrypt; tenant C has a key of its own.
  {
    const ra = roleArn(platform, 'hyperpod-tenant-a');
    const rb = roleArn(platform, 'hyperpod-tenant-b');
    const rc = roleArn(platform, 'hyperpod-tenant-c');
    const shared = keyArn(EAST, platform, 'mrk-9c0d1e2f3a4b4c5dae6f7a8b9c0d1e2f');
    const own = keyArn(EAST, platform, 'mrk-0d1e2f3a4b5c4d6eaf7a8b9c0d1e2f3a');
    keys.push(
      key({
        id: 'mrk-9c0d1e2f3a4b4c5dae6f7a8b9c0d1e2f',
        account: platform,
        region: EAST,
        alias: 'alias/tenants/shared',
        policy: policy(
          rootStatement(platform),
          { ...adminStatement(platform), Action: [...ADMIN_ACTIONS, 'kms:Decrypt', 'kms:Encrypt'] },
          ...hyperpodStatements(ra, EAST, 'TenantA'),
          ...hyperpodStatements(rb, EAST, 'TenantB'),
          {
            Sid: 'AllowEveryoneViaEBS',
            Effect: 'Allow',
            Principal: '*',
            Action: ['kms:Decrypt', 'kms:CreateGrant'],
            Resource: '*',
            Condition: { StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' } },
          },
        ),
        tags: tags('platform', 'tenancy'),
        multiRegion: { replicas: [WEST] },
        grants: hyperpodGrants([ra, rb], '9c0d1e2f3a4b4c5d'),
      }),
      key({
        id: 'mrk-0d1e2f3a4b5c4d6eaf7a8b9c0d1e2f3a',
        account: platform,
        region: EAST,
        alias: 'alias/tenants/tenant-c',
        policy: goodPolicy(platform, EAST, [rc]),
        tags: tags('platform', 'tenancy'),
        multiRegion: { replicas: [WEST] },
        grants: hyperpodGrants([rc], '0d1e2f3a4b5c4d6e'),
      }),
    );
    roles.push(
      role(platform, 'hyperpod-tenant-a', [shared], 'AROA3TENANTA0000000001'),
      role(platform, 'hyperpod-tenant-b', [shared], 'AROA3TENANTB0000000001'),
      role(platform, 'hyperpod-tenant-c', [own], 'AROA3TENANTC0000000001'),
    );
    clusters.push(
      cluster({
        id: 'a7b8c9d0e1f2',
        name: 'multi-tenant-shared',
        account: platform,
        region: EAST,
        orchestrator: 'eks',
        continuous: true,
        tags: tags('platform', 'tenancy', 'restricted'),
        groups: [
          { name: 'tenant-a-gpu', role: ra, volumes: volumes(shared, { key: shared, size: 500 }) },
          { name: 'tenant-b-gpu', role: rb, volumes: volumes(shared, { key: shared, size: 500 }) },
          { name: 'tenant-c-gpu', role: rc, volumes: volumes(own, { key: own, size: 500 }) },
        ],
      }),
    );
  }

  // 8. nova-customization: a restricted instance group (no CMK support) next to a regular group
  //    whose key gives kms:* to an analytics role and carries a grant to a stranger.
  {
    const r = roleArn(platform, 'hyperpod-nova');
    const k = keyArn(WEST, platform, 'mrk-1e2f3a4b5c6d4e7fb08192a3b4c5d6e7');
    keys.push(
      key({
        id: 'mrk-1e2f3a4b5c6d4e7fb08192a3b4c5d6e7',
        account: platform,
        region: WEST,
        alias: 'alias/nova/controller',
        policy: policy(rootStatement(platform), adminStatement(platform), ...hyperpodStatements(r, WEST), {
          Sid: 'AnalyticsFullAccess',
          Effect: 'Allow',
          Principal: { AWS: roleArn(platform, 'analytics-etl') },
          Action: 'kms:*',
          Resource: '*',
        }),
        tags: tags('nova-team', 'nova'),
        multiRegion: { replicas: [EAST] },
        rotation: { enabled: true, periodInDays: 730, rotationCount: 0 },
        grants: [
          ...hyperpodGrants([r], '1e2f3a4b5c6d4e7f'),
          {
            grantId: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
            granteePrincipal: `arn:aws:iam::${platform}:user/contractor-bob`,
            operations: ['Decrypt'],
            creationDate: '2026-07-04T08:00:00.000Z',
          },
        ],
      }),
    );
    roles.push(
      role(platform, 'hyperpod-nova', [k], 'AROA3NOVA0000000000001'),
      role(platform, 'hyperpod-nova-restricted', [], 'AROA3NOVARIG000000001'),
    );
    clusters.push(
      cluster({
        id: 'b8c9d0e1f2a3',
        name: 'nova-customization',
        account: platform,
        region: WEST,
        orchestrator: 'eks',
        continuous: true,
        tags: tags('nova-team', 'nova', 'confidential'),
        groups: [
          {
            name: 'controller',
            role: r,
            type: 'ml.m5.12xlarge',
            count: 2,
            volumes: volumes(k, { key: k, size: 200 }),
          },
          {
            name: 'nova-rig',
            role: roleArn(platform, 'hyperpod-nova-restricted'),
            restricted: true,
            volumes: [],
          },
        ],
      }),
    );
  }

  // 9. rl-sandbox: a key reference that no longer resolves, a signing key on a volume, and a key
  //    whose policy the scanner was not allowed to read.
  {
    const r = roleArn(platform, 'hyperpod-rl');
    const signing = keyArn(EAST, platform, '2f3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b6c');
    const hidden = keyArn(EAST, platform, '3a4b5c6d-7e8f-4a9b-8c1d-2e3f4a5b6c7d');
    keys.push(
      key({
        id: '2f3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b6c',
        account: platform,
        region: EAST,
        alias: 'alias/rl/learner',
        keySpec: 'RSA_2048',
        keyUsage: 'SIGN_VERIFY',
        policy: goodPolicy(platform, EAST, [r]),
        tags: tags('rl-team', 'rl'),
        rotation: { enabled: false },
        grants: [],
      }),
      key({
        id: '3a4b5c6d-7e8f-4a9b-8c1d-2e3f4a5b6c7d',
        account: platform,
        region: EAST,
        alias: 'alias/rl/replay',
        tags: tags('rl-team', 'rl'),
        multiRegion: { replicas: [WEST] },
        omit: ['policy', 'grants'],
      }),
    );
    gaps.push(
      {
        code: 'aws.access_denied',
        service: 'kms',
        operation: 'GetKeyPolicy',
        account: platform,
        region: EAST,
        resource: hidden,
        message:
          'User: arn:aws:sts::333333333333:assumed-role/hyperpod-cmk-audit/scan is not authorized to perform: kms:GetKeyPolicy',
      },
      {
        code: 'aws.access_denied',
        service: 'kms',
        operation: 'ListGrants',
        account: platform,
        region: EAST,
        resource: hidden,
        message:
          'User: arn:aws:sts::333333333333:assumed-role/hyperpod-cmk-audit/scan is not authorized to perform: kms:ListGrants',
      },
    );
    roles.push(role(platform, 'hyperpod-rl', [signing, hidden], 'AROA3RL000000000000001'));
    const c = cluster({
      id: 'c9d0e1f2a3b4',
      name: 'rl-sandbox',
      account: platform,
      region: EAST,
      orchestrator: 'eks',
      continuous: true,
      tags: tags('rl-team', 'rl', 'internal'),
      groups: [
        { name: 'actors', role: r, type: 'ml.c5.18xlarge', volumes: [] },
        { name: 'learner', role: r, volumes: volumes(signing, null) },
        { name: 'replay', role: r, type: 'ml.r5.12xlarge', volumes: volumes(hidden, null) },
      ],
    });
    c.instanceGroups[0]!.volumes = [
      {
        role: 'root',
        kmsKeyId: 'alias/rl/actors-retired',
        resolution: {
          status: 'not-found',
          message: 'Alias arn:aws:kms:us-east-1:333333333333:alias/rl/actors-retired is not found.',
        },
      },
    ];
    clusters.push(c);
  }

  // 10. bio-foundation: compliant but for a missing data-sensitivity tag, which is suppressed
  //     while the tag rollout finishes: compliant by exception.
  {
    const r = roleArn(platform, 'hyperpod-bio');
    const k = keyArn(WEST, platform, 'mrk-4b5c6d7e8f9a4b0c9d1e2f3a4b5c6d7e');
    keys.push(
      key({
        id: 'mrk-4b5c6d7e8f9a4b0c9d1e2f3a4b5c6d7e',
        account: platform,
        region: WEST,
        alias: 'alias/hyperpod/bio-foundation',
        policy: goodPolicy(platform, WEST, [r]),
        tags: tags('bio-team', 'bio-foundation'),
        multiRegion: { replicas: [EAST] },
        grants: hyperpodGrants([r], '4b5c6d7e8f9a4b0c'),
      }),
    );
    roles.push(role(platform, 'hyperpod-bio', [k], 'AROA3BIO00000000000001'));
    clusters.push(
      cluster({
        id: 'd0e1f2a3b4c5',
        name: 'bio-foundation',
        account: platform,
        region: WEST,
        orchestrator: 'eks',
        continuous: true,
        tags: tags('bio-team', 'bio-foundation'),
        groups: [{ name: 'esm-train', role: r, volumes: volumes(k, { key: k, size: 1000 }) }],
      }),
    );
  }

  const trails: Trail[] = [
    {
      arn: `arn:aws:cloudtrail:${EAST}:${prod}:trail/org-audit`,
      name: 'org-audit',
      account: prod,
      homeRegion: EAST,
      isMultiRegion: true,
      isLogging: true,
      logsManagementEvents: true,
    },
    {
      arn: `arn:aws:cloudtrail:${EAST}:${research}:trail/research-local`,
      name: 'research-local',
      account: research,
      homeRegion: EAST,
      isMultiRegion: false,
      isLogging: true,
      logsManagementEvents: true,
    },
    {
      arn: `arn:aws:cloudtrail:${EAST}:${platform}:trail/platform-audit`,
      name: 'platform-audit',
      account: platform,
      homeRegion: EAST,
      isMultiRegion: true,
      isOrganizationTrail: false,
      isLogging: true,
      logsManagementEvents: true,
    },
  ];

  const accounts = [
    { id: prod, name: 'ml-prod' },
    { id: research, name: 'ml-research' },
    { id: platform, name: 'shared-platform' },
  ];
  const lookbackStart = '2026-08-22T09:00:00.000Z';
  return {
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    generatedAt: DEMO_TIME,
    source: 'live',
    accounts: accounts.map((a) => ({ ...a, regions: [EAST, WEST], source: 'live' as const })),
    clusters,
    keys,
    roles,
    trails,
    events,
    eventsCollected: accounts.flatMap((a) =>
      [EAST, WEST].map((region) => ({ account: a.id, region, since: lookbackStart })),
    ),
    gaps,
  };
}
