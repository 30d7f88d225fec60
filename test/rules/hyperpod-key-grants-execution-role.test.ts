import type {
  Cluster,
  EbsVolume,
  ExecutionRole,
  InstanceGroup,
  Inventory,
  Key,
  PolicyStatement,
} from '../../src/model/inventory.js';
import { HYPERPOD_GRANT_OPERATIONS } from '../../src/policy/hyperpod.js';
import rule from '../../src/rules/hyperpod/hyperpod-key-grants-execution-role.js';
import {
  asSnapshot,
  CLI_FILE,
  CLI_JSON,
  iacCluster,
  iacId,
  iacInventory,
  iacKey,
  iacRole,
  PLAN_FILE,
  TERRAFORM_PLAN,
  TF_FILE,
  unresolved,
} from '../helpers/iac.js';
import {
  ACCOUNT,
  adminStatement,
  cluster,
  clusterArn,
  createGrantStatement,
  describeKeyStatement,
  EXEC_ROLE,
  goodPolicy,
  group,
  inventory,
  key,
  keyArn,
  OTHER_ACCOUNT,
  policyOf,
  REGION,
  role,
  rootStatement,
  rootVolume,
  secondaryVolume,
} from '../helpers/inventory.js';
import { identityPerimeterStatement } from '../helpers/organization-policies.js';
import { ruleTester } from '../helpers/rule-tester.js';
import { organizationCases } from './hyperpod-key-grants-execution-role.org.js';

const GROUP = `${clusterArn('c1')}/instance-group/workers`;
const VIA = `sagemaker.${REGION}.amazonaws.com`;
const ROLE_ID = 'AROACURRENTEXECROLE01';

/** What HyperPod needs, as one statement the cases then vary. */
const both = (overrides: Partial<PolicyStatement> = {}): PolicyStatement => ({
  Sid: 'HyperPod',
  Effect: 'Allow',
  Principal: { AWS: EXEC_ROLE },
  Action: ['kms:CreateGrant', 'kms:DescribeKey'],
  Resource: '*',
  Condition: { StringEquals: { 'kms:ViaService': VIA } },
  ...overrides,
});
const withoutCondition = ({ Condition: _condition, ...statement }: PolicyStatement): PolicyStatement =>
  statement;
const deny = (overrides: Partial<PolicyStatement>): PolicyStatement => ({
  Sid: 'Guard',
  Effect: 'Deny',
  Principal: '*',
  Action: 'kms:*',
  Resource: '*',
  ...overrides,
});
/** The execution role's IAM statement HyperPod's guide asks for, scoped to the key. */
const identityFor = (arn: string, condition?: PolicyStatement['Condition']): PolicyStatement => ({
  Effect: 'Allow',
  Action: ['kms:CreateGrant', 'kms:DescribeKey'],
  Resource: arn,
  ...(condition ? { Condition: condition } : {}),
});

interface EstateOptions {
  key?: Partial<Key>;
  /** The execution role's record: statements and flags, or null for a role not in the inventory. */
  role?: Partial<ExecutionRole> | null;
  group?: Partial<InstanceGroup>;
  cluster?: Partial<Cluster>;
  volumes?: (k: Key) => EbsVolume[];
  extraKeys?: Key[];
}
function estate(statements: PolicyStatement[] | undefined, options: EstateOptions = {}): Inventory {
  const k = key('k1', { ...(statements ? { policy: policyOf(...statements) } : {}), ...options.key });
  const volumes = options.volumes?.(k) ?? [rootVolume(k.arn)];
  return inventory({
    clusters: [cluster('c1', [group('workers', { volumes, ...options.group })], options.cluster)],
    keys: [k, ...(options.extraKeys ?? [])],
    roles: options.role === null ? [] : [role(EXEC_ROLE, { roleId: ROLE_ID, ...options.role })],
  });
}
/** The key lives in another account than the execution role. */
const inOtherAccount = (execRole: Partial<ExecutionRole>): EstateOptions => ({
  key: { account: OTHER_ACCOUNT, arn: keyArn('k1', OTHER_ACCOUNT) },
  volumes: () => [rootVolume(keyArn('k1', OTHER_ACCOUNT))],
  role: execRole,
});
const delegationOnly = [rootStatement(), adminStatement()];
/** The estate whose key policy names the role, its account under these service control policies. */
const underScps = (
  levels: NonNullable<Inventory['accounts'][number]['serviceControlPolicies']>,
): Inventory => ({
  ...estate(undefined),
  accounts: [{ id: ACCOUNT, regions: [REGION], source: 'live', serviceControlPolicies: levels }],
});

const ORG = 'o-a1b2c3d4e5';
/** AWS's own RCP: attached at every level once RCPs are enabled, and it cannot be detached. */
type OrganizationPolicy = { id: string; name?: string; kmsStatements: PolicyStatement[] };
const RCP_FULL: OrganizationPolicy = {
  id: 'p-RCPFullAWSAccess',
  name: 'RCPFullAWSAccess',
  kmsStatements: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
};
/** The identity perimeter of AWS's RCP examples: KMS only for principals of the organization `org`. */
const perimeter = (org: string): OrganizationPolicy => ({
  id: 'p-perimeter',
  name: 'identity-perimeter',
  kmsStatements: [identityPerimeterStatement(org)],
});
/**
 * The estate whose key policy names the role, the key's account under these resource control
 * policies (root, then the account), the role's account in organization `roleOrg` (undefined: not
 * known). The key sits in `keyAccount` (the role's own by default).
 */
