/** --request-timeout: validated, and handed to the collector in milliseconds. */
import { describe, expect, it } from 'vitest';
import { collectOptionsFrom, DEFAULT_REQUEST_TIMEOUT_SECONDS } from '../../src/cli/live.js';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config/schema.js';
import { memoryIo } from '../helpers/io.js';

describe('--request-timeout', () => {
  it.each(['0', '-5', 'abc', '1e3', '3601', ''])('"%s" is a usage error naming the flag', async (value) => {
    const io = memoryIo();
    const code = await runCli(['scan', '--region', 'us-east-1', '--request-timeout', value], io);
    expect(code).toBe(2);
    expect(io.err()).toBe(
      `hyperpod-cmk: --request-timeout: "${value}" is not a number of seconds from 1 to 3600\n` +
        `  hint: the default is ${DEFAULT_REQUEST_TIMEOUT_SECONDS} seconds per attempt\n`,
    );
  });

  it('is given to the collector in milliseconds, 30 seconds by default', () => {
    const io = memoryIo();
    expect(collectOptionsFrom({ requestTimeout: 2.5 }, resolveConfig(), io).requestTimeoutMs).toBe(2500);
    expect(collectOptionsFrom({}, resolveConfig(), io).requestTimeoutMs).toBe(30_000);
  });
});
