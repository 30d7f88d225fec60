/**
 * A parameter's `AllowedPattern`, checked as CloudFormation checks it: a Java regular expression
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-regexes.html) that "must
 * match the entire parameter value" of a String, and each value of a CommaDelimitedList (User
 * Guide, Parameters: AllowedPattern,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html).
 *
 * The pattern comes from the template, which may come from a pull request, and JavaScript's
 * regular expressions backtrack: `(a+)+$` on forty `a`s and a `!` runs for minutes. So each check
 * runs in a `node:vm` context with a timeout (V8 stops a running match when it is out of time),
 * and the checks of a scan share a time budget: a pattern that takes too long, or one checked once
 * the budget is spent, is not a verdict but an UNKNOWN.
 *
 * Java and JavaScript share most of the syntax. What one writes differently, or means differently
 * (possessive quantifiers, inline flags, `\p{Lower}`, `\Q...\E`, `\v`, classes nested in classes
 * or intersected with `&&`), is not run: the check is UNKNOWN rather than another language's answer.
 * An escaped punctuation character (`\-`, `\@`), which Java takes anywhere and JavaScript's Unicode
 * mode only for its own syntax characters, is written as its code point.
 */
import { performance } from 'node:perf_hooks';
import { createContext, Script } from 'node:vm';

export type PatternCheck = { checked: true; matches: boolean } | { checked: false; why: string };

/** How long one check may run (a pattern that does not backtrack takes microseconds). */
const CHECK_MS = 100;
/** How long all the checks of a scan may run together. */
const SCAN_MS = 2_000;
/** A longer pattern is not run (a hand-written one is a few dozen characters). */
const MAX_PATTERN = 4_096;

/** Escapes whose meaning Java and JavaScript do not share, or that JavaScript has not. */
const JAVA_ONLY_ESCAPES = new Set([
  '0',
  'v',
  'h',
  'H',
  'V',
  'R',
  'X',
  'Q',
  'E',
  'A',
  'z',
  'Z',
  'G',
  'e',
  'a',
  'p',
  'P',
  'N',
]);

/** What matches differently on text that is not ASCII: `.` (Java's excludes U+0085), `\s`, `\b`. */
const UNICODE_SENSITIVE_ESCAPES = new Set(['s', 'S', 'b', 'B']);

type Translation = { source: string; asciiOnly: boolean } | { unsupported: string };

/** A Java pattern as a JavaScript one (Unicode mode) that matches the same, or what stops that. */
export function javaPatternToJavaScript(pattern: string): Translation {
  let source = '';
  let inClass = false;
  let asciiOnly = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\') {
      const next = pattern.codePointAt(i + 1);
      if (next === undefined) return { unsupported: 'a pattern that ends in a backslash' };
      const escaped = String.fromCodePoint(next);
      i += escaped.length;
      if (/^[A-Za-z0-9]$/.test(escaped)) {
        if (JAVA_ONLY_ESCAPES.has(escaped)) return { unsupported: `\\${escaped}` };
        if (UNICODE_SENSITIVE_ESCAPES.has(escaped)) asciiOnly = true;
        source += `\\${escaped}`;
      } else source += `\\u{${next.toString(16)}}`;
      continue;
    }
    if (inClass) {
      if (char === '[') return { unsupported: 'a class inside a class' };
      if (char === '&' && pattern[i + 1] === '&') return { unsupported: 'a class intersection (&&)' };
      if (char === ']') inClass = false;
    } else if (char === '[') inClass = true;
    else if (char === '.') asciiOnly = true;
    else if (
      char === '(' &&
      pattern[i + 1] === '?' &&
      !/^\?(?::|=|!|<=|<!|<[A-Za-z])/.test(pattern.slice(i + 1, i + 4))
    )
      return { unsupported: `the group ${pattern.slice(i, i + 3)}` };
    else if ((char === '+' || char === '*' || char === '?' || char === '}') && pattern[i + 1] === '+')
      return { unsupported: 'a possessive quantifier' };
    source += char;
  }
  return { source: `^(?:${source})$`, asciiOnly };
}

const CHECK = new Script(
  '(() => { const pattern = new RegExp(source, "u"); for (const value of values) if (!pattern.test(value)) return false; return true; })()',
);

/** Runs the AllowedPattern checks of one scan, within the scan's time for them. */
export class PatternChecker {
  private spent = 0;
  private context: ReturnType<typeof createContext> | undefined;

  /** `checkMs` and `scanMs`: how long one check, and all of them, may run (CHECK_MS, SCAN_MS). */
  constructor(
    private readonly budget: { checkMs: number; scanMs: number } = { checkMs: CHECK_MS, scanMs: SCAN_MS },
  ) {}

  check(pattern: string, values: readonly string[]): PatternCheck {
    if (pattern.length > MAX_PATTERN)
      return { checked: false, why: `it is longer than ${MAX_PATTERN} characters` };
    const translated = javaPatternToJavaScript(pattern);
    if ('unsupported' in translated)
      return {
        checked: false,
        why: `it uses Java syntax the scanner does not run (${translated.unsupported})`,
      };
    if (translated.asciiOnly && values.some((value) => /[^\x00-\x7f]/.test(value)))
      return { checked: false, why: 'Java and JavaScript match it differently on text that is not ASCII' };
    const left = this.budget.scanMs - this.spent;
    if (left <= 0)
      return { checked: false, why: `the scan has spent its ${this.budget.scanMs} ms for such checks` };
    this.context ??= createContext(Object.create(null));
    this.context.source = translated.source;
    this.context.values = values;
    const start = performance.now();
    try {
      const matches = CHECK.runInContext(this.context, {
        timeout: Math.min(this.budget.checkMs, Math.ceil(left)),
      });
      return { checked: true, matches: matches === true };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
        return { checked: false, why: 'it takes too long to match (it backtracks)' };
      return { checked: false, why: 'JavaScript cannot run it as Java would' };
    } finally {
      this.spent += performance.now() - start;
      this.context.values = undefined;
    }
  }
}
