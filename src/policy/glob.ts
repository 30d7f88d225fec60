/** IAM-style wildcards: `*` matches any run of characters, `?` any one character. */
const cache = new Map<string, RegExp>();

export function globToRegExp(pattern: string, options: { ignoreCase?: boolean } = {}): RegExp {
  const cacheKey = `${options.ignoreCase ? 'i' : 's'}:${pattern}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  let source = '';
  for (const char of pattern) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const re = new RegExp(`^${source}$`, options.ignoreCase ? 'is' : 's');
  if (cache.size > 10_000) cache.clear();
  cache.set(cacheKey, re);
  return re;
}

export const hasWildcard = (value: string): boolean => value.includes('*') || value.includes('?');

/** Whether `value` matches the glob `pattern`, with fast paths for `*` and literal patterns. */
export function globMatch(pattern: string, value: string, options: { ignoreCase?: boolean } = {}): boolean {
  if (pattern === '*') return true;
  if (!hasWildcard(pattern))
    return options.ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  return globToRegExp(pattern, options).test(value);
}

/** Matches `value` against a list of glob patterns (exact strings match themselves). */
export function matchesAny(
  value: string,
  patterns: readonly string[],
  options: { ignoreCase?: boolean } = {},
): boolean {
  return patterns.some((pattern) => globMatch(pattern, value, options));
}
