/**
 * Starts one moto server for the whole run. The live test files run in parallel, so they do not
 * reset it between files: each file works in fresh accounts of its own (moto keeps every account
 * apart), which isolates them as well as a reset would, without one file wiping another's data.
 */
import type { TestProject } from 'vitest/node';
import { type MotoServer, startMoto } from '../../src/demo/moto-server.js';

let server: MotoServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The pinned SDK supports Node 20; its notice about future releases would only clutter the output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    server = await startMoto();
    await server.reset();
    project.provide('motoUrl', server.url);
    project.provide('motoError', '');
  } catch (error) {
    // The live files fail with this message; the rest of the suite still runs and reports.
    project.provide('motoUrl', '');
    project.provide('motoError', (error as Error).message);
  }
  return async () => {
    await server?.stop();
  };
}
