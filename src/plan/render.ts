/**
 * A migration plan as files: per cluster a runbook, the keys to create (CloudFormation and
 * Terraform), the update-cluster inputs (or, outside Continuous mode, the new cluster's instance
 * groups), the execution-role policies; at the root a README with the estimate and plan.json.
 * Pure: returns paths and contents.
 */
import { cloudFormationYaml } from '../guardrails/cloudformation-yaml.js';
import { hclString, hclValue } from '../guardrails/hcl.js';
import { pathSegment, shortHash } from '../guardrails/paths.js';
import { escapeControl, markdownText, shellWord } from '../reporters/escape.js';
import { lazyArrayInDocument } from '../reporters/json.js';
import type { ClusterPlan, GroupPlan, InPlaceStep, StreamedPlan } from './plan.js';
import { MODE_NOT_READ, MODE_NOT_SET, UPDATE_CLUSTER_DOC } from './plan.js';

export interface PlanFile {
  path: string;
  /** The text, or its pieces (plan.json of an organisation is longer than one string can be). */
  content: string | Iterable<string>;
}

/** Characters of plan.json serialised at a time (256 clusters of ten groups would be 40 MB). */
const PLAN_JSON_BATCH_LENGTH = 1 << 20;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const tagParameter = (name: string) => `Tag${name.replace(/[^A-Za-z0-9]/g, '')}`;
const tfVariable = (name: string) => `tag_${name.replace(/[^A-Za-z0-9]/g, '_').toLowerCase()}`;

/** The longest stack name CloudFormation takes. */
const MAX_STACK_NAME = 128;

/**
 * The stack that creates a cluster's keys: `hyperpod-cmk-keys-` and the cluster's name, as
 * CloudFormation names stacks: letters, digits and hyphens, a letter first, at most 128 characters
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html). A name
 * with other characters (a snapshot's or a pull request's), or too long, has each of them as a
 * hyphen, is cut, and ends with a digest of the name, so that two clusters keep two stacks.
 */
function keysStackName(cluster: string): string {
  const name = `hyperpod-cmk-keys-${cluster}`;
  if (name.length <= MAX_STACK_NAME && /^[-a-zA-Z0-9]*$/.test(name)) return name;
  const digest = shortHash(cluster);
  return `${name.replace(/[^-a-zA-Z0-9]/g, '-').slice(0, MAX_STACK_NAME - digest.length - 1)}-${digest}`;
}
const usd = (n: number) => `$${n.toFixed(2)}`;

export function cloudFormationKeys(plan: ClusterPlan): string {
  const toFill = [...new Set(plan.keys.flatMap((key) => key.tagsToFill))].sort();
  const resources: Record<string, unknown> = {};
  const outputs: Record<string, unknown> = {};
  for (const key of plan.keys) {
    resources[key.resourceName] = {
      Type: 'AWS::KMS::Key',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        Description: `HyperPod volumes of ${key.forGroup}`,
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        EnableKeyRotation: true,
        RotationPeriodInDays: key.rotationPeriodInDays,
        PendingWindowInDays: 30,
        MultiRegion: key.multiRegion,
        KeyPolicy: key.policy,
        Tags: Object.entries(key.tags).map(([Key, Value]) => ({
          Key,
          Value: key.tagsToFill.includes(Key) ? { Ref: tagParameter(Key) } : Value,
        })),
      },
    };
    resources[`${key.resourceName}Alias`] = {
      Type: 'AWS::KMS::Alias',
      Properties: { AliasName: key.alias, TargetKeyId: { Ref: key.resourceName } },
    };
    outputs[`${key.resourceName}Arn`] = {
      Description: `${key.alias}: the VolumeKmsKeyId of ${key.forGroup}'s replacement`,
      Value: { 'Fn::GetAtt': [key.resourceName, 'Arn'] },
    };
  }
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `hyperpod-cmk plan: customer managed keys for ${plan.cluster.name} (${plan.cluster.account} ${plan.cluster.region})`,
    ...(toFill.length > 0
      ? {
          Parameters: Object.fromEntries(
            toFill.map((name) => [
              tagParameter(name),
              {
                Type: 'String',
                MinLength: 1,
                Description: `the "${name}" tag (required by the config; not known from the inventory)`,
              },
            ]),
          ),
        }
      : {}),
    Resources: resources,
    Outputs: outputs,
  };
  return cloudFormationYaml(template);
}

