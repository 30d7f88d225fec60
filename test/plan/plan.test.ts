import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UpdateClusterCommandInput } from '@aws-sdk/client-sagemaker';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { parseConfig } from '../../src/config/load.js';
import { type ResolvedConfig, resolveConfig } from '../../src/config/schema.js';
import { DEMO_TIME, demoEstate } from '../../src/demo/estate.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { shortHash } from '../../src/guardrails/paths.js';
import type { Inventory } from '../../src/model/inventory.js';
import { emptyInventory } from '../../src/model/inventory.js';
import { scanIac } from '../../src/parsers/iac.js';
import { applyPlan } from '../../src/plan/apply.js';
import { type MigrationPlan, migrationPlanner, planMigrations } from '../../src/plan/plan.js';
import { type PlanFile, renderPlan } from '../../src/plan/render.js';
import { updateClusterProblems } from '../../src/plan/validate.js';
import { RULES } from '../../src/rules/registry.js';
import {
  filesEndingWith,
  refusedInTemplates,
  yamlRefusedByCloudFormation,
} from '../helpers/cloudformation-yaml.js';
import {
  ADMIN_ROLE,
  cluster,
  EXEC_ROLE,
  group,
  key,
  keyArn,
  role,
  rootVolume,
  secondaryVolume,
} from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';

const now = new Date(DEMO_TIME);
const demoConfig = (() => {
  const parsed = parseConfig(
    readFileSync(new URL('../../demo/hyperpod-cmk.yaml', import.meta.url), 'utf8'),
    'demo',
    RULES.map((r) => r.meta.id),
  );
  if (!parsed.ok) throw new Error('demo config');
  return parsed.value;
})();

