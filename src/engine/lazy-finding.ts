/**
 * The finding the engine builds: a plain `Finding` object whose message text and fingerprint are
 * computed the first time they are read, not when the finding is made. An organisation-scale
 * evaluation makes close to a million findings, and a reporter may read neither string (the
 * summary, the exit code, a table of failures); those two strings were most of what a finding cost
 * to build and keep.
 *
 * `message` and `fingerprint` are own, enumerable accessor properties at their usual place among
 * the keys, so that everything a consumer does with a plain finding still works the same: reading
 * a field, `JSON.stringify` (same keys, same order, same bytes), spreading it into a new object,
 * `Object.keys`, comparing it to a plain object. What they are computed from is kept under a
 * non-enumerable symbol, out of sight of all of those. The accessors are shared by every finding,
 * so all findings keep one shape.
 */
import { hash } from 'node:crypto';
import type { Finding, ResourceRef, Severity, Status } from '../model/finding.js';
import { formatMessage, type Rule } from '../rules/define-rule.js';

export function fingerprint(ruleId: string, resourceId: string): string {
  return hash('sha256', `${ruleId}\u0000${resourceId}`).slice(0, 32);
}

/** The template of a rule crash: the engine's own, not any rule's. */
const RULE_ERROR_TEMPLATE = 'the rule failed to run: {{error}}';

/** What a finding's message and fingerprint are made from, and the two once made. */
interface Deferred {
  readonly rule: Rule;
  readonly data: Record<string, string | number> | undefined;
  /** The resource id a fingerprint is computed from (see `EvaluateOptions.fingerprintId`). */
  readonly fingerprintId: ((resourceId: string) => string) | undefined;
  message: string | undefined;
  fingerprint: string | undefined;
}

const DEFERRED = Symbol('deferred');
type LazyFinding = Finding & { [DEFERRED]: Deferred };

function messageOf(finding: LazyFinding): string {
  const deferred = finding[DEFERRED];
  if (deferred.message === undefined) {
    const template =
      finding.messageId === 'ruleError'
        ? RULE_ERROR_TEMPLATE
        : deferred.rule.meta.messages[finding.messageId];
    deferred.message =
      template === undefined
        ? `${finding.messageId} (no message template)`
        : formatMessage(template, deferred.data);
  }
  return deferred.message;
}

function fingerprintOf(finding: LazyFinding): string {
  const deferred = finding[DEFERRED];
  deferred.fingerprint ??= fingerprint(
    finding.ruleId,
    deferred.fingerprintId?.(finding.resource.id) ?? finding.resource.id,
  );
  return deferred.fingerprint;
}

const MESSAGE: PropertyDescriptor = {
  get(this: LazyFinding) {
    return messageOf(this);
  },
  set(this: LazyFinding, value: string) {
    this[DEFERRED].message = value;
  },
  enumerable: true,
  configurable: true,
};

const FINGERPRINT: PropertyDescriptor = {
  get(this: LazyFinding) {
    return fingerprintOf(this);
  },
  set(this: LazyFinding, value: string) {
    this[DEFERRED].fingerprint = value;
  },
  enumerable: true,
  configurable: true,
};

export interface FindingParts {
  rule: Rule;
  status: Status;
  severity: Severity;
  messageId: string;
  data: Record<string, string | number> | undefined;
  remediation: string;
  resource: ResourceRef;
  evidence: Record<string, unknown>;
  fingerprintId: ((resourceId: string) => string) | undefined;
}

/** A finding (not suppressed) whose message and fingerprint are made when first read. */
export function lazyFinding(parts: FindingParts): Finding {
  // Keys are added in the order of a plain finding's: ruleId, status, severity, messageId, message,
  // remediation, fingerprint, resource, evidence, suppressed.
  const finding = {
    ruleId: parts.rule.meta.id,
    status: parts.status,
    severity: parts.severity,
    messageId: parts.messageId,
  } as LazyFinding;
  Object.defineProperty(finding, DEFERRED, {
    value: {
      rule: parts.rule,
      data: parts.data,
      fingerprintId: parts.fingerprintId,
      message: undefined,
      fingerprint: undefined,
    } satisfies Deferred,
  });
  Object.defineProperty(finding, 'message', MESSAGE);
  finding.remediation = parts.remediation;
  Object.defineProperty(finding, 'fingerprint', FINGERPRINT);
  finding.resource = parts.resource;
  finding.evidence = parts.evidence;
  finding.suppressed = null;
  return finding;
}
