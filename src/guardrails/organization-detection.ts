// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings are meant literally
/**
 * The detection stack for a whole organization, from the delegated administrator account:
 *
 * - `stackset.yaml` (once, in the administrator account's home Region): a service-managed
 *   `AWS::CloudFormation::StackSet` that deploys the member template (detection.ts, organization
 *   form) to every account of the target OUs in every listed Region, and to accounts that join
 *   them later (AutoDeployment); and an `AWS::Config::ConfigurationAggregator` over the whole
 *   organization, so that every account's compliance is seen in one place.
 * - `code-bucket.yaml` (in the administrator account, once per Region): Lambda takes its code
 *   from a bucket in its own Region ("An Amazon S3 bucket in the same AWS Region as your function.
 *   The bucket can be in a different AWS account", Lambda API FunctionCode), so one bucket per
 *   Region, `${prefix}-${AWS::Region}`, readable by the organization's accounts only
 *   (aws:PrincipalOrgID).
 * - `organization-rule.yaml` (optional, in the administrator account, once per Region): an
 *   `AWS::Config::OrganizationConfigRule` with `OrganizationCustomRuleMetadata`. AWS Config allows
 *   custom Lambda rules at organization level, with one Lambda in the management or delegated
 *   administrator account that the rule in every member account invokes, and "an IAM role in the
 *   managed account that can be assumed by the Lambda function" (PutOrganizationConfigRule). The
 *   member template provides both when RuleScope=Organization.
 *
 * The member template is embedded as TemplateBody rather than a TemplateURL: it is generated
 * together with the StackSet, so the two cannot drift, it is reviewed in the same file, and it
 * needs no further bucket; CloudFormation takes up to 51,200 bytes of TemplateBody, checked here.
 */
import { err, ok, type Result } from '../model/result.js';
import {
  configRuleParameters,
  type DetectionOptions,
  detectionCloudFormation,
  ORG_NAMES,
  PARAMETER_PATTERNS,
  yamlText,
} from './detection.js';
import type { GuardrailsProblem } from './problem.js';

/** CreateStackSet's TemplateBody limit (bytes). */
export const TEMPLATE_BODY_MAX_BYTES = 51_200;

export const CONFIG_ORGANIZATIONS_POLICY = 'service-role/AWSConfigRoleForOrganizations';

/** The AWS documentation the organization form relies on (the README cites them). */
export const ORGANIZATION_SOURCES = {
  stackSet:
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-stackset.html',
  trustedAccess:
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html',
  delegatedAdmin:
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-delegated-admin.html',
  lambdaCode: 'https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCode.html',
  principalOrgId:
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid',
  aggregator:
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-config-configurationaggregator.html',
  configDelegatedAdmin:
    'https://docs.aws.amazon.com/config/latest/developerguide/aggregated-register-delegated-administrator.html',
  organizationRule:
    'https://docs.aws.amazon.com/config/latest/APIReference/API_PutOrganizationConfigRule.html',
  organizationRuleCfn:
    'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-config-organizationconfigrule.html',
} as const;

const noValue = { Ref: 'AWS::NoValue' };
const sub = (text: string) => ({ 'Fn::Sub': text });

/** Parameters the StackSet passes on to every member stack, as they are. */
const PASSED_THROUGH = [
  'CodeS3BucketPrefix',
  'CodeS3Key',
  'NamePrefix',
  'RuleScope',
  'EvaluationFrequency',
  'ComplianceResourceType',
  'AlertEmail',
] as const;

