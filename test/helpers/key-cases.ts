/**
 * Cases every key rule's table shares: AWS managed keys are not governed, a key whose DescribeKey
 * was denied is UNKNOWN, and rules that judge only deployed keys are not applicable to keys in
 * templates; and a healthy key from every source is judged alike.
 */
import type { Config } from '../../src/config/schema.js';
import {
  awsManagedKey,
  gap,
  iacInventory,
  iacKey,
  inventory,
  key,
  keyArn,
  undescribedKey,
} from './inventory.js';
import type { RuleCase } from './rule-tester.js';

const withConfig = (config: Config | undefined) => (config ? { config } : {});

export const awsManagedKeyCase = (config?: Config): RuleCase => ({
  name: 'AWS managed key is not governed',
  inventory: inventory({ keys: [awsManagedKey('aws1')] }),
  ...withConfig(config),
  expected: [
    {
      status: 'NOT_APPLICABLE',
      messageId: 'awsManaged',
      resource: keyArn('aws1'),
      data: { key: 'alias/aws/ebs' },
    },
  ],
});

export const describeKeyDeniedCase = (config?: Config): RuleCase => ({
  name: 'DescribeKey denied: the key cannot be judged, and the reason is given',
  inventory: inventory({
    keys: [undescribedKey('k1')],
    gaps: [gap({ operation: 'DescribeKey', resource: keyArn('k1') })],
  }),
  ...withConfig(config),
  expected: [
    {
      status: 'UNKNOWN',
      messageId: 'notCollected',
      resource: keyArn('k1'),
      data: {
        what: 'the metadata of alias/k1',
        reason: 'DescribeKey failed (aws.access_denied): User is not authorized to perform: kms:DescribeKey',
      },
    },
  ],
});

/** A key from each IaC source, for rules that judge deployed keys only. */
export const iacNotApplicableCases = (messageId: string): RuleCase[] =>
  (['cloudformation', 'terraform', 'terraform-plan'] as const).map((source) => {
    const iacKeyOf = source === 'cloudformation' ? iacKey('HyperPodKey') : iacKey('aws_kms_key.k', source);
    return {
      name: `a ${source} key is not deployed yet`,
      inventory: iacInventory(source, { keys: [iacKeyOf] }),
      expected: [{ status: 'NOT_APPLICABLE', messageId, resource: iacKeyOf.arn }],
    };
  });

/**
 * The healthy baseline key (`k1`, or a key defined in a template) from each source but live,
 * which the rule must judge the same way: `expected` is the one verdict they all get, with the
 * data `data` gives for the key's label (its alias, or the `<file>#<id>` of a key in a template).
 */
export const healthyKeyFromEachSource = (
  messageId: string,
  data: (keyLabel: string) => Record<string, string | number>,
  config?: Config,
): RuleCase[] => [
  {
    name: 'a healthy key read from a snapshot',
    inventory: inventory({ keys: [key('k1', { source: 'snapshot' })] }),
    ...withConfig(config),
    expected: [{ status: 'PASS', messageId, resource: keyArn('k1'), data: data('alias/k1') }],
  },
  ...(['cloudformation', 'terraform', 'terraform-plan'] as const).map((source) => {
    const defined = source === 'cloudformation' ? iacKey('HyperPodKey') : iacKey('aws_kms_key.k', source);
    return {
      name: `a healthy key defined in ${source}`,
      inventory: iacInventory(source, { keys: [defined] }),
      ...withConfig(config),
      expected: [{ status: 'PASS' as const, messageId, resource: defined.arn, data: data(defined.arn) }],
    };
  }),
];
