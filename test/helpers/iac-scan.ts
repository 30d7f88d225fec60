/** Scans IaC fixtures through the real scanner and engine, at a fixed clock. */
import { fileURLToPath } from 'node:url';
import { scanIac } from '../../src/parsers/iac.js';
import { runPipeline } from '../../src/pipeline.js';

export const IAC_FIXTURES = fileURLToPath(new URL('../fixtures/iac/', import.meta.url));
const NOW = new Date('2026-11-27T12:00:00Z');
const FIXTURES = IAC_FIXTURES;

export async function scanFixtures(
  paths: string[],
  options: { parameters?: string[]; varFiles?: string[]; cwd?: string } = {},
) {
  const result = await scanIac({
    paths,
    cwd: options.cwd ?? FIXTURES,
    generatedAt: NOW.toISOString(),
    ...(options.parameters ? { parameters: options.parameters } : {}),
    ...(options.varFiles ? { varFiles: options.varFiles } : {}),
  });
  if (!result.ok) throw new Error(`${result.error.input}: ${result.error.message}`);
  const { report } = runPipeline(result.value.inventory, { now: NOW, issues: result.value.issues });
  return { ...result.value, report };
}
