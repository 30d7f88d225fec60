import { describe, expect, it } from 'vitest';
import { DEMO_TIME } from '../../src/demo/estate.js';
import { demoHistory } from '../../src/demo/history.js';
import { runPipeline } from '../../src/pipeline.js';
import { escapeHtml, html, safeUrl, scriptJson, trustedHtml } from '../../src/reporters/escape.js';
import { type DashboardData, dashboardFromScans } from '../../src/reporters/html/data.js';
import { renderDashboard } from '../../src/reporters/html/render.js';

const PAYLOADS = [
  '<img src=x onerror=alert(1)>',
  `"'><script>alert(2)</script>`,
  '</script><script>alert(3)</script>',
  '</title></style><svg onload=alert(4)>',
  '&lt;b&gt;',
];

describe('the html tagged template', () => {
  it('escapes every interpolated value, in text and in quoted attributes', () => {
    for (const payload of PAYLOADS) {
      const out = html`<td title="${payload}">${payload}</td>`.toString();
      expect(out).toBe(`<td title="${escapeHtml(payload)}">${escapeHtml(payload)}</td>`);
      expect(out.match(/</g)).toHaveLength(2);
      expect(out.match(/"/g)).toHaveLength(2);
      expect(out).not.toContain("'");
    }
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('shows control and bidi characters as visible escapes, as Markdown does, and keeps line feeds', () => {
    expect(escapeHtml('evil\u202ecod.exe')).toBe('evil\\u202ecod.exe');
    expect(escapeHtml('a\u001b[31mred\u0007\rb')).toBe('a\\x1b[31mred\\x07\\x0db');
    expect(escapeHtml('line one\nline two\r\n')).toBe('line one\nline two\r\n');
    expect(html`<td title="${'x\u2066y'}">${'<\u0000>'}</td>`.toString()).toBe(
      '<td title="x\\u2066y">&lt;\\x00&gt;</td>',
    );
  });

  it('keeps fragments built with html, escapes plain strings that look like markup, and joins lists', () => {
    const cell = (text: string) => html`<td>${text}</td>`;
    expect(html`<tr>${['<a>', 'b'].map(cell)}</tr>`.toString()).toBe('<tr><td>&lt;a&gt;</td><td>b</td></tr>');
    expect(html`<p>${'<b>bold</b>'}</p>`.toString()).toBe('<p>&lt;b&gt;bold&lt;/b&gt;</p>');
    expect(html`<p>${0}${null}${undefined}${false}${7.5}</p>`.toString()).toBe('<p>07.5</p>');
    // Quoted attribute values inside a tag are text, escaped.
    expect(html`<i title="${'a" b'}" data-x='${"c'"}'>${1}</i>`.toString()).toBe(
      '<i title="a&quot; b" data-x=\'c&#39;\'>1</i>',
    );
    // A string that happens to be the text of a fragment is still escaped: only the object is trusted.
    expect(html`${html`<i>x</i>`.toString()}`.toString()).toBe('&lt;i&gt;x&lt;/i&gt;');
  });

  it.each([
    ['an unquoted attribute', () => html`<td class=${'x onmouseover=alert(1)'}>`],
    ['a tag, as attributes of its own', () => html`<div ${'x onmouseover=alert(1)'}>`],
    ['the end of an unquoted attribute value', () => html`<td class=a${'x onmouseover=alert(1)'}>`],
    ['a tag after a quoted attribute', () => html`<td class="a" ${'onmouseover=alert(1)'}>`],
    ['an event handler', () => html`<td onclick="${'alert(1)'}">`],
    ['a style attribute', () => html`<td style="color:${'red;background:url(x)'}">`],
    ['an href', () => html`<a href="${'javascript:alert(1)'}">`],
    ['a script element', () => html`<script>var x = ${'1;alert(1)'};</script>`],
    ['a style element', () => html`<style>td{color:${'red}'}}</style>`],
  ])('refuses a plain value in %s', (_context, build) => {
    expect(build).toThrow(/^html: /);
  });

  it('allows the safe helpers in those contexts', () => {
    expect(html`<a href="${safeUrl('https://docs.aws.amazon.com/kms/?a=1&b="2"')}">`.toString()).toBe(
      '<a href="https://docs.aws.amazon.com/kms/?a=1&amp;b=%222%22">',
    );
    for (const url of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'data:text/html,x',
      'vbscript:x',
      '/etc/passwd',
      'file:///etc/passwd',
      '',
    ])
      expect(safeUrl(url).toString(), url).toBe('#');
    const data = { name: '</script><script>alert(1)</script>', sep: 'a\u2028b\u2029c', amp: '<!--&-->' };
    const script = html`<script type="application/json">${scriptJson(data)}</script>`.toString();
    expect(script).not.toMatch(/<\/script.*<\/script>/s);
    expect(script).not.toMatch(/[\u2028\u2029]|<!--/);
    const inner = script.slice('<script type="application/json">'.length, -'</script>'.length);
    expect(JSON.parse(inner)).toEqual(data);
    expect(html`<style>${trustedHtml('td{color:red}')}</style>`.toString()).toBe(
      '<style>td{color:red}</style>',
    );
  });
});

/** Every string in the dashboard data (names, tags, ids, messages, labels, dates) replaced by a hostile one. */
function hostile<T>(value: T, next: () => string): T {
  if (typeof value === 'string') return next() as T;
  if (Array.isArray(value)) return value.map((item) => hostile(item, next)) as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = hostile(item, next);
    return copy as T;
  }
  return value;
}

describe('the dashboard with a hostile value in every field', () => {
  const weeks = demoHistory();
  const runs = weeks.map((week, i) => ({
    inventory: week.inventory,
    ...runPipeline(week.inventory, {
      now: new Date(Date.parse(DEMO_TIME) - (weeks.length - 1 - i) * 7 * 86_400_000),
      inputs: ['demo'],
    }),
  }));
  const clean = dashboardFromScans(runs);
  let n = 0;
  const values: string[] = [];
  const data: DashboardData = hostile(clean, () => {
    const value = `~H${n}~${PAYLOADS[n % PAYLOADS.length]}`;
    n++;
    values.push(value);
    return value;
  });
  const page = renderDashboard(data);

  it('renders every section of the clean data', () => {
    const sections = (text: string) => (text.match(/<h2>[^<]*/g) ?? []).map((h) => h.replace(/\(\d+\)/, ''));
    expect(sections(page)).toEqual(sections(renderDashboard(clean)));
    expect(sections(page).length).toBeGreaterThanOrEqual(5);
  });

  it('adds no element, attribute or script: every value shows escaped', () => {
    const tags = (text: string) => [...new Set(text.match(/<[a-z!/][^>\s]*/gi))].sort();
    // The hostile page has only the kinds of element the clean page has: no <img>, no second <script>.
    expect(tags(page)).toEqual(tags(renderDashboard(clean)));
    expect(tags(page).filter((tag) => tag === '<script')).toHaveLength(1);
    expect(page).not.toMatch(/<img/i);
    // No event handler in any tag, once the (escaped, hence inert) quoted attribute values are set aside.
    expect(page.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\son[a-z]+=/i);
    // Every value that is shown appears escaped: the first character of its payload (< " &) included.
    let shown = 0;
    for (const value of values) {
      const marker = /^~H\d+~/.exec(value)![0];
      const escapedStart = escapeHtml(value[marker.length]);
      for (const match of page.matchAll(new RegExp(`${marker}(.{0,8})`, 'gs'))) {
        expect(match[1]!.startsWith(escapedStart), `${marker}${match[1]}`).toBe(true);
        shown++;
      }
    }
    expect(shown).toBeGreaterThan(20);
  });
});
