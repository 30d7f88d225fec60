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
import type { Config, ResolvedConfig } from '../config/schema.js';
import { cloudFormationYaml } from './cloudformation-yaml.js';
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

/** The Config rule's parameters every detection template takes: how often it runs, and what it reports on. */
export function configRuleParameters(complianceDescription: string): Record<string, Record<string, unknown>> {
  return {
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
      Description: complianceDescription,
    },
  };
}

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

/**
 * Which form of the detection stack: `account`, deployed by hand per account and Region, or
 * `organization`, the member template a service-managed StackSet deploys to every account and
 * Region (organization.ts). The organization form reads its code from the per-Region bucket
 * `${CodeS3BucketPrefix}-${AWS::Region}`, gives its resources names that do not depend on the
 * stack name (StackSets name stacks `StackSet-<name>-<uuid>`), and can leave the Config rule to an
 * organization Config rule (RuleScope=Organization): the function in the delegated administrator
 * account then evaluates every account through an evaluation role each member stack creates.
 */
export type DetectionForm = 'account' | 'organization';

export const HISTORY_SECRET_ENV = 'HYPERPOD_CMK_DB_SECRET_ARN';
export const EVALUATION_ROLE_ENV = 'EVALUATION_ROLE_NAME';

/** AllowedPatterns of the detection stacks' parameters (tests assert them; organization.ts shares them). */
export const PARAMETER_PATTERNS = {
  bucket: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
  /** A prefix that leaves room for `-<region>` within S3's 63 characters. */
  bucketPrefix: '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$',
  s3Key: "^[A-Za-z0-9!_.*'()/-]{1,1024}$",
  namePrefix: '^[A-Za-z][A-Za-z0-9-]{0,23}$',
  account: '^\\d{12}$',
  organization: '^o-[a-z0-9]{10,32}$',
  organizationalUnit: '^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$',
  region: '^[a-z]{2}(-[a-z]+)+-\\d{1,2}$',
  email: '^$|^[^@\\s]+@[^@\\s]+$',
  optionalSecretArn: '^$|^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$',
  optionalSubnet: '^$|^subnet-[0-9a-f]{8,17}$',
  optionalSecurityGroup: '^$|^sg-[0-9a-f]{8,17}$',
} as const;

