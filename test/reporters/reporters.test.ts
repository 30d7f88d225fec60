import { describe, expect, it } from 'vitest';
import { render } from '../../src/index.js';
import { CSV_COLUMNS, renderCsvChunks } from '../../src/reporters/csv.js';
import { renderTable } from '../../src/reporters/table.js';
import { parse as parseCsv } from './csv-parse.js';
import { canonicalReport } from './fixture.js';

const report = canonicalReport();
/** Snapshots are cleaned of what changes between releases. */
const clean = (text: string) => text.replace(/hyperpod-cmk \d+\.\d+\.\d+\S*/g, 'hyperpod-cmk <version>');

describe('canonical fixture', () => {
  it('has what the reporters must show', () => {
    const statuses = new Set(report.findings.map((f) => f.status));
    expect([...statuses].sort()).toEqual(['FAIL', 'NOT_APPLICABLE', 'PASS', 'UNKNOWN']);
    expect(report.findings.some((f) => f.suppressed)).toBe(true);
    expect(report.findings.some((f) => f.suppressionExpired)).toBe(true);
    expect(report.gaps).toHaveLength(1);
  });
});

describe('table', () => {
  const text = render(report, 'table', { limit: 10 });
  it('is stable', async () => {
    await expect(clean(text)).toMatchFileSnapshot('__snapshots__/canonical.table.txt');
  });
  it('lists clusters with their status and failing rules, then failures by severity', () => {
    expect(text).toMatch(/legacy\|slurm\s+111122223333\s+us-east-1\s+NON-COMPLIANT/);
    expect(text).toMatch(/c1\s+111122223333\s+us-east-1\s+compliant/);
    expect(text).toContain(' UNKNOWN (1) ');
    expect(text).toContain(' SUPPRESSED (1) ');
    expect(text.indexOf(' HIGH (')).toBeLessThan(text.indexOf(' MEDIUM ('));
    expect(text).toContain('suppression expired on 2026-01-01: pilot');
    expect(text).toContain('GAPS (1)');
  });
  it('escapes what tenants wrote in the findings it shows, and reads no finding it does not show', () => {
    const hostile = {
      ...report,
      findings: report.findings.map((f) => ({
        ...f,
        message: `${f.message} \u001b[2J\u202eevil\u0007`,
        resource: {
          ...f.resource,
          id: `${f.resource.id}\u001b]0;title\u0007`,
          cluster: `c\u001b]0;title\u0007`,
        },
        ...(f.remediation ? { remediation: `${f.remediation}\u009b31m` } : {}),
      })),
    };
    const shown = render(hostile, 'table', { limit: 1 });
    expect(shown).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(shown).toContain('\\x1b[2J\\u202eevil\\x07');
    expect(shown).toContain('\\x1b]0;title\\x07');
    // A finding past the limit is never copied: a message that throws when read proves it.
    const first = hostile.findings.find((f) => f.status === 'FAIL' && !f.suppressed)!;
    const unread = [1, 2, 3].map((n) =>
      Object.defineProperty({ ...first, fingerprint: `${first.fingerprint}-${n}` }, 'message', {
        enumerable: true,
        get: () => {
          throw new Error(`read finding ${n}`);
        },
      }),
    );
    expect(() => render({ ...hostile, findings: [first, ...unread] }, 'table', { limit: 1 })).not.toThrow();
  });
  it('--quiet keeps the gaps and input issues: they are why a run exits 3', () => {
    const withIssue = {
      ...report,
      issues: [
        {
          code: 'iac.parse_error',
          severity: 'error' as const,
          message: 'not valid YAML',
          location: { file: 'infra/broken.yaml', line: 3 },
        },
      ],
    };
    const quiet = renderTable(withIssue, { color: false, limit: 10, quiet: true });
    expect(quiet).toContain('GAPS (1)');
    expect(quiet).toContain('aws.access_denied cloudtrail:DescribeTrails 111122223333: not authorized');
    expect(quiet).toContain('INPUT ISSUES (1)');
    expect(quiet).toContain('error infra/broken.yaml:3: not valid YAML [iac.parse_error]');
    expect(quiet).not.toContain(' UNKNOWN (1) ');
    expect(quiet).not.toContain('CLUSTER ');
  });
  it('cuts long cells only on a terminal (a width): in a log two long names stay two', () => {
    const long = (suffix: string) => `training-cluster-prod-us-east-1-team-alpha-${suffix}`;
    const named = {
      ...report,
      clusters: [
        { ...report.clusters[0]!, name: long('one') },
        { ...report.clusters[0]!, name: long('two') },
      ],
    };
    const log = renderTable(named, { color: false, limit: 10 });
    expect(log).toContain(long('one'));
    expect(log).toContain(long('two'));
    const terminal = renderTable(named, { color: false, limit: 10, width: 200 });
    expect(terminal).not.toContain(long('one'));
    expect(terminal).toContain('training-cluster-prod-us-east-1-team-al…');
  });
  it('colours only when asked', () => {
    expect(text).not.toMatch(/\u001b\[/);
    expect(render(report, 'table', { color: true, limit: 10 })).toMatch(/\u001b\[31m/);
  });
});

describe('csv', () => {
  const text = render(report, 'csv');
  it('has one row per finding under a fixed header, RFC 4180 quoted', () => {
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(report.findings.length + 1);
    const tagRow = rows.find((r) => r[0] === 'hyperpod-cluster-required-tags' && r[4]?.includes('legacy'));
    expect(tagRow?.[1]).toBe('FAIL');
    expect(text.endsWith('\r\n')).toBe(true);
  });
  it('streams to a file a batch of rows at a time: the header, then whole rows, the same as the whole', () => {
    for (const count of [0, 1, 1024, 1025, 2500]) {
      const findings = Array.from({ length: count }, (_, i) => ({
        ...report.findings[i % report.findings.length]!,
        fingerprint: `fp${i}`,
      }));
      const sized = { ...report, findings };
      const pieces = [...renderCsvChunks(sized)];
      expect(pieces.length, `${count} findings`).toBe(1 + Math.ceil(count / 1024));
      expect(pieces.every((piece) => piece.endsWith('\r\n'))).toBe(true);
      const rows = parseCsv(pieces.join(''));
      expect(rows.length, `${count} findings`).toBe(count + 1);
      expect(rows.slice(1).map((row) => row.at(-2))).toEqual(findings.map((f) => f.fingerprint));
    }
  });
  it('defuses cells a spreadsheet would run as formulas', () => {
    const rows = parseCsv(text);
    const cell = rows.find((r) => r[8]?.includes('cmd'))?.[8];
    expect(cell).toBe("'=cmd");
  });
});

describe('markdown', () => {
  const text = render(report, 'markdown');
  it('is stable', async () => {
    await expect(clean(text)).toMatchFileSnapshot('__snapshots__/canonical.md');
  });
  it('escapes table cells', () => {
    expect(text).toContain('legacy\\|slurm');
    expect(text).not.toMatch(/\| legacy\|slurm \|/);
  });
});

describe('json', () => {
  it('round-trips the report', () => {
    expect(JSON.parse(render(report, 'json'))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});
