/**
 * `hyperpod-cmk guardrails` end to end: the files it writes parse, stay within their services'
 * limits, pass cfn-lint (CloudFormation) and a real HCL parser (Terraform); the SCPs deny what
 * they claim when the policy evaluator runs them; bad input is a one-line message and exit 2.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { ConfigSchema } from '../../src/config/schema.js';
import {
  budgetLimitUsd,
  estimateAccountCosts,
  keyStorageCost,
  requestCostUsd,
} from '../../src/guardrails/kms-cost-model.js';
import type { PolicyDocument } from '../../src/model/inventory.js';
import { serializeSnapshot } from '../../src/model/snapshot.js';
import { requestContext } from '../../src/policy/conditions.js';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import { filesEndingWith, refusedInTemplates } from '../helpers/cloudformation-yaml.js';
import { inventory, key, NOW } from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';

const files = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();

describe('guardrails --demo', () => {
  const out = mkdtempSync(join(tmpdir(), 'guardrails-'));
  const io = memoryIo();
  let code: number;
  let written: string[];
  beforeAll(async () => {
    code = await runCli(['guardrails', '--demo', '--out', out], io);
    written = files(out);
  });
  const read = (path: string) => readFileSync(join(out, path), 'utf8');

  it('writes CloudFormation that CloudFormation reads: no YAML anchor, alias or merge key', () => {
    const templates = filesEndingWith(out, '.yaml');
    expect(templates.length).toBeGreaterThanOrEqual(2);
    expect(refusedInTemplates(out, templates)).toEqual({});
  });

  it('writes every kind of guardrail and a README', () => {
    expect(code).toBe(0);
    for (const path of [
      'README.md',
      'manifest.json',
      'scp/protect-hyperpod-keys.json',
      'scp/require-cluster-tags.json',
      'scp/approved-keys-only.json',
      'tag-policy/hyperpod-tags.json',
      'detection/cloudformation/detection.yaml',
      'detection/terraform/main.tf',
      'detection/lambda/index.js',
      'ci/cfn-guard/hyperpod-cmk.guard',
      'ci/rego/hyperpod_cmk.rego',
      'budget/kms-budget-111111111111.yaml',
    ])
      expect(written).toContain(path);
    expect(written.filter((p) => p.startsWith('key-policies/')).length).toBe(22);
    const readme = read('README.md');
    expect(readme).toMatch(/No IAM condition key lets a policy require a customer managed key/);
    expect(readme).toContain('EKS and Slurm clusters');
    expect(readme).not.toMatch(/rebuil[dt] on EKS|EKS-only/);
    for (const path of written.filter((p) =>
      /^(scp|tag-policy|ci\/|detection\/(cloudformation|terraform))/.test(p),
    ))
      expect(readme).toContain(
        path
          .split('/')
          .slice(0, 2)
          .join('/')
          .replace(/\/[^/]+\.(json|tf|yaml)$/, ''),
      );
  });

  it('keeps every JSON policy parseable and within its service limit', () => {
    for (const path of written.filter((p) => p.endsWith('.json')))
      expect(() => JSON.parse(read(path))).not.toThrow();
    for (const path of written.filter((p) => p.startsWith('key-policies/')))
      expect(Buffer.byteLength(JSON.stringify(JSON.parse(read(path))))).toBeLessThanOrEqual(32_768);
    for (const path of written.filter((p) => p.startsWith('scp/'))) {
      const text = read(path).trim();
      expect(text).toBe(JSON.stringify(JSON.parse(text))); // minified, as Organizations counts it
      expect(text.length).toBeLessThanOrEqual(5_120);
    }
    const tags = read('tag-policy/hyperpod-tags.json').trim();
    expect(tags.length).toBeLessThanOrEqual(10_000);
    expect(JSON.parse(tags).tags.hyperpod.tag_value['@@assign']).toEqual(['true']);
    const manifest = JSON.parse(read('manifest.json'));
    expect(manifest.keyPolicies).toHaveLength(22);
    expect(manifest.skipped).toEqual([
      {
        what: 'instance group nova-customization/nova-rig',
        reason: 'restricted instance groups do not support CMKs',
      },
    ]);
  });

  it('passes cfn-lint on every CloudFormation template', () => {
    const templates = written.filter((p) => p.endsWith('.yaml')).map((p) => join(out, p));
    expect(templates.length).toBe(4);
    let output = '';
    try {
      output = execFileSync('cfn-lint', ['--format', 'parseable', '--', ...templates], { encoding: 'utf8' });
    } catch (error) {
      const failure = error as { status?: number; stdout?: string; message: string };
      if (failure.status === undefined)
        throw new Error(`cfn-lint is required and could not run: ${failure.message}`);
      output = failure.stdout ?? failure.message;
    }
    expect(output.trim()).toBe('');
  }, 60_000);

  it('gives the Lambda a config it accepts, and sends every trigger to it', () => {
    const template = parseYaml(read('detection/cloudformation/detection.yaml'));
    const env = template.Resources.Function.Properties.Environment.Variables;
    const config = ConfigSchema.safeParse(JSON.parse(env.HYPERPOD_CMK_CONFIG));
    expect(config.success).toBe(true);
    expect(config.data?.keyAdmins).toEqual(['arn:aws:iam::*:role/KeyAdmin']);
    expect(JSON.parse(env.HYPERPOD_CMK_KEY_TAGS)).toEqual({ hyperpod: 'true' });
    expect(template.Resources.ConfigRule.Properties.Source.SourceDetails[0].MessageType).toBe(
      'ScheduledNotification',
    );
    expect(template.Resources.ClusterChangeRule.Properties.EventPattern.detail.eventName).toEqual([
      'CreateCluster',
      'UpdateCluster',
    ]);
    expect(template.Resources.KeyChangeRule.Properties.EventPattern.detail.eventName).toEqual([
      'ScheduleKeyDeletion',
      'DisableKey',
      'PutKeyPolicy',
    ]);
    expect(template.Resources.Function.Properties.DeadLetterConfig.TargetArn).toEqual({ Ref: 'AlertTopic' });
  });

  it('writes Terraform that an HCL parser reads, with the same resources', async () => {
    const main = (await parseHcl('main.tf', read('detection/terraform/main.tf'))) as {
      resource: Record<string, Record<string, { environment?: { variables: Record<string, string> }[] }[]>>;
    };
    expect(Object.keys(main.resource).sort()).toEqual([
      'aws_cloudwatch_event_rule',
      'aws_cloudwatch_event_target',
      'aws_cloudwatch_log_group',
      'aws_config_config_rule',
      'aws_iam_role',
      'aws_iam_role_policy',
      'aws_iam_role_policy_attachment',
      'aws_lambda_function',
      'aws_lambda_permission',
      'aws_sns_topic',
      'aws_sns_topic_subscription',
    ]);
    const variables = main.resource.aws_lambda_function!.detection![0]!.environment![0]!.variables;
    expect(JSON.parse(variables.HYPERPOD_CMK_CONFIG!).keyAdmins).toEqual(['arn:aws:iam::*:role/KeyAdmin']);
    // The optional history: the secret only when given, the VPC only with subnets.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL interpolation, as hcl2json returns it
    expect(variables.HYPERPOD_CMK_DB_SECRET_ARN).toBe('${var.history_database_secret_arn}');
    const text = read('detection/terraform/main.tf');
    expect(text).toContain('count = var.history_database_secret_arn == "" ? 0 : 1');
    expect(text).toContain(
      'Statement = [{ Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = var.history_database_secret_arn }]',
    );
    expect(text).toContain('for_each = length(var.subnet_ids) == 0 ? [] : [1]');
    expect(text).toContain(
      'condition     = (length(var.subnet_ids) == 0) == (length(var.security_group_ids) == 0)',
    );
    for (const path of written.filter((p) => p.endsWith('.tf')))
      await expect(parseHcl(path, read(path))).resolves.toBeTypeOf('object');
  });

  it('derives each budget from the cost model plus headroom', () => {
    const budget = parseYaml(read('budget/kms-budget-111111111111.yaml'));
    const limit = budget.Parameters.BudgetLimitUsd.Default as number;
    expect(limit).toBeGreaterThanOrEqual(1);
    expect(budget.Resources.KmsBudget.Properties.Budget.CostFilters).toEqual({
      Service: ['AWS Key Management Service'],
    });
    expect(
      budget.Resources.KmsBudget.Properties.NotificationsWithSubscribers.map(
        (n: { Notification: { Threshold: number; NotificationType: string } }) =>
          `${n.Notification.NotificationType} ${n.Notification.Threshold}`,
      ),
    ).toEqual(['ACTUAL 80', 'ACTUAL 100', 'FORECASTED 100']);
  });
});

describe('the SCPs, run through the policy evaluator', () => {
  const out = mkdtempSync(join(tmpdir(), 'guardrails-scp-'));
  let protect: PolicyDocument;
  let approved: PolicyDocument;
  let tags: PolicyDocument;
  beforeAll(async () => {
    expect(await runCli(['guardrails', '--demo', '--out', out], memoryIo())).toBe(0);
    const read = (name: string) => JSON.parse(readFileSync(join(out, 'scp', name), 'utf8')) as PolicyDocument;
    protect = read('protect-hyperpod-keys.json');
    approved = read('approved-keys-only.json');
    tags = read('require-cluster-tags.json');
  });
  const KEY = 'arn:aws:kms:us-east-1:111111111111:key/k';
  const denied = (
    doc: PolicyDocument,
    action: string,
    principal: string,
    context: Record<string, string>,
    resource = KEY,
  ) =>
    evaluatePolicy(
      doc,
      {
        caller: { kind: 'iam', arn: principal, account: '111111111111' },
        action,
        resource,
        context: requestContext({ 'aws:PrincipalArn': principal, ...context }),
      },
      'identity',
    ).deny;
  const dev = 'arn:aws:iam::111111111111:role/developer';
  const admin = 'arn:aws:iam::111111111111:role/KeyAdmin';

  it('protects tagged keys from everyone but admins and approved editors', () => {
    const tagged = { 'aws:ResourceTag/hyperpod': 'true', 'kms:BypassPolicyLockoutSafetyCheck': 'false' };
    expect(denied(protect, 'kms:ScheduleKeyDeletion', dev, tagged)).toBe('yes');
    expect(denied(protect, 'kms:ScheduleKeyDeletion', admin, tagged)).toBe('no');
    expect(denied(protect, 'kms:ScheduleKeyDeletion', dev, { 'aws:ResourceTag/hyperpod': 'false' })).toBe(
      'no',
    );
    expect(
      denied(protect, 'kms:CreateGrant', dev, { ...tagged, 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' }),
    ).toBe('yes');
    expect(
      denied(protect, 'kms:CreateGrant', dev, {
        ...tagged,
        'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com',
      }),
    ).toBe('no');
  });

  it('keeps SageMaker off keys not tagged as approved', () => {
    const via = { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' };
    expect(denied(approved, 'kms:CreateGrant', dev, { ...via, 'aws:ResourceTag/hyperpod': 'true' })).toBe(
      'no',
    );
    expect(denied(approved, 'kms:CreateGrant', dev, { ...via, 'aws:ResourceTag/hyperpod': 'no' })).toBe(
      'yes',
    );
  });

  it('requires the cluster tags on CreateCluster', () => {
    const cluster = 'arn:aws:sagemaker:us-east-1:111111111111:cluster/abc';
    const all = {
      'aws:RequestTag/owner': 'ml',
      'aws:RequestTag/project': 'llm',
      'aws:RequestTag/data-sensitivity': 'high',
    };
    expect(denied(tags, 'sagemaker:CreateCluster', dev, all, cluster)).toBe('no');
    const { 'aws:RequestTag/project': _dropped, ...missing } = all;
    const evaluation = evaluatePolicy(
      tags,
      {
        caller: { kind: 'iam', arn: dev, account: '111111111111' },
        action: 'sagemaker:CreateCluster',
        resource: cluster,
        context: requestContext(missing, ['aws:RequestTag/project']),
      },
      'identity',
    );
    expect(evaluation.deny).toBe('yes');
  });
});

describe('an estate with more files than the table lists', () => {
  it('lists the first 200, says how many more manifest.json has, and writes every one', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'guardrails-many-'));
    const keys = Array.from({ length: 250 }, (_, i) => key(`k${String(i).padStart(3, '0')}`));
    writeFileSync(join(cwd, 'estate.json'), serializeSnapshot(inventory({ keys })));
    writeFileSync(join(cwd, 'c.yaml'), 'keyAdmins: ["arn:aws:iam::111122223333:role/KeyAdmin"]\n');
    const io = memoryIo({ cwd });
    const code = await runCli(
      ['guardrails', '--from', 'estate.json', '--config', 'c.yaml', '--out', 'g', '--now', NOW],
      io,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(cwd, 'g', 'manifest.json'), 'utf8')) as {
      files: { path: string; kind: string }[];
    };
    expect(manifest.files.filter((f) => f.kind === 'key-policy')).toHaveLength(250);
    const onDisk = files(join(cwd, 'g'));
    // Every file the manifest lists, the manifest itself, the detection Lambda and its package.json.
    expect(onDisk).toEqual(
      [
        ...manifest.files.map((f) => f.path),
        'manifest.json',
        'detection/lambda/index.js',
        'detection/lambda/package.json',
      ].sort(),
    );
    const lines = io.out().split('\n');
    const rows = lines.slice(
      1,
      lines.findIndex((line) => line.startsWith('… and ')),
    );
    expect(rows).toHaveLength(200);
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual(manifest.files.slice(0, 200).map((f) => f.path));
    const more = manifest.files.length + 2 - 200;
    expect(lines).toContain(`… and ${more} more files: g/manifest.json lists every one`);
    expect(io.out()).toContain(
      `\n${manifest.files.length + 2} files written to g from the inventory snapshot estate.json: 250 key policies for existing keys, 0 for proposed keys.`,
    );
    // Each key policy as the plan made it.
    const policy = JSON.parse(
      readFileSync(join(cwd, 'g', manifest.files.find((f) => f.kind === 'key-policy')!.path), 'utf8'),
    );
    expect(policy.Version).toBe('2012-10-17');
  });
});

describe('bad input', () => {
  const run = async (args: string[], files: Record<string, string> = {}) => {
    const cwd = mkdtempSync(join(tmpdir(), 'guardrails-bad-'));
    const io = memoryIo({
      cwd,
      files: Object.fromEntries(Object.entries(files).map(([k, v]) => [join(cwd, k), v])),
    });
    const code = await runCli(['guardrails', ...args], io);
    return { code, err: io.err(), cwd };
  };

  it('refuses a config without key admins, naming the config and the fix', async () => {
    const result = await run(['--out', 'g', '--config', 'c.yaml'], { 'c.yaml': 'version: 1\n' });
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^hyperpod-cmk: c\.yaml: the config names no keyAdmins/);
    expect(result.err).toMatch(/hint: add `keyAdmins:/);
  });

  it('with no config at all, says there is none rather than naming a file that does not exist', async () => {
    const result = await run(['--out', 'g']);
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      `hyperpod-cmk: the config (no --config given, and no hyperpod-cmk.yaml in ${result.cwd}): the config names no keyAdmins`,
    );
    const local = await run(['--out', 'g'], { 'hyperpod-cmk.yaml': 'version: 1\n' });
    expect(local.err).toMatch(/^hyperpod-cmk: hyperpod-cmk\.yaml: the config names no keyAdmins/);
  });

  it('refuses a missing snapshot, two inventories, a missing --out and a role without a Region', async () => {
    expect((await run(['--out', 'g', '--from', 'nope.json'])).err).toMatch(/nope\.json: no such file/);
    expect((await run(['--out', 'g', '--from', 'x.json', '--demo'])).code).toBe(2);
    expect((await run(['--demo'])).err).toMatch(/--out: missing/);
    const noRegion = await run(['--out', 'g', '--execution-role', 'arn:aws:iam::111122223333:role/x'], {
      'hyperpod-cmk.yaml': 'keyAdmins: [arn:aws:iam::111122223333:role/KeyAdmin]\n',
    });
    expect(noRegion).toMatchObject({ code: 2 });
    expect(noRegion.err).toMatch(/--region: required with --execution-role/);
  });

  it('reads the clusters from infrastructure-as-code with --iac, and refuses --iac beside --from', async () => {
    const fixtures = new URL('../fixtures/iac/cloudformation-yaml/', import.meta.url).pathname;
    const result = await run(['--out', 'g', '--iac', fixtures], {
      'hyperpod-cmk.yaml': 'keyAdmins: [arn:aws:iam::111122223333:role/KeyAdmin]\n',
    });
    expect(result.err).not.toMatch(/internal error/);
    expect(result.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(result.cwd, 'g/manifest.json'), 'utf8')) as {
      files: { path: string; kind: string }[];
    };
    const proposed = manifest.files.filter((f) => f.path.startsWith('key-policies/proposed/'));
    // no-key.yaml's group names no key: a key is proposed for it, with a safe file name.
    expect(proposed.map((f) => f.path)).toEqual([
      expect.stringMatching(/^key-policies\/proposed\/[\w.-]+\/[\w.-]+\/no-key\.workers\.json$/),
    ]);
    const both = await run(['--out', 'g', '--iac', fixtures, '--from', 'x.json']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--from and --iac are different inventories/);
  });

  it('writes a proposed key policy from the config alone', async () => {
    const result = await run(
      [
        '--out',
        'g',
        '--execution-role',
        'arn:aws:iam::111122223333:role/hyperpod-exec',
        '--region',
        'eu-west-1',
      ],
      { 'hyperpod-cmk.yaml': 'keyAdmins: [arn:aws:iam::*:role/KeyAdmin]\n' },
    );
    expect(result.code).toBe(0);
    const policy = JSON.parse(
      readFileSync(
        join(result.cwd, 'g/key-policies/proposed/111122223333/eu-west-1/hyperpod-exec.json'),
        'utf8',
      ),
    );
    expect(JSON.stringify(policy)).toContain('sagemaker.eu-west-1.amazonaws.com');
    expect(JSON.stringify(policy)).toContain('arn:aws:iam::111122223333:role/KeyAdmin');
    expect(readFileSync(join(result.cwd, 'g/budget/kms-budget-111122223333.yaml'), 'utf8')).toMatch(
      /Default: \d+/,
    );
  });
});

describe('the KMS cost model', () => {
  const now = new Date(NOW);
  it('prices keys at $1 a month plus $1 for each of the first two rotations', () => {
    const created = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString();
    const base = key('k', { rotation: { enabled: true, periodInDays: 365 } });
    const at = (daysAgo: number) =>
      keyStorageCost({ ...base, metadata: { ...base.metadata!, creationDate: created(daysAgo) } }, now, 0)
        .monthlyUsd;
    expect([at(10), at(400), at(800), at(2000)]).toEqual([1, 2, 3, 3]);
    expect(
      keyStorageCost({ ...base, rotation: { enabled: true, rotationCount: 1 } }, now, 365)
        .projectedMonthlyUsd,
    ).toBe(3);
    expect(
      keyStorageCost({ ...base, metadata: { ...base.metadata!, keyState: 'PendingDeletion' } }, now)
        .monthlyUsd,
    ).toBe(0);
    expect(
      keyStorageCost({ ...base, metadata: { ...base.metadata!, keyManager: 'AWS' } }, now).monthlyUsd,
    ).toBe(0);
  });

  it('charges $0.03 per 10,000 requests beyond 20,000 a month, once per account', () => {
    expect(requestCostUsd(20_000)).toBe(0);
    expect(requestCostUsd(120_000)).toBeCloseTo(0.3);
    const keys = [
      key('a', { usage: [{ month: '2026-10', requests: 60_000 }] }),
      key('b', { usage: [{ month: '2026-10', requests: 60_000 }] }),
    ];
    const [account] = estimateAccountCosts(keys, { now, horizonDays: 0 });
    expect(account!.requestUsd).toBeCloseTo(0.3);
    expect(account!.projectedMonthlyUsd).toBeCloseTo(2.3);
    expect(budgetLimitUsd(account!.projectedMonthlyUsd, 25)).toBe(3);
  });
});
