import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config/schema.js';
import { DEMO_TIME, demoEstate } from '../../src/demo/estate.js';
import { scanIac } from '../../src/parsers/iac.js';
import { runPipeline } from '../../src/pipeline.js';
import { renderSarif, renderSarifChunks } from '../../src/reporters/sarif.js';
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