/** The read-only statements both the function role and the organization evaluation role carry. */
function collectStatements() {
  return [
    { Sid: 'ReadClusters', Effect: 'Allow', Action: COLLECT_ACTIONS.sagemaker, Resource: '*' },
    {
      Sid: 'ReadKeys',
      Effect: 'Allow',
      Action: COLLECT_ACTIONS.kms,
      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:*:*:key/*' },
    },
    { Sid: 'ListAliases', Effect: 'Allow', Action: 'kms:ListAliases', Resource: '*' },
    { Sid: 'ReadOrganization', Effect: 'Allow', Action: 'organizations:DescribeOrganization', Resource: '*' },
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
    { Sid: 'ReportEvaluations', Effect: 'Allow', Action: COLLECT_ACTIONS.config, Resource: '*' },
  ];
}

const noValue = { Ref: 'AWS::NoValue' };
const notEmpty = (ref: object) => ({ 'Fn::Not': [{ 'Fn::Equals': [ref, ''] }] });

/** The names the organization form gives its resources (the same in every account; roles per Region, IAM being global). */
export const ORG_NAMES = {
  function: '${NamePrefix}-detection',
  functionRole: '${NamePrefix}-detection-${AWS::Region}',
  evaluationRole: '${NamePrefix}-evaluation-${AWS::Region}',
  configRule: '${NamePrefix}-hyperpod-clusters',
} as const;

/**
 * The optional PostgreSQL history: parameters, conditions and a rule that subnets and security
 * groups come together. The Lambda reads the connection from the secret at run time and records
 * its evaluations there (src/lambda/history.ts).
 */
const historyParameters = {
  HistoryDatabaseSecretArn: {
    Type: 'String',
    Default: '',
    Description:
      'Optional: Secrets Manager secret holding the PostgreSQL connection URL of a shared history; the Lambda may read this secret only',
    AllowedPattern: PARAMETER_PATTERNS.optionalSecretArn,
    ConstraintDescription:
      'empty, or a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
  },
  SubnetIds: {
    Type: 'CommaDelimitedList',
    Default: '',
    Description: 'Optional: subnets for the Lambda (to reach the database); give SecurityGroupIds with them',
    AllowedPattern: PARAMETER_PATTERNS.optionalSubnet,
    ConstraintDescription: 'empty, or subnet ids (subnet-0123456789abcdef0), comma-separated',
  },
  SecurityGroupIds: {
    Type: 'CommaDelimitedList',
    Default: '',
    Description: 'Optional: security groups for the Lambda in SubnetIds',
    AllowedPattern: PARAMETER_PATTERNS.optionalSecurityGroup,
    ConstraintDescription: 'empty, or security group ids (sg-0123456789abcdef0), comma-separated',
  },
};
const historyConditions = {
  HasHistory: notEmpty({ Ref: 'HistoryDatabaseSecretArn' }),
  HasVpc: notEmpty({ 'Fn::Join': ['', { Ref: 'SubnetIds' }] }),
};
// Rules take their own functions (no Fn::Join): an empty CommaDelimitedList is [""].
const noSubnets = { 'Fn::EachMemberEquals': [{ Ref: 'SubnetIds' }, ''] };
const noSecurityGroups = { 'Fn::EachMemberEquals': [{ Ref: 'SecurityGroupIds' }, ''] };
const historyRules = {
  SubnetsAndSecurityGroupsTogether: {
    Assertions: [
      {
        Assert: {
          'Fn::Or': [
            { 'Fn::And': [noSubnets, noSecurityGroups] },
            { 'Fn::And': [{ 'Fn::Not': [noSubnets] }, { 'Fn::Not': [noSecurityGroups] }] },
          ],
        },
        AssertDescription: 'SubnetIds and SecurityGroupIds are given together, or neither',
      },
    ],
  },
};

export function detectionTemplate(options: DetectionOptions, form: DetectionForm = 'account') {
  const env = lambdaEnvironment(options);
  const org = form === 'organization';
  const sub = (text: string) => ({ 'Fn::Sub': text });
  const names = org
    ? {
        function: sub(ORG_NAMES.function),
        // Unnamed: the log group is retained when an account leaves the OU, and a fixed name would
        // make the stack fail when the account comes back.
        logGroup: undefined,
        configRule: sub(ORG_NAMES.configRule),
      }
    : {
        function: sub('${AWS::StackName}-detection'),
        logGroup: sub('/aws/lambda/${AWS::StackName}-detection'),
        configRule: sub('${AWS::StackName}-hyperpod-clusters'),
      };
  const codeParameters = org
    ? {
        CodeS3BucketPrefix: {
          Type: 'String',
          Description:
            'Prefix of the per-Region code buckets: the Lambda zip is read from <prefix>-<region> (see README)',
          AllowedPattern: PARAMETER_PATTERNS.bucketPrefix,
        },
      }
    : {
        CodeS3Bucket: {
          Type: 'String',
          Description: 'S3 bucket holding the Lambda zip (see README: zip detection/lambda and upload it)',
          AllowedPattern: PARAMETER_PATTERNS.bucket,
        },
      };
  const orgParameters = org
    ? {
        NamePrefix: {
          Type: 'String',
          Default: 'hyperpod-cmk',
          Description:
            'Prefix of the resource names, the same in every account (the organization rule finds the function by it)',
          AllowedPattern: PARAMETER_PATTERNS.namePrefix,
        },
        RuleScope: {
          Type: 'String',
          Default: 'Account',
          AllowedValues: ['Account', 'Organization'],
          Description:
            'Account: each stack has its own AWS Config rule. Organization: an organization Config rule in the ' +
            'administrator account calls the function there, which evaluates each account through its evaluation role',
        },
        AdministratorAccountId: {
          Type: 'String',
          Description:
            'The delegated administrator account (the organization rule and its function live there)',
          AllowedPattern: PARAMETER_PATTERNS.account,
        },
        OrganizationId: {
          Type: 'String',
          Description:
            'The organization id (o-...): the function may assume evaluation roles in its accounts only',
          AllowedPattern: PARAMETER_PATTERNS.organization,
        },
      }
    : {};
  const orgConditions = org
    ? {
        AccountRule: { 'Fn::Equals': [{ Ref: 'RuleScope' }, 'Account'] },
        OrganizationRule: { 'Fn::Equals': [{ Ref: 'RuleScope' }, 'Organization'] },
        CentralFunction: {
          'Fn::And': [
            { Condition: 'OrganizationRule' },
            { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, { Ref: 'AdministratorAccountId' }] },
          ],
        },
      }
    : {};
  const accountRule = org ? { Condition: 'AccountRule' } : {};

  const functionPolicy = [
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': ['FunctionLogGroup', 'Arn'] },
    },
    ...collectStatements(),
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
        noValue,
      ],
    },
    {
      'Fn::If': [
        'HasHistory',
        {
          Sid: 'ReadHistorySecret',
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: { Ref: 'HistoryDatabaseSecretArn' },
        },
        noValue,
      ],
    },
    ...(org
      ? [
          {
            'Fn::If': [
              'CentralFunction',
              {
                Sid: 'EvaluateOrganizationAccounts',
                Effect: 'Allow',
                Action: 'sts:AssumeRole',
                Resource: sub(`arn:\${AWS::Partition}:iam::*:role/${ORG_NAMES.evaluationRole}`),
                Condition: { StringEquals: { 'aws:ResourceOrgID': { Ref: 'OrganizationId' } } },
              },
              noValue,
            ],
          },
        ]
      : []),
  ];

  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: org
      ? 'hyperpod-cmk detection, organization member (deployed by the hyperpod-cmk StackSet): a periodic AWS Config ' +
        'custom rule running the hyperpod-cmk rule engine, EventBridge rules on cluster and key changes, SNS alerts.'
      : 'hyperpod-cmk detection: a periodic AWS Config custom rule that runs the hyperpod-cmk rule engine over ' +
        'every HyperPod cluster, EventBridge rules on cluster and key changes, and an SNS alert topic.',
    Parameters: {
      ...codeParameters,
      CodeS3Key: {
        Type: 'String',
        Default: 'hyperpod-cmk/detection-lambda.zip',
        Description: 'S3 key of the Lambda zip',
        AllowedPattern: PARAMETER_PATTERNS.s3Key,
      },
      ...orgParameters,
      ...configRuleParameters(
        'Report one evaluation per cluster (AWS::SageMaker::Cluster), or one for the account. The Lambda falls back ' +
          'to the account by itself if Config refuses the cluster type.',
      ),
      AlertEmail: {
        Type: 'String',
        Default: '',
        Description: 'Optional e-mail address subscribed to the alert topic',
        AllowedPattern: PARAMETER_PATTERNS.email,
      },
      TopicKmsKeyArn: {
        Type: 'String',
        Default: '',
        Description:
          'Optional customer managed key for the alert topic; its policy must let this Lambda role use it (not alias/aws/sns)',
      },
      ...historyParameters,
    },
    Rules: historyRules,
    Conditions: {
      HasAlertEmail: notEmpty({ Ref: 'AlertEmail' }),
      HasTopicKey: notEmpty({ Ref: 'TopicKmsKeyArn' }),
      ...historyConditions,
      ...orgConditions,
    },
    Resources: {
      AlertTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          DisplayName: 'hyperpod-cmk alerts',
          KmsMasterKeyId: { 'Fn::If': ['HasTopicKey', { Ref: 'TopicKmsKeyArn' }, noValue] },
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
        Properties: { ...(names.logGroup ? { LogGroupName: names.logGroup } : {}), RetentionInDays: 365 },
      },
      FunctionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          ...(org ? { RoleName: sub(ORG_NAMES.functionRole) } : {}),
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
          // ENIs in the VPC (only when SubnetIds are given): the AWS managed policy made for it.
          ManagedPolicyArns: {
            'Fn::If': [
              'HasVpc',
              [sub('arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole')],
              noValue,
            ],
          },
          Policies: [
            { PolicyName: 'detection', PolicyDocument: { Version: '2012-10-17', Statement: functionPolicy } },
          ],
        },
      },
      ...(org
        ? {
            EvaluationRole: {
              Type: 'AWS::IAM::Role',
              Condition: 'OrganizationRule',
              Properties: {
                RoleName: sub(ORG_NAMES.evaluationRole),
                Description:
                  'hyperpod-cmk organization Config rule: the detection function of the administrator account evaluates this account with it',
                AssumeRolePolicyDocument: {
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Effect: 'Allow',
                      Principal: { AWS: sub('arn:${AWS::Partition}:iam::${AdministratorAccountId}:root') },
                      Action: 'sts:AssumeRole',
                      Condition: {
                        ArnEquals: {
                          'aws:PrincipalArn': sub(
                            `arn:\${AWS::Partition}:iam::\${AdministratorAccountId}:role/${ORG_NAMES.functionRole}`,
                          ),
                        },
                      },
                    },
                  ],
                },
                Policies: [
                  {
                    PolicyName: 'evaluate',
                    PolicyDocument: { Version: '2012-10-17', Statement: collectStatements() },
                  },
                ],
              },
            },
          }
        : {}),
      Function: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: names.function,
          Description: 'hyperpod-cmk rule engine: Config rule and CloudTrail event handler',
          Runtime: LAMBDA_RUNTIME,
          Architectures: ['arm64'],
          Handler: 'index.handler',
          Code: {
            S3Bucket: org ? sub('${CodeS3BucketPrefix}-${AWS::Region}') : { Ref: 'CodeS3Bucket' },
            S3Key: { Ref: 'CodeS3Key' },
          },
          Role: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] },
          Timeout: 300,
          MemorySize: 1024,
          LoggingConfig: { LogGroup: { Ref: 'FunctionLogGroup' }, LogFormat: 'Text' },
          DeadLetterConfig: { TargetArn: { Ref: 'AlertTopic' } },
          VpcConfig: {
            'Fn::If': [
              'HasVpc',
              { SubnetIds: { Ref: 'SubnetIds' }, SecurityGroupIds: { Ref: 'SecurityGroupIds' } },
              noValue,
            ],
          },
          Environment: {
            Variables: {
              ...env,
              ALERT_TOPIC_ARN: { Ref: 'AlertTopic' },
              COMPLIANCE_RESOURCE_TYPE: { Ref: 'ComplianceResourceType' },
              NODE_OPTIONS: '--enable-source-maps',
              [HISTORY_SECRET_ENV]: {
                'Fn::If': ['HasHistory', { Ref: 'HistoryDatabaseSecretArn' }, noValue],
              },
              ...(org
                ? {
                    [EVALUATION_ROLE_ENV]: {
                      'Fn::If': ['CentralFunction', sub(ORG_NAMES.evaluationRole), noValue],
                    },
                  }
                : {}),
            },
          },
        },
      },
      ConfigInvokePermission: {
        Type: 'AWS::Lambda::Permission',
        ...accountRule,
        Properties: {
          FunctionName: { 'Fn::GetAtt': ['Function', 'Arn'] },
          Action: 'lambda:InvokeFunction',
          Principal: 'config.amazonaws.com',
          SourceAccount: { Ref: 'AWS::AccountId' },
        },
      },
      ...(org
        ? {
            // The organization rule's copies in member accounts invoke this function, so no
            // SourceAccount; what it may then do in an account is bounded by aws:ResourceOrgID above.
            OrganizationRuleInvokePermission: {
              Type: 'AWS::Lambda::Permission',
              Condition: 'CentralFunction',
              Properties: {
                FunctionName: { 'Fn::GetAtt': ['Function', 'Arn'] },
                Action: 'lambda:InvokeFunction',
                Principal: 'config.amazonaws.com',
              },
            },
          }
        : {}),
      ConfigRule: {
        Type: 'AWS::Config::ConfigRule',
        ...accountRule,
        DependsOn: 'ConfigInvokePermission',
        Properties: {
          ConfigRuleName: names.configRule,
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
      ConfigRuleName: {
        ...accountRule,
        Description: 'The AWS Config rule',
        Value: { Ref: 'ConfigRule' },
      },
    },
  };
  return template;
}

