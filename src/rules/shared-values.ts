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

export class SharedValues {
  readonly #byContent = new Map<string, object>();
  readonly #texts = new Map<string, string>();
  readonly #ids = new WeakMap<object, number>();
  #nextId = 0;

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
    let content = '{';
    const values: unknown[] = [];
    for (const name in record) {
      const value = this.#value(record[name]);
      values.push(value);
      content += `${JSON.stringify(name)}:${this.#part(value)},`;
    }
    const seen = this.#byContent.get(content);
    if (seen) return seen as T;
    const copy: Record<string, unknown> = {};
    let i = 0;
    for (const name in record) copy[name] = values[i++];
    Object.freeze(copy);
    this.#byContent.set(content, copy);
    return copy as T;
  }

  /** A frozen list equal to `items` (primitives by value, lists by content, other objects by identity). */
  list<T>(items: readonly T[]): readonly T[] {
    let content = '[';
    const values: T[] = [];
    for (const item of items) {
      const value = this.#value(item) as T;
      values.push(value);
      content += `${this.#part(value)},`;
    }
    const seen = this.#byContent.get(content);
    if (seen) return seen as T[];
    Object.freeze(values);
    this.#byContent.set(content, values);
    return values;
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

  /** A value's part of a content key: JSON escapes every control character, so no part can forge a separator. */
  #part(value: unknown): string {
    if (value === null) return 'null';
    switch (typeof value) {
      case 'string':
        return JSON.stringify(value);
      case 'number':
      case 'boolean':
      case 'bigint':
        return `${typeof value}:${String(value)}`;
      case 'undefined':
        return 'undefined';
      default: {
        const object = value as object;
        let id = this.#ids.get(object);
        if (id === undefined) {
          id = this.#nextId++;
          this.#ids.set(object, id);
        }
        return `#${id}`;
      }
    }
  }
}
