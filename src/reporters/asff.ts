/**
 * AWS Security Finding Format (ASFF), for AWS Security Hub: `{ "Findings": [...] }`, the input of
 * `aws securityhub batch-import-findings` (at most 100 findings a call; see the README for a loop).
 *
 * - One ASFF finding per PASS, FAIL and UNKNOWN (Compliance.Status PASSED, FAILED, NOT_AVAILABLE);
 *   NOT_APPLICABLE results are left out, as Security Hub has no status for them.
 * - `Id` is the finding's fingerprint, so a later import updates the same Security Hub finding, and
 *   a FAIL that turns into a PASS shows as resolved.
 * - `ProductArn` is the account's own default product (`product/<account>/default`), which every
 *   account may import into without a partner integration.
 * - Suppressed findings keep their status; their workflow is SUPPRESSED and the reason is the Note.
 *   Security Hub resolves PASSED findings itself.
 * - Every finding needs a real account and Region: IaC findings have them only when `iac` was
 *   given `--account` and `--region`.
 */
import { isPlaceholder } from '../engine/lazy-finding.js';
import type { Finding } from '../model/finding.js';
import type { Report } from '../model/report.js';
import { shortened as clip } from '../model/text.js';
import { findRule } from '../rules/registry.js';
import { lazyArrayInDocument } from './json.js';
import { ReportUnavailable } from './unavailable.js';

export const ASFF_SCHEMA_VERSION = '2018-10-08';

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

const SEVERITY = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW' } as const;
const COMPLIANCE = { PASS: 'PASSED', FAIL: 'FAILED', UNKNOWN: 'NOT_AVAILABLE' } as const;

function partitionOf(arn: string): 'aws' | 'aws-cn' | 'aws-us-gov' {
  const partition = arn.startsWith('arn:') ? arn.split(':')[1] : undefined;
  return partition === 'aws-cn' || partition === 'aws-us-gov' ? partition : 'aws';
}

function resourceType(finding: Finding): string {
  switch (finding.resource.type) {
    case 'kms-key':
      return 'AwsKmsKey';
    case 'account':
      return 'AwsAccount';
    default:
      // Security Hub has no HyperPod resource type.
      return 'Other';
  }
}

function resourceId(finding: Finding, partition: string): string {
  const r = finding.resource;
  return r.type === 'account' ? `arn:${partition}:iam::${r.id}:root` : r.id;
}

export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  ProductName: string;
  CompanyName: string;
  GeneratorId: string;
  AwsAccountId: string;
  Region: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL'; Original: string };
  Title: string;
  Description: string;
  Remediation: { Recommendation: { Text: string; Url?: string } };
  ProductFields: Record<string, string>;
  Resources: {
    Type: string;
    Id: string;
    Partition: 'aws' | 'aws-cn' | 'aws-us-gov';
    Region: string;
    Details?: { Other: Record<string, string> };
  }[];
  Compliance: { Status: 'PASSED' | 'FAILED' | 'NOT_AVAILABLE'; RelatedRequirements?: string[] };
  Workflow: { Status: 'NEW' | 'SUPPRESSED' };
  RecordState: 'ACTIVE';
  Note?: { Text: string; UpdatedBy: string; UpdatedAt: string };
}

export function toAsff(report: Report): AsffFinding[] {
  return [...asffFindings(report)];
}

/**
 * What keeps a finding out of Security Hub: an account or Region missing (IaC leaves them as
 * CloudFormation's placeholders, `${AWS::AccountId}`, when the files do not say), or one that is not
 * an AWS account ID or Region name (a snapshot written by hand or tampered with).
 */
function placeProblems(account: string | undefined, region: string | undefined): string[] {
  const unset = (value: string | undefined) => value === undefined || isPlaceholder(value);
  const problems: string[] = [];
  if (unset(account)) problems.push('no AWS account');
  else if (!ACCOUNT.test(account!)) problems.push(`the account "${account}", not a 12-digit AWS account ID`);
  if (unset(region)) problems.push(problems.length > 0 ? 'no Region' : 'no AWS Region');
  else if (!REGION.test(region!)) problems.push(`the Region "${region}", not an AWS Region name`);
  return problems;
}

/**
 * The ASFF findings of a report, made one at a time (an organisation's report has close to a
 * million). Refuses the report first, before any is made, when a finding lacks an account or Region.
 */
