/**
 * A save larger than one statement, on every backend: findings, their changes and episodes are
 * written many rows to a statement and closed a chunk of findings at a time, so a scan of an
 * organisation must land exactly as a small one does, across every statement boundary.
 */
import { describe, expect, it } from 'vitest';
import type { FindingObservation, ScanRecord } from '../../src/history/types.js';
import { BACKENDS, open } from '../helpers/stores.js';
import { syntheticRecord } from '../helpers/synthetic.js';

const DAY = 86_400_000;

/** 130 groups: 1,300 findings, every one failing (more than 5 multi-row statements, 2 chunks of ids). */
function allFailing(day: number): ScanRecord {
  return syntheticRecord({ day, groups: 130, failRate: 1 });
}

/** The same scan a day later: the first 600 findings fixed, the next 300 reworded, the rest as they were. */
function nextDay(first: ScanRecord): ScanRecord {
  const at = first.scan.at + DAY;
  const iso = new Date(at).toISOString();
  const findings: FindingObservation[] = first.findings.map((f, i) =>
    i < 600
      ? { ...f, status: 'PASS', message: `${f.ruleId} passed` }
      : i < 900
        ? { ...f, message: `${f.message} (reworded)` }
        : { ...f },
  );
  return {
    ...first,
    scan: { ...first.scan, reportId: `${first.scan.reportId}-next`, startedAt: iso, finishedAt: iso, at },
    findings,
  };
}

describe.each(BACKENDS)('a save of more findings than one statement holds ($name)', (backend) => {
  it('lands every finding, change and episode of three scans of 1,300 findings', async () => {
    const store = await open(await backend.fresh());
    try {
      const first = allFailing(0);
      expect(first.findings.length).toBe(1300);
      expect(first.findings.every((f) => f.status === 'FAIL')).toBe(true);
      const firstSaved = await store.save(first);
      expect(firstSaved).toEqual({
        ok: true,
        value: { scanId: 1, duplicate: false, lifecycleApplied: true, opened: 1300, closed: 0 },
      });
      const second = nextDay(first);
      const secondSaved = await store.save(second);
      expect(secondSaved).toEqual({
        ok: true,
        value: { scanId: 2, duplicate: false, lifecycleApplied: true, opened: 0, closed: 600 },
      });

      const data = await store.load();
      expect(data.findings.length).toBe(1300);
      const byFingerprint = new Map(data.findings.map((f) => [f.fingerprint, f]));
      for (const [i, observation] of second.findings.entries()) {
        const saved = byFingerprint.get(observation.fingerprint)!;
        expect(saved.status, `finding ${i}`).toBe(i < 600 ? 'PASS' : 'FAIL');
        expect(saved.message, `finding ${i}`).toBe(observation.message);
        expect(saved.firstSeenAt, `finding ${i}`).toBe(first.scan.at);
        expect(saved.lastSeenAt, `finding ${i}`).toBe(second.scan.at);
        expect(saved.episodes, `finding ${i}`).toEqual([
          {
            openedAt: first.scan.at,
            severity: observation.severity,
            ...(i < 600 ? { resolvedAt: second.scan.at, resolution: 'fixed' } : {}),
          },
        ]);
      }

      // A third scan raises the severity of 100 failing findings: their open episodes follow, no other does.
      const thirdAt = second.scan.at + DAY;
      const thirdIso = new Date(thirdAt).toISOString();
      const third: ScanRecord = {
        ...second,
        scan: {
          ...second.scan,
          reportId: `${first.scan.reportId}-third`,
          startedAt: thirdIso,
          finishedAt: thirdIso,
          at: thirdAt,
        },
        findings: second.findings.map((f, i) =>
          i >= 1000 && i < 1100 ? { ...f, severity: 'critical' } : { ...f },
        ),
      };
      expect(await store.save(third)).toEqual({
        ok: true,
        value: { scanId: 3, duplicate: false, lifecycleApplied: true, opened: 0, closed: 0 },
      });
      const after = new Map((await store.load()).findings.map((f) => [f.fingerprint, f]));
      for (const [i, observation] of third.findings.entries()) {
        const episodes = after.get(observation.fingerprint)!.episodes;
        expect(episodes.length, `finding ${i}`).toBe(1);
        const severity = i >= 1000 && i < 1100 ? 'critical' : first.findings[i]!.severity;
        expect(episodes[0]!.severity, `finding ${i}`).toBe(severity);
      }

      // As of the first scan, every finding was failing: the changes were recorded by scan.
      const asOfFirst = await store.load({ until: first.scan.at });
      expect(asOfFirst.findings.length).toBe(1300);
      expect(asOfFirst.findings.filter((f) => f.status === 'FAIL').length).toBe(1300);
      expect(asOfFirst.findings.every((f) => f.episodes.every((e) => e.resolvedAt === undefined))).toBe(true);
    } finally {
      await store.close();
    }
  });
});
