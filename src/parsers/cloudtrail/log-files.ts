/**
 * Exported CloudTrail log files (`--cloudtrail-dir DIR`): the `.json` and `.json.gz` objects a trail
 * delivers to S3 (`{"Records": [...]}`), and the output of `aws cloudtrail lookup-events`
 * (`{"Events": [{"CloudTrailEvent": "..."}]}`), read into the inventory's TrailEvent model for
 * history beyond LookupEvents' 90 days. A file that cannot be read or parsed is an issue naming
 * the file; the other files still count.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseIsoTime } from '../../model/dates.js';
import type { SourceIssue } from '../../model/finding.js';
import type { TrailEvent } from '../../model/inventory.js';
import { callerOf, isGrantForAwsResource } from '../../model/trail-identity.js';
import { insideRoots, readBounded, realPathOf } from '../common/safe-read.js';

/**
 * AWS Config's history and snapshot files, which Config delivers into the same AWSLogs/<account>/
 * tree (AWSLogs/<account>/Config/<region>/.../<account>_Config_<region>_ConfigHistory_...json.gz)
 * as CloudTrail its log files (<account>_CloudTrail_<region>_...): a shared log bucket, as Control
 * Tower's, holds both. They are not CloudTrail's and hold no events; they are passed over unread.
 * https://docs.aws.amazon.com/config/latest/developerguide/example-configuration-history-notification.html
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html
 */
