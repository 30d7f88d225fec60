/** Turns the command specs into a commander program whose actions run with injected io. */
import { Command, CommanderError, Option } from 'commander';
import { TOOL_VERSION } from '../version.js';
import type { Io } from './io.js';
import type { CommandSpec, OptionSpec } from './spec.js';

export interface ProgramResult {
  /** Set once a command ran: its exit code. */
  code?: number;
}

function toOption(spec: OptionSpec, env: Io['env']): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.choices) option.choices([...spec.choices]);
  if (spec.parse) option.argParser(spec.parse as (value: string, previous: unknown) => unknown);
  const fromEnv = spec.env ? env[spec.env] : undefined;
  if (fromEnv !== undefined && fromEnv !== '') {
    option.default(spec.parse ? spec.parse(fromEnv, undefined) : fromEnv, `$${spec.env}`);
  } else if (spec.default !== undefined) {
    option.default(spec.default);
  }
  return option;
}

function addCommand(parent: Command, spec: CommandSpec, io: Io, result: ProgramResult): void {
  const command = parent.command(spec.name).description(spec.summary);
  if (spec.description) command.summary(spec.summary).description(`${spec.summary}\n\n${spec.description}`);
  for (const arg of spec.args ?? []) {
    const name = `${arg.variadic ? `${arg.name}...` : arg.name}`;
    command.argument(arg.required ? `<${name}>` : `[${name}]`, arg.description);
  }
  for (const option of spec.options) command.addOption(toOption(option, io.env));
  if (spec.examples?.length)
    command.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}`);
  if (spec.subcommands?.length) command.enablePositionalOptions();
  for (const sub of spec.subcommands ?? []) addCommand(command, sub, io, result);
  const run = spec.run;
  if (run) {
    command.action(async (...params: unknown[]) => {
      const cmd = params[params.length - 1] as Command;
      const args = cmd.args.flat();
      result.code = await run(args, cmd.opts(), io);
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
