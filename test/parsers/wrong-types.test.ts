/**
 * A property written with a value of the wrong type (EnableKeyRotation: maybe, RootVolume: 3) is
 * what the source cannot tell, so the checks that read it are UNKNOWN, saying the value and why:
 * never the property's default, which would FAIL a key for not rotating, or PASS a key as enabled,
 * on a value nobody wrote.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import { notA, Sym, type Val } from '../../src/parsers/common/value.js';
import { scanIac } from '../../src/parsers/iac.js';
import { runPipeline } from '../../src/pipeline.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function scanText(file: string, text: string, deploying: { region?: string; account?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hpcmk-types-'));
  dirs.push(dir);
  writeFileSync(join(dir, file), text);
  const result = await scanIac({ paths: [file], cwd: dir, generatedAt: NOW.toISOString(), ...deploying });
  if (!result.ok) throw new Error(`${result.error.input}: ${result.error.message}`);
  const { report } = runPipeline(result.value.inventory, { now: NOW, issues: result.value.issues });
  return Object.assign(report, { inventory: result.value.inventory });
}

const only = (findings: readonly Finding[], ruleId: string): Finding => {
  const found = findings.filter((finding) => finding.ruleId === ruleId);
  expect(found).toHaveLength(1);
  return found[0]!;
};

const FIXTURES = fileURLToPath(new URL('../fixtures/iac/', import.meta.url));
/** The weak-key fixture (a key and a cluster whose root volume uses it), with other key properties and volume. */
const WEAK_KEY_YAML = readFileSync(join(FIXTURES, 'cloudformation-yaml/weak-key.yaml'), 'utf8');
const WEAK_KEY_TF = readFileSync(join(FIXTURES, 'terraform/weak-key/main.tf'), 'utf8');

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((line) => by + line)
    .join('\n');

function template(key: string, volume: string, keyAttributes = ''): string {
  const replaced = WEAK_KEY_YAML.replace('      PendingWindowInDays: 7', indent(key, '      '))
    .replace(
      '                RootVolume: true\n                VolumeKmsKeyId: !GetAtt WorkersKey.Arn',
      indent(volume, '                '),
    )
    .replace('    Type: AWS::KMS::Key\n', `    Type: AWS::KMS::Key${keyAttributes}\n`);
  expect(replaced).not.toContain('PendingWindowInDays: 7');
  return replaced;
}

const ROOT = 'RootVolume: true\nVolumeKmsKeyId: !GetAtt WorkersKey.Arn';

describe('notA: how a value of the wrong type reads in a message', () => {
  it('shows the value as written, 8 items and 3 levels of it at most, clipped', () => {
    expect(notA('a boolean', 'maybe').expression).toBe('maybe');
    expect(notA('a number', [1, 'two', true]).expression).toBe('[1,"two",true]');
    expect(notA('a text', { a: { b: { c: { d: 1 } } } }).expression).toBe('{"a":{"b":{"c":"…"}}}');
    expect(
      notA(
        'a text',
        Array.from({ length: 20 }, (_, i) => i),
      ).expression,
    ).toBe('[0,1,2,3,4,5,6,7]');
    // A wide, deep value (a million leaves) is looked at only as far as it is shown.
    let wide: Val = 1;
    for (let level = 0; level < 20; level++) wide = Array.from({ length: 8 }, () => wide);
    const listOf = (item: string) => `[${Array(8).fill(item).join(',')}]`;
    const shown = listOf(listOf(listOf('"…"')));
    expect(notA('a text', wide).expression).toBe(`${shown.slice(0, 159)}…`);
    expect(notA('a text', new Sym('Role.Arn')).reason).toBe('a reference known only once deployed');
  });
});

