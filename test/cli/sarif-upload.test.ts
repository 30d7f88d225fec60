import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GITHUB_MAX_GZIP_BYTES, gzipMeter, sarifResultNotices } from '../../src/cli/sarif-upload.js';
import type { Finding } from '../../src/model/finding.js';
import { canonicalReport } from '../reporters/fixture.js';

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

describe('sarifResultNotices: what code scanning would refuse of a log, for stderr', () => {
  /** A report of `count` open failures and one suppressed, made from the canonical fixture's. */
  function reportOf(count: number) {
    const report = canonicalReport();
    const model = { ...report.findings.find((f) => f.status === 'FAIL' && !f.suppressed)! };
    const findings: Finding[] = Array.from({ length: count }, () => model);
    findings.push({ ...model, suppressed: { reason: 'accepted', expires: null } });
    return { ...report, findings };
  }
  const SIZE =
    'hyperpod-cmk: warning: out.sarif is more than 10 MB gzip-compressed: GitHub code scanning rejects ' +
    'the upload; lower --sarif-max-results to write fewer results';

  it('nothing to say of a log within the cap; its size is measured', () => {
    expect(sarifResultNotices(reportOf(9), 25_000, 'out.sarif')).toEqual({ results: [], size: SIZE });
  });

  it('a cap raised above 25,000 and still cutting: both what was left out and that code scanning rejects it, no size', () => {
    expect(sarifResultNotices(reportOf(25_001), 25_001, 'out.sarif')).toEqual({
      results: [
        'hyperpod-cmk: warning: out.sarif holds the 25,001 most urgent of 25,002 results (--sarif-max-results ' +
          '25001; GitHub code scanning rejects a run of more than 25,000): left out 1 (0 failed, 0 unknown, ' +
          '1 suppressed); every finding is in the JSON report (-o report.json)',
        'hyperpod-cmk: warning: out.sarif holds 25,001 results: GitHub code scanning rejects a run of more ' +
          'than 25,000 (--sarif-max-results 25000 keeps the most urgent)',
      ],
    });
  });
});
