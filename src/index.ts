/**
 * hyperpod-cmk as a library: the same pipeline the CLI runs.
 *
 * ```ts
 * import { parseSnapshot, parseConfig, runPipeline, render, RULES } from 'hyperpod-cmk';
 * const inventory = parseSnapshot(text, 'inventory.json');
 * if (!inventory.ok) throw new Error(inventory.error.message);
 * const { report } = runPipeline(inventory.value, { now: new Date() });
 * console.log(render(report, 'markdown'));
 * ```
 */
import { parseConfig as parseConfigText } from './config/load.js';
import type { ResolvedConfig } from './config/schema.js';
import type { InputError } from './model/input-error.js';
import type { Report } from './model/report.js';
import type { Result } from './model/result.js';
import { FORMATS, REPORTERS } from './reporters/index.js';
import { RULES } from './rules/registry.js';

export type { Config, ResolvedConfig, SuppressionRule } from './config/schema.js';
export { ConfigSchema, resolveConfig } from './config/schema.js';
export type { ComplianceReport } from './engine/compliance.js';
export { rollUpCompliance } from './engine/compliance.js';
export type { EvaluateOptions, Evaluation } from './engine/evaluate.js';
export { evaluate, exitCodeFor, fingerprint } from './engine/evaluate.js';
export { historyFromRecords } from './history/memory.js';
export { scanRecord } from './history/record.js';
export type { HistoryData, Resolution, ScanRecord } from './history/types.js';
export type { KpiName, KpiOptions, KpiReport } from './kpi/index.js';
export { computeKpis, KPI_NAMES, KPI_SCHEMA_VERSION } from './kpi/index.js';
export type { Dimension, KpiWindow } from './kpi/window.js';
export { DIMENSIONS, parseSince } from './kpi/window.js';
export type {
  Finding,
  ResourceRef,
  ResourceType,
  Severity,
  SourceIssue,
  Status,
  Suppression,
} from './model/finding.js';
export { FindingSchema, SEVERITIES, STATUSES } from './model/finding.js';
export type { InputError } from './model/input-error.js';
export type * from './model/inventory.js';
export {
  emptyInventory,
  INVENTORY_SCHEMA_VERSION,
  InventorySchema,
  isUnresolved,
} from './model/inventory.js';
export type { InventoryIndex } from './model/inventory-index.js';
export { indexInventory } from './model/inventory-index.js';
export type { ClusterCompliance, Report, ScanInfo, Summary } from './model/report.js';
export { REPORT_SCHEMA_VERSION, ReportSchema } from './model/report.js';
export type { Result } from './model/result.js';
export { parseSnapshot, serializeSnapshot } from './model/snapshot.js';
export {
  parseCloudTrailLog,
  readCloudTrailDir,
  trailEventFromRecord,
} from './parsers/cloudtrail/log-files.js';
export type { IacScanOptions, IacScanResult } from './parsers/iac.js';
export { DEFAULT_MAX_FILE_BYTES, scanIac } from './parsers/iac.js';
export type { PipelineOptions, PipelineResult } from './pipeline.js';
export { runPipeline } from './pipeline.js';
export { KMS_PRICING, monthlyStorageUsd, requestCostUsd } from './pricing/kms.js';
export type { Rule, RuleContext, RuleMeta, Verdict } from './rules/define-rule.js';
export { defineRule } from './rules/define-rule.js';
export { findRule, RULES } from './rules/registry.js';
export { defaultDbPath } from './store/paths.js';
export type { HistoryStore, OpenOptions, SaveResult, TableRow, Window } from './store/store.js';
export { HistoryUnreadable, openHistory, redactTarget } from './store/store.js';
export { TOOL_VERSION } from './version.js';
export { FORMATS };

/** Parses and validates config text (hyperpod-cmk.yaml), with every default applied. */
export function parseConfig(text: string, file = 'hyperpod-cmk.yaml'): Result<ResolvedConfig, InputError> {
  return parseConfigText(
    text,
    file,
    RULES.map((rule) => rule.meta.id),
  );
}

/** Renders a report in one of FORMATS (table, json, csv, markdown, ...). */
export function render(
  report: Report,
  format: string,
  options: {
    color?: boolean;
    limit?: number;
    /** The directory the report's relative paths are relative to (the scan's working directory). */
    cwd?: string;
    /** The repository root (absolute) that sarif, github, gitlab and junit make paths relative to. */
    baseDir?: string;
    /** sarif: the most results the log holds (default GitHub code scanning's 25,000; Infinity: all). */
    sarifMaxResults?: number;
  } = {},
): string {
  const reporter = REPORTERS[format];
  if (!reporter) throw new Error(`unknown format "${format}"; one of ${FORMATS.join(', ')}`);
  return reporter(report, {
    color: options.color ?? false,
    limit: options.limit ?? 0,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.baseDir !== undefined ? { baseDir: options.baseDir } : {}),
    ...(options.sarifMaxResults !== undefined ? { sarifMaxResults: options.sarifMaxResults } : {}),
  });
}
