/** Turns the command specs into a commander program whose actions run with injected io. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { CliInputError, inputError } from './errors.js';
import type { Io } from './io.js';
import type { CommandSpec, OptionSpec } from './spec.js';

export interface ProgramResult {
  /** Set once a command ran: its exit code. */
  code?: number;
}

/** The values a repeatable option without `parse` collected so far (its own earlier lists). */
const collected = (previous: unknown): string[] =>
  Array.isArray(previous) ? previous.filter((item): item is string => typeof item === 'string') : [];

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/** The value of an environment variable for an option, parsed as the flag would be; a bad one is an input error naming the variable. */
function fromEnvironment(spec: OptionSpec, name: string, text: string): unknown {
  const bad = (message: string, hint?: string): never => {
    throw inputError({ code: 'usage.env', input: `$${name}`, message, ...(hint ? { hint } : {}) });
  };
  if (!/[<[]/.test(spec.flags)) {
    const word = text.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return bad(`"${text}" is not a yes/no value`, `${name}=1 turns ${spec.flags} on, ${name}=0 off`);
  }
  const parseOne = (value: string, previous: unknown): unknown => {
    if (spec.choices && !spec.choices.includes(value))
      bad(`"${value}" is not one of ${spec.choices.join(', ')}`);
    try {
      return spec.parse ? spec.parse(value, previous) : value;
    } catch (error) {
      if (error instanceof CliInputError) bad(error.detail.message, error.detail.hint);
      throw error;
    }
  };
  if (!spec.repeatable) return parseOne(text.trim(), undefined);
  // A list in one variable: comma-separated, as in HYPERPOD_CMK_RULE=kms-*,hyperpod-root-volume-cmk.
  let value: unknown;
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    value = spec.parse ? parseOne(item, value) : [...collected(value), parseOne(item, undefined)];
  }
  return value ?? [];
}

function toOption(spec: OptionSpec, env: Io['env']): Option {
  const option = new Option(
    spec.flags,
    spec.env ? `${spec.description} [env: ${spec.env}]` : spec.description,
  );
  if (spec.choices) option.choices([...spec.choices]);
  const variadic = spec.flags.includes('...');
  const takesValue = /[<[]/.test(spec.flags);
  if (takesValue && !variadic) {
    // One value per flag: giving it twice is a usage error, never "last one wins". A repeatable
    // flag collects its values; values from the command line replace those from the environment.
    let given = false;
    option.argParser((value: string, previous: unknown) => {
      if (spec.choices && !spec.choices.includes(value))
        throw new InvalidArgumentError(`Allowed choices are ${spec.choices.join(', ')}.`);
      const first = !given;
      given = true;
      if (!first && !spec.repeatable)
        throw inputError({
          code: 'usage.repeated',
          input: spec.flags.split(/[ ,]/).filter((part) => part.startsWith('--'))[0] ?? spec.flags,
          message: 'given more than once; it takes one value',
          hint: 'give it once (the last one does not win)',
        });
      const before = first ? undefined : previous;
      if (spec.parse) return spec.parse(value, before);
      return spec.repeatable ? [...collected(before), value] : value;
    });
  } else if (spec.parse) {
    const parse = spec.parse;
    option.argParser((value: string, previous: unknown) => parse(value, previous));
  }
  const fromEnv = spec.env ? env[spec.env] : undefined;
  if (spec.env && fromEnv !== undefined && fromEnv !== '') {
    option.default(fromEnvironment(spec, spec.env, fromEnv), `$${spec.env}`);
  } else if (spec.default !== undefined) {
    option.default(spec.default);
  }
  return option;
}

/**
 * `--config <file>` and `--no-config` (any `--x` beside its `--no-x`) set one value: both on one
 * command line is a usage error, as a flag given twice is, never "the last one wins".
 */
function refuseBothOfAPair(command: Command, options: readonly OptionSpec[]): void {
  const longFlag = (option: OptionSpec) => option.flags.split(/[ ,]/).find((part) => part.startsWith('--'));
  const flags = new Set(options.map(longFlag));
  for (const flag of flags) {
    if (!flag?.startsWith('--no-') || !flags.has(`--${flag.slice(5)}`)) continue;
    const name = flag.slice(5);
    let given: string | undefined;
    const saw = (which: string) => {
      if (given !== undefined && given !== which)
        throw inputError({
          code: 'usage.conflict',
          input: `--${name} and --no-${name}`,
          message: 'both given; they set the same thing',
          hint: 'give one of them (the last one does not win)',
        });
      given = which;
    };
    command.on(`option:${name}`, () => saw(`--${name}`));
    command.on(`option:no-${name}`, () => saw(flag));
  }
}

function addCommand(parent: Command, spec: CommandSpec, io: Io, result: ProgramResult): void {
  const command = parent.command(spec.name).description(spec.summary);
  if (spec.description) command.summary(spec.summary).description(`${spec.summary}\n\n${spec.description}`);
  for (const arg of spec.args ?? []) {
    const name = `${arg.variadic ? `${arg.name}...` : arg.name}`;
    command.argument(arg.required ? `<${name}>` : `[${name}]`, arg.description);
  }
  for (const option of spec.options) command.addOption(toOption(option, io.env));
  refuseBothOfAPair(command, spec.options);
  if (spec.examples?.length)
    command.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}`);
  if (spec.subcommands?.length) command.enablePositionalOptions();
  for (const sub of spec.subcommands ?? []) addCommand(command, sub, io, result);
  const run = spec.run;
  if (run) {
    command.action(async () => {
      result.code = await run(command.args.flat(), command.opts(), io);
    });
  }
}

export function buildProgram(commands: readonly CommandSpec[], io: Io, result: ProgramResult): Command {
  const program = new Command('hyperpod-cmk')
    .description('Customer-managed KMS key governance for Amazon SageMaker HyperPod')
    .version(TOOL_VERSION, '-v, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`hyperpod-cmk: ${text.replace(/^error: /, '')}`),
    });
  program.enablePositionalOptions();
  for (const spec of commands) addCommand(program, spec, io, result);
  // Every subcommand inherits the error handling above.
  const configure = (cmd: Command) => {
    for (const sub of cmd.commands) {
      sub.exitOverride().configureOutput(program.configureOutput());
      configure(sub);
    }
  };
  configure(program);
  return program;
}

export { CommanderError };
