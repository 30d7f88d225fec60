/**
 * An execution role defined in IaC is judged on every policy attached to it: the KMS statements of
 * the policies the files define, those of the AWS managed policies the catalogue knows, and, for
 * any other policy (defined elsewhere, or depending on an input), the knowledge that the files do
 * not say everything. A permission such a policy could give is never read as refused (no false
 * FAIL), and the absence of a wide statement in the part that was read is never read as none at
 * all (no false PASS).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import type { ExecutionRole } from '../../src/model/inventory.js';
import { InventorySchema } from '../../src/model/inventory.js';
import { readPolicy } from '../../src/parsers/common/role-builder.js';
import { ACCOUNT, PARTITION, Sym, Unknown } from '../../src/parsers/common/value.js';
import { scanIac } from '../../src/parsers/iac.js';
import { runPipeline } from '../../src/pipeline.js';
import { awsManagedPolicy, KNOWN_AWS_MANAGED_POLICIES } from '../../src/policy/aws-managed-policies.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function scanFiles(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'hpcmk-roles-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const result = await scanIac({ paths: ['.'], cwd: dir, generatedAt: NOW.toISOString() });
  if (!result.ok) throw new Error(`${result.error.input}: ${result.error.message}`);
  expect(InventorySchema.safeParse(result.value.inventory).success).toBe(true);
  const { report } = runPipeline(result.value.inventory, { now: NOW, issues: result.value.issues });
  return { findings: report.findings, roles: result.value.inventory.roles };
}

const only = (findings: readonly Finding[], ruleId: string): Finding => {
  const found = findings.filter((finding) => finding.ruleId === ruleId);
  expect(found).toHaveLength(1);
  return found[0]!;
};

const verdict = (finding: Finding) => [finding.status, finding.messageId];

/**
 * A key with its default policy (which delegates to IAM: only the role's own policies can let it
 * create grants), a cluster whose group uses it, and the execution role `role` (YAML, indented
 * under Resources).
 */
function template(role: string, more = ''): string {
  return `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  WorkersKey:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
  WorkersRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: hyperpod-workers
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: sagemaker.amazonaws.com }
            Action: sts:AssumeRole
${role}
${more}
  Cluster:
    Type: AWS::SageMaker::Cluster
    Properties:
      ClusterName: roles
      NodeProvisioningMode: Continuous
      Orchestrator:
        Eks:
          ClusterArn: arn:aws:eks:us-east-1:111122223333:cluster/ml
      InstanceGroups:
        - InstanceGroupName: workers
          InstanceType: ml.g5.8xlarge
          InstanceCount: 1
          ExecutionRole: !GetAtt WorkersRole.Arn
          LifeCycleConfig:
            SourceS3Uri: s3://sagemaker-lifecycle-111122223333
            OnCreate: on_create.sh
          InstanceStorageConfigs:
            - EbsVolumeConfig:
                RootVolume: true
                VolumeKmsKeyId: !GetAtt WorkersKey.Arn
`;
}

/** The inline policy HyperPod needs, scoped to the group's key. */
const GRANTS = `      Policies:
        - PolicyName: workers-key
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: [kms:CreateGrant, kms:DescribeKey]
                Resource: !GetAtt WorkersKey.Arn`;

const roleOf = (roles: readonly ExecutionRole[]): ExecutionRole => {
  expect(roles).toHaveLength(1);
  return roles[0]!;
};

