/**
 * Bounded work: an expression that would build a huge string, list or value, loop a billion times
 * or backtrack forever is UNKNOWN for what it feeds, with an issue, and the scan ends in seconds;
 * count/for_each caps, the walk's budget and the nested-stack budget are reported, never silent;
 * a file or module that trips the scanner loses only its own results.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Stack } from '../../src/parsers/cloudformation/stack.js';
import { discover } from '../../src/parsers/discover.js';
import { ModuleInstance } from '../../src/parsers/terraform/module.js';
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
afterEach(() => {
  vi.restoreAllMocks();
  repo.cleanup();
});

const doubling = (name: string, levels: number, seed: string, join: (prev: string) => string) =>
  [
    `  ${name}0 = ${seed}`,
    ...Array.from({ length: levels }, (_, i) => `  ${name}${i + 1} = ${join(`local.${name}${i}`)}`),
  ].join('\n');

/** Locals an attacker can write: each doubles the one before. */
const LOCALS = `locals {
${doubling('s', 40, '"xxxxxxxxxxxxxxxx"', (prev) => `"\${${prev}}\${${prev}}"`)}
${doubling('l', 60, '["a", "b"]', (prev) => `[${prev}, ${prev}]`)}
}
`;

describe('Terraform expressions over budget are UNKNOWN for what they feed', () => {
  // The verdict of the same cluster whose key is a variable with no value: UNKNOWN, never PASS.
  const unknownKey = () =>
    standaloneVerdict('main.tf', `variable "k" {}\n${clusterTf('c', { key: 'var.k' })}`);

  it.each([
    ['a string that doubles 40 times', 'local.s40'],
    ['a list that doubles 60 times, encoded', 'jsonencode(local.l60)'],
    ['a list that doubles 60 times, flattened', 'join(",", flatten(local.l60))'],
    ['range(1e9)', 'element(range(1000000000), 0)'],
    [
      'three nested fors of 1000',
      'jsonencode([for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]])',
    ],
    ['a join of 5000 copies of a 64 KiB string', 'join("", [for i in range(5000) : local.s12])'],
    ['a replace that multiplies a string', 'replace(local.s15, "x", local.s15)'],
    ['a format of two huge strings', 'format("%s%s", local.s16, local.s16)'],
    [
      'a backtracking regular expression',
      'replace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "/(a+)+$/", "")',
    ],
    [
      'a regular expression of many quantifiers (polynomial backtracking)',
      'replace("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "/a*a*a*a*a*a*a*a*a*a*b/", "")',
    ],
    ['one quantifier on a long subject', 'replace(local.s13, "/a+b/", "")'],
    ['equality of two exponential values', 'local.l60 == local.l59 ? "a" : "b"'],
    [
      'three nested template for directives of 1000',
      '"%{ for a in range(1000) }%{ for b in range(1000) }%{ for c in range(1000) }x%{ endfor }%{ endfor }%{ endfor }"',
    ],
  ])('%s', async (_name, key) => {
    repo.write('locals.tf', LOCALS);
    repo.write('main.tf', clusterTf('c', { key }));
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.millis).toBeLessThan(20_000);
    expect(clusterVerdicts(run.report)).toEqual({
      'main.tf#awscc_sagemaker_cluster.this': await unknownKey(),
    });
    expect([...new Set(issueTriples(run.report).map(([code, severity]) => `${code}:${severity}`))]).toEqual([
      'tf.evaluation_budget:error',
    ]);
  });

  it('locals that double each other but are never used cost nothing and raise nothing', async () => {
    repo.write('locals.tf', LOCALS);
    repo.write('main.tf', clusterTf('c'));
    const run = await scanRepo(repo.repo, ['.']);
    expect(issueTriples(run.report)).toEqual([]);
    expect(run.millis).toBeLessThan(20_000);
  });
});

