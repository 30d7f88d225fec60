/**
 * The requests HyperPod makes with an instance group's execution role, as request contexts for
 * the policy evaluator. HyperPod calls kms:CreateGrant (for EBS, through SageMaker, for an AWS
 * resource) and kms:DescribeKey, and sends no encryption context.
 */
import { type RequestContext, requestContext, withResourceTags } from './conditions.js';

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

/**
 * The grant operations HyperPod surely asks for: whatever else it needs, an encrypted EBS volume
 * cannot be attached without Decrypt. The exact list is UNCONFIRMED (shared/aws-facts.md §6.3),
 * so `kms:GrantOperations` is known only within bounds: at least these, at most the list above.
 * A policy that allows fewer than the list but keeps Decrypt is then undetermined, not a failure.
 */
export const HYPERPOD_CERTAIN_GRANT_OPERATIONS = ['Decrypt'] as const;

export interface HyperPodCaller {
  /** The execution role: an ARN, or (IaC) a reference to a role in the same source. */
  roleArn: string;
  /** The role's account: an id, `${AWS::AccountId}` (IaC), or "unknown" when the source does not say. */
  account: string;
  /** The cluster's region: a name, `${AWS::Region}` (IaC), or "unknown" when the source does not say. */
  region: string;
  /** The key's tags, when known, for `aws:ResourceTag/*` conditions. */
  resourceTags?: Readonly<Record<string, string>> | undefined;
}

const known = (value: string) => value !== '' && value !== 'unknown';

/**
 * What the request context of a HyperPod call surely holds. A value the source does not know
 * ("unknown", or a role named by a reference rather than an ARN) is left out, so conditions on
 * it are undetermined; IaC placeholders such as `${AWS::Region}` stay, and compare as such.
 * `aws:CalledVia` is left out too: it is set only for a few calling services, and whether
 * SageMaker is one of them is not documented.
 */
function callerKeys({ roleArn, account, region }: Omit<HyperPodCaller, 'resourceTags'>) {
  const keys: Record<string, string | boolean> = {
    'aws:PrincipalType': 'AssumedRole',
    'aws:PrincipalIsAWSService': false,
    'aws:ViaAWSService': true,
    // KMS endpoints accept only TLS, so every KMS request is a secure transport.
    'aws:SecureTransport': true,
  };
  if (known(region)) {
    keys['kms:ViaService'] = `sagemaker.${region}.amazonaws.com`;
    // Keys are Regional: HyperPod calls KMS in the cluster's Region, where its keys are (a region
    // guard in an SCP or key policy reads this).
    keys['aws:RequestedRegion'] = region;
  }
  if (known(account)) {
    keys['kms:CallerAccount'] = account;
    keys['aws:PrincipalAccount'] = account;
  }
  if (roleArn.startsWith('arn:')) keys['aws:PrincipalArn'] = roleArn;
  return keys;
}

const NO_ENCRYPTION_CONTEXT = ['kms:EncryptionContext:*', 'kms:EncryptionContextKeys'];
/** Keys KMS sets only on grant operations, so absent from DescribeKey. */
const GRANT_KEYS = [
  'kms:GrantIsForAWSResource',
  'kms:GrantOperations',
  'kms:GranteePrincipal',
  'kms:RetiringPrincipal',
  'kms:GrantConstraintType',
];

/**
 * The part of a context that depends on the caller is immutable and shared by every key the
 * caller uses: built once per role and region. The key's tags, which differ per key, ride on top
 * (`withResourceTags`): a tag the key carries is present, any other `aws:ResourceTag/*` absent.
 */
const contexts = new Map<string, RequestContext>();
function memo(kind: string, caller: HyperPodCaller, build: () => RequestContext): RequestContext {
  const cacheKey = `${kind}|${caller.roleArn}|${caller.account}|${caller.region}`;
  let context = contexts.get(cacheKey);
  if (!context) {
    if (contexts.size > 50_000) contexts.clear();
    context = build();
    contexts.set(cacheKey, context);
  }
  return caller.resourceTags ? withResourceTags(context, caller.resourceTags) : context;
}

/**
 * Keys of the CreateGrant request HyperPod makes that AWS does not document: whether the grant
 * carries a constraint (`kms:GrantConstraintType`: EBS grants carry an `aws:ebs:id`
 * encryption-context constraint, shared/aws-facts.md §6.3), who is the grantee or the retiring
 * principal. They stay unknown, so a policy that conditions on them is undetermined, not failed.
 */
export const HYPERPOD_UNDOCUMENTED_GRANT_KEYS = [
  'kms:GrantConstraintType',
  'kms:GranteePrincipal',
  'kms:RetiringPrincipal',
  'kms:GrantOperations',
] as const;

export function hyperPodCreateGrantContext(caller: HyperPodCaller): RequestContext {
  return memo('CreateGrant', caller, () =>
    requestContext({ ...callerKeys(caller), 'kms:GrantIsForAWSResource': true }, [...NO_ENCRYPTION_CONTEXT], {
      'kms:GrantOperations': {
        certain: [...HYPERPOD_CERTAIN_GRANT_OPERATIONS],
        possible: [...HYPERPOD_GRANT_OPERATIONS],
      },
    }),
  );
}

export function hyperPodDescribeKeyContext(caller: HyperPodCaller): RequestContext {
  return memo('DescribeKey', caller, () =>
    requestContext(callerKeys(caller), [...NO_ENCRYPTION_CONTEXT, ...GRANT_KEYS]),
  );
}

/** The calls HyperPod makes on an instance group's key with its execution role, with their request contexts. */
export const HYPERPOD_KEY_CALLS = [
  { action: 'kms:CreateGrant', context: hyperPodCreateGrantContext },
  { action: 'kms:DescribeKey', context: hyperPodDescribeKeyContext },
] as const;
