/**
 * AWS managed policies that HyperPod execution roles are commonly given, with the statements of
 * each that concern KMS (most have none). IaC attaches them by ARN and never defines them, so
 * without this a role that carries, say, AmazonSageMakerClusterInstanceRolePolicy beside its own
 * KMS statement could not be judged from the files at all. A policy not listed here is unread
 * (the role's permissions stay UNKNOWN where they matter); a live scan reads every policy itself.
 *
 * AWS adds permissions to its managed policies and never removes them ("Services do not remove
 * permissions from an AWS managed policy", IAM User Guide, AWS managed policies). Each entry names
 * the version it was read from: the AWS Managed Policy Reference
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/<name>.html), or for a policy whose
 * page shows no full document, AWS's policy data as GetPolicyVersion returns it. A policy that gained
 * a KMS permission after that would need its entry updated; docs/iac-scanning.md lists them (a test
 * keeps the two alike).
 */
import type { PolicyStatement } from '../model/inventory.js';

interface ManagedPolicy {
  /** The policy version read, and its date. */
  readonly version: string;
  /** Its statements that can allow or deny a KMS action, as AWS writes them. */
  readonly kmsStatements: readonly PolicyStatement[];
}

const NO_KMS: readonly PolicyStatement[] = Object.freeze([]);

/**
 * By path and name, as in `arn:aws:iam::aws:policy/<path and name>`. A statement that names KMS
 * actions among others keeps only those (its Sid, effect, resources and conditions as written):
 * what it allows of KMS is the same. None of these policies has a Deny.
 */
const CATALOGUE: ReadonlyMap<string, ManagedPolicy> = new Map<string, ManagedPolicy>([
  // logs, cloudwatch, s3 (sagemaker-* buckets of the account), ssmmessages.
  ['AmazonSageMakerClusterInstanceRolePolicy', { version: 'v1, 2023-11-29', kmsStatements: NO_KMS }],
  // sagemaker:DescribeClusterNode only.
  ['AmazonSageMakerHyperPodTrainingOperatorAccess', { version: 'v3, 2026-02-12', kmsStatements: NO_KMS }],
  // ssm, ssmmessages, ec2messages.
  ['AmazonSSMManagedInstanceCore', { version: 'v2, 2019-05-23', kmsStatements: NO_KMS }],
  // s3:* and s3-object-lambda:*.
  ['AmazonS3FullAccess', { version: 'v2, 2021-09-27', kmsStatements: NO_KMS }],
  // s3 and s3-object-lambda Get*, List*, Describe*.
  ['AmazonS3ReadOnlyAccess', { version: 'v3, 2023-08-10', kmsStatements: NO_KMS }],
  // ds, fsx, iam:CreateServiceLinkedRole, logs, firehose, ec2.
  ['AmazonFSxFullAccess', { version: 'v13, 2026-02-12', kmsStatements: NO_KMS }],
  // ec2 and eks describes, eks-auth:AssumeRoleForPodIdentity.
  ['AmazonEKSWorkerNodePolicy', { version: 'v3, 2023-11-27', kmsStatements: NO_KMS }],
  // ec2 network interfaces.
  ['AmazonEKS_CNI_Policy', { version: 'v5, 2024-03-04', kmsStatements: NO_KMS }],
  // ecr reads.
  ['AmazonEC2ContainerRegistryReadOnly', { version: 'v3, 2019-12-10', kmsStatements: NO_KMS }],
  // cloudwatch, ec2 describes, logs, xray, ssm:GetParameter.
  ['CloudWatchAgentServerPolicy', { version: 'v3, 2024-02-06', kmsStatements: NO_KMS }],
  // logs.
  ['service-role/AWSLambdaBasicExecutionRole', { version: 'v1, 2015-04-09', kmsStatements: NO_KMS }],
  [
    'AmazonSageMakerFullAccess',
    {
      version: 'v26, 2024-03-29',
      kmsStatements: [
        {
          Sid: 'AllowAWSServiceActions',
          Effect: 'Allow',
          Action: ['kms:DescribeKey', 'kms:ListAliases'],
          Resource: '*',
        },
      ],
    },
  ],
  [
    'AmazonEKSClusterPolicy',
    {
      version: 'v10, 2026-02-12',
      kmsStatements: [
        { Sid: 'AmazonEKSClusterPolicy', Effect: 'Allow', Action: ['kms:DescribeKey'], Resource: '*' },
      ],
    },
  ],
  [
    'AdministratorAccess',
    { version: 'v1, 2015-02-06', kmsStatements: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  ],
  [
    'PowerUserAccess',
    {
      version: 'v12, 2026-02-12',
      kmsStatements: [
        { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      ],
    },
  ],
]);

// The partition as the files write it: aws, aws-cn, aws-us-gov, or CloudFormation's placeholder for it.
const AWS_MANAGED_ARN = /^arn:(?:aws[a-z-]*|\$\{AWS::Partition\}):iam::aws:policy\/(.+)$/;

/** The KMS statements of an AWS managed policy named by ARN, when the catalogue knows it. */
export function awsManagedPolicy(
  arn: string,
): { name: string; kmsStatements: PolicyStatement[] } | undefined {
  const name = AWS_MANAGED_ARN.exec(arn)?.[1];
  const known = name === undefined ? undefined : CATALOGUE.get(name);
  if (!known || name === undefined) return undefined;
  return { name, kmsStatements: known.kmsStatements.map((statement) => ({ ...statement })) };
}

/** The names of the catalogue's policies, for the docs. */
export const KNOWN_AWS_MANAGED_POLICIES: readonly string[] = [...CATALOGUE.keys()];
