import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { emitReport, reportOptionsFrom } from '../../src/cli/common.js';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config/schema.js';
import { DEMO_TIME, demoEstate } from '../../src/demo/estate.js';
import type { Finding, Severity } from '../../src/model/finding.js';
import { scanIac } from '../../src/parsers/iac.js';
import { runPipeline } from '../../src/pipeline.js';
import {
  countSarifResults,
  GITHUB_MAX_RESULTS,
  renderSarif,
  renderSarifChunks,
} from '../../src/reporters/sarif.js';
import { RULES } from '../../src/rules/registry.js';
import { hostileReport } from '../helpers/hostile.js';
import { memoryIo } from '../helpers/io.js';
import { canonicalReport } from './fixture.js';

// CommonJS packages: their default export is on `.default` under NodeNext.
const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const schema = JSON.parse(readFileSync(`${FIXTURES}sarif/sarif-schema-2.1.0.json`, 'utf8'));
// The schema's language-tag pattern is not valid as a Unicode regular expression.
const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

async function sarifOf(paths: string[]) {
  const scanned = await scanIac({ paths, cwd: `${FIXTURES}iac`, generatedAt: '2026-11-27T12:00:00.000Z' });
  if (!scanned.ok) throw new Error(scanned.error.message);
  const config = resolveConfig({
    suppressions: [
      {
        rule: 'hyperpod-cluster-required-tags',
        resource: '*no-key.yaml#Cluster',
        reason: 'sandbox cluster, tagged by the account baseline',
      },
    ],
  });
  const { report } = runPipeline(scanned.value.inventory, {
    config,
    now: new Date('2026-11-27T12:00:00Z'),
    issues: [
      ...scanned.value.issues,
      {
        code: 'cfn.parse',
        severity: 'error',
        message: 'YAML could not be parsed',
        location: { file: 'broken/stack.yaml', line: 7 },
      },
    ],
  });
  return { report, log: JSON.parse(renderSarif(report)) };
}