describe('work besides evaluation steps is charged, so that repeating it cannot take minutes', () => {
  // Each shape is a few steps of evaluation but seconds of work a thousand times over (98,000-node
  // values encoded: 83 s of CPU for 7,000 steps before it was charged); the module's steps run out
  // part way through the 1,000 instances, and every instance after is UNKNOWN, said.
  it.each([
    ['a 49,000-node local compared', 'local.l14 == local.l13'],
    ['a 49,000-node local encoded', 'length(jsonencode(local.l14))'],
    ['a 98,000-node local referenced', 'local.l15'],
    ['a regular expression with a quantifier on 4,096 characters', 'replace(local.s8, "/x+b/", "")'],
    ['a sort of 16,384 items', 'length(sort(split("", local.s10)))'],
    ['yamldecode of a 300-key document', 'yamldecode(join("\\n", [for i in range(300) : "k${i}: [a, b]"]))'],
    ['templatefile of a 64 KiB template', 'templatefile("big.tpl", {})'],
  ])('%s in 1000 instances', async (_name, shape) => {
    repo.write('locals.tf', LOCALS);
    repo.write('big.tpl', 'x'.repeat(65_536));
    repo.write(
      'main.tf',
      clusterTf('format("c-%d", count.index)', { meta: `count = 1000\n  tags = { n = ${shape} }` }),
    );
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.report!.clusters).toHaveLength(1000);
    const issues = run.report!.issues.map((issue) => ({
      code: issue.code,
      what: issue.message.split(':')[0],
      file: issue.location?.file,
    }));
    // The tags of one instance run over what is left; nothing after it is evaluated.
    expect([...new Set(issues.map((issue) => JSON.stringify(issue)))].sort()).toEqual([
      JSON.stringify({
        code: 'tf.evaluation_budget',
        what: 'the expression takes too many steps',
        file: 'main.tf',
      }),
      JSON.stringify({
        code: 'tf.evaluation_budget',
        what: 'the module takes too many steps to evaluate',
        file: 'main.tf',
      }),
    ]);
    const tagsLine = run.report!.issues.filter((issue) => issue.message.startsWith('the expression'));
    expect(tagsLine.map((issue) => issue.location?.line)).toEqual([3]);
  });
});

describe('dynamic blocks within dynamic blocks', () => {
  it('four levels of 1000 make more blocks than a body may: UNKNOWN, said, in seconds and little memory', async () => {
    const nested = (level: number): string =>
      level === 4
        ? 'test = "StringEquals"\n variable = "kms:ViaService"\n values = ["x"]'
        : `dynamic "${level === 0 ? 'statement' : 'condition'}" {\n for_each = range(1000)\n content {\n${level === 0 ? 'actions = ["kms:*"]\nresources = ["*"]\nprincipals {\n type = "AWS"\n identifiers = ["*"]\n}\n' : ''}${nested(level + 1)}\n}\n}`;
    repo.write(
      'main.tf',
      `data "aws_iam_policy_document" "p" {\n${nested(0)}\n}\nresource "aws_kms_key" "k" {\n  policy = data.aws_iam_policy_document.p.json\n}\n${clusterTf('c', { key: 'aws_kms_key.k.arn' })}`,
    );
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.millis).toBeLessThan(20_000);
    expect([...new Set(issueTriples(run.report).map((triple) => triple.join(':')))]).toEqual([
      'tf.evaluation_budget:error:main.tf',
    ]);
    const policy = run.report!.findings.find((f) => f.ruleId === 'kms-key-policy-no-public-access')!;
    expect(policy.status).toBe('UNKNOWN');
  });
});

describe('count and for_each caps are reported', () => {
  it('count = 5000 on a cluster: the first 1000 are judged and the cap is an error', async () => {
    repo.write('main.tf', clusterTf('format("c-%d", count.index)', { meta: 'count = 5000' }));
    const run = await scanRepo(repo.repo, ['.']);
    expect(issueTriples(run.report)).toEqual([['tf.instances_capped', 'error', 'main.tf']]);
    expect(run.report!.clusters).toHaveLength(1000);
    expect(run.code).toBe(1);
  });

  it('for_each over 2000 keys on a module: capped and reported', async () => {
    repo.write(
      'main.tf',
      'module "m" {\n  source   = "./mod"\n  for_each = toset([for i in range(2000) : tostring(i)])\n}\n',
    );
    repo.write('mod/main.tf', clusterTf('c'));
    const run = await scanRepo(repo.repo, ['.']);
    expect(issueTriples(run.report)).toEqual([['tf.instances_capped', 'error', 'main.tf']]);
    expect(run.report!.clusters).toHaveLength(1000);
  });

  // Terraform refuses such a count (https://developer.hashicorp.com/terraform/language/meta-arguments/count).
  it.each(['-1', '"1.5"'])(
    'count = %s is an error naming the file, the cluster UNKNOWN, not a crash',
    async (count) => {
      repo.write(
        'main.tf',
        clusterTf('c', { meta: `count = ${count}`, key: '"arn:aws:kms:us-east-1:111122223333:key/k"' }),
      );
      const run = await scanRepo(repo.repo, ['.']);
      expect(run.report!.clusters).toHaveLength(1);
      expect(run.report!.clusters[0]!.status).toBe('unknown');
      expect(issueTriples(run.report)).toEqual([['tf.invalid_count', 'error', 'main.tf']]);
    },
  );
});

