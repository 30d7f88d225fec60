/**
 * The HTML dashboard: one self-contained file. Inline CSS, one inline script allowed by its hash in
 * a Content-Security-Policy that forbids every network fetch, inline SVG charts, no fonts or
 * images to load. Every page is built with the `html` tagged template (reporters/escape.ts), which
 * escapes every value it is given (resource names come from user accounts) unless it is markup
 * built with `html` itself. Without JavaScript everything shows, unfiltered; printed, the filters hide and the
 * remediation details open.
 */

import { createHash } from 'node:crypto';
import type { CompliancePoint } from '../../kpi/compliance.js';
import { AGE_BUCKETS } from '../../kpi/remediation.js';
import { parseIsoTime } from '../../model/dates.js';
import { SEVERITIES } from '../../model/finding.js';
import { maxOf, minOf } from '../../model/many.js';
import { TOOL_VERSION } from '../../version.js';
import { escapeHtml, type Html, html, trustedHtml } from '../escape.js';
import {
  byPressing,
  DASHBOARD_FINDINGS,
  type DashboardData,
  type DashboardFinding,
  type DashboardKey,
} from './data.js';

/** Kept for the modules that import it from here; the escaping lives in reporters/escape.ts. */
export { escapeHtml };

const usd = (n: number) =>
  `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const days = (n: number) => `${n} d`;
const date = (iso: string) => iso.slice(0, 10);

const CSS = `
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d8dde3;--bg:#f6f8fa;--card:#fff;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--crit:#82071e;--info:#0969da}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#0d1117;color:#f0f3f6;padding:18px 28px}
header h1{margin:0;font-size:20px;font-weight:600}
header p{margin:4px 0 0;color:#9da7b3;font-size:13px}
main{padding:20px 28px;max-width:1400px;margin:0 auto}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:0 0 18px}
h2{font-size:16px;margin:0 0 12px}
h3{font-size:13px;margin:14px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;background:none;border:0;padding:0}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.tile .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.tile .value{font-size:26px;font-weight:650;margin:2px 0}
.tile .sub{color:var(--muted);font-size:12px}
.good{color:var(--ok)}.fair{color:var(--warn)}.poor{color:var(--bad)}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(420px,100%),1fr));gap:18px}
.grid2>section{min-width:0}
.chart{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.rule{min-width:210px;word-break:normal!important}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:11px;font-weight:600;white-space:nowrap}
.sev-critical{background:var(--crit);color:#fff}.sev-high{background:var(--bad);color:#fff}
.sev-medium{background:#f2cc60;color:#3b2300}.sev-low{background:#ddf4ff;color:#0a3069}
.st-FAIL{background:#ffebe9;color:var(--bad)}.st-UNKNOWN{background:#fff8c5;color:var(--warn)}
.state-suppressed{background:#eaeef2;color:var(--muted)}.state-resolved{background:#dafbe1;color:var(--ok)}.state-open{background:#ffebe9;color:var(--bad)}
.shared{background:#ffebe9;color:var(--bad)}.single{background:#dafbe1;color:var(--ok)}
.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:end;margin:0 0 10px}
.filters label{font-size:12px;color:var(--muted);display:flex;flex-direction:column;gap:2px}
.filters select,.filters input{font:inherit;padding:4px 6px;border:1px solid var(--line);border-radius:6px;background:#fff;min-width:140px}
.remedy{color:var(--muted);font-size:12px;margin-top:4px}
details summary{cursor:pointer;color:var(--info);font-size:12px}
pre{overflow-wrap:break-word}
pre{white-space:pre-wrap;background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:8px;margin:6px 0 0;font-size:12px}
.note{color:var(--muted);font-size:12px}
.empty{color:var(--muted);font-style:italic}
svg text{font:11px system-ui,sans-serif;fill:var(--muted)}
.legend{display:flex;gap:14px;font-size:12px;color:var(--muted);margin-top:4px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.keymap .groups{display:flex;flex-wrap:wrap;gap:4px}
.keymap .ig{border:1px solid var(--line);border-radius:4px;padding:1px 6px;font-size:12px;background:#fafbfc}
footer{color:var(--muted);font-size:12px;text-align:center;padding:10px 0 30px}
@media screen and (max-width:640px){
 header{padding:14px 16px}
 main{padding:12px}
 section{padding:12px}
 table:not(#findings){display:block;overflow-x:auto;max-width:100%}
 .chart svg{min-width:600px}
 #findings,#findings tbody,#findings tr,#findings td{display:block}
 #findings tr[hidden]{display:none}
 #findings thead{display:none}
 #findings tr{border-bottom:1px solid var(--line);padding:8px 0}
 #findings td{border:0;padding:2px 0;overflow-wrap:break-word}
 #findings td:nth-child(-n+2){display:inline-block;margin-right:6px}
 #findings td.num{text-align:left;color:var(--muted);font-size:12px}
 #findings td.num:not(:empty)::before{content:"age: "}
 .rule{min-width:0}
 .filters label{flex:1 1 140px}
 .filters select,.filters input{min-width:0;width:100%}
}
@media print{
 body{background:#fff;font-size:11px}
 header{background:#fff;color:#000;border-bottom:2px solid #000;padding:8px 0}
 header p{color:#333}
 main{padding:0;max-width:none}
 section,.tile{break-inside:avoid;border-color:#999}
 tr{break-inside:avoid}
 .filters,.noprint{display:none!important}
 .badge{border:1px solid #666}
 a{color:#000;text-decoration:none}
}
`;

const SCRIPT = `(function(){
var controls=[].slice.call(document.querySelectorAll('[data-filter]'));
var rows=[].slice.call(document.querySelectorAll('#findings tbody tr'));
var shown=document.getElementById('shown');
function apply(){
 var want={};controls.forEach(function(c){want[c.getAttribute('data-filter')]=c.value.trim().toLowerCase();});
 var n=0;
 rows.forEach(function(r){
  var ok=Object.keys(want).every(function(k){
   var v=want[k];if(!v)return true;
   if(k==='q')return r.textContent.toLowerCase().indexOf(v)!==-1;
   return (r.getAttribute('data-'+k)||'').toLowerCase()===v;
  });
  r.hidden=!ok;if(ok)n++;
 });
 if(shown)shown.textContent=String(n);
}
controls.forEach(function(c){c.addEventListener('input',apply);c.addEventListener('change',apply);});
window.addEventListener('beforeprint',function(){[].slice.call(document.querySelectorAll('details')).forEach(function(d){d.open=true;});});
apply();
})();`;

const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');

function tone(pct: number | null): string {
  if (pct === null) return '';
  return pct >= 90 ? 'good' : pct >= 70 ? 'fair' : 'poor';
}

/** A percentage, or n/a when there was nothing to measure (never a green 100% of nothing). */
const pctValue = (pct: number | null) => (pct === null ? 'n/a' : `${pct}%`);

function tile(label: string, value: string, sub: string, cls = ''): Html {
  return html`<div class="tile"><div class="label">${label}</div><div class="value ${cls}">${value}</div><div class="sub">${sub}</div></div>`;
}

function tiles(data: DashboardData): Html {
  const k = data.kpis;
  const out: Html[] = [];
  if (k.compliance) {
    const c = k.compliance.now.overall.clusters;
    const g = k.compliance.now.overall.instanceGroups;
    out.push(
      tile(
        'Clusters compliant',
        pctValue(c.pct),
        `${c.compliant + c.byException} of ${c.total}${c.byException ? `, ${c.byException} by exception` : ''}${c.unknown ? `, ${c.unknown} unknown` : ''}`,
        tone(c.pct),
      ),
      tile(
        'Instance groups compliant',
        pctValue(g.pct),
        `${g.compliant + g.byException} of ${g.total}`,
        tone(g.pct),
      ),
    );
  }
  const open = data.findings.filter((f) => f.state === 'open' && f.status === 'FAIL');
  // Counted over every finding, listed or not.
  const openOf = (s: (typeof SEVERITIES)[number]) =>
    data.listedOf ? data.listedOf.openFailures[s] : open.filter((f) => f.severity === s).length;
  const bySeverity = SEVERITIES.map((s) => [s, openOf(s)] as const).filter(([, n]) => n > 0);
  const openCount = data.listedOf ? bySeverity.reduce((sum, [, n]) => sum + n, 0) : open.length;
  out.push(
    tile(
      'Open failures',
      String(openCount),
      bySeverity.length ? bySeverity.map(([s, n]) => `${n} ${s}`).join(' · ') : 'none',
      openCount ? 'poor' : 'good',
    ),
  );
  const mttr = k.remediation?.mttr.find((m) => m.group === 'all');
  if (mttr)
    out.push(
      tile(
        'Time to remediate',
        mttr.medianDays === null ? '—' : days(mttr.medianDays),
        mttr.meanDays === null
          ? 'n/a: no fix seen in the window yet'
          : `median; mean ${days(mttr.meanDays)} over ${mttr.fixed} fixed`,
      ),
    );
  if (k.attempts)
    out.push(
      tile(
        'Denied key calls',
        String(k.attempts.total),
        `${k.attempts.byKey.length} keys · ${k.attempts.byPrincipal.length} principals`,
        k.attempts.total ? 'poor' : 'good',
      ),
    );
  if (k.cost)
    out.push(
      tile(
        'KMS cost (estimate)',
        `${usd(k.cost.monthlyRunRateUsd)}/mo`,
        `${k.cost.keys.length} keys · ${usd(k.cost.totalUsd)} in window`,
      ),
    );
  return html`<section class="tiles" aria-label="Key figures">${out}</section>`;
}

/** A line chart of compliance % per scan: clusters and instance groups. */
export function trendChart(points: readonly CompliancePoint[]): Html {
  if (points.length === 0) return html`<p class="empty">No scan in the window.</p>`;
  const W = 640;
  const H = 220;
  const left = 40;
  const right = 12;
  const top = 12;
  const bottom = 28;
  const times = points.map((p) => parseIsoTime(p.at) ?? Number.NaN);
  const t0 = minOf(times);
  const t1 = maxOf(times);
  const x = (t: number) =>
    t1 === t0 ? left + (W - left - right) / 2 : left + ((t - t0) / (t1 - t0)) * (W - left - right);
  const y = (pct: number) => top + (1 - pct / 100) * (H - top - bottom);
  const grid = [0, 25, 50, 75, 100].map(
    (v) =>
      html`<line x1="${left}" x2="${W - right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e8eb"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v}%</text>`,
  );
  // Scans with no percentage (incomplete, or nothing examined) are not plotted: no point at 100%.
  const series = (pick: (p: CompliancePoint) => number | null, color: string, name: string) => {
    const coords = points.flatMap((p, i) => {
      const value = pick(p);
      return value === null ? [] : [[x(times[i]!), y(value), value, p.at] as const];
    });
    const line =
      coords.length > 1
        ? html`<polyline fill="none" stroke="${color}" stroke-width="2" points="${coords.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`
        : '';
    const dots = coords.map(
      ([a, b, value, at]) =>
        html`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${color}"><title>${name} ${value}% · ${at}</title></circle>`,
    );
    return [line, dots];
  };
  const incomplete = points.filter((p) => p.incomplete?.length || p.round?.missing.length).length;
  const labels = [...new Set([0, Math.floor((points.length - 1) / 2), points.length - 1])].map((i) => {
    const anchor =
      points.length === 1 ? 'middle' : i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle';
    return html`<text x="${x(times[i]!)}" y="${H - 8}" text-anchor="${anchor}">${date(points[i]!.at)}</text>`;
  });
  return html`<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Compliance trend">${grid}${series((p) => p.overall.clusters.pct, '#0969da', 'clusters')}${series((p) => p.overall.instanceGroups.pct, '#8250df', 'instance groups')}${labels}</svg>
<div class="legend"><span><i style="background:#0969da"></i>clusters</span><span><i style="background:#8250df"></i>instance groups</span><span>${points.length} scan${points.length === 1 ? '' : 's'}</span>${incomplete ? html`<span>${incomplete} incomplete (not plotted)</span>` : ''}</div>`;
}

/** Bars of mean and median days to remediate, per severity. */
export function mttrChart(data: DashboardData): Html {
  const figures = (data.kpis.remediation?.mttr ?? []).filter((m) => m.group !== 'all');
  const fixed = figures.flatMap((m) =>
    m.meanDays === null || m.medianDays === null
      ? []
      : [{ group: m.group, fixed: m.fixed, meanDays: m.meanDays, medianDays: m.medianDays }],
  );
  if (fixed.length === 0) return html`<p class="empty">No failure has been fixed in the window yet.</p>`;
  const W = 640;
  const rowH = 34;
  const left = 90;
  const H = fixed.length * rowH + 24;
  const max = Math.max(1, maxOf(fixed.map((m) => Math.max(m.meanDays, m.medianDays))));
  const width = (v: number) => (v / max) * (W - left - 80);
  const rows = fixed.map((m, i) => {
    const y0 = i * rowH + 4;
    return html`<text x="${left - 8}" y="${y0 + 17}" text-anchor="end">${m.group}</text>
<rect x="${left}" y="${y0}" width="${width(m.meanDays).toFixed(1)}" height="12" fill="#0969da"><title>mean ${m.meanDays} d</title></rect>
<text x="${(left + width(m.meanDays) + 4).toFixed(1)}" y="${y0 + 10}">${m.meanDays} d</text>
<rect x="${left}" y="${y0 + 14}" width="${width(m.medianDays).toFixed(1)}" height="12" fill="#8250df"><title>median ${m.medianDays} d</title></rect>
<text x="${(left + width(m.medianDays) + 4).toFixed(1)}" y="${y0 + 24}">${m.medianDays} d · ${m.fixed} fixed</text>`;
  });
  return html`<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Time to remediate by severity">${rows}</svg>
<div class="legend"><span><i style="background:#0969da"></i>mean</span><span><i style="background:#8250df"></i>median</span></div>`;
}

function ageTable(data: DashboardData): Html {
  const age = data.kpis.remediation?.age ?? [];
  if (age.length === 0) return html``;
  const head = AGE_BUCKETS.map((b) => html`<th class="num">${b.label}</th>`);
  const rows = age.map(
    (a) =>
      html`<tr><td>${a.group}</td><td class="num">${a.open}</td>${AGE_BUCKETS.map((b) => html`<td class="num">${a.buckets[b.label]}</td>`)}<td class="num">${a.open ? days(a.oldestDays) : '–'}</td><td class="num">${a.suppressed}</td></tr>`,
  );
  return html`<h3>Open failures by age</h3><table><thead><tr><th>Severity</th><th class="num">Open</th>${head}<th class="num">Oldest</th><th class="num">Suppressed</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function options(values: readonly string[]): Html[] {
  return values.map((v) => html`<option value="${v}">${v}</option>`);
}

function findingRow(f: DashboardFinding): Html {
  const cli = f.remediationCli
    ? html`<details><summary>CLI</summary><pre>${f.remediationCli}</pre></details>`
    : '';
  const shown = f.state === 'open' ? f.status : f.state;
  return html`<tr data-severity="${f.severity}" data-status="${shown}" data-account="${f.account}" data-rule="${f.ruleId}">
<td><span class="badge sev-${f.severity}">${f.severity}</span></td>
<td><span class="badge ${f.state === 'open' ? `st-${f.status}` : `state-${f.state}`}">${shown}</span></td>
<td class="mono rule">${f.ruleId}</td>
<td><div class="mono">${f.resource}</div><div class="note">${f.account}${f.region ? ` · ${f.region}` : ''}</div></td>
<td>${f.message}${f.note ? html`<div class="note">${f.note}</div>` : ''}<div class="remedy"><b>Remediation:</b> ${f.remediation}</div>${cli}</td>
<td class="num">${f.ageDays !== undefined ? days(f.ageDays) : f.firstFailedAt ? date(f.firstFailedAt) : ''}</td>
</tr>`;
}

export { DASHBOARD_FINDINGS };

function findingsSection(data: DashboardData, limit: number): Html {
  const all = data.findings;
  // How many there are in all: a report's dashboard holds only those it lists (`listedOf`).
  const total = data.listedOf?.total ?? all.length;
  const sorted = [...all].sort(byPressing);
  if (limit > 0 && sorted.length > limit) sorted.length = limit;
  const f = sorted;
  const statuses = [...new Set(f.map((x) => (x.state === 'open' ? x.status : x.state)))].sort();
  const uniq = (pick: (x: DashboardFinding) => string) => [...new Set(f.map(pick).filter(Boolean))].sort();
  const filters = html`<div class="filters noprint" role="search">
<label>Severity<select data-filter="severity"><option value="">all</option>${options(SEVERITIES.filter((s) => f.some((x) => x.severity === s)))}</select></label>
<label>Status<select data-filter="status"><option value="">all</option>${options(statuses)}</select></label>
<label>Account<select data-filter="account"><option value="">all</option>${options(uniq((x) => x.account))}</select></label>
<label>Rule<select data-filter="rule"><option value="">all</option>${options(uniq((x) => x.ruleId))}</select></label>
<label>Search<input data-filter="q" type="search" placeholder="resource, message…"></label>
<span class="note"><span id="shown">${f.length}</span> of ${f.length} shown</span>
</div>`;
  const rows = sorted.map((finding, i) => html`${i ? '\n' : ''}${findingRow(finding)}`);
  const body = sorted.length
    ? rows
    : html`<tr><td colspan="6" class="empty">No failing or unknown finding.</td></tr>`;
  return html`<section id="findings-section"><h2>Findings</h2>${filters}
<table id="findings"><thead><tr><th>Severity</th><th>Status</th><th>Rule</th><th>Resource</th><th>What and how to fix</th><th class="num">Age</th></tr></thead><tbody>
${body}
</tbody></table>${
    sorted.length < total
      ? html`<p class="note">Listed: the ${sorted.length} most pressing of ${total} findings (open first, then by severity). Every one: <code>hyperpod-cmk report --html FILE --limit 0</code>, or the JSON report.</p>`
      : ''
  }${data.passed !== undefined ? html`<p class="note">${data.passed} checks passed and are not listed.</p>` : ''}</section>`;
}

function keyMap(keys: readonly DashboardKey[]): Html {
  if (keys.length === 0)
    return html`<section><h2>Key-to-cluster map</h2><p class="empty">No key in the scan.</p></section>`;
  const rows = keys.map((k, i) => {
    const groups = [...new Map(k.usedBy.map((u) => [`${u.cluster}/${u.instanceGroup}`, u])).values()];
    const volumes = (u: { cluster: string; instanceGroup: string }) =>
      k.usedBy
        .filter((v) => v.cluster === u.cluster && v.instanceGroup === u.instanceGroup)
        .map((v) => v.volume)
        .join('+');
    const badge =
      groups.length === 0
        ? html`<span class="badge state-suppressed">unused</span>`
        : groups.length === 1
          ? html`<span class="badge single">one group</span>`
          : html`<span class="badge shared">shared by ${groups.length} groups${k.clusters > 1 ? ` in ${k.clusters} clusters` : ''}</span>`;
    return html`${i ? '\n' : ''}<tr><td><div><b>${k.alias ?? k.arn}</b></div><div class="mono note">${k.arn}</div></td>
<td>${k.account}<div class="note">${k.region}</div></td>
<td>${k.keyManager === 'AWS' ? 'AWS managed' : (k.keyState ?? '')}</td>
<td>${badge}<div class="groups">${groups.map((u) => html`<span class="ig">${u.cluster} / ${u.instanceGroup} <span class="note">${volumes(u)}</span></span>`)}</div></td>
<td class="num">${k.monthlyUsd !== undefined ? usd(k.monthlyUsd) : ''}</td></tr>`;
  });
  return html`<section class="keymap"><h2>Key-to-cluster map</h2><p class="note">Which instance groups each key encrypts. AWS recommends one key per instance group: a shared key keeps grants alive for every group that uses it.</p>
<table><thead><tr><th>Key</th><th>Account</th><th>State</th><th>Instance groups (volumes)</th><th class="num">Per month</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function attemptsSection(data: DashboardData): Html {
  const a = data.kpis.attempts;
  if (!a) return html``;
  if (a.total === 0)
    return html`<section><h2>Denied key calls</h2><p class="empty">No AccessDenied call on a HyperPod key in the window.</p></section>`;
  const list = (items: typeof a.byKey, what: string) =>
    html`<table><thead><tr><th>${what}</th><th class="num">Denied</th><th>Last</th></tr></thead><tbody>${items
      .slice(0, 15)
      .map(
        (i) =>
          html`<tr><td class="mono">${i.name}<div class="note">${i.counterparts.slice(0, 3).join(', ')}${i.counterparts.length > 3 ? ' …' : ''}</div></td><td class="num">${i.attempts}</td><td>${date(i.lastAt)}</td></tr>`,
      )}</tbody></table>`;
  return html`<section><h2>Denied key calls (${a.total})</h2><div class="grid2"><div><h3>Per key</h3>${list(a.byKey, 'Key')}</div><div><h3>Per principal</h3>${list(a.byPrincipal, 'Principal')}</div></div></section>`;
}

function costSection(data: DashboardData): Html {
  const c = data.kpis.cost;
  if (!c) return html``;
  const groups = (title: string, list: typeof c.byProject) =>
    html`<div><h3>${title}</h3><table><thead><tr><th>${title.replace('Per ', '')}</th><th class="num">Keys</th><th class="num">Per month</th><th class="num">In window</th></tr></thead><tbody>${list.map(
      (g) =>
        html`<tr><td>${g.group}</td><td class="num">${g.keys}</td><td class="num">${usd(g.monthlyRunRateUsd)}</td><td class="num">${usd(g.totalUsd)}</td></tr>`,
    )}</tbody></table></div>`;
  return html`<section><h2>KMS cost (estimate)</h2><p class="note">From the KMS price list: $1 per customer managed key-month (+$1 for each of the first two rotations), $0.03 per 10,000 requests after 20,000 free per account and month. Window ${date(c.window.since)} to ${date(c.window.until)}.</p><div class="grid2">${groups('Per project', c.byProject)}${groups('Per owner', c.byOwner)}</div></section>`;
}

/**
 * The dashboard as one HTML page. `findings`: how many findings it lists, the most pressing first
 * (0: all; default `DASHBOARD_FINDINGS`).
 */
export function renderDashboard(data: DashboardData, options: { findings?: number } = {}): string {
  const k = data.kpis;
  const subtitle = [
    data.mode === 'history'
      ? `history · ${k.scans.count} scan${k.scans.count === 1 ? '' : 's'} since ${date(k.window.since)}`
      : `${data.source} scan`,
    `${data.accounts.length} account${data.accounts.length === 1 ? '' : 's'}`,
    `${data.regions.length} region${data.regions.length === 1 ? '' : 's'}`,
    `as of ${data.generatedAt}`,
  ].join(' · ');
  const notes = [
    ...data.notes,
    ...(data.gaps ? [`${data.gaps} gaps: some data could not be collected (see the JSON report).`] : []),
  ];
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="hyperpod-cmk ${TOOL_VERSION}">
<title>${data.title} · ${date(data.generatedAt)}</title>
<style>${trustedHtml(CSS)}</style>
</head>
<body>
<header><h1>${data.title}</h1><p>${subtitle}</p></header>
<main>
${tiles(data)}
${notes.length ? html`<section class="noprint"><p class="note">${notes.map((note, i) => html`${i ? html`<br>` : ''}${note}`)}</p></section>` : ''}
<div class="grid2">
<section><h2>Compliance trend</h2><div class="chart">${trendChart(k.compliance?.trend ?? [])}</div></section>
<section><h2>Time to remediate</h2><div class="chart">${mttrChart(data)}</div>${ageTable(data)}</section>
</div>
${findingsSection(data, options.findings ?? DASHBOARD_FINDINGS)}
${keyMap(data.keys)}
${attemptsSection(data)}
${costSection(data)}
</main>
<footer>hyperpod-cmk ${TOOL_VERSION} · self-contained report: it loads nothing from the network</footer>
<script>${trustedHtml(SCRIPT)}</script>
</body>
</html>
`.toString();
}
