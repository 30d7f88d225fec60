/**
 * A validator for OCSF Compliance Finding events (OCSF 1.3.0), written from the class and object
 * definitions in https://github.com/ocsf/ocsf-schema:
 *
 * - events/base_event.json: required activity_id, category_uid, class_uid, metadata, severity_id,
 *   time, type_uid (severity_id enum from dictionary.json: 0 Unknown, 1 Informational, 2 Low,
 *   3 Medium, 4 High, 5 Critical, 6 Fatal, 99 Other); time is timestamp_t (epoch milliseconds);
 * - categories.json: findings = 2; events/findings/compliance_finding.json: uid 3 in findings, so
 *   class_uid 2003, extends finding; required compliance; recommended resources, remediation;
 * - events/findings/finding.json: activity_id 1 Create, 2 Update, 3 Close; required finding_info;
 *   status_id 1 New, 2 In Progress, 3 Suppressed, 4 Resolved, 5 Archived, 6 Deleted;
 *   type_uid = class_uid * 100 + activity_id;
 * - objects/compliance.json: required standards; status_id 1 Pass, 2 Warning, 3 Fail;
 * - objects/finding_info.json: required uid; objects/metadata.json: required product, version;
 *   objects/product.json: required name; objects/cloud.json (cloud profile): required provider;
 *   objects/account.json: type_id 10 AWS Account; objects/resource_details.json, _resource.json.
 *
 * Captions must match their ids (activity_name, category_name, class_name, severity, status,
 * compliance.status), and unknown top-level attributes are refused.
 */
import { z } from 'zod';

const SEVERITY = {
  0: 'Unknown',
  1: 'Informational',
  2: 'Low',
  3: 'Medium',
  4: 'High',
  5: 'Critical',
  6: 'Fatal',
  99: 'Other',
} as const;
const FINDING_STATUS = {
  1: 'New',
  2: 'In Progress',
  3: 'Suppressed',
  4: 'Resolved',
  5: 'Archived',
  6: 'Deleted',
  99: 'Other',
} as const;
const COMPLIANCE_STATUS = { 1: 'Pass', 2: 'Warning', 3: 'Fail', 99: 'Other' } as const;
const ACTIVITY = { 1: 'Create', 2: 'Update', 3: 'Close' } as const;

const idOf = <T extends Record<number, string>>(table: T) =>
  z
    .number()
    .int()
    .refine((id) => id in table, { message: `not one of ${Object.keys(table).join(', ')}` });
const timestamp = z.number().int().positive();

const Product = z
  .object({
    name: z.string().min(1),
    vendor_name: z.string().optional(),
    version: z.string().optional(),
    uid: z.string().optional(),
  })
  .strict();
const Metadata = z
  .object({
    version: z.string().regex(/^\d+\.\d+\.\d+/),
    product: Product,
    profiles: z.array(z.string()).optional(),
    event_code: z.string().optional(),
    uid: z.string().optional(),
  })
  .strict();
const FindingInfo = z
  .object({
    uid: z.string().min(1),
    title: z.string().optional(),
    desc: z.string().optional(),
    types: z.array(z.string()).optional(),
    created_time: timestamp.optional(),
    src_url: z.string().url().optional(),
  })
  .strict();
const Compliance = z
  .object({
    standards: z.array(z.string().min(1)).min(1),
    control: z.string().optional(),
    requirements: z.array(z.string()).optional(),
    status_id: idOf(COMPLIANCE_STATUS).optional(),
    status: z.string().optional(),
    status_code: z.string().optional(),
    status_detail: z.string().optional(),
  })
  .strict()
  .refine(
    (c) => c.status_id === undefined || c.status === COMPLIANCE_STATUS[c.status_id as 1 | 2 | 3 | 99],
    'compliance.status is the caption of compliance.status_id',
  );
const ResourceDetails = z
  .object({
    uid: z.string().optional(),
    name: z.string().optional(),
    type: z.string().optional(),
    region: z.string().optional(),
    cloud_partition: z.string().optional(),
    group: z.object({ name: z.string() }).strict().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    owner: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const Cloud = z
  .object({
    provider: z.string().min(1),
    region: z.string().optional(),
    account: z
      .object({
        uid: z.string().min(1),
        type: z.literal('AWS Account').optional(),
        type_id: z.literal(10).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const ComplianceFindingSchema = z
  .object({
    activity_id: idOf(ACTIVITY),
    activity_name: z.string().optional(),
    category_uid: z.literal(2),
    category_name: z.literal('Findings').optional(),
    class_uid: z.literal(2003),
    class_name: z.literal('Compliance Finding').optional(),
    type_uid: z.number().int(),
    type_name: z.string().optional(),
    severity_id: idOf(SEVERITY),
    severity: z.string().optional(),
    status_id: idOf(FINDING_STATUS).optional(),
    status: z.string().optional(),
    status_code: z.string().optional(),
    status_detail: z.string().optional(),
    time: timestamp,
    message: z.string().optional(),
    metadata: Metadata,
    finding_info: FindingInfo,
    compliance: Compliance,
    resources: z.array(ResourceDetails).optional(),
    remediation: z.object({ desc: z.string().optional() }).strict().optional(),
    cloud: Cloud.optional(),
    unmapped: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((event, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (event.type_uid !== event.class_uid * 100 + event.activity_id)
      fail('type_uid is class_uid * 100 + activity_id');
    if (event.activity_name !== undefined && event.activity_name !== ACTIVITY[event.activity_id as 1 | 2 | 3])
      fail('activity_name is the caption of activity_id');
    if (
      event.severity !== undefined &&
      event.severity !== SEVERITY[event.severity_id as keyof typeof SEVERITY]
    )
      fail('severity is the caption of severity_id');
    if (
      event.status !== undefined &&
      event.status_id !== undefined &&
      event.status !== FINDING_STATUS[event.status_id as keyof typeof FINDING_STATUS]
    )
      fail('status is the caption of status_id');
    if (event.metadata.profiles?.includes('cloud') && !event.cloud) fail('the cloud profile requires cloud');
  });

export const OcsfReportSchema = z.array(ComplianceFindingSchema);
