/**
 * Rule evaluation at scale: a generated inventory of 100,000 instance groups and 20,000 keys (and
 * a 10,000-group one beside it, to show that evaluation stays linear). Each measurement runs in
 * its own process so that its peak memory is its own. Beside each evaluation, the same inventory
 * as a snapshot file (what `collect -o` writes) is read and validated (`parseSnapshot`): the floor
 * no evaluation can go below, measured in the same run so that both see the same machine. What is
 * evaluated is that read's result, as `evaluate FILE` evaluates it.
 * Goals: at 100k, under 3 s, under 1 GiB peak RSS and under 2x the snapshot's parse + validation;
 * at 10k, under 0.3 s; from 10k to 100k within 1.1x of linear. Each is printed MET or MISSED.
 * It measures the built package (dist/, what users run; `npm run bench` builds first), not the
 * TypeScript sources through a loader. `--runs N` (default 3) runs every measurement N times, each in
 * its own process; a goal is MET only when every run meets it. Last, the machine's own floor: what
 * memory touched for the first time costs here, and how much of each evaluation's wall time its
 * page faults account for.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../dist/config/schema.js';
import { evaluate } from '../dist/engine/evaluate.js';
import type { Cluster, ExecutionRole, Inventory, Key, PolicyStatement } from '../dist/model/inventory.js';
import { INVENTORY_SCHEMA_VERSION } from '../dist/model/inventory.js';
import { parseSnapshot, serializeSnapshot } from '../dist/model/snapshot.js';

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

interface Measurement {
  groups: number;
  keys: number;
  findings: number;
  ms: number;
  cpuMs: number;
  peakRssMiB: number;
  inventoryRssMiB: number;
  /** Minor page faults during evaluation: each is a page of memory the process touched for the first time. */
  pageFaults: number;
}

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const cpu = process.cpuUsage(start);
  return (cpu.user + cpu.system) / 1000;
};

/**
 * The generated inventory as `evaluate FILE` and the live collector hold it: read from its
 * snapshot's JSON text. The generator builds its ARNs and names by concatenation, and V8 keeps
 * those as ropes that the engine's first lookups would flatten, a cost no inventory read from JSON
 * (a snapshot, or the SDK's responses) ever has.
 */
function readInventory(groups: number, keys: number): Inventory {
  const parsed = parseSnapshot(serializeSnapshot(generateInventory(groups, keys)), 'snapshot.json');
  if (!parsed.ok)
    throw new Error(`the generated snapshot does not validate: ${JSON.stringify(parsed.error)}`);
  return parsed.value;
}

/** Evaluates a generated inventory: wall and CPU time of `evaluate` alone, and the peak RSS. */
function measureEvaluation(groups: number, keys: number): Measurement {
  const inventory = readInventory(groups, keys);
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const config = resolveConfig({
    keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'],
    drRegions: { 'us-east-1': 'us-west-2' },
  });
  const faultsBefore = process.resourceUsage().minorPageFault;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const evaluation = evaluate(inventory, { config, now: new Date('2026-11-27T00:00:00Z') });
  const ms = performance.now() - start;
  const cpuMs = cpuMsSince(cpuStart);
  const usage = process.resourceUsage();
  const peakRss = usage.maxRSS * 1024;
  return {
    groups,
    keys,
    findings: evaluation.findings.length,
    ms,
    cpuMs,
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    inventoryRssMiB: Math.round(before / 2 ** 20),
    pageFaults: usage.minorPageFault - faultsBefore,
  };
}

/**
 * What this machine charges for memory touched for the first time, in microseconds per page: a
 * fresh 256 MiB buffer written one byte per page. On a virtual machine each first touch can cost
 * several microseconds, which an evaluation pays for every page its findings and its garbage
 * collector's copies occupy: a floor that no change to the engine removes, only using less memory.
 */
function measureFreshMemory(): { microsPerFault: number; msPerMiB: number } {
  const bytes = 256 * 2 ** 20;
  const faultsBefore = process.resourceUsage().minorPageFault;
  const start = performance.now();
  const memory = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 4096) memory[i] = 1;
  const ms = performance.now() - start;
  const faults = process.resourceUsage().minorPageFault - faultsBefore;
  return { microsPerFault: (ms * 1000) / Math.max(1, faults), msPerMiB: ms / 256 };
}

/** Reads and validates the same inventory as a snapshot file's text: the floor of any evaluation. */
function measureParse(groups: number, keys: number): { ms: number; cpuMs: number; megabytes: number } {
  let text: string | undefined = serializeSnapshot(generateInventory(groups, keys));
  const megabytes = text.length / 1e6;
  globalThis.gc?.();
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const parsed = parseSnapshot(text, 'snapshot.json');
  const ms = performance.now() - start;
  const cpuMs = cpuMsSince(cpuStart);
  text = undefined;
  if (!parsed.ok)
    throw new Error(`the generated snapshot does not validate: ${JSON.stringify(parsed.error)}`);
  return { ms, cpuMs, megabytes };
}

type Mode = 'evaluate' | 'parse' | 'memory';

function child<T>(self: string, mode: Mode, groups: number, keys: number): T {
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', self, mode, String(groups), String(keys)],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as T;
}