export function stackSetTemplate(memberTemplateBody: string) {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'hyperpod-cmk detection for the organization (delegated administrator account): a service-managed StackSet ' +
      'deploying the detection stack to every account of the target OUs and Regions, and an organization-wide ' +
      'AWS Config aggregator.',
    Parameters: {
      OrganizationalUnitIds: {
        Type: 'CommaDelimitedList',
        Description:
          'OUs (ou-...) or the root (r-...) to deploy to; accounts that join them later get the stack too',
        AllowedPattern: PARAMETER_PATTERNS.organizationalUnit,
        ConstraintDescription: 'OU ids (ou-abcd-12345678) or a root id (r-abcd), comma-separated',
      },
      Regions: {
        Type: 'CommaDelimitedList',
        Description: 'Regions to deploy to (each needs its code bucket, see README)',
        AllowedPattern: PARAMETER_PATTERNS.region,
        ConstraintDescription: 'Region codes (us-east-1), comma-separated',
      },
      CallAs: {
        Type: 'String',
        Default: 'DELEGATED_ADMIN',
        AllowedValues: ['DELEGATED_ADMIN', 'SELF'],
        Description: 'DELEGATED_ADMIN in a delegated administrator account; SELF in the management account',
      },
      MaxConcurrentPercentage: {
        Type: 'Number',
        Default: 25,
        MinValue: 1,
        MaxValue: 100,
        Description: 'Share of accounts deployed at the same time, per Region',
      },
      FailureTolerancePercentage: {
        Type: 'Number',
        Default: 10,
        MinValue: 0,
        MaxValue: 100,
        Description: 'Share of accounts that may fail, per Region, before the operation stops',
      },
      RegionConcurrencyType: {
        Type: 'String',
        Default: 'PARALLEL',
        AllowedValues: ['PARALLEL', 'SEQUENTIAL'],
        Description: 'Deploy the Regions in parallel or one after the other',
      },
      OrganizationId: {
        Type: 'String',
        Description: 'The organization id (o-...)',
        AllowedPattern: PARAMETER_PATTERNS.organization,
      },
      CodeS3BucketPrefix: {
        Type: 'String',
        Description: 'Prefix of the per-Region code buckets (code-bucket.yaml): <prefix>-<region>',
        AllowedPattern: PARAMETER_PATTERNS.bucketPrefix,
      },
      CodeS3Key: {
        Type: 'String',
        Default: 'hyperpod-cmk/detection-lambda.zip',
        Description: 'S3 key of the Lambda zip in every code bucket',
        AllowedPattern: PARAMETER_PATTERNS.s3Key,
      },
      NamePrefix: {
        Type: 'String',
        Default: 'hyperpod-cmk',
        Description: 'Prefix of the resource names in every account',
        AllowedPattern: PARAMETER_PATTERNS.namePrefix,
      },
      RuleScope: {
        Type: 'String',
        Default: 'Account',
        AllowedValues: ['Account', 'Organization'],
        Description:
          'Account: every member stack has its own Config rule. Organization: deploy organization-rule.yaml in each ' +
          'Region instead (the member stacks then create the evaluation roles)',
      },
      ...configRuleParameters('One evaluation per cluster, or one per account'),
      AlertEmail: {
        Type: 'String',
        Default: '',
        Description: "Optional e-mail address subscribed to every account's alert topic",
        AllowedPattern: PARAMETER_PATTERNS.email,
      },
      AggregateAllRegions: {
        Type: 'String',
        Default: 'true',
        AllowedValues: ['true', 'false'],
        Description: 'Aggregate every Region (also the ones enabled later), or only Regions',
      },
    },
    Conditions: {
      AllRegions: { 'Fn::Equals': [{ Ref: 'AggregateAllRegions' }, 'true'] },
    },
    Resources: {
      DetectionStackSet: {
        Type: 'AWS::CloudFormation::StackSet',
        Properties: {
          StackSetName: sub('${NamePrefix}-detection'),
          Description:
            'hyperpod-cmk detection: AWS Config rule, EventBridge rules and SNS alerts in every account',
          PermissionModel: 'SERVICE_MANAGED',
          AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
          CallAs: { Ref: 'CallAs' },
          Capabilities: ['CAPABILITY_NAMED_IAM'],
          ManagedExecution: { Active: true },
          OperationPreferences: {
            MaxConcurrentPercentage: { Ref: 'MaxConcurrentPercentage' },
            FailureTolerancePercentage: { Ref: 'FailureTolerancePercentage' },
            RegionConcurrencyType: { Ref: 'RegionConcurrencyType' },
          },
          StackInstancesGroup: [
            {
              DeploymentTargets: { OrganizationalUnitIds: { Ref: 'OrganizationalUnitIds' } },
              Regions: { Ref: 'Regions' },
            },
          ],
          Parameters: [
            ...PASSED_THROUGH.map((name) => ({ ParameterKey: name, ParameterValue: { Ref: name } })),
            { ParameterKey: 'AdministratorAccountId', ParameterValue: { Ref: 'AWS::AccountId' } },
            { ParameterKey: 'OrganizationId', ParameterValue: { Ref: 'OrganizationId' } },
          ],
          TemplateBody: memberTemplateBody,
        },
      },
      AggregatorRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: 'AWS Config reads the organization for the hyperpod-cmk aggregator',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'config.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
              },
            ],
          },
          ManagedPolicyArns: [sub(`arn:\${AWS::Partition}:iam::aws:policy/${CONFIG_ORGANIZATIONS_POLICY}`)],
        },
      },
      Aggregator: {
        Type: 'AWS::Config::ConfigurationAggregator',
        Properties: {
          ConfigurationAggregatorName: sub('${NamePrefix}-organization'),
          OrganizationAggregationSource: {
            RoleArn: { 'Fn::GetAtt': ['AggregatorRole', 'Arn'] },
            AllAwsRegions: { 'Fn::If': ['AllRegions', true, noValue] },
            AwsRegions: { 'Fn::If': ['AllRegions', noValue, { Ref: 'Regions' }] },
          },
        },
      },
    },
    Outputs: {
      StackSetId: { Description: 'The detection StackSet', Value: { Ref: 'DetectionStackSet' } },
      AggregatorName: { Description: 'The organization aggregator', Value: { Ref: 'Aggregator' } },
    },
  };
}

