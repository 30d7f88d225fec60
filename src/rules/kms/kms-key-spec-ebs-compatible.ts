import { isUnresolved } from '../../model/inventory.js';
import { defineRule } from '../define-rule.js';
import { eachKey, KEY_COMMON_MESSAGES } from '../iteration.js';
import { keyLabel } from '../key-references.js';
import { keyResource, unresolvedVerdict } from '../resources.js';

export default defineRule({
  meta: {
    id: 'kms-key-spec-ebs-compatible',
    title: 'KMS keys used by HyperPod are symmetric encryption keys, the only kind EBS supports',
    severity: 'high',
    resourceType: 'kms-key',
    sources: ['live', 'snapshot', 'cloudformation', 'terraform', 'terraform-plan'],
    rationale:
      'Amazon EBS supports only symmetric encryption keys (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT). ' +
      'An asymmetric, HMAC or signing key makes cluster creation or scaling fail.',
    remediation: {
      summary: 'Create a SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT key and use it in a new instance group.',
      cli: 'aws kms create-key --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT',
      cloudformation: 'KeySpec: SYMMETRIC_DEFAULT\nKeyUsage: ENCRYPT_DECRYPT',
      terraform: 'customer_master_key_spec = "SYMMETRIC_DEFAULT"\nkey_usage = "ENCRYPT_DECRYPT"',
    },
    references: ['https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html'],
    frameworks: { 'NIST-800-53': ['SC-13'] },
    messages: {
      ...KEY_COMMON_MESSAGES,
      compatible: '{{key}} is a symmetric encryption key',
      incompatible: '{{key}} is {{spec}} / {{usage}}; EBS needs SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT',
    },
  },
  *check(context) {
    yield* eachKey(context, (key) => {
      const resource = keyResource(key);
      const { keySpec, keyUsage } = key.metadata!;
      if (isUnresolved(keySpec)) return unresolvedVerdict(resource, 'the key spec', keySpec);
      if (isUnresolved(keyUsage)) return unresolvedVerdict(resource, 'the key usage', keyUsage);
      const data = { key: keyLabel(key), spec: keySpec, usage: keyUsage };
      const ok = keySpec === 'SYMMETRIC_DEFAULT' && keyUsage === 'ENCRYPT_DECRYPT';
      return { resource, status: ok ? 'PASS' : 'FAIL', messageId: ok ? 'compatible' : 'incompatible', data };
    });
  },
});
