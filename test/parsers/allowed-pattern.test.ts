/**
 * The AllowedPattern checker (its use by the stack reader is in cloudformation-conformance.test.ts):
 * a pattern from a pull request runs within a time per check and per scan, and one too long or in
 * Java syntax JavaScript reads otherwise is not run; each is a reason, never a verdict.
 */
import { describe, expect, it } from 'vitest';
import { PatternChecker } from '../../src/parsers/cloudformation/allowed-pattern.js';

const BACKTRACKS = '(a+)+$';
const SUBJECT = `${'a'.repeat(40)}!`;

describe('AllowedPattern checks', () => {
  it('match the whole value, each of a list', () => {
    const checker = new PatternChecker();
    expect(checker.check('[a-z]+', ['team'])).toEqual({ checked: true, matches: true });
    expect(checker.check('[a-z]+', ['team-a'])).toEqual({ checked: true, matches: false });
    expect(checker.check('[a-z]+', ['a', 'b', 'C'])).toEqual({ checked: true, matches: false });
  });

  it("stop a pattern that backtracks at the time of one check, and no pattern runs once the scan's is spent", () => {
    // One check that runs out its 20 ms spends the scan's 20 ms.
    const checker = new PatternChecker({ checkMs: 20, scanMs: 20 });
    expect(checker.check(BACKTRACKS, [SUBJECT])).toEqual({
      checked: false,
      why: 'it takes too long to match (it backtracks)',
    });
    expect(checker.check('[a-z]+', ['team'])).toEqual({
      checked: false,
      why: 'the scan has spent its 20 ms for such checks',
    });
  });

  it('do not run a pattern too long, nor Java syntax JavaScript reads otherwise', () => {
    const checker = new PatternChecker();
    expect(checker.check('a'.repeat(4_097), ['a'])).toEqual({
      checked: false,
      why: 'it is longer than 4096 characters',
    });
    for (const pattern of ['a++', '(?i)abc', '\\p{Lower}+', '\\Qa.b\\E'])
      expect(checker.check(pattern, ['a']).checked, pattern).toBe(false);
  });
});
