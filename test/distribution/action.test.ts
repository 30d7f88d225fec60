/**
 * The GitHub Action (action.yml): parsed with `yaml`, its `run:` scripts executed by bash against a
 * fixture repository with the inputs substituted the way the runner does (expressions only in
 * `env:`), `npm` replaced by a stub that records where and what it installs and puts there a CLI
 * that records its arguments and runs this checkout's (dist/, so `npm run build` first). Asserts the outputs, the report, and the gate's exit code.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IAC = join(ROOT, 'test/fixtures/iac');

interface Step {
  id?: string;
  if?: string;
  uses?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

/** A GitHub expression, `${{ inner }}`, as written in action.yml. */
const expr = (inner: string) => `\${{ ${inner} }}`;

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as Action;

/** `${{ inputs.x }}` and `${{ steps.id.outputs.y }}`; anything else is refused so that the test notices. */
function substitute(
  value: string,
  inputs: Record<string, string>,
  outputs: Record<string, Record<string, string>>,
) {
  return value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    let match = /^inputs\.([\w-]+)$/.exec(expression);
    if (match) {
      if (!(match[1]! in inputs)) throw new Error(`action.yml uses an undeclared input ${match[1]}`);
      return inputs[match[1]!]!;
    }
    match = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression);
    if (match) return outputs[match[1]!]?.[match[2]!] ?? '';
    throw new Error(`unsupported expression in a run step's env: ${expression}`);
  });
}

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function fixtureRepository(files: Record<string, string>): string {
  const repo = mkdtempSync(join(tmpdir(), 'hpcmk-action-'));
  dirs.push(repo);
  mkdirSync(join(repo, '.git'));
  for (const [to, from] of Object.entries(files))
    cpSync(join(IAC, from), join(repo, to), { recursive: true });
  return repo;
}

/** This checkout's release: what the Action runs unless its `version` input says otherwise. */
const RELEASE = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Runs the action's bash steps in order, as the runner would (the Action checked out at
 * `actionPath`, by default this checkout); returns what each step did.
 */
