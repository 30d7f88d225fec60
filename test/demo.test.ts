import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import type { Report } from '../src/model/report.js';
import { RULES } from '../src/rules/registry.js';
import { memoryIo } from './helpers/io.js';

async function demoReport(...args: string[]): Promise<Report> {
  const io = memoryIo();
  expect(await runCli(['demo', '--format', 'json', ...args], io)).toBe(0);
  return JSON.parse(io.out()) as Report;
}

describe('demo', () => {
  it('makes every rule both pass and fail somewhere (the IaC-only deletion-protection rule excepted)', async () => {
    const report = await demoReport();
    const catalog = new Set(RULES.map((r) => r.meta.id));
    const io = memoryIo();
    await runCli(['rules', '--format', 'json'], io);
    const listed = (JSON.parse(io.out()) as { rules: { id: string }[] }).rules.map((r) => r.id);
    expect(new Set(listed)).toEqual(catalog);
    expect(listed).toHaveLength(RULES.length);
    for (const id of catalog) {
      const statuses = new Set(report.findings.filter((f) => f.ruleId === id).map((f) => f.status));
      if (id === 'kms-key-deletion-protection') {
        expect([...statuses]).toEqual(['NOT_APPLICABLE']);
        continue;
      }
      expect(statuses.has('PASS'), `${id} passes somewhere`).toBe(true);
      expect(statuses.has('FAIL'), `${id} fails somewhere`).toBe(true);
    }
  });

  it('rolls up cluster compliance as DESIGN.md defines it', async () => {
    const report = await demoReport();
    const status = Object.fromEntries(report.clusters.map((c) => [c.name, c.status]));
    expect(status).toEqual({
      'llm-pretrain-prod': 'compliant',
      'slurm-continuous': 'compliant',
      'slurm-legacy': 'non-compliant',
      'genai-batch': 'non-compliant',
      'vision-finetune': 'non-compliant',
      'nlp-eval': 'non-compliant',
      'recsys-train': 'non-compliant',
      'multi-tenant-shared': 'non-compliant',
      'nova-customization': 'non-compliant',
      'rl-sandbox': 'non-compliant',
      'bio-foundation': 'compliant-by-exception',
    });
    expect(report.summary).toMatchObject({
      clusters: 11,
      compliantClusters: 2,
      compliantByException: 1,
      clusterCompliancePct: 27.3,
    });
    expect(report.scan.accounts).toHaveLength(3);
    expect(report.scan.regions).toEqual(['us-east-1', 'us-west-2']);
  });

  it('tells the demo stories: the cases the estate was built to show', async () => {
    const report = await demoReport();
    const find = (ruleId: string, status: string, match: string) =>
      report.findings.find(
        (f) => f.ruleId === ruleId && f.status === status && f.resource.id.includes(match),
      );
    expect(find('hyperpod-root-volume-cmk', 'FAIL', 'b2c3d4e5f6a7')?.messageId).toBe('awsOwned');
    // Slurm clusters support Continuous provisioning, and so customer managed keys.
    expect(find('hyperpod-cmk-provisioning-mode', 'PASS', 'c9d0e1f2a3b4')?.message).toBe(
      'cluster runs in Continuous mode (Slurm), which supports customer managed keys',
    );
    expect(find('hyperpod-root-volume-cmk', 'PASS', 'c9d0e1f2a3b4/instance-group/compute')).toBeDefined();
    // The grants EBS and SageMaker make for themselves are not strangers.
    expect(find('kms-key-grants-scoped', 'PASS', 'mrk-5f6a7b8c')?.message).toContain('(4 grants)');
    expect(find('kms-key-grants-scoped', 'PASS', 'mrk-1a2b3c4d')?.message).toContain('(4 grants)');
    expect(find('hyperpod-root-volume-cmk', 'FAIL', 'f6a7b8c9d0e1')?.messageId).toBe('awsManaged');
    expect(find('hyperpod-secondary-volume-cmk', 'FAIL', 'd4e5f6a7b8c9')?.messageId).toBe('awsOwned');
    expect(find('kms-key-not-pending-deletion', 'FAIL', '6f7a8b9c')?.message).toContain('2026-11-27');
    expect(find('kms-key-enabled', 'FAIL', '7a8b9c0d')?.message).toContain('Disabled');
    expect(find('hyperpod-tenant-key-isolation', 'FAIL', 'tenant-a-gpu')?.message).toContain('tenant-b');
    expect(find('kms-key-policy-no-public-access', 'FAIL', '9c0d1e2f')).toBeDefined();
    expect(find('hyperpod-key-grants-execution-role', 'FAIL', 'inference-g5')?.messageId).toBe(
      'encryptionContext',
    );
    expect(find('kms-key-unauthorized-access-attempts', 'FAIL', '3c4d5e6f')?.message).toContain(
      '3 denied calls',
    );
    expect(find('kms-key-policy-change-unapproved', 'FAIL', '3c4d5e6f')?.message).toContain(
      'developer/alice',
    );
    expect(find('kms-key-policy-change-unapproved', 'PASS', 'mrk-1a2b3c4d')).toBeDefined();
    expect(find('account-kms-audit-trail', 'FAIL', '222222222222')?.message).toContain('single-Region');
    expect(find('hyperpod-key-exists', 'FAIL', 'actors')?.messageId).toBe('notFound');
    expect(find('kms-key-policy-least-privilege', 'UNKNOWN', '3a4b5c6d')?.message).toContain('GetKeyPolicy');
    const restricted = report.findings.find(
      (f) => f.ruleId === 'hyperpod-root-volume-cmk' && f.resource.instanceGroup === 'nova-rig',
    );
    expect(restricted?.status).toBe('NOT_APPLICABLE');
    const suppressed = report.findings.filter((f) => f.suppressed);
    expect(suppressed.map((f) => f.ruleId)).toEqual(['hyperpod-cluster-required-tags']);
    const expired = report.findings.filter((f) => f.suppressionExpired);
    expect(expired.map((f) => [f.ruleId, f.status, f.suppressionExpired?.expires])).toEqual([
      ['kms-key-rotation-enabled', 'FAIL', '2026-06-30'],
    ]);
  });

  it('prints a readable summary: per-cluster compliance, then findings by severity with remediation', async () => {
    const io = memoryIo();
    expect(await runCli(['demo'], io)).toBe(0);
    const text = io.out();
    expect(text).not.toMatch(/\u001b\[/);
    const headings = [
      'CLUSTER ',
      ' CRITICAL (',
      ' HIGH (',
      ' MEDIUM (',
      ' LOW (',
      ' UNKNOWN (',
      ' SUPPRESSED (',
      ' GAPS (',
    ];
    const order = headings.map((heading) => text.indexOf(heading));
    expect(order.every((pos) => pos >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain('→ Cancel the deletion now');
    expect(text).toContain('llm-pretrain-prod');
  });

  it('is deterministic: the same report twice', async () => {
    expect(JSON.stringify(await demoReport())).toBe(JSON.stringify(await demoReport()));
  });

  it('moves the clock with --now: the lookback follows it, and days not looked up are not a PASS', async () => {
    const report = await demoReport('--now', '2026-12-30T00:00:00Z');
    const denied = report.findings.find(
      (f) => f.ruleId === 'kms-key-unauthorized-access-attempts' && f.resource.id.includes('3c4d5e6f'),
    );
    // The denial of the demo is older than the window, and the estate's events end on 2026-11-20.
    expect(denied?.status).toBe('UNKNOWN');
    expect(denied?.messageId).toBe('partialWindow');
    expect(denied?.evidence.missing).toEqual(['2026-11-30T00:00:00.000Z to 2026-12-30T00:00:00.000Z']);
  });

  it('exits by --fail-on when asked, and writes an inventory snapshot with --export', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-demo-'));
    const io = memoryIo({ cwd: dir });
    expect(
      await runCli(
        ['demo', '--fail-on', 'critical', '--export', 'estate.json', '-o', 'out.md', '--format', 'markdown'],
        io,
      ),
    ).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, 'estate.json'), 'utf8')).clusters).toHaveLength(11);
    expect(readFileSync(join(dir, 'out.md'), 'utf8')).toContain('## hyperpod-cmk report');
    const evaluated = memoryIo({ cwd: dir });
    expect(
      await runCli(
        [
          'evaluate',
          'estate.json',
          '--config',
          new URL('../demo/hyperpod-cmk.yaml', import.meta.url).pathname,
          '--now',
          '2026-11-20T09:00:00Z',
          '--format',
          'json',
          '--fail-on',
          'none',
        ],
        evaluated,
      ),
      // --fail-on none is report-only: 0 although the estate has UNKNOWN results.
    ).toBe(0);
    const fromFile = JSON.parse(evaluated.out()) as Report;
    const fromDemo = await demoReport();
    expect(fromFile.findings.map((f) => [f.fingerprint, f.status])).toEqual(
      fromDemo.findings.map((f) => [f.fingerprint, f.status]),
    );
  });
});