describe('a property with a value of the wrong type', () => {
  it('EnableKeyRotation: maybe is UNKNOWN, not a key that does not rotate', async () => {
    const report = await scanText('t.yaml', template('EnableKeyRotation: maybe', ROOT));
    expect(only(report.findings, 'kms-key-rotation-enabled')).toMatchObject({
      status: 'UNKNOWN',
      messageId: 'unresolved',
      message:
        'EnableKeyRotation cannot be known from the source: maybe (not a boolean (true or false), so what would be deployed cannot be told)',
    });
    // The written forms stay what they were: quoted "true" rotates, yes is YAML 1.1's true.
    for (const written of ['"true"', 'yes', 'True']) {
      const ok = await scanText('t.yaml', template(`EnableKeyRotation: ${written}`, ROOT));
      expect(only(ok.findings, 'kms-key-rotation-enabled').status).toBe('PASS');
    }
    const off = await scanText('t.yaml', template('EnableKeyRotation: "false"', ROOT));
    expect(only(off.findings, 'kms-key-rotation-enabled').status).toBe('FAIL');
  });

  it('Enabled: 2 is UNKNOWN, not an enabled key', async () => {
    const report = await scanText('t.yaml', template('EnableKeyRotation: true\nEnabled: 2', ROOT));
    expect(only(report.findings, 'kms-key-enabled')).toMatchObject({ status: 'UNKNOWN' });
    expect(only(report.findings, 'kms-key-enabled').message).toContain(
      '2 (not a boolean (true or false), so what would be deployed cannot be told)',
    );
    const absent = await scanText('t.yaml', template('EnableKeyRotation: true', ROOT));
    expect(only(absent.findings, 'kms-key-enabled').status).toBe('PASS');
  });

  it('a list where a boolean goes is UNKNOWN, shown as JSON', async () => {
    const report = await scanText('t.yaml', template('EnableKeyRotation: [true]', ROOT));
    expect(only(report.findings, 'kms-key-rotation-enabled')).toMatchObject({
      status: 'UNKNOWN',
      message: expect.stringContaining(': [true] (not a boolean'),
    });
  });

  it('RootVolume: maybe leaves the volumes unknown, not a secondary volume', async () => {
    const report = await scanText(
      't.yaml',
      template('EnableKeyRotation: true', 'RootVolume: maybe\nVolumeKmsKeyId: !GetAtt WorkersKey.Arn'),
    );
    expect(only(report.findings, 'hyperpod-root-volume-cmk')).toMatchObject({
      status: 'UNKNOWN',
      messageId: 'unresolved',
    });
    expect(only(report.findings, 'hyperpod-root-volume-cmk').message).toContain('maybe (not a boolean');
  });

  it('VolumeKmsKeyId: [ARN] is UNKNOWN, not a volume on the AWS owned key', async () => {
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000001';
    const report = await scanText(
      't.yaml',
      template('EnableKeyRotation: true', `RootVolume: true\nVolumeKmsKeyId: [${arn}]`),
    );
    expect(only(report.findings, 'hyperpod-root-volume-cmk')).toMatchObject({
      status: 'UNKNOWN',
      messageId: 'unresolved',
    });
    expect(only(report.findings, 'hyperpod-root-volume-cmk').message).toContain(
      `["${arn}"] (not a text, so what would be deployed cannot be told)`,
    );
    const none = await scanText('t.yaml', template('EnableKeyRotation: true', 'RootVolume: true'));
    expect(only(none.findings, 'hyperpod-root-volume-cmk')).toMatchObject({
      status: 'FAIL',
      messageId: 'awsOwned',
    });
  });

  it('a tag value that is a list leaves the tags unknown, not a tag with an empty value', async () => {
    const report = await scanText(
      't.yaml',
      template('EnableKeyRotation: true\nTags:\n  - Key: owner\n    Value: [ml]', ROOT),
    );
    expect(only(report.findings, 'kms-key-required-tags')).toMatchObject({
      status: 'UNKNOWN',
      message: expect.stringContaining('["ml"] (not a text'),
    });
    const written = await scanText(
      't.yaml',
      template(
        'EnableKeyRotation: true\nTags:\n  - Key: owner\n    Value: ml\n  - Key: project\n    Value: llm',
        ROOT,
      ),
    );
    expect(only(written.findings, 'kms-key-required-tags')).toMatchObject({
      status: 'PASS',
      messageId: 'tagged',
    });
  });

  it('InstanceStorageConfigs written as a map, not a list, leaves the volumes unknown', async () => {
    const text = template('EnableKeyRotation: true', ROOT).replace(
      '          InstanceStorageConfigs:\n            - EbsVolumeConfig:',
      '          InstanceStorageConfigs:\n              EbsVolumeConfig:',
    );
    expect(text).not.toContain('- EbsVolumeConfig');
    const report = await scanText('t.yaml', text);
    expect(only(report.findings, 'hyperpod-root-volume-cmk')).toMatchObject({
      status: 'UNKNOWN',
      messageId: 'unresolved',
    });
    expect(only(report.findings, 'hyperpod-root-volume-cmk').message).toContain(
      '(not a list of storage configs, so what would be deployed cannot be told)',
    );
  });

  it('InstanceGroups written as a map, or an entry that is no map, leaves the groups unknown, not none', async () => {
    const asMap = template('EnableKeyRotation: true', ROOT).replace(
      '        - InstanceGroupName: workers',
      '          workers:\n          InstanceGroupName: workers',
    );
    const report = await scanText('t.yaml', asMap);
    const groups = report.findings.filter((finding) => finding.ruleId === 'hyperpod-root-volume-cmk');
    expect(groups.map((finding) => [finding.resource.id, finding.status])).toEqual([
      ['t.yaml#Cluster/instance-group/*', 'UNKNOWN'],
    ]);
    expect(groups[0]!.message).toContain('(not a list of instance groups (InstanceGroups)');
    expect(report.inventory.clusters[0]!.instanceGroups).toEqual([]);

    const entry = template('EnableKeyRotation: true', ROOT).replace(
      '      InstanceGroups:\n',
      '      InstanceGroups:\n        - workers\n',
    );
    const mixed = await scanText('t.yaml', entry);
    // The group written as a map is judged; the entry that is none makes the rest unknown.
    expect(
      mixed.findings
        .filter((finding) => finding.ruleId === 'hyperpod-root-volume-cmk')
        .map((finding) => [finding.resource.id, finding.status]),
    ).toEqual([
      ['t.yaml#Cluster/instance-group/*', 'UNKNOWN'],
      ['t.yaml#Cluster/instance-group/workers', 'PASS'],
    ]);
  });

  it('Orchestrator: eks (text, not a map) is unknown, not no orchestrator', async () => {
    const text = template('EnableKeyRotation: true', ROOT).replace(
      '      Orchestrator:\n        Eks:\n          ClusterArn: arn:aws:eks:us-east-1:111122223333:cluster/ml\n',
      '      Orchestrator: eks\n',
    );
    expect(text).toContain('Orchestrator: eks');
    const report = await scanText('t.yaml', text);
    expect(report.inventory.clusters[0]!.orchestrator).toEqual({
      unresolved: 'eks',
      reason: 'not an orchestrator (a map with Eks or Slurm), so what would be deployed cannot be told',
    });
  });

  it('Tags written as text, or a tag entry that is text, leave the tags unknown, not none', async () => {
    for (const tags of ['Tags: owner=ml', 'Tags:\n  - owner']) {
      const report = await scanText('t.yaml', template(`EnableKeyRotation: true\n${tags}`, ROOT));
      expect(only(report.findings, 'kms-key-required-tags')).toMatchObject({
        status: 'UNKNOWN',
        message: expect.stringContaining('so what would be deployed cannot be told'),
      });
    }
  });

  it('PendingWindowInDays: thirty is UNKNOWN, not the default window', async () => {
    const retained = '\n    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain';
    const report = await scanText(
      't.yaml',
      template('EnableKeyRotation: true\nPendingWindowInDays: thirty', ROOT, retained),
    );
    const deletion = only(report.findings, 'kms-key-deletion-protection');
    expect(deletion.status).toBe('UNKNOWN');
    expect(deletion.message).toBe(
      'the deletion window cannot be known from the source: thirty (not a number, so what would be deployed cannot be told)',
    );
    const written = await scanText(
      't.yaml',
      template('EnableKeyRotation: true\nPendingWindowInDays: "30"', ROOT, retained),
    );
    expect(only(written.findings, 'kms-key-deletion-protection').status).toBe('PASS');
  });

  it('NodeProvisioningMode: continuous (not the one value the API takes) is UNKNOWN, not the legacy mode', async () => {
    const text = template('EnableKeyRotation: true', ROOT).replace(
      'NodeProvisioningMode: Continuous',
      'NodeProvisioningMode: continuous',
    );
    const report = await scanText('t.yaml', text);
    expect(only(report.findings, 'hyperpod-cmk-provisioning-mode').status).toBe('UNKNOWN');
    expect(only(report.findings, 'hyperpod-root-volume-cmk')).toMatchObject({
      status: 'UNKNOWN',
      messageId: 'modeUnknown',
    });
    expect(only(report.findings, 'hyperpod-root-volume-cmk').message).toContain(
      'continuous (not a provisioning mode: Continuous is the only value CreateCluster takes)',
    );
    // Absent is the legacy mode, where the key is ignored.
    const legacy = await scanText(
      't.yaml',
      template('EnableKeyRotation: true', ROOT).replace('      NodeProvisioningMode: Continuous\n', ''),
    );
    expect(only(legacy.findings, 'hyperpod-root-volume-cmk')).toMatchObject({
      status: 'FAIL',
      messageId: 'keyIgnored',
    });
  });

  it('KeySpec: [SYMMETRIC_DEFAULT] is UNKNOWN, not the default spec', async () => {
    const report = await scanText(
      't.yaml',
      template('EnableKeyRotation: true\nKeySpec: [SYMMETRIC_DEFAULT]', ROOT),
    );
    expect(only(report.findings, 'kms-key-spec-ebs-compatible').status).toBe('UNKNOWN');
    expect(only(report.findings, 'kms-key-spec-ebs-compatible').message).toContain(
      '["SYMMETRIC_DEFAULT"] (not a text, so what would be deployed cannot be told)',
    );
    const written = await scanText(
      't.yaml',
      template('EnableKeyRotation: true\nKeySpec: SYMMETRIC_DEFAULT', ROOT),
    );
    expect(only(written.findings, 'kms-key-spec-ebs-compatible').status).toBe('PASS');
  });

  it('Terraform: enable_key_rotation = "maybe" is UNKNOWN; "true" rotates', async () => {
    const tf = (rotation: string) =>
      WEAK_KEY_TF.replace('deletion_window_in_days = 7', `enable_key_rotation = ${rotation}`);
    const report = await scanText('main.tf', tf('"maybe"'));
    expect(only(report.findings, 'kms-key-rotation-enabled')).toMatchObject({
      status: 'UNKNOWN',
      message: expect.stringContaining(': maybe (not a boolean (true or false)'),
    });
    const quoted = await scanText('main.tf', tf('"true"'));
    expect(only(quoted.findings, 'kms-key-rotation-enabled').status).toBe('PASS');
    const unset = await scanText('main.tf', tf('null'));
    expect(only(unset.findings, 'kms-key-rotation-enabled')).toMatchObject({
      status: 'FAIL',
      messageId: 'disabled',
    });
  });
});