const AWS_CONFIG_FILE = /^\d{12}_Config_[a-z0-9-]+_Config(History|Snapshot)_/;

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
  // CloudTrail writes eventTime in UTC as ISO-8601 ("2014-03-06T21:22:54Z"): anything else is no
  // time (Date.parse read "12" as 2001, rolled 2026-02-30 over to March and a time without a zone
  // as the machine's local time).
  // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
  const eventTime = str(record.eventTime);
  const at = eventTime === undefined ? undefined : parseIsoTime(eventTime);
  const eventSource = str(record.eventSource);
  const eventName = str(record.eventName);
  const region = str(record.awsRegion);
  if (!eventId || at === undefined || !eventSource || !eventName || !region) return undefined;
  const identity = obj(record.userIdentity);
  const account = str(record.recipientAccountId) ?? str(identity?.accountId);
  if (!account) return undefined;
  const request = obj(record.requestParameters);
  const resources = Array.isArray(record.resources) ? record.resources.map(obj) : [];
  const keyArn = resources.map((r) => str(r?.ARN)).find((arn) => arn?.includes(':key/'));
  const keyRef = keyArn ?? str(request?.keyId) ?? str(obj(record.responseElements)?.keyId);
  const who = identity && {
    type: str(identity.type),
    arn: str(identity.arn),
    invokedBy: str(identity.invokedBy),
    principalId: str(identity.principalId),
  };
  const principal = callerOf(who);
  return {
    eventId,
    eventTime: new Date(at).toISOString(),
    eventSource,
    eventName,
    account,
    region,
    ...(principal ? { principalArn: principal } : {}),
    ...(who?.type ? { principalType: who.type } : {}),
    ...(who?.invokedBy ? { invokedBy: who.invokedBy } : {}),
    ...(str(record.errorCode) ? { errorCode: str(record.errorCode)! } : {}),
    ...(str(record.errorMessage) ? { errorMessage: str(record.errorMessage)! } : {}),
    ...(keyRef ? { keyRef } : {}),
    ...(eventName === 'CreateGrant' ? { grantIsForAwsResource: isGrantForAwsResource(who) } : {}),
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
    // An Insights event reports an unusual rate of calls, not a call: its API is named only inside
    // insightDetails. CloudTrail delivers them to the same bucket (CloudTrail-Insight/).
    // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-insights-fields-trails.html
    if (obj(record)?.eventType === 'AwsCloudTrailInsight') continue;
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

export interface CloudTrailDirLimits {
  /** Largest file, and largest decompressed file, read. */
  maxFileBytes: number;
  /** Log files read at most; the rest is an issue. */
  maxFiles: number;
  /** Decompressed bytes read at most, across all files. */
  maxTotalBytes: number;
}

export const DEFAULT_CLOUDTRAIL_LIMITS: CloudTrailDirLimits = {
  maxFileBytes: MAX_LOG_BYTES,
  maxFiles: 100_000,
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
};

/**
 * Reads every `.json` and `.json.gz` file under `dir`, recursively; unreadable files are issues.
 * Symbolic links are resolved: a directory reached twice (a link back into the tree) is walked
 * once, and nothing outside `dir` is read. Files are read through the scanner's bounded read (no
 * FIFO or device is opened), and the files, bytes and decompressed bytes read are limited.
 */
export function readCloudTrailDir(
  dir: string,
  limits: CloudTrailDirLimits = DEFAULT_CLOUDTRAIL_LIMITS,
  /**
   * The events to keep (default all). A trail is mostly routine calls: kept, the 2 GB a directory
   * may hold came to over a gigabyte of events (1.4 GB of Decrypt records exhausted a 512 MB heap).
   */
  keep?: (event: TrailEvent) => boolean,
): CloudTrailDirResult {
  const result: CloudTrailDirResult = { events: [], files: 0, issues: [] };
  const issue = (file: string, code: string, message: string): void => {
    result.issues.push({ code, severity: 'warning', message: `${file}: ${message}`, location: { file } });
  };
  const roots = [realPathOf(dir) ?? dir];
  const seenDirs = new Set<string>();
  let totalBytes = 0;
  let stopped = false;
  const stop = (message: string) => {
    if (stopped) return;
    stopped = true;
    result.issues.push({
      code: 'cloudtrail.budget',
      severity: 'error',
      message,
      hint: 'pass a directory that holds only the period you need',
      location: { file: dir },
    });
  };
  // Depth-first, in name order, without recursion (a deep tree cannot exhaust the stack).
  const stack: string[] = [dir];
  while (stack.length > 0 && !stopped) {
    const path = stack.pop()!;
    const shownDir = relative(dir, path) || path;
    const real = realPathOf(path);
    if (!real || !insideRoots(real, roots)) {
      issue(
        shownDir,
        'cloudtrail.outside',
        'a link to a directory outside the CloudTrail directory: not read',
      );
      continue;
    }
    if (seenDirs.has(real)) {
      issue(
        shownDir,
        'cloudtrail.symlink_loop',
        'a directory already read (a symbolic link loop): not read again',
      );
      continue;
    }
    seenDirs.add(real);
    let entries: string[];
    try {
      entries = readdirSync(path).sort();
    } catch (error) {
      issue(shownDir, 'cloudtrail.unreadable', `cannot list (${(error as NodeJS.ErrnoException).code})`);
      continue;
    }
    const subdirectories: string[] = [];
    for (const name of entries) {
      const full = join(path, name);
      let isDir: boolean;
      try {
        isDir = statSync(full).isDirectory();
      } catch {
        continue;
      }
      if (isDir) {
        subdirectories.push(full);
        continue;
      }
      const gz = name.endsWith('.json.gz');
      if ((!gz && !name.endsWith('.json')) || AWS_CONFIG_FILE.test(name)) continue;
      const shown = relative(dir, full);
      if (result.files >= limits.maxFiles) {
        stop(`more than ${limits.maxFiles} log files: the rest were not read`);
        break;
      }
      result.files++;
      const read = readBounded(full, { roots, maxBytes: limits.maxFileBytes });
      if (!read.ok) {
        issue(
          shown,
          read.refusal === 'outside' ? 'cloudtrail.outside' : 'cloudtrail.unreadable',
          read.refusal === 'too_large'
            ? `larger than ${limits.maxFileBytes} bytes: not read`
            : read.refusal === 'outside'
              ? 'a link to a file outside the CloudTrail directory: not read'
              : `cannot be read (${read.detail})`,
        );
        continue;
      }
      let text: string;
      try {
        text = (
          gz ? gunzipSync(read.buffer, { maxOutputLength: limits.maxFileBytes }) : read.buffer
        ).toString('utf8');
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        issue(
          shown,
          'cloudtrail.unreadable',
          e.code === 'ERR_BUFFER_TOO_LARGE'
            ? `decompresses to more than ${limits.maxFileBytes} bytes: not read`
            : `not a valid gzip file (${e.code ?? e.message})`,
        );
        continue;
      }
      totalBytes += text.length;
      if (totalBytes > limits.maxTotalBytes) {
        stop(`more than ${limits.maxTotalBytes} bytes of log files: the rest were not read`);
        break;
      }
      const parsed = parseCloudTrailLog(text, shown);
      if (!parsed.ok) {
        result.issues.push(parsed.issue);
        continue;
      }
      for (const event of parsed.value.events)
        if (keep === undefined || keep(event)) result.events.push(event);
      if (parsed.value.skipped > 0)
        issue(
          shown,
          'cloudtrail.record',
          `${parsed.value.skipped} records without an event id, time, source, name, Region or account were skipped`,
        );
    }
    for (const sub of subdirectories.reverse()) stack.push(sub);
  }
  return result;
}
