/**
 * Nothing hides a cluster: a template or Terraform module that defines a cluster is judged at
 * least once, on its own terms (the verdicts it gets when scanned alone), whatever nests it: a
 * parent that deploys it under a false Condition, a cycle, a chain deeper than the nesting limit,
 * a fan-out past the budget, a caller with count = 0, a module that calls itself.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

const CHILD = clusterTemplate({ name: 'hidden' });
const TF_CHILD = clusterTf('hidden');

describe('CloudFormation: a nested template with a cluster is always judged', () => {
  it('deployed by its parent under a false Condition: judged on its own (exit 1, not 0)', async () => {
    repo.write(
      'parent.yaml',
      `AWSTemplateFormatVersion: '2010-09-09'
Conditions:
  Never: !Equals [a, b]
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Condition: Never
    Properties:
      TemplateURL: ./child.yaml
`,
    );
    repo.write('child.yaml', CHILD);
    const run = await scanRepo(repo.repo, ['.']);
    expect(clusterVerdicts(run.report)).toEqual({
      'child.yaml#Cluster': await standaloneVerdict('child.yaml', CHILD),
    });
    expect(issueTriples(run.report)).toEqual([['cfn.judged_standalone', 'warning', 'child.yaml']]);
    expect(run.code).toBe(1);
  });

  it('in a nested-stack cycle (a -> b -> a): judged on its own, and the cycle is an issue', async () => {
    repo.write('a.yaml', clusterTemplate({ nested: { B: './b.yaml' } }));
    const b = clusterTemplate({ name: 'hidden', nested: { A: './a.yaml' } });
    repo.write('b.yaml', b);
    const run = await scanRepo(repo.repo, ['.']);
    expect(Object.keys(clusterVerdicts(run.report))).toEqual(['b.yaml#Cluster']);
    expect(clusterVerdicts(run.report)['b.yaml#Cluster']!.failing).toEqual(
      (await standaloneVerdict('child.yaml', CHILD)).failing,
    );
    expect(issueTriples(run.report)).toEqual([
      ['cfn.judged_standalone', 'warning', 'b.yaml'],
      ['cfn.nested_cycle', 'warning', 'a.yaml'],
    ]);
    expect(run.code).toBe(1);
  });

  it('a template that deploys itself is judged once, with the cycle reported', async () => {
    const self = clusterTemplate({ name: 'hidden', nested: { Again: './self.yaml' } });
    repo.write('self.yaml', self);
    const run = await scanRepo(repo.repo, ['.']);
    expect(Object.keys(clusterVerdicts(run.report))).toEqual(['self.yaml#Cluster']);
    expect(issueTriples(run.report).map(([code]) => code)).toContain('cfn.nested_cycle');
    expect(run.code).toBe(1);
  });

  it('at the end of a chain deeper than the nesting limit: judged on its own', async () => {
    for (let i = 0; i < 12; i++)
      repo.write(`t${i}.yaml`, clusterTemplate({ nested: { Next: `./t${i + 1}.yaml` } }));
    repo.write('t12.yaml', CHILD);
    const run = await scanRepo(repo.repo, ['.']);
    expect(clusterVerdicts(run.report)).toEqual({
      't12.yaml#Cluster': await standaloneVerdict('child.yaml', CHILD),
    });
    expect(issueTriples(run.report)).toEqual([
      ['cfn.judged_standalone', 'warning', 't12.yaml'],
      ['cfn.nested_cycle', 'warning', 't7.yaml'],
    ]);
    expect(run.code).toBe(1);
  });

  it('a fan-out of nested stacks stops at the budget with an error, quickly, and the cluster is still judged', async () => {
    const fan = (url: string) => Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`S${i}`, url]));
    repo.write('top.yaml', clusterTemplate({ nested: fan('./mid.yaml') }));
    repo.write('mid.yaml', clusterTemplate({ nested: fan('./leaf.yaml') }));
    repo.write('leaf.yaml', CHILD);
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.millis).toBeLessThan(30_000);
    expect(issueTriples(run.report)).toEqual([['cfn.nested_budget', 'error', 'mid.yaml']]);
    const verdicts = Object.entries(clusterVerdicts(run.report));
    expect(verdicts.length).toBeGreaterThan(1000);
    expect(
      verdicts.every(([id, verdict]) => id.endsWith('.Cluster') && verdict.status === 'non-compliant'),
    ).toBe(true);
    // FAIL wins over the incomplete scan.
    expect(run.code).toBe(1);
  });

  it('a nested template deployed by an active parent is judged through it, and not twice', async () => {
    repo.write('parent.yaml', clusterTemplate({ nested: { Child: './child.yaml' } }));
    repo.write('child.yaml', CHILD);
    const run = await scanRepo(repo.repo, ['.']);
    expect(Object.keys(clusterVerdicts(run.report))).toEqual(['parent.yaml#Child.Cluster']);
    expect(issueTriples(run.report)).toEqual([]);
  });
});

describe('Terraform: a module with a cluster is always judged', () => {
  const verdictOf = () => standaloneVerdict('main.tf', TF_CHILD);

  it('called with count = 0: judged on its own', async () => {
    repo.write('main.tf', 'module "c" {\n  source = "./mod"\n  count  = 0\n}\n');
    repo.write('mod/main.tf', TF_CHILD);
    const run = await scanRepo(repo.repo, ['.']);
    expect(clusterVerdicts(run.report)).toEqual({
      'mod/main.tf#awscc_sagemaker_cluster.this': await verdictOf(),
    });
    expect(issueTriples(run.report)).toEqual([['tf.judged_standalone', 'warning', 'mod/main.tf']]);
    expect(run.code).toBe(1);
  });

  it('a module that calls itself: judged, with the cycle reported', async () => {
    repo.write('mod/main.tf', `${TF_CHILD}\nmodule "me" {\n  source = "./"\n}\n`);
    const run = await scanRepo(repo.repo, ['.']);
    expect(clusterVerdicts(run.report)).toEqual({
      'mod/main.tf#awscc_sagemaker_cluster.this': await verdictOf(),
    });
    expect(issueTriples(run.report)).toEqual([
      ['tf.judged_standalone', 'warning', 'mod/main.tf'],
      ['tf.module_cycle', 'warning', 'mod/main.tf'],
    ]);
    expect(run.code).toBe(1);
  });

  it('a module cycle (a -> b -> a): the cluster in b is judged', async () => {
    repo.write('a/main.tf', 'module "b" {\n  source = "../b"\n}\n');
    repo.write('b/main.tf', `${TF_CHILD}\nmodule "a" {\n  source = "../a"\n}\n`);
    const run = await scanRepo(repo.repo, ['.']);
    expect(clusterVerdicts(run.report)).toEqual({
      'b/main.tf#awscc_sagemaker_cluster.this': await verdictOf(),
    });
    expect(issueTriples(run.report)).toEqual([
      ['tf.judged_standalone', 'warning', 'b/main.tf'],
      ['tf.module_cycle', 'warning', 'a/main.tf'],
    ]);
    expect(run.code).toBe(1);
  });

  it('at the end of a module chain deeper than the nesting limit: judged on its own', async () => {
    for (let i = 0; i < 12; i++)
      repo.write(`m${i}/main.tf`, `module "next" {\n  source = "../m${i + 1}"\n}\n`);
    repo.write('m12/main.tf', TF_CHILD);
    const run = await scanRepo(repo.repo, ['.']);
    expect(clusterVerdicts(run.report)).toEqual({
      'm12/main.tf#awscc_sagemaker_cluster.this': await verdictOf(),
    });
    expect(issueTriples(run.report)).toEqual([
      ['tf.judged_standalone', 'warning', 'm12/main.tf'],
      ['tf.module_cycle', 'warning', 'm7/main.tf'],
    ]);
    expect(run.code).toBe(1);
  });

  it('a module called by an active root is judged through it only', async () => {
    repo.write('main.tf', 'module "c" {\n  source = "./mod"\n}\n');
    repo.write('mod/main.tf', TF_CHILD);
    const run = await scanRepo(repo.repo, ['.']);
    expect(Object.keys(clusterVerdicts(run.report))).toEqual([
      'main.tf#module.c.awscc_sagemaker_cluster.this',
    ]);
    expect(issueTriples(run.report)).toEqual([]);
  });
});

describe('CloudFormation that makes clusters only when the stack deploys is named, never passed over', () => {
  const header = "AWSTemplateFormatVersion: '2010-09-09'\n";
  const cluster = `    Type: AWS::SageMaker::Cluster
    Properties:
      ClusterName: made
      InstanceGroups:
        - InstanceGroupName: g1
          InstanceType: ml.c5.xlarge
          InstanceCount: 1
          ExecutionRole: arn:aws:iam::111122223333:role/exec
          LifeCycleConfig: { SourceS3Uri: s3://sagemaker-b/lc, OnCreate: on_create.sh }
`;
  it.each([
    [
      'Fn::ForEach (AWS::LanguageExtensions)',
      `${header}Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::Clusters:\n    - Name\n    - [a, b]\n    - Cluster\${Name}:\n${cluster
        .split('\n')
        .map((line) => (line ? `    ${line}` : line))
        .join('\n')}`,
      'Fn::ForEach::Clusters makes resources when the stack deploys (AWS::LanguageExtensions): the resources it makes are not scanned',
    ],
    [
      'Fn::Transform under Resources',
      `${header}Resources:\n  Fn::Transform:\n    Name: AWS::Include\n    Parameters: { Location: s3://bucket/clusters.yaml }\n  Key:\n    Type: AWS::KMS::Key\n`,
      'Fn::Transform (AWS::Include) adds resources when the stack deploys: the resources it adds are not scanned',
    ],
    [
      'Fn::Transform in a cluster',
      `${header}Resources:\n  Cluster:\n    Type: AWS::SageMaker::Cluster\n    Properties:\n      ClusterName: c\n      Fn::Transform:\n        Name: AWS::Include\n        Parameters: { Location: s3://bucket/groups.yaml }\n`,
      'cluster Cluster takes properties from Fn::Transform (AWS::Include) when the stack deploys: what the include adds is not scanned',
    ],
    [
      'an AWS::Include transform of the template',
      `${header}Transform:\n  Name: AWS::Include\n  Parameters: { Location: s3://bucket/all.yaml }\nResources:\n  Key:\n    Type: AWS::KMS::Key\n`,
      'the template is transformed by AWS::Include when it deploys: what the include adds is not scanned',
    ],
    [
      'a resource that is not a map',
      `${header}Resources:\n  Cluster: AWS::SageMaker::Cluster\n  Key:\n    Type: AWS::KMS::Key\n`,
      'resource Cluster is not a map of Type and Properties: not scanned',
    ],
  ])('%s: an error naming it (exit 3, not 0)', async (_, template, message) => {
    repo.write('stack.yaml', template);
    const run = await scanRepo(repo.repo, ['.', '--fail-on', 'critical']);
    const issues = run.report!.issues.filter((issue) => issue.code === 'cfn.deploy_time');
    expect(issues.map((issue) => [issue.severity, issue.location?.file, issue.message])).toEqual([
      ['error', 'stack.yaml', message],
    ]);
    expect(run.code).toBe(3);
  });
});

describe('Terraform: a module from outside the scanned files that is given a cluster is named', () => {
  it.each([
    'git::https://example.com/hyperpod.git?ref=v1',
    'terraform-aws-modules/hyperpod/aws',
    's3::https://bucket.s3.amazonaws.com/hyperpod.zip',
    '/opt/modules/hyperpod',
  ])('source %s: an error naming the module (exit 3, not 0); a remote VPC module is not', async (source) => {
    repo.write(
      'main.tf',
      `module "training" {\n  source = "${source}"\n  cluster_name = "t"\n  instance_groups = [{ name = "g1", instance_type = "ml.c5.xlarge" }]\n}\n` +
        'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n  cidr = "10.0.0.0/16"\n}\n',
    );
    const run = await scanRepo(repo.repo, ['.', '--fail-on', 'critical']);
    const issues = run.report!.issues.filter((issue) => issue.code === 'tf.module_not_scanned');
    expect(issues.map((issue) => [issue.severity, issue.location?.file, issue.message])).toEqual([
      [
        'error',
        'main.tf',
        `module training is given instance_groups but its source (${source}) is not in the scanned files: the cluster it makes is not scanned`,
      ],
    ]);
    expect(run.code).toBe(3);
  });
});

describe('a cluster in a template written inline is named, not passed over', () => {
  const inline =
    "AWSTemplateFormatVersion: '2010-09-09'\\nResources:\\n  C:\\n    Type: AWS::SageMaker::Cluster\\n";
  it('a CloudFormation StackSet whose TemplateBody defines a cluster', async () => {
    repo.write(
      'set.yaml',
      `AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Set:\n    Type: AWS::CloudFormation::StackSet\n    Properties:\n      StackSetName: s\n      PermissionModel: SELF_MANAGED\n      TemplateBody: "${inline}"\n`,
    );
    const run = await scanRepo(repo.repo, ['.', '--fail-on', 'critical']);
    expect(run.report!.issues.map((issue) => [issue.code, issue.location?.file, issue.message])).toEqual([
      [
        'cfn.deploy_time',
        'set.yaml',
        'StackSet Set deploys an inline TemplateBody that defines a HyperPod cluster: that cluster is not scanned',
      ],
    ]);
    expect(run.code).toBe(3);
  });

  it.each(['aws_cloudformation_stack', 'aws_cloudformation_stack_set'])(
    'a Terraform %s whose template_body defines a cluster',
    async (type) => {
      repo.write(
        'main.tf',
        `resource "${type}" "s" {\n  name = "s"\n  template_body = <<EOT\n${inline.replaceAll('\\n', '\n')}EOT\n}\n`,
      );
      const run = await scanRepo(repo.repo, ['.', '--fail-on', 'critical']);
      expect(run.report!.issues.map((issue) => [issue.code, issue.location?.file, issue.message])).toEqual([
        [
          'tf.inline_template',
          'main.tf',
          `a ${type} whose inline template_body defines a HyperPod cluster: that cluster is not scanned`,
        ],
      ]);
      expect(run.code).toBe(3);
    },
  );
});