describe('the walk has a budget', () => {
  it('more entries than the budget: the walk stops with an error naming where', () => {
    for (let i = 0; i < 30; i++) repo.write(`d${i}/x.txt`, 'x');
    const found = discover(['.'], { cwd: repo.repo, exclude: [], maxEntries: 10 });
    expect(found.issues.map((issue) => [issue.code, issue.severity])).toEqual([
      ['input.scan_budget', 'error'],
    ]);
  });
});

describe('a tree nested thousands of directories deep', () => {
  it('is walked 64 deep and said, quickly; the template at the bottom is named as not scanned', () => {
    const deep = Array.from({ length: 1300 }, () => 'd').join('/');
    repo.write(`${deep}/stack.yaml`, clusterTemplate({ name: 'bottom' }));
    repo.write('top.yaml', clusterTemplate({ name: 'top' }));
    const started = Date.now();
    const found = discover(['.'], { cwd: repo.repo, exclude: [] });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(found.files.map((file) => file.file)).toEqual(['top.yaml']);
    expect(found.issues.map((issue) => [issue.code, issue.severity, issue.location?.file])).toEqual([
      ['input.too_deep', 'error', Array.from({ length: 65 }, () => 'd').join('/')],
    ]);
  });
});

describe('one file or module that trips the scanner loses only its own results', () => {
  it('a Terraform module whose evaluation throws is an error; the other module keeps its verdict', async () => {
    const original = ModuleInstance.evaluateRoot.bind(ModuleInstance);
    vi.spyOn(ModuleInstance, 'evaluateRoot').mockImplementation((context, dir, values) => {
      if (dir.absDir.endsWith('/bad')) throw new RangeError('Maximum call stack size exceeded');
      return original(context, dir, values);
    });
    repo.write('bad/main.tf', clusterTf('bad'));
    repo.write('good/main.tf', clusterTf('good'));
    const run = await scanRepo(repo.repo, ['.']);
    expect(Object.keys(clusterVerdicts(run.report))).toEqual(['good/main.tf#awscc_sagemaker_cluster.this']);
    expect(issueTriples(run.report)).toEqual([
      ['iac.internal', 'error', 'bad/main.tf'],
      ['tf.judged_standalone', 'warning', 'bad/main.tf'],
    ]);
    expect(run.code).toBe(1);
  });

  it('a CloudFormation template whose evaluation throws is an error; the other keeps its verdict', async () => {
    const original = Stack.evaluateRoot.bind(Stack);
    vi.spyOn(Stack, 'evaluateRoot').mockImplementation((context, template, idFile, inputs) => {
      if (template.file === 'bad.yaml') throw new TypeError('boom');
      return original(context, template, idFile, inputs);
    });
    repo.write('bad.yaml', clusterTemplate({ name: 'bad' }));
    repo.write('good.yaml', clusterTemplate({ name: 'good' }));
    const run = await scanRepo(repo.repo, ['.']);
    expect(Object.keys(clusterVerdicts(run.report))).toEqual(['good.yaml#Cluster']);
    expect(issueTriples(run.report)).toEqual([
      ['cfn.judged_standalone', 'warning', 'bad.yaml'],
      ['iac.internal', 'error', 'bad.yaml'],
    ]);
    expect(run.output).not.toContain('boom');
    expect(run.code).toBe(1);
  });
});

describe('regular expressions a template may still use', () => {
  it('a replace without quantifiers is evaluated, and its result judged', async () => {
    repo.write(
      'main.tf',
      clusterTf('c', {
        key: 'replace("arn:aws:kms:us-east-1:111122223333:key/X1111111-2222-3333-4444-555555555555", "/X/", "1")',
      }),
    );
    const run = await scanRepo(repo.repo, ['.']);
    expect(issueTriples(run.report)).toEqual([]);
    const keys = run
      .report!.findings.filter((f) => f.ruleId === 'hyperpod-key-exists')
      .map((f) => f.evidence.keyReference ?? f.message);
    expect(JSON.stringify(keys)).toContain('key/11111111-2222-3333-4444-555555555555');
  });
});

