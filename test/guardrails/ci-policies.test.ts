/**
 * The CI policies on CloudFormation fixtures. The Guard rules run in the real cfn-guard 3 binary.
 * No OPA or conftest can be installed from the npm registry or Debian here (the opa npm packages
 * are an HTTP client and a runtime for policies compiled by opa itself), so the Rego policy is not
 * executed: it is held to the same reference predicate (`ciPolicyViolations`) that cfn-guard is
 * checked against, and its text is checked for each of the reference's checks.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, type ScalarTag } from 'yaml';
import { ciPolicyViolations, guardRules, regoPolicy } from '../../src/guardrails/ci-policies.js';
import { ensureCfnGuard, runCfnGuard } from '../helpers/cfn-guard.js';

const FIXTURES = new URL('../fixtures/guardrails/cfn/', import.meta.url);
const IAC_FIXTURES = new URL('../fixtures/iac/', import.meta.url);

/** CloudFormation YAML short forms as their long forms, enough to read the fixtures. */
const shortForms: ScalarTag[] = ['Ref', 'GetAtt', 'Sub', 'ImportValue', 'GetAZs', 'Base64'].map((name) => ({
  tag: `!${name}`,
  resolve: (value: string) =>
    name === 'Ref' ? { Ref: value } : { [`Fn::${name}`]: name === 'GetAtt' ? value.split('.') : value },
}));
const readTemplate = (path: string): unknown =>
  path.endsWith('.json')
    ? JSON.parse(readFileSync(path, 'utf8'))
    : parseYaml(readFileSync(path, 'utf8'), { customTags: shortForms });

const EXPECTED: Record<string, string[]> = {
  'cluster-compliant.json': [],
  'cluster-compliant-short-form.yaml': [],
  'cluster-slurm-continuous.json': [],
  'cluster-legacy-mode.json': ['provisioning-mode'],
  'key-asymmetric-without-rotation.json': [],
  'cluster-no-root-cmk.json': ['root-volume-cmk'],
  'cluster-no-storage-config.json': ['root-volume-cmk'],
  'cluster-root-without-key.json': ['root-volume-cmk'],
  'cluster-aws-managed-key.json': ['root-volume-cmk'],
  'cluster-secondary-without-key.json': ['secondary-volume-cmk'],
  'key-no-rotation.json': ['key-rotation'],
  'key-rotation-too-slow.json': ['key-rotation'],
};

/** Which Guard rule each reference check maps to. */
const GUARD_RULES: Record<string, string[]> = {
  'root-volume-cmk': ['hyperpod_root_volume_cmk', 'hyperpod_no_aws_managed_keys'],
  'secondary-volume-cmk': ['hyperpod_secondary_volume_cmk', 'hyperpod_no_aws_managed_keys'],
  'provisioning-mode': ['hyperpod_continuous_provisioning'],
  'key-rotation': ['kms_key_rotation_enabled'],
};

function cfnTemplatesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(json|ya?ml|template)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => /AWS::SageMaker::Cluster|AWS::KMS::Key/.test(readFileSync(path, 'utf8')))
    .filter((path) => {
      try {
        const doc = readTemplate(path) as { Resources?: unknown };
        return typeof doc?.Resources === 'object';
      } catch {
        return false;
      }
    });
}

describe('the reference predicate', () => {
  it.each(Object.entries(EXPECTED))('%s: %j', (file, expected) => {
    const violations = ciPolicyViolations(readTemplate(new URL(file, FIXTURES).pathname), 365);
    expect([...new Set(violations.map((v) => v.check))].sort()).toEqual(expected);
  });

  it('covers every fixture', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
});

describe('the Guard rules in cfn-guard', () => {
  let binary: string;
  const rulesFile = join(tmpdir(), `hyperpod-cmk-${process.pid}.guard`);
  beforeAll(() => {
    binary = ensureCfnGuard();
    writeFileSync(rulesFile, guardRules(365));
  }, 180_000);

  it.each(Object.entries(EXPECTED))('%s', (file, expected) => {
    const result = runCfnGuard(binary, rulesFile, new URL(file, FIXTURES).pathname);
    expect(Object.keys(result.rules).sort()).toEqual([
      'hyperpod_continuous_provisioning',
      'hyperpod_no_aws_managed_keys',
      'hyperpod_root_volume_cmk',
      'hyperpod_secondary_volume_cmk',
      'kms_key_rotation_enabled',
    ]);
    expect(result.status).toBe(expected.length === 0 ? 'PASS' : 'FAIL');
    const failed = Object.entries(result.rules)
      .filter(([, status]) => status === 'FAIL')
      .map(([rule]) => rule);
    for (const check of expected)
      expect(failed.some((rule) => GUARD_RULES[check]!.includes(rule))).toBe(true);
    const allowed = new Set(expected.flatMap((check) => GUARD_RULES[check]!));
    for (const rule of failed) expect(allowed.has(rule)).toBe(true);
  });

  it('honours the configured rotation maximum', () => {
    const strict = join(tmpdir(), `hyperpod-cmk-${process.pid}-90.guard`);
    writeFileSync(strict, guardRules(90));
    expect(
      runCfnGuard(binary, strict, new URL('cluster-compliant.json', FIXTURES).pathname).rules,
    ).toMatchObject({
      kms_key_rotation_enabled: 'FAIL',
    });
  });

  it('agrees with the reference on the IaC fixtures', () => {
    // test/fixtures/iac holds the IaC scanner's templates once that work lands; each must be judged alike.
    for (const path of cfnTemplatesUnder(IAC_FIXTURES.pathname)) {
      const reference = ciPolicyViolations(readTemplate(path), 365);
      const result = runCfnGuard(binary, rulesFile, path);
      expect({ path, status: result.status }).toEqual({ path, status: reference.length ? 'FAIL' : 'PASS' });
    }
  });
});

describe('the Rego policy', () => {
  const rego = regoPolicy(365);
  it('is conftest-style OPA 1.x with one deny rule per check of the reference', () => {
    expect(rego).toMatch(/^package main$/m);
    expect(rego).toMatch(/^import rego\.v1$/m);
    const denies = [...rego.matchAll(/^deny contains msg if \{$/gm)];
    expect(denies).toHaveLength(5);
    for (const id of [
      'hyperpod-root-volume-cmk',
      'hyperpod-secondary-volume-cmk',
      'hyperpod-cmk-provisioning-mode',
      'kms-key-rotation-enabled',
    ])
      expect(rego).toContain(`(${id})`);
    expect(rego).toContain('rotation_max_days := 365');
    expect(regoPolicy(180)).toContain('rotation_max_days := 180');
  });

  it('has balanced braces and brackets', () => {
    const stripped = rego.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`|#.*$/gm, '');
    for (const [open, close] of [
      ['{', '}'],
      ['[', ']'],
      ['(', ')'],
    ] as const)
      expect(stripped.split(open).length).toBe(stripped.split(close).length);
  });
});
