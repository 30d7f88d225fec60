/**
 * The streamed JSON report (`-o FILE`) is the same bytes as the JSON reporter's string, piece by
 * piece: on the demo, on the canonical fixture, on a report full of hostile values, and on values
 * JSON.stringify treats specially (undefined members, toJSON, boxed primitives, holes).
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { DEMO_TIME, demoEstate } from '../../src/demo/estate.js';
import type { Report } from '../../src/model/report.js';
import { runPipeline } from '../../src/pipeline.js';
import { renderJson, renderJsonChunks } from '../../src/reporters/json.js';
import { hostileReport } from '../helpers/hostile.js';
import { cluster, compliantEstate, group, key, rootVolume } from '../helpers/inventory.js';
import { canonicalReport } from './fixture.js';

const streamed = (report: Report) => [...renderJsonChunks(report)].join('');

const schema = JSON.parse(readFileSync(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020.default({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateReport = ajv.compile(schema);

/** Names and tags with every character class JSON and terminals treat specially. */
const NASTY = [
  'ctl\u0000\u0001\u001b[2J\u0007\b\f\n\r\t',
  'quote"back\\slash/solidus',
  'line\u2028para\u2029',
  'bidi\u202e\u2066',
  'del\u007fc1\u0085\u009b',
  'lone\ud800surrogate\udfff',
  'emoji 🔑 e\u0301',
  '',
];

function hostileInventoryReport(): Report {
  const base = compliantEstate();
  const keys = NASTY.map((text, i) =>
    key(`k${i}`, {
      aliases: [`alias/${text}`],
      tags: { [text || 'empty']: text, __proto__x: text, constructor: text },
      ...(i % 2 ? { rotation: { enabled: false } } : {}),
    }),
  );
  const clusters = NASTY.map((text, i) =>
    cluster(
      `c${i}-${text}`,
      [group(`g-${text}`, { volumes: [rootVolume(keys[i]!.arn)] }), group(`empty-${i}`, { volumes: [] })],
      { tags: { owner: text, project: `p${i}` } },
    ),
  );
  return runPipeline(
    { ...base, clusters: [...base.clusters, ...clusters], keys: [...base.keys, ...keys] },
    {
      now: new Date('2026-11-27T12:00:00Z'),
      config: resolveConfig({ requiredTags: { clusters: ['owner', 'cost-center'], keys: ['owner'] } }),
    },
  ).report;
}

describe('streamed JSON report', () => {
  const reports: [string, Report][] = [
    ['the demo', runPipeline(demoEstate(), { now: new Date(DEMO_TIME) }).report],
    ['the canonical fixture', canonicalReport()],
    ['the hostile HTML report', hostileReport()],
    ['a report of hostile names, tags and aliases', hostileInventoryReport()],
  ];

  it.each(reports)(
    'is byte-identical to the JSON reporter on %s, and valid against the schema',
    (_, report) => {
      const text = streamed(report);
      expect(text).toBe(renderJson(report));
      expect(text).toBe(`${JSON.stringify(report, null, 2)}\n`);
      expect(validateReport(JSON.parse(text))).toBe(true);
      expect(validateReport.errors ?? []).toEqual([]);
    },
  );

  it('hostile values round-trip unchanged', () => {
    const report = hostileInventoryReport();
    const parsed = JSON.parse(streamed(report)) as Report;
    expect(parsed).toEqual(JSON.parse(JSON.stringify(report)));
    const names = parsed.clusters.map((c) => c.name);
    for (const [i, text] of NASTY.entries()) expect(names).toContain(`c${i}-${text}`);
    // No raw C0 character reaches the file: JSON escapes them.
    expect(streamed(report)).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('yields each finding as its own piece, never the whole findings array at once', () => {
    const [, report] = reports[0]!;
    const chunks = [...renderJsonChunks(report)];
    expect(report.findings.length).toBeGreaterThan(100);
    expect(chunks.length).toBeGreaterThan(report.findings.length);
    const longestFinding = Math.max(
      ...report.findings.map((finding) => JSON.stringify(finding, null, 2).replaceAll('\n', '\n    ').length),
    );
    const longestChunk = Math.max(...chunks.map((chunk) => chunk.length));
    const totalFindings = report.findings.reduce((sum, f) => sum + JSON.stringify(f, null, 2).length, 0);
    expect(longestChunk).toBeLessThan(totalFindings / 10);
    // Every finding is one piece, exactly as it sits in the report.
    for (const finding of report.findings.slice(0, 50))
      expect(chunks).toContain(JSON.stringify(finding, null, 2).replaceAll('\n', '\n    '));
    expect(longestFinding).toBeGreaterThan(0);
  });

  const special: [string, unknown][] = [
    ['undefined members are left out', { a: undefined, b: 1, c: () => 1, d: Symbol('s'), e: [] }],
    ['an object with only undefined members is {}', { a: undefined, b: { c: undefined } }],
    ['undefined, functions and symbols in arrays are null', { a: [undefined, () => 1, Symbol('s'), 2] }],
    ['holes in an array are null', { a: new Array<number>(3).fill(1, 0, 1) }],
    ['empty containers at every depth', { a: [], b: {}, c: [[], {}], d: { e: [], f: {} } }],
    [
      'toJSON at every depth',
      {
        a: new Date('2026-01-01T00:00:00Z'),
        b: [new Date(0), { toJSON: (key: string) => `key:${key}` }],
        c: { toJSON: () => ({ nested: [1, 2] }) },
        d: { toJSON: () => undefined },
        e: [{ toJSON: () => undefined }],
      },
    ],
    ['boxed primitives', { a: new String('s'), b: [new Number(1), new Boolean(false)], c: Object(true) }],
    ['numbers JSON cannot hold are null', { a: Number.NaN, b: [Number.POSITIVE_INFINITY, -0, 1e21] }],
    ['a null-prototype object', { a: Object.assign(Object.create(null), { x: [1, { y: 2 }] }) }],
    ['deep nesting below the streamed depth', { a: [{ b: [{ c: [{ d: 'e\nf' }] }] }] }],
    ['nasty keys', Object.fromEntries(NASTY.map((text, i) => [text, [i, { [text]: text }]]))],
    ['numeric-like keys keep JSON.stringify order', { b: 1, 2: 'two', a: [3], 1: 'one' }],
  ];
  it.each(special)('matches JSON.stringify where it is special: %s', (_, value) => {
    expect(streamed(value as Report)).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });
});
