/**
 * `catalogCoverage` answers for the whole action catalog at once, memoized by the Action list's
 * content; `effectiveActions` uses it over the default catalog. Both must answer exactly as the
 * per-action test does, for every kind of Action/NotAction list.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyStatement } from '../../src/model/inventory.js';
import {
  ALL_KEY_ACTIONS,
  catalogCoverage,
  catalogMask,
  statementCoversAction,
} from '../../src/policy/actions.js';
import { requestContext } from '../../src/policy/conditions.js';
import { effectiveActions } from '../../src/policy/evaluate.js';
import type { Caller } from '../../src/policy/principal.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/k1';
const ROLE = 'arn:aws:iam::111122223333:role/app';

const blocks: Pick<PolicyStatement, 'Action' | 'NotAction'>[] = [
  { Action: 'kms:*' },
  { Action: '*' },
  { Action: 'kms:Decrypt' },
  { Action: 'KMS:decrypt' },
  { Action: ['kms:Create*', 'kms:Describe*'] },
  { Action: ['kms:Describe*', 'kms:Create*'] },
  { Action: 'kms:Generate*WithoutPlaintext' },
  { Action: 'kms:?ncrypt' },
  { Action: 's3:GetObject' },
  { Action: [] },
  { NotAction: 'kms:Decrypt' },
  { NotAction: ['kms:*Key*', 'kms:List*'] },
  { NotAction: 'kms:*' },
];

describe('catalogCoverage', () => {
  it('answers for each catalog action exactly as statementCoversAction does', () => {
    for (const block of blocks) {
      const expected = ALL_KEY_ACTIONS.map((action) => statementCoversAction(block, action));
      expect(catalogCoverage(block), JSON.stringify(block)).toEqual(expected);
      // A second statement object with the same content shares the answers.
      expect(catalogCoverage({ ...block }), JSON.stringify(block)).toEqual(expected);
    }
  });

  it('tells apart lists that differ only by Action and NotAction', () => {
    const allow = catalogCoverage({ Action: 'kms:Decrypt' });
    const except = catalogCoverage({ NotAction: 'kms:Decrypt' });
    const decrypt = ALL_KEY_ACTIONS.indexOf('kms:Decrypt');
    expect(allow[decrypt]).toBe(true);
    expect(except[decrypt]).toBe(false);
    expect(allow.filter(Boolean)).toHaveLength(1);
    expect(except.filter(Boolean)).toHaveLength(ALL_KEY_ACTIONS.length - 1);
  });
});

describe('effectiveActions over the default catalog', () => {
  const caller: Caller = { kind: 'iam', arn: ROLE, account: '111122223333' };
  const context = requestContext({ 'aws:PrincipalArn': ROLE });
  const policies: PolicyDocument[] = blocks.map((block, n) => ({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: ROLE }, Resource: '*', ...block },
      // A Deny on part of it, and an Allow that applies only maybe (an unknown condition key).
      { Effect: 'Deny', Principal: { AWS: ROLE }, Resource: '*', ...blocks[(n + 3) % blocks.length]! },
      {
        Effect: 'Allow',
        Principal: { AWS: ROLE },
        Resource: '*',
        ...blocks[(n + 5) % blocks.length]!,
        Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1' } },
      },
    ],
  }));

  it('grants what the same evaluation action by action grants', () => {
    let granted = 0;
    for (const policy of policies) {
      const byArray = effectiveActions(policy, caller, KEY, context);
      // The same catalog as a copy takes the action-by-action path.
      const byAction = effectiveActions(policy, caller, KEY, context, { catalog: [...ALL_KEY_ACTIONS] });
      expect(byArray, JSON.stringify(policy)).toEqual(byAction);
      granted += byArray.length;
    }
    expect(granted).toBeGreaterThan(0);
  });
});

describe('coverage memoized by content', () => {
  it('never takes a pattern holding a separator for a list', () => {
    const decrypt = ALL_KEY_ACTIONS.indexOf('kms:Decrypt');
    // The list first, then one pattern whose text is the list joined: that pattern names no action.
    expect(catalogCoverage({ Action: ['kms:Decrypt', 'kms:Encrypt'] })[decrypt]).toBe(true);
    expect(catalogCoverage({ Action: 'kms:Decrypt\u0000kms:Encrypt' }).filter(Boolean)).toHaveLength(0);
    expect(statementCoversAction({ Action: ['kms:Decrypt\u0000kms:Encrypt'] }, 'kms:Decrypt')).toBe(false);
    expect(catalogCoverage({ Action: ['kms:Decrypt\u0000kms:Encrypt'] }).filter(Boolean)).toHaveLength(0);
    // A single pattern and the list of it cover the same.
    expect(catalogMask({ Action: 'kms:Decrypt' })).toEqual(catalogMask({ Action: ['kms:Decrypt'] }));
  });

  it('catalogMask is catalogCoverage as bits', () => {
    for (const block of blocks) {
      const mask = catalogMask(block);
      const bits = ALL_KEY_ACTIONS.map(
        (_, i) => (i < 32 ? (mask.low >>> i) & 1 : (mask.high >>> (i - 32)) & 1) === 1,
      );
      expect(bits, JSON.stringify(block)).toEqual(catalogCoverage(block));
    }
  });
});
