/**
 * CloudTrail: the account's trails (DescribeTrails, GetTrailStatus, GetEventSelectors) for the
 * audit-trail rule, and Event history (LookupEvents) for the key rules that read who was denied a
 * key and who changed one. LookupEvents takes one attribute per call and allows two calls per
 * second per account and Region (the session paces it), so the lookups are targeted: one per key
 * by ResourceName (every event that names the key), plus one per policy-changing event name (for
 * changes whose record names the key only in requestParameters).
 */
import {
  type AdvancedEventSelector,
  type Trail as CloudTrailTrail,
  DescribeTrailsCommand,
  type Event,
  type EventSelector,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type LookupAttribute,
  paginateLookupEvents,
} from '@aws-sdk/client-cloudtrail';
import { parseIsoTime } from '../../model/dates.js';
import type { Gap, Trail, TrailEvent } from '../../model/inventory.js';
import { callerOf, isGrantForAwsResource } from '../../model/trail-identity.js';
import type { ScanContext } from './context.js';
import { everyPage } from './pages.js';

// ---------------------------------------------------------------------------------------------
// Trails

/** Whether the selectors log management events, and whether they leave KMS out. */
export function managementLogging(
  basic: readonly EventSelector[] | undefined,
  advanced: readonly AdvancedEventSelector[] | undefined,
): { logsManagementEvents: boolean; excludesKmsEvents: boolean } {
  if (advanced && advanced.length > 0) {
    const management = advanced.filter((selector) =>
      (selector.FieldSelectors ?? []).some(
        (field) => field.Field === 'eventCategory' && (field.Equals ?? []).includes('Management'),
      ),
    );
    const includesKms = management.some(
      (selector) =>
        !(selector.FieldSelectors ?? []).some(
          (field) =>
            field.Field === 'eventSource' &&
            ((field.NotEquals ?? []).includes('kms.amazonaws.com') ||
              ((field.Equals ?? []).length > 0 && !(field.Equals ?? []).includes('kms.amazonaws.com'))),
        ),
    );
    return {
      logsManagementEvents: management.length > 0,
      excludesKmsEvents: management.length > 0 && !includesKms,
    };
  }
  // No selectors at all: a trail logs every management event by default.
  if (!basic || basic.length === 0) return { logsManagementEvents: true, excludesKmsEvents: false };
  const management = basic.filter((selector) => selector.IncludeManagementEvents !== false);
  const includesKms = management.some(
    (selector) => !(selector.ExcludeManagementEventSources ?? []).includes('kms.amazonaws.com'),
  );
  return {
    logsManagementEvents: management.length > 0,
    excludesKmsEvents: management.length > 0 && !includesKms,
  };
}

/**
 * The trails an account's `region` sees: its own, and every multi-Region or organization trail
 * (DescribeTrails includes their shadows), each with its status and selectors.
 */