function runAction(repo: string, given: Record<string, string>, actionPath: string = ROOT) {
  const inputs = Object.fromEntries(
    Object.entries(action.inputs).map(([name, spec]) => [name, given[name] ?? spec.default ?? '']),
  );
  const bin = mkdtempSync(join(tmpdir(), 'hpcmk-npm-'));
  dirs.push(bin);
  const temp = join(bin, 'runner-temp');
  mkdirSync(temp);
  const installs = join(bin, 'installs');
  const calls = join(bin, 'calls');
  // `npm install --prefix DIR ... SPEC` records where it ran and what it was asked, then puts in
  // DIR a `hyperpod-cmk` that records its arguments and runs this checkout's CLI; a spec that
  // names the version 0.0.0-unpublished fails, as npm does for a version the registry lacks.
  writeFileSync(
    join(bin, 'npm'),
    `#!/usr/bin/env bash
printf '%s\\n' "$PWD" "$@" > ${JSON.stringify(installs)}
[ "$1" = install ] && [ "$2" = --prefix ] || exit 97
spec="\${!#}"
if [ "$spec" = hyperpod-cmk@0.0.0-unpublished ]; then echo "npm error 404 No match found for version 0.0.0-unpublished" >&2; exit 1; fi
mkdir -p "$3/node_modules/.bin"
printf '#!/usr/bin/env bash\\nprintf "%%s\\\\n" "$@" > %q\\nexec node %q "$@"\\n' ${JSON.stringify(calls)} ${JSON.stringify(join(ROOT, 'bin/hyperpod-cmk.js'))} > "$3/node_modules/.bin/hyperpod-cmk"
chmod +x "$3/node_modules/.bin/hyperpod-cmk"
`,
  );
  chmodSync(join(bin, 'npm'), 0o755);
  const outputs: Record<string, Record<string, string>> = {};
  const steps: { id?: string; status: number | null; stdout: string; stderr: string }[] = [];
  for (const step of action.runs.steps) {
    if (!step.run) continue;
    expect(step.shell).toBe('bash');
    expect(step.run).not.toMatch(/\$\{\{/); // inputs reach scripts only through env
    const githubOutput = join(bin, `output-${steps.length}`);
    writeFileSync(githubOutput, '');
    const env = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([key, value]) => [key, substitute(value, inputs, outputs)]),
    );
    const result = spawnSync('bash', ['-e', '-c', step.run], {
      cwd: repo,
      encoding: 'utf8',
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: repo,
        NO_COLOR: '1',
        GITHUB_OUTPUT: githubOutput,
        RUNNER_TEMP: temp,
        // Set by the runner for a composite action: where its repository is checked out, at the
        // ref the workflow pinned (https://docs.github.com/en/actions/reference/workflows-and-actions/variables).
        GITHUB_ACTION_PATH: actionPath,
        ...env,
      },
    });
    const written = Object.fromEntries(
      readFileSync(githubOutput, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    if (step.id) outputs[step.id] = written;
    steps.push({
      ...(step.id ? { id: step.id } : {}),
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
    });
    if (result.status !== 0) break;
  }
  // No file: the script refused its inputs without installing or running the CLI.
  const installed = existsSync(installs) ? readFileSync(installs, 'utf8').trimEnd().split('\n') : [];
  const cliArgs = existsSync(calls) ? readFileSync(calls, 'utf8').trimEnd().split('\n') : [];
  // What ran, as one list: the package installed (its spec, npm's last argument), then the CLI's arguments.
  const npxArgs = installed.length === 0 ? [] : [installed.at(-1)!, ...cliArgs];
  return { steps, outputs, npxArgs, installed, temp, inputs };
}

describe('action.yml', () => {
  it('is a composite action with the documented inputs, and uploads SARIF with upload-sarif when asked', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs)).toEqual(
      expect.arrayContaining([
        'paths',
        'format',
        'fail-on',
        'unknown',
        'baseline',
        'config',
        'upload-sarif',
        'sarif-max-results',
        'version',
      ]),
    );
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy();
    // docs/ci.md's table of inputs names each one, with its default.
    const documented = [
      ...readFileSync(join(ROOT, 'docs/ci.md'), 'utf8').matchAll(/^\| `([\w-]+)` +\| ([^|]+?) +\|/gm),
    ];
    for (const [name, input] of Object.entries(action.inputs)) {
      const row = documented.find((match) => match[1] === name);
      expect(row, `docs/ci.md documents the input ${name}`).toBeDefined();
      if (input.default) expect(row![2], name).toBe(`\`${input.default}\``);
    }
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'))!;
    expect(upload.with).toEqual({
      sarif_file: expr('steps.scan.outputs.report'),
      category: expr('inputs.sarif-category'),
    });
    expect(upload.if).toContain("inputs.upload-sarif == 'true'");
    expect(upload.if).toContain('always()');
    // the upload comes before the gate, so a failing scan still uploads
    const index = (step: Step) => action.runs.steps.indexOf(step);
    const gate = action.runs.steps.at(-1)!;
    expect(index(upload)).toBeLessThan(index(gate));
    expect(gate.run).toContain('exit');
    expect(action.outputs['exit-code']!.value).toBe(expr('steps.scan.outputs.exit-code'));
  });

  it('a clean repository: exit 0, a valid SARIF report at repository-relative paths', () => {
    const repo = fixtureRepository({ 'infra/stack.yaml': 'cloudformation-yaml/pass.yaml' });
    const { steps, outputs, npxArgs } = runAction(repo, { paths: 'infra' });
    expect(RELEASE).toMatch(/^\d+\.\d+\.\d+/);
    expect(npxArgs).toEqual([
      `hyperpod-cmk@${RELEASE}`,
      'iac',
      '--format',
      'sarif',
      '--fail-on',
      'low',
      '--output',
      'hyperpod-cmk.sarif',
      '--',
      'infra',
    ]);
    expect(outputs.scan).toEqual({ 'exit-code': '0', report: 'hyperpod-cmk.sarif' });
    expect(steps.map((s) => s.status)).toEqual([0, 0]);
    const log = JSON.parse(readFileSync(join(repo, 'hyperpod-cmk.sarif'), 'utf8'));
    expect(log.runs[0].automationDetails.id).toMatch(/^hyperpod-cmk\/iac\/[0-9a-f]{12}\/$/);
  });

  it('a failing repository: the scan step succeeds (so SARIF uploads), the gate fails with exit 1', () => {
    const repo = fixtureRepository({
      'infra/a.yaml': 'cloudformation-yaml/no-key.yaml',
      'infra/tf': 'terraform/pass',
    });
    const { steps, outputs } = runAction(repo, { paths: 'infra/a.yaml\ninfra/tf', version: '0.1.0' });
    expect(outputs.scan!['exit-code']).toBe('1');
    expect(steps.map((s) => s.status)).toEqual([0, 1]);
    expect(steps[1]!.stdout).toContain(
      '::error title=hyperpod-cmk::a finding at or above fail-on failed (exit 1)',
    );
    const log = JSON.parse(readFileSync(join(repo, 'hyperpod-cmk.sarif'), 'utf8'));
    const uris = log.runs[0].results.map(
      (r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
        r.locations[0]!.physicalLocation.artifactLocation.uri,
    );
    expect(uris).toContain('infra/a.yaml');
  });

  it('fail-on none reports only; github format annotates on the log; every optional input reaches the CLI', () => {
    const repo = fixtureRepository({ 'infra/a.yaml': 'cloudformation-yaml/no-key.yaml' });
    const none = runAction(repo, { paths: 'infra', 'fail-on': 'none' });
    expect(none.outputs.scan!['exit-code']).toBe('0');
    expect(none.steps.map((s) => s.status)).toEqual([0, 0]);

    const github = runAction(repo, { paths: 'infra', format: 'github', 'upload-sarif': 'false' });
    expect(github.npxArgs).not.toContain('--output');
    expect(github.outputs.scan!.report).toBe('');
    expect(github.steps[0]!.stdout).toMatch(
      /^::error file=infra\/a\.yaml,line=\d+,title=hyperpod-root-volume-cmk \(high\)::/m,
    );

    const all = runAction(repo, {
      paths: 'infra',
      format: 'junit',
      output: 'reports/junit.xml',
      unknown: 'warn',
      baseline: '.hyperpod-cmk-baseline.json',
      config: 'ci/hyperpod-cmk.yaml',
      'sarif-max-results': 'none',
      version: '1.2.3',
    });
    expect(all.npxArgs).toEqual([
      'hyperpod-cmk@1.2.3',
      'iac',
      '--format',
      'junit',
      '--fail-on',
      'low',
      '--output',
      'reports/junit.xml',
      '--unknown',
      'warn',
      '--baseline',
      '.hyperpod-cmk-baseline.json',
      '--config',
      'ci/hyperpod-cmk.yaml',
      '--sarif-max-results',
      'none',
      '--',
      'infra',
    ]);
  });

  it('a path that looks like an option stays a path: a changed file named --skip-rule=... turns no rule off', () => {
    const repo = fixtureRepository({
      'infra/a.yaml': 'cloudformation-yaml/no-key.yaml',
      '--skip-rule=hyperpod-root-volume-cmk/b.yaml': 'cloudformation-yaml/no-key.yaml',
    });
    const { npxArgs, outputs, steps } = runAction(repo, {
      paths: 'infra/a.yaml\n--skip-rule=hyperpod-root-volume-cmk',
      format: 'json',
    });
    expect(npxArgs.slice(npxArgs.indexOf('--'))).toEqual([
      '--',
      'infra/a.yaml',
      '--skip-rule=hyperpod-root-volume-cmk',
    ]);
    const report = JSON.parse(readFileSync(join(repo, 'hyperpod-cmk.json'), 'utf8'));
    expect(report.scan.inputs).toEqual(['infra/a.yaml', '--skip-rule=hyperpod-root-volume-cmk']);
    expect(
      report.findings
        .filter((f: { ruleId: string; status: string }) => f.ruleId === 'hyperpod-root-volume-cmk')
        .map((f: { status: string; resource: { id: string } }) => `${f.status} ${f.resource.id}`),
    ).toEqual([
      'FAIL infra/a.yaml#Cluster/instance-group/workers',
      'FAIL --skip-rule=hyperpod-root-volume-cmk/b.yaml#Cluster/instance-group/workers',
    ]);
    expect(outputs.scan!['exit-code']).toBe('1');
    expect(steps.map((s) => s.status)).toEqual([0, 1]);
  });

  it('exit 2 names no report: a file left by an earlier run is not uploaded as this one', () => {
    const repo = fixtureRepository({ 'infra/a.yaml': 'cloudformation-yaml/no-key.yaml' });
    writeFileSync(join(repo, 'hyperpod-cmk.sarif'), '{"stale": true}');
    const { outputs, steps } = runAction(repo, { paths: 'infra', config: 'missing.yaml' });
    expect(outputs.scan).toEqual({ 'exit-code': '2', report: '' });
    expect(steps.map((s) => s.status)).toEqual([0, 2]);
    expect(steps[0]!.stderr).toContain('missing.yaml: no such file');
  });

  it('no-config ignores the hyperpod-cmk.yaml of the checkout (a pull request may edit it); with config it is a usage error', () => {
    const repo = fixtureRepository({ 'infra/a.yaml': 'cloudformation-yaml/no-key.yaml' });
    writeFileSync(join(repo, 'hyperpod-cmk.yaml'), 'rules:\n  hyperpod-root-volume-cmk: off\n');
    const ruleIds = () =>
      JSON.parse(readFileSync(join(repo, 'hyperpod-cmk.json'), 'utf8')).findings.map(
        (f: { ruleId: string }) => f.ruleId,
      );
    const local = runAction(repo, { paths: 'infra', format: 'json' });
    expect(local.npxArgs).not.toContain('--no-config');
    expect(ruleIds()).not.toContain('hyperpod-root-volume-cmk');

    const ignored = runAction(repo, { paths: 'infra', format: 'json', 'no-config': 'true' });
    expect(ignored.npxArgs).toContain('--no-config');
    expect(ruleIds()).toContain('hyperpod-root-volume-cmk');
    expect(ignored.outputs.scan!['exit-code']).toBe('1');

    for (const [given, message] of [
      [{ config: 'ci/hyperpod-cmk.yaml', 'no-config': 'true' }, 'config and no-config contradict each other'],
      [{ 'no-config': 'yes' }, "no-config is true or false, not 'yes'"],
      // A line break in the value it quotes would start a line of its own, a workflow command.
      [{ 'no-config': 'yes\r\n::error::pwned' }, "no-config is true or false, not 'yes\\r\\n::error::pwned'"],
    ] as const) {
      const refused = runAction(repo, { paths: 'infra', ...given });
      expect(refused.outputs.scan).toEqual({ 'exit-code': '2', report: '' });
      expect(refused.steps[0]!.stderr).toContain(message);
      expect(refused.steps[0]!.stderr).not.toMatch(/^::/m);
      expect(refused.steps.map((s) => s.status)).toEqual([0, 2]);
      expect(refused.npxArgs).toEqual([]);
    }
  });

  it('runs its own release unless told otherwise: the version in the package.json it was checked out with', () => {
    const repo = fixtureRepository({ 'infra/a.yaml': 'cloudformation-yaml/pass.yaml' });
    const pinned = mkdtempSync(join(tmpdir(), 'hpcmk-action-at-'));
    dirs.push(pinned);
    writeFileSync(join(pinned, 'package.json'), JSON.stringify({ name: 'hyperpod-cmk', version: '9.8.7' }));
    const ran = runAction(repo, { paths: 'infra' }, pinned);
    expect(ran.npxArgs.slice(0, 2)).toEqual(['hyperpod-cmk@9.8.7', 'iac']);
    expect(ran.outputs.scan).toEqual({ 'exit-code': '0', report: 'hyperpod-cmk.sarif' });
    // The input still wins.
    expect(runAction(repo, { paths: 'infra', version: '1.2.3' }, pinned).npxArgs[0]).toBe(
      'hyperpod-cmk@1.2.3',
    );
    // No release to read (an Action checkout without its package.json, or one that names no version): refused, not "latest".
    for (const content of [undefined, '{"name":"hyperpod-cmk"}', '{"version":"1.0.0 || >=2"}', 'not json']) {
      rmSync(join(pinned, 'package.json'), { force: true });
      if (content !== undefined) writeFileSync(join(pinned, 'package.json'), content);
      const refused = runAction(repo, { paths: 'infra' }, pinned);
      expect(refused.npxArgs, String(content)).toEqual([]);
      expect(refused.outputs.scan).toEqual({ 'exit-code': '2', report: '' });
      expect(refused.steps.map((s) => s.status)).toEqual([0, 2]);
      expect(refused.steps[0]!.stderr).toContain(
        `hyperpod-cmk: no release version in ${join(pinned, 'package.json')}, the Action's own: give the input version`,
      );
    }
  });

  // A line break in a value written to $GITHUB_OUTPUT starts another output (the runner reads the
  // file a line at a time, https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings):
  // `report=x` then `exit-code=0` would pass the gate of a failing scan.
  it.each([
    ['a line feed', 'x.sarif\nexit-code=0'],
    ['a carriage return', 'x.sarif\rexit-code=0'],
  ])('an output holding %s is refused: it cannot add an output of its own', (_name, output) => {
    const repo = fixtureRepository({ 'infra/a.yaml': 'cloudformation-yaml/no-key.yaml' });
    const { outputs, steps, npxArgs } = runAction(repo, { paths: 'infra', output });
    expect(outputs.scan).toEqual({ 'exit-code': '2', report: '' });
    expect(steps.map((s) => s.status)).toEqual([0, 2]);
    expect(npxArgs).toEqual([]);
    expect(steps[0]!.stderr).toBe(
      'hyperpod-cmk: the input output holds a line break: give a file name on one line\n',
    );
  });

  it('format asff is refused with what to do instead: a Security Hub finding needs an account and Region the Action takes no input for', () => {
    const repo = fixtureRepository({ 'infra/a.yaml': 'cloudformation-yaml/no-key.yaml' });
    const { outputs, steps, npxArgs } = runAction(repo, { paths: 'infra', format: 'asff' });
    expect(outputs.scan).toEqual({ 'exit-code': '2', report: '' });
    expect(steps.map((s) => s.status)).toEqual([0, 2]);
    expect(npxArgs).toEqual([]);
    expect(steps[0]!.stderr).toBe(
      'hyperpod-cmk: the input format asff is not for this Action: a Security Hub finding needs the AWS account and ' +
        'Region the IaC deploys to, which it takes no input for; run `npx hyperpod-cmk iac --format asff --account ID ' +
        '--region REGION` in a step of your own, or use sarif\n',
    );
  });

  it('installs the CLI outside the checkout (whose .npmrc a pull request may write), and an install that fails is exit 2, never a scan result', () => {
    const repo = fixtureRepository({ 'infra/a.yaml': 'cloudformation-yaml/no-key.yaml' });
    writeFileSync(join(repo, '.npmrc'), 'registry=https://registry.attacker.example/\n');
    const ran = runAction(repo, { paths: 'infra' });
    const tools = join(ran.temp, `hyperpod-cmk-${RELEASE}`);
    // npm ran in the runner's temporary directory, installing into a folder of its own there.
    expect(ran.installed).toEqual([
      ran.temp,
      'install',
      '--prefix',
      tools,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `hyperpod-cmk@${RELEASE}`,
    ]);
    // The scan itself ran, in the checkout, and failed the finding as a scan does.
    expect(ran.outputs.scan).toEqual({ 'exit-code': '1', report: 'hyperpod-cmk.sarif' });
    expect(existsSync(join(repo, 'hyperpod-cmk.sarif'))).toBe(true);

    const failed = runAction(repo, { paths: 'infra', version: '0.0.0-unpublished' });
    expect(failed.outputs.scan).toEqual({ 'exit-code': '2', report: '' });
    expect(failed.steps.map((s) => s.status)).toEqual([0, 2]);
    expect(failed.steps[0]!.stderr).toBe(
      'npm error 404 No match found for version 0.0.0-unpublished\n' +
        'hyperpod-cmk: could not install hyperpod-cmk@0.0.0-unpublished from npm (the lines above say why): nothing was scanned\n',
    );
  });

  it('an input cannot inject shell: values are passed as single arguments', () => {
    const repo = fixtureRepository({ 'infra/a.yaml': 'cloudformation-yaml/pass.yaml' });
    const { npxArgs, steps } = runAction(repo, { paths: 'infra', config: '$(touch pwned); `touch pwned2`' });
    expect(npxArgs.slice(-4)).toEqual(['--config', '$(touch pwned); `touch pwned2`', '--', 'infra']);
    expect(steps[0]!.status).toBe(0);
    expect(spawnSync('ls', [repo], { encoding: 'utf8' }).stdout).not.toContain('pwned');
  });
});
