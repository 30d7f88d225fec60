/** Commands and options are declared as data; `program.ts` turns them into a commander program. */
import type { Io } from './io.js';

export interface OptionSpec {
  /** Commander flags, e.g. `--format <format>`, `--no-save`, `--region <region...>`. */
  flags: string;
  description: string;
  choices?: readonly string[];
  default?: string | boolean | number | readonly string[];
  /** Converts the raw value; throw `CliInputError` for a bad value. */
  parse?: (value: string, previous: unknown) => unknown;
  /** Read the default from this environment variable when the flag is absent (a list: comma-separated). */
  env?: string;
  /**
   * The flag may be given several times, its values collected (by `parse`, or into a list). Any
   * other flag that takes a value may be given once: a second time is a usage error (exit 2).
   */
  repeatable?: boolean;
}

export interface ArgumentSpec {
  name: string;
  description: string;
  required: boolean;
  variadic?: boolean;
}

export type CommandRun = (
  args: readonly string[],
  options: Record<string, unknown>,
  io: Io,
) => Promise<number>;

export interface CommandSpec {
  name: string;
  summary: string;
  /** Shown under the usage line in `--help`. */
  description?: string;
  examples?: readonly string[];
  args?: readonly ArgumentSpec[];
  options: readonly OptionSpec[];
  run?: CommandRun;
  subcommands?: readonly CommandSpec[];
}
