/**
 * The requests HyperPod makes with an instance group's execution role, as request contexts for
 * the policy evaluator. HyperPod calls kms:CreateGrant (for EBS, through SageMaker, for an AWS
 * resource) and kms:DescribeKey, and sends no encryption context.
 */
import { type RequestContext, requestContext } from './conditions.js';

/**
 * The operations HyperPod asks for in its grants. AWS does not document them; this is the list
 * public HyperPod examples allow through `kms:GrantOperations` (shared/aws-facts.md §2), so a
 * policy that permits exactly these is judged as permitting HyperPod.
 */
export const HYPERPOD_GRANT_OPERATIONS = [
  'CreateGrant',
  'Decrypt',
  'DescribeKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptTo',
  'ReEncryptFrom',
  'RetireGrant',
] as const;

export interface HyperPodCaller {
  roleArn: string;
  account: string;
  region: string;
}

const callerKeys = ({ roleArn, account, region }: HyperPodCaller) => ({
  'kms:ViaService': `sagemaker.${region}.amazonaws.com`,
  'kms:CallerAccount': account,
  'aws:PrincipalArn': roleArn,
  'aws:PrincipalAccount': account,
  'aws:PrincipalType': 'AssumedRole',
  'aws:PrincipalIsAWSService': false,
  'aws:ViaAWSService': true,
  'aws:CalledVia': ['sagemaker.amazonaws.com'],
});

const NO_ENCRYPTION_CONTEXT = ['kms:EncryptionContext:*', 'kms:EncryptionContextKeys'];

export function hyperPodCreateGrantContext(caller: HyperPodCaller): RequestContext {
  return requestContext(
    {
      ...callerKeys(caller),
      'kms:GrantIsForAWSResource': true,
      'kms:GrantOperations': [...HYPERPOD_GRANT_OPERATIONS],
    },
    [...NO_ENCRYPTION_CONTEXT, 'kms:GrantConstraintType'],
  );
}

export function hyperPodDescribeKeyContext(caller: HyperPodCaller): RequestContext {
  return requestContext(callerKeys(caller), NO_ENCRYPTION_CONTEXT);
}
