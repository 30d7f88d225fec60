/**
 * Gives an existing object the private fields of a subclass: a base constructor that returns
 * another object makes `super()` hand that object to the subclass, which then adds its private
 * fields to it (`class X extends Stamped { #field; constructor(o) { super(o); this.#field = ... } }`).
 * Private fields are invisible to JSON.stringify, Object.keys, spreading and deep equality, cost
 * no second object, and, unlike a WeakMap entry, no extra work for the garbage collector. The
 * object must be extensible: runtimes may refuse private fields on frozen or sealed objects.
 */
export class Stamped {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the point: the subclass's fields go onto `target`
    return target;
  }
}

/**
 * An own, enumerable accessor for a text made when read (from what a `Stamped` subclass keeps on
 * the object), and kept as given when assigned: defined on each object at its place among the
 * keys, so that the object reads, spreads, compares and serialises as a plain one. One descriptor
 * is shared by every object that has the property.
 */
export function madeWhenRead(
  read: (owner: object) => string,
  assign: (owner: object, value: string) => void,
): PropertyDescriptor {
  return {
    get(this: object) {
      return read(this);
    },
    set(this: object, value: string) {
      assign(this, value);
    },
    enumerable: true,
    configurable: true,
  };
}
