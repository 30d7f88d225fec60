/**
 * What `guardrails --iac` and the estate commands (plan, fix, drift, register) say of the errors an
 * IaC scan met before going on without what they cost: one line each, on stderr, its file and
 * message bounded and escaped as every line from data is.
 */
import { describe, expect, it } from 'vitest';
import { iacErrorWarnings } from '../../src/cli/errors.js';
import { MAX_SHOWN_CHARS } from '../../src/model/text.js';

describe('IaC errors as warnings', () => {
  it('says each error once, with its file and line; warnings are left to the report', () => {
    expect(
      iacErrorWarnings([
        {
          code: 'cfn.parse',
          severity: 'error',
          message: 'YAML could not be parsed',
          location: { file: 'a.yaml', line: 7 },
        },
        { code: 'tf.parse', severity: 'error', message: 'unexpected }', location: { file: 'main.tf' } },
        { code: 'input.too_large', severity: 'error', message: 'larger than 10 MiB' },
        { code: 'tf.unused', severity: 'warning', message: 'not used', location: { file: 'b.tf', line: 1 } },
      ]),
    ).toBe(
      'hyperpod-cmk: warning: a.yaml:7: YAML could not be parsed (skipped)\n' +
        'hyperpod-cmk: warning: main.tf: unexpected } (skipped)\n' +
        'hyperpod-cmk: warning: larger than 10 MiB (skipped)\n',
    );
    expect(iacErrorWarnings([])).toBe('');
  });

  it("writes a tenant's file name and message on one line, escaped and bounded", () => {
    const long = 'x'.repeat(MAX_SHOWN_CHARS * 4);
    const text = iacErrorWarnings([
      {
        code: 'cfn.parse',
        severity: 'error',
        message: `bad\n\u001b[2J${long}`,
        location: { file: 'a\u202e.yaml', line: 1 },
      },
    ]);
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toContain('a\\u202e.yaml:1: bad\\x0a\\x1b[2J');
    expect(text.length).toBeLessThan(MAX_SHOWN_CHARS + 200);
  });
});
