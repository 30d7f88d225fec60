/**
 * Rule evaluation at scale: a generated inventory of 100,000 instance groups and 20,000 keys (and
 * a 10,000-group one beside it, to show that evaluation stays linear). Each size runs in its own
 * process so that its peak memory is its own. Goal: under 3 s and under 1 GiB at 100k.
 * It measures the built package (dist/, what users run; `npm run bench` builds first), not the
 * TypeScript sources through a loader.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../dist/config/schema.js';
import { evaluate } from '../dist/engine/evaluate.js';
import type { Cluster, ExecutionRole, Inventory, Key, PolicyStatement } from '../dist/model/inventory.js';
import { INVENTORY_SCHEMA_VERSION } from '../dist/model/inventory.js';

const GROUPS_PER_CLUSTER = 10;
const ACCOUNTS = 20;
const REGIONS = ['us-east-1', 'us-west-2'];

export function generateInventory(groups: number, keys: number): Inventory {
  const clusters: Cluster[] = [];
  const keyList: Key[] = [];
  const roles: ExecutionRole[] = [];
  const accountOf = (i: number) => String(100000000000 + (i % ACCOUNTS));
  for (let k = 0; k < keys; k++) {
    const account = accountOf(k);
    const region = REGIONS[k % REGIONS.length]!;
    const id = `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
    const role = `arn:aws:iam::${account}:role/hyperpod-${k % 1000}`;
    const statements: PolicyStatement[] = [
      {
        Sid: 'Root',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'Admin',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:role/KeyAdmin` },
        Action: [
          'kms:PutKeyPolicy',
          'kms:ScheduleKeyDeletion',
          'kms:DisableKey',
          'kms:Describe*',
          'kms:Get*',
          'kms:List*',
        ],
        Resource: '*',
      },
      {
        Sid: 'Grant',
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
        Sid: 'Describe',
        Effect: 'Allow',
        Principal: { AWS: role },
        Action: 'kms:DescribeKey',
        Resource: '*',
      },
    ];
    if (k % 10 === 0)
      statements.push({ Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' });
    keyList.push({
      arn: `arn:aws:kms:${region}:${account}:key/${id}`,
      keyId: id,
      account,
      region,
      source: 'live',
      aliases: [`alias/hyperpod/${k}`],
      metadata: {
        keyManager: 'CUSTOMER',
        keyState: k % 50 === 0 ? 'Disabled' : 'Enabled',
        keySpec: 'SYMMETRIC_DEFAULT',
        keyUsage: 'ENCRYPT_DECRYPT',
        origin: 'AWS_KMS',
        multiRegion: k % 3 === 0,
        replicaRegions: k % 3 === 0 ? ['us-west-2'] : [],
      },
      rotation: { enabled: k % 7 !== 0, periodInDays: 365 },
      policy: { Version: '2012-10-17', Statement: statements },
      grants: [{ grantId: `g${k}`, granteePrincipal: role, operations: ['Decrypt', 'CreateGrant'] }],
      tags: { owner: 'ml', project: `p${k % 40}` },
    });
  }
  for (let r = 0; r < 1000 * ACCOUNTS; r++) {
    const account = accountOf(r);
    roles.push({
      arn: `arn:aws:iam::${account}:role/hyperpod-${r % 1000}`,
      account,
      source: 'live',
      policiesCollected: true,
      kmsStatements: [
        {
          Effect: 'Allow',
          Action: ['kms:CreateGrant', 'kms:DescribeKey'],
          Resource: r % 5 === 0 ? '*' : `arn:aws:kms:*:${account}:key/*-0000`,
        },
      ],
    });
  }
  const clusterCount = Math.ceil(groups / GROUPS_PER_CLUSTER);
  let g = 0;
  for (let c = 0; c < clusterCount; c++) {
    const key = keyList[(c * 7) % keys]!;
    const account = key.account;
    const region = key.region;
    const arn = `arn:aws:sagemaker:${region}:${account}:cluster/${String(c).padStart(12, '0')}`;
    const cluster: Cluster = {
      id: arn,
      arn,
      name: `cluster-${c}`,
      account,
      region,
      source: 'live',
      orchestrator: c % 10 === 0 ? 'slurm' : 'eks',
      nodeProvisioningMode: c % 10 === 0 ? null : 'Continuous',
      tags: { owner: 'ml', project: `p${c % 40}`, ...(c % 4 ? { 'data-sensitivity': 'internal' } : {}) },
      instanceGroups: [],
    };
    for (let i = 0; i < GROUPS_PER_CLUSTER && g < groups; i++, g++) {
      const k = keyList[(g * 13) % keys]!;
      const sameAccount = k.account === account && k.region === region ? k : key;
      cluster.instanceGroups.push({
        id: `${arn}/instance-group/group-${i}`,
        name: `group-${i}`,
        kind: 'regular',
        executionRole: `arn:aws:iam::${account}:role/hyperpod-${g % 1000}`,
        instanceType: 'ml.p5.48xlarge',
        instanceCount: 4,
        volumes:
          g % 9 === 0
            ? []
            : [
                {
                  role: 'root',
                  kmsKeyId: sameAccount.arn,
                  resolution: { status: 'resolved', keyArn: sameAccount.arn },
                },
                {
                  role: 'secondary',
                  kmsKeyId: g % 5 === 0 ? null : sameAccount.arn,
                  sizeInGB: 500,
                  ...(g % 5 === 0
                    ? {}
                    : { resolution: { status: 'resolved' as const, keyArn: sameAccount.arn } }),
                },
              ],
      });
    }
    clusters.push(cluster);
  }
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
    id: accountOf(i),
    regions: REGIONS,
    source: 'live' as const,
  }));
  return {
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    generatedAt: '2026-11-27T00:00:00.000Z',
    source: 'live',
    accounts,
    clusters,
    keys: keyList,
    roles,
    trails: accounts.map((a) => ({
      arn: `arn:aws:cloudtrail:us-east-1:${a.id}:trail/t`,
      name: 't',
      account: a.id,
      homeRegion: 'us-east-1',
      isMultiRegion: true,
      isLogging: true,
      logsManagementEvents: true,
    })),
    events: [],
    eventsCollected: accounts.flatMap((a) =>
      REGIONS.map((region) => ({ account: a.id, region, since: '2026-09-01T00:00:00.000Z' })),
    ),
    gaps: [],
  };
}

function measure(groups: number, keys: number): void {
  const inventory = generateInventory(groups, keys);
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const config = resolveConfig({
    keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'],
    drRegions: { 'us-east-1': 'us-west-2' },
  });
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const evaluation = evaluate(inventory, { config, now: new Date('2026-11-27T00:00:00Z') });
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    JSON.stringify({
      groups,
      keys,
      findings: evaluation.findings.length,
      ms: Math.round(ms),
      cpuMs: Math.round(cpuMs),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
      inventoryRssMiB: Math.round(before / 2 ** 20),
    }),
  );
}

const [, , mode, groupsArg, keysArg] = process.argv;
const isMain = import.meta.url === `file://${process.argv[1]}`;
if (!isMain) {
  // imported by another script
} else if (mode === 'child') {
  measure(Number(groupsArg), Number(keysArg));
} else {
  const sizes: [number, number][] = [
    [10_000, 2_000],
    [100_000, 20_000],
  ];
  const self = fileURLToPath(import.meta.url);
  const rows = sizes.map(([groups, keys]) => {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', self, 'child', String(groups), String(keys)],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    if (child.status !== 0) throw new Error(child.stderr);
    return JSON.parse(child.stdout) as {
      groups: number;
      keys: number;
      findings: number;
      ms: number;
      cpuMs: number;
      peakRssMiB: number;
      inventoryRssMiB: number;
    };
  });
  process.stdout.write(
    'evaluate: instance groups  keys    findings  wall      CPU       peak RSS  (inventory alone)  µs per group\n',
  );
  for (const r of rows) {
    process.stdout.write(
      `          ${String(r.groups).padStart(15)}  ${String(r.keys).padStart(6)}  ${String(r.findings).padStart(8)}  ${`${(r.ms / 1000).toFixed(2)} s`.padStart(8)}  ${`${(r.cpuMs / 1000).toFixed(2)} s`.padStart(8)}  ${`${r.peakRssMiB} MiB`.padStart(8)}  ${`${r.inventoryRssMiB} MiB`.padStart(17)}  ${((r.ms * 1000) / r.groups).toFixed(1).padStart(12)}\n`,
    );
  }
  process.stdout.write(
    '(CPU time includes the garbage collector threads; on a loaded machine compare CPU, not wall time)\n',
  );
  const [small, large] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const scale = large.ms / small.ms / (large.groups / small.groups);
  process.stdout.write(
    `scaling: 10x the groups took ${(large.ms / small.ms).toFixed(1)}x the time (${scale.toFixed(2)} of linear)\n`,
  );
  process.stdout.write(
    `goal at 100k: < 3 s ${large.ms < 3000 ? 'met' : 'MISSED'}, < 1 GiB ${large.peakRssMiB < 1024 ? 'met' : 'MISSED'}\n`,
  );
}
