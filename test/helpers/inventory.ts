/**
 * Builders for test inventories: small, explicit, and typed, so a rule case says only what
 * matters to it. Defaults describe a healthy estate (a compliant EKS/Continuous cluster with one
 * key per instance group); a case overrides the one thing it tests.
 */
import type {
  Cluster,
  EbsVolume,
  ExecutionRole,
  Gap,
  InstanceGroup,
  Inventory,
  Key,
  PolicyDocument,
  PolicyStatement,
  Source,
  Trail,
  TrailEvent,
  Unresolved,
} from '../../src/model/inventory.js';
import { INVENTORY_SCHEMA_VERSION } from '../../src/model/inventory.js';

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const REGION = 'us-east-1';
export const NOW = '2026-11-27T12:00:00.000Z';

export const keyArn = (id: string, account = ACCOUNT, region = REGION) =>
  `arn:aws:kms:${region}:${account}:key/${id}`;
export const roleArn = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
export const clusterArn = (id: string, account = ACCOUNT, region = REGION) =>
  `arn:aws:sagemaker:${region}:${account}:cluster/${id}`;

export const ADMIN_ROLE = roleArn('KeyAdmin');
export const EXEC_ROLE = roleArn('hyperpod-exec');

export const rootStatement = (account = ACCOUNT): PolicyStatement => ({
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${account}:root` },
  Action: 'kms:*',
  Resource: '*',
});

export const adminStatement = (admin = ADMIN_ROLE): PolicyStatement => ({
  Sid: 'Admins',
  Effect: 'Allow',
  Principal: { AWS: admin },
  Action: [
    'kms:PutKeyPolicy',
    'kms:ScheduleKeyDeletion',
    'kms:CancelKeyDeletion',
    'kms:DisableKey',
    'kms:EnableKey',
    'kms:DescribeKey',
    'kms:TagResource',
  ],
  Resource: '*',
});

export const createGrantStatement = (role = EXEC_ROLE, region = REGION): PolicyStatement => ({
  Sid: 'HyperPodCreateGrant',
  Effect: 'Allow',
  Principal: { AWS: role },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: {
    StringEquals: { 'kms:ViaService': `sagemaker.${region}.amazonaws.com` },
    Bool: { 'kms:GrantIsForAWSResource': 'true' },
  },
});

export const describeKeyStatement = (role = EXEC_ROLE, region = REGION): PolicyStatement => ({
  Sid: 'HyperPodDescribeKey',
  Effect: 'Allow',
  Principal: { AWS: role },
  Action: 'kms:DescribeKey',
  Resource: '*',
  Condition: { StringEquals: { 'kms:ViaService': `sagemaker.${region}.amazonaws.com` } },
});

export const policyOf = (...statements: PolicyStatement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements,
});

/** Root delegation, a separate admin, and the HyperPod statements for each role. */
export const goodPolicy = (roles: string[] = [EXEC_ROLE], account = ACCOUNT): PolicyDocument =>
  policyOf(
    rootStatement(account),
    adminStatement(),
    ...roles.flatMap((role) => [createGrantStatement(role), describeKeyStatement(role)]),
  );

export function key(id: string, overrides: Partial<Key> = {}): Key {
  const account = overrides.account ?? ACCOUNT;
  const region = overrides.region ?? REGION;
  return {
    arn: keyArn(id, account, region),
    keyId: id,
    account,
    region,
    source: 'live',
    aliases: [`alias/${id}`],
    metadata: {
      keyManager: 'CUSTOMER',
      keyState: 'Enabled',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      multiRegion: false,
    },
    rotation: { enabled: true, periodInDays: 365 },
    policy: goodPolicy(),
    grants: [],
    tags: { owner: 'ml-platform', project: 'llm' },
    ...overrides,
  };
}

export const rootVolume = (keyRef: string | null, resolvedArn: string | null = keyRef): EbsVolume =>
  keyRef === null
    ? { role: 'root', kmsKeyId: null }
    : {
        role: 'root',
        kmsKeyId: keyRef,
        ...(resolvedArn ? { resolution: { status: 'resolved' as const, keyArn: resolvedArn } } : {}),
      };

export const secondaryVolume = (
  keyRef: string | null,
  resolvedArn: string | null = keyRef,
  sizeInGB = 500,
): EbsVolume =>
  keyRef === null
    ? { role: 'secondary', kmsKeyId: null, sizeInGB }
    : {
        role: 'secondary',
        kmsKeyId: keyRef,
        sizeInGB,
        ...(resolvedArn ? { resolution: { status: 'resolved' as const, keyArn: resolvedArn } } : {}),
      };

/** An instance group; its id is filled in by `cluster`. */
export function group(name: string, overrides: Partial<InstanceGroup> = {}): InstanceGroup {
  return {
    id: '',
    name,
    kind: 'regular',
    executionRole: EXEC_ROLE,
    instanceType: 'ml.p5.48xlarge',
    instanceCount: 2,
    volumes: [],
    ...overrides,
  };
}

export function cluster(id: string, groups: InstanceGroup[], overrides: Partial<Cluster> = {}): Cluster {
  const account = overrides.account ?? ACCOUNT;
  const region = overrides.region ?? REGION;
  const arn = overrides.id ?? clusterArn(id, account, region);
  return {
    id: arn,
    arn,
    name: id,
    account,
    region,
    source: 'live',
    status: 'InService',
    orchestrator: 'eks',
    nodeProvisioningMode: 'Continuous',
    tags: { owner: 'ml-platform', project: 'llm', 'data-sensitivity': 'confidential' },
    ...overrides,
    instanceGroups: groups.map((g) => ({ ...g, id: g.id || `${arn}/instance-group/${g.name}` })),
  };
}

export function role(arn = EXEC_ROLE, overrides: Partial<ExecutionRole> = {}): ExecutionRole {
  return {
    arn,
    account: arn.split(':')[4] ?? ACCOUNT,
    source: 'live',
    policiesCollected: true,
    kmsStatements: [],
    ...overrides,
  };
}

export function trail(overrides: Partial<Trail> = {}): Trail {
  return {
    arn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit`,
    name: 'audit',
    account: ACCOUNT,
    homeRegion: REGION,
    isMultiRegion: true,
    isLogging: true,
    logsManagementEvents: true,
    ...overrides,
  };
}

