/**
 * Seeding helpers for the live tests: fresh emulator accounts (so test files never share data)
 * and small builders over the real AWS API.
 */
import { randomInt } from 'node:crypto';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateAliasCommand, CreateKeyCommand, KMSClient, type Tag as KmsTag } from '@aws-sdk/client-kms';
import { CreateClusterCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { createExecutionRole, motoAccountCredentials } from '../../src/demo/seed.js';

/** A 12-digit account id no other test uses. */
export function freshAccountId(): string {
  return `${randomInt(1, 10)}${String(randomInt(0, 1e11)).padStart(11, '0')}`;
}

export class MotoAccount {
  private constructor(
    readonly endpoint: string,
    readonly id: string,
    readonly credentials: AwsCredentialIdentity,
  ) {}

  static async create(endpoint: string, id = freshAccountId()): Promise<MotoAccount> {
    return new MotoAccount(endpoint, id, await motoAccountCredentials(endpoint, id));
  }

  client<T>(Client: new (config: object) => T, region = 'us-east-1'): T {
    return new Client({ endpoint: this.endpoint, region, credentials: this.credentials, maxAttempts: 2 });
  }

  roleArn(name: string): string {
    return `arn:aws:iam::${this.id}:role/${name}`;
  }

  async role(name: string, statements: object[] = []): Promise<string> {
    const iam = this.client(IAMClient);
    await createExecutionRole(iam, name, statements);
    iam.destroy();
    return this.roleArn(name);
  }

  async key(
    options: { alias?: string; policy?: object; tags?: Record<string, string>; region?: string } = {},
  ): Promise<{ arn: string; keyId: string }> {
    const kms = this.client(KMSClient, options.region);
    const tags: KmsTag[] = Object.entries(options.tags ?? {}).map(([TagKey, TagValue]) => ({
      TagKey,
      TagValue,
    }));
    const out = await kms.send(
      new CreateKeyCommand({
        ...(options.policy ? { Policy: JSON.stringify(options.policy) } : {}),
        ...(tags.length ? { Tags: tags } : {}),
      }),
    );
    const keyId = out.KeyMetadata!.KeyId!;
    if (options.alias)
      await kms.send(new CreateAliasCommand({ AliasName: options.alias, TargetKeyId: keyId }));
    kms.destroy();
    return { arn: out.KeyMetadata!.Arn!, keyId };
  }

  async cluster(
    name: string,
    groups: { name: string; role: string; root?: string; secondary?: string | null }[],
    options: { region?: string; tags?: Record<string, string> } = {},
  ): Promise<void> {
    const sagemaker = this.client(SageMakerClient, options.region);
    await sagemaker.send(
      new CreateClusterCommand({
        ClusterName: name,
        InstanceGroups: groups.map((group) => ({
          InstanceGroupName: group.name,
          InstanceType: 'ml.g5.12xlarge',
          InstanceCount: 1,
          ExecutionRole: group.role,
          ThreadsPerCore: 1,
          LifeCycleConfig: { SourceS3Uri: 's3://sagemaker-lifecycle/scripts/', OnCreate: 'on_create.sh' },
          InstanceStorageConfigs: [
            ...(group.root ? [{ EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: group.root } }] : []),
            ...(group.secondary !== undefined
              ? [
                  {
                    EbsVolumeConfig: {
                      VolumeSizeInGB: 500,
                      ...(group.secondary ? { VolumeKmsKeyId: group.secondary } : {}),
                    },
                  },
                ]
              : []),
          ],
        })),
        NodeProvisioningMode: 'Continuous',
        Orchestrator: { Eks: { ClusterArn: `arn:aws:eks:us-east-1:${this.id}:cluster/${name}` } },
        ...(options.tags
          ? { Tags: Object.entries(options.tags).map(([Key, Value]) => ({ Key, Value })) }
          : {}),
      }),
    );
    sagemaker.destroy();
  }
}

/** Runs `fn` with the AWS credential environment variables set, restoring them after. */
export async function withAwsEnv<T>(credentials: AwsCredentialIdentity, fn: () => Promise<T>): Promise<T> {
  const saved = {
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED,
  };
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  if (credentials.sessionToken) process.env.AWS_SESSION_TOKEN = credentials.sessionToken;
  else delete process.env.AWS_SESSION_TOKEN;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  try {
    return await fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
