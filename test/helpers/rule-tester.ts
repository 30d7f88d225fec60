/**
 * The rule test harness, after ESLint's RuleTester: each rule's test file is a table of cases.
 * It refuses an invalid case without expected findings and duplicate cases, deep-freezes the
 * inventory (a rule that mutates its input throws), runs the rule through the real engine, and
 * requires that the tables cover every status the rule declares it can produce and every source
 * in its `meta.sources` (a finding on a resource from each source). `meta.sources` is held both
 * ways: on a resource from a source it does not declare, a rule may only answer NOT_APPLICABLE.
 *
 * Each expected finding is paired with one of the rule's verdicts by status, message id, resource
 * id (which a case expecting several findings must give for each) and severity when given; the
 * verdict's `data` must equal the expected `data` exactly: every key, every value, nothing more
 * (a count is a number, not the words around it). `data` is required
 * when the message template has `{{placeholders}}`; a case that gives no `data` states that the
 * verdict carries none. A verdict whose data leaves a placeholder of its template unfilled fails.
 */
import { describe, expect, it } from 'vitest';
import { type Config, ConfigSchema, resolveConfig } from '../../src/config/schema.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { Finding, Severity, Status } from '../../src/model/finding.js';
import { type Inventory, InventorySchema, type Source } from '../../src/model/inventory.js';
import { indexInventory } from '../../src/model/inventory-index.js';
import type { Rule, Verdict } from '../../src/rules/define-rule.js';
import { NOW } from './inventory.js';

export interface ExpectedVerdict {
  status: Status;
  messageId: string;
  /** The resource id; may be omitted only when the case expects a single finding. */
  resource?: string;
  /**
   * The verdict's data, exactly. Required when the message template has placeholders; left out,
   * it says that the verdict carries no data.
   */
  data?: Record<string, string | number>;
  severity?: Severity;
  /** A predicate on the evidence, for facts the message does not carry. */
  evidence?: (evidence: Record<string, unknown>) => boolean;
}

export interface RuleCase {
  name: string;
  inventory: Inventory;
  config?: Config;
  now?: string;
  /** Every finding the rule must produce for this inventory, and nothing else. */
  expected: ExpectedVerdict[];
}

export interface RuleCases {
  /** Cases whose findings are all PASS or NOT_APPLICABLE. */
  valid: RuleCase[];
  /** Cases with at least one FAIL or UNKNOWN. */
  invalid: RuleCase[];
  /** The statuses this rule can produce; the tables must show each one. */
  covers: readonly Status[];
}

/** The `{{name}}` placeholders of a message template. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]!);
}

/**
 * The source of each resource a finding can be about, by resource id: accounts, clusters, their
 * instance groups (and the `/instance-group/*` stand-in for unknown groups) and keys.
 */
function sourcesById(inventory: Inventory): Map<string, string> {
  const sources = new Map<string, string>();
  for (const account of inventory.accounts) sources.set(account.id, account.source);
  for (const key of inventory.keys) sources.set(key.arn, key.source);
  for (const cluster of inventory.clusters) {
    sources.set(cluster.id, cluster.source);
    sources.set(`${cluster.id}/instance-group/*`, cluster.source);
    for (const group of cluster.instanceGroups) sources.set(group.id, cluster.source);
  }
  return sources;
}

