/**
 * aws:PrincipalOrgID and aws:PrincipalOrgPaths in the key policy: decided where the execution role's
 * organization is known (the live scan's DescribeOrganization, or the config's organizationId).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
 *
 * Part of the rule's one table (hyperpod-key-grants-execution-role.test.ts), kept apart for size:
 * one table per rule, so that the tester sees every status and source the rule's cases show.
 */
import type { Inventory, PolicyStatement } from '../../src/model/inventory.js';
import { iacCluster, iacId, iacInventory, iacKey, iacRole } from '../helpers/iac.js';
import {
  ACCOUNT,
  cluster,
  clusterArn,
  EXEC_ROLE,
  group,
  inventory,
  key,
  policyOf,
  REGION,
  role,
  rootVolume,
} from '../helpers/inventory.js';
import type { RuleCase } from '../helpers/rule-tester.js';

const ORG = 'o-a1b2c3d4e5';
const OTHER_ORG = 'o-zzzzzzzzzz';
const GROUP = `${clusterArn('c1')}/instance-group/workers`;
const VIA = `sagemaker.${REGION}.amazonaws.com`;

/** Anyone of the organization may let SageMaker create grants and describe the key. */
const orgStatement = (condition: PolicyStatement['Condition']): PolicyStatement => ({
  Sid: 'Org',
  Effect: 'Allow',
  Principal: '*',
  Action: ['kms:CreateGrant', 'kms:DescribeKey'],
  Resource: '*',
  Condition: { StringEquals: { 'kms:ViaService': VIA }, ...condition },
});
const byOrgId = orgStatement({ StringEquals: { 'kms:ViaService': VIA, 'aws:PrincipalOrgID': ORG } });

function estate(statement: PolicyStatement, organizationId?: string | null): Inventory {
  const k = key('k1', { policy: policyOf(statement) });
  return inventory({
    accounts: [
      {
        id: ACCOUNT,
        regions: [REGION],
        source: 'live',
        ...(organizationId !== undefined ? { organizationId } : {}),
      },
    ],
    clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(k.arn)] })])],
    keys: [k],
    roles: [role(EXEC_ROLE, { kmsStatements: [] })],
  });
}

/** For IaC, whose Region is not known here: the organization alone. */
const orgOnly: PolicyStatement = { ...byOrgId, Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } };

function iacEstate(statement: PolicyStatement): Inventory {
  return iacInventory({
    clusters: [
      iacCluster('Cluster', [
        group('workers', { executionRole: iacId('ExecRole'), volumes: [rootVolume(iacId('Key'))] }),
      ]),
    ],
    keys: [iacKey('Key', { policy: policyOf(statement) })],
    roles: [iacRole('ExecRole', [])],
  });
}

export const organizationCases: { valid: RuleCase[]; invalid: RuleCase[] } = {
  valid: [
    {
      name: 'aws:PrincipalOrgID: the account is in that organization (DescribeOrganization)',
      inventory: estate(byOrgId, ORG),
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
      name: 'aws:PrincipalOrgID: DescribeOrganization was denied, the config names the organization',
      inventory: estate(byOrgId),
      config: { organizationId: ORG },
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
      name: 'aws:PrincipalOrgPaths: every path under the organization',
      inventory: estate(
        orgStatement({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ORG}/*`] } }),
        ORG,
      ),
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
      name: 'StringNotEquals aws:PrincipalOrgID of another organization holds',
      inventory: estate(orgStatement({ StringNotEquals: { 'aws:PrincipalOrgID': OTHER_ORG } }), ORG),
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
      name: 'IaC: the config names the organization of the deploying account',
      inventory: iacEstate(orgOnly),
      config: { organizationId: ORG },
      expected: [
        {
          status: 'PASS',
          messageId: 'granted',
          resource: `${iacId('Cluster')}/instance-group/workers`,
          data: { key: 'infra/hyperpod.yaml#Key', role: 'infra/hyperpod.yaml#ExecRole' },
        },
      ],
    },
  ],
  invalid: [
    {
      name: 'aws:PrincipalOrgID: the account is in another organization',
      inventory: estate(byOrgId, OTHER_ORG),
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
      name: 'aws:PrincipalOrgID: the account is in no organization',
      inventory: estate(byOrgId, null),
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
      name: 'the inventory says which organization, whatever the config says',
      inventory: estate(byOrgId, OTHER_ORG),
      config: { organizationId: ORG },
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
      name: 'aws:PrincipalOrgPaths of another organization',
      inventory: estate(
        orgStatement({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${OTHER_ORG}/*`] } }),
        ORG,
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
      name: 'aws:PrincipalOrgPaths naming one OU: which OU the account is in is not known',
      inventory: estate(
        orgStatement({
          'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ORG}/r-ab12/ou-ab12-11111111/*`] },
        }),
        ORG,
      ),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'alias/k1',
            role: 'arn:aws:iam::111122223333:role/hyperpod-exec',
            action: 'kms:CreateGrant',
            reason: 'it depends on condition keys that cannot be evaluated: aws:PrincipalOrgPaths',
          },
        },
      ],
    },
    {
      name: 'aws:PrincipalOrgID: the organization is not known',
      inventory: estate(byOrgId),
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
      name: 'IaC without the config value: the organization is not known',
      inventory: iacEstate(orgOnly),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: {
            key: 'infra/hyperpod.yaml#Key',
            role: 'infra/hyperpod.yaml#ExecRole',
            action: 'kms:CreateGrant',
            reason: 'it depends on condition keys that cannot be evaluated: aws:PrincipalOrgID',
          },
        },
      ],
    },
  ],
};
