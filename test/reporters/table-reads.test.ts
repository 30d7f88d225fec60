/**
 * The table escapes what it shows, not the whole report: the instance groups and key summaries it
 * never shows (100,000s in an organisation) are not read, nor the clusters with --quiet. The text
 * is the same as when they are read.
 */
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.js';
import { renderTable } from '../../src/reporters/table.js';
import { canonicalReport } from './fixture.js';

/** The array, with every read of one of its elements counted. */
function counted<T>(items: T[], reads: { count: number }): T[] {
  return new Proxy(items, {
    get(target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) reads.count++;
      return Reflect.get(target, property, receiver);
    },
  });
}

describe('renderTable reads of the report', () => {
  const options = { color: false, limit: 10, cwd: '/repo', baseDir: '/repo' };
  it.each([false, true])('reads no instance group or key summary (quiet: %s)', (quiet) => {
    const report = canonicalReport();
    expect(report.instanceGroups?.length).toBeGreaterThan(0);
    expect(report.keys?.length).toBeGreaterThan(0);
    const expected = renderTable(report, { ...options, quiet });
    const reads = { count: 0 };
    const watched: Report = {
      ...report,
      instanceGroups: counted(report.instanceGroups!, reads),
      keys: counted(report.keys!, reads),
    };
    expect(renderTable(watched, { ...options, quiet })).toBe(expected);
    expect(reads.count).toBe(0);
  });

  it('with --quiet reads no cluster; without, shows them', () => {
    const report = canonicalReport();
    expect(report.clusters.length).toBeGreaterThan(0);
    const reads = { count: 0 };
    const watched: Report = { ...report, clusters: counted(report.clusters, reads) };
    expect(renderTable(watched, { ...options, quiet: true })).toBe(
      renderTable(report, { ...options, quiet: true }),
    );
    expect(reads.count).toBe(0);
    expect(renderTable(watched, { ...options, quiet: false })).toContain(report.clusters[0]!.name);
    expect(reads.count).toBeGreaterThan(0);
  });
});