describe('CloudFormation execution roles', () => {
  it('AWS managed policies the catalogue knows keep the role whole: the inline grant PASSes', async () => {
    const { findings, roles } = await scanFiles({
      'stack.yaml': template(`${GRANTS}
      ManagedPolicyArns:
        - !Sub arn:\${AWS::Partition}:iam::aws:policy/AmazonSageMakerClusterInstanceRolePolicy
        - arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore`),
    });
    const role = roleOf(roles);
    expect(role.policiesCollected).toBe(true);
    expect(role.unreadPolicies).toBeUndefined();
    expect(role.kmsStatements).toHaveLength(1);
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
    expect(verdict(only(findings, 'hyperpod-execution-role-kms-scope'))).toEqual(['PASS', 'scoped']);
  });

  it('a group that names by literal ARN the role the same template defines by name is judged on that role', async () => {
    const { findings, roles } = await scanFiles({
      'stack.yaml': template(GRANTS).replace(
        'ExecutionRole: !GetAtt WorkersRole.Arn',
        'ExecutionRole: arn:aws:iam::111122223333:role/hyperpod-workers',
      ),
    });
    expect(roleOf(roles).arn).toBe(`arn:${PARTITION}:iam::${ACCOUNT}:role/hyperpod-workers`);
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
    expect(verdict(only(findings, 'hyperpod-execution-role-kms-scope'))).toEqual(['PASS', 'scoped']);
  });

  it('a managed policy defined elsewhere: what the files grant still PASSes, the scope is UNKNOWN naming it', async () => {
    const { findings, roles } = await scanFiles({
      'stack.yaml': template(`${GRANTS}
      ManagedPolicyArns:
        - arn:aws:iam::111122223333:policy/team-extra`),
    });
    const role = roleOf(roles);
    expect(role.policiesCollected).toBe(false);
    expect(role.unreadPolicies).toEqual([
      'managed policy arn:aws:iam::111122223333:policy/team-extra (not defined in the scanned files)',
    ]);
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
    const scope = only(findings, 'hyperpod-execution-role-kms-scope');
    expect(verdict(scope)).toEqual(['UNKNOWN', 'notCollected']);
    expect(scope.message).toContain('arn:aws:iam::111122223333:policy/team-extra');
  });

  it('no grant in the files and a policy defined elsewhere: UNKNOWN naming the policy, not a FAIL', async () => {
    const { findings } = await scanFiles({
      'stack.yaml': template(`      ManagedPolicyArns:
        - arn:aws:iam::111122223333:policy/hyperpod-kms`),
    });
    const grants = only(findings, 'hyperpod-key-grants-execution-role');
    expect(verdict(grants)).toEqual(['UNKNOWN', 'undetermined']);
    expect(grants.message).toContain(
      "the key policy delegates to IAM and not all of the role's IAM policies are in the scanned files " +
        '(managed policy arn:aws:iam::111122223333:policy/hyperpod-kms (not defined in the scanned files))',
    );
  });

  it('a role whose policies are all known and grant nothing of KMS: FAIL notGranted, scope NOT_APPLICABLE', async () => {
    const { findings, roles } = await scanFiles({
      'stack.yaml': template(`      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AmazonSageMakerClusterInstanceRolePolicy`),
    });
    expect(roleOf(roles)).toMatchObject({ policiesCollected: true, kmsStatements: [] });
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['FAIL', 'notGranted']);
    expect(verdict(only(findings, 'hyperpod-execution-role-kms-scope'))).toEqual([
      'NOT_APPLICABLE',
      'noKmsStatements',
    ]);
  });

  it('a managed policy the stack defines, attached by Ref, or attaching itself through Roles', async () => {
    for (const [role, more] of [
      [
        `      ManagedPolicyArns:
        - !Ref KeyPolicy`,
        '',
      ],
      ['', '    # the policy names the role'],
    ] as const) {
      const attachesItself = role === '';
      const { findings, roles } = await scanFiles({
        'stack.yaml': template(
          role,
          `  KeyPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
${attachesItself ? '      Roles: [!Ref WorkersRole]\n' : ''}      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: [kms:CreateGrant, kms:DescribeKey]
            Resource: !GetAtt WorkersKey.Arn${more}`,
        ),
      });
      expect(roleOf(roles).policiesCollected).toBe(true);
      expect(roleOf(roles).kmsStatements).toHaveLength(1);
      expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
    }
  });

  it('AWS::IAM::RolePolicy attaches to the role it names', async () => {
    const { findings } = await scanFiles({
      'stack.yaml': template(
        '',
        `  KeyPolicy:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: !Ref WorkersRole
      PolicyName: key
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: [kms:CreateGrant, kms:DescribeKey]
            Resource: '*'`,
      ),
    });
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
    expect(verdict(only(findings, 'hyperpod-execution-role-kms-scope'))).toEqual(['FAIL', 'wide']);
  });

  it('AdministratorAccess and PowerUserAccess grant every key: the scope FAILs, the grant PASSes', async () => {
    for (const policy of ['AdministratorAccess', 'PowerUserAccess']) {
      const { findings } = await scanFiles({
        'stack.yaml': template(`      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/${policy}`),
      });
      expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
      const scope = only(findings, 'hyperpod-execution-role-kms-scope');
      expect(verdict(scope)).toEqual(['FAIL', 'wide']);
      expect(scope.message).toContain('may kms:Encrypt, kms:Decrypt');
      expect(scope.message).toContain('kms:CreateGrant on every key');
    }
  });

  it('a statement that allows all but some other service (NotAction) is a KMS statement', async () => {
    const { findings, roles } = await scanFiles({
      'stack.yaml': template(`      Policies:
        - PolicyName: everything-but-iam
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                NotAction: iam:*
                Resource: '*'
              - Effect: Allow
                Action: s3:GetObject
                Resource: '*'`),
    });
    expect(roleOf(roles).kmsStatements).toEqual([{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }]);
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
    expect(verdict(only(findings, 'hyperpod-execution-role-kms-scope'))).toEqual(['FAIL', 'wide']);
  });

  it('a wide statement read FAILs the scope even when another policy is not in the files', async () => {
    const { findings } = await scanFiles({
      'stack.yaml': template(`      Policies:
        - PolicyName: wide
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: kms:CreateGrant
                Resource: '*'
      ManagedPolicyArns:
        - arn:aws:iam::111122223333:policy/elsewhere`),
    });
    const scope = only(findings, 'hyperpod-execution-role-kms-scope');
    expect(verdict(scope)).toEqual(['FAIL', 'wide']);
    expect(scope.evidence).toMatchObject({
      unreadPolicies: [
        'managed policy arn:aws:iam::111122223333:policy/elsewhere (not defined in the scanned files)',
      ],
    });
  });

  it('an inline policy or a list of managed policies that depends on a parameter is unread, by name', async () => {
    const { roles, findings } = await scanFiles({
      'stack.yaml': template(
        `      Policies:
        - PolicyName: from-input
          PolicyDocument: !Ref PolicyJson
      ManagedPolicyArns: !Ref ExtraPolicies`,
      ).replace(
        'Resources:',
        'Parameters:\n  PolicyJson: { Type: String }\n  ExtraPolicies: { Type: CommaDelimitedList }\nResources:',
      ),
    });
    const role = roleOf(roles);
    expect(role.policiesCollected).toBe(false);
    expect(role.unreadPolicies).toHaveLength(2);
    expect(role.unreadPolicies![0]).toMatch(/^inline policy from-input \(.*PolicyJson/);
    expect(role.unreadPolicies![1]).toMatch(/^the policies of ManagedPolicyArns \(/);
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual([
      'UNKNOWN',
      'undetermined',
    ]);
  });
});

describe('many policies defined elsewhere', () => {
  it('each is in the inventory; messages name ten and count the rest', async () => {
    const arns = Array.from(
      { length: 25 },
      (_, i) => `        - arn:aws:iam::111122223333:policy/extra-${i}`,
    ).join('\n');
    const { roles, findings } = await scanFiles({
      'stack.yaml': template(`      ManagedPolicyArns:
${arns}`),
    });
    expect(roleOf(roles).unreadPolicies).toHaveLength(25);
    const grants = only(findings, 'hyperpod-key-grants-execution-role');
    expect(grants.message).toContain('policy/extra-9 (not defined in the scanned files); and 15 more)');
  });
});

describe('CloudFormation inline policies under a condition', () => {
  it('a policy the template adds only when a parameter says so is unread, naming the parameter', async () => {
    const { roles, findings } = await scanFiles({
      'stack.yaml': template(`      Policies:
        - !If
          - WithKms
          - PolicyName: kms
            PolicyDocument:
              Statement:
                - Effect: Allow
                  Action: [kms:CreateGrant, kms:DescribeKey]
                  Resource: '*'
          - !Ref AWS::NoValue`).replace(
        'Resources:',
        "Parameters:\n  Kms: { Type: String }\nConditions:\n  WithKms: !Equals [!Ref Kms, 'yes']\nResources:",
      ),
    });
    expect(roleOf(roles).unreadPolicies).toEqual([
      expect.stringMatching(/^inline policy \(unnamed\) \(.*Kms/),
    ]);
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual([
      'UNKNOWN',
      'undetermined',
    ]);
  });
});

describe('permissions boundaries in IaC', () => {
  it('CloudFormation: an AWS managed boundary without KMS stops what the role policy allows', async () => {
    const { findings, roles } = await scanFiles({
      'stack.yaml': template(`${GRANTS}
      PermissionsBoundary: arn:aws:iam::aws:policy/AmazonS3FullAccess`),
    });
    expect(roleOf(roles).permissionsBoundary).toEqual({
      policyArn: 'arn:aws:iam::aws:policy/AmazonS3FullAccess',
      kmsStatements: [],
    });
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual([
      'FAIL',
      'outsideBoundary',
    ]);
  });

  it('CloudFormation: a boundary the stack defines is read; one defined elsewhere leaves the grant UNKNOWN', async () => {
    const defined = await scanFiles({
      'stack.yaml': template(
        `${GRANTS}
      PermissionsBoundary: !Ref Boundary`,
        `  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: kms:*
            Resource: !GetAtt WorkersKey.Arn`,
      ),
    });
    expect(verdict(only(defined.findings, 'hyperpod-key-grants-execution-role'))).toEqual([
      'PASS',
      'granted',
    ]);
    const elsewhere = await scanFiles({
      'stack.yaml': template(`${GRANTS}
      PermissionsBoundary: arn:aws:iam::111122223333:policy/boundary`),
    });
    expect(roleOf(elsewhere.roles).permissionsBoundary).toEqual({
      policyArn: 'arn:aws:iam::111122223333:policy/boundary',
      reason: 'not defined in the scanned files',
    });
    const grants = only(elsewhere.findings, 'hyperpod-key-grants-execution-role');
    expect(verdict(grants)).toEqual(['UNKNOWN', 'undetermined']);
    expect(grants.message).toContain(
      "the role's permissions boundary arn:aws:iam::111122223333:policy/boundary could not be read (not defined in the scanned files)",
    );
  });
});

describe('Terraform execution roles', () => {
  const cluster = `
resource "aws_kms_key" "workers" {
  enable_key_rotation = true
}

resource "aws_iam_role" "workers" {
  name               = "hyperpod-workers"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "sagemaker.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

resource "awscc_sagemaker_cluster" "this" {
  cluster_name           = "roles"
  node_provisioning_mode = "Continuous"
  orchestrator = { eks = { cluster_arn = "arn:aws:eks:us-east-1:111122223333:cluster/ml" } }
  instance_groups = [
    {
      instance_group_name = "workers"
      instance_type       = "ml.g5.8xlarge"
      instance_count      = 1
      execution_role      = aws_iam_role.workers.arn
      life_cycle_config   = { source_s3_uri = "s3://sagemaker-lifecycle-111122223333", on_create = "on_create.sh" }
      instance_storage_configs = [
        { ebs_volume_config = { root_volume = true, volume_kms_key_id = aws_kms_key.workers.arn } },
      ]
    }
  ]
}
`;
  const grants = `
resource "aws_iam_policy" "key" {
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["kms:CreateGrant", "kms:DescribeKey"], Resource = aws_kms_key.workers.arn }]
  })
}
`;

  it('aws_iam_role_policy_attachment of a policy the module defines, and of a catalogued AWS one', async () => {
    const { findings, roles } = await scanFiles({
      'main.tf': `${cluster}${grants}
resource "aws_iam_role_policy_attachment" "key" {
  role       = aws_iam_role.workers.name
  policy_arn = aws_iam_policy.key.arn
}

data "aws_partition" "current" {}

resource "aws_iam_role_policy_attachment" "instance" {
  role       = aws_iam_role.workers.name
  policy_arn = "arn:\${data.aws_partition.current.partition}:iam::aws:policy/AmazonSageMakerClusterInstanceRolePolicy"
}
`,
    });
    expect(roleOf(roles)).toMatchObject({ policiesCollected: true });
    expect(roleOf(roles).kmsStatements).toHaveLength(1);
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
    expect(verdict(only(findings, 'hyperpod-execution-role-kms-scope'))).toEqual(['PASS', 'scoped']);
  });

  it('an AWS managed policy looked up by ARN (data "aws_iam_policy") is read from the catalogue; by name, unread', async () => {
    const byArn = await scanFiles({
      'main.tf': `${cluster}${grants}
resource "aws_iam_role_policy_attachment" "key" {
  role       = aws_iam_role.workers.name
  policy_arn = aws_iam_policy.key.arn
}

data "aws_iam_policy" "instance" {
  arn = "arn:aws:iam::aws:policy/AmazonSageMakerClusterInstanceRolePolicy"
}

resource "aws_iam_role_policy_attachment" "instance" {
  role       = aws_iam_role.workers.name
  policy_arn = data.aws_iam_policy.instance.arn
}
`,
    });
    expect(roleOf(byArn.roles)).toMatchObject({ policiesCollected: true });
    expect(verdict(only(byArn.findings, 'hyperpod-execution-role-kms-scope'))).toEqual(['PASS', 'scoped']);
    const byName = await scanFiles({
      'main.tf': `${cluster}
data "aws_iam_policy" "instance" {
  name = "AmazonSageMakerClusterInstanceRolePolicy"
}

resource "aws_iam_role_policy_attachment" "instance" {
  role       = aws_iam_role.workers.name
  policy_arn = data.aws_iam_policy.instance.arn
}
`,
    });
    expect(roleOf(byName.roles).unreadPolicies).toEqual([
      'managed policy data.aws_iam_policy.instance.arn (data.aws_iam_policy.instance is read from AWS when Terraform plans)',
    ]);
  });

  it('permissions_boundary: PowerUserAccess lets every KMS action through', async () => {
    const { findings, roles } = await scanFiles({
      'main.tf': `${cluster.replace(
        'name               = "hyperpod-workers"',
        'name               = "hyperpod-workers"\n  permissions_boundary = "arn:aws:iam::aws:policy/PowerUserAccess"',
      )}${grants}
resource "aws_iam_role_policy_attachment" "key" {
  role       = aws_iam_role.workers.name
  policy_arn = aws_iam_policy.key.arn
}
`,
    });
    expect(roleOf(roles).permissionsBoundary).toEqual({
      policyArn: 'arn:aws:iam::aws:policy/PowerUserAccess',
      kmsStatements: [
        { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
      ],
    });
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
  });

  it('a policy attached from outside the module: UNKNOWN naming it, where it was a FAIL', async () => {
    const { findings, roles } = await scanFiles({
      'main.tf': `${cluster}
resource "aws_iam_role_policy_attachment" "outside" {
  role       = aws_iam_role.workers.name
  policy_arn = "arn:aws:iam::111122223333:policy/hyperpod-kms"
}
`,
    });
    expect(roleOf(roles).unreadPolicies).toEqual([
      'managed policy arn:aws:iam::111122223333:policy/hyperpod-kms (not defined in the scanned files)',
    ]);
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual([
      'UNKNOWN',
      'undetermined',
    ]);
    expect(verdict(only(findings, 'hyperpod-execution-role-kms-scope'))).toEqual(['UNKNOWN', 'notCollected']);
  });

  it('managed_policy_arns and aws_iam_policy_attachment (roles list) are read too', async () => {
    const withArns = await scanFiles({
      'main.tf': `${cluster.replace(
        'name               = "hyperpod-workers"',
        'name               = "hyperpod-workers"\n  managed_policy_arns = [aws_iam_policy.key.arn, "arn:aws:iam::aws:policy/AmazonS3FullAccess"]',
      )}${grants}`,
    });
    expect(roleOf(withArns.roles)).toMatchObject({ policiesCollected: true });
    expect(verdict(only(withArns.findings, 'hyperpod-key-grants-execution-role'))).toEqual([
      'PASS',
      'granted',
    ]);
    const attached = await scanFiles({
      'main.tf': `${cluster}${grants}
resource "aws_iam_policy_attachment" "key" {
  name       = "key"
  roles      = [aws_iam_role.workers.name]
  policy_arn = aws_iam_policy.key.arn
}
`,
    });
    expect(verdict(only(attached.findings, 'hyperpod-key-grants-execution-role'))).toEqual([
      'PASS',
      'granted',
    ]);
  });

  it('inline policies a dynamic block makes over a value the files do not give are unread, by name', async () => {
    const { roles } = await scanFiles({
      'main.tf': `${cluster.replace(
        'name               = "hyperpod-workers"',
        `name               = "hyperpod-workers"
  dynamic "inline_policy" {
    for_each = var.policies
    content {
      name   = inline_policy.key
      policy = inline_policy.value
    }
  }`,
      )}
variable "policies" {
  type = map(string)
}
`,
    });
    expect(roleOf(roles).policiesCollected).toBe(false);
    expect(roleOf(roles).unreadPolicies).toEqual([
      'the policies of inline_policy (variable policies has no default and no value was given)',
    ]);
  });

  it('inline policies a dynamic block makes over a known map are read, one per element', async () => {
    const { roles } = await scanFiles({
      'main.tf': `${cluster.replace(
        'name               = "hyperpod-workers"',
        `name               = "hyperpod-workers"
  dynamic "inline_policy" {
    for_each = { kms = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["kms:CreateGrant", "kms:DescribeKey"], Resource = "*" }] }) }
    content {
      name   = inline_policy.key
      policy = inline_policy.value
    }
  }`,
      )}`,
    });
    expect(roleOf(roles).policiesCollected).toBe(true);
    expect(roleOf(roles).kmsStatements).toEqual([
      { Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' },
    ]);
  });

  it('aws_iam_role_policy_attachments_exclusive attaches the policies it lists', async () => {
    const { findings, roles } = await scanFiles({
      'main.tf': `${cluster}${grants}
resource "aws_iam_role_policy_attachments_exclusive" "workers" {
  role_name   = aws_iam_role.workers.name
  policy_arns = [aws_iam_policy.key.arn, "arn:aws:iam::111122223333:policy/elsewhere"]
}
`,
    });
    expect(roleOf(roles).kmsStatements).toHaveLength(1);
    expect(roleOf(roles).unreadPolicies).toEqual([
      'managed policy arn:aws:iam::111122223333:policy/elsewhere (not defined in the scanned files)',
    ]);
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
  });

  it('a role with no policy at all is in the inventory, whole: FAIL notGranted against a delegating key', async () => {
    const { findings, roles } = await scanFiles({ 'main.tf': cluster });
    expect(roleOf(roles)).toMatchObject({ policiesCollected: true, kmsStatements: [] });
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['FAIL', 'notGranted']);
    expect(verdict(only(findings, 'hyperpod-execution-role-kms-scope'))).toEqual([
      'NOT_APPLICABLE',
      'noKmsStatements',
    ]);
  });
});

