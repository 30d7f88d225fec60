import { describe, expect, it } from 'vitest';
import { type Config, resolveConfig } from '../../src/config/schema.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { EbsVolume } from '../../src/model/inventory.js';
import rule from '../../src/rules/hyperpod/hyperpod-tenant-key-isolation.js';
import {
  asSnapshot,
  CLI_FILE,
  CLI_JSON,
  iacCluster,
  iacId,
  iacInventory,
  iacKey,
  PLAN_FILE,
  TERRAFORM,
  TERRAFORM_PLAN,
  TF_FILE,
  unresolved,
} from '../helpers/iac.js';
import {
  cluster,
  clusterArn,
  group,
  inventory,
  key,
  NOW,
  rootVolume,
  secondaryVolume,
} from '../helpers/inventory.js';
import { ruleTester } from '../helpers/rule-tester.js';

const [k1, k2, k3] = [key('k1'), key('k2'), key('k3')];
const awsManaged = key('sm', {
  aliases: ['alias/aws/sagemaker'],
  metadata: { ...k1.metadata!, keyManager: 'AWS' },
});
const gid = (clusterName: string, name: string) => `${clusterArn(clusterName)}/instance-group/${name}`;

/** Tenant a: groups a-*; tenant b: groups b-*; in every cluster named shared-*. */
const tenancy: Config = {
  tenancy: [
    { cluster: 'shared-*', instanceGroup: 'a-*', tenant: 'acme' },
    { cluster: 'shared-*', instanceGroup: 'b-*', tenant: 'globex' },
  ],
};
const estate = (groups: [string, EbsVolume[]][], clusterName = 'shared-1') =>
  inventory({
    clusters: [
      cluster(
        clusterName,
        groups.map(([name, volumes]) => group(name, { volumes })),
      ),
    ],
    keys: [k1, k2, k3, awsManaged],
  });
