import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { Report } from '../../src/model/report.js';
import { type AsffFinding, renderAsff, renderAsffChunks, toAsff } from '../../src/reporters/asff.js';
import { ReportUnavailable } from '../../src/reporters/unavailable.js';
import { memoryIo } from '../helpers/io.js';
import { canonicalReport } from './fixture.js';

const ajv = new Ajv2020.default({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile(
  JSON.parse(readFileSync(new URL('../fixtures/asff/asff-findings.schema.json', import.meta.url), 'utf8')),
);

async function demo(format: string): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await runCli(['demo', '--format', format], io);
  return { code, out: io.out(), err: io.err() };
}

describe('asff', () => {
  it('is BatchImportFindings input that the documented constraints accept', async () => {
    const { code, out } = await demo('asff');
    expect(code).toBe(0);
    const body = JSON.parse(out) as { Findings: AsffFinding[] };
    const ok = validate(body);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // And the SDK's own type accepts every finding (checked by the compiler).
    const typed: AwsSecurityFinding[] = body.Findings;
    expect(typed.length).toBeGreaterThan(200);
  });

  it('maps statuses, leaves NOT_APPLICABLE out, and keys each finding by its fingerprint', async () => {
    const report = JSON.parse((await demo('json')).out) as Report;
    const findings = toAsff(report);
    const judged = report.findings.filter((f) => f.status !== 'NOT_APPLICABLE');
    expect(findings).toHaveLength(judged.length);
    const byId = new Map(findings.map((f) => [f.Id, f]));
    for (const f of judged) {
      const asff = byId.get(`hyperpod-cmk/${f.fingerprint}`)!;
      expect(asff.Compliance.Status).toBe(
        { PASS: 'PASSED', FAIL: 'FAILED', UNKNOWN: 'NOT_AVAILABLE' }[f.status as 'PASS'],
      );
      expect(asff.Severity.Label).toBe(f.status === 'PASS' ? 'INFORMATIONAL' : f.severity.toUpperCase());
      expect(asff.AwsAccountId).toBe(f.resource.account);
      expect(asff.GeneratorId).toBe(`hyperpod-cmk/${f.ruleId}`);
    }
    const key = findings.find(
      (f) => f.Resources[0]!.Type === 'AwsKmsKey' && f.Compliance.Status === 'FAILED',
    );
    expect(key?.Resources[0]?.Id).toMatch(/^arn:aws:kms:/);
    const account = findings.find((f) => f.GeneratorId === 'hyperpod-cmk/account-kms-audit-trail');
    expect(account?.Resources[0]).toMatchObject({ Type: 'AwsAccount', Region: 'us-east-1' });
    expect(account?.Resources[0]?.Id).toMatch(/^arn:aws:iam::\d{12}:root$/);
  });

  it('marks suppressed findings SUPPRESSED with the reason as a note, and clips long text', () => {
    const report = canonicalReport();
    const suppressed = report.findings.find((f) => f.suppressed)!;
    const long = {
      ...report,
      findings: report.findings.map((f) => (f === suppressed ? { ...f, message: 'x'.repeat(5000) } : f)),
    };
    const asff = toAsff(long).find((f) => f.Id === `hyperpod-cmk/${suppressed.fingerprint}`)!;
    expect(asff.Workflow.Status).toBe('SUPPRESSED');
    expect(asff.Note?.Text).toContain('tags land with PLAT-1');
    expect(asff.Description).toHaveLength(1024);
    expect(validate({ Findings: toAsff(long) })).toBe(true);
  });

  it('streams to a file in pieces, the same bytes as the whole: none, one batch, several and a part', async () => {
    const report = JSON.parse((await demo('json')).out) as Report;
    const judged = report.findings.filter((f) => f.status !== 'NOT_APPLICABLE');
    // 0, 1, 256 (one full batch), 257, 600 findings: an empty list, exact batches and a last part.
    for (const count of [0, 1, 256, 257, 600]) {
      const findings = Array.from({ length: count }, (_, i) => ({
        ...judged[i % judged.length]!,
        fingerprint: `fp${i}`,
      }));
      const sized = { ...report, findings };
      const chunks = [...renderAsffChunks(sized)];
      expect(chunks.join(''), `${count} findings`).toBe(renderAsff(sized));
      expect(chunks.length, `${count} findings`).toBe(Math.ceil(count / 256) + 2);
      expect((JSON.parse(chunks.join('')) as { Findings: AsffFinding[] }).Findings.map((f) => f.Id)).toEqual(
        findings.map((f) => `hyperpod-cmk/${f.fingerprint}`),
      );
    }
  });

  it('refuses a report without accounts before the first piece is made', () => {
    const report = canonicalReport();
    const unplaced = {
      ...report,
      findings: report.findings.map((f, i) =>
        i === 0 ? { ...f, status: 'FAIL' as const, resource: { ...f.resource, account: undefined } } : f,
      ),
    } as Report;
    expect(() => renderAsffChunks(unplaced)).toThrow(ReportUnavailable);
  });

  it.each([
    ['no account', undefined, 'us-east-1', 'has no AWS account, and'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder IaC writes, not a template
    ['a placeholder account', '${AWS::AccountId}', 'us-east-1', 'has no AWS account, and'],
    ['no Region', '111122223333', undefined, 'has no AWS Region, and'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder IaC writes, not a template
    ['neither', undefined, '${AWS::Region}', 'has no AWS account and no Region, and'],
    [
      'an account that is no account ID',
      '*',
      'us-east-1',
      'has the account "*", not a 12-digit AWS account ID, and',
    ],
    [
      'a Region that is no Region name',
      '111122223333',
      'moon-1',
      'has the Region "moon-1", not an AWS Region name, and',
    ],
    [
      'both wrong',
      '12',
      '',
      'has the account "12", not a 12-digit AWS account ID and the Region "", not an AWS Region name, and',
    ],
  ])('refuses a finding with %s, saying which', (_name, account, region, said) => {
    const report = canonicalReport();
    const placed = report.findings.findIndex((f) => f.status === 'FAIL' && f.resource.type !== 'account');
    const bad = report.findings[placed]!;
    const unplaced = {
      ...report,
      findings: [{ ...bad, resource: { ...bad.resource, account, region } }],
    } as Report;
    let thrown: unknown;
    try {
      renderAsffChunks(unplaced);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ReportUnavailable);
    expect((thrown as Error).message).toBe(
      `${bad.resource.id} ${said} every Security Hub finding needs both`,
    );
  });

  it('refuses a report whose findings have no AWS account (IaC), naming the fix', async () => {
    const io = memoryIo();
    const fixtures = new URL('../fixtures/iac/cloudformation-yaml/no-key.yaml', import.meta.url).pathname;
    expect(await runCli(['iac', fixtures, '--format', 'asff'], io)).toBe(2);
    expect(io.err()).toMatch(
      /--format asff: .* has no AWS account and no Region, and every Security Hub finding needs both/,
    );
    expect(io.err()).toMatch(/--account and --region/);
    // The same to a file (a streamed format): the same usage error, no internal error, no file.
    const dir = mkdtempSync(join(tmpdir(), 'asff-'));
    try {
      for (const output of ['r.asff', 'asff=r.json']) {
        const toFile = memoryIo({ cwd: dir });
        expect(await runCli(['iac', fixtures, '-o', output], toFile)).toBe(2);
        expect(toFile.err()).toMatch(
          /^hyperpod-cmk: --format asff: .* has no AWS account and no Region, and every Security Hub finding needs both/,
        );
        expect(toFile.err()).not.toMatch(/internal error/);
        expect(readdirSync(dir)).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const given = memoryIo();
    expect([0, 1, 3]).toContain(
      await runCli(
        ['iac', fixtures, '--format', 'asff', '--account', '111122223333', '--region', 'eu-west-1'],
        given,
      ),
    );
    const body = JSON.parse(given.out()) as { Findings: AsffFinding[] };
    expect(body.Findings.length).toBeGreaterThan(0);
    expect(body.Findings.every((f) => f.AwsAccountId === '111122223333' && f.Region === 'eu-west-1')).toBe(
      true,
    );
    expect(validate(body)).toBe(true);
  });
});
