/**
 * The KMS cost model (DESIGN.md, shared/aws-facts.md §7), as a pure module: what a set of keys
 * costs a month, and what it will cost once the rotations expected within a horizon have happened.
 *
 * - $1 per customer managed key-month (every multi-Region primary and replica counts);
 * - the first and second rotation each add $1 a month, capped there ($3 a month at most);
 * - AWS managed and AWS owned keys, and keys pending deletion, cost nothing for storage;
 * - $0.03 per 10,000 requests beyond 20,000 free a month, the free tier counted across all Regions
 *   of an account.
 *
 * The guardrails budget is derived from it; the KPI module may share it (it is named for the
 * pricing it models, not for its first user).
 */
import { DAY_MS, parseIsoTime } from '../model/dates.js';
import type { Key, Unresolved } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import { maxOf } from '../model/many.js';
import { monthlyStorageUsd, requestCostUsd } from '../pricing/kms.js';

export { KMS_PRICING, requestCostUsd } from '../pricing/kms.js';

export interface KeyCost {
  arn: string;
  account: string;
  /** Storage cost now, in USD a month. */
  monthlyUsd: number;
  /** Storage cost once the rotations expected within the horizon have happened. */
  projectedMonthlyUsd: number;
  rotationsSoFar: number;
  projectedRotations: number;
  /** Why the key costs what it does ("AWS managed", "pending deletion", "2 rotations"...). */
  basis: string;
}

type Maybe<T> = T | Unresolved | undefined;
const known = <T>(value: Maybe<T>): T | undefined =>
  value === undefined || isUnresolved(value) ? undefined : (value as T);

/**
 * Rotations so far: the collected count when there is one; otherwise, for a key rotating
 * automatically, the number of whole periods since it was created. That over-counts a key whose
 * rotation was turned on late, which errs on the side of a higher (safer) budget.
 */
export function rotationsSoFar(key: Key, now: Date): number {
  if (key.rotation?.rotationCount !== undefined) return key.rotation.rotationCount;
  const enabled = known<boolean>(key.rotation?.enabled);
  const created = parseIsoTime(key.metadata?.creationDate ?? '') ?? Number.NaN;
  if (enabled !== true || Number.isNaN(created)) return 0;
  const period = known<number>(key.rotation?.periodInDays) ?? 365;
  return Math.max(0, Math.floor((now.getTime() - created) / (period * DAY_MS)));
}

/** Rotations expected by `now + horizonDays` for a key rotating automatically. */
export function rotationsWithin(key: Key, now: Date, horizonDays: number): number {
  const sofar = rotationsSoFar(key, now);
  if (known(key.rotation?.enabled) !== true) return sofar;
  const period = known<number>(key.rotation?.periodInDays) ?? 365;
  return sofar + Math.floor(horizonDays / period);
}

const isFree = (key: Key): string | undefined => {
  const manager = known(key.metadata?.keyManager);
  if (manager === 'AWS') return 'AWS managed: no storage charge';
  const state = known(key.metadata?.keyState);
  if (state === 'PendingDeletion' || state === 'PendingReplicaDeletion')
    return 'pending deletion: no storage charge';
  return undefined;
};

export function keyStorageCost(key: Key, now: Date, horizonDays = 365): KeyCost {
  const base = { arn: key.arn, account: key.account };
  const free = isFree(key);
  if (free)
    return {
      ...base,
      monthlyUsd: 0,
      projectedMonthlyUsd: 0,
      rotationsSoFar: 0,
      projectedRotations: 0,
      basis: free,
    };
  const sofar = rotationsSoFar(key, now);
  const projected = rotationsWithin(key, now, horizonDays);
  const price = monthlyStorageUsd;
  return {
    ...base,
    monthlyUsd: price(sofar),
    projectedMonthlyUsd: price(projected),
    rotationsSoFar: sofar,
    projectedRotations: projected,
    basis: `customer managed, ${sofar} rotation${sofar === 1 ? '' : 's'} so far, ${projected} within ${horizonDays} days`,
  };
}

/** The busiest month a key's collected usage shows, or 0 when none was collected. */
export const peakMonthlyRequests = (key: Key): number =>
  Math.max(0, maxOf((key.usage ?? []).map((entry) => entry.requests)));

export interface AccountKmsCost {
  account: string;
  keys: KeyCost[];
  /** Customer managed keys that a guardrail proposes and do not exist yet. */
  proposedKeys: number;
  storageUsd: number;
  projectedStorageUsd: number;
  peakRequestsPerMonth: number;
  requestUsd: number;
  /** Projected storage (existing and proposed keys) plus request charges. */
  projectedMonthlyUsd: number;
  requestsKnown: boolean;
}

/**
 * Per-account monthly cost of the given keys plus `proposedKeys[account]` new keys, each assumed to
 * rotate yearly (so within a one-year horizon it reaches $2 a month).
 */
export function estimateAccountCosts(
  keys: readonly Key[],
  options: { now: Date; horizonDays?: number; proposedKeys?: Readonly<Record<string, number>> },
): AccountKmsCost[] {
  const horizon = options.horizonDays ?? 365;
  const accounts = new Set([...keys.map((k) => k.account), ...Object.keys(options.proposedKeys ?? {})]);
  const proposedPrice = monthlyStorageUsd(Math.floor(horizon / 365));
  return [...accounts].sort().map((account) => {
    const own = keys.filter((k) => k.account === account);
    const costs = own.map((k) => keyStorageCost(k, options.now, horizon));
    const proposed = options.proposedKeys?.[account] ?? 0;
    const storage = costs.reduce((sum, c) => sum + c.monthlyUsd, 0);
    const projected = costs.reduce((sum, c) => sum + c.projectedMonthlyUsd, 0) + proposed * proposedPrice;
    const peak = own.reduce((sum, k) => sum + peakMonthlyRequests(k), 0);
    const requests = requestCostUsd(peak);
    return {
      account,
      keys: costs,
      proposedKeys: proposed,
      storageUsd: round2(storage),
      projectedStorageUsd: round2(projected),
      peakRequestsPerMonth: peak,
      requestUsd: round2(requests),
      projectedMonthlyUsd: round2(projected + requests),
      requestsKnown: own.some((k) => (k.usage?.length ?? 0) > 0),
    };
  });
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** A budget limit: the projected cost plus headroom, rounded up to whole dollars, at least `floorUsd`. */
export function budgetLimitUsd(projectedMonthlyUsd: number, headroomPct: number, floorUsd = 1): number {
  return Math.max(floorUsd, Math.ceil(projectedMonthlyUsd * (1 + headroomPct / 100)));
}
