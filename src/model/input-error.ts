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
