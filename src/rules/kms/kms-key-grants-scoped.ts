import type { Cluster, Grant } from '../../model/inventory.js';
import type { KeyUse } from '../../model/inventory-index.js';
import { accountOf, roleNameOf, sameIamArn } from '../../policy/principal.js';
import { defineRule } from '../define-rule.js';
import { consumingRoles, eachKey, KEY_COMMON_MESSAGES, keyPartNotCollected, liveOnly } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource } from '../resources.js';
import { countOf } from '../text.js';

const isServicePrincipal = (principal: string) => /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(principal);

/**
 * The session EBS uses for the volumes of an account: `arn:aws:sts::<account>:assumed-role/
 * aws:ec2-infrastructure/<instance id>`. Only AWS can assume `aws:` roles, so a grant to it serves
 * AWS infrastructure; its account is the account whose volumes use the key.
 */
const EC2_INFRASTRUCTURE = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/aws:ec2-infrastructure\/[^/]+$/;

/** What a grant's grantee is, for this rule. */
type GranteeKind =
  | { kind: 'service'; grantee: string }
  | { kind: 'ebs'; grantee: string; account: string }
  | { kind: 'principal'; grantee: string }
  | { kind: 'none' };

const NO_GRANTEE: GranteeKind = Object.freeze({ kind: 'none' });

function granteeOf(grant: Grant): GranteeKind {
  if (grant.granteeServicePrincipal) return { kind: 'service', grantee: grant.granteeServicePrincipal };
  const grantee = grant.granteePrincipal;
  if (grantee === undefined || grantee === '') return NO_GRANTEE;
  if (isServicePrincipal(grantee)) return { kind: 'service', grantee };
  const ebs = EC2_INFRASTRUCTURE.exec(grantee);
  if (ebs) return { kind: 'ebs', grantee, account: ebs[1]! };
  return { kind: 'principal', grantee };
}

/** A principal ARN's role name and account, read once per evaluation for each ARN. */
interface RoleParts {
  name: string | undefined;
  account: string | undefined;
}

