/**
 * The finding the engine builds: a plain `Finding` object whose message text and fingerprint are
 * computed when they are read, not when the finding is made, and not kept. An organisation-scale
 * evaluation makes close to a million findings; a reporter may read neither string (the summary,
 * the exit code, a table of failures), and one that writes them all (the JSON report) reads each
 * once. Those two strings were most of what a finding cost to build and keep.
 *
 * `message` and `fingerprint` are own, enumerable accessor properties at their usual place among
 * the keys, so that everything a consumer does with a plain finding still works the same: reading
 * a field, `JSON.stringify` (same keys, same order, same bytes), spreading it into a new object,
 * `Object.keys`, comparing it to a plain object. What they are computed from is kept in private
 * fields of the finding itself (see `Deferred`), out of sight of all of those. The accessors are shared by every finding,
 * so all findings keep one shape.
 */
import { hash } from 'node:crypto';
import type { Finding, ResourceRef, Severity, Status } from '../model/finding.js';
import { madeWhenRead, Stamped } from '../model/stamped.js';
import { formatMessage, type Rule } from '../rules/define-rule.js';

export function fingerprint(ruleId: string, resourceId: string): string {
  // The first half of the digest as a string of its own: a slice would keep the whole 64-character
  // digest alive behind it for as long as the fingerprint is kept (history keeps one per finding).
  // Changing the case twice makes that copy, at no measurable cost.
  return hash('sha256', `${ruleId}\u0000${resourceId}`).slice(0, 32).toUpperCase().toLowerCase();
}

/**
 * Whether a value is, or holds, the placeholder IaC leaves for a deploying Region, account or
 * partition its files do not set (CloudFormation's pseudo parameters: `${AWS::Region}`).
 */
export const isPlaceholder = (value: string): boolean => value.includes('${AWS::');

/**
 * A message value in the terms of a Terraform user. IaC leaves the deploying Region, account and
 * partition as CloudFormation's pseudo parameters (`${AWS::Region}`), which the inventory keeps
 * (policies are compared with them) but Terraform has no such thing: a resource is in its provider
 * configuration's Region, in the account of its credentials
 * (https://developer.hashicorp.com/terraform/language/meta-arguments/resource-provider). A value that is
 * only the placeholder says so; one inside a longer value (an ARN) becomes `<region>`.
 */
export function inTerraformTerms(value: string): string {
  if (!isPlaceholder(value)) return value;
  const whole = TERRAFORM_TERMS.get(value);
  if (whole) return whole[0];
  return value.replace(
    /\$\{AWS::(Region|AccountId|Partition)\}/g,
    (placeholder) => TERRAFORM_TERMS.get(placeholder)![1],
  );
}

const TERRAFORM_TERMS = new Map<string, [whole: string, inside: string]>([
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder IaC writes, not a template
  ['${AWS::Region}', ["the provider's Region, not set in the files", '<region>']],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder IaC writes, not a template
  ['${AWS::AccountId}', ["the account of the provider's credentials, not set in the files", '<account>']],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder IaC writes, not a template
  ['${AWS::Partition}', ["the partition of the provider's Region, not set in the files", '<partition>']],
]);

/**
 * Whether a resource is defined in Terraform: in configuration (`main.tf#...`, `x.tf.json#...`), or
 * in a plan (`terraform show -json`), whose file may have any name and is known by what the
 * inventory read from it (`planFiles`, the files of its `terraform-plan` resources).
 */
export function isTerraformResource(resource: ResourceRef, planFiles?: ReadonlySet<string>): boolean {
  const file = resource.location?.file;
  if (file !== undefined) return TERRAFORM_FILE.test(file) || planFiles?.has(file) === true;
  // Asked of every finding: a live resource (an ARN, no '#') is answered without a slice or a match.
  const hash = resource.id.indexOf('#');
  if (hash <= 0) return false;
  const idFile = resource.id.slice(0, hash);
  return TERRAFORM_FILE.test(idFile) || planFiles?.has(idFile) === true;
}

const TERRAFORM_FILE = /\.tf(\.json)?$/i;

/**
 * Whether a finding's values are shown in Terraform's terms: as its message is (the engine decided
 * when it made the finding), or, for a finding read back from a JSON report, as its file says.
 */
export function inTerraformTermsOf(finding: Finding): boolean {
  return Deferred.terraformTerms(finding) ?? isTerraformResource(finding.resource);
}

/** A finding's account or Region as a reader sees it: in Terraform's terms for a Terraform resource. */
export function shownPlace(finding: Finding, value: string | undefined): string | undefined {
  return value === undefined || !isPlaceholder(value) || !inTerraformTermsOf(finding)
    ? value
    : inTerraformTerms(value);
}

/** The template of a rule crash: the engine's own, not any rule's. */
const RULE_ERROR_TEMPLATE = 'the rule failed to run: {{error}}';

/** The rule that made a finding and how its fingerprint's resource id is made: one per rule per evaluation. */
export interface RuleRun {
  readonly rule: Rule;
  /** The resource id a fingerprint is computed from (see `EvaluateOptions.fingerprintId`). */
  readonly fingerprintId: ((resourceId: string) => string) | undefined;
  /** The run's messages, by message id (see `messageSource`). */
  readonly messages: Map<string, MessageSource>;
  /** The Terraform plan files the inventory read (see `isTerraformResource`). */
  readonly planFiles: ReadonlySet<string> | undefined;
}

