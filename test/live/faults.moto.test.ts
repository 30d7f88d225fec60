/**
 * Flaky AWS: throttling, 5xx, reset connections, bodies cut short, requests that never answer and
 * AccessDenied, each injected per operation by a proxy in front of moto. Whatever the fault, the
 * scan finishes within a bound, the call that failed is a gap naming its operation, the rules that
 * needed its data are UNKNOWN with that gap as the reason (never PASS), and the resources the fault
 * did not touch are judged as usual. A fault that clears before the retries run out costs nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../../src/collectors/aws/collect.js';
import { resolveConfig } from '../../src/config/schema.js';
import type { Finding } from '../../src/model/finding.js';
import type { Inventory } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import { MotoAccount } from '../helpers/aws-estate.js';
import { type Fault, type FaultKind, type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { motoUrl } from '../helpers/moto.js';

/** One key per fault on GetKeyPolicy: the wire fault, and the gap code it must become. */
const POLICY_FAULTS: { name: string; kind: FaultKind; code?: string; status?: number; gap: string }[] = [
  { name: 'throttled', kind: 'error', code: 'ThrottlingException', gap: 'aws.throttled' },
  { name: 'internal-500', kind: 'error', code: 'KMSInternalException', status: 500, gap: 'aws.error' },
  { name: 'unavailable-503', kind: 'error', code: 'ServiceUnavailable', status: 503, gap: 'aws.error' },
  { name: 'reset', kind: 'reset', gap: 'aws.network' },
  { name: 'truncated', kind: 'truncate', gap: 'aws.network' },
  { name: 'hang', kind: 'hang', gap: 'aws.timeout' },
  { name: 'denied', kind: 'error', code: 'AccessDeniedException', gap: 'aws.access_denied' },
];

const REQUEST_TIMEOUT_MS = 1_000;
const MAX_ATTEMPTS = 2;
/** Every fault at once, each retried: far below the minutes a hang without a timeout would take. */
const SCAN_BOUND_MS = 45_000;

let account: MotoAccount;
let proxy: FaultProxy;
let inventory: Inventory;
let findings: Finding[];
let elapsedMs: number;
const keys = new Map<string, { arn: string }>();
let healthy: { arn: string };
let describeHang: { arn: string };
let transient: { arn: string };
const faults: Fault[] = [];

beforeAll(async () => {
  const url = motoUrl();
  account = await MotoAccount.create(url);
  const role = await account.role('hyperpod-exec');
  for (const fault of POLICY_FAULTS)
    keys.set(fault.name, await account.key({ alias: `alias/${fault.name}` }));
  healthy = await account.key({ alias: 'alias/healthy' });
  describeHang = await account.key({ alias: 'alias/describe-hang' });
  transient = await account.key({ alias: 'alias/transient' });
  await account.cluster('flaky', [
    ...POLICY_FAULTS.map((fault) => ({ name: fault.name, role, root: keys.get(fault.name)!.arn })),
    { name: 'healthy', role, root: healthy.arn },
    { name: 'describe-hang', role, root: describeHang.arn },
    { name: 'transient', role, root: transient.arn },
  ]);
  for (const fault of POLICY_FAULTS)
    faults.push({
      operation: 'GetKeyPolicy',
      bodyContains: keys.get(fault.name)!.arn,
      kind: fault.kind,
      ...(fault.code ? { code: fault.code } : {}),
      ...(fault.status ? { status: fault.status } : {}),
    });
  faults.push(
    { operation: 'DescribeKey', bodyContains: describeHang.arn, kind: 'hang' },
    // Hangs once, then answers: the retry gets the data.
    { operation: 'GetKeyPolicy', bodyContains: transient.arn, kind: 'hang', times: 1 },
    { operation: 'ListClusters', region: 'eu-west-1', kind: 'hang' },
  );
  proxy = await startFaultProxy(url, faults);
  const started = Date.now();
  const result = await collect({
    endpoint: proxy.url,
    credentials: async () => account.credentials,
    regions: ['us-east-1', 'eu-west-1'],
    maxAttempts: MAX_ATTEMPTS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    cloudtrail: false,
  });
  elapsedMs = Date.now() - started;
  if (!result.ok) throw new Error(result.error.message);
  inventory = result.value.inventory;
  findings = runPipeline(inventory, { config: resolveConfig(), now: new Date() }).evaluation.findings;
}, 120_000);

afterAll(async () => proxy?.close());

const finding = (ruleId: string, id: string) =>
  findings.find((f) => f.ruleId === ruleId && f.resource.id === id);
const groupId = (name: string) =>
  inventory.clusters.find((c) => c.name === 'flaky')!.instanceGroups.find((g) => g.name === name)!.id;

describe('faults injected per operation', () => {
  it('the scan finishes within its bound whatever the faults', () => {
    expect(elapsedMs).toBeLessThan(SCAN_BOUND_MS);
    expect(inventory.clusters.map((c) => c.name)).toEqual(['flaky']);
  });

  it.each(POLICY_FAULTS)('$name on GetKeyPolicy is a $gap gap, and the policy rule is UNKNOWN', (fault) => {
    const arn = keys.get(fault.name)!.arn;
    const gaps = inventory.gaps.filter((g) => g.resource === arn);
    expect(gaps.map((g) => [g.service, g.operation, g.code])).toEqual([['kms', 'GetKeyPolicy', fault.gap]]);
    const result = finding('kms-key-policy-no-public-access', arn);
    expect(result?.status).toBe('UNKNOWN');
    expect(result?.message).toContain('GetKeyPolicy');
    expect(result?.message).toContain(fault.gap);
    // No rule that reads the key policy passes on this key.
    const passedOnPolicy = findings.filter(
      (f) => f.resource.id === arn && f.ruleId.startsWith('kms-key-policy') && f.status === 'PASS',
    );
    expect(passedOnPolicy).toEqual([]);
  });

  it('each retryable fault was retried up to the attempt budget, and no further', () => {
    const attempts = (name: string) =>
      proxy.hits.get(faults.find((f) => f.bodyContains === keys.get(name)!.arn)!)!;
    for (const name of ['throttled', 'internal-500', 'unavailable-503', 'reset', 'truncated', 'hang'])
      expect([name, attempts(name)]).toEqual([name, MAX_ATTEMPTS]);
    expect(attempts('denied')).toBe(1);
  });

  it('a DescribeKey that never answers leaves the volume key unknown, never PASS', () => {
    expect(
      inventory.gaps.filter((g) => g.resource === describeHang.arn).map((g) => [g.operation, g.code]),
    ).toEqual([['DescribeKey', 'aws.timeout']]);
    const id = groupId('describe-hang');
    expect(finding('hyperpod-root-volume-cmk', id)?.status).toBe('UNKNOWN');
    expect(finding('hyperpod-key-exists', id)?.status).toBe('UNKNOWN');
  });

  it('a ListClusters that never answers is a timeout gap for its Region; the other Region is scanned', () => {
    expect(
      inventory.gaps.filter((g) => g.operation === 'ListClusters').map((g) => [g.region, g.code, g.account]),
    ).toEqual([['eu-west-1', 'aws.timeout', account.id]]);
  });

  it('a fault that clears before the retries run out leaves no gap and the rule judged on data', () => {
    expect(inventory.gaps.filter((g) => g.resource === transient.arn)).toEqual([]);
    expect(finding('kms-key-policy-no-public-access', transient.arn)?.status).toBe('PASS');
    expect(finding('kms-key-policy-no-public-access', healthy.arn)?.status).toBe('PASS');
    expect(inventory.gaps.filter((g) => g.resource === healthy.arn)).toEqual([]);
  });
});