describe('readPolicy', () => {
  const statement = { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' };

  it('keeps the statements that concern KMS, from an object or its JSON text', () => {
    const document = {
      Version: '2012-10-17',
      Statement: [statement, { Effect: 'Allow', Action: 's3:*', Resource: '*' }],
    };
    expect(readPolicy(document)).toEqual([statement]);
    expect(readPolicy(JSON.stringify(document))).toEqual([statement]);
    expect(readPolicy(new Sym(JSON.stringify(document)))).toEqual([statement]);
    // A document without Version keeps that it has none: its ${...} are literal text.
    expect(readPolicy({ Statement: { Effect: 'Allow', Action: 'k*:Create*', Resource: '*' } })).toEqual([
      { Effect: 'Allow', Action: 'k*:Create*', Resource: '*', documentVersion: null },
    ]);
  });

  it('says why a document cannot be read', () => {
    expect(readPolicy(undefined)).toEqual({ unread: 'it has no policy document' });
    expect(readPolicy('{"Statement": [')).toEqual({ unread: 'its document is not valid JSON' });
    expect(readPolicy({ Version: '2012-10-17' })).toEqual({
      unread: 'its document is not a policy document',
    });
    expect(readPolicy({ Statement: [{ Effect: 'Maybe', Action: 'kms:*' }] })).toEqual({
      unread: 'a statement is not a policy statement',
    });
    const deep = `{"Statement":[{"Effect":"Allow","Action":${'['.repeat(200_000)}${']'.repeat(200_000)},"Resource":"*"}]}`;
    expect(readPolicy(deep)).toEqual({ unread: 'its document is nested deeper than 32 levels' });
    expect(readPolicy(new Unknown('var.policy', 'var.policy has no value'))).toEqual({
      unread: 'var.policy: var.policy has no value',
    });
    // Whether its ${...} are policy variables depends on its Version.
    expect(
      readPolicy({ Version: new Unknown('var.version', 'var.version has no value'), Statement: [statement] }),
    ).toEqual({ unread: 'its Version is var.version: var.version has no value' });
  });

  it('an input in a statement matters only when the statement may concern KMS', () => {
    const input = new Unknown('var.bucket', 'var.bucket has no value');
    expect(
      readPolicy({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: input }, statement] }),
    ).toEqual([{ ...statement, documentVersion: null }]);
    expect(readPolicy({ Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: input }] })).toEqual({
      unread: 'a statement depends on var.bucket: var.bucket has no value',
    });
    expect(readPolicy({ Statement: [{ Effect: 'Allow', Action: input, Resource: '*' }] })).toEqual({
      unread: 'a statement depends on var.bucket: var.bucket has no value',
    });
  });
});

