/**
 * Compliance broken down by rule and by severity keeps DESIGN.md's definition in every group:
 * UNKNOWN is never compliant, and a suppressed failure is compliant by exception, counted apart.
 * Two clusters, worked out by hand:
 *
 * - c1 uses key k1, whose rotation could not be read (kms-key-rotation-enabled UNKNOWN, medium)
 *   and whose missing tags are suppressed (kms-key-required-tags FAIL, low, suppressed): unknown;
 * - c2 has its root volume on the AWS owned key (hyperpod-root-volume-cmk FAIL, high): non-compliant.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { historyFromRecords } from '../../src/history/memory.js';
import { scanRecord } from '../../src/history/record.js';
import { computeKpis } from '../../src/kpi/index.js';
import { runPipeline } from '../../src/pipeline.js';
import { ACCOUNT, cluster, compliantEstate, gap, group, REGION, rootVolume } from '../helpers/inventory.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const config = resolveConfig({
  keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'],
  suppressions: [{ rule: 'kms-key-required-tags', resource: '*', reason: 'tag rollout' }],
});

function estate() {
  const base = compliantEstate({ key: { tags: {}, rotation: undefined as never } });
  return {
    ...base,
    clusters: [...base.clusters, cluster('c2', [group('g2', { volumes: [rootVolume(null)] })])],
    gaps: [gap({ operation: 'GetKeyRotationStatus', resource: base.keys[0]!.arn })],
  };
}

const inv = estate();
const record = scanRecord(runPipeline(inv, { config, now: NOW }).report, inv);
const kpis = (by: 'rule' | 'severity') =>
  computeKpis(historyFromRecords([record]), {
    window: { since: NOW.getTime() - 86_400_000, until: NOW.getTime() },
    by,
  }).compliance!;

const figure = (
  group: string,
  counts: { compliant?: number; byException?: number; unknown?: number; nonCompliant?: number },
  pct: number,
) => ({
  group,
  total: 2,
  compliant: counts.compliant ?? 0,
  byException: counts.byException ?? 0,
  unknown: counts.unknown ?? 0,
  nonCompliant: counts.nonCompliant ?? 0,
  pct,
});

describe('compliance by rule and by severity', () => {
  it('records the unknown and excepted rules of a cluster with their severity', () => {
    const states = record.resources.flatMap((r) => (r.type === 'cluster' ? [r.state] : []));
    expect(states).toEqual([
      {
        status: 'unknown',
        failing: [],
        unknown: ['kms-key-rotation-enabled@medium'],
        excepted: ['kms-key-required-tags@low'],
        account: ACCOUNT,
        region: REGION,
        project: 'llm',
        owner: 'ml-platform',
      },
      {
        status: 'non-compliant',
        failing: ['hyperpod-root-volume-cmk@high'],
        account: ACCOUNT,
        region: REGION,
        project: 'llm',
        owner: 'ml-platform',
      },
    ]);
  });

  it('by severity: an UNKNOWN is unknown, a suppressed failure is by exception, in its own severity', () => {
    const now = kpis('severity').now;
    expect(now.overall.clusters).toEqual(figure('all', { unknown: 1, nonCompliant: 1 }, 0));
    expect(now.clusters).toEqual([
      figure('critical', { compliant: 2 }, 100),
      figure('high', { compliant: 1, nonCompliant: 1 }, 50),
      // c1's rotation is unknown: it was counted compliant (100%).
      figure('medium', { compliant: 1, unknown: 1 }, 50),
      // c1's suppressed tag failure: compliant by exception (it was counted plainly compliant).
      figure('low', { compliant: 1, byException: 1 }, 100),
    ]);
    expect(now.instanceGroups).toEqual(now.clusters);
  });

  it('by rule: every rule that fails, is unknown or is excepted somewhere has its group', () => {
    // Only hyperpod-root-volume-cmk had a group: c1's unknown and excepted rules were invisible.
    expect(kpis('rule').now.clusters).toEqual([
      figure('hyperpod-root-volume-cmk', { compliant: 1, nonCompliant: 1 }, 50),
      figure('kms-key-required-tags', { compliant: 1, byException: 1 }, 100),
      figure('kms-key-rotation-enabled', { compliant: 1, unknown: 1 }, 50),
    ]);
  });

  it('a state saved before unknown and excepted rules were recorded is never compliant when unknown', () => {
    const legacy = structuredClone(record);
    for (const r of legacy.resources)
      if (r.type === 'cluster' || r.type === 'instance-group') {
        delete r.state.unknown;
        delete r.state.excepted;
      }
    const now = computeKpis(historyFromRecords([legacy]), {
      window: { since: NOW.getTime() - 86_400_000, until: NOW.getTime() },
      by: 'severity',
    }).compliance!.now;
    // Which severity c1 is unknown in is not known: it is unknown in every one it does not fail.
    expect(now.clusters).toEqual([
      figure('critical', { compliant: 1, unknown: 1 }, 50),
      figure('high', { nonCompliant: 1, unknown: 1 }, 0),
      figure('medium', { compliant: 1, unknown: 1 }, 50),
      figure('low', { compliant: 1, unknown: 1 }, 50),
    ]);
  });
});

describe('suppressed, baselined, failing', () => {
  it('a baselined failure is still a failure (non-compliant, open, not suppressed); a suppressed one is an exception', () => {
    const rootOfC2 = runPipeline(inv, { config, now: NOW }).report.findings.find(
      (f) => f.ruleId === 'hyperpod-root-volume-cmk' && f.status === 'FAIL',
    )!;
    const baselined = runPipeline(inv, {
      config,
      now: NOW,
      evaluate: { baseline: new Set([rootOfC2.fingerprint]) },
    }).report;
    // The scan's summary counts it apart, as the gate does (it does not fail the run) ...
    expect(baselined.summary).toMatchObject({ fail: 0, baseline: 1, suppressed: 1 });
    // ... but compliance and history do not forgive it: c2 is non-compliant, its failure open (an
    // UNKNOWN opens no episode: the rotation of k1 is in no age bucket).
    const history = historyFromRecords([scanRecord(baselined, inv)]);
    const k = computeKpis(history, { window: { since: NOW.getTime() - 86_400_000, until: NOW.getTime() } });
    expect(k.compliance!.now.overall.clusters).toEqual(figure('all', { unknown: 1, nonCompliant: 1 }, 0));
    expect(k.remediation!.open.map((o) => [o.ruleId, o.status, o.suppressed])).toEqual([
      ['hyperpod-root-volume-cmk', 'FAIL', false],
      ['kms-key-required-tags', 'FAIL', true],
    ]);
    expect(k.remediation!.age.find((a) => a.group === 'all')).toMatchObject({ open: 1, suppressed: 1 });
  });
});
