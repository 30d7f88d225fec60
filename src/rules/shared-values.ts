/**
 * One object for each distinct value a rule puts in its findings' data and evidence.
 *
 * At organisation scale a rule makes a finding per instance group, and most of them say the same
 * thing in the same words: every object a finding keeps survives to the end of the evaluation
 * (and is copied by the garbage collector on the way), so findings that say the same thing share
 * one frozen object. Findings never mutate their data or evidence. An interner lives for one
 * evaluation (made in `check`), so nothing it holds outlives the inventory it was built from.
 */
export class SharedValues {
  readonly #byContent = new Map<string, object>();
  readonly #texts = new Map<string, string>();
  readonly #ids = new WeakMap<object, number>();
  #nextId = 0;

  /**
   * The frozen record equal to `record`: property names, their order and their values (primitives
   * by value; objects, which should be shared values themselves, by identity).
   */
  record<T extends object>(record: T): Readonly<T> {
    let content = '{';
    for (const name in record) content += `${JSON.stringify(name)}:${this.#part(record[name])},`;
    return this.#share(content, record);
  }

  /** The frozen list equal to `items` (primitives by value, objects by identity). */
  list<T>(items: readonly T[]): readonly T[] {
    let content = '[';
    for (const item of items) content += `${this.#part(item)},`;
    return this.#share(content, items);
  }

  /** The one copy of a string built per finding (a reason, a list of names) that many findings carry. */
  text(value: string): string {
    const seen = this.#texts.get(value);
    if (seen !== undefined) return seen;
    this.#texts.set(value, value);
    return value;
  }

  #share<T extends object>(content: string, value: T): Readonly<T> {
    const seen = this.#byContent.get(content);
    if (seen) return seen as T;
    Object.freeze(value);
    this.#byContent.set(content, value);
    return value;
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
