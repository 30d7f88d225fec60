/**
 * `scan --shard K/N --round ID` input, in process: every bad value or combination is one line
 * naming the flag (or its environment variable) and the fix, exit 2, before any AWS call (no
 * endpoint is reachable here: a call would fail differently).
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../helpers/io.js';

const UNREACHABLE = ['--endpoint-url', 'http://127.0.0.1:9', '--region', 'us-east-1', '--no-save'];

async function scan(args: string[], env: Record<string, string> = {}) {
  const io = memoryIo({ env });
  const code = await runCli(['scan', ...args, ...UNREACHABLE], io);
  return { code, err: io.err(), out: io.out() };
}

describe('scan --shard', () => {
  it.each([
    [['--org', '--role-name', 'Audit', '--shard', '0/4'], '--shard: "0/4": K must be from 1 to N (4)'],
    [['--org', '--role-name', 'Audit', '--shard', '5/4'], '--shard: "5/4": K must be from 1 to N (4)'],
    [['--org', '--role-name', 'Audit', '--shard', '1/1000'], '--shard: "1/1000": N must be from 1 to 256'],
    [['--org', '--role-name', 'Audit', '--shard', 'half'], '--shard: "half" is not K/N'],
    [
      ['--shard', '2/8'],
      '--shard: (or $HYPERPOD_CMK_SHARD) slices the accounts of an organization and needs --org',
    ],
    [
      ['--accounts', '111122223333', '--role-name', 'Audit', '--shard', '2/8'],
      '--shard: (or $HYPERPOD_CMK_SHARD) slices the accounts of an organization and needs --org',
    ],
    [['--org', '--role-name', 'Audit', '--round', 'r1'], '--round: has no effect without --shard'],
    [
      ['--org', '--role-name', 'Audit', '--shard', '1/2', '--round', 'a b'],
      '--round: "a b" is not a round id',
    ],
  ])('%j is an input error', async (args, message) => {
    const run = await scan(args);
    expect(run.code).toBe(2);
    expect(run.err.split('\n')[0]).toContain(`hyperpod-cmk: ${message}`);
    expect(run.err).toMatch(/hint: /);
    expect(run.err).not.toMatch(/at .*\.ts|internal error/);
    expect(run.out).toBe('');
  });

  it('reads HYPERPOD_CMK_SHARD and HYPERPOD_CMK_ROUND, naming the variable when bad', async () => {
    const bad = await scan(['--org', '--role-name', 'Audit'], { HYPERPOD_CMK_SHARD: '9/8' });
    expect(bad.code).toBe(2);
    expect(bad.err.split('\n')[0]).toBe(
      'hyperpod-cmk: $HYPERPOD_CMK_SHARD: "9/8": K must be from 1 to N (8)',
    );
    const round = await scan(['--org', '--role-name', 'Audit', '--shard', '1/2'], {
      HYPERPOD_CMK_ROUND: '-',
    });
    expect(round.code).toBe(2);
    expect(round.err.split('\n')[0]).toBe('hyperpod-cmk: $HYPERPOD_CMK_ROUND: "-" is not a round id');
    const withoutOrg = await scan([], { HYPERPOD_CMK_SHARD: '1/2' });
    expect(withoutOrg.code).toBe(2);
    expect(withoutOrg.err).toContain('needs --org');
  });

  it('lets an unsharded scan run when only the environment names a round (exported for a whole CI job)', async () => {
    const fromEnv = await scan(['--no-cloudtrail'], { HYPERPOD_CMK_ROUND: 'r1' });
    expect(fromEnv.err).not.toContain('round');
    const flag = await scan(['--round', 'r2'], { HYPERPOD_CMK_ROUND: 'r1' });
    expect(flag.code).toBe(2);
    expect(flag.err.split('\n')[0]).toContain('--round: has no effect without --shard');
  });

  it('is refused when given twice', async () => {
    const run = await scan(['--org', '--role-name', 'Audit', '--shard', '1/2', '--shard', '2/2']);
    expect(run.code).toBe(2);
    expect(run.err).toContain('--shard');
  });
});
