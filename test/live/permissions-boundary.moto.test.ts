/**
 * A live scan reads an execution role's permissions boundary (GetRole, then the boundary's default
 * version as any managed policy), and the grant check applies it: a role whose own policy allows
 * HyperPod's calls, under a boundary that allows no KMS action, cannot make them.
 */
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  IAMClient,
  PutRolePermissionsBoundaryCommand,
} from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../src/collectors/aws/collect.js';
import { resolveConfig } from '../../src/config/schema.js';
import type { Finding } from '../../src/model/finding.js';
import type { Inventory } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import { MotoAccount } from '../helpers/aws-estate.js';
import { motoUrl } from '../helpers/moto.js';

let account: MotoAccount;
let inventory: Inventory;
let findings: Finding[];
let s3Only: string;
let kmsToo: string;

beforeAll(async () => {
  account = await MotoAccount.create(motoUrl());
  const iam = account.client(IAMClient);
  const policy = async (name: string, actions: string[]) =>
    (
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: name,
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
          }),
        }),
      )
    ).Policy!.Arn!;
  s3Only = await policy('boundary-s3', ['s3:*']);
  kmsToo = await policy('boundary-kms', ['s3:*', 'kms:CreateGrant', 'kms:DescribeKey']);
  // The key's default policy delegates to IAM: only the role's own policy can let it in.
  const grants = [{ Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' }];
  const bounded = await account.role('bounded', grants);
  const allowed = await account.role('allowed', grants);
  await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'bounded', PermissionsBoundary: s3Only }));
  await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'allowed', PermissionsBoundary: kmsToo }));
  // A boundary is not an attached policy: the role's own policies stay what they were.
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'allowed', PolicyArn: s3Only }));
  iam.destroy();
  const key = await account.key({ alias: 'alias/workers' });
  await account.cluster('bounded', [
    { name: 'bounded', role: bounded, root: key.arn },
    { name: 'allowed', role: allowed, root: key.arn },
  ]);
  const result = await collect({
    endpoint: account.endpoint,
    credentials: async () => account.credentials,
    accounts: [account.id],
    regions: ['us-east-1'],
    maxAttempts: 2,
  });
  if (!result.ok) throw new Error(result.error.message);
  inventory = result.value.inventory;
  findings = runPipeline(inventory, { config: resolveConfig(), now: new Date() }).evaluation.findings;
}, 120_000);

const grantOf = (group: string) =>
  findings.find(
    (f) => f.ruleId === 'hyperpod-key-grants-execution-role' && f.resource.id.endsWith(`/${group}`),
  );

describe('permissions boundaries, live', () => {
  it('reads each role boundary with its KMS statements', () => {
    const byName = new Map(inventory.roles.map((role) => [role.arn.split('/').pop(), role]));
    expect(byName.get('bounded')?.permissionsBoundary).toEqual({ policyArn: s3Only, kmsStatements: [] });
    expect(byName.get('allowed')?.permissionsBoundary).toEqual({
      policyArn: kmsToo,
      kmsStatements: [
        { Effect: 'Allow', Action: ['s3:*', 'kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' },
      ],
    });
    expect(inventory.gaps.filter((gap) => gap.service === 'iam')).toEqual([]);
  });

  it('a boundary without KMS stops the grant the role policy allows; one that allows it lets it through', () => {
    expect([grantOf('bounded')?.status, grantOf('bounded')?.messageId]).toEqual(['FAIL', 'outsideBoundary']);
    expect(grantOf('bounded')?.message).toContain(`its permissions boundary ${s3Only} does not`);
    expect([grantOf('allowed')?.status, grantOf('allowed')?.messageId]).toEqual(['PASS', 'granted']);
  });
});
