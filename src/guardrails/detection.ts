// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings and Terraform interpolations are meant literally
/**
 * The detection stack, as CloudFormation and as Terraform: a periodic AWS Config custom rule whose
 * Lambda runs this project's rule engine over the account's HyperPod clusters (Config does not
 * record AWS::SageMaker::Cluster, so no change-triggered or Guard rule can see them), EventBridge
 * rules on the CloudTrail events CreateCluster/UpdateCluster and ScheduleKeyDeletion/DisableKey/
 * PutKeyPolicy that send to the same Lambda, and an SNS topic for alerts, which is also the
 * Lambda's dead-letter target so a failed evaluation is never silent.
 *
 * The Lambda code (dist/guardrails-lambda/index.js) is too large for an inline ZipFile (4 KB), so
 * CloudFormation takes it from S3 (the README gives the upload step) and Terraform zips the
 * directory itself (hashicorp/archive).
 */
import { stringify } from 'yaml';
import type { Config, ResolvedConfig } from '../config/schema.js';
import { ACCOUNT_RESOURCE_TYPE, CLUSTER_RESOURCE_TYPE } from './config-evaluations.js';
import { hclList, hclString, hclValue } from './hcl.js';

export const LAMBDA_RUNTIME = 'nodejs22.x';
export const LAMBDA_ENV_MAX_BYTES = 4_096;
export const FREQUENCIES = [
  'One_Hour',
  'Three_Hours',
  'Six_Hours',
  'Twelve_Hours',
  'TwentyFour_Hours',
] as const;
export const CLUSTER_EVENTS = ['CreateCluster', 'UpdateCluster'] as const;
export const KEY_EVENTS = ['ScheduleKeyDeletion', 'DisableKey', 'PutKeyPolicy'] as const;

/** The resolved config back in file form, for the Lambda's HYPERPOD_CMK_CONFIG. */
export function configForLambda(config: ResolvedConfig): Config {
  return {
    requiredTags: { clusters: [...config.requiredClusterTags], keys: [...config.requiredKeyTags] },
    keyAdmins: [...config.keyAdmins],
    allowedKeyUsers: [...config.allowedKeyUsers],
    allowedExternalAccounts: [...config.allowedExternalAccounts],
    rotation: { maxDays: config.rotationMaxDays },
    deletion: { minWindowDays: config.deletionMinWindowDays },
    tenancy: config.tenancy.map((t) => ({ ...t })),
    drRegions: { ...config.drRegions },
    cloudtrail: { lookbackDays: config.lookbackDays, accessDeniedThreshold: config.accessDeniedThreshold },
    approvedPolicyEditors: [...config.approvedPolicyEditors],
    ...(config.keySelectorTags ? { keySelector: { tags: { ...config.keySelectorTags } } } : {}),
    rules: { ...config.rules },
    suppressions: config.suppressions.map((s) => ({ ...s })),
  };
}

export interface DetectionOptions {
  config: ResolvedConfig;
  keyTags: Readonly<Record<string, string>>;
}

export function lambdaEnvironment(options: DetectionOptions): Record<string, string> {
  return {
    HYPERPOD_CMK_CONFIG: JSON.stringify(configForLambda(options.config)),
    HYPERPOD_CMK_KEY_TAGS: JSON.stringify(options.keyTags),
  };
}

/** Bytes the environment takes as Lambda counts it (keys and values); the limit is 4 KB. */
export const environmentBytes = (env: Record<string, string>): number =>
  Object.entries(env).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

const clusterEventPattern = {
  source: ['aws.sagemaker'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['sagemaker.amazonaws.com'], eventName: [...CLUSTER_EVENTS] },
};
const keyEventPattern = {
  source: ['aws.kms'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['kms.amazonaws.com'], eventName: [...KEY_EVENTS] },
};

/**
 * What the Lambda may call: the live collector's reads (without CloudTrail; the organization id
 * decides aws:PrincipalOrgID conditions), PutEvaluations, and Publish to its topic.
 */
const COLLECT_ACTIONS = {
  sagemaker: ['sagemaker:DescribeCluster', 'sagemaker:ListClusters', 'sagemaker:ListTags'],
  kms: [
    'kms:DescribeKey',
    'kms:GetKeyPolicy',
    'kms:GetKeyRotationStatus',
    'kms:ListGrants',
    'kms:ListResourceTags',
  ],
  iam: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies', 'iam:ListRolePolicies'],
  iamPolicies: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
  config: ['config:GetComplianceDetailsByConfigRule', 'config:PutEvaluations'],
};

