import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { AwsSession, isAwsEndpoint } from '../../../src/collectors/aws/clients.js';
import { managementLogging, trailEventOf } from '../../../src/collectors/aws/cloudtrail.js';
import { ScanContext } from '../../../src/collectors/aws/context.js';
import { classifyError } from '../../../src/collectors/aws/errors.js';
import { IamCollector, kmsStatements } from '../../../src/collectors/aws/iam.js';
import { parseKeyRef } from '../../../src/collectors/aws/kms.js';
import { clusterFromDescription, volumesOf } from '../../../src/collectors/aws/sagemaker.js';
import { TrailEventSchema } from '../../../src/model/inventory.js';
import { closestRegion, KNOWN_REGIONS } from '../../../src/model/regions.js';
import { trailEventFromRecord } from '../../../src/parsers/cloudtrail/log-files.js';
import { mentionsKms } from '../../../src/policy/identity-policies.js';
import { policyActions } from '../../helpers/iam-policy.js';

describe('parseKeyRef', () => {
  it.each([
    ['1234abcd-12ab-34cd-56ef-1234567890ab', { kind: 'key', keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }],
    ['mrk-1234abcd12ab34cd56ef1234567890ab', { kind: 'key', keyId: 'mrk-1234abcd12ab34cd56ef1234567890ab' }],
    [
      'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      {
        kind: 'key',
        keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        account: '111122223333',
        region: 'us-west-2',
        partition: 'aws',
      },
    ],
    ['alias/hyperpod/gpu', { kind: 'alias', aliasName: 'alias/hyperpod/gpu' }],
    [
      'arn:aws-cn:kms:cn-north-1:111122223333:alias/x',
      {
        kind: 'alias',
        aliasName: 'alias/x',
        account: '111122223333',
        region: 'cn-north-1',
        partition: 'aws-cn',
      },
    ],
    ['not a key', { kind: 'invalid' }],
    ['alias/', { kind: 'invalid' }],
  ])('%s', (ref, expected) => {
    expect(parseKeyRef(ref)).toEqual(expected);
  });
});

describe('classifyError', () => {
  const error = (name: string, status = 400) =>
    Object.assign(new Error('m'), { name, $metadata: { httpStatusCode: status } });
  it.each([
    ['AccessDeniedException', 'aws.access_denied'],
    ['AccessDenied', 'aws.access_denied'],
    ['ThrottlingException', 'aws.throttled'],
    ['TooManyRequestsException', 'aws.throttled'],
    ['UnrecognizedClientException', 'aws.region_disabled'],
    ['OptInRequired', 'aws.region_disabled'],
    ['NotFoundException', 'aws.not_found'],
    ['ResourceNotFound', 'aws.not_found'],
    ['KMSInternalException', 'aws.error'],
  ])('%s is %s', (name, code) => {
    expect(classifyError(error(name)).code).toBe(code);
  });
  it('a bare 403 is access denied and a bare 429 a throttle', () => {
    expect(classifyError(error('Unknown', 403)).code).toBe('aws.access_denied');
    expect(classifyError(error('Unknown', 429)).code).toBe('aws.throttled');
  });
  it('an attempt past the request timeout is aws.timeout; a connection cut short is aws.network', () => {
    const timeout = Object.assign(
      new Error('a request has exceeded the configured 1000 ms requestTimeout.'),
      {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      },
    );
    expect(classifyError(timeout).code).toBe('aws.timeout');
    expect(classifyError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })).code).toBe(
      'aws.network',
    );
    expect(classifyError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).code).toBe(
      'aws.network',
    );
  });
});

