/**
 * The remediation of an UNKNOWN finding: how to get the data that was missing, not the rule's fix
 * for a failure (which would tell a user to change a resource that may well be compliant). Derived
 * from what the verdict carries (gaps, unresolved values, an uncovered CloudTrail window) or, when
 * it carries none, from the inventory's gaps about the resource: a failed call becomes the IAM
 * action the scanning role lacked (service prefix + operation), an unresolved IaC value the inputs
 * to supply. Pure.
 */
import type { ResourceRef } from '../model/finding.js';
import type { Gap, Unresolved } from '../model/inventory.js';
import { isUnresolved } from '../model/inventory.js';
import type { InventoryIndex } from '../model/inventory-index.js';
import type { Verdict } from '../rules/define-rule.js';

export const IAM_POLICY_DOC = 'docs/iam-policy.json';

const isGap = (value: unknown): value is Gap =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Gap).code === 'string' &&
  typeof (value as Gap).service === 'string' &&
  typeof (value as Gap).operation === 'string';

interface Found {
  gaps: Gap[];
  unresolved: Unresolved[];
}

/**
 * What frozen evidence holds, by the evidence object: rules share one frozen evidence object
 * between the findings that say the same thing (an UNKNOWN judgement of a key for a role, say), and
 * what cannot change need not be walked again. Per index, so per evaluation.
 */
const foundIn = new WeakMap<InventoryIndex, Map<object, Found>>();

function fromSharedEvidence(evidence: Record<string, unknown> | undefined, index: InventoryIndex): Found {
  if (evidence === undefined || !Object.isFrozen(evidence)) return fromEvidence(evidence);
  let cache = foundIn.get(index);
  if (!cache) {
    cache = new Map();
    foundIn.set(index, cache);
  }
  let found = cache.get(evidence);
  if (!found) {
    found = fromEvidence(evidence);
    cache.set(evidence, found);
  }
  return found;
}

/** Gaps and unresolved values found in the evidence (a few levels deep, a bounded number of values). */
function fromEvidence(evidence: Record<string, unknown> | undefined): Found {
  const gaps: Gap[] = [];
  const unresolved: Unresolved[] = [];
  let budget = 1_000;
  // Asked for every UNKNOWN finding: walks the values in place, without an array of them per object.
  const visit = (value: unknown, depth: number): void => {
    if (budget-- <= 0 || typeof value !== 'object' || value === null) return;
    if (isGap(value)) gaps.push(value);
    else if (isUnresolved(value)) unresolved.push(value);
    else if (depth >= 6) return;
    else if (Array.isArray(value)) for (const item of value) visit(item, depth + 1);
    else {
      const record = value as Record<string, unknown>;
      for (const name in record) if (Object.hasOwn(record, name)) visit(record[name], depth + 1);
    }
  };
  visit(evidence, 0);
  // Most evidence holds neither: those share one answer (kept per evidence object, see above).
  return gaps.length === 0 && unresolved.length === 0 ? NOTHING_FOUND : { gaps, unresolved };
}

const NOTHING_FOUND: Found = Object.freeze({
  gaps: Object.freeze([]) as unknown as Gap[],
  unresolved: Object.freeze([]) as unknown as Unresolved[],
});

/** The gaps the inventory holds about a resource, its key and its cluster. */
function gapsAbout(resource: ResourceRef, index: InventoryIndex): readonly Gap[] {
  // Asked for every UNKNOWN finding (hundreds of thousands in a large estate), nearly all about
  // resources with no gaps: no sets, and no array at all when there are none.
  if (!index.hasResourceGaps) return NOTHING_FOUND.gaps;
  const own = index.gapsFor(resource.id);
  const key = resource.keyArn;
  const ofKey = key && key !== resource.id ? index.gapsFor(key) : NOTHING_FOUND.gaps;
  const at = resource.id.indexOf('/instance-group/');
  const cluster = at > 0 ? resource.id.slice(0, at) : undefined;
  const ofCluster = cluster !== undefined && cluster !== key ? index.gapsFor(cluster) : NOTHING_FOUND.gaps;
  if (ofKey.length === 0 && ofCluster.length === 0) return own;
  return [...own, ...ofKey, ...ofCluster];
}

const action = (gap: Gap) => `${gap.service}:${gap.operation}`;
const where = (gap: Gap) =>
  gap.account
    ? ` in ${gap.account}${gap.region ? `/${gap.region}` : ''}`
    : gap.region
      ? ` in ${gap.region}`
      : '';

