/**
 * IAM-style wildcards: `*` matches any run of characters, `?` any one character.
 *
 * Policies come from tenants and pull requests, so matching never builds a regular expression from
 * them: a backtracking regex from a pattern such as `*a*a*a*...*b` takes exponential time. This is
 * the iterative two-pointer matcher (on a mismatch, go back to the last `*` and let it swallow one
 * more character): at most O(pattern × value) steps, with no recursion and no allocation beyond the
 * lower-casing of its inputs.
 */

export const hasWildcard = (value: string): boolean => value.includes('*') || value.includes('?');

/**
 * A `*` or `?` that stands for itself in a pattern: what the policy variables `${*}` and `${?}`
 * write, and any character of a variable's value (a substituted value is never a wildcard).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars
 * Two private-use characters carry them through the matcher; `literalText` turns them back.
 */
export const LITERAL_STAR = '\ue02a';
export const LITERAL_QUESTION = '\ue03f';
const LITERAL_STAR_CODE = 0xe02a;
const LITERAL_QUESTION_CODE = 0xe03f;

/** The character a pattern character must equal in the value: a literal `*`/`?` is the character itself. */
const plainCode = (code: number): number =>
  code === LITERAL_STAR_CODE ? 42 : code === LITERAL_QUESTION_CODE ? 63 : code;

const hasLiterals = (pattern: string): boolean =>
  pattern.includes(LITERAL_STAR) || pattern.includes(LITERAL_QUESTION);

/** A pattern's text with its literal `*` and `?` written as themselves. */
export const literalText = (pattern: string): string =>
  hasLiterals(pattern) ? pattern.replaceAll(LITERAL_STAR, '*').replaceAll(LITERAL_QUESTION, '?') : pattern;

/** Counts the comparison steps of the matches it is passed to (tests use it to bound the work). */
export interface GlobWork {
  steps: number;
}

