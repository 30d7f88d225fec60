/**
 * The GitHub Actions workflows the docs show follow the docs' own security advice (security.md,
 * "Running it safely on untrusted pull requests"): the job that reads a pull request holds no
 * `security-events: write`, and SARIF is uploaded by a separate job that has it and runs nothing of
 * the pull request. `permissions` at a job replaces the workflow's for that job, and a scope left out
 * of a `permissions` map is `none`
 * (https://docs.github.com/en/actions/using-jobs/assigning-permissions-to-jobs); upload-sarif needs
 * `security-events: write`
 * (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/uploading-a-sarif-file-to-github).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const DOCS = ['docs/ci.md', 'docs/security.md', 'docs/iac-scanning.md', 'README.md'];

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
type Permissions = string | Record<string, string> | undefined;
interface Job {
  permissions?: Permissions;
  steps?: Step[];
}
interface Workflow {
  on?: unknown;
  permissions?: Permissions;
  jobs: Record<string, Job>;
}

/** The YAML blocks of a Markdown file that are workflows (with `jobs`) or lists of steps. */
function examples(file: string): { file: string; index: number; value: unknown }[] {
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
  return (
    [...text.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)]
      .map((match, index) => ({ file, index, text: match[1]! }))
      // Workflows and steps only: other blocks (templates, configs) may be sketches with `...`.
      .filter(({ text }) => /^jobs:|^\s*- (uses|run):/m.test(text))
      .map(({ index, text }) => ({ file, index, value: parse(text) as unknown }))
      .filter(
        ({ value }) =>
          (value !== null && typeof value === 'object' && 'jobs' in value) ||
          (Array.isArray(value) &&
            value.some((step) => step && typeof step === 'object' && ('uses' in step || 'run' in step))),
      )
  );
}

const all = DOCS.flatMap(examples);
const isWorkflow = (value: unknown): value is Workflow =>
  value !== null && typeof value === 'object' && 'jobs' in value;

/** Whether the workflow runs on pull requests. */
function onPullRequests(workflow: Workflow): boolean {
  const on = workflow.on;
  const events = typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {});
  return events.some((event) => event === 'pull_request' || event === 'pull_request_target');
}

/** Whether the job's token may write security events (no `permissions` anywhere: the repository's default, which may). */
function writesSecurityEvents(permissions: Permissions): boolean {
  if (permissions === undefined || permissions === 'write-all') return true;
  if (typeof permissions === 'string') return false;
  return permissions['security-events'] === 'write';
}

const scans = (step: Step) =>
  step.uses?.startsWith('hyperpod-cmk/hyperpod-cmk@') === true ||
  /hyperpod-cmk(@\S+)? iac\b/.test(step.run ?? '');
const uploads = (step: Step) => step.uses?.startsWith('github/codeql-action/upload-sarif@') === true;
const checksOut = (step: Step) => step.uses?.startsWith('actions/checkout@') === true;
/** The Action uploads SARIF itself unless told `upload-sarif: false`. */
const actionUploads = (step: Step) =>
  step.uses?.startsWith('hyperpod-cmk/hyperpod-cmk@') === true &&
  String(step.with?.['upload-sarif'] ?? 'true') !== 'false';

describe('the GitHub workflows in the docs', () => {
  it('are found (the check below has something to check)', () => {
    expect(all.filter(({ value }) => isWorkflow(value)).length).toBeGreaterThanOrEqual(3);
  });

  it('never give the job that scans a pull request security-events: write: SARIF is uploaded by a job of its own', () => {
    const wrong: string[] = [];
    for (const { file, index, value } of all) {
      const where = `${file}, YAML block ${index + 1}`;
      if (!isWorkflow(value)) {
        // A list of steps: one job, its permissions not shown. It may scan or upload, not both.
        const steps = value as Step[];
        if (steps.some(scans) && (steps.some(uploads) || steps.some(actionUploads)))
          wrong.push(`${where}: scans and uploads SARIF in the same job`);
        continue;
      }
      if (!onPullRequests(value)) continue;
      for (const [name, job] of Object.entries(value.jobs)) {
        const steps = job.steps ?? [];
        const writes = writesSecurityEvents(job.permissions ?? value.permissions);
        if (writes && steps.some((step) => scans(step) || checksOut(step)))
          wrong.push(
            `${where}, job ${name}: reads the pull request with security-events: write (or the default token)`,
          );
        if (!writes && (steps.some(uploads) || steps.some(actionUploads)))
          wrong.push(`${where}, job ${name}: uploads SARIF without security-events: write`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
