import { isUnresolved } from '../../model/inventory.js';
import { defineRule } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES, keyPartNotCollected } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource, unresolvedVerdict } from '../resources.js';

export default defineRule({
  meta: {
    id: 'kms-key-rotation-enabled',
    title: 'KMS keys used by HyperPod rotate automatically, at least as often as policy requires',
    severity: 'medium',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan'],
    config: ['rotation.maxDays'],
    rationale:
      'Automatic rotation limits how much data one key version protects and is required by PCI DSS 3.7.4 and CIS. ' +
      'Rotation keeps old key material, so encrypted volumes stay readable; it costs at most $2/month more per key. ' +
      'A disabled key with rotation on passes, in words of its own: "While a KMS key is disabled, AWS KMS does not ' +
      'rotate it. When the KMS key is re-enabled, if the key material is past its last scheduled rotation date, AWS ' +
      'KMS rotates it immediately" (KMS developer guide, "Rotating AWS KMS keys"), and "The key rotation status ' +
      'does not change when you disable a KMS key" (GetKeyRotationStatus): it encrypts nothing while disabled, and ' +
      'never with material past its period once enabled, so its rotation setting is what is judged; ' +
      'kms-key-enabled reports the disabled key. A key ' +
      'pending deletion reads rotation false ("While a KMS key is pending deletion, its key rotation status is ' +
      'false"), which says nothing of its setting: not applicable.',
    remediation: {
      summary: 'Enable automatic rotation with a period no longer than the configured maximum.',
      cli: "aws kms enable-key-rotation --key-id '<key-arn>' --rotation-period-in-days 365",
      cloudformation: 'EnableKeyRotation: true\nRotationPeriodInDays: 365',
      terraform: 'enable_key_rotation = true\nrotation_period_in_days = 365',
    },
    references: [
      'https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html',
      'https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html',
    ],
    frameworks: {
      'PCI-DSS-4.0.1': ['3.7.4'],
      'CIS-AWS-3.0': ['3.6'],
      'NIST-800-53': ['SC-12', 'SC-12(1)'],
      SOC2: ['CC6.1'],
    },
    messages: {
      ...KEY_COMMON_MESSAGES,
      rotating: '{{key}} rotates every {{period}} days',
      rotatesWhenEnabled:
        '{{key}} is {{state}}, so KMS does not rotate it now; rotation is on, and once the key is enabled KMS ' +
        'rotates at once key material past its rotation date, then every {{period}} days',
      disabled: '{{key}} does not rotate automatically',
      tooSlow: '{{key}} rotates every {{period}} days, more than the allowed {{max}}',
      unsupported: '{{key}} ({{spec}}) cannot rotate automatically; use a symmetric key with AWS_KMS origin',
      pendingDeletion: '{{key}} is pending deletion, so its rotation status reads false',
    },
  },
  *check(context) {
    const max = context.config.rotationMaxDays;
    // Keys that rotate alike share their evidence.
    const evidenceByPeriod = new Map<number | undefined, Record<string, unknown>>();
    const evidenceOf = (periodInDays: number | undefined): Record<string, unknown> => {
      let evidence = evidenceByPeriod.get(periodInDays);
      if (!evidence) {
        evidence = Object.freeze({
          rotationEnabled: true,
          periodInDays: periodInDays ?? null,
          assumedDefault: periodInDays === undefined,
        });
        evidenceByPeriod.set(periodInDays, evidence);
      }
      return evidence;
    };
    const disabledEvidence = new Map<number | undefined, Record<string, unknown>>();
    const disabledEvidenceOf = (periodInDays: number | undefined): Record<string, unknown> => {
      let evidence = disabledEvidence.get(periodInDays);
      if (!evidence) {
        evidence = Object.freeze({ ...evidenceOf(periodInDays), keyState: 'Disabled' });
        disabledEvidence.set(periodInDays, evidence);
      }
      return evidence;
    };
    yield* eachKey(context, (key) => {
      const resource = keyResource(key);
      const label = keyLabel(key);
      const metadata = key.metadata!;
      // A key on its way out (itself, or a primary waiting for its replicas) reads rotation false.
      if (metadata.keyState === 'PendingDeletion' || metadata.keyState === 'PendingReplicaDeletion')
        return { resource, status: 'NOT_APPLICABLE', messageId: 'pendingDeletion', data: { key: label } };
      if (metadata.origin !== undefined && !isUnresolved(metadata.origin) && metadata.origin !== 'AWS_KMS') {
        return {
          resource,
          status: 'FAIL',
          messageId: 'unsupported',
          data: { key: label, spec: `origin ${metadata.origin}` },
        };
      }
      // Automatic rotation exists only for symmetric encryption keys; for the others
      // GetKeyRotationStatus fails with UnsupportedOperationException, which is an answer, not a gap.
      if (typeof metadata.keySpec === 'string' && metadata.keySpec !== 'SYMMETRIC_DEFAULT') {
        return {
          resource,
          status: 'FAIL',
          messageId: 'unsupported',
          data: { key: label, spec: metadata.keySpec },
        };
      }
      if (!key.rotation)
        return keyPartNotCollected(context, key, `the rotation status of ${label}`, 'GetKeyRotationStatus');
      const { enabled, periodInDays } = key.rotation;
      if (isUnresolved(enabled)) return unresolvedVerdict(resource, 'EnableKeyRotation', enabled);
      if (!enabled) return { resource, status: 'FAIL', messageId: 'disabled', data: { key: label } };
      if (isUnresolved(periodInDays)) return unresolvedVerdict(resource, 'the rotation period', periodInDays);
      // AWS reports no period for keys rotated before periods existed, and moto none at all: the default is 365.
      const period = periodInDays ?? 365;
      const evidence = evidenceOf(periodInDays);
      if (period > max)
        return {
          resource,
          status: 'FAIL',
          messageId: 'tooSlow',
          data: { key: label, period, max },
          evidence,
        };
      // A disabled key is not rotated, but catches up when enabled again (rotate-keys.html).
      if (metadata.keyState === 'Disabled')
        return {
          resource,
          status: 'PASS',
          messageId: 'rotatesWhenEnabled',
          data: { key: label, state: 'Disabled', period },
          evidence: disabledEvidenceOf(periodInDays),
        };
      return { resource, status: 'PASS', messageId: 'rotating', data: { key: label, period }, evidence };
    });
  },
});
