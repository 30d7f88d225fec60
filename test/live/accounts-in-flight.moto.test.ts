/**
 * A scan of many accounts collects them a bounded number at a time (as many as requests may be in
 * flight), after assuming every role, and collects exactly what an unbounded scan collects: the
 * same inventory and the same calls, a key one account uses in another member account read in
 * full whichever of the two is scanned first.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsCall } from '../../src/collectors/aws/clients.js';
import { accountsInFlight, collect } from '../../src/collectors/aws/collect.js';
import type { Inventory } from '../../src/model/inventory.js';
import { MotoAccount } from '../helpers/aws-estate.js';
import { motoUrl } from '../helpers/moto.js';

const MEMBERS = 6;
const CONCURRENCY = 2;

let base: MotoAccount;
let members: MotoAccount[];
let keys: { arn: string; keyId: string }[];

async function scan(concurrency: number): Promise<{ inventory: Inventory; calls: AwsCall[] }> {
  const calls: AwsCall[] = [];
  const result = await collect({
    endpoint: motoUrl(),
    credentials: async () => base.credentials,
    accounts: members.map((m) => m.id),
    roleName: 'HyperPodCmkAudit',
    regions: ['us-east-1'],
    cloudtrail: false,
    concurrency,
    now: new Date('2026-11-27T00:00:00Z'),
    recorder: { call: (call) => void calls.push(call) },
  });
  if (!result.ok) throw new Error(result.error.message);
  return { inventory: result.value.inventory, calls };
}

/** The most accounts whose own cluster listing and descriptions overlap in the order of calls. */
function mostAccountsAtOnce(calls: readonly AwsCall[]): number {
  const span = new Map<string, [number, number]>();
  calls.forEach((call, i) => {
    if (call.service !== 'sagemaker') return;
    const [first] = span.get(call.account) ?? [i];
    span.set(call.account, [first, i]);
  });
  let most = 0;
  for (let i = 0; i < calls.length; i++)
    most = Math.max(most, [...span.values()].filter(([first, last]) => first <= i && i <= last).length);
  return most;
}

const countOf = (calls: readonly AwsCall[]) =>
  calls.reduce<Record<string, number>>((counts, c) => {
    const name = `${c.service}:${c.operation}|${c.account}`;
    counts[name] = (counts[name] ?? 0) + 1;
    return counts;
  }, {});

beforeAll(async () => {
  const url = motoUrl();
  base = await MotoAccount.create(url);
  members = await Promise.all(Array.from({ length: MEMBERS }, () => MotoAccount.create(url)));
  keys = await Promise.all(members.map((m, i) => m.key({ alias: `alias/hp/m${i}`, tags: { owner: 'ml' } })));
  await Promise.all(
    members.map(async (member, i) => {
      const role = await member.role('hyperpod-exec', [
        { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' },
      ]);
      // The first and the last member each use a key of the other: one is scanned long before the other.
      const foreign = i === 0 ? keys[MEMBERS - 1]!.arn : i === MEMBERS - 1 ? keys[0]!.arn : `alias/hp/m${i}`;
      await member.cluster('a', [{ name: 'gpu', role, root: keys[i]!.keyId, secondary: foreign }]);
      await member.cluster('b', [{ name: 'cpu', role, root: `alias/hp/m${i}`, secondary: null }]);
    }),
  );
});

describe('an organization-sized scan', () => {
  it(`collects at most ${CONCURRENCY} accounts at once (--concurrency ${CONCURRENCY}), every role assumed first`, async () => {
    expect(accountsInFlight({ concurrency: CONCURRENCY })).toBe(CONCURRENCY);
    const { inventory, calls } = await scan(CONCURRENCY);
    expect(inventory.clusters).toHaveLength(2 * MEMBERS);
    expect(mostAccountsAtOnce(calls)).toBe(CONCURRENCY);
    const assumes = calls.flatMap((c, i) => (c.operation === 'AssumeRole' ? [i] : []));
    expect(assumes).toHaveLength(MEMBERS);
    const firstWork = calls.findIndex((c) => c.service !== 'sts');
    expect(Math.max(...assumes)).toBeLessThan(firstWork);
  });

  it('collects the same inventory with the same calls as with every account at once', async () => {
    const bounded = await scan(CONCURRENCY);
    const wide = await scan(MEMBERS * 4);
    expect(mostAccountsAtOnce(wide.calls)).toBeGreaterThan(CONCURRENCY);
    expect(bounded.inventory).toEqual(wide.inventory);
    expect(countOf(bounded.calls)).toEqual(countOf(wide.calls));
    expect(bounded.inventory.gaps.filter((g) => g.code !== 'skipped')).toEqual([]);
  });

  it("reads a key of another member in full, whether that member's scan is over or not yet begun", async () => {
    const { inventory } = await scan(CONCURRENCY);
    for (const key of [keys[0]!, keys[MEMBERS - 1]!]) {
      const found = inventory.keys.find((k) => k.arn === key.arn);
      expect(found?.policy).toBeDefined();
      expect(found?.tags).toEqual({ owner: 'ml' });
    }
    const first = inventory.clusters.find((c) => c.account === members[0]!.id && c.name === 'a')!;
    const group = first.instanceGroups[0]!;
    expect(Array.isArray(group.volumes) && group.volumes[1]?.resolution).toEqual({
      status: 'resolved',
      keyArn: keys[MEMBERS - 1]!.arn,
    });
  });
});
