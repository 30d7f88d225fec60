import { describe, expect, it } from 'vitest';
import {
  arnMatch,
  type GlobWork,
  globMatch,
  matchesAny,
  resourceMatch,
  splitArn,
} from '../../src/policy/glob.js';

const IAM_OPERATORS =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html';

describe('globMatch: IAM wildcards', () => {
  const rows: [string, string, boolean, { ignoreCase?: boolean }?][] = [
    ['*', '', true],
    ['*', 'anything at all', true],
    ['', '', true],
    ['', 'a', false],
    ['kms:*', 'kms:Decrypt', true],
    ['kms:*', 'kms:', true],
    ['kms:*', 'km:Decrypt', false],
    ['kms:Create*', 'kms:CreateGrant', true],
    ['kms:Create*', 'kms:createGrant', false],
    ['kms:Create*', 'kms:createGrant', true, { ignoreCase: true }],
    ['kms:?ecrypt', 'kms:Decrypt', true],
    ['kms:?ecrypt', 'kms:ecrypt', false],
    ['a?c', 'abc', true],
    ['a?c', 'abbc', false],
    ['*a*b', 'xaxxb', true],
    ['*a*b', 'xaxxbc', false],
    ['a**b', 'ab', true],
    ['a**b', 'axyzb', true],
    ['*.*', 'a.b', true],
    ['(x)+[y]', '(x)+[y]', true],
    ['^$.|', '^$.|', true],
    ['a.c', 'abc', false],
    ['role/*', 'role/a/b/c', true],
    ['*X', `${'k'.repeat(10)}X`, true],
    ['mississippi', 'mississippi', true],
    ['m*iss*ppi', 'mississippi', true],
    ['m*iss*ppx', 'mississippi', false],
    ['line\n*', 'line\nnext', true],
  ];
  it.each(rows)('%j matches %j: %s', (pattern, value, expected, options) => {
    expect(globMatch(pattern, value, options)).toBe(expected);
  });

  it('matchesAny tries every pattern', () => {
    expect(matchesAny('arn:aws:iam::1:role/a', ['x', 'arn:aws:iam::1:role/*'])).toBe(true);
    expect(matchesAny('arn:aws:iam::1:role/a', ['x', 'y'])).toBe(false);
  });
});

/**
 * Adversarial patterns that take a backtracking regular expression exponential (or high-polynomial)
 * time. The matcher's work is counted, so the bound holds on any machine: at most
 * (pattern + 1) x (value + 1) steps.
 */
describe('globMatch: linear in the inputs on adversarial patterns', () => {
  const stars = (n: number) => '*'.repeat(n);
  const rows: [string, string, string, boolean][] = [
    ['a star run then a missing letter', `kms:${stars(3000)}X`, `kms:${'D'.repeat(3000)}`, false],
    ['a star run then a present letter', `kms:${stars(3000)}X`, `kms:${'D'.repeat(3000)}X`, true],
    ["*a repeated, then b, on a's only", `${'*a'.repeat(1500)}*b`, 'a'.repeat(3000), false],
    ["*a repeated, then b, on a's then b", `${'*a'.repeat(1500)}*b`, `${'a'.repeat(3000)}b`, true],
    [
      'a role pattern full of stars',
      `arn:aws:iam::*:role/${'*a'.repeat(1000)}*b`,
      `arn:aws:iam::111122223333:role/${'a'.repeat(2000)}`,
      false,
    ],
    ['question marks and stars', `${'?*'.repeat(1500)}z`, 'y'.repeat(3000), false],
  ];
  it.each(rows)('%s', (_name, pattern, value, expected) => {
    const work: GlobWork = { steps: 0 };
    expect(globMatch(pattern, value, { work })).toBe(expected);
    expect(work.steps).toBeLessThanOrEqual((pattern.length + 1) * (value.length + 1));
  });

  it('a run of stars costs no more than one star', () => {
    const one: GlobWork = { steps: 0 };
    const many: GlobWork = { steps: 0 };
    const value = `${'k'.repeat(6000)}Y`;
    expect(globMatch('*X', value, { work: one })).toBe(false);
    expect(globMatch(`${stars(6000)}X`, value, { work: many })).toBe(false);
    expect(many.steps).toBeLessThanOrEqual(one.steps + 6001);
  });
});

