/**
 * The rule test harness, after ESLint's RuleTester: each rule's test file is a table of cases.
 * It refuses an invalid case without expected findings and duplicate cases, deep-freezes the
 * inventory (a rule that mutates its input throws), runs the rule through the real engine, and
 * requires that the table covers every status the rule declares it can produce.
 */
import { describe, expect, it } from 'vitest';
import { type Config, ConfigSchema, resolveConfig } from '../../src/config/schema.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { Finding, Severity, Status } from '../../src/model/finding.js';
import { type Inventory, InventorySchema } from '../../src/model/inventory.js';
import { indexInventory } from '../../src/model/inventory-index.js';
import type { Rule, Verdict } from '../../src/rules/define-rule.js';
import { NOW } from './inventory.js';

export interface ExpectedVerdict {
  status: Status;
  messageId: string;
  /** The resource id; may be omitted when the case yields a single finding. */
  resource?: string;
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
  /**
   * When true, the tables must also show a resource (cluster, key, account) from every source the
   * rule declares in `meta.sources`, so that each source's shape is exercised.
   */
  coversSources?: boolean;
}

/** The sources of the resources a case's inventory holds. */
function sourcesOf(inventory: Inventory): Set<string> {
  return new Set(
    [...inventory.accounts, ...inventory.clusters, ...inventory.keys, ...inventory.roles].map(
      (r) => r.source,
    ),
  );
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
      const bad = c.expected.some((e) => e.status === 'FAIL' || e.status === 'UNKNOWN');
      if (kind === 'invalid' && !bad)
        throw new Error(`${rule.meta.id}: invalid case "${c.name}" expects no FAIL or UNKNOWN`);
      if (kind === 'valid' && bad)
        throw new Error(`${rule.meta.id}: valid case "${c.name}" expects a FAIL or UNKNOWN`);
      for (const e of c.expected) {
        if (!(e.messageId in rule.meta.messages))
          throw new Error(`${rule.meta.id}: case "${c.name}" expects unknown messageId "${e.messageId}"`);
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
  if (cases.coversSources) {
    const shown = new Set([...cases.valid, ...cases.invalid].flatMap((c) => [...sourcesOf(c.inventory)]));
    const unshown = rule.meta.sources.filter((source) => !shown.has(source));
    if (unshown.length > 0)
      throw new Error(`${rule.meta.id}: no case has a resource from source ${unshown.join(', ')}`);
  }
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

function runCase(rule: Rule, c: RuleCase): Finding[] {
  const inventory = deepFreeze(structuredClone(c.inventory));
  const config = resolveConfig(c.config ?? {});
  // Run the rule itself first: an exception must fail the test, not become an UNKNOWN finding.
  [...rule.check({ inventory, index: indexInventory(inventory), config, now: new Date(c.now ?? NOW) })];
  return evaluate(inventory, { rules: [rule], config, now: new Date(c.now ?? NOW) }).findings;
}

function matches(finding: Finding, e: ExpectedVerdict): boolean {
  if (finding.status !== e.status || finding.messageId !== e.messageId) return false;
  if (e.resource !== undefined && finding.resource.id !== e.resource) return false;
  if (e.severity !== undefined && finding.severity !== e.severity) return false;
  return true;
}

export function ruleTester(rule: Rule, cases: RuleCases): void {
  describe(rule.meta.id, () => {
    it('has a well-formed table of cases', () => validateCases(rule, cases));
    for (const c of [...cases.valid, ...cases.invalid]) {
      it(c.name, () => {
        const findings = runCase(rule, c);
        const summary = findings.map((f) => `${f.status} ${f.messageId} ${f.resource.id}: ${f.message}`);
        expect(findings.length, `findings were:\n${summary.join('\n')}`).toBe(c.expected.length);
        const unmatched = [...findings];
        for (const e of c.expected) {
          const index = unmatched.findIndex((f) => matches(f, e));
          expect(
            index,
            `no finding matches ${JSON.stringify({ ...e, evidence: undefined })}; findings were:\n${summary.join('\n')}`,
          ).toBeGreaterThanOrEqual(0);
          const [finding] = unmatched.splice(index, 1);
          for (const [name, value] of Object.entries(e.data ?? {})) {
            expect(finding!.message, `message should carry ${name}=${value}`).toContain(String(value));
          }
          if (e.evidence)
            expect(e.evidence(finding!.evidence), `evidence: ${JSON.stringify(finding!.evidence)}`).toBe(
              true,
            );
        }
      });
    }
  });
}