export async function collectTrails(ctx: ScanContext, account: string, region: string): Promise<Trail[]> {
  const client = ctx.session.for('cloudtrail', account, region);
  let trails: CloudTrailTrail[];
  try {
    trails = (await client.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? [];
  } catch (error) {
    ctx.failed({ service: 'cloudtrail', operation: 'DescribeTrails', account, region }, error);
    return [];
  }
  const collected = await Promise.all(
    trails.map(async (trail): Promise<Trail | undefined> => {
      const arn = trail.TrailARN ?? trail.Name;
      if (!arn || !trail.Name) return undefined;
      const context = (operation: string) => ({
        service: 'cloudtrail',
        operation,
        account,
        region,
        resource: arn,
      });
      const [status, selectors] = await Promise.all([
        client.send(new GetTrailStatusCommand({ Name: arn })).catch((error: unknown) => {
          ctx.failed(context('GetTrailStatus'), error);
          return undefined;
        }),
        client.send(new GetEventSelectorsCommand({ TrailName: arn })).catch((error: unknown) => {
          ctx.failed(context('GetEventSelectors'), error);
          return undefined;
        }),
      ]);
      if (!status || !selectors) return undefined;
      // A trail always has selectors: one made without any has the default selector, which
      // GetEventSelectors returns (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetEventSelectors.html).
      // An answer with neither list says nothing of what the trail logs.
      if (selectors.EventSelectors === undefined && selectors.AdvancedEventSelectors === undefined) {
        ctx.missing(
          context('GetEventSelectors'),
          'aws.invalid_response',
          'GetEventSelectors returned neither EventSelectors nor AdvancedEventSelectors',
        );
        return undefined;
      }
      // Both are optional in their response models: absent, the trail's fitness is not known, and
      // reading either as false would fail the account on data that never came.
      if (trail.IsMultiRegionTrail === undefined || status.IsLogging === undefined) {
        const [operation, member] =
          trail.IsMultiRegionTrail === undefined
            ? ['DescribeTrails', 'IsMultiRegionTrail']
            : ['GetTrailStatus', 'IsLogging'];
        ctx.missing(context(operation), 'aws.invalid_response', `${operation} returned no ${member}`);
        return undefined;
      }
      const logging = managementLogging(selectors.EventSelectors, selectors.AdvancedEventSelectors);
      return {
        arn,
        name: trail.Name,
        account,
        homeRegion: trail.HomeRegion ?? region,
        isMultiRegion: trail.IsMultiRegionTrail,
        ...(trail.IsOrganizationTrail !== undefined
          ? { isOrganizationTrail: trail.IsOrganizationTrail }
          : {}),
        isLogging: status.IsLogging,
        logsManagementEvents: logging.logsManagementEvents,
        excludesKmsEvents: logging.excludesKmsEvents,
      };
    }),
  );
  return collected.filter((trail): trail is Trail => trail !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Events

/** Events that change who may use a key, or whether it exists: kept whether or not they failed. */
const CHANGE_EVENTS = new Set([
  'PutKeyPolicy',
  'ScheduleKeyDeletion',
  'CancelKeyDeletion',
  'DisableKey',
  'EnableKey',
  'CreateGrant',
  'RevokeGrant',
  'RetireGrant',
  'DisableKeyRotation',
  'EnableKeyRotation',
  'CreateAlias',
  'UpdateAlias',
  'DeleteAlias',
  'ReplicateKey',
  'UpdatePrimaryRegion',
]);
/** Looked up by name too, because their records may name the key only in requestParameters. */
const LOOKUP_BY_NAME = ['PutKeyPolicy', 'ScheduleKeyDeletion', 'DisableKey'] as const;

/**
 * The fields of a CloudTrail record the rules read, each a non-empty string or absent. The record
 * is text that tenants' requests fill in (a failed call's requestParameters are logged as sent): a
 * record that is not a JSON object, or a field that is not a string, is read as absent, never
 * carried into the inventory nor allowed to throw (one such event lost a Region's lookups).
 */
interface CloudTrailRecord {
  eventID: string | undefined;
  eventTime: string | undefined;
  eventSource: string | undefined;
  eventName: string | undefined;
  awsRegion: string | undefined;
  recipientAccountId: string | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  userIdentity: {
    type: string | undefined;
    arn: string | undefined;
    invokedBy: string | undefined;
    principalId: string | undefined;
  };
  requestKeyId: string | undefined;
  granteePrincipal: string | undefined;
  responseKeyId: string | undefined;
  resourceArns: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const textOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function recordOf(text: string | undefined): CloudTrailRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '{}');
  } catch {
    raw = {};
  }
  const record = isObject(raw) ? raw : {};
  const identity = isObject(record.userIdentity) ? record.userIdentity : {};
  const request = isObject(record.requestParameters) ? record.requestParameters : {};
  const response = isObject(record.responseElements) ? record.responseElements : {};
  const resources = Array.isArray(record.resources) ? record.resources : [];
  return {
    eventID: textOf(record.eventID),
    eventTime: textOf(record.eventTime),
    eventSource: textOf(record.eventSource),
    eventName: textOf(record.eventName),
    awsRegion: textOf(record.awsRegion),
    recipientAccountId: textOf(record.recipientAccountId),
    errorCode: textOf(record.errorCode),
    errorMessage: textOf(record.errorMessage),
    userIdentity: {
      type: textOf(identity.type),
      arn: textOf(identity.arn),
      invokedBy: textOf(identity.invokedBy),
      principalId: textOf(identity.principalId),
    },
    requestKeyId: textOf(request.keyId),
    granteePrincipal: textOf(request.granteePrincipal),
    responseKeyId: textOf(response.keyId),
    resourceArns: resources.flatMap((resource) => {
      const arn = isObject(resource) ? textOf(resource.ARN) : undefined;
      return arn ? [arn] : [];
    }),
  };
}

const isKeyArn = (arn: string | undefined): arn is string =>
  arn !== undefined && /:kms:[^:]*:\d{12}:key\//.test(arn);

/**
 * An ISO time from a record's eventTime, which CloudTrail writes in UTC as ISO-8601; undefined when
 * it is no such time (Date.parse read "12" as 2001 and a time without a zone as local time).
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 */
function isoOf(time: string | undefined): string | undefined {
  const ms = time === undefined ? undefined : parseIsoTime(time);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** A LookupEvents event as a TrailEvent; undefined when it is not about KMS keys or is routine use. */
export function trailEventOf(event: Event, account: string, region: string): TrailEvent | undefined {
  const record = recordOf(event.CloudTrailEvent);
  const eventName = record.eventName ?? event.EventName;
  const eventSource = record.eventSource ?? event.EventSource;
  if (!eventName || eventSource !== 'kms.amazonaws.com') return undefined;
  // Routine successful use (Decrypt, GenerateDataKey, DescribeKey...) says nothing the rules need.
  if (!record.errorCode && !CHANGE_EVENTS.has(eventName)) return undefined;
  // The key ARN CloudTrail resolved (the record's resources, or the resources LookupEvents indexed
  // the event under) before the key as the caller named it: requestParameters.keyId is logged as
  // sent, an alias such as "alias/aws/ebs" (AWS's EC2 example, ct-ec2two.html), and an alias may
  // since have been deleted or pointed at another key.
  // https://docs.aws.amazon.com/kms/latest/developerguide/ct-ec2two.html
  const keyRef =
    record.resourceArns.find(isKeyArn) ??
    (event.Resources ?? []).map((resource) => resource.ResourceName).find(isKeyArn) ??
    record.requestKeyId ??
    record.responseKeyId;
  const identity = record.userIdentity;
  const principal = callerOf(identity);
  const eventTime =
    (event.EventTime && !Number.isNaN(event.EventTime.getTime())
      ? event.EventTime.toISOString()
      : undefined) ?? isoOf(record.eventTime);
  const eventId = event.EventId ?? record.eventID;
  if (!eventId || !eventTime) return undefined;
  return {
    eventId,
    eventTime,
    eventSource,
    eventName,
    account: record.recipientAccountId ?? account,
    region: record.awsRegion ?? region,
    ...(principal ? { principalArn: principal } : {}),
    ...(identity.type ? { principalType: identity.type } : {}),
    ...(identity.invokedBy ? { invokedBy: identity.invokedBy } : {}),
    ...(record.errorCode ? { errorCode: record.errorCode } : {}),
    ...(record.errorMessage ? { errorMessage: record.errorMessage } : {}),
    ...(keyRef ? { keyRef } : {}),
    ...(eventName === 'CreateGrant' ? { grantIsForAwsResource: isGrantForAwsResource(identity) } : {}),
    ...(record.granteePrincipal ? { granteePrincipal: record.granteePrincipal } : {}),
  };
}

/** The LookupEvents of one account and Region, within the lookback window. */
export class RegionEvents {
  private readonly pending: Promise<void>[] = [];
  private readonly seen = new Set<string>();
  readonly events: TrailEvent[] = [];
  private failure: Gap | undefined;

  constructor(
    private readonly ctx: ScanContext,
    readonly account: string,
    readonly region: string,
    readonly since: Date,
    private readonly until: Date,
  ) {
    for (const name of LOOKUP_BY_NAME) this.lookup({ AttributeKey: 'EventName', AttributeValue: name });
  }

  /** Looks up every event that names the key (its ARN is the ResourceName KMS records). */
  addKey(keyArn: string): void {
    this.lookup({ AttributeKey: 'ResourceName', AttributeValue: keyArn });
  }

  /** Waits for every lookup; the result is complete, or the gap that made it partial. */
  async settle(): Promise<{ complete: true } | { complete: false; gap: Gap }> {
    // Lookups may be added while waiting (keys found late): wait until none are left.
    let count = 0;
    while (count < this.pending.length) {
      count = this.pending.length;
      await Promise.all(this.pending);
    }
    return this.failure ? { complete: false, gap: this.failure } : { complete: true };
  }

  private lookup(attribute: LookupAttribute): void {
    this.pending.push(this.run(attribute));
  }

  private async run(attribute: LookupAttribute): Promise<void> {
    if (this.failure) return;
    const client = this.ctx.session.for('cloudtrail', this.account, this.region);
    const input = { LookupAttributes: [attribute], StartTime: this.since, EndTime: this.until };
    try {
      for await (const page of everyPage(
        paginateLookupEvents({ client, pageSize: 50 }, input),
        'LookupEvents',
      )) {
        for (const event of page.Events ?? []) {
          const mapped = trailEventOf(event, this.account, this.region);
          if (!mapped || this.seen.has(mapped.eventId)) continue;
          this.seen.add(mapped.eventId);
          this.events.push(mapped);
        }
      }
    } catch (error) {
      this.failure ??= this.ctx.failed(
        { service: 'cloudtrail', operation: 'LookupEvents', account: this.account, region: this.region },
        error,
      );
    }
  }
}
