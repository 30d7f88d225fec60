/**
 * hyperpod-cmk in a CI pipeline (docs/ci.md), run in-process through the injected Io against the
 * fixture repository test/fixtures/ci-repo: exit codes, check selection, baselines that survive
 * reformatting and the checkout's location, inline skips, environment variables, several outputs.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { Finding } from '../../src/model/finding.js';
import type { Report } from '../../src/model/report.js';
import { memoryIo } from '../helpers/io.js';

const REPO = fileURLToPath(new URL('../fixtures/ci-repo/', import.meta.url));
const REFORMATTED = fileURLToPath(new URL('../fixtures/ci-repo-reformatted/', import.meta.url));
const NOW = '2026-11-27T12:00:00Z';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-ci-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** A checkout of the fixture repository at `name` (a .git marks its root). */
function checkout(name: string, from = REPO): string {
  const dir = join(tmp, name);
  cpSync(from, dir, { recursive: true });
  mkdirSync(join(dir, '.git'), { recursive: true });
  return dir;
}

async function run(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const io = memoryIo({ cwd: options.cwd, ...(options.env ? { env: options.env } : {}) });
  const code = await runCli([...args, '--now', NOW], io);
  return { code, out: io.out(), err: io.err() };
}

async function iacJson(args: string[], cwd: string, env?: Record<string, string>) {
  const result = await run(['iac', ...args, '--format', 'json'], { cwd, ...(env ? { env } : {}) });
  return { ...result, report: result.out ? (JSON.parse(result.out) as Report) : undefined };
}

const open = (report: Report | undefined) =>
  (report?.findings ?? [])
    .filter((f) => (f.status === 'FAIL' || f.status === 'UNKNOWN') && !f.suppressed && !f.baseline)
    .map((f) => `${f.status} ${f.ruleId} ${f.resource.id}`)
    .sort();

const row = (f: Finding) => `${f.status} ${f.ruleId} ${f.resource.id}`;

/** What the fixture repository fails, unsuppressed. */
const FAILING = [
  'FAIL hyperpod-cluster-required-tags infra/terraform/main.tf#awscc_sagemaker_cluster.research',
  'FAIL hyperpod-root-volume-cmk infra/cloudformation/training.yaml#Inference/instance-group/serving',
  'FAIL hyperpod-root-volume-cmk infra/cloudformation/training.yaml#Training/instance-group/workers',
  'FAIL hyperpod-secondary-volume-cmk infra/cloudformation/training.yaml#Training/instance-group/workers',
  'FAIL kms-key-deletion-protection infra/terraform/main.tf#aws_kms_key.research',
  'FAIL kms-key-required-tags infra/terraform/main.tf#aws_kms_key.research',
  'FAIL kms-key-separation-of-duties infra/terraform/main.tf#aws_kms_key.research',
  'UNKNOWN hyperpod-key-grants-execution-role infra/terraform/main.tf#awscc_sagemaker_cluster.research/instance-group/workers',
];