export function cloudFormationReplicas(plan: ClusterPlan, region: string): string {
  const keys = plan.keys.filter((key) => key.replicaRegion === region);
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `hyperpod-cmk plan: replicas in ${region} of the keys of ${plan.cluster.name} (deploy in ${region} after keys.cfn.yaml)`,
    Parameters: Object.fromEntries(
      keys.map((key) => [
        `${key.resourceName}PrimaryArn`,
        { Type: 'String', Description: `${key.alias}: the ${key.resourceName}Arn output of keys.cfn.yaml` },
      ]),
    ),
    Resources: Object.fromEntries(
      keys.map((key) => [
        `${key.resourceName}Replica`,
        {
          Type: 'AWS::KMS::ReplicaKey',
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
          Properties: {
            PrimaryKeyArn: { Ref: `${key.resourceName}PrimaryArn` },
            Description: `DR replica of ${key.alias}`,
            PendingWindowInDays: 30,
            KeyPolicy: key.policy,
            Tags: Object.entries(key.tags)
              .filter(([name]) => !key.tagsToFill.includes(name))
              .map(([Key, Value]) => ({ Key, Value })),
          },
        },
      ]),
    ),
  };
  return cloudFormationYaml(template);
}

export function terraformKeys(plan: ClusterPlan): string {
  const toFill = [...new Set(plan.keys.flatMap((key) => key.tagsToFill))].sort();
  const replicaRegions = [
    ...new Set(plan.keys.flatMap((key) => (key.replicaRegion ? [key.replicaRegion] : []))),
  ];
  const lines: string[] = [
    `# hyperpod-cmk plan: customer managed keys for ${plan.cluster.name} (${plan.cluster.account} ${plan.cluster.region}).`,
    `# The default provider must be account ${plan.cluster.account}, Region ${plan.cluster.region}.`,
    '',
  ];
  for (const region of replicaRegions)
    lines.push(
      `provider "aws" {`,
      `  alias  = ${hclString(`replica_${region.replace(/-/g, '_')}`)}`,
      `  region = ${hclString(region)}`,
      '}',
      '',
    );
  for (const name of toFill)
    lines.push(
      `variable ${hclString(tfVariable(name))} {`,
      `  type        = string`,
      `  description = ${hclString(`the "${name}" tag (required by the config; not known from the inventory)`)}`,
      '}',
      '',
    );
  for (const key of plan.keys) {
    const name = key.resourceName.toLowerCase();
    const tags = Object.entries(key.tags)
      .map(
        ([k, v]) =>
          `    ${hclString(k)} = ${key.tagsToFill.includes(k) ? `var.${tfVariable(k)}` : hclString(v)}`,
      )
      .join('\n');
    lines.push(
      `resource "aws_kms_key" ${hclString(name)} {`,
      `  description              = ${hclString(`HyperPod volumes of ${key.forGroup}`)}`,
      `  key_usage                = "ENCRYPT_DECRYPT"`,
      `  customer_master_key_spec = "SYMMETRIC_DEFAULT"`,
      `  enable_key_rotation      = true`,
      `  rotation_period_in_days  = ${key.rotationPeriodInDays}`,
      `  deletion_window_in_days  = 30`,
      `  multi_region             = ${key.multiRegion}`,
      `  policy = jsonencode(${hclValue(key.policy, '  ')})`,
      `  tags = {`,
      tags,
      `  }`,
      `  lifecycle {`,
      `    prevent_destroy = true`,
      `  }`,
      '}',
      '',
      `resource "aws_kms_alias" ${hclString(name)} {`,
      `  name          = ${hclString(key.alias)}`,
      `  target_key_id = aws_kms_key.${name}.key_id`,
      '}',
      '',
    );
    if (key.replicaRegion)
      lines.push(
        `resource "aws_kms_replica_key" ${hclString(name)} {`,
        `  provider                = aws.replica_${key.replicaRegion.replace(/-/g, '_')}`,
        `  primary_key_arn         = aws_kms_key.${name}.arn`,
        `  description             = ${hclString(`DR replica of ${key.alias}`)}`,
        `  deletion_window_in_days = 30`,
        `  policy                  = aws_kms_key.${name}.policy`,
        `  lifecycle {`,
        `    prevent_destroy = true`,
        `  }`,
        '}',
        '',
      );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/**
 * A `--query` selecting the instance group `name`: double-quoted as it always was when the name is
 * a plain one (every name CreateCluster takes); otherwise the name is a JMESPath raw string literal
 * (a `'` or `\\` escaped with a backslash, https://jmespath.org/specification.html#raw-string-literals)
 * and the whole query one single-quoted shell word.
 */
function groupQuery(name: string, select = ''): string {
  if (/^[A-Za-z0-9._-]+$/.test(name)) return `"InstanceGroups[?InstanceGroupName=='${name}']${select}"`;
  return shellWord(
    `InstanceGroups[?InstanceGroupName=='${name.replace(/[\\']/g, (char) => `\\${char}`)}']${select}`,
  );
}

const step = (n: number, s: InPlaceStep) =>
  `${n}. ${escapeControl(s.title)}\n\n   \`\`\`sh\n   ${escapeControl(s.command)}\n   ${escapeControl(s.check)}\n   \`\`\`\n`;

function groupLine(group: GroupPlan): string {
  const reasons = group.reasons.length > 0 ? ` (${group.reasons.join(', ')})` : '';
  return `| ${markdownText(group.name)} | ${group.action}${group.replacement ? ` → ${markdownText(group.replacement.name)}` : ''} | ${escapeControl(group.why)}${reasons} |`;
}

export function runbook(plan: ClusterPlan, files: ReadonlyMap<string, string>): string {
  const c = plan.cluster;
  const out: string[] = [];
  out.push(`# Migration plan: ${markdownText(c.name)}`, '');
  out.push(
    `Account ${markdownText(c.account)}, Region ${markdownText(c.region)}, orchestrator ${c.orchestrator}, provisioning mode ${c.mode === MODE_NOT_SET || c.mode === MODE_NOT_READ ? c.mode : markdownText(c.mode)}. ` +
      `Failing or unknown now: ${plan.failing.join(', ') || 'nothing'}. Path: **${plan.path}**.`,
    '',
  );
  out.push(
    `Estimate: ${plan.estimate.keysAdded} key(s) added${plan.estimate.replicaKeysAdded ? ` and ${plan.estimate.replicaKeysAdded} replica(s)` : ''}, ` +
      `about ${usd(plan.estimate.kmsUsdPerMonth)} a month of KMS key storage (before requests), ` +
      `${plan.estimate.groupsReplaced} instance group(s) replaced.`,
    '',
  );
  for (const note of plan.notes) out.push(`> ${escapeControl(note)}`, '');
  out.push('| instance group | action | why |', '|---|---|---|', ...plan.groups.map(groupLine), '');
  let n = 1;
  out.push(
    '## Steps',
    '',
    'Nothing here has been applied. Run the steps in order; each ends with the check to pass before the next.',
    '',
  );
  if (plan.preSteps.length > 0) {
    out.push(
      '### First: make the keys in use usable again',
      '',
      'You cannot migrate off a key you cannot use: the nodes of the old groups need it until their replacements take over.',
      '',
    );
    for (const s of plan.preSteps) out.push(step(n++, s));
  }
  if (plan.clusterTags)
    out.push(
      step(n++, {
        title: `Tag the cluster with ${plan.clusterTags.missing.join(', ')} (fill in the values)`,
        command: plan.clusterTags.command,
        check: `aws sagemaker list-tags --resource-arn ${shellWord(c.id)} --region ${shellWord(c.region)}`,
      }),
    );
  for (const s of plan.inPlace) out.push(step(n++, s));
  const replaced = plan.groups.filter((g) => g.replacement && g.action === 'replace');
  if (replaced.length > 0) {
    const toFill = [...new Set(plan.keys.flatMap((k) => k.tagsToFill))];
    out.push(
      `${n++}. Create the keys (one per instance group, least-privilege policy, rotation on${plan.keys.some((k) => k.multiRegion) ? ', multi-Region for DR' : ''}): deploy \`keys.cfn.yaml\` or apply \`keys.tf\` in account ${markdownText(c.account)}, ${markdownText(c.region)}${toFill.length ? ` (give the ${toFill.join(', ')} tag values)` : ''}.`,
      '',
      '   ```sh',
      `   aws cloudformation deploy --stack-name ${keysStackName(c.name)} --template-file keys.cfn.yaml --region ${shellWord(c.region)}${toFill.length ? ` --parameter-overrides ${toFill.map((t) => `${tagParameter(t)}=...`).join(' ')}` : ''}`,
      ...plan.keys.map(
        (k) =>
          `   aws kms describe-key --key-id ${shellWord(k.alias)} --region ${shellWord(c.region)} --query 'KeyMetadata.[KeyState,KeyManager]'   # Enabled, CUSTOMER`,
      ),
      '   ```',
      '',
    );
    for (const region of [...new Set(plan.keys.flatMap((k) => (k.replicaRegion ? [k.replicaRegion] : [])))])
      out.push(
        `${n++}. Create the DR replicas in ${markdownText(region)}: deploy \`keys-replica.${escapeControl(region)}.cfn.yaml\` there with the key ARNs output by the previous stack (Terraform does both in one apply).`,
        '',
      );
    for (const group of plan.groups.filter((g) => g.rolePolicy))
      out.push(
        `${n++}. Scope ${markdownText(group.rolePolicy!.roleName)}'s KMS permissions to the new key (by its tags), then remove its statement that allows KMS on every key:`,
        '',
        '   ```sh',
        `   aws iam put-role-policy --role-name ${shellWord(group.rolePolicy!.roleName)} --policy-name ${shellWord(group.rolePolicy!.policyName)} --policy-document ${shellWord(`file://iam/${pathSegment(group.rolePolicy!.policyName, 'name')}.json`)}`,
        '   ```',
        '',
      );
    if (plan.path === 'new-cluster') {
      out.push(
        `${n++}. Create the new cluster in Continuous mode with the replacement groups on their new keys. \`create-cluster-instance-groups.json\` holds the groups; the orchestrator (${c.orchestrator}), VPC configuration and the settings listed below are not in the inventory: copy them from \`aws sagemaker describe-cluster --cluster-name ${shellWord(c.name)} --region ${shellWord(c.region)}\`.`,
        '',
        '   ```sh',
        `   aws sagemaker create-cluster --cluster-name ${shellWord(`${c.name}-cmk`)} --region ${shellWord(c.region)} --node-provisioning-mode Continuous --instance-groups file://create-cluster-instance-groups.json --orchestrator ... --vpc-config ...`,
        `   aws sagemaker describe-cluster --cluster-name ${shellWord(`${c.name}-cmk`)} --region ${shellWord(c.region)} --query 'ClusterStatus'   # InService`,
        '   ```',
        '',
        `${n++}. Move the work to the new cluster, check it runs there, then delete ${markdownText(c.name)} (\`aws sagemaker delete-cluster --cluster-name ${shellWord(c.name)}\`).`,
        '',
      );
    } else {
      for (const group of replaced) {
        const r = group.replacement!;
        const add = files.get(`add:${group.name}`)!;
        const del = files.get(`delete:${group.name}`)!;
        out.push(
          `${n++}. Add ${markdownText(r.name)}, the replacement of ${markdownText(group.name)}, on ${markdownText(r.key.alias)}. Settings the inventory does not hold (${r.copyFromDescribe.join(', ')}): copy them from the old group into \`${add}\` before running it (see ${UPDATE_CLUSTER_DOC}).`,
          '',
          '   ```sh',
          `   aws sagemaker describe-cluster --cluster-name ${shellWord(c.name)} --region ${shellWord(c.region)} --query ${groupQuery(group.name)}`,
          `   aws sagemaker update-cluster --region ${shellWord(c.region)} --cli-input-json ${shellWord(`file://${add}`)}`,
          `   aws sagemaker describe-cluster --cluster-name ${shellWord(c.name)} --region ${shellWord(c.region)} --query ${groupQuery(r.name, '.[Status,CurrentCount,TargetCount]')}   # InService, counts equal`,
          `   hyperpod-cmk scan --region ${shellWord(c.region)}   # ${escapeControl(r.name)}: root and secondary volumes on ${escapeControl(r.key.alias)}`,
          '   ```',
          '',
          `${n++}. Move the work from ${markdownText(group.name)} to ${markdownText(r.name)} (drain and cordon the old nodes; check the jobs run on the new group).`,
          '',
          `${n++}. Delete ${markdownText(group.name)}, only after the previous check:`,
          '',
          '   ```sh',
          `   aws sagemaker update-cluster --region ${shellWord(c.region)} --cli-input-json ${shellWord(`file://${del}`)}`,
          `   aws sagemaker describe-cluster --cluster-name ${shellWord(c.name)} --region ${shellWord(c.region)} --query 'InstanceGroups[].InstanceGroupName'   # ${escapeControl(group.name)} gone`,
          '   ```',
          '',
        );
      }
    }
  }
  for (const group of plan.groups.filter((g) => g.action === 'restricted' || g.action === 'blocked'))
    out.push(`- ${markdownText(group.name)} (${group.action}): ${escapeControl(group.why)}.`);
  out.push(
    '',
    `Finally: \`hyperpod-cmk scan --region ${shellWord(c.region)}\` (or \`evaluate\` on a fresh snapshot) shows ${markdownText(c.name)} compliant. The old keys stay; once no group uses them, schedule their deletion through your key-retirement process.`,
    '',
  );
  return out.join('\n');
}

/**
 * The plan's files, each made when the writer asks for it: an organisation's plan is gigabytes
 * (ten thousand clusters' keys, templates and runbooks), which are written one file at a time,
 * never all held. The clusters are read twice (their files and the README, then plan.json): a
 * plan that makes its clusters as they are read (`migrationPlanner`) is never held whole either.
 */
export function* renderPlan(plan: StreamedPlan, projected: ReadonlyMap<string, string>): Generator<PlanFile> {
  const total = { keys: 0, usd: 0, groups: 0 };
  // The README's line of each cluster, made as its files are: all the README keeps of a plan.
  const rows: string[] = [];
  for (const cluster of plan.clusters) {
    const files: PlanFile[] = [];
    const dir = cluster.dir;
    const names = new Map<string, string>();
    if (cluster.keys.length > 0) {
      files.push({ path: `${dir}/keys.cfn.yaml`, content: cloudFormationKeys(cluster) });
      files.push({ path: `${dir}/keys.tf`, content: terraformKeys(cluster) });
      for (const region of [
        ...new Set(cluster.keys.flatMap((k) => (k.replicaRegion ? [k.replicaRegion] : []))),
      ])
        files.push({
          path: `${dir}/keys-replica.${region}.cfn.yaml`,
          content: cloudFormationReplicas(cluster, region),
        });
    }
    const replaced = cluster.groups.filter((g) => g.replacement && g.action === 'replace');
    if (cluster.path === 'new-cluster' && replaced.length > 0) {
      files.push({
        path: `${dir}/create-cluster-instance-groups.json`,
        content: json(replaced.flatMap((g) => g.replacement!.addInput.InstanceGroups ?? [])),
      });
    } else {
      replaced.forEach((group, i) => {
        const add = `update-cluster-${i + 1}a-add-${pathSegment(group.replacement!.name, 'name')}.json`;
        const del = `update-cluster-${i + 1}b-delete-${pathSegment(group.name, 'name')}.json`;
        names.set(`add:${group.name}`, add);
        names.set(`delete:${group.name}`, del);
        files.push({ path: `${dir}/${add}`, content: json(group.replacement!.addInput) });
        files.push({ path: `${dir}/${del}`, content: json(group.replacement!.deleteInput) });
      });
    }
    for (const group of cluster.groups.filter((g) => g.rolePolicy))
      files.push({
        path: `${dir}/iam/${pathSegment(group.rolePolicy!.policyName, 'name')}.json`,
        content: json(group.rolePolicy!.document),
      });
    files.push({ path: `${dir}/RUNBOOK.md`, content: runbook(cluster, names) });
    const c = cluster;
    rows.push(
      `| [${markdownText(c.cluster.name)}](${c.dir}/RUNBOOK.md) | ${c.cluster.account} | ${c.cluster.region} | ${c.path} | ${c.estimate.keysAdded + c.estimate.replicaKeysAdded} | ${usd(c.estimate.kmsUsdPerMonth)} | ${c.estimate.groupsReplaced} | ${projected.get(c.cluster.id) ?? 'not judged'} |`,
    );
    total.keys += c.estimate.keysAdded + c.estimate.replicaKeysAdded;
    total.usd += c.estimate.kmsUsdPerMonth;
    total.groups += c.estimate.groupsReplaced;
    yield* files;
  }
  const readme = [
    '# Migration plans',
    '',
    `From ${escapeControl(plan.source)}, ${plan.generatedAt}. Nothing has been applied: each folder holds one cluster's runbook (RUNBOOK.md) and its artefacts.`,
    '',
    '| cluster | account | Region | path | keys added | KMS / month | groups replaced | after the plan |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Total: ${total.keys} keys, about ${usd(total.usd)} a month of key storage, ${total.groups} instance groups replaced.`,
    '',
    `Already compliant, nothing planned: ${plan.compliant.map((name) => markdownText(name)).join(', ') || 'none'}.`,
    '',
    '"After the plan" is what hyperpod-cmk judges the estate to be once every step has run (the new keys as the templates create them).',
    '',
  ].join('\n');
  yield { path: 'README.md', content: readme };
  // The whole plan, its clusters serialised a batch at a time: the same bytes as JSON.stringify.
  yield {
    path: 'plan.json',
    content: lazyArrayInDocument((placeholder) => ({ ...plan, clusters: placeholder }), plan.clusters, {
      batchLength: PLAN_JSON_BATCH_LENGTH,
    }),
  };
}
