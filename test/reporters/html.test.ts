import { describe, expect, it } from 'vitest';
import { DEMO_TIME, demoEstate } from '../../src/demo/estate.js';
import { render } from '../../src/index.js';
import { SEVERITIES } from '../../src/model/finding.js';
import { runPipeline } from '../../src/pipeline.js';
import { dashboardFromReport, dashboardFromScans } from '../../src/reporters/html/data.js';
import { DASHBOARD_FINDINGS, escapeHtml, renderDashboard } from '../../src/reporters/html/render.js';
import { hostileReport } from '../helpers/hostile.js';
import { scanFixtures } from '../helpers/iac-scan.js';

describe('HTML dashboard', () => {
  const demo = runPipeline(demoEstate(), { now: new Date(DEMO_TIME) }).report;

  it('is registered as --format html and is one self-contained file', () => {
    const html = render(demo, 'html');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // Nothing to fetch: no src or href attributes, no url(), no @import; a CSP forbids any fetch.
    expect(html).not.toMatch(/\s(src|href|srcset|action)=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(html).toMatch(
      /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[A-Za-z0-9+/=]+'/,
    );
    expect((html.match(/<script>/g) ?? []).length).toBe(1);
  });

  it('lists every failing and unknown finding with its remediation, and the key map', () => {
    const data = dashboardFromReport(demo);
    const expected = demo.findings.filter((f) => f.status === 'FAIL' || f.status === 'UNKNOWN');
    expect(data.findings).toHaveLength(expected.length);
    expect(data.findings.every((f) => f.remediation.length > 0)).toBe(true);
    const html = renderDashboard(data);
    expect((html.match(/<tr data-severity=/g) ?? []).length).toBe(expected.length);
    // The demo's shared tenant key serves two groups in one cluster.
    const shared = data.keys.find((k) => k.alias === 'alias/tenants/shared')!;
    expect(shared.usedBy.map((u) => `${u.cluster}/${u.instanceGroup}`).sort()).toEqual([
      'multi-tenant-shared/tenant-a-gpu',
      'multi-tenant-shared/tenant-a-gpu',
      'multi-tenant-shared/tenant-b-gpu',
      'multi-tenant-shared/tenant-b-gpu',
    ]);
    expect(html).toContain('shared by 2 groups');
  });

  it('lists the most pressing findings up to its limit, says how many more there are, and all with 0', () => {
    const data = dashboardFromReport(demo);
    const total = data.findings.length;
    expect(total).toBeGreaterThan(6);
    const rowsOf = (html: string) =>
      [...html.matchAll(/<tr data-severity="([a-z]+)" data-status="([A-Za-z]+)"/g)].map(
        ([, severity, status]) => ({
          severity,
          status,
        }),
      );
    const expectedOrder = [...data.findings]
      .sort(
        (a, b) =>
          ['open', 'suppressed', 'resolved'].indexOf(a.state) -
            ['open', 'suppressed', 'resolved'].indexOf(b.state) ||
          ['critical', 'high', 'medium', 'low'].indexOf(a.severity) -
            ['critical', 'high', 'medium', 'low'].indexOf(b.severity),
      )
      .map((f) => f.severity);

    const limited = renderDashboard(data, { findings: 5 });
    expect(rowsOf(limited).map((r) => r.severity)).toEqual(expectedOrder.slice(0, 5));
    expect(limited).toContain(`<span id="shown">5</span> of 5 shown`);
    expect(limited).toContain(
      `Listed: the 5 most pressing of ${total} findings (open first, then by severity).`,
    );

    for (const html of [renderDashboard(data, { findings: 0 }), renderDashboard(data, { findings: total })]) {
      expect(rowsOf(html)).toHaveLength(total);
      expect(html).toContain(`<span id="shown">${total}</span> of ${total} shown`);
      expect(html).not.toContain('most pressing of');
    }
    expect(DASHBOARD_FINDINGS).toBe(5000);
    expect(rowsOf(renderDashboard(data))).toHaveLength(total);
  });

  it("judges a fingerprint reported twice by its last report, as history does, though it keeps only a report's problems", () => {
    const failure = demo.findings.find((f) => f.status === 'FAIL' && !f.suppressed)!;
    const plain = (status: 'PASS' | 'FAIL') => ({
      ...failure,
      fingerprint: failure.fingerprint,
      message: failure.message,
      status,
    });
    const withFindings = (findings: typeof demo.findings) => ({ ...demo, findings });
    const others = demo.findings.filter((f) => f !== failure);
    const remediation = (findings: typeof demo.findings) =>
      dashboardFromReport(withFindings(findings)).kpis.remediation;
    // Failing, then passing in the same scan: the pass stands, so the failure is not open.
    expect(remediation([...others, plain('FAIL'), plain('PASS')])).toEqual(remediation(others));
    expect(remediation([...others, plain('PASS'), plain('FAIL')])).toEqual(remediation(demo.findings));
    expect(remediation(others)).not.toEqual(remediation(demo.findings));
  });

  it('makes entries only for the findings a report dashboard lists, with the same page as from all of them', () => {
    const all = dashboardFromReport(demo, { findings: 0 });
    const total = all.findings.length;
    const listed = dashboardFromReport(demo, { findings: 5 });
    expect(listed.findings).toHaveLength(5);
    const failures = demo.findings.filter((f) => f.status === 'FAIL' && !f.suppressed);
    expect(listed.listedOf).toEqual({
      total,
      openFailures: Object.fromEntries(
        SEVERITIES.map((s) => [s, failures.filter((f) => f.severity === s).length]),
      ),
    });
    // The page (the counts, the note, the rows, the filters) is what the whole list rendered at 5 gives.
    expect(renderDashboard(listed, { findings: 5 })).toBe(renderDashboard(all, { findings: 5 }));
    expect(renderDashboard(listed, { findings: 5 })).toContain(
      `Listed: the 5 most pressing of ${total} findings`,
    );
    // Listing all of them (or more) keeps no count apart.
    expect(dashboardFromReport(demo, { findings: total }).listedOf).toBeUndefined();
    expect(all.listedOf).toBeUndefined();
    expect(dashboardFromReport(demo).findings).toHaveLength(total);
  });

  it('escapes every value that comes from an account', () => {
    const html = render(hostileReport(), 'html');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('the dashboard of saved scans', () => {
  it("shows a Terraform resource's account and Region in Terraform's terms, as the dashboard of one report does", async () => {
    const { report } = await scanFixtures(['terraform/no-key']);
    const fromReport = dashboardFromReport(report).findings;
    const fromScans = dashboardFromScans([{ report }]).findings;
    const place = (list: typeof fromReport) =>
      [...new Set(list.filter((f) => f.status === 'FAIL').map((f) => `${f.account} | ${f.region}`))].sort();
    expect(place(fromScans)).toEqual([
      "the account of the provider's credentials, not set in the files | the provider's Region, not set in the files",
    ]);
    expect(place(fromScans)).toEqual(place(fromReport));
  });
});
