import { createHash } from 'node:crypto';
import { parseSnapshot } from '../../model/snapshot.js';
import { runPipeline } from '../../pipeline.js';
import {
  emitReport,
  exitCode,
  gatingOptions,
  loadConfig,
  narrowingFlags,
  type ReportOptions,
  readInput,
  reportOptions,
  reportOptionsFrom,
} from '../common.js';
import { inputError } from '../errors.js';
import { saveOptions, saveToHistory } from '../history.js';
import type { Io } from '../io.js';
import { collectGarbage, LARGE_SNAPSHOT_CHARS } from '../memory.js';
import { defineCommand } from '../spec.js';

export const evaluateCommand = defineCommand({
  name: 'evaluate',
  summary: 'evaluate an inventory snapshot (from `collect -o FILE`) offline',
  args: [{ name: 'file', description: 'inventory snapshot JSON', required: true }],
  options: [...reportOptions(), ...saveOptions],
  examples: [
    'hyperpod-cmk evaluate inventory.json --format json -o report.json',
    'hyperpod-cmk evaluate inventory.json --now 2026-11-01T00:00:00Z --db audit.db',
  ],
  async run([file], flags, io) {
    const options = reportOptionsFrom(flags);
    const { evaluation, report, kept } = evaluateSnapshot(io, file!, options);
    emitReport(io, report, options);
    const saveFailed = await saveToHistory(io, flags, report, kept, { narrowedBy: narrowingFlags(options) });
    return saveFailed ?? exitCode(evaluation, kept.gaps, options);
  },
});

/**
 * Reads, validates and evaluates the snapshot. Of the inventory, only what history saves and the
 * exit code reads is kept: an organisation's inventory is hundreds of MiB that writing the report
 * does not need.
 */
function evaluateSnapshot(io: Io, file: string, options: ReportOptions) {
  // The text is read, parsed and let go inside parseSnapshot; a large one is collected at once.
  let chars = 0;
  // The snapshot's digest identifies the scan, not the path it was read through: evaluated again
  // at the same clock from anywhere, it is the scan history already has (saved once).
  let digest = '';
  const parsed = parseSnapshot(() => {
    const text = readInput(io, file, 'inventory snapshot');
    chars = text.length;
    digest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
    return text;
  }, file);
  if (!parsed.ok) throw inputError(parsed.error);
  if (chars >= LARGE_SNAPSHOT_CHARS) collectGarbage();
  const config = loadConfig(io, options);
  const gating = gatingOptions(io, options);
  const now = options.now ?? io.now();
  const { evaluation, report } = runPipeline(parsed.value, {
    config,
    now,
    inputs: [file],
    inputDigest: digest,
    evaluate: gating,
  });
  const { accounts, events, gaps } = parsed.value;
  return { evaluation, report, kept: { accounts, events, gaps } };
}
