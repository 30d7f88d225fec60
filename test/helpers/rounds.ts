/** Hand-made shard records of two accounts in different shards of 2 (history and KPI tests of rounds). */
import type { FindingObservation, ScanRecord } from '../../src/history/types.js';
import type { Summary } from '../../src/model/report.js';
import { shardOf } from '../../src/model/shard.js';

// Two accounts in different shards of 2.
const ids = Array.from({ length: 50 }, (_, i) => String(200000000000 + i));
export const A = ids.find((id) => shardOf(id, 2) === 1)!;
export const B = ids.find((id) => shardOf(id, 2) === 2)!;
const KEY_OF_B = `arn:aws:kms:us-east-1:${B}:key/k1`;
export const T = Date.parse('2026-11-01T00:00:00Z');
export const DAY = 86_400_000;

const summary: Summary = {
  clusters: 1,
  compliantClusters: 0,
  compliantByException: 0,
  unknownClusters: 0,
  clusterCompliancePct: 0,
  instanceGroups: 0,
  compliantInstanceGroups: 0,
  instanceGroupCompliancePct: null,
  keys: 1,
  pass: 0,
  fail: 1,
  notApplicable: 0,
  unknown: 0,
  suppressed: 0,
  expiredSuppressions: 0,
  failBySeverity: { critical: 0, high: 0, medium: 1, low: 0 },
};

/** The rotation finding of B's key, which only A's cluster uses (so only A's shard sees it). */
export const rotation = (status: 'FAIL' | 'PASS'): FindingObservation => ({
  fingerprint: 'f-rotation',
  ruleId: 'kms-key-rotation-enabled',
  rid: KEY_OF_B,
  resourceType: 'kms-key',
  status,
  severity: 'medium',
  suppressed: false,
  message: 'alias/shared does not rotate',
  scope: `aws:${B}:us-east-1`,
  account: B,
  region: 'us-east-1',
  name: 'alias/shared',
});

export function shardScan(
  account: string,
  day: number,
  round: string,
  findings: FindingObservation[],
  cluster: 'compliant' | 'non-compliant' = 'non-compliant',
): ScanRecord {
  const iso = new Date(T + day * DAY).toISOString();
  return {
    scan: {
      reportId: `${round}-${account}`,
      source: 'live',
      startedAt: iso,
      finishedAt: iso,
      at: T + day * DAY,
      accounts: [account],
      regions: ['us-east-1'],
      inputs: [],
      scope: [`aws:${account}`, `aws:${account}:us-east-1`],
      shard: { index: shardOf(account, 2), count: 2, round },
      toolVersion: '0.1.0',
      summary,
    },
    resources: [
      {
        rid: `cluster-${account}`,
        type: 'cluster',
        name: `c-${account}`,
        scope: `aws:${account}:us-east-1`,
        state: { status: cluster, failing: [], account, region: 'us-east-1' },
      },
    ],
    findings,
    events: [],
  };
}
