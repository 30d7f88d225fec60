/** The pipeline every source shares: inventory -> evaluation -> report. */
import type { ResolvedConfig } from './config/schema.js';
import { type EvaluateOptions, type Evaluation, evaluate } from './engine/evaluate.js';
import { buildReport } from './engine/report.js';
import type { SourceIssue } from './model/finding.js';
import type { Inventory } from './model/inventory.js';
import type { Report } from './model/report.js';
import type { ShardOfRound } from './model/shard.js';
import type { Rule } from './rules/define-rule.js';

export interface PipelineOptions {
  config?: ResolvedConfig;
  /** The clock for lookback windows, suppression expiry and report times. Default: now. */
  now?: Date;
  /** When collection started; default `now`. */
  startedAt?: Date;
  issues?: readonly SourceIssue[];
  inputs?: readonly string[];
  /** What identifies the input in place of `inputs` in the scan id (a snapshot's digest). */
  inputDigest?: string;
  /** The shard of an organization scan (`scan --org --shard K/N`), recorded in the report. */
  shard?: ShardOfRound;
  rules?: readonly Rule[];
  /** Rule selection, severity threshold, baseline, fingerprint ids and inline skips (see EvaluateOptions). */
  evaluate?: Omit<EvaluateOptions, 'config' | 'now' | 'rules'>;
}

export interface PipelineResult {
  evaluation: Evaluation;
  report: Report;
}

export function runPipeline(inventory: Inventory, options: PipelineOptions = {}): PipelineResult {
  const now = options.now ?? new Date();
  const evaluation = evaluate(inventory, {
    ...options.evaluate,
    now,
    ...(options.config ? { config: options.config } : {}),
    ...(options.rules ? { rules: options.rules } : {}),
  });
  const report = buildReport({
    inventory,
    evaluation,
    startedAt: options.startedAt ?? now,
    finishedAt: now,
    ...(options.issues ? { issues: options.issues } : {}),
    ...(options.inputs ? { inputs: options.inputs } : {}),
    ...(options.inputDigest ? { inputDigest: options.inputDigest } : {}),
    ...(options.shard ? { shard: options.shard } : {}),
  });
  return { evaluation, report };
}
