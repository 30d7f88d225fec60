/**
 * The detection Lambda against the moto emulator: the bundled artifact itself (what the templates
 * deploy) handles a recorded Config scheduled notification, collects the clusters, keys and roles
 * from the emulator, evaluates them with the rule engine and reports per-cluster evaluations
 * through PutEvaluations (moto accepts them in test mode only, which the rule parameter selects).
 * The EventBridge paths run the same handler source with the emulator's clients.
 */
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  EnableKeyRotationCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { CreateClusterCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { resolveKeyAdmins } from '../../src/guardrails/key-admins.js';
import { keyPolicy } from '../../src/guardrails/key-policy.js';
import { createAwsCollector } from '../../src/lambda/collector.js';
import { createHandler, type HandlerResult } from '../../src/lambda/handler.js';
import { MOTO_ACCOUNT, MOTO_CREDENTIALS, type MotoServer, startMoto } from '../helpers/moto-server.js';

const REGION = 'us-east-1';
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/guardrails/${name}`, import.meta.url), 'utf8');
const BUNDLE = new URL('../../dist/guardrails-lambda/index.js', import.meta.url);
const CONFIG = {
  keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'],
  // moto drops NodeProvisioningMode and Orchestrator from DescribeCluster (DEVELOPERS.md), so
  // the provisioning-mode rule would fail every cluster here for the emulator's sake.
  rules: { 'hyperpod-cmk-provisioning-mode': 'off' as const },
};
const KEY_TAGS = { hyperpod: 'true' };
const role = (name: string) => `arn:aws:iam::${MOTO_ACCOUNT}:role/${name}`;

let moto: MotoServer;
/**
 * moto drops NodeProvisioningMode from DescribeCluster, and a key is honoured only in Continuous
 * mode: this proxy in front of moto puts back the mode every test cluster was created with, so
 * the Lambda (which reads an absent mode as the legacy one, as AWS means it) sees what AWS shows.
 */
let proxy: Server;
let endpoint: string;
function startModeProxy(target: string): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          let body = Buffer.concat(chunks);
          if (
            String(incoming.headers['x-amz-target'] ?? '').endsWith('.DescribeCluster') &&
            response.statusCode === 200
          ) {
            const described = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
            described.NodeProvisioningMode ??= 'Continuous';
            body = Buffer.from(JSON.stringify(described));
          }
          const headers = { ...response.headers, 'content-length': String(body.length) };
          outgoing.writeHead(response.statusCode ?? 500, headers);
          outgoing.end(body);
        });
      },
    );
    incoming.pipe(forward);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
let keyArn: string;
let keyId: string;
const client = <T>(Client: new (config: object) => T): T =>
  new Client({ region: REGION, endpoint, credentials: MOTO_CREDENTIALS });

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startModeProxy(moto.endpoint);
  endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const iam = client(IAMClient);
  const kms = client(KMSClient);
  const sagemaker = client(SageMakerClient);
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
  for (const name of ['hyperpod-exec', 'hyperpod-exec-2', 'KeyAdmin'])
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));

  // The key carries the policy `guardrails` generates for it.
  const policy = keyPolicy({
    keyAccount: MOTO_ACCOUNT,
    region: REGION,
    admins: resolveKeyAdmins(CONFIG.keyAdmins, MOTO_ACCOUNT),
    executionRoles: [role('hyperpod-exec')],
  });
  const created = await kms.send(
    new CreateKeyCommand({
      Policy: JSON.stringify(policy),
      Description: 'hyperpod workers',
      Tags: [
        { TagKey: 'owner', TagValue: 'ml-platform' },
        { TagKey: 'project', TagValue: 'llm' },
        { TagKey: 'hyperpod', TagValue: 'true' },
      ],
    }),
  );
  keyArn = created.KeyMetadata!.Arn!;
  keyId = created.KeyMetadata!.KeyId!;
  await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
  await kms.send(new CreateAliasCommand({ AliasName: 'alias/hyperpod-workers', TargetKeyId: keyId }));
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'hyperpod-exec',
      PolicyName: 'kms',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: keyArn }],
      }),
    }),
  );

  const group = (name: string, executionRole: string, storage: object[]) => ({
    InstanceGroupName: name,
    InstanceType: 'ml.p5.48xlarge' as const,
    InstanceCount: 1,
    LifeCycleConfig: { SourceS3Uri: 's3://sagemaker-lifecycle-scripts/hyperpod', OnCreate: 'on_create.sh' },
    ExecutionRole: executionRole,
    ThreadsPerCore: 1,
    InstanceStorageConfigs: storage as never,
  });
  const common = {
    VpcConfig: { SecurityGroupIds: ['sg-0123456789abcdef0'], Subnets: ['subnet-0123456789abcdef0'] },
    Orchestrator: { Eks: { ClusterArn: `arn:aws:eks:${REGION}:${MOTO_ACCOUNT}:cluster/training` } },
    NodeProvisioningMode: 'Continuous' as const,
    Tags: [
      { Key: 'owner', Value: 'ml-platform' },
      { Key: 'project', Value: 'llm' },
      { Key: 'data-sensitivity', Value: 'confidential' },
    ],
  };
  await sagemaker.send(
    new CreateClusterCommand({
      ClusterName: 'compliant',
      InstanceGroups: [
        group('workers', role('hyperpod-exec'), [
          { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: keyArn } },
          { EbsVolumeConfig: { VolumeSizeInGB: 500, VolumeKmsKeyId: 'alias/hyperpod-workers' } },
        ]),
      ],
      ...common,
    }),
  );
  await sagemaker.send(
    new CreateClusterCommand({
      ClusterName: 'no-root-cmk',
      InstanceGroups: [
        group('workers', role('hyperpod-exec-2'), [{ EbsVolumeConfig: { VolumeSizeInGB: 500 } }]),
      ],
      ...common,
    }),
  );
}, 120_000);

afterAll(async () => {
  proxy?.close();
  await moto?.stop();
});

describe('the bundled Lambda on a Config scheduled notification', () => {
  it('reports one evaluation per cluster: COMPLIANT and NON_COMPLIANT with the failing rule', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      HYPERPOD_CMK_CONFIG: JSON.stringify(CONFIG),
      HYPERPOD_CMK_KEY_TAGS: JSON.stringify(KEY_TAGS),
      COMPLIANCE_RESOURCE_TYPE: 'AWS::SageMaker::Cluster',
    });
    delete process.env.AWS_PROFILE;
    try {
      const bundle = createRequire(import.meta.url)(BUNDLE.pathname) as {
        handler: (event: unknown, context: object) => Promise<HandlerResult>;
      };
      const event = JSON.parse(fixture('config-scheduled-notification.json'));
      const result = await bundle.handler(event, {
        invokedFunctionArn: `arn:aws:lambda:${REGION}:${MOTO_ACCOUNT}:function:hyperpod-cmk-config-rule`,
      });
      expect(result.kind).toBe('config-rule');
      if (result.kind !== 'config-rule') return;
      expect(result.testMode).toBe(true);
      expect(result.resourceType).toBe('AWS::SageMaker::Cluster');
      const byId = Object.fromEntries(result.evaluations.map((e) => [e.ComplianceResourceId, e]));
      const arn = (name: string) => `arn:aws:sagemaker:${REGION}:${MOTO_ACCOUNT}:cluster/${name}`;
      expect(Object.keys(byId).sort()).toEqual([arn('compliant'), arn('no-root-cmk')]);
      expect(byId[arn('compliant')]).toMatchObject({
        ComplianceResourceType: 'AWS::SageMaker::Cluster',
        ComplianceType: 'COMPLIANT',
      });
      expect(byId[arn('no-root-cmk')]!.ComplianceType).toBe('NON_COMPLIANT');
      expect(byId[arn('no-root-cmk')]!.Annotation).toMatch(/hyperpod-root-volume-cmk/);
      expect(new Date(byId[arn('compliant')]!.OrderingTimestamp).toISOString()).toBe(
        '2026-11-27T11:50:00.373Z',
      );
      expect(result.gaps).toBe(0);
    } finally {
      process.env = saved;
    }
  });
});

describe('the handler on CloudTrail events (EventBridge)', () => {
  const published: { Subject?: string; Message?: string; TopicArn?: string }[] = [];
  const handler = () =>
    createHandler({
      collector: createAwsCollector({
        account: MOTO_ACCOUNT,
        region: REGION,
        now: () => new Date('2026-11-27T12:00:00Z'),
        endpoint,
        credentials: async () => MOTO_CREDENTIALS,
      }),
      configService: client(ConfigServiceClient),
      sns: {
        send: async (command: never) => {
          published.push((command as { input: (typeof published)[number] }).input);
          return { MessageId: 'm-1' };
        },
      },
      kms: client(KMSClient),
      config: resolveConfig(CONFIG),
      keyTags: KEY_TAGS,
      account: MOTO_ACCOUNT,
      topicArn: `arn:aws:sns:${REGION}:${MOTO_ACCOUNT}:hyperpod-cmk-alerts`,
      resourceType: 'AWS::SageMaker::Cluster',
      now: () => new Date('2026-11-27T12:00:00Z'),
      log: () => {},
    });

  it('evaluates a new cluster at once and alerts when it is not compliant', async () => {
    published.length = 0;
    const result = await handler()(JSON.parse(fixture('cloudtrail-create-cluster.json')));
    expect(result).toMatchObject({ kind: 'cluster-change', status: 'non-compliant', alerted: true });
    expect(result.kind === 'cluster-change' && result.failing).toContain('hyperpod-root-volume-cmk');
    expect(published).toHaveLength(1);
    expect(published[0]!.Subject).toBe('HyperPod cluster no-root-cmk is not CMK-compliant');
    expect(published[0]!.Message).toMatch(/platform-deployer/);
  });

  it('stays quiet for a compliant cluster', async () => {
    published.length = 0;
    const event = JSON.parse(fixture('cloudtrail-create-cluster.json'));
    event.detail.requestParameters.clusterName = 'compliant';
    event.detail.responseElements.clusterArn = `arn:aws:sagemaker:${REGION}:${MOTO_ACCOUNT}:cluster/compliant`;
    const result = await handler()(event);
    expect(result).toMatchObject({ kind: 'cluster-change', status: 'compliant', alerted: false });
    expect(published).toHaveLength(0);
  });

  it('alerts when an unapproved principal schedules a HyperPod key for deletion', async () => {
    published.length = 0;
    const text = fixture('cloudtrail-schedule-key-deletion.json')
      .replaceAll('KEY_ARN', keyArn)
      .replaceAll('KEY_ID', keyId);
    const result = await handler()(JSON.parse(text));
    expect(result).toEqual({
      kind: 'key-change',
      key: keyArn,
      hyperPodKey: true,
      alerted: true,
      approved: false,
    });
    expect(published[0]!.Subject).toBe('HyperPod key ScheduleKeyDeletion by an unapproved principal');
    expect(published[0]!.Message).toMatch(/cancel-key-deletion/);
  });
});

describe("the Lambda's collector: the live collector scoped to one account and Region", () => {
  const collector = () =>
    createAwsCollector({
      account: MOTO_ACCOUNT,
      region: REGION,
      now: () => new Date('2026-11-27T12:00:00Z'),
      endpoint,
      credentials: async () => MOTO_CREDENTIALS,
    });

  it('collects only the clusters a scope names, and reports a named cluster it cannot find', async () => {
    const inventory = await collector().collect({ clusters: ['compliant', 'gone-cluster'] });
    expect(inventory.clusters.map((c) => c.name)).toEqual(['compliant']);
    expect(inventory.gaps).toEqual([
      {
        code: 'aws.not_found',
        service: 'sagemaker',
        operation: 'DescribeCluster',
        account: MOTO_ACCOUNT,
        region: REGION,
        resource: 'gone-cluster',
        message: `cluster gone-cluster is not in ${MOTO_ACCOUNT}/${REGION} (deleted, or not yet listed)`,
      },
    ]);
  });

  it('reads a key the scope names even when no cluster uses it', async () => {
    const inventory = await collector().collect({ clusters: [], keys: [keyArn] });
    expect(inventory.clusters).toEqual([]);
    expect(inventory.keys.map((k) => k.arn)).toEqual([keyArn]);
    expect(inventory.keys[0]!.policy).toBeDefined();
  });

  it('turns a collection that cannot start into a gap, never an exception', async () => {
    const unreachable = createAwsCollector({
      account: MOTO_ACCOUNT,
      region: REGION,
      now: () => new Date('2026-11-27T12:00:00Z'),
      endpoint: 'http://127.0.0.1:1',
      credentials: async () => MOTO_CREDENTIALS,
    });
    const inventory = await unreachable.collect();
    expect(inventory.clusters).toEqual([]);
    expect(inventory.gaps.map((g) => [g.service, g.operation, g.account, g.region])).toEqual([
      ['sagemaker', 'ListClusters', MOTO_ACCOUNT, REGION],
    ]);
  });
});
