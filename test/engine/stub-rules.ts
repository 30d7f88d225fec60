/** Rules with fixed verdicts, so engine tests control exactly what the rules say. */
import type { Severity } from '../../src/model/finding.js';
import { defineRule, type Rule, type RuleContext, type Verdict } from '../../src/rules/define-rule.js';

export function stubRule(
  id: string,
  verdicts: Verdict[] | ((context: RuleContext) => Verdict[]),
  severity: Severity = 'high',
): Rule {
  return defineRule({
    meta: {
      id,
      title: `stub ${id}`,
      severity,
      resourceType: Array.isArray(verdicts) && verdicts[0] ? verdicts[0].resource.type : 'cluster',
      sources: ['live'],
      rationale: 'test',
      remediation: { summary: `fix ${id}` },
      references: [],
      frameworks: {},
      messages: {
        ok: '{{what}} is fine',
        bad: '{{what}} is broken',
        unknown: '{{what}} is unknown',
        na: 'n/a',
      },
    },
    check: (context) => (typeof verdicts === 'function' ? verdicts(context) : verdicts),
  });
}

export const pass = (resource: Verdict['resource']): Verdict => ({
  resource,
  status: 'PASS',
  messageId: 'ok',
  data: { what: resource.id },
});
export const fail = (resource: Verdict['resource'], severity?: Severity): Verdict => ({
  resource,
  status: 'FAIL',
  messageId: 'bad',
  data: { what: resource.id },
  ...(severity ? { severity } : {}),
});
export const unknown = (resource: Verdict['resource']): Verdict => ({
  resource,
  status: 'UNKNOWN',
  messageId: 'unknown',
  data: { what: resource.id },
});
export const notApplicable = (resource: Verdict['resource']): Verdict => ({
  resource,
  status: 'NOT_APPLICABLE',
  messageId: 'na',
});
