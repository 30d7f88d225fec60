/**
 * The entry point: wires the commands, runs one, and turns what happened into an exit code.
 * 0 clean, 1 a finding at or above --fail-on failed, 2 usage/config/input error, 3 incomplete.
 * Only this module touches `process`.
 */
import { collectCommand } from './commands/collect.js';
import { demoCommand } from './commands/demo.js';
import { driftCommand } from './commands/drift.js';
import { evaluateCommand } from './commands/evaluate.js';
import { fixCommand } from './commands/fix.js';
import { guardrailsCommand } from './commands/guardrails.js';
import { historyCommand } from './commands/history.js';
import { iacCommand } from './commands/iac.js';
import { kpiCommand } from './commands/kpi.js';
import { planCommand } from './commands/plan.js';
import { policyCommand } from './commands/policy.js';
import { registerCommand } from './commands/register.js';
import { reportCommand } from './commands/report.js';
import { rulesCommand } from './commands/rules.js';
import { scanCommand } from './commands/scan.js';
import { CliInputError, formatInputError } from './errors.js';
import { type Io, processIo, terminalGuard } from './io.js';
import { buildProgram, CommanderError, type ProgramResult } from './program.js';
import type { CommandSpec } from './spec.js';

export const COMMANDS: CommandSpec[] = [
  scanCommand,
  collectCommand,
  evaluateCommand,
  demoCommand,
  rulesCommand,
  guardrailsCommand,
  iacCommand,
  kpiCommand,
  historyCommand,
  reportCommand,
  policyCommand,
  registerCommand,
  planCommand,
  fixCommand,
  driftCommand,
];

export async function runCli(
  argv: readonly string[],
  rawIo: Io,
  commands: readonly CommandSpec[] = COMMANDS,
): Promise<number> {
  // The one boundary to the terminal: nothing a command prints reaches it with raw control characters.
  const io = terminalGuard(rawIo);
  const result: ProgramResult = {};
  let program: ReturnType<typeof buildProgram> | undefined;
  try {
    // Building reads the options' environment variables, which may be invalid (exit 2).
    program = buildProgram(commands, io, result);
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for (--help, help) is 0; help shown because a command needs a subcommand that
      // was not given (`policy`) is a usage error, as every other one.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
      // commander has already printed the one-line usage error.
      return 2;
    }
    if (error instanceof CliInputError) {
      io.stderr.write(formatInputError(error.detail));
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`hyperpod-cmk: internal error: ${message}\n`);
    if (io.env.HYPERPOD_CMK_DEBUG && error instanceof Error && error.stack)
      io.stderr.write(`${error.stack}\n`);
    else io.stderr.write('  set HYPERPOD_CMK_DEBUG=1 for the stack trace, and please report it\n');
    return 2;
  }
  if (result.code === undefined) {
    // No command ran: `hyperpod-cmk` alone prints help.
    io.stdout.write(program?.helpInformation() ?? '');
    return argv.length === 0 ? 0 : 2;
  }
  return result.code;
}

export async function main(): Promise<void> {
  // A closed pipe (e.g. `| head`) ends output quietly instead of crashing.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  // The pinned AWS SDK supports Node 20; its notice about future SDK releases is not the user's concern.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const code = await runCli(process.argv.slice(2), processIo());
  process.exitCode = code;
}
