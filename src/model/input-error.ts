import type { SchemaProblem } from './validate.js';

/** An input the user gave that cannot be used: the CLI prints it and exits 2. */
export interface InputError {
  code: string;
  /** The file, flag or value at fault. */
  input: string;
  message: string;
  hint?: string;
  problems?: SchemaProblem[];
}

/**
 * An input error thrown: the one exception that carries an `InputError` (a store that cannot be
 * read, a dump line that is not a history row, a bad flag). The CLI's entry prints its detail and
 * exits 2; a caller that wants a `Result` catches it by class.
 */
export class InputRejected extends Error {
  constructor(readonly detail: InputError) {
    super(detail.message);
    this.name = 'InputRejected';
  }
}
