import rule from '../../src/rules/hyperpod/hyperpod-cluster-required-tags.js';
import {
  asSnapshot,
  CLI_FILE,
  CLI_JSON,
  iacCluster,
  iacId,
  iacInventory,
  PLAN_FILE,
  TERRAFORM_PLAN,
  TF_FILE,
  unresolved,
} from '../helpers/iac.js';
import { ACCOUNT, cluster, clusterArn, compliantEstate, inventory, REGION } from '../helpers/inventory.js';
import { ruleTester } from '../helpers/rule-tester.js';

const C1 = clusterArn('c1');
/** A cluster whose tags could not be read: the field is absent. */
const { tags: _tags, ...untagged } = cluster('c1', []);
const tagged = (tags: Record<string, string>) => inventory({ clusters: [cluster('c1', [], { tags })] });

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'UNKNOWN'],
  valid: [
    {
      name: 'every default tag present',
      inventory: compliantEstate(),
      expected: [
        {
          status: 'PASS',
          messageId: 'tagged',
          resource: C1,
          data: { tags: 'owner, project, data-sensitivity' },
        },
      ],
    },
    {
      name: 'configured tags replace the defaults',
      inventory: tagged({ team: 'ml', 'cost-center': '42' }),
      config: { requiredTags: { clusters: ['team', 'cost-center'] } },
      expected: [{ status: 'PASS', messageId: 'tagged', data: { tags: 'team, cost-center' } }],
    },
    {
      name: 'CloudFormation cluster with its tags',
      inventory: iacInventory({
        clusters: [
          iacCluster('Cluster', [], { tags: { owner: 'a', project: 'b', 'data-sensitivity': 'c' } }),
        ],
      }),
      expected: [
        {
          status: 'PASS',
          messageId: 'tagged',
          resource: iacId('Cluster'),
          data: { tags: 'owner, project, data-sensitivity' },
        },
      ],
    },
    {
      name: 'Terraform plan: tags known in the plan',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [],
              { tags: { owner: 'ml', project: 'llm', 'data-sensitivity': 'internal' } },
              TERRAFORM_PLAN,
            ),
          ],
        },
        'terraform-plan',
      ),
      expected: [
        {
          status: 'PASS',
          messageId: 'tagged',
          resource: `${PLAN_FILE}#awscc_sagemaker_cluster.main`,
          data: { tags: 'owner, project, data-sensitivity' },
        },
      ],
    },
  ],
  invalid: [
    {
      name: 'no tags at all',
      inventory: tagged({}),
      expected: [
        { status: 'FAIL', messageId: 'missing', data: { missing: 'owner, project, data-sensitivity' } },
      ],
    },
    {
      name: 'tag keys are case-sensitive',
      inventory: tagged({ Owner: 'a', Project: 'b', 'data-sensitivity': 'c' }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'missing',
          data: { missing: 'owner, project' },
          evidence: (evidence) => JSON.stringify(evidence.missing) === '["owner","project"]',
        },
      ],
    },
    {
      name: 'an empty or blank value is missing',
      inventory: tagged({ owner: '', project: '  ', 'data-sensitivity': 'c' }),
      expected: [{ status: 'FAIL', messageId: 'missing', data: { missing: 'owner, project' } }],
    },
    {
      name: 'ListTags denied: the reason comes from the gap',
      inventory: inventory({
        clusters: [untagged],
        gaps: [
          {
            code: 'aws.access_denied',
            service: 'sagemaker',
            operation: 'ListTags',
            account: ACCOUNT,
            region: REGION,
            resource: C1,
            message: 'not authorized to perform sagemaker:ListTags',
          },
        ],
      }),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            reason: 'ListTags failed (aws.access_denied): not authorized to perform sagemaker:ListTags',
          },
        },
      ],
    },
    {
      name: 'Terraform tags from a variable',
      inventory: iacInventory(
        {
          clusters: [
            iacCluster(
              'awscc_sagemaker_cluster.main',
              [],
              { tags: unresolved('var.tags', ['tags']) },
              { source: 'terraform', file: TF_FILE },
            ),
          ],
        },
        'terraform',
      ),
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'unresolved',
          resource: `${TF_FILE}#awscc_sagemaker_cluster.main`,
          data: { what: 'the cluster tags', expression: 'var.tags', reason: 'tags has no value' },
        },
      ],
    },
    {
      name: 'CloudFormation cluster without Tags',
      inventory: iacInventory({ clusters: [iacCluster('Cluster', [], { tags: {} })] }),
      expected: [
        {
          status: 'FAIL',
          messageId: 'missing',
          resource: iacId('Cluster'),
          data: { missing: 'owner, project, data-sensitivity' },
        },
      ],
    },
    {
      name: 'snapshot: a cluster without the data-sensitivity tag',
      inventory: asSnapshot(tagged({ owner: 'ml', project: 'llm' })),
      expected: [
        { status: 'FAIL', messageId: 'missing', resource: C1, data: { missing: 'data-sensitivity' } },
      ],
    },
    {
      name: 'create-cluster input without Tags',
      inventory: iacInventory({ clusters: [iacCluster('ml', [], { tags: {} }, CLI_JSON)] }, 'cli-json'),
      expected: [
        {
          status: 'FAIL',
          messageId: 'missing',
          resource: `${CLI_FILE}#ml`,
          data: { missing: 'owner, project, data-sensitivity' },
        },
      ],
    },
  ],
});