export const yamlText = (template: object, header: string): string =>
  `${header}\n${cloudFormationYaml(template)}`;

export function detectionCloudFormation(options: DetectionOptions, form: DetectionForm = 'account'): string {
  return yamlText(
    detectionTemplate(options, form),
    form === 'organization'
      ? '# Generated by hyperpod-cmk guardrails: the StackSet member template (embedded in stackset.yaml). See README.md.'
      : '# Generated by hyperpod-cmk guardrails. See README.md in this directory.',
  );
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

variable "history_database_secret_arn" {
  description = "Optional Secrets Manager secret holding the PostgreSQL connection URL of a shared history; the Lambda may read this secret only"
  type        = string
  default     = ""
  validation {
    condition     = can(regex(${hclString(PARAMETER_PATTERNS.optionalSecretArn)}, var.history_database_secret_arn))
    error_message = "Empty, or a Secrets Manager secret ARN."
  }
}

variable "subnet_ids" {
  description = "Optional subnets for the Lambda (to reach the database); give security_group_ids with them"
  type        = list(string)
  default     = []
}

variable "security_group_ids" {
  description = "Optional security groups for the Lambda in subnet_ids"
  type        = list(string)
  default     = []
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

resource "aws_iam_role_policy" "history_secret" {
  count = var.history_database_secret_arn == "" ? 0 : 1
  name  = "read-history-secret"
  role  = aws_iam_role.detection.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = var.history_database_secret_arn }]
  })
}

