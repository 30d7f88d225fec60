/**
 * History without a database: the same `HistoryData` the SQLite store loads, built in memory from
 * scan records in time order. The HTML reporter uses it for a single report (a history of one),
 * and tests use it as an oracle for the store.
 */

import { maxOf, pushAll } from '../model/many.js';
import type { ShardOfRound } from '../model/shard.js';
import { applyScan, type KnownFinding, pickCurrent, type RoundSoFar } from './lifecycle.js';
import { coverageTimes, roundKey } from './rounds.js';
import type {
  AccessDeniedEvent,
  ComplianceTally,
  CurrentResource,
  FindingEntry,
  HistoryData,
  KeyState,
  KeyTimeline,
  ResourceRecord,
  ScanEntry,
  ScanRecord,
} from './types.js';

type Tracked = KnownFinding & { entry: FindingEntry };

export function historyFromRecords(records: readonly ScanRecord[]): HistoryData {
  const ordered = [...records].sort((a, b) => a.scan.at - b.scan.at);
  const scans: ScanEntry[] = [];
  const tallies: ComplianceTally[] = [];
  const known = new Map<string, Tracked>();
  const keys = new Map<string, KeyTimeline & { scope: string; bodies: Map<string, number> }>();
  const events = new Map<string, AccessDeniedEvent>();
  /** Per round, what each shard's newest save covered and saw (a shard saved again replaces its entry). */
  const rounds = new Map<string, Map<number, { scope: readonly string[]; seen: string[]; rids: string[] }>>();

  ordered.forEach((record, index) => {
    const id = index + 1;
    const at = record.scan.at;
    scans.push({ ...record.scan, id });

    const counts = new Map<string, ComplianceTally>();
    for (const resource of record.resources) {
      if (resource.type === 'cluster' || resource.type === 'instance-group') {
        const body = `${resource.type}|${JSON.stringify(resource.state)}`;
        const tally = counts.get(body);
        if (tally) tally.count++;
        else counts.set(body, { scanId: id, type: resource.type, state: resource.state, count: 1 });
      } else if (resource.type === 'kms-key') {
        const timeline = keys.get(resource.rid) ?? {
          arn: resource.rid,
          account: resource.account,
          region: resource.region,
          scope: resource.scope,
          spans: [],
          current: false,
          bodies: new Map<string, number>(),
        };
        keys.set(resource.rid, timeline);
        const body = JSON.stringify(resource.state);
        const spanIndex = timeline.bodies.get(body);
        if (spanIndex === undefined) {
          timeline.bodies.set(body, timeline.spans.length);
          timeline.spans.push({ state: resource.state as KeyState, firstAt: at, lastAt: at });
        } else timeline.spans[spanIndex]!.lastAt = at;
      }
    }
    pushAll(tallies, counts.values());

    const shard = record.scan.shard;
    let round: RoundSoFar | undefined;
    if (shard) {
      const key = roundKey(shard);
      const saved = rounds.get(key) ?? new Map();
      rounds.set(key, saved);
      const others = [...saved].filter(([index]) => index !== shard.index).map(([, entry]) => entry);
      round = {
        shards: new Set([...saved.keys()].filter((index) => index !== shard.index)),
        scope: others.flatMap((o) => o.scope),
        seen: others.flatMap((o) => o.seen),
        rids: others.flatMap((o) => o.rids),
      };
      saved.set(shard.index, {
        scope: record.scan.scope,
        seen: record.findings.map((o) => o.fingerprint),
        rids: [...record.findings.map((o) => o.rid), ...record.resources.map((r) => r.rid)],
      });
    }
    const changes = applyScan(known, record, round);
    for (const o of changes.upserts) {
      const tracked = known.get(o.fingerprint);
      if (tracked) {
        const { scope: _scope, fingerprint: _f, ruleId: _r, rid: _rid, resourceType: _t, ...latest } = o;
        const { project: _p, owner: _o, account: _a, region: _g, ...kept } = tracked.entry;
        tracked.entry = { ...kept, ...latest, lastSeenAt: at };
        tracked.status = o.status;
      } else {
        const { scope: _scope, ...fields } = o;
        known.set(o.fingerprint, {
          fingerprint: o.fingerprint,
          rid: o.rid,
          scope: o.scope,
          status: o.status,
          entry: { ...fields, firstSeenAt: at, lastSeenAt: at, episodes: [] },
        });
      }
    }
    for (const { fingerprint, severity } of changes.opened) {
      const tracked = known.get(fingerprint)!;
      tracked.open = severity;
      tracked.entry.episodes.push({ openedAt: at, severity });
    }
    for (const { fingerprint, resolution } of changes.closed) {
      const tracked = known.get(fingerprint)!;
      delete tracked.open;
      const episode = tracked.entry.episodes[tracked.entry.episodes.length - 1]!;
      episode.resolvedAt = at;
      episode.resolution = resolution;
    }
    // An open episode follows the finding's current severity.
    for (const tracked of known.values()) {
      if (!tracked.open) continue;
      const episode = tracked.entry.episodes[tracked.entry.episodes.length - 1]!;
      episode.severity = tracked.entry.severity;
      tracked.open = tracked.entry.severity;
    }
    // Each event once, as first recorded (as the stores keep it).
    for (const event of record.events) if (!events.has(event.eventId)) events.set(event.eventId, event);
  });

  const allScopes = new Set(ordered.flatMap((r) => r.scan.scope));
  const newestFirst = ordered
    .map((record, index) => ({ record, id: index + 1 }))
    .reverse()
    .map(({ record, id }) => ({
      scope: record.scan.scope,
      resources: () =>
        record.resources
          .filter(
            (r): r is Extract<ResourceRecord, { type: 'cluster' | 'instance-group' }> =>
              r.type === 'cluster' || r.type === 'instance-group',
          )
          .map((r) => ({ ...r, scanId: id })),
    }));
  const current: CurrentResource[] = pickCurrent(newestFirst, allScopes);

  const newestCover = newestCoverage(scans);
  return {
    scans,
    tallies,
    current,
    keys: [...keys.values()].map(({ bodies: _b, scope, ...timeline }) => ({
      ...timeline,
      current: maxOf(timeline.spans.map((s) => s.lastAt)) >= (newestCover.get(scope) ?? 0),
    })),
    findings: [...known.values()].map((t) => t.entry),
    events: [...events.values()].sort((a, b) => a.at - b.at),
  };
}

/**
 * For each scope, the time of the newest scan that covers it (for a shard, the time its round
 * began: what any shard of the round saw is current).
 */
export function newestCoverage(
  scans: readonly { id: number; at: number; scope: readonly string[]; shard?: ShardOfRound }[],
): Map<string, number> {
  const coverage = coverageTimes(scans);
  const newest = new Map<string, number>();
  for (const scan of scans)
    for (const scope of scan.scope)
      newest.set(scope, Math.max(newest.get(scope) ?? 0, coverage.get(scan.id) ?? scan.at));
  return newest;
}
