import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import type { Inventory, Key } from '../../src/model/inventory.js';
import { emptyInventory } from '../../src/model/inventory.js';
import { planFixes } from '../../src/remediation/fixes.js';
import { cluster, group, key, rootVolume } from '../helpers/inventory.js';

const config = resolveConfig({ requiredTags: { keys: ['owner'], clusters: ['owner'] } });
const inv = (
  keys: Key[],
  clusters = [cluster('c', [group('g', { volumes: keys.map((k) => rootVolume(k.arn)) })])],
): Inventory => ({
  ...emptyInventory('live', '2026-11-27T00:00:00Z'),
  keys,
  clusters,
});
const meta = key('x').metadata!;

describe('fix: which fixes, in which order', () => {
  const cases: { name: string; key: Key; kinds: string[]; skipped: string[] }[] = [
    { name: 'a sound key', key: key('a'), kinds: [], skipped: [] },
    {
      name: 'rotation off',
      key: key('b', { rotation: { enabled: false } }),
      kinds: ['enable-key-rotation'],
      skipped: [],
    },
    {
      name: 'pending deletion, rotation off: cancel, re-enable, then rotate',
      key: key('c', {
        metadata: { ...meta, keyState: 'PendingDeletion', deletionDate: '2026-12-01T00:00:00Z' },
        rotation: { enabled: false },
      }),
      kinds: ['cancel-key-deletion', 'enable-key', 'enable-key-rotation'],
      skipped: [],
    },
    {
      name: 'disabled: left alone (disabling is how access is revoked)',
      key: key('d', { metadata: { ...meta, keyState: 'Disabled' }, rotation: { enabled: false } }),
      kinds: [],
      skipped: ['the key is Disabled: disabling is how access is revoked, so it is not re-enabled'],
    },
    {
      name: 'AWS managed: not ours to fix',
      key: key('e', { metadata: { ...meta, keyManager: 'AWS' }, rotation: { enabled: false } }),
      kinds: [],
      skipped: [],
    },
    {
      name: 'asymmetric: KMS cannot rotate it',
      key: key('f', { metadata: { ...meta, keySpec: 'RSA_2048' }, rotation: { enabled: false } }),
      kinds: [],
      skipped: [
        'KMS rotates only symmetric keys with KMS key material, and a replica rotates with its primary',
      ],
    },
    {
      name: 'metadata not collected',
      key: { ...key('g'), metadata: undefined } as unknown as Key,
      kinds: [],
      skipped: ['its metadata was not collected'],
    },
    {
      name: "owner tag missing: the cluster's value",
      key: key('h', { tags: {} }),
      kinds: ['tag-key'],
      skipped: [],
    },
  ];
  it.each(cases)('$name', ({ key: k, kinds, skipped }) => {
    const result = planFixes(inv([k]), config);
    expect(result.fixes.map((f) => f.kind)).toEqual(kinds);
    expect(result.skipped.map((s) => s.reason)).toEqual(skipped);
  });

  it('a key tag takes the value the clusters agree on, or none when they disagree', () => {
    const k = key('k', { tags: {} });
    const agree = planFixes(inv([k]), config).fixes;
    expect(agree).toEqual([
      {
        kind: 'tag-key',
        keyArn: k.arn,
        account: k.account,
        region: k.region,
        label: 'alias/k',
        tags: { owner: 'ml-platform' },
      },
    ]);
    const two = [
      cluster('c1', [group('g', { volumes: [rootVolume(k.arn)] })], { tags: { owner: 'a' } }),
      cluster('c2', [group('g', { volumes: [rootVolume(k.arn)] })], { tags: { owner: 'b' } }),
    ];
    const result = planFixes(inv([k], two), config);
    expect(result.fixes).toEqual([]);
    expect(result.skipped).toEqual([
      { resource: k.arn, reason: 'no value known for tag(s) owner: pass --tag NAME=VALUE' },
    ]);
    expect(planFixes(inv([k], two), config, { owner: 'platform' }).fixes.map((f) => f.kind)).toEqual([
      'tag-key',
    ]);
  });

  it('a cluster tag is added only with a value given', () => {
    const c = cluster('c', [], { tags: {} });
    expect(planFixes(inv([], [c]), config).skipped).toEqual([
      { resource: c.arn, reason: 'no value known for tag(s) owner: pass --tag NAME=VALUE' },
    ]);
    expect(planFixes(inv([], [c]), config, { owner: 'x' }).fixes).toEqual([
      {
        kind: 'tag-cluster',
        clusterArn: c.arn,
        account: c.account,
        region: c.region,
        label: 'c',
        tags: { owner: 'x' },
      },
    ]);
  });
});
