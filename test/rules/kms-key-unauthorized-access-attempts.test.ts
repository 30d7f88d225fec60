import type { TrailEvent } from '../../src/model/inventory.js';
import rule from '../../src/rules/kms/kms-key-unauthorized-access-attempts.js';
import { compliantEstate, gap, inventory, key, keyArn, roleArn, trailEvent } from '../helpers/inventory.js';
import { awsManagedKeyCase, describeKeyDeniedCase, iacNotApplicableCases } from '../helpers/key-cases.js';
import { ruleTester } from '../helpers/rule-tester.js';

const K1 = keyArn('k1');
const INTRUDER = 'arn:aws:sts::111122223333:assumed-role/data-scientist/alice';
const denied = (overrides: Partial<TrailEvent> = {}): TrailEvent =>
  trailEvent({
    eventName: 'Decrypt',
    errorCode: 'AccessDenied',
    errorMessage: `User: ${INTRUDER} is not authorized to perform: kms:Decrypt on resource: ${K1}`,
    principalArn: INTRUDER,
    keyRef: K1,
    ...overrides,
  });
const withEvents = (...events: TrailEvent[]) => ({ ...compliantEstate(), events });
const WINDOW_START = '2026-10-28T12:00:00.000Z'; // NOW minus 30 days

ruleTester(rule, {
  covers: ['PASS', 'FAIL', 'NOT_APPLICABLE', 'UNKNOWN'],
  valid: [
    {
      name: 'no denied calls in the window',
      inventory: withEvents(
        trailEvent({ eventName: 'Decrypt', keyRef: K1, principalArn: roleArn('hyperpod-exec') }),
      ),
      expected: [{ status: 'PASS', messageId: 'none', resource: K1, data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'other errors are not access denials',
      inventory: withEvents(
        denied({ errorCode: 'DisabledException' }),
        denied({ errorCode: 'NotFoundException' }),
      ),
      expected: [{ status: 'PASS', messageId: 'none', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'a denial just before the window starts',
      inventory: withEvents(denied({ eventTime: '2026-10-28T11:59:59.999Z' })),
      expected: [{ status: 'PASS', messageId: 'none', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'a denial after the scan clock (--now) is not counted',
      inventory: withEvents(denied({ eventTime: '2026-11-25T00:00:00.000Z' })),
      now: '2026-11-24T00:00:00.000Z',
      expected: [{ status: 'PASS', messageId: 'none', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'a shorter lookback window leaves an older denial out',
      inventory: withEvents(denied({ eventTime: '2026-11-15T00:00:00.000Z' })),
      config: { cloudtrail: { lookbackDays: 7 } },
      expected: [{ status: 'PASS', messageId: 'none', data: { key: 'alias/k1', days: 7 } }],
    },
    {
      name: 'denials below the threshold',
      inventory: withEvents(denied(), denied()),
      config: { cloudtrail: { accessDeniedThreshold: 3 } },
      expected: [{ status: 'PASS', messageId: 'none', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'a denial on another key, or on the same alias in another region, does not count',
      inventory: withEvents(
        denied({ keyRef: keyArn('k9') }),
        denied({ keyRef: 'alias/k1', region: 'us-west-2' }),
      ),
      expected: [{ status: 'PASS', messageId: 'none', data: { key: 'alias/k1', days: 30 } }],
    },
    {
      name: 'snapshot key with no denials',
      inventory: inventory({ keys: [key('k1', { source: 'snapshot' })] }),
      expected: [{ status: 'PASS', messageId: 'none', data: { key: 'alias/k1', days: 30 } }],
    },
    awsManagedKeyCase(),
    ...iacNotApplicableCases('notLive'),
  ],
  invalid: [
    {
      name: 'an AccessDenied call',
      inventory: withEvents(denied()),
      expected: [
        {
          status: 'FAIL',
          messageId: 'attempts',
          resource: K1,
          data: { key: 'alias/k1', count: 1, deniedCalls: '1 denied call', days: 30, principals: INTRUDER },
          evidence: (e) =>
            JSON.stringify(e.byPrincipal) === JSON.stringify({ [INTRUDER]: 1 }) &&
            Array.isArray(e.events) &&
            e.events.length === 1,
        },
      ],
    },
    {
      name: 'the AccessDeniedException spelling',
      inventory: withEvents(denied({ errorCode: 'AccessDeniedException', eventName: 'CreateGrant' })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'attempts',
          data: {
            key: 'alias/k1',
            count: 1,
            deniedCalls: '1 denied call',
            days: 30,
            principals: 'arn:aws:sts::111122223333:assumed-role/data-scientist/alice',
          },
        },
      ],
    },
    {
      name: 'a denial exactly at the start of the window',
      inventory: withEvents(denied({ eventTime: WINDOW_START })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'attempts',
          data: {
            key: 'alias/k1',
            count: 1,
            deniedCalls: '1 denied call',
            days: 30,
            principals: 'arn:aws:sts::111122223333:assumed-role/data-scientist/alice',
          },
        },
      ],
    },
    {
      name: 'a denial at the scan clock (--now) itself',
      inventory: withEvents(denied({ eventTime: '2026-11-24T00:00:00.000Z' })),
      now: '2026-11-24T00:00:00.000Z',
      expected: [
        {
          status: 'FAIL',
          messageId: 'attempts',
          data: {
            key: 'alias/k1',
            count: 1,
            deniedCalls: '1 denied call',
            days: 30,
            principals: 'arn:aws:sts::111122223333:assumed-role/data-scientist/alice',
          },
        },
      ],
    },
    {
      name: 'denials at the threshold, by two principals',
      inventory: withEvents(denied(), denied(), denied({ principalArn: roleArn('etl') })),
      config: { cloudtrail: { accessDeniedThreshold: 3 } },
      expected: [
        {
          status: 'FAIL',
          messageId: 'attempts',
          data: {
            key: 'alias/k1',
            count: 3,
            deniedCalls: '3 denied calls',
            days: 30,
            principals: `${INTRUDER}, ${roleArn('etl')}`,
          },
          evidence: (e) =>
            JSON.stringify(e.byPrincipal) === JSON.stringify({ [INTRUDER]: 2, [roleArn('etl')]: 1 }),
        },
      ],
    },
    {
      name: 'events that name the key by alias, key id or alias ARN',
      inventory: withEvents(
        denied({ keyRef: 'alias/k1' }),
        denied({ keyRef: 'k1' }),
        denied({ keyRef: 'arn:aws:kms:us-east-1:111122223333:alias/k1' }),
      ),
      expected: [
        {
          status: 'FAIL',
          messageId: 'attempts',
          data: {
            key: 'alias/k1',
            count: 3,
            deniedCalls: '3 denied calls',
            days: 30,
            principals: 'arn:aws:sts::111122223333:assumed-role/data-scientist/alice',
          },
        },
      ],
    },
    {
      name: 'a denied caller CloudTrail could not name',
      inventory: withEvents(denied({ principalArn: undefined })),
      expected: [
        {
          status: 'FAIL',
          messageId: 'attempts',
          data: {
            key: 'alias/k1',
            count: 1,
            deniedCalls: '1 denied call',
            days: 30,
            principals: 'unknown principal',
          },
        },
      ],
    },
    {
      name: 'CloudTrail events not collected: the gap reason is given',
      inventory: {
        ...compliantEstate(),
        eventsCollected: [],
        gaps: [
          gap({
            service: 'cloudtrail',
            operation: 'LookupEvents',
            code: 'aws.throttled',
            message: 'Rate exceeded',
          }),
        ],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'notCollected',
          data: {
            what: 'CloudTrail events for 111122223333/us-east-1',
            reason: 'LookupEvents failed (aws.throttled): Rate exceeded',
          },
        },
      ],
    },
    {
      name: 'events looked up for 7 days only: the rest of the 30-day lookback is UNKNOWN, not PASS',
      inventory: {
        ...compliantEstate(),
        eventsCollected: [
          { account: '111122223333', region: 'us-east-1', since: '2026-11-20T12:00:00.000Z' },
        ],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'partialWindow',
          resource: K1,
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
    {
      name: 'a snapshot evaluated at a later clock: the days after it was collected are UNKNOWN',
      inventory: compliantEstate(),
      now: '2026-12-10T00:00:00.000Z',
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'partialWindow',
          data: {
            key: 'alias/k1',
            days: 30,
            collectedFrom: '2026-08-29T12:00:00.000Z',
            collectedTo: '2026-11-27T12:00:00.000Z',
            missing: '2026-11-27T12:00:00.000Z to 2026-12-10T00:00:00.000Z',
          },
        },
      ],
    },
    {
      name: 'a window recorded with its end: events looked up until a day before the clock',
      inventory: {
        ...compliantEstate(),
        eventsCollected: [
          {
            account: '111122223333',
            region: 'us-east-1',
            since: '2026-08-29T12:00:00.000Z',
            until: '2026-11-26T12:00:00.000Z',
          },
        ],
      },
      expected: [
        {
          status: 'UNKNOWN',
          messageId: 'partialWindow',
          data: {
            key: 'alias/k1',
            days: 30,
            collectedFrom: '2026-08-29T12:00:00.000Z',
            collectedTo: '2026-11-26T12:00:00.000Z',
            missing: '2026-11-26T12:00:00.000Z to 2026-11-27T12:00:00.000Z',
          },
        },
      ],
    },
    {
      name: 'a denial seen in a partly looked-up window still fails',
      inventory: {
        ...withEvents(denied({ eventTime: '2026-11-22T00:00:00.000Z' })),
        eventsCollected: [
          { account: '111122223333', region: 'us-east-1', since: '2026-11-20T12:00:00.000Z' },
        ],
      },
      expected: [
        {
          status: 'FAIL',
          messageId: 'attempts',
          data: {
            key: 'alias/k1',
            count: 1,
            deniedCalls: '1 denied call',
            days: 30,
            principals: 'arn:aws:sts::111122223333:assumed-role/data-scientist/alice',
          },
        },
      ],
    },
    describeKeyDeniedCase(),
  ],
});
