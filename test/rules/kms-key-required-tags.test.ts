import rule from '../../src/rules/kms/kms-key-required-tags.js';
import {
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
  unresolved,
} from '../helpers/inventory.js';
import { awsManagedKeyCase, describeKeyDeniedCase, healthyKeyFromEachSource } from '../helpers/key-cases.js';
import { ruleTester } from '../helpers/rule-tester.js';

const K1 = keyArn('k1');
const tagged = (tags: Record<string, string>) => inventory({ keys: [key('k1', { tags })] });
/** Key k1 (project llm) used by clusters of the given projects. */
const usedBy = (...projects: (string | undefined)[]) =>
  inventory({
    keys: [key('k1')],
    clusters: projects.map((project, i) =>
      cluster(`c${i + 1}`, [group('workers', { volumes: [rootVolume(K1)] })], {
        tags: { owner: 'ml-platform', ...(project ? { project } : {}) },
      }),
    ),
  });
const { tags: _tags, ...untagged } = key('k1');
const MODE_VAR = unresolved('var.mode', 'a variable without a value');
/** Key k1 (project llm) named by a cluster of project vision in the given mode, and one of project llm. */
const namedBy = (mode: Parameters<typeof cluster>[2]) =>
  inventory({
    keys: [key('k1')],
    clusters: [
      cluster('c1', [group('workers', { volumes: [rootVolume(K1)] })]),
      cluster('c2', [group('workers', { volumes: [rootVolume(K1)] })], {
        tags: { owner: 'ml-platform', project: 'vision' },
        ...mode,
      }),
    ],
  });

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      // "Customer managed key encryption is only supported for clusters using the continuous node
      // provisioning mode. Restricted instance groups don't support customer managed keys" (smcluster-cmk.html).
      name: 'a cluster of another project outside Continuous mode, or its restricted group, does not use the key',
      inventory: {
        ...namedBy({ nodeProvisioningMode: null }),
        clusters: [
          ...namedBy({ nodeProvisioningMode: null }).clusters,
          cluster('c3', [group('nova', { kind: 'restricted', volumes: [rootVolume(K1)] })], {
            tags: { owner: 'ml-platform', project: 'speech' },
          }),
        ],
      },
      expected: [{ status: 'PASS', messageId: 'tagged', data: { key: 'alias/k1', tags: 'owner, project' } }],
    },
    {
      name: 'owner and project set, and the project matches the cluster',
      inventory: compliantEstate(),
      expected: [
        {
          status: 'PASS',
          messageId: 'tagged',
          resource: K1,
          data: { key: 'alias/k1', tags: 'owner, project' },
        },
      ],
    },
    {
      name: 'tags required by config',
      inventory: tagged({ 'cost-center': '42', project: 'llm' }),
      config: { requiredTags: { keys: ['cost-center'] } },
      expected: [{ status: 'PASS', messageId: 'tagged', data: { key: 'alias/k1', tags: 'cost-center' } }],
    },
    {
      name: 'a cluster without a project tag cannot disagree',
      inventory: usedBy('llm', undefined),
      expected: [{ status: 'PASS', messageId: 'tagged', data: { key: 'alias/k1', tags: 'owner, project' } }],
    },
    awsManagedKeyCase(),
    ...healthyKeyFromEachSource('tagged', (key) => ({ key, tags: 'owner, project' })),
  ],
  invalid: [
    {
      name: 'the project tag is missing',
      inventory: tagged({ owner: 'ml-platform' }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'missing',
          resource: K1,
          data: { key: 'alias/k1', missing: 'project' },
          evidence: (e) => JSON.stringify(e.tags) === '{"owner":"ml-platform"}',
        },
      ],
    },
    {
      name: 'no tags at all',
      inventory: tagged({}),
      expected: [
        { status: 'FAIL', messageId: 'missing', data: { key: 'alias/k1', missing: 'owner, project' } },
      ],
    },
    {
      name: 'a blank value counts as missing',
      inventory: tagged({ owner: '  ', project: 'llm' }),
      expected: [{ status: 'FAIL', messageId: 'missing', data: { key: 'alias/k1', missing: 'owner' } }],
    },
    {
      name: 'tag keys are case-sensitive',
      inventory: tagged({ Owner: 'ml-platform', Project: 'llm' }),
      expected: [
        { status: 'FAIL', messageId: 'missing', data: { key: 'alias/k1', missing: 'owner, project' } },
      ],
    },
    {
      name: 'a tag config requires is missing',
      inventory: tagged({ owner: 'ml-platform', project: 'llm' }),
      config: { requiredTags: { keys: ['owner', 'data-sensitivity'] } },
      expected: [
        { status: 'FAIL', messageId: 'missing', data: { key: 'alias/k1', missing: 'data-sensitivity' } },
      ],
    },
    {
      name: 'a cluster of another project whose provisioning mode is unknown may or may not use the key',
      inventory: namedBy({ nodeProvisioningMode: MODE_VAR }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'projectMismatchUnknown',
          data: { key: 'alias/k1', project: 'llm', others: 'vision', clusters: 'c2' },
        },
      ],
    },
    {
      name: 'a Continuous cluster of another project fails the key; one of unknown mode is not named',
      inventory: {
        ...usedBy('llm', 'vision'),
        clusters: [
          ...usedBy('llm', 'vision').clusters,
          cluster('c3', [group('workers', { volumes: [rootVolume(K1)] })], {
            tags: { owner: 'ml-platform', project: 'speech' },
            nodeProvisioningMode: MODE_VAR,
          }),
        ],
      },
      expected: [
        {
          status: 'FAIL',
          messageId: 'projectMismatch',
          data: { key: 'alias/k1', project: 'llm', others: 'vision', clusters: 'c2' },
        },
      ],
    },
    {
      name: "the key's project differs from a cluster that uses it",
      inventory: usedBy('llm', 'vision'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'projectMismatch',
          data: { key: 'alias/k1', project: 'llm', others: 'vision', clusters: 'c2' },
          evidence: (e) =>
            JSON.stringify(e.clusterProjects) === '["vision"]' && JSON.stringify(e.clusters) === '["c2"]',
        },
      ],
    },
    {
      name: 'clusters of two other projects share the key',
      inventory: usedBy('vision', 'speech', 'vision'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'projectMismatch',
          data: { key: 'alias/k1', project: 'llm', others: 'vision, speech', clusters: 'c1, c2, c3' },
        },
      ],
    },
    {
      name: 'Terraform plan key without a project tag',
      inventory: iacInventory('terraform-plan', {
        keys: [iacKey('aws_kms_key.k', 'terraform-plan', { tags: { owner: 'ml-platform' } })],
      }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'missing',
          resource: 'infra/main.tf#aws_kms_key.k',
          data: { key: 'infra/main.tf#aws_kms_key.k', missing: 'project' },
        },
      ],
    },
    {
      name: 'ListResourceTags denied',
      inventory: inventory({
        keys: [untagged],
        gaps: [gap({ operation: 'ListResourceTags', resource: K1 })],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            what: 'the tags of alias/k1',
            reason:
              'ListResourceTags failed (aws.access_denied): User is not authorized to perform: kms:ListResourceTags',
          },
        },
      ],
    },
    {
      name: 'tags from an unresolvable expression',
      inventory: iacInventory('cloudformation', {
        keys: [
          iacKey('HyperPodKey', 'cloudformation', {
            tags: unresolved('!If [Prod, ...]', 'condition Prod depends on Env', ['Env']),
          }),
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          data: {
            what: 'the key tags',
            expression: '!If [Prod, ...]',
            reason: 'condition Prod depends on Env',
          },
        },
      ],
    },
    describeKeyDeniedCase(),
  ],
});
