import { daysFrom, parseIsoTime } from '../../model/dates.js';
import { isUnresolved, type Key } from '../../model/inventory.js';
import { defineRule, type RuleContext, type Verdict } from '../define-rule.js';
import { eachKey, groupsUsingKeyByMode, KEY_COMMON_MESSAGES } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource, unresolvedVerdict } from '../resources.js';
import { relativeDays } from '../text.js';

/**
 * Imported key material that expires within this many days fails: time to import it again (with
 * a later ValidTo, or none) before KMS deletes it. The window is this tool's choice, not AWS's.
 */
export const MATERIAL_EXPIRY_WINDOW_DAYS = 30;

/** Who is stalled when some of the key's groups are in clusters of unknown provisioning mode. */
const MAYBE_STALLED =
  'Instance groups that then cannot scale, heal or patch: {{groups}}; groups that may not (HyperPod honours a ' +
  'key only in Continuous provisioning mode, and the mode of {{clusters}} is unknown): {{maybeGroups}}';

export default defineRule({
  meta: {
    id: 'kms-key-enabled',
    title: 'KMS keys used by HyperPod are enabled',
    severity: 'critical',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan'],
    rationale:
      'A disabled or unavailable key stops HyperPod from creating grants: nodes cannot be replaced, added or ' +
      'patched, and volumes cannot be attached. For a long training job that is an outage waiting for the next node failure. ' +
      'A multi-Region key that is Updating (its primary Region changing) stays usable and returns to Enabled: it passes. ' +
      'Imported key material (Origin EXTERNAL) may expire: at its ValidTo, KMS deletes it, the key becomes unusable ' +
      '(PendingImport) until the same material is imported again, and volumes attached meanwhile keep working only ' +
      `until they are next attached. Material that has expired, or expires within ${MATERIAL_EXPIRY_WINDOW_DAYS} days, fails. ` +
      'The finding names the groups that use the key: a key is honoured only in Continuous provisioning mode and ' +
      'never by a restricted group (HyperPod CMK guide), so groups that name it elsewhere are not stalled, and ' +
      'those of a cluster whose mode is unknown may be, which the finding says as such.',
    remediation: {
      summary:
        'Enable the key if it was disabled by mistake; if it was disabled on purpose, move the groups that use it to a new key first. ' +
        'For imported key material that expires, import the same material again with a later ValidTo, or with ' +
        'ExpirationModel KEY_MATERIAL_DOES_NOT_EXPIRE.',
      cli: "aws kms enable-key --key-id '<key-arn>'",
      cloudformation: 'Enabled: true',
      terraform: 'is_enabled = true',
    },
    references: [
      'https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-update.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/importing-keys-delete-key-material.html',
      'https://docs.aws.amazon.com/kms/latest/developerguide/unusable-kms-keys.html',
      'https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyMetadata.html',
      'https://docs.aws.amazon.com/sagemaker/latest/dg/smcluster-cmk.html',
    ],
    frameworks: { 'NIST-800-53': ['SC-12', 'CP-10'], SOC2: ['A1.2'] },
    messages: {
      ...KEY_COMMON_MESSAGES,
      enabled: '{{key}} is Enabled',
      updating:
        '{{key}} is Updating while its primary Region changes: it serves cryptographic operations meanwhile and returns to Enabled',
      pendingDeletion: '{{key}} is pending deletion, which kms-key-not-pending-deletion reports',
      notEnabled:
        '{{key}} is {{state}}; the instance groups that use it ({{groups}}) cannot scale, heal or patch',
      materialValid: '{{key}} is Enabled; its imported key material expires on {{date}} ({{when}})',
      materialExpiring:
        '{{key}} is Enabled, but its imported key material expires on {{date}} ({{when}}): KMS then deletes it and ' +
        'the key becomes unusable; the instance groups that use it ({{groups}}) then cannot scale, heal or patch',
      materialExpired:
        "{{key}}'s imported key material expired on {{date}} ({{when}}): KMS deletes expired material and the key " +
        'becomes unusable; the instance groups that use it ({{groups}}) cannot scale, heal or patch',
      notEnabledMaybe: `{{key}} is {{state}}. ${MAYBE_STALLED}`,
      materialExpiringMaybe:
        '{{key}} is Enabled, but its imported key material expires on {{date}} ({{when}}): KMS then deletes it and ' +
        `the key becomes unusable. ${MAYBE_STALLED}`,
      materialExpiredMaybe:
        "{{key}}'s imported key material expired on {{date}} ({{when}}): KMS deletes expired material and the key " +
        `becomes unusable. ${MAYBE_STALLED.replace('then cannot', 'cannot')}`,
    },
  },
  *check(context) {
    yield* eachKey(context, (key) => {
      const resource = keyResource(key);
      const state = key.metadata!.keyState;
      if (isUnresolved(state)) return unresolvedVerdict(resource, 'the key state', state);
      if (state === 'PendingDeletion' || state === 'PendingReplicaDeletion') {
        return {
          resource,
          status: 'NOT_APPLICABLE',
          messageId: 'pendingDeletion',
          data: { key: keyLabel(key) },
        };
      }
      // Updating is the transient state of a multi-Region key whose primary Region changes: "While
      // the key state is Updating, you can use the keys in cryptographic operations" (KMS developer
      // guide, multi-region-update.html), and Enabled is restored when the update completes.
      if (state === 'Enabled' || state === 'Updating') {
        if (key.metadata!.validTo !== undefined) return materialVerdict(context, key, key.metadata!.validTo);
        return {
          resource,
          status: 'PASS',
          messageId: state === 'Enabled' ? 'enabled' : 'updating',
          data: { key: keyLabel(key) },
        };
      }
      const { data, evidence, suffix } = stalledGroups(context, key);
      return {
        resource,
        status: 'FAIL',
        messageId: `notEnabled${suffix}`,
        data: { key: keyLabel(key), state, ...data },
        evidence: { keyState: state, ...evidence },
      };
    });
  },
});

