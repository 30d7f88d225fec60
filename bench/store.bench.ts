/**
 * History store at scale: 365 daily scans of 2,000 instance groups (500 clusters, 2,000 keys,
 * 20,000 findings a scan, ~3% failing and changing month to month) saved one by one, then every
 * KPI computed over the year. Prints save time per scan, KPI query time and database size.
 * `npm run bench -- store`; SCANS=... GROUPS=... to change the size.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { computeKpis } from '../src/kpi/index.js';
import { openHistory } from '../src/store/store.js';
import { syntheticRecord } from '../test/helpers/synthetic.js';

const SCANS = Number(process.env.SCANS ?? 365);
const GROUPS = Number(process.env.GROUPS ?? 2000);
const dir = mkdtempSync(join(tmpdir(), 'hpcmk-bench-'));
const path = join(dir, 'history.db');

const opened = await openHistory(path, { create: true });
if (!opened.ok) throw new Error(opened.error.message);
const store = opened.value;

const saves: number[] = [];
let opened_ = 0;
let closed = 0;
for (let day = 0; day < SCANS; day++) {
  const record = syntheticRecord({ day, groups: GROUPS });
  // Collect the generator's garbage first, so that the figure is the save's own (npm run bench passes --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const start = performance.now();
  const saved = await store.save(record);
  saves.push(performance.now() - start);
  if (!saved.ok) throw new Error(saved.error.message);
  opened_ += saved.value.opened;
  closed += saved.value.closed;
  if ((day + 1) % 73 === 0) process.stdout.write(`  saved ${day + 1}/${SCANS} scans\n`);
}
const sorted = [...saves].sort((a, b) => a - b);
const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const until = Date.parse('2026-01-01T00:00:00Z') + (SCANS - 1) * 86_400_000;
const since = until - 365 * 86_400_000;
const loadStart = performance.now();
const history = await store.load({ since, until });
const loadMs = performance.now() - loadStart;
const kpiStart = performance.now();
const kpis = computeKpis(history, { window: { since, until } });
const kpiMs = performance.now() - kpiStart;
const byStart = performance.now();
computeKpis(history, { window: { since, until }, by: 'account' });
const byMs = performance.now() - byStart;
await store.close();

const size = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const f = (ms: number) => `${ms.toFixed(1)} ms`;

process.stdout.write(
  [
    `store: ${SCANS} scans x ${GROUPS} instance groups (${GROUPS / 4} clusters, ${GROUPS} keys, ${GROUPS * 10} findings per scan)`,
    `  save per scan: median ${f(pick(0.5))}, p95 ${f(pick(0.95))}, max ${f(sorted[sorted.length - 1]!)}, total ${(saves.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s`,
    `  failure episodes opened ${opened_}, closed ${closed}`,
    `  KPI query: load ${f(loadMs)} + compute ${f(kpiMs)} (all KPIs, ${kpis.compliance!.trend.length} trend points); with --by account ${f(byMs)}`,
    `  database: ${mb(size(path))} (+ WAL ${mb(size(`${path}-wal`))}) = ${mb(size(path) + size(`${path}-wal`))}`,
    `  peak RSS ${mb(process.memoryUsage().rss)}`,
    '',
  ].join('\n'),
);
rmSync(dir, { recursive: true, force: true });