function asffFindings(report: Report): Iterable<AsffFinding> {
  // NOT_APPLICABLE results are left out: Security Hub has no status for them.
  const findings = report.findings.filter((f) => f.status !== 'NOT_APPLICABLE');
  // An account finding has no Region of its own: it is filed in the first Region scanned.
  const regionOf = (f: Finding) =>
    f.resource.region ?? (f.resource.type === 'account' ? report.scan.regions[0] : undefined);
  const missing = findings.find(
    (f) => !ACCOUNT.test(f.resource.account ?? '') || !REGION.test(regionOf(f) ?? ''),
  );
  if (missing) {
    throw new ReportUnavailable(
      'asff',
      `${missing.resource.id} has ${placeProblems(missing.resource.account, regionOf(missing)).join(' and ')}, and every Security Hub finding needs both`,
      'for infrastructure-as-code, give `iac` the --account and --region it deploys to, or use --format sarif',
    );
  }
  return (function* () {
    for (const f of findings) yield asffFinding(report, f, regionOf(f)!);
  })();
}

function asffFinding(report: Report, f: Finding, region: string): AsffFinding {
  const time = report.scan.finishedAt;
  const rule = findRule(f.ruleId);
  const account = f.resource.account!;
  const partition = partitionOf(f.resource.id);
  const requirements = Object.entries(rule?.meta.frameworks ?? {}).flatMap(([framework, controls]) =>
    (controls ?? []).map((control) => clip(`${framework} ${control}`, 128)),
  );
  const details: Record<string, string> = {};
  if (f.resource.cluster) details.Cluster = clip(f.resource.cluster, 1023);
  if (f.resource.instanceGroup) details.InstanceGroup = clip(f.resource.instanceGroup, 1023);
  if (f.resource.keyArn && f.resource.type !== 'kms-key') details.KeyArn = clip(f.resource.keyArn, 1023);
  const passed = f.status === 'PASS';
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: `hyperpod-cmk/${f.fingerprint}`,
    ProductArn: `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`,
    ProductName: 'hyperpod-cmk',
    CompanyName: 'hyperpod-cmk',
    GeneratorId: `hyperpod-cmk/${f.ruleId}`,
    AwsAccountId: account,
    Region: region,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: time,
    UpdatedAt: time,
    Severity: { Label: passed ? 'INFORMATIONAL' : SEVERITY[f.severity], Original: f.severity },
    Title: clip(
      `${rule?.meta.title ?? f.ruleId}: ${f.resource.instanceGroup ? `${f.resource.cluster}/${f.resource.instanceGroup}` : (f.resource.cluster ?? f.resource.id)}`,
      256,
    ),
    Description: clip(f.message, 1024),
    Remediation: {
      Recommendation: {
        Text: clip(f.remediation, 512),
        ...(rule?.meta.references[0] ? { Url: rule.meta.references[0] } : {}),
      },
    },
    ProductFields: {
      'hyperpod-cmk/RuleId': f.ruleId,
      'hyperpod-cmk/MessageId': f.messageId,
      'hyperpod-cmk/Fingerprint': f.fingerprint,
      'hyperpod-cmk/Status': f.status,
      ProviderName: 'hyperpod-cmk',
      ProviderVersion: report.tool.version,
    },
    Resources: [
      {
        Type: resourceType(f),
        Id: clip(resourceId(f, partition), 512),
        Partition: partition,
        Region: region,
        ...(Object.keys(details).length > 0 ? { Details: { Other: details } } : {}),
      },
    ],
    Compliance: {
      Status: COMPLIANCE[f.status as keyof typeof COMPLIANCE],
      ...(requirements.length > 0 ? { RelatedRequirements: requirements.slice(0, 32) } : {}),
    },
    // Security Hub itself resolves a finding whose compliance status is PASSED.
    Workflow: { Status: f.suppressed ? 'SUPPRESSED' : 'NEW' },
    RecordState: 'ACTIVE',
    ...(f.suppressed
      ? {
          Note: {
            Text: clip(
              `Suppressed: ${f.suppressed.reason}${f.suppressed.expires ? ` (until ${f.suppressed.expires})` : ''}`,
              512,
            ),
            UpdatedBy: 'hyperpod-cmk',
            UpdatedAt: time,
          },
        }
      : {}),
  };
}

export function renderAsff(report: Report): string {
  return `${JSON.stringify({ Findings: toAsff(report) }, null, 2)}\n`;
}

/**
 * The same bytes as `renderAsff`, in pieces, for a writer that streams them to a file: the ASFF
 * findings are made and serialised a batch at a time (at 100,000 instance groups their text is
 * longer than a JavaScript string can be). Refuses the report before the first piece, as
 * `renderAsff` does.
 */
export function renderAsffChunks(report: Report): Iterable<string> {
  return lazyArrayInDocument((placeholder) => ({ Findings: placeholder }), asffFindings(report));
}
