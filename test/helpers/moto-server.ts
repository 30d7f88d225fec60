/**
 * Starts the moto AWS emulator (`python3 -m moto.server`) on a free loopback port for one test
 * file, and stops it afterwards. A machine without moto fails the suite loudly: the tests that
 * need it must not silently pass.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
export const MOTO_ACCOUNT = '123456789012';

export async function startMoto(timeoutMs = 60_000): Promise<MotoServer> {
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let output = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`moto did not start within ${timeoutMs} ms. Output:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `moto is required for these tests and did not start (exit ${code}): install it with ` +
            `\`pip install 'moto[server]==5.2.1'\`.\n${output}`,
        ),
      );
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`python3 could not be started for moto: ${error.message}`));
    });
  });
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