describe('ArnLike: one ARN part at a time', () => {
  // Each of the six colon-delimited parts is matched separately; a wildcard does not span parts.
  // The resource part is everything after the fifth colon, colons and slashes included.
  const rows: [string, string, boolean | undefined][] = [
    ['arn:aws:iam::111122223333:role/*', 'arn:aws:iam::111122223333:role/a', true],
    ['arn:aws:iam::*:role/a', 'arn:aws:iam::111122223333:role/a', true],
    ['arn:aws:iam::*:role/a', 'arn:aws:iam::111122223333:user/a', false],
    // a star in the account part never swallows a colon into the next part
    ['arn:aws:iam::*', 'arn:aws:iam::111122223333:role/a', undefined],
    ['arn:aws:iam::1111*:role/a', 'arn:aws:iam::111122223333:role/a', true],
    ['arn:aws:*:role/a', 'arn:aws:iam::111122223333:role/a', undefined],
    ['arn:*:role/a', 'arn:aws:iam::111122223333:role/a', undefined],
    ['arn:aws:s*:*:*:*', 'arn:aws:sagemaker:us-east-1:111122223333:cluster/x', true],
    ['arn:aws:s*:*:*:*', 'arn:aws:kms:us-east-1:111122223333:key/x', false],
    // the region part is matched alone: "us-*" cannot reach into the account
    ['arn:aws:kms:us-*:111122223333:key/*', 'arn:aws:kms:us-east-1:111122223333:key/k', true],
    ['arn:aws:kms:us-*1:key/*', 'arn:aws:kms:us-east-1:111122223333:key/k', undefined],
    ['arn:aws:kms:*1:*:key/k', 'arn:aws:kms:us-east-1:111122223333:key/k', true],
    // a plain glob would let the account star swallow "1:2"
    ['arn:aws:iam::*:role/a', 'arn:aws:iam::1:2:role/a', false],
    ['arn:aws:s3:::*', 'arn:aws:s3:::bucket/key:with:colons', true],
    ['arn:aws:kms:*:*:key/*', 'arn:aws:kms:us-east-1:111122223333:alias/k', false],
    // the resource part keeps its colons and slashes, and * matches across them
    ['arn:aws:logs:*:*:log-group:/aws/*', 'arn:aws:logs:us-east-1:111122223333:log-group:/aws/x:*', true],
    ['arn:aws:sns:*:*:topic*', 'arn:aws:sns:us-east-1:111122223333:topic:sub:id', true],
    ['arn:aws:iam::111122223333:role/a?c', 'arn:aws:iam::111122223333:role/abc', true],
    ['arn:aws:iam::111122223333:role/a?c', 'arn:aws:iam::111122223333:role/ac', false],
    // case-sensitive, as the IAM reference says ARN operators are
    ['arn:aws:iam::111122223333:role/Admin', 'arn:aws:iam::111122223333:role/admin', false],
    // one part, not six: IAM documents no meaning for it in an ARN operator
    ['*', 'arn:aws:iam::111122223333:role/a', undefined],
    ['arn:aws:iam::111122223333:role/a', 'not-an-arn', false],
  ];
  it.each(rows)(`%j against %j: %s (${IAM_OPERATORS}#Conditions_ARN)`, (pattern, value, expected) => {
    expect(arnMatch(pattern, value)).toBe(expected);
  });

  it('an IaC placeholder is one piece of a part', () => {
    const sub = (text: string) => text.replaceAll('@{', '$' + '{');
    expect(
      splitArn(sub('arn:@{AWS::Partition}:sagemaker:@{AWS::Region}:@{AWS::AccountId}:cluster/x')),
    ).toEqual(
      ['arn', '@{AWS::Partition}', 'sagemaker', '@{AWS::Region}', '@{AWS::AccountId}', 'cluster/x'].map(sub),
    );
    expect(splitArn('arn:aws:kms')).toBeUndefined();
  });

  it('stays bounded on adversarial resource parts', () => {
    const work: GlobWork = { steps: 0 };
    const pattern = `arn:aws:iam::*:role/${'*a'.repeat(1500)}*b`;
    const value = `arn:aws:iam::111122223333:role/${'a'.repeat(3000)}`;
    expect(arnMatch(pattern, value, work)).toBe(false);
    expect(work.steps).toBeLessThanOrEqual((pattern.length + 1) * (value.length + 1));
  });
});

