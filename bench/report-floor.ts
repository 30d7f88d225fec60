/**
 * The floor under `evaluate FILE --format json -o out.json`, spawned by evaluate-report.bench.ts in
 * a process of its own: what the two ends of the command cost in this Node with nothing between
 * them, the report's contract (schemaVersion 1, the same bytes) as it is.
 *
 *   node --expose-gc --import tsx bench/report-floor.ts SNAPSHOT CONFIG NOW OUT
 *
 * prints one JSON line of seconds: `parse`, the snapshot's bytes read and `JSON.parse`d (no
 * validation, nothing kept); `render`, the report's text made (each piece `JSON.stringify` makes of
 * the evaluation's report, messages and fingerprints included, then dropped); `write`, the same
 * text written to OUT as the CLI writes a file (one reused buffer, fsync, rename). The evaluation
 * the report comes from is made beforehand, outside the clock. A run of the CLI cannot take less
 * than Node's start plus `parse` plus `render`, whatever the engine does.
 */
import { readFileSync, rmSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { resolveConfig } from '../dist/config/schema.js';
import { writeFileAtomic } from '../dist/files/write.js';
import { parseSnapshot } from '../dist/model/snapshot.js';
import { runPipeline } from '../dist/pipeline.js';
import { renderJsonChunks } from '../dist/reporters/json.js';

const [snapshot, configFile, now, out] = process.argv.slice(2) as [string, string, string, string];
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const seconds = (since: number) => (performance.now() - since) / 1000;

gc();
let start = performance.now();
JSON.parse(readFileSync(snapshot).toString('utf8'));
const parse = seconds(start);

const parsed = parseSnapshot(readFileSync(snapshot).toString('utf8'), snapshot);
if (!parsed.ok) throw new Error(parsed.error.message);
const inventory = parsed.value;
const config = resolveConfig(parseYaml(readFileSync(configFile, 'utf8')));
const { report } = runPipeline(inventory, { config, now: new Date(now), inputs: [snapshot] });
gc();

start = performance.now();
let length = 0;
for (const piece of renderJsonChunks(report)) length += piece.length;
const render = seconds(start);
gc();

start = performance.now();
writeFileAtomic(out, renderJsonChunks(report));
const write = seconds(start);
rmSync(out, { force: true });
process.stdout.write(`${JSON.stringify({ parse, render, write, length })}\n`);
