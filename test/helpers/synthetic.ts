/**
 * Synthetic scan records at any size, for store tests and the store benchmark: `groups` instance
 * groups in clusters of four, one key per group, spread over three accounts and two Regions.
 * Failures come and go deterministically with the day, so lifecycles open and close.
 */
import { createHash } from 'node:crypto';
import { accountScope, regionScope } from '../../src/history/record.js';
import type { FindingObservation, ResourceRecord, ScanRecord } from '../../src/history/types.js';
import type { Severity, Status } from '../../src/model/finding.js';
import type { ComplianceStatus, Summary } from '../../src/model/report.js';

const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];
const REGIONS = ['us-east-1', 'us-west-2'];
const GROUP_RULES: [string, Severity][] = [
  ['hyperpod-root-volume-cmk', 'high'],
  ['hyperpod-secondary-volume-cmk', 'high'],
  ['hyperpod-key-grants-execution-role', 'high'],
  ['hyperpod-key-per-instance-group', 'medium'],
];
const KEY_RULES: [string, Severity][] = [
  ['kms-key-enabled', 'critical'],
  ['kms-key-rotation-enabled', 'medium'],
  ['kms-key-policy-least-privilege', 'high'],
  ['kms-key-required-tags', 'low'],
  ['kms-key-separation-of-duties', 'medium'],
  ['kms-key-grants-scoped', 'medium'],
];

const fraction = (text: string) => createHash('md5').update(text).digest().readUInt32BE(0) / 0xffffffff;
const fp = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

export function syntheticRecord(options: {
  day: number;
  groups: number;
  failRate?: number;
  start?: number;
}): ScanRecord {
  const { day, groups } = options;
  const failRate = options.failRate ?? 0.03;
  const at = (options.start ?? Date.parse('2026-01-01T00:00:00Z')) + day * 86_400_000;
  const resources: ResourceRecord[] = [];
  const findings: FindingObservation[] = [];
  const clusters = Math.ceil(groups / 4);
  let compliantClusters = 0;
  let compliantGroups = 0;
  const failing = (rule: string, id: string) =>
    fraction(`${rule}|${id}|${Math.floor((day + fraction(id) * 30) / 30)}`) < failRate;
  for (let c = 0; c < clusters; c++) {
    const account = ACCOUNTS[c % ACCOUNTS.length]!;
    const region = REGIONS[c % REGIONS.length]!;
    const clusterId = `arn:aws:sagemaker:${region}:${account}:cluster/c${String(c).padStart(11, '0')}`;
    const project = `project-${c % 7}`;
    const clusterFailing: string[] = [];
    for (let g = c * 4; g < Math.min(groups, c * 4 + 4); g++) {
      const groupId = `${clusterId}/instance-group/ig-${g}`;
      const keyArn = `arn:aws:kms:${region}:${account}:key/k-${g}`;
      const groupFailing: string[] = [];
      const observe = (rule: string, severity: Severity, rid: string, type: 'instance-group' | 'kms-key') => {
        const status: Status = failing(rule, rid) ? 'FAIL' : 'PASS';
        if (status === 'FAIL') groupFailing.push(`${rule}@${severity}`);
        findings.push({
          fingerprint: fp(`${rule}|${rid}`),
          ruleId: rule,
          rid,
          resourceType: type,
          status,
          severity,
          suppressed: false,
          message: status === 'FAIL' ? `${rule} failed on ${rid}` : `${rule} passed`,
          scope: regionScope(account, region),
          account,
          region,
          name: rid,
          project,
        });
      };
      for (const [rule, severity] of GROUP_RULES) observe(rule, severity, groupId, 'instance-group');
      for (const [rule, severity] of KEY_RULES) observe(rule, severity, keyArn, 'kms-key');
      const status: ComplianceStatus = groupFailing.length ? 'non-compliant' : 'compliant';
      if (status === 'compliant') compliantGroups++;
      clusterFailing.push(...groupFailing);
      resources.push({
        rid: groupId,
        type: 'instance-group',
        name: `ig-${g}`,
        cluster: `cluster-${c}`,
        scope: regionScope(account, region),
        state: { status, failing: groupFailing, account, region, project, owner: 'team' },
      });
      resources.push({
        rid: keyArn,
        type: 'kms-key',
        name: `alias/ig-${g}`,
        account,
        region,
        scope: regionScope(account, region),
        state: {
          aliases: [`alias/ig-${g}`],
          keyManager: 'CUSTOMER',
          keyState: 'Enabled',
          creationDate: '2025-12-01T00:00:00.000Z',
          rotationEnabled: true,
          rotationCount: 1,
          tags: { project, owner: 'team' },
          usage: [{ month: new Date(at).toISOString().slice(0, 7), requests: 50_000 }],
          usedBy: [
            { cluster: clusterId, clusterName: `cluster-${c}`, instanceGroup: `ig-${g}`, volume: 'root' },
          ],
        },
      });
    }
    const status: ComplianceStatus = clusterFailing.length ? 'non-compliant' : 'compliant';
    if (status === 'compliant') compliantClusters++;
    resources.push({
      rid: clusterId,
      type: 'cluster',
      name: `cluster-${c}`,
      scope: regionScope(account, region),
      state: {
        status,
        failing: [...new Set(clusterFailing)].sort(),
        account,
        region,
        project,
        owner: 'team',
      },
    });
  }
  const fail = findings.filter((f) => f.status === 'FAIL').length;
  const summary: Summary = {
    clusters,
    compliantClusters,
    compliantByException: 0,
    unknownClusters: 0,
    clusterCompliancePct: Math.round((compliantClusters / clusters) * 1000) / 10,
    instanceGroups: groups,
    compliantInstanceGroups: compliantGroups,
    instanceGroupCompliancePct: Math.round((compliantGroups / groups) * 1000) / 10,
    keys: groups,
    pass: findings.length - fail,
    fail,
    notApplicable: 0,
    unknown: 0,
    suppressed: 0,
    expiredSuppressions: 0,
    failBySeverity: { critical: 0, high: 0, medium: 0, low: 0 },
  };
  const iso = new Date(at).toISOString();
  return {
    scan: {
      reportId: fp(`synthetic|${groups}|${at}`).slice(0, 16),
      source: 'live',
      startedAt: iso,
      finishedAt: iso,
      at,
      accounts: ACCOUNTS,
      regions: REGIONS,
      inputs: [],
      scope: ACCOUNTS.flatMap((a) => [accountScope(a), ...REGIONS.map((r) => regionScope(a, r))]).sort(),
      toolVersion: 'synthetic',
      summary,
    },
    resources,
    findings,
    events: [],
  };
}