export function codeBucketTemplate() {
  const bucket = '${CodeS3BucketPrefix}-${AWS::Region}';
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      "hyperpod-cmk detection code bucket for this Region: the organization's accounts read the Lambda zip from it.",
    Parameters: {
      CodeS3BucketPrefix: {
        Type: 'String',
        Description: 'The bucket is named <prefix>-<region>',
        AllowedPattern: PARAMETER_PATTERNS.bucketPrefix,
      },
      OrganizationId: {
        Type: 'String',
        Description: 'Only principals of this organization (o-...) may read the code',
        AllowedPattern: PARAMETER_PATTERNS.organization,
      },
    },
    Resources: {
      CodeBucket: {
        Type: 'AWS::S3::Bucket',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          BucketName: sub(bucket),
          // SSE-S3: the code is not secret, and a customer managed key would need a decrypt grant
          // for every account of the organization.
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
            ],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          VersioningConfiguration: { Status: 'Enabled' },
        },
      },
      CodeBucketPolicy: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: {
          Bucket: { Ref: 'CodeBucket' },
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'OrganizationReadsCode',
                Effect: 'Allow',
                Principal: '*',
                Action: ['s3:GetObject', 's3:GetObjectVersion'],
                Resource: sub(`arn:\${AWS::Partition}:s3:::${bucket}/*`),
                Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
              },
              {
                Sid: 'TlsOnly',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [
                  sub(`arn:\${AWS::Partition}:s3:::${bucket}`),
                  sub(`arn:\${AWS::Partition}:s3:::${bucket}/*`),
                ],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          },
        },
      },
    },
    Outputs: { CodeBucket: { Description: 'The code bucket of this Region', Value: { Ref: 'CodeBucket' } } },
  };
}

/** The function an organization rule invokes: the member stack's, in this (administrator) account and Region. */
export const ORGANIZATION_RULE_LAMBDA_ARN = `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${ORG_NAMES.function}`;

