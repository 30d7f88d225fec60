/**
 * `evaluate FILE --format json -o out.json` streams the report to the file: the writer receives it
 * in bounded buffers, never as one string, the bytes are those of `--format json` to stdout, and a
 * write that fails part-way leaves the previous report and no temporary file.
 */
import { mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { STREAM_BUFFER_BYTES, writeFileAtomic } from '../../src/files/write.js';
import { serializeSnapshot } from '../../src/model/snapshot.js';
import {
  cluster,
  compliantEstate,
  group,
  key,
  NOW,
  rootVolume,
  secondaryVolume,
} from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';

/** The size of every data write, and a failure injected at the n-th one (disk full part-way). */
const writes = vi.hoisted(() => ({ sizes: [] as number[], failAt: 0 }));
vi.mock('node:fs', async (original) => {
  const real = await original<typeof import('node:fs')>();
  return {
    ...real,
    writeSync: ((...args: Parameters<typeof real.writeSync>) => {
      writes.sizes.push((args[1] as { length: number }).length);
      if (writes.failAt > 0 && writes.sizes.length >= writes.failAt)
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return (real.writeSync as (...a: unknown[]) => number)(...args);
    }) as typeof real.writeSync,
  };
});
afterEach(() => {
  writes.sizes = [];
  writes.failAt = 0;
});

const tmp = () => realpathSync(mkdtempSync(join(tmpdir(), 'streamed-report-')));

/** An estate whose JSON report is several times the stream buffer. */
function largeEstate() {
  const base = compliantEstate();
  const keys = Array.from({ length: 40 }, (_, i) =>
    key(`k${i}`, i % 3 ? {} : { rotation: { enabled: false }, aliases: [`alias/"quoted\u2028${i}`] }),
  );
  const clusters = Array.from({ length: 200 }, (_, c) =>
    cluster(
      `c${c}`,
      Array.from({ length: 4 }, (_, g) =>
        group(`g${g}`, {
          volumes: [
            rootVolume(keys[(c + g) % keys.length]!.arn),
            secondaryVolume(g % 2 ? null : keys[c % 40]!.arn),
          ],
        }),
      ),
      { tags: { owner: `team\u001b[31m${c}`, project: 'llm' } },
    ),
  );
  return { ...base, clusters: [...base.clusters, ...clusters], keys: [...base.keys, ...keys] };
}

describe('evaluate --format json -o', () => {
  it('streams the report in bounded buffers, the same report as --format json on stdout', {
    timeout: 120_000,
  }, async () => {
    const root = tmp();
    writeFileSync(join(root, 'estate.json'), serializeSnapshot(largeEstate()));
    const io = memoryIo({ cwd: root });
    const args = ['evaluate', 'estate.json', '--now', NOW, '--format', 'json'];
    writes.sizes = [];
    expect(await runCli([...args, '-o', 'out.json'], io)).toBe(1);
    const sizes = writes.sizes;
    const file = readFileSync(join(root, 'out.json'), 'utf8');
    expect(io.err()).toBe('hyperpod-cmk: json report written to out.json\n');

    const stdout = memoryIo({ cwd: root });
    expect(await runCli(args, stdout)).toBe(1);
    // stdout escapes U+2028 for the terminal (the same JSON value); the file holds the exact bytes.
    expect(JSON.parse(file)).toEqual(JSON.parse(stdout.out()));
    expect(file).toBe(`${JSON.stringify(JSON.parse(file), null, 2)}\n`);
    expect(file).toContain('quoted\u20283');
    expect(JSON.parse(file).findings.length).toBeGreaterThan(5_000);

    const bytes = Buffer.byteLength(file, 'utf8');
    expect(bytes).toBeGreaterThan(3 * STREAM_BUFFER_BYTES);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(bytes);
    expect(sizes.length).toBeGreaterThan(3);
    // Each write is one buffer at most, never the whole report.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(STREAM_BUFFER_BYTES);
    expect(readdirSync(root).sort()).toEqual(['estate.json', 'out.json']);
  });

  it('a write that fails part-way leaves the previous report and no temporary file', {
    timeout: 60_000,
  }, async () => {
    const root = tmp();
    writeFileSync(join(root, 'estate.json'), serializeSnapshot(largeEstate()));
    writeFileSync(join(root, 'out.json'), 'previous\n');
    const io = memoryIo({ cwd: root });
    writes.failAt = 3;
    const code = await runCli(
      ['evaluate', 'estate.json', '--now', NOW, '--format', 'json', '-o', 'out.json'],
      io,
    );
    expect(code).toBe(2);
    expect(writes.sizes.length).toBe(3);
    expect(io.err()).toBe(
      'hyperpod-cmk: out.json: cannot write the report: ENOSPC: no space left on device\n',
    );
    expect(readFileSync(join(root, 'out.json'), 'utf8')).toBe('previous\n');
    expect(readdirSync(root).sort()).toEqual(['estate.json', 'out.json']);
  });
});

describe('writeFileAtomic with text in pieces', () => {
  it('writes the pieces in order, gathered into bounded buffers', () => {
    const root = tmp();
    const piece = `${'é'.repeat(1000)}\u2028"\n`;
    const pieces = function* () {
      for (let i = 0; i < 3000; i++) yield `${i}:${piece}`;
    };
    writeFileAtomic(join(root, 'x.txt'), pieces());
    const expected = [...pieces()].join('');
    expect(readFileSync(join(root, 'x.txt'), 'utf8')).toBe(expected);
    expect(writes.sizes.length).toBeGreaterThan(2);
    expect(writes.sizes.reduce((a, b) => a + b, 0)).toBe(Buffer.byteLength(expected));
    expect(Math.max(...writes.sizes)).toBeLessThanOrEqual(STREAM_BUFFER_BYTES);
    // The buffer is filled before it is written: only a piece that does not fit starts the next.
    const pieceBytes = Buffer.byteLength(`2999:${piece}`);
    for (const size of writes.sizes.slice(0, -1))
      expect(size).toBeGreaterThan(STREAM_BUFFER_BYTES - pieceBytes);
  });

  const utf8Cases: [string, string[]][] = [
    ['a surrogate pair split between two pieces', ['key \ud83d', '\udd11 end']],
    ['a pair split over three pieces with an empty one between', ['\ud83d', '', '\udd11']],
    ['a lone high surrogate ending a piece, then text', ['a\ud800', 'b']],
    ['a lone high surrogate ending the stream', ['a', 'b\ud800']],
    ['two high surrogates, then a low one', ['\ud800', '\ud83d', '\udd11']],
    ['a lone low surrogate starting a piece', ['a', '\udc00b']],
    ['only a high surrogate', ['\udbff']],
    [
      'a piece longer than the buffer, of pairs cut at every slice',
      ['x', '🔑'.repeat(STREAM_BUFFER_BYTES / 2 + 3), 'y'],
    ],
    [
      'a piece longer than the buffer, of three-byte characters and a lone surrogate at the end',
      ['é', `${'\u2028'.repeat(STREAM_BUFFER_BYTES / 2)}\ud800`, '\udc00'],
    ],
    [
      'an ASCII piece of exactly the buffer after a partly filled buffer',
      ['ab', 'c'.repeat(STREAM_BUFFER_BYTES)],
    ],
  ];
  it.each(utf8Cases)('writes the same bytes as the joined text: %s', (_, pieces) => {
    const root = tmp();
    writeFileAtomic(join(root, 'x.txt'), pieces[Symbol.iterator]());
    const expected = Buffer.from(pieces.join(''), 'utf8');
    expect(readFileSync(join(root, 'x.txt')).equals(expected)).toBe(true);
    expect(writes.sizes.reduce((a, b) => a + b, 0)).toBe(expected.length);
    expect(Math.max(...writes.sizes)).toBeLessThanOrEqual(STREAM_BUFFER_BYTES);
    // The same text given whole.
    writes.sizes = [];
    writeFileAtomic(join(root, 'whole.txt'), pieces.join(''));
    expect(readFileSync(join(root, 'whole.txt')).equals(expected)).toBe(true);
    expect(Math.max(...writes.sizes)).toBeLessThanOrEqual(STREAM_BUFFER_BYTES);
  });

  it('a text longer than the buffer, given whole, is written a buffer at a time', () => {
    const root = tmp();
    const text = `${'é🔑a'.repeat(STREAM_BUFFER_BYTES / 2)}\n`;
    writeFileAtomic(join(root, 'x.txt'), text);
    const expected = Buffer.from(text, 'utf8');
    expect(readFileSync(join(root, 'x.txt')).equals(expected)).toBe(true);
    expect(writes.sizes.length).toBeGreaterThan(3);
    expect(Math.max(...writes.sizes)).toBeLessThanOrEqual(STREAM_BUFFER_BYTES);
  });

  it('a piece that cannot be made leaves the previous file and no temporary file', () => {
    const root = tmp();
    writeFileSync(join(root, 'x.txt'), 'previous\n');
    const pieces = function* () {
      yield 'a'.repeat(STREAM_BUFFER_BYTES + 1);
      throw new Error('the report could not be made');
    };
    expect(() => writeFileAtomic(join(root, 'x.txt'), pieces())).toThrow('the report could not be made');
    expect(readFileSync(join(root, 'x.txt'), 'utf8')).toBe('previous\n');
    expect(readdirSync(root)).toEqual(['x.txt']);
  });

  it('an empty stream writes an empty file', () => {
    const root = tmp();
    writeFileAtomic(join(root, 'x.txt'), [][Symbol.iterator]());
    expect(readFileSync(join(root, 'x.txt'), 'utf8')).toBe('');
  });

  it('pieces to a device are written in place', () => {
    expect(() => writeFileAtomic('/dev/null', ['a', 'b'])).not.toThrow();
    expect(writes.sizes).toEqual([2]);
  });
});
