/**
 * Machine outputs validated against the published JSON Schemas with an independent validator
 * (ajv), not with the zod schemas they were generated from.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../src/cli/main.js';
import { demoEstate } from '../src/demo/estate.js';
import { RULES } from '../src/rules/registry.js';
import { openHistory } from '../src/store/store.js';
import { TOOL_VERSION } from '../src/version.js';
import { memoryIo } from './helpers/io.js';
import { A, shardScan } from './helpers/rounds.js';

const schema = (name: string) =>
  JSON.parse(readFileSync(new URL(`../schemas/${name}.schema.json`, import.meta.url), 'utf8'));
const ajv = new Ajv2020.default({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateReport = ajv.compile(schema('report'));
const validateInventory = ajv.compile(schema('inventory'));
const validateConfig = ajv.compile(schema('config'));
const validateRules = ajv.compile(schema('rules'));
const validateHistory = ajv.compile(schema('history'));
const validateRegister = ajv.compile(schema('register'));
const validateDrift = ajv.compile(schema('drift'));
const validatePlan = ajv.compile(schema('plan'));
const validateDumpLine = ajv.compile(schema('history-dump'));

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-schemas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The paths ajv names for what a document breaks. */
const errorPaths = (validate: { errors?: { instancePath: string }[] | null }) =>
  [...new Set((validate.errors ?? []).map((e) => e.instancePath))].sort();