describe('exit codes (the matrix of docs/ci.md)', () => {
  it('iac: 1 on a failure at or above --fail-on; UNKNOWN warns by default; --unknown fail makes it 3', async () => {
    const repo = checkout('repo');
    const base = await iacJson(['infra'], repo);
    expect(open(base.report)).toEqual(FAILING);
    expect(base.code).toBe(1);
    // Only low/medium/high FAIL and one UNKNOWN: nothing critical.
    expect((await iacJson(['infra', '--fail-on', 'critical'], repo)).code).toBe(0);
    expect((await iacJson(['infra', '--fail-on', 'critical', '--unknown', 'fail'], repo)).code).toBe(3);
    expect((await iacJson(['infra', '--fail-on', 'critical', '--unknown', 'warn'], repo)).code).toBe(0);
  });

  it('--fail-on none is report-only: 0 with failures, UNKNOWN and --unknown fail; the report is still written', async () => {
    const repo = checkout('repo');
    const result = await run(['iac', 'infra', '--fail-on', 'none', '--unknown', 'fail', '-o', 'out.sarif'], {
      cwd: repo,
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(readFileSync(join(repo, 'out.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(result.out).toContain('HIGH (3)');
  });

  it('--fail-on none still exits 2 for a usage or input error', async () => {
    const repo = checkout('repo');
    expect((await run(['iac', 'missing-dir', '--fail-on', 'none'], { cwd: repo })).code).toBe(2);
    const badConfig = join(repo, 'bad.yaml');
    writeFileSync(badConfig, 'rules: [\n');
    expect(
      (await run(['iac', 'infra', '--fail-on', 'none', '--config', badConfig], { cwd: repo })).code,
    ).toBe(2);
  });

  it('a file that cannot be parsed makes the scan incomplete (3) even with --unknown warn, but not with --fail-on none', async () => {
    const repo = checkout('repo');
    writeFileSync(join(repo, 'infra/broken.yaml'), 'AWSTemplateFormatVersion: "2010-09-09"\nResources: {\n');
    expect((await iacJson(['infra', '--fail-on', 'critical'], repo)).code).toBe(3);
    expect((await iacJson(['infra', '--fail-on', 'none'], repo)).code).toBe(0);
  });

  it('audits (evaluate) count UNKNOWN as a failure by default (3); gaps stay 3 with --unknown warn', async () => {
    const snapshot = join(tmp, 'estate.json');
    expect((await run(['demo', '--export', snapshot, '--format', 'json'], { cwd: tmp })).code).toBe(0);
    const demoConfig = fileURLToPath(new URL('../../demo/hyperpod-cmk.yaml', import.meta.url));
    // Separation of duties: medium failures (below critical) and one UNKNOWN.
    const evaluate = async (file: string, ...extra: string[]) =>
      (
        await run(
          [
            'evaluate',
            file,
            '--no-save',
            '--config',
            demoConfig,
            '--format',
            'json',
            '--fail-on',
            'critical',
          ].concat(['--rule', 'kms-key-separation-of-duties'], extra),
          { cwd: tmp },
        )
      ).code;
    expect(await evaluate(snapshot)).toBe(3);
    // The demo estate has gaps (AccessDenied): the scan is incomplete whatever --unknown says.
    expect(await evaluate(snapshot, '--unknown', 'warn')).toBe(3);
    const estate = JSON.parse(readFileSync(snapshot, 'utf8'));
    expect(estate.gaps.length).toBeGreaterThan(0);
    const noGaps = join(tmp, 'no-gaps.json');
    writeFileSync(noGaps, JSON.stringify({ ...estate, gaps: [] }));
    expect(await evaluate(noGaps)).toBe(3);
    expect(await evaluate(noGaps, '--unknown', 'warn')).toBe(0);
  });
});

describe('check selection: --rule, --skip-rule, --severity', () => {
  it('--rule takes ids and globs; --skip-rule wins over it', async () => {
    const repo = checkout('repo');
    const kms = await iacJson(['infra', '--rule', 'kms-key-*'], repo);
    expect(new Set(kms.report!.findings.map((f) => f.ruleId.split('-')[0]))).toEqual(new Set(['kms']));
    expect(open(kms.report)).toEqual(FAILING.filter((line) => line.includes(' kms-key-')));
    const both = await iacJson(
      [
        'infra',
        '--rule',
        'kms-key-*',
        '--rule',
        'hyperpod-root-volume-cmk',
        '--skip-rule',
        'kms-key-required-tags',
      ],
      repo,
    );
    expect(open(both.report)).toEqual([
      'FAIL hyperpod-root-volume-cmk infra/cloudformation/training.yaml#Inference/instance-group/serving',
      'FAIL hyperpod-root-volume-cmk infra/cloudformation/training.yaml#Training/instance-group/workers',
      'FAIL kms-key-deletion-protection infra/terraform/main.tf#aws_kms_key.research',
      'FAIL kms-key-separation-of-duties infra/terraform/main.tf#aws_kms_key.research',
    ]);
    const skipped = await iacJson(['infra', '--skip-rule', 'hyperpod-*'], repo);
    expect(skipped.report!.findings.some((f) => f.ruleId.startsWith('hyperpod-'))).toBe(false);
  });

  it.each(['json', 'sarif', 'junit', 'ocsf'])(
    '--now makes the %s report the same bytes whenever it runs (its start included)',
    async (format) => {
      const repo = checkout('repo');
      const at = async (clock: string) => {
        const io = memoryIo({ cwd: repo, now: new Date(clock) });
        await runCli(['iac', 'infra', '--format', format, '--now', NOW], io);
        return io.out();
      };
      const first = await at('2026-12-07T04:00:00Z');
      expect(first.length).toBeGreaterThan(0);
      expect(await at('2026-12-08T09:30:01Z')).toBe(first);
      if (format === 'json') {
        const { scan } = JSON.parse(first) as Report;
        expect([scan.startedAt, scan.finishedAt]).toEqual([
          '2026-11-27T12:00:00.000Z',
          '2026-11-27T12:00:00.000Z',
        ]);
      }
    },
  );

  it("a scan of '.' passes over the reports an earlier scan wrote there (JSON and SARIF), not over look-alikes", async () => {
    const repo = checkout('repo');
    const first = await run(['iac', '.', '-o', 'hyperpod-cmk.json', '-o', 'hyperpod-cmk.sarif'], {
      cwd: repo,
    });
    const again = await iacJson(['.'], repo);
    expect(again.code).toBe(first.code);
    expect(again.report!.issues).toEqual([]);
    // A document that only borrows the report's name is still reported.
    writeFileSync(
      join(repo, 'fake.json'),
      JSON.stringify({ tool: { name: 'hyperpod-cmk' }, InstanceGroups: [{ InstanceGroupName: 'g' }] }),
    );
    const fake = await iacJson(['.'], repo);
    expect(fake.report!.issues.map((issue) => [issue.code, issue.location?.file])).toEqual([
      ['iac.unrecognized', 'fake.json'],
    ]);
  });

  it('an id or glob that matches no rule is a usage error naming it (exit 2)', async () => {
    const repo = checkout('repo');
    const typo = await run(['iac', 'infra', '--rule', 'kms-key-rotaton-enabled'], { cwd: repo });
    expect(typo.code).toBe(2);
    expect(typo.err).toContain('--rule kms-key-rotaton-enabled: is not a rule id');
    const glob = await run(['iac', 'infra', '--skip-rule', 'nothing-*'], { cwd: repo });
    expect(glob.code).toBe(2);
    expect(glob.err).toContain('--skip-rule nothing-*: matches no rule');
    expect(typo.out).toBe('');
  });

  it.each([
    [['--skip-rule', '*'], '--skip-rule *: selects no rule'],
    [['--rule', 'kms-*', '--skip-rule', 'kms-*'], '--rule kms-* --skip-rule kms-*: selects no rule'],
  ])('%j leaves no rule: a usage error (exit 2), not a compliant estate', async (args, message) => {
    const repo = checkout('repo');
    const result = await run(['iac', 'infra', ...args], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.out).toBe('');
  });

  it('--severity reports only findings at or above it, and only those gate', async () => {
    const repo = checkout('repo');
    const high = await iacJson(['infra', '--severity', 'high'], repo);
    expect(high.report!.findings.filter((f) => f.severity !== 'high' && f.severity !== 'critical')).toEqual(
      [],
    );
    expect(open(high.report)).toEqual(FAILING.filter((line) => /volume-cmk|grants-execution/.test(line)));
    expect(high.code).toBe(1);
    const critical = await iacJson(['infra', '--severity', 'critical'], repo);
    expect(critical.report!.findings.filter((f) => f.status === 'FAIL')).toEqual([]);
    expect(critical.code).toBe(0);
  });

  it('a rule the config turns off runs only when --rule names it exactly; config severities apply first', async () => {
    const repo = checkout('repo');
    writeFileSync(
      join(repo, 'hyperpod-cmk.yaml'),
      'rules:\n  kms-key-separation-of-duties: off\n  kms-key-required-tags: critical\n',
    );
    const byConfig = await iacJson(['infra', '--rule', 'kms-key-*'], repo);
    const ids = new Set(byConfig.report!.findings.map((f) => f.ruleId));
    expect(ids.has('kms-key-separation-of-duties')).toBe(false);
    expect(ids.has('kms-key-required-tags')).toBe(true);
    const named = await iacJson(['infra', '--rule', 'kms-key-separation-of-duties'], repo);
    expect(open(named.report)).toEqual([
      'FAIL kms-key-separation-of-duties infra/terraform/main.tf#aws_kms_key.research',
    ]);
    const critical = await iacJson(['infra', '--severity', 'critical'], repo);
    expect(open(critical.report)).toEqual([
      'FAIL kms-key-required-tags infra/terraform/main.tf#aws_kms_key.research',
    ]);
  });
});

describe('baselines', () => {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false });
  const validate = ajv.compile(
    JSON.parse(readFileSync(new URL('../../schemas/baseline.schema.json', import.meta.url), 'utf8')),
  );

  it('--create-baseline records the open FAIL and UNKNOWN findings; the file validates against its schema', async () => {
    const repo = checkout('repo');
    const made = await iacJson(['infra', '--create-baseline', '.hyperpod-cmk-baseline.json'], repo);
    // Every open failure it reports is in the baseline it writes: judged against it, none is new.
    expect(made.code).toBe(0);
    const baseline = JSON.parse(readFileSync(join(repo, '.hyperpod-cmk-baseline.json'), 'utf8'));
    expect(validate(baseline)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    expect(baseline.baselineVersion).toBe(1);
    expect(
      baseline.findings
        .map(
          (e: { status: string; ruleId: string; resource: string }) =>
            `${e.status} ${e.ruleId} ${e.resource}`,
        )
        .sort(),
    ).toEqual(FAILING);
    // Suppressed findings (inline skips) are not in it.
    expect(JSON.stringify(baseline)).not.toContain('kms-key-rotation-enabled');
    expect(made.err).toContain('baseline report written to .hyperpod-cmk-baseline.json');
  });

  it('survives reformatting, reordering and another checkout location, and fails only on what is new', async () => {
    const first = checkout('first');
    expect((await iacJson(['infra', '--create-baseline', 'baseline.json'], first)).code).toBe(0);
    const baselineFile = join(first, 'baseline.json');

    // Another checkout, elsewhere, scanned from outside it by absolute path.
    const second = checkout('ci/workspace/second');
    const elsewhere = join(tmp, 'elsewhere');
    mkdirSync(elsewhere);
    const same = await iacJson([join(second, 'infra'), '--baseline', baselineFile], elsewhere);
    expect(open(same.report)).toEqual([]);
    expect(same.report!.summary.baseline).toBe(FAILING.length);
    expect(same.report!.summary.fail).toBe(0);
    expect(same.code).toBe(0);

    // The same resources, reordered and reformatted (other lines, other quoting, other order).
    const reformatted = checkout('third', REFORMATTED);
    const moved = await iacJson(['infra', '--baseline', baselineFile], reformatted);
    expect(
      moved
        .report!.findings.filter((f) => f.baseline)
        .map(row)
        .sort(),
    ).toEqual(FAILING);
    expect(moved.code).toBe(0);
    // The lines did change: the fingerprint does not carry them.
    const line = (r: Report | undefined) =>
      r!.findings.find((f) => f.ruleId === 'kms-key-deletion-protection')!.resource.location!.line;
    expect(line(moved.report)).not.toBe(line(same.report));

    // A new failure is reported as new and fails the run; the baselined ones stay marked.
    writeFileSync(
      join(reformatted, 'infra/terraform/extra.tf'),
      'resource "aws_kms_key" "extra" {\n  description = "unrotated"\n}\n\n' +
        readFileSync(join(reformatted, 'infra/terraform/main.tf'), 'utf8')
          .replace(/"research"/g, '"extra"')
          .replace(/aws_kms_key\.research/g, 'aws_kms_key.extra')
          .replace(/resource "aws_kms_key" "extra" \{[\s\S]*?\n\}\n/, ''),
    );
    const grown = await iacJson(['infra', '--baseline', baselineFile], reformatted);
    expect(grown.code).toBe(1);
    expect(open(grown.report).every((line) => line.includes('infra/terraform/extra.tf#'))).toBe(true);
    expect(open(grown.report).length).toBeGreaterThan(0);
    expect(grown.report!.summary.baseline).toBe(FAILING.length);
  });

  it('without a repository, fingerprints are relative to the scanned directory', async () => {
    const a = join(tmp, 'a');
    const b = join(tmp, 'deeper/b');
    cpSync(REPO, a, { recursive: true });
    cpSync(REPO, b, { recursive: true });
    const fromA = await iacJson(['infra'], a);
    const elsewhere = join(tmp, 'elsewhere');
    mkdirSync(elsewhere);
    const fromElsewhere = await iacJson([join(b, 'infra')], elsewhere);
    expect(fromElsewhere.report!.findings[0]!.resource.id.startsWith(b)).toBe(true);
    const prints = (r: Report | undefined) => r!.findings.map((f) => `${f.ruleId} ${f.fingerprint}`).sort();
    expect(prints(fromElsewhere.report)).toEqual(prints(fromA.report));
  });

  it('--base-dir is the root of fingerprints too: a checkout without .git (a container mount) matches the baseline', async () => {
    const first = checkout('first');
    expect((await iacJson(['infra', '--create-baseline', 'baseline.json'], first)).code).toBe(0);
    const baselineFile = join(first, 'baseline.json');
    const recorded = JSON.parse(readFileSync(baselineFile, 'utf8')).findings;

    // The same files mounted without .git, scanned with the root named by flag or variable.
    const mount = join(tmp, 'mnt/src');
    cpSync(REPO, mount, { recursive: true });
    const byFlag = await iacJson(['infra', '--base-dir', mount, '--baseline', baselineFile], mount);
    expect(open(byFlag.report)).toEqual([]);
    expect(byFlag.report!.summary.baseline).toBe(FAILING.length);
    expect(byFlag.code).toBe(0);
    const fromInside = await iacJson(['.', '--baseline', baselineFile], join(mount, 'infra'), {
      HYPERPOD_CMK_BASE_DIR: '..',
    });
    expect(open(fromInside.report)).toEqual([]);
    expect(fromInside.code).toBe(0);

    // A baseline made there records the same fingerprints and resources as the checkout's.
    await iacJson(['infra', '--base-dir', '.', '--create-baseline', 'again.json'], mount);
    expect(JSON.parse(readFileSync(join(mount, 'again.json'), 'utf8')).findings).toEqual(recorded);
  });

  it('a report with baseline and inline-suppressed findings is valid against schemas/report.schema.json', async () => {
    const repo = checkout('repo');
    await iacJson(['infra', '--create-baseline', 'b.json'], repo);
    const { report } = await iacJson(['infra', '--baseline', 'b.json'], repo);
    const validateReport = ajv.compile(
      JSON.parse(readFileSync(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8')),
    );
    expect(report!.findings.some((f) => f.baseline) && report!.findings.some((f) => f.suppressed)).toBe(true);
    expect(validateReport(report)).toBe(true);
    expect(validateReport.errors ?? []).toEqual([]);
  });

  it('a fingerprint does not depend on the working directory inside the repository', async () => {
    const repo = checkout('repo');
    const fromRoot = await iacJson(['infra'], repo);
    const fromInside = await iacJson(['.'], join(repo, 'infra'));
    const prints = (r: Report | undefined) => r!.findings.map((f) => `${f.ruleId} ${f.fingerprint}`).sort();
    expect(prints(fromInside.report)).toEqual(prints(fromRoot.report));
  });

  it('marks baseline findings in the table and counts them apart', async () => {
    const repo = checkout('repo');
    await iacJson(['infra', '--create-baseline', 'b.json'], repo);
    const table = await run(['iac', 'infra', '--baseline', 'b.json'], { cwd: repo });
    expect(table.code).toBe(0);
    expect(table.out).toContain(`· ${FAILING.length} in baseline`);
    expect(table.out).toContain(' BASELINE (8) ');
    expect(table.out).toContain('Findings: 0 failed');
  });

  it.each([
    ['not JSON', '{', 'is not JSON'],
    ['the wrong shape', '{"baselineVersion": 1, "findings": "all"}', 'is not a hyperpod-cmk baseline file'],
    ['a future version', '{"baselineVersion": 2, "findings": []}', 'baselineVersion 2 is not supported'],
    [
      'a bad fingerprint',
      '{"baselineVersion":1,"tool":{"name":"hyperpod-cmk","version":"0"},"createdAt":"x","findings":[{"fingerprint":"zz","ruleId":"r","resource":"x","status":"FAIL","severity":"low"}]}',
      'is not a hyperpod-cmk baseline file',
    ],
  ])('a baseline that is %s is an input error (exit 2), nothing written', async (_what, text, message) => {
    const repo = checkout('repo');
    writeFileSync(join(repo, 'bad.json'), text);
    const result = await run(['iac', 'infra', '--baseline', 'bad.json', '-o', 'r.json'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.err).toContain(`bad.json: ${message}`);
    expect(existsSync(join(repo, 'r.json'))).toBe(false);
    expect(validate(JSON.parse(text.length > 1 ? text : '{}'))).toBe(false);
  });

  it('a missing baseline file is exit 2 naming it', async () => {
    const repo = checkout('repo');
    const result = await run(['iac', 'infra', '--baseline', 'nope.json'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.err).toContain('nope.json: no such file');
  });
});

describe('inline skips', () => {
  it('comments (YAML, HCL) and CloudFormation Metadata suppress that resource, marked inline with the reason', async () => {
    const repo = checkout('repo');
    const { report } = await iacJson(['infra'], repo);
    const suppressed = report!.findings
      .filter((f) => f.suppressed)
      .map((f) => [
        row(f),
        f.suppressed!.source,
        f.suppressed!.reason,
        `${f.suppressed!.location?.file}:${f.suppressed!.location?.line}`,
      ]);
    expect(suppressed).toEqual([
      [
        'FAIL hyperpod-cluster-required-tags infra/cloudformation/training.yaml#Training',
        'inline',
        "tags are added by the deployment pipeline's stack policy",
        'infra/cloudformation/training.yaml:4',
      ],
      [
        'FAIL hyperpod-cluster-required-tags infra/cloudformation/training.yaml#Inference',
        'inline',
        "tagged by the inference team's own pipeline",
        'infra/cloudformation/training.yaml:29',
      ],
      [
        'FAIL kms-key-rotation-enabled infra/terraform/main.tf#aws_kms_key.research',
        'inline',
        'rotation is done by re-keying every quarter (RISK-42)',
        'infra/terraform/main.tf:5',
      ],
    ]);
    expect(report!.summary.suppressed).toBe(3);
    // The research cluster has the same rule failing, and no skip: it stays failing.
    expect(open(report)).toContain(
      'FAIL hyperpod-cluster-required-tags infra/terraform/main.tf#awscc_sagemaker_cluster.research',
    );
    expect(report!.issues).toEqual([]);
  });

  const CLUSTER = (name: string, metadata = '') =>
    `  ${name}:\n    Type: AWS::SageMaker::Cluster\n${metadata}    Properties:\n      ClusterName: ${name.toLowerCase()}\n      InstanceGroups:\n        - InstanceGroupName: g\n          InstanceType: ml.g5.8xlarge\n          InstanceCount: 1\n          ExecutionRole: arn:aws:iam::111122223333:role/r\n`;
  const template = (body: string) => `AWSTemplateFormatVersion: '2010-09-09'\nResources:\n${body}`;

  async function skipsOf(files: Record<string, string>) {
    const dir = join(tmp, 'skips');
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const { report, code } = await iacJson(
      ['.', '--rule', 'hyperpod-cluster-required-tags', '--rule', 'hyperpod-root-volume-cmk'],
      dir,
    );
    return {
      code,
      suppressed: report!.findings.filter((f) => f.suppressed).map((f) => `${f.ruleId} ${f.resource.id}`),
      issues: report!.issues.map((i) => `${i.code} ${i.location?.file}:${i.location?.line}`),
    };
  }

  it('a skip on a cluster covers the cluster and its instance groups, and no other resource', async () => {
    const result = await skipsOf({
      't.yaml': template(
        `${CLUSTER('A', '    # hyperpod-cmk:skip=hyperpod-root-volume-cmk,hyperpod-cluster-required-tags accepted by RISK-7\n')}${CLUSTER('B')}`,
      ),
    });
    expect(result.suppressed.sort()).toEqual([
      'hyperpod-cluster-required-tags t.yaml#A',
      'hyperpod-root-volume-cmk t.yaml#A/instance-group/g',
    ]);
    expect(result.issues).toEqual([]);
  });

  it('JSON templates take the Metadata form', async () => {
    const json = {
      Resources: {
        A: {
          Type: 'AWS::SageMaker::Cluster',
          Metadata: {
            'hyperpod-cmk': { skip: [{ id: 'hyperpod-cluster-required-tags', reason: 'RISK-9' }] },
          },
          Properties: {
            ClusterName: 'a',
            InstanceGroups: [
              {
                InstanceGroupName: 'g',
                InstanceType: 'ml.g5.8xlarge',
                InstanceCount: 1,
                ExecutionRole: 'arn:aws:iam::111122223333:role/r',
              },
            ],
          },
        },
      },
    };
    const result = await skipsOf({ 'a.template.json': JSON.stringify(json, null, 2) });
    expect(result.suppressed).toEqual(['hyperpod-cluster-required-tags a.template.json#A']);
  });

  it('a skip without a reason, naming an unknown rule, or on no resource is reported and not honoured', async () => {
    const result = await skipsOf({
      't.yaml': template(
        `${CLUSTER('A', '    # hyperpod-cmk:skip=hyperpod-cluster-required-tags\n')}${CLUSTER(
          'B',
          '    Metadata:\n      hyperpod-cmk:\n        skip:\n          - id: hyperpod-cluster-requried-tags\n            reason: typo\n          - reason: no id\n',
        )}Outputs:\n  # hyperpod-cmk:skip=hyperpod-root-volume-cmk in another section\n  Name:\n    Value: x\n`,
      ),
      'main.tf':
        'variable "x" {\n  # hyperpod-cmk:skip=hyperpod-root-volume-cmk not a resource\n  default = 1\n}\n\n' +
        'resource "aws_s3_bucket" "b" { # hyperpod-cmk:skip=hyperpod-root-volume-cmk not a cluster\n}\n' +
        'resource "aws_s3_bucket" "c" {}\nlocals {\n  # hyperpod-cmk:skip=hyperpod-root-volume-cmk after a one-line block\n  x = 1\n}\n',
    });
    expect(result.suppressed).toEqual([]);
    expect(result.issues.sort()).toEqual(
      [
        'iac.skip_no_reason t.yaml:5',
        'iac.skip_unknown_rule t.yaml:18',
        'iac.skip_malformed t.yaml:20',
        'iac.skip_no_resource t.yaml:29',
        'iac.skip_no_resource main.tf:2',
        'iac.skip_no_resource main.tf:6',
        'iac.skip_no_resource main.tf:10',
      ].sort(),
    );
    expect(result.code).toBe(1);
  });

  it('HCL: `//` comments, on the resource line, above it or inside its block', async () => {
    const cluster = (name: string, before: string, inside: string) =>
      `${before}resource "awscc_sagemaker_cluster" "${name}" {${inside}\n  cluster_name = "${name}"\n  instance_groups = [{ instance_group_name = "g", instance_type = "ml.g5.8xlarge", instance_count = 1, execution_role = "arn:aws:iam::111122223333:role/r" }]\n}\n\n`;
    const result = await skipsOf({
      'main.tf':
        cluster('above', '// hyperpod-cmk:skip=hyperpod-cluster-required-tags RISK-1\n\n', '') +
        cluster('on', '', ' # hyperpod-cmk:skip=hyperpod-cluster-required-tags RISK-2') +
        cluster('inside', '', '\n  # hyperpod-cmk:skip=hyperpod-cluster-required-tags RISK-3') +
        cluster('none', '# an ordinary comment\n', ''),
    });
    expect(result.suppressed.sort()).toEqual([
      'hyperpod-cluster-required-tags main.tf#awscc_sagemaker_cluster.above',
      'hyperpod-cluster-required-tags main.tf#awscc_sagemaker_cluster.inside',
      'hyperpod-cluster-required-tags main.tf#awscc_sagemaker_cluster.on',
    ]);
  });
});

describe('options from the environment', () => {
  it('HYPERPOD_CMK_* variables set the options; the command line wins over them', async () => {
    const repo = checkout('repo');
    const env = {
      HYPERPOD_CMK_FAIL_ON: 'none',
      HYPERPOD_CMK_FORMAT: 'json',
      HYPERPOD_CMK_RULE: 'kms-key-*,hyperpod-root-volume-cmk',
    };
    const fromEnv = await run(['iac', 'infra'], { cwd: repo, env });
    expect(fromEnv.code).toBe(0);
    const report = JSON.parse(fromEnv.out) as Report;
    expect(
      new Set(
        report.findings.map(
          (f) => f.ruleId.startsWith('kms-key-') || f.ruleId === 'hyperpod-root-volume-cmk',
        ),
      ),
    ).toEqual(new Set([true]));
    const overridden = await run(['iac', 'infra', '--fail-on', 'high', '--rule', 'kms-key-enabled'], {
      cwd: repo,
      env,
    });
    expect(overridden.code).toBe(0);
    expect((JSON.parse(overridden.out) as Report).findings.map((f) => f.ruleId)).toEqual(['kms-key-enabled']);
    const baseline = await run(['iac', 'infra', '--create-baseline', 'b.json'], { cwd: repo });
    expect(baseline.code).toBe(0);
    expect(
      (
        await run(['iac', 'infra'], {
          cwd: repo,
          env: { HYPERPOD_CMK_BASELINE: 'b.json', HYPERPOD_CMK_UNKNOWN: 'fail' },
        })
      ).code,
    ).toBe(0);
  });

  it('an invalid value in a variable is exit 2 naming the variable', async () => {
    const repo = checkout('repo');
    for (const [name, value] of [
      ['HYPERPOD_CMK_FAIL_ON', 'sometimes'],
      ['HYPERPOD_CMK_UNKNOWN', 'ignore'],
      ['HYPERPOD_CMK_QUIET', 'perhaps'],
      ['HYPERPOD_CMK_LIMIT', '-1'],
    ] as const) {
      const result = await run(['iac', 'infra'], { cwd: repo, env: { [name]: value } });
      expect(result.code, name).toBe(2);
      expect(result.err, name).toContain(`$${name}:`);
    }
  });
});

describe('several outputs in one run', () => {
  it('-o by extension and FORMAT=PATH write each format, the table stays on stdout', async () => {
    const repo = checkout('repo');
    const result = await run(
      [
        'iac',
        'infra',
        '-o',
        'out/report.json',
        '-o',
        'out/scan.sarif',
        '--output',
        'csv=out/findings.txt',
        '-o',
        'out/r.md',
      ],
      { cwd: repo },
    );
    expect(result.code).toBe(1);
    expect((JSON.parse(readFileSync(join(repo, 'out/report.json'), 'utf8')) as Report).schemaVersion).toBe(1);
    expect(JSON.parse(readFileSync(join(repo, 'out/scan.sarif'), 'utf8')).version).toBe('2.1.0');
    expect(readFileSync(join(repo, 'out/findings.txt'), 'utf8').split('\n')[0]).toContain('rule');
    expect(readFileSync(join(repo, 'out/r.md'), 'utf8')).toContain('## hyperpod-cmk report');
    expect(result.out).toContain('CLUSTER ');
    expect(result.err).toContain('sarif report written to out/scan.sarif');
  });

  it('a lone -o FILE with --format takes that format (as before); stdout gets the table', async () => {
    const repo = checkout('repo');
    const result = await run(['iac', 'infra', '--format', 'json', '-o', 'report.out'], { cwd: repo });
    expect(result.code).toBe(1);
    expect((JSON.parse(readFileSync(join(repo, 'report.out'), 'utf8')) as Report).schemaVersion).toBe(1);
    expect(result.out).toContain('CLUSTER ');
  });

  it('--format with an -o whose name says another format is the format of stdout', async () => {
    const repo = checkout('repo');
    const result = await run(['iac', 'infra', '--format', 'csv', '-o', 'report.json'], { cwd: repo });
    expect((JSON.parse(readFileSync(join(repo, 'report.json'), 'utf8')) as Report).schemaVersion).toBe(1);
    expect(result.out.split('\n')[0]).toContain('rule');
    expect(result.code).toBe(1);
  });

  it.each([
    ['gitlab', 'gl-code-quality-report.json', (doc: unknown) => Array.isArray(doc) && 'check_name' in doc[0]],
    ['asff', 'asff.json', (doc: unknown) => Array.isArray((doc as { Findings?: unknown }).Findings)],
    ['ocsf', 'ocsf.json', (doc: unknown) => Array.isArray(doc) && 'class_uid' in doc[0]],
    ['sarif', 'scan.json', (doc: unknown) => (doc as { version?: string }).version === '2.1.0'],
  ])(
    '--format %s with a lone -o named .json writes that format there (a JSON document); stdout gets the table',
    async (format, file, isFormat) => {
      const repo = checkout('repo');
      const result = await run(
        [
          'iac',
          'infra',
          '--format',
          format,
          '-o',
          file,
          '--account',
          '111122223333',
          '--region',
          'us-east-1',
        ],
        { cwd: repo },
      );
      expect(result.err).toContain(`${format} report written to ${file}`);
      expect(isFormat(JSON.parse(readFileSync(join(repo, file), 'utf8')))).toBe(true);
      expect(result.out).toContain('CLUSTER ');
    },
  );

  it('a .gitlab.json name says GitLab Code Quality whatever --format is', async () => {
    const repo = checkout('repo');
    const result = await run(['iac', 'infra', '-o', 'quality.gitlab.json'], { cwd: repo });
    const doc = JSON.parse(readFileSync(join(repo, 'quality.gitlab.json'), 'utf8')) as {
      check_name: string;
    }[];
    expect(doc.length).toBeGreaterThan(0);
    expect(typeof doc[0]!.check_name).toBe('string');
    expect(result.err).toContain('gitlab report written to quality.gitlab.json');
  });

  it('--format with several -o is the format of stdout', async () => {
    const repo = checkout('repo');
    const result = await run(['iac', 'infra', '--format', 'json', '-o', 'a.csv', '-o', 'b.sarif'], {
      cwd: repo,
    });
    expect((JSON.parse(result.out) as Report).schemaVersion).toBe(1);
    expect(existsSync(join(repo, 'a.csv')) && existsSync(join(repo, 'b.sarif'))).toBe(true);
  });

  it.each([
    [['--format', 'json', '--format', 'csv'], '--format: given more than once'],
    [['--fail-on', 'high', '--fail-on', 'low'], '--fail-on: given more than once'],
    [['--baseline', 'a.json', '--baseline', 'b.json'], '--baseline: given more than once'],
    [['-o', 'report.bin'], 'its name does not say which format to write'],
    [['-o', 'nosuch=report.json'], 'unknown format "nosuch"'],
    [['-o', 'a.json', '-o', 'json=a.json'], '--output a.json: given more than once'],
    // Each sets the config; the last one used to win, silently.
    [
      ['--config', 'hyperpod-cmk.yaml', '--no-config', '-o', 'a.json'],
      '--config and --no-config: both given',
    ],
    [
      ['--no-config', '--config', 'hyperpod-cmk.yaml', '-o', 'a.json'],
      '--config and --no-config: both given',
    ],
  ])('%j is a usage error (exit 2), nothing written', async (args, message) => {
    const repo = checkout('repo');
    const result = await run(['iac', 'infra', ...args], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.out).toBe('');
    expect(existsSync(join(repo, 'a.json')) || existsSync(join(repo, 'report.json'))).toBe(false);
  });
});

describe('the table in a terminal', () => {
  it('--quiet shows the summary and failures only; --compact drops the remediation', async () => {
    const repo = checkout('repo');
    const full = await run(['iac', 'infra'], { cwd: repo });
    const quiet = await run(['iac', 'infra', '--quiet'], { cwd: repo });
    const compact = await run(['iac', 'infra', '--compact'], { cwd: repo });
    expect(full.out).toContain('CLUSTER ');
    expect(full.out).toContain(' UNKNOWN (1) ');
    expect(full.out).toContain(' SUPPRESSED (3) ');
    expect(full.out).toContain('→ ');
    expect(quiet.out).toContain('Findings: 7 failed');
    expect(quiet.out).toContain(' HIGH (3) ');
    expect(quiet.out).not.toContain('CLUSTER ');
    expect(quiet.out).not.toContain(' UNKNOWN (1) ');
    expect(quiet.out).not.toContain(' SUPPRESSED ');
    expect(compact.out).toContain(' HIGH (3) ');
    expect(compact.out).not.toContain('→ ');
    expect(quiet.code).toBe(1);
  });

  it('fits the terminal width: long lines are cut with an ellipsis, never wrapped', async () => {
    const repo = checkout('repo');
    const io = memoryIo({ cwd: repo, env: { FORCE_COLOR: '1' } });
    Object.assign(io.stdout, { isTTY: true, columns: 60 });
    expect(await runCli(['iac', 'infra', '--now', NOW], io)).toBe(1);
    const lines = io.out().trimEnd().split('\n');
    const visible = (line: string) => line.replace(/\u001b\[[0-9;]*m/g, '');
    expect(Math.max(...lines.map((line) => visible(line).length))).toBeLessThanOrEqual(60);
    expect(lines.some((line) => visible(line).endsWith('…'))).toBe(true);
    // A cut coloured line ends its colour.
    for (const line of lines.filter((l) => visible(l).endsWith('…') && l.includes('\u001b[')))
      expect(line.endsWith('\u001b[0m')).toBe(true);
  });

  it('in a CI job (CI set) on a pseudo-terminal, the log is not cut to its width', async () => {
    const repo = checkout('repo');
    const plain = await run(['iac', 'infra'], { cwd: repo });
    const io = memoryIo({ cwd: repo, env: { CI: 'true', COLUMNS: '60' } });
    Object.assign(io.stdout, { isTTY: true, columns: 60 });
    expect(await runCli(['iac', 'infra', '--now', NOW], io)).toBe(1);
    expect(io.out().replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain.out);
    expect(io.out()).not.toContain('…');
  });

  it('a terminal that reports no width takes $COLUMNS', async () => {
    const repo = checkout('repo');
    const io = memoryIo({ cwd: repo, env: { COLUMNS: '60' } });
    Object.assign(io.stdout, { isTTY: true, columns: 0 });
    expect(await runCli(['iac', 'infra', '--now', NOW], io)).toBe(1);
    const lines = io.out().trimEnd().split('\n');
    const visible = (line: string) => line.replace(/\u001b\[[0-9;]*m/g, '');
    expect(Math.max(...lines.map((line) => visible(line).length))).toBeLessThanOrEqual(60);
    expect(lines.some((line) => visible(line).endsWith('…'))).toBe(true);
  });
});
