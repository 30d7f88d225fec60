/**
 * GitHub Actions annotations, checked against the workflow-command format and its escaping rules
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands; the runner's
 * escaping is actions/toolkit packages/core/src/command.ts): `::level k=v,k=v::data`, with `%`, CR,
 * LF escaped in data and also `:` and `,` in property values.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.js';
import { escapeData, escapeProperty, renderGithub } from '../../src/reporters/github.js';
import { scanFixtures } from '../helpers/iac-scan.js';
import { canonicalReport } from './fixture.js';

/** Parses one workflow command line the way the runner does (split at the first `::` after the name). */
function parse(line: string) {
  const match = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!match) return undefined;
  const decode = (text: string) =>
    text
      .replace(/%3A/g, ':')
      .replace(/%2C/g, ',')
      .replace(/%0D/g, '\r')
      .replace(/%0A/g, '\n')
      .replace(/%25/g, '%');
  const properties = Object.fromEntries(
    (match[2] ?? '')
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), decode(pair.slice(at + 1))];
      }),
  );
  return { level: match[1], properties, message: decode(match[3]!) };
}

describe('GitHub Actions annotations', () => {
  it('escapes data and properties as the runner expects', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('a:b,c%d\ne')).toBe('a%3Ab%2Cc%25d%0Ae');
    expect(escapeData('\u001b[31mred\u0007')).toBe('\\u001b[31mred\\u0007');
  });

  it('annotates each unsuppressed FAIL at its repository-relative file and line, by severity', async () => {
    const { report } = await scanFixtures(['cloudformation-yaml']);
    const fixtures = fileURLToPath(new URL('../fixtures/iac/', import.meta.url));
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const lines = renderGithub(report, { cwd: fixtures, baseDir: root }).trimEnd().split('\n');
    const commands = lines.slice(0, -1).map(parse);
    expect(commands.every((c) => c !== undefined)).toBe(true);
    const failed = report.findings.filter((f) => f.status === 'FAIL' && !f.suppressed);
    const unknown = report.findings.filter((f) => f.status === 'UNKNOWN' && !f.suppressed);
    expect(failed.length).toBeGreaterThan(0);
    expect(unknown.length).toBeGreaterThan(0);
    expect(commands).toHaveLength(failed.length + unknown.length + report.issues.length);
    const level = { critical: 'error', high: 'error', medium: 'warning', low: 'notice' } as const;
    for (const f of failed) {
      const command = commands.find(
        (c) =>
          c!.properties.title === `${f.ruleId} (${f.severity})` &&
          c!.properties.file === `test/fixtures/iac/${f.resource.location!.file}` &&
          c!.properties.line === String(f.resource.location!.line) &&
          c!.message.includes(f.message),
      )!;
      expect(command).toBeDefined();
      expect(command.level).toBe(level[f.severity]);
      expect(command.message).toContain(`\nRemediation: ${f.remediation}`);
      // A resource of no cluster (a key) is named by its id, its file relative to the repository
      // root as the annotation's file is, not to the directory the scan ran in.
      if (!f.resource.cluster)
        expect(command.message.startsWith(`test/fixtures/iac/${f.resource.id}: `), command.message).toBe(
          true,
        );
    }
    expect(failed.some((f) => !f.resource.cluster && f.resource.id.startsWith('cloudformation-yaml/'))).toBe(
      true,
    );
    for (const f of unknown) {
      expect(
        commands.some(
          (c) =>
            c!.level === 'warning' &&
            c!.properties.title === `${f.ruleId} (could not be judged)` &&
            c!.message.includes(f.message),
        ),
      ).toBe(true);
    }
    expect(lines.at(-1)).toMatch(/^hyperpod-cmk: \d+ failed, \d+ unknown, \d+ passed, \d+ suppressed/);
  });

  it('keeps suppressed failures as notices with their reason; a live finding has no file', () => {
    const report = canonicalReport();
    const lines = renderGithub(report).trimEnd().split('\n');
    const commands = lines.slice(0, -1).map(parse);
    const suppressed = report.findings.filter(
      (f) => f.suppressed && (f.status === 'FAIL' || f.status === 'UNKNOWN'),
    );
    expect(suppressed.length).toBeGreaterThan(0);
    for (const f of suppressed)
      expect(
        commands.some(
          (c) =>
            c!.level === 'notice' &&
            c!.properties.title === `${f.ruleId} (suppressed)` &&
            c!.message.includes(f.suppressed!.reason),
        ),
      ).toBe(true);
    expect(commands.every((c) => c!.properties.file === undefined)).toBe(true);
  });

  it('no value from a template can end the command or start another', () => {
    const base = canonicalReport();
    const finding = base.findings.find((f) => f.status === 'FAIL' && !f.suppressed)!;
    const evil = 'x\n::error file=/etc/passwd::pwned,title=a:b%0A\r\u001b[2J';
    const report: Report = {
      ...base,
      findings: [
        {
          ...finding,
          ruleId: `rule,${evil}`,
          message: evil,
          resource: { ...finding.resource, location: { file: `dir,x:${evil}.yaml`, line: 3 } },
        },
      ],
    };
    const text = renderGithub(report, { cwd: '/repo', baseDir: '/repo' });
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(text).not.toMatch(/[\r\u001b]/);
    const command = parse(lines[0]!)!;
    // An ESC in the file's name: no file it could name exactly (see below); the message says where.
    expect(command.properties.file).toBeUndefined();
    expect(command.properties.line).toBeUndefined();
    expect(command.properties.title).toBe(`rule,${evil.replace('\u001b', '\\u001b')} (${finding.severity})`);
    expect(command.message.startsWith(`${finding.resource.cluster}`)).toBe(true);
    expect(command.message).toContain(evil.replace('\u001b', '\\u001b'));
    expect(command.message.endsWith(`\n(dir,x:${evil.replace('\u001b', '\\u001b')}.yaml:3)`)).toBe(true);
  });

  /** The first failure of the canonical report, its resource and any source issue at `file`, line 3. */
  function reportAt(file: string): Report {
    const base = canonicalReport();
    const finding = base.findings.find((f) => f.status === 'FAIL' && !f.suppressed)!;
    return {
      ...base,
      findings: [{ ...finding, resource: { ...finding.resource, location: { file, line: 3 } } }],
      issues: [
        {
          code: 'cfn.parse',
          severity: 'error',
          message: 'YAML could not be parsed',
          location: { file, line: 3 },
        },
      ],
    };
  }

  // The runner undoes exactly GitHub's escaping of a property (%0D, %0A, %3A, %2C, %25:
  // actions/runner src/Runner.Common/ActionCommand.cs, UnescapeProperty), and matches `file` to the
  // pull request's files: a file name is written with that escaping only, so it arrives whole.
  it.each([
    ['a comma and a colon', 'infra/a,b:c.yaml'],
    ['a percent sign and what looks like an escape', 'infra/100%25 %0A.yaml'],
    ['a line feed and a carriage return', 'infra/a\nb\r.yaml'],
    ['a workflow command', 'infra/x::error file=/etc/passwd::pwned.yaml'],
  ])('a file name holding %s is annotated at that exact file, in one command', (_name, file) => {
    const lines = renderGithub(reportAt(file), { cwd: '/repo', baseDir: '/repo' }).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines.slice(0, 2)) {
      const command = parse(line)!;
      expect(command.properties.file).toBe(file);
      expect(command.properties.line).toBe('3');
      expect(command.message).not.toContain(file);
    }
  });

  // Any other control, bidi or invisible character cannot be written as it is (the CLI's stdout
  // shows it as an escape, and a reviewer reads it), and an escape would name a file that does not
  // exist: such a file is named in the message, as one outside the repository is, not annotated.
  it.each([
    ['a tab', 'infra/a\tb.yaml', 'infra/a\\u0009b.yaml'],
    ['an ESC', 'infra/\u001b[2Ja.yaml', 'infra/\\u001b[2Ja.yaml'],
    ['a right-to-left override', 'infra/\u202elmay.yaml', 'infra/\\u202elmay.yaml'],
    ['a zero-width space', 'infra/a\u200b.yaml', 'infra/a\\u200b.yaml'],
  ])(
    'a file name holding %s is named in the message, never at a file of another name',
    (_name, file, shown) => {
      const text = renderGithub(reportAt(file), { cwd: '/repo', baseDir: '/repo' });
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e]/);
      const lines = text.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      const [issue, failure] = lines.map(parse);
      for (const command of [issue!, failure!]) {
        expect(command.properties.file).toBeUndefined();
        expect(command.properties.line).toBeUndefined();
        expect(command.message.endsWith(`\n(${shown}:3)`)).toBe(true);
      }
    },
  );

  it('writes the most severe first, so the 10 of each kind GitHub shows matter most, and says when there are more', () => {
    const base = canonicalReport();
    const failure = base.findings.find((f) => f.status === 'FAIL' && !f.suppressed)!;
    const unknown = base.findings.find((f) => f.status === 'UNKNOWN' && !f.suppressed)!;
    const at = (i: number) => ({ ...failure.resource, id: `${failure.resource.id}-${i}` });
    // Written in the worst order: low, then what could not be judged, medium, high, critical last;
    // annotated failures by severity, then what could not be judged.
    const findings = [
      ...Array.from({ length: 3 }, (_, i) => ({ ...failure, severity: 'low' as const, resource: at(i) })),
      ...Array.from({ length: 4 }, (_, i) => ({ ...unknown, resource: at(10 + i) })),
      ...Array.from({ length: 2 }, (_, i) => ({
        ...failure,
        severity: 'medium' as const,
        resource: at(20 + i),
      })),
      ...Array.from({ length: 5 }, (_, i) => ({
        ...failure,
        severity: 'high' as const,
        resource: at(30 + i),
      })),
      ...Array.from({ length: 8 }, (_, i) => ({
        ...failure,
        severity: 'critical' as const,
        resource: at(40 + i),
      })),
    ];
    const lines = renderGithub({ ...base, issues: [], findings })
      .trimEnd()
      .split('\n');
    const titles = lines.slice(0, -2).map((line) => parse(line)!.properties.title);
    const rule = failure.ruleId;
    expect(titles).toEqual([
      ...Array<string>(8).fill(`${rule} (critical)`),
      ...Array<string>(5).fill(`${rule} (high)`),
      ...Array<string>(2).fill(`${rule} (medium)`),
      ...Array<string>(3).fill(`${rule} (low)`),
      ...Array<string>(4).fill(`${unknown.ruleId} (could not be judged)`),
    ]);
    expect(lines.at(-2)).toBe(
      'hyperpod-cmk: GitHub shows 10 annotations of each kind per step: this step wrote 13 errors, 6 warnings and 3 notices, the most severe first; every one is in this log (--format sarif sends them to code scanning)',
    );
    expect(lines.at(-1)).toMatch(/^hyperpod-cmk: \d+ failed/);
    // Ten of each kind or fewer: no such line.
    const few = renderGithub({ ...base, issues: [], findings: findings.slice(0, 9) })
      .trimEnd()
      .split('\n');
    expect(few).toHaveLength(10);
    expect(few.some((line) => line.includes('GitHub shows'))).toBe(false);
  });
});
