/**
 * Debian's xmllint (libxml2-utils) for validating XML reports against an XSD. Installs the package
 * when it is missing (the suite runs as root on a fresh machine); when that is impossible it
 * throws, so the suite fails loudly instead of skipping.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const XMLLINT = '/usr/bin/xmllint';

export function ensureXmllint(): void {
  if (existsSync(XMLLINT)) return;
  if (process.getuid?.() !== 0)
    throw new Error(
      `${XMLLINT} is missing and the tests are not running as root: install it with \`apt-get install -y libxml2-utils\``,
    );
  process.stderr.write(
    'hyperpod-cmk tests: installing Debian libxml2-utils for the JUnit schema tests (apt-get)…\n',
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'libxml2-utils']]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0)
      throw new Error(
        `apt-get ${args.join(' ')} failed (exit ${result.status}): ${result.stderr.slice(-2000)}`,
      );
  }
  if (!existsSync(XMLLINT))
    throw new Error(`apt-get installed libxml2-utils but ${XMLLINT} is still missing`);
}

/** Validates `xml` against the schema file; returns xmllint's verdict and messages. */
export function validateXml(xml: string, schema: string): { valid: boolean; messages: string } {
  ensureXmllint();
  const result = spawnSync(XMLLINT, ['--noout', '--nonet', '--schema', schema, '-'], {
    input: xml,
    encoding: 'utf8',
  });
  return { valid: result.status === 0, messages: result.stderr };
}

/** Evaluates an XPath 1.0 expression on `xml` (e.g. `count(//failure)`, `string(//testcase[1]/@name)`). */
export function xpath(xml: string, expression: string): string {
  ensureXmllint();
  const result = spawnSync(XMLLINT, ['--nonet', '--xpath', expression, '-'], {
    input: xml,
    encoding: 'utf8',
  });
  if (result.status !== 0 && !/XPath set is empty/.test(result.stderr))
    throw new Error(`xmllint --xpath ${expression} failed: ${result.stderr}`);
  return result.stdout.replace(/\n$/, '');
}
