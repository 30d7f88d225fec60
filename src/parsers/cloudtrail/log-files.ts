/**
 * Exported CloudTrail log files (`--cloudtrail-dir DIR`): the `.json` and `.json.gz` objects a trail
 * delivers to S3 (`{"Records": [...]}`), and the output of `aws cloudtrail lookup-events`
 * (`{"Events": [{"CloudTrailEvent": "..."}]}`), read into the inventory's TrailEvent model for
 * history beyond LookupEvents' 90 days. A file that cannot be read or parsed is an issue naming
 * the file; the other files still count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { SourceIssue } from '../../model/finding.js';
import type { TrailEvent } from '../../model/inventory.js';

/** A decompressed log file larger than this is refused (CloudTrail delivers files of a few MB). */
export const MAX_LOG_BYTES = 256 * 1024 * 1024;

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const obj = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** One CloudTrail record (shared/aws-facts.md §8.2) as a TrailEvent; undefined when it lacks the essentials. */
export function trailEventFromRecord(raw: unknown): TrailEvent | undefined {
  const record = obj(raw);
  if (!record) return undefined;
  const eventId = str(record.eventID);
  const eventTime = str(record.eventTime);
  const eventSource = str(record.eventSource);
  const eventName = str(record.eventName);
  const region = str(record.awsRegion);
  if (!eventId || !eventTime || Number.isNaN(Date.parse(eventTime)) || !eventSource || !eventName || !region)
    return undefined;
  const identity = obj(record.userIdentity);
  const account = str(record.recipientAccountId) ?? str(identity?.accountId);
  if (!account) return undefined;
  const request = obj(record.requestParameters);
  const resources = Array.isArray(record.resources) ? record.resources.map(obj) : [];
  const keyArn = resources.map((r) => str(r?.ARN)).find((arn) => arn?.includes(':key/'));
  const keyRef = keyArn ?? str(request?.keyId) ?? str(obj(record.responseElements)?.keyId);
  const principal = str(identity?.arn) ?? str(identity?.invokedBy) ?? str(identity?.principalId);
  return {
    eventId,
    eventTime: new Date(Date.parse(eventTime)).toISOString(),
    eventSource,
    eventName,
    account,
    region,
    ...(principal ? { principalArn: principal } : {}),
    ...(str(identity?.type) ? { principalType: str(identity?.type)! } : {}),
    ...(str(identity?.invokedBy) ? { invokedBy: str(identity?.invokedBy)! } : {}),
    ...(str(record.errorCode) ? { errorCode: str(record.errorCode)! } : {}),
    ...(str(record.errorMessage) ? { errorMessage: str(record.errorMessage)! } : {}),
    ...(keyRef ? { keyRef } : {}),
    ...(typeof request?.grantIsForAWSResource === 'boolean'
      ? { grantIsForAwsResource: request.grantIsForAWSResource }
      : {}),
    ...(str(request?.granteePrincipal) ? { granteePrincipal: str(request?.granteePrincipal)! } : {}),
  };
}

export interface ParsedLog {
  events: TrailEvent[];
  /** Records skipped because they lacked an event id, time, source, name, Region or account. */
  skipped: number;
}

/** Parses the text of one log file. Throws nothing: a bad file is an issue. */
export function parseCloudTrailLog(
  text: string,
  file: string,
): { ok: true; value: ParsedLog } | { ok: false; issue: SourceIssue } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      issue: {
        code: 'cloudtrail.parse',
        severity: 'warning',
        message: `${file}: not valid JSON (${(error as Error).message})`,
        hint: 'pass the log files as CloudTrail delivered them, or the JSON output of aws cloudtrail lookup-events',
        location: { file },
      },
    };
  }
  const root = obj(doc);
  let records: unknown[] | undefined;
  if (Array.isArray(root?.Records)) records = root.Records;
  else if (Array.isArray(root?.Events))
    records = root.Events.map((e) => {
      const text = str(obj(e)?.CloudTrailEvent);
      if (!text) return undefined;
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    });
  else if (Array.isArray(doc)) records = doc;
  if (!records) {
    // Digest files sit next to log files and carry no records: not a problem.
    if (root && 'digestStartTime' in root) return { ok: true, value: { events: [], skipped: 0 } };
    return {
      ok: false,
      issue: {
        code: 'cloudtrail.format',
        severity: 'warning',
        message: `${file}: no "Records" (CloudTrail log file) or "Events" (lookup-events output) array`,
        hint: 'pass the directory CloudTrail delivers to (AWSLogs/...) or lookup-events JSON',
        location: { file },
      },
    };
  }
  const events: TrailEvent[] = [];
  let skipped = 0;
  for (const record of records) {
    const event = trailEventFromRecord(record);
    if (event) events.push(event);
    else skipped++;
  }
  return { ok: true, value: { events, skipped } };
}

export interface CloudTrailDirResult {
  events: TrailEvent[];
  files: number;
  issues: SourceIssue[];
}

/** Reads every `.json` and `.json.gz` file under `dir`, recursively; unreadable files are issues. */
export function readCloudTrailDir(dir: string): CloudTrailDirResult {
  const result: CloudTrailDirResult = { events: [], files: 0, issues: [] };
  const issue = (file: string, code: string, message: string): void => {
    result.issues.push({ code, severity: 'warning', message: `${file}: ${message}`, location: { file } });
  };
  const walk = (path: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(path).sort();
    } catch (error) {
      issue(
        relative(dir, path) || path,
        'cloudtrail.unreadable',
        `cannot list (${(error as NodeJS.ErrnoException).code})`,
      );
      return;
    }
    for (const name of entries) {
      const full = join(path, name);
      let isDir: boolean;
      try {
        isDir = statSync(full).isDirectory();
      } catch {
        continue;
      }
      if (isDir) {
        walk(full);
        continue;
      }
      const gz = name.endsWith('.json.gz');
      if (!gz && !name.endsWith('.json')) continue;
      const shown = relative(dir, full);
      result.files++;
      let text: string;
      try {
        const bytes = readFileSync(full);
        text = (gz ? gunzipSync(bytes, { maxOutputLength: MAX_LOG_BYTES }) : bytes).toString('utf8');
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        issue(
          shown,
          'cloudtrail.unreadable',
          gz && e.code?.startsWith('Z_')
            ? `not a valid gzip file (${e.message})`
            : `cannot be read (${e.code ?? e.message})`,
        );
        continue;
      }
      const parsed = parseCloudTrailLog(text, shown);
      if (!parsed.ok) {
        result.issues.push(parsed.issue);
        continue;
      }
      result.events.push(...parsed.value.events);
      if (parsed.value.skipped > 0)
        issue(
          shown,
          'cloudtrail.record',
          `${parsed.value.skipped} records without an event id, time, Region or account were skipped`,
        );
    }
  };
  walk(dir);
  return result;
}
