/**
 * IPv4 and IPv6 addresses and CIDR ranges, for the IpAddress and NotIpAddress operators: "The value
 * must be in the standard CIDR format (for example, 203.0.113.0/24 or 2001:DB8:1234:5678::/64). If
 * you specify an IP address without the associated routing prefix, IAM uses the default prefix value
 * of /32."
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
 */

/** An address as its bits, most significant first: 32 of them for IPv4, 128 for IPv6. */
interface Address {
  readonly version: 4 | 6;
  readonly bytes: readonly number[];
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4(text: string): number[] | undefined {
  const match = IPV4.exec(text);
  if (!match) return undefined;
  const bytes = match.slice(1).map(Number);
  return bytes.every((byte) => byte <= 255) ? bytes : undefined;
}

const HEXTET = /^[0-9a-f]{1,4}$/i;

function ipv6(text: string): number[] | undefined {
  if (text.length > 45) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const bytes: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      // The last 32 bits may be written as an IPv4 address (::ffff:192.0.2.1).
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4(piece);
        if (!v4) return undefined;
        for (const byte of v4) bytes.push(byte);
      } else if (HEXTET.test(piece)) {
        const value = Number.parseInt(piece, 16);
        bytes.push(value >> 8, value & 0xff);
      } else return undefined;
    }
    return bytes;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 16 ? head : undefined;
  const missing = 16 - head.length - tail.length;
  if (missing < 2) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function parseAddress(text: string): Address | undefined {
  const v4 = ipv4(text);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = ipv6(text);
  return v6 ? { version: 6, bytes: v6 } : undefined;
}

/**
 * Whether `address` lies in `range` (an address, or an address with a `/prefix`); undefined when
 * the request's address is not one, false when the range is not one (no address lies in it).
 */
export function matchesCidr(address: string, range: string): boolean | undefined {
  const have = parseAddress(address.trim());
  if (!have) return undefined;
  const [base = '', prefix, extra] = range.trim().split('/');
  if (extra !== undefined) return false;
  const want = parseAddress(base);
  if (!want || want.version !== have.version) return false;
  const bits = want.bytes.length * 8;
  const length = prefix === undefined ? bits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  if (!(length >= 0 && length <= bits)) return false;
  for (let bit = 0; bit < length; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((have.bytes[byte]! & mask) !== (want.bytes[byte]! & mask)) return false;
  }
  return true;
}