export default defineRule({
  meta: {
    id: 'kms-key-grants-scoped',
    title: 'Grants on HyperPod keys go only to the consuming execution roles and AWS services',
    severity: 'medium',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot'],
    rationale:
      'Grants bypass the key policy: a grant to any other principal is a standing permission nobody reviews, and a ' +
      'grant left behind when an instance group is deleted keeps the key usable by a role that no longer needs it. ' +
      'AWS warns that with a shared key, revoking one grant may leave access in place through others. ' +
      'A key that encrypts volumes also carries the grants AWS makes for its own resources, which pass: EBS grants ' +
      'Decrypt to the session `arn:aws:sts::<account>:assumed-role/aws:ec2-infrastructure/<instance>` of the ' +
      'account that owns the volume, with an `aws:ebs:id` encryption-context constraint (KMS developer guide, ' +
      '"Examining grants"); a grant to an AWS service shows its service principal in GranteePrincipal or in ' +
      'GranteeServicePrincipal. Only AWS can assume `aws:` roles, but the session of an account other than the ' +
      "key's means volumes of that account are encrypted under your key: that cross-account use is reported like " +
      'any other grantee, unless the account is one whose scanned instance groups use the key (a cluster of that ' +
      "account naming another account's key: its volumes, and so their EBS grants, are that account's). A grant " +
      'whose grantee ListGrants does not report is UNKNOWN. A group uses its key only in a cluster in Continuous ' +
      'provisioning mode, and never a restricted group ("Customer managed key encryption is only supported for ' +
      "clusters using the continuous node provisioning mode. Restricted instance groups don't support customer " +
      'managed keys", HyperPod CMK guide): the execution role of any other group consumes no key, so a grant to it, ' +
      'or to the EBS sessions of an account whose clusters are all outside that mode, is reported like any other ' +
      "grantee (as kms-key-policy-least-privilege reports such a role in the key policy). Where a cluster's " +
      'provisioning mode is unknown, whether its role or account consumes the key is unknown: a grant that only ' +
      'such a use would explain is UNKNOWN.',
    remediation: {
      summary:
        'Revoke grants whose grantee is not an execution role of a group that uses the key, nor an AWS service.',
      cli: "aws kms list-grants --key-id '<key-arn>'\naws kms revoke-grant --key-id '<key-arn>' --grant-id '<grant-id>'",
    },
    references: [
      'https://docs.aws.amazon.com/kms/latest/developerguide/grants.html',
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/determining-access-grants.html',
      'https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantListEntry.html',
    ],
    frameworks: { 'NIST-800-53': ['AC-6', 'AC-2'], SOC2: ['CC6.2', 'CC6.3'], 'PCI-DSS-4.0.1': ['7.2.4'] },
    messages: {
      ...KEY_COMMON_MESSAGES,
      scoped:
        'every grant on {{key}} ({{grants}}) goes to a consuming execution role, an AWS service or EBS in the ' +
        "key's account or an account whose instance groups use it",
      noGrants: '{{key}} has no grants',
      unexpected: '{{grants}} on {{key}} to principals that do not consume it: {{grantees}}',
      noGrantee: 'ListGrants reports no grantee for {{grants}} on {{key}} ({{grantIds}})',
      consumerUnknown:
        '{{grants}} on {{key}} go to {{grantees}}, which consume the key only through clusters whose provisioning ' +
        'mode is unknown ({{clusters}}): a key is used only in Continuous mode',
      notLive: 'grants exist only on deployed keys; a live scan judges them',
    },
  },
  *check(context) {
    // Grantees and execution roles repeat across keys: each is read once per evaluation.
    const grantees = new Map<string, GranteeKind>();
    const kindOf = (grant: Grant): GranteeKind => {
      if (grant.granteeServicePrincipal || !grant.granteePrincipal) return granteeOf(grant);
      let kind = grantees.get(grant.granteePrincipal);
      if (!kind) {
        kind = granteeOf(grant);
        grantees.set(grant.granteePrincipal, kind);
      }
      return kind;
    };
    const parts = new Map<string, RoleParts>();
    const partsOf = (arn: string): RoleParts => {
      let found = parts.get(arn);
      if (!found) {
        found = { name: roleNameOf(arn), account: accountOf(arn) };
        parts.set(arn, found);
      }
      return found;
    };
    // isRoleOrItsSession, with each ARN's parts read once.
    const isRoleOrItsSession = (roleArn: string, principal: string): boolean => {
      if (sameIamArn(roleArn, principal)) return true;
      const { name, account } = partsOf(principal);
      if (name === undefined) return false;
      const role = partsOf(roleArn);
      return role.name === name && role.account === account;
    };
    const counts = new Map<number, string>();
    const grantCount = (count: number): string => {
      let text = counts.get(count);
      if (text === undefined) {
        text = countOf(count, 'grant');
        counts.set(count, text);
      }
      return text;
    };
    yield* eachKey(
      context,
      (key) => {
        const resource = keyResource(key);
        const label = keyLabel(key);
        if (!key.grants) return keyPartNotCollected(context, key, `the grants on ${label}`, 'ListGrants');
        if (key.grants.length === 0)
          return { resource, status: 'PASS', messageId: 'noGrants', data: { key: label } };
        // The index leaves out the groups whose keys HyperPod ignores (restricted, outside
        // Continuous mode); a use in a cluster of unknown mode may be one, or not.
        const uses = context.index.usesOfKey(key.arn);
        /** Whether a use that `matches` consumes the key: the first cluster of unknown mode that may. */
        const consumedBy = (matches: (use: KeyUse) => boolean): true | Cluster | false => {
          let maybe: Cluster | undefined;
          for (const use of uses) {
            if (!matches(use)) continue;
            if (!use.modeUnknown) return true;
            maybe ??= use.cluster;
          }
          return maybe ?? false;
        };
        const consumer = (grantee: string) =>
          consumedBy((use) => {
            const role = use.group.executionRole;
            if (typeof role !== 'string') return false;
            return isRoleOrItsSession(role, grantee) || context.index.role(role)?.roleId === grantee;
          });
        const keyAccount = /^\d{12}$/.test(key.account) ? key.account : undefined;
        // EBS makes its grants as the account that owns the volume: the key's own, or that of a
        // cluster that names the key from another account (shared/aws-facts.md §6.3).
        const volumeAccount = (account: string) =>
          account === keyAccount || consumedBy((use) => use.cluster.account === account);
        const unexpected: Grant[] = [];
        const unreported: Grant[] = [];
        const unsure: Grant[] = [];
        const unsureIn = new Set<string>();
        for (const grant of key.grants) {
          const grantee = kindOf(grant);
          if (grantee.kind === 'none') {
            unreported.push(grant);
            continue;
          }
          const scoped =
            grantee.kind === 'principal'
              ? consumer(grantee.grantee)
              : grantee.kind === 'ebs'
                ? volumeAccount(grantee.account)
                : true;
          if (scoped === true) continue;
          if (scoped === false) unexpected.push(grant);
          else {
            unsure.push(grant);
            unsureIn.add(scoped.name);
          }
        }
        if (unexpected.length === 0 && unsure.length > 0)
          return {
            resource,
            status: 'UNKNOWN',
            messageId: 'consumerUnknown',
            data: {
              key: label,
              grants: grantCount(unsure.length),
              grantees: [...new Set(unsure.map((grant) => grant.granteePrincipal ?? ''))].join(', '),
              clusters: [...unsureIn].join(', '),
            },
            evidence: { grantIds: unsure.map((grant) => grant.grantId), modeUnknownIn: [...unsureIn] },
          };
        if (unexpected.length === 0 && unreported.length > 0)
          return {
            resource,
            status: 'UNKNOWN',
            messageId: 'noGrantee',
            data: {
              key: label,
              grants: grantCount(unreported.length),
              grantIds: unreported.map((grant) => grant.grantId).join(', '),
            },
          };
        if (unexpected.length === 0)
          return {
            resource,
            status: 'PASS',
            messageId: 'scoped',
            data: { key: label, count: key.grants.length, grants: grantCount(key.grants.length) },
          };
        const granteeNames = [...new Set(unexpected.map((grant) => grant.granteePrincipal ?? ''))];
        return {
          resource,
          status: 'FAIL',
          messageId: 'unexpected',
          data: {
            key: label,
            count: unexpected.length,
            grants: grantCount(unexpected.length),
            grantees: granteeNames.join(', '),
          },
          evidence: {
            grants: unexpected.map(({ grantId, granteePrincipal, operations, creationDate }) => ({
              grantId,
              granteePrincipal,
              operations,
              creationDate,
            })),
            consumingRoles: consumingRoles(context, key),
          },
        };
      },
      { sourceCheck: (key) => liveOnly(key) },
    );
  },
});