/**
 * A usable key whose imported material expires: "When a key material expires, KMS deletes the key
 * material and the KMS key becomes unusable" (API_KeyMetadata, ValidTo), its state PendingImport
 * (importing-keys-delete-key-material.html). Material expired past a snapshot's state still fails.
 */
function materialVerdict(
  context: RuleContext,
  key: Key,
  validTo: NonNullable<NonNullable<Key['metadata']>['validTo']>,
): Verdict {
  const resource = keyResource(key);
  if (isUnresolved(validTo))
    return unresolvedVerdict(resource, 'when the imported key material expires', validTo);
  const { days, past } = daysFrom(parseIsoTime(validTo) ?? Number.NaN, context.now.getTime());
  const when = relativeDays({ days, past });
  if (!past && days > MATERIAL_EXPIRY_WINDOW_DAYS)
    return {
      resource,
      status: 'PASS',
      messageId: 'materialValid',
      data: { key: keyLabel(key), date: validTo, days, when },
    };
  const stalled = stalledGroups(context, key);
  return {
    resource,
    status: 'FAIL',
    messageId: `${past ? 'materialExpired' : 'materialExpiring'}${stalled.suffix}`,
    data: { key: keyLabel(key), date: validTo, days, when, ...stalled.data },
    evidence: { validTo, ...stalled.evidence },
  };
}

/**
 * The groups an unusable key stalls, and those it may (of clusters whose provisioning mode is
 * unknown: they use the key only in Continuous mode); `suffix` picks the messages that say may.
 */
function stalledGroups(
  context: RuleContext,
  key: Key,
): { data: Record<string, string>; evidence: Record<string, unknown>; suffix: '' | 'Maybe' } {
  const { sure, maybe, modeUnknownIn } = groupsUsingKeyByMode(context, key);
  const groups = sure.join(', ') || 'none';
  if (maybe.length === 0) return { data: { groups }, evidence: { groups: sure }, suffix: '' };
  return {
    data: { groups, maybeGroups: maybe.join(', '), clusters: modeUnknownIn.join(', ') },
    evidence: { groups: sure, maybeGroups: maybe, modeUnknownIn },
    suffix: 'Maybe',
  };
}
