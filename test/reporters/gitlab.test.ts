/**
 * GitLab Code Quality report. GitLab publishes no JSON Schema for it, so this zod schema is written
 * from the documented format (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format):
 * "a JSON array of objects" with `description`, `check_name`, `fingerprint` ("a unique fingerprint
 * to identify the code quality violation"), `severity` ("info, minor, major, critical, or blocker"),
 * `location.path` ("the relative path to the file") and `location.lines.begin` (or
 * `location.positions.begin.line`); other Code Climate fields are allowed and ignored.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Report } from '../../src/model/report.js';
import { renderGitlab, renderGitlabChunks } from '../../src/reporters/gitlab.js';
import { scanFixtures } from '../helpers/iac-scan.js';
import { canonicalReport } from './fixture.js';

const CodeQualityReport = z
  .array(
    z.object({
      description: z.string().min(1),
      check_name: z.string().min(1),
      fingerprint: z.string().min(1),
      severity: z.enum(['info', 'minor', 'major', 'critical', 'blocker']),
      location: z.object({
        path: z
          .string()
          .min(1)
          .refine(
            (path) => !path.startsWith('/') && !path.startsWith('./') && !path.includes('\\'),
            'a relative path',
          ),
        lines: z.object({ begin: z.number().int().positive() }),
      }),
    }),
  )
  .superRefine((issues, ctx) => {
    const seen = new Set<string>();
    for (const issue of issues) {
      if (seen.has(issue.fingerprint))
        ctx.addIssue({ code: 'custom', message: `duplicate fingerprint ${issue.fingerprint}` });
      seen.add(issue.fingerprint);
    }
  });

const fixtures = fileURLToPath(new URL('../fixtures/iac/', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('GitLab Code Quality reporter', () => {
  it('the schema check itself rejects a malformed report', () => {
    expect(
      CodeQualityReport.safeParse([{ description: 'x', check_name: 'y', fingerprint: 'z', severity: 'high' }])
        .success,
    ).toBe(false);
    expect(
      CodeQualityReport.safeParse([
        {
          description: 'x',
          check_name: 'y',
          fingerprint: 'z',
          severity: 'info',
          location: { path: '/abs', lines: { begin: 1 } },
        },
      ]).success,
    ).toBe(false);
  });

  it('writes one issue per unsuppressed FAIL and UNKNOWN and per input problem, at repository-relative paths', async () => {
    const { report: scanned } = await scanFixtures(['cloudformation-yaml']);
    const report: Report = {
      ...scanned,
      issues: [
        {
          code: 'cfn.parse',
          severity: 'error',
          message: 'YAML could not be parsed',
          location: { file: 'bad.yaml', line: 7 },
        },
      ],
    };
    const issues = CodeQualityReport.parse(
      JSON.parse(renderGitlab(report, { cwd: fixtures, baseDir: root })),
    );
    const failed = report.findings.filter((f) => f.status === 'FAIL' && !f.suppressed);
    const unknown = report.findings.filter((f) => f.status === 'UNKNOWN' && !f.suppressed);
    expect(issues).toHaveLength(failed.length + unknown.length + 1);
    const severity = { critical: 'critical', high: 'major', medium: 'minor', low: 'info' } as const;
    for (const f of failed) {
      const issue = issues.find((i) => i.fingerprint === f.fingerprint)!;
      expect(issue).toMatchObject({
        check_name: `hyperpod-cmk/${f.ruleId}`,
        severity: severity[f.severity],
        location: {
          path: `test/fixtures/iac/${f.resource.location!.file}`,
          lines: { begin: f.resource.location!.line },
        },
      });
      expect(issue.description).toContain(f.message);
    }
    for (const f of unknown) {
      const issue = issues.find((i) => i.fingerprint === f.fingerprint)!;
      expect(issue.severity).toBe('info');
      expect(issue.description).toBe(
        `Could not be judged: ${f.resource.instanceGroup ? `${f.resource.cluster}/${f.resource.instanceGroup}` : (f.resource.cluster ?? f.resource.id)}: ${f.message}`,
      );
    }
    expect(issues.find((i) => i.check_name === 'hyperpod-cmk/cfn.parse')).toMatchObject({
      severity: 'major',
      location: { path: 'test/fixtures/iac/bad.yaml', lines: { begin: 7 } },
    });
  });

  it('streams to a file in pieces, the same bytes as the whole, for no, some and many entries', () => {
    const report = canonicalReport();
    const failing = report.findings.filter((f) => f.status === 'FAIL' || f.status === 'UNKNOWN');
    for (const count of [0, 1, 700]) {
      const findings = Array.from({ length: count }, (_, i) => ({
        ...failing[i % failing.length]!,
        fingerprint: `fp${i}`,
      }));
      for (const issues of [[], report.issues]) {
        const sized = { ...report, findings, issues };
        const streamed = [...renderGitlabChunks(sized)].join('');
        expect(streamed, `${count} findings`).toBe(renderGitlab(sized));
        expect(CodeQualityReport.parse(JSON.parse(streamed)), `${count} findings`).toHaveLength(
          count + issues.length,
        );
      }
    }
  });

  it('keeps suppressed findings as info with the reason; live findings are valid without a file', () => {
    const report = canonicalReport();
    const issues = CodeQualityReport.parse(JSON.parse(renderGitlab(report)));
    const suppressed = report.findings.find((f) => f.suppressed?.reason === 'tags land with PLAT-1')!;
    const issue = issues.find((i) => i.fingerprint === suppressed.fingerprint)!;
    expect(issue.severity).toBe('info');
    expect(issue.description.startsWith('[suppressed until 2027-01-01: tags land with PLAT-1] ')).toBe(true);
    expect(issue.location).toEqual({ path: suppressed.resource.id, lines: { begin: 1 } });
    expect(
      issues.some((i) => report.findings.find((f) => f.fingerprint === i.fingerprint)?.status === 'PASS'),
    ).toBe(false);
  });
});
