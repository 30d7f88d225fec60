import type { KeyMetadata } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-not-pending-deletion.js';
import {
  awsManagedKey,
  cluster,
  compliantEstate,
  gap,
  group,
  iacInventory,
  iacKey,
  inventory,
  key,
  keyArn,
  rootVolume,
  undescribedKey,
} from '../helpers/inventory.js';
import { ruleTester } from '../helpers/rule-tester.js';

const K1 = keyArn('k1');
const metadata = (overrides: Partial<KeyMetadata>): KeyMetadata => ({ ...key('k1').metadata!, ...overrides });
const pending = metadata({ keyState: 'PendingDeletion', deletionDate: '2026-12-04T12:00:00.000Z' });

/** Key k1 used by c1/workers and by two groups of c2. */
const sharedEstate = (meta: KeyMetadata) =>
  inventory({
    clusters: [
      cluster('c1', [group('workers', { volumes: [rootVolume(K1)] })]),
      cluster('c2', [
        group('gpu', { volumes: [rootVolume(K1)] }),
        group('cpu', { volumes: [rootVolume('alias/k1', K1)] }),
      ]),
    ],
    keys: [key('k1', { metadata: meta })],
  });

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'enabled key is not pending deletion',
      inventory: compliantEstate(),
      expected: [{ status: 'PASS', messageId: 'notPending', resource: K1, data: { key: 'alias/k1' } }],
    },
    {
      name: 'a disabled key is not pending deletion either',
      inventory: inventory({
        keys: [key('k1', { source: 'snapshot', metadata: metadata({ keyState: 'Disabled' }) })],
      }),
      expected: [{ status: 'PASS', messageId: 'notPending', data: { key: 'alias/k1' } }],
    },
    {
      name: 'AWS managed key is not governed',
      inventory: inventory({ keys: [awsManagedKey('aws1')] }),
      expected: [{ status: 'NOT_APPLICABLE', messageId: 'awsManaged', data: { key: 'alias/aws/ebs' } }],
    },
    {
      name: 'a key in a template cannot be pending deletion',
      inventory: iacInventory('cloudformation', { keys: [iacKey('HyperPodKey')] }),
      expected: [
        { status: 'NOT_APPLICABLE', messageId: 'notLive', resource: 'infra/hyperpod.yaml#HyperPodKey' },
      ],
    },
  ],
  invalid: [
    {
      // "Customer managed key encryption is only supported for clusters using the continuous node
      // provisioning mode. Restricted instance groups don't support customer managed keys"
      // (smcluster-cmk.html): their volumes are not under the key, so they lose nothing with it.
      name: 'pending deletion of a key only a cluster outside Continuous mode and a restricted group name',
      inventory: inventory({
        keys: [key('k1', { metadata: pending })],
        clusters: [
          cluster('legacy', [group('workers', { volumes: [rootVolume(K1)] })], {
            nodeProvisioningMode: null,
          }),
          cluster('c1', [group('nova', { kind: 'restricted', volumes: [rootVolume(K1)] })]),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'pending',
          resource: K1,
          data: {
            key: 'alias/k1',
            date: '2026-12-04T12:00:00.000Z',
            days: 7,
            when: '7 days from now',
            groups: 'no scanned instance groups',
          },
          evidence: (e) => JSON.stringify(e.clusters) === '[]',
        },
      ],
    },
    {
      // A key is honoured only in Continuous mode (smcluster-cmk.html): where the mode is unknown,
      // the groups may lose their data, or may not be under the key at all.
      name: 'pending deletion: groups of a cluster whose mode is unknown may lose their data, not "lose" it',
      inventory: inventory({
        keys: [key('k1', { metadata: pending })],
        clusters: [
          cluster('c1', [group('workers', { volumes: [rootVolume(K1)] })]),
          cluster('c2', [group('gpu', { volumes: [rootVolume(K1)] })], {
            nodeProvisioningMode: null,
            notCollected: ['NodeProvisioningMode'],
          }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'pendingMaybe',
          resource: K1,
          data: {
            key: 'alias/k1',
            date: '2026-12-04T12:00:00.000Z',
            days: 7,
            when: '7 days from now',
            groups: 'c1/workers',
            maybeGroups: 'c2/gpu',
            clusters: 'c2',
          },
          evidence: (e) =>
            JSON.stringify(e.clusters) === '["c1","c2"]' && JSON.stringify(e.modeUnknownIn) === '["c2"]',
        },
      ],
    },
    {
      name: 'past due, named only where the mode cannot be known from the template: none sure to lose data',
      inventory: inventory({
        keys: [key('k1', { metadata: pending })],
        clusters: [
          cluster(
            'c2',
            [group('gpu', { volumes: [rootVolume(K1)] }), group('cpu', { volumes: [rootVolume(K1)] })],
            {
              nodeProvisioningMode: { unresolved: 'Ref Mode', reason: 'parameter without a value' },
            },
          ),
        ],
      }),
      now: '2026-12-10T12:00:00.000Z',
      expected: [
        {
          status: 'FAIL',
          messageId: 'pendingPastMaybe',
          data: {
            key: 'alias/k1',
            date: '2026-12-04T12:00:00.000Z',
            days: 6,
            when: '6 days ago',
            groups: 'none',
            maybeGroups: 'c2/gpu, c2/cpu',
            clusters: 'c2',
          },
        },
      ],
    },
    {
      name: 'a primary waiting for its replicas, named only where the mode is unknown',
      inventory: inventory({
        keys: [
          key('k1', {
            metadata: metadata({
              keyState: 'PendingReplicaDeletion',
              multiRegion: true,
              multiRegionKeyType: 'PRIMARY',
              pendingDeletionWindowInDays: 14,
            }),
          }),
        ],
        clusters: [
          cluster('c2', [group('gpu', { volumes: [rootVolume(K1)] })], {
            nodeProvisioningMode: null,
            notCollected: ['NodeProvisioningMode'],
          }),
        ],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'replicaPendingMaybe',
          data: { key: 'alias/k1', window: 14, groups: 'none', maybeGroups: 'c2/gpu', clusters: 'c2' },
        },
      ],
    },
    {
      name: 'pending deletion: the date, the countdown and the groups that lose their data',
      inventory: compliantEstate({ key: { metadata: pending } }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'pending',
          resource: K1,
          data: {
            key: 'alias/k1',
            date: '2026-12-04T12:00:00.000Z',
            days: 7,
            when: '7 days from now',
            groups: 'c1/workers',
          },
          evidence: (e) =>
            e.keyState === 'PendingDeletion' &&
            e.deletionDate === '2026-12-04T12:00:00.000Z' &&
            JSON.stringify(e.clusters) === '["c1"]',
        },
      ],
    },
    {
      name: 'pending deletion of a key shared by two clusters names every group',
      inventory: sharedEstate(pending),
      now: '2026-12-01T12:00:00.000Z',
      expected: [
        {
          status: 'FAIL',
          messageId: 'pending',
          data: {
            key: 'alias/k1',
            date: '2026-12-04T12:00:00.000Z',
            days: 3,
            when: '3 days from now',
            groups: 'c1/workers, c2/gpu, c2/cpu',
          },
          evidence: (e) => JSON.stringify(e.clusters) === '["c1","c2"]',
        },
      ],
    },
    {
      name: 'a deletion date already past says so, never "0 days from now"',
      inventory: compliantEstate({ key: { metadata: pending } }),
      now: '2026-12-10T12:00:00.000Z',
      expected: [
        {
          status: 'FAIL',
          messageId: 'pendingPast',
          resource: K1,
          data: {
            key: 'alias/k1',
            date: '2026-12-04T12:00:00.000Z',
            days: 6,
            when: '6 days ago',
            groups: 'c1/workers',
          },
        },
      ],
    },
    {
      name: 'a deletion date passed a few hours ago',
      inventory: compliantEstate({ key: { metadata: pending } }),
      now: '2026-12-04T18:00:00.000Z',
      expected: [
        {
          status: 'FAIL',
          messageId: 'pendingPast',
          data: {
            key: 'alias/k1',
            date: '2026-12-04T12:00:00.000Z',
            days: 0,
            when: 'earlier today',
            groups: 'c1/workers',
          },
        },
      ],
    },
    {
      name: 'a deletion one day away is "1 day from now"',
      inventory: compliantEstate({ key: { metadata: pending } }),
      now: '2026-12-03T12:00:00.000Z',
      expected: [
        {
          status: 'FAIL',
          messageId: 'pending',
          data: {
            key: 'alias/k1',
            date: '2026-12-04T12:00:00.000Z',
            days: 1,
            when: '1 day from now',
            groups: 'c1/workers',
          },
        },
      ],
    },
    {
      name: 'pending deletion without a deletion date',
      inventory: inventory({ keys: [key('k1', { metadata: metadata({ keyState: 'PendingDeletion' }) })] }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'pending',
          data: {
            key: 'alias/k1',
            date: 'an unknown date',
            when: 'date not reported',
            groups: 'no scanned instance groups',
          },
        },
      ],
    },
    {
      name: 'multi-Region primary waiting for its replicas to be deleted',
      inventory: sharedEstate(
        metadata({
          keyState: 'PendingReplicaDeletion',
          multiRegion: true,
          multiRegionKeyType: 'PRIMARY',
          pendingDeletionWindowInDays: 14,
        }),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'replicaPending',
          data: { key: 'alias/k1', window: 14, groups: 'c1/workers, c2/gpu, c2/cpu' },
        },
      ],
    },
    {
      name: 'DescribeKey denied: whether deletion is scheduled is unknown',
      inventory: inventory({
        keys: [undescribedKey('k1')],
        gaps: [
          gap({ operation: 'DescribeKey', resource: K1, code: 'aws.throttled', message: 'Rate exceeded' }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            what: 'the metadata of alias/k1',
            reason: 'DescribeKey failed (aws.throttled): Rate exceeded',
          },
        },
      ],
    },
  ],
});
