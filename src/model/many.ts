/**
 * Arrays of any length. Spreading an array into a call (`Math.max(...values)`, `list.push(...more)`)
 * puts every element on the stack as an argument, and throws "Maximum call stack size exceeded"
 * past about a hundred thousand of them: an organisation's history, a generated template or a
 * hostile repository easily holds that many episodes, spans, lines or resources. These loop instead.
 */

/** The largest of the values; -Infinity when there are none (as `Math.max()`). */
export function maxOf(values: Iterable<number>): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    if (Number.isNaN(value)) return Number.NaN;
    if (value > max) max = value;
  }
  return max;
}

/** The smallest of the values; Infinity when there are none (as `Math.min()`). */
export function minOf(values: Iterable<number>): number {
  let min = Number.POSITIVE_INFINITY;
  for (const value of values) {
    if (Number.isNaN(value)) return Number.NaN;
    if (value < min) min = value;
  }
  return min;
}

/** Appends every item to `target` (as `target.push(...items)`, for any number of items). */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/**
 * `items.map(fn)`, each result made when it is read: a consumer that writes them one by one (rows
 * into a database) never holds all of them, nor whatever each one carries (a message made for it).
 */
export function* mapEach<T, U>(items: Iterable<T>, fn: (item: T) => U): Generator<U, void, undefined> {
  for (const item of items) yield fn(item);
}

/** `items.filter(keep)`, each item tested when it is read (see `mapEach`). */
export function* filterEach<T>(
  items: Iterable<T>,
  keep: (item: T) => boolean,
): Generator<T, void, undefined> {
  for (const item of items) if (keep(item)) yield item;
}

/**
 * Whether a plain value (parsed JSON) nests no deeper than `max` objects and arrays, walked
 * without recursion. Deeper than a few hundred levels, every recursive walk of it (JSON.stringify
 * writing a snapshot, a structured clone) overflows the stack.
 */
export function depthWithin(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= max) return false;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return true;
}