describe('a long value repeated into every finding', () => {
  const group = (key: string) =>
    `{InstanceGroupName: g, InstanceType: ml.p5.48xlarge, InstanceCount: 1, ExecutionRole: 'arn:aws:iam::111122223333:role/x', InstanceStorageConfigs: [{EbsVolumeConfig: {RootVolume: true, VolumeKmsKeyId: '${key}'}}]}`;

  it('a key reference longer than any KMS accepts is UNKNOWN, shortened, and the report stays small', async () => {
    const key = `arn:aws:kms:us-east-1:111122223333:key/${'a'.repeat(100_000)}`;
    // 300 groups read one parameter (CloudFormation reads no YAML alias, so none repeats a group).
    const referring = group('KEY').replace("'KEY'", '!Ref K');
    repo.write(
      'a.yaml',
      `AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  K: {Type: String, Default: '${key}'}\nResources:\n  C:\n    Type: AWS::SageMaker::Cluster\n    Properties:\n      ClusterName: c\n      InstanceGroups: [${Array.from({ length: 300 }, () => referring).join(', ')}]\n`,
    );
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.output.length).toBeLessThan(20_000_000);
    const root = run.report!.findings.filter((f) => f.ruleId === 'hyperpod-key-exists');
    expect(root.length).toBeGreaterThan(0);
    expect(new Set(root.map((f) => f.status))).toEqual(new Set(['UNKNOWN']));
    expect(root[0]!.message).toContain(
      'longer than any key id, key ARN or alias AWS accepts (2,048 characters)',
    );
  });

  it('a cluster and group name longer than CreateCluster takes is an issue, shortened, and the report stays small', async () => {
    const name = 'n'.repeat(100_000);
    // 300 groups named by one parameter (CloudFormation reads no YAML alias, so none repeats a group).
    const named = `{InstanceGroupName: !Ref N, InstanceType: ml.p5.48xlarge, InstanceCount: 1, ExecutionRole: 'arn:aws:iam::111122223333:role/x'}`;
    repo.write(
      'a.yaml',
      `AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  N: {Type: String, Default: ${name}}\nResources:\n  C:\n    Type: AWS::SageMaker::Cluster\n    Properties:\n      ClusterName: ${name}\n      InstanceGroups: [${Array.from({ length: 300 }, () => named).join(', ')}]\n`,
    );
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.output.length).toBeLessThan(5_000_000);
    const shown = `${'n'.repeat(63)}…(sha256 ${createHash('sha256').update(name).digest('hex').slice(0, 16)})`;
    // One issue for the cluster, one for the name the 300 groups share.
    expect(run.report!.issues.map((issue) => [issue.code, issue.message])).toEqual([
      [
        'iac.name_too_long',
        'cluster a.yaml#C: its ClusterName is 100,000 characters, longer than the 63 CreateCluster takes (shown shortened)',
      ],
      [
        'iac.name_too_long',
        `instance group a.yaml#C/instance-group/${shown}: its InstanceGroupName is 100,000 characters, longer than the 63 CreateCluster takes (shown shortened)`,
      ],
    ]);
    const ids = new Set(run.report!.findings.map((f) => f.resource.id));
    expect([...ids].sort()).toEqual(['a.yaml#C', `a.yaml#C/instance-group/${shown}`]);
    expect(run.code).toBe(1);
  });

  it('a long parameter joined thousands of times is UNKNOWN, not a text of hundreds of MB', async () => {
    repo.write(
      'b.yaml',
      `AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  P: {Type: String, Default: ${'a'.repeat(100_000)}}\nResources:\n  C:\n    Type: AWS::SageMaker::Cluster\n    Properties:\n      ClusterName: c\n      InstanceGroups:\n        - ${group("!Join ['', [PLACEHOLDER]]").replace("'!Join ['', [PLACEHOLDER]]'", `!Join ['', [${Array.from({ length: 4000 }, () => '!Ref P').join(', ')}]]`)}\n`,
    );
    const started = Date.now();
    const run = await scanRepo(repo.repo, ['.']);
    expect(Date.now() - started).toBeLessThan(15_000);
    const root = run.report!.findings.filter((f) => f.ruleId === 'hyperpod-key-exists');
    expect(root.map((f) => f.status)).toEqual(['UNKNOWN']);
    expect(root[0]!.message).toContain(
      'it makes a text longer than a template can be (1,048,576 characters)',
    );
    expect(run.output.length).toBeLessThan(5_000_000);
  });
});

