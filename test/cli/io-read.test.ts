/**
 * The CLI reads a file as bytes, then decodes them (faster than readFileSync's own decoding on
 * Node 20): the text is exactly what readFileSync(path, 'utf8') gives, invalid bytes included.
 */
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processIo } from '../../src/cli/io.js';

describe('processIo().readFile', () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'io-read-')));
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['ASCII JSON', Buffer.from('{"a": [1, "b"]}\n')],
    ['multi-byte characters and a pair', Buffer.from('é \u2028 🔑 e\u0301', 'utf8')],
    ['a byte order mark', Buffer.from('\ufeff{}', 'utf8')],
    [
      'invalid and truncated sequences',
      Buffer.from([0x7b, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0xf0, 0x9f, 0x94, 0x7d]),
    ],
    ['an encoded lone surrogate', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])],
    ['NUL and control bytes', Buffer.from([0x00, 0x1b, 0x5b, 0x32, 0x4a, 0x0a])],
    ['a pair cut by the end of the file', Buffer.from([0x61, 0xf0, 0x9f, 0x94])],
  ];
  it.each(cases)('gives the text readFileSync(path, "utf8") gives: %s', (name, bytes) => {
    const path = join(root, `${name.replaceAll(' ', '-')}.json`);
    writeFileSync(path, bytes);
    expect(processIo().readFile(path)).toBe(readFileSync(path, 'utf8'));
  });

  it('a directory is refused as readFileSync refuses it', () => {
    expect(() => processIo().readFile(root)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
  });
});