function plan(inventory: Inventory, config: ResolvedConfig): MigrationPlan {
  const { findings } = evaluate(inventory, { config, now });
  const result = planMigrations({
    inventory,
    findings,
    config,
    source: 'test',
    generatedAt: now.toISOString(),
  });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('plan on the demo estate', () => {
  const estate = demoEstate();
  const planned = plan(estate, demoConfig);
  const before = evaluate(estate, { config: demoConfig, now });
  const after = evaluate(applyPlan(estate, planned), { config: demoConfig, now });

  it('renders its files one at a time, plan.json in pieces that are JSON.stringify of the plan', () => {
    const files = renderPlan(planned, new Map());
    const first = files.next();
    expect(first.done).toBe(false);
    const all = [first.value as PlanFile, ...files];
    const planJson = all.find((file) => file.path === 'plan.json')!;
    expect(typeof planJson.content).not.toBe('string');
    expect([...(planJson.content as Iterable<string>)].join('')).toBe(
      `${JSON.stringify(planned, null, 2)}\n`,
    );
    expect(all.filter((file) => file.path.endsWith('/RUNBOOK.md'))).toHaveLength(planned.clusters.length);
    const none = [...renderPlan({ ...planned, clusters: [] }, new Map())].find(
      (file) => file.path === 'plan.json',
    )!;
    expect([...(none.content as Iterable<string>)].join('')).toBe(
      `${JSON.stringify({ ...planned, clusters: [] }, null, 2)}\n`,
    );
  });

  it('a planner makes the same plans, in the same order, each time its clusters are read', () => {
    const { findings } = evaluate(estate, { config: demoConfig, now });
    const planner = migrationPlanner({
      inventory: estate,
      findings,
      config: demoConfig,
      source: 'test',
      generatedAt: now.toISOString(),
    });
    if (!planner.ok) throw new Error(planner.error.message);
    const first = [...planner.value.clusters];
    // Each pass starts from the inventory's aliases: a second pass does not take "-v2" names.
    expect([...planner.value.clusters]).toEqual(first);
    expect(first).toEqual(planned.clusters);
    expect(first.flatMap((c) => c.keys.map((k) => k.alias)).filter((a) => /-v\d+$/.test(a))).toEqual([]);
  });

  it('plans every non-compliant cluster and none of the compliant ones', () => {
    const nonCompliant = before.compliance.clusters
      .filter((c) => c.status === 'non-compliant')
      .map((c) => c.name)
      .sort();
    expect(planned.clusters.map((c) => c.cluster.name).sort()).toEqual(nonCompliant);
    expect(planned.compliant.sort()).toEqual(['bio-foundation', 'llm-pretrain-prod', 'slurm-continuous']);
  });

  it('the tool judges the result of each plan compliant', () => {
    for (const entry of planned.clusters) {
      const result = after.compliance.clusters.find((c) => c.id === entry.cluster.id)!;
      expect([entry.cluster.name, result.status, result.failing, result.unknown]).toEqual([
        entry.cluster.name,
        'compliant',
        [],
        [],
      ]);
    }
  });

  it('every update-cluster input matches the SageMaker request shape', () => {
    const inputs: UpdateClusterCommandInput[] = planned.clusters.flatMap((c) =>
      c.groups.flatMap((g) => (g.replacement ? [g.replacement.addInput, g.replacement.deleteInput] : [])),
    );
    expect(inputs.length).toBeGreaterThan(20);
    for (const input of inputs)
      expect([input.ClusterName, updateClusterProblems(input)]).toEqual([input.ClusterName, []]);
  });

  it('the validator refuses what the API refuses', () => {
    expect(
      updateClusterProblems({
        ClusterName: 'c',
        InstanceGroups: [{ InstanceGroupName: 'g', InstanceCount: 1 }],
      }),
    ).toEqual(['InstanceGroups[0].ExecutionRole: required, an IAM role ARN']);
    expect(
      updateClusterProblems({
        ClusterName: 'c',
        Tags: [],
        InstanceGroups: [
          {
            InstanceGroupName: 'g',
            InstanceCount: 1,
            ExecutionRole: EXEC_ROLE,
            InstanceStorageConfigs: [
              { EbsVolumeConfig: { RootVolume: true, VolumeSizeInGB: 10 } },
              { EbsVolumeConfig: { VolumeKmsKeyId: 'alias/x' } },
            ],
          },
        ],
      }),
    ).toEqual([
      'Tags: not a member of UpdateClusterRequest',
      'InstanceGroups[0].InstanceStorageConfigs[0].EbsVolumeConfig: a root volume takes no VolumeSizeInGB',
      'InstanceGroups[0].InstanceStorageConfigs[0].EbsVolumeConfig: a root volume needs VolumeKmsKeyId',
      'InstanceGroups[0].InstanceStorageConfigs[1].EbsVolumeConfig.VolumeSizeInGB: required for a secondary volume, 1-16384',
    ]);
  });

  it('the pending-deletion and disabled keys are revived before anything else', () => {
    const nlp = planned.clusters.find((c) => c.cluster.name === 'nlp-eval')!;
    expect(nlp.preSteps.map((s) => s.command.split(' --key-id')[0])).toEqual([
      'aws kms cancel-key-deletion',
      'aws kms enable-key',
      'aws kms enable-key',
    ]);
  });

  it('the restricted group gets its own honest answer, and the AWS managed key group is replaced', () => {
    const nova = planned.clusters.find((c) => c.cluster.name === 'nova-customization')!;
    expect(nova.groups.find((g) => g.name === 'nova-rig')).toMatchObject({ action: 'restricted' });
    const recsys = planned.clusters.find((c) => c.cluster.name === 'recsys-train')!;
    expect(recsys.groups).toMatchObject([
      { name: 'train-g5', action: 'replace', replacement: { name: 'train-g5-cmk' } },
    ]);
    expect(recsys.estimate).toEqual({
      keysAdded: 1,
      replicaKeysAdded: 1,
      kmsUsdPerMonth: 2,
      groupsReplaced: 1,
    });
  });

  it('a cluster outside Continuous mode takes the new-cluster path, and says why', () => {
    const slurm = planned.clusters.find((c) => c.cluster.name === 'slurm-legacy')!;
    expect(slurm.path).toBe('new-cluster');
    expect(slurm.notes.join(' ')).toContain(
      'both EKS and Slurm clusters support Continuous mode when they are created',
    );
  });
});

describe('plan: what each situation calls for', () => {
  const config = resolveConfig({ keyAdmins: [ADMIN_ROLE] });
  const inventoryOf = (...parts: Partial<Inventory>[]): Inventory => ({
    ...emptyInventory('live', now.toISOString()),
    roles: [role()],
    ...Object.assign({}, ...parts),
  });

  it('a key that only lacks rotation is fixed in place, nothing replaced', () => {
    const k = key('k1', { rotation: { enabled: false } });
    const inv = inventoryOf({
      keys: [k],
      clusters: [cluster('c', [group('g', { volumes: [rootVolume(k.arn), secondaryVolume(k.arn)] })])],
    });
    const [entry] = plan(inv, config).clusters;
    expect(entry).toMatchObject({
      path: 'in-place',
      keys: [],
      groups: [{ name: 'g', action: 'fix-in-place', reasons: ['kms-key-rotation-enabled'] }],
    });
    expect(entry!.inPlace.map((s) => s.command)).toEqual([
      `aws kms enable-key-rotation --key-id ${k.arn} --rotation-period-in-days 365 --region us-east-1`,
    ]);
  });

  it('a disabled key that only lacks rotation: re-enabled first, then rotated', () => {
    const k = key('k2', {
      metadata: { ...key('k2').metadata!, keyState: 'Disabled' },
      rotation: { enabled: false },
    });
    const inv = inventoryOf({
      keys: [k],
      clusters: [cluster('c', [group('g', { volumes: [rootVolume(k.arn), secondaryVolume(k.arn)] })])],
    });
    const [entry] = plan(inv, config).clusters;
    expect(entry!.preSteps.map((s) => s.command)).toEqual([
      `aws kms enable-key --key-id ${k.arn} --region us-east-1`,
    ]);
    expect(entry!.groups[0]!.action).toBe('fix-in-place');
  });

  // "Customer managed key encryption is only supported for clusters using the continuous node
  // provisioning mode. Restricted instance groups don't support customer managed keys"
  // (smcluster-cmk.html): a key such a group names encrypts none of its volumes.
  it('a restricted group takes neither the findings nor the revival of a key it names, and says why', () => {
    const good = key('good');
    const dying = key('dying', {
      metadata: {
        ...key('dying').metadata!,
        keyState: 'PendingDeletion',
        deletionDate: '2026-12-20T00:00:00.000Z',
      },
    });
    const inv = inventoryOf({
      keys: [good, dying],
      clusters: [
        cluster('c', [
          group('g', { volumes: [rootVolume(good.arn), secondaryVolume(good.arn)] }),
          group('rig', { kind: 'restricted', volumes: [rootVolume(dying.arn)] }),
        ]),
      ],
    });
    const [entry] = plan(inv, config).clusters;
    expect(entry!.preSteps).toEqual([]);
    expect(entry!.failing).toEqual(['hyperpod-cmk-provisioning-mode']);
    const rig = entry!.groups.find((g) => g.name === 'rig')!;
    expect(rig.action).toBe('restricted');
    expect(rig.reasons).toEqual([]);
    expect(rig.why).toContain(
      "and HyperPod ignores the keys it names (1 key): their findings are not this group's and the plan does not revive them",
    );
  });

  it('a cluster outside Continuous mode takes neither the findings nor the revival of the keys its groups name', () => {
    const off = key('off', { metadata: { ...key('off').metadata!, keyState: 'Disabled' } });
    const inv = inventoryOf({
      keys: [off],
      clusters: [
        cluster('legacy', [group('g', { volumes: [rootVolume(off.arn), secondaryVolume(off.arn)] })], {
          nodeProvisioningMode: null,
        }),
      ],
    });
    const [entry] = plan(inv, config).clusters;
    expect(entry!.path).toBe('new-cluster');
    expect(entry!.preSteps).toEqual([]);
    expect(entry!.failing).toEqual([
      'hyperpod-cmk-provisioning-mode',
      'hyperpod-root-volume-cmk',
      'hyperpod-secondary-volume-cmk',
    ]);
    expect(entry!.groups.map((g) => [g.name, g.action, g.reasons])).toEqual([
      ['g', 'replace', ['hyperpod-root-volume-cmk', 'hyperpod-secondary-volume-cmk']],
    ]);
    expect(entry!.notes.join(' ')).toContain(
      'HyperPod ignores the keys its groups name (1 key): they encrypt no volume here, so this plan neither revives nor fixes them',
    );
  });

  it('a cluster whose mode is unknown still revives the keys its groups name: they may be in use', () => {
    const off = key('off', { metadata: { ...key('off').metadata!, keyState: 'Disabled' } });
    const inv = inventoryOf({
      keys: [off],
      clusters: [
        cluster('c', [group('g', { volumes: [rootVolume(off.arn), secondaryVolume(off.arn)] })], {
          nodeProvisioningMode: null,
          notCollected: ['NodeProvisioningMode'],
        }),
      ],
    });
    const [entry] = plan(inv, config).clusters;
    expect(entry!.preSteps.map((s) => s.command)).toEqual([
      `aws kms enable-key --key-id ${off.arn} --region us-east-1`,
    ]);
    expect(entry!.groups[0]!.reasons).toContain('kms-key-enabled');
    expect(entry!.notes.join(' ')).toContain(
      'The keys its groups name are revived first all the same: in Continuous mode they are in use.',
    );
  });

  it('a tag value YAML 1.1 reads as something else (on, 12:30, 2026-01-01) stays the string CloudFormation is given', () => {
    const inv = inventoryOf({
      clusters: [
        cluster('c', [group('g', { volumes: [secondaryVolume(null, null, 200)] })], {
          tags: { owner: 'on', project: '12:30' },
        }),
      ],
    });
    const planned = plan(inv, config);
    const template = [...renderPlan(planned, new Map())].find((file) =>
      file.path.endsWith('/keys.cfn.yaml'),
    )!;
    // CloudFormation parses YAML 1.1: read it that way.
    const parsed = parseDocument(String(template.content), { version: '1.1' }).toJS() as {
      AWSTemplateFormatVersion: unknown;
      Resources: Record<
        string,
        {
          Type: string;
          Properties: { Tags?: { Key: string; Value: unknown }[]; KeyPolicy?: { Version: unknown } };
        }
      >;
    };
    expect(parsed.AWSTemplateFormatVersion).toBe('2010-09-09');
    const keys = Object.values(parsed.Resources).filter((r) => r.Type === 'AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    expect(keys[0]!.Properties.KeyPolicy!.Version).toBe('2012-10-17');
    expect(keys[0]!.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'owner', Value: 'on' },
        { Key: 'project', Value: '12:30' },
      ]),
    );
  });

  it('two clusters whose names are made file-safe alike, or are alike, get folders of their own', () => {
    const onDefault = () => [group('g', { volumes: [secondaryVolume(null, null, 200)] })];
    const folders = (...clusters: ReturnType<typeof cluster>[]) => {
      const planned = plan(inventoryOf({ clusters }), config);
      const paths = [...renderPlan(planned, new Map())].map((file) => file.path);
      // No file is written twice, and each cluster has its own runbook.
      expect(new Set(paths).size).toBe(paths.length);
      const dirs = planned.clusters.map((c) => c.dir);
      expect(paths.filter((path) => path.endsWith('/RUNBOOK.md')).sort()).toEqual(
        dirs.map((d) => `${d}/RUNBOOK.md`).sort(),
      );
      return dirs;
    };
    const prefix = '111122223333-us-east-1';
    // A name that is not a file name as it stands takes a hash of itself (pathSegment).
    expect(folders(cluster('team/a', onDefault()), cluster('team_a', onDefault())).sort()).toEqual([
      `${prefix}-team_a`,
      `${prefix}-team_a-${shortHash('team/a')}`,
    ]);
    // One name twice (two IaC files deploying it where account and Region stay symbolic): the later
    // takes a hash of its id; a tenant's name that already holds that takes its own id's hash too.
    const first = cluster('dup', onDefault(), { id: 'stack-a.yaml#Cluster' });
    const second = cluster('dup', onDefault(), { id: 'stack-b.yaml#Cluster' });
    const crafted = cluster(`dup-${shortHash(second.id)}`, onDefault());
    expect(folders(first, crafted, second).sort()).toEqual([
      `${prefix}-dup`,
      `${prefix}-dup-${shortHash(second.id)}`,
      `${prefix}-dup-${shortHash(second.id)}-${shortHash(crafted.id)}`,
    ]);
  });

  it('a group on the AWS owned default is replaced by one on a key of its own', () => {
    const inv = inventoryOf({
      clusters: [cluster('c', [group('g', { volumes: [secondaryVolume(null, null, 200)] })])],
    });
    const [entry] = plan(inv, config).clusters;
    expect(entry!.groups[0]!.replacement!.addInput).toEqual({
      ClusterName: 'c',
      NodeProvisioningMode: 'Continuous',
      InstanceGroups: [
        {
          InstanceGroupName: 'g-cmk',
          InstanceCount: 2,
          InstanceType: 'ml.p5.48xlarge',
          ExecutionRole: EXEC_ROLE,
          InstanceStorageConfigs: [
            { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: 'alias/hyperpod/c/g' } },
            { EbsVolumeConfig: { VolumeSizeInGB: 200, VolumeKmsKeyId: 'alias/hyperpod/c/g' } },
          ],
        },
      ],
    });
    expect(entry!.groups[0]!.replacement!.deleteInput).toEqual({
      ClusterName: 'c',
      InstanceGroupsToDelete: ['g'],
    });
  });

  it('a replacement copies the lifecycle config and threads per core the inventory knows', () => {
    const lifeCycleConfig = {
      sourceS3Uri: 's3://sagemaker-lifecycle/scripts/',
      onCreate: 'on_create.sh',
      onInitComplete: 'on_init_complete.sh',
    };
    const inv = inventoryOf({
      clusters: [
        cluster('c', [
          group('g', { volumes: [secondaryVolume(null, null, 200)], lifeCycleConfig, threadsPerCore: 1 }),
          group('h', { volumes: [secondaryVolume(null, null, 200)] }),
        ]),
      ],
    });
    const [entry] = plan(inv, config).clusters;
    const [copied, unknown] = entry!.groups.map((g) => g.replacement!);
    expect(copied!.addInput.InstanceGroups![0]).toMatchObject({
      InstanceGroupName: 'g-cmk',
      LifeCycleConfig: {
        SourceS3Uri: 's3://sagemaker-lifecycle/scripts/',
        OnCreate: 'on_create.sh',
        OnInitComplete: 'on_init_complete.sh',
      },
      ThreadsPerCore: 1,
    });
    expect(copied!.copyFromDescribe).not.toContain('LifeCycleConfig');
    expect(copied!.copyFromDescribe).not.toContain('ThreadsPerCore');
    // Not known: not guessed, but named as settings to copy by hand.
    expect(unknown!.addInput.InstanceGroups![0]!.LifeCycleConfig).toBeUndefined();
    expect(unknown!.addInput.InstanceGroups![0]!.ThreadsPerCore).toBeUndefined();
    expect(unknown!.copyFromDescribe).toEqual(expect.arrayContaining(['LifeCycleConfig', 'ThreadsPerCore']));
  });

  it('two groups sharing one key each get a key of their own', () => {
    const k = key('shared');
    const inv = inventoryOf({
      keys: [k],
      clusters: [
        cluster('c', [
          group('a', { volumes: [rootVolume(k.arn), secondaryVolume(k.arn)] }),
          group('b', { volumes: [rootVolume(k.arn), secondaryVolume(k.arn)] }),
        ]),
      ],
    });
    const [entry] = plan(inv, config).clusters;
    expect(entry!.keys.map((pk) => pk.alias)).toEqual(['alias/hyperpod/c/a', 'alias/hyperpod/c/b']);
    const after = evaluate(applyPlan(inv, plan(inv, config)), { config, now });
    // Only CloudTrail, which this inventory did not look up, is left unknown.
    expect(after.compliance.clusters[0]).toMatchObject({ failing: [] });
  });

  it('no key admin in the config: the plan refuses (a key policy needs an administrator)', () => {
    const inv = inventoryOf({ clusters: [cluster('c', [group('g', { volumes: [secondaryVolume(null)] })])] });
    const { findings } = evaluate(inv, { now });
    const result = planMigrations({
      inventory: inv,
      findings,
      config: resolveConfig(),
      source: 't',
      generatedAt: '',
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'config.key_admins_missing' } });
  });

  it('a group whose execution role is not known is blocked, not guessed', () => {
    const inv = inventoryOf({
      clusters: [
        cluster('c', [
          group('g', {
            executionRole: { unresolved: 'var.role', reason: 'unset' },
            volumes: [secondaryVolume(null)],
          }),
        ]),
      ],
    });
    expect(plan(inv, config).clusters[0]!.groups[0]).toMatchObject({ action: 'blocked' });
  });
  void keyArn;
});

