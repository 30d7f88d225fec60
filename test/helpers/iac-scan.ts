/** Scans IaC fixtures through the real scanner and engine, at a fixed clock. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanIac } from '../../src/parsers/iac.js';
import { runPipeline } from '../../src/pipeline.js';

export const IAC_FIXTURES = fileURLToPath(new URL('../fixtures/iac/', import.meta.url));
const NOW = new Date('2026-11-27T12:00:00Z');
const FIXTURES = IAC_FIXTURES;

interface ScanOptions {
  parameters?: string[];
  varFiles?: string[];
  region?: string;
  account?: string;
}

const written: string[] = [];

/** Writes `files` (path -> text) into a directory of their own and scans it as `iac .` does. */
export async function scanFiles(files: Record<string, string>, options: ScanOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hpcmk-iac-'));
  written.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return scanFixtures(['.'], { ...options, cwd: dir });
}

/** Removes the directories `scanFiles` wrote (an afterEach of the tests that use it). */
export function removeScannedFiles(): void {
  for (const dir of written.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export async function scanFixtures(paths: string[], options: ScanOptions & { cwd?: string } = {}) {
  const result = await scanIac({
    paths,
    cwd: options.cwd ?? FIXTURES,
    generatedAt: NOW.toISOString(),
    ...(options.parameters ? { parameters: options.parameters } : {}),
    ...(options.varFiles ? { varFiles: options.varFiles } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.account ? { account: options.account } : {}),
  });
  if (!result.ok) throw new Error(`${result.error.input}: ${result.error.message}`);
  const { report } = runPipeline(result.value.inventory, { now: NOW, issues: result.value.issues });
  return { ...result.value, report };
}
