/**
 * A key policy written to make a backtracking matcher take forever: 6 KB of stars in actions,
 * principals, condition values and resources. Every analysis the rules (and the guardrails Lambda,
 * which shares src/policy) run on it must finish with exact answers; the work of each wildcard match
 * is bounded by the product of its inputs (test/policy/glob.test.ts counts it).
 */
import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyStatement } from '../../src/model/inventory.js';
import { ALL_KEY_ACTIONS } from '../../src/policy/actions.js';
import { requestContext } from '../../src/policy/conditions.js';
import { effectiveActions, keyAccess } from '../../src/policy/evaluate.js';
import { parsePrincipal } from '../../src/policy/principal.js';
import { principalAccess } from '../../src/policy/principals-analysis.js';
import { publicAccess } from '../../src/policy/public-access.js';

const A = '111122223333';
const KEY = `arn:aws:kms:us-east-1:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ROLE = `arn:aws:iam::${A}:role/${'a'.repeat(60)}`;
const stars = (n: number) => '*'.repeat(n);
const starry = `${'*a'.repeat(700)}*b`;

const statements: PolicyStatement[] = [
  {
    Sid: 'Root',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${A}:root` },
    Action: 'kms:*',
    Resource: '*',
  },
  {
    Sid: 'Stars',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::*:role/${starry}` },
    Action: [`kms:${stars(1500)}X`, `kms:${'*e'.repeat(300)}*Q`],
    Resource: `arn:aws:kms:*:*:key/${starry}`,
    Condition: {
      StringLike: {
        'kms:ViaService': `${'*s'.repeat(300)}*Z`,
        'aws:PrincipalArn': `arn:aws:iam::*:role/${starry}`,
      },
      ArnLike: { 'aws:SourceArn': `arn:aws:*:*:*:${starry}` },
    },
  },
];
const policy: PolicyDocument = { Version: '2012-10-17', Statement: statements };

describe('a 6 KB policy full of stars', () => {
  it('is the size the attack needs', () => {
    expect(JSON.stringify(policy).length).toBeGreaterThan(6_000);
  });

  it('is judged public (a principal pattern with only wildcard conditions), exactly', () => {
    const analysis = publicAccess(policy, { keyArn: KEY, keyAccount: A });
    // No catalog action matches `kms:***...X` or `kms:*e*e...*Q`, and no literal KMS action is named.
    expect(analysis.public).toEqual([]);
    expect(analysis.ignored).toEqual([{ index: 1, sid: 'Stars', why: 'it allows no KMS action' }]);
  });

  it('grants the role nothing through the starry statement', () => {
    const access = keyAccess({
      caller: { kind: 'iam', arn: ROLE, account: A },
      action: 'kms:Decrypt',
      resource: KEY,
      context: requestContext({
        'aws:PrincipalArn': ROLE,
        'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com',
      }),
      keyPolicy: policy,
      keyAccount: A,
      identityStatements: [{ Effect: 'Allow', Action: `kms:${stars(3000)}t`, Resource: `${starry}` }],
    });
    expect(access.keyPolicy.hits.map((hit) => hit.sid)).toEqual(['Root']);
    expect(access.result).toBe('no');
    const actions = effectiveActions(policy, { kind: 'iam', arn: ROLE, account: A }, KEY, requestContext({}));
    expect(actions).toEqual([]);
    expect(principalAccess(policy, KEY, A).map((p) => [p.name, p.actions.length])).toEqual([
      [`arn:aws:iam::${A}:root`, ALL_KEY_ACTIONS.length],
      [`arn:aws:iam::*:role/${starry}`, 0],
    ]);
  });

  it('parses principals with many placeholders without backtracking', () => {
    const placeholder = (name: string) => `$${'{'}${name}}`;
    const value = `arn:${placeholder('').repeat(5_000)}:iam::x`;
    expect(parsePrincipal(value)).toEqual({ kind: 'other', value });
    const root = `arn:${placeholder('AWS::Partition')}:iam::${placeholder('AWS::AccountId')}:root`;
    expect(parsePrincipal(root)).toEqual({ kind: 'account', account: placeholder('AWS::AccountId') });
  });
});
