import type { Grant } from '../../model/inventory.js';
import { isRoleOrItsSession } from '../../policy/principal.js';
import { defineRule } from '../define-rule.js';
import {
  consumingRoles,
  countOf,
  eachKey,
  KEY_COMMON_MESSAGES,
  keyLabel,
  keyPartNotCollected,
  keyResource,
  liveOnly,
} from '../helpers.js';

const isServicePrincipal = (principal: string) => /\.amazonaws\.com(\.cn)?$/.test(principal);

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
      'AWS warns that with a shared key, revoking one grant may leave access in place through others.',
    remediation: {
      summary:
        'Revoke grants whose grantee is not an execution role of a group that uses the key, nor an AWS service.',
      cli: 'aws kms list-grants --key-id <key-arn>\naws kms revoke-grant --key-id <key-arn> --grant-id <grant-id>',
    },
    references: ['https://docs.aws.amazon.com/kms/latest/developerguide/grants.html'],
    frameworks: { 'NIST-800-53': ['AC-6', 'AC-2'], SOC2: ['CC6.2', 'CC6.3'], 'PCI-DSS-4.0.1': ['7.2.4'] },
    messages: {
      ...KEY_COMMON_MESSAGES,
      scoped: 'every grant on {{key}} ({{grants}}) goes to a consuming execution role or an AWS service',
      noGrants: '{{key}} has no grants',
      unexpected: '{{grants}} on {{key}} to principals that do not consume it: {{grantees}}',
      notLive: 'grants exist only on deployed keys; a live scan judges them',
    },
  },
  *check(context) {
    yield* eachKey(
      context,
      (key) => {
        const resource = keyResource(key);
        const label = keyLabel(key);
        if (!key.grants) return keyPartNotCollected(context, key, `the grants on ${label}`, 'ListGrants');
        if (key.grants.length === 0)
          return { resource, status: 'PASS', messageId: 'noGrants', data: { key: label } };
        const roles = consumingRoles(context, key);
        const consumes = (grantee: string) =>
          roles.some(
            (consumer) =>
              isRoleOrItsSession(consumer, grantee) || context.index.role(consumer)?.roleId === grantee,
          );
        const unexpected = key.grants.filter(
          (grant: Grant) =>
            grant.granteePrincipal !== undefined &&
            !isServicePrincipal(grant.granteePrincipal) &&
            !consumes(grant.granteePrincipal),
        );
        if (unexpected.length === 0)
          return {
            resource,
            status: 'PASS',
            messageId: 'scoped',
            data: { key: label, count: key.grants.length, grants: countOf(key.grants.length, 'grant') },
          };
        const grantees = [...new Set(unexpected.map((grant) => grant.granteePrincipal!))];
        return {
          resource,
          status: 'FAIL',
          messageId: 'unexpected',
          data: {
            key: label,
            count: unexpected.length,
            grants: countOf(unexpected.length, 'grant'),
            grantees: grantees.join(', '),
          },
          evidence: {
            grants: unexpected.map(({ grantId, granteePrincipal, operations, creationDate }) => ({
              grantId,
              granteePrincipal,
              operations,
              creationDate,
            })),
            consumingRoles: roles,
          },
        };
      },
      { sourceCheck: (key) => liveOnly(key) },
    );
  },
});