let eventCounter = 0;
export function trailEvent(overrides: Partial<TrailEvent> & Pick<TrailEvent, 'eventName'>): TrailEvent {
  eventCounter++;
  return {
    eventId: `event-${eventCounter}`,
    eventTime: '2026-11-20T10:00:00.000Z',
    eventSource: 'kms.amazonaws.com',
    account: ACCOUNT,
    region: REGION,
    ...overrides,
  };
}

export function inventory(parts: Partial<Omit<Inventory, 'schemaVersion'>> = {}): Inventory {
  const accounts = parts.accounts ?? [{ id: ACCOUNT, regions: [REGION], source: 'live' as const }];
  return {
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    generatedAt: NOW,
    source: 'live',
    clusters: [],
    keys: [],
    roles: [],
    trails: [],
    events: [],
    eventsCollected: accounts.flatMap((a) =>
      a.regions.map((region) => ({ account: a.id, region, since: '2026-08-29T12:00:00.000Z' })),
    ),
    gaps: [],
    ...parts,
    accounts,
  };
}

/**
 * The healthy baseline: one compliant cluster with one group whose root and secondary volumes use
 * key `k1`, an execution role scoped to it, and a multi-Region audit trail.
 */
export function compliantEstate(
  overrides: { key?: Partial<Key>; group?: Partial<InstanceGroup>; cluster?: Partial<Cluster> } = {},
): Inventory {
  const k = key('k1', overrides.key);
  return inventory({
    clusters: [
      cluster(
        'c1',
        [group('workers', { volumes: [rootVolume(k.arn), secondaryVolume(k.arn)], ...overrides.group })],
        overrides.cluster,
      ),
    ],
    keys: [k],
    roles: [
      role(EXEC_ROLE, {
        kmsStatements: [{ Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: k.arn }],
      }),
    ],
    trails: [trail()],
  });
}

// ---------------------------------------------------------------------------------------------
// Builders for key rules: AWS managed keys, gaps, and IaC-shaped inventories.

/** An AWS managed key (`alias/aws/<service>`), which no key rule governs. */
export function awsManagedKey(id: string, service = 'ebs', overrides: Partial<Key> = {}): Key {
  const base = key(id, overrides);
  return {
    ...base,
    aliases: [`alias/aws/${service}`],
    metadata: { ...base.metadata!, keyManager: 'AWS' },
    ...overrides,
  };
}

/** A live key whose DescribeKey call was denied: no metadata, and a gap that says why. */
export function undescribedKey(id: string, overrides: Partial<Key> = {}): Key {
  const { metadata: _metadata, ...rest } = key(id, overrides);
  return rest;
}

export function gap(overrides: Partial<Gap> & Pick<Gap, 'operation'>): Gap {
  return {
    code: 'aws.access_denied',
    service: 'kms',
    account: ACCOUNT,
    region: REGION,
    message: `User is not authorized to perform: ${overrides.service ?? 'kms'}:${overrides.operation}`,
    ...overrides,
  };
}

export const unresolved = (expression: string, reason: string, inputs?: string[]): Unresolved => ({
  unresolved: expression,
  reason,
  ...(inputs ? { inputs } : {}),
});

export const IAC_FILE = 'infra/hyperpod.yaml';

/**
 * A key defined in a template: its id is `<file>#<logical id>`, its account is unknown, and it
 * has no grants (grants exist only on deployed keys).
 */
export function iacKey(
  logicalId: string,
  source: Extract<Source, 'cloudformation' | 'terraform' | 'terraform-plan'> = 'cloudformation',
  overrides: Partial<Key> = {},
): Key {
  const file = overrides.location?.file ?? (source === 'cloudformation' ? IAC_FILE : 'infra/main.tf');
  const { grants: _grants, ...base } = key(logicalId, { account: 'unknown' });
  return {
    ...base,
    arn: `${file}#${logicalId}`,
    source,
    location: { file, line: 12 },
    aliases: [],
    policy: goodPolicy([EXEC_ROLE]),
    ...overrides,
  };
}

/** An inventory read from IaC files: one unknown account, no CloudTrail. */
export function iacInventory(
  source: Extract<Source, 'cloudformation' | 'terraform' | 'terraform-plan'> = 'cloudformation',
  parts: Partial<Omit<Inventory, 'schemaVersion'>> = {},
): Inventory {
  return inventory({
    source,
    accounts: [{ id: 'unknown', regions: [REGION], source }],
    eventsCollected: [],
    ...parts,
  });
}