const fromParameter = (name: string): EbsVolume => ({
  role: 'root',
  kmsKeyId: unresolved(`!Ref ${name}`, [name]),
});

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      // "Customer managed key encryption is only supported for clusters using the continuous node
      // provisioning mode" (smcluster-cmk.html): a legacy cluster's groups use no key they name.
      name: "a group of a cluster outside Continuous mode naming another tenant's key",
      inventory: inventory({
        clusters: [
          cluster('shared-1', [group('a-train', { volumes: [rootVolume(k1.arn)] })]),
          cluster('shared-2', [group('b-train', { volumes: [rootVolume(k1.arn)] })], {
            nodeProvisioningMode: null,
          }),
        ],
        keys: [k1],
      }),
      config: tenancy,
      expected: [
        {
          status: 'PASS',
          messageId: 'isolated',
          resource: gid('shared-1', 'a-train'),
          data: { tenant: 'acme' },
        },
        { status: 'NOT_APPLICABLE', messageId: 'legacyMode', resource: gid('shared-2', 'b-train') },
      ],
    },
    {
      // HyperPod uses no key a restricted group names (smcluster-cmk.html): it serves no tenant.
      name: "a restricted group of another tenant naming a tenant's key",
      inventory: inventory({
        clusters: [
          cluster('shared-1', [
            group('a-train', { volumes: [rootVolume(k1.arn)] }),
            group('b-nova', { kind: 'restricted', volumes: [rootVolume(k1.arn)] }),
          ]),
        ],
        keys: [k1],
      }),
      config: tenancy,
      expected: [
        {
          status: 'PASS',
          messageId: 'isolated',
          resource: gid('shared-1', 'a-train'),
          data: { tenant: 'acme' },
        },
        { status: 'NOT_APPLICABLE', messageId: 'restricted', resource: gid('shared-1', 'b-nova') },
      ],
    },
    {
      name: 'each tenant its own key; groups of one tenant may share',
      inventory: estate([
        ['a-train', [rootVolume(k1.arn)]],
        ['a-infer', [rootVolume(k1.arn)]],
        ['b-train', [rootVolume(k2.arn), secondaryVolume(k3.arn)]],
      ]),
      config: tenancy,
      expected: [
        {
          status: 'PASS',
          messageId: 'isolated',
          resource: gid('shared-1', 'a-train'),
          data: { tenant: 'acme' },
        },
        {
          status: 'PASS',
          messageId: 'isolated',
          resource: gid('shared-1', 'a-infer'),
          data: { tenant: 'acme' },
        },
        {
          status: 'PASS',
          messageId: 'isolated',
          resource: gid('shared-1', 'b-train'),
          data: { tenant: 'globex' },
        },
      ],
    },
    {
      name: 'clusters the tenancy does not name are out of scope; unassigned groups are not applicable',
      inventory: inventory({
        clusters: [
          cluster('shared-1', [
            group('a-train', { volumes: [rootVolume(k1.arn)] }),
            group('ops', { volumes: [rootVolume(k1.arn)] }),
          ]),
          cluster('research', [group('b-train', { volumes: [rootVolume(k1.arn)] })]),
        ],
        keys: [k1],
      }),
      config: tenancy,
      expected: [
        // the key also serves an unassigned group and a group outside the tenancy: neither is another tenant
        {
          status: 'PASS',
          messageId: 'isolated',
          resource: gid('shared-1', 'a-train'),
          data: { tenant: 'acme' },
        },
        { status: 'NOT_APPLICABLE', messageId: 'noTenant', resource: gid('shared-1', 'ops') },
      ],
    },
    {
      name: 'a tenant group without a customer managed key is not applicable',
      inventory: estate([
        ['a-train', []],
        ['b-train', [rootVolume('alias/aws/sagemaker', awsManaged.arn)]],
        ['a-infer', [rootVolume('alias/aws/sagemaker', awsManaged.arn)]],
      ]),
      config: tenancy,
      expected: [
        {
          status: 'NOT_APPLICABLE',
          messageId: 'noCmk',
          resource: gid('shared-1', 'a-train'),
          data: { tenant: 'acme' },
        },
        {
          status: 'NOT_APPLICABLE',
          messageId: 'noCmk',
          resource: gid('shared-1', 'b-train'),
          data: { tenant: 'globex' },
        },
        {
          status: 'NOT_APPLICABLE',
          messageId: 'noCmk',
          resource: gid('shared-1', 'a-infer'),
          data: { tenant: 'acme' },
        },
      ],
    },
    {
      name: 'tenancy may name a cluster by ARN',
      inventory: estate([['worker', [rootVolume(k1.arn)]]], 'ml'),
      config: { tenancy: [{ cluster: clusterArn('ml'), instanceGroup: '*', tenant: 'acme' }] },
      expected: [{ status: 'PASS', messageId: 'isolated', data: { tenant: 'acme' } }],
    },
    {
      name: 'snapshot: each tenant its own key',
      inventory: asSnapshot(
        estate([
          ['a-train', [rootVolume(k1.arn)]],
          ['b-train', [rootVolume(k2.arn)]],
        ]),
      ),
      config: tenancy,
      expected: [
        {
          status: 'PASS',
          messageId: 'isolated',
          resource: gid('shared-1', 'a-train'),
          data: { tenant: 'acme' },
        },
        {
          status: 'PASS',
          messageId: 'isolated',
          resource: gid('shared-1', 'b-train'),
          data: { tenant: 'globex' },
        },
      ],
    },
  ],
  invalid: [
    {
      name: "a group of a cluster whose provisioning mode is unknown naming another tenant's key",
      inventory: inventory({
        clusters: [
          cluster('shared-1', [group('a-train', { volumes: [rootVolume(k1.arn)] })]),
          cluster('shared-2', [group('b-train', { volumes: [rootVolume(k1.arn)] })], {
            nodeProvisioningMode: unresolved('!Ref Mode', ['Mode']),
          }),
        ],
        keys: [k1],
      }),
      config: tenancy,
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'sharingUnknown',
          resource: gid('shared-1', 'a-train'),
          data: { key: 'alias/k1', tenant: 'acme', others: 'globex', groups: 'shared-2/b-train' },
        },
        {
          status: 'UNKNOWN',
          messageId: 'sharingUnknown',
          resource: gid('shared-2', 'b-train'),
          data: { key: 'alias/k1', tenant: 'globex', others: 'acme', groups: 'shared-1/a-train' },
        },
      ],
    },
    {
      name: "another tenant's Continuous group fails a shared key, whatever a cluster of unknown mode does",
      inventory: inventory({
        clusters: [
          cluster('shared-1', [
            group('a-train', { volumes: [rootVolume(k1.arn)] }),
            group('b-infer', { volumes: [rootVolume(k1.arn)] }),
          ]),
          cluster('shared-2', [group('b-train', { volumes: [rootVolume(k1.arn)] })], {
            nodeProvisioningMode: unresolved('!Ref Mode', ['Mode']),
          }),
        ],
        keys: [k1],
      }),
      config: tenancy,
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('shared-1', 'a-train'),
          data: { key: 'alias/k1', tenant: 'acme', others: 'globex', groups: 'shared-1/b-infer' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('shared-1', 'b-infer'),
          data: { key: 'alias/k1', tenant: 'globex', others: 'acme', groups: 'shared-1/a-train' },
        },
        {
          status: 'UNKNOWN',
          messageId: 'sharingUnknown',
          resource: gid('shared-2', 'b-train'),
          data: { key: 'alias/k1', tenant: 'globex', others: 'acme', groups: 'shared-1/a-train' },
        },
      ],
    },
    {
      // Where the mode is unknown the key may not be honoured at all (smcluster-cmk.html): the group
      // would then have no key (NOT_APPLICABLE), so isolation through the key is not proven.
      name: "a tenant's key no other tenant names, in a cluster whose mode is unknown",
      inventory: inventory({
        clusters: [
          cluster('shared-2', [group('b-train', { volumes: [rootVolume(k1.arn)] })], {
            nodeProvisioningMode: unresolved('!Ref Mode', ['Mode']),
          }),
        ],
        keys: [k1],
      }),
      config: tenancy,
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'isolatedModeUnknown',
          data: {
            tenant: 'globex',
            reason: 'cannot be known from the source: !Ref Mode (Mode has no value)',
          },
        },
      ],
    },
    {
      name: 'two tenants share a key in one cluster',
      inventory: estate([
        ['a-train', [rootVolume(k1.arn)]],
        ['b-train', [rootVolume(k2.arn), secondaryVolume(k1.arn)]],
      ]),
      config: tenancy,
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('shared-1', 'a-train'),
          data: { key: 'alias/k1', tenant: 'acme', others: 'globex', groups: 'shared-1/b-train' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('shared-1', 'b-train'),
          data: { key: 'alias/k1', tenant: 'globex', others: 'acme', groups: 'shared-1/a-train' },
        },
      ],
    },
    {
      name: 'two tenants share a key across clusters',
      inventory: inventory({
        clusters: [
          cluster('shared-1', [group('a-train', { volumes: [rootVolume(k1.arn)] })]),
          cluster('shared-2', [group('b-train', { volumes: [rootVolume(k1.arn)] })]),
        ],
        keys: [k1],
      }),
      config: tenancy,
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('shared-1', 'a-train'),
          data: { key: 'alias/k1', tenant: 'acme', others: 'globex', groups: 'shared-2/b-train' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('shared-2', 'b-train'),
          data: { key: 'alias/k1', tenant: 'globex', others: 'acme', groups: 'shared-1/a-train' },
        },
      ],
    },
    {
      name: 'the first matching tenancy entry assigns the tenant',
      inventory: estate([
        ['a-train', [rootVolume(k1.arn)]],
        ['a-b-eval', [rootVolume(k1.arn)]],
      ]),
      config: {
        tenancy: [
          { cluster: 'shared-?', instanceGroup: 'a-b-*', tenant: 'initech' },
          { cluster: 'shared-*', instanceGroup: 'a-*', tenant: 'acme' },
        ],
      },
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('shared-1', 'a-train'),
          data: { key: 'alias/k1', tenant: 'acme', others: 'initech', groups: 'shared-1/a-b-eval' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: gid('shared-1', 'a-b-eval'),
          data: { key: 'alias/k1', tenant: 'initech', others: 'acme', groups: 'shared-1/a-train' },
        },
      ],
    },
    {
      name: 'a tenant key DescribeKey could not resolve: unknown',
      inventory: estate([
        [
          'a-train',
          [
            {
              role: 'root',
              kmsKeyId: 'alias/acme',
              resolution: {
                status: 'unknown',
                reason: 'kms:DescribeKey throttled',
                gapCode: 'aws.throttled',
              },
            },
          ],
        ],
        ['b-train', [rootVolume(k2.arn)]],
      ]),
      config: tenancy,
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          resource: gid('shared-1', 'a-train'),
          data: { key: 'alias/acme', tenant: 'acme', reason: 'kms:DescribeKey throttled' },
        },
        {
          status: 'PASS',
          messageId: 'isolated',
          resource: gid('shared-1', 'b-train'),
          data: { tenant: 'globex' },
        },
      ],
    },
    {
      name: 'CloudFormation: one key parameter for two tenants is one key',
      inventory: iacInventory({
        clusters: [
          iacCluster(
            'Cluster',
            [
              group('a-train', { volumes: [fromParameter('KmsKeyArn')] }),
              group('b-train', { volumes: [fromParameter('KmsKeyArn')] }),
            ],
            {
              name: 'shared-iac',
            },
          ),
        ],
      }),
      config: tenancy,
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${iacId('Cluster')}/instance-group/a-train`,
          data: { key: '!Ref KmsKeyArn', tenant: 'acme', others: 'globex', groups: 'shared-iac/b-train' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${iacId('Cluster')}/instance-group/b-train`,
          data: { key: '!Ref KmsKeyArn', tenant: 'globex', others: 'acme', groups: 'shared-iac/a-train' },
        },
      ],
    },
    {
      name: 'CloudFormation: a key resource per tenant, and a tenant key from a parameter',
      inventory: iacInventory({
        clusters: [
          iacCluster(
            'Cluster',
            [
              group('a-train', { volumes: [rootVolume(iacId('AcmeKey'))] }),
              group('b-train', { volumes: [fromParameter('GlobexKey')] }),
            ],
            { name: 'shared-iac' },
          ),
        ],
        keys: [iacKey('AcmeKey')],
      }),
      config: tenancy,
      expected: [
        {
          status: 'PASS',
          messageId: 'isolated',
          resource: `${iacId('Cluster')}/instance-group/a-train`,
          data: { tenant: 'acme' },
        },
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          resource: `${iacId('Cluster')}/instance-group/b-train`,
          data: { key: '!Ref GlobexKey', tenant: 'globex', reason: 'GlobexKey has no value' },
        },
      ],
    },
    {
      name: 'CloudFormation: storage configuration that cannot be known',
      inventory: iacInventory({
        clusters: [
          iacCluster(
            'Cluster',
            [group('a-train', { volumes: unresolved('!If [UseCmk, ...]', ['UseCmk']) })],
            { name: 'shared-iac' },
          ),
        ],
      }),
      config: tenancy,
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the storage configuration',
            expression: '!If [UseCmk, ...]',
            reason: 'UseCmk has no value',
          },
        },
      ],
    },
    {
      name: 'Terraform plan: two tenants on one key resource',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              ['a-train', 'b-train'].map((name) =>
                group(name, { volumes: [rootVolume(iacId('aws_kms_key.shared', PLAN_FILE))] }),
              ),
              { name: 'shared-plan' },
              TERRAFORM_PLAN,
            ),
          ],
          keys: [iacKey('aws_kms_key.shared', {}, TERRAFORM_PLAN)],
        },
        'terraform-plan',
      ),
      config: tenancy,
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${PLAN_FILE}#awscc_sagemaker_cluster.main/instance-group/a-train`,
          data: {
            key: 'infra/plan.json#aws_kms_key.shared',
            tenant: 'acme',
            others: 'globex',
            groups: 'shared-plan/b-train',
          },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${PLAN_FILE}#awscc_sagemaker_cluster.main/instance-group/b-train`,
          data: {
            key: 'infra/plan.json#aws_kms_key.shared',
            tenant: 'globex',
            others: 'acme',
            groups: 'shared-plan/a-train',
          },
        },
      ],
    },
    {
      name: 'create-cluster input: a tenant key alias defined elsewhere',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'shared-cli',
              [
                group('a-train', {
                  volumes: [
                    {
                      role: 'root',
                      kmsKeyId: 'alias/acme',
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
      config: tenancy,
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          resource: `${CLI_FILE}#shared-cli/instance-group/a-train`,
          data: { key: 'alias/acme', tenant: 'acme', reason: 'defined outside the scanned files' },
        },
      ],
    },
    {
      name: 'Terraform: one key variable for two tenants is one key',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              ['a-train', 'b-train'].map((name) =>
                group(name, {
                  volumes: [{ role: 'root', kmsKeyId: unresolved('var.kms_key_arn', ['kms_key_arn']) }],
                }),
              ),
              { name: 'shared-tf' },
              TERRAFORM,
            ),
          ],
        },
        'terraform',
      ),
      config: tenancy,
      expected: [
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${TF_FILE}#awscc_sagemaker_cluster.main/instance-group/a-train`,
          data: { key: 'var.kms_key_arn', tenant: 'acme', others: 'globex', groups: 'shared-tf/b-train' },
        },
        {
          status: 'FAIL',
          messageId: 'shared',
          resource: `${TF_FILE}#awscc_sagemaker_cluster.main/instance-group/b-train`,
          data: { key: 'var.kms_key_arn', tenant: 'globex', others: 'acme', groups: 'shared-tf/a-train' },
        },
      ],
    },
  ],
});

describe('hyperpod-tenant-key-isolation without tenancy', () => {
  it('says nothing when the config assigns no tenants, even where keys are shared', () => {
    const shared = estate([
      ['a-train', [rootVolume(k1.arn)]],
      ['b-train', [rootVolume(k1.arn)]],
    ]);
    const { findings } = evaluate(shared, { rules: [rule], config: resolveConfig({}), now: new Date(NOW) });
    expect(findings).toEqual([]);
    // the same estate with tenancy does fail, so the silence above is the config's doing
    const withTenancy = evaluate(shared, {
      rules: [rule],
      config: resolveConfig(tenancy),
      now: new Date(NOW),
    });
    expect(withTenancy.findings.map((f) => f.status)).toEqual(['FAIL', 'FAIL']);
  });
});
