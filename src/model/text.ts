/** Text from data (a tenant's names, a policy's ARN) made to fit a message: cut at `max` characters, marked `…`. */
export const shortened = (text: string, max = 200): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

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
