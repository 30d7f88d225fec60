/**
 * KMS prices (DESIGN.md, shared/aws-facts.md §7), in one place for the KPI cost report and the
 * guardrails budget:
 * - $1 per customer managed key-month, prorated hourly (730 hours a month), every multi-Region
 *   primary and replica counting;
 * - the first and second rotation each add $1 a month, capped there ($3 a month at most);
 * - AWS managed and AWS owned keys, and keys pending deletion, cost nothing for storage;
 * - $0.03 per 10,000 requests beyond 20,000 free a month, the free tier counted across all Regions
 *   of an account.
 */
export const KMS_PRICING = {
  keyMonthUsd: 1,
  rotationMonthUsd: 1,
  maxBilledRotations: 2,
  requestUnit: 10_000,
  requestUnitUsd: 0.03,
  freeRequestsPerMonth: 20_000,
  hoursPerMonth: 730,
} as const;

/** Storage price of a billable key with `rotations` rotations so far, in USD a month. */
export const monthlyStorageUsd = (rotations: number): number =>
  KMS_PRICING.keyMonthUsd +
  KMS_PRICING.rotationMonthUsd * Math.min(rotations, KMS_PRICING.maxBilledRotations);

/** Request charges for one account's requests in one month (the free tier applied once). */
export function requestCostUsd(requestsPerMonth: number): number {
  const billable = Math.max(0, requestsPerMonth - KMS_PRICING.freeRequestsPerMonth);
  return (billable / KMS_PRICING.requestUnit) * KMS_PRICING.requestUnitUsd;
}