describe('AwsSession', () => {
  it('every client aborts an attempt that outlasts --request-timeout instead of waiting forever', async () => {
    const session = new AwsSession({
      concurrency: 1,
      maxAttempts: 1,
      lookupEventsPerSecond: 2,
      requestTimeout: 1234,
    });
    session.useBaseCredentials('111122223333', 'us-east-1');
    const handler = session.for('kms', '111122223333', 'us-east-1').config.requestHandler as unknown as {
      configProvider: Promise<{ requestTimeout?: number; throwOnRequestTimeout?: boolean }>;
    };
    expect(await handler.configProvider).toMatchObject({ requestTimeout: 1234, throwOnRequestTimeout: true });
    session.destroy();
  });

  it("releaseAccount ends and forgets that account's clients only, and keeps its credentials", () => {
    const session = new AwsSession({ concurrency: 1, maxAttempts: 1, lookupEventsPerSecond: 2 });
    session.useBaseCredentials('111122223333', 'us-east-1');
    session.useBaseCredentials('444455556666', 'us-east-1');
    const kms = session.for('kms', '111122223333', 'us-east-1');
    const iam = session.for('iam', '111122223333', 'us-east-1');
    const other = session.for('kms', '444455556666', 'us-east-1');
    expect(session.for('kms', '111122223333', 'us-east-1')).toBe(kms);
    const ended: string[] = [];
    for (const [name, client] of Object.entries({ kms, iam, other }))
      client.destroy = () => void ended.push(name);
    session.releaseAccount('111122223333');
    expect(ended.sort()).toEqual(['iam', 'kms']);
    expect(session.hasAccount('111122223333')).toBe(true);
    // A later call for the account gets a new client; the other account's stays.
    expect(session.for('kms', '111122223333', 'us-east-1')).not.toBe(kms);
    expect(session.for('kms', '444455556666', 'us-east-1')).toBe(other);
    session.destroy();
    expect(ended.sort()).toEqual(['iam', 'kms', 'other']);
  });
});

describe('releasing an account whose client another account is reading through', () => {
  it('ends the client only when the read in flight on it has settled, and the read succeeds', async () => {
    // A KMS endpoint that answers DescribeKey only when told to: the read is in flight meanwhile.
    let answer: (() => void) | undefined;
    const requested = new Promise<void>((arrived) => {
      server.on('request', (request: IncomingMessage, response: ServerResponse) => {
        request.resume();
        answer = () => {
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify({ KeyMetadata: { KeyId: 'k1', Arn: KEY } }));
        };
        arrived();
      });
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;
    const session = new AwsSession({
      concurrency: 4,
      maxAttempts: 1,
      lookupEventsPerSecond: 2,
      endpoint: `http://127.0.0.1:${port}`,
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    });
    try {
      session.useBaseCredentials('444455556666', 'us-east-1');
      const kms = session.for('kms', '444455556666', 'us-east-1');
      const ended: string[] = [];
      const destroy = kms.destroy.bind(kms);
      kms.destroy = () => {
        ended.push('kms');
        destroy();
      };
      const read = kms.send(new DescribeKeyCommand({ KeyId: KEY }));
      await requested;
      // The account that owns the key is done: its clients go, but not under a read in flight.
      session.releaseAccount('444455556666');
      expect(ended).toEqual([]);
      expect(session.for('kms', '444455556666', 'us-east-1')).not.toBe(kms);
      answer!();
      expect((await read).KeyMetadata?.Arn).toBe(KEY);
      expect(ended).toEqual(['kms']);
    } finally {
      session.destroy();
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
    }
  });
  const KEY = 'arn:aws:kms:us-east-1:444455556666:key/k1';
  const server = createServer();
});

describe('volumesOf', () => {
  it('reads root and secondary EBS entries, an empty key as none, and skips FSx', () => {
    expect(
      volumesOf([
        { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: 'alias/a' } },
        { EbsVolumeConfig: { VolumeSizeInGB: 10, VolumeKmsKeyId: '' } },
        { FsxLustreConfig: { DnsName: 'd', MountName: 'm' } },
      ]),
    ).toEqual([
      { role: 'root', kmsKeyId: 'alias/a' },
      { role: 'secondary', kmsKeyId: null, sizeInGB: 10 },
    ]);
  });

  it('a storage configuration the SDK cannot name leaves the volumes unknown, naming it', () => {
    // The SDK deserializes a union member it does not model as `$unknown: [name, value]`.
    expect(
      volumesOf([
        { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: 'alias/a' } },
        { $unknown: ['EbsVolumeConfigV2', { VolumeKmsKeyId: 'alias/b' }] },
      ]),
    ).toEqual({
      unresolved: 'InstanceStorageConfigs',
      reason:
        "DescribeCluster returned a storage configuration this scanner's AWS SDK does not know (EbsVolumeConfigV2): what it stores, and under which key, is unknown",
    });
    // An entry with no member at all says as little.
    expect(volumesOf([{} as never])).toEqual({
      unresolved: 'InstanceStorageConfigs',
      reason: 'DescribeCluster returned a storage configuration with no member this scanner knows',
    });
  });
});

