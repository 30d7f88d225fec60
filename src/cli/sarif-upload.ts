/**
 * What GitHub code scanning will make of a SARIF log this run writes, said on stderr: results left
 * out to stay within its limit on results per run, more results than it accepts (the cap raised or
 * lifted), and a file larger than it accepts once gzip-compressed. The limits:
 * https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/results-exceed-limit
 * https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/file-too-large
 */
import { gzipSync } from 'node:zlib';
import type { Report } from '../model/report.js';
import { countSarifResults, GITHUB_MAX_RESULTS, omittedKinds } from '../reporters/sarif.js';
import { inputError } from './errors.js';

/**
 * The most a SARIF file may weigh gzip-compressed for code scanning to accept it: 10 MB, read as
 * 10,000,000 bytes (the lower reading, so that the warning is never late).
 */
export const GITHUB_MAX_GZIP_BYTES = 10_000_000;

/**
 * --sarif-max-results: a whole number, or `none` (or 0) for every result. No cap is `Infinity`,
 * which every count is below.
 */
export function parseSarifMaxResults(value: string): number {
  if (value === 'none') return Number.POSITIVE_INFINITY;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0)
    throw inputError({
      code: 'usage.sarif_max_results',
      input: '--sarif-max-results',
      message: `"${value}" is not a whole number or none`,
      hint: `--sarif-max-results ${GITHUB_MAX_RESULTS} is GitHub code scanning's limit; none (or 0) writes every result`,
    });
  return n === 0 ? Number.POSITIVE_INFINITY : n;
}

/** Text in blocks of this many UTF-16 code units is compressed at once. */
const BLOCK = 4 << 20;

/**
 * The pieces of a file as they are written, and whether they weigh more than `limit` bytes once
 * gzip-compressed (`over()`, once every piece has been read), as the upload-sarif action compresses
 * them (zlib's default level). The pieces are compressed a block at a time, never held whole;
 * deflate looks back 32 KiB only, so blocks compressed apart come to little more than one stream
 * (0.8% more on a 59 MB log): an estimate from above. Once over the limit, nothing more is compressed.
 */
export function gzipMeter(
  pieces: Iterable<string>,
  limit: number = GITHUB_MAX_GZIP_BYTES,
): { pieces: Iterable<string>; over(): boolean } {
  let compressed = 0;
  let block: string[] = [];
  let length = 0;
  const compress = () => {
    if (compressed <= limit && length > 0) compressed += gzipSync(block.join('')).length;
    block = [];
    length = 0;
  };
  function* metered(): Generator<string> {
    for (const piece of pieces) {
      yield piece;
      if (compressed > limit) continue;
      block.push(piece);
      length += piece.length;
      if (length >= BLOCK) compress();
    }
    compress();
  }
  return { pieces: metered(), over: () => compressed > limit };
}

const counted = (n: number) => n.toLocaleString('en-US');

/**
 * What code scanning would make of a SARIF log written with `maxResults`, as stderr lines:
 * `results`, the results left out and more results than it accepts; `size`, the line to write
 * should the log be over its size once compressed, which only a log it would otherwise accept
 * is measured for (an organisation's whole log is hundreds of MB, seconds to compress).
 */
export function sarifResultNotices(
  report: Report,
  maxResults: number,
  where: string,
): { results: string[]; size?: string } {
  const count = countSarifResults(report, maxResults);
  const results: string[] = [];
  if (count.written < count.total) {
    results.push(
      `hyperpod-cmk: warning: ${where} holds the ${counted(count.written)} most urgent of ${counted(count.total)} ` +
        `results (--sarif-max-results ${maxResults}; GitHub code scanning rejects a run of more than ` +
        `${counted(GITHUB_MAX_RESULTS)}): left out ${counted(count.total - count.written)} ` +
        `(${omittedKinds(count.omitted)}); ` +
        'every finding is in the JSON report (-o report.json)',
    );
  }
  if (count.written > GITHUB_MAX_RESULTS) {
    results.push(
      `hyperpod-cmk: warning: ${where} holds ${counted(count.written)} results: GitHub code scanning rejects ` +
        `a run of more than ${counted(GITHUB_MAX_RESULTS)} (--sarif-max-results ${GITHUB_MAX_RESULTS} keeps the most urgent)`,
    );
    return { results };
  }
  const size =
    `hyperpod-cmk: warning: ${where} is more than ${GITHUB_MAX_GZIP_BYTES / 1_000_000} MB gzip-compressed: ` +
    'GitHub code scanning rejects the upload; lower --sarif-max-results to write fewer results';
  return { results, size };
}
