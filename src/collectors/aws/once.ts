/**
 * One read per key, shared by every caller that asks for it while the scan runs: a role, a policy,
 * an organizational unit is read once however many accounts, groups or keys need it.
 */
export function once<T>(reads: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  let pending = reads.get(key);
  if (!pending) {
    pending = read();
    reads.set(key, pending);
  }
  return pending;
}
