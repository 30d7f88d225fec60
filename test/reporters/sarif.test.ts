import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { scanIac } from '../../src/parsers/iac.js';
import { runPipeline } from '../../src/pipeline.js';
import { renderSarif } from '../../src/reporters/sarif.js';
import { RULES } from '../../src/rules/registry.js';

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
