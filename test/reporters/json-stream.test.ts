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
import {
  BATCH_TARGET_LENGTH,
  lazyArrayInDocument,
  renderJson,
  renderJsonChunks,
} from '../../src/reporters/json.js';
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

  it('yields the findings in bounded batches, many per piece, never the whole findings array at once', () => {
    const [, report] = reports[0]!;
    const chunks = [...renderJsonChunks(report)];
    expect(report.findings.length).toBeGreaterThan(100);
    const findingsText = JSON.stringify({ findings: report.findings }, null, 2).length;
    expect(findingsText).toBeGreaterThan(4 * BATCH_TARGET_LENGTH);
    const longestChunk = Math.max(...chunks.map((chunk) => chunk.length));
    // A batch aims at the target; it may overshoot it by the elements of one batch at most.
    expect(longestChunk).toBeLessThan(findingsText / 3);
    // Many findings per JSON.stringify call: far fewer pieces than findings.
    expect(chunks.length).toBeLessThan(report.findings.length / 2);
  });

  it('batches a large array into pieces near the target length, and the same bytes', () => {
    const findings = Array.from({ length: 5_000 }, (_, i) => ({
      id: i,
      // Lengths vary, so that the batch size is adjusted as it goes.
      text: `é🔑\u2028"${'x'.repeat(i % 97)}`,
      list: i % 3 ? [] : [i, { nested: [i] }],
    }));
    const value = { head: 1, findings, tail: [] };
    const chunks = [...renderJsonChunks(value as unknown as Report)];
    expect(chunks.join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
    expect(chunks.length).toBeLessThan(200);
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThan(4 * BATCH_TARGET_LENGTH);
  });

  it('an element with toJSON in a batched array is serialised on its own, with its own index', () => {
    const seen: string[] = [];
    const withKey = (text: string) => ({
      toJSON(key: string) {
        seen.push(key);
        return `${text}@${key}`;
      },
    });
    const value = {
      a: [1, { b: 2 }, withKey('x'), 3, 4, withKey('y'), { toJSON: () => undefined }, new Date(0), 5],
      b: [withKey('only')],
      c: Array.from({ length: 300 }, (_, i) => (i % 50 === 49 ? withKey(`k${i}`) : { i })),
    };
    const expected = `${JSON.stringify(value, null, 2)}\n`;
    const keysOfStringify = [...seen];
    seen.length = 0;
    expect(streamed(value as unknown as Report)).toBe(expected);
    expect(seen).toEqual(keysOfStringify);
    expect(seen.slice(0, 3)).toEqual(['2', '5', '0']);
  });

  it('reads each element of a batched array once, in order', () => {
    const reads: number[] = [];
    const array: unknown[] = [];
    for (let i = 0; i < 40; i++)
      Object.defineProperty(array, i, {
        get: () => {
          reads.push(i);
          return i % 7 ? { i } : i % 2 ? new Date(i) : undefined;
        },
        enumerable: true,
      });
    const text = streamed({ a: array } as unknown as Report);
    expect(reads).toEqual(Array.from({ length: 40 }, (_, i) => i));
    reads.length = 0;
    expect(text).toBe(`${JSON.stringify({ a: array }, null, 2)}\n`);
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
    [
      'undefined, functions and symbols as batched elements and as their members',
      { a: [undefined, { x: undefined, y: () => 1, z: Symbol('s'), w: 1 }, () => 1, Symbol('s'), {}, []] },
    ],
    [
      'unicode and lone surrogates in batched elements',
      {
        a: ['\ud800', 'a\udfffb', '\ud83d\udd11', { '\udc00': '\ud83d' }, 'e\u0301\u2028\u2029\u0000\u007f'],
      },
    ],
    ['empty arrays as and inside batched elements', { a: [[], {}, [[]], { b: [] }], c: [] }],
    ['a batch of one element and of nulls', { a: [null], b: [null, null, 0, false, ''] }],
    [
      'the whole value an array: elements taken apart, their arrays batched deeper',
      [[1, [2, { c: [3, { d: 4 }] }]], { e: [5, [6], { f: 'g' }] }, [], 7, null],
    ],
    ['an array whose elements have toJSON only', { a: [new Date(0), new Date(1)] }],
  ];
  it.each(special)('matches JSON.stringify where it is special: %s', (_, value) => {
    expect(streamed(value as Report)).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });
});

describe('lazily made arrays, streamed', () => {
  const element = (i: number) => ({
    id: i,
    text: `line\nbreak "quoted" ${'é'.repeat(i % 3)}`,
    nested: { list: [i, [i + 1, { deep: true }]], empty: [], none: {} },
  });
  // Each document with its large array in it; the array may sit at any depth, between members.
  const documents: [string, (items: unknown) => unknown][] = [
    ['a top-level array', (items) => items],
    ['an array in an object', (items) => ({ Findings: items })],
    ['an array two levels down, between members', (items) => ({ a: 1, runs: { results: items, b: [2] } })],
    ['an array inside an array', (items) => [{ run: [items] }, 'x']],
  ];

  it('are the bytes of JSON.stringify, for none, one, a batch, a batch and one, and many', () => {
    for (const [name, wrap] of documents)
      for (const count of [0, 1, 256, 257, 600]) {
        const items = Array.from({ length: count }, (_, i) => element(i));
        const made: number[] = [];
        const lazily = (function* () {
          for (const [i, item] of items.entries()) {
            made.push(i);
            yield item;
          }
        })();
        const pieces = [...lazyArrayInDocument(wrap, lazily)];
        expect(pieces.join(''), `${name}, ${count}`).toBe(`${JSON.stringify(wrap(items), null, 2)}\n`);
        expect(made, `${name}, ${count}`).toEqual(items.map((_, i) => i));
        // The text before, a piece per batch, and the close.
        expect(pieces.length, `${name}, ${count}`).toBe(Math.ceil(count / 256) + 2);
      }
  });

  it('with a batch length, the same bytes in batches of about that length: the first element alone', () => {
    // Elements of 1,000 characters and more (as serialised at their depth), up to 256 at a time.
    const large = (i: number) => ({ id: i, text: 'x'.repeat(1000 + (i % 7)) });
    for (const [name, wrap] of documents)
      for (const count of [0, 1, 2, 30, 1000]) {
        const items = Array.from({ length: count }, (_, i) => large(i));
        const pieces = [...lazyArrayInDocument(wrap, items, { batchLength: 10_000 })];
        expect(pieces.join(''), `${name}, ${count}`).toBe(`${JSON.stringify(wrap(items), null, 2)}\n`);
        const batches = pieces.slice(1, -1).map((piece) => piece.split('"id": ').length - 1);
        // The first alone, then as many as made 10,000 characters before: nine of about 1,030.
        const expected =
          count === 0 ? [] : [1, ...Array.from({ length: Math.ceil((count - 1) / 9) }, () => 9)];
        if (count > 1) expected[expected.length - 1] = (count - 1) % 9 || 9;
        expect(batches, `${name}, ${count}`).toEqual(expected);
      }
  });
});