describe('SARIF 2.1.0 reporter', () => {
  it('writes a log the official SARIF 2.1.0 schema accepts', async () => {
    const { log } = await sarifOf(['cloudformation-yaml', 'terraform/weak-key']);
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('streams to a file in pieces, the same bytes as the whole: IaC, hostile values, none and many results', async () => {
    const { report } = await sarifOf(['cloudformation-yaml', 'terraform/weak-key']);
    const context = {
      cwd: `${FIXTURES}iac`,
      baseDir: fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, ''),
    };
    expect([...renderSarifChunks(report, RULES, context)].join('')).toBe(renderSarif(report, RULES, context));
    const hostile = hostileReport();
    expect([...renderSarifChunks(hostile)].join('')).toBe(renderSarif(hostile));
    const judged = report.findings.filter((f) => f.status === 'FAIL' || f.status === 'UNKNOWN');
    for (const count of [0, 1, 700]) {
      const findings = Array.from({ length: count }, (_, i) => ({
        ...judged[i % judged.length]!,
        fingerprint: `fp${i}`,
      }));
      const sized = { ...report, findings };
      const streamed = [...renderSarifChunks(sized)].join('');
      expect(streamed, `${count} results`).toBe(renderSarif(sized));
      expect(JSON.parse(streamed).runs[0].results, `${count} results`).toHaveLength(count);
    }
  });

  it('the schema check itself rejects a malformed log', () => {
    expect(validate({ version: '2.0.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
  });

  it('lists every rule from its meta, and results only for FAIL and UNKNOWN findings', async () => {
    const { report, log } = await sarifOf(['cloudformation-yaml']);
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((rule: { id: string }) => rule.id)).toEqual(
      RULES.map((rule) => rule.meta.id),
    );
    const deletion = run.tool.driver.rules.find(
      (rule: { id: string }) => rule.id === 'kms-key-deletion-protection',
    );
    expect(deletion.shortDescription.text).toBe(
      RULES.find((r) => r.meta.id === 'kms-key-deletion-protection')!.meta.title,
    );
    expect(deletion.properties['security-severity']).toBe('5.5');
    const judged = report.findings.filter((f) => f.status === 'FAIL' || f.status === 'UNKNOWN');
    expect(run.results).toHaveLength(judged.length);
    for (const result of run.results) expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
  });

  it('locates results by relative path and line, with stable fingerprints', async () => {
    const { report, log } = await sarifOf(['cloudformation-yaml/weak-key.yaml']);
    const rotation = report.findings.find((f) => f.ruleId === 'kms-key-rotation-enabled')!;
    const result = log.runs[0].results.find(
      (r: { ruleId: string }) => r.ruleId === 'kms-key-rotation-enabled',
    );
    expect(result.level).toBe('warning');
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'cloudformation-yaml/weak-key.yaml', uriBaseId: '%SRCROOT%' },
      region: { startLine: rotation.resource.location!.line },
    });
    expect(rotation.resource.location!.line).toBe(4); // "  WorkersKey:" in weak-key.yaml
    expect(result.partialFingerprints['hyperpodCmkFinding/v1']).toBe(rotation.fingerprint);
    expect(result.locations[0].logicalLocations[0].fullyQualifiedName).toBe(
      'cloudformation-yaml/weak-key.yaml#WorkersKey',
    );
  });

  it('marks suppressed findings instead of dropping them, and reports input problems as notifications', async () => {
    const { log } = await sarifOf(['cloudformation-yaml/no-key.yaml']);
    const run = log.runs[0];
    const tags = run.results.find((r: { ruleId: string }) => r.ruleId === 'hyperpod-cluster-required-tags');
    expect(tags.suppressions).toEqual([
      {
        kind: 'external',
        status: 'accepted',
        justification: 'sandbox cluster, tagged by the account baseline',
      },
    ]);
    const root = run.results.find((r: { ruleId: string }) => r.ruleId === 'hyperpod-root-volume-cmk');
    expect(root.suppressions).toBeUndefined();
    expect(root.level).toBe('error');
    const notification = run.invocations[0].toolExecutionNotifications[0];
    expect(notification).toMatchObject({ level: 'error', descriptor: { id: 'cfn.parse' } });
    expect(notification.locations[0].physicalLocation.region.startLine).toBe(7);
    expect(run.invocations[0].executionSuccessful).toBe(false);
  });

  it('keeps paths outside the repository as absolute file URIs and encodes special characters', async () => {
    const { log } = await sarifOf(['cloudformation-yaml/no-key.yaml']);
    const uri = log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri;
    expect(uri).not.toMatch(/^\//);
    const outside = renderSarif({
      ...(await sarifOf(['cloudformation-yaml/no-key.yaml'])).report,
      findings: [
        {
          ...(await sarifOf(['cloudformation-yaml/no-key.yaml'])).report.findings.find(
            (f) => f.status === 'FAIL',
          )!,
          resource: { type: 'cluster', id: 'x', location: { file: '/srv/infra stacks/a.yaml', line: 3 } },
        },
      ],
    });
    const parsed = JSON.parse(outside);
    expect(parsed.runs[0].results[0].locations[0].physicalLocation.artifactLocation).toEqual({
      uri: 'file:///srv/infra%20stacks/a.yaml',
    });
    expect(validate(parsed)).toBe(true);
  });
});

describe('SARIF within GitHub code scanning limits: at most --sarif-max-results results, the most urgent', () => {
  type Case = { fp: string; status: 'FAIL' | 'UNKNOWN' | 'PASS'; severity: Severity; suppressed?: true };
  /** One finding per case, made from a real one: its fingerprint the case's, repeated to 32 hex digits. */
  async function reportOf(cases: readonly Case[]) {
    const { report } = await sarifOf(['cloudformation-yaml']);
    const model = report.findings.find((f) => f.status === 'FAIL' && !f.suppressed)!;
    const findings: Finding[] = cases.map((c) => ({
      ...model,
      fingerprint: c.fp.padEnd(32, '0'),
      status: c.status,
      severity: c.severity,
      suppressed: c.suppressed ? { reason: 'accepted', expires: null } : null,
    }));
    return { ...report, issues: [], findings };
  }
  const CASES: Case[] = [
    { fp: 'a1', status: 'FAIL', severity: 'low' },
    { fp: 'b1', status: 'UNKNOWN', severity: 'high' },
    { fp: 'c2', status: 'FAIL', severity: 'critical' },
    { fp: 'e1', status: 'FAIL', severity: 'critical', suppressed: true },
    { fp: 'c1', status: 'FAIL', severity: 'critical' },
    { fp: 'f0', status: 'PASS', severity: 'critical' },
    { fp: 'd1', status: 'FAIL', severity: 'medium' },
    { fp: 'b2', status: 'UNKNOWN', severity: 'low' },
    { fp: 'b3', status: 'UNKNOWN', severity: 'critical' },
    { fp: 'e2', status: 'UNKNOWN', severity: 'high', suppressed: true },
  ];
  const fingerprints = (log: { runs: { results: { partialFingerprints: Record<string, string> }[] }[] }) =>
    log.runs[0]!.results.map((r) => r.partialFingerprints['hyperpodCmkFinding/v1']!.replace(/0+$/, ''));

  it('orders every result by urgency: failures by severity, then unknown, then suppressed; equals as the report lists them', async () => {
    const log = JSON.parse(renderSarif(await reportOf(CASES), RULES, {}, Number.POSITIVE_INFINITY));
    expect(fingerprints(log)).toEqual(['c2', 'c1', 'd1', 'a1', 'b3', 'b1', 'b2', 'e1', 'e2']);
    expect(log.runs[0].invocations[0].toolExecutionNotifications).toEqual([]);
  });

  it('where the cap cuts a group of equals, keeps the smallest fingerprints, whatever order the sources listed them in', async () => {
    for (const cases of [CASES, [...CASES].reverse()]) {
      const report = await reportOf(cases);
      expect(fingerprints(JSON.parse(renderSarif(report, RULES, {}, 1)))).toEqual(['c1']);
      expect(countSarifResults(report, 1).omitted).toEqual({
        failed: 3,
        unknown: 3,
        baseline: 0,
        suppressed: 2,
      });
    }
  });

  it('keeps the most urgent up to the cap and says in a notification how many it left out, and where they all are', async () => {
    const report = await reportOf(CASES);
    const log = JSON.parse(renderSarif(report, RULES, {}, 5));
    expect(fingerprints(log)).toEqual(['c2', 'c1', 'd1', 'a1', 'b3']);
    expect(log.runs[0].invocations[0].toolExecutionNotifications).toEqual([
      {
        level: 'warning',
        message: {
          text:
            '4 of 9 results are left out of this log (0 failed, 2 unknown, 2 suppressed): it holds the 5 most ' +
            'urgent (failures by severity, then unknown, then those in the baseline, then suppressed), as --sarif-max-results asks (default ' +
            '25,000: GitHub code scanning rejects a run of more). Every finding is in the JSON report ' +
            '(--format json); --sarif-max-results none writes them all here.',
        },
        descriptor: { id: 'sarif.results_omitted' },
      },
    ]);
    expect(log.runs[0].invocations[0].executionSuccessful).toBe(true);
    expect(validate(log)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    expect([...renderSarifChunks(report, RULES, {}, 5)].join('')).toBe(renderSarif(report, RULES, {}, 5));
    expect(countSarifResults(report, 5)).toEqual({
      total: 9,
      written: 5,
      omitted: { failed: 0, unknown: 2, baseline: 0, suppressed: 2 },
    });
    expect(fingerprints(JSON.parse(renderSarif(report, RULES, {}, 2)))).toEqual(['c2', 'c1']);
    expect(countSarifResults(report, 2).omitted).toEqual({
      failed: 2,
      unknown: 3,
      baseline: 0,
      suppressed: 2,
    });
  });

  it("keeps GitHub's 25,000 by default: one over, the least urgent is left out", async () => {
    const { report } = await sarifOf(['cloudformation-yaml']);
    const model = report.findings.find((f) => f.status === 'FAIL' && !f.suppressed)!;
    // Short texts keep a log of 25,000 results quick to make and read.
    const plain = {
      ...model,
      message: 'm',
      remediation: 'r',
      resource: { type: model.resource.type, id: 'x' },
    };
    const findings: Finding[] = Array.from({ length: GITHUB_MAX_RESULTS }, (_, i) => ({
      ...plain,
      fingerprint: i.toString(16).padStart(32, '0'),
    }));
    findings.push({
      ...plain,
      fingerprint: 'f'.repeat(32),
      suppressed: { reason: 'accepted', expires: null },
    });
    const big = { ...report, issues: [], findings };
    const log = JSON.parse(renderSarif(big));
    const results: { partialFingerprints: Record<string, string> }[] = log.runs[0].results;
    expect(results).toHaveLength(25_000);
    expect(results.some((r) => r.partialFingerprints['hyperpodCmkFinding/v1'] === 'f'.repeat(32))).toBe(
      false,
    );
    expect(log.runs[0].invocations[0].toolExecutionNotifications[0].message.text).toMatch(
      /^1 of 25,001 results are left out of this log \(0 failed, 0 unknown, 1 suppressed\): it holds the 25,000 most urgent/,
    );
    expect(countSarifResults(big, Number.POSITIVE_INFINITY)).toEqual({
      total: 25_001,
      written: 25_001,
      omitted: { failed: 0, unknown: 0, baseline: 0, suppressed: 0 },
    });
  });

  it('gives no rule more tags than code scanning accepts (20), the fixed ones first (it shows 10)', () => {
    const log = JSON.parse(renderSarif(canonicalReport()));
    for (const rule of log.runs[0].tool.driver.rules) {
      expect(rule.properties.tags.length, rule.id).toBeLessThanOrEqual(20);
      expect(rule.properties.tags.slice(0, 3)).toEqual(['security', 'kms', 'sagemaker-hyperpod']);
    }
    expect(log.runs).toHaveLength(1);
  });
});

describe('SARIF for code scanning: repository-relative paths, automation id, per-result severity', () => {
  const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

  it('makes URIs relative to the repository root and declares %SRCROOT% as that root', async () => {
    const { report } = await sarifOf(['cloudformation-yaml/weak-key.yaml']);
    const log = JSON.parse(renderSarif(report, RULES, { cwd: `${FIXTURES}iac`, baseDir: REPO_ROOT }));
    expect(validate(log)).toBe(true);
    const run = log.runs[0];
    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toBe(`file://${REPO_ROOT}/`);
    const uris = new Set(
      run.results.flatMap((r: { locations: { physicalLocation?: { artifactLocation: unknown } }[] }) =>
        r.locations.flatMap((l) =>
          l.physicalLocation ? [JSON.stringify(l.physicalLocation.artifactLocation)] : [],
        ),
      ),
    );
    expect([...uris]).toEqual([
      JSON.stringify({ uri: 'test/fixtures/iac/cloudformation-yaml/weak-key.yaml', uriBaseId: '%SRCROOT%' }),
    ]);
  });

  it('gives each result the security-severity of its own finding, also where a rule raises it', () => {
    const report = runPipeline(demoEstate(), { now: new Date(DEMO_TIME) }).report;
    const log = JSON.parse(renderSarif(report));
    const raised = report.findings.filter(
      (f) => f.status === 'FAIL' && f.severity !== RULES.find((r) => r.meta.id === f.ruleId)!.meta.severity,
    );
    expect(raised.length).toBeGreaterThan(0);
    const scale = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' } as const;
    for (const result of log.runs[0].results) {
      const finding = report.findings.find(
        (f) => f.fingerprint === result.partialFingerprints['hyperpodCmkFinding/v1'],
      )!;
      expect(result.properties['security-severity']).toBe(scale[finding.severity]);
    }
    const rule = log.runs[0].tool.driver.rules.find((r: { id: string }) => r.id === raised[0]!.ruleId);
    expect(rule.properties['security-severity']).toBe(
      scale[RULES.find((r) => r.meta.id === raised[0]!.ruleId)!.meta.severity],
    );
    const result = log.runs[0].results.find(
      (r: { partialFingerprints: Record<string, string> }) =>
        r.partialFingerprints['hyperpodCmkFinding/v1'] === raised[0]!.fingerprint,
    );
    expect(result.properties['security-severity']).toBe(scale[raised[0]!.severity]);
    expect(result.properties['security-severity']).not.toBe(rule.properties['security-severity']);
  });

  it('links each rule to its generated page in the repository', () => {
    const log = JSON.parse(renderSarif(canonicalReport()));
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const repo = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    for (const rule of log.runs[0].tool.driver.rules) {
      expect(rule.helpUri).toBe(`${repo}/blob/main/docs/rules/${rule.id}.md`);
      expect(existsSync(new URL(`../../docs/rules/${rule.id}.md`, import.meta.url))).toBe(true);
    }
  });

  describe('through the CLI', () => {
    let dirs: string[] = [];
    afterEach(() => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      dirs = [];
    });

    /** A checkout of a repository holding the fixtures under infra/, at a fresh location. */
    function checkout(): string {
      const dir = mkdtempSync(join(tmpdir(), 'hpcmk-sarif-'));
      dirs.push(dir);
      mkdirSync(join(dir, '.git'));
      cpSync(`${FIXTURES}iac/cloudformation-yaml`, join(dir, 'infra', 'cfn'), { recursive: true });
      cpSync(`${FIXTURES}iac/terraform/weak-key`, join(dir, 'infra', 'tf'), { recursive: true });
      return dir;
    }

    async function sarifFrom(cwd: string, args: string[]) {
      const io = memoryIo({ cwd });
      const code = await runCli(['iac', ...args, '--format', 'sarif', '--fail-on', 'none'], io);
      expect(io.err()).not.toMatch(/Error|at .*\.ts/);
      return { code, log: JSON.parse(io.out()) };
    }

    it('finds the repository root from .git above the scanned path, wherever the checkout is and wherever it runs from', async () => {
      const a = checkout();
      const b = checkout();
      const fromRoot = await sarifFrom(a, ['infra/cfn', 'infra/tf']);
      const fromSub = await sarifFrom(join(b, 'infra'), ['tf', 'cfn']);
      for (const { log } of [fromRoot, fromSub]) expect(validate(log)).toBe(true);
      const id = fromRoot.log.runs[0].automationDetails.id;
      expect(id).toMatch(/^hyperpod-cmk\/iac\/[0-9a-f]{12}\/$/);
      expect(fromSub.log.runs[0].automationDetails.id).toBe(id);
      const uris = (log: {
        runs: { results: { locations: { physicalLocation?: { artifactLocation: { uri: string } } }[] }[] }[];
      }) => log.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation?.artifactLocation.uri).sort();
      expect(uris(fromSub.log)).toEqual(uris(fromRoot.log));
      expect(uris(fromRoot.log).every((u) => u === undefined || u.startsWith('infra/'))).toBe(true);
      expect(fromRoot.log.runs[0].originalUriBaseIds['%SRCROOT%'].uri).toBe(`file://${a}/`);
      // a different scan is a different category
      const other = await sarifFrom(a, ['infra/cfn']);
      expect(other.log.runs[0].automationDetails.id).not.toBe(id);
    });

    it('--sarif-max-results N keeps the N most urgent and says on stderr how many it left out; none keeps every one', async () => {
      const a = checkout();
      const all = memoryIo({ cwd: a });
      const args = ['iac', 'infra', '--format', 'sarif', '--fail-on', 'none'];
      expect(await runCli([...args, '--sarif-max-results', 'none'], all)).toBe(0);
      expect(all.err()).toBe('');
      const every = JSON.parse(all.out()).runs[0].results;
      expect(every.length).toBeGreaterThan(3);
      const zero = memoryIo({ cwd: a });
      expect(await runCli([...args, '--sarif-max-results', '0'], zero)).toBe(0);
      expect(zero.out()).toBe(all.out());

      const capped = memoryIo({ cwd: a, env: { HYPERPOD_CMK_SARIF_MAX_RESULTS: '2' } });
      expect(await runCli([...args, '-o', 'out.sarif'], capped)).toBe(0);
      const log = JSON.parse(readFileSync(join(a, 'out.sarif'), 'utf8'));
      expect(validate(log)).toBe(true);
      // The two most urgent; where the cap cuts a group of equals, the smallest fingerprints.
      type Result = {
        properties: { status: string; severity: Severity };
        suppressions?: unknown;
        partialFingerprints: Record<string, string>;
      };
      const group = (r: Result) =>
        `${r.suppressions ? 2 : r.properties.status === 'UNKNOWN' ? 1 : 0}${r.properties.severity}`;
      const cut = (every as Result[]).filter((r) => group(r) === group(every[1]));
      const before = (every as Result[]).slice(0, 2).filter((r) => group(r) !== group(every[1]));
      const fp = (r: Result) => r.partialFingerprints['hyperpodCmkFinding/v1']!;
      const kept = [...before, ...cut.sort((x, y) => (fp(x) < fp(y) ? -1 : 1)).slice(0, 2 - before.length)];
      expect(log.runs[0].results).toEqual(kept);
      const left = (every as Result[]).filter((r) => !kept.includes(r));
      const kinds = {
        failed: left.filter((r) => !r.suppressions && r.properties.status === 'FAIL').length,
        unknown: left.filter((r) => !r.suppressions && r.properties.status === 'UNKNOWN').length,
        suppressed: left.filter((r) => r.suppressions).length,
      };
      const notices = log.runs[0].invocations[0].toolExecutionNotifications;
      expect(notices.at(-1).message.text).toBe(
        `${left.length} of ${every.length} results are left out of this log (${kinds.failed} failed, ` +
          `${kinds.unknown} unknown, ${kinds.suppressed} suppressed): it holds the 2 most urgent (failures by ` +
          'severity, then unknown, then those in the baseline, then suppressed), as --sarif-max-results asks (default 25,000: GitHub code ' +
          'scanning rejects a run of more). Every finding is in the JSON report (--format json); ' +
          '--sarif-max-results none writes them all here.',
      );
      expect(capped.err()).toBe(
        'hyperpod-cmk: sarif report written to out.sarif\n' +
          `hyperpod-cmk: warning: out.sarif holds the 2 most urgent of ${every.length} results ` +
          '(--sarif-max-results 2; GitHub code scanning rejects a run of more than 25,000): ' +
          `left out ${left.length} (${kinds.failed} failed, ${kinds.unknown} unknown, ${kinds.suppressed} suppressed); ` +
          'every finding is in the JSON report (-o report.json)\n',
      );
    });

    it('--sarif-max-results that is not a whole number or none is a usage error naming it', async () => {
      const a = checkout();
      for (const value of ['-1', 'lots', '2.5', '']) {
        const io = memoryIo({ cwd: a });
        expect(
          await runCli(['iac', 'infra', '--format', 'sarif', '--sarif-max-results', value], io),
          value,
        ).toBe(2);
        expect(io.err(), value).toBe(
          `hyperpod-cmk: --sarif-max-results: "${value}" is not a whole number or none\n` +
            "  hint: --sarif-max-results 25000 is GitHub code scanning's limit; none (or 0) writes every result\n",
        );
        expect(io.out(), value).toBe('');
      }
      const io = memoryIo({ cwd: a, env: { HYPERPOD_CMK_SARIF_MAX_RESULTS: 'all' } });
      expect(await runCli(['iac', 'infra', '--format', 'sarif'], io)).toBe(2);
      expect(io.err()).toMatch(
        /^hyperpod-cmk: \$HYPERPOD_CMK_SARIF_MAX_RESULTS: "all" is not a whole number or none\n/,
      );
    });

    it('warns when the cap is lifted and the log holds more results than code scanning accepts', async () => {
      const a = checkout();
      const { report } = await sarifOf(['cloudformation-yaml']);
      const model = report.findings.find((f) => f.status === 'FAIL' && !f.suppressed)!;
      const plain = {
        ...model,
        message: 'm',
        remediation: 'r',
        resource: { type: model.resource.type, id: 'x' },
      };
      const findings: Finding[] = Array.from({ length: GITHUB_MAX_RESULTS + 1 }, (_, i) => ({
        ...plain,
        fingerprint: i.toString(16).padStart(32, '0'),
      }));
      const io = memoryIo({ cwd: a });
      emitReport(
        io,
        { ...report, findings },
        reportOptionsFrom({ output: ['all.sarif'], sarifMaxResults: Number.POSITIVE_INFINITY }),
      );
      expect(io.err()).toBe(
        'hyperpod-cmk: sarif report written to all.sarif\n' +
          'hyperpod-cmk: warning: all.sarif holds 25,001 results: GitHub code scanning rejects a run of more ' +
          'than 25,000 (--sarif-max-results 25000 keeps the most urgent)\n',
      );
    });

    it('warns when the log is more than 10 MB gzip-compressed, as code scanning then rejects it', async () => {
      const a = checkout();
      const { report } = await sarifOf(['cloudformation-yaml']);
      const model = report.findings.find((f) => f.status === 'FAIL' && !f.suppressed)!;
      // Messages that do not compress (random base64: 6 bits a character): 16 MB of them.
      const findings: Finding[] = Array.from({ length: 2_000 }, (_, i) => ({
        ...model,
        message: randomBytes(6_000).toString('base64'),
        fingerprint: i.toString(16).padStart(32, '0'),
      }));
      const io = memoryIo({ cwd: a });
      emitReport(io, { ...report, findings }, reportOptionsFrom({ output: ['big.sarif'] }));
      expect(io.err()).toBe(
        'hyperpod-cmk: sarif report written to big.sarif\n' +
          'hyperpod-cmk: warning: big.sarif is more than 10 MB gzip-compressed: GitHub code scanning rejects ' +
          'the upload; lower --sarif-max-results to write fewer results\n',
      );
      expect(JSON.parse(readFileSync(join(a, 'big.sarif'), 'utf8')).runs[0].results).toHaveLength(2_000);
    });

    it('names every resource relative to the root, as its file and fingerprint: logical locations too, wherever the scan runs from', async () => {
      type Log = {
        runs: {
          results: {
            locations: {
              physicalLocation?: { artifactLocation: { uri: string; uriBaseId?: string } };
              logicalLocations: { fullyQualifiedName: string }[];
            }[];
          }[];
        }[];
      };
      const places = (log: Log) =>
        log.runs[0]!.results.map((r) => {
          const [location] = r.locations;
          const artifact = location!.physicalLocation?.artifactLocation;
          return `${artifact?.uriBaseId} ${artifact?.uri} ${location!.logicalLocations[0]!.fullyQualifiedName}`;
        }).sort();
      const a = checkout();
      const fromRoot = await sarifFrom(a, ['infra/cfn', 'infra/tf']);
      const fromSub = await sarifFrom(join(a, 'infra'), ['tf', 'cfn']);
      // A mount without .git, the root named by --base-dir.
      rmSync(join(a, '.git'), { recursive: true });
      const byFlag = await sarifFrom(join(a, 'infra', 'cfn'), ['.', '../tf', '--base-dir', '../..']);
      const expected = places(fromRoot.log);
      expect(expected.length).toBeGreaterThan(3);
      for (const place of expected) {
        const [base, uri, name] = place.split(' ');
        expect(base).toBe('%SRCROOT%');
        expect(uri).toMatch(/^infra\/(cfn|tf)\//);
        // the resource's id names the file its stack or module starts in: under infra/ too
        expect(name).toMatch(/^infra\/(cfn|tf)\/[^#]+#./);
      }
      expect(places(fromSub.log)).toEqual(expected);
      expect(places(byFlag.log)).toEqual(expected);
    });

    it('--base-dir (or HYPERPOD_CMK_BASE_DIR) overrides the root; a missing one is a usage error', async () => {
      const a = checkout();
      const { log } = await sarifFrom(a, ['infra/cfn', '--base-dir', 'infra']);
      const uris = log.runs[0].results.flatMap(
        (r: {
          locations: { physicalLocation?: { artifactLocation: { uri: string; uriBaseId?: string } } }[];
        }) => (r.locations[0]!.physicalLocation ? [r.locations[0]!.physicalLocation.artifactLocation] : []),
      );
      expect(uris.length).toBeGreaterThan(0);
      for (const uri of uris) {
        expect(uri.uri.startsWith('cfn/')).toBe(true);
        expect(uri.uriBaseId).toBe('%SRCROOT%');
      }
      const io = memoryIo({ cwd: a });
      expect(await runCli(['iac', 'infra/cfn', '--format', 'sarif', '--base-dir', 'nowhere'], io)).toBe(2);
      expect(io.err()).toBe(
        'hyperpod-cmk: --base-dir: no such directory: nowhere\n  hint: pass the root of the repository the scanned files belong to\n',
      );
    });
  });
});
