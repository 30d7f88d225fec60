/**
 * The condition evaluator against AWS's documented semantics, case by case: each row is an input on
 * which AWS's documentation fixes the answer, and names the page that fixes it.
 */
import { describe, expect, it } from 'vitest';
import {
  evaluateConditionKey,
  evaluateConditions,
  parseOperator,
  requestContext,
  type Tri,
} from '../../src/policy/conditions.js';

const IAM = 'https://docs.aws.amazon.com/IAM/latest/UserGuide';
const OPERATORS = `${IAM}/reference_policies_elements_condition_operators.html`;
const VARIABLES = `${IAM}/reference_policies_variables.html`;

const A = '111122223333';
const ROLE = `arn:aws:iam::${A}:role/hyperpod-exec`;
/** A policy variable as a policy writes it. */
const v = (name: string) => `$${'{'}${name}}`;

describe(`policy variables in conditions (${VARIABLES})`, () => {
  const ctx = requestContext(
    {
      'aws:PrincipalArn': ROLE,
      'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com',
      'aws:PrincipalTag/via': 'sagemaker.us-east-1.amazonaws.com',
      'aws:PrincipalTag/star': 'a*',
      'aws:SecureTransport': true,
      'aws:TagKeys': ['a', 'b'],
      'aws:RequestTag/literal': 'a*b?c$',
    },
    ['aws:PrincipalTag/missing'],
  );
  const rows: [string, string, unknown, Tri][] = [
    ['StringEquals', 'aws:PrincipalArn', v('aws:PrincipalArn'), 'yes'],
    ['StringEquals', 'kms:ViaService', v('aws:PrincipalTag/via'), 'yes'],
    ['StringNotEquals', 'kms:ViaService', v('aws:PrincipalTag/via'), 'no'],
    [
      'StringLike',
      'aws:PrincipalArn',
      `arn:aws:iam::${A}:role/${v('aws:PrincipalTag/nobody-knows')}`,
      'maybe',
    ],
    ['ArnEquals', 'aws:PrincipalArn', v('aws:PrincipalArn'), 'yes'],
    ['ArnLike', 'aws:PrincipalArn', `arn:aws:iam::${v('kms:CallerAccount')}:role/*`, 'maybe'],
    ['Bool', 'aws:SecureTransport', v('aws:SecureTransport'), 'yes'],
    // a substituted value is literal: its * is no wildcard
    ['StringLike', 'kms:ViaService', v('aws:PrincipalTag/star'), 'no'],
    // ${*}, ${?} and ${$} stand for the characters themselves
    ['StringEquals', 'aws:RequestTag/literal', `a${v('*')}b${v('?')}c${v('$')}`, 'yes'],
    ['StringLike', 'aws:RequestTag/literal', `a${v('*')}b${v('?')}*`, 'yes'],
    ['StringLike', 'kms:ViaService', `s${v('*')}`, 'no'],
    // an absent key without a default never matches, negated or not
    ['StringEquals', 'kms:ViaService', v('aws:PrincipalTag/missing'), 'no'],
    ['StringNotEquals', 'kms:ViaService', v('aws:PrincipalTag/missing'), 'no'],
    [
      'StringEquals',
      'kms:ViaService',
      v("aws:PrincipalTag/missing, 'sagemaker.us-east-1.amazonaws.com'"),
      'yes',
    ],
    // a multivalued key cannot be a variable
    ['StringEquals', 'kms:ViaService', v('aws:TagKeys'), 'no'],
  ];
  it.each(rows)('%s %s %j -> %s', (operator, key, value, expected) => {
    expect(evaluateConditionKey(operator, key, value, ctx)).toBe(expected);
  });
});

describe(`Date operators take W3C ISO 8601 dates and epoch seconds (${OPERATORS}#Conditions_Date)`, () => {
  const ctx = requestContext({ 'aws:EpochTime': '1700000000', 'aws:CurrentTime': '2026-11-27T12:00:00Z' });
  it.each([
    ['DateLessThan', 'aws:EpochTime', '1800000000', 'yes'],
    ['DateGreaterThan', 'aws:EpochTime', '1600000000', 'yes'],
    ['DateEquals', 'aws:EpochTime', '2023-11-14T22:13:20Z', 'yes'],
    ['DateGreaterThan', 'aws:CurrentTime', '1700000000', 'yes'],
    ['DateLessThan', 'aws:CurrentTime', '1700000000', 'no'],
    ['DateGreaterThan', 'aws:CurrentTime', '2026', 'yes'],
    ['DateLessThan', 'aws:CurrentTime', '2026-12', 'yes'],
    ['DateLessThan', 'aws:CurrentTime', '2026-11-27T13:00+01:00', 'no'],
    // not a date at all
    ['DateLessThan', 'aws:CurrentTime', 'March 7 2030', 'no'],
  ] as const)('%s %s %s -> %s', (operator, key, value, expected) => {
    expect(evaluateConditionKey(operator, key, value, ctx)).toBe(expected);
  });
});

