/**
 * The Regions a scan may name. The list is the one the pinned AWS SDK knows (its endpoint
 * partitions data); a test fails when the SDK's list and this one drift apart, so upgrading the
 * SDK brings new Regions here. A name outside it is almost always a typo, and is refused with the
 * closest match.
 */
export const KNOWN_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'cn-north-1',
  'cn-northwest-1',
  'eu-central-1',
  'eu-central-2',
  'eu-isoe-west-1',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eusc-de-east-1',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'me-west-1',
  'mx-central-1',
  'sa-east-1',
  'sa-west-1',
  'us-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-iso-east-1',
  'us-iso-west-1',
  'us-isob-east-1',
  'us-isob-west-1',
  'us-isof-east-1',
  'us-isof-south-1',
  'us-west-1',
  'us-west-2',
];

const known = new Set(KNOWN_REGIONS);
export const isKnownRegion = (region: string): boolean => known.has(region);

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The known Region closest to a misspelt one, when it is close enough to be the likely intent. */
export function closestRegion(region: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of KNOWN_REGIONS) {
    const d = distance(region, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= 3 ? best : undefined;
}

/**
 * Each partition, the Regions in it and its domain. The ARN reference lists `aws`, `aws-cn` (China)
 * and `aws-us-gov` (GovCloud) (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html);
 * the isolated and sovereign partitions are those of AWS's own partition table, which the SDK
 * resolves endpoints with (`partitions.json` of @aws-sdk/core's util-endpoints: each partition's
 * `regionRegex` and `dnsSuffix`). The more specific patterns come first: `us-gov-`, `us-iso-` and
 * `us-isob-` Regions would match the commercial one.
 */
const PARTITIONS: readonly RegionPartition[] = [
  { partition: 'aws-cn', regions: /^cn-\w+-\d+$/, urlSuffix: 'amazonaws.com.cn' },
  { partition: 'aws-us-gov', regions: /^us-gov-\w+-\d+$/, urlSuffix: 'amazonaws.com' },
  { partition: 'aws-iso', regions: /^us-iso-\w+-\d+$/, urlSuffix: 'c2s.ic.gov' },
  { partition: 'aws-iso-b', regions: /^us-isob-\w+-\d+$/, urlSuffix: 'sc2s.sgov.gov' },
  { partition: 'aws-iso-e', regions: /^eu-isoe-\w+-\d+$/, urlSuffix: 'cloud.adc-e.uk' },
  { partition: 'aws-iso-f', regions: /^us-isof-\w+-\d+$/, urlSuffix: 'csp.hci.ic.gov' },
  { partition: 'aws-eusc', regions: /^eusc-de-\w+-\d+$/, urlSuffix: 'amazonaws.eu' },
  { partition: 'aws', regions: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, urlSuffix: 'amazonaws.com' },
];

export interface RegionPartition {
  partition: string;
  regions: RegExp;
  /** The partition's domain (`AWS::URLSuffix`). */
  urlSuffix: string;
}

/** The partition of a Region and its domain; undefined when it is in no partition known. */
export const regionPartition = (region: string): RegionPartition | undefined =>
  PARTITIONS.find((entry) => entry.regions.test(region));

/**
 * The partition a Region belongs to, for ARNs and the global endpoints: the commercial `aws` for a
 * Region in no partition known (a live scan names Regions AWS answered with).
 */
export function partitionOf(region: string): string {
  return regionPartition(region)?.partition ?? 'aws';
}

/**
 * Whether a text has the shape of a Region name (`us-east-1`, `us-gov-west-1`, `eusc-de-east-1`):
 * what --region takes, before any call tells whether the Region exists.
 */
export const isRegionName = (value: string): boolean => /^[a-z]{2,4}(-[a-z]+)+-\d+$/.test(value);

/** IAM, Organizations and STS's global endpoint live in one Region per partition. */
export function globalRegion(partition: string): string {
  if (partition === 'aws-cn') return 'cn-northwest-1';
  if (partition === 'aws-us-gov') return 'us-gov-west-1';
  return 'us-east-1';
}