/** An EventBridge rule sending to the detection Lambda, and the permission that lets it invoke it. */
function cfnEventRule(name: string, targetId: string, description: string, pattern: object) {
  return {
    [`${name}Rule`]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: description,
        State: 'ENABLED',
        EventPattern: pattern,
        Targets: [
          {
            Id: targetId,
            Arn: { 'Fn::GetAtt': ['Function', 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
          },
        ],
      },
    },
    [`${name}Permission`]: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: { 'Fn::GetAtt': ['Function', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [`${name}Rule`, 'Arn'] },
      },
    },
  };
}

export function detectionCloudFormation(options: DetectionOptions): string {
  const env = lambdaEnvironment(options);
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'hyperpod-cmk detection: a periodic AWS Config custom rule that runs the hyperpod-cmk rule engine over ' +
      'every HyperPod cluster, EventBridge rules on cluster and key changes, and an SNS alert topic.',
    Parameters: {
      CodeS3Bucket: {
        Type: 'String',
        Description: 'S3 bucket holding the Lambda zip (see README: zip detection/lambda and upload it)',
        AllowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      },
      CodeS3Key: {
        Type: 'String',
        Default: 'hyperpod-cmk/detection-lambda.zip',
        Description: 'S3 key of the Lambda zip',
      },
      EvaluationFrequency: {
        Type: 'String',
        Default: 'TwentyFour_Hours',
        AllowedValues: [...FREQUENCIES],
        Description: 'How often AWS Config runs the rule',
      },
      ComplianceResourceType: {
        Type: 'String',
        Default: CLUSTER_RESOURCE_TYPE,
        AllowedValues: [CLUSTER_RESOURCE_TYPE, ACCOUNT_RESOURCE_TYPE],
        Description:
          'Report one evaluation per cluster (AWS::SageMaker::Cluster), or one for the account. The Lambda falls back ' +
          'to the account by itself if Config refuses the cluster type.',
      },
      AlertEmail: {
        Type: 'String',
        Default: '',
        Description: 'Optional e-mail address subscribed to the alert topic',
        AllowedPattern: '^$|^[^@\\s]+@[^@\\s]+$',
      },
      TopicKmsKeyArn: {
        Type: 'String',
        Default: '',
        Description:
          'Optional customer managed key for the alert topic; its policy must let this Lambda role use it (not alias/aws/sns)',
      },
    },
    Conditions: {
      HasAlertEmail: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlertEmail' }, ''] }] },
      HasTopicKey: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'TopicKmsKeyArn' }, ''] }] },
    },
    Resources: {
      AlertTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          DisplayName: 'hyperpod-cmk alerts',
          KmsMasterKeyId: { 'Fn::If': ['HasTopicKey', { Ref: 'TopicKmsKeyArn' }, { Ref: 'AWS::NoValue' }] },
        },
      },
      AlertSubscription: {
        Type: 'AWS::SNS::Subscription',
        Condition: 'HasAlertEmail',
        Properties: { TopicArn: { Ref: 'AlertTopic' }, Protocol: 'email', Endpoint: { Ref: 'AlertEmail' } },
      },
      FunctionLogGroup: {
        Type: 'AWS::Logs::LogGroup',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          LogGroupName: { 'Fn::Sub': '/aws/lambda/${AWS::StackName}-detection' },
          RetentionInDays: 365,
        },
      },
      FunctionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: 'hyperpod-cmk detection Lambda: read-only collection, Config evaluations, alerts',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'lambda.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'detection',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'Logs',
                    Effect: 'Allow',
                    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                    Resource: { 'Fn::GetAtt': ['FunctionLogGroup', 'Arn'] },
                  },
                  { Sid: 'ReadClusters', Effect: 'Allow', Action: COLLECT_ACTIONS.sagemaker, Resource: '*' },
                  {
                    Sid: 'ReadKeys',
                    Effect: 'Allow',
                    Action: COLLECT_ACTIONS.kms,
                    Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:*:*:key/*' },
                  },
                  { Sid: 'ListAliases', Effect: 'Allow', Action: 'kms:ListAliases', Resource: '*' },
                  {
                    Sid: 'ReadOrganization',
                    Effect: 'Allow',
                    Action: 'organizations:DescribeOrganization',
                    Resource: '*',
                  },
                  {
                    Sid: 'ReadExecutionRoles',
                    Effect: 'Allow',
                    Action: COLLECT_ACTIONS.iam,
                    Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*' },
                  },
                  {
                    Sid: 'ReadRolePolicies',
                    Effect: 'Allow',
                    Action: COLLECT_ACTIONS.iamPolicies,
                    Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:policy/*' },
                  },
                  {
                    Sid: 'ReportEvaluations',
                    Effect: 'Allow',
                    Action: COLLECT_ACTIONS.config,
                    Resource: '*',
                  },
                  { Sid: 'Alert', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: 'AlertTopic' } },
                  {
                    'Fn::If': [
                      'HasTopicKey',
                      {
                        Sid: 'EncryptAlerts',
                        Effect: 'Allow',
                        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
                        Resource: { Ref: 'TopicKmsKeyArn' },
                      },
                      { Ref: 'AWS::NoValue' },
                    ],
                  },
                ],
              },
            },
          ],
        },
      },
      Function: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: { 'Fn::Sub': '${AWS::StackName}-detection' },
          Description: 'hyperpod-cmk rule engine: Config rule and CloudTrail event handler',
          Runtime: LAMBDA_RUNTIME,
          Architectures: ['arm64'],
          Handler: 'index.handler',
          Code: { S3Bucket: { Ref: 'CodeS3Bucket' }, S3Key: { Ref: 'CodeS3Key' } },
          Role: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] },
          Timeout: 300,
          MemorySize: 1024,
          LoggingConfig: { LogGroup: { Ref: 'FunctionLogGroup' }, LogFormat: 'Text' },
          DeadLetterConfig: { TargetArn: { Ref: 'AlertTopic' } },
          Environment: {
            Variables: {
              ...env,
              ALERT_TOPIC_ARN: { Ref: 'AlertTopic' },
              COMPLIANCE_RESOURCE_TYPE: { Ref: 'ComplianceResourceType' },
              NODE_OPTIONS: '--enable-source-maps',
            },
          },
        },
      },
      ConfigInvokePermission: {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          FunctionName: { 'Fn::GetAtt': ['Function', 'Arn'] },
          Action: 'lambda:InvokeFunction',
          Principal: 'config.amazonaws.com',
          SourceAccount: { Ref: 'AWS::AccountId' },
        },
      },
      ConfigRule: {
        Type: 'AWS::Config::ConfigRule',
        DependsOn: 'ConfigInvokePermission',
        Properties: {
          ConfigRuleName: { 'Fn::Sub': '${AWS::StackName}-hyperpod-clusters' },
          Description:
            'HyperPod clusters keep every EBS volume under a customer managed key that is enabled, rotated, least-privilege ' +
            'and separately administered (hyperpod-cmk rule engine).',
          MaximumExecutionFrequency: { Ref: 'EvaluationFrequency' },
          InputParameters: { complianceResourceType: { Ref: 'ComplianceResourceType' } },
          Source: {
            Owner: 'CUSTOM_LAMBDA',
            SourceIdentifier: { 'Fn::GetAtt': ['Function', 'Arn'] },
            SourceDetails: [
              {
                EventSource: 'aws.config',
                MessageType: 'ScheduledNotification',
                MaximumExecutionFrequency: { Ref: 'EvaluationFrequency' },
              },
            ],
          },
        },
      },
      ...cfnEventRule(
        'ClusterChange',
        'evaluate',
        'HyperPod CreateCluster/UpdateCluster: evaluate the cluster at once',
        clusterEventPattern,
      ),
      ...cfnEventRule(
        'KeyChange',
        'alert',
        'KMS ScheduleKeyDeletion/DisableKey/PutKeyPolicy: alert when the key is a HyperPod key',
        keyEventPattern,
      ),
    },
    Outputs: {
      AlertTopicArn: { Description: 'SNS topic for alerts', Value: { Ref: 'AlertTopic' } },
      FunctionArn: { Description: 'The detection Lambda', Value: { 'Fn::GetAtt': ['Function', 'Arn'] } },
      ConfigRuleName: { Description: 'The AWS Config rule', Value: { Ref: 'ConfigRule' } },
    },
  };
  return `# Generated by hyperpod-cmk guardrails. See README.md in this directory.\n${stringify(template, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

// ---------------------------------------------------------------------------------------------
// Terraform

const policyJson = (statements: Record<string, unknown>[]) =>
  `jsonencode(${hclValue({ Version: '2012-10-17', Statement: statements }, '  ')})`;

export function detectionTerraform(options: DetectionOptions): Record<string, string> {
  const env = lambdaEnvironment(options);
  const versions = `# Generated by hyperpod-cmk guardrails. See README.md in the output directory.
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4.0"
    }
  }
}
`;
  const variables = `variable "name" {
  description = "Prefix for the resources' names"
  type        = string
  default     = "hyperpod-cmk"
}

variable "evaluation_frequency" {
  description = "How often AWS Config runs the rule"
  type        = string
  default     = "TwentyFour_Hours"
  validation {
    condition     = contains(${hclList(FREQUENCIES)}, var.evaluation_frequency)
    error_message = "One of ${FREQUENCIES.join(', ')}."
  }
}

variable "compliance_resource_type" {
  description = "Report per cluster (AWS::SageMaker::Cluster) or per account (AWS::::Account)"
  type        = string
  default     = ${hclString(CLUSTER_RESOURCE_TYPE)}
  validation {
    condition     = contains(${hclList([CLUSTER_RESOURCE_TYPE, ACCOUNT_RESOURCE_TYPE])}, var.compliance_resource_type)
    error_message = "AWS::SageMaker::Cluster or AWS::::Account."
  }
}

variable "alert_email" {
  description = "Optional e-mail address subscribed to the alert topic"
  type        = string
  default     = ""
}

variable "topic_kms_key_arn" {
  description = "Optional customer managed key for the alert topic (its policy must let the Lambda role use it)"
  type        = string
  default     = ""
}
`;
  const statements: Record<string, unknown>[] = [
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: 'LOG_GROUP',
    },
    { Sid: 'ReadClusters', Effect: 'Allow', Action: COLLECT_ACTIONS.sagemaker, Resource: '*' },
    { Sid: 'ReadKeys', Effect: 'Allow', Action: COLLECT_ACTIONS.kms, Resource: 'KEYS' },
    { Sid: 'ListAliases', Effect: 'Allow', Action: 'kms:ListAliases', Resource: '*' },
    { Sid: 'ReadOrganization', Effect: 'Allow', Action: 'organizations:DescribeOrganization', Resource: '*' },
    { Sid: 'ReadExecutionRoles', Effect: 'Allow', Action: COLLECT_ACTIONS.iam, Resource: 'ROLES' },
    { Sid: 'ReadRolePolicies', Effect: 'Allow', Action: COLLECT_ACTIONS.iamPolicies, Resource: 'POLICIES' },
    { Sid: 'ReportEvaluations', Effect: 'Allow', Action: COLLECT_ACTIONS.config, Resource: '*' },
    { Sid: 'Alert', Effect: 'Allow', Action: 'sns:Publish', Resource: 'TOPIC' },
  ];
  // References are written as HCL expressions, not strings.
  const policy = policyJson(statements)
    .replace('"LOG_GROUP"', '"${aws_cloudwatch_log_group.detection.arn}:*"')
    .replace('"KEYS"', '"arn:${data.aws_partition.current.partition}:kms:*:*:key/*"')
    .replace(
      '"ROLES"',
      '"arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/*"',
    )
    .replace('"POLICIES"', '"arn:${data.aws_partition.current.partition}:iam::*:policy/*"')
    .replace('"TOPIC"', 'aws_sns_topic.alerts.arn');
  const main = `${versions}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# The Lambda bundle written next to this directory (../lambda); Terraform zips it itself.
data "archive_file" "lambda" {
  type        = "zip"
  source_dir  = "\${path.module}/../lambda"
  output_path = "\${path.module}/.build/detection-lambda.zip"
}

resource "aws_sns_topic" "alerts" {
  name              = "\${var.name}-alerts"
  display_name      = "hyperpod-cmk alerts"
  kms_master_key_id = var.topic_kms_key_arn == "" ? null : var.topic_kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alert_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

resource "aws_cloudwatch_log_group" "detection" {
  name              = "/aws/lambda/\${var.name}-detection"
  retention_in_days = 365
}

resource "aws_iam_role" "detection" {
  name = "\${var.name}-detection"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_iam_role_policy" "detection" {
  name   = "detection"
  role   = aws_iam_role.detection.id
  policy = ${policy}
}

resource "aws_iam_role_policy" "topic_key" {
  count = var.topic_kms_key_arn == "" ? 0 : 1
  name  = "encrypt-alerts"
  role  = aws_iam_role.detection.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["kms:Decrypt", "kms:GenerateDataKey"], Resource = var.topic_kms_key_arn }]
  })
}

resource "aws_lambda_function" "detection" {
  function_name    = "\${var.name}-detection"
  description      = "hyperpod-cmk rule engine: Config rule and CloudTrail event handler"
  runtime          = ${hclString(LAMBDA_RUNTIME)}
  architectures    = ["arm64"]
  handler          = "index.handler"
  filename         = data.archive_file.lambda.output_path
  source_code_hash = data.archive_file.lambda.output_base64sha256
  role             = aws_iam_role.detection.arn
  timeout          = 300
  memory_size      = 1024

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.detection.name
  }

  dead_letter_config {
    target_arn = aws_sns_topic.alerts.arn
  }

  environment {
    variables = {
      HYPERPOD_CMK_CONFIG      = ${hclString(env.HYPERPOD_CMK_CONFIG!)}
      HYPERPOD_CMK_KEY_TAGS    = ${hclString(env.HYPERPOD_CMK_KEY_TAGS!)}
      ALERT_TOPIC_ARN          = aws_sns_topic.alerts.arn
      COMPLIANCE_RESOURCE_TYPE = var.compliance_resource_type
    }
  }

  depends_on = [aws_iam_role_policy.detection]
}

resource "aws_lambda_permission" "config" {
  statement_id   = "AllowConfig"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.detection.function_name
  principal      = "config.amazonaws.com"
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_config_config_rule" "clusters" {
  name                        = "\${var.name}-hyperpod-clusters"
  description                 = "HyperPod clusters keep every EBS volume under a customer managed key that is enabled, rotated, least-privilege and separately administered (hyperpod-cmk rule engine)."
  maximum_execution_frequency = var.evaluation_frequency
  input_parameters            = jsonencode({ complianceResourceType = var.compliance_resource_type })

  source {
    owner             = "CUSTOM_LAMBDA"
    source_identifier = aws_lambda_function.detection.arn
    source_detail {
      event_source                = "aws.config"
      message_type                = "ScheduledNotification"
      maximum_execution_frequency = var.evaluation_frequency
    }
  }

  depends_on = [aws_lambda_permission.config]
}

resource "aws_cloudwatch_event_rule" "cluster_change" {
  name          = "\${var.name}-cluster-change"
  description   = "HyperPod CreateCluster/UpdateCluster: evaluate the cluster at once"
  event_pattern = jsonencode(${hclValue(clusterEventPattern, '  ')})
}

resource "aws_cloudwatch_event_target" "cluster_change" {
  rule = aws_cloudwatch_event_rule.cluster_change.name
  arn  = aws_lambda_function.detection.arn
  retry_policy {
    maximum_retry_attempts       = 4
    maximum_event_age_in_seconds = 3600
  }
}

resource "aws_lambda_permission" "cluster_change" {
  statement_id  = "AllowClusterChangeRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.detection.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.cluster_change.arn
}

resource "aws_cloudwatch_event_rule" "key_change" {
  name          = "\${var.name}-key-change"
  description   = "KMS ScheduleKeyDeletion/DisableKey/PutKeyPolicy: alert when the key is a HyperPod key"
  event_pattern = jsonencode(${hclValue(keyEventPattern, '  ')})
}

resource "aws_cloudwatch_event_target" "key_change" {
  rule = aws_cloudwatch_event_rule.key_change.name
  arn  = aws_lambda_function.detection.arn
  retry_policy {
    maximum_retry_attempts       = 4
    maximum_event_age_in_seconds = 3600
  }
}

resource "aws_lambda_permission" "key_change" {
  statement_id  = "AllowKeyChangeRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.detection.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.key_change.arn
}
`;
  const outputs = `output "alert_topic_arn" {
  description = "SNS topic for alerts"
  value       = aws_sns_topic.alerts.arn
}

output "function_arn" {
  description = "The detection Lambda"
  value       = aws_lambda_function.detection.arn
}

output "config_rule_name" {
  description = "The AWS Config rule"
  value       = aws_config_config_rule.clusters.name
}
`;
  return { 'main.tf': main, 'variables.tf': variables, 'outputs.tf': outputs };
}