const RESOURCE = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html';
const KEY_ARN = 'arn:aws:kms:us-east-1:111122223331:key/k';

describe('resourceMatch: wildcards within the segments of an ARN', () => {
  // "You can use wildcard characters (* and ?) within the individual segments of an ARN ... If the
  // * wildcard is the last character of a resource ARN segment, it can expand to match beyond the
  // colon boundaries."
  const rows: [string, string, boolean][] = [
    ['*', KEY_ARN, true],
    ['arn:aws:kms:*:111122223331:key/*', KEY_ARN, true],
    ['arn:aws:kms:us-*-1:111122223331:key/k', KEY_ARN, true],
    // a star that ends its segment reaches past the colons
    ['arn:aws:kms:*', KEY_ARN, true],
    ['arn:aws:kms:us-*:key/k', KEY_ARN, true],
    // a star inside a segment does not: "u*1" would have to swallow the region and the account
    ['arn:aws:kms:u*1:key/k', KEY_ARN, false],
    ['arn:aws:kms:u*1:key/*', KEY_ARN, false],
    // nor does a ?
    ['arn:aws:kms:us-east-1?111122223331:key/k', KEY_ARN, false],
    // within the resource part, the colons of the value separate segments too
    ['arn:aws:logs:*:*:log-group:/aws/*', 'arn:aws:logs:us-east-1:1:log-group:/aws/x:*', true],
    ['arn:aws:logs:*:*:log-group:/a*x', 'arn:aws:logs:us-east-1:1:log-group:/aws/y:x', false],
    ['arn:aws:kms:us-east-1:111122223331:key/K', KEY_ARN, false],
  ];
  it.each(rows)(`%j covers %j: %s (${RESOURCE})`, (pattern, value, expected) => {
    expect(resourceMatch(pattern, value)).toBe(expected);
    // A plain glob agrees wherever no wildcard must match a colon.
    if (expected) expect(globMatch(pattern, value)).toBe(true);
  });

  it.each([
    ['*', KEY_ARN],
    ['arn:aws:kms:*', KEY_ARN],
    ['arn:*:kms:us-*:key/*', KEY_ARN],
  ])('%j, every * ending its segment, is decided by the plain match alone', (pattern, value) => {
    // Asked for every statement against every key: no automaton over the value's characters.
    const work: GlobWork = { steps: 0 };
    expect(resourceMatch(pattern, value, work)).toBe(true);
    const plain: GlobWork = { steps: 0 };
    expect(globMatch(pattern, value, { work: plain })).toBe(true);
    expect(work.steps).toBe(plain.steps);
  });

  it('stays bounded when a wildcard must match a colon', () => {
    const work: GlobWork = { steps: 0 };
    const pattern = `arn:aws:kms:${'*a'.repeat(1500)}*b:key/*`;
    const value = `arn:aws:kms:${'a:'.repeat(1500)}b:key/k`;
    resourceMatch(pattern, value, work);
    expect(work.steps).toBeLessThanOrEqual(2 * (pattern.length + 1) * (value.length + 1));
  });
});
