import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GITHUB_MAX_GZIP_BYTES, gzipMeter } from '../../src/cli/sarif-upload.js';

describe('gzipMeter: whether a file written in pieces is over a gzip-compressed size', () => {
  it('passes the pieces through unchanged, and measures one block as gzip does', () => {
    const pieces = Array.from({ length: 50 }, () => randomBytes(300).toString('base64'));
    const exact = gzipSync(pieces.join('')).length;
    const at = gzipMeter(pieces, exact);
    expect([...at.pieces]).toEqual(pieces);
    expect(at.over()).toBe(false);
    const below = gzipMeter(pieces, exact - 1);
    expect([...below.pieces].join('')).toBe(pieces.join(''));
    expect(below.over()).toBe(true);
  });

  it('measures text of several blocks', () => {
    // 24 MiB of a repeated line: far under 10 MB compressed.
    const line = `${JSON.stringify({ ruleId: 'kms-key-rotation-enabled', level: 'warning' })}\n`;
    const pieces = (function* () {
      for (let i = 0; i < (24 << 20) / line.length; i++) yield line;
    })();
    const meter = gzipMeter(pieces);
    let length = 0;
    for (const piece of meter.pieces) length += piece.length;
    expect(length).toBeGreaterThan((24 << 20) - line.length);
    expect(meter.over()).toBe(false);
    expect(GITHUB_MAX_GZIP_BYTES).toBe(10_000_000);
  });
});
