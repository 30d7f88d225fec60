/**
 * Commands and options are declared as data; `program.ts` turns them into a commander program.
 *
 * A command is declared with `defineCommand`: the type of the options its `run` receives is
 * inferred from its option specs (`--role-name <name>` is `roleName: string | undefined`, a
 * `parse` gives its return type, `choices` their union, a repeatable or variadic flag a list, a
 * flag without a value a boolean), and the values commander parsed are checked against the specs
 * once, at this boundary, before `run` sees them. Commands read `flags.rule`, never cast.
 */
import type { Io } from './io.js';

export interface OptionSpec {
  /** Commander flags, e.g. `--format <format>`, `--no-save`, `--region <region...>`. */
  readonly flags: string;
  readonly description: string;
  readonly choices?: readonly string[];
  readonly default?: string | boolean | number | readonly string[];
  /**
   * Converts the raw value; throw `CliInputError` for a bad value. `previous` is what it returned
   * for the flag's earlier occurrence (a repeatable flag), else undefined: declare it as that type.
   */
  parse?(value: string, previous: unknown): unknown;
  /** Read the default from this environment variable when the flag is absent (a list: comma-separated). */
  readonly env?: string;
  /**
   * The flag may be given several times, its values collected (by `parse`, or into a list). Any
   * other flag that takes a value may be given once: a second time is a usage error (exit 2).
   */
  readonly repeatable?: boolean;
}

/** Declares a list of options keeping their literal types (flags, choices, parse), for `OptionsOf`. */
export const defineOptions = <const O extends readonly OptionSpec[]>(options: O): O => options;

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;
/** The long flag's name: `-o, --output <file>` is `output`. */
type LongName<F extends string> = F extends `${string}--${infer Rest}`
  ? Rest extends `${infer Name} ${string}`
    ? Name
    : Rest
  : never;
/** The key commander stores the option under: `--role-name` is `roleName`, `--no-save` is `save`. */
export type OptionKey<F extends string> = F extends string
  ? LongName<F> extends `no-${infer Name}`
    ? CamelCase<Name>
    : CamelCase<LongName<F>>
  : never;

type TakesValue<F extends string> = F extends `${string}<${string}` | `${string}[${string}` ? true : false;

/** The value one option holds once parsed (before `undefined` for "absent"). */
type Value<O extends OptionSpec> =
  LongName<O['flags']> extends `no-${string}`
    ? boolean
    : TakesValue<O['flags']> extends false
      ? boolean
      : O extends { parse: (...args: never) => infer R }
        ? R
        : O['flags'] extends `${string}...${string}`
          ? string[]
          : O extends { repeatable: true }
            ? string[]
            : O extends { choices: readonly (infer C)[] }
              ? C
              : string;

/** Absent unless it has a default (a `--no-x` flag defaults to true). */
type Presence<O extends OptionSpec> = O extends { default: NonNullable<unknown> }
  ? never
  : LongName<O['flags']> extends `no-${string}`
    ? never
    : undefined;

/** The options object a command receives: one key per option, typed from its spec. */
export type OptionsOf<S extends readonly OptionSpec[]> = {
  -readonly [K in OptionKey<S[number]['flags']>]: ValueOfKey<S[number], K>;
};
/** `--config <file>` and `--no-config` share a key: its value is either's. */
type ValueOfKey<O extends OptionSpec, K extends string> = O extends OptionSpec
  ? OptionKey<O['flags']> extends K
    ? Value<O> | Presence<O>
    : never
  : never;

export interface ArgumentSpec {
  name: string;
  description: string;
  required: boolean;
  variadic?: boolean;
}

export type CommandRun = (
  args: readonly string[],
  options: Readonly<Record<string, unknown>>,
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

/** A command whose `run` receives its options typed from `options`. */
export interface TypedCommandSpec<O extends readonly OptionSpec[]>
  extends Omit<CommandSpec, 'options' | 'run'> {
  options: O;
  run?: (args: readonly string[], flags: OptionsOf<O>, io: Io) => Promise<number>;
}

/** The key commander stores an option under, at run time (what `OptionKey` computes for the types). */
export function optionKey(flags: string): string {
  const long = /--([\w-]+)/.exec(flags)?.[1] ?? flags;
  const name = long.startsWith('no-') ? long.slice(3) : long;
  return name.replace(/-(\w)/g, (_, char: string) => char.toUpperCase());
}

/** What a value parsed for `spec` may be, at run time: the check behind `OptionsOf`'s promise. */
function fitsSpec(spec: OptionSpec, value: unknown): boolean {
  if (value === undefined) return true;
  if (!/[<[]/.test(spec.flags) || /--no-/.test(spec.flags)) return typeof value === 'boolean';
  if (typeof value === 'boolean') return /--no-/.test(spec.flags);
  if (spec.parse) return true;
  if (spec.flags.includes('...') || spec.repeatable)
    return Array.isArray(value) && value.every((item) => typeof item === 'string');
  if (typeof value !== 'string') return false;
  return !spec.choices || spec.choices.includes(value);
}

/**
 * The options of a command as its specs declare them: only declared keys, each value checked
 * against its spec. A value that does not fit is a bug in a spec (an internal error), never a
 * silent `undefined`.
 */
export function typedOptions<O extends readonly OptionSpec[]>(
  specs: O,
  parsed: Readonly<Record<string, unknown>>,
): OptionsOf<O> {
  const options: Record<string, unknown> = {};
  for (const spec of specs) {
    const key = optionKey(spec.flags);
    const value = parsed[key];
    // `--config <file>` and `--no-config` share a key: a value fits when it fits either spec.
    const specsOfKey = specs.filter((other) => optionKey(other.flags) === key);
    if (!specsOfKey.some((other) => fitsSpec(other, value)))
      throw new TypeError(
        `option ${spec.flags}: parsed value ${JSON.stringify(value)} does not fit its spec`,
      );
    options[key] = value;
  }
  return options as OptionsOf<O>;
}

/** Declares a command: `run` receives its options typed (and checked) from `options`. */
export function defineCommand<const O extends readonly OptionSpec[]>(spec: TypedCommandSpec<O>): CommandSpec {
  const { run, ...rest } = spec;
  return {
    ...rest,
    ...(run ? { run: (args, parsed, io) => run(args, typedOptions(spec.options, parsed), io) } : {}),
  };
}
