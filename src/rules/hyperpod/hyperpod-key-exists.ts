import { isUnresolved } from '../../model/inventory.js';
import { defineRule, type Verdict } from '../define-rule.js';
import { eachGroup } from '../iteration.js';
import { isAwsManagedAlias, keyedVolumes, keyRegionCheck } from '../key-references.js';
import { groupResource, UNRESOLVED_MESSAGE, unresolvedVerdict } from '../resources.js';
import { SharedValues } from '../shared-values.js';

export default defineRule({
  meta: {
    id: 'hyperpod-key-exists',
    title: 'Every key that a HyperPod volume names resolves to an existing KMS key',
    severity: 'critical',
    resourceType: 'instance-group',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan', 'cli-json'],
    rationale:
      'A VolumeKmsKeyId that no longer resolves (a deleted key, a deleted or re-pointed alias, a typo) means the ' +
      'group cannot add, replace or patch nodes, and data on existing volumes may be unrecoverable. KMS keys are ' +
      'Regional: an EBS volume can be encrypted only with a key in its own Region, so a key or alias ARN of ' +
      "another Region (a multi-Region replica's ARN included, which names the replica's own Region) is no key for " +
      'this cluster. It fails whenever the Regions of both sides are known, live or in IaC, and is UNKNOWN when one ' +
      'of them is not (IaC deployed to a Region the source does not name).',
    remediation: {
      summary:
        'Find what the reference was meant to name. If the key was deleted its data cannot be decrypted: restore ' +
        'from backups into a new instance group with an existing key. If an alias was removed, recreate it.',
      cli: "aws kms describe-key --key-id '<VolumeKmsKeyId>'",
    },
    references: [
      'https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html',
      'https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html',
    ],
    frameworks: { 'NIST-800-53': ['SC-12', 'CP-9'], SOC2: ['A1.2'], HIPAA: ['164.308(a)(7)'] },
    messages: {
      exists: 'every volume key resolves: {{keys}}',
      noKeys: 'the instance group names no key',
      awsManagedOnly: 'the instance group names only AWS managed keys, which AWS creates on first use',
      notFound: '{{volume}} volume key {{key}} does not exist: {{reason}}',
      unknown: '{{volume}} volume key {{key}} could not be resolved: {{reason}}',
      otherRegion:
        '{{volume}} volume key {{key}} is a key of {{keyRegion}}, and the cluster is in {{clusterRegion}}: a key of ' +
        'another Region cannot encrypt its volumes',
      regionUnknown:
        '{{volume}} volume key {{key}} is a key of {{keyRegion}}, and the cluster Region ({{clusterRegion}}) is not known: ' +
        'a key of another Region cannot encrypt its volumes',
      unresolved: UNRESOLVED_MESSAGE,
    },
  },
  *check(context) {
    // Most groups say the same of the same keys: their findings share one data and evidence object.
    const shared = new SharedValues();
    const passes = new Map<
      readonly string[],
      { data: Record<string, string>; evidence: Record<string, unknown> }
    >();
    yield* eachGroup(context, function* (cluster, group) {
      const resource = groupResource(cluster, group);
      if (isUnresolved(group.volumes)) {
        yield unresolvedVerdict(resource, 'the storage configuration', group.volumes);
        return;
      }
      const keyed = keyedVolumes(group.volumes);
      if (keyed.length === 0) {
        yield { resource, status: 'NOT_APPLICABLE', messageId: 'noKeys' };
        return;
      }
      // AWS creates its managed keys (alias/aws/...) on first use: they always resolve. The
      // volume rules fail them for not being customer managed.
      const volumes = keyed.filter(
        (volume) => !(typeof volume.kmsKeyId === 'string' && isAwsManagedAlias(volume.kmsKeyId)),
      );
      if (volumes.length === 0) {
        yield { resource, status: 'NOT_APPLICABLE', messageId: 'awsManagedOnly' };
        return;
      }
      // A key proven missing outweighs one that cannot be known.
      for (const volume of volumes) {
        const ref = volume.kmsKeyId;
        if (typeof ref === 'string' && volume.resolution?.status === 'not-found') {
          yield {
            resource,
            status: 'FAIL',
            messageId: 'notFound',
            data: { volume: volume.role, key: ref, reason: volume.resolution.message },
            evidence: { volumeKmsKeyId: ref },
          };
          return;
        }
      }
      const regions = volumes.map((volume) => ({
        volume,
        region: keyRegionCheck(cluster, volume, context.index.keyOfVolume(volume)),
      }));
      const regionVerdict = (status: 'mismatch' | 'unknown'): Verdict | undefined => {
        const found = regions.find((entry) => entry.region?.status === status);
        if (!found?.region) return undefined;
        return {
          resource,
          status: status === 'mismatch' ? 'FAIL' : 'UNKNOWN',
          messageId: status === 'mismatch' ? 'otherRegion' : 'regionUnknown',
          data: {
            volume: found.volume.role,
            key: String(found.volume.kmsKeyId),
            keyRegion: found.region.keyRegion,
            clusterRegion: found.region.clusterRegion,
          },
          evidence: { volumeKmsKeyId: found.volume.kmsKeyId },
        };
      };
      const otherRegion = regionVerdict('mismatch');
      if (otherRegion) {
        yield otherRegion;
        return;
      }
      for (const volume of volumes) {
        if (isUnresolved(volume.kmsKeyId)) {
          yield unresolvedVerdict(resource, `the ${volume.role} volume key`, volume.kmsKeyId);
          return;
        }
      }
      const unknown = volumes.find((volume) => volume.resolution?.status !== 'resolved');
      if (unknown) {
        const reason = unknown.resolution?.status === 'unknown' ? unknown.resolution.reason : 'not resolved';
        yield {
          resource,
          status: 'UNKNOWN',
          messageId: 'unknown',
          data: { volume: unknown.role, key: String(unknown.kmsKeyId), reason },
          evidence: { volumeKmsKeyId: unknown.kmsKeyId },
        };
        return;
      }
      const regionUnknown = regionVerdict('unknown');
      if (regionUnknown) {
        yield regionUnknown;
        return;
      }
      const keys = volumes.map((volume) =>
        volume.resolution?.status === 'resolved' ? volume.resolution.keyArn : '',
      );
      // Groups whose volumes name the same keys say the same: one data and evidence for them all.
      const list = shared.list(keys);
      let said = passes.get(list);
      if (!said) {
        said = {
          data: Object.freeze({ keys: [...new Set(keys)].join(', ') }),
          evidence: Object.freeze({ keys: list }),
        };
        passes.set(list, said);
      }
      yield { resource, status: 'PASS', messageId: 'exists', data: said.data, evidence: said.evidence };
    });
  },
});
