import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import type { Report } from '../../src/model/report.js';
import { renderJunit, renderJunitChunks, xml } from '../../src/reporters/junit.js';
import { hostileReport } from '../helpers/hostile.js';
import { scanFixtures } from '../helpers/iac-scan.js';
import { validateXml, xpath } from '../helpers/xmllint.js';
import { canonicalReport } from './fixture.js';

const XSD = fileURLToPath(new URL('../fixtures/junit/junit-10.xsd', import.meta.url));

function expectValid(text: string) {
  const verdict = validateXml(text, XSD);
  expect(verdict.messages).toBe('- validates\n');
  expect(verdict.valid).toBe(true);
}

const count = (text: string, expression: string) => Number(xpath(text, `count(${expression})`));

describe('JUnit XML reporter', () => {
  it('streams to a file in pieces: the counts first, then each suite a batch of cases at a time', () => {
    const report = canonicalReport();
    const one = report.findings.find((f) => f.status === 'FAIL')!;
    const findings = Array.from({ length: 1300 }, (_, i) => ({ ...one, fingerprint: `fp${i}` }));
    const sized = { ...report, findings, issues: [] };
    const pieces = [...renderJunitChunks(sized)];
    // The declaration, the testsuites element, the suite's start, 3 batches of cases, its end, the close.
    expect(pieces.length).toBe(8);
    expect(pieces[1]).toBe('<testsuites name="hyperpod-cmk" tests="1300" failures="1300" errors="0">\n');
    expect(pieces.slice(3, 6).map((piece) => piece.match(/<testcase /g)?.length)).toEqual([512, 512, 276]);
    expectValid(pieces.join(''));
  });

  it('the schema check itself rejects a malformed report', () => {
    expect(
      validateXml('<testsuites><testsuite name="x"><testcase/></testsuite></testsuites>', XSD).valid,
    ).toBe(false);
  });

  it('is valid against junit-10.xsd, with one testcase per rule x resource and the right children', () => {
    const report = canonicalReport();
    const text = renderJunit(report);
    expectValid(text);
    const f = report.findings;
    const failing = f.filter((x) => x.status === 'FAIL' && !x.suppressed);
    const skipped = f.filter((x) => x.suppressed || x.status === 'UNKNOWN' || x.status === 'NOT_APPLICABLE');
    expect(failing.length).toBeGreaterThan(0);
    expect(f.some((x) => x.status === 'UNKNOWN' && !x.suppressed)).toBe(true);
    expect(f.some((x) => x.suppressed)).toBe(true);
    expect(count(text, '//testcase')).toBe(f.length);
    expect(count(text, '//testcase/failure')).toBe(failing.length);
    expect(count(text, '//testcase/skipped')).toBe(skipped.length);
    expect(count(text, '//testcase[not(*)]')).toBe(
      f.filter((x) => x.status === 'PASS' && !x.suppressed).length,
    );
    expect(xpath(text, 'string(/testsuites/@tests)')).toBe(String(f.length));
    expect(xpath(text, 'string(/testsuites/@failures)')).toBe(String(failing.length));
    // each suite's counts add up
    const rules = [...new Set(f.map((x) => x.ruleId))];
    expect(count(text, '/testsuites/testsuite')).toBe(rules.length);
    for (const rule of rules) {
      const mine = f.filter((x) => x.ruleId === rule);
      expect(xpath(text, `string(//testsuite[@name="${rule}"]/@tests)`)).toBe(String(mine.length));
      expect(xpath(text, `string(//testsuite[@name="${rule}"]/@failures)`)).toBe(
        String(mine.filter((x) => x.status === 'FAIL' && !x.suppressed).length),
      );
    }
  });

  it('says why a testcase is skipped: UNKNOWN, NOT_APPLICABLE, or suppressed with its reason', () => {
    const report = canonicalReport();
    const text = renderJunit(report);
    const messageOf = (finding: Finding) =>
      xpath(
        text,
        `string(//testcase[@classname="${finding.ruleId}"][@name="${finding.resource.id}"]/*[1]/@message)`,
      );
    const unknown = report.findings.find((x) => x.status === 'UNKNOWN' && !x.suppressed)!;
    expect(messageOf(unknown)).toBe(`UNKNOWN: could not be judged: ${unknown.message}`);
    const suppressed = report.findings.find(
      (x) => x.suppressed && x.suppressed.reason === 'tags land with PLAT-1',
    )!;
    expect(messageOf(suppressed)).toBe(
      `suppressed (${suppressed.status}): tags land with PLAT-1 (until 2027-01-01)`,
    );
    const failed = report.findings.find((x) => x.status === 'FAIL' && !x.suppressed)!;
    expect(messageOf(failed)).toBe(failed.message);
    expect(
      xpath(
        text,
        `string(//testcase[@classname="${failed.ruleId}"][@name="${failed.resource.id}"]/failure/@type)`,
      ),
    ).toBe(failed.severity);
    const na = report.findings.find((x) => x.status === 'NOT_APPLICABLE' && !x.suppressed);
    if (na) expect(messageOf(na)).toBe(`NOT_APPLICABLE: ${na.message}`);
  });

  it('gives IaC failures their repository-relative file and line, and input problems as errors', async () => {
    const { report } = await scanFixtures(['cloudformation-yaml/no-key.yaml']);
    const withIssue: Report = {
      ...report,
      issues: [
        {
          code: 'cfn.parse',
          severity: 'error',
          message: 'YAML could not be parsed',
          location: { file: 'bad.yaml', line: 7 },
        },
        { code: 'input.too_large', severity: 'warning', message: 'skipped: larger than 10 MiB' },
      ],
    };
    const fixtures = fileURLToPath(new URL('../fixtures/iac/', import.meta.url));
    const text = renderJunit(withIssue, {
      cwd: fixtures,
      baseDir: fileURLToPath(new URL('../', import.meta.url)),
    });
    expectValid(text);
    const failed = report.findings.find((x) => x.status === 'FAIL' && x.resource.location?.line)!;
    // Named as the fingerprint and the other CI formats name it: its file relative to the
    // repository root, not to the directory the scan ran in.
    expect(failed.resource.id).toMatch(/^cloudformation-yaml\/no-key\.yaml#/);
    const name = `fixtures/iac/${failed.resource.id}`;
    const body = xpath(text, `string(//testcase[@classname="${failed.ruleId}"][@name="${name}"]/failure)`);
    expect(body).toContain(
      `at fixtures/iac/cloudformation-yaml/no-key.yaml:${failed.resource.location!.line}\n`,
    );
    expect(body).toContain(`Remediation: ${failed.remediation}`);
    expect(count(text, '//testsuite[@name="inputs"]/testcase/error[@type="cfn.parse"]')).toBe(1);
    expect(xpath(text, 'string(//testsuite[@name="inputs"]/testcase[error]/@name)')).toBe(
      'fixtures/iac/bad.yaml:7',
    );
    expect(count(text, '//testsuite[@name="inputs"]/testcase/skipped[@type="input.too_large"]')).toBe(1);
    expect(xpath(text, 'string(/testsuites/@errors)')).toBe('1');
  });

  it('escapes markup, quotes and control characters in names from accounts and templates', () => {
    const base = hostileReport();
    const finding = base.findings.find((x) => x.status === 'FAIL')!;
    const evil = `a"b'c<d>&e\u001b[31mred\u0000\u0007 ]]> \ud800 line1\nline2\r`;
    const report: Report = {
      ...base,
      findings: [
        { ...finding, message: evil, resource: { ...finding.resource, id: evil } },
        ...base.findings,
      ],
    };
    const text = renderJunit(report);
    expectValid(text);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    const attribute = xpath(text, `string(//testcase[1]/failure/@message)`);
    expect(attribute).toBe(`a"b'c<d>&e\\u001b[31mred\\u0000\\u0007 ]]> \\ud800 line1\nline2\r`);
    expect(xml('<&>')).toBe('&lt;&amp;&gt;');
  });

  it('writes bidi, invisible and noncharacters in names as visible escapes, keeping tabs', () => {
    // A CI page shows these names: an RLO would reorder them (Trojan Source), a zero-width space
    // make two look the same, as on a terminal or a Markdown page.
    const base = hostileReport();
    const finding = base.findings.find((x) => x.status === 'FAIL')!;
    const evil = 'gpj.\u202eexe\u2066x\u200b\u00ady\ufeff\ufdd0\ud83f\udffe\tz\u0085';
    const report: Report = {
      ...base,
      findings: [
        { ...finding, message: evil, resource: { ...finding.resource, id: evil } },
        ...base.findings,
      ],
    };
    const text = renderJunit(report);
    expectValid(text);
    expect(text).not.toMatch(/[\u202e\u2066\u200b\u00ad\ufeff\ufdd0\u0085]|\ud83f\udffe/);
    const shown = 'gpj.\\u202eexe\\u2066x\\u200b\\u00ady\\ufeff\\ufdd0\\ud83f\\udffe\tz\\u0085';
    expect(xpath(text, 'string(//testcase[1]/failure/@message)')).toBe(shown);
    expect(xpath(text, 'string(//testcase[1]/@name)')).toBe(shown);
  });
});