export function organizationRuleTemplate() {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'hyperpod-cmk organization AWS Config rule for this Region (delegated administrator account): every account ' +
      "runs the detection function of this account, which evaluates it through the account's evaluation role.",
    Parameters: {
      NamePrefix: {
        Type: 'String',
        Default: 'hyperpod-cmk',
        Description: 'The NamePrefix given to the StackSet',
        AllowedPattern: PARAMETER_PATTERNS.namePrefix,
      },
      ...configRuleParameters('One evaluation per cluster, or one per account'),
      ExcludedAccounts: {
        Type: 'CommaDelimitedList',
        Default: '',
        Description: 'Optional: accounts the rule is not deployed to',
        AllowedPattern: `^$|${PARAMETER_PATTERNS.account}`,
        ConstraintDescription: 'empty, or 12-digit account ids, comma-separated',
      },
    },
    Conditions: {
      HasExcludedAccounts: {
        'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'ExcludedAccounts' }] }, ''] }],
      },
    },
    Resources: {
      OrganizationRule: {
        Type: 'AWS::Config::OrganizationConfigRule',
        Properties: {
          OrganizationConfigRuleName: sub(ORG_NAMES.configRule),
          ExcludedAccounts: { 'Fn::If': ['HasExcludedAccounts', { Ref: 'ExcludedAccounts' }, noValue] },
          OrganizationCustomRuleMetadata: {
            Description:
              'HyperPod clusters keep every EBS volume under a customer managed key that is enabled, rotated, ' +
              'least-privilege and separately administered (hyperpod-cmk rule engine).',
            LambdaFunctionArn: sub(ORGANIZATION_RULE_LAMBDA_ARN),
            OrganizationConfigRuleTriggerTypes: ['ScheduledNotification'],
            MaximumExecutionFrequency: { Ref: 'EvaluationFrequency' },
            InputParameters: { 'Fn::Sub': '{"complianceResourceType":"${ComplianceResourceType}"}' },
          },
        },
      },
    },
    Outputs: {
      OrganizationRuleName: {
        Description: 'The organization Config rule',
        Value: { Ref: 'OrganizationRule' },
      },
    },
  };
}

export interface OrganizationDetectionFile {
  name: string;
  content: string;
  size?: { value: number; limit: number; unit: 'bytes' };
}

/** The four files of the organization form, or why they cannot be made. */
export function organizationDetection(
  options: DetectionOptions,
): Result<OrganizationDetectionFile[], GuardrailsProblem> {
  const member = detectionCloudFormation(options, 'organization');
  const header = (what: string) => `# Generated by hyperpod-cmk guardrails: ${what}. See README.md.`;
  const stackSet = yamlText(
    stackSetTemplate(member),
    header('the StackSet and aggregator (administrator account, once)'),
  );
  // The member template travels inside the StackSet's TemplateBody, and the StackSet's template is
  // itself deployed as a TemplateBody: both must fit CloudFormation's limit.
  const sized: OrganizationDetectionFile[] = [];
  for (const [name, content] of [
    ['member.yaml', member],
    ['stackset.yaml', stackSet],
  ] as const) {
    const bytes = Buffer.byteLength(content);
    if (bytes > TEMPLATE_BODY_MAX_BYTES)
      return err({
        code: 'guardrails.stackset_template_too_large',
        message: `${name} would be ${bytes} bytes, over CloudFormation's TemplateBody limit of ${TEMPLATE_BODY_MAX_BYTES}`,
        hint: 'shorten suppressions and tenancy lists in the config',
      });
    sized.push({ name, content, size: { value: bytes, limit: TEMPLATE_BODY_MAX_BYTES, unit: 'bytes' } });
  }
  return ok([
    ...sized,
    {
      name: 'code-bucket.yaml',
      content: yamlText(
        codeBucketTemplate(),
        header('the code bucket (administrator account, every Region)'),
      ),
    },
    {
      name: 'organization-rule.yaml',
      content: yamlText(
        organizationRuleTemplate(),
        header('the organization Config rule (administrator account, every Region; optional)'),
      ),
    },
  ]);
}
