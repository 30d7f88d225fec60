/**
 * CloudFormation's intrinsic functions, one table entry each: every entry of INTRINSICS runs here
 * against a stack whose parameters, conditions, resources and mappings are fixed; an intrinsic
 * not in the table is UNKNOWN ("evaluated by CloudFormation at deploy time"); an UNKNOWN input
 * makes the expression UNKNOWN with its inputs.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, INTRINSICS, type IntrinsicScope } from '../../src/parsers/cloudformation/intrinsics.js';
import { loadYaml, plainOf } from '../../src/parsers/common/source-tree.js';
import { Sym, Unknown, type Val } from '../../src/parsers/common/value.js';

/** Env = prod; condition IsProd = true; any other name UNKNOWN; GetAtt of anything symbolic. */
function run(text: string): unknown {
  const scope: IntrinsicScope = {
    options: { region: 'us-east-1' },
    mappings: loadYaml('RegionMap:\n  us-east-1:\n    Ami: ami-1\n'),
    evaluation: { depth: 0 },
    reference: (name) =>
      name === 'Env' ? 'prod' : new Unknown(`!Ref ${name}`, `${name} has no value`, [name]),
    getAtt: (logicalId, attribute) => new Sym(`${logicalId}.${attribute}`),
    condition: (name) =>
      name === 'IsProd' ? true : new Unknown(`!Condition ${name}`, `condition ${name} is not known`, [name]),
    location: (line) => ({ file: 'template.yaml', ...(line ? { line } : {}) }),
  };
  const value = evaluate(scope, loadYaml(text));
  expect(scope.evaluation.depth).toBe(0);
  return plain(value);
}

function plain(value: Val): unknown {
  if (value instanceof Unknown)
    return { unknown: value.expression, reason: value.reason, inputs: [...value.inputs] };
  if (value instanceof Sym) return { sym: value.text };
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  return value;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Sub, not a template literal
const SUB = '!Sub ["arn:${AWS::Partition}:s3:::${Env}-${Name}", { Name: x }]';
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation placeholder, not a template literal
const ACCOUNT_PLACEHOLDER = '${AWS::AccountId}';

const CASES: Record<string, [string, unknown]> = {
  Ref: ['!Ref Env', 'prod'],
  Condition: ['!Condition IsProd', true],
  'Fn::GetAtt': ['!GetAtt Key.Arn', { sym: 'Key.Arn' }],
  'Fn::Sub': [SUB, 'arn:aws:s3:::prod-x'],
  'Fn::If': ['!If [IsProd, a, b]', 'a'],
  'Fn::Equals': ['!Equals [!Ref Env, prod]', true],
  'Fn::Not': ['!Not [!Equals [a, b]]', true],
  'Fn::And': ['!And [!Equals [a, a], !Condition IsProd]', true],
  'Fn::Or': ['!Or [!Condition Unset, !Condition IsProd]', true],
  'Fn::Join': ['!Join ["-", [a, !Ref Env]]', 'a-prod'],
  'Fn::Select': ['!Select [1, [a, b]]', 'b'],
  'Fn::Split': ['!Split [",", "a,b"]', ['a', 'b']],
  'Fn::FindInMap': ['!FindInMap [RegionMap, !Ref AWS::Region, Ami]', 'ami-1'],
  'Fn::ImportValue': [
    '!ImportValue shared-key',
    {
      unknown: '!ImportValue shared-key',
      reason: 'an export of another stack (shared-key)',
      inputs: ['shared-key'],
    },
  ],
  'Fn::Base64': ['!Base64 abc', 'YWJj'],
  'Fn::Cidr': ['!Cidr [10.0.0.0/16, 2, 8]', ['10.0.0.0/24', '10.0.1.0/24']],
  'Fn::Length': ['Fn::Length: [a, b, c]', 3],
  'Fn::ToJsonString': ['Fn::ToJsonString: { a: 1 }', '{"a":1}'],
};

describe('the intrinsic function table', () => {
  it('every intrinsic of the table has a case, and every case an intrinsic', () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(INTRINSICS).sort());
  });

  it.each(Object.entries(CASES))('%s', (_name, [text, expected]) => {
    expect(run(text)).toEqual(expected);
  });
});

// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-cidr.html:
// count (1 to 256) blocks of cidrBits host bits ("subtract the subnet bits from ... 128 for IPv6").
describe('Fn::Cidr of an IPv6 block', () => {
  it.each([
    ['!Cidr ["2001:db8::/56", 2, 64]', ['2001:db8::/64', '2001:db8:0:1::/64']],
    [
      '!Cidr ["2001:DB8:0:0:0:0:0:0/48", "3", "76"]',
      ['2001:db8::/52', '2001:db8:0:1000::/52', '2001:db8:0:2000::/52'],
    ],
    ['!Cidr ["::/0", 2, 120]', ['::/8', '100::/8']],
    ['!Cidr ["2600:1f14:abc:de00::/56", 1, 72]', ['2600:1f14:abc:de00::/56']],
    ['!Cidr ["fd00:0:0:1::/64", 2, 0]', ['fd00:0:0:1::/128', 'fd00:0:0:1::1/128']],
    ['!Cidr ["2001:db8:1:0:0:1::/96", 1, 32]', ['2001:db8:1::1:0:0/96']],
  ])('%s', (text, blocks) => {
    expect(run(text)).toEqual(blocks);
  });

  it('256 blocks at most, computed at once; what CloudFormation refuses is UNKNOWN, naming why', () => {
    expect((run('!Cidr ["2001:db8::/32", 256, 64]') as string[]).slice(-1)).toEqual(['2001:db8:0:ff::/64']);
    const refused = (text: string, why: string) =>
      expect(run(text)).toEqual({
        unknown: text.replace(/"/g, ''),
        reason: `CloudFormation refuses this Fn::Cidr: ${why}`,
        inputs: [],
      });
    refused('!Cidr ["2001:db8::/56", 257, 64]', 'the count is not 1 to 256');
    refused('!Cidr ["2001:db8::/56", 0, 64]', 'the count is not 1 to 256');
    refused('!Cidr ["2001:db8::1/64", 1, 32]', '2001:db8::1/64 has host bits set');
    refused('!Cidr ["2001:db8::/64", 1, 72]', 'the blocks do not fit in the block');
    refused('!Cidr ["2001:db8::/120", 2, 8]', 'the blocks do not fit in the block');
    refused('!Cidr ["2001:::1/64", 1, 8]', '2001:::1/64 is not an IPv6 block');
    refused('!Cidr ["1:2:3:4:5:6:7:8:9/64", 1, 8]', '1:2:3:4:5:6:7:8:9/64 is not an IPv6 block');
    refused('!Cidr ["2001:db8::/129", 1, 8]', '2001:db8::/129 is not an IPv6 block');
    refused('!Cidr ["12345::/16", 1, 8]', '12345::/16 is not an IPv6 block');
  });
});

describe('what the table does not evaluate, or cannot know, is UNKNOWN', () => {
  it.each([
    ['!GetAZs ""', '!GetAZs ""', 'Fn::GetAZs'],
    ['Fn::constructor: x', '{Fn::constructor: x}', 'Fn::constructor'],
  ])('%s', (text, expression, name) => {
    expect(run(text)).toEqual({
      unknown: expression,
      reason: `${name} is evaluated by CloudFormation at deploy time`,
      inputs: [],
    });
  });

  it('an unknown parameter makes the expression UNKNOWN, naming it', () => {
    expect(run('!Join ["-", [a, !Ref Unset]]')).toEqual({
      unknown: '!Join [-, [a, !Ref Unset]]',
      reason: 'Unset has no value',
      inputs: ['Unset'],
    });
  });

  it('Fn::If on an unknown condition is UNKNOWN, naming the condition', () => {
    expect(run('!If [Unset, a, b]')).toEqual({
      unknown: '!If [Unset, a, b]',
      reason: 'it depends on condition Unset: condition Unset is not known',
      inputs: ['Unset'],
    });
  });

  it('a pseudo parameter the scan was not told is symbolic', () => {
    expect(run('!Ref AWS::AccountId')).toEqual({ sym: ACCOUNT_PLACEHOLDER });
  });
});

describe('YAML as CloudFormation reads it (YAML 1.1)', () => {
  it('a plain yes, no, on or off is a boolean, as CloudFormation reads it; quoted, or y and n, it is text', () => {
    expect(
      plainOf(
        loadYaml(
          'EnableKeyRotation: yes\nMultiRegion: Off\nEnabled: ON\nPending: no\nquoted: "yes"\nsingle: \'off\'\nshort: y\nword: yesterday\nplain: true\n',
        ),
      ),
    ).toEqual({
      EnableKeyRotation: true,
      MultiRegion: false,
      Enabled: true,
      Pending: false,
      quoted: 'yes',
      single: 'off',
      short: 'y',
      word: 'yesterday',
      plain: true,
    });
  });
});