describe('plan --out: the files, fed back through the tool', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plan-'));
    const io = memoryIo();
    expect(await runCli(['plan', '--demo', '--out', dir], io)).toBe(0);
    expect(io.out()).toContain('genai-batch');
  });

  it('every CloudFormation template is one CloudFormation reads: no YAML anchor, alias or merge key', () => {
    const templates = filesEndingWith(dir, '.cfn.yaml');
    expect(templates.length).toBeGreaterThanOrEqual(10);
    expect(refusedInTemplates(dir, templates)).toEqual({});
    expect(yamlRefusedByCloudFormation('a: &x [1]\nb: *x\nc:\n  <<: {d: 1}\n')).toEqual(['&x', '*x', '<<']);
  });

  it('each plan folder scanned by `iac`: the replacement groups pass the volume rules on their new keys', async () => {
    for (const folder of [
      '111111111111-us-east-1-genai-batch',
      '222222222222-us-east-1-nlp-eval',
      '222222222222-us-west-2-recsys-train',
    ]) {
      // The CloudFormation half of the plan (keys.tf defines the same keys for Terraform users).
      const files = readdirSync(join(dir, folder)).filter(
        (f) => f === 'keys.cfn.yaml' || f.startsWith('update-cluster-'),
      );
      const scanned = await scanIac({
        paths: files.map((f) => join(dir, folder, f)),
        cwd: dir,
        generatedAt: now.toISOString(),
      });
      if (!scanned.ok) throw new Error(scanned.error.message);
      const inventory = scanned.value.inventory;
      const added = inventory.clusters.flatMap((c) =>
        c.instanceGroups.filter((g) => g.name.endsWith('-cmk')),
      );
      expect(added.length).toBeGreaterThan(0);
      const { findings } = evaluate(inventory, { config: demoConfig, now });
      for (const g of added) {
        const verdicts = findings
          .filter((f) => f.resource.id === g.id && /^hyperpod-(root|secondary)-volume-cmk$/.test(f.ruleId))
          .map((f) => [f.ruleId, f.status]);
        const hasSecondary = Array.isArray(g.volumes) && g.volumes.some((v) => v.role === 'secondary');
        // A group with no secondary volume (the old one had none) has nothing for that rule to judge.
        expect(verdicts).toEqual([
          ['hyperpod-root-volume-cmk', 'PASS'],
          ['hyperpod-secondary-volume-cmk', hasSecondary ? 'PASS' : 'NOT_APPLICABLE'],
        ]);
      }
      // The keys the template creates pass the key rules the template can settle.
      const keyRules = findings.filter(
        (f) =>
          f.resource.type === 'kms-key' &&
          [
            'kms-key-rotation-enabled',
            'kms-key-policy-least-privilege',
            'kms-key-separation-of-duties',
            'kms-key-policy-no-public-access',
            'kms-key-deletion-protection',
          ].includes(f.ruleId),
      );
      expect(keyRules.length).toBeGreaterThan(0);
      expect(keyRules.filter((f) => f.status !== 'PASS').map((f) => [f.ruleId, f.status, f.message])).toEqual(
        [],
      );
    }
  });

  it('writes the runbook, the keys and the inputs; the JSON loads as update-cluster input', () => {
    const folder = join(dir, '222222222222-us-east-1-nlp-eval');
    const runbook = readFileSync(join(folder, 'RUNBOOK.md'), 'utf8');
    expect(runbook).toContain(
      'aws kms cancel-key-deletion --key-id arn:aws:kms:us-east-1:222222222222:key/6f7a8b9c',
    );
    expect(runbook.indexOf('cancel-key-deletion')).toBeLessThan(runbook.indexOf('update-cluster-1a-add'));
    expect(runbook.indexOf('update-cluster-1a-add')).toBeLessThan(
      runbook.indexOf('update-cluster-1b-delete'),
    );
    const add = JSON.parse(readFileSync(join(folder, 'update-cluster-1a-add-eval-a100-cmk.json'), 'utf8'));
    expect(updateClusterProblems(add)).toEqual([]);
    const cfn = parse(readFileSync(join(folder, 'keys.cfn.yaml'), 'utf8'));
    expect(
      Object.values(cfn.Resources)
        .map((r) => (r as { Type: string }).Type)
        .sort(),
    ).toEqual([
      'AWS::KMS::Alias',
      'AWS::KMS::Alias',
      'AWS::KMS::Alias',
      'AWS::KMS::Key',
      'AWS::KMS::Key',
      'AWS::KMS::Key',
    ]);
    expect(readFileSync(join(folder, 'keys.tf'), 'utf8')).toContain('resource "aws_kms_replica_key"');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(
      '| [nlp-eval](222222222222-us-east-1-nlp-eval/RUNBOOK.md) | 222222222222 | us-east-1 | replace-groups | 6 | $6.00 | 3 | compliant |',
    );
  });

  it('--out is required', async () => {
    const io = memoryIo();
    expect(await runCli(['plan', '--demo'], io)).toBe(2);
    expect(io.err()).toContain('--out');
  });
});
