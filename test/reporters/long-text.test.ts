/**
 * Tenant text of any length where a person reads it: a cluster, instance group, alias, tag or
 * resource named with a megabyte is repeated in full in a one-line message, a table row or a gap,
 * so one name makes a line of megabytes. What people read shows each such value bounded
 * (`shortened`); what machines read (the JSON report's data, ids, fingerprints) keeps it exactly.
 */
import { describe, expect, it } from 'vitest';
import { render } from '../../src/index.js';
import { MAX_SHOWN_CHARS, shortened } from '../../src/model/text.js';
import { runPipeline } from '../../src/pipeline.js';
import { formatMessage } from '../../src/rules/define-rule.js';
import { cluster, compliantEstate, gap, group, key, NOW, rootVolume } from '../helpers/inventory.js';

const MB = 1_000_000;
const CLUSTER = `c${'x'.repeat(MB)}`;
const GROUP = `g${'y'.repeat(MB)}`;
const ALIAS = `alias/${'a'.repeat(MB)}`;

function longReport() {
  const base = compliantEstate();
  const k = key('k9', { aliases: [ALIAS] });
  const c = cluster(CLUSTER, [group(GROUP, { volumes: [rootVolume(k.arn)] })], {
    tags: { [`o${'t'.repeat(MB)}`]: 'v'.repeat(MB), project: 'p' },
  });
  const inventory = {
    ...base,
    clusters: [...base.clusters, c],
    keys: [...base.keys, k],
    gaps: [
      gap({ operation: 'DescribeCluster', service: 'sagemaker', resource: c.arn, message: `no ${CLUSTER}` }),
    ],
  };
  return runPipeline(inventory, { now: new Date(NOW) }).report;
}

/** The longest line of a text, in characters. */
const longestLine = (text: string) => Math.max(...text.split('\n').map((line) => line.length));

describe('shortened', () => {
  it('cuts at `max` characters, marked, and leaves shorter text alone', () => {
    expect(shortened('abcdef', 4)).toBe('abc…');
    expect(shortened('abcd', 4)).toBe('abcd');
  });

  it('never cuts a character beyond U+FFFF in half (a lone surrogate is no text)', () => {
    const text = `ab${'\u{1f600}'.repeat(10)}`;
    // Cut after "ab", one emoji and one UTF-16 unit would split the second emoji's two halves.
    expect(shortened(text, 5)).toBe('ab\u{1f600}…');
    expect(shortened(text, 6)).toBe('ab\u{1f600}…');
    expect(shortened(text, 7)).toBe('ab\u{1f600}\u{1f600}…');
  });
});

describe('finding messages', () => {
  it('show each value of their template bounded', () => {
    const message = formatMessage('cluster {{name}} lacks {{tags}}', { name: CLUSTER, tags: 'owner' });
    expect(message).toBe(`cluster ${shortened(CLUSTER, MAX_SHOWN_CHARS)} lacks owner`);
  });

  it('a report of megabyte names keeps them exactly in its data and ids, and each message short', () => {
    const report = longReport();
    expect(report.clusters.map((c) => c.name)).toContain(CLUSTER);
    const tagged = report.findings.find(
      (f) => f.ruleId === 'kms-key-required-tags' && f.resource.id.endsWith('/k9'),
    )!;
    expect([tagged.status, tagged.resource.id]).toEqual([
      'FAIL',
      'arn:aws:kms:us-east-1:111122223333:key/k9',
    ]);
    expect(tagged.message).toContain(shortened(ALIAS, MAX_SHOWN_CHARS));
    const required = report.findings.find(
      (f) => f.ruleId === 'hyperpod-cluster-required-tags' && f.resource.cluster === CLUSTER,
    )!;
    expect(required.status).toBe('FAIL');
    for (const f of report.findings)
      expect([f.ruleId, f.message.length < 4 * MAX_SHOWN_CHARS]).toEqual([f.ruleId, true]);
  });
});

describe('the table', () => {
  it('has no line longer than a few KB, and shows each long name shortened', () => {
    const table = render(longReport(), 'table', { limit: 0 });
    // A line repeats at most two long values (a message's alias and clusters): a few KB.
    expect(longestLine(table)).toBeLessThan(3 * MAX_SHOWN_CHARS);
    expect(table).toContain(shortened(CLUSTER, MAX_SHOWN_CHARS));
    const arn = `arn:aws:sagemaker:us-east-1:111122223333:cluster/${CLUSTER}`;
    expect(table.split('\n')).toContain(
      `  aws.access_denied sagemaker:DescribeCluster 111122223333 us-east-1 ${shortened(arn, MAX_SHOWN_CHARS)}: ${shortened(`no ${CLUSTER}`, MAX_SHOWN_CHARS)}`,
    );
    expect(table).toContain('GAPS (1)');
  });

  it('Markdown (a pull-request comment) has no line longer than a few KB either', () => {
    const markdown = render(longReport(), 'markdown');
    expect(longestLine(markdown)).toBeLessThan(3 * MAX_SHOWN_CHARS);
    expect(markdown).toContain(`| ${shortened(CLUSTER, MAX_SHOWN_CHARS)} |`);
  });

  it('GitHub annotations have no line longer than a few KB either', () => {
    const annotations = render(longReport(), 'github');
    expect(longestLine(annotations)).toBeLessThan(3 * MAX_SHOWN_CHARS);
    expect(annotations).toContain(`::${shortened(CLUSTER, MAX_SHOWN_CHARS)}: cluster lacks required tags`);
  });

  it('JSON keeps every name whole', () => {
    const json = JSON.parse(render(longReport(), 'json')) as { clusters: { name: string }[] };
    expect(json.clusters.map((c) => c.name)).toContain(CLUSTER);
  });
});
