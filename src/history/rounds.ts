/**
 * Rounds: the N shards of one sharded organization scan (`scan --org --shard K/N --round ID`)
 * stand together for one point in time, as one unsharded scan would. Pure.
 *
 * A round is identified by its id and N (shards of the same id with another N are another round).
 * A shard saved twice in a round (a retried CI job) counts once, by its newest save. A round with a
 * shard missing is incomplete: its compliance is never a percentage, and the KPIs name the missing
 * shards with the command that completes the round.
 */

import { maxOf, minOf } from '../model/many.js';
import { type Shard, type ShardOfRound, shardLabel } from '../model/shard.js';

interface Placed {
  id: number;
  at: number;
  shard?: ShardOfRound;
}

export interface ScanGroup<S extends Placed> {
  /** The scans that stand for this point: one unsharded scan, or the newest save of each shard. */
  scans: S[];
  /** The newest time among them: when the point was complete (or last added to). */
  at: number;
  /** The oldest time among them: when the round began. */
  startedAt: number;
  /** The round, for sharded scans. */
  round?: { id: string; count: number; missing: number[] };
}

export const roundKey = (shard: Pick<ShardOfRound, 'round' | 'count'>): string =>
  `${shard.round}\u0000${shard.count}`;

/**
 * Scans grouped into points in time, oldest first (by each group's newest scan): every unsharded
 * scan alone, every round's shards together.
 */
export function scanGroups<S extends Placed>(scans: readonly S[]): ScanGroup<S>[] {
  const rounds = new Map<string, Map<number, S>>();
  const groups: { scans: S[]; key?: string }[] = [];
  for (const scan of scans) {
    if (!scan.shard) {
      groups.push({ scans: [scan] });
      continue;
    }
    const key = roundKey(scan.shard);
    let shards = rounds.get(key);
    if (!shards) {
      shards = new Map();
      rounds.set(key, shards);
      groups.push({ scans: [], key });
    }
    const previous = shards.get(scan.shard.index);
    if (!previous || previous.at < scan.at || (previous.at === scan.at && previous.id < scan.id))
      shards.set(scan.shard.index, scan);
  }
  return groups
    .map(({ scans: alone, key }): ScanGroup<S> => {
      const members = key ? [...rounds.get(key)!.values()].sort((a, b) => a.at - b.at || a.id - b.id) : alone;
      const first = members[0]!;
      const group: ScanGroup<S> = {
        scans: members,
        at: maxOf(members.map((s) => s.at)),
        startedAt: minOf(members.map((s) => s.at)),
      };
      if (first.shard) {
        const present = new Set(members.map((s) => s.shard!.index));
        const missing: number[] = [];
        for (let index = 1; index <= first.shard.count; index++) if (!present.has(index)) missing.push(index);
        group.round = { id: first.shard.round, count: first.shard.count, missing };
      }
      return group;
    })
    .sort((a, b) => a.at - b.at || lastId(a) - lastId(b));
}

/**
 * The points of a window: scans (those up to the window's end: the caller's) grouped first, then
 * the groups whose point (their newest scan) is at or after `since`. A round whose last shard is
 * in the window is judged on all its shards, those saved before `since` included.
 */
export function groupsSince<S extends Placed>(scans: readonly S[], since: number): ScanGroup<S>[] {
  return scanGroups(scans).filter((group) => group.at >= since);
}

const lastId = (group: ScanGroup<Placed>): number => maxOf(group.scans.map((s) => s.id));

/** "3/8, 5/8" */
export const shardList = (missing: readonly number[], count: number): string =>
  missing.map((index) => shardLabel({ index, count } satisfies Shard)).join(', ');

/** The command that completes a round: one per missing shard, the same round id. */
export function completeRoundHint(round: { id: string; count: number; missing: readonly number[] }): string {
  const shards = round.missing.map((index) => `--shard ${index}/${round.count}`).join(', ');
  return `run \`hyperpod-cmk scan --org --round ${round.id}\` with ${shards} (the same --role-name and Regions), saving to this history`;
}

/**
 * For each scan, the time it stands at as coverage of its scopes: its own time, or for a shard the
 * time its round began, so that what one shard saw counts as seen in the round even when another
 * shard of the round (saved later) covers the same scope.
 */
export function coverageTimes(scans: readonly Placed[]): Map<number, number> {
  const began = new Map<string, number>();
  for (const scan of scans)
    if (scan.shard) {
      const key = roundKey(scan.shard);
      began.set(key, Math.min(began.get(key) ?? Number.POSITIVE_INFINITY, scan.at));
    }
  return new Map(scans.map((scan) => [scan.id, scan.shard ? began.get(roundKey(scan.shard))! : scan.at]));
}
