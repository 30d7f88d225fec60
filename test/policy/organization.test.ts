import { describe, expect, it } from 'vitest';
import type { Account } from '../../src/model/inventory.js';
import { organizationOf } from '../../src/policy/organization.js';

const A = '111122223333';
const B = '444455556666';
const ORG = 'o-a1b2c3d4e5';
const CONFIGURED = 'o-cccccccccc';
const live = (id: string, organizationId?: string | null): Account => ({
  id,
  regions: ['us-east-1'],
  source: 'live',
  ...(organizationId !== undefined ? { organizationId } : {}),
});
const iac: Account = { id: 'unknown', regions: [], source: 'cloudformation' };

describe('organizationOf', () => {
  const rows: [string, Account[], string, string | undefined, string | null | undefined][] = [
    ['read live', [live(A, ORG)], A, undefined, ORG],
    ['read live wins over the config', [live(A, ORG)], A, CONFIGURED, ORG],
    ['in no organization', [live(A, null)], A, CONFIGURED, null],
    ['not readable, no config', [live(A)], A, undefined, undefined],
    ['not readable, the config says', [live(A)], A, CONFIGURED, CONFIGURED],
    ['another account of a live scan', [live(A, ORG)], B, CONFIGURED, undefined],
    ['IaC: the deploying account', [iac], `$${'{'}AWS::AccountId}`, CONFIGURED, CONFIGURED],
    ['IaC: an unknown account', [iac], 'unknown', CONFIGURED, CONFIGURED],
    ['IaC: a literal account', [iac], A, CONFIGURED, CONFIGURED],
    ['IaC without config', [iac], A, undefined, undefined],
  ];
  it.each(rows)('%s', (_name, accounts, account, configured, expected) => {
    expect(organizationOf(accounts, account, configured)).toBe(expected);
  });
});
