/**
 * The dashboard in real headless Chromium (Debian's, via playwright-core): it renders without
 * console errors, the filters change the visible rows, nothing leaves the page, names from
 * accounts cannot run script, and it prints without its filters. Screenshots go to test-output/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { DEMO_TIME, demoEstate } from '../../src/demo/estate.js';
import { render } from '../../src/index.js';
import { runPipeline } from '../../src/pipeline.js';
import { launchChromium } from '../helpers/chromium.js';
import { HOSTILE_ALIAS, HOSTILE_CLUSTER, hostileReport } from '../helpers/hostile.js';
import { memoryIo } from '../helpers/io.js';

const OUT = resolve('test-output');
let context: BrowserContext;

interface Watched {
  page: Page;
  errors: string[];
  requests: string[];
  dialogs: string[];
}

async function open(file: string): Promise<Watched> {
  const page = await context.newPage();
  const watched: Watched = { page, errors: [], requests: [], dialogs: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') watched.errors.push(message.text());
  });
  page.on('pageerror', (error) => watched.errors.push(error.message));
  page.on('dialog', (dialog) => {
    watched.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const url = pathToFileURL(file).href;
  await page.route('**/*', (route) => {
    const requested = route.request().url();
    if (requested === url) return route.continue();
    watched.requests.push(requested);
    return route.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
  return watched;
}

const visibleRows = (page: Page) => page.locator('#findings tbody tr:visible');

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  context = await launchChromium();
}, 600_000);
afterAll(async () => {
  await context?.close();
});

