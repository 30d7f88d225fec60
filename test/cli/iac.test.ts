/**
 * `hyperpod-cmk iac` on bad input: every problem is a typed issue with file and line (or a clear
 * exit 2 for a usage error), the other files are still scanned, and nothing hangs or crashes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { Report } from '../../src/model/report.js';
import { discover, readSource } from '../../src/parsers/discover.js';
import { memoryIo } from '../helpers/io.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/iac/', import.meta.url));
const GOOD = `${FIXTURES}cloudformation-yaml/no-key.yaml`;
const PASSING = `${FIXTURES}cloudformation-yaml/pass.yaml`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-iac-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string | Buffer) => {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};

async function iac(args: string[]) {
  const io = memoryIo({ cwd: dir });
  const code = await runCli(['iac', ...args, '--format', 'json'], io);
  const out = io.out();
  return { code, report: out ? (JSON.parse(out) as Report) : undefined, err: io.err() };
}

const copyOf = (source: string, name: string) => write(name, execFileSync('cat', [source]));

describe('hyperpod-cmk iac: bad input', () => {
  it('malformed YAML, JSON and HCL are issues with file and line; the good file is still scanned (exit 3)', async () => {
    copyOf(PASSING, 'good/pass.yaml');
    write(
      'bad/stack.yaml',
      'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Cluster:\n    Type: AWS::SageMaker::Cluster\n    Properties: [unclosed\n',
    );
    write('bad/cdk.template.json', '{\n  "Resources": {\n    "Key": { "Type": "AWS::KMS::Key", }\n  }\n}\n');
    write('bad/main.tf', 'resource "aws_kms_key" "k" {\n  description = "x"\n  enable_key_rotation = \n}\n');
    const { code, report } = await iac(['.']);
    expect(code).toBe(3);
    const issues = report!.issues.map((i) => [i.code, i.severity, i.location?.file, i.location?.line]);
    expect(issues).toEqual(
      expect.arrayContaining([
        // The YAML parser notices the unclosed list at the end of the input.
        ['cfn.parse', 'error', 'bad/stack.yaml', 6],
        ['cfn.parse', 'error', 'bad/cdk.template.json', 3],
        ['tf.parse', 'error', 'bad/main.tf', expect.any(Number)],
      ]),
    );
    expect(report!.issues.find((i) => i.code === 'tf.parse')!.location!.line).toBeGreaterThanOrEqual(3);
    expect(report!.clusters.map((c) => c.status)).toEqual(['compliant']);
  });

  it('a failing finding still wins over parse errors (exit 1)', async () => {
    copyOf(GOOD, 'no-key.yaml');
    write('broken.yaml', 'AWSTemplateFormatVersion: "2010-09-09"\nResources: {\n');
    const { code, report } = await iac(['.']);
    expect(code).toBe(1);
    expect(report!.issues.map((i) => i.code)).toEqual(['cfn.parse']);
  });

  it('a YAML alias bomb is refused quickly, without expanding it', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    write(
      'bomb.yaml',
      `AWSTemplateFormatVersion: "2010-09-09"\nMetadata:\n  ${levels.join('\n  ')}\nResources:\n  X:\n    Type: AWS::SageMaker::Cluster\n    Properties:\n      Tags: *l\n`,
    );
    copyOf(GOOD, 'no-key.yaml');
    const started = Date.now();
    const { report } = await iac(['.']);
    expect(Date.now() - started).toBeLessThan(10_000);
    const issue = report!.issues.find((i) => i.location?.file === 'bomb.yaml');
    expect(issue).toMatchObject({ code: 'cfn.parse', severity: 'error' });
    expect(issue!.message).toMatch(/billion laughs/);
    expect(report!.clusters).toHaveLength(1);
  });

  it('deeply nested YAML, JSON and HCL do not overflow the stack', async () => {
    const depth = 100_000;
    write(
      'deep.yaml',
      `AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  X: ${'['.repeat(depth)}${']'.repeat(depth)}\n`,
    );
    write(
      'deep.template.json',
      `{"AWSTemplateFormatVersion": "2010-09-09", "Resources": ${'['.repeat(depth)}${']'.repeat(depth)}}`,
    );
    write('deep/main.tf', `locals {\n  x = ${'['.repeat(20_000)}${']'.repeat(20_000)}\n}\n`);
    copyOf(GOOD, 'no-key.yaml');
    const { code, report } = await iac(['.']);
    expect(code).toBe(1);
    const files = report!.issues.map((i) => i.location?.file).sort();
    expect(files).toEqual(['deep.template.json', 'deep.yaml', 'deep/main.tf']);
    expect(report!.clusters).toHaveLength(1);
  });

  it('a file over the size limit is an error when it looks like IaC, a warning when only its extension says so, and a lock file is skipped quietly', async () => {
    const big = 'x'.repeat(1_200_000);
    write('huge-stack.yaml', `AWSTemplateFormatVersion: "2010-09-09"\nDescription: ${big}\nResources: {}\n`);
    write('late-marker.yaml', `Description: ${big}\nAWSTemplateFormatVersion: "2010-09-09"\n`);
    write('package-lock.json', JSON.stringify({ name: 'x', padding: big }));
    copyOf(GOOD, 'no-key.yaml');
    const { report } = await iac(['.', '--max-file-size', '1']);
    expect(report!.issues.map((i) => [i.code, i.severity, i.location?.file])).toEqual([
      ['input.too_large', 'warning', 'late-marker.yaml'],
      ['input.too_large', 'error', 'huge-stack.yaml'],
    ]);
    expect(report!.issues[0]!.hint).toContain('--max-file-size');
  });

  it('binary files are skipped with an issue: an error when Terraform reads the extension, a warning for .yaml', async () => {
    write('image.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0x0a]));
    write('mod/main.tf', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
    copyOf(GOOD, 'no-key.yaml');
    const { report } = await iac(['.']);
    expect(report!.issues.map((i) => [i.code, i.severity, i.location?.file])).toEqual([
      ['input.binary', 'warning', 'image.yaml'],
      ['input.binary', 'error', 'mod/main.tf'],
    ]);
    expect(report!.clusters).toHaveLength(1);
  });

  it('a file that cannot be read is an error naming it', () => {
    const path = copyOf(GOOD, 'gone.yaml');
    const [file] = discover(['.'], { cwd: dir, exclude: [] }).files;
    unlinkSync(path);
    const read = readSource(file!, 1_000_000);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.issue).toMatchObject({ code: 'input.unreadable', severity: 'error' });
  });

  it('symbolic link loops and self-links are reported, not followed forever', async () => {
    copyOf(GOOD, 'stacks/no-key.yaml');
    symlinkSync('..', join(dir, 'stacks', 'parent'));
    symlinkSync('self.yaml', join(dir, 'self.yaml'));
    const { report } = await iac(['.']);
    expect(report!.clusters).toHaveLength(1);
    const codes = report!.issues.map((i) => [i.code, i.location?.file]).sort();
    expect(codes).toEqual([
      ['input.symlink_loop', 'self.yaml'],
      ['input.symlink_loop', 'stacks/parent'],
    ]);
  });

  it('pipes are never read (a read would block forever)', async () => {
    copyOf(GOOD, 'no-key.yaml');
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    const { report } = await iac(['.']);
    expect(report!.clusters).toHaveLength(1);
    // Named on the command line, it is a usage error, whatever else is named.
    const explicit = await iac([join(dir, 'pipe.yaml'), join(dir, 'no-key.yaml')]);
    expect([explicit.code, explicit.report, explicit.err]).toEqual([
      2,
      undefined,
      `hyperpod-cmk: ${join(dir, 'pipe.yaml')}: not a regular file or directory but a FIFO (named pipe): never read\n  hint: pass the files or directories that hold your CloudFormation, Terraform or create-cluster input\n`,
    ]);
  });

  it('a directory with no IaC says so and exits 3', async () => {
    write('README.md', '# nothing here\n');
    write('.github/workflows/ci.yaml', 'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n');
    write('chart/templates/deploy.yaml', 'apiVersion: v1\nkind: {{ .Values.kind }}\n  bad: [\n');
    const { code, report, err } = await iac(['.']);
    expect(code).toBe(3);
    expect(err).toContain('no infrastructure-as-code found in . (3 files looked at)');
    expect(report!.issues.map((i) => i.code)).toEqual(['iac.none_found']);
    const one = await iac(['README.md']);
    expect(one.err).toContain('no infrastructure-as-code found in README.md (1 file looked at)');
    expect(one.report!.issues[0]!.message).toMatch(/\(1 file looked at\)$/);
    // Nothing was read as any format: the scan is labelled IaC, not one format it never saw.
    expect(one.report!.scan.source).toBe('iac');
  });

  it('a path that does not exist, or a parameter file for no template, is a usage error (exit 2)', async () => {
    const missing = await iac(['nope']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('nope: no such file or directory');
    copyOf(GOOD, 'no-key.yaml');
    write('params.json', JSON.stringify([{ ParameterKey: 'Nope', ParameterValue: 'x' }]));
    const params = await iac(['no-key.yaml', '--parameters', 'params.json']);
    expect(params.code).toBe(2);
    expect(params.err).toContain('params.json: no scanned template declares all of its parameters (Nope)');
    write('not-params.json', '{"hello": 1}');
    const notParams = await iac(['no-key.yaml', '--parameters', 'not-params.json']);
    expect(notParams.code).toBe(2);
    expect(notParams.err).toContain('not a CloudFormation parameter file');
    const region = await iac(['no-key.yaml', '--region', 'mars-1']);
    expect(region.code).toBe(2);
  });

  it('--parameters and --var-file naming a pseudo-file, a device, a pipe or a directory say which, not "no such file" (exit 2)', async () => {
    copyOf(GOOD, 'no-key.yaml');
    write('params/prod.json', JSON.stringify([{ ParameterKey: 'Nope', ParameterValue: 'x' }]));
    execFileSync('mkfifo', [join(dir, 'vars.tfvars')]);
    const said = (flag: string, path: string, message: string, hint: string) => [
      flag,
      path,
      `hyperpod-cmk: ${path}: ${message}\n  hint: ${hint}\n`,
    ];
    const PSEUDO = 'not a regular file but a kernel pseudo-file (under /proc, /sys or /dev): never read';
    for (const [flag, path, err] of [
      said(
        '--parameters',
        '/proc/self/environ',
        PSEUDO,
        'give --parameters a regular file (save the parameters to one first)',
      ),
      said(
        '--var-file',
        '/proc/self/environ',
        PSEUDO,
        'give --var-file a regular file (save the variables to one first)',
      ),
      said(
        '--parameters',
        '/dev/null',
        'not a regular file but a character device: never read',
        'give --parameters a regular file (save the parameters to one first)',
      ),
      said(
        '--var-file',
        'vars.tfvars',
        'not a regular file but a FIFO (named pipe): never read',
        'give --var-file a regular file (save the variables to one first)',
      ),
      said(
        '--parameters',
        'params',
        'a directory, not a file',
        'give --parameters the file itself, not the directory that holds it',
      ),
      said('--parameters', 'nope.json', 'no such file', 'check the path given to --parameters'),
    ]) {
      const run = await iac(['no-key.yaml', flag!, path!]);
      expect([run.code, run.err, run.report], `${flag} ${path}`).toEqual([2, err, undefined]);
    }
  });
});

describe('hyperpod-cmk iac: discovery', () => {
  it('skips node_modules, .terraform, .git and cdk.out assets, and honours --exclude', async () => {
    copyOf(GOOD, 'node_modules/pkg/stack.yaml');
    copyOf(GOOD, '.terraform/modules/m/stack.yaml');
    copyOf(GOOD, '.git/stack.yaml');
    copyOf(GOOD, 'cdk.out/asset.1234/stack.yaml');
    write('cdk.out/manifest.json', JSON.stringify({ version: '36.0.0', artifacts: {} }));
    write('cdk.out/tree.json', JSON.stringify({ version: 'tree-0.1', tree: { id: 'App' } }));
    copyOf(`${FIXTURES}cloudformation-json/no-key.template.json`, 'cdk.out/Workers.template.json');
    copyOf(GOOD, 'examples/old.yaml');
    const { report } = await iac(['.', '--exclude', 'examples/**']);
    expect(
      report!.findings.filter((f) => f.ruleId === 'hyperpod-root-volume-cmk').map((f) => f.resource.id),
    ).toEqual(['cdk.out/Workers.template.json#Cluster/instance-group/workers']);
  });

  it('applies --parameters files in both formats, and pairs a parameter file found beside its template', async () => {
    write(
      'stack.yaml',
      [
        'AWSTemplateFormatVersion: "2010-09-09"',
        'Parameters:',
        '  KeyArn: { Type: String, Default: "" }',
        '  UseKey: { Type: String, Default: "false", AllowedValues: ["true", "false"] }',
        'Conditions:',
        '  WithKey: !Equals [!Ref UseKey, "true"]',
        'Resources:',
        '  Cluster:',
        '    Type: AWS::SageMaker::Cluster',
        '    Properties:',
        '      NodeProvisioningMode: Continuous',
        '      InstanceGroups:',
        '        - InstanceGroupName: workers',
        '          ExecutionRole: arn:aws:iam::111122223333:role/r',
        '          InstanceCount: 1',
        '          InstanceStorageConfigs:',
        '            - EbsVolumeConfig:',
        '                RootVolume: true',
        '                VolumeKmsKeyId: !If [WithKey, !Ref KeyArn, !Ref "AWS::NoValue"]',
      ].join('\n'),
    );
    const explicit = write(
      'prod.json',
      JSON.stringify({ Parameters: { UseKey: 'true', KeyArn: 'alias/aws/sagemaker' } }),
    );
    const root = (report: Report) => report.findings.find((f) => f.ruleId === 'hyperpod-root-volume-cmk')!;
    const withDefaults = await iac(['stack.yaml']);
    expect([root(withDefaults.report!).status, root(withDefaults.report!).messageId]).toEqual([
      'FAIL',
      'awsOwned',
    ]);
    const withFile = await iac(['stack.yaml', '--parameters', explicit]);
    expect(root(withFile.report!).messageId).toBe('awsManaged');
    expect(root(withFile.report!).resource.id).toBe('prod.json#Cluster/instance-group/workers');
    write('params/dev.json', JSON.stringify([{ ParameterKey: 'UseKey', ParameterValue: 'true' }]));
    const paired = await iac(['.']);
    const ids = paired
      .report!.findings.filter((f) => f.ruleId === 'hyperpod-root-volume-cmk')
      .map((f) => [f.resource.id, f.messageId]);
    expect(ids).toEqual(
      expect.arrayContaining([
        ['stack.yaml#Cluster/instance-group/workers', 'awsOwned'],
        // UseKey true but KeyArn left at its empty default: no key.
        ['params/dev.json#Cluster/instance-group/workers', 'awsOwned'],
        ['prod.json#Cluster/instance-group/workers', 'awsManaged'],
      ]),
    );
  });

  it('an unknown condition names the input it depends on', async () => {
    write(
      'stack.yaml',
      [
        'AWSTemplateFormatVersion: "2010-09-09"',
        'Parameters:',
        '  Environment: { Type: String }',
        'Conditions:',
        '  IsProd: !Equals [!Ref Environment, prod]',
        'Resources:',
        '  Key: { Type: AWS::KMS::Key, Properties: { EnableKeyRotation: !If [IsProd, true, false] } }',
        '  Cluster:',
        '    Type: AWS::SageMaker::Cluster',
        '    Properties:',
        '      InstanceGroups:',
        '        - InstanceGroupName: workers',
        '          ExecutionRole: arn:aws:iam::111122223333:role/r',
        '          InstanceCount: 1',
        '          InstanceStorageConfigs:',
        '            - !If [IsProd, { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: !GetAtt Key.Arn } }, !Ref "AWS::NoValue"]',
      ].join('\n'),
    );
    const { report } = await iac(['stack.yaml']);
    const rotation = report!.findings.find((f) => f.ruleId === 'kms-key-rotation-enabled')!;
    expect(rotation.status).toBe('UNKNOWN');
    expect(rotation.evidence).toMatchObject({ unresolved: { inputs: ['Environment'] } });
    const root = report!.findings.find((f) => f.ruleId === 'hyperpod-root-volume-cmk')!;
    expect(root.status).toBe('UNKNOWN');
    expect(root.message).toContain('IsProd');
  });

  it("a key imported from another scanned stack resolves to that stack's key", async () => {
    write(
      'security/keys.yaml',
      [
        'AWSTemplateFormatVersion: "2010-09-09"',
        'Resources:',
        '  WorkersKey:',
        '    Type: AWS::KMS::Key',
        '    Properties: { EnableKeyRotation: true }',
        'Outputs:',
        '  WorkersKeyArn:',
        '    Value: !GetAtt WorkersKey.Arn',
        '    Export: { Name: hyperpod-workers-key }',
      ].join('\n'),
    );
    write(
      'ml/cluster.yaml',
      [
        'AWSTemplateFormatVersion: "2010-09-09"',
        'Resources:',
        '  Cluster:',
        '    Type: AWS::SageMaker::Cluster',
        '    Properties:',
        '      NodeProvisioningMode: Continuous',
        '      InstanceGroups:',
        '        - InstanceGroupName: workers',
        '          ExecutionRole: arn:aws:iam::111122223333:role/r',
        '          InstanceCount: 1',
        '          InstanceStorageConfigs:',
        '            - EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: !ImportValue hyperpod-workers-key }',
        '            - EbsVolumeConfig: { VolumeSizeInGB: 100, VolumeKmsKeyId: !ImportValue not-exported }',
      ].join('\n'),
    );
    const { report } = await iac(['.']);
    const byRule = (ruleId: string) => report!.findings.find((f) => f.ruleId === ruleId)!;
    expect(byRule('hyperpod-root-volume-cmk')).toMatchObject({ status: 'PASS', messageId: 'cmk' });
    expect(byRule('hyperpod-root-volume-cmk').evidence).toMatchObject({
      keyArn: 'security/keys.yaml#WorkersKey',
    });
    const secondary = byRule('hyperpod-secondary-volume-cmk');
    expect(secondary.status).toBe('UNKNOWN');
    expect(secondary.message).toContain('not-exported');
  });

  it('runs a scan end to end to SARIF, from the working directory', async () => {
    // The installed binary itself is spawned in cli.test.ts; this is the same run in-process.
    const io = memoryIo({ cwd: FIXTURES, env: { NO_COLOR: '1' } });
    const code = await runCli(['iac', 'cloudformation-yaml/pass.yaml', '--format', 'sarif'], io);
    expect({ code, err: io.err() }).toEqual({ code: 0, err: '' });
    const log = JSON.parse(io.out());
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0].results).toEqual([]);
  });
});