function matchGlob(pattern: string, value: string, work?: GlobWork): boolean {
  let p = 0;
  let v = 0;
  let star = -1; // index in pattern just after the last `*` seen
  let resume = 0; // index in value where that `*` would next stop swallowing
  let steps = 0;
  while (v < value.length) {
    steps++;
    const char = pattern.charCodeAt(p);
    if (p < pattern.length && char === 42 /* * */) {
      // Runs of stars are one star.
      while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
      if (p === pattern.length) {
        if (work) work.steps += steps;
        return true;
      }
      star = p;
      resume = v;
    } else if (p < pattern.length && (char === 63 /* ? */ || plainCode(char) === value.charCodeAt(v))) {
      p++;
      v++;
    } else if (star >= 0) {
      resume++;
      v = resume;
      p = star;
    } else {
      if (work) work.steps += steps;
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  if (work) work.steps += steps;
  return p === pattern.length;
}

/** Whether `value` matches the glob `pattern`, in time linear in their product at worst. */
export function globMatch(
  pattern: string,
  value: string,
  options?: { ignoreCase?: boolean; work?: GlobWork },
): boolean {
  if (pattern === '*') return true;
  if (options?.ignoreCase) {
    pattern = pattern.toLowerCase();
    value = value.toLowerCase();
  }
  if (!hasWildcard(pattern)) return literalText(pattern) === value;
  return matchGlob(pattern, value, options?.work);
}

/** Matches `value` against a list of glob patterns (exact strings match themselves). */
export function matchesAny(
  value: string,
  patterns: readonly string[],
  options?: { ignoreCase?: boolean },
): boolean {
  for (const pattern of patterns) if (globMatch(pattern, value, options)) return true;
  return false;
}

/**
 * Whether a Resource (or NotResource) pattern covers an ARN. Wildcards are used "within the
 * individual segments of an ARN (the parts separated by colons)", and "If the * wildcard is the
 * last character of a resource ARN segment, it can expand to match beyond the colon boundaries":
 * so a `*` followed by a colon or ending the pattern matches anything, while any other `*`, and
 * `?`, never match a colon. `*` alone is every resource.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
 */
export function resourceMatch(pattern: string, value: string, work?: GlobWork): boolean {
  if (!globMatch(pattern, value, work ? { work } : undefined)) return false;
  // Each literal colon of the pattern matches one of the value's: with as many colons on both
  // sides no wildcard matched one, and the plain match stands (the common case, decided in linear time).
  // So it does when every wildcard may match a colon (`*` alone, `arn:aws:kms:*`): asked for every
  // statement of every policy judged against every key, these never pay for the automaton.
  if (colons(pattern) >= colons(value) || everyWildcardCrossesColons(pattern)) return true;
  return segmentMatch(pattern, value, work);
}

const colons = (text: string): number => {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 58) count++;
  return count;
};

/** Whether every wildcard of a pattern is a `*` that ends its segment (a colon or the end follows it). */
function everyWildcardCrossesColons(pattern: string): boolean {
  for (let p = 0; p < pattern.length; p++) {
    const code = pattern.charCodeAt(p);
    if (code === 63) return false;
    if (code === 42 && p + 1 < pattern.length && pattern.charCodeAt(p + 1) !== 58) return false;
  }
  return true;
}

/**
 * `resourceMatch` where some wildcard must match a colon: the pattern run as an automaton over
 * the value (the set of pattern positions reached), at most O(pattern × value) steps with no
 * backtracking, whatever the pattern.
 */
function segmentMatch(pattern: string, value: string, work?: GlobWork): boolean {
  const n = pattern.length;
  // A `*` may match a colon when it ends its segment (a colon or the end follows it).
  const crossesColons = (p: number) => p + 1 === n || pattern.charCodeAt(p + 1) === 58;
  let reached = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  // Positions reachable without reading: a `*` may match nothing.
  const close = (set: Uint8Array) => {
    for (let p = 0; p < n; p++) if (set[p] && pattern.charCodeAt(p) === 42) set[p + 1] = 1;
  };
  reached[0] = 1;
  close(reached);
  let steps = 0;
  for (let v = 0; v < value.length; v++) {
    const char = value.charCodeAt(v);
    next.fill(0);
    let any = false;
    for (let p = 0; p < n; p++) {
      if (!reached[p]) continue;
      steps++;
      const code = pattern.charCodeAt(p);
      if (code === 42) {
        if (char !== 58 || crossesColons(p)) next[p] = 1;
      } else if (code === 63 ? char !== 58 : plainCode(code) === char) next[p + 1] = 1;
      else continue;
      any = true;
    }
    if (!any) {
      if (work) work.steps += steps;
      return false;
    }
    close(next);
    [reached, next] = [next, reached];
  }
  if (work) work.steps += steps;
  return reached[n] === 1;
}

/**
 * An ARN split in its six parts (`arn:partition:service:region:account:resource`): the first five
 * colons separate, the resource keeps any further colons and slashes. An IaC placeholder such as
 * `${AWS::Region}` counts as one piece of text, whatever colons it holds. Undefined when the text
 * has fewer than six parts.
 */
export function splitArn(value: string): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i < value.length && parts.length < 5; i++) {
    const char = value.charCodeAt(i);
    if (char === 36 /* $ */ && value.charCodeAt(i + 1) === 123 /* { */) {
      depth++;
      i++;
    } else if (char === 125 /* } */ && depth > 0) depth--;
    else if (char === 58 /* : */ && depth === 0) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  if (parts.length < 5) return undefined;
  parts.push(value.slice(start));
  return parts;
}

/**
 * `ArnLike` / `ArnEquals` as IAM applies them: "Each of the six colon-delimited components of the
 * ARN is checked separately", so a `*` never crosses a colon between parts; in the resource part
 * (which may hold colons and slashes itself) it matches across them. `undefined` when the pattern
 * is not an ARN pattern of six parts, a bare `*` included: IAM documents no matching of fewer
 * parts (unlike the Resource element, where `*` alone is every resource). Case-sensitive, as the
 * IAM reference says ARN operators are.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 */
export function arnMatch(pattern: string, value: string, work?: GlobWork): boolean | undefined {
  const want = splitArn(pattern);
  if (!want) return undefined;
  const have = splitArn(value);
  if (!have) return false;
  for (let i = 0; i < 6; i++) {
    if (!globMatch(want[i]!, have[i]!, work ? { work } : {})) return false;
  }
  return true;
}