const verdict = (met: boolean) => (met ? 'MET' : 'MISSED');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const [, , mode, groupsArg, keysArg] = process.argv;
const isMain = import.meta.url === `file://${process.argv[1]}`;
if (!isMain) {
  // imported by another script
} else if (mode === 'evaluate') {
  process.stdout.write(JSON.stringify(measureEvaluation(Number(groupsArg), Number(keysArg))));
} else if (mode === 'parse') {
  process.stdout.write(JSON.stringify(measureParse(Number(groupsArg), Number(keysArg))));
} else if (mode === 'memory') {
  process.stdout.write(JSON.stringify(measureFreshMemory()));
} else {
  const self = fileURLToPath(import.meta.url);
  // `--runs N` (default 3): each goal is MET only when every run meets it ("three runs in a row").
  const runsAt = process.argv.indexOf('--runs');
  const runs = runsAt > 0 ? Math.max(1, Number(process.argv[runsAt + 1]) || 1) : 3;
  const sizes: [number, number][] = [
    [10_000, 2_000],
    [100_000, 20_000],
  ];
  type Row = { evaluation: Measurement; parse: ReturnType<typeof measureParse> };
  // Runs interleave the sizes, so that a passing disturbance on the machine touches one run of each.
  const rowsBySize: Row[][] = sizes.map(() => []);
  for (let run = 0; run < runs; run++) {
    sizes.forEach(([groups, keys], i) => {
      rowsBySize[i]!.push({
        evaluation: child<Measurement>(self, 'evaluate', groups, keys),
        parse: child<ReturnType<typeof measureParse>>(self, 'parse', groups, keys),
      });
    });
  }
  process.stdout.write(
    'evaluate: run  instance groups  keys    findings  wall      CPU       peak RSS  (inventory alone)  µs per group  snapshot read + validated\n',
  );
  for (const rows of rowsBySize) {
    rows.forEach(({ evaluation: r, parse }, run) => {
      process.stdout.write(
        `          ${String(run + 1).padStart(3)}  ${String(r.groups).padStart(15)}  ${String(r.keys).padStart(6)}  ${String(r.findings).padStart(8)}  ${seconds(r.ms).padStart(8)}  ${seconds(r.cpuMs).padStart(8)}  ${`${r.peakRssMiB} MiB`.padStart(8)}  ${`${r.inventoryRssMiB} MiB`.padStart(17)}  ${((r.ms * 1000) / r.groups).toFixed(1).padStart(12)}  ${seconds(parse.ms)} wall, ${seconds(parse.cpuMs)} CPU (${parse.megabytes.toFixed(0)} MB)\n`,
      );
    });
  }
  process.stdout.write(
    '(CPU time includes the garbage collector threads; on a loaded machine compare CPU, not wall time)\n',
  );
  const [smallRows, largeRows] = rowsBySize as [Row[], Row[]];
  const worst = <T>(values: T[], key: (value: T) => number) => Math.max(...values.map(key));
  const figures = (values: number[], format: (value: number) => string) =>
    values.length === 1 ? format(values[0]!) : `${values.map(format).join(', ')} (${values.length} runs)`;
  const largeMs = largeRows.map((r) => r.evaluation.ms);
  const smallMs = smallRows.map((r) => r.evaluation.ms);
  const largeRss = largeRows.map((r) => r.evaluation.peakRssMiB);
  const ratios = largeRows.map((r) => r.evaluation.ms / r.parse.ms);
  const cpuRatios = largeRows.map((r) => r.evaluation.cpuMs / r.parse.cpuMs);
  const scales = largeRows.map(
    (r, i) =>
      r.evaluation.ms / smallRows[i]!.evaluation.ms / (r.evaluation.groups / smallRows[i]!.evaluation.groups),
  );
  const goals: [string, string, boolean][] = [
    ['100k groups: wall', `${figures(largeMs, seconds)} (goal < 3 s)`, worst(largeMs, (v) => v) < 3000],
    [
      '100k groups: peak RSS',
      `${figures(largeRss, (v) => `${v} MiB`)} (goal < 1024 MiB)`,
      worst(largeRss, (v) => v) < 1024,
    ],
    [
      '100k groups: evaluation / snapshot read + validated',
      `${figures(ratios, (v) => `${v.toFixed(2)}x`)} wall; ${figures(cpuRatios, (v) => `${v.toFixed(2)}x`)} CPU (goal < 2x)`,
      worst(ratios, (v) => v) < 2,
    ],
    ['10k groups: wall', `${figures(smallMs, seconds)} (goal < 0.3 s)`, worst(smallMs, (v) => v) < 300],
    [
      '10k to 100k: time per group',
      `${figures(scales, (v) => v.toFixed(2))} of linear (goal within 1.1x)`,
      worst(scales, (v) => v) <= 1.1,
    ],
  ];
  for (const [goal, figure, met] of goals) process.stdout.write(`goal ${goal}: ${figure} ${verdict(met)}\n`);
  // The machine's floor: what first touches of memory cost here, and how many each evaluation made.
  const fresh = child<ReturnType<typeof measureFreshMemory>>(self, 'memory', 0, 0);
  process.stdout.write(
    `machine: memory touched for the first time costs ${fresh.microsPerFault.toFixed(1)} µs a page (${fresh.msPerMiB.toFixed(2)} ms per MiB)\n`,
  );
  for (const rows of rowsBySize) {
    const faults = rows.map((r) => r.evaluation.pageFaults);
    const ms = rows.map((r) => r.evaluation.ms);
    const share = faults.map((f, i) => (f * fresh.microsPerFault) / 1000 / ms[i]!);
    process.stdout.write(
      `  ${rows[0]!.evaluation.groups.toLocaleString('en')} groups: ${figures(faults, (v) => v.toLocaleString('en'))} page faults during evaluation, about ${figures(
        faults.map((f) => (f * fresh.microsPerFault) / 1000),
        (v) => seconds(v),
      )} of first touches (${figures(share, (v) => `${Math.round(v * 100)}%`)} of the wall time)\n`,
    );
  }
}
