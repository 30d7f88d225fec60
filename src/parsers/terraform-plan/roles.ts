/**
 * The IAM roles a Terraform plan creates or keeps (aws_iam_role with inline_policy,
 * managed_policy_arns and permissions_boundary, aws_iam_role_policy,
 * aws_iam_role_policy_attachment, aws_iam_role_policy_attachments_exclusive,
 * aws_iam_policy_attachment, aws_iam_policy), each with the KMS statements of its policies as
 * role-builder.ts reads them. A role created by the plan has an ARN known only after apply: it is
 * known by its address (`aws_iam_role.workers.arn`), and an instance group that references it is
 * judged on it (see `PlanRoles.namedBy`).
 *
 * `inline_policy` and `managed_policy_arns` are computed when the configuration leaves them out
 * (the plan then marks them known only after apply): they are read only when the configuration
 * sets them.
 */
import type { ExecutionRole } from '../../model/inventory.js';
import { type ReadPolicy, RolePolicies, readPolicy } from '../common/role-builder.js';
import { isAbsent, isObject, Sym, textOf, Unknown, type Val, type ValObject } from '../common/value.js';

/** What reading roles needs of a plan resource. */
export interface PlannedResource {
  address: string;
  type: string;
  mode: string;
  values: Val;
}

/** A resource's configured attributes and the addresses each references. */
export type References = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

const ROLE = 'aws_iam_role';

/** A resource's address without its instance key (`aws_iam_role.workers["a"]` -> `aws_iam_role.workers`). */
export const configAddress = (address: string) => address.replace(/\[[^\]]*\]$/, '');

/** The resource a reference names (`aws_iam_role.workers.arn` -> `aws_iam_role.workers`). */
const referenced = (reference: string) => reference.replace(/\.(arn|id|name|unique_id|policy)$/, '');

interface PlanRole {
  arn: string;
  name: string | undefined;
  policies: RolePolicies;
}

export interface PlanRoles {
  roles: ExecutionRole[];
  /**
   * The ARN of the role an instance group names by a value known only after apply: the one role
   * of the plan that the cluster's group attributes reference (`refs`), if there is exactly one.
   */
  namedBy(refs: readonly string[]): string | undefined;
}

export function planRoles(
  resources: ReadonlyMap<string, PlannedResource>,
  references: References,
  account: string,
): PlanRoles {
  const managed = [...resources.values()].filter((resource) => resource.mode === 'managed');
  const values = (resource: PlannedResource): ValObject => (isObject(resource.values) ? resource.values : {});
  const policies = new Map<string, ReadPolicy>();
  for (const resource of managed)
    if (resource.type === 'aws_iam_policy')
      policies.set(configAddress(resource.address), readPolicy(values(resource).policy));
  const roles = new Map<string, PlanRole>();
  for (const resource of managed) {
    if (resource.type !== ROLE) continue;
    const p = values(resource);
    const configured = references.get(configAddress(resource.address));
    const role: PlanRole = {
      arn: textOf(p.arn ?? null) ?? `${resource.address}.arn`,
      name: textOf(p.name ?? null),
      policies: new RolePolicies(),
    };
    if (configured?.has('inline_policy'))
      role.policies.addInline('inline_policy', p.inline_policy, { name: 'name', document: 'policy' });
    if (configured?.has('managed_policy_arns'))
      attachManaged(
        role.policies,
        p.managed_policy_arns ?? null,
        configured.get('managed_policy_arns') ?? [],
        policies,
      );
    if (configured?.has('permissions_boundary')) {
      // A boundary the plan creates is known only after apply: it is the policy the attribute references.
      const value = p.permissions_boundary ?? null;
      const ref =
        value instanceof Unknown
          ? (configured.get('permissions_boundary') ?? []).map(referenced).find((r) => policies.has(r))
          : undefined;
      role.policies.setBoundary(
        ref ? new Sym(`${ref}.arn`, { id: ref, type: 'aws_iam_policy' }) : value,
        (id) => policies.get(id),
      );
    }
    roles.set(resource.address, role);
  }
  // A reference names a role by its address, or by its configuration's when it has one instance.
  const byRef = (ref: string): PlanRole | undefined => {
    const address = referenced(ref);
    const exact = roles.get(address);
    if (exact) return exact;
    const instances = [...roles].filter(([instance]) => configAddress(instance) === address);
    return instances.length === 1 ? instances[0]![1] : undefined;
  };
  const roleOf = (value: Val, refs: readonly string[]): PlanRole | undefined => {
    for (const ref of refs) {
      const role = byRef(ref);
      if (role) return role;
    }
    const name = textOf(value);
    if (name === undefined) return undefined;
    for (const role of roles.values()) if (role.name === name || role.arn === name) return role;
    return undefined;
  };
  for (const resource of managed) {
    const p = values(resource);
    const configured = references.get(configAddress(resource.address));
    if (resource.type === 'aws_iam_role_policy')
      roleOf(p.role ?? null, configured?.get('role') ?? [])?.policies.add(
        readPolicy(p.policy),
        resource.address,
      );
    else if (resource.type === 'aws_iam_role_policy_attachment')
      attachTo(roleOf(p.role ?? null, configured?.get('role') ?? []));
    else if (resource.type === 'aws_iam_role_policy_attachments_exclusive') {
      const role = roleOf(p.role_name ?? null, configured?.get('role_name') ?? []);
      if (role)
        attachManaged(role.policies, p.policy_arns ?? null, configured?.get('policy_arns') ?? [], policies);
    } else if (resource.type === 'aws_iam_policy_attachment') {
      const named = Array.isArray(p.roles) ? p.roles : [];
      const refs = configured?.get('roles') ?? [];
      const attached = new Set<PlanRole>();
      for (const ref of refs) {
        const role = byRef(ref);
        if (role) attached.add(role);
      }
      for (const name of named) {
        const role = roleOf(name, []);
        if (role) attached.add(role);
      }
      for (const role of attached) attachTo(role);
    }
    function attachTo(role: PlanRole | undefined) {
      if (role)
        attachManaged(role.policies, [p.policy_arn ?? null], configured?.get('policy_arn') ?? [], policies);
    }
  }
  return {
    roles: [...roles.values()].map((role) => role.policies.toRole(role.arn, account, 'terraform-plan')),
    namedBy(refs) {
      const named = new Set(refs.map(byRef).filter((role) => role !== undefined));
      return named.size === 1 ? [...named][0]!.arn : undefined;
    },
  };
}

/**
 * Managed policies attached by ARN: an ARN known only after apply is the policy of the plan it
 * references (each policy the attribute references is attached once); a known ARN is read as
 * `RolePolicies.addManaged` reads it.
 */
function attachManaged(
  role: RolePolicies,
  arns: Val,
  refs: readonly string[],
  policies: ReadonlyMap<string, ReadPolicy>,
): void {
  if (!Array.isArray(arns)) {
    if (!isAbsent(arns)) role.addUnreadList('managed_policy_arns', arns);
    return;
  }
  const planned = [...new Set(refs.map(referenced))].filter((ref) => policies.has(ref));
  let unknown = 0;
  for (const arn of arns) {
    if (isAbsent(arn)) continue;
    if (arn instanceof Unknown) unknown++;
    else role.addManaged(arn, () => undefined);
  }
  if (unknown === 0) return;
  for (const ref of planned) role.add(policies.get(ref)!, `policy ${ref}`);
  if (planned.length < unknown)
    role.add({ unread: 'known only after apply, and not a policy of the plan' }, 'a managed policy');
}
