import type { TrailEvent } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-policy-change-unapproved.js';
import {
  ADMIN_ROLE,
  compliantEstate,
  EXEC_ROLE,
  gap,
  inventory,
  key,
  keyArn,
  roleArn,
  trailEvent,
} from '../helpers/inventory.js';
import { awsManagedKeyCase, describeKeyDeniedCase, iacNotApplicableCases } from '../helpers/key-cases.js';
import { ruleTester } from '../helpers/rule-tester.js';

const K1 = keyArn('k1');
const ALICE = 'arn:aws:sts::111122223333:assumed-role/Developer/alice';
const DEPLOYER_SESSION = 'arn:aws:sts::111122223333:assumed-role/platform-deployer/pipeline-42';
const change = (eventName: string, principalArn: string, overrides: Partial<TrailEvent> = {}): TrailEvent =>
  trailEvent({ eventName, principalArn, keyRef: K1, ...overrides });
const withEvents = (...events: TrailEvent[]) => ({ ...compliantEstate(), events });
const EDITORS = { approvedPolicyEditors: ['arn:aws:iam::*:role/platform-deployer', ADMIN_ROLE] };

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'no changes in the window',
      inventory: withEvents(change('Decrypt', EXEC_ROLE), change('DescribeKey', ALICE)),
      expected: [
        { status: 'PASS', messageId: 'approved', resource: K1, data: { key: 'alias/k1', days: 30 } },
      ],
    },
    {
      name: 'a policy change by an approved editor',
      inventory: withEvents(change('PutKeyPolicy', ADMIN_ROLE)),
      config: EDITORS,
      expected: [{ status: 'PASS', messageId: 'approved', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'a session of an approved role, matched by glob',
      inventory: withEvents(change('PutKeyPolicy', DEPLOYER_SESSION), change('DisableKey', DEPLOYER_SESSION)),
      config: EDITORS,
      expected: [{ status: 'PASS', messageId: 'approved', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'a session of an approved role whose ARN has a path',
      inventory: withEvents(
        change('ScheduleKeyDeletion', 'arn:aws:sts::111122223333:assumed-role/KeyAdmin/bob'),
      ),
      config: { approvedPolicyEditors: ['arn:aws:iam::111122223333:role/security/KeyAdmin'] },
      expected: [{ status: 'PASS', messageId: 'approved', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'key admins are the approved editors when none are configured',
      inventory: withEvents(change('PutKeyPolicy', 'arn:aws:sts::111122223333:assumed-role/KeyAdmin/bob')),
      config: { keyAdmins: [ADMIN_ROLE] },
      expected: [{ status: 'PASS', messageId: 'approved', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'grants HyperPod creates for AWS resources are expected',
      inventory: withEvents(
        change('CreateGrant', EXEC_ROLE, { grantIsForAwsResource: true }),
        change('CreateGrant', 'arn:aws:sts::111122223333:assumed-role/hyperpod-exec/SageMaker', {
          invokedBy: 'sagemaker.amazonaws.com',
        }),
      ),
      expected: [{ status: 'PASS', messageId: 'approved', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'failed calls change nothing',
      inventory: withEvents(
        change('PutKeyPolicy', ALICE, { errorCode: 'AccessDenied' }),
        change('ScheduleKeyDeletion', ALICE, { errorCode: 'AccessDeniedException' }),
      ),
      expected: [{ status: 'PASS', messageId: 'approved', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'a change before the lookback window',
      inventory: withEvents(change('PutKeyPolicy', ALICE, { eventTime: '2026-10-01T00:00:00.000Z' })),
      expected: [{ status: 'PASS', messageId: 'approved', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'snapshot key without changes',
      inventory: inventory({ keys: [key('k1', { source: 'snapshot' })] }),
      expected: [{ status: 'PASS', messageId: 'approved', data: { key: 'alias/k1', days: 30 } }],
    },
    awsManagedKeyCase(),
    ...iacNotApplicableCases('notLive'),
  ],
  invalid: [
    {
      name: 'a policy change by someone not approved',
      inventory: withEvents(change('PutKeyPolicy', ALICE, { eventTime: '2026-11-20T10:00:00.000Z' })),
      config: EDITORS,
      expected: [
        {
          status: 'FAIL',
          messageId: 'unapproved',
          resource: K1,
          data: {
            key: 'alias/k1',
            count: 1,
            unapprovedChanges: '1 unapproved change',
            changes: `PutKeyPolicy by ${ALICE} at 2026-11-20T10:00:00.000Z`,
          },
          evidence: (e) => Array.isArray(e.events) && e.events.length === 1,
        },
      ],
    },
    {
      name: 'deletion scheduled and key disabled by an unapproved role',
      inventory: withEvents(change('ScheduleKeyDeletion', ALICE), change('DisableKey', ALICE)),
      config: EDITORS,
      expected: [
        {
          status: 'FAIL',
          messageId: 'unapproved',
          data: {
            key: 'alias/k1',
            count: 2,
            unapprovedChanges: '2 unapproved changes',
            changes:
              'ScheduleKeyDeletion by arn:aws:sts::111122223333:assumed-role/Developer/alice at 2026-11-20T10:00:00.000Z; DisableKey by arn:aws:sts::111122223333:assumed-role/Developer/alice at 2026-11-20T10:00:00.000Z',
          },
        },
      ],
    },
    {
      name: 'a grant made by hand',
      inventory: withEvents(
        change('CreateGrant', ALICE, { grantIsForAwsResource: false, granteePrincipal: roleArn('x') }),
      ),
      config: EDITORS,
      expected: [
        {
          status: 'FAIL',
          messageId: 'unapproved',
          data: {
            key: 'alias/k1',
            count: 1,
            unapprovedChanges: '1 unapproved change',
            changes:
              'CreateGrant by arn:aws:sts::111122223333:assumed-role/Developer/alice at 2026-11-20T10:00:00.000Z',
          },
        },
      ],
    },
    {
      name: 'an approved role name in another account does not match an exact editor',
      inventory: withEvents(change('PutKeyPolicy', 'arn:aws:sts::444455556666:assumed-role/KeyAdmin/eve')),
      config: { approvedPolicyEditors: [ADMIN_ROLE] },
      expected: [
        {
          status: 'FAIL',
          messageId: 'unapproved',
          data: {
            key: 'alias/k1',
            count: 1,
            unapprovedChanges: '1 unapproved change',
            changes:
              'PutKeyPolicy by arn:aws:sts::444455556666:assumed-role/KeyAdmin/eve at 2026-11-20T10:00:00.000Z',
          },
        },
      ],
    },
    {
      name: 'a wildcard role name under a path cannot vouch for a session (the session hides the path)',
      inventory: withEvents(change('PutKeyPolicy', 'arn:aws:sts::111122223333:assumed-role/Anything/eve')),
      config: { approvedPolicyEditors: ['arn:aws:iam::111122223333:role/security/*'] },
      expected: [
        {
          status: 'FAIL',
          messageId: 'unapproved',
          data: {
            key: 'alias/k1',
            count: 1,
            unapprovedChanges: '1 unapproved change',
            changes:
              'PutKeyPolicy by arn:aws:sts::111122223333:assumed-role/Anything/eve at 2026-11-20T10:00:00.000Z',
          },
        },
      ],
    },
    {
      name: 'configured editors replace key admins as approvers',
      inventory: withEvents(change('PutKeyPolicy', ADMIN_ROLE)),
      config: { keyAdmins: [ADMIN_ROLE], approvedPolicyEditors: ['arn:aws:iam::*:role/platform-deployer'] },
      expected: [
        {
          status: 'FAIL',
          messageId: 'unapproved',
          data: {
            key: 'alias/k1',
            count: 1,
            unapprovedChanges: '1 unapproved change',
            changes: 'PutKeyPolicy by arn:aws:iam::111122223333:role/KeyAdmin at 2026-11-20T10:00:00.000Z',
          },
        },
      ],
    },
    {
      name: 'with no editors and no admins configured, every change is unapproved',
      inventory: withEvents(change('PutKeyPolicy', ADMIN_ROLE)),
      expected: [
        {
          status: 'FAIL',
          messageId: 'unapproved',
          data: {
            key: 'alias/k1',
            count: 1,
            unapprovedChanges: '1 unapproved change',
            changes: 'PutKeyPolicy by arn:aws:iam::111122223333:role/KeyAdmin at 2026-11-20T10:00:00.000Z',
          },
        },
      ],
    },
    {
      name: 'a change CloudTrail names by alias, by an unknown principal',
      inventory: withEvents(trailEvent({ eventName: 'PutKeyPolicy', keyRef: 'alias/k1' })),
      config: EDITORS,
      expected: [
        {
          status: 'FAIL',
          messageId: 'unapproved',
          data: {
            key: 'alias/k1',
            count: 1,
            unapprovedChanges: '1 unapproved change',
            changes: 'PutKeyPolicy by unknown at 2026-11-20T10:00:00.000Z',
          },
        },
      ],
    },
    {
      name: 'many changes: all counted, three shown',
      inventory: withEvents(...['a', 'b', 'c', 'd'].map((who) => change('DisableKey', roleArn(who)))),
      config: EDITORS,
      expected: [
        {
          status: 'FAIL',
          messageId: 'unapproved',
          data: {
            key: 'alias/k1',
            count: 4,
            unapprovedChanges: '4 unapproved changes',
            changes:
              'DisableKey by arn:aws:iam::111122223333:role/a at 2026-11-20T10:00:00.000Z; DisableKey by arn:aws:iam::111122223333:role/b at 2026-11-20T10:00:00.000Z; DisableKey by arn:aws:iam::111122223333:role/c at 2026-11-20T10:00:00.000Z',
          },
          evidence: (e) => Array.isArray(e.events) && e.events.length === 4,
        },
      ],
    },
    {
      name: 'CloudTrail events not collected',
      inventory: {
        ...compliantEstate(),
        eventsCollected: [],
        gaps: [gap({ service: 'cloudtrail', operation: 'LookupEvents' })],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            what: 'CloudTrail events for 111122223333/us-east-1',
            reason:
              'LookupEvents failed (aws.access_denied): User is not authorized to perform: cloudtrail:LookupEvents',
          },
        },
      ],
    },
    {
      name: 'events looked up for 7 days only: no PASS for the 30-day lookback',
      inventory: {
        ...compliantEstate(),
        eventsCollected: [
          { account: '111122223333', region: 'us-east-1', since: '2026-11-20T12:00:00.000Z' },
        ],
      },
      config: EDITORS,
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'partialWindow',
          data: {
            key: 'alias/k1',
            days: 30,
            collectedFrom: '2026-11-20T12:00:00.000Z',
            collectedTo: '2026-11-27T12:00:00.000Z',
            missing: '2026-10-28T12:00:00.000Z to 2026-11-20T12:00:00.000Z',
          },
        },
      ],
    },
    describeKeyDeniedCase(),
  ],
});