const underRcps = (
  accountLevel: OrganizationPolicy[],
  roleOrg: string | undefined,
  keyAccount = ACCOUNT,
): Inventory => {
  const arn = keyArn('k1', keyAccount);
  const base = estate(undefined, {
    key: {
      account: keyAccount,
      arn,
      ...(keyAccount === ACCOUNT ? {} : { policy: policyOf(rootStatement(keyAccount), both()) }),
    },
    volumes: () => [rootVolume(arn)],
  });
  const levels = [
    { target: 'r-root', policies: [RCP_FULL] },
    { target: keyAccount, policies: [RCP_FULL, ...accountLevel] },
  ];
  return {
    ...base,
    accounts: [
      {
        id: ACCOUNT,
        regions: [REGION],
        source: 'live',
        ...(roleOrg === undefined ? {} : { organizationId: roleOrg }),
        ...(keyAccount === ACCOUNT ? { resourceControlPolicies: levels } : {}),
      },
      ...(keyAccount === ACCOUNT
        ? []
        : [{ id: keyAccount, regions: [REGION], source: 'live' as const, resourceControlPolicies: levels }]),
    ],
  };
};

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      // "Restricted instance groups don't support customer managed keys" (smcluster-cmk.html):
      // no grant is made for their volumes, so a policy that grants their role nothing is no fault.
      name: 'a restricted instance group needs no grant on a key it names',
      inventory: estate([rootStatement()], { group: { kind: 'restricted' }, role: null }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'restricted', resource: GROUP }],
    },
    {
      name: 'key policy grants the role directly, IAM not needed',
      inventory: estate(undefined, { role: null }),
      expected: [
        { status: 'PASS', messageId: 'granted', resource: GROUP, data: { key: 'alias/k1', role: EXEC_ROLE } },
      ],
    },
    {
      name: "a region guard in the SCPs over the role's account, and the cluster in an allowed Region",
      inventory: underScps([
        {
          target: 'r-root',
          policies: [
            {
              id: 'p-regions',
              kmsStatements: [
                { Effect: 'Allow', Action: '*', Resource: '*' },
                {
                  Effect: 'Deny',
                  NotAction: ['iam:*', 'sts:*'],
                  Resource: '*',
                  Condition: { StringNotEquals: { 'aws:RequestedRegion': [REGION] } },
                },
              ],
            },
          ],
        },
      ]),
      expected: [{ status: 'PASS', messageId: 'granted', data: { key: 'alias/k1', role: EXEC_ROLE } }],
    },
    {
      name: "an identity perimeter in the RCPs over the key's account, and the role in the organization",
      inventory: underRcps([perimeter(ORG)], ORG),
      expected: [{ status: 'PASS', messageId: 'granted', data: { key: 'alias/k1', role: EXEC_ROLE } }],
    },
    {
      name: 'two keys that both grant: the PASS names both',
      inventory: estate(undefined, {
        role: null,
        volumes: (k) => [rootVolume(k.arn), secondaryVolume(keyArn('k2'))],
        extraKeys: [key('k2')],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          resource: GROUP,
          data: { key: 'alias/k1, alias/k2', role: EXEC_ROLE },
        },
      ],
    },
    {
      name: "the HyperPod guide's key policy (Resource is the key ARN)",
      inventory: estate([
        rootStatement(),
        { ...createGrantStatement(), Resource: keyArn('k1') },
        { ...describeKeyStatement(), Resource: keyArn('k1') },
      ]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'root delegation, and the role IAM policy allows both via SageMaker',
      inventory: estate(delegationOnly, {
        role: { kmsStatements: [identityFor(keyArn('k1'), { StringEquals: { 'kms:ViaService': VIA } })] },
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'delegation through a bare account id',
      inventory: estate([{ ...rootStatement(), Principal: { AWS: ACCOUNT } }], {
        role: { kmsStatements: [identityFor('*')] },
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'the role among a list of principals',
      inventory: estate([both({ Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/other`, EXEC_ROLE] } })]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'Principal "*" restricted to the role by aws:PrincipalArn',
      inventory: estate([
        both({ Principal: '*', Condition: { ArnEquals: { 'aws:PrincipalArn': EXEC_ROLE } } }),
      ]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: '{"AWS": "*"} restricted to the account by kms:CallerAccount',
      inventory: estate([
        both({
          Principal: { AWS: '*' },
          Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:ViaService': VIA } },
        }),
      ]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'a role with a path, named with its path',
      inventory: (() => {
        const arn = `arn:aws:iam::${ACCOUNT}:role/ml/hyperpod-exec`;
        return estate([both({ Principal: { AWS: arn } })], { group: { executionRole: arn }, role: null });
      })(),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/ml/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'the role by its current unique id',
      inventory: estate([both({ Principal: { AWS: ROLE_ID } })]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'wildcard actions kms:Create* and kms:Describe*',
      inventory: estate([both({ Action: ['kms:Create*', 'kms:Describe*'] })]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'NotAction that leaves CreateGrant and DescribeKey',
      inventory: estate([
        { ...both(), Action: undefined, NotAction: ['kms:Decrypt', 'kms:Encrypt'] } as PolicyStatement,
      ]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'kms:ViaService for every region by StringLike',
      inventory: estate([
        both({ Condition: { StringLike: { 'kms:ViaService': 'sagemaker.*.amazonaws.com' } } }),
      ]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'grant operations limited to what HyperPod asks for',
      inventory: estate([
        describeKeyStatement(),
        {
          ...createGrantStatement(),
          Condition: {
            ...createGrantStatement().Condition,
            'ForAllValues:StringEquals': {
              'kms:GrantOperations': [...HYPERPOD_GRANT_OPERATIONS],
            },
          },
        },
      ]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'encryption context with IfExists: HyperPod sends none, so it holds',
      inventory: estate([
        both({ Condition: { StringEqualsIfExists: { 'kms:EncryptionContext:tenant': 'acme' } } }),
      ]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'a Deny outside SageMaker does not touch HyperPod (StringNotEquals on kms:ViaService)',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        deny({ Condition: { StringNotEquals: { 'kms:ViaService': VIA } } }),
      ]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'a Deny on requests without TLS does not touch HyperPod (KMS speaks only TLS)',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        deny({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'a Deny on grants for non-AWS resources does not touch HyperPod',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        deny({ Action: 'kms:CreateGrant', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false' } } }),
      ]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'a Deny on grants that allow Encrypt does not touch HyperPod',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        deny({
          Action: 'kms:CreateGrant',
          Condition: {
            'ForAnyValue:StringEquals': { 'kms:GrantOperations': ['Encrypt', 'GenerateDataKey'] },
          },
        }),
      ]),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: "root delegation and an IAM policy scoped by the key's tags, which the key carries",
      inventory: estate(delegationOnly, {
        role: { kmsStatements: [identityFor('*', { StringEquals: { 'aws:ResourceTag/project': 'llm' } })] },
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      // kms:ResourceAliases: "ForAnyValue: At least one alias associated with the KMS key must match";
      // "ForAllValues: Every alias associated with the KMS key must match ... It doesn't require any aliases".
      // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases
      name: "root delegation and an IAM policy scoped by the key's aliases, every one of which is known",
      inventory: estate(delegationOnly, {
        key: { aliases: ['alias/llm-gpu', 'alias/team-a'], aliasesComplete: true },
        role: {
          kmsStatements: [
            identityFor('*', { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/llm-*' } }),
          ],
        },
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/llm-gpu', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'an IAM policy that allows only keys whose every alias is a team alias: a key with none',
      inventory: estate(delegationOnly, {
        key: { aliases: [], aliasesComplete: true },
        role: {
          kmsStatements: [
            identityFor('*', { 'ForAllValues:StringLike': { 'kms:ResourceAliases': 'alias/team-*' } }),
          ],
        },
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: keyArn('k1'), role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'cross-account key: the key policy names the role and the role IAM policy allows',
      inventory: estate(
        [rootStatement(OTHER_ACCOUNT), both()],
        inOtherAccount({ kmsStatements: [identityFor(keyArn('k1', OTHER_ACCOUNT))] }),
      ),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'cross-account key: the key policy names the role account and the role IAM policy allows',
      inventory: estate(
        [rootStatement(OTHER_ACCOUNT), rootStatement(ACCOUNT)],
        inOtherAccount({ kmsStatements: [identityFor('*', { StringEquals: { 'kms:ViaService': VIA } })] }),
      ),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      // "Customer managed key encryption is only supported for clusters using the continuous node
      // provisioning mode" (smcluster-cmk.html): HyperPod makes no grant on a key named outside it.
      name: 'a cluster outside Continuous mode whose key policy does not name the role',
      inventory: estate([adminStatement()], { cluster: { nodeProvisioningMode: null } }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'legacyMode' }],
    },
    {
      name: 'no customer managed key: no storage config, the AWS managed key, a key that does not exist',
      inventory: inventory({
        clusters: [
          cluster('c1', [
            group('a', { volumes: [] }),
            group('b', { volumes: [rootVolume('alias/aws/sagemaker', null)] }),
            group('c', {
              volumes: [
                {
                  role: 'root',
                  kmsKeyId: 'alias/gone',
                  resolution: { status: 'not-found', message: 'gone' },
                },
              ],
            }),
          ]),
        ],
      }),
      expected: ['a', 'b', 'c'].map((name) => ({
        status: 'NOT_APPLICABLE' as const,
        messageId: 'noCmk',
        resource: `${clusterArn('c1')}/instance-group/${name}`,
      })),
    },
    {
      name: 'CloudFormation: key policy names the role of the same template',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', { executionRole: iacId('ExecRole'), volumes: [rootVolume(iacId('Key'))] }),
          ]),
        ],
        keys: [
          iacKey('Key', {
            policy: policyOf(
              withoutCondition(both({ Principal: { AWS: iacId('ExecRole') }, Action: 'kms:DescribeKey' })),
              both({
                Principal: { AWS: iacId('ExecRole') },
                Action: 'kms:CreateGrant',
                Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
              }),
            ),
          }),
        ],
        roles: [iacRole('ExecRole', [])],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          resource: `${iacId('Cluster')}/instance-group/workers`,
          data: { key: 'infra/hyperpod.yaml#Key', role: 'infra/hyperpod.yaml#ExecRole' },
        },
      ],
    },
    {
      // IaC is judged on the files (docs/iac-scanning.md): a policy they attach but do not define
      // may hold a Deny, as may one another stack attaches, and neither is seen; a live scan is
      // UNKNOWN when it cannot read a policy.
      name: 'CloudFormation: the key policy names the role, and a managed policy of the role is not in the files',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', { executionRole: iacId('ExecRole'), volumes: [rootVolume(iacId('Key'))] }),
          ]),
        ],
        keys: [
          iacKey('Key', {
            policy: policyOf(
              withoutCondition(both({ Principal: { AWS: iacId('ExecRole') }, Action: 'kms:DescribeKey' })),
              both({
                Principal: { AWS: iacId('ExecRole') },
                Action: 'kms:CreateGrant',
                Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
              }),
            ),
          }),
        ],
        roles: [
          {
            ...iacRole('ExecRole', []),
            policiesCollected: false,
            unreadPolicies: [
              'managed policy arn:aws:iam::111122223333:policy/platform (not defined in the scanned files)',
            ],
          },
        ],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          resource: `${iacId('Cluster')}/instance-group/workers`,
          data: { key: 'infra/hyperpod.yaml#Key', role: 'infra/hyperpod.yaml#ExecRole' },
        },
      ],
    },
    {
      name: 'Terraform with the region known: kms:ViaService is decided',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [
                group('workers', {
                  executionRole: iacId('aws_iam_role.exec', TF_FILE),
                  volumes: [rootVolume(iacId('aws_kms_key.workers', TF_FILE))],
                }),
              ],
              { region: REGION },
              { source: 'terraform', file: TF_FILE },
            ),
          ],
          keys: [
            iacKey(
              'aws_kms_key.workers',
              {
                region: REGION,
                policy: policyOf(both({ Principal: { AWS: iacId('aws_iam_role.exec', TF_FILE) } })),
              },
              { source: 'terraform', file: TF_FILE },
            ),
          ],
        },
        'terraform',
      ),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          data: { key: 'infra/main.tf#aws_kms_key.workers', role: 'infra/main.tf#aws_iam_role.exec' },
        },
      ],
    },
    {
      name: 'snapshot: key policy grants the role directly',
      inventory: asSnapshot(estate(undefined)),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          resource: GROUP,
          data: { key: 'alias/k1', role: 'arn:aws:iam::111122223333:role/hyperpod-exec' },
        },
      ],
    },
    {
      name: 'Terraform plan: known account and region, the key policy names the role by ARN',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [group('workers', { volumes: [rootVolume(iacId('aws_kms_key.workers', PLAN_FILE))] })],
              { account: ACCOUNT, region: REGION },
              TERRAFORM_PLAN,
            ),
          ],
          keys: [
            iacKey(
              'aws_kms_key.workers',
              { account: ACCOUNT, region: REGION, policy: goodPolicy() },
              TERRAFORM_PLAN,
            ),
          ],
          roles: [role(EXEC_ROLE, { source: 'terraform-plan' })],
        },
        'terraform-plan',
      ),
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          resource: `${PLAN_FILE}#awscc_sagemaker_cluster.main/instance-group/workers`,
          data: {
            key: 'infra/plan.json#aws_kms_key.workers',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
          },
        },
      ],
    },
    ...organizationCases.valid,
  ],
  invalid: [
    {
      // "In AWS KMS, the aws:ResourceTag/tag-key condition key is supported only in IAM policies
      // ... It isn't supported in key policies": what it does there is not documented.
      // https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html
      name: "the key policy scopes the role's calls by a tag the key carries: KMS does not support it there",
      inventory: estate([
        rootStatement(),
        both({ Condition: { StringEquals: { 'kms:ViaService': VIA, 'aws:ResourceTag/project': 'llm' } } }),
      ]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason:
              "the key policy has a condition on the key's tags (aws:ResourceTag/project), which KMS supports in IAM policies only: what it does in a key policy is not documented",
          },
        },
      ],
    },
    {
      name: 'an IAM policy scoped by aliases the key does not have, every one of its aliases known',
      inventory: estate(delegationOnly, {
        key: { aliases: ['alias/vision-gpu'], aliasesComplete: true },
        role: {
          kmsStatements: [
            identityFor('*', { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/llm-*' } }),
          ],
        },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: { key: 'alias/vision-gpu', role: EXEC_ROLE, action: 'kms:CreateGrant' },
        },
      ],
    },
    {
      name: 'an IAM policy that needs some alias of the key, which has none',
      inventory: estate(delegationOnly, {
        key: { aliases: [], aliasesComplete: true },
        role: {
          kmsStatements: [
            identityFor('*', { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/llm-gpu' } }),
          ],
        },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: { key: keyArn('k1'), role: EXEC_ROLE, action: 'kms:CreateGrant' },
        },
      ],
    },
    {
      name: "an IAM policy scoped by the key's aliases, which are not all known (IaC, ListAliases not read)",
      inventory: estate(delegationOnly, {
        key: { aliases: ['alias/llm-gpu'] },
        role: {
          kmsStatements: [
            identityFor('*', { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/vision-*' } }),
          ],
        },
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/llm-gpu',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason: 'it depends on condition keys that cannot be evaluated: kms:ResourceAliases',
          },
        },
      ],
    },
    {
      // "The kms:ResourceAliases condition is effective only when the KMS key conforms to the
      // aliases per KMS key quota" (50): past it, AWS says what an Allow does, not a Deny.
      // https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html#aliases-per-key
      name: 'a key with more aliases than the quota of 50 per key: kms:ResourceAliases is not judged',
      inventory: estate(delegationOnly, {
        key: {
          aliases: Array.from({ length: 51 }, (_, i) => `alias/llm-${String(i).padStart(2, '0')}`),
          aliasesComplete: true,
        },
        role: {
          kmsStatements: [
            identityFor('*', { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/llm-*' } }),
          ],
        },
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/llm-00',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason: 'it depends on condition keys that cannot be evaluated: kms:ResourceAliases',
          },
        },
      ],
    },
    {
      // kms:ResourceAliases: policy type "IAM policies only" (conditions-kms.html).
      name: "the key policy scopes the role's calls by the key's aliases: KMS supports that in IAM policies only",
      inventory: estate(
        [
          rootStatement(),
          both({
            Condition: {
              StringEquals: { 'kms:ViaService': VIA },
              'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/k1' },
            },
          }),
        ],
        { key: { aliasesComplete: true } },
      ),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason:
              "the key policy has a condition on the key's aliases (kms:ResourceAliases), which KMS supports in IAM policies only: what it does in a key policy is not documented",
          },
        },
      ],
    },
    {
      // A permissions boundary limits what a key policy grants the role by its ARN (IAM User
      // Guide, access_policies_boundaries): a role that could not be read may have one.
      name: 'the key policy names the role, but the role could not be read (GetRole denied)',
      inventory: {
        ...estate([rootStatement(), both()], { role: null }),
        gaps: [
          {
            code: 'aws.access_denied',
            service: 'iam',
            operation: 'GetRole',
            resource: EXEC_ROLE,
            message: 'denied',
          },
        ],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason:
              'the role could not be read, so whether it has a permissions boundary, which limits what the policies allow, is unknown',
          },
        },
      ],
    },
    {
      // GetRole's NoSuchEntity (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html):
      // the key policy grants the role, but no call is ever made as a role that does not exist.
      name: 'the execution role does not exist',
      inventory: estate(undefined, {
        role: {
          kmsStatements: [],
          policiesCollected: false,
          notFound: 'NoSuchEntity: The role with name hyperpod-exec cannot be found.',
        },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'roleNotFound',
          data: { key: 'alias/k1', role: EXEC_ROLE },
          evidence: (e) =>
            JSON.stringify(e) ===
            JSON.stringify({
              executionRole: EXEC_ROLE,
              keys: [
                {
                  key: keyArn('k1'),
                  status: 'FAIL',
                  messageId: 'roleNotFound',
                  data: { key: 'alias/k1', role: EXEC_ROLE },
                  evidence: { getRole: 'NoSuchEntity: The role with name hyperpod-exec cannot be found.' },
                },
              ],
            }),
        },
      ],
    },
    {
      name: 'no statement for the role, and no delegation',
      inventory: estate([adminStatement()]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: { key: 'alias/k1', role: EXEC_ROLE, action: 'kms:CreateGrant' },
        },
      ],
    },
    {
      name: "the key policy scopes the role's calls by a tag the key does not carry: KMS does not support it there",
      inventory: estate(
        [rootStatement(), both({ Condition: { StringEquals: { 'aws:ResourceTag/project': 'vision' } } })],
        { role: { kmsStatements: [] } },
      ),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason:
              "the key policy has a condition on the key's tags (aws:ResourceTag/project), which KMS supports in IAM policies only: what it does in a key policy is not documented",
          },
        },
      ],
    },
    {
      name: 'one role and key in clusters of two regions: each judged with its own region',
      inventory: inventory({
        clusters: [
          cluster('c1', [group('workers', { volumes: [rootVolume(keyArn('k1'))] })]),
          cluster('c2', [group('workers', { volumes: [rootVolume(keyArn('k1'))] })], { region: 'eu-west-1' }),
          cluster('c3', [group('workers', { volumes: [rootVolume(keyArn('k1'))] })]),
        ],
        keys: [key('k1', { policy: policyOf(both()) })],
        roles: [role(EXEC_ROLE, { roleId: ROLE_ID, kmsStatements: [] })],
      }),
      expected: [
        { status: 'PASS', messageId: 'granted', resource: GROUP, data: { key: 'alias/k1', role: EXEC_ROLE } },
        {
          status: 'FAIL',
          messageId: 'notGranted',
          resource: `${clusterArn('c2', ACCOUNT, 'eu-west-1')}/instance-group/workers`,
          data: { key: 'alias/k1', role: EXEC_ROLE, action: 'kms:CreateGrant' },
        },
        {
          status: 'PASS',
          messageId: 'granted',
          resource: `${clusterArn('c3')}/instance-group/workers`,
          data: { key: 'alias/k1', role: EXEC_ROLE },
        },
      ],
    },
    {
      name: 'CreateGrant allowed, DescribeKey not',
      inventory: estate([rootStatement(), createGrantStatement()], { role: { kmsStatements: [] } }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:DescribeKey',
          },
        },
      ],
    },
    {
      name: 'DescribeKey allowed only for grants for AWS resources, which DescribeKey never is',
      inventory: estate([
        both({
          Condition: {
            StringEquals: { 'kms:ViaService': VIA },
            Bool: { 'kms:GrantIsForAWSResource': 'true' },
          },
        }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:DescribeKey',
          },
        },
      ],
    },
    {
      name: 'kms:ViaService for another region',
      inventory: estate([
        both({ Condition: { StringEquals: { 'kms:ViaService': 'sagemaker.us-west-2.amazonaws.com' } } }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'a cluster in another region than the policy names',
      inventory: estate(undefined, { cluster: { region: 'eu-west-1' } }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'kms:ViaService for EC2, not SageMaker',
      inventory: estate([
        both({ Condition: { StringEquals: { 'kms:ViaService': `ec2.${REGION}.amazonaws.com` } } }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'grants only for non-AWS resources',
      inventory: estate([
        describeKeyStatement(),
        both({ Action: 'kms:CreateGrant', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false' } } }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'kms:CallerAccount of another account',
      inventory: estate([
        both({ Principal: '*', Condition: { StringEquals: { 'kms:CallerAccount': OTHER_ACCOUNT } } }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'scoped by an encryption context HyperPod never sends',
      inventory: estate([
        both({
          Condition: { StringEquals: { 'kms:ViaService': VIA, 'kms:EncryptionContext:aws:ebs:id': 'vol-*' } },
        }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'encryptionContext',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            conditions: 'kms:EncryptionContext:aws:ebs:id',
          },
        },
      ],
    },
    {
      name: 'scoped by encryption context keys (ForAnyValue)',
      inventory: estate([
        both({ Condition: { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'tenant' } } }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'encryptionContext',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            conditions: 'kms:EncryptionContextKeys',
          },
        },
      ],
    },
    {
      name: 'requires an encryption context to be present (Null false)',
      inventory: estate([both({ Condition: { Null: { 'kms:EncryptionContextKeys': 'false' } } })]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'encryptionContext',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            conditions: 'kms:EncryptionContextKeys',
          },
        },
      ],
    },
    {
      name: 'root delegation whose statement is scoped by encryption context',
      inventory: estate(
        [{ ...rootStatement(), Condition: { StringLike: { 'kms:EncryptionContext:tenant': '*' } } }],
        {
          role: { kmsStatements: [identityFor('*')] },
        },
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'encryptionContext',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            conditions: 'kms:EncryptionContext:tenant',
          },
        },
      ],
    },
    {
      name: 'an explicit Deny on CreateGrant to everyone',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        deny({ Action: 'kms:CreateGrant' }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'explicitDeny',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'a Deny to everyone but the admins (StringNotEquals aws:PrincipalArn)',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        deny({
          Condition: { StringNotEquals: { 'aws:PrincipalArn': [`arn:aws:iam::${ACCOUNT}:role/KeyAdmin`] } },
        }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'explicitDeny',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'a Deny without encryption context (Null true) stops HyperPod',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        deny({ Condition: { Null: { 'kms:EncryptionContextKeys': 'true' } } }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'explicitDeny',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'a Deny on grants that allow Decrypt stops HyperPod',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        deny({
          Action: 'kms:CreateGrant',
          Condition: { 'ForAnyValue:StringEquals': { 'kms:GrantOperations': 'Decrypt' } },
        }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'explicitDeny',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'a Deny in the role IAM policy wins over the key policy',
      inventory: estate(undefined, {
        role: { kmsStatements: [{ Effect: 'Deny', Action: 'kms:CreateGrant', Resource: '*' }] },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'explicitDeny',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'grant operations limited to ones that leave out Decrypt',
      inventory: estate([
        describeKeyStatement(),
        both({
          Action: 'kms:CreateGrant',
          Condition: {
            'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Encrypt', 'GenerateDataKey'] },
          },
        }),
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'another role is named',
      inventory: estate([both({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/hyperpod-exec-old` } })]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'the unique id of a deleted role of the same name',
      inventory: estate([both({ Principal: { AWS: 'AROADELETEDEXECROLE01' } })]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'the same role name in another account',
      inventory: estate([both({ Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/hyperpod-exec` } })]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'the SageMaker service principal instead of the role',
      inventory: estate([both({ Principal: { Service: 'sagemaker.amazonaws.com' } })]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'the key policy names the role, but its permissions boundary allows no KMS action',
      inventory: estate(undefined, {
        role: {
          permissionsBoundary: { policyArn: `arn:aws:iam::${ACCOUNT}:policy/boundary`, kmsStatements: [] },
        },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'outsideBoundary',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            boundary: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
          },
        },
      ],
    },
    {
      name: 'root delegation, an IAM policy that grants, and a boundary that allows only CreateGrant',
      inventory: estate(delegationOnly, {
        role: {
          kmsStatements: [identityFor(keyArn('k1'))],
          permissionsBoundary: {
            policyArn: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
            kmsStatements: [{ Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*' }],
          },
        },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'outsideBoundary',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:DescribeKey',
            boundary: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
          },
        },
      ],
    },
    {
      name: "the key policy names the role, but the service control policies over the role's account allow no KMS",
      inventory: underScps([
        {
          target: 'r-root',
          policies: [
            { id: 'p-FullAWSAccess', kmsStatements: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
          ],
        },
        {
          target: ACCOUNT,
          policies: [{ id: 'p-storage-only', name: 'storage-only', kmsStatements: [] }],
        },
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'outsideScp',
          data: { key: 'alias/k1', role: EXEC_ROLE, action: 'kms:CreateGrant', account: ACCOUNT },
        },
      ],
    },
    {
      name: "the RCPs' identity perimeter names another organization than the role's",
      inventory: underRcps([perimeter('o-zzzzzzzzzz')], ORG),
      expected: [
        {
          status: 'FAIL',
          messageId: 'organizationDeny',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            policies: 'resource control policies',
            account: ACCOUNT,
          },
        },
      ],
    },
    {
      name: "a key in another account: the RCPs over the key's account apply, not the role's",
      inventory: underRcps([perimeter('o-zzzzzzzzzz')], ORG, OTHER_ACCOUNT),
      expected: [
        {
          status: 'FAIL',
          messageId: 'organizationDeny',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            policies: 'resource control policies',
            account: OTHER_ACCOUNT,
          },
        },
      ],
    },
    {
      name: "RCPs over the key's account that let no KMS call through (no Allow at the account's level)",
      inventory: {
        ...underRcps([], ORG),
        accounts: [
          {
            id: ACCOUNT,
            regions: [REGION],
            source: 'live',
            organizationId: ORG,
            resourceControlPolicies: [
              { target: 'r-root', policies: [RCP_FULL] },
              { target: ACCOUNT, policies: [{ id: 'p-s3-only', kmsStatements: [] }] },
            ],
          },
        ],
      },
      expected: [
        {
          status: 'FAIL',
          messageId: 'outsideRcp',
          data: { key: 'alias/k1', role: EXEC_ROLE, action: 'kms:CreateGrant', account: ACCOUNT },
        },
      ],
    },
    {
      name: "a Deny on CreateGrant in a service control policy over the role's account",
      inventory: underScps([
        {
          target: 'r-root',
          policies: [
            {
              id: 'p-guard',
              kmsStatements: [
                { Effect: 'Allow', Action: '*', Resource: '*' },
                { Effect: 'Deny', Action: 'kms:CreateGrant', Resource: '*' },
              ],
            },
          ],
        },
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'organizationDeny',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            policies: 'service control policies',
            account: ACCOUNT,
          },
        },
      ],
    },
    {
      name: 'a Deny in the key policy and in the SCPs: the key policy is the reason given',
      inventory: {
        ...estate([rootStatement(), adminStatement(), both(), deny({ Action: 'kms:CreateGrant' })]),
        accounts: [
          {
            id: ACCOUNT,
            regions: [REGION],
            source: 'live',
            serviceControlPolicies: [
              {
                target: 'r-root',
                policies: [
                  {
                    id: 'p-guard',
                    kmsStatements: [
                      { Effect: 'Allow', Action: '*', Resource: '*' },
                      { Effect: 'Deny', Action: 'kms:CreateGrant', Resource: '*' },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
      expected: [
        {
          status: 'FAIL',
          messageId: 'explicitDeny',
          data: { key: 'alias/k1', role: EXEC_ROLE, action: 'kms:CreateGrant' },
        },
      ],
    },
    {
      name: 'root delegation and an IAM policy that grants nothing',
      inventory: estate(delegationOnly, { role: { kmsStatements: [] } }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'root delegation and an IAM policy for another region',
      inventory: estate(delegationOnly, {
        role: {
          kmsStatements: [
            identityFor('*', { StringEquals: { 'kms:ViaService': 'sagemaker.eu-west-1.amazonaws.com' } }),
          ],
        },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'root delegation and an IAM policy scoped to a tag the key does not carry',
      inventory: estate(delegationOnly, {
        role: {
          kmsStatements: [identityFor('*', { StringEquals: { 'aws:ResourceTag/project': 'vision' } })],
        },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'cross-account key names the role, but the role IAM policy grants nothing',
      inventory: estate([rootStatement(OTHER_ACCOUNT), both()], inOtherAccount({ kmsStatements: [] })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'cross-account key whose policy names only its own account',
      inventory: estate(
        [rootStatement(OTHER_ACCOUNT)],
        inOtherAccount({ kmsStatements: [identityFor('*')] }),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'two keys: the secondary key does not grant',
      inventory: estate(undefined, {
        volumes: (k) => [rootVolume(k.arn), secondaryVolume(keyArn('k2'))],
        extraKeys: [key('k2', { policy: policyOf(rootStatement(), adminStatement()) })],
        role: { kmsStatements: [] },
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          data: {
            key: 'alias/k2',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
          evidence: (e) =>
            (e.keys as { key: string; status: string }[]).map((j) => `${j.key}:${j.status}`).join() ===
            `${keyArn('k1')}:PASS,${keyArn('k2')}:FAIL`,
        },
      ],
    },
    {
      name: "an identity perimeter in the RCPs, and the role's organization not known",
      inventory: underRcps([perimeter(ORG)], undefined),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason: 'it depends on condition keys that cannot be evaluated: aws:PrincipalOrgID',
          },
        },
      ],
    },
    {
      name: 'a grant to one session of the role: the session HyperPod uses is not known',
      inventory: estate([
        both({ Principal: { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/hyperpod-exec/alice` } }),
      ]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason:
              'statement "HyperPod" names one session of the caller\'s role, and the session name is not known',
          },
        },
      ],
    },
    {
      // HyperPod calls as a session of the role, and NotPrincipal exempts a session only when it
      // names that session too (IAM User Guide, NotPrincipal; AWS Knowledge Center,
      // explicit-deny-principle-elements-s3).
      name: 'a Deny with NotPrincipal naming the role and its account, but no session, denies HyperPod',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        {
          Effect: 'Deny',
          NotPrincipal: { AWS: [EXEC_ROLE, `arn:aws:iam::${ACCOUNT}:root`] },
          Action: 'kms:*',
          Resource: '*',
        },
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'explicitDeny',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'a Deny with NotPrincipal naming the account, the role and one of its sessions may exempt HyperPod',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        {
          Sid: 'OnlyHyperPod',
          Effect: 'Deny',
          NotPrincipal: {
            AWS: [
              EXEC_ROLE,
              `arn:aws:iam::${ACCOUNT}:root`,
              `arn:aws:sts::${ACCOUNT}:assumed-role/hyperpod-exec/SageMaker`,
            ],
          },
          Action: 'kms:*',
          Resource: '*',
        },
      ]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason:
              'NotPrincipal of statement "OnlyHyperPod" names a session of the caller\'s role, and the session name is not known',
          },
        },
      ],
    },
    {
      name: 'a Deny with NotPrincipal naming only the role denies it (no session, no account)',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        {
          Sid: 'OnlyHyperPod',
          Effect: 'Deny',
          NotPrincipal: { AWS: EXEC_ROLE },
          Action: 'kms:*',
          Resource: '*',
        },
      ]),
      expected: [
        {
          status: 'FAIL',
          messageId: 'explicitDeny',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'a condition on the organization, which the inventory does not know',
      inventory: estate([
        both({
          Condition: { StringEquals: { 'kms:ViaService': VIA, 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
        }),
      ]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason: 'it depends on condition keys that cannot be evaluated: aws:PrincipalOrgID',
          },
        },
      ],
    },
    {
      name: 'a Deny unless the caller is in the organization: undetermined',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        deny({ Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }),
      ]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason: 'it depends on condition keys that cannot be evaluated: aws:PrincipalOrgID',
          },
        },
      ],
    },
    {
      name: 'grant operations limited to a part of what HyperPod may ask for',
      inventory: estate([
        describeKeyStatement(),
        both({
          Action: 'kms:CreateGrant',
          Condition: {
            'ForAllValues:StringEquals': {
              'kms:GrantOperations': ['Decrypt', 'GenerateDataKeyWithoutPlaintext'],
            },
          },
        }),
      ]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason:
              'the key policy constrains the grant HyperPod creates (kms:GrantOperations), and what HyperPod sends with CreateGrant (grant constraints, grantee, operations) is not documented',
          },
        },
      ],
    },
    {
      name: 'a key policy that requires a grant constraint (kms:GrantConstraintType): undocumented, so unknown',
      inventory: estate([
        describeKeyStatement(),
        both({
          Action: 'kms:CreateGrant',
          Condition: {
            StringEquals: { 'kms:ViaService': VIA, 'kms:GrantConstraintType': 'EncryptionContextSubset' },
            Bool: { 'kms:GrantIsForAWSResource': 'true' },
          },
        }),
      ]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason:
              'the key policy constrains the grant HyperPod creates (kms:GrantConstraintType), and what HyperPod sends with CreateGrant (grant constraints, grantee, operations) is not documented',
          },
        },
      ],
    },
    {
      name: 'a Deny of grants without a constraint (Null kms:GrantConstraintType): unknown, not denied',
      inventory: estate([
        ...(goodPolicy().Statement as PolicyStatement[]),
        deny({ Action: 'kms:CreateGrant', Condition: { Null: { 'kms:GrantConstraintType': 'true' } } }),
      ]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason:
              'the key policy constrains the grant HyperPod creates (kms:GrantConstraintType), and what HyperPod sends with CreateGrant (grant constraints, grantee, operations) is not documented',
          },
        },
      ],
    },
    {
      name: 'a key policy that pins the grantee principal of the grant',
      inventory: estate([
        describeKeyStatement(),
        both({
          Action: 'kms:CreateGrant',
          Condition: {
            StringEquals: { 'kms:ViaService': VIA, 'kms:GranteePrincipal': EXEC_ROLE },
            Bool: { 'kms:GrantIsForAWSResource': 'true' },
          },
        }),
      ]),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason:
              'the key policy constrains the grant HyperPod creates (kms:GranteePrincipal), and what HyperPod sends with CreateGrant (grant constraints, grantee, operations) is not documented',
          },
        },
      ],
    },
    {
      name: 'the key policy names the role, and its permissions boundary could not be read',
      inventory: estate(undefined, {
        role: {
          permissionsBoundary: {
            policyArn: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
            reason: 'GetPolicy failed (aws.access_denied)',
          },
        },
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason: `the role's permissions boundary arn:aws:iam::${ACCOUNT}:policy/boundary could not be read (GetPolicy failed (aws.access_denied)), and it limits what the policies allow`,
          },
        },
      ],
    },
    {
      name: 'root delegation, an IAM policy read in part that does not grant, and the rest not in the files',
      inventory: estate(delegationOnly, {
        role: {
          policiesCollected: false,
          kmsStatements: [],
          unreadPolicies: [
            'managed policy arn:aws:iam::111122223333:policy/kms (not defined in the scanned files)',
          ],
        },
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason:
              "the key policy delegates to IAM and not all of the role's IAM policies are in the scanned files (managed policy arn:aws:iam::111122223333:policy/kms (not defined in the scanned files))",
          },
        },
      ],
    },
    {
      // "An explicit deny in any of the policies overrides the allow" (IAM User Guide, Policy
      // evaluation for requests within a single account; KMS: "explicitly allowed, and never
      // denied, in a key policy, IAM policy, or grant"): the role's unread policies may hold one.
      name: "the key policy names the role, but IAM did not list the role's policies (ListRolePolicies denied)",
      inventory: {
        ...estate(undefined, { role: { policiesCollected: false } }),
        gaps: [
          {
            code: 'aws.access_denied',
            service: 'iam',
            operation: 'ListRolePolicies',
            account: ACCOUNT,
            resource: EXEC_ROLE,
            message: `AccessDenied: User: arn:aws:sts::${ACCOUNT}:assumed-role/scanner/s is not authorized to perform: iam:ListRolePolicies`,
          },
        ],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason: `an explicit Deny in the role's IAM policies would override what the key policy allows, and the role's IAM policies could not be read (ListRolePolicies failed (aws.access_denied): AccessDenied: User: arn:aws:sts::${ACCOUNT}:assumed-role/scanner/s is not authorized to perform: iam:ListRolePolicies)`,
          },
          evidence: (e) =>
            JSON.stringify(e) ===
            JSON.stringify({
              executionRole: EXEC_ROLE,
              keys: [
                {
                  key: keyArn('k1'),
                  status: 'UNKNOWN',
                  messageId: 'undetermined',
                  data: {
                    key: 'alias/k1',
                    role: EXEC_ROLE,
                    action: 'kms:CreateGrant',
                    reason: `an explicit Deny in the role's IAM policies would override what the key policy allows, and the role's IAM policies could not be read (ListRolePolicies failed (aws.access_denied): AccessDenied: User: arn:aws:sts::${ACCOUNT}:assumed-role/scanner/s is not authorized to perform: iam:ListRolePolicies)`,
                  },
                  evidence: {
                    action: 'kms:CreateGrant',
                    path: 'key-policy',
                    keyPolicyHits: [
                      {
                        index: 0,
                        sid: 'Enable IAM User Permissions',
                        effect: 'Allow',
                        applies: 'yes',
                        via: 'account',
                      },
                      {
                        index: 2,
                        sid: 'HyperPodCreateGrant',
                        effect: 'Allow',
                        applies: 'yes',
                        via: 'principal',
                      },
                    ],
                    identityHits: null,
                  },
                },
              ],
            }),
        },
      ],
    },
    {
      name: 'the key policy names the role, but a managed policy of the role is not a valid IAM policy',
      inventory: {
        ...estate(undefined, { role: { policiesCollected: false } }),
        gaps: [
          {
            code: 'aws.invalid_response',
            service: 'iam',
            operation: 'GetPolicyVersion',
            account: ACCOUNT,
            resource: EXEC_ROLE,
            message: `the document of managed policy arn:aws:iam::${ACCOUNT}:policy/kms is not a valid IAM policy`,
          },
        ],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason: `an explicit Deny in the role's IAM policies would override what the key policy allows, and the role's IAM policies could not be read (GetPolicyVersion failed (aws.invalid_response): the document of managed policy arn:aws:iam::${ACCOUNT}:policy/kms is not a valid IAM policy)`,
          },
        },
      ],
    },
    {
      name: "snapshot: the key policy names the role, and the role's IAM policies could not be read",
      inventory: asSnapshot(estate(undefined, { role: { policiesCollected: false } })),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: EXEC_ROLE,
            action: 'kms:CreateGrant',
            reason:
              "an explicit Deny in the role's IAM policies would override what the key policy allows, and the role's IAM policies could not be read",
          },
        },
      ],
    },
    {
      name: 'root delegation and the role IAM policies could not be read',
      inventory: estate(delegationOnly, { role: { policiesCollected: false } }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason: "the key policy delegates to IAM and the role's IAM policies could not be read",
          },
        },
      ],
    },
    {
      name: 'root delegation and the role is not in the inventory',
      inventory: estate(delegationOnly, { role: null }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason: "the key policy delegates to IAM and the role's IAM policies were not collected",
          },
        },
      ],
    },
    {
      name: 'cross-account key names the role account, and the role IAM policies could not be read',
      inventory: estate(
        [rootStatement(OTHER_ACCOUNT), rootStatement(ACCOUNT)],
        inOtherAccount({ policiesCollected: false }),
      ),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason:
              "the key is in another account, so IAM must allow it too, and the role's IAM policies could not be read",
          },
        },
      ],
    },
    {
      // An IaC key whose account the files do not give: not said to be in another account.
      name: "the key's account is unknown and the role is not in the inventory",
      inventory: estate(delegationOnly, { role: null, key: { account: 'unknown' } }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason:
              "the key's account is not known, so IAM may have to allow it too (as for a key in another account), and the role's IAM policies were not collected",
          },
        },
      ],
    },
    {
      name: 'GetKeyPolicy denied',
      inventory: (() => {
        const { policy: _policy, ...k } = key('k1');
        const base = estate(undefined);
        return {
          ...base,
          keys: [k],
          gaps: [
            {
              code: 'aws.access_denied',
              service: 'kms',
              operation: 'GetKeyPolicy',
              account: ACCOUNT,
              region: REGION,
              resource: k.arn,
              message: 'not authorized to perform kms:GetKeyPolicy',
            },
          ],
        };
      })(),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            what: 'the key policy of alias/k1',
            reason: 'GetKeyPolicy failed (aws.access_denied): not authorized to perform kms:GetKeyPolicy',
          },
        },
      ],
    },
    {
      name: 'DescribeKey denied: the key may be customer managed, its policy unknown',
      inventory: estate(undefined, {
        volumes: () => [
          {
            role: 'root',
            kmsKeyId: 'alias/secret',
            resolution: {
              status: 'unknown',
              reason: 'kms:DescribeKey AccessDenied',
              gapCode: 'aws.access_denied',
            },
          },
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: { what: 'the key alias/secret', reason: 'kms:DescribeKey AccessDenied' },
        },
      ],
    },
    {
      name: 'no execution role on the group',
      inventory: estate(undefined, { group: { executionRole: null } }),
      expected: [{ status: 'UNKNOWN', messageId: 'noRole' }],
    },
    {
      name: 'CloudFormation: the key policy depends on a condition',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', { executionRole: iacId('ExecRole'), volumes: [rootVolume(iacId('Key'))] }),
          ]),
        ],
        keys: [iacKey('Key', { policy: unresolved('!If [Strict, ..., ...]', ['Strict']) })],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the key policy of infra/hyperpod.yaml#Key',
            expression: '!If [Strict, ..., ...]',
            reason: 'Strict has no value',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: the key from a parameter',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', {
              volumes: [{ role: 'root', kmsKeyId: unresolved('!Ref KmsKeyArn', ['KmsKeyArn']) }],
            }),
          ]),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the root volume key',
            expression: '!Ref KmsKeyArn',
            reason: 'KmsKeyArn has no value',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: the execution role from a parameter',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', {
              executionRole: unresolved('!Ref ExecutionRoleArn', ['ExecutionRoleArn']),
              volumes: [rootVolume(iacId('Key'))],
            }),
          ]),
        ],
        keys: [iacKey('Key')],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the execution role',
            expression: '!Ref ExecutionRoleArn',
            reason: 'ExecutionRoleArn has no value',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: kms:ViaService names a region, and the template does not fix one',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', { executionRole: iacId('ExecRole'), volumes: [rootVolume(iacId('Key'))] }),
          ]),
        ],
        keys: [iacKey('Key', { policy: policyOf(both({ Principal: { AWS: iacId('ExecRole') } })) })],
        roles: [iacRole('ExecRole', [])],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'infra/hyperpod.yaml#Key',
            role: 'infra/hyperpod.yaml#ExecRole',
            action: 'kms:CreateGrant',
            reason: 'it depends on condition keys that cannot be evaluated: kms:ViaService',
          },
        },
      ],
    },
    {
      name: 'CloudFormation: the key policy names another role of the template',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [
            group('workers', { executionRole: iacId('ExecRole'), volumes: [rootVolume(iacId('Key'))] }),
          ]),
        ],
        keys: [
          iacKey('Key', {
            policy: policyOf(withoutCondition(both({ Principal: { AWS: iacId('OtherRole') } }))),
          }),
        ],
        roles: [iacRole('ExecRole', [])],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'notGranted',
          resource: `${iacId('Cluster')}/instance-group/workers`,
          data: {
            key: 'infra/hyperpod.yaml#Key',
            role: 'infra/hyperpod.yaml#ExecRole',
            action: 'kms:CreateGrant',
          },
        },
      ],
    },
    {
      name: 'create-cluster input: the key is defined elsewhere, its policy unknown',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'ml',
              [
                group('workers', {
                  volumes: [
                    {
                      role: 'root',
                      kmsKeyId: keyArn('k1'),
                      resolution: { status: 'unknown', reason: 'defined outside the scanned files' },
                    },
                  ],
                }),
              ],
              {},
              CLI_JSON,
            ),
          ],
        },
        'cli-json',
      ),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          resource: `${CLI_FILE}#ml/instance-group/workers`,
          data: {
            what: 'the key arn:aws:kms:us-east-1:111122223333:key/k1',
            reason: 'defined outside the scanned files',
          },
        },
      ],
    },
    ...organizationCases.invalid,
  ],
});