export function ruleRun(
  rule: Rule,
  fingerprintId: ((resourceId: string) => string) | undefined,
  planFiles?: ReadonlySet<string>,
): RuleRun {
  return { rule, fingerprintId, messages: new Map(), planFiles };
}

/**
 * A rule run's message: one per run and message id, shared by every finding that says it, so that
 * a finding keeps one reference for both (and the template is looked up once).
 */
interface MessageSource {
  readonly run: RuleRun;
  readonly messageId: string;
  readonly template: string | undefined;
  /** How its values are worded: in Terraform's terms for a Terraform resource (`inTerraformTerms`). */
  readonly show: ((value: string) => string) | undefined;
}

function messageSource(run: RuleRun, messageId: string, terraform: boolean): MessageSource {
  const key = terraform ? `${messageId}\u0000terraform` : messageId;
  let source = run.messages.get(key);
  if (!source) {
    const messages = run.rule.meta.messages;
    const template =
      messageId === 'ruleError'
        ? RULE_ERROR_TEMPLATE
        : Object.hasOwn(messages, messageId) && typeof messages[messageId] === 'string'
          ? messages[messageId]
          : undefined;
    source = Object.freeze({ run, messageId, template, show: terraform ? inTerraformTerms : undefined });
    run.messages.set(key, source);
  }
  return source;
}

/** A fingerprint assigned to a finding, told apart from the resource id it takes the place of. */
class AssignedFingerprint {
  constructor(readonly value: string) {}
}

/**
 * What a finding's message and fingerprint are made from, as the rule gave them (the finding's
 * own fields may be overwritten before the strings are made), or the strings assigned to it.
 * Three fields on every finding (close to a million of them), so kept few: the rule run and
 * message id ride together, a message assigned takes the place of the data it would be made
 * from, and a fingerprint assigned that of the resource id.
 */
class Deferred extends Stamped {
  #source: MessageSource;
  /** The message parameters, or the message if one was assigned. */
  #text: Readonly<Record<string, string | number>> | string | undefined;
  /** The resource id the fingerprint is made from, or the fingerprint if one was assigned. */
  #key: string | AssignedFingerprint;

  constructor(
    finding: Finding,
    source: MessageSource,
    data: Readonly<Record<string, string | number>> | undefined,
    resourceId: string,
  ) {
    super(finding);
    this.#source = source;
    this.#text = data;
    this.#key = resourceId;
  }

  /**
   * Made on each read, not kept: a report reads each message once (the JSON report, at 880,000
   * findings, would otherwise end up holding every message it wrote), and making one again costs
   * less than holding it. A message assigned to the finding is kept.
   */
  static message(finding: object): string {
    const deferred = finding as Deferred;
    const text = deferred.#text;
    if (typeof text === 'string') return text;
    const { template, messageId, show } = deferred.#source;
    return template === undefined
      ? `${messageId} (no message template)`
      : formatMessage(template, text, show);
  }

  /** Whether the finding's message is worded in Terraform's terms; undefined for a finding the engine did not make. */
  static terraformTerms(finding: object): boolean | undefined {
    return #source in finding ? (finding as Deferred).#source.show !== undefined : undefined;
  }

  static setMessage(finding: object, value: string): void {
    (finding as Deferred).#text = value;
  }

  /** Made on each read and not kept, as the message is (reading it takes one SHA-256 of a short text). */
  static fingerprint(finding: object): string {
    const deferred = finding as Deferred;
    const key = deferred.#key;
    if (key instanceof AssignedFingerprint) return key.value;
    const { rule, fingerprintId } = deferred.#source.run;
    return fingerprint(rule.meta.id, fingerprintId?.(key) ?? key);
  }

  static setFingerprint(finding: object, value: string): void {
    (finding as Deferred).#key = new AssignedFingerprint(value);
  }
}

const MESSAGE = madeWhenRead(Deferred.message, Deferred.setMessage);
const FINGERPRINT = madeWhenRead(Deferred.fingerprint, Deferred.setFingerprint);

/**
 * Builds the finding on `this`: called with `new`, so that V8 sizes every finding to hold all its
 * properties in the object itself (an object literal would hold four and put the rest in a second
 * allocation). Its prototype is `Object.prototype`: what it makes are plain objects.
 */
function FindingShape(
  this: Finding,
  rule: Rule,
  status: Status,
  severity: Severity,
  messageId: string,
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
}
FindingShape.prototype = Object.prototype;

type FindingConstructor = new (...args: Parameters<typeof FindingShape>) => Finding;

/** A finding (not suppressed) whose message and fingerprint are made when first read. */
export function lazyFinding(
  run: RuleRun,
  status: Status,
  severity: Severity,
  messageId: string,
  data: Record<string, string | number> | undefined,
  remediation: string,
  resource: ResourceRef,
  evidence: Record<string, unknown>,
): Finding {
  const finding = new (FindingShape as unknown as FindingConstructor)(
    run.rule,
    status,
    severity,
    messageId,
    remediation,
    resource,
    evidence,
  );
  // Frozen: the message is made from it later, so a rule that changed it after yielding would
  // change a finding already made (in strict code, the change throws and the rule stands UNKNOWN).
  const frozen = data === undefined ? undefined : Object.freeze(data);
  new Deferred(
    finding,
    messageSource(run, messageId, isTerraformResource(resource, run.planFiles)),
    frozen,
    resource.id,
  );
  return finding;
}