describe('the Terraform evaluation budget is the whole scan’s, not each root module’s', () => {
  it('roots that each spend their budget leave none to the roots after them, which are UNKNOWN and said', async () => {
    // Each root spends its whole budget: 22 clusters, each tagged with a local that runs over an
    // expression's million steps.
    const root = (name: string) =>
      Array.from(
        { length: 22 },
        (_, i) =>
          `resource "awscc_sagemaker_cluster" "c${i}" {\n  cluster_name = "${name}-${i}"\n` +
          `  tags = { n = length([for a in range(1000) : [for b in range(990) : a + b]]) }\n}\n`,
      ).join('');
    const roots = ['r0', 'r1', 'r2', 'r3', 'r4'];
    for (const name of roots) repo.write(`${name}/main.tf`, root(name));
    const run = await scanRepo(repo.repo, ['.']);
    const budget = run.report!.issues.filter((issue) => issue.code === 'tf.evaluation_budget');
    const rootsWith = (start: string) => [
      ...new Set(
        budget
          .filter((issue) => issue.message.startsWith(start))
          .map((issue) => issue.location!.file!.split('/')[0]!),
      ),
    ];
    // Four roots spend the scan's 40 million steps (each its 10 million); the one after them gets
    // none: no expression of its runs at all, and every one says so.
    expect(rootsWith('the expression takes too many steps').sort()).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(rootsWith('the module takes too many steps').sort()).toEqual(roots);
    expect(run.report!.clusters).toHaveLength(110);
  }, 120_000);
});

describe('one expression the evaluator cannot finish costs only what it feeds', () => {
  it('a document nested 200,000 deep, and a variable whose default is itself: every cluster of the module stays, no internal error', async () => {
    const cluster = (name: string, tags: string) =>
      `resource "awscc_sagemaker_cluster" "${name}" {\n  cluster_name = "${name}"\n  tags = ${tags}\n` +
      '  instance_groups = [{ instance_group_name = "g1", instance_type = "ml.c5.xlarge", instance_count = 1, execution_role = "arn:aws:iam::111122223333:role/x" }]\n}\n';
    repo.write(
      'main.tf',
      `locals { x = jsondecode("${'['.repeat(200_000)}${']'.repeat(200_000)}") }\n` +
        'variable "v" {\n  default = var.v\n}\n' +
        cluster('good', '{ owner = "a" }') +
        cluster('deep', '{ x = jsonencode(local.x) }') +
        cluster('self', '{ y = var.v }'),
    );
    const run = await scanRepo(repo.repo, ['.']);
    expect(run.report!.issues.map((issue) => issue.code)).not.toContain('iac.internal');
    expect(run.report!.clusters.map((cluster) => cluster.name).sort()).toEqual(['deep', 'good', 'self']);
  });
});

describe('a .tf file larger than any hand-written configuration', () => {
  it('is over the 2 MiB limit for HCL by default (an error naming it), and read with --max-file-size', async () => {
    const big = `locals {\n  x = <<EOT\n${'a'.repeat(2.5 * 1_048_576)}\nEOT\n}\n${clusterTf('big')}`;
    repo.write('main.tf', big);
    const run = await scanRepo(repo.repo, ['.']);
    expect(issueTriples(run.report)).toEqual([
      ['iac.none_found', 'error', undefined],
      ['input.too_large', 'error', 'main.tf'],
    ]);
    expect(run.report!.issues.find((issue) => issue.code === 'input.too_large')!.message).toBe(
      '2.5 MiB is over the 2 MiB limit: not scanned',
    );
    const raised = await scanRepo(repo.repo, ['.', '--max-file-size', '4']);
    expect(issueTriples(raised.report)).toEqual([]);
    expect(raised.report!.clusters).toHaveLength(1);
  }, 60_000);
});