/** The sources of the resources the rule's findings are about in a case. */
function sourcesShown(rule: Rule, c: RuleCase): string[] {
  const sources = sourcesById(c.inventory);
  return verdictsOf(rule, c.inventory, c.config, c.now)
    .map((verdict) => sources.get(verdict.resource.id))
    .filter((source) => source !== undefined);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/** Checks the table itself; throws on a malformed table so that a bad test cannot pass. */
export function validateCases(rule: Rule, cases: RuleCases): void {
  const names = new Set<string>();
  const bodies = new Set<string>();
  for (const [kind, list] of [
    ['valid', cases.valid],
    ['invalid', cases.invalid],
  ] as const) {
    for (const c of list) {
      if (names.has(c.name)) throw new Error(`${rule.meta.id}: duplicate case name "${c.name}"`);
      names.add(c.name);
      const body = JSON.stringify([c.inventory, c.config ?? null, c.now ?? null]);
      if (bodies.has(body))
        throw new Error(`${rule.meta.id}: case "${c.name}" duplicates another case's input`);
      bodies.add(body);
      if (c.expected.length === 0)
        throw new Error(`${rule.meta.id}: ${kind} case "${c.name}" has no expected findings`);
      if (c.expected.length > 1 && c.expected.some((e) => e.resource === undefined))
        throw new Error(
          `${rule.meta.id}: case "${c.name}" expects several findings: each must name its resource`,
        );
      const bad = c.expected.some((e) => e.status === 'FAIL' || e.status === 'UNKNOWN');
      if (kind === 'invalid' && !bad)
        throw new Error(`${rule.meta.id}: invalid case "${c.name}" expects no FAIL or UNKNOWN`);
      if (kind === 'valid' && bad)
        throw new Error(`${rule.meta.id}: valid case "${c.name}" expects a FAIL or UNKNOWN`);
      for (const e of c.expected) {
        const template = rule.meta.messages[e.messageId];
        if (template === undefined)
          throw new Error(`${rule.meta.id}: case "${c.name}" expects unknown messageId "${e.messageId}"`);
        const placeholders = placeholdersOf(template);
        if (placeholders.length > 0 && e.data === undefined)
          throw new Error(
            `${rule.meta.id}: case "${c.name}" expects ${e.messageId} without data; its message needs ${placeholders.join(', ')}`,
          );
      }
      const parsed = InventorySchema.safeParse(c.inventory);
      if (!parsed.success)
        throw new Error(
          `${rule.meta.id}: case "${c.name}" has an invalid inventory: ${parsed.error.message}`,
        );
      if (c.config) ConfigSchema.parse(c.config);
    }
  }
  const seen = new Set([...cases.valid, ...cases.invalid].flatMap((c) => c.expected.map((e) => e.status)));
  const missing = cases.covers.filter((status) => !seen.has(status));
  if (missing.length > 0) throw new Error(`${rule.meta.id}: no case shows ${missing.join(', ')}`);
  const shown = new Set([...cases.valid, ...cases.invalid].flatMap((c) => sourcesShown(rule, c)));
  const unshown = rule.meta.sources.filter((source) => !shown.has(source));
  if (unshown.length > 0)
    throw new Error(
      `${rule.meta.id}: no case has a resource from source ${unshown.join(', ')} with a finding on it`,
    );
}

/**
 * What a rule says of a (frozen) inventory, straight from `check`: for the tests a table cannot
 * hold, where the rule must say nothing at all (a rule that config leaves without scope).
 */
export function verdictsOf(rule: Rule, inventory: Inventory, config: Config = {}, now = NOW): Verdict[] {
  const frozen = deepFreeze(structuredClone(inventory));
  return [
    ...rule.check({
      inventory: frozen,
      index: indexInventory(frozen),
      config: resolveConfig(config),
      now: new Date(now),
    }),
  ];
}

/** A finding with the data of the verdict it was made from (findings carry the formatted message only). */
interface Judged {
  finding: Finding;
  data: Record<string, string | number>;
}

function runCase(rule: Rule, c: RuleCase): Judged[] {
  const inventory = deepFreeze(structuredClone(c.inventory));
  const config = resolveConfig(c.config ?? {});
  // Run the rule itself first: an exception must fail the test, not become an UNKNOWN finding.
  const verdicts = [
    ...rule.check({ inventory, index: indexInventory(inventory), config, now: new Date(c.now ?? NOW) }),
  ];
  const { findings } = evaluate(inventory, { rules: [rule], config, now: new Date(c.now ?? NOW) });
  // The engine makes one finding per verdict, in order.
  expect(findings.map((f) => [f.messageId, f.resource.id])).toEqual(
    verdicts.map((v) => [v.messageId, v.resource.id]),
  );
  return findings.map((finding, i) => ({ finding, data: verdicts[i]!.data ?? {} }));
}

function matches(finding: Finding, e: ExpectedVerdict): boolean {
  if (finding.status !== e.status || finding.messageId !== e.messageId) return false;
  if (e.resource !== undefined && finding.resource.id !== e.resource) return false;
  if (e.severity !== undefined && finding.severity !== e.severity) return false;
  return true;
}

/**
 * Runs one case through the real engine and asserts that its findings are exactly those expected:
 * as many, each paired with an expected finding, each verdict's data equal to the expected data.
 */
export function checkCase(rule: Rule, c: RuleCase): void {
  const judged = runCase(rule, c);
  const summary = judged.map(
    ({ finding: f, data }) =>
      `${f.status} ${f.messageId} ${f.resource.id}: ${f.message} ${JSON.stringify(data)}`,
  );
  expect(judged.length, `findings were:\n${summary.join('\n')}`).toBe(c.expected.length);
  for (const { finding, data } of judged) {
    const template = rule.meta.messages[finding.messageId] ?? '';
    const unfilled = placeholdersOf(template).filter((name) => data[name] === undefined);
    expect(unfilled, `${finding.messageId} on ${finding.resource.id} leaves placeholders unfilled`).toEqual(
      [],
    );
  }
  // `meta.sources` is what the rule can judge: on a resource from any other source it answers
  // NOT_APPLICABLE (or nothing), never a verdict it has no business giving.
  const sources = sourcesById(c.inventory);
  for (const { finding } of judged) {
    const source = sources.get(finding.resource.id);
    if (source === undefined || rule.meta.sources.includes(source as Source)) continue;
    expect(
      finding.status,
      `${finding.messageId} on ${finding.resource.id}, from ${source}, which ${rule.meta.id} does not declare in meta.sources`,
    ).toBe('NOT_APPLICABLE');
  }
  const unmatched = [...judged];
  for (const e of c.expected) {
    const index = unmatched.findIndex(({ finding }) => matches(finding, e));
    expect(
      index,
      `no finding matches ${JSON.stringify({ ...e, evidence: undefined })}; findings were:\n${summary.join('\n')}`,
    ).toBeGreaterThanOrEqual(0);
    const [{ finding, data }] = unmatched.splice(index, 1) as [Judged];
    expect(data, `data of ${finding.status} ${finding.messageId} on ${finding.resource.id}`).toStrictEqual(
      e.data ?? {},
    );
    if (e.evidence)
      expect(e.evidence(finding.evidence), `evidence: ${JSON.stringify(finding.evidence)}`).toBe(true);
  }
}

export function ruleTester(rule: Rule, cases: RuleCases): void {
  describe(rule.meta.id, () => {
    it('has a well-formed table of cases', () => validateCases(rule, cases));
    for (const c of [...cases.valid, ...cases.invalid]) {
      it(c.name, () => checkCase(rule, c));
    }
  });
}
