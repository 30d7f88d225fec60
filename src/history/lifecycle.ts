/**
 * The finding lifecycle, applied one scan at a time (pure). A fingerprint enters history the
 * first time it is seen failing or unknown; its first FAIL opens an episode, which closes when
 * the fingerprint is seen passing (or not applicable) again: `fixed`. An open episode whose
 * fingerprint is missing from a later scan that covers its scope closes as `resource-gone` when
 * the resource itself is missing (a deleted cluster is not a remediation), else `not-evaluated`.
 * A fingerprint seen failing again after a fix opens a new episode (a regression).
 *
 * A shard of a round (`scan --org --shard K/N`) judges by absence only as the round: while shards
 * are missing, no finding is closed for being unseen (another shard may see it: a key of one
 * shard's account used by a cluster of another); the shard that completes the round closes what
 * none of the round's shards saw, in the scopes they cover together.
 */
import type { Severity, Status } from '../model/finding.js';
import type { FindingObservation, Resolution, ScanRecord } from './types.js';

export interface KnownFinding {
  fingerprint: string;
  rid: string;
  scope: string;
  status: Status;
  /** The open episode's severity, when the finding is failing now. */
  open?: Severity | undefined;
}

export interface LifecycleChanges {
  /** Observations to store (new fingerprints, or known ones seen again). */
  upserts: FindingObservation[];
  opened: { fingerprint: string; severity: Severity }[];
  closed: { fingerprint: string; resolution: Resolution }[];
}

/** What the other shards of a record's round saved before it (the store reads it; see `roundSoFar`). */
export interface RoundSoFar {
  /** Shard indices of the round already saved. */
  shards: ReadonlySet<number>;
  /** The scopes they cover. */
  scope: Iterable<string>;
  /** Fingerprints they saw. */
  seen: Iterable<string>;
  /** Resources they saw. */
  rids: Iterable<string>;
}

/** What history tracks of a finding it has not seen before: a failure, or what could not be judged. */
export const isProblem = (status: Status) => status === 'FAIL' || status === 'UNKNOWN';

/** The last entry of each fingerprint, in the order of those last entries. */
function lastOfEach<T extends { fingerprint: string }>(entries: readonly T[]): T[] {
  const last = new Map<string, number>();
  for (const [i, entry] of entries.entries()) last.set(entry.fingerprint, i);
  return entries.filter((entry, i) => last.get(entry.fingerprint) === i);
}

export function applyScan(
  known: ReadonlyMap<string, KnownFinding>,
  record: ScanRecord,
  round?: RoundSoFar,
): LifecycleChanges {
  const changes: LifecycleChanges = { upserts: [], opened: [], closed: [] };
  const seen = new Set<string>();
  const presentRids = new Set<string>(record.resources.map((r) => r.rid));
  const observe = (observation: FindingObservation) => {
    const before = known.get(observation.fingerprint);
    if (!before && !isProblem(observation.status)) return;
    changes.upserts.push(observation);
    if (observation.status === 'FAIL' && !before?.open)
      changes.opened.push({ fingerprint: observation.fingerprint, severity: observation.severity });
    else if (!isProblem(observation.status) && before?.open)
      changes.closed.push({
        fingerprint: observation.fingerprint,
        resolution: observation.status === 'PASS' ? 'fixed' : 'not-applicable',
      });
  };
  let repeated = false;
  for (const observation of record.findings) {
    if (seen.has(observation.fingerprint)) repeated = true;
    seen.add(observation.fingerprint);
    presentRids.add(observation.rid);
    observe(observation);
  }
  // A fingerprint reported twice in one scan is one finding: its last report stands alone.
  if (repeated) {
    changes.upserts = [];
    changes.opened = [];
    changes.closed = [];
    for (const observation of lastOfEach(record.findings)) observe(observation);
  }
  const covered = new Set(record.scan.scope);
  const shard = record.scan.shard;
  if (shard) {
    const saved = new Set(round?.shards ?? []);
    saved.add(shard.index);
    if (saved.size < shard.count) return changes;
    for (const scope of round?.scope ?? []) covered.add(scope);
    for (const fingerprint of round?.seen ?? []) seen.add(fingerprint);
    for (const rid of round?.rids ?? []) presentRids.add(rid);
  }
  for (const finding of known.values()) {
    if (!finding.open || seen.has(finding.fingerprint) || !covered.has(finding.scope)) continue;
    changes.closed.push({
      fingerprint: finding.fingerprint,
      resolution: presentRids.has(finding.rid) ? 'not-evaluated' : 'resource-gone',
    });
  }
  return changes;
}

/** Which resources are current: those of the newest scan covering their scope (scans newest first). */
export function pickCurrent<T extends { rid: string; scope: string }>(
  scansNewestFirst: Iterable<{ scope: readonly string[]; resources: () => readonly T[] }>,
  allScopes: ReadonlySet<string>,
): T[] {
  const covered = new Set<string>();
  const taken = new Set<string>();
  const current: T[] = [];
  for (const scan of scansNewestFirst) {
    if (covered.size >= allScopes.size && [...allScopes].every((s) => covered.has(s))) break;
    for (const resource of scan.resources()) {
      if (covered.has(resource.scope) || taken.has(resource.rid)) continue;
      taken.add(resource.rid);
      current.push(resource);
    }
    for (const scope of scan.scope) covered.add(scope);
  }
  return current;
}