describe('the catalogue of AWS managed policies', () => {
  it('is the list docs/iac-scanning.md gives', () => {
    const docs = readFileSync(new URL('../../docs/iac-scanning.md', import.meta.url), 'utf8');
    const section = docs.slice(
      docs.indexOf('**an AWS managed policy the project knows**'),
      docs.indexOf('**anything else**'),
    );
    const named = [...section.matchAll(/`((?:service-role\/)?[A-Z][A-Za-z0-9_]+)`/g)].map((m) => m[1]);
    expect(new Set(named)).toEqual(new Set(KNOWN_AWS_MANAGED_POLICIES));
  });

  it('knows a policy by its ARN in any partition, path included, and nothing else', () => {
    expect(
      awsManagedPolicy('arn:aws:iam::aws:policy/AmazonSageMakerClusterInstanceRolePolicy')?.kmsStatements,
    ).toEqual([]);
    expect(
      awsManagedPolicy('arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')?.name,
    ).toBe('service-role/AWSLambdaBasicExecutionRole');
    expect(awsManagedPolicy('arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole')).toBeUndefined();
    expect(awsManagedPolicy('arn:aws:iam::111122223333:policy/AmazonS3FullAccess')).toBeUndefined();
    expect(awsManagedPolicy('arn:aws:iam::aws:policy/ReadOnlyAccess')).toBeUndefined();
    expect(awsManagedPolicy('arn:aws:iam::aws:policy/AmazonSageMakerFullAccess')?.kmsStatements).toEqual([
      {
        Sid: 'AllowAWSServiceActions',
        Effect: 'Allow',
        Action: ['kms:DescribeKey', 'kms:ListAliases'],
        Resource: '*',
      },
    ]);
  });
});