describe('a plan whose resource changes cannot be read', () => {
  const plan = () =>
    JSON.parse(readFileSync(join(FIXTURES, 'terraform-plan/no-key.json'), 'utf8')) as {
      planned_values: { root_module: { resources: unknown[] } };
      resource_changes: { address?: unknown; change: Record<string, unknown> }[] | unknown;
    };
  const changes = (doc: ReturnType<typeof plan>) =>
    doc.resource_changes as { address?: unknown; change: Record<string, unknown> }[];

  it.each([
    [
      'after: null on a create',
      (doc: ReturnType<typeof plan>) => Object.assign(changes(doc)[0]!.change, { after: null }),
    ],
    [
      'after_unknown: true',
      (doc: ReturnType<typeof plan>) => Object.assign(changes(doc)[0]!.change, { after_unknown: true }),
    ],
  ])(
    '%s: the cluster is known only after apply, its groups UNKNOWN (not a cluster with none)',
    async (_, edit) => {
      const doc = plan();
      doc.planned_values.root_module.resources = [];
      edit(doc);
      const report = await scanText('plan.json', JSON.stringify(doc));
      expect(report.inventory.clusters).toHaveLength(1);
      expect(only(report.findings, 'hyperpod-root-volume-cmk').status).toBe('UNKNOWN');
      // Its provisioning mode is as unknown as the rest: not a FAIL for a mode left unset.
      expect(only(report.findings, 'hyperpod-cmk-provisioning-mode').status).toBe('UNKNOWN');
      expect(report.summary.instanceGroups).toBe(0);
      expect(report.clusters.map((cluster) => cluster.status)).toEqual(['unknown']);
    },
  );

  it('a change without an address, and resource_changes that is no list, are errors naming them', async () => {
    const noAddress = plan();
    delete changes(noAddress)[0]!.address;
    const first = await scanText('plan.json', JSON.stringify(noAddress));
    expect(first.issues.map((issue) => [issue.code, issue.severity, issue.message])).toEqual([
      ['tf.plan_malformed', 'error', 'a resource change without an address: not read'],
    ]);
    const notList = plan();
    notList.resource_changes = { 0: changes(notList)[0] };
    const second = await scanText('plan.json', JSON.stringify(notList));
    expect(second.issues.map((issue) => [issue.code, issue.message])).toEqual([
      ['tf.plan_malformed', 'resource_changes is not a list: the changes it holds are not read'],
    ]);
  });
});

