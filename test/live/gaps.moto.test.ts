/**
 * Partial failure is data: AccessDenied, a throttle that outlasts the retries, a disabled Region and
 * a role that cannot be assumed each become a gap with its code, operation, account and Region;
 * the rules that needed the data say UNKNOWN; the other accounts are scanned all the same. The
 * errors come from a proxy in front of moto, in each service's own wire format, so the SDK parses
 * real AWS errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../src/collectors/aws/collect.js';
import { resolveConfig } from '../../src/config/schema.js';
import type { Finding } from '../../src/model/finding.js';
import type { Inventory } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import { MotoAccount } from '../helpers/aws-estate.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { motoUrl } from '../helpers/moto.js';

let base: MotoAccount;
let refused: MotoAccount;
let healthy: MotoAccount;
let proxy: FaultProxy;
let inventory: Inventory;
let findings: Finding[];
let hidden: { arn: string };
let throttled: { arn: string };
let secret: { arn: string };
let fine: { arn: string };

beforeAll(async () => {
  const url = motoUrl();
  [base, refused, healthy] = await Promise.all([
    MotoAccount.create(url),
    MotoAccount.create(url),
    MotoAccount.create(url),
  ]);
  const role = await base.role('hyperpod-exec');
  hidden = await base.key({ alias: 'alias/hidden-policy' });
  throttled = await base.key({ alias: 'alias/busy-grants' });
  secret = await base.key({ alias: 'alias/secret' });
  fine = await base.key({ alias: 'alias/fine' });
  await base.cluster('partial', [
    { name: 'a', role, root: 'alias/hidden-policy', secondary: 'alias/busy-grants' },
    { name: 'b', role, root: secret.arn },
    { name: 'c', role, root: fine.arn },
  ]);
  const healthyRole = await healthy.role('hyperpod-exec');
  await healthy.cluster('healthy', [
    { name: 'gpu', role: healthyRole, root: (await healthy.key({ alias: 'alias/h' })).arn },
  ]);
  proxy = await startFaultProxy(url, [
    {
      operation: 'AssumeRole',
      bodyContains: refused.id,
      code: 'AccessDenied',
      message: 'not authorized to perform: sts:AssumeRole',
    },
    { operation: 'GetKeyPolicy', bodyContains: hidden.arn, code: 'AccessDeniedException' },
    {
      operation: 'ListGrants',
      bodyContains: throttled.arn,
      code: 'ThrottlingException',
      message: 'Rate exceeded',
    },
    { operation: 'DescribeKey', bodyContains: secret.arn, code: 'AccessDeniedException' },
    {
      operation: 'ListClusters',
      region: 'eu-west-1',
      code: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    },
    {
      operation: 'LookupEvents',
      code: 'AccessDeniedException',
      message: 'not authorized to perform: cloudtrail:LookupEvents',
    },
  ]);
  const result = await collect({
    endpoint: proxy.url,
    credentials: async () => base.credentials,
    accounts: [base.id, refused.id, healthy.id],
    roleName: 'HyperPodCmkAudit',
    regions: ['us-east-1', 'eu-west-1'],
    maxAttempts: 2,
    lookupEventsPerSecond: 50,
  });
  if (!result.ok) throw new Error(result.error.message);
  inventory = result.value.inventory;
  findings = runPipeline(inventory, { config: resolveConfig(), now: new Date() }).evaluation.findings;
}, 120_000);

afterAll(async () => proxy?.close());

const gapsOf = (filter: Partial<Record<string, string>>) =>
  inventory.gaps.filter((gap) =>
    Object.entries(filter).every(([k, v]) => (gap as Record<string, unknown>)[k] === v),
  );
const status = (ruleId: string, id: string) =>
  findings.find((f) => f.ruleId === ruleId && f.resource.id === id);

describe('gaps', () => {
  it('a role that cannot be assumed is a gap, and the other accounts are still scanned', () => {
    const [gap] = gapsOf({ account: refused.id, operation: 'AssumeRole' });
    expect(gap).toMatchObject({ code: 'aws.assume_role_failed', service: 'sts' });
    expect(gap!.message).toContain('AccessDenied');
    expect(status('account-kms-audit-trail', refused.id)?.status).toBe('UNKNOWN');
    expect(inventory.clusters.map((c) => c.name).sort()).toEqual(['healthy', 'partial']);
    expect(inventory.accounts.map((a) => a.id).sort()).toEqual([base.id, refused.id, healthy.id].sort());
  });

  it('an AccessDenied on GetKeyPolicy makes the policy rules UNKNOWN for that key only', () => {
    expect(gapsOf({ resource: hidden.arn, operation: 'GetKeyPolicy' })).toMatchObject([
      { code: 'aws.access_denied', service: 'kms', account: base.id, region: 'us-east-1' },
    ]);
    const finding = status('kms-key-policy-no-public-access', hidden.arn);
    expect(finding?.status).toBe('UNKNOWN');
    expect(finding?.message).toContain('aws.access_denied');
    expect(status('kms-key-policy-no-public-access', fine.arn)?.status).toBe('PASS');
  });

  it('a throttle that outlasts the retries is aws.throttled, after the retries', () => {
    expect(gapsOf({ resource: throttled.arn, operation: 'ListGrants' })).toMatchObject([
      { code: 'aws.throttled' },
    ]);
    const hits = [...proxy.hits].find(([fault]) => fault.operation === 'ListGrants')![1];
    expect(hits).toBe(2); // maxAttempts 2: the SDK retried once
    expect(status('kms-key-grants-scoped', throttled.arn)?.status).toBe('UNKNOWN');
  });

  it('an AccessDenied on DescribeKey leaves the volume key unknown, never PASS', () => {
    const group = inventory.clusters
      .find((c) => c.name === 'partial')!
      .instanceGroups.find((g) => g.name === 'b')!;
    expect((group.volumes as { resolution?: unknown }[])[0]?.resolution).toMatchObject({
      status: 'unknown',
      gapCode: 'aws.access_denied',
    });
    expect(status('hyperpod-key-exists', group.id)?.status).toBe('UNKNOWN');
    expect(status('hyperpod-root-volume-cmk', group.id)?.status).toBe('UNKNOWN');
  });

  it('a Region that is not enabled is aws.region_disabled, per account', () => {
    const disabled = gapsOf({ region: 'eu-west-1', operation: 'ListClusters' });
    expect(disabled.map((g) => g.code)).toEqual(['aws.region_disabled', 'aws.region_disabled']);
    expect(disabled.map((g) => g.account).sort()).toEqual([base.id, healthy.id].sort());
  });

  it('a denied LookupEvents leaves the CloudTrail rules UNKNOWN and no events marked collected', () => {
    expect(gapsOf({ operation: 'LookupEvents', account: base.id, region: 'us-east-1' })).toMatchObject([
      { code: 'aws.access_denied', service: 'cloudtrail' },
    ]);
    expect(inventory.eventsCollected.filter((e) => e.account === base.id)).toEqual([]);
    expect(status('kms-key-unauthorized-access-attempts', fine.arn)?.status).toBe('UNKNOWN');
  });
});
