/**
 * Text from data (a tenant's names, a policy's ARN) made to fit a message: cut at `max` characters
 * (UTF-16 code units), marked `…`; never between the two halves of a character beyond U+FFFF.
 */
export function shortened(text: string, max = 200): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // A high surrogate last would be half a character: a lone surrogate is shown as U+FFFD, or refused.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * The most of one value from data (a name, tag, alias, path, an AWS error, a list `someOf` made)
 * that text a person reads repeats: a message, a table row, an error on stderr. As long as the
 * longest key id or ARN AWS takes (DescribeKey's KeyId: at most 2,048 characters,
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html) and longer than the
 * longest list `someOf` writes (ten of 200), so only what no AWS account holds is cut: a
 * megabyte name from a snapshot or a pull request would otherwise make a megabyte line. What
 * machines read (the JSON report's data, ids, fingerprints) keeps the value whole.
 */
export const MAX_SHOWN_CHARS = 2_048;

/** A value from data as text a person reads shows it: at most MAX_SHOWN_CHARS of it ('' for none). */
export const bounded = (text: string | undefined): string => shortened(text ?? '', MAX_SHOWN_CHARS);

/**
 * Orders strings by their UTF-16 code units, the same on every machine: what a file that people
 * diff or a digest covers is sorted by (`localeCompare` follows the machine's locale: LANG=sv_SE
 * puts "ä" after "z").
 */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Orders strings by their Unicode code points (as UTF-8 bytes compare), which differs from code
 * units where a character beyond U+FFFF meets one from U+E000 to U+FFFF.
 */
export function byCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
