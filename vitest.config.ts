import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `unit` is the pure core (rules, engine, policy, parsers, reporters, KPIs, collectors
 * against mocked clients): in-process, threads, no isolation, no build, no servers; `npm run
 * test:unit` runs it in seconds. `integration` is everything that starts something: moto, Chromium,
 * cfn-lint and cfn-guard, the spawned CLI, the SQLite and PostgreSQL history. Every test file lands in exactly one
 * tier: in `unit` when its folder is listed below, otherwise in `integration`, so a new slow test
 * never slows the fast tier and no test is left out of `npm test`.
 */
const UNIT = [
  'test/rules/**',
  'test/engine/**',
  'test/policy/**',
  'test/parsers/**',
  'test/reporters/**',
  'test/kpi/**',
  'test/collectors/**',
  'test/docs/**',
  'test/helpers/**',
  'test/policy-diff/**',
  'test/register/**',
  'test/drift/**',
  'test/plan/**',
  'test/remediation/**',
  'test/model/**',
];
/** Files in a unit folder that still need a browser, a server or a child process (or mock modules, below). */
const NOT_UNIT = ['**/*.browser.test.ts', '**/*.moto.test.ts'];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path.split('\\').join('/')] : [];
  });
}

const isUnit = picomatch(UNIT);
const isNotUnit = picomatch(NOT_UNIT);
const files = testFiles('test');
/** Module mocks need a module registry of their own, which the unit tier (no isolation) does not give. */
const mocksModules = (file: string) => readFileSync(file, 'utf8').includes('vi.mock(');
const unit = files.filter((file) => isUnit(file) && !isNotUnit(file) && !mocksModules(file));
const integration = files.filter((file) => !unit.includes(file));

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: unit, pool: 'threads', isolate: false } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: integration,
          globalSetup: ['test/live/global-setup.ts', 'test/store/global-setup.ts'],
          pool: 'forks',
        },
      },
    ],
  },
});