describe('clusterFromDescription', () => {
  const arn = 'arn:aws:sagemaker:us-east-1:111122223333:cluster/abcdefghijkl';
  const describe = (groups: object[]) =>
    clusterFromDescription(
      { ClusterArn: arn, ClusterName: 'c', ClusterStatus: 'InService', InstanceGroups: groups as never },
      { arn, name: 'c' },
      '111122223333',
      'us-east-1',
      true,
    ).instanceGroups;
  it('keeps the lifecycle config and threads per core a replacement group must copy', () => {
    const [full, partial] = describe([
      {
        InstanceGroupName: 'full',
        ExecutionRole: 'arn:aws:iam::111122223333:role/x',
        LifeCycleConfig: { SourceS3Uri: 's3://sagemaker-b/lc/', OnCreate: 'on_create.sh' },
        ThreadsPerCore: 2,
      },
      {
        InstanceGroupName: 'partial',
        LifeCycleConfig: { SourceS3Uri: 's3://sagemaker-b/lc/' },
        ThreadsPerCore: 7,
      },
    ]);
    expect(full!.lifeCycleConfig).toEqual({ sourceS3Uri: 's3://sagemaker-b/lc/', onCreate: 'on_create.sh' });
    expect(full!.threadsPerCore).toBe(2);
    // Half a lifecycle config, or a thread count AWS does not allow, is not kept: a plan must not copy it.
    expect(partial!.lifeCycleConfig).toBeUndefined();
    expect(partial!.threadsPerCore).toBeUndefined();
  });
});

describe('CloudTrail', () => {
  it('basic selectors: management events unless turned off, KMS unless excluded', () => {
    expect(managementLogging(undefined, undefined)).toEqual({
      logsManagementEvents: true,
      excludesKmsEvents: false,
    });
    expect(managementLogging([{ IncludeManagementEvents: false }], [])).toEqual({
      logsManagementEvents: false,
      excludesKmsEvents: false,
    });
    expect(
      managementLogging(
        [{ IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'] }],
        [],
      ),
    ).toEqual({ logsManagementEvents: true, excludesKmsEvents: true });
  });
  it('advanced selectors: eventCategory Management, KMS left out by eventSource NotEquals', () => {
    expect(
      managementLogging(undefined, [
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Management'] },
            { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] },
          ],
        },
      ]),
    ).toEqual({ logsManagementEvents: true, excludesKmsEvents: true });
    expect(
      managementLogging(undefined, [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }]),
    ).toEqual({
      logsManagementEvents: false,
      excludesKmsEvents: false,
    });
  });
  it('keeps failures and changes, drops routine use and other services', () => {
    const record = (fields: object) => ({
      EventId: 'e',
      EventTime: new Date('2026-01-01T00:00:00Z'),
      CloudTrailEvent: JSON.stringify({ eventSource: 'kms.amazonaws.com', ...fields }),
    });
    expect(trailEventOf(record({ eventName: 'Decrypt' }), '1', 'r')).toBeUndefined();
    expect(
      trailEventOf(
        record({ eventName: 'Decrypt', eventSource: 's3.amazonaws.com', errorCode: 'AccessDenied' }),
        '1',
        'r',
      ),
    ).toBeUndefined();
    expect(
      trailEventOf(record({ eventName: 'Decrypt', errorCode: 'AccessDenied' }), '1', 'r')?.errorCode,
    ).toBe('AccessDenied');
    expect(
      trailEventOf(
        record({ eventName: 'DisableKey', responseElements: { keyId: 'arn:aws:kms:r:111122223333:key/k' } }),
        '1',
        'r',
      )?.keyRef,
    ).toBe('arn:aws:kms:r:111122223333:key/k');
  });
});

