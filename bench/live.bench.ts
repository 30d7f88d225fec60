/**
 * The live scan against the moto server: 20 accounts x 2 Regions x 25 clusters (1,000 clusters,
 * 300 distinct keys), seeded through the AWS API. Prints the AWS calls the scan made against the
 * minimum the data requires (goal: equal), and its wall time against a bare script that makes
 * those minimal calls with the same SDK settings and concurrency (goal: within 1.25x).
 *
 * moto has no CloudTrail Event history, so both sides run without LookupEvents (--no-cloudtrail).
 */
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

const ACCOUNTS = 20;
const REGIONS = ['us-east-1', 'us-west-2'];
const CLUSTERS_PER_REGION = 25;
const KEYS_PER_ACCOUNT = [8, 7]; // per Region: 15 keys an account, 300 in all
const ROLE = 'hyperpod-exec';
const BASE: AwsCredentialIdentity = { accessKeyId: 'testing', secretAccessKey: 'testing' };

const accountIds = Array.from({ length: ACCOUNTS }, (_, i) => `5000000000${String(i).padStart(2, '0')}`);
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
// The scan
async function scan(): Promise<{ seconds: number; calls: number; clusters: number; keys: number }> {
  let calls = 0;
  const start = performance.now();
  const result = await collect({
    endpoint,
    credentials: async () => BASE,
    accounts: accountIds,
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
  return { seconds, calls, clusters: inventory.clusters.length, keys: inventory.keys.length };
}

// ---------------------------------------------------------------------------------------------
// The bare script: the same minimal calls, the same SDK settings and concurrency, no model.
async function bare(): Promise<{ seconds: number; calls: number }> {
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

const runs: { scan: Awaited<ReturnType<typeof scan>>; bare: Awaited<ReturnType<typeof bare>> }[] = [];
for (let i = 0; i < 3; i++) runs.push({ bare: await bare(), scan: await scan() });
await moto.stop();

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const scanSeconds = median(runs.map((r) => r.scan.seconds));
const bareSeconds = median(runs.map((r) => r.bare.seconds));
const scanCalls = runs[0]!.scan.calls;
const ratio = scanSeconds / bareSeconds;
const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(44)} ${value}\n`);
line(
  'estate',
  `${ACCOUNTS} accounts x ${REGIONS.length} Regions: ${runs[0]!.scan.clusters} clusters, ${runs[0]!.scan.keys} keys (seeded in ${seedSeconds.toFixed(1)} s)`,
);
line(
  'concurrency',
  `${DEFAULT_CONCURRENCY} requests in flight, adaptive retry, CloudTrail lookups off (moto has none)`,
);
line('AWS calls made by the scan', `${scanCalls}`);
line('minimum calls the data requires', `${minimum}`);
line('bare script calls', `${runs[0]!.bare.calls}`);
line('calls goal (equal to the minimum)', scanCalls === minimum ? 'met' : `MISSED by ${scanCalls - minimum}`);
line(
  'scan wall time (median of 3)',
  `${scanSeconds.toFixed(2)} s  [${runs.map((r) => r.scan.seconds.toFixed(2)).join(', ')}]`,
);
line(
  'bare script wall time (median of 3)',
  `${bareSeconds.toFixed(2)} s  [${runs.map((r) => r.bare.seconds.toFixed(2)).join(', ')}]`,
);
line('scan / bare', `${ratio.toFixed(2)}x`);
line('time goal (within 1.25x)', ratio <= 1.25 ? 'met' : 'MISSED');
