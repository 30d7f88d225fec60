/**
 * CloudFormation as the language defines it, case by case: what the CloudFormation User Guide
 * (intrinsic functions, condition functions, pseudo parameters, template anatomy, dynamic
 * references) and the YAML 1.1 specification CloudFormation reads say a template deploys. Each
 * case asserts the exact inventory value; what CloudFormation resolves only when the stack
 * deploys is UNKNOWN, naming it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceIssue } from '../../src/model/finding.js';
import type { Cluster, EbsVolume } from '../../src/model/inventory.js';
import { loadYaml, plainOf } from '../../src/parsers/common/source-tree.js';
import { removeScannedFiles, scanFiles } from '../helpers/iac-scan.js';

afterEach(removeScannedFiles);

const scan = (
  files: Record<string, string>,
  options: { parameters?: string[]; region?: string; account?: string } = {},
) => scanFiles(files, options);

const cluster = (scanned: { inventory: { clusters: Cluster[] } }, id?: string): Cluster => {
  const found = id
    ? scanned.inventory.clusters.find((c) => c.id === id)
    : scanned.inventory.clusters.length === 1
      ? scanned.inventory.clusters[0]
      : undefined;
  if (!found) throw new Error(`no cluster ${id ?? '(the only one)'}`);
  return found;
};
const volumes = (c: Cluster, group = 0): EbsVolume[] => c.instanceGroups[group]!.volumes as EbsVolume[];
const codes = (scanned: { issues: SourceIssue[] }) =>
  scanned.issues.map((issue) => [issue.code, issue.severity, issue.location?.line]);

/** A template with a key, a cluster whose one group's root volume takes `volumeKey`, and tags. */
function template({
  head = '',
  volumeKey = '!GetAtt Key.Arn',
  tags = '',
  keyProperties = 'EnableKeyRotation: true',
}: {
  head?: string;
  volumeKey?: string;
  tags?: string;
  keyProperties?: string;
}): string {
  return `AWSTemplateFormatVersion: '2010-09-09'
${head}
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      ${keyProperties}
  Cluster:
    Type: AWS::SageMaker::Cluster
    Properties:
      ClusterName: c
      NodeProvisioningMode: Continuous
${tags ? `      Tags:\n${tags}\n` : ''}      InstanceGroups:
        - InstanceGroupName: workers
          InstanceType: ml.g5.8xlarge
          InstanceCount: 1
          ExecutionRole: arn:aws:iam::111122223333:role/workers
          InstanceStorageConfigs:
            - EbsVolumeConfig:
                RootVolume: true
                VolumeKmsKeyId: ${volumeKey}
`;
}

/** Tags written as `- {Key: k, Value: v}` lines from a map of key to value as written. */
const tagLines = (tags: Record<string, string>) =>
  Object.entries(tags)
    .map(([k, v]) => `        - { Key: ${k}, Value: ${v} }`)
    .join('\n');

