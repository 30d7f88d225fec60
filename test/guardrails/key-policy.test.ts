import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { type Config, resolveConfig } from '../../src/config/schema.js';
import { demoEstate } from '../../src/demo/estate.js';
import { evaluate } from '../../src/engine/evaluate.js';
import { resolveKeyAdmins } from '../../src/guardrails/key-admins.js';
import { keyPolicy, PROTECTED_KEY_ACTIONS } from '../../src/guardrails/key-policy.js';
import { type PlannedKeyPolicy, planKeyPolicies } from '../../src/guardrails/key-policy-plan.js';
import type { Inventory, Key, PolicyDocument } from '../../src/model/inventory.js';
import { USAGE_ACTIONS } from '../../src/policy/actions.js';
import { requestContext } from '../../src/policy/conditions.js';
import { keyAccess, statementsOf } from '../../src/policy/evaluate.js';
import { RULES } from '../../src/rules/registry.js';
import {
  ACCOUNT,
  ADMIN_ROLE,
  cluster,
  compliantEstate,
  EXEC_ROLE,
  group,
  inventory,
  key,
  keyArn,
  NOW,
  REGION,
  role,
  roleArn,
  rootVolume,
  secondaryVolume,
} from '../helpers/inventory.js';

const KEY_POLICY_RULES = [
  'kms-key-policy-no-public-access',
  'kms-key-policy-least-privilege',
  'kms-key-separation-of-duties',
  'hyperpod-key-grants-execution-role',
];

const demoConfig = () => {
  const parsed = parseConfig(
    readFileSync(new URL('../../demo/hyperpod-cmk.yaml', import.meta.url), 'utf8'),
    'demo/hyperpod-cmk.yaml',
    RULES.map((r) => r.meta.id),
  );
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
};

