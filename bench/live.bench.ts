/**
 * The live scan of an organisation against the moto server: `--accounts N` accounts (default 50;
 * `npm run bench -- live -- --accounts 200` for the full 200) x 3 Regions x 5 clusters, 8 keys an
 * account, seeded through the AWS API. Prints:
 * - the AWS calls the scan made against the minimum the data requires (goal: equal);
 * - its wall time against a bare script that makes those minimal calls with the same SDK settings
 *   and concurrency, every account at once (goal: within 1.1x);
 * - its memory at a quarter of the accounts and at all of them. A scan must hold its result (the
 *   inventory grows with the accounts); what it must not hold is the accounts in flight beyond a
 *   bound. So the figure is the scan's working memory: peak RSS minus the heap its inventory keeps
 *   (measured after a full GC). Goal: at 4x the accounts, working memory within 1.25x + 32 MiB
 *   (a scan that held every account's clients and responses at once grows with the accounts).
 * Each scan runs in its own process, so that its peak RSS is its own. `--runs N` (default 3) sets
 * how many times each side runs (the median is printed).
 *
 * moto has no CloudTrail Event history, so both sides run without LookupEvents (--no-cloudtrail).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CloudTrailClient, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  CreateClusterCommand,
  DescribeClusterCommand,
  ListClustersCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import pLimit from 'p-limit';
import { collect, DEFAULT_CONCURRENCY, DEFAULT_MAX_ATTEMPTS } from '../src/collectors/aws/collect.js';
import { startMoto } from '../src/demo/moto-server.js';
import { createExecutionRole, motoAccountCredentials } from '../src/demo/seed.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
const CLUSTERS_PER_REGION = 5;
const KEYS_PER_ACCOUNT = [3, 3, 2]; // per Region: 8 keys an account
const ROLE = 'hyperpod-exec';
const BASE: AwsCredentialIdentity = { accessKeyId: 'testing', secretAccessKey: 'testing' };

const accountIdsOf = (count: number) =>
  Array.from({ length: count }, (_, i) => `5000000${String(i).padStart(5, '0')}`);

// ---------------------------------------------------------------------------------------------
// A scan in a child process: `live.bench.ts --scan ENDPOINT ACCOUNTS`, printing its figures.
interface ScanFigures {
  seconds: number;
  calls: number;
  clusters: number;
  keys: number;
  peakRssMiB: number;
  retainedHeapMiB: number;
}

async function scanChild(endpoint: string, count: number): Promise<ScanFigures> {
  let calls = 0;
  const start = performance.now();
  const result = await collect({
    endpoint,
    credentials: async () => BASE,
    accounts: accountIdsOf(count),
    roleName: 'HyperPodCmkAudit',
    regions: REGIONS,
    cloudtrail: false,
    recorder: { call: () => void calls++ },
  });
  const seconds = (performance.now() - start) / 1000;
  if (!result.ok) throw new Error(result.error.message);
  const { inventory } = result.value;
  const realGaps = inventory.gaps.filter((gap) => gap.code !== 'skipped');
  if (realGaps.length > 0) throw new Error(`unexpected gaps: ${JSON.stringify(realGaps.slice(0, 3))}`);
  const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;
  globalThis.gc?.();
  globalThis.gc?.();
  const retainedHeapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  return {
    seconds,
    calls,
    clusters: inventory.clusters.length,
    keys: inventory.keys.length,
    peakRssMiB,
    retainedHeapMiB,
  };
}

// ---------------------------------------------------------------------------------------------
// The bare script: the same minimal calls, the same SDK settings and concurrency, no model.
async function bare(
  endpoint: string,
  accountIds: readonly string[],
): Promise<{ seconds: number; calls: number }> {
  let calls = 0;
  const limit = pLimit(DEFAULT_CONCURRENCY);
  const config = (
    region: string,
    credentials: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>),
  ) => ({
    endpoint,
    region,
    credentials,
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive',
  });
  const send = <T>(fn: () => Promise<T>) => {
    calls++;
    return limit(fn);
  };
  const start = performance.now();
  const sts = new STSClient(config('us-east-1', BASE));
  await send(() => sts.send(new GetCallerIdentityCommand({})));
  const clients: { destroy(): void }[] = [sts];
  await Promise.all(
    accountIds.map(async (account) => {
      const out = await send(() =>
        sts.send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${account}:role/HyperPodCmkAudit`,
            RoleSessionName: 'bench',
          }),
        ),
      );
      const c = out.Credentials!;
      const credentials = {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      };
      const iam = new IAMClient(config('us-east-1', credentials));
      const trail = new CloudTrailClient(config(REGIONS[0]!, credentials));
      const organizations = new OrganizationsClient(config('us-east-1', credentials));
      clients.push(iam, trail, organizations);
      const roles = new Map<string, Promise<unknown>>();
      const work: Promise<unknown>[] = [
        send(() => trail.send(new DescribeTrailsCommand({ includeShadowTrails: true }))),
        // Not in an organization in moto: the error is the answer.
        send(() => organizations.send(new DescribeOrganizationCommand({})).catch(() => undefined)),
      ];
      for (const region of REGIONS) {
        const sagemaker = new SageMakerClient(config(region, credentials));
        const kms = new KMSClient(config(region, credentials));
        clients.push(sagemaker, kms);
        const fetched = new Map<string, Promise<unknown>>();
        const aliases = send(() => kms.send(new ListAliasesCommand({ Limit: 100 })));
        const fetchKey = (arn: string) => {
          if (!fetched.has(arn))
            fetched.set(
              arn,
              Promise.all([
                send(() => kms.send(new DescribeKeyCommand({ KeyId: arn }))),
                send(() => kms.send(new GetKeyRotationStatusCommand({ KeyId: arn }))),
                send(() => kms.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: 'default' }))),
                send(() => kms.send(new ListGrantsCommand({ KeyId: arn }))),
                send(() => kms.send(new ListResourceTagsCommand({ KeyId: arn }))),
              ]),
            );
          return fetched.get(arn)!;
        };
        work.push(
          (async () => {
            const list = await send(() => sagemaker.send(new ListClustersCommand({ MaxResults: 100 })));
            await Promise.all(
              (list.ClusterSummaries ?? []).map(async (summary) => {
                const [described] = await Promise.all([
                  send(() =>
                    sagemaker.send(new DescribeClusterCommand({ ClusterName: summary.ClusterArn! })),
                  ),
                  send(() => sagemaker.send(new ListTagsCommand({ ResourceArn: summary.ClusterArn! }))),
                ]);
                const table = await aliases;
                const lookups: Promise<unknown>[] = [];
                for (const group of described.InstanceGroups ?? []) {
                  const roleName = group.ExecutionRole!.split('/').pop()!;
                  if (!roles.has(roleName))
                    roles.set(
                      roleName,
                      (async () => {
                        await send(() => iam.send(new GetRoleCommand({ RoleName: roleName })));
                        const [, inline] = await Promise.all([
                          send(() => iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))),
                          send(() => iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))),
                        ]);
                        await Promise.all(
                          (inline.PolicyNames ?? []).map((name) =>
                            send(() =>
                              iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name })),
                            ),
                          ),
                        );
                      })(),
                    );
                  lookups.push(roles.get(roleName)!);
                  for (const config of group.InstanceStorageConfigs ?? []) {
                    const ref = config.EbsVolumeConfig?.VolumeKmsKeyId;
                    if (!ref) continue;
                    const target = ref.startsWith('alias/')
                      ? table.Aliases?.find((a) => a.AliasName === ref)?.TargetKeyId
                      : undefined;
                    const arn = target ? `arn:aws:kms:${region}:${account}:key/${target}` : ref;
                    lookups.push(fetchKey(arn));
                  }
                }
                await Promise.all(lookups);
              }),
            );
          })(),
        );
      }
      await Promise.all(work);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  for (const client of clients) client.destroy();
  return { seconds, calls };
}

if (process.argv[2] === '--scan' || process.argv[2] === '--bare') {
  const [, , mode, childEndpoint, count] = process.argv as [string, string, string, string, string];
  const figures =
    mode === '--scan'
      ? await scanChild(childEndpoint, Number(count))
      : await bare(childEndpoint, accountIdsOf(Number(count)));
  process.stdout.write(JSON.stringify(figures));
  process.exit(0);
}

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const accountsArg = process.argv.indexOf('--accounts');
const ACCOUNTS = accountsArg > 0 ? Number(process.argv[accountsArg + 1]) : 50;
if (!Number.isInteger(ACCOUNTS) || ACCOUNTS < 4)
  throw new Error('--accounts takes a whole number of at least 4');
const accountIds = accountIdsOf(ACCOUNTS);
const moto = await startMoto();
const endpoint = moto.url;

// ---------------------------------------------------------------------------------------------
// Seed
const seedStart = performance.now();
const seedLimit = pLimit(16);
await Promise.all(
  accountIds.map(async (account) => {
    const credentials = await motoAccountCredentials(endpoint, account);
    const iam = new IAMClient({ endpoint, region: 'us-east-1', credentials });
    await createExecutionRole(iam, ROLE, [
      { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' },
    ]);
    await Promise.all(
      REGIONS.map(async (region, r) => {
        const kms = new KMSClient({ endpoint, region, credentials });
        const sagemaker = new SageMakerClient({ endpoint, region, credentials });
        const keys = await Promise.all(
          Array.from({ length: KEYS_PER_ACCOUNT[r]! }, (_, k) =>
            seedLimit(async () => {
              const key = (await kms.send(new CreateKeyCommand({ Description: `k${k}` }))).KeyMetadata!;
              await kms.send(
                new CreateAliasCommand({ AliasName: `alias/hp/k${k}`, TargetKeyId: key.KeyId! }),
              );
              return { arn: key.Arn!, alias: `alias/hp/k${k}` };
            }),
          ),
        );
        await Promise.all(
          Array.from({ length: CLUSTERS_PER_REGION }, (_, c) =>
            seedLimit(() =>
              sagemaker.send(
                new CreateClusterCommand({
                  ClusterName: `c${c}`,
                  InstanceGroups: [
                    {
                      InstanceGroupName: 'gpu',
                      InstanceType: 'ml.p5.48xlarge',
                      InstanceCount: 1,
                      ExecutionRole: `arn:aws:iam::${account}:role/${ROLE}`,
                      ThreadsPerCore: 1,
                      LifeCycleConfig: { SourceS3Uri: 's3://sagemaker-lc/x/', OnCreate: 'on_create.sh' },
                      InstanceStorageConfigs: [
                        {
                          EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: keys[c % keys.length]!.alias },
                        },
                        {
                          EbsVolumeConfig: {
                            VolumeSizeInGB: 500,
                            VolumeKmsKeyId: keys[(c + 1) % keys.length]!.arn,
                          },
                        },
                      ],
                    },
                  ],
                  Tags: [{ Key: 'owner', Value: 'ml' }],
                }),
              ),
            ),
          ),
        );
        kms.destroy();
        sagemaker.destroy();
      }),
    );
    iam.destroy();
  }),
);
const seedSeconds = (performance.now() - seedStart) / 1000;

const clusters = ACCOUNTS * REGIONS.length * CLUSTERS_PER_REGION;
const keys = ACCOUNTS * KEYS_PER_ACCOUNT.reduce((a, b) => a + b, 0);
const accountRegions = ACCOUNTS * REGIONS.length;
const minimum =
  1 + // GetCallerIdentity
  ACCOUNTS + // AssumeRole (the base identity's own account holds nothing)
  ACCOUNTS + // DescribeTrails (no trails, so no GetTrailStatus/GetEventSelectors)
  ACCOUNTS + // DescribeOrganization (aws:PrincipalOrgID)
  accountRegions * 2 + // ListClusters (one page of 25), ListAliases
  clusters * 2 + // DescribeCluster, ListTags
  keys * 5 + // DescribeKey, GetKeyRotationStatus, GetKeyPolicy, ListGrants, ListResourceTags
  ACCOUNTS * 4; // GetRole, ListAttachedRolePolicies, ListRolePolicies, GetRolePolicy

// ---------------------------------------------------------------------------------------------
// The scan and the bare script, each in a process of its own (the same cold start; the bench's
// own memory and moto's are not counted)
// Asynchronous: the parent's event loop must keep reading moto's log pipe, or moto stalls.
const execFileAsync = promisify(execFile);
const self = fileURLToPath(import.meta.url);
async function child<T>(mode: '--scan' | '--bare', count: number): Promise<T> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', self, mode, endpoint, String(count)],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  return JSON.parse(stdout) as T;
}
const scan = (count = ACCOUNTS) => child<ScanFigures>('--scan', count);

const runs: { scan: ScanFigures; bare: { seconds: number; calls: number } }[] = [];
for (let i = 0; i < RUNS; i++) runs.push({ bare: await child('--bare', ACCOUNTS), scan: await scan() });
const quarter = await scan(Math.ceil(ACCOUNTS / 4));
await moto.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const scanSeconds = median(runs.map((r) => r.scan.seconds));
const bareSeconds = median(runs.map((r) => r.bare.seconds));
const scanCalls = runs[0]!.scan.calls;
const ratio = scanSeconds / bareSeconds;
const full = runs.reduce((a, r) => (r.scan.peakRssMiB > a.peakRssMiB ? r.scan : a), runs[0]!.scan);
const working = (f: ScanFigures) => f.peakRssMiB - f.retainedHeapMiB;
const memoryMet = working(full) <= working(quarter) * 1.25 + 32;
const verdict = (met: boolean) => (met ? 'MET' : 'MISSED');
const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(44)} ${value}\n`);
const mib = (value: number) => `${value.toFixed(0)} MiB`;
line(
  'estate',
  `${ACCOUNTS} accounts x ${REGIONS.length} Regions: ${full.clusters} clusters, ${full.keys} keys (seeded in ${seedSeconds.toFixed(1)} s)`,
);
line(
  'concurrency',
  `${DEFAULT_CONCURRENCY} requests in flight, adaptive retry, CloudTrail lookups off (moto has none)`,
);
line('AWS calls made by the scan', `${scanCalls}`);
line('minimum calls the data requires', `${minimum}`);
line('bare script calls', `${runs[0]!.bare.calls}`);
line('calls goal (equal to the minimum)', scanCalls === minimum ? 'MET' : `MISSED by ${scanCalls - minimum}`);
line(
  `scan wall time (median of ${RUNS})`,
  `${scanSeconds.toFixed(2)} s  [${runs.map((r) => r.scan.seconds.toFixed(2)).join(', ')}]`,
);
line(
  `bare script wall time (median of ${RUNS})`,
  `${bareSeconds.toFixed(2)} s  [${runs.map((r) => r.bare.seconds.toFixed(2)).join(', ')}]`,
);
line('scan / bare', `${ratio.toFixed(2)}x`);
line('time goal (within 1.1x)', verdict(ratio <= 1.1));
for (const [label, f] of [
  [`${Math.ceil(ACCOUNTS / 4)} accounts`, quarter],
  [`${ACCOUNTS} accounts`, full],
] as const)
  line(
    `memory at ${label}`,
    `peak RSS ${mib(f.peakRssMiB)}, inventory heap ${mib(f.retainedHeapMiB)}, working ${mib(working(f))}`,
  );
line(
  'memory goal (flat: working <= 1.25x + 32 MiB)',
  `${verdict(memoryMet)} (${mib(working(quarter))} -> ${mib(working(full))} at 4x the accounts)`,
);
