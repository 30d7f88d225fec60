import { describe, expect, it } from 'vitest';
import { DEMO_TIME, demoEstate } from '../../src/demo/estate.js';
import { runPipeline } from '../../src/pipeline.js';
import { OCSF_VERSION, renderOcsf, renderOcsfChunks } from '../../src/reporters/ocsf.js';
import { findRule } from '../../src/rules/registry.js';
import { scanFixtures } from '../helpers/iac-scan.js';
import { canonicalReport } from './fixture.js';
import { ComplianceFindingSchema, OcsfReportSchema } from './ocsf-schema.js';

const parse = (text: string) => OcsfReportSchema.parse(JSON.parse(text));

describe('OCSF Compliance Finding reporter', () => {
  it('the validator itself rejects wrong enum ids, captions and missing required attributes', () => {
    const [event] = parse(renderOcsf(canonicalReport()));
    expect(ComplianceFindingSchema.safeParse(event).success).toBe(true);
    const broken = [
      { ...event, class_uid: 2001 },
      { ...event, severity_id: 7 },
      { ...event, severity: 'Severe' },
      { ...event, status_id: 9 },
      { ...event, type_uid: 200302 },
      { ...event, compliance: { ...event!.compliance, status_id: 4 } },
      { ...event, compliance: { ...event!.compliance, standards: [] } },
      { ...event, finding_info: { title: 'x' } },
      { ...event, metadata: { ...event!.metadata, product: {} } },
      { ...event, time: '2026-11-27T12:00:00Z' },
      { ...event, surprise: 1 },
    ];
    for (const bad of broken) expect(ComplianceFindingSchema.safeParse(bad).success).toBe(false);
  });

  it('streams to a file in pieces, the same bytes as the whole, for none, some and many events', () => {
    const report = canonicalReport();
    const judged = report.findings.filter((f) => f.status !== 'NOT_APPLICABLE');
    for (const count of [0, 1, 300, 700]) {
      const findings = Array.from({ length: count }, (_, i) => ({
        ...judged[i % judged.length]!,
        fingerprint: `fp${i}`,
      }));
      const sized = { ...report, findings };
      const streamed = [...renderOcsfChunks(sized)].join('');
      expect(streamed, `${count} findings`).toBe(renderOcsf(sized));
      expect(parse(streamed), `${count} findings`).toHaveLength(count);
    }
  });

  it('writes one valid event per PASS, FAIL and UNKNOWN finding, with exact ids', () => {
    const report = canonicalReport();
    const events = parse(renderOcsf(report));
    const judged = report.findings.filter((f) => f.status !== 'NOT_APPLICABLE');
    expect(events).toHaveLength(judged.length);
    const complianceStatus = { PASS: [1, 'Pass'], UNKNOWN: [2, 'Warning'], FAIL: [3, 'Fail'] } as const;
    const severityId = { low: 2, medium: 3, high: 4, critical: 5 } as const;
    judged.forEach((f, i) => {
      const event = events[i]!;
      expect(event.finding_info.uid).toBe(f.fingerprint);
      expect(event).toMatchObject({
        class_uid: 2003,
        category_uid: 2,
        activity_id: 1,
        type_uid: 200301,
        time: Date.parse(report.scan.finishedAt),
        status_code: f.status,
        status_id: f.suppressed ? 3 : 1,
        severity_id: f.status === 'PASS' ? 1 : severityId[f.severity],
        metadata: { version: OCSF_VERSION, product: { name: 'hyperpod-cmk', version: report.tool.version } },
      });
      const [id, caption] = complianceStatus[f.status as keyof typeof complianceStatus];
      expect(event.compliance.status_id).toBe(id);
      expect(event.compliance.status).toBe(caption);
      expect(event.compliance.control).toBe(f.ruleId);
      expect(event.finding_info.title).toBe(findRule(f.ruleId)!.meta.title);
      expect(event.resources![0]!.uid).toBe(f.resource.id);
      if (f.resource.account) expect(event.cloud!.account!.uid).toBe(f.resource.account);
      if (f.suppressed) expect(event.status_detail).toContain(f.suppressed.reason);
    });
    expect(events.some((e) => e.compliance.status_id === 2)).toBe(true);
    expect(events.some((e) => e.status_id === 3)).toBe(true);
  });

  it('maps every framework a rule cites to standards and requirements', () => {
    const report = runPipeline(demoEstate(), { now: new Date(DEMO_TIME) }).report;
    const events = parse(renderOcsf(report));
    for (const event of events) {
      const frameworks = Object.entries(findRule(event.compliance.control!)!.meta.frameworks).filter(
        ([, c]) => c?.length,
      );
      expect(event.compliance.standards).toEqual(
        frameworks.length ? frameworks.map(([name]) => name) : ['hyperpod-cmk'],
      );
      expect(event.compliance.requirements ?? []).toEqual(
        frameworks.flatMap(([name, controls]) => controls!.map((c) => `${name} ${c}`)),
      );
    }
  });

  it('IaC findings validate too, with their location kept', async () => {
    const { report } = await scanFixtures(['cloudformation-yaml/no-key.yaml']);
    const events = parse(renderOcsf(report));
    const failed = report.findings.find((f) => f.status === 'FAIL' && f.resource.location?.line)!;
    const event = events.find((e) => e.finding_info.uid === failed.fingerprint)!;
    expect(event.resources![0]!.data).toMatchObject({
      location: `${failed.resource.location!.file}:${failed.resource.location!.line}`,
    });
    // The files set neither the account nor the Region: IaC keeps CloudFormation's placeholders,
    // which are no account uid or Region name, so the events name neither.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder IaC writes, not a template
    expect(failed.resource.account).toBe('${AWS::AccountId}');
    expect(events.map((e) => e.cloud).filter((cloud) => JSON.stringify(cloud).includes('${AWS::'))).toEqual(
      [],
    );
    expect(event.cloud).toEqual({ provider: 'AWS' });
  });
});
