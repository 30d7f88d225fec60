// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings are meant literally
/**
 * `guardrails --org`: the organization form of detection. The templates' key properties are
 * asserted exactly (StackSet permission model, auto-deployment, targets, operation preferences,
 * the embedded member template, the aggregator's source, the organization rule's function, the
 * code bucket's organization-only policy, the optional history), every parameter pattern is run
 * against values it must accept and refuse, and every template passes cfn-lint.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config/schema.js';
import {
  detectionCloudFormation,
  detectionTemplate,
  ORG_NAMES,
  PARAMETER_PATTERNS,
} from '../../src/guardrails/detection.js';
import { generateGuardrails } from '../../src/guardrails/index.js';
import {
  codeBucketTemplate,
  ORGANIZATION_RULE_LAMBDA_ARN,
  organizationDetection,
  organizationRuleTemplate,
  stackSetTemplate,
  TEMPLATE_BODY_MAX_BYTES,
} from '../../src/guardrails/organization-detection.js';
import { emptyInventory } from '../../src/model/inventory.js';
import {
  codeBucketMonthlyUsd,
  configEvaluationUsd,
  detectionMonthlyCost,
  runsPerMonth,
} from '../../src/pricing/detection.js';
import { ADMIN_ROLE, NOW } from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed CloudFormation templates are untyped trees
type Template = any;

const config = resolveConfig({ keyAdmins: [ADMIN_ROLE] });
const generate = (organization: boolean) => {
  const result = generateGuardrails({
    inventory: emptyInventory('snapshot', NOW),
    config,
    sourceLabel: 'the config alone',
    now: new Date(NOW),
    organization,
  });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
};
const org = generate(true);
const file = (path: string) => {
  const found = org.files.find((f) => f.path === path);
  if (!found) throw new Error(`${path} not generated`);
  return found;
};
const yaml = (path: string): Template => parseYaml(file(path).content);

describe('the organization files', () => {
  it('are written with --org only, beside the per-account stack', () => {
    const orgPaths = (files: { path: string }[]) =>
      files.filter((f) => f.path.startsWith('detection/organization/')).map((f) => f.path);
    expect(orgPaths(org.files)).toEqual([
      'detection/organization/member.yaml',
      'detection/organization/stackset.yaml',
      'detection/organization/code-bucket.yaml',
      'detection/organization/organization-rule.yaml',
    ]);
    expect(org.files.filter((f) => f.kind === 'detection-organization')).toHaveLength(4);
    const plain = generate(false);
    expect(orgPaths(plain.files)).toEqual([]);
    expect(plain.files.map((f) => f.path)).toContain('detection/cloudformation/detection.yaml');
    expect(plain.organization).toBe(false);
    expect(org.organization).toBe(true);
    const readme = (files: { path: string; content: string }[]) =>
      files.find((f) => f.path === 'README.md')!.content;
    expect(readme(plain.files)).not.toContain('### `detection/organization/`');
    expect(readme(plain.files)).not.toContain('#### What it costs');
    expect(readme(org.files)).toContain(
      '### `detection/organization/`: detection in every account of the organization',
    );
  });

  it('embed the member template in the StackSet as it is written, within the TemplateBody limit', () => {
    const member = file('detection/organization/member.yaml');
    const stackSet = yaml('detection/organization/stackset.yaml');
    expect(stackSet.Resources.DetectionStackSet.Properties.TemplateBody).toBe(member.content);
    expect(member.size).toEqual({
      value: Buffer.byteLength(member.content),
      limit: TEMPLATE_BODY_MAX_BYTES,
      unit: 'bytes',
    });
    expect(member.size!.value).toBeLessThanOrEqual(51_200);
  });
});

describe('the TemplateBody limit', () => {
  it('refuses a member template CloudFormation would not take, naming the limit and the fix', () => {
    // More than the Lambda environment takes too; organizationDetection checks its own limit regardless.
    const suppressions = Array.from({ length: 400 }, (_, i) => ({
      rule: '*',
      resource: `arn:aws:sagemaker:us-east-1:111122223333:cluster/cluster-${i}`,
      reason: 'accepted while the cluster is migrated to a customer managed key',
    }));
    const result = organizationDetection({
      config: resolveConfig({ keyAdmins: [ADMIN_ROLE], suppressions }),
      keyTags: {},
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('guardrails.stackset_template_too_large');
    expect(result.error.message).toMatch(
      /^member.yaml would be \d+ bytes, over CloudFormation's TemplateBody limit of 51200$/,
    );
    expect(result.error.hint).toBe('shorten suppressions and tenancy lists in the config');
  });

  it('refuses a StackSet template over the limit even when the member template inside it fits', () => {
    const suppressions = Array.from({ length: 150 }, (_, i) => ({
      rule: '*',
      resource: `arn:aws:sagemaker:us-east-1:111122223333:cluster/cluster-${i}`,
      reason: 'accepted while the cluster is migrated to a customer managed key',
    }));
    const config = resolveConfig({ keyAdmins: [ADMIN_ROLE], suppressions });
    expect(Buffer.byteLength(detectionCloudFormation({ config, keyTags: {} }, 'organization'))).toBeLessThan(
      51_200,
    );
    const result = organizationDetection({ config, keyTags: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toMatch(
      /^stackset.yaml would be \d+ bytes, over CloudFormation's TemplateBody limit of 51200$/,
    );
  });
});

describe('the StackSet', () => {
  const template: Template = stackSetTemplate('Resources: {}\n');
  const stackSet = template.Resources.DetectionStackSet;

  it('is service-managed, deploys to accounts that join, and deletes from accounts that leave', () => {
    expect(stackSet.Type).toBe('AWS::CloudFormation::StackSet');
    expect(stackSet.Properties.PermissionModel).toBe('SERVICE_MANAGED');
    expect(stackSet.Properties.AutoDeployment).toEqual({
      Enabled: true,
      RetainStacksOnAccountRemoval: false,
    });
    expect(stackSet.Properties.CallAs).toEqual({ Ref: 'CallAs' });
    expect(template.Parameters.CallAs).toMatchObject({
      Default: 'DELEGATED_ADMIN',
      AllowedValues: ['DELEGATED_ADMIN', 'SELF'],
    });
    expect(stackSet.Properties.Capabilities).toEqual(['CAPABILITY_NAMED_IAM']);
    expect(stackSet.Properties.TemplateBody).toBe('Resources: {}\n');
  });

  it('targets the OUs and Regions given, with operation preferences as parameters', () => {
    expect(stackSet.Properties.StackInstancesGroup).toEqual([
      {
        DeploymentTargets: { OrganizationalUnitIds: { Ref: 'OrganizationalUnitIds' } },
        Regions: { Ref: 'Regions' },
      },
    ]);
    expect(stackSet.Properties.OperationPreferences).toEqual({
      MaxConcurrentPercentage: { Ref: 'MaxConcurrentPercentage' },
      FailureTolerancePercentage: { Ref: 'FailureTolerancePercentage' },
      RegionConcurrencyType: { Ref: 'RegionConcurrencyType' },
    });
    expect(template.Parameters.MaxConcurrentPercentage).toMatchObject({
      Type: 'Number',
      MinValue: 1,
      MaxValue: 100,
    });
    expect(template.Parameters.FailureTolerancePercentage).toMatchObject({
      Type: 'Number',
      MinValue: 0,
      MaxValue: 100,
    });
    expect(template.Parameters.OrganizationalUnitIds).toMatchObject({
      Type: 'CommaDelimitedList',
      AllowedPattern: PARAMETER_PATTERNS.organizationalUnit,
    });
    expect(template.Parameters.Regions).toMatchObject({
      Type: 'CommaDelimitedList',
      AllowedPattern: PARAMETER_PATTERNS.region,
    });
  });

  it('passes every member parameter without a default, and the administrator account', () => {
    const member: Template = detectionTemplate({ config, keyTags: {} }, 'organization');
    const passed = stackSet.Properties.Parameters.map((p: { ParameterKey: string }) => p.ParameterKey).sort();
    const required = Object.entries(member.Parameters)
      .filter(([, p]) => (p as { Default?: unknown }).Default === undefined)
      .map(([name]) => name);
    for (const name of required) expect(passed).toContain(name);
    for (const name of passed) expect(Object.keys(member.Parameters)).toContain(name);
    expect(stackSet.Properties.Parameters).toContainEqual({
      ParameterKey: 'AdministratorAccountId',
      ParameterValue: { Ref: 'AWS::AccountId' },
    });
  });
});

describe('the aggregator', () => {
  const template: Template = stackSetTemplate('');
  it('aggregates the whole organization, in every Region or in the listed ones', () => {
    const aggregator = template.Resources.Aggregator;
    expect(aggregator.Type).toBe('AWS::Config::ConfigurationAggregator');
    expect(aggregator.Properties.OrganizationAggregationSource).toEqual({
      RoleArn: { 'Fn::GetAtt': ['AggregatorRole', 'Arn'] },
      AllAwsRegions: { 'Fn::If': ['AllRegions', true, { Ref: 'AWS::NoValue' }] },
      AwsRegions: { 'Fn::If': ['AllRegions', { Ref: 'AWS::NoValue' }, { Ref: 'Regions' }] },
    });
    expect(template.Conditions.AllRegions).toEqual({
      'Fn::Equals': [{ Ref: 'AggregateAllRegions' }, 'true'],
    });
  });

  it("uses a role that Config assumes for this account only, with AWS's organizations policy", () => {
    const role = template.Resources.AggregatorRole.Properties;
    expect(role.ManagedPolicyArns).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSConfigRoleForOrganizations' },
    ]);
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'config.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });
});

describe('the organization Config rule', () => {
  const template: Template = organizationRuleTemplate();
  const member: Template = detectionTemplate({ config, keyTags: {} }, 'organization');

  it("calls the administrator account's detection function, periodically", () => {
    const rule = template.Resources.OrganizationRule;
    expect(rule.Type).toBe('AWS::Config::OrganizationConfigRule');
    const metadata = rule.Properties.OrganizationCustomRuleMetadata;
    expect(metadata.LambdaFunctionArn).toEqual({
      'Fn::Sub':
        'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${NamePrefix}-detection',
    });
    expect(metadata.OrganizationConfigRuleTriggerTypes).toEqual(['ScheduledNotification']);
    expect(metadata.MaximumExecutionFrequency).toEqual({ Ref: 'EvaluationFrequency' });
    expect(JSON.parse(metadata.InputParameters['Fn::Sub'])).toEqual({
      complianceResourceType: '${ComplianceResourceType}',
    });
    // The member stacks name their function so that this ARN finds it.
    expect(member.Resources.Function.Properties.FunctionName).toEqual({ 'Fn::Sub': ORG_NAMES.function });
    expect(ORGANIZATION_RULE_LAMBDA_ARN.endsWith(`:function:${ORG_NAMES.function}`)).toBe(true);
  });

  it('leaves the per-account rule out of member stacks, which then create the evaluation role', () => {
    expect(member.Resources.ConfigRule.Condition).toBe('AccountRule');
    expect(member.Resources.ConfigInvokePermission.Condition).toBe('AccountRule');
    expect(member.Resources.EvaluationRole.Condition).toBe('OrganizationRule');
    expect(member.Resources.EvaluationRole.Properties.RoleName).toEqual({
      'Fn::Sub': ORG_NAMES.evaluationRole,
    });
    expect(member.Resources.EvaluationRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AdministratorAccountId}:root' } },
        Action: 'sts:AssumeRole',
        Condition: {
          ArnEquals: {
            'aws:PrincipalArn': {
              'Fn::Sub':
                'arn:${AWS::Partition}:iam::${AdministratorAccountId}:role/${NamePrefix}-detection-${AWS::Region}',
            },
          },
        },
      },
    ]);
    expect(member.Resources.FunctionRole.Properties.RoleName).toEqual({ 'Fn::Sub': ORG_NAMES.functionRole });
  });

  it('retains logs without a fixed name, so an account that leaves and rejoins the OU deploys again', () => {
    expect(member.Resources.FunctionLogGroup).toEqual({
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { RetentionInDays: 365 },
    });
    const account: Template = detectionTemplate({ config, keyTags: {} }, 'account');
    expect(account.Resources.FunctionLogGroup.Properties.LogGroupName).toEqual({
      'Fn::Sub': '/aws/lambda/${AWS::StackName}-detection',
    });
  });

  it('lets only the central function assume evaluation roles, and only inside the organization', () => {
    const statements = member.Resources.FunctionRole.Properties.Policies[0].PolicyDocument.Statement;
    const central = statements.find(
      (s: Template) => s['Fn::If']?.[1]?.Sid === 'EvaluateOrganizationAccounts',
    )['Fn::If'];
    expect(central[0]).toBe('CentralFunction');
    expect(central[1]).toEqual({
      Sid: 'EvaluateOrganizationAccounts',
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/${NamePrefix}-evaluation-${AWS::Region}' },
      Condition: { StringEquals: { 'aws:ResourceOrgID': { Ref: 'OrganizationId' } } },
    });
    expect(member.Conditions.CentralFunction).toEqual({
      'Fn::And': [
        { Condition: 'OrganizationRule' },
        { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, { Ref: 'AdministratorAccountId' }] },
      ],
    });
    expect(member.Resources.OrganizationRuleInvokePermission).toEqual({
      Type: 'AWS::Lambda::Permission',
      Condition: 'CentralFunction',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['Function', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'config.amazonaws.com',
      },
    });
    expect(member.Resources.Function.Properties.Environment.Variables.EVALUATION_ROLE_NAME).toEqual({
      'Fn::If': ['CentralFunction', { 'Fn::Sub': ORG_NAMES.evaluationRole }, { Ref: 'AWS::NoValue' }],
    });
  });
});

describe('the code buckets', () => {
  const template: Template = codeBucketTemplate();
  const member: Template = detectionTemplate({ config, keyTags: {} }, 'organization');

  it("are named <prefix>-<region>, which is where every member's function reads its code", () => {
    expect(template.Resources.CodeBucket.Properties.BucketName).toEqual({
      'Fn::Sub': '${CodeS3BucketPrefix}-${AWS::Region}',
    });
    expect(member.Resources.Function.Properties.Code).toEqual({
      S3Bucket: { 'Fn::Sub': '${CodeS3BucketPrefix}-${AWS::Region}' },
      S3Key: { Ref: 'CodeS3Key' },
    });
  });

  it('are readable by principals of the organization only, over TLS, never public', () => {
    const statements = template.Resources.CodeBucketPolicy.Properties.PolicyDocument.Statement;
    expect(statements[0]).toEqual({
      Sid: 'OrganizationReadsCode',
      Effect: 'Allow',
      Principal: '*',
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${CodeS3BucketPrefix}-${AWS::Region}/*' },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
    });
    expect(statements[1]).toMatchObject({
      Effect: 'Deny',
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    expect(template.Resources.CodeBucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });
});

describe('the optional history, in both forms', () => {
  for (const form of ['account', 'organization'] as const) {
    const template: Template = detectionTemplate({ config, keyTags: {} }, form);
    it(`${form}: is off by default and, when given, reads that secret only`, () => {
      for (const name of ['HistoryDatabaseSecretArn', 'SubnetIds', 'SecurityGroupIds'])
        expect(template.Parameters[name].Default).toBe('');
      expect(template.Conditions.HasHistory).toEqual({
        'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'HistoryDatabaseSecretArn' }, ''] }],
      });
      const statements = template.Resources.FunctionRole.Properties.Policies[0].PolicyDocument.Statement;
      const secret = statements.filter((s: Template) => JSON.stringify(s).includes('secretsmanager'));
      expect(secret).toEqual([
        {
          'Fn::If': [
            'HasHistory',
            {
              Sid: 'ReadHistorySecret',
              Effect: 'Allow',
              Action: 'secretsmanager:GetSecretValue',
              Resource: { Ref: 'HistoryDatabaseSecretArn' },
            },
            { Ref: 'AWS::NoValue' },
          ],
        },
      ]);
      const variables = template.Resources.Function.Properties.Environment.Variables;
      expect(variables.HYPERPOD_CMK_DB_SECRET_ARN).toEqual({
        'Fn::If': ['HasHistory', { Ref: 'HistoryDatabaseSecretArn' }, { Ref: 'AWS::NoValue' }],
      });
    });

    it(`${form}: attaches the VPC only with subnets, and needs security groups with them`, () => {
      expect(template.Resources.Function.Properties.VpcConfig).toEqual({
        'Fn::If': [
          'HasVpc',
          { SubnetIds: { Ref: 'SubnetIds' }, SecurityGroupIds: { Ref: 'SecurityGroupIds' } },
          { Ref: 'AWS::NoValue' },
        ],
      });
      expect(template.Resources.FunctionRole.Properties.ManagedPolicyArns).toEqual({
        'Fn::If': [
          'HasVpc',
          [
            {
              'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
            },
          ],
          { Ref: 'AWS::NoValue' },
        ],
      });
      expect(template.Rules.SubnetsAndSecurityGroupsTogether.Assertions[0].AssertDescription).toBe(
        'SubnetIds and SecurityGroupIds are given together, or neither',
      );
    });
  }
});

describe('parameter patterns', () => {
  const cases: [keyof typeof PARAMETER_PATTERNS, string[], string[]][] = [
    ['account', ['111122223333'], ['11112222333', '1111222233334', 'abcdabcdabcd', '']],
    ['organization', ['o-a1b2c3d4e5'], ['o-short', 'O-A1B2C3D4E5', 'r-a1b2']],
    [
      'organizationalUnit',
      ['ou-ab12-cdef3456', 'r-ab12'],
      ['ou-ab12', 'o-a1b2c3d4e5', 'ou-AB12-cdef3456', '111122223333'],
    ],
    [
      'region',
      ['us-east-1', 'ap-southeast-3', 'us-gov-west-1', 'eu-central-2'],
      ['us-east', 'US-EAST-1', 'global'],
    ],
    [
      'bucketPrefix',
      ['my-org-detection', 'abc'],
      ['My-Bucket', 'ab', 'a'.repeat(41), 'bucket.with.dots', '-x-'],
    ],
    ['namePrefix', ['hyperpod-cmk', 'h'], ['1abc', 'a'.repeat(25), 'has space', '']],
    [
      'optionalSecretArn',
      ['', 'arn:aws:secretsmanager:us-east-1:111122223333:secret:hyperpod/db-AbCdEf'],
      ['arn:aws:s3:::bucket', 'arn:aws:secretsmanager:us-east-1:1111:secret:x', 'not an arn'],
    ],
    ['optionalSubnet', ['', 'subnet-0123456789abcdef0'], ['sg-0123456789abcdef0', 'subnet-xyz']],
    ['optionalSecurityGroup', ['', 'sg-0123456789abcdef0'], ['subnet-0123456789abcdef0', 'sg-1']],
  ];
  for (const [name, good, bad] of cases)
    it(`${name} accepts what AWS names and refuses the rest`, () => {
      const pattern = new RegExp(PARAMETER_PATTERNS[name]);
      expect(good.filter((value) => !pattern.test(value))).toEqual([]);
      expect(bad.filter((value) => pattern.test(value))).toEqual([]);
    });

  it('leaves room for the longest Region in a bucket name', () => {
    const longest = `${'a'.repeat(40)}-ap-southeast-3`;
    expect(longest.length).toBeLessThanOrEqual(63);
    expect(new RegExp(PARAMETER_PATTERNS.bucket).test(longest)).toBe(true);
  });

  it('validates every organization parameter that names an AWS id', () => {
    const stackSet: Template = stackSetTemplate('');
    expect(stackSet.Parameters.OrganizationId.AllowedPattern).toBe(PARAMETER_PATTERNS.organization);
    expect(stackSet.Parameters.CodeS3BucketPrefix.AllowedPattern).toBe(PARAMETER_PATTERNS.bucketPrefix);
    const member: Template = detectionTemplate({ config, keyTags: {} }, 'organization');
    expect(member.Parameters.AdministratorAccountId.AllowedPattern).toBe(PARAMETER_PATTERNS.account);
    const rule: Template = organizationRuleTemplate();
    expect(rule.Parameters.ExcludedAccounts.AllowedPattern).toBe(`^$|${PARAMETER_PATTERNS.account}`);
  });
});

describe('the detection cost model', () => {
  it('runs a periodic rule 730 hours a month divided by its period', () => {
    expect(runsPerMonth('One_Hour')).toBe(730);
    expect(runsPerMonth('TwentyFour_Hours')).toBeCloseTo(30.4167, 3);
  });

  it('prices Config evaluations by tier, per account and Region', () => {
    expect(configEvaluationUsd(0)).toBe(0);
    expect(configEvaluationUsd(100_000)).toBeCloseTo(100, 6);
    expect(configEvaluationUsd(500_000)).toBeCloseTo(100 + 400_000 * 0.0008, 6);
    expect(configEvaluationUsd(600_000)).toBeCloseTo(100 + 320 + 100_000 * 0.0005, 6);
  });

  it('costs one evaluation per cluster per run, or one per run for the account', () => {
    const usage = {
      clusters: 10,
      frequency: 'TwentyFour_Hours' as const,
      perCluster: true,
      changeEventsPerMonth: 20,
      averageSeconds: 10,
      memoryMb: 1024,
    };
    const perCluster = detectionMonthlyCost(usage);
    expect(perCluster.evaluations).toBe(304);
    expect(perCluster.configUsd).toBeCloseTo(0.304, 6);
    expect(perCluster.invocations).toBe(50);
    expect(perCluster.gbSeconds).toBe(500);
    expect(perCluster.lambdaUsd).toBeCloseTo(50 * 0.0000002 + 500 * 0.0000133334, 9);
    expect(detectionMonthlyCost({ ...usage, perCluster: false }).evaluations).toBe(30);
    expect(detectionMonthlyCost({ ...usage, clusters: 0 }).evaluations).toBe(0);
  });

  it('prices the code bucket by the zip stored and the reads', () => {
    expect(codeBucketMonthlyUsd(1024 ** 3, 1000)).toBeCloseTo(0.023 + 0.0004, 9);
  });
});

describe('guardrails --org, end to end', () => {
  const out = mkdtempSync(join(tmpdir(), 'guardrails-org-'));
  let code: number;
  let err: string;
  beforeAll(async () => {
    const io = memoryIo();
    code = await runCli(['guardrails', '--demo', '--org', '--out', out], io);
    err = io.err();
  });

  it('writes the organization templates and a README that deploys them', () => {
    expect(code).toBe(0);
    expect(err).not.toMatch(/internal error/);
    const written = readdirSync(join(out, 'detection/organization')).sort();
    expect(written).toEqual(['code-bucket.yaml', 'member.yaml', 'organization-rule.yaml', 'stackset.yaml']);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).toContain('### `detection/organization/`: detection in every account of the organization');
    for (const command of [
      'aws cloudformation activate-organizations-access',
      'aws organizations register-delegated-administrator --account-id "<admin-account-id>" --service-principal member.org.stacksets.cloudformation.amazonaws.com',
      'aws organizations enable-aws-service-access --service-principal config-multiaccountsetup.amazonaws.com',
      'aws s3 cp detection/detection-lambda.zip "s3://${PREFIX}-${region}/hyperpod-cmk/detection-lambda.zip"',
      '--template-file detection/organization/code-bucket.yaml',
      '--template-file detection/organization/organization-rule.yaml',
      '--template-file detection/organization/stackset.yaml',
      'aws configservice describe-configuration-aggregators',
    ])
      expect(readme).toContain(command);
    for (const url of [
      'https://aws.amazon.com/config/pricing/',
      'https://aws.amazon.com/lambda/pricing/',
      'https://docs.aws.amazon.com/config/latest/APIReference/API_PutOrganizationConfigRule.html',
    ])
      expect(readme).toContain(url);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(
      manifest.files
        .filter((f: { kind: string }) => f.kind === 'detection-organization')
        .map((f: { path: string }) => f.path),
    ).toEqual([
      'detection/organization/member.yaml',
      'detection/organization/stackset.yaml',
      'detection/organization/code-bucket.yaml',
      'detection/organization/organization-rule.yaml',
    ]);
  });

  it('passes cfn-lint on every organization template and the per-account one', () => {
    const templates = [
      ...readdirSync(join(out, 'detection/organization')).map((name) =>
        join(out, 'detection/organization', name),
      ),
      join(out, 'detection/cloudformation/detection.yaml'),
    ];
    expect(templates).toHaveLength(5);
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
  }, 90_000);
});
