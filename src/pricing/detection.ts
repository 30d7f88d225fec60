/**
 * What the detection stack costs to run, per account and Region, as a pure model for the guardrails
 * README. Public list prices (us-east-1), read from the pricing pages cited in DETECTION_PRICE_SOURCES:
 *
 * - AWS Config rule evaluations, per account and Region a month: $0.001 each for the first 100,000,
 *   $0.0008 for the next 400,000, $0.0005 beyond. A periodic custom rule costs one evaluation per
 *   resource it reports per run (per cluster, or one for the account).
 * - Configuration items: $0.003 each (continuous recording). The rule records none itself: Config
 *   does not record AWS::SageMaker::Cluster; the stack's own resources are recorded once when
 *   created or changed, and a Lambda in a VPC adds its network interfaces.
 * - Lambda on arm64: $0.20 per million requests and $0.0000133334 per GB-second; the free tier
 *   (1 million requests and 400,000 GB-seconds a month) is per account, across Regions.
 * - S3: $0.023 per GB-month (the code zip, once per Region) and $0.0004 per 1,000 GET requests
 *   (one per stack instance created or updated).
 */
export const DETECTION_PRICE_SOURCES = [
  'https://aws.amazon.com/config/pricing/',
  'https://aws.amazon.com/lambda/pricing/',
  'https://aws.amazon.com/s3/pricing/',
] as const;

export const DETECTION_PRICING = {
  /** [evaluations up to, USD each]; the last tier is open. */
  configEvaluationTiers: [
    [100_000, 0.001],
    [500_000, 0.0008],
    [Number.POSITIVE_INFINITY, 0.0005],
  ] as const,
  configItemUsd: 0.003,
  lambdaRequestUsd: 0.2 / 1_000_000,
  lambdaArmGbSecondUsd: 0.0000133334,
  lambdaFreeRequests: 1_000_000,
  lambdaFreeGbSeconds: 400_000,
  s3GbMonthUsd: 0.023,
  s3GetPer1000Usd: 0.0004,
  hoursPerMonth: 730,
} as const;

/** AWS Config's MaximumExecutionFrequency values, in hours. */
const HOURS = {
  One_Hour: 1,
  Three_Hours: 3,
  Six_Hours: 6,
  Twelve_Hours: 12,
  TwentyFour_Hours: 24,
} as const;
export type EvaluationFrequency = keyof typeof HOURS;

/** Periodic runs a month at a frequency (730 hours a month). */
export const runsPerMonth = (frequency: EvaluationFrequency): number =>
  DETECTION_PRICING.hoursPerMonth / HOURS[frequency];

/** Config rule evaluation charges for one account and Region's evaluations in a month (tiered). */
export function configEvaluationUsd(evaluations: number): number {
  let usd = 0;
  let from = 0;
  for (const [upTo, price] of DETECTION_PRICING.configEvaluationTiers) {
    const inTier = Math.max(0, Math.min(evaluations, upTo) - from);
    usd += inTier * price;
    from = upTo;
    if (evaluations <= upTo) break;
  }
  return usd;
}

export interface DetectionUsage {
  /** HyperPod clusters in the account and Region. */
  clusters: number;
  frequency: EvaluationFrequency;
  /** AWS::SageMaker::Cluster: one evaluation per cluster per run; AWS::::Account: one per run. */
  perCluster: boolean;
  /** CreateCluster/UpdateCluster and key events a month (each one invocation, no Config evaluation). */
  changeEventsPerMonth: number;
  /** Average run time of one invocation, seconds (a periodic run collects every cluster). */
  averageSeconds: number;
  memoryMb: number;
}

export interface DetectionCost {
  evaluations: number;
  configUsd: number;
  invocations: number;
  gbSeconds: number;
  /** Before the Lambda free tier, which most accounts do not otherwise use up. */
  lambdaUsd: number;
  totalUsd: number;
}

/** One account and Region, one month. */
export function detectionMonthlyCost(usage: DetectionUsage): DetectionCost {
  const runs = runsPerMonth(usage.frequency);
  const evaluations = Math.round(runs * (usage.perCluster ? Math.max(0, usage.clusters) : 1));
  const configUsd = configEvaluationUsd(evaluations);
  const invocations = Math.round(runs + Math.max(0, usage.changeEventsPerMonth));
  const gbSeconds = invocations * usage.averageSeconds * (usage.memoryMb / 1024);
  const lambdaUsd =
    invocations * DETECTION_PRICING.lambdaRequestUsd + gbSeconds * DETECTION_PRICING.lambdaArmGbSecondUsd;
  return { evaluations, configUsd, invocations, gbSeconds, lambdaUsd, totalUsd: configUsd + lambdaUsd };
}

/** The code bucket of one Region, one month: the zip stored, and one GET per stack instance deployed. */
export function codeBucketMonthlyUsd(zipBytes: number, deploymentsPerMonth: number): number {
  return (
    (zipBytes / 1024 ** 3) * DETECTION_PRICING.s3GbMonthUsd +
    (deploymentsPerMonth / 1000) * DETECTION_PRICING.s3GetPer1000Usd
  );
}