describe('one CloudTrail record, from LookupEvents or a log file', () => {
  const KEY = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  // An AWS service calling as itself has no ARN in userIdentity, only the service: AWS's RotateKey
  // example (non-api-aws-service-events.html) is {"accountId": ..., "invokedBy": "AWS Internal"}.
  it.each([
    ['a service identity', { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' }, 'ec2.amazonaws.com'],
    [
      'an identity with only the service',
      { accountId: '111122223333', invokedBy: 'AWS Internal' },
      'AWS Internal',
    ],
    [
      'a role session invoked by a service',
      {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/exec/i-1',
        accountId: '111122223333',
        invokedBy: 'ec2.amazonaws.com',
      },
      'arn:aws:sts::111122223333:assumed-role/exec/i-1',
    ],
  ])('names the same principal for %s', (_, userIdentity, principal) => {
    const record = {
      eventVersion: '1.08',
      userIdentity,
      eventTime: '2026-01-01T00:00:00Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'Decrypt',
      awsRegion: 'us-west-2',
      errorCode: 'AccessDenied',
      requestParameters: null,
      eventID: 'e1',
      resources: [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN: KEY }],
      recipientAccountId: '111122223333',
    };
    const live = trailEventOf(
      {
        EventId: 'e1',
        EventName: 'Decrypt',
        EventSource: 'kms.amazonaws.com',
        EventTime: new Date('2026-01-01T00:00:00Z'),
        CloudTrailEvent: JSON.stringify(record),
      },
      '111122223333',
      'us-west-2',
    );
    expect(live?.principalArn).toBe(principal);
    expect(trailEventFromRecord(record)?.principalArn).toBe(principal);
    expect(live).toEqual(trailEventFromRecord(record));
  });
});

describe('a CreateGrant record, from LookupEvents or a log file', () => {
  const KEY = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  // AWS's CreateGrant record (ct-creategrant.html) logs keyId, constraints, operations and
  // granteePrincipal: nothing says the grant is for an AWS resource. That shows in who called:
  // EC2 creating a volume's grant for Alice is invokedBy "AWS Internal" (ct-ec2two.html). A field
  // the caller added to the request is logged as sent and must not make a hand-made grant expected.
  const grant = (userIdentity: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    eventVersion: '1.02',
    userIdentity,
    eventTime: '2014-11-04T00:53:12Z',
    eventSource: 'kms.amazonaws.com',
    eventName: 'CreateGrant',
    awsRegion: 'us-west-2',
    requestParameters: { keyId: KEY, operations: ['Decrypt'], granteePrincipal: 'EX_PRINCIPAL_ID', ...extra },
    responseElements: { grantId: 'g1' },
    eventID: 'e1',
    readOnly: false,
    resources: [{ ARN: KEY, accountId: '111122223333' }],
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
  });
  const ALICE = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/Alice', accountId: '111122223333' };
  it.each([
    ['by Alice', false, grant(ALICE)],
    [
      'by Alice, with grantIsForAWSResource added to her request',
      false,
      grant(ALICE, { grantIsForAWSResource: true }),
    ],
    ['by EC2 for Alice', true, grant({ ...ALICE, invokedBy: 'AWS Internal' })],
    ['by a service as itself', true, grant({ type: 'AWSService', invokedBy: 'ec2.amazonaws.com' })],
  ])('a grant %s: grantIsForAwsResource is %s, the same from either source', (_, expected, record) => {
    const live = trailEventOf(
      {
        EventId: 'e1',
        EventName: 'CreateGrant',
        EventSource: 'kms.amazonaws.com',
        EventTime: new Date('2014-11-04T00:53:12Z'),
        CloudTrailEvent: JSON.stringify(record),
      },
      '111122223333',
      'us-west-2',
    );
    expect(live?.grantIsForAwsResource).toBe(expected);
    expect(trailEventFromRecord(record)?.grantIsForAwsResource).toBe(expected);
    expect(trailEventFromRecord(record)).toEqual(live);
  });
});

