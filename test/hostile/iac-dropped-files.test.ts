/**
 * Files that look like IaC are never dropped in silence: UTF-16 (with or without a byte-order
 * mark) is decoded and judged; an oversized or binary file with an IaC extension, a document the
 * classifier gives up on, Terraform JSON, and YAML too deep to parse are each an input issue.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatOf } from '../../src/parsers/discover.js';
import {
  clusterTemplate,
  clusterTf,
  clusterVerdicts,
  type HostileRepo,
  hostileRepo,
  issueTriples,
  scanRepo,
  standaloneVerdict,
} from '../helpers/hostile-iac.js';

let repo: HostileRepo;
beforeEach(() => {
  repo = hostileRepo();
});
afterEach(() => repo.cleanup());

const TEMPLATE = clusterTemplate({ name: 'wide' });
const TF = clusterTf('wide');
const utf16le = (text: string, bom: boolean) =>
  Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(text, 'utf16le')]);
const utf16be = (text: string, bom: boolean) => {
  const body = Buffer.from(text, 'utf16le').swap16();
  return Buffer.concat([bom ? Buffer.from([0xfe, 0xff]) : Buffer.alloc(0), body]);
};

describe('UTF-16 is decoded and judged like UTF-8', () => {
  it.each([
    ['UTF-16LE with a BOM', 'stack.yaml', utf16le(TEMPLATE, true)],
    ['UTF-16BE with a BOM', 'stack.yaml', utf16be(TEMPLATE, true)],
    ['UTF-16LE without a BOM', 'stack.yaml', utf16le(TEMPLATE, false)],
    ['UTF-16BE without a BOM', 'stack.yaml', utf16be(TEMPLATE, false)],
  ])('a template in %s', async (_name, file, bytes) => {
    repo.write(file, bytes);
    const run = await scanRepo(repo.repo, ['.']);
    expect(clusterVerdicts(run.report)).toEqual({
      'stack.yaml#Cluster': await standaloneVerdict(file, TEMPLATE),
    });
    expect(issueTriples(run.report)).toEqual([]);
  });

  it.each([
    ['UTF-16LE with a BOM', utf16le(TF, true)],
    ['UTF-16BE without a BOM', utf16be(TF, false)],
  ])('a .tf in %s', async (_name, bytes) => {
    repo.write('main.tf', bytes);
    const run = await scanRepo(repo.repo, ['.']);
    expect(clusterVerdicts(run.report)).toEqual({
      'main.tf#awscc_sagemaker_cluster.this': await standaloneVerdict('main.tf', TF),
    });
  });
});

describe('what cannot be read is an issue', () => {
  it('UTF-32 and binary files with IaC extensions: errors for Terraform, warnings for .yaml/.json', async () => {
    repo.write(
      'utf32.tf',
      Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('resource "a" "b" {}', 'utf16le')]),
    );
    repo.write('vars.tfvars', Buffer.from([1, 0, 2, 0, 0, 0, 0xff]));
    repo.write('blob.json', Buffer.from([0x89, 0x50, 0, 0, 0xff, 0xfe]));
    const run = await scanRepo(repo.repo, ['.']);
    expect(issueTriples(run.report)).toEqual(
      [
        ['iac.none_found', 'error', undefined],
        ['input.binary', 'error', 'utf32.tf'],
        ['input.binary', 'error', 'vars.tfvars'],
        ['input.binary', 'warning', 'blob.json'],
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    expect(run.code).toBe(3);
  });

  it('an oversized .tf is an error; an oversized .yaml whose markers come late is a warning', async () => {
    const padding = `# ${'x'.repeat(1_200_000)}\n`;
    repo.write('big.tf', padding + TF);
    repo.write('big.yaml', padding + TEMPLATE);
    repo.write('small.yaml', TEMPLATE);
    const run = await scanRepo(repo.repo, ['.', '--max-file-size', '1']);
    expect(issueTriples(run.report)).toEqual([
      ['input.too_large', 'error', 'big.tf'],
      ['input.too_large', 'warning', 'big.yaml'],
    ]);
    expect(run.code).toBe(1); // the FAIL of small.yaml wins over the incomplete scan;
  });

  it('a document that names a cluster but fits no format is an error, not a quiet skip', async () => {
    repo.write(
      'list.yaml',
      `Resources:\n  - Type: AWS::SageMaker::Cluster\n    Properties:\n      ClusterName: hidden\n`,
    );
    repo.write('versioned.json', JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: [] }));
    repo.write('groups.yaml', 'cluster:\n  InstanceGroups: []\n');
    repo.write('ci.yaml', 'jobs:\n  build:\n    runs-on: ubuntu-latest\n');
    const run = await scanRepo(repo.repo, ['.']);
    expect(issueTriples(run.report)).toEqual(
      [
        ['iac.unrecognized', 'error', 'groups.yaml'],
        ['iac.unrecognized', 'error', 'list.yaml'],
        ['cfn.parse', 'error', 'versioned.json'],
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    expect(run.code).toBe(3);
  });

  it('Terraform JSON (.tf.json) is read and judged like the same .tf; a broken one is a parse error', async () => {
    const cluster = {
      cluster_name: ['$', '{local.name}'].join(''),
      node_provisioning_mode: 'Continuous',
      orchestrator: { eks: { cluster_arn: 'arn:aws:eks:us-east-1:111122223333:cluster/ml' } },
      instance_groups: [
        {
          instance_group_name: 'workers',
          instance_type: 'ml.g5.8xlarge',
          instance_count: 1,
          execution_role: 'arn:aws:iam::111122223333:role/hyperpod-workers',
          life_cycle_config: {
            source_s3_uri: 's3://hyperpod-lifecycle-111122223333',
            on_create: 'on_create.sh',
          },
          instance_storage_configs: [
            { ebs_volume_config: { root_volume: true } },
            { ebs_volume_config: { volume_size_in_gb: 500 } },
          ],
        },
      ],
    };
    repo.write(
      'json/main.tf.json',
      JSON.stringify({
        '//': 'generated',
        locals: { name: 'wide' },
        resource: { awscc_sagemaker_cluster: { this: cluster } },
      }),
    );
    repo.write('broken/main.tf.json', '{"resource": ');
    const run = await scanRepo(repo.repo, ['.']);
    expect(clusterVerdicts(run.report)).toEqual({
      'json/main.tf.json#awscc_sagemaker_cluster.this': await standaloneVerdict('main.tf', TF),
    });
    expect(issueTriples(run.report)).toEqual([['tf.parse', 'error', 'broken/main.tf.json']]);
  });

  it.each([
    [
      'block mappings',
      `AWSTemplateFormatVersion: '2010-09-09'\nResources:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 2)}k${i}:`).join('\n')} 1\n`,
    ],
    [
      'flow sequences',
      `AWSTemplateFormatVersion: '2010-09-09'\nResources: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`,
    ],
  ])('YAML nested deeply in %s gives the depth-limit message, not a stack overflow', async (_name, text) => {
    repo.write('deep.yaml', text);
    repo.write('small.yaml', TEMPLATE);
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.report!.issues.map((issue) => [issue.code, issue.message, issue.location?.file])).toEqual([
      ['cfn.parse', 'nested deeper than 500 levels', 'deep.yaml'],
    ]);
    expect(Object.keys(clusterVerdicts(run.report))).toEqual(['small.yaml#Cluster']);
  });
});

describe('OpenTofu files', () => {
  it('a .tofu file is read as a .tf file (and .tofu.json as .tf.json)', () => {
    expect(formatOf('main.tofu')).toBe('hcl');
    expect(formatOf('main.tofu.json')).toBe('tf-json');
    expect(formatOf('main.tf')).toBe('hcl');
  });
});
