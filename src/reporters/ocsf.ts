/**
 * OCSF Compliance Finding events (class_uid 2003, category Findings), the form AWS Security Lake
 * and Prowler use: a JSON array, one event per PASS, FAIL and UNKNOWN finding (NOT_APPLICABLE
 * results are left out, as there is no compliance status for them). Built from the class and
 * object definitions of the ocsf/ocsf-schema repository (events/findings/compliance_finding.json,
 * finding.json, base_event.json; objects/compliance.json, finding_info.json, metadata.json,
 * product.json, resource_details.json, cloud.json), OCSF 1.3.0:
 *
 * - `compliance.status_id`: 1 Pass, 3 Fail, 2 Warning ("did not yield a result due to missing
 *   information": an UNKNOWN); `compliance.control` is the rule id, `standards` the frameworks the
 *   rule maps to (or hyperpod-cmk), `requirements` their controls;
 * - `status_id` (the finding's lifecycle): 1 New, or 3 Suppressed with the reason in `status_detail`;
 * - `severity_id`: 2 Low, 3 Medium, 4 High, 5 Critical; a PASS is 1 Informational;
 * - `finding_info.uid` is the finding's stable fingerprint, so a later import updates it;
 * - `time` is the scan's end, in epoch milliseconds; the cloud profile names AWS, the account and Region.
 */
import { isPlaceholder } from '../engine/lazy-finding.js';
import { parseIsoTime } from '../model/dates.js';
import type { Finding, Severity } from '../model/finding.js';
import type { Report } from '../model/report.js';
import { findRule } from '../rules/registry.js';
import { ruleDocsUrl } from '../version.js';
import { lazyArrayInDocument } from './json.js';

export const OCSF_VERSION = '1.3.0';

