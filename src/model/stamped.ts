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