describe('intrinsic functions and condition functions', () => {
  it('Fn::If, Fn::Equals, Fn::And, Fn::Or, Fn::Not and conditions that refer to conditions', async () => {
    const scanned = await scan({
      't.yaml': template({
        head: `Parameters:
  Env: { Type: String, Default: dev, AllowedValues: [dev, prod] }
  Size: { Type: Number, Default: 100 }
Conditions:
  IsProd: !Equals [prod, !Ref Env]
  IsDev: !Not [!Condition IsProd]
  Big: !Equals [!Ref Size, 100]
  DevAndBig: !And [!Condition IsDev, !Condition Big]
  ProdOrBig: !Or [!Condition IsProd, !Condition Big]
  Never: !And [!Condition IsProd, !Condition IsDev]`,
        tags: tagLines({
          and: '!If [DevAndBig, yes-and, no-and]',
          or: '!If [ProdOrBig, yes-or, no-or]',
          never: '!If [Never, yes-never, no-never]',
          novalue: '!If [IsProd, x, !Ref AWS::NoValue]',
        }),
      }),
    });
    // A Tag whose Value is removed by AWS::NoValue has no value.
    expect(cluster(scanned).tags).toEqual({
      and: 'yes-and',
      or: 'yes-or',
      never: 'no-never',
      novalue: '',
    });
  });

  it('AWS::NoValue from Fn::If removes a list item and a map entry', async () => {
    const scanned = await scan({
      't.yaml': template({
        head: 'Transform: AWS::LanguageExtensions\nConditions:\n  IsProd: !Equals [prod, dev]',
        tags: tagLines({
          joined: '!Join [",", [a, !If [IsProd, b, !Ref AWS::NoValue], c]]',
          json: '!ToJsonString { a: !If [IsProd, 1, !Ref AWS::NoValue], b: [1, !If [IsProd, 2, !Ref AWS::NoValue]] }',
        }),
      }),
    });
    expect(cluster(scanned).tags).toEqual({ joined: 'a,c', json: '{"b":[1]}' });
  });

  it('Fn::GetAtt in its list, dotted and long forms names the same attribute', async () => {
    for (const written of [
      '!GetAtt Key.Arn',
      '!GetAtt [Key, Arn]',
      '{ "Fn::GetAtt": [Key, Arn] }',
      '{ "Fn::GetAtt": Key.Arn }',
    ]) {
      const scanned = await scan({ 't.yaml': template({ volumeKey: written }) });
      expect(volumes(cluster(scanned))[0]!.resolution, written).toEqual({
        status: 'resolved',
        keyArn: 't.yaml#Key',
      });
    }
  });

  it('Fn::FindInMap, with the DefaultValue of AWS::LanguageExtensions when the keys are not in the map', async () => {
    const scanned = await scan({
      't.yaml': template({
        head: `Transform: AWS::LanguageExtensions
Mappings:
  Keys:
    us-east-1: { Alias: alias/hyperpod }
    '100': { Alias: alias/by-number }`,
        tags: tagLines({
          found: '!FindInMap [Keys, us-east-1, Alias]',
          number: '!FindInMap [Keys, 100, Alias]',
          fallback: '!FindInMap [Keys, eu-west-1, Alias, { DefaultValue: alias/default }]',
        }),
      }),
    });
    expect(cluster(scanned).tags).toEqual({
      found: 'alias/hyperpod',
      number: 'alias/by-number',
      fallback: 'alias/default',
    });
  });

  it('Fn::FindInMap on a key known only at deploy time is UNKNOWN, even with a DefaultValue', async () => {
    const scanned = await scan({
      't.yaml': template({
        head: `Transform: AWS::LanguageExtensions
Mappings:
  Keys:
    us-east-1: { Arn: arn:aws:kms:us-east-1:111122223333:key/abcd }`,
        volumeKey: '!FindInMap [Keys, !Ref AWS::Region, Arn, { DefaultValue: alias/aws/ebs }]',
      }),
    });
    expect(volumes(cluster(scanned))[0]!.kmsKeyId).toEqual({
      unresolved: '!FindInMap [Keys, !Ref AWS::Region, Arn, {DefaultValue: alias/aws/ebs}]',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the symbolic Region
      reason: 'a map key is known only at deploy time (${AWS::Region})',
    });
    const known = await scan(
      {
        't.yaml': template({
          head: `Transform: AWS::LanguageExtensions
Mappings:
  Keys:
    us-east-1: { Arn: arn:aws:kms:us-east-1:111122223333:key/abcd }`,
          volumeKey: '!FindInMap [Keys, !Ref AWS::Region, Arn, { DefaultValue: alias/aws/ebs }]',
        }),
      },
      { region: 'eu-west-1' },
    );
    expect(volumes(cluster(known))[0]!.kmsKeyId).toBe('alias/aws/ebs');
  });

  it('Fn::Select, Fn::Split and Fn::Join, and a CommaDelimitedList whose members are space trimmed', async () => {
    const scanned = await scan({
      't.yaml': template({
        head: 'Parameters:\n  Names: { Type: CommaDelimitedList, Default: "a , b,c " }',
        tags: tagLines({
          select: '!Select [1, !Ref Names]',
          selectText: '!Select ["2", !Ref Names]',
          split: '!Select [0, !Split ["/", "x/y"]]',
          join: '!Join [":", !Ref Names]',
        }),
      }),
    });
    expect(cluster(scanned).tags).toEqual({ select: 'b', selectText: 'c', split: 'x', join: 'a:b:c' });
  });

  it('Fn::Base64 is the Base64 encoding of its text; of a value known at deploy time, UNKNOWN', async () => {
    const scanned = await scan({
      't.yaml': template({ tags: tagLines({ encoded: '!Base64 "hyperpod:key"' }) }),
    });
    expect(cluster(scanned).tags).toEqual({ encoded: 'aHlwZXJwb2Q6a2V5' });
    const symbolic = await scan({ 't.yaml': template({ volumeKey: '!Base64 { Ref: Key }' }) });
    expect(volumes(cluster(symbolic))[0]!.kmsKeyId).toEqual({
      unresolved: '!Base64 !Ref Key',
      reason: 'the Base64 encoding of a value known only once deployed',
    });
  });

  it('Fn::Sub with a variable map, an escaped literal and pseudo parameters', async () => {
    const scanned = await scan({
      't.yaml': template({
        head: 'Parameters:\n  Env: { Type: String, Default: dev }',
        tags: tagLines({
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Sub syntax
          vars: '!Sub ["${A}-${Env}", { A: !Ref Env }]',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Sub syntax
          literal: '!Sub "${!Literal}-${Env}"',
        }),
      }),
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal CloudFormation leaves
    expect(cluster(scanned).tags).toEqual({ vars: 'dev-dev', literal: '${Literal}-dev' });
  });

  it('a parameter file overrides a Default; an SSM parameter type is read at deploy time', async () => {
    const scanned = await scan(
      {
        't.yaml': template({
          head: `Parameters:
  KeyArn: { Type: String, Default: alias/aws/sagemaker }
  FromSsm: { Type: 'AWS::SSM::Parameter::Value<String>', Default: /hyperpod/key }`,
          volumeKey: '!Ref KeyArn',
          tags: tagLines({ ssm: '!Ref FromSsm' }),
        }),
        'prod.json': JSON.stringify([
          { ParameterKey: 'KeyArn', ParameterValue: 'arn:aws:kms:us-east-1:111122223333:key/abcd' },
        ]),
      },
      { parameters: ['prod.json'] },
    );
    const c = cluster(scanned, 'prod.json#Cluster');
    expect(volumes(c)[0]!.kmsKeyId).toBe('arn:aws:kms:us-east-1:111122223333:key/abcd');
    expect(c.tags).toEqual({
      unresolved: '!Ref FromSsm',
      reason: 'parameter FromSsm is read from SSM Parameter Store at deploy time',
      inputs: ['FromSsm'],
    });
  });
});

describe('parameters as CloudFormation takes them', () => {
  // User Guide, Parameters: "If you set the NoEcho attribute to true, CloudFormation returns the
  // parameter value masked as asterisks (*****) for any calls that describe the stack".
  it('a NoEcho value, from its Default or a parameter file, is masked in the inventory, findings and every format', async () => {
    const SECRET = 'arn:aws:kms:us-east-1:111122223333:key/SECRET-0001';
    const head = `Parameters:
  KeyArn: { Type: String, NoEcho: true, Default: ${SECRET} }
  Owner: { Type: String, NoEcho: 'true' }
  Mode: { Type: String, NoEcho: true, Default: SECRET-0003, AllowedValues: [Continuous] }
  Plain: { Type: String, Default: shown }`;
    const scanned = await scan(
      {
        't.yaml': template({
          head,
          volumeKey: '!Ref KeyArn',
          tags: tagLines({ owner: '!Ref Owner', mode: '!Ref Mode', plain: '!Sub "${Plain}-${Owner}"' }),
        }),
        'params.json': JSON.stringify([{ ParameterKey: 'Owner', ParameterValue: 'SECRET-0002' }]),
      },
      // An account and Region, which Security Hub's format needs.
      { parameters: ['params.json'], region: 'us-east-1', account: '111122223333' },
    );
    expect(volumes(cluster(scanned))).toEqual([
      expect.objectContaining({
        role: 'root',
        kmsKeyId: '${KeyArn:*****}',
        resolution: { status: 'unknown', reason: 'defined outside the scanned files' },
      }),
    ]);
    // A refused value is not shown either.
    expect(cluster(scanned).tags).toEqual({
      unresolved: '!Ref Mode',
      reason:
        'CloudFormation refuses the value of parameter Mode: ***** is not one of its AllowedValues (Continuous)',
      inputs: ['Mode'],
    });
    const { render } = await import('../../src/index.js');
    const { FORMATS } = await import('../../src/reporters/index.js');
    for (const format of FORMATS) expect(render(scanned.report, format), format).not.toMatch(/SECRET-000/);
    const tags = await scan(
      {
        't.yaml': template({
          head,
          tags: tagLines({ owner: '!Ref Owner', plain: '!Sub "${Plain}-${Owner}"' }),
        }),
        'params.json': JSON.stringify([{ ParameterKey: 'Owner', ParameterValue: 'SECRET-0002' }]),
      },
      { parameters: ['params.json'] },
    );
    expect(cluster(tags).tags).toEqual({ owner: '${Owner:*****}', plain: 'shown-${Owner:*****}' });
  });

  // User Guide, Parameters syntax: AllowedValues, MinValue/MaxValue, MinLength/MaxLength and a
  // Number's value are checked when the stack is created; a value they refuse deploys nothing.
  it('a value outside AllowedValues, a Number that is not one, or out of its bounds: UNKNOWN, naming the rule', async () => {
    const scanned = await scan({
      't.yaml': template({
        head: `Parameters:
  Mode: { Type: String, Default: Legacy, AllowedValues: [Continuous] }
  Size: { Type: Number, Default: ten }
  Window: { Type: Number, Default: 3, MinValue: 7, MaxValue: 30 }
  Name: { Type: String, Default: ab, MinLength: 3 }
  Good: { Type: Number, Default: 30, MinValue: 7, MaxValue: 30, AllowedValues: [7, 30] }`,
        tags: tagLines({ mode: '!Ref Mode', size: '!Ref Size', window: '!Ref Window', name: '!Ref Name' }),
        keyProperties: 'EnableKeyRotation: true\n      PendingWindowInDays: !Ref Good',
      }),
    });
    expect(cluster(scanned).tags).toEqual({
      unresolved: '!Ref Mode',
      reason:
        'CloudFormation refuses the value of parameter Mode: Legacy is not one of its AllowedValues (Continuous)',
      inputs: ['Mode'],
    });
    const refused = async (parameter: string) => {
      const one = await scan({
        't.yaml': template({
          head: `Parameters:
  Size: { Type: Number, Default: ten }
  Window: { Type: Number, Default: 3, MinValue: 7, MaxValue: 30 }
  Name: { Type: String, Default: ab, MinLength: 3 }`,
          tags: tagLines({ value: `!Ref ${parameter}` }),
        }),
      });
      return (cluster(one).tags as { reason: string }).reason;
    };
    expect(await refused('Size')).toBe(
      'CloudFormation refuses the value of parameter Size: ten is not a number',
    );
    expect(await refused('Window')).toBe(
      'CloudFormation refuses the value of parameter Window: 3 is less than its MinValue (7)',
    );
    expect(await refused('Name')).toBe(
      'CloudFormation refuses the value of parameter Name: ab is shorter than its MinLength (3)',
    );
    expect(scanned.inventory.keys[0]!.deletionProtection?.pendingWindowInDays).toBe(30);
  });

  // User Guide, Parameters: "AllowedPattern ... When applied on a parameter of type String, the
  // pattern must match the entire parameter value provided. When applied to a parameter of type
  // CommaDelimitedList, the pattern must match each value in the list"; the syntax is Java's
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-regexes.html).
  it("a value its AllowedPattern does not match whole (a default or a parameter file's): UNKNOWN, naming the pattern", async () => {
    const head = `Parameters:
  Owner: { Type: String, Default: team-a, AllowedPattern: '[a-z]+' }
  Teams: { Type: CommaDelimitedList, Default: 'a1, b2', AllowedPattern: '[a-z]\\d' }
  Code: { Type: String, Default: 'x@y', AllowedPattern: '[a-z]\\@[a-z]' }
  Long: { Type: String, Default: abcd, MaxLength: 3 }
  Big: { Type: Number, Default: 31, MaxValue: 30 }`;
    const tags = async (files: Record<string, string>, parameters?: string[]) =>
      cluster(await scan(files, parameters ? { parameters } : {})).tags;
    const t = (value: string) => ({
      't.yaml': template({ head, tags: tagLines({ value }) }),
    });
    const refused = (name: string, value: string, pattern: string) => ({
      unresolved: `!Ref ${name}`,
      reason: `CloudFormation refuses the value of parameter ${name}: ${value} does not match its AllowedPattern (${pattern})`,
      inputs: [name],
    });
    // Only a part of team-a matches [a-z]+: Java's matches() takes the whole value.
    expect(await tags(t('!Ref Owner'))).toEqual(refused('Owner', 'team-a', '[a-z]+'));
    expect(await tags(t('!Join [",", !Ref Teams]'))).toEqual({ value: 'a1,b2' });
    // An escaped punctuation character is that character, as in Java.
    expect(await tags(t('!Ref Code'))).toEqual({ value: 'x@y' });
    expect(
      await tags(
        {
          ...t('!Join [",", !Ref Teams]'),
          'p.json': JSON.stringify([{ ParameterKey: 'Teams', ParameterValue: 'a1,bb' }]),
        },
        ['p.json'],
      ),
    ).toEqual({ ...refused('Teams', 'a1,bb', '[a-z]\\d'), unresolved: '!Join [",", !Ref Teams]' });
    expect(
      await tags(
        {
          ...t('!Ref Owner'),
          'p.json': JSON.stringify([{ ParameterKey: 'Owner', ParameterValue: 'teamb' }]),
        },
        ['p.json'],
      ),
    ).toEqual({ value: 'teamb' });
    expect(await tags(t('!Ref Long'))).toMatchObject({
      reason: 'CloudFormation refuses the value of parameter Long: abcd is longer than its MaxLength (3)',
    });
    expect(await tags(t('!Ref Big'))).toMatchObject({
      reason: 'CloudFormation refuses the value of parameter Big: 31 is more than its MaxValue (30)',
    });
  });

  it('an AllowedPattern that backtracks, or that only Java runs, is not a verdict: UNKNOWN, saying why, and the scan ends at once', async () => {
    const head = `Parameters:
  Slow: { Type: String, Default: '${'a'.repeat(40)}!', AllowedPattern: '(a+)+' }
  Possessive: { Type: String, Default: aaa, AllowedPattern: 'a*+' }
  Flags: { Type: String, Default: ABC, AllowedPattern: '(?i)[a-z]+' }`;
    const started = Date.now();
    const scanned = await scan({
      't.yaml': template({
        head,
        tags: tagLines({ slow: '!Ref Slow', possessive: '!Ref Possessive', flags: '!Ref Flags' }),
      }),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    const unchecked = (name: string, pattern: string, why: string) => ({
      unresolved: `!Ref ${name}`,
      reason: `the value of parameter ${name} could not be checked against its AllowedPattern (${pattern}): ${why}`,
      inputs: [name],
    });
    // The first UNKNOWN tag stands for the whole map.
    expect(cluster(scanned).tags).toEqual(
      unchecked('Slow', '(a+)+', 'it takes too long to match (it backtracks)'),
    );
    for (const [name, pattern, why] of [
      ['Possessive', 'a*+', 'it uses Java syntax the scanner does not run (a possessive quantifier)'],
      ['Flags', '(?i)[a-z]+', 'it uses Java syntax the scanner does not run (the group (?i)'],
    ] as const) {
      const one = await scan({ 't.yaml': template({ head, tags: tagLines({ value: `!Ref ${name}` }) }) });
      expect(cluster(one).tags).toEqual(unchecked(name, pattern, why));
    }
  });

  it('UsePreviousValue in a parameter file is the value the stack already has: UNKNOWN, never the Default', async () => {
    const scanned = await scan(
      {
        't.yaml': template({
          head: 'Parameters:\n  KeyArn: { Type: String, Default: alias/aws/sagemaker }',
          volumeKey: '!Ref KeyArn',
        }),
        'update.json': JSON.stringify([{ ParameterKey: 'KeyArn', UsePreviousValue: true }]),
      },
      { parameters: ['update.json'] },
    );
    expect(volumes(cluster(scanned, 'update.json#Cluster'))[0]!.kmsKeyId).toEqual({
      unresolved: '!Ref KeyArn',
      reason: 'parameter KeyArn keeps the value the deployed stack has (UsePreviousValue)',
      inputs: ['KeyArn'],
    });
  });
});

describe('pseudo parameters of the Region scanned for', () => {
  // A Region is in exactly one partition; the ARN reference names aws, aws-cn and aws-us-gov, and
  // AWS's partition table the isolated ones (and the domain AWS::URLSuffix is).
  it.each([
    ['us-east-1', 'aws', 'amazonaws.com'],
    ['cn-northwest-1', 'aws-cn', 'amazonaws.com.cn'],
    ['us-gov-west-1', 'aws-us-gov', 'amazonaws.com'],
    ['us-iso-east-1', 'aws-iso', 'c2s.ic.gov'],
    ['us-isob-east-1', 'aws-iso-b', 'sc2s.sgov.gov'],
    ['eu-isoe-west-1', 'aws-iso-e', 'cloud.adc-e.uk'],
    ['us-isof-south-1', 'aws-iso-f', 'csp.hci.ic.gov'],
    ['eusc-de-east-1', 'aws-eusc', 'amazonaws.eu'],
  ])(
    '%s: AWS::Partition is %s and AWS::URLSuffix %s, in ARNs the template builds',
    async (region, partition, suffix) => {
      const scanned = await scan(
        {
          't.yaml': template({
            volumeKey: "!Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:111122223333:key/k'",
            tags: tagLines({ suffix: '!Ref AWS::URLSuffix' }),
          }),
        },
        { region },
      );
      expect(volumes(cluster(scanned))[0]!.kmsKeyId).toBe(
        `arn:${partition}:kms:${region}:111122223333:key/k`,
      );
      expect(cluster(scanned).tags).toEqual({ suffix });
    },
  );
});

describe('Fn::Cidr', () => {
  // Template Reference, Fn::Cidr: count CIDR blocks of cidrBits host bits, from the start of ipBlock.
  it('splits an IPv4 or an IPv6 block; one whose inputs are not known is UNKNOWN', async () => {
    const scanned = await scan({
      't.yaml': template({
        tags: tagLines({
          first: '!Select [0, !Cidr [192.168.0.0/24, 6, 5]]',
          last: '!Select [5, !Cidr [192.168.0.0/24, 6, 5]]',
          wide: '!Select [1, !Cidr [10.0.0.0/16, 2, 8]]',
          joined: '!Join [",", !Cidr ["10.1.0.0/16", "3", "12"]]',
        }),
      }),
    });
    expect(cluster(scanned).tags).toEqual({
      first: '192.168.0.0/27',
      last: '192.168.0.160/27',
      wide: '10.0.1.0/24',
      joined: '10.1.0.0/20,10.1.16.0/20,10.1.32.0/20',
    });
    const v6 = await scan({
      't.yaml': template({
        tags: tagLines({
          v6: '!Select [1, !Cidr ["2001:db8::/56", 2, 64]]',
          joined: '!Join [",", !Cidr ["2600:1f14:abc:de00::/56", "2", "68"]]',
        }),
      }),
    });
    expect(cluster(v6).tags).toEqual({
      v6: '2001:db8:0:1::/64',
      joined: '2600:1f14:abc:de00::/60,2600:1f14:abc:de10::/60',
    });
  });
});

describe('dynamic references', () => {
  it('{{resolve:...}} is resolved when the stack deploys: UNKNOWN, naming the reference, never the text as a key', async () => {
    const scanned = await scan({
      't.yaml': template({ volumeKey: "'{{resolve:ssm:/hyperpod/kms-key-arn}}'" }),
    });
    expect(volumes(cluster(scanned))[0]!.kmsKeyId).toEqual({
      unresolved: '{{resolve:ssm:/hyperpod/kms-key-arn}}',
      reason: 'a dynamic reference, resolved by CloudFormation when the stack deploys',
      inputs: ['{{resolve:ssm:/hyperpod/kms-key-arn}}'],
    });
    const rule = scanned.report.findings.find((f) => f.ruleId === 'hyperpod-root-volume-cmk')!;
    expect(rule.status).toBe('UNKNOWN');
  });

  it('inside Fn::Sub or Fn::Join too, and in a tag value', async () => {
    const scanned = await scan({
      't.yaml': template({
        volumeKey:
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Sub syntax
          "!Sub 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/{{resolve:ssm:/hyperpod/key-id:3}}'",
        tags: tagLines({
          project: '!Join ["", ["{{resolve:secretsmanager:", team, ":SecretString:project}}"]]',
        }),
      }),
    });
    const c = cluster(scanned);
    expect(volumes(c)[0]!.kmsKeyId).toMatchObject({
      reason: 'a dynamic reference, resolved by CloudFormation when the stack deploys',
      inputs: ['{{resolve:ssm:/hyperpod/key-id:3}}'],
    });
    expect(c.tags).toMatchObject({
      reason: 'a dynamic reference, resolved by CloudFormation when the stack deploys',
      inputs: ['{{resolve:secretsmanager:team:SecretString:project}}'],
    });
  });
});

describe('Outputs', () => {
  it('an output whose Condition is false is not created: nothing is exported under its name', async () => {
    const scanned = await scan({
      'keys.yaml': `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Env: { Type: String, Default: dev }
Conditions:
  IsProd: !Equals [prod, !Ref Env]
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties: { EnableKeyRotation: true }
Outputs:
  KeyOut:
    Condition: IsProd
    Value: !Ref Key
    Export: { Name: shared-key }
`,
      'cluster.yaml': template({ volumeKey: '!ImportValue shared-key' }).replace(
        / {2}Key:\n {4}Type: AWS::KMS::Key\n {4}Properties:\n {6}EnableKeyRotation: true\n/,
        '',
      ),
    });
    expect(volumes(cluster(scanned))[0]!).toMatchObject({
      kmsKeyId: {
        unresolved: '!ImportValue shared-key',
        reason: 'an export of another stack (shared-key)',
        inputs: ['shared-key'],
      },
    });
  });

  it('a nested stack output whose Condition is false cannot be read', async () => {
    const scanned = await scan({
      'parent.yaml': `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Keys:
    Type: AWS::CloudFormation::Stack
    Properties: { TemplateURL: ./child.yaml }
  Cluster:
    Type: AWS::SageMaker::Cluster
    Properties:
      ClusterName: c
      NodeProvisioningMode: Continuous
      InstanceGroups:
        - InstanceGroupName: workers
          InstanceType: ml.g5.8xlarge
          InstanceCount: 1
          ExecutionRole: arn:aws:iam::111122223333:role/workers
          InstanceStorageConfigs:
            - EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: !GetAtt Keys.Outputs.KeyArn }
`,
      'child.yaml': `AWSTemplateFormatVersion: '2010-09-09'
Conditions:
  Never: !Equals [a, b]
Resources:
  Key:
    Type: AWS::KMS::Key
    Condition: Never
    Properties: { EnableKeyRotation: true }
Outputs:
  KeyArn:
    Condition: Never
    Value: !GetAtt Key.Arn
`,
    });
    expect(volumes(cluster(scanned))[0]!.kmsKeyId).toEqual({
      unresolved: '!GetAtt Keys.Outputs.KeyArn',
      reason: 'nested stack output KeyArn is not created: its condition Never is false',
      inputs: ['KeyArn'],
    });
  });
});

describe('nested stacks', () => {
  it('a parameter AWS::NoValue removes is not passed: the child takes its Default', async () => {
    const scanned = await scan({
      'parent.yaml': `AWSTemplateFormatVersion: '2010-09-09'
Conditions:
  Never: !Equals [a, b]
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./child.yaml
      Parameters:
        KeyArn: !If [Never, arn:aws:kms:us-east-1:111122223333:key/x, !Ref AWS::NoValue]
`,
      'child.yaml': template({
        head: 'Parameters:\n  KeyArn: { Type: String, Default: alias/aws/sagemaker }',
        volumeKey: '!Ref KeyArn',
      }),
    });
    expect(volumes(cluster(scanned, 'parent.yaml#Child.Cluster'))[0]!.kmsKeyId).toBe('alias/aws/sagemaker');
  });
});

describe('Transform', () => {
  it('SAM (AWS::Serverless-2016-10-31) leaves a HyperPod cluster and its key as written', async () => {
    const scanned = await scan({
      'sam.yaml': template({
        head: 'Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function: { Timeout: 30 }',
        volumeKey: '!Ref Key',
      }),
    });
    expect(scanned.issues).toEqual([]);
    expect(volumes(cluster(scanned))[0]!.resolution).toEqual({ status: 'resolved', keyArn: 'sam.yaml#Key' });
  });

  it('a macro of the account rewrites the template when it deploys: an error naming it', async () => {
    const scanned = await scan({
      'm.yaml': template({ head: 'Transform: [AWS::Serverless-2016-10-31, Org::AddVolumes]' }),
    });
    expect(scanned.issues).toEqual([
      expect.objectContaining({
        code: 'cfn.deploy_time',
        severity: 'error',
        message:
          'the template is processed by macro Org::AddVolumes when it deploys: what the macro changes is not scanned',
        location: { file: 'm.yaml', line: 2 },
      }),
    ]);
  });
});

describe('YAML as CloudFormation reads it (YAML 1.1)', () => {
  // https://yaml.org/type/int.html and https://yaml.org/type/float.html; CloudFormation "supports
  // the YAML Version 1.1 specification" (User Guide, Template format).
  it('integers: octal with a leading zero, underscores, base 60, binary; digits that are no octal stay text', () => {
    expect(
      plainOf(
        loadYaml(
          [
            'octal: 0123',
            'account: 012345678901',
            'octalAccount: 012345670123',
            'under: 1_000',
            'sexagesimal: 1:20',
            'binary: 0b1010',
            'hex: 0x1F',
            'zero: 0',
            'negative: -012',
            'quoted: "0123"',
          ].join('\n'),
        ),
      ),
    ).toEqual({
      octal: 83,
      account: '012345678901',
      octalAccount: 1402433619,
      under: 1000,
      sexagesimal: 80,
      binary: 10,
      hex: 31,
      zero: 0,
      negative: -10,
      quoted: '0123',
    });
  });

  it('floats need a dot; YAML 1.2 forms are text', () => {
    expect(
      plainOf(
        loadYaml(
          ['dot: 1.5', 'lead: .5', 'exp: 1.0e+3', 'noDot: 1e3', 'o: 0o17', 'inf: -.inf', 'time: 1:30.5'].join(
            '\n',
          ),
        ),
      ),
    ).toEqual({ dot: 1.5, lead: 0.5, exp: 1000, noDot: '1e3', o: '0o17', inf: -Infinity, time: 90.5 });
  });

  it('a mapping key with a leading zero finds the value FindInMap asks for', async () => {
    const scanned = await scan({
      't.yaml': template({
        head: `Mappings:
  Accounts:
    012345678901: { Project: ml }
    '007': { Project: bond }`,
        tags: tagLines({
          account: "!FindInMap [Accounts, '012345678901', Project]",
          quoted: "!FindInMap [Accounts, '007', Project]",
        }),
      }),
    });
    expect(cluster(scanned).tags).toEqual({ account: 'ml', quoted: 'bond' });
  });

  it('merge keys take one map or a list of maps, the earlier winning, and never what the map sets itself', () => {
    expect(
      plainOf(
        loadYaml(`a: &a { x: from-a, y: from-a }
b: &b { x: from-b, z: from-b }
one: { <<: *a, y: own }
list: { <<: [*a, *b], w: own }
`),
      ),
    ).toMatchObject({
      one: { x: 'from-a', y: 'own' },
      list: { x: 'from-a', y: 'from-a', z: 'from-b', w: 'own' },
    });
  });

  it('a duplicate key is an error naming both lines: what CloudFormation makes of it is undefined', async () => {
    const scanned = await scan({
      't.yaml': template({ keyProperties: 'EnableKeyRotation: false\n      EnableKeyRotation: true' }),
      'j.json': JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: {} }).replace(
        '"Resources":{}',
        '"Resources":{},"Resources":{"K":{"Type":"AWS::KMS::Key"}}',
      ),
    });
    expect(scanned.inventory.keys).toEqual([]);
    expect(scanned.issues.map((i) => [i.code, i.severity, i.message, i.location])).toEqual([
      [
        'cfn.parse',
        'error',
        'duplicate key EnableKeyRotation (first at line 7)',
        { file: 't.yaml', line: 8 },
      ],
      ['cfn.parse', 'error', 'duplicate key Resources (first at line 1)', { file: 'j.json', line: 1 }],
    ]);
  });

  it("a tag CloudFormation does not define is an error; the core schema's !!str and !!int are read", async () => {
    const scanned = await scan({
      'bad.yaml': template({ tags: tagLines({ a: '!Upper c' }) }),
      'binary.yaml': template({ tags: tagLines({ a: '!!binary aGk=' }) }),
      'good.yaml': template({ tags: tagLines({ zero: '!!str 0123', n: '!!int "12"' }) }),
    });
    expect(scanned.issues.map((i) => [i.location?.file, i.message]).sort()).toEqual([
      ['bad.yaml', 'YAML tag !Upper is not one CloudFormation reads: it refuses the template'],
      ['binary.yaml', 'YAML tag !!binary is not one CloudFormation reads: it refuses the template'],
    ]);
    expect(cluster(scanned).tags).toEqual({ zero: '0123', n: '12' });
  });

  // User Guide, Template formats: "CloudFormation doesn't support the following features: ...
  // Aliases; Hash merges".
  it('a YAML alias or merge key in a template is an error naming its line: CloudFormation refuses the template', async () => {
    const hint =
      'write the values out where they are used, or scan the template `aws cloudformation package` writes (it expands them); the other files were still scanned';
    const scanned = await scan({
      'alias.yaml': template({ keyProperties: 'EnableKeyRotation: &on true\n      Enabled: *on' }),
      'merge.yaml': template({ keyProperties: 'EnableKeyRotation: true\n      <<: {Enabled: true}' }),
      'good.yaml': template({}),
      // Other YAML may use them: a workflow is no template.
      '.github/workflows/ci.yaml': 'x: &x {a: 1}\ny:\n  <<: *x\n',
    });
    expect(
      scanned.issues
        .map((i) => [i.code, i.severity, i.message, i.hint, i.location])
        .sort((a, b) => JSON.stringify(a[4]).localeCompare(JSON.stringify(b[4]))),
    ).toEqual([
      [
        'cfn.parse',
        'error',
        'YAML alias *on is not read by CloudFormation, which supports neither aliases nor hash merges: it refuses the template',
        hint,
        { file: 'alias.yaml', line: 8 },
      ],
      [
        'cfn.parse',
        'error',
        'YAML merge key << is not read by CloudFormation, which supports neither aliases nor hash merges: it refuses the template',
        hint,
        { file: 'merge.yaml', line: 8 },
      ],
    ]);
    expect(scanned.inventory.clusters.map((c) => c.id)).toEqual(['good.yaml#Cluster']);
  });

  it('aliases expanded past the node budget are refused at once (billion laughs)', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level <= 12; level++)
      lines.push(
        `${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + level)}`)
          .join(', ')}]`,
      );
    const started = Date.now();
    expect(() => loadYaml(lines.join('\n'))).toThrow(/expands to more than 2000000 nodes/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('create-cluster input in YAML, as the AWS CLI v2 reads it (YAML 1.2)', () => {
  // The AWS CLI v2 reads --cli-input-yaml with ruamel.yaml, YAML 1.2: a plain yes is text and a
  // leading zero is no octal (aws/aws-cli#5245 shows the two readings apart).
  it('RootVolume: yes is no boolean, and 010 is ten', async () => {
    const scanned = await scan({
      'create-cluster.yaml': `ClusterName: c
NodeProvisioningMode: Continuous
Orchestrator:
  Eks:
    ClusterArn: arn:aws:eks:us-east-1:111122223333:cluster/ml
InstanceGroups:
  - InstanceGroupName: workers
    InstanceType: ml.g5.8xlarge
    InstanceCount: 010
    ExecutionRole: arn:aws:iam::111122223333:role/workers
    InstanceStorageConfigs:
      - EbsVolumeConfig:
          RootVolume: yes
          VolumeKmsKeyId: arn:aws:kms:us-east-1:111122223333:key/abcd
VpcConfig:
  SecurityGroupIds: [sg-0123456789abcdef0]
  Subnets: [subnet-0123456789abcdef0]
`,
    });
    const group = cluster(scanned).instanceGroups[0]!;
    expect(group.instanceCount).toBe(10);
    expect(group.volumes).toEqual({
      unresolved: 'yes',
      reason: 'not a boolean (true or false), so what would be deployed cannot be told',
    });
  });
});

describe('the scan still reports the codes it did', () => {
  it('a multi-document YAML template is an error naming the line of the second document', async () => {
    const scanned = await scan({
      'multi.yaml': `${template({})}---\nAWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n`,
    });
    expect(codes(scanned)).toEqual([['cfn.parse', 'error', 22]]);
    expect(scanned.issues[0]!.message).toBe('several YAML documents in one file: a template is one document');
  });
});
