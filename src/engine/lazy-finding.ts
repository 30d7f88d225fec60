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
  readonly data: Readonly<Record<string, string | number>> | undefined;
  /** As the rule gave them: the finding's own fields may be overwritten before the strings are made. */
  readonly messageId: string;
  readonly resourceId: string;
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
      deferred.messageId === 'ruleError'
        ? RULE_ERROR_TEMPLATE
        : deferred.rule.meta.messages[deferred.messageId];
    deferred.message =
      template === undefined
        ? `${deferred.messageId} (no message template)`
        : formatMessage(template, deferred.data);
  }
  return deferred.message;
}

function fingerprintOf(finding: LazyFinding): string {
  const deferred = finding[DEFERRED];
  deferred.fingerprint ??= fingerprint(
    deferred.rule.meta.id,
    deferred.fingerprintId?.(deferred.resourceId) ?? deferred.resourceId,
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

/**
 * Builds the finding on `this`: called with `new`, so that V8 sizes every finding to hold all its
 * properties in the object itself (an object literal would hold four and put the rest in a second
 * allocation). Its prototype is `Object.prototype`: what it makes are plain objects.
 */
function FindingShape(
  this: LazyFinding,
  rule: Rule,
  status: Status,
  severity: Severity,
  messageId: string,
  deferred: Deferred,
  remediation: string,
  resource: ResourceRef,
  evidence: Record<string, unknown>,
): void {
  // Keys are added in the order of a plain finding's: ruleId, status, severity, messageId, message,
  // remediation, fingerprint, resource, evidence, suppressed.
  this.ruleId = rule.meta.id;
  this.status = status;
  this.severity = severity;
  this.messageId = messageId;
  Object.defineProperty(this, 'message', MESSAGE);
  this.remediation = remediation;
  Object.defineProperty(this, 'fingerprint', FINGERPRINT);
  this.resource = resource;
  this.evidence = evidence;
  this.suppressed = null;
  Object.defineProperty(this, DEFERRED, { value: deferred });
}
FindingShape.prototype = Object.prototype;

type FindingConstructor = new (...args: Parameters<typeof FindingShape>) => LazyFinding;

/** A finding (not suppressed) whose message and fingerprint are made when first read. */
export function lazyFinding(
  rule: Rule,
  status: Status,
  severity: Severity,
  messageId: string,
  data: Record<string, string | number> | undefined,
  remediation: string,
  resource: ResourceRef,
  evidence: Record<string, unknown>,
  fingerprintId: ((resourceId: string) => string) | undefined,
): Finding {
  const deferred: Deferred = {
    rule,
    // Frozen: the message is made from it later, so a rule that changed it after yielding would
    // change a finding already made (in strict code, the change throws and the rule stands UNKNOWN).
    data: data === undefined ? undefined : Object.freeze(data),
    messageId,
    resourceId: resource.id,
    fingerprintId,
    message: undefined,
    fingerprint: undefined,
  };
  return new (FindingShape as unknown as FindingConstructor)(
    rule,
    status,
    severity,
    messageId,
    deferred,
    remediation,
    resource,
    evidence,
  );
}
