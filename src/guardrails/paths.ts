/**
 * File names built from inventory values (account, Region, key id, cluster, instance group and
 * role names), which come from snapshots and pull requests and so may hold `../`, `/`, NUL or a
 * leading dot. A value in its AWS format, or already a plain name (letters, digits, `.`, `_`, `-`,
 * no leading dot, no `..`, at most 64), is used as it is; anything else is sanitised to
 * `[A-Za-z0-9._-]`, never starting with a dot nor holding two in a row (so never `.` or `..`), at most 64 characters, with
 * a hash of the original appended so that two different values never share a file.
 */
import { createHash } from 'node:crypto';

export type PathSegmentKind = 'account' | 'region' | 'key-id' | 'name';

const FORMATS: Record<PathSegmentKind, RegExp> = {
  account: /^\d{12}$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/,
  'key-id': /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/,
  // Cluster and instance group names (HyperPod: letters, digits, hyphens, up to 63) and IAM role names.
  name: /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
};

/** A value that is already a safe file name (an IaC logical id, a test key `k1`) is kept too. */
const SAFE_NAME = FORMATS.name;

export function pathSegment(value: string, kind: PathSegmentKind): string {
  if (FORMATS[kind].test(value) || SAFE_NAME.test(value)) return value;
  const cleaned = value
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+|\.{2,}/g, (dots) => '_'.repeat(dots.length))
    .slice(0, 64);
  return `${cleaned || '_'}-${shortHash(value)}`;
}

/** Eight hex digits of a value's SHA-256: what tells apart two names made alike. */
export const shortHash = (value: string): string =>
  createHash('sha256').update(value).digest('hex').slice(0, 8);
