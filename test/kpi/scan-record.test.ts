/**
 * What history keeps of a scan, before any store: observations whose message is their finding's,
 * made only when read, and a lifecycle that takes a fingerprint reported twice as one finding.
 */
import { describe, expect, it } from 'vitest';
import { applyScan, type KnownFinding } from '../../src/history/lifecycle.js';
import { scanRecord } from '../../src/history/record.js';
import type { FindingObservation, ScanRecord } from '../../src/history/types.js';
import type { Finding } from '../../src/model/finding.js';
import { scenarioReport, scenarioScans } from '../helpers/history.js';

describe('scanRecord observations', () => {
  const scan = scenarioScans()[0]!;

  it('make no message while the record is built, and give each finding its message when read', () => {
    const report = scenarioReport(scan);
    let reads = 0;
    const findings = report.findings.map((finding) => {
      const counted = { ...finding } as Finding;
      Object.defineProperty(counted, 'message', {
        get: () => {
          reads++;
          return finding.message;
        },
        enumerable: true,
      });
      return counted;
    });
    const record = scanRecord({ ...report, findings }, scan.inventory);
    expect(reads).toBe(0);
    expect(record.findings.length).toBe(report.findings.length);
    expect(record.findings.map((o) => o.message)).toEqual(report.findings.map((f) => f.message));
    expect(reads).toBe(report.findings.length);
  });

  it('read, spread and serialise as plain observations, message in its place', () => {
    const report = scenarioReport(scan);
    const record = scanRecord(report, scan.inventory);
    const observation = record.findings[0]!;
    const finding = report.findings[0]!;
    expect(Object.getPrototypeOf(observation)).toBe(Object.prototype);
    expect(Object.keys(observation).slice(0, 9)).toEqual([
      'fingerprint',
      'ruleId',
      'rid',
      'resourceType',
      'status',
      'severity',
      'suppressed',
      'message',
      'scope',
    ]);
    const plain = JSON.parse(JSON.stringify(observation)) as FindingObservation;
    expect(plain).toEqual({ ...observation });
    expect(plain.message).toBe(finding.message);
    expect(plain.fingerprint).toBe(finding.fingerprint);
    observation.message = 'reworded';
    expect(observation.message).toBe('reworded');
    expect(JSON.parse(JSON.stringify(observation)).message).toBe('reworded');
    // Other observations keep their own messages.
    expect(record.findings[1]!.message).toBe(report.findings[1]!.message);
  });
});

describe('applyScan with a fingerprint reported twice', () => {
  const base: FindingObservation = {
    fingerprint: 'f1',
    ruleId: 'r',
    rid: 'res',
    resourceType: 'instance-group',
    status: 'FAIL',
    severity: 'high',
    suppressed: false,
    message: 'm',
    scope: 'aws:111122223333:us-east-1',
    name: 'n',
  };
  const record = (findings: FindingObservation[]): ScanRecord => ({
    scan: {
      reportId: 'r1',
      source: 'live',
      startedAt: '2026-11-01T00:00:00.000Z',
      finishedAt: '2026-11-01T00:00:00.000Z',
      at: Date.parse('2026-11-01T00:00:00.000Z'),
      accounts: ['111122223333'],
      regions: ['us-east-1'],
      inputs: [],
      scope: ['aws:111122223333:us-east-1'],
      toolVersion: 'test',
      summary: {} as ScanRecord['scan']['summary'],
    },
    resources: [],
    findings,
    events: [],
  });

  it('keeps the last report: a FAIL then a PASS of a new finding keeps and opens nothing', () => {
    const passed = { ...base, status: 'PASS' as const, message: 'ok' };
    const changes = applyScan(new Map(), record([base, passed]));
    expect(changes).toEqual({ upserts: [], opened: [], closed: [] });
  });

  it('keeps the last report: a PASS then a FAIL opens one episode', () => {
    const passed = { ...base, status: 'PASS' as const };
    const changes = applyScan(new Map(), record([passed, base, { ...base }]));
    expect(changes).toEqual({
      upserts: [base],
      opened: [{ fingerprint: 'f1', severity: 'high' }],
      closed: [],
    });
  });

  it('closes an open finding once when its last report passes', () => {
    const known = new Map<string, KnownFinding>([
      ['f1', { fingerprint: 'f1', rid: 'res', scope: base.scope, status: 'FAIL', open: 'high' }],
    ]);
    const passed = { ...base, status: 'PASS' as const };
    const changes = applyScan(known, record([passed, base, passed]));
    expect(changes).toEqual({
      upserts: [passed],
      opened: [],
      closed: [{ fingerprint: 'f1', resolution: 'fixed' }],
    });
  });
});