resource "aws_iam_role_policy_attachment" "vpc" {
  count      = length(var.subnet_ids) == 0 ? 0 : 1
  role       = aws_iam_role.detection.name
  policy_arn = "arn:\${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
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

  dynamic "vpc_config" {
    for_each = length(var.subnet_ids) == 0 ? [] : [1]
    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = var.security_group_ids
    }
  }

  environment {
    # An empty HYPERPOD_CMK_DB_SECRET_ARN means no history, as the handler reads it.
    variables = {
      HYPERPOD_CMK_CONFIG        = ${hclString(env.HYPERPOD_CMK_CONFIG!)}
      HYPERPOD_CMK_KEY_TAGS      = ${hclString(env.HYPERPOD_CMK_KEY_TAGS!)}
      ALERT_TOPIC_ARN            = aws_sns_topic.alerts.arn
      COMPLIANCE_RESOURCE_TYPE   = var.compliance_resource_type
      ${HISTORY_SECRET_ENV} = var.history_database_secret_arn
    }
  }

  lifecycle {
    precondition {
      condition     = (length(var.subnet_ids) == 0) == (length(var.security_group_ids) == 0)
      error_message = "subnet_ids and security_group_ids are given together, or neither."
    }
  }

  depends_on = [aws_iam_role_policy.detection, aws_iam_role_policy_attachment.vpc]
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