describe('the key a LookupEvents event is about', () => {
  const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  // requestParameters.keyId is logged as the caller sent it: AWS's EC2 example (ct-ec2two.html) has
  // "keyId": "alias/aws/ebs" next to the key ARN in resources. An alias may since have been deleted
  // or pointed at another key: the ARN CloudTrail resolved names the key.
  const lookup = (
    record: Record<string, unknown>,
    resources?: { ResourceType: string; ResourceName: string }[],
  ) =>
    trailEventOf(
      {
        EventId: 'e1',
        EventName: 'Decrypt',
        EventSource: 'kms.amazonaws.com',
        EventTime: new Date('2026-01-01T00:00:00Z'),
        CloudTrailEvent: JSON.stringify({
          eventSource: 'kms.amazonaws.com',
          eventName: 'Decrypt',
          ...record,
        }),
        ...(resources ? { Resources: resources } : {}),
      },
      '111122223333',
      'us-east-1',
    )?.keyRef;
  it.each([
    ['the alias name', 'alias/hyperpod/llm'],
    ['the alias ARN', 'arn:aws:kms:us-east-1:111122223333:alias/hyperpod/llm'],
    ['the key id', '1234abcd-12ab-34cd-56ef-1234567890ab'],
  ])(
    'a denied call that names the key by %s, indexed under its key ARN, is about that key ARN',
    (_, keyId) => {
      const record = { errorCode: 'AccessDenied', requestParameters: { keyId } };
      expect(lookup(record, [{ ResourceType: 'AWS::KMS::Key', ResourceName: KEY }])).toBe(KEY);
      expect(lookup({ ...record, resources: [{ ARN: KEY, type: 'AWS::KMS::Key' }] })).toBe(KEY);
      // Without either, the key as the caller named it.
      expect(lookup(record)).toBe(keyId);
      expect(lookup(record, [{ ResourceType: 'AWS::KMS::Alias', ResourceName: 'alias/hyperpod/llm' }])).toBe(
        keyId,
      );
    },
  );
});

describe('CloudTrail records that are not what they should be', () => {
  // CloudTrailEvent is JSON text that tenants' requests fill in (a failed call's requestParameters
  // are logged as sent): nothing in it may throw (one event lost its Region's lookups) or reach the
  // inventory as anything but a string (the snapshot then failed its own schema).
  const event = (text: string) => ({
    EventId: 'e1',
    EventName: 'PutKeyPolicy',
    EventSource: 'kms.amazonaws.com',
    EventTime: new Date('2026-01-01T00:00:00Z'),
    CloudTrailEvent: text,
  });
  const fromLookup = {
    eventId: 'e1',
    eventTime: '2026-01-01T00:00:00.000Z',
    eventSource: 'kms.amazonaws.com',
    eventName: 'PutKeyPolicy',
    account: '111122223333',
    region: 'us-east-1',
  };
  it.each(['null', '[1]', '"text"', '42', '{"eventName":'])(
    'a record %j is read from the lookup alone',
    (text) => {
      const mapped = trailEventOf(event(text), '111122223333', 'us-east-1');
      expect(mapped).toEqual(fromLookup);
      expect(TrailEventSchema.safeParse(mapped).success).toBe(true);
    },
  );
  it.each(['12', '2026-02-30T00:00:00Z', 'May 1, 2026'])(
    'without EventTime, a record whose eventTime %j is no ISO-8601 time has no time: the event is left out',
    (eventTime) => {
      // CloudTrail writes eventTime in UTC as ISO-8601 (cloudtrail-event-reference-record-contents);
      // Date.parse read "12" as 2001 and rolled 2026-02-30 over to March.
      const record = JSON.stringify({
        eventSource: 'kms.amazonaws.com',
        eventName: 'PutKeyPolicy',
        eventTime,
      });
      expect(
        trailEventOf({ ...event(record), EventTime: undefined }, '111122223333', 'us-east-1'),
      ).toBeUndefined();
      expect(
        trailEventOf(
          {
            ...event(JSON.stringify({ eventName: 'PutKeyPolicy', eventTime: '2026-01-01T00:00:00Z' })),
            EventTime: undefined,
          },
          '111122223333',
          'us-east-1',
        ),
      ).toEqual(fromLookup);
    },
  );
  it('fields that are not strings are left out', () => {
    const mapped = trailEventOf(
      event(
        JSON.stringify({
          eventSource: 'kms.amazonaws.com',
          eventName: 'PutKeyPolicy',
          eventTime: 'not a time',
          errorCode: 403,
          userIdentity: { arn: ['arn:aws:iam::111122223333:role/x'], type: { a: 1 } },
          requestParameters: { keyId: { nested: true }, granteePrincipal: 7 },
          responseElements: 'none',
          resources: [null, 'x', { ARN: 5 }],
        }),
      ),
      '111122223333',
      'us-east-1',
    );
    expect(mapped).toEqual(fromLookup);
    expect(TrailEventSchema.safeParse(mapped).success).toBe(true);
  });
});

