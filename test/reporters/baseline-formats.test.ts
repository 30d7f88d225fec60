/**
 * Findings the --baseline records are "reported, counted apart, and do not fail the run" (docs/ci.md).
 * Every CI format says so: a run whose failures are all in the baseline exits 0, so no format may
 * show them as new failures (a red JUnit test, a GitHub error annotation, a GitLab major issue, a
 * Markdown "High" table), and where a format shows only part (GitHub annotations, SARIF under its
 * cap) the new findings come before the known ones.
 */
import { readFileSync } from 'node:fs';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { demoEstate } from '../../src/demo/estate.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { buildReport } from '../../src/engine/report.js';
import type { Finding } from '../../src/model/finding.js';
import type { Report } from '../../src/model/report.js';
import { renderCsv } from '../../src/reporters/csv.js';
import { renderGithub } from '../../src/reporters/github.js';
import { renderGitlab } from '../../src/reporters/gitlab.js';
import { renderJunit } from '../../src/reporters/junit.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import { renderSarif } from '../../src/reporters/sarif.js';

const NOW = new Date('2026-11-27T00:00:00Z');
const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;
const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validateSarif = ajv.compile(
  JSON.parse(readFileSync(new URL('../fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8')),
);

function reportOf(baseline?: ReadonlySet<string>): Report {
  const inventory = demoEstate();
  const evaluation = evaluate(inventory, {
    config: resolveConfig(),
    now: NOW,
    ...(baseline ? { baseline } : {}),
  });
  return buildReport({ inventory, evaluation, startedAt: NOW, finishedAt: NOW });
}

const open = (f: Finding) => (f.status === 'FAIL' || f.status === 'UNKNOWN') && !f.suppressed;

/** Every open FAIL and UNKNOWN of the demo in the baseline but the first of each status, left new. */
const plain = reportOf();
const newOnes = new Set(
  ['FAIL', 'UNKNOWN'].map(
    (status) => plain.findings.find((f) => open(f) && f.status === status)!.fingerprint,
  ),
);
const recorded = new Set(
  plain.findings.filter((f) => open(f) && !newOnes.has(f.fingerprint)).map((f) => f.fingerprint),
);
const report = reportOf(recorded);
const baselined = report.findings.filter((f) => f.baseline);
const fresh = report.findings.filter((f) => open(f) && !f.baseline);

describe('findings in the baseline, in every CI format', () => {
  it('the demo has failures and unknowns in the baseline, and one new of each', () => {
    expect(baselined.length).toBe(recorded.size);
    expect(baselined.filter((f) => f.status === 'FAIL').length).toBeGreaterThan(10);
    expect(baselined.filter((f) => f.status === 'UNKNOWN').length).toBeGreaterThan(0);
    expect(fresh.map((f) => f.status).sort()).toEqual(['FAIL', 'UNKNOWN']);
    expect(report.summary.baseline).toBe(recorded.size);
    expect([report.summary.fail, report.summary.unknown]).toEqual([1, 1]);
  });

  it('JUnit: a recorded failure is a skipped test, not a failed one; the new failure fails', () => {
    const xml = renderJunit(report);
    expect(/<testsuites [^>]*failures="(\d+)"/.exec(xml)![1]).toBe('1');
    const failed = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)">\n\s*<failure /g)];
    const newFail = fresh.find((f) => f.status === 'FAIL')!;
    expect(failed.map((m) => [m[1], m[2]])).toEqual([[newFail.ruleId, newFail.resource.id]]);
    const recordedFail = baselined.find((f) => f.status === 'FAIL')!;
    expect(xml).toContain(
      `<testcase classname="${recordedFail.ruleId}" name="${recordedFail.resource.id}">\n      <skipped message="in baseline (FAIL): recorded in the --baseline file, does not fail the run: ${recordedFail.message}">`,
    );
  });

  it('GitHub: recorded findings are notices after the new ones, titled "in baseline"', () => {
    const lines = renderGithub(report).trimEnd().split('\n');
    const commands = lines.filter((line) => line.startsWith('::'));
    const levels = commands.map((line) => /^::(\w+)/.exec(line)![1]);
    const newCount = fresh.length + report.issues.length;
    // The new failure and the new unknown first, then one notice per recorded finding.
    expect(levels.slice(newCount).every((level) => level === 'notice')).toBe(true);
    expect(commands.slice(newCount).every((line) => / \(in baseline\)::/.test(line))).toBe(true);
    expect(commands.length - newCount).toBe(baselined.length);
    expect(commands.slice(0, newCount).some((line) => line.includes('(in baseline)'))).toBe(false);
  });

  it('GitLab: a recorded finding is info and says it is in the baseline; the new failure keeps its severity', () => {
    const issues = JSON.parse(renderGitlab(report)) as {
      fingerprint: string;
      severity: string;
      description: string;
    }[];
    for (const f of baselined) {
      const issue = issues.find((i) => i.fingerprint === f.fingerprint)!;
      expect(issue.severity).toBe('info');
      expect(issue.description.startsWith(`[in baseline: ${f.status}, does not fail the run] `)).toBe(true);
    }
    const newFail = fresh.find((f) => f.status === 'FAIL')!;
    const issue = issues.find((i) => i.fingerprint === newFail.fingerprint)!;
    expect(issue.severity).toBe(
      { critical: 'critical', high: 'major', medium: 'minor', low: 'info' }[newFail.severity],
    );
    expect(issue.description.startsWith('[in baseline')).toBe(false);
  });

  it('Markdown: only the new failure is in a severity table; the recorded ones are listed apart and counted', () => {
    const md = renderMarkdown(report);
    expect(md).toContain(`· 1 failed · 1 unknown · `);
    expect(md).toContain(` · ${baselined.length} in baseline\n`);
    expect(md).toContain(`<details><summary>In baseline (${baselined.length})</summary>`);
    const severityRows = md
      .split('\n### ')
      .filter((section) => /^(Critical|High|Medium|Low) \(/.test(section))
      .flatMap((section) => section.split('\n').filter((line) => line.startsWith('| `')));
    expect(severityRows).toHaveLength(1);
    expect(md).toMatch(/### Unknown \(1\)/);
  });

  it('SARIF: results say whether the baseline records them, and the cap keeps the new ones first', () => {
    const log = JSON.parse(renderSarif(report, undefined, {}, 2));
    const results = log.runs[0].results as {
      baselineState: string;
      partialFingerprints: Record<string, string>;
    }[];
    expect(results.map((r) => r.partialFingerprints['hyperpodCmkFinding/v1']).sort()).toEqual(
      fresh.map((f) => f.fingerprint).sort(),
    );
    expect(results.map((r) => r.baselineState)).toEqual(['new', 'new']);
    const notice = log.runs[0].invocations[0].toolExecutionNotifications.find(
      (n: { descriptor: { id: string } }) => n.descriptor.id === 'sarif.results_omitted',
    );
    expect(notice.message.text).toContain(
      `(0 failed, 0 unknown, ${baselined.length} in baseline, 0 suppressed)`,
    );
    expect(validateSarif(log)).toBe(true);
    const whole = JSON.parse(renderSarif(report, undefined, {}, Number.POSITIVE_INFINITY));
    expect(validateSarif(whole)).toBe(true);
    const all = whole.runs[0].results as { baselineState: string }[];
    expect(all.filter((r) => r.baselineState === 'unchanged')).toHaveLength(baselined.length);
    // Without a baseline, no result claims a baseline state.
    const without = JSON.parse(renderSarif(plain)).runs[0].results as Record<string, unknown>[];
    expect(without.some((r) => 'baselineState' in r)).toBe(false);
  });

  it('CSV: a last column says which rows the baseline records', () => {
    const rows = renderCsv(report).trimEnd().split('\r\n');
    expect(rows[0]!.endsWith(',fingerprint,baseline')).toBe(true);
    const yes = rows.slice(1).filter((row) => row.endsWith(',yes'));
    expect(yes).toHaveLength(baselined.length);
  });
});
