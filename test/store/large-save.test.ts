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

  it('knows every saved finding when history holds more than one page of them (10,010)', async () => {
    const store = await open(await backend.fresh());
    try {
      const generated = syntheticRecord({ day: 0, groups: 1001, failRate: 1 });
      // Every instance group and cluster in a state of its own: 1,252 distinct states, more than
      // one statement reads.
      const first: ScanRecord = {
        ...generated,
        resources: generated.resources.map((r, i) =>
          r.type === 'kms-key' || r.type === 'account'
            ? r
            : { ...r, state: { ...r.state, owner: `team-${i}` } },
        ),
      };
      expect(first.findings.length).toBe(10_010);
      expect(await store.save(first)).toEqual({
        ok: true,
        value: { scanId: 1, duplicate: false, lifecycleApplied: true, opened: 10_010, closed: 0 },
      });
      // The next day (findings are known by id order, a page of 10,000 at a time): the first 5 and
      // the last 6 fixed, one of the second page not reported (its resource still is) and one
      // reworded; the rest as they were.
      const at = first.scan.at + DAY;
      const iso = new Date(at).toISOString();
      const missing = first.findings[10_003]!.fingerprint;
      const next: ScanRecord = {
        ...first,
        scan: { ...first.scan, reportId: 'next', startedAt: iso, finishedAt: iso, at },
        findings: first.findings
          .map((f, i) =>
            i < 5 || i >= 10_004
              ? { ...f, status: 'PASS' as const, message: 'passed' }
              : i === 10_001
                ? { ...f, message: 'reworded' }
                : { ...f },
          )
          .filter((f) => f.fingerprint !== missing),
      };
      expect(await store.save(next)).toEqual({
        ok: true,
        value: { scanId: 2, duplicate: false, lifecycleApplied: true, opened: 0, closed: 12 },
      });
      const loaded = await store.load();
      const saved = new Map(loaded.findings.map((f) => [f.fingerprint, f]));
      expect(saved.size).toBe(10_010);
      const states = new Map(
        next.resources.flatMap((r) =>
          r.type === 'cluster' || r.type === 'instance-group' ? [[r.rid, r.state] as const] : [],
        ),
      );
      expect(states.size).toBe(1_252);
      expect(loaded.current.length).toBe(1_252);
      for (const resource of loaded.current)
        expect(resource.state, resource.rid).toEqual(states.get(resource.rid));
      // A window after the scans: no tally reads a state, and the current resources still have theirs.
      const later = await store.load({ since: at + DAY });
      expect(later.tallies).toEqual([]);
      expect(later.current.length).toBe(1_252);
      for (const resource of later.current)
        expect(resource.state, resource.rid).toEqual(states.get(resource.rid));
      const resolutions = new Map<string, number>();
      for (const [i, f] of first.findings.entries()) {
        const finding = saved.get(f.fingerprint)!;
        const resolution = finding.episodes[0]!.resolution ?? 'open';
        resolutions.set(resolution, (resolutions.get(resolution) ?? 0) + 1);
        if (i === 10_003) expect(finding.lastSeenAt).toBe(first.scan.at);
        else expect(finding.lastSeenAt, `finding ${i}`).toBe(at);
      }
      expect(Object.fromEntries(resolutions)).toEqual({ fixed: 11, 'not-evaluated': 1, open: 9_998 });
      expect(saved.get(missing)!.episodes[0]!.resolution).toBe('not-evaluated');
      expect(saved.get(first.findings[10_001]!.fingerprint)!.message).toBe('reworded');
      expect(saved.get(first.findings[10_001]!.fingerprint)!.status).toBe('FAIL');
      expect(saved.get(first.findings[10_009]!.fingerprint)!.status).toBe('PASS');
      expect(saved.get(first.findings[9_000]!.fingerprint)!.message).toBe(first.findings[9_000]!.message);
    } finally {
      await store.close();
    }
  });
});

describe.each(BACKENDS)('a save calls betweenPhases once, between its phases ($name)', (backend) => {
  it('after the observations and before the findings; never for a duplicate or an older scan', async () => {
    const store = await open(await backend.fresh());
    try {
      const calls: string[] = [];
      const hooks = {
        midSave: () => {
          calls.push('midSave');
        },
        betweenPhases: () => {
          calls.push('betweenPhases');
        },
      };
      const first = allFailing(1);
      expect(await store.save(first, hooks)).toMatchObject({ ok: true, value: { opened: 1300 } });
      expect(calls).toEqual(['midSave', 'betweenPhases']);
      calls.length = 0;
      // The same scan again: nothing written, no phase.
      expect(await store.save(first, hooks)).toMatchObject({ ok: true, value: { duplicate: true } });
      // A scan older than the one saved joins the trend only: no lifecycle phase to collect before.
      expect(await store.save(allFailing(0), hooks)).toMatchObject({
        ok: true,
        value: { duplicate: false, lifecycleApplied: false },
      });
      expect(calls).toEqual(['midSave']);
    } finally {
      await store.close();
    }
  });
});