describe('IAM statements', () => {
  it('a document nested far deeper than the policy grammar is no policy (walking it overflowed the stack)', () => {
    const deep = (depth: number) =>
      encodeURIComponent(
        `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Extra":${'['.repeat(depth)}${']'.repeat(depth)}}]}`,
      );
    expect(kmsStatements(deep(16_000))).toBeUndefined();
    expect(kmsStatements(deep(3))).toHaveLength(1);
  });

  it('keeps statements that can allow KMS actions', () => {
    expect(mentionsKms({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' })).toBe(true);
    expect(mentionsKms({ Effect: 'Allow', Action: '*', Resource: '*' })).toBe(true);
    expect(mentionsKms({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' })).toBe(true);
    expect(mentionsKms({ Effect: 'Allow', NotAction: 'kms:*', Resource: '*' })).toBe(false);
    expect(mentionsKms({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' })).toBe(false);
    expect(
      kmsStatements(
        '%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22kms%3A*%22%7D%7D',
      ),
    ).toEqual([{ Effect: 'Allow', Action: 'kms:*', documentVersion: null }]);
    expect(kmsStatements('not json')).toBeUndefined();
    // Raw JSON (not URL-encoded) with a % in it is read too; a statement that is not one is not a policy.
    expect(
      kmsStatements('{"Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Sid":"100%"}]}'),
    ).toEqual([
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Sid: '100%', documentVersion: null },
    ]);
    expect(kmsStatements('{"Statement":[{"Effect":"Perhaps","Action":"kms:*"}]}')).toBeUndefined();
  });

  const ROLE = 'arn:aws:iam::111122223333:role/hyperpod-exec';
  /** IAM as it answers for ROLE (GetRole's role plus `role`), with `attached` managed policies and no inline one. */
  function mockRole(role: object, attached: string[] = []) {
    const iam = mockClient(IAMClient);
    iam.on(GetRoleCommand).resolves({
      Role: {
        RoleName: 'hyperpod-exec',
        RoleId: 'AROAEXAMPLE',
        Arn: ROLE,
        Path: '/',
        CreateDate: new Date(),
        ...role,
      },
    });
    iam.on(ListAttachedRolePoliciesCommand).resolves({
      AttachedPolicies: attached.map((PolicyArn) => ({ PolicyArn })),
      IsTruncated: false,
    });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [], IsTruncated: false });
    return iam;
  }
  /** ROLE as the IAM collector reads it, with the gaps it records. */
  async function readRole() {
    const session = { hasAccount: () => true, for: () => new IAMClient({ region: 'us-east-1' }) };
    const ctx = new ScanContext(session as unknown as AwsSession, 'aws', true, undefined, undefined);
    const collector = new IamCollector(ctx);
    await collector.role(ROLE);
    return { role: collector.roles()[0], gaps: ctx.gaps };
  }

  it("reads the role's permissions boundary as a managed policy; one it cannot read says why", async () => {
    const BOUNDARY = 'arn:aws:iam::111122223333:policy/boundary';
    const iam = mockRole({
      PermissionsBoundary: {
        PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
        PermissionsBoundaryArn: BOUNDARY,
      },
    });
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: BOUNDARY, DefaultVersionId: 'v2' } });
    iam.on(GetPolicyVersionCommand).resolves({
      PolicyVersion: {
        Document: encodeURIComponent(
          JSON.stringify({
            Statement: [
              { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
              { Effect: 'Allow', Action: 's3:*', Resource: '*' },
            ],
          }),
        ),
      },
    });
    const readable = await readRole();
    expect(readable.role?.permissionsBoundary).toEqual({
      policyArn: BOUNDARY,
      kmsStatements: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', documentVersion: null }],
    });
    expect(readable.gaps).toEqual([]);
    iam
      .on(GetPolicyCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform: iam:GetPolicy'), { name: 'AccessDenied' }),
      );
    const denied = await readRole();
    iam.restore();
    expect(denied.role).toMatchObject({
      policiesCollected: true,
      permissionsBoundary: { policyArn: BOUNDARY, reason: 'GetPolicy failed (aws.access_denied)' },
    });
    expect(denied.gaps).toMatchObject([
      { operation: 'GetPolicy', resource: ROLE, code: 'aws.access_denied' },
    ]);
  });

  it('a managed policy whose document is not a policy leaves the role uncollected, with a gap naming it', async () => {
    const BROKEN = 'arn:aws:iam::111122223333:policy/broken';
    const iam = mockRole({}, [BROKEN]);
    iam.on(GetPolicyCommand).resolves({ Policy: { Arn: BROKEN, DefaultVersionId: 'v1' } });
    iam
      .on(GetPolicyVersionCommand)
      .resolves({ PolicyVersion: { Document: encodeURIComponent('{"Statement": 7}') } });
    const { role, gaps } = await readRole();
    iam.restore();
    expect(role).toEqual({
      arn: ROLE,
      roleId: 'AROAEXAMPLE',
      account: '111122223333',
      source: 'live',
      kmsStatements: [],
      policiesCollected: false,
    });
    expect(gaps).toMatchObject([
      {
        operation: 'GetPolicyVersion',
        resource: ROLE,
        code: 'aws.invalid_response',
        message: `the document of managed policy ${BROKEN} is not a valid IAM policy`,
      },
    ]);
  });
});

describe('Regions', () => {
  it('match the Regions the pinned AWS SDK knows', () => {
    const source = readFileSync(
      new URL(
        '../../../node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/partitions.js',
        import.meta.url,
      ),
      'utf8',
    );
    const sdk = new Set([...source.matchAll(/"([a-z]{2,4}(?:-[a-z]+)+-\d+)": \{/g)].map((m) => m[1]!));
    expect(new Set(KNOWN_REGIONS)).toEqual(sdk);
  });
  it('suggest the closest Region for a typo, and none for nonsense', () => {
    expect(closestRegion('us-est-1')).toBe('us-east-1');
    expect(closestRegion('eu-wset-2')).toBe('eu-west-2');
    expect(closestRegion('mars-north-9')).toBeUndefined();
  });
  it('tell AWS endpoints from emulators', () => {
    expect(isAwsEndpoint(undefined)).toBe(true);
    expect(isAwsEndpoint('https://kms.us-east-1.amazonaws.com')).toBe(true);
    expect(isAwsEndpoint('https://vpce-1a2b.kms.us-east-1.vpce.amazonaws.com')).toBe(true);
    expect(isAwsEndpoint('http://127.0.0.1:5000')).toBe(false);
    expect(isAwsEndpoint('http://localstack:4566')).toBe(false);
  });
});

describe('docs/iam-policy.json', () => {
  const dir = new URL('../../../src/collectors/aws/', import.meta.url);
  const service: Record<string, string> = {
    'client-sagemaker': 'sagemaker',
    'client-kms': 'kms',
    'client-iam': 'iam',
    'client-cloudtrail': 'cloudtrail',
    'client-organizations': 'organizations',
    'client-sts': 'sts',
    'client-ec2': 'ec2',
  };
  /** Every `new XCommand(` and `paginateX(` in the collectors, as the IAM action it needs. */
  const used = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(new URL(file, dir), 'utf8');
    for (const block of text.matchAll(/import \{([^}]+)\} from '@aws-sdk\/(client-[a-z0-9]+)'/g)) {
      const names = block[1]!
        .split(',')
        .map((n) => n.trim())
        .filter((n) => !n.startsWith('type '));
      for (const name of names) {
        const command = /^(\w+)Command$/.exec(name)?.[1];
        const paginated = /^paginate(\w+)$/.exec(name)?.[1];
        if (command && new RegExp(`new ${name}\\(`).test(text)) used.add(`${service[block[2]!]}:${command}`);
        if (paginated && new RegExp(`${name}\\(`).test(text)) used.add(`${service[block[2]!]}:${paginated}`);
      }
    }
  }

  it('allows every action the collectors call, and nothing else', () => {
    expect(used.size).toBeGreaterThan(20);
    expect([...used].sort()).toEqual([...policyActions()].sort());
  });

  it('is read-only but for assuming the audit role', () => {
    const writes = [...policyActions()].filter((action) => !/:(Get|List|Describe|LookupEvents)/.test(action));
    expect(writes).toEqual(['sts:AssumeRole']);
  });
});
