/**
 * `npm run bench`: runs every bench/*.bench.ts in its own Node process (so each one's peak memory
 * is its own) and prints their figures. `npm run bench -- store` runs only the benches whose file
 * name contains "store". Arguments after `--` go to every bench run (`npm run bench -- live --
 * --accounts 200`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const separator = process.argv.indexOf('--', 2);
const filters = process.argv.slice(2, separator < 0 ? undefined : separator);
const benchArgs = separator < 0 ? [] : process.argv.slice(separator + 1);
const benches = readdirSync(dir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n=== ${file} ===\n`);
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', `${dir}${file}`, ...benchArgs],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    failed++;
    process.stdout.write(`${file} failed with exit code ${result.status}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