describe('the HTML dashboard in Chromium', () => {
  it('renders the demo without console errors or network requests, and its filters narrow the rows', async () => {
    const report = runPipeline(demoEstate(), { now: new Date(DEMO_TIME) }).report;
    const file = join(OUT, 'dashboard-demo.html');
    writeFileSync(file, render(report, 'html'));
    const { page, errors, requests } = await open(file);

    const total = report.findings.filter((f) => f.status === 'FAIL' || f.status === 'UNKNOWN').length;
    expect(await visibleRows(page).count()).toBe(total);
    await expect(page.locator('#shown').textContent()).resolves.toBe(String(total));

    await page.selectOption('[data-filter="severity"]', 'critical');
    const critical = report.findings.filter(
      (f) => (f.status === 'FAIL' || f.status === 'UNKNOWN') && f.severity === 'critical',
    ).length;
    expect(critical).toBeGreaterThan(0);
    expect(critical).toBeLessThan(total);
    expect(await visibleRows(page).count()).toBe(critical);
    expect(
      await visibleRows(page).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-severity'))),
    ).toEqual(Array(critical).fill('critical'));

    await page.selectOption('[data-filter="status"]', 'UNKNOWN');
    const criticalUnknown = report.findings.filter(
      (f) => f.status === 'UNKNOWN' && !f.suppressed && f.severity === 'critical',
    ).length;
    expect(await visibleRows(page).count()).toBe(criticalUnknown);

    await page.selectOption('[data-filter="severity"]', '');
    await page.selectOption('[data-filter="status"]', '');
    await page.selectOption('[data-filter="account"]', '222222222222');
    const inAccount = report.findings.filter(
      (f) => (f.status === 'FAIL' || f.status === 'UNKNOWN') && f.resource.account === '222222222222',
    ).length;
    expect(await visibleRows(page).count()).toBe(inAccount);

    await page.selectOption('[data-filter="account"]', '');
    await page.selectOption('[data-filter="rule"]', 'hyperpod-root-volume-cmk');
    const rule = report.findings.filter(
      (f) => (f.status === 'FAIL' || f.status === 'UNKNOWN') && f.ruleId === 'hyperpod-root-volume-cmk',
    ).length;
    expect(await visibleRows(page).count()).toBe(rule);
    await expect(page.locator('#shown').textContent()).resolves.toBe(String(rule));
    // Each visible finding carries its remediation.
    expect(await visibleRows(page).locator('.remedy').count()).toBe(rule);

    await page.selectOption('[data-filter="rule"]', '');
    await page.fill('[data-filter="q"]', 'slurm-legacy');
    expect(await visibleRows(page).count()).toBe(
      report.findings.filter(
        (f) =>
          (f.status === 'FAIL' || f.status === 'UNKNOWN') &&
          (f.resource.cluster === 'slurm-legacy' || f.message.includes('slurm-legacy')),
      ).length,
    );
    await page.fill('[data-filter="q"]', '');

    await page.screenshot({ path: join(OUT, 'dashboard-demo.png'), fullPage: true, timeout: 120_000 });
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.filters').isVisible()).toBe(false);
    await page.screenshot({ path: join(OUT, 'dashboard-demo-print.png'), fullPage: true, timeout: 120_000 });

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
    // Several filter passes and two full-page screenshots: slow on a loaded machine.
  }, 120_000);

  it('would see a request if a page made one (the interception is live)', async () => {
    const file = join(OUT, 'control.html');
    writeFileSync(file, '<!doctype html><title>control</title><img src="http://127.0.0.1:9/pixel.png">');
    const { page, requests } = await open(file);
    expect(requests).toEqual(['http://127.0.0.1:9/pixel.png']);
    await page.close();
  });

  it('shows hostile names as text and runs none of them', async () => {
    const file = join(OUT, 'dashboard-hostile.html');
    writeFileSync(file, render(hostileReport(), 'html'));
    const { page, errors, requests, dialogs } = await open(file);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(dialogs).toEqual([]);
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).toContain(HOSTILE_CLUSTER);
    expect(text).toContain(HOSTILE_ALIAS);
    expect(await page.locator('img, iframe, object, embed').count()).toBe(0);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });

  describe('fits the screen: a 1440 px desktop and a 390 px phone', () => {
    /**
     * Everything the page lays out stays inside its card (a section or a KPI tile), unless it sits in
     * a box that scrolls sideways inside that card; the page itself never scrolls sideways; chart
     * labels are drawn at least 9 px tall. Returns what breaks the rule.
     */
    const overflowScript = `(() => {
      const problems = [];
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > width + 1)
        problems.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + width);
      const scrolls = (el) => /(auto|scroll)/.test(getComputedStyle(el).overflowX);
      const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '');
      for (const el of document.querySelectorAll('main *')) {
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        let card = el.parentElement;
        let scroller = null;
        while (card && card.tagName !== 'MAIN' && !(card.tagName === 'SECTION' && !card.classList.contains('tiles')) && !card.classList.contains('tile')) {
          if (!scroller && scrolls(card)) scroller = card;
          card = card.parentElement;
        }
        if (!card || card.tagName === 'MAIN') continue;
        if (scroller) continue; // it scrolls inside its own box; that box is checked in its turn
        const r = el.getBoundingClientRect();
        const c = card.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.left < c.left - 1 || r.right > c.right + 1)
          problems.push(name(el) + ' spills out of ' + name(card) + ': ' + Math.round(r.left) + '..' + Math.round(r.right) + ' vs ' + Math.round(c.left) + '..' + Math.round(c.right));
      }
      for (const section of document.querySelectorAll('main section, main .tile')) {
        const r = section.getBoundingClientRect();
        if (r.right > width + 1 || r.left < -1) problems.push(name(section) + ' leaves the screen: ' + Math.round(r.left) + '..' + Math.round(r.right));
      }
      for (const text of document.querySelectorAll('svg text')) {
        const h = text.getBoundingClientRect().height;
        if (h > 0 && h < 9) problems.push('chart label "' + text.textContent + '" is ' + h.toFixed(1) + ' px tall');
      }
      return problems.slice(0, 40);
    })()`;

    const pages: [string, () => Promise<string>][] = [
      [
        'the demo dashboard (history, trend and MTTR charts)',
        async () => {
          const io = memoryIo({ cwd: OUT });
          await runCli(['demo', '--format', 'html', '-o', 'dashboard-demo-weeks.html'], io);
          return join(OUT, 'dashboard-demo-weeks.html');
        },
      ],
      [
        'a dashboard with long names from accounts',
        async () => {
          const file = join(OUT, 'dashboard-hostile-widths.html');
          writeFileSync(file, render(hostileReport(), 'html'));
          return file;
        },
      ],
    ];

    for (const [label, make] of pages) {
      for (const width of [1440, 390]) {
        it(`${label} at ${width} px`, async () => {
          const file = await make();
          const { page, errors } = await open(file);
          await page.setViewportSize({ width, height: 900 });
          await page.waitForTimeout(50);
          expect(await page.evaluate(overflowScript)).toEqual([]);
          if (width === 390 && label.startsWith('the demo'))
            await page.screenshot({
              path: join(OUT, 'dashboard-demo-390.png'),
              fullPage: true,
              timeout: 120_000,
            });
          expect(errors).toEqual([]);
          await page.close();
        }, 120_000);
      }
    }
  });
});
