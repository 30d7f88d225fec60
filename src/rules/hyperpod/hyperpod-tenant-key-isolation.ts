import type { ResourceRef } from '../../model/finding.js';
import type { Cluster, InstanceGroup } from '../../model/inventory.js';
import { isUnresolved } from '../../model/inventory.js';
import { matchesAny } from '../../policy/glob.js';
import { defineRule, type Verdict } from '../define-rule.js';
import { eachGroup } from '../iteration.js';
import {
  describeKeyRef,
  groupKeys,
  groupsNamingSameKey,
  keyLabel,
  provisioningModeOf,
  undeterminedKeyReason,
} from '../key-references.js';
import { groupResource, UNRESOLVED_MESSAGE, unresolvedVerdict } from '../resources.js';

export default defineRule({
  meta: {
    id: 'hyperpod-tenant-key-isolation',
    title: 'Instance groups of different tenants never share a KMS key',
    severity: 'high',
    resourceType: 'instance-group',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan', 'cli-json'],
    config: ['tenancy'],
    rationale:
      "In a multi-tenant cluster each tenant's data must stay under a key that only that tenant's workloads can " +
      'use, so that one tenant can be cut off (key disabled, grants revoked) or offboarded (key deleted) without ' +
      'touching another. A shared key makes crypto-shredding one tenant impossible. ' +
      'Restricted instance groups are not applicable: they do not support customer managed keys (HyperPod CMK guide), so HyperPod uses no key they name. ' +
      'Nor are the groups of a cluster outside Continuous provisioning mode: "Customer managed key encryption is only ' +
      'supported for clusters using the continuous node provisioning mode" (HyperPod CMK guide). Sharing through a ' +
      'group of a cluster whose mode is unknown is UNKNOWN. So is the isolation of a group of such a cluster whose ' +
      'keys no other tenant names: in Continuous mode its tenant is isolated by keys of its own (PASS), outside it ' +
      'the group has no key at all (NOT_APPLICABLE); isolation through a key is not proven until the mode is known.',
    remediation: {
      summary:
        'Give each tenant its own key: create new instance groups for one of the tenants with a key of their own, ' +
        'move the workload, and delete the old groups.',
    },
    references: ['https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html'],
    frameworks: { 'NIST-800-53': ['SC-12', 'AC-4'], SOC2: ['CC6.1'], 'ISO-27001-2022': ['A.8.24'] },
    messages: {
      restricted:
        'restricted instance groups do not support customer managed keys: HyperPod uses no key they name (hyperpod-cmk-provisioning-mode reports one)',
      legacyMode:
        'the cluster is not in Continuous provisioning mode, the only one that supports customer managed keys: HyperPod uses no key its groups name (hyperpod-cmk-provisioning-mode reports it)',
      sharingUnknown:
        'key {{key}} of tenant {{tenant}} also serves tenant {{others}} ({{groups}}) if HyperPod honours it in both ' +
        'places: keys are honoured only in Continuous provisioning mode, and a cluster mode is unknown',
      isolated: "tenant {{tenant}}'s keys serve no other tenant",
      isolatedModeUnknown:
        "no other tenant names tenant {{tenant}}'s keys, but whether HyperPod honours them at all is unknown: keys " +
        'are honoured only in Continuous provisioning mode, and the mode {{reason}}',
      shared: 'key {{key}} of tenant {{tenant}} also serves tenant {{others}} ({{groups}})',
      noTenant: 'no tenant is assigned to this instance group in the config',
      noCmk: 'the instance group uses no customer managed key',
      undetermined:
        'whether key {{key}} of tenant {{tenant}} also serves another tenant cannot be known: {{reason}}',
      unresolved: UNRESOLVED_MESSAGE,
    },
  },
  *check(context) {
    const { tenancy } = context.config;
    if (tenancy.length === 0) return;
    const tenantOf = (clusterName: string, clusterId: string, groupName: string): string | undefined =>
      tenancy.find(
        (entry) =>
          (matchesAny(clusterName, [entry.cluster]) || matchesAny(clusterId, [entry.cluster])) &&
          matchesAny(groupName, [entry.instanceGroup]),
      )?.tenant;
    const inScope = (clusterName: string, clusterId: string) =>
      tenancy.some(
        (entry) => matchesAny(clusterName, [entry.cluster]) || matchesAny(clusterId, [entry.cluster]),
      );

    yield* eachGroup(context, (cluster, group): Verdict | undefined => {
      if (!inScope(cluster.name, cluster.id)) return undefined;
      const resource = groupResource(cluster, group);
      const tenant = tenantOf(cluster.name, cluster.id, group.name);
      if (!tenant) return { resource, status: 'NOT_APPLICABLE', messageId: 'noTenant' };
      // A restricted group's key is not used (smcluster-cmk.html): it serves no tenant.
      if (group.kind === 'restricted') return { resource, status: 'NOT_APPLICABLE', messageId: 'restricted' };
      const ownMode = provisioningModeOf(cluster);
      if (ownMode.mode === 'legacy') return { resource, status: 'NOT_APPLICABLE', messageId: 'legacyMode' };
      if (isUnresolved(group.volumes))
        return unresolvedVerdict(resource, 'the storage configuration', group.volumes);
      const { keys, undetermined } = groupKeys(context, group);
      // The index leaves out the groups whose keys HyperPod ignores (restricted, outside Continuous
      // mode); a group of a cluster of unknown mode, this one's included, may share the key or not.
      let maybeShared: Verdict | undefined;
      for (const key of keys) {
        const foreign = context.index
          .usesOfKey(key.arn)
          .map((use) => ({ use, tenant: tenantOf(use.cluster.name, use.cluster.id, use.group.name) }))
          .filter((entry) => entry.tenant !== undefined && entry.tenant !== tenant)
          .map((entry) => ({
            cluster: entry.use.cluster,
            group: entry.use.group,
            tenant: entry.tenant!,
            modeUnknown: entry.use.modeUnknown,
          }));
        const sure = ownMode.mode === 'unknown' ? [] : foreign.filter((entry) => !entry.modeUnknown);
        if (sure.length > 0) return shared(resource, keyLabel(key), tenant, sure, { keyArn: key.arn });
        if (foreign.length > 0)
          maybeShared ??= shared(resource, keyLabel(key), tenant, foreign, { keyArn: key.arn }, true);
      }
      for (const volume of undetermined) {
        const foreign = groupsNamingSameKey(cluster, group, volume)
          .map((other) => ({ cluster, group: other, tenant: tenantOf(cluster.name, cluster.id, other.name) }))
          .filter((entry) => entry.tenant !== undefined && entry.tenant !== tenant)
          .map((entry) => ({ ...entry, tenant: entry.tenant! }));
        if (foreign.length === 0) continue;
        const verdict = shared(
          resource,
          describeKeyRef(volume),
          tenant,
          foreign,
          {
            keyReference: volume.kmsKeyId,
          },
          ownMode.mode === 'unknown',
        );
        if (ownMode.mode !== 'unknown') return verdict;
        maybeShared ??= verdict;
      }
      if (maybeShared) return maybeShared;
      const [unknown] = undetermined;
      if (unknown)
        return {
          resource,
          status: 'UNKNOWN',
          messageId: 'undetermined',
          data: { key: describeKeyRef(unknown), tenant, reason: undeterminedKeyReason(unknown) },
          evidence: { keyReference: unknown.kmsKeyId, tenant },
        };
      if (keys.length === 0)
        return { resource, status: 'NOT_APPLICABLE', messageId: 'noCmk', data: { tenant } };
      if (ownMode.mode === 'unknown')
        return {
          resource,
          status: 'UNKNOWN',
          messageId: 'isolatedModeUnknown',
          data: { tenant, reason: ownMode.reason },
        };
      return { resource, status: 'PASS', messageId: 'isolated', data: { tenant } };
    });
  },
});

/** The FAIL of a key another tenant's groups use, or the UNKNOWN when they may (`maybe`). */
function shared(
  resource: ResourceRef,
  key: string,
  tenant: string,
  foreign: { cluster: Cluster; group: InstanceGroup; tenant: string }[],
  evidence: Record<string, unknown>,
  maybe = false,
): Verdict {
  const others = [...new Set(foreign.map((entry) => entry.tenant))];
  const groups = [...new Set(foreign.map((entry) => `${entry.cluster.name}/${entry.group.name}`))];
  return {
    resource,
    status: maybe ? 'UNKNOWN' : 'FAIL',
    messageId: maybe ? 'sharingUnknown' : 'shared',
    data: { key, tenant, others: others.join(', '), groups: groups.join(', ') },
    evidence: { ...evidence, tenant, otherTenants: others, groups },
  };
}
