/**
 * Starts the moto server (the AWS emulator that speaks the real wire protocols) for `demo --live`
 * and the live test suite: `python3 -m moto.server -H 127.0.0.1 -p 0`, whose port is read from the
 * line it prints. When python3 or moto is missing, the error says how to install them.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface MotoServer {
  url: string;
  /** Empties every account and Region (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export class MotoUnavailableError extends Error {
  constructor(detail: string) {
    super(
      `the moto server (AWS emulator) could not be started: ${detail}. ` +
        'Install it with `python3 -m pip install "moto[server]==5.2.1"` (python3 must be on PATH).',
    );
    this.name = 'MotoUnavailableError';
  }
}

export async function startMoto(options: { python?: string; timeoutMs?: number } = {}): Promise<MotoServer> {
  const python = options.python ?? process.env.HYPERPOD_CMK_PYTHON ?? 'python3';
  const child: ChildProcess = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(
        new MotoUnavailableError(
          `no "Running on" line within ${options.timeoutMs ?? 30_000} ms: ${output.slice(-300)}`,
        ),
      );
    }, options.timeoutMs ?? 30_000);
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
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new MotoUnavailableError(error.code === 'ENOENT' ? `${python} is not installed` : error.message),
      );
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const missing = /No module named moto/.test(output);
      reject(
        new MotoUnavailableError(
          missing
            ? 'the python module moto is not installed'
            : `it exited with code ${code}: ${output.slice(-300)}`,
        ),
      );
    });
  });
  // Keep draining its output so it never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    url,
    async reset() {
      const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