describe('published JSON Schemas', () => {
  it('the demo JSON report is valid against schemas/report.schema.json', async () => {
    const io = memoryIo();
    expect(await runCli(['demo', '--format', 'json'], io)).toBe(0);
    const report = JSON.parse(io.out());
    const valid = validateReport(report);
    expect(validateReport.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(report.schemaVersion).toBe(1);
    expect(report.findings.length).toBeGreaterThan(100);
  });

  it('rejects a report that breaks the contract', () => {
    const io = memoryIo();
    return runCli(['demo', '--format', 'json'], io).then(() => {
      const report = JSON.parse(io.out());
      report.findings[0].status = 'MAYBE';
      delete report.summary.clusters;
      expect(validateReport(report)).toBe(false);
      const paths = (validateReport.errors ?? []).map((e) => e.instancePath);
      expect(paths).toContain('/findings/0/status');
      expect(paths).toContain('/summary');
    });
  });

  it('rules --format json is versioned and valid against schemas/rules.schema.json', async () => {
    const io = memoryIo();
    expect(await runCli(['rules', '--format', 'json'], io)).toBe(0);
    const catalog = JSON.parse(io.out());
    expect(validateRules(catalog)).toBe(true);
    expect(validateRules.errors ?? []).toEqual([]);
    expect({ ...catalog, rules: catalog.rules.length }).toEqual({
      schemaVersion: 1,
      kind: 'hyperpod-cmk-rules',
      tool: { name: 'hyperpod-cmk', version: TOOL_VERSION },
      rules: 24,
    });
    expect(catalog.rules.map((rule: { id: string }) => rule.id)).toEqual(RULES.map((rule) => rule.meta.id));
    expect(catalog.rules.find((rule: { id: string }) => rule.id === 'kms-key-enabled')).toMatchObject({
      severity: 'critical',
      resourceType: 'kms-key',
      frameworks: { 'NIST-800-53': ['SC-12', 'CP-10'], SOC2: ['A1.2'] },
    });
    // The contract holds: a bare list, a severity off the scale, an unknown field are refused.
    expect(validateRules(catalog.rules)).toBe(false);
    const broken = structuredClone(catalog);
    broken.rules[0].severity = 'urgent';
    broken.rules[1].owner = 'someone';
    expect(validateRules(broken)).toBe(false);
    expect((validateRules.errors ?? []).map((e) => e.instancePath)).toEqual([
      '/rules/0/severity',
      '/rules/1',
    ]);
  });

  it('rules explain --format json is the same document, holding the one rule', async () => {
    const io = memoryIo();
    expect(await runCli(['rules', 'explain', 'kms-key-enabled', '--format', 'json'], io)).toBe(0);
    const document = JSON.parse(io.out());
    expect(validateRules(document)).toBe(true);
    expect(document.rules.map((rule: { id: string }) => rule.id)).toEqual(['kms-key-enabled']);
  });

  it('the demo estate is a valid inventory snapshot', () => {
    expect(validateInventory(demoEstate())).toBe(true);
    const broken = demoEstate() as unknown as { clusters: { instanceGroups: { kind: string }[] }[] };
    broken.clusters[0]!.instanceGroups[0]!.kind = 'special';
    expect(validateInventory(broken)).toBe(false);
  });

  it('the demo config is valid against schemas/config.schema.json, and a typo is not', () => {
    const config = parse(readFileSync(new URL('../demo/hyperpod-cmk.yaml', import.meta.url), 'utf8'));
    expect(validateConfig(config)).toBe(true);
    expect(validateConfig({ ...config, keyAdmin: ['x'] })).toBe(false);
  });

  it('history --format json is versioned and valid against schemas/history.schema.json', async () => {
    const db = join(dir, 'history.db');
    expect(
      await runCli(['demo', '--db', db, '--format', 'json', '-o', join(dir, 'demo.json')], memoryIo()),
    ).toBe(0);
    // One shard of a round of two, the other not saved: the round is listed as incomplete.
    const opened = await openHistory(db, { create: false });
    if (!opened.ok) throw new Error(opened.error.message);
    expect((await opened.value.save(shardScan(A, 60, 'nightly-1', []))).ok).toBe(true);
    await opened.value.close();
    const io = memoryIo();
    expect(await runCli(['history', '--db', db, '--format', 'json'], io)).toBe(0);
    const listing = JSON.parse(io.out());
    expect(validateHistory(listing), JSON.stringify(validateHistory.errors)).toBe(true);
    expect({ ...listing, scans: listing.scans.length }).toEqual({
      schemaVersion: 1,
      kind: 'hyperpod-cmk-history-scans',
      database: db,
      scans: 14,
      incompleteRound: { id: 'nightly-1', shards: 2, missing: [2] },
    });
    expect(listing.scans.at(-1)).toMatchObject({ round: 'nightly-1', shard: '1/2', source: 'live' });
    expect(listing.scans[0]).toMatchObject({ round: null, shard: null, incomplete: [] });
    // The contract holds: a shard that is not K/N, a count that is text, an unknown field are refused.
    const broken = structuredClone(listing);
    broken.scans[0].shard = 'first';
    broken.scans[1].fail = 'some';
    broken.scans[2].owner = 'someone';
    broken.incompleteRound.missing = ['2'];
    expect(validateHistory(broken)).toBe(false);
    expect(errorPaths(validateHistory)).toEqual([
      '/incompleteRound/missing/0',
      '/scans/0/shard',
      '/scans/1/fail',
      '/scans/2',
    ]);
  });

  it('history export writes JSON Lines each valid against schemas/history-dump.schema.json', async () => {
    const db = join(dir, 'dumped.db');
    expect(await runCli(['demo', '--db', db, '-o', join(dir, 'dumped.txt')], memoryIo())).toBe(0);
    const dump = join(dir, 'history.jsonl');
    expect(await runCli(['history', 'export', '--db', db, '--to', dump], memoryIo())).toBe(0);
    const lines = readFileSync(dump, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    const invalid = lines.filter((line) => !validateDumpLine(line));
    expect(invalid).toEqual([]);
    expect(lines[0]).toMatchObject({ kind: 'hyperpod-cmk-history', dumpVersion: 2 });
    // The header, the 1,330 rows of the demo history's 13 scans, and the line that counts them.
    expect(lines).toHaveLength(1 + 1330 + 1);
    expect(lines.at(-1)).toEqual({ kind: 'hyperpod-cmk-history-end', rows: 1330 });
    // The contract holds: a header of a dump version that does not exist is refused.
    expect(validateDumpLine({ ...lines[0], dumpVersion: 3 })).toBe(false);
  });

  it('register --format json is versioned and valid against schemas/register.schema.json', async () => {
    const io = memoryIo();
    expect(await runCli(['register', '--demo', '--format', 'json'], io)).toBe(0);
    const register = JSON.parse(io.out());
    expect(validateRegister(register), JSON.stringify(validateRegister.errors)).toBe(true);
    expect({ ...register, keys: register.keys.length }).toEqual({
      schemaVersion: 1,
      kind: 'hyperpod-cmk-register',
      generatedAt: demoEstate().generatedAt,
      source: 'the bundled demo estate',
      keys: 16,
    });
    const broken = structuredClone(register);
    broken.keys[0].keyManager = 'PARTNER';
    broken.keys[1].openFindings = [{ ruleId: 'r', severity: 'urgent', status: 'FAIL', message: 'm' }];
    broken.keys[2].colour = 'red';
    expect(validateRegister(broken)).toBe(false);
    expect(errorPaths(validateRegister)).toEqual([
      '/keys/0/keyManager',
      '/keys/1/openFindings/0/severity',
      '/keys/2',
    ]);
  });

  it('drift --format json is versioned and valid against schemas/drift.schema.json', async () => {
    const estate = demoEstate();
    const snapshot = join(dir, 'estate.json');
    writeFileSync(snapshot, JSON.stringify(estate));
    const key = estate.keys.find((k) => k.aliases.includes('alias/hyperpod/genai-batch'))!;
    const group = (name: string, secondary: string) => ({
      InstanceGroupName: name,
      InstanceType: 'ml.g5.12xlarge',
      InstanceCount: 2,
      ExecutionRole: 'arn:aws:iam::111111111111:role/hyperpod-genai-batch',
      InstanceStorageConfigs: [
        { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: key.arn } },
        { EbsVolumeConfig: { VolumeSizeInGB: 500, VolumeKmsKeyId: secondary } },
      ],
    });
    const code = join(dir, 'genai-batch.json');
    writeFileSync(
      code,
      JSON.stringify({
        ClusterName: 'genai-batch',
        Orchestrator: { Eks: { ClusterArn: 'arn:aws:eks:us-east-1:111111111111:cluster/ml' } },
        InstanceGroups: [group('inference-g5', 'alias/aws/ebs'), group('extra', key.arn)],
      }),
    );
    const io = memoryIo();
    expect(await runCli(['drift', code, '--from', snapshot, '--format', 'json'], io)).toBe(1);
    const report = JSON.parse(io.out());
    expect(validateDrift(report), JSON.stringify(validateDrift.errors)).toBe(true);
    expect({ ...report, items: report.items.map((item: { kind: string }) => item.kind) }).toEqual({
      schemaVersion: 1,
      kind: 'hyperpod-cmk-drift',
      matched: 1,
      items: ['provisioning-mode', 'volume-key', 'group-not-deployed'],
    });
    const broken = structuredClone(report);
    broken.items[0].kind = 'renamed';
    broken.items[1].status = 'maybe';
    broken.items[2].severity = 'high';
    delete broken.matched;
    expect(validateDrift(broken)).toBe(false);
    expect(errorPaths(validateDrift)).toEqual(['', '/items/0/kind', '/items/1/status', '/items/2']);
  });

  it('plan --out writes plan.json, versioned and valid against schemas/plan.schema.json', async () => {
    const out = join(dir, 'plan');
    expect(await runCli(['plan', '--demo', '--out', out], memoryIo())).toBe(0);
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    expect(validatePlan(plan), JSON.stringify(validatePlan.errors)).toBe(true);
    expect({ ...plan, clusters: plan.clusters.length }).toMatchObject({
      schemaVersion: 1,
      kind: 'hyperpod-cmk-plan',
      source: 'the bundled demo estate',
      clusters: 8,
    });
    const paths = plan.clusters.map((c: { path: string }) => c.path);
    expect(paths).toContain('replace-groups');
    expect(paths).toContain('new-cluster');
    const replaced = plan.clusters.findIndex((c: { groups: { replacement?: unknown }[] }) =>
      c.groups.some((g) => g.replacement),
    );
    const group = plan.clusters[replaced].groups.findIndex((g: { replacement?: unknown }) => g.replacement);
    const broken = structuredClone(plan);
    broken.clusters[0].path = 'teleport';
    broken.clusters[replaced].groups[group].action = 'skip';
    // An update-cluster input is the SDK's request: a member the API does not know is refused.
    broken.clusters[replaced].groups[group].replacement.addInput.InstanceGroups[0].Colour = 'red';
    expect(validatePlan(broken)).toBe(false);
    expect(errorPaths(validatePlan)).toEqual(
      [
        '/clusters/0/path',
        `/clusters/${replaced}/groups/${group}/action`,
        `/clusters/${replaced}/groups/${group}/replacement/addInput/InstanceGroups/0`,
      ].sort(),
    );
  });
});
