import { describe, expect, it } from 'vitest';
import type { Trail } from '../../src/model/inventory.js';
import rule from '../../src/rules/account/account-kms-audit-trail.js';
import {
  ACCOUNT,
  gap,
  iacInventory,
  iacKey,
  inventory,
  OTHER_ACCOUNT,
  REGION,
  trail,
} from '../helpers/inventory.js';
import { ruleTester, verdictsOf } from '../helpers/rule-tester.js';

const withTrails = (...trails: Trail[]) => inventory({ trails });
const TRAIL_ARN = trail().arn;
const named = (name: string, overrides: Partial<Trail> = {}) =>
  trail({ name, arn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${name}`, ...overrides });

describe('account-kms-audit-trail on IaC', () => {
  it('judges no account that IaC describes', () => {
    expect(verdictsOf(rule, iacInventory('cloudformation', { keys: [iacKey('HyperPodKey')] }))).toEqual([]);
  });
});

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'UNKNOWN'],
  valid: [
    {
      name: 'a logging multi-Region trail with management events',
      inventory: withTrails(trail()),
      expected: [
        {
          status: 'PASS',
          messageId: 'trail',
          resource: ACCOUNT,
          data: { trail: 'audit' },
          evidence: (e) => e.trail === TRAIL_ARN,
        },
      ],
    },
    {
      name: 'an organization trail seen from a member account',
      inventory: withTrails(
        trail({
          name: 'org-audit',
          arn: `arn:aws:cloudtrail:${REGION}:${OTHER_ACCOUNT}:trail/org-audit`,
          isOrganizationTrail: true,
        }),
      ),
      expected: [{ status: 'PASS', messageId: 'trail', data: { trail: 'org-audit' } }],
    },
    {
      name: 'one good trail among bad ones',
      inventory: withTrails(named('regional', { isMultiRegion: false }), named('main')),
      expected: [{ status: 'PASS', messageId: 'trail', data: { trail: 'main' } }],
    },
    {
      name: 'a good trail found although DescribeTrails failed in another region',
      inventory: {
        ...withTrails(trail()),
        gaps: [
          gap({
            service: 'cloudtrail',
            operation: 'DescribeTrails',
            region: 'ap-south-1',
            code: 'aws.region_disabled',
          }),
        ],
      },
      expected: [{ status: 'PASS', messageId: 'trail', data: { trail: 'audit' } }],
    },
    {
      name: 'a snapshot account with a good trail',
      inventory: inventory({
        accounts: [{ id: ACCOUNT, regions: [REGION], source: 'snapshot' }],
        trails: [trail()],
      }),
      expected: [{ status: 'PASS', messageId: 'trail', data: { trail: 'audit' } }],
    },
    {
      name: 'only the live accounts of a mixed inventory are judged',
      inventory: inventory({
        accounts: [
          { id: ACCOUNT, regions: [REGION], source: 'live' },
          { id: 'unknown', regions: [REGION], source: 'terraform' },
        ],
        trails: [trail()],
      }),
      expected: [{ status: 'PASS', messageId: 'trail', resource: ACCOUNT, data: { trail: 'audit' } }],
    },
  ],
  invalid: [
    {
      name: 'no trail at all',
      inventory: withTrails(),
      expected: [
        {
          status: 'FAIL',
          messageId: 'noTrail',
          resource: ACCOUNT,
          data: { account: ACCOUNT, why: 'no trails' },
        },
      ],
    },
    {
      name: 'a single-Region trail',
      inventory: withTrails(trail({ isMultiRegion: false })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'noTrail',
          data: { account: ACCOUNT, why: 'audit: single-Region' },
        },
      ],
    },
    {
      name: 'a trail that is not logging',
      inventory: withTrails(trail({ isLogging: false })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'noTrail',
          data: { account: ACCOUNT, why: 'audit: not logging' },
        },
      ],
    },
    {
      name: 'a trail without management events',
      inventory: withTrails(trail({ logsManagementEvents: false })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'noTrail',
          data: { account: ACCOUNT, why: 'audit: no management events' },
        },
      ],
    },
    {
      name: 'a trail that excludes KMS events',
      inventory: withTrails(trail({ excludesKmsEvents: true })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'noTrail',
          data: { account: ACCOUNT, why: 'audit: excludes KMS events' },
          evidence: (e) => Array.isArray(e.trails) && e.trails.length === 1,
        },
      ],
    },
    {
      name: 'two flawed trails are both explained',
      inventory: withTrails(
        named('regional', { isMultiRegion: false, isLogging: false }),
        named('data', { logsManagementEvents: false }),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'noTrail',
          data: {
            account: ACCOUNT,
            why: 'regional: single-Region, not logging; data: no management events',
          },
        },
      ],
    },
    {
      name: 'each account is judged on its own trails',
      inventory: inventory({
        accounts: [
          { id: ACCOUNT, regions: [REGION], source: 'live' },
          { id: OTHER_ACCOUNT, regions: [REGION], source: 'live' },
        ],
        trails: [trail()],
      }),
      expected: [
        { status: 'PASS', messageId: 'trail', resource: ACCOUNT, data: { trail: 'audit' } },
        {
          status: 'FAIL',
          messageId: 'noTrail',
          resource: OTHER_ACCOUNT,
          data: { account: '444455556666', why: 'no trails' },
        },
      ],
    },
    {
      name: 'DescribeTrails denied',
      inventory: { ...withTrails(), gaps: [gap({ service: 'cloudtrail', operation: 'DescribeTrails' })] },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          resource: ACCOUNT,
          data: {
            account: ACCOUNT,
            reason:
              'DescribeTrails failed (aws.access_denied): User is not authorized to perform: cloudtrail:DescribeTrails',
          },
        },
      ],
    },
    {
      name: 'a multi-Region trail whose status could not be read',
      inventory: {
        ...withTrails(trail({ isLogging: false })),
        gaps: [gap({ service: 'cloudtrail', operation: 'GetTrailStatus', resource: TRAIL_ARN })],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            account: ACCOUNT,
            reason:
              'GetTrailStatus failed (aws.access_denied): User is not authorized to perform: cloudtrail:GetTrailStatus',
          },
        },
      ],
    },
    {
      // The live collector leaves out a trail whose status or event selectors it could not read:
      // only the gap says that there is one, and it may be the trail that logs KMS events.
      name: 'a trail left out of the inventory because its status could not be read',
      inventory: {
        ...withTrails(),
        gaps: [gap({ service: 'cloudtrail', operation: 'GetTrailStatus', resource: TRAIL_ARN })],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            account: ACCOUNT,
            reason:
              'GetTrailStatus failed (aws.access_denied): User is not authorized to perform: cloudtrail:GetTrailStatus',
          },
        },
      ],
    },
    {
      // DescribeTrails listed the trail without IsMultiRegionTrail (optional in its model): the
      // collector leaves it out with a gap about it, and it may be the trail that logs KMS events.
      name: 'a trail left out of the inventory because DescribeTrails did not say whether it is multi-Region',
      inventory: {
        ...withTrails(),
        gaps: [
          gap({
            service: 'cloudtrail',
            operation: 'DescribeTrails',
            resource: TRAIL_ARN,
            code: 'aws.invalid_response',
            message: 'DescribeTrails returned no IsMultiRegionTrail',
          }),
        ],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            account: ACCOUNT,
            reason:
              'DescribeTrails failed (aws.invalid_response): DescribeTrails returned no IsMultiRegionTrail',
          },
        },
      ],
    },
    {
      name: 'a trail of another account left out of the inventory does not hide this one',
      inventory: {
        ...withTrails(),
        gaps: [
          gap({
            service: 'cloudtrail',
            operation: 'GetEventSelectors',
            account: OTHER_ACCOUNT,
            resource: `arn:aws:cloudtrail:us-east-1:${OTHER_ACCOUNT}:trail/audit`,
          }),
        ],
      },
      expected: [{ status: 'FAIL', messageId: 'noTrail', data: { account: ACCOUNT, why: 'no trails' } }],
    },
    {
      name: 'a multi-Region trail whose event selectors could not be read',
      inventory: {
        ...withTrails(trail({ logsManagementEvents: false })),
        gaps: [gap({ service: 'cloudtrail', operation: 'GetEventSelectors', resource: TRAIL_ARN })],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            account: ACCOUNT,
            reason:
              'GetEventSelectors failed (aws.access_denied): User is not authorized to perform: cloudtrail:GetEventSelectors',
          },
        },
      ],
    },
    {
      name: 'an unreadable status does not save a trail whose event selectors were read and fail',
      inventory: {
        ...withTrails(trail({ isLogging: false, logsManagementEvents: false })),
        gaps: [gap({ service: 'cloudtrail', operation: 'GetTrailStatus', resource: TRAIL_ARN })],
      },
      expected: [
        {
          status: 'FAIL',
          messageId: 'noTrail',
          data: { account: ACCOUNT, why: 'audit: not logging, no management events' },
        },
      ],
    },
    {
      name: 'an unreadable status does not save a single-Region trail',
      inventory: {
        ...withTrails(trail({ isMultiRegion: false, isLogging: false })),
        gaps: [gap({ service: 'cloudtrail', operation: 'GetTrailStatus', resource: TRAIL_ARN })],
      },
      expected: [
        {
          status: 'FAIL',
          messageId: 'noTrail',
          data: { account: ACCOUNT, why: 'audit: single-Region, not logging' },
        },
      ],
    },
  ],
});