function plan(inv: Inventory, config: Config) {
  const result = planKeyPolicies(inv, resolveConfig(config));
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** Replaces each existing key's policy with the generated one and evaluates the key-policy rules. */
function roundTrip(
  inv: Inventory,
  planned: PlannedKeyPolicy[],
  config = resolveConfig({ keyAdmins: [ADMIN_ROLE] }),
) {
  const byArn = new Map(planned.filter((p) => p.keyArn).map((p) => [p.keyArn!, p.policy]));
  const replaced: Inventory = {
    ...inv,
    keys: inv.keys.map((k) => (byArn.has(k.arn) ? { ...k, policy: byArn.get(k.arn)! } : k)),
  };
  const rules = RULES.filter((r) => KEY_POLICY_RULES.includes(r.meta.id));
  return evaluate(replaced, { config, rules, now: new Date(NOW) }).findings;
}

/** Can `principal` do `action` on the key, by the key policy alone (KMS's answer, three-valued)? */
function can(policy: PolicyDocument, principal: string, action: string, extra: Record<string, string> = {}) {
  const account = principal.split(':')[4]!;
  return keyAccess({
    caller: { kind: 'iam', arn: principal, account },
    action,
    resource: keyArn('k1'),
    context: requestContext(
      {
        'aws:PrincipalArn': principal,
        'aws:PrincipalAccount': account,
        'kms:CallerAccount': account,
        'kms:BypassPolicyLockoutSafetyCheck': 'false',
        ...extra,
      },
      ['kms:EncryptionContext:*', 'kms:ViaService'],
    ),
    keyPolicy: policy,
    keyAccount: ACCOUNT,
    identityStatements: [],
  }).result;
}

describe('generated key policy', () => {
  const admins = resolveKeyAdmins([ADMIN_ROLE], ACCOUNT);
  const policy = keyPolicy({ keyAccount: ACCOUNT, region: REGION, admins, executionRoles: [EXEC_ROLE] });

  it('gives admins administration only and execution roles CreateGrant/DescribeKey via SageMaker', () => {
    const statements = statementsOf(policy);
    const admin = statements.find((s) => s.Sid === 'KeyAdministration')!;
    const actions = admin.Action as string[];
    for (const usage of USAGE_ACTIONS) expect(actions).not.toContain(usage);
    expect(actions.some((a) => a.includes('*'))).toBe(false);
    const grant = statements.find((s) => s.Sid === 'HyperPodCreateGrant')!;
    expect(grant.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 'sagemaker.us-east-1.amazonaws.com' },
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
    });
    expect(JSON.stringify(policy)).not.toMatch(/EncryptionContext/);
  });

  it('lets every admin put the policy again (lockout safety check), in any ARN case', () => {
    expect(can(policy, ADMIN_ROLE, 'kms:PutKeyPolicy')).toBe('yes');
    expect(can(policy, ADMIN_ROLE.toLowerCase(), 'kms:PutKeyPolicy')).toBe('yes');
    for (const action of PROTECTED_KEY_ACTIONS) expect(can(policy, ADMIN_ROLE, action)).toBe('yes');
  });

  it('denies deletion, disabling and policy changes to everyone else, and admins any key use', () => {
    for (const action of PROTECTED_KEY_ACTIONS) {
      expect(can(policy, EXEC_ROLE, action)).toBe('no');
      expect(can(policy, roleArn('Intruder'), action)).toBe('no');
    }
    expect(can(policy, ADMIN_ROLE, 'kms:Decrypt')).toBe('no');
    expect(can(policy, ADMIN_ROLE, 'kms:CreateGrant')).toBe('no');
  });

  it('denies a lockout-check bypass even to admins', () => {
    expect(
      can(policy, ADMIN_ROLE, 'kms:PutKeyPolicy', { 'kms:BypassPolicyLockoutSafetyCheck': 'true' }),
    ).toBe('no');
  });

  it('admits a recreated admin role (and wildcard admins) through IAM, never the rest of the account', () => {
    const wild = resolveKeyAdmins([ADMIN_ROLE, `arn:aws:iam::${ACCOUNT}:role/KeyAdmin-*`], ACCOUNT);
    const p = keyPolicy({ keyAccount: ACCOUNT, region: REGION, admins: wild, executionRoles: [EXEC_ROLE] });
    const viaIam = (principal: string, action: string) =>
      keyAccess({
        caller: { kind: 'iam', arn: principal, account: ACCOUNT },
        action,
        resource: keyArn('k1'),
        context: requestContext({
          'aws:PrincipalArn': principal,
          'kms:BypassPolicyLockoutSafetyCheck': false,
        }),
        keyPolicy: p,
        keyAccount: ACCOUNT,
        identityStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }],
      }).result;
    expect(viaIam(roleArn('KeyAdmin-breakglass'), 'kms:PutKeyPolicy')).toBe('yes');
    expect(viaIam(roleArn('AdministratorAccess'), 'kms:PutKeyPolicy')).toBe('no');
    expect(viaIam(roleArn('AdministratorAccess'), 'kms:Decrypt')).toBe('no');
  });
});