function gapSentences(gaps: readonly Gap[]): string[] {
  const sentences: string[] = [];
  if (gaps.length === 0) return sentences;
  const denied = [...new Set(gaps.filter((g) => g.code === 'aws.access_denied').map(action))].sort();
  if (denied.length)
    sentences.push(
      `Grant the scanning role ${denied.join(', ')} (${IAM_POLICY_DOC} lists every permission the scan needs), then scan again.`,
    );
  // Calls that only the owner of a key or role may make (GetKeyPolicy and ListResourceTags are
  // not cross-account: https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html,
  // API_ListResourceTags.html; IAM reads its own account's roles): the fix is that account in the
  // scan, through an audit role there allowed those calls. One sentence per account.
  const crossAccount = new Map<string, Set<string>>();
  for (const gap of gaps) {
    if (gap.code !== 'aws.cross_account') continue;
    const account = gap.account ?? '';
    const actions = crossAccount.get(account) ?? new Set<string>();
    actions.add(action(gap));
    crossAccount.set(account, actions);
  }
  for (const [account, actions] of crossAccount) {
    const list = [...actions].sort().join(', ');
    const owner = account ? `account ${account}` : 'the account that owns the resource';
    sentences.push(
      `${list} can be called only from ${owner}, which the scan does not cover: deploy the audit role there allowing ${list} (${IAM_POLICY_DOC} lists every permission the scan needs), add ${account ? `${account} to --accounts` : 'that account to --accounts'} (with --role-name), or scan with --org and --role-name, then scan again.`,
    );
  }
  for (const gap of gaps) {
    if (gap.code === 'aws.access_denied' || gap.code === 'aws.cross_account') continue;
    if (gap.code === 'aws.assume_role_failed' || action(gap) === 'sts:AssumeRole')
      sentences.push(
        `Deploy the audit role${gap.account ? ` in account ${gap.account}` : ''} with a trust policy that lets the scanner assume it (its permissions: ${IAM_POLICY_DOC}), then scan again.`,
      );
    else if (gap.code === 'aws.throttled')
      sentences.push(`${action(gap)} was throttled${where(gap)}: scan again later.`);
    else if (gap.code === 'aws.region_disabled')
      sentences.push(`Enable the Region${where(gap)}, or leave it out of --region.`);
    else if (gap.code === 'skipped')
      sentences.push(`${action(gap)} was skipped (${gap.message}): scan again without skipping it.`);
    else
      sentences.push(
        `${action(gap)} failed${where(gap)} (${gap.code}): scan again; if it persists, check the service in that Region.`,
      );
  }
  return [...new Set(sentences)];
}

function unresolvedSentence(value: Unresolved, resource: ResourceRef): string {
  // Only IaC resources have a file: a live value is one AWS's answer left out or in a form the
  // scanner cannot read, which no IaC input or later deployment supplies.
  if (resource.location === undefined)
    return `${value.unresolved} could not be read from AWS's answer (${value.reason}): check it with the AWS CLI or console, then scan again.`;
  const file = resource.location.file;
  const terraform = /\.(tf|tf\.json|tfvars)$/i.test(file);
  if (value.inputs?.length) {
    const how = terraform
      ? 'with --var-file FILE'
      : /\.json$/i.test(file)
        ? 'in the input file'
        : 'with --parameters FILE';
    return `Supply ${value.inputs.join(', ')} (${how}) so that ${value.unresolved} can be resolved, then scan again.`;
  }
  return `${value.unresolved} is known only once deployed (${value.reason}): judge the deployed resources with \`hyperpod-cmk scan\`, or a Terraform plan (\`terraform show -json\`).`;
}

/** How to get what an UNKNOWN verdict was missing. */
export function unknownRemediation(verdict: Verdict, index: InventoryIndex): string {
  if (verdict.messageId === 'ruleError')
    return 'The rule failed to run, so nothing was judged: run the scan again, and report the error in the message if it persists.';
  const evidence = verdict.evidence;
  const missing = evidence?.missing;
  if (Array.isArray(missing) && missing.every((m) => typeof m === 'string') && missing.length)
    return `Look up CloudTrail events for the whole lookback window: collect again (\`hyperpod-cmk scan\` or \`collect\`) so that ${missing.join(' and ')} is covered, or lower cloudtrail.lookbackDays to the window that was looked up.`;
  const found = fromSharedEvidence(evidence, index);
  const gaps = found.gaps.length ? found.gaps : gapsAbout(verdict.resource, index);
  const sentences = gapSentences(gaps);
  // A live value left unresolved by a failed call is explained by the call; IaC values by their inputs.
  if (sentences.length === 0)
    for (const value of found.unresolved) sentences.push(unresolvedSentence(value, verdict.resource));
  if (sentences.length) return [...new Set(sentences)].join(' ');
  return `The data this needs was not available (the message says which): supply it and scan again; ${IAM_POLICY_DOC} lists the permissions a live scan needs.`;
}
