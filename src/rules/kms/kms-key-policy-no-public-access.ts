import { organizationOf } from '../../policy/organization.js';
import { PUBLIC_ACCESS_DEFINITION, publicAccess } from '../../policy/public-access.js';
import { defineRule } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES, withKeyPolicy } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource } from '../resources.js';
import { statementLabel } from '../text.js';

/** The evidence of every policy with no wildcard grant at all, shared by their findings. */
const NOTHING_PUBLIC: Record<string, unknown> = Object.freeze({
  definition: PUBLIC_ACCESS_DEFINITION.name,
  statements: Object.freeze([]),
  restricted: Object.freeze([]),
  ignored: Object.freeze([]),
});

export default defineRule({
  meta: {
    id: 'kms-key-policy-no-public-access',
    title: 'Key policies grant access only to fixed principals or fixed condition values (not public)',
    severity: 'critical',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan'],
    rationale:
      "The rule applies AWS's own definition, that of the AWS Config managed rule of the same name (Security Hub " +
      'KMS.5): a key policy is non-public when it grants access only to fixed values, values with no wildcard ' +
      'and no policy variable. A statement with Principal "*", a principal pattern or NotPrincipal is public ' +
      'unless one of its conditions requires one of the fixed-value keys AWS lists (aws:SourceIp ranges, ' +
      'aws:SourceArn, aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount, aws:PrincipalAccount, ' +
      'aws:PrincipalOrgID, aws:PrincipalArn, aws:userid, kms:CallerAccount; also aws:PrincipalOrgPaths, ' +
      'aws:SourceOrgID, aws:SourceOrgPaths, aws:PrincipalServiceName) to equal fixed values, with an operator ' +
      'that fails when the key is missing (not ...IfExists, ForAllValues, Null or a negated operator). ' +
      '`StringEquals` compares literally, so a "*" among its values is a fixed value; `StringLike` and ' +
      '`ArnLike` read it as a wildcard, and any wildcard value (`o-*`, `arn:aws:iam::111122223333:role/*`, ' +
      '`AROA...:*`) is public, as AWS Config counts it. A statement that can never apply to a KMS request on ' +
      "the key grants nothing: a condition on another service's key (`s3:x-amz-acl`, `ec2:...`) without " +
      'IfExists, aws:ResourceAccount naming another account (or aws:ResourceOrgID another organization, where the ' +
      "scan read the key account's organization or the config names it), no KMS action, a Resource that is not the key, " +
      'or no Resource at all (KMS gives a key policy statement without one no effect). ' +
      'A Deny with NotPrincipal (everyone but the principals named), or a Deny to "*" whose every condition ' +
      'is a negated test of a fixed-value key, closes what it covers. A grant restricted only by aws:SourceIp, ' +
      'aws:SourceVpc or aws:SourceVpce is not public by this definition and passes, but the message says so: ' +
      'it names a network, not a caller, and any principal on that network is let in. Otherwise a public ' +
      'key lets any AWS account use or manage it, and with it the training data and model weights on every ' +
      'volume it protects.',
    remediation: {
      summary:
        'Replace the wildcard principal with the execution roles and admins that need the key, or add a condition ' +
        'that requires a fixed value of a caller key (aws:PrincipalOrgID, aws:PrincipalAccount, kms:CallerAccount) ' +
        'with StringEquals, not a wildcard, a policy variable or an ...IfExists operator.',
      cli: "aws kms put-key-policy --key-id '<key-arn>' --policy-name default --policy file://key-policy.json",
    },
    references: [
      ...PUBLIC_ACCESS_DEFINITION.references,
      'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html',
      'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html',
      'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html',
      'https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html',
    ],
    frameworks: {
      'NIST-800-53': ['AC-3', 'AC-6', 'SC-12'],
      SOC2: ['CC6.1', 'CC6.3'],
      'PCI-DSS-4.0.1': ['3.6.1', '7.2.1'],
    },
    messages: {
      ...KEY_COMMON_MESSAGES,
      restricted:
        "the policy of {{key}} grants access only to fixed principals or fixed condition values (not public by AWS Config's definition)",
      networkOnly:
        "the policy of {{key}} is not public by AWS Config's definition, but {{statements}} restrict only the network ({{keys}}): any principal reaching the key from there is let in",
      public:
        "the policy of {{key}} grants {{statements}} to any principal with no condition on fixed values (public by AWS Config's definition)",
    },
  },
  *check(context) {
    yield* eachKey(context, (key) =>
      withKeyPolicy(context, key, (policy) => {
        const resource = keyResource(key);
        const analysis = publicAccess(policy, {
          keyArn: key.arn,
          keyAccount: key.account,
          keyOrganizationId: organizationOf(
            context.inventory.accounts,
            key.account,
            context.config.organizationId,
          ),
        });
        const evidence =
          analysis.public.length === 0 && analysis.restricted.length === 0 && analysis.ignored.length === 0
            ? NOTHING_PUBLIC
            : {
                definition: analysis.definition.name,
                statements: analysis.public,
                restricted: analysis.restricted,
                ignored: analysis.ignored,
              };
        if (analysis.public.length > 0)
          return {
            resource,
            status: 'FAIL',
            messageId: 'public',
            data: {
              key: keyLabel(key),
              statements: analysis.public
                .map((entry) => `${statementLabel(entry)} (${entry.reason})`)
                .join(', '),
            },
            evidence,
          };
        const network = analysis.restricted.filter((entry) => entry.restriction === 'network');
        if (network.length > 0)
          return {
            resource,
            status: 'PASS',
            messageId: 'networkOnly',
            data: {
              key: keyLabel(key),
              statements: network.map(statementLabel).join(', '),
              keys: [...new Set(network.flatMap((entry) => entry.by))].join(', '),
            },
            evidence,
          };
        return { resource, status: 'PASS', messageId: 'restricted', data: { key: keyLabel(key) }, evidence };
      }),
    );
  },
});
