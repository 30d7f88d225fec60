/** The CI formats reach every report command through the format registry. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { render } from '../../src/index.js';
import { FORMATS } from '../../src/reporters/index.js';
import { scanFixtures } from '../helpers/iac-scan.js';
import { memoryIo } from '../helpers/io.js';
import { validateXml } from '../helpers/xmllint.js';
import { OcsfReportSchema } from '../reporters/ocsf-schema.js';

const IAC = fileURLToPath(new URL('../fixtures/iac/', import.meta.url));
const XSD = fileURLToPath(new URL('../fixtures/junit/junit-10.xsd', import.meta.url));

const check: Record<string, (text: string) => void> = {
  junit: (text) => expect(validateXml(text, XSD).valid).toBe(true),
  github: (text) =>
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .every((l) => /^(::(error|warning|notice) |hyperpod-cmk: )/.test(l)),
    ).toBe(true),
  gitlab: (text) => expect(Array.isArray(JSON.parse(text))).toBe(true),
  ocsf: (text) => expect(OcsfReportSchema.safeParse(JSON.parse(text)).success).toBe(true),
};

describe('--format junit|github|gitlab|ocsf', () => {
  it('are registered formats', () => {
    expect(FORMATS).toEqual(expect.arrayContaining(['junit', 'github', 'gitlab', 'ocsf', 'sarif']));
  });

  it('the library render() takes the repository root too', async () => {
    const { report } = await scanFixtures(['cloudformation-yaml/no-key.yaml']);
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const issues = JSON.parse(render(report, 'gitlab', { cwd: IAC, baseDir: root })) as {
      location: { path: string };
    }[];
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues)
      expect(issue.location.path).toBe('test/fixtures/iac/cloudformation-yaml/no-key.yaml');
  });

  for (const format of Object.keys(check)) {
    it(`${format}: demo and iac write it, and the exit code still follows --fail-on`, async () => {
      const demo = memoryIo({ cwd: IAC });
      expect(await runCli(['demo', '--format', format, '--fail-on', 'critical'], demo)).toBe(1);
      check[format]!(demo.out());
      const iac = memoryIo({ cwd: IAC });
      expect(await runCli(['iac', 'cloudformation-yaml/no-key.yaml', '--format', format], iac)).toBe(1);
      check[format]!(iac.out());
      expect(iac.err()).toBe('');
    });
  }
});