describe('key policy round trip through the rules', () => {
  it('passes every key-policy rule on the compliant estate', () => {
    const inv = compliantEstate();
    const findings = roundTrip(inv, plan(inv, { keyAdmins: [ADMIN_ROLE] }).policies);
    expect(findings.map((f) => [f.ruleId, f.status])).toEqual(
      expect.arrayContaining(KEY_POLICY_RULES.map((id) => [id, 'PASS'])),
    );
    expect(findings.filter((f) => f.status !== 'PASS')).toEqual([]);
  });

  it('turns a failing policy (root kms:* and a usage grant to an admin) into a passing one', () => {
    const bad: Key = key('k1', {
      policy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: ADMIN_ROLE }, Action: 'kms:*', Resource: '*' },
          { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' },
        ],
      },
    });
    const inv = compliantEstate({ key: bad });
    const before = roundTrip(inv, []);
    expect(
      before
        .filter((f) => f.status === 'FAIL')
        .map((f) => f.ruleId)
        .sort(),
    ).toEqual([
      'hyperpod-key-grants-execution-role',
      'kms-key-policy-least-privilege',
      'kms-key-policy-no-public-access',
      'kms-key-separation-of-duties',
    ]);
    const planned = plan(inv, { keyAdmins: [ADMIN_ROLE] });
    expect(planned.policies[0]!.droppedPrincipals).toEqual(['*']);
    expect(roundTrip(inv, planned.policies).filter((f) => f.status !== 'PASS')).toEqual([]);
  });

  it('passes on every key of the demo estate, with the demo config', () => {
    const estate = demoEstate();
    const config = demoConfig();
    const result = planKeyPolicies(estate, config);
    if (!result.ok) throw new Error(result.error.message);
    const existing = result.value.policies.filter((p) => p.kind === 'existing');
    expect(existing.length).toBeGreaterThan(5);
    const findings = roundTrip(estate, existing, config);
    const covered = new Set(existing.map((p) => p.keyArn));
    const groups = new Set(existing.flatMap((p) => p.instanceGroups));
    const relevant = findings.filter(
      (f) =>
        covered.has(f.resource.id) || (f.resource.type === 'instance-group' && groups.has(f.resource.id)),
    );
    // Every key-policy finding on a covered key, and every grants finding on a group using one, passes.
    const notPassing = relevant.filter(
      (f) =>
        f.status !== 'PASS' &&
        !(f.ruleId === 'hyperpod-key-grants-execution-role' && f.status === 'NOT_APPLICABLE'),
    );
    expect(notPassing.map((f) => `${f.ruleId} ${f.resource.id}: ${f.message}`)).toEqual([]);
    expect(relevant.filter((f) => f.status === 'PASS').length).toBeGreaterThan(existing.length * 3);
  });

  it('proposes one key per instance group without its own CMK, and the proposed policies pass too', () => {
    const shared = key('shared');
    const inv = inventory({
      clusters: [
        cluster('c1', [
          group('a', { executionRole: roleArn('exec-a'), volumes: [rootVolume(shared.arn)] }),
          group('b', { executionRole: roleArn('exec-b'), volumes: [rootVolume(shared.arn)] }),
          group('c', { executionRole: roleArn('exec-c'), volumes: [secondaryVolume(null)] }),
        ]),
      ],
      keys: [shared],
      roles: [role(roleArn('exec-a')), role(roleArn('exec-b')), role(roleArn('exec-c'))],
    });
    const planned = plan(inv, { keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'] });
    const proposed = planned.policies.filter((p) => p.kind === 'proposed');
    expect(proposed.map((p) => p.file).sort()).toEqual([
      `key-policies/proposed/${ACCOUNT}/${REGION}/c1.a.json`,
      `key-policies/proposed/${ACCOUNT}/${REGION}/c1.b.json`,
      `key-policies/proposed/${ACCOUNT}/${REGION}/c1.c.json`,
    ]);
    // Deploy each proposed key on its group and judge the result.
    const keys = proposed.map((p, i) => key(`new-${i}`, { policy: p.policy }));
    const deployed = inventory({
      clusters: [
        cluster(
          'c1',
          proposed.map((p, i) =>
            group(p.label.split('/')[1]!, {
              executionRole: p.executionRoles[0]!,
              volumes: [rootVolume(keys[i]!.arn), secondaryVolume(keys[i]!.arn)],
            }),
          ),
        ),
      ],
      keys,
      roles: proposed.map((p) => role(p.executionRoles[0]!)),
    });
    const findings = roundTrip(deployed, [], resolveConfig({ keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'] }));
    expect(findings.filter((f) => f.status !== 'PASS')).toEqual([]);
    expect(findings).toHaveLength(KEY_POLICY_RULES.length * 3);
  });
});

describe('bad input', () => {
  const inv = compliantEstate();
  const problem = (config: Config) => {
    const result = planKeyPolicies(inv, resolveConfig(config));
    if (result.ok) throw new Error('expected a problem');
    return result.error;
  };

  it('refuses a config without key admins instead of writing an unmanageable policy', () => {
    expect(problem({}).code).toBe('config.key_admins_missing');
  });

  it('refuses admins that would lock themselves out or are not admins', () => {
    const error = problem({
      keyAdmins: [
        `arn:aws:sts::${ACCOUNT}:assumed-role/KeyAdmin/alice`,
        `arn:aws:iam::${ACCOUNT}:root`,
        `arn:aws:iam::${ACCOUNT}:group/admins`,
        ADMIN_ROLE,
      ],
    });
    expect(error.code).toBe('config.key_admins_invalid');
    expect(error.problems?.map((p) => p.path)).toEqual([
      '$.keyAdmins[0]',
      '$.keyAdmins[1]',
      '$.keyAdmins[2]',
    ]);
  });

  it('refuses admins that no key policy can name exactly', () => {
    expect(problem({ keyAdmins: [`arn:aws:iam::${ACCOUNT}:role/KeyAdmin-*`] }).code).toBe(
      'config.key_admins_not_exact',
    );
  });

  it('refuses an admin that is also an execution role', () => {
    expect(problem({ keyAdmins: [EXEC_ROLE] }).code).toBe('config.admin_is_execution_role');
  });
});

describe('execution roles with a permissions boundary', () => {
  const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/boundary`;
  const estate = (boundary: NonNullable<Parameters<typeof role>[1]>['permissionsBoundary']) =>
    inventory({
      clusters: [cluster('c1', [group('workers', { volumes: [rootVolume(keyArn('k1'))] })])],
      keys: [key('k1')],
      roles: [role(EXEC_ROLE, { permissionsBoundary: boundary })],
    });
  const notesOf = (inv: Inventory) => plan(inv, { keyAdmins: [ADMIN_ROLE] }).policies[0]!.notes;

  it('a boundary that stops HyperPod, or could not be read, is noted beside the policy; one that allows it is not', () => {
    expect(notesOf(estate({ policyArn: BOUNDARY, kmsStatements: [] }))).toEqual([
      `execution role ${EXEC_ROLE} has a permissions boundary (${BOUNDARY}) that does not allow kms:CreateGrant or kms:DescribeKey on this key: allow it there too, or this policy will not let HyperPod use the key`,
    ]);
    expect(
      notesOf(
        estate({
          policyArn: BOUNDARY,
          kmsStatements: [{ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }],
        }),
      ),
    ).toEqual([expect.stringContaining('that does not allow kms:CreateGrant on this key')]);
    expect(notesOf(estate({ policyArn: BOUNDARY, reason: 'not defined in the scanned files' }))).toEqual([
      `execution role ${EXEC_ROLE} has a permissions boundary (${BOUNDARY}) that could not be read: check that it allows kms:CreateGrant and kms:DescribeKey on this key`,
    ]);
    expect(
      notesOf(
        estate({
          policyArn: BOUNDARY,
          kmsStatements: [{ Effect: 'Allow', Action: 'kms:*', Resource: keyArn('k1') }],
        }),
      ),
    ).toEqual([]);
  });
});

describe('groups whose keys HyperPod does not honour', () => {
  it('names no execution role of a legacy-mode or restricted group and notes one of unknown mode', () => {
    const k1 = key('k1');
    const inv = inventory({
      clusters: [
        cluster('c1', [
          group('workers', { volumes: [rootVolume(k1.arn)] }),
          group('nova', {
            kind: 'restricted',
            executionRole: roleArn('exec-nova'),
            volumes: [rootVolume(k1.arn)],
          }),
        ]),
        cluster(
          'legacy',
          [group('old', { executionRole: roleArn('exec-old'), volumes: [rootVolume(k1.arn)] })],
          {
            nodeProvisioningMode: null,
          },
        ),
        cluster(
          'c9',
          [group('maybe', { executionRole: roleArn('exec-maybe'), volumes: [rootVolume(k1.arn)] })],
          {
            nodeProvisioningMode: { unresolved: 'var.mode', reason: 'no value' },
          },
        ),
      ],
      keys: [k1],
      roles: [
        role(EXEC_ROLE),
        role(roleArn('exec-nova')),
        role(roleArn('exec-old')),
        role(roleArn('exec-maybe')),
      ],
    });
    const planned = plan(inv, { keyAdmins: [ADMIN_ROLE] }).policies;
    const existing = planned.find((p) => p.kind === 'existing')!;
    expect(existing.executionRoles).toEqual([roleArn('exec-maybe'), EXEC_ROLE]);
    expect(existing.instanceGroups).toEqual([
      `${inv.clusters[0]!.arn}/instance-group/workers`,
      `${inv.clusters[2]!.arn}/instance-group/maybe`,
    ]);
    expect(existing.notes).toEqual([
      'the provisioning mode of cluster c9 is unknown: instance group c9/maybe uses this key only in Continuous mode; remove its execution role if it is not',
      'serves 2 instance groups: AWS recommends one key per instance group (see the proposed keys)',
    ]);
  });
});
