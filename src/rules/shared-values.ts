/**
 * One object for each distinct value a rule puts in its findings' data and evidence.
 *
 * At organisation scale a rule makes a finding per instance group, and most of them say the same
 * thing in the same words: every object a finding keeps survives to the end of the evaluation
 * (and is copied by the garbage collector on the way), so findings that say the same thing share
 * one frozen object. Findings never mutate their data or evidence. A `SharedValues` lives for one
 * evaluation (made in `check`), so nothing it holds outlives the inventory it was built from.
 */
import type { Verdict } from './define-rule.js';

/** A trie of values: each step is one property name or one value (Map keys: SameValueZero). */
interface Node {
  next: Map<unknown, Node> | undefined;
  shared: object | undefined;
}

const newNode = (): Node => ({ next: undefined, shared: undefined });

function step(node: Node, key: unknown): Node {
  node.next ??= new Map();
  let child = node.next.get(key);
  if (!child) {
    child = newNode();
    node.next.set(key, child);
  }
  return child;
}

/** How many of the last shared records a record is compared with before it is looked up. */
const RECENT = 4;

/** Whether a record of these own property names (in order) has the values of `shared`, each the same (===). */
function sameRecord(
  record: Record<string, unknown>,
  own: readonly string[],
  shared: Record<string, unknown>,
  names: readonly string[],
): boolean {
  if (own.length !== names.length) return false;
  for (let i = 0; i < own.length; i++) {
    const name = own[i]!;
    if (names[i] !== name || record[name] !== shared[name]) return false;
  }
  return true;
}

export class SharedValues {
  // Content is looked up value by value in tries, not as one built string: the strings a finding
  // carries mostly come from the inventory, whose hashes V8 computes once and keeps.
  readonly #records = newNode();
  readonly #lists = newNode();
  readonly #texts = new Map<string, string>();
  /** The records shared last, with their property names: neighbouring groups mostly say the same. */
  readonly #recent: { record: Record<string, unknown>; names: string[] }[] = [];
  #nextRecent = 0;

  /**
   * The verdict with its data and evidence replaced by the shared copies of equal values. The
   * verdict must be the caller's own (it is changed in place).
   */
  verdict(verdict: Verdict): Verdict {
    if (verdict.data) verdict.data = this.record(verdict.data);
    if (verdict.evidence) verdict.evidence = this.record(verdict.evidence);
    return verdict;
  }

  /**
   * A frozen record equal to `record`: the same property names in the same order, and the same
   * values (primitives by value, lists by content, any other object by identity). The record
   * itself is left as it is: the first of its content is copied.
   */
  record<T extends object>(record: T): Readonly<T> {
    const own = Object.keys(record);
    for (const recent of this.#recent)
      if (sameRecord(record as Record<string, unknown>, own, recent.record, recent.names))
        return recent.record as T;
    const values = record as Record<string, unknown>;
    let node = this.#records;
    for (const name of own) node = step(step(node, name), this.#value(values[name]));
    if (!node.shared) {
      const copy: Record<string, unknown> = {};
      for (const name of own) copy[name] = this.#value(values[name]);
      node.shared = Object.freeze(copy);
    }
    const shared = node.shared as Record<string, unknown>;
    this.#recent[this.#nextRecent] = { record: shared, names: own };
    this.#nextRecent = (this.#nextRecent + 1) % RECENT;
    return shared as T;
  }

  /** A frozen list equal to `items` (primitives by value, lists by content, other objects by identity). */
  list<T>(items: readonly T[]): readonly T[] {
    let node = step(this.#lists, items.length);
    for (const item of items) node = step(node, this.#value(item));
    if (node.shared) return node.shared as T[];
    const copy = items.map((item) => this.#value(item) as T);
    node.shared = Object.freeze(copy);
    return copy;
  }

  /** The one copy of a string built per finding (a reason, a list of names) that many findings carry. */
  text(value: string): string {
    const seen = this.#texts.get(value);
    if (seen !== undefined) return seen;
    this.#texts.set(value, value);
    return value;
  }

  #value(value: unknown): unknown {
    return Array.isArray(value) ? this.list(value) : value;
  }
}
