/**
 * Bad input to the live commands, end to end through the entry point (`runCli` with an in-memory
 * io): each is one line on stderr naming the input (plus its hint), exit code 2, and no stack
 * trace. The real binary is spawned in cli.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { progressReporter } from '../../src/cli/live.js';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../helpers/io.js';

const home = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-aws-'));
const configFile = join(home, 'config');
writeFileSync(configFile, '[profile real]\nregion = us-east-1\n');
writeFileSync(
  join(home, 'credentials'),
  '[real]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n',
);

/**
 * A live command with only these AWS settings: the io's environment, and (since the AWS SDK reads
 * its credential chain from the process) the process's AWS variables for the time of the call.
 */
async function run(args: string[], env: Record<string, string> = {}) {
  const settings: Record<string, string> = {
    HOME: home,
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...env,
  };
  for (const name of Object.keys(process.env).filter((name) => name.startsWith('AWS_')))
    vi.stubEnv(name, undefined);
  for (const [name, value] of Object.entries(settings)) vi.stubEnv(name, value);
  try {
    const io = memoryIo({ env: settings });
    const code = await runCli(args, io);
    return { code, stderr: io.err(), stdout: io.out() };
  } finally {
    vi.unstubAllEnvs();
  }
}

/** The same command through the entry point in this process (the flag checks need no AWS). */
async function inProcess(args: string[]) {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, stderr: io.err(), stdout: io.out() };
}

function expectOneLineError(
  result: { code: number | null; stderr: string; stdout: string },
  input: string,
  words: RegExp,
): void {
  expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(result.code).toBe(2);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines[0]!.startsWith(`hyperpod-cmk: ${input}`)).toBe(true);
  expect(lines[0]).toMatch(words);
  expect(lines.slice(1).every((line) => line.startsWith('  hint: '))).toBe(true);
  expect(result.stdout).toBe('');
}

describe('live commands refuse bad input with one line and exit 2', () => {
  it('an unknown profile', async () => {
    expectOneLineError(
      await run(['scan', '--profile', 'nope', '--region', 'us-east-1']),
      '--profile nope',
      /no such profile/,
    );
  });

  it('a Region typo, with the likely Region', async () => {
    expectOneLineError(
      await run(['scan', '--region', 'us-est-1']),
      '--region',
      /"us-est-1" is not an AWS Region \(did you mean us-east-1\?\)/,
    );
  });

  it('a malformed account id', async () => {
    expectOneLineError(
      await inProcess(['collect', '--accounts', '111122223333,12345', '--role-name', 'Audit']),
      '--accounts',
      /"12345" is not a 12-digit/,
    );
  });

  it('an unreachable endpoint', async () => {
    const result = await run(['scan', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9'], {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expectOneLineError(result, 'endpoint http://127.0.0.1:9', /cannot be reached/);
  });

  it('no credentials at all', async () => {
    const result = await run(['scan', '--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:9'], {
      AWS_CONFIG_FILE: join(home, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    });
    expectOneLineError(result, 'AWS credentials', /none could be loaded/);
  });

  it('--org without --role-name, and --region with --all-regions', async () => {
    expectOneLineError(
      await inProcess(['scan', '--org', '--region', 'us-east-1']),
      '--org',
      /needs --role-name/,
    );
    expectOneLineError(
      await inProcess(['scan', '--all-regions', '--region', 'us-east-1']),
      '--all-regions',
      /cannot be combined/,
    );
  });
});

describe('progress', () => {
  const counts = {
    accounts: { done: 1, total: 3 },
    regions: { done: 2, total: 6 },
    clusters: { done: 40, total: 120 },
    keys: { done: 7, total: 30 },
  };

  it('is written to stderr on a terminal, and cleared at the end', () => {
    const io = memoryIo();
    io.stderr.isTTY = true;
    const progress = progressReporter(io);
    progress.update(counts);
    progress.done();
    expect(io.err()).toBe(
      '\r\x1b[Kscanning: accounts 1/3 · regions 2/6 · clusters 40/120 · keys 7/30\r\x1b[K',
    );
  });

  it('is silent when stderr is not a terminal', () => {
    const io = memoryIo();
    const progress = progressReporter(io);
    progress.update(counts);
    progress.done();
    expect(io.err()).toBe('');
  });
});

describe('scope flags', () => {
  it.each([
    [['--concurrency', '0'], '--concurrency', /"0" is not a whole number from 1 to 256/],
    [['--endpoint-url', 'localhost:5000'], '--endpoint-url', /is not an http\(s\) URL/],
    [['--role-name', 'bad name!'], '--role-name', /is not an IAM role name/],
    [['--external-id', 'x'], '--external-id', /has no effect without --role-name/],
  ])('%j is refused', async (flags, input, words) => {
    expectOneLineError(await inProcess(['collect', '--region', 'us-east-1', ...flags]), input, words);
  });
});
