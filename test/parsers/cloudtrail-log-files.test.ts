import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CLOUDTRAIL_LIMITS,
  parseCloudTrailLog,
  readCloudTrailDir,
  trailEventFromRecord,
} from '../../src/parsers/cloudtrail/log-files.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const denied = (id: string, extra: Record<string, unknown> = {}) => ({
  eventVersion: '1.08',
  userIdentity: {
    type: 'AssumedRole',
    arn: 'arn:aws:sts::111122223333:assumed-role/dev/alice',
    accountId: '111122223333',
  },
  eventTime: '2026-05-01T10:00:00Z',
  eventSource: 'kms.amazonaws.com',
  eventName: 'Decrypt',
  awsRegion: 'us-east-1',
  errorCode: 'AccessDenied',
  errorMessage:
    'User: arn:aws:sts::111122223333:assumed-role/dev/alice is not authorized to perform: kms:Decrypt',
  requestParameters: { keyId: 'alias/hyperpod/llm' },
  eventID: id,
  recipientAccountId: '111122223333',
  ...extra,
});

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-trail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CloudTrail log files', () => {
  it('maps a record to a TrailEvent, preferring the key ARN in resources over requestParameters.keyId', () => {
    expect(
      trailEventFromRecord(
        denied('e1', { resources: [{ ARN: KEY, accountId: '111122223333', type: 'AWS::KMS::Key' }] }),
      ),
    ).toEqual({
      eventId: 'e1',
      eventTime: '2026-05-01T10:00:00.000Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'Decrypt',
      account: '111122223333',
      region: 'us-east-1',
      principalArn: 'arn:aws:sts::111122223333:assumed-role/dev/alice',
      principalType: 'AssumedRole',
      errorCode: 'AccessDenied',
      errorMessage:
        'User: arn:aws:sts::111122223333:assumed-role/dev/alice is not authorized to perform: kms:Decrypt',
      keyRef: KEY,
    });
    expect(trailEventFromRecord(denied('e2'))?.keyRef).toBe('alias/hyperpod/llm');
    expect(trailEventFromRecord({ eventID: 'x' })).toBeUndefined();
    expect(trailEventFromRecord('nonsense')).toBeUndefined();
  });

  it.each([
    ['a day that does not exist', '2026-02-30T10:00:00Z'],
    ['a bare number', '12'],
    ['a date in words', 'May 1, 2026 10:00'],
  ])('a record whose eventTime is %s is skipped, not read as some other time', (_, eventTime) => {
    // CloudTrail writes eventTime in UTC as ISO-8601 (cloudtrail-event-reference-record-contents).
    expect(trailEventFromRecord(denied('t', { eventTime }))).toBeUndefined();
    const parsed = parseCloudTrailLog(JSON.stringify({ Records: [denied('t', { eventTime })] }), 't.json');
    expect(parsed.ok && parsed.value).toEqual({ events: [], skipped: 1 });
  });

  it('an eventTime without a zone is UTC, as CloudTrail writes it, whatever the local time zone', () => {
    expect(trailEventFromRecord(denied('t', { eventTime: '2026-05-01T10:00:00' }))?.eventTime).toBe(
      '2026-05-01T10:00:00.000Z',
    );
    expect(trailEventFromRecord(denied('t', { eventTime: '2026-05-01T10:00:00.250Z' }))?.eventTime).toBe(
      '2026-05-01T10:00:00.250Z',
    );
  });

  it('reads S3 log files and lookup-events output, and counts records it cannot use', () => {
    const s3 = parseCloudTrailLog(
      JSON.stringify({ Records: [denied('a'), { eventID: 'broken' }] }),
      'a.json',
    );
    expect(s3.ok && s3.value.events.map((e) => e.eventId)).toEqual(['a']);
    expect(s3.ok && s3.value.skipped).toBe(1);
    const lookup = parseCloudTrailLog(
      JSON.stringify({
        Events: [
          { EventId: 'b', CloudTrailEvent: JSON.stringify(denied('b')) },
          { CloudTrailEvent: '{not json' },
        ],
      }),
      'b.json',
    );
    expect(lookup.ok && lookup.value.events.map((e) => e.eventId)).toEqual(['b']);
    expect(lookup.ok && lookup.value.skipped).toBe(1);
    const digest = parseCloudTrailLog(JSON.stringify({ digestStartTime: '2026-05-01T00:00:00Z' }), 'd.json');
    expect(digest.ok && digest.value.events).toEqual([]);
  });

  it('an Insights event (AwsCloudTrailInsight) is no API call: neither an event nor a skipped record', () => {
    // Insights records name the API only inside insightDetails (cloudtrail-insights-fields-trails).
    const insight = {
      eventVersion: '1.08',
      eventTime: '2026-05-01T10:00:00Z',
      awsRegion: 'us-east-1',
      eventID: 'insight-1',
      eventType: 'AwsCloudTrailInsight',
      recipientAccountId: '111122223333',
      sharedEventID: 'shared-1',
      insightDetails: {
        state: 'Start',
        eventSource: 'kms.amazonaws.com',
        eventName: 'Decrypt',
        insightType: 'ApiErrorRateInsight',
        errorCode: 'AccessDeniedException',
        insightContext: { statistics: { baseline: { average: 0 }, insight: { average: 12 } } },
      },
      eventCategory: 'Insight',
    };
    const parsed = parseCloudTrailLog(JSON.stringify({ Records: [insight, denied('d-1')] }), 'i.json');
    expect(parsed.ok && parsed.value.events.map((e) => e.eventId)).toEqual(['d-1']);
    expect(parsed.ok && parsed.value.skipped).toBe(0);
  });

  it('AWS Config files delivered into the same AWSLogs tree are not CloudTrail log files: no issue, no read', () => {
    // Config delivers to AWSLogs/<account>/Config/<region>/<y>/<m>/<d>/ConfigHistory/<account>_Config_<region>_
    // ConfigHistory_..., next to AWSLogs/<account>/CloudTrail/... in a shared (Control Tower) log bucket.
    const root = mkdtempSync(join(tmpdir(), 'hpcmk-awslogs-'));
    try {
      const trail = join(root, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '05', '01');
      const config = join(root, 'AWSLogs', '111122223333', 'Config', 'us-east-1', '2026', '5', '1');
      mkdirSync(trail, { recursive: true });
      mkdirSync(join(config, 'ConfigHistory'), { recursive: true });
      mkdirSync(join(config, 'ConfigSnapshot'), { recursive: true });
      writeFileSync(
        join(trail, '111122223333_CloudTrail_us-east-1_20260501T1005Z_Mu0KsOhtH1ar15ZZ.json.gz'),
        gzipSync(JSON.stringify({ Records: [denied('ct-1')] })),
      );
      const items = JSON.stringify({
        fileVersion: '1.0',
        configurationItems: [{ resourceType: 'AWS::KMS::Key' }],
      });
      writeFileSync(
        join(
          config,
          'ConfigHistory',
          '111122223333_Config_us-east-1_ConfigHistory_AWS::KMS::Key_20260501T100000Z_20260501T110000Z_1.json.gz',
        ),
        gzipSync(items),
      );
      writeFileSync(
        join(
          config,
          'ConfigSnapshot',
          '111122223333_Config_us-east-1_ConfigSnapshot_20260501T100000Z_abc.json.gz',
        ),
        gzipSync(items),
      );
      writeFileSync(join(root, 'AWSLogs', '111122223333', 'Config', 'ConfigWritabilityCheckFile'), '');
      const result = readCloudTrailDir(join(root, 'AWSLogs'));
      expect(result.events.map((e) => e.eventId)).toEqual(['ct-1']);
      expect(result.files).toBe(1);
      expect(result.issues).toEqual([]);
      // A file of any other name that holds no records is still an issue.
      writeFileSync(join(trail, 'other.json'), items);
      expect(readCloudTrailDir(join(root, 'AWSLogs')).issues.map((i) => i.code)).toEqual([
        'cloudtrail.format',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('keeps only the events asked for: a trail of routine calls is not held in memory to find a few denials', () => {
    // 30 MB of gzip (1.5 million successful Decrypt records, 1.4 GB of JSON, under the 2 GB budget)
    // exhausted a 512 MB heap when every event was kept; kpi keeps only denied KMS calls.
    const root = mkdtempSync(join(tmpdir(), 'hpcmk-keep-'));
    try {
      const ok = { ...denied('ok-1'), errorCode: undefined, errorMessage: undefined };
      writeFileSync(join(root, 'a.json'), JSON.stringify({ Records: [ok, denied('d-1'), denied('d-2')] }));
      const read = readCloudTrailDir(
        root,
        DEFAULT_CLOUDTRAIL_LIMITS,
        (event) => event.errorCode !== undefined,
      );
      expect(read.events.map((e) => e.eventId)).toEqual(['d-1', 'd-2']);
      expect(read.files).toBe(1);
      expect(readCloudTrailDir(root).events.map((e) => e.eventId)).toEqual(['ok-1', 'd-1', 'd-2']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('walks a directory of .json and .json.gz files; a broken file is an issue naming it, the rest still counts', () => {
    const day = join(dir, 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2026', '05', '01');
    mkdirSync(day, { recursive: true });
    writeFileSync(
      join(day, 'one.json.gz'),
      gzipSync(JSON.stringify({ Records: [denied('gz-1'), denied('gz-2')] })),
    );
    writeFileSync(join(day, 'two.json'), JSON.stringify({ Records: [denied('plain-1')] }));
    writeFileSync(join(day, 'bad.json.gz'), 'not gzip at all');
    writeFileSync(join(day, 'bad.json'), '{"Records": [');
    writeFileSync(join(day, 'other.json'), '{"hello": 1}');
    writeFileSync(join(day, 'notes.txt'), 'ignored');
    const result = readCloudTrailDir(dir);
    expect(result.files).toBe(5);
    expect(result.events.map((e) => e.eventId).sort()).toEqual(['gz-1', 'gz-2', 'plain-1']);
    expect(result.issues.map((i) => [i.code, i.location?.file])).toEqual([
      ['cloudtrail.parse', join('AWSLogs/111122223333/CloudTrail/us-east-1/2026/05/01', 'bad.json')],
      ['cloudtrail.unreadable', join('AWSLogs/111122223333/CloudTrail/us-east-1/2026/05/01', 'bad.json.gz')],
      ['cloudtrail.format', join('AWSLogs/111122223333/CloudTrail/us-east-1/2026/05/01', 'other.json')],
    ]);
    expect(result.issues[1]!.message).toContain('not a valid gzip file');
  });
});
