/**
 * A moto server of its own for one test file (the guardrails Lambda tests), on the launcher that
 * `demo --live` and the live suite use (src/demo/moto-server.ts). A machine without moto fails
 * loudly: the tests that need it must not silently pass.
 */
import { startMoto as startMotoServer } from '../../src/demo/moto-server.js';

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
export const MOTO_ACCOUNT = '123456789012';

export async function startMoto(timeoutMs = 60_000): Promise<MotoServer> {
  const server = await startMotoServer({ timeoutMs });
  return { endpoint: server.url, stop: () => server.stop() };
}
