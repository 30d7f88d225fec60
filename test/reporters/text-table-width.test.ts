/**
 * A table fitted to the terminal measures text by the columns a terminal gives it: two for East
 * Asian wide and fullwidth characters and emoji, none for combining marks and colour sequences. A
 * tenant's name of wide characters must not push a line past the screen's edge.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import type { Report } from '../../src/model/report.js';
import { renderTable } from '../../src/reporters/table.js';
import { clipLine, displayWidth, fittedTable, tableWithWrappedList } from '../../src/reporters/text-table.js';
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

describe('the cluster table on a terminal: its list of failing rules', () => {
  const header = ['CLUSTER', 'STATUS', 'RULES'];
  const rules = Array.from({ length: 9 }, (_, i) => `hyperpod-rule-number-${i}`);
  const rows = [
    ['train', 'NON-COMPLIANT'],
    ['eval', 'compliant'],
  ];
  const lists = [rules, []];
  const itemsOf = (text: string) => text.match(/hyperpod-rule-number-\d/g);

  it('wraps beside its row, every item whole, each line within the width', () => {
    const out = tableWithWrappedList(header, rows, lists, [20, 14], 80);
    const lines = out.split('\n');
    expect(lines[0]).toBe('CLUSTER  STATUS         RULES');
    expect(lines[1]).toBe('train    NON-COMPLIANT  hyperpod-rule-number-0, hyperpod-rule-number-1,');
    expect(lines[2]).toBe(`${' '.repeat(24)}hyperpod-rule-number-2, hyperpod-rule-number-3,`);
    expect(lines.filter((line) => displayWidth(line) > 80)).toEqual([]);
    expect(itemsOf(out)).toEqual(rules);
    expect(lines.at(-1)).toBe('eval     compliant');
  });

  it('goes on lines of its own under its row when the other columns leave too little room', () => {
    const out = tableWithWrappedList(header, rows, lists, [20, 14], 40);
    const lines = out.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'CLUSTER  STATUS',
      '    RULES',
      'train    NON-COMPLIANT',
      '    hyperpod-rule-number-0,',
    ]);
    expect(lines.filter((line) => displayWidth(line) > 40)).toEqual([]);
    expect(itemsOf(out)).toEqual(rules);
  });

  it('is left whole on one line in a log or a file (no width)', () => {
    const out = tableWithWrappedList(header, rows, lists, [20, 14], undefined);
    expect(out.split('\n')[1]).toBe(`train    NON-COMPLIANT  ${rules.join(', ')}`);
  });
});