const SEVERITY_ID: Record<Severity, 2 | 3 | 4 | 5> = { low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_NAME = { 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical' } as const;
const COMPLIANCE_STATUS = {
  PASS: { id: 1, name: 'Pass' },
  UNKNOWN: { id: 2, name: 'Warning' },
  FAIL: { id: 3, name: 'Fail' },
} as const;

const RESOURCE_TYPE = {
  cluster: 'AWS::SageMaker::Cluster',
  'instance-group': 'AWS::SageMaker::Cluster InstanceGroup',
  'kms-key': 'AWS::KMS::Key',
  account: 'AWS::::Account',
} as const;

export interface OcsfComplianceFinding {
  activity_id: 1;
  activity_name: 'Create';
  category_uid: 2;
  category_name: 'Findings';
  class_uid: 2003;
  class_name: 'Compliance Finding';
  type_uid: 200301;
  type_name: 'Compliance Finding: Create';
  severity_id: 1 | 2 | 3 | 4 | 5;
  severity: (typeof SEVERITY_NAME)[keyof typeof SEVERITY_NAME];
  status_id: 1 | 3;
  status: 'New' | 'Suppressed';
  status_code: 'PASS' | 'FAIL' | 'UNKNOWN';
  status_detail?: string;
  time: number;
  message: string;
  metadata: {
    version: string;
    product: { name: string; vendor_name: string; version: string; uid: string };
    profiles: string[];
    event_code: string;
    uid: string;
  };
  finding_info: {
    uid: string;
    title: string;
    desc: string;
    types: string[];
    created_time: number;
    src_url?: string;
  };
  compliance: {
    control: string;
    standards: string[];
    requirements?: string[];
    status_id: 1 | 2 | 3;
    status: 'Pass' | 'Warning' | 'Fail';
    status_detail: string;
  };
  resources: {
    uid: string;
    name: string;
    type: string;
    region?: string;
    cloud_partition?: string;
    group?: { name: string };
    data?: Record<string, string>;
  }[];
  remediation: { desc: string };
  cloud: { provider: 'AWS'; region?: string; account?: { uid: string; type: 'AWS Account'; type_id: 10 } };
  unmapped?: Record<string, string>;
}

const partitionOf = (arn: string) => (arn.startsWith('arn:') ? arn.split(':')[1] : undefined);

function event(report: Report, f: Finding & { status: 'PASS' | 'FAIL' | 'UNKNOWN' }): OcsfComplianceFinding {
  const rule = findRule(f.ruleId);
  const time = parseIsoTime(report.scan.finishedAt) ?? Number.NaN;
  const r = f.resource;
  const severityId = f.status === 'PASS' ? 1 : SEVERITY_ID[f.severity];
  const frameworks = Object.entries(rule?.meta.frameworks ?? {}).filter(([, controls]) => controls?.length);
  const requirements = frameworks.flatMap(([framework, controls]) =>
    (controls ?? []).map((control) => `${framework} ${control}`),
  );
  const compliance = COMPLIANCE_STATUS[f.status];
  const region = known(r.region ?? (r.type === 'account' ? report.scan.regions[0] : undefined));
  const account = known(r.account);
  const data: Record<string, string> = {};
  if (r.cluster) data.cluster = r.cluster;
  if (r.instanceGroup) data.instance_group = r.instanceGroup;
  if (r.keyArn && r.type !== 'kms-key') data.key_arn = r.keyArn;
  if (r.location) data.location = `${r.location.file}${r.location.line ? `:${r.location.line}` : ''}`;
  const partition = partitionOf(r.id);
  const docs = ruleDocsUrl(f.ruleId);
  const until = f.suppressed?.expires ? ` (until ${f.suppressed.expires})` : '';
  return {
    activity_id: 1,
    activity_name: 'Create',
    category_uid: 2,
    category_name: 'Findings',
    class_uid: 2003,
    class_name: 'Compliance Finding',
    type_uid: 200301,
    type_name: 'Compliance Finding: Create',
    severity_id: severityId,
    severity: SEVERITY_NAME[severityId],
    status_id: f.suppressed ? 3 : 1,
    status: f.suppressed ? 'Suppressed' : 'New',
    status_code: f.status,
    ...(f.suppressed ? { status_detail: `Suppressed: ${f.suppressed.reason}${until}` } : {}),
    time,
    message: f.message,
    metadata: {
      version: OCSF_VERSION,
      product: {
        name: 'hyperpod-cmk',
        vendor_name: 'hyperpod-cmk',
        version: report.tool.version,
        uid: 'hyperpod-cmk',
      },
      profiles: ['cloud'],
      event_code: f.ruleId,
      uid: `${report.scan.id}/${f.fingerprint}`,
    },
    finding_info: {
      uid: f.fingerprint,
      title: rule?.meta.title ?? f.ruleId,
      desc: rule?.meta.rationale ?? f.message,
      types: [`hyperpod-cmk/${f.ruleId}`],
      created_time: time,
      ...(docs ? { src_url: docs } : {}),
    },
    compliance: {
      control: f.ruleId,
      standards: frameworks.length ? frameworks.map(([framework]) => framework) : ['hyperpod-cmk'],
      ...(requirements.length ? { requirements } : {}),
      status_id: compliance.id,
      status: compliance.name,
      status_detail: f.message,
    },
    resources: [
      {
        uid: r.id,
        name: r.instanceGroup ?? r.cluster ?? r.id,
        type: RESOURCE_TYPE[r.type],
        ...(region ? { region } : {}),
        ...(partition ? { cloud_partition: partition } : {}),
        ...(r.cluster && r.type !== 'cluster' ? { group: { name: r.cluster } } : {}),
        ...(Object.keys(data).length ? { data } : {}),
      },
    ],
    remediation: { desc: f.remediation },
    cloud: {
      provider: 'AWS',
      ...(region ? { region } : {}),
      ...(account ? { account: { uid: account, type: 'AWS Account', type_id: 10 } } : {}),
    },
    unmapped: { message_id: f.messageId, scan_id: report.scan.id, source: report.scan.source },
  };
}

/**
 * An account or Region the data gives, or undefined for IaC's placeholder of one the files do not
 * set (`${AWS::AccountId}`, `${AWS::Region}`): not an account's uid nor a Region's name, so the
 * event leaves it out, as it does when there is none.
 */
function known(value: string | undefined): string | undefined {
  return value === undefined || value === '' || isPlaceholder(value) ? undefined : value;
}

export function toOcsf(report: Report): OcsfComplianceFinding[] {
  return [...ocsfEvents(report)];
}

/** The events of a report (all findings but NOT_APPLICABLE ones), made one at a time. */
function* ocsfEvents(report: Report): Generator<OcsfComplianceFinding> {
  for (const f of report.findings)
    if (f.status !== 'NOT_APPLICABLE')
      yield event(report, f as Finding & { status: 'PASS' | 'FAIL' | 'UNKNOWN' });
}

export function renderOcsf(report: Report): string {
  return `${JSON.stringify(toOcsf(report), null, 2)}\n`;
}

/**
 * The same bytes as `renderOcsf`, in pieces, for a writer that streams them to a file: the events
 * are made and serialised a batch at a time, never held whole (an organisation's report has close
 * to a million, more than memory holds as OCSF objects).
 */
export function renderOcsfChunks(report: Report): Iterable<string> {
  return lazyArrayInDocument((placeholder) => placeholder, ocsfEvents(report));
}
