/** Every rule of the catalog. Ids are stable; the order is the catalog order of DESIGN.md. */
import accountKmsAuditTrail from './account/account-kms-audit-trail.js';
import type { Rule } from './define-rule.js';
import hyperpodClusterRequiredTags from './hyperpod/hyperpod-cluster-required-tags.js';
import hyperpodCmkProvisioningMode from './hyperpod/hyperpod-cmk-provisioning-mode.js';
import hyperpodExecutionRoleKmsScope from './hyperpod/hyperpod-execution-role-kms-scope.js';
import hyperpodKeyExists from './hyperpod/hyperpod-key-exists.js';
import hyperpodKeyGrantsExecutionRole from './hyperpod/hyperpod-key-grants-execution-role.js';
import hyperpodKeyPerInstanceGroup from './hyperpod/hyperpod-key-per-instance-group.js';
import hyperpodRootVolumeCmk from './hyperpod/hyperpod-root-volume-cmk.js';
import hyperpodSecondaryVolumeCmk from './hyperpod/hyperpod-secondary-volume-cmk.js';
import hyperpodTenantKeyIsolation from './hyperpod/hyperpod-tenant-key-isolation.js';
import kmsKeyDeletionProtection from './kms/kms-key-deletion-protection.js';
import kmsKeyDrReplica from './kms/kms-key-dr-replica.js';
import kmsKeyEnabled from './kms/kms-key-enabled.js';
import kmsKeyGrantsScoped from './kms/kms-key-grants-scoped.js';
import kmsKeyNotPendingDeletion from './kms/kms-key-not-pending-deletion.js';
import kmsKeyPolicyChangeUnapproved from './kms/kms-key-policy-change-unapproved.js';
import kmsKeyPolicyLeastPrivilege from './kms/kms-key-policy-least-privilege.js';
import kmsKeyPolicyNoPublicAccess from './kms/kms-key-policy-no-public-access.js';
import kmsKeyRequiredTags from './kms/kms-key-required-tags.js';
import kmsKeyRotationEnabled from './kms/kms-key-rotation-enabled.js';
import kmsKeySeparationOfDuties from './kms/kms-key-separation-of-duties.js';
import kmsKeySpecEbsCompatible from './kms/kms-key-spec-ebs-compatible.js';
import kmsKeyUnauthorizedAccessAttempts from './kms/kms-key-unauthorized-access-attempts.js';
import kmsKeyUnused from './kms/kms-key-unused.js';

export const RULES: readonly Rule[] = Object.freeze([
  hyperpodRootVolumeCmk,
  hyperpodSecondaryVolumeCmk,
  hyperpodCmkProvisioningMode,
  hyperpodKeyExists,
  hyperpodKeyGrantsExecutionRole,
  hyperpodKeyPerInstanceGroup,
  hyperpodTenantKeyIsolation,
  hyperpodClusterRequiredTags,
  hyperpodExecutionRoleKmsScope,
  kmsKeyEnabled,
  kmsKeyNotPendingDeletion,
  kmsKeySpecEbsCompatible,
  kmsKeyRotationEnabled,
  kmsKeyPolicyNoPublicAccess,
  kmsKeyPolicyLeastPrivilege,
  kmsKeySeparationOfDuties,
  kmsKeyGrantsScoped,
  kmsKeyRequiredTags,
  kmsKeyDrReplica,
  kmsKeyDeletionProtection,
  kmsKeyUnused,
  kmsKeyUnauthorizedAccessAttempts,
  kmsKeyPolicyChangeUnapproved,
  accountKmsAuditTrail,
]);

export function findRule(id: string): Rule | undefined {
  return RULES.find((rule) => rule.meta.id === id);
}