describe('a CloudFormation cluster whose Properties are known only as a whole', () => {
  const template = (properties: string) => `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Variant:
    Type: String
Conditions:
  IsLarge: !Equals [!Ref Variant, large]
Resources:
  Cluster:
    Type: AWS::SageMaker::Cluster
    Properties: ${properties}
`;
  const IF = '!If [IsLarge, {ClusterName: big, NodeProvisioningMode: Continuous}, {ClusterName: small}]';
  const INCLUDE = '{Name: AWS::Include, Parameters: {Location: s3://b/cluster.yaml}}';
  const INCLUDED = {
    unresolved: `!Transform ${INCLUDE}`,
    reason:
      'not written here, and what Fn::Transform (AWS::Include) adds when the stack deploys is not scanned',
    inputs: ['s3://b/cluster.yaml'],
  };

  it.each([
    [
      IF,
      {
        unresolved: IF,
        reason: 'it depends on condition IsLarge: condition IsLarge depends on Variant, which is not known',
        inputs: ['Variant'],
      },
      IF,
    ],
    [
      `{'Fn::Transform': ${INCLUDE}}`,
      {
        unresolved: `!Transform ${INCLUDE}`,
        reason: 'Fn::Transform is evaluated by CloudFormation at deploy time',
      },
      `!Transform ${INCLUDE}`,
    ],
    // Beside a Fn::Transform, what is written is read; what the include may add is unknown.
    [`{ClusterName: c, 'Fn::Transform': ${INCLUDE}}`, INCLUDED, 'c'],
    [
      'just-text',
      {
        unresolved: 'just-text',
        reason: 'not a map of properties, so what would be deployed cannot be told',
      },
      'just-text',
    ],
  ])(
    'Properties: %s makes every property not written UNKNOWN, its mode and tags too (not unset)',
    async (properties, unresolved, name) => {
      const report = await scanText('stack.yaml', template(properties));
      expect(report.inventory.clusters).toEqual([
        expect.objectContaining({
          name,
          nodeProvisioningMode: unresolved,
          orchestrator: unresolved,
          tags: unresolved,
          instanceGroups: [],
          instanceGroupsUnresolved: unresolved,
        }),
      ]);
      // Before, the mode read as unset (the legacy mode: FAIL) and the tags as none (FAIL).
      expect(only(report.findings, 'hyperpod-cmk-provisioning-mode')).toMatchObject({
        status: 'UNKNOWN',
        message: `NodeProvisioningMode cannot be known from the source: ${unresolved.unresolved} (${unresolved.reason})`,
      });
      expect(only(report.findings, 'hyperpod-cluster-required-tags').status).toBe('UNKNOWN');
      expect(only(report.findings, 'hyperpod-root-volume-cmk')).toMatchObject({
        status: 'UNKNOWN',
        resource: expect.objectContaining({ id: 'stack.yaml#Cluster/instance-group/*' }),
      });
      expect(report.clusters.map((c) => c.status)).toEqual(['unknown']);
    },
  );

  it('Properties left out, or !Ref AWS::NoValue, are none: the legacy mode, judged as written', async () => {
    for (const properties of ['!Ref AWS::NoValue', '{}']) {
      const report = await scanText('stack.yaml', template(properties));
      expect(report.inventory.clusters[0]!.nodeProvisioningMode).toBeNull();
      expect(only(report.findings, 'hyperpod-cmk-provisioning-mode').status).toBe('FAIL');
    }
  });
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own placeholders
const OWN_ARN = '!Sub "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}"';
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own placeholders
const OTHER_ARN = '!Sub "arn:aws:kms:eu-west-1:999999999999:key/${Key}"';
/** The key's ARN joined from the pseudo parameters, as the HyperPod samples write it. */
const JOINED_ARN =
  "!Join ['', ['arn:', !Ref 'AWS::Partition', ':kms:', !Ref 'AWS::Region', ':', !Ref 'AWS::AccountId', ':key/', !Ref Key]]";
/** The same, in long form (CDK synth). */
const JOINED_ARN_JSON =
  "{'Fn::Join': ['', ['arn:', {Ref: 'AWS::Partition'}, ':kms:', {Ref: 'AWS::Region'}, ':', {Ref: 'AWS::AccountId'}, ':key/', {Ref: Key}]]}";
/** Joined on ':' around a partial made by another Sub or Join. */
const COLON_JOIN_SUB =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own placeholders
  "!Join [':', [arn, !Ref 'AWS::Partition', kms, !Ref 'AWS::Region', !Ref 'AWS::AccountId', !Sub 'key/${Key}']]";
const COLON_JOIN_JOIN =
  "!Join [':', [arn, !Ref 'AWS::Partition', kms, !Ref 'AWS::Region', !Ref 'AWS::AccountId', !Join ['/', [key, !GetAtt Key.KeyId]]]]";
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own placeholders
const LITERAL_ACCOUNT_ARN = "!Sub 'arn:aws:kms:us-east-1:111122223333:key/${Key}'";
const OTHER_ACCOUNT_JOIN =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own placeholders
  "!Join [':', [arn, aws, kms, us-east-1, '999999999999', !Sub 'key/${Key}']]";
const DEPLOYING = { region: 'us-east-1', account: '111122223333' };

describe('a key named by an attribute it does not have', () => {
  const template = (reference: string) => `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
  Cluster:
    Type: AWS::SageMaker::Cluster
    Properties:
      ClusterName: c
      NodeProvisioningMode: Continuous
      InstanceGroups:
        - InstanceGroupName: g
          InstanceType: ml.c5.xlarge
          InstanceCount: 1
          ExecutionRole: arn:aws:iam::111122223333:role/exec
          LifeCycleConfig: { SourceS3Uri: s3://sagemaker-b/lc, OnCreate: on_create.sh }
          InstanceStorageConfigs:
            - EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: ${reference} }
`;
  it.each([
    ['!GetAtt Key.Arn', 'PASS'],
    ['!GetAtt Key.KeyId', 'PASS'],
    ['!Ref Key', 'PASS'],
    [OWN_ARN, 'PASS'],
    // Another account's key of that id is not this stack's key.
    [OTHER_ARN, 'UNKNOWN'],
  ])('%s names the key (or not)', async (reference, status) => {
    const report = await scanText('stack.yaml', template(reference));
    expect(only(report.findings, 'hyperpod-key-exists').status).toBe(status);
  });

  const RESOLVES = 'every volume key resolves: stack.yaml#Key';
  const outside = (arn: string) =>
    `root volume key ${arn} could not be resolved: defined outside the scanned files`;
  it.each([
    [JOINED_ARN, {}, 'PASS', RESOLVES],
    [JOINED_ARN, DEPLOYING, 'PASS', RESOLVES],
    [JOINED_ARN_JSON, DEPLOYING, 'PASS', RESOLVES],
    [COLON_JOIN_SUB, {}, 'PASS', RESOLVES],
    [COLON_JOIN_SUB, DEPLOYING, 'PASS', RESOLVES],
    [COLON_JOIN_JOIN, {}, 'PASS', RESOLVES],
    // --region and --account make the pseudo parameters literal: the ARN is still the stack's own.
    [OWN_ARN, DEPLOYING, 'PASS', RESOLVES],
    [LITERAL_ACCOUNT_ARN, DEPLOYING, 'PASS', RESOLVES],
    // A literal account that the scan was not told is the deploying one may be another's.
    [
      LITERAL_ACCOUNT_ARN,
      {},
      'UNKNOWN',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own placeholders
      outside('arn:aws:kms:us-east-1:111122223333:key/${Key}'),
    ],
    [
      OTHER_ACCOUNT_JOIN,
      DEPLOYING,
      'UNKNOWN',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own placeholders
      outside('arn:aws:kms:us-east-1:999999999999:key/${Key}'),
    ],
  ])('%s (deploying to %j) names the key, or not', async (reference, deploying, status, message) => {
    const report = await scanText('stack.yaml', template(reference), deploying);
    const finding = only(report.findings, 'hyperpod-key-exists');
    expect([finding.status, finding.message]).toEqual([status, message]);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own placeholders
  it("!Sub 'key/${Key}' alone is no form KMS takes (key id, key ARN, alias name, alias ARN): UNKNOWN, not the key", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own placeholders
    const report = await scanText('stack.yaml', template("!Sub 'key/${Key}'"));
    const unresolved = {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own placeholders
      unresolved: 'key/${Key}',
      reason: 'not a key id, key ARN, alias name or alias ARN, the forms KMS takes: no key is named',
    };
    expect(report.inventory.clusters[0]!.instanceGroups[0]!.volumes).toEqual([
      { role: 'root', kmsKeyId: unresolved, location: { file: 'stack.yaml', line: 19 } },
    ]);
    const message = `the root volume key cannot be known from the source: ${unresolved.unresolved} (${unresolved.reason})`;
    for (const ruleId of ['hyperpod-key-exists', 'hyperpod-root-volume-cmk']) {
      const finding = only(report.findings, ruleId);
      expect([finding.status, finding.message]).toEqual([
        'UNKNOWN',
        expect.stringContaining(unresolved.reason),
      ]);
    }
    expect(only(report.findings, 'hyperpod-key-exists').message).toBe(message);
  });

  it('!GetAtt Key.Bogus names no key: UNKNOWN saying why, never the key', async () => {
    const report = await scanText('stack.yaml', template('!GetAtt Key.Bogus'));
    const finding = only(report.findings, 'hyperpod-key-exists');
    expect(finding.status).toBe('UNKNOWN');
    expect(finding.message).toContain('Bogus of AWS::KMS::Key is not a key id or ARN: no key is named');
  });
});

describe('a Terraform key ARN written out around the key id', () => {
  const config = (reference: string, provider = '') => `${provider}
data "aws_partition" "p" {}
data "aws_region" "r" {}
data "aws_caller_identity" "me" {}
resource "aws_kms_key" "k" {
  enable_key_rotation = true
}
resource "awscc_sagemaker_cluster" "c" {
  cluster_name           = "c"
  node_provisioning_mode = "Continuous"
  instance_groups = [{
    instance_group_name = "g"
    instance_type       = "ml.c5.xlarge"
    instance_count      = 1
    execution_role      = "arn:aws:iam::111122223333:role/exec"
    life_cycle_config   = { source_s3_uri = "s3://sagemaker-b/lc", on_create = "on_create.sh" }
    instance_storage_configs = [{ ebs_volume_config = { root_volume = true, volume_kms_key_id = ${reference} } }]
  }]
}
`;
  const DATA_ARN =
    '"arn:${data.aws_partition.p.partition}:kms:${data.aws_region.r.name}:${data.aws_caller_identity.me.account_id}:key/${aws_kms_key.k.key_id}"';
  const FORMAT_ARN =
    'format("arn:%s:kms:%s:%s:key/%s", data.aws_partition.p.partition, data.aws_region.r.name, data.aws_caller_identity.me.account_id, aws_kms_key.k.id)';
  const JOIN_ARN =
    'join(":", ["arn", data.aws_partition.p.partition, "kms", data.aws_region.r.name, data.aws_caller_identity.me.account_id, "key/${aws_kms_key.k.key_id}"])';
  const LITERAL_ARN = '"arn:aws:kms:us-east-1:111122223333:key/${aws_kms_key.k.key_id}"';
  const OTHER_ACCOUNT_ARN = '"arn:aws:kms:us-east-1:999999999999:key/${aws_kms_key.k.key_id}"';
  // The keys are hashicorp/aws resources and the cluster an awscc one: each in its provider's Region.
  const PROVIDER =
    'provider "aws" {\n  region = "us-east-1"\n}\nprovider "awscc" {\n  region = "us-east-1"\n}';
  const AWS_PROVIDER_ONLY = 'provider "aws" {\n  region = "us-east-1"\n}';
  const RESOLVES = 'every volume key resolves: main.tf#aws_kms_key.k';
  const AWSCC_REGION_UNKNOWN =
    "root volume key main.tf#aws_kms_key.k is a key of us-east-1, and the cluster Region (the provider's Region, not set in the files) is not known: a key of another Region cannot encrypt its volumes";
  const outside = (arn: string) =>
    `root volume key ${arn} could not be resolved: defined outside the scanned files`;
  it.each([
    [DATA_ARN, '', {}, 'PASS', RESOLVES],
    [FORMAT_ARN, '', {}, 'PASS', RESOLVES],
    [JOIN_ARN, '', {}, 'PASS', RESOLVES],
    [DATA_ARN, PROVIDER, { account: '111122223333' }, 'PASS', RESOLVES],
    // A literal Region and account are the deploying ones only when the scan knows them to be.
    [LITERAL_ARN, PROVIDER, { account: '111122223333' }, 'PASS', RESOLVES],
    [LITERAL_ARN, '', { region: 'us-east-1', account: '111122223333' }, 'PASS', RESOLVES],
    [LITERAL_ARN, '', {}, 'UNKNOWN', outside('arn:aws:kms:us-east-1:111122223333:key/aws_kms_key.k.key_id')],
    // The awscc provider's Region is not the aws provider's: without its own, the cluster's is the
    // environment's, which the files do not say.
    [LITERAL_ARN, AWS_PROVIDER_ONLY, { account: '111122223333' }, 'UNKNOWN', AWSCC_REGION_UNKNOWN],
    [
      OTHER_ACCOUNT_ARN,
      PROVIDER,
      { account: '111122223333' },
      'UNKNOWN',
      outside('arn:aws:kms:us-east-1:999999999999:key/aws_kms_key.k.key_id'),
    ],
  ])(
    '%s (%s, deploying to %j) names the key, or not',
    async (reference, provider, deploying, status, message) => {
      const report = await scanText('main.tf', config(reference, provider), deploying);
      const finding = only(report.findings, 'hyperpod-key-exists');
      expect([finding.status, finding.message]).toEqual([status, message]);
    },
  );

  it('"key/${aws_kms_key.k.key_id}" alone is no form KMS takes: UNKNOWN, not the key', async () => {
    const report = await scanText('main.tf', config('"key/${aws_kms_key.k.key_id}"'));
    const finding = only(report.findings, 'hyperpod-key-exists');
    expect(finding.status).toBe('UNKNOWN');
    expect(finding.message).toContain('not a key id, key ARN, alias name or alias ARN, the forms KMS takes');
  });
});

describe('.tf.json with arrays where Terraform takes them', () => {
  const cluster = {
    cluster_name: 'c',
    node_provisioning_mode: 'Continuous',
    instance_groups: [
      {
        instance_group_name: 'g',
        instance_type: 'ml.c5.xlarge',
        instance_count: 1,
        execution_role: 'arn:aws:iam::111122223333:role/exec',
        life_cycle_config: { source_s3_uri: 's3://sagemaker-b/lc', on_create: 'on_create.sh' },
      },
    ],
  };
  it.each([
    ['an array of resource types', { resource: [{ awscc_sagemaker_cluster: { c: cluster } }] }],
    ['an array of names', { resource: { awscc_sagemaker_cluster: [{ c: cluster }] } }],
  ])('%s: the cluster is read', async (_, doc) => {
    const report = await scanText('main.tf.json', JSON.stringify(doc));
    expect(report.inventory.clusters.map((c) => c.name)).toEqual(['c']);
    expect(report.summary.instanceGroups).toBe(1);
  });
});