describe('Terraform plan execution roles', () => {
  /** A plan that creates a key (default policy: it delegates to IAM), a role, what `attach` attaches to it, and a cluster using both. */
  function plan(attach: {
    address: string;
    type: string;
    after: object;
    afterUnknown: object;
    expressions: object;
  }) {
    const change = (address: string, type: string, after: object, afterUnknown: object) => ({
      address,
      mode: 'managed',
      type,
      name: address.split('.')[1],
      change: { actions: ['create'], before: null, after, after_unknown: afterUnknown },
    });
    const configured = (address: string, type: string, expressions: object) => ({
      address,
      mode: 'managed',
      type,
      name: address.split('.')[1],
      expressions,
    });
    return JSON.stringify({
      format_version: '1.2',
      resource_changes: [
        change(
          'aws_kms_key.workers',
          'aws_kms_key',
          { enable_key_rotation: true },
          { arn: true, id: true, key_id: true },
        ),
        change(
          'aws_iam_role.workers',
          'aws_iam_role',
          { name: 'hyperpod-workers' },
          // Computed when the configuration leaves them out: not unread policies.
          { arn: true, id: true, unique_id: true, inline_policy: true, managed_policy_arns: true },
        ),
        change(attach.address, attach.type, attach.after, attach.afterUnknown),
        change(
          'awscc_sagemaker_cluster.this',
          'awscc_sagemaker_cluster',
          {
            cluster_name: 'roles',
            node_provisioning_mode: 'Continuous',
            orchestrator: { eks: { cluster_arn: 'arn:aws:eks:us-east-1:111122223333:cluster/ml' } },
            instance_groups: [
              {
                instance_group_name: 'workers',
                instance_type: 'ml.g5.8xlarge',
                instance_count: 1,
                life_cycle_config: { source_s3_uri: 's3://sagemaker-lifecycle', on_create: 'on_create.sh' },
                instance_storage_configs: [{ ebs_volume_config: { root_volume: true } }],
              },
            ],
          },
          {
            instance_groups: [
              {
                execution_role: true,
                instance_storage_configs: [{ ebs_volume_config: { volume_kms_key_id: true } }],
              },
            ],
          },
        ),
      ],
      configuration: {
        root_module: {
          resources: [
            configured('aws_kms_key.workers', 'aws_kms_key', {
              enable_key_rotation: { constant_value: true },
            }),
            configured('aws_iam_role.workers', 'aws_iam_role', {
              name: { constant_value: 'hyperpod-workers' },
            }),
            configured(attach.address, attach.type, attach.expressions),
            configured('awscc_sagemaker_cluster.this', 'awscc_sagemaker_cluster', {
              instance_groups: {
                references: [
                  'aws_iam_role.workers.arn',
                  'aws_iam_role.workers',
                  'aws_kms_key.workers.arn',
                  'aws_kms_key.workers',
                ],
              },
            }),
          ],
        },
      },
    });
  }
  const roleReference = { role: { references: ['aws_iam_role.workers.id', 'aws_iam_role.workers'] } };

  it('a role the plan creates is the group execution role it references, judged on its policies', async () => {
    const { findings, roles } = await scanFiles({
      'plan.json': plan({
        address: 'aws_iam_role_policy.key',
        type: 'aws_iam_role_policy',
        after: {
          name: 'key',
          policy: JSON.stringify({
            Statement: [{ Effect: 'Allow', Action: ['kms:CreateGrant', 'kms:DescribeKey'], Resource: '*' }],
          }),
        },
        afterUnknown: { id: true, role: true },
        expressions: { ...roleReference, policy: { constant_value: 'the policy' } },
      }),
    });
    expect(roles).toEqual([
      {
        arn: 'aws_iam_role.workers.arn',
        account: ACCOUNT,
        source: 'terraform-plan',
        kmsStatements: [
          {
            Effect: 'Allow',
            Action: ['kms:CreateGrant', 'kms:DescribeKey'],
            Resource: '*',
            documentVersion: null,
          },
        ],
        policiesCollected: true,
      },
    ]);
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
    expect(verdict(only(findings, 'hyperpod-execution-role-kms-scope'))).toEqual(['FAIL', 'wide']);
  });

  it('aws_iam_role_policy_attachments_exclusive in a plan attaches what it lists', async () => {
    const { findings } = await scanFiles({
      'plan.json': plan({
        address: 'aws_iam_role_policy_attachments_exclusive.workers',
        type: 'aws_iam_role_policy_attachments_exclusive',
        after: { policy_arns: ['arn:aws:iam::aws:policy/AdministratorAccess'] },
        afterUnknown: { role_name: true },
        expressions: {
          role_name: { references: ['aws_iam_role.workers.name', 'aws_iam_role.workers'] },
          policy_arns: { constant_value: ['arn:aws:iam::aws:policy/AdministratorAccess'] },
        },
      }),
    });
    expect(verdict(only(findings, 'hyperpod-key-grants-execution-role'))).toEqual(['PASS', 'granted']);
    expect(verdict(only(findings, 'hyperpod-execution-role-kms-scope'))).toEqual(['FAIL', 'wide']);
  });

  it('a policy attached by an ARN outside the plan: UNKNOWN naming it', async () => {
    const { findings, roles } = await scanFiles({
      'plan.json': plan({
        address: 'aws_iam_role_policy_attachment.outside',
        type: 'aws_iam_role_policy_attachment',
        after: { policy_arn: 'arn:aws:iam::111122223333:policy/hyperpod-kms' },
        afterUnknown: { id: true, role: true },
        expressions: {
          ...roleReference,
          policy_arn: { constant_value: 'arn:aws:iam::111122223333:policy/hyperpod-kms' },
        },
      }),
    });
    expect(roleOf(roles).unreadPolicies).toEqual([
      'managed policy arn:aws:iam::111122223333:policy/hyperpod-kms (not defined in the scanned files)',
    ]);
    const grants = only(findings, 'hyperpod-key-grants-execution-role');
    expect(verdict(grants)).toEqual(['UNKNOWN', 'undetermined']);
    expect(grants.message).toContain('arn:aws:iam::111122223333:policy/hyperpod-kms');
  });
});
