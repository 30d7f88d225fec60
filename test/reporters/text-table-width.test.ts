/**
 * A table fitted to the terminal measures text by the columns a terminal gives it: two for East
 * Asian wide and fullwidth characters and emoji, none for combining marks and colour sequences. A
 * tenant's name of wide characters must not push a line past the screen's edge.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import type { Report } from '../../src/model/report.js';
import { renderTable } from '../../src/reporters/table.js';
import { clipLine, displayWidth, fittedTable } from '../../src/reporters/text-table.js';
import { canonicalReport } from './fixture.js';

describe('terminal width', () => {
  it.each([
    ['ASCII', 'prod-a', 6],
    ['CJK ideographs (two columns each)', '训练集群', 8],
    ['Hangul syllables', '한국', 4],
    ['fullwidth forms', 'ＡＢ', 4],
    ['an emoji shown as a picture', '🔑', 2],
    ['combining marks (no column)', 'e\u0301', 1],
    ['colour sequences (no column)', '\u001b[31mred\u001b[39m', 3],
  ])('%s', (_name, text, width) => {
    expect(displayWidth(text)).toBe(width);
  });

  it('a line of wide characters is cut to the columns it takes, never inside a surrogate pair', () => {
    expect(clipLine('训练集群宽字符', 7)).toBe('训练集…');
    expect(displayWidth(clipLine('训练集群宽字符', 7))).toBe(7);
    expect(clipLine('🔑🔑🔑🔑', 5)).toBe('🔑🔑…');
    expect(clipLine('训练', 4)).toBe('训练');
  });

  it('a table of wide names fits its width, its columns aligned by the columns they take', () => {
    const table = fittedTable(
      ['CLUSTER', 'REGION'],
      [
        ['训练集群宽字符训练集群宽字符训练集群宽字符', 'us-east-1'],
        ['prod', 'us-west-2'],
      ],
      [20, 12],
      40,
    );
    const lines = table.split('\n');
    // The long name cut to 19 columns (nine wide characters and the ellipsis: a tenth would make 21).
    expect(lines).toEqual([
      `CLUSTER${' '.repeat(12)}  REGION`,
      '训练集群宽字符训练…  us-east-1',
      `prod${' '.repeat(15)}  us-west-2`,
    ]);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(40);
  });

  it('the report table on a narrow terminal keeps every line within it, whatever the names', () => {
    const report = canonicalReport();
    const wide = '训练集群宽字符'.repeat(6);
    const findings: Finding[] = report.findings.map((f) => ({
      ...f,
      resource: { ...f.resource, cluster: wide, instanceGroup: wide },
    }));
    const clusters = report.clusters.map((c) => ({ ...c, name: wide }));
    const out = renderTable({ ...report, findings, clusters } as Report, {
      color: false,
      limit: 0,
      width: 60,
    });
    const over = out.split('\n').filter((line) => displayWidth(line) > 60);
    expect(over).toEqual([]);
    expect(out).toContain('训练集群');
  });
});
