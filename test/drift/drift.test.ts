/** `drift`: IaC against the demo snapshot (the deployed side). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { demoEstate } from '../../src/demo/estate.js';
import { memoryIo } from '../helpers/io.js';

const estate = demoEstate();
const genaiKey = estate.keys.find((k) => k.aliases.includes('alias/hyperpod/genai-batch'))!;
const ROLE = 'arn:aws:iam::111111111111:role/hyperpod-genai-batch';
let dir: string;
let snapshot: string;

const input = (groups: object[], mode: string | null = 'Continuous') => ({
  ClusterName: 'genai-batch',
  ...(mode ? { NodeProvisioningMode: mode } : {}),
  Orchestrator: { Eks: { ClusterArn: 'arn:aws:eks:us-east-1:111111111111:cluster/ml' } },
  InstanceGroups: groups,
});
const groupSpec = (name: string, root: string, secondary: string | null) => ({
  InstanceGroupName: name,
  InstanceType: 'ml.g5.12xlarge',
  InstanceCount: 2,
  ExecutionRole: ROLE,
  InstanceStorageConfigs: [
    { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: root } },
    { EbsVolumeConfig: { VolumeSizeInGB: 500, ...(secondary ? { VolumeKmsKeyId: secondary } : {}) } },
  ],
});

async function drift(name: string, doc: object, ...extra: string[]) {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(doc));
  const io = memoryIo();
  const from = extra[0] === '--from' ? [] : ['--from', snapshot];
  const code = await runCli(['drift', file, ...from, '--format', 'json', ...extra], io);
  return { code, report: code === 2 ? undefined : JSON.parse(io.out()), err: io.err() };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'drift-'));
  snapshot = join(dir, 'estate.json');
  writeFileSync(snapshot, JSON.stringify(estate));
});

describe('drift', () => {
  it('code that matches the deployed cluster (by key ARN or by alias): no drift, exit 0', async () => {
    const byArn = await drift('same', input([groupSpec('inference-g5', genaiKey.arn, genaiKey.arn)]));
    expect(byArn).toMatchObject({ code: 0, report: { matched: 1, items: [] } });
    const byAlias = await drift(
      'alias',
      input([groupSpec('inference-g5', 'alias/hyperpod/genai-batch', genaiKey.arn)]),
    );
    expect(byAlias).toMatchObject({ code: 0, report: { matched: 1, items: [] } });
  });

  it('a volume on another key, a group only in the code, another mode: each reported, exit 1', async () => {
    const other = 'arn:aws:kms:us-east-1:111111111111:key/00000000-0000-4000-8000-000000000000';
    const { code, report } = await drift(
      'changed',
      input([groupSpec('inference-g5', genaiKey.arn, other), groupSpec('extra', genaiKey.arn, null)], null),
    );
    expect(code).toBe(1);
    expect(
      report.items.map((i: { kind: string; group?: string; status: string }) => [
        i.kind,
        i.group ?? '',
        i.status,
      ]),
    ).toEqual([
      ['provisioning-mode', '', 'drift'],
      ['volume-key', 'inference-g5', 'drift'],
      ['group-not-deployed', 'extra', 'drift'],
    ]);
    expect(report.items[1]).toMatchObject({
      code: `secondary: ${other}`,
      deployed: `secondary: ${genaiKey.arn}`,
    });
  });

  it('--match-tag: a renamed cluster matches the deployed one by tag, and a missing tag value is named', async () => {
    const renamed = {
      ...input([groupSpec('inference-g5', genaiKey.arn, genaiKey.arn)]),
      ClusterName: 'genai-batch-v2',
      Tags: [{ Key: 'project', Value: 'genai-batch' }],
    };
    const byName = await drift('renamed-by-name', renamed);
    expect(byName.report.items[0]).toMatchObject({
      kind: 'cluster-not-deployed',
      deployed: 'no cluster of that name',
    });
    const byTag = await drift('renamed-by-tag', renamed, '--match-tag', 'project');
    expect(byTag.report.matched).toBe(1);
    expect(byTag.report.items.map((i: { kind: string }) => i.kind)).not.toContain('cluster-not-deployed');
    const elsewhere = await drift(
      'renamed-other-tag',
      { ...renamed, Tags: [{ Key: 'project', Value: 'nowhere' }] },
      '--match-tag',
      'project',
    );
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.report.items[0]).toMatchObject({
      kind: 'cluster-not-deployed',
      deployed: 'no cluster tagged project=nowhere',
    });
  });

  it('a cluster the code defines that is not deployed', async () => {
    const { code, report } = await drift('missing', {
      ...input([groupSpec('g', genaiKey.arn, null)]),
      ClusterName: 'not-there',
    });
    expect(code).toBe(1);
    expect(report.items).toEqual([
      expect.objectContaining({
        kind: 'cluster-not-deployed',
        cluster: 'not-there',
        deployed: 'no cluster of that name',
        status: 'drift',
      }),
    ]);
  });

  it('a path with no cluster: exit 2', async () => {
    const file = join(dir, 'empty.json');
    writeFileSync(file, '{"Resources": {}}');
    const io = memoryIo();
    expect(await runCli(['drift', file, '--from', snapshot], io)).toBe(2);
    expect(io.err()).toContain('defines no HyperPod cluster to compare');
  });

  it('a key the code defines: rotation and policy compared with the deployed key (policy by effect)', async () => {
    const template = {
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: {
        Key: {
          Type: 'AWS::KMS::Key',
          Properties: { EnableKeyRotation: false, KeyPolicy: genaiKey.policy },
        },
        Alias: {
          Type: 'AWS::KMS::Alias',
          Properties: { AliasName: 'alias/hyperpod/genai-batch', TargetKeyId: { Ref: 'Key' } },
        },
        Cluster: {
          Type: 'AWS::SageMaker::Cluster',
          Properties: {
            ClusterName: 'genai-batch',
            NodeProvisioningMode: 'Continuous',
            Orchestrator: { Eks: { ClusterArn: 'arn:aws:eks:us-east-1:111111111111:cluster/ml' } },
            InstanceGroups: [
              {
                ...groupSpec('inference-g5', 'alias/hyperpod/genai-batch', 'alias/hyperpod/genai-batch'),
              },
            ],
          },
        },
      },
    };
    const { code, report } = await drift('stack.template', template);
    expect(code).toBe(1);
    expect(report.items.map((i: { kind: string; status: string }) => [i.kind, i.status])).toEqual([
      ['key-rotation', 'drift'],
    ]);
  });

  it('a template policy written with the AccountId pseudo parameter has the same effect as the deployed one: no policy drift', async () => {
    const symbolic = JSON.parse(
      JSON.stringify(genaiKey.policy).replaceAll('111111111111', `\${AWS::AccountId}`),
    );
    const template = {
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: {
        Key: {
          Type: 'AWS::KMS::Key',
          Properties: { EnableKeyRotation: true, KeyPolicy: { 'Fn::Sub': JSON.stringify(symbolic) } },
        },
        Alias: {
          Type: 'AWS::KMS::Alias',
          Properties: { AliasName: 'alias/hyperpod/genai-batch', TargetKeyId: { Ref: 'Key' } },
        },
        Cluster: {
          Type: 'AWS::SageMaker::Cluster',
          Properties: {
            ClusterName: 'genai-batch',
            NodeProvisioningMode: 'Continuous',
            Orchestrator: { Eks: { ClusterArn: 'arn:aws:eks:us-east-1:111111111111:cluster/ml' } },
            InstanceGroups: [
              groupSpec('inference-g5', 'alias/hyperpod/genai-batch', 'alias/hyperpod/genai-batch'),
            ],
          },
        },
      },
    };
    const { code, report } = await drift('symbolic.template', template);
    expect(report.items.filter((i: { kind: string }) => i.kind === 'key-policy')).toEqual([]);
    expect(code).toBe(0);
  });

  it('a key the code defines against an AWS managed key deployed: drift, not unknown (they are never the same key)', async () => {
    const template = {
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: {
        Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } },
        Cluster: {
          Type: 'AWS::SageMaker::Cluster',
          Properties: {
            ClusterName: 'recsys-train',
            NodeProvisioningMode: 'Continuous',
            Orchestrator: { Eks: { ClusterArn: 'arn:aws:eks:us-west-2:222222222222:cluster/ml' } },
            InstanceGroups: [
              {
                ...groupSpec('train-g5', 'placeholder', null),
                InstanceType: 'ml.g5.48xlarge',
                InstanceStorageConfigs: [
                  { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: { Ref: 'Key' } } },
                  {
                    EbsVolumeConfig: {
                      VolumeSizeInGB: 500,
                      VolumeKmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] },
                    },
                  },
                ],
              },
            ],
          },
        },
      },
    };
    const { code, report } = await drift('cmk-vs-aws-managed.template', template);
    expect(code).toBe(1);
    expect(
      report.items.map((i: { kind: string; group?: string; status: string; deployed: string }) => [
        i.kind,
        i.group,
        i.status,
        i.deployed,
      ]),
    ).toEqual([
      ['volume-key', 'train-g5', 'drift', 'root: alias/aws/sagemaker'],
      ['volume-key', 'train-g5', 'drift', 'secondary: alias/aws/sagemaker'],
    ]);
  });

  it('storage the code leaves to deploy time is an unknown item, not skipped', async () => {
    const template = {
      AWSTemplateFormatVersion: '2010-09-09',
      Parameters: { Storage: { Type: 'String' } },
      Resources: {
        Cluster: {
          Type: 'AWS::SageMaker::Cluster',
          Properties: {
            ClusterName: 'genai-batch',
            NodeProvisioningMode: 'Continuous',
            Orchestrator: { Eks: { ClusterArn: 'arn:aws:eks:us-east-1:111111111111:cluster/ml' } },
            InstanceGroups: [
              {
                ...groupSpec('inference-g5', genaiKey.arn, null),
                InstanceStorageConfigs: { Ref: 'Storage' },
              },
            ],
          },
        },
      },
    };
    const { code, report } = await drift('storage-unknown.template', template);
    expect(report.items).toEqual([
      {
        kind: 'volume-key',
        cluster: 'genai-batch',
        group: 'inference-g5',
        code: expect.stringMatching(/^unknown \(.*Storage.*\)$/),
        deployed: 'storage as deployed',
        status: 'unknown',
      },
    ]);
    expect(code).toBe(3);
  });

  it('a deployed key whose rotation and policy were not collected: unknown items, not silence', async () => {
    const blind = demoEstate();
    const key = blind.keys.find((k) => k.arn === genaiKey.arn)!;
    delete key.rotation;
    delete key.policy;
    const blindSnapshot = join(dir, 'blind.json');
    writeFileSync(blindSnapshot, JSON.stringify(blind));
    const template = {
      AWSTemplateFormatVersion: '2010-09-09',
      Resources: {
        Key: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true, KeyPolicy: genaiKey.policy } },
        Alias: {
          Type: 'AWS::KMS::Alias',
          Properties: { AliasName: 'alias/hyperpod/genai-batch', TargetKeyId: { Ref: 'Key' } },
        },
        Cluster: {
          Type: 'AWS::SageMaker::Cluster',
          Properties: {
            ClusterName: 'genai-batch',
            NodeProvisioningMode: 'Continuous',
            Orchestrator: { Eks: { ClusterArn: 'arn:aws:eks:us-east-1:111111111111:cluster/ml' } },
            InstanceGroups: [
              groupSpec('inference-g5', 'alias/hyperpod/genai-batch', 'alias/hyperpod/genai-batch'),
            ],
          },
        },
      },
    };
    const { code, report } = await drift('blind.template', template, '--from', blindSnapshot);
    expect(report.items).toEqual([
      {
        kind: 'key-rotation',
        cluster: '',
        key: 'alias/hyperpod/genai-batch',
        code: 'true',
        deployed: 'not collected',
        status: 'unknown',
      },
      {
        kind: 'key-policy',
        cluster: '',
        key: 'alias/hyperpod/genai-batch',
        code: 'the template policy',
        deployed: 'not collected',
        status: 'unknown',
      },
    ]);
    expect(code).toBe(3);
  });
});
