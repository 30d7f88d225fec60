/**
 * An UNKNOWN finding's remediation says how to get the missing data (the permission the scanning
 * role lacked, the IaC input to supply, the CloudTrail window to look up), derived from the gap or
 * the unresolved value, never the rule's fix for a failure; and every format that prints
 * remediation prints that.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.js';
import { IAM_POLICY_DOC } from '../../src/engine/missing-data.js';
import type { Gap, Inventory } from '../../src/model/inventory.js';
import { runPipeline } from '../../src/pipeline.js';
import { dashboardFromReport } from '../../src/reporters/html/data.js';
import { renderDashboard } from '../../src/reporters/html/render.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import { renderSarif } from '../../src/reporters/sarif.js';
import { renderTable } from '../../src/reporters/table.js';
import type { RuleContext, Verdict } from '../../src/rules/define-rule.js';
import { RULES } from '../../src/rules/registry.js';
import { cluster, compliantEstate, gap, group, inventory, keyArn, unresolved } from '../helpers/inventory.js';
import { stubRule } from './stub-rules.js';

const summaryOf = (ruleId: string) => RULES.find((r) => r.meta.id === ruleId)!.meta.remediation.summary;
const NOW = new Date('2026-11-27T12:00:00.000Z');
const findingsOf = (inv: Inventory) => evaluate(inv, { now: NOW }).findings;
const K1 = keyArn('k1');

function policyDenied(): Inventory {
  const estate = compliantEstate();
  const { policy: _policy, ...k1 } = estate.keys[0]!;
  return { ...estate, keys: [k1], gaps: [gap({ operation: 'GetKeyPolicy', resource: K1 })] };
}

describe('UNKNOWN remediation', () => {
  it('a denied call names the IAM action the scanning role lacked, with the policy document', () => {
    const unknown = findingsOf(policyDenied()).filter((f) => f.status === 'UNKNOWN');
    expect(unknown.length).toBeGreaterThan(0);
    for (const f of unknown) {
      expect(f.remediation, f.ruleId).toBe(
        'Grant the scanning role kms:GetKeyPolicy (docs/iam-policy.json lists every permission the scan needs), then scan again.',
      );
      expect(f.remediation).not.toBe(summaryOf(f.ruleId));
    }
  });

  it("a call only the key's own account may make names that account, the audit role and the calls", () => {
    // GetKeyPolicy and ListResourceTags are not cross-account
    // (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html).
    const estate = compliantEstate();
    const { policy: _policy, tags: _tags, ...k1 } = estate.keys[0]!;
    const owner = '444455556666';
    const crossAccount = (operation: string) =>
      gap({
        operation,
        resource: K1,
        account: owner,
        code: 'aws.cross_account',
        message: `${operation} only works from the key's own account ${owner}: add it to the scan (--accounts or --org with --role-name)`,
      });
    const inv = {
      ...estate,
      keys: [k1],
      gaps: [crossAccount('GetKeyPolicy'), crossAccount('ListResourceTags')],
    };
    const unknown = findingsOf(inv).filter((f) => f.status === 'UNKNOWN');
    expect(unknown.map((f) => f.ruleId).sort()).toEqual([
      'hyperpod-key-grants-execution-role',
      'kms-key-policy-least-privilege',
      'kms-key-policy-no-public-access',
      'kms-key-required-tags',
      'kms-key-separation-of-duties',
    ]);
    const fix = (calls: string) =>
      `${calls} can be called only from account ${owner}, which the scan does not cover: deploy the audit role there allowing ${calls} (${IAM_POLICY_DOC} lists every permission the scan needs), add ${owner} to --accounts (with --role-name), or scan with --org and --role-name, then scan again.`;
    for (const f of unknown)
      expect(f.remediation, f.ruleId).toBe(
        // A rule that needed only the tags names only the call that reads them.
        fix(f.ruleId === 'kms-key-required-tags' ? 'kms:ListResourceTags' : 'kms:GetKeyPolicy'),
      );
  });

  it('a cluster that could not be described names sagemaker:DescribeCluster', () => {
    const arn = 'arn:aws:sagemaker:us-east-1:111122223333:cluster/c9';
    const inv = inventory({
      clusters: [
        {
          ...cluster('c9', []),
          orchestrator: unresolved('DescribeCluster', 'DescribeCluster failed (aws.access_denied): denied'),
          nodeProvisioningMode: unresolved(
            'DescribeCluster',
            'DescribeCluster failed (aws.access_denied): denied',
          ),
          instanceGroupsUnresolved: unresolved(
            'DescribeCluster',
            'DescribeCluster failed (aws.access_denied): denied',
          ),
        },
      ],
      gaps: [gap({ service: 'sagemaker', operation: 'DescribeCluster', resource: arn })],
    });
    const unknown = findingsOf(inv).filter((f) => f.status === 'UNKNOWN');
    expect(unknown.length).toBeGreaterThan(1);
    for (const f of unknown)
      expect(f.remediation, f.ruleId).toBe(
        'Grant the scanning role sagemaker:DescribeCluster (docs/iam-policy.json lists every permission the scan needs), then scan again.',
      );
  });

  it('a throttled lookup says to scan again later, not to change the key', () => {
    const inv = {
      ...compliantEstate(),
      eventsCollected: [],
      gaps: [
        gap({ service: 'cloudtrail', operation: 'LookupEvents', code: 'aws.throttled', message: 'Rate' }),
      ],
    };
    const f = findingsOf(inv).find((x) => x.ruleId === 'kms-key-unauthorized-access-attempts')!;
    expect(f.status).toBe('UNKNOWN');
    expect(f.remediation).toBe(
      'cloudtrail:LookupEvents was throttled in 111122223333/us-east-1: scan again later.',
    );
  });

  it("a live value AWS's answer left unreadable says so, not that it is known only once deployed", () => {
    const reason =
      "DescribeCluster returned a storage configuration this scanner's AWS SDK does not know (EbsVolumeConfigV2): what it stores, and under which key, is unknown";
    const inv = inventory({
      clusters: [
        cluster('c1', [group('workers', { volumes: unresolved('InstanceStorageConfigs', reason) })]),
      ],
    });
    const f = findingsOf(inv).find((x) => x.ruleId === 'hyperpod-root-volume-cmk')!;
    expect(f.status).toBe('UNKNOWN');
    expect(f.remediation).toBe(
      `InstanceStorageConfigs could not be read from AWS's answer (${reason}): check it with the AWS CLI or console, then scan again.`,
    );
  });

  it('an unresolved CloudFormation value names the parameters to supply', () => {
    const inv = inventory({
      source: 'cloudformation',
      clusters: [
        cluster(
          'c1',
          [
            group('workers', {
              volumes: [
                {
                  role: 'root',
                  kmsKeyId: unresolved('!Ref KmsKeyArn', 'parameter KmsKeyArn has no value', ['KmsKeyArn']),
                },
              ],
            }),
          ],
          { source: 'cloudformation', location: { file: 'infra/hyperpod.yaml', line: 3 } },
        ),
      ],
    });
    const f = findingsOf(inv).find((x) => x.ruleId === 'hyperpod-root-volume-cmk')!;
    expect(f.status).toBe('UNKNOWN');
    expect(f.remediation).toBe(
      'Supply KmsKeyArn (with --parameters FILE) so that !Ref KmsKeyArn can be resolved, then scan again.',
    );
  });

  it('an unresolved Terraform value names the variables, and a value known only after apply says so', () => {
    const tf = (kmsKeyId: ReturnType<typeof unresolved>) =>
      inventory({
        source: 'terraform',
        clusters: [
          cluster('c1', [group('workers', { volumes: [{ role: 'root', kmsKeyId }] })], {
            source: 'terraform',
            location: { file: 'infra/main.tf', line: 3 },
          }),
        ],
      });
    const withInput = findingsOf(
      tf(unresolved('var.kms_key_arn', 'variable has no value', ['kms_key_arn'])),
    ).find((x) => x.ruleId === 'hyperpod-root-volume-cmk')!;
    expect(withInput.remediation).toBe(
      'Supply kms_key_arn (with --var-file FILE) so that var.kms_key_arn can be resolved, then scan again.',
    );
    const afterApply = findingsOf(tf(unresolved('aws_kms_key.k.arn', 'known after apply'))).find(
      (x) => x.ruleId === 'hyperpod-root-volume-cmk',
    )!;
    expect(afterApply.remediation).toBe(
      'aws_kms_key.k.arn is known only once deployed (known after apply): judge the deployed resources with `hyperpod-cmk scan`, or a Terraform plan (`terraform show -json`).',
    );
  });

  it('a CloudTrail window only partly looked up says which part to look up', () => {
    const inv = {
      ...compliantEstate(),
      eventsCollected: [{ account: '111122223333', region: 'us-east-1', since: '2026-11-20T12:00:00.000Z' }],
    };
    const f = findingsOf(inv).find((x) => x.ruleId === 'kms-key-unauthorized-access-attempts')!;
    expect(f.status).toBe('UNKNOWN');
    expect(f.remediation).toBe(
      'Look up CloudTrail events for the whole lookback window: collect again (`hyperpod-cmk scan` or `collect`) so that 2026-10-28T12:00:00.000Z to 2026-11-20T12:00:00.000Z is covered, or lower cloudtrail.lookbackDays to the window that was looked up.',
    );
  });

  it('FAIL findings keep the rule fix', () => {
    const inv = compliantEstate({ key: { rotation: { enabled: false } } });
    const f = findingsOf(inv).find((x) => x.ruleId === 'kms-key-rotation-enabled')!;
    expect(f.status).toBe('FAIL');
    expect(f.remediation).toBe(summaryOf('kms-key-rotation-enabled'));
  });
});

describe('every format that prints remediation prints the UNKNOWN one', () => {
  const { report } = runPipeline(policyDenied(), { now: NOW });
  const wanted = 'Grant the scanning role kms:GetKeyPolicy';
  const ruleFix = summaryOf('kms-key-policy-no-public-access');

  it('table', () => {
    const text = renderTable(report, { color: false, limit: 0 });
    expect(text).toContain(`→ ${wanted}`);
    expect(text).not.toContain(ruleFix);
  });
  it('markdown', () => {
    const text = renderMarkdown(report);
    expect(text).toContain('| Rule | Resource | Why | To find out |');
    expect(text).toContain(wanted);
    expect(text).not.toContain(ruleFix);
  });
  it('SARIF result message', () => {
    const sarif = JSON.parse(renderSarif(report));
    const results = sarif.runs[0].results.filter(
      (r: { ruleId: string; kind: string }) =>
        r.ruleId === 'kms-key-policy-no-public-access' && r.kind === 'review',
    );
    expect(results.length).toBe(1);
    expect(results[0].message.text).toContain(`To find out: ${wanted}`);
  });
  it('HTML dashboard: the how-to, without the rule fix or its CLI', () => {
    const data = dashboardFromReport(report);
    const f = data.findings.find((x) => x.ruleId === 'kms-key-policy-no-public-access')!;
    expect(f.remediation.startsWith(wanted)).toBe(true);
    expect(f.remediationCli).toBeUndefined();
    expect(renderDashboard(data)).toContain(wanted);
  });
  it('JSON field', () => {
    const f = report.findings.find((x) => x.ruleId === 'kms-key-policy-no-public-access')!;
    expect(f.remediation.startsWith(wanted)).toBe(true);
  });
});

describe('UNKNOWN remediation from evidence shared between findings', () => {
  const denied = (operation: string) => gap({ operation, resource: K1 });
  const groups = ['g1', 'g2', 'g3'].map((name) => ({
    type: 'instance-group' as const,
    id: `arn:aws:sagemaker:us-east-1:111111111111:cluster/c1/instance-group/${name}`,
  }));
  const unknownOn = (resource: (typeof groups)[number], evidence: Record<string, unknown>): Verdict => ({
    resource,
    status: 'UNKNOWN',
    messageId: 'unknown',
    data: { what: resource.id },
    evidence,
  });
  const remediations = (verdicts: (context: RuleContext) => Verdict[]) =>
    evaluate(compliantEstate(), {
      now: NOW,
      rules: [stubRule('kms-key-shared-evidence', verdicts)],
    }).findings.map((f) => f.remediation);

  it('frozen evidence shared by several findings gives each the remediation its gaps call for', () => {
    const shared = Object.freeze({ gaps: [denied('GetKeyPolicy')] });
    const other = Object.freeze({ gaps: [denied('ListGrants')] });
    const [a, b, c] = remediations(() => [
      unknownOn(groups[0]!, shared),
      unknownOn(groups[1]!, other),
      unknownOn(groups[2]!, shared),
    ]);
    expect(a).toBe(
      `Grant the scanning role kms:GetKeyPolicy (${IAM_POLICY_DOC} lists every permission the scan needs), then scan again.`,
    );
    expect(b).toBe(
      `Grant the scanning role kms:ListGrants (${IAM_POLICY_DOC} lists every permission the scan needs), then scan again.`,
    );
    expect(c).toBe(a);
  });

  it('evidence that is not frozen is read as it is when each finding is made', () => {
    const evidence: { gaps: Gap[] } = { gaps: [denied('GetKeyPolicy')] };
    const [first, second] = remediations(function* () {
      yield unknownOn(groups[0]!, evidence);
      evidence.gaps = [denied('DescribeKey')];
      yield unknownOn(groups[1]!, evidence);
    } as unknown as (context: RuleContext) => Verdict[]);
    expect(first).toContain('kms:GetKeyPolicy');
    expect(second).toContain('kms:DescribeKey');
    expect(second).not.toContain('kms:GetKeyPolicy');
  });
});