describe(`Numeric operators take integers and decimals (${OPERATORS}#Conditions_Numeric)`, () => {
  const ctx = requestContext({ 'kms:x': '0', 'kms:y': '16', 'kms:z': '10.0' });
  it.each([
    ['NumericEquals', 'kms:x', '', 'no'],
    ['NumericEquals', 'kms:x', ' ', 'no'],
    ['NumericEquals', 'kms:y', '0x10', 'no'],
    ['NumericEquals', 'kms:z', '10', 'yes'],
    ['NumericLessThan', 'kms:z', '10.5', 'yes'],
  ] as const)('%s %s %j -> %s', (operator, key, value, expected) => {
    expect(evaluateConditionKey(operator, key, value, ctx)).toBe(expected);
  });
});

describe(`IP address operators match CIDR ranges when the address is known (${OPERATORS}#Conditions_IPAddress)`, () => {
  const v4 = requestContext({ 'aws:SourceIp': '203.0.113.5' });
  const v6 = requestContext({ 'aws:SourceIp': '2001:db8:1234:5678::1' });
  it.each([
    [v4, 'IpAddress', '203.0.113.0/24', 'yes'],
    [v4, 'IpAddress', '198.51.100.0/24', 'no'],
    [v4, 'IpAddress', ['198.51.100.0/24', '203.0.113.0/24'], 'yes'],
    [v4, 'IpAddress', '203.0.113.5', 'yes'],
    [v4, 'IpAddress', '203.0.113.6', 'no'],
    [v4, 'NotIpAddress', '203.0.113.0/24', 'no'],
    [v4, 'NotIpAddress', '10.0.0.0/8', 'yes'],
    [v4, 'IpAddress', '0.0.0.0/0', 'yes'],
    [v4, 'IpAddress', '2001:DB8:1234:5678::/64', 'no'],
    [v6, 'IpAddress', '2001:DB8:1234:5678::/64', 'yes'],
    [v6, 'IpAddress', '2001:DB8:1234:5679::/64', 'no'],
    [v6, 'NotIpAddress', '203.0.113.0/24', 'yes'],
  ] as const)('%#: %s %j -> %s', (context, operator, value, expected) => {
    expect(evaluateConditionKey(operator, 'aws:SourceIp', value, context)).toBe(expected);
  });
});

describe(`Null takes "true" or "false", and no IfExists (${OPERATORS}#Conditions_Null)`, () => {
  const ctx = requestContext({ 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' }, [
    'kms:GranteePrincipal',
  ]);
  it.each([
    ['Null', 'kms:ViaService', 'yes', 'no'],
    ['Null', 'kms:GranteePrincipal', 'no', 'no'],
    ['Null', 'kms:GranteePrincipal', 'TRUE', 'yes'],
  ] as const)('%s %s %j -> %s', (operator, key, value, expected) => {
    expect(evaluateConditionKey(operator, key, value, ctx)).toBe(expected);
  });
  it(`NullIfExists is no operator (${OPERATORS}#Conditions_IfExists)`, () => {
    expect(parseOperator('NullIfExists').known).toBe(false);
    expect(evaluateConditionKey('NullIfExists', 'kms:ViaService', 'false', ctx)).toBe('maybe');
  });
});

describe('a malformed condition is undetermined, never a guess', () => {
  const ctx = requestContext({ 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' });
  it.each([
    ['a value that is an object', { StringEquals: { 'kms:ViaService': { a: 1 } } }],
    ['a value list holding an object', { StringNotEquals: { 'kms:ViaService': ['x', { a: 1 }] } }],
    ['a value list holding a list', { StringEquals: { 'kms:ViaService': [['x']] } }],
    ['an operator whose keys are a string', { StringEquals: 'kms:ViaService' }],
    ['an operator whose keys are null', { StringNotEquals: null }],
    ['a value that is null', { StringNotEquals: { 'kms:ViaService': null } }],
  ])('%s', (_name, condition) => {
    expect(evaluateConditions(condition as never, ctx)).toBe('maybe');
  });
  it('a Condition that is not an object', () => {
    expect(evaluateConditions('StringEquals' as never, ctx)).toBe('maybe');
  });
});

describe('policy variables in hostile text: one pass, whatever a tenant writes', () => {
  const ctx = requestContext({ 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' }, [
    'aws:PrincipalTag/x',
  ]);
  it.each([
    ['an opening without a close', '${'.repeat(50_000), 'no'],
    ['empty variables, unknown', '${}'.repeat(50_000), 'maybe'],
    ['nested openings', `${'${'.repeat(50_000)}}`, 'maybe'],
    ['an absent variable first', `${v('aws:PrincipalTag/x')}${'${}'.repeat(50_000)}`, 'no'],
  ] as const)('%s', (_name, value, expected) => {
    const started = Date.now();
    expect(evaluateConditionKey('StringLike', 'kms:ViaService', value, ctx)).toBe(expected);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
