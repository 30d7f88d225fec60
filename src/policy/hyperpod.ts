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

/** Contexts are immutable and few (one per role and region): build each once. */
const contexts = new Map<string, RequestContext>();
function memo(kind: string, caller: HyperPodCaller, build: () => RequestContext): RequestContext {
  const cacheKey = `${kind}|${caller.roleArn}|${caller.account}|${caller.region}`;
  let context = contexts.get(cacheKey);
  if (!context) {
    if (contexts.size > 50_000) contexts.clear();
    context = build();
    contexts.set(cacheKey, context);
  }
  return context;
}

export function hyperPodCreateGrantContext(caller: HyperPodCaller): RequestContext {
  return memo('CreateGrant', caller, () => createGrantContext(caller));
}

export function hyperPodDescribeKeyContext(caller: HyperPodCaller): RequestContext {
  return memo('DescribeKey', caller, () => requestContext(callerKeys(caller), NO_ENCRYPTION_CONTEXT));
}

function createGrantContext(caller: HyperPodCaller): RequestContext {
  return requestContext(
    {
      ...callerKeys(caller),
      'kms:GrantIsForAWSResource': true,
      'kms:GrantOperations': [...HYPERPOD_GRANT_OPERATIONS],
    },
    [...NO_ENCRYPTION_CONTEXT, 'kms:GrantConstraintType'],
  );
}
