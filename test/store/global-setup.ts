/**
 * Starts one PostgreSQL server for the whole integration run (test/helpers/postgres.ts), stopped
 * and removed at the end. Each test file that needs it makes a database of its own.
 */
import type { TestProject } from 'vitest/node';
import { type PostgresServer, startPostgres } from '../helpers/postgres.js';

let server: PostgresServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    server = await startPostgres();
    project.provide('postgresUrl', server.url);
    project.provide('postgresError', '');
  } catch (error) {
    // The history files fail with this message; the rest of the suite still runs and reports.
    project.provide('postgresUrl', '');
    project.provide('postgresError', (error as Error).message);
  }
  return async () => {
    await server?.stop();
  };
}
