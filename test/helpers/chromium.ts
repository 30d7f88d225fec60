/**
 * Debian's Chromium for the dashboard tests, driven by playwright-core (never a downloaded browser).
 * Installs the `chromium` package when it is missing (the suite runs as root on a fresh machine);
 * when that is impossible it throws, so the suite fails loudly instead of skipping.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0)
    throw new Error(
      `${CHROMIUM} is missing and the tests are not running as root: install it with \`apt-get install -y chromium\``,
    );
  process.stderr.write('hyperpod-cmk tests: installing Debian chromium for the dashboard tests (apt-get)…\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0)
      throw new Error(
        `apt-get ${args.join(' ')} failed (exit ${result.status}): ${result.stderr.slice(-2000)}`,
      );
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing`);
  execFileSync(CHROMIUM, ['--version'], { stdio: 'ignore' });
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh browser profile (its own --user-data-dir) on Debian's Chromium. */
export async function launchChromium(): Promise<BrowserContext> {
  ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'hpcmk-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 1000 },
  });
}
