/**
 * The detection Lambda: this project's rule engine, bundled (scripts/bundle-lambda.ts) from this
 * very source, not a copy. One function serves three triggers:
 *
 * 1. AWS Config, periodic (`ScheduledNotification`): collect every HyperPod cluster in the account
 *    and Region, evaluate, and report one evaluation per cluster through PutEvaluations.
 * 2. EventBridge, CloudTrail `CreateCluster` / `UpdateCluster`: evaluate that cluster at once and
 *    alert the SNS topic when it is not compliant.
 * 3. EventBridge, CloudTrail `ScheduleKeyDeletion` / `DisableKey` / `PutKeyPolicy`: when the key is a
 *    HyperPod key (tagged as one, or used by a cluster), alert the SNS topic.
 *
 * Configuration (environment): HYPERPOD_CMK_CONFIG (the hyperpod-cmk.yaml content as JSON),
 * HYPERPOD_CMK_KEY_TAGS (JSON object), ALERT_TOPIC_ARN, COMPLIANCE_RESOURCE_TYPE; optionally
 * HYPERPOD_CMK_DB_SECRET_ARN (the shared history, history.ts) and EVALUATION_ROLE_NAME (the
 * organization Config rule: a Config event about another account is evaluated with that
 * account's evaluation role, cross-account.ts).
 * A broken configuration throws: the invocation fails and its event goes to the dead-letter topic.
 */
import {
  ConfigServiceClient,
  GetComplianceDetailsByConfigRuleCommand,
  PutEvaluationsCommand,
} from '@aws-sdk/client-config-service';
import { DescribeKeyCommand, KMSClient, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { everyPage } from '../collectors/aws/pages.js';
import { requestHandlerOptions } from '../collectors/aws/timeouts.js';
import { ConfigSchema, policyEditors, type ResolvedConfig, resolveConfig } from '../config/schema.js';
import { type Evaluation, evaluate } from '../engine/evaluate.js';
import {
  ACCOUNT_RESOURCE_TYPE,
  accountEvaluation,
  batches,
  CLUSTER_RESOURCE_TYPE,
  type ComplianceResourceType,
  type ConfigEvaluation,
  clusterEvaluations,
} from '../guardrails/config-evaluations.js';
import type { Inventory } from '../model/inventory.js';
import { principalMatcher } from '../policy/principal.js';
import { ruleNeeds } from '../rules/define-rule.js';
import { RULES } from '../rules/registry.js';
import { createAwsCollector, type HyperPodCollector } from './collector.js';
import { assumedRoleCredentials, evaluationRoleArn } from './cross-account.js';
import { recordEvaluationHistory } from './history.js';

type Sender = { send(command: never): Promise<unknown> };
const sendWith = <T>(client: Sender, command: unknown) => client.send(command as never) as Promise<T>;

export interface HandlerDeps {
  collector: HyperPodCollector;
  configService: Sender;
  sns: Sender;
  kms: Sender;
  config: ResolvedConfig;
  keyTags: Readonly<Record<string, string>>;
  account: string;
  topicArn?: string | undefined;
  resourceType: ComplianceResourceType;
  now: () => Date;
  log: (entry: Record<string, unknown>) => void;
  /** The shared history's secret (HYPERPOD_CMK_DB_SECRET_ARN); every evaluation is recorded when set. */
  historySecretArn?: string | undefined;
  /** Reads that secret (Secrets Manager, with the function's own credentials). */
  secrets?: Sender | undefined;
  /** How long one statement of a history save may take (ms); default history.ts's bound. */
  historyQueryTimeoutMs?: number | undefined;
  /**
   * The organization Config rule: the dependencies for another account of the organization (its
   * evaluation role's credentials), or why there are none. Absent: this function evaluates its own
   * account only.
   */
  forAccount?:
    | ((account: string) => { ok: true; deps: HandlerDeps } | { ok: false; reason: string })
    | undefined;
}

export type HandlerResult =
  | {
      kind: 'config-rule';
      resourceType: string;
      testMode: boolean;
      evaluations: ConfigEvaluation[];
      fallback?: string;
      gaps: number;
    }
  | { kind: 'cluster-change'; cluster: string; status: string; alerted: boolean; failing: string[] }
  | { kind: 'key-change'; key: string; hyperPodKey: boolean; alerted: boolean; approved: boolean }
  | { kind: 'ignored'; reason: string };

/** The rules the periodic Config rule runs: all but those that read CloudTrail, which it does not collect. */
export const CONFIG_RULE_RULES = RULES.filter((rule) => !ruleNeeds(rule, 'cloudtrail-events', 'trails'));

interface ConfigRuleEvent {
  invokingEvent: string;
  ruleParameters?: string;
  resultToken?: string;
  configRuleName?: string;
  accountId?: string;
}

interface CloudTrailEvent {
  'detail-type': string;
  source: string;
  account?: string;
  time?: string;
  detail: {
    eventName?: string;
    eventSource?: string;
    eventTime?: string;
    errorCode?: string;
    errorMessage?: string;
    userIdentity?: { arn?: string; type?: string };
    requestParameters?: Record<string, unknown> | null;
    responseElements?: Record<string, unknown> | null;
    resources?: { ARN?: string; type?: string }[];
  };
}

const isConfigEvent = (event: unknown): event is ConfigRuleEvent =>
  typeof (event as ConfigRuleEvent)?.invokingEvent === 'string';
const isCloudTrailEvent = (event: unknown): event is CloudTrailEvent =>
  (event as CloudTrailEvent)?.['detail-type'] === 'AWS API Call via CloudTrail' &&
  typeof (event as CloudTrailEvent).detail === 'object';

const stringField = (record: Record<string, unknown> | null | undefined, ...names: string[]) => {
  for (const name of names) {
    const value = record?.[name];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
};

function evaluateInventory(deps: HandlerDeps, inventory: Inventory) {
  return evaluate(inventory, { config: deps.config, now: deps.now(), rules: CONFIG_RULE_RULES });
}

export function createHandler(deps: HandlerDeps): (event: unknown) => Promise<HandlerResult> {
  return async (event) => {
    if (isConfigEvent(event)) return configRule(deps, event);
    if (isCloudTrailEvent(event)) {
      if (event.source === 'aws.sagemaker') return clusterChange(deps, event);
      if (event.source === 'aws.kms') return keyChange(deps, event);
    }
    deps.log({ level: 'warn', message: 'unrecognized event', event });
    return { kind: 'ignored', reason: 'not a Config rule or CloudTrail event this function handles' };
  };
}

async function configRule(deps: HandlerDeps, event: ConfigRuleEvent): Promise<HandlerResult> {
  // An organization rule's event about a member account: evaluate that account, with its role.
  if (event.accountId !== undefined && event.accountId !== deps.account) {
    if (!deps.forAccount)
      throw new Error(
        `the Config event is about account ${JSON.stringify(event.accountId)}, but this function evaluates account ` +
          `${deps.account} only (no EVALUATION_ROLE_NAME: deploy the member stacks with RuleScope=Organization)`,
      );
    const other = deps.forAccount(event.accountId);
    if (!other.ok)
      throw new Error(`cannot evaluate account ${JSON.stringify(event.accountId)}: ${other.reason}`);
    return configRule(other.deps, event);
  }
  const invoking = JSON.parse(event.invokingEvent) as {
    messageType?: string;
    notificationCreationTime?: string;
  };
  const parameters = event.ruleParameters ? (JSON.parse(event.ruleParameters) as Record<string, string>) : {};
  if (invoking.messageType !== 'ScheduledNotification') {
    return { kind: 'ignored', reason: `message type ${invoking.messageType} (this rule is periodic)` };
  }
  const testMode = parameters.testMode === 'true';
  const resourceType =
    (parameters.complianceResourceType as ComplianceResourceType | undefined) ?? deps.resourceType;
  const orderingTimestamp = invoking.notificationCreationTime
    ? new Date(invoking.notificationCreationTime)
    : deps.now();
  const startedAt = deps.now();
  const inventory = await deps.collector.collect();
  const evaluation = evaluateInventory(deps, inventory);
  const finishedAt = deps.now();
  for (const gap of inventory.gaps) deps.log({ level: 'warn', message: 'not collected', gap });

  const previous =
    resourceType === CLUSTER_RESOURCE_TYPE && event.configRuleName && !testMode
      ? await previouslyEvaluated(deps, event.configRuleName)
      : [];
  let evaluations =
    resourceType === CLUSTER_RESOURCE_TYPE
      ? clusterEvaluations(evaluation, { orderingTimestamp, previouslyEvaluated: previous })
      : [accountEvaluation(evaluation, { account: deps.account, orderingTimestamp })];
  let fallback: string | undefined;
  try {
    await putEvaluations(deps, evaluations, event.resultToken, testMode);
  } catch (error) {
    const name = (error as Error).name;
    if (resourceType !== CLUSTER_RESOURCE_TYPE || !/InvalidParameterValue|ValidationException/.test(name))
      throw error;
    // Config refused the cluster resource type: report the account instead, saying why.
    fallback = `Config refused ${CLUSTER_RESOURCE_TYPE} (${name}); reported per account`;
    deps.log({ level: 'warn', message: fallback, error: (error as Error).message });
    evaluations = [
      accountEvaluation(evaluation, { account: deps.account, orderingTimestamp, reason: fallback }),
    ];
    await putEvaluations(deps, evaluations, event.resultToken, testMode);
  }
  deps.log({ level: 'info', message: 'evaluations reported', count: evaluations.length, testMode });
  if (!testMode) await recordHistory(deps, { inventory, evaluation, startedAt, finishedAt });
  return {
    kind: 'config-rule',
    resourceType: fallback ? ACCOUNT_RESOURCE_TYPE : resourceType,
    testMode,
    evaluations,
    ...(fallback ? { fallback } : {}),
    gaps: inventory.gaps.length,
  };
}

/** Records an evaluation in the shared history when configured; never throws (history.ts logs). */
async function recordHistory(
  deps: HandlerDeps,
  scan: { inventory: Inventory; evaluation: Evaluation; startedAt: Date; finishedAt: Date; cluster?: string },
): Promise<void> {
  if (!deps.historySecretArn) return;
  if (!deps.secrets) {
    deps.log({ level: 'error', message: 'history not recorded: no Secrets Manager client' });
    return;
  }
  await recordEvaluationHistory({
    secretArn: deps.historySecretArn,
    secrets: deps.secrets,
    account: deps.account,
    ...scan,
    log: deps.log,
    ...(deps.historyQueryTimeoutMs !== undefined ? { queryTimeoutMs: deps.historyQueryTimeoutMs } : {}),
  });
}

async function putEvaluations(
  deps: HandlerDeps,
  evaluations: ConfigEvaluation[],
  resultToken: string | undefined,
  testMode: boolean,
): Promise<void> {
  if (!resultToken) throw new Error('the Config event carries no resultToken');
  for (const batch of batches(evaluations)) {
    const out = await sendWith<{ FailedEvaluations?: unknown[] }>(
      deps.configService,
      new PutEvaluationsCommand({ Evaluations: batch, ResultToken: resultToken, TestMode: testMode }),
    );
    if (out.FailedEvaluations?.length)
      deps.log({ level: 'error', message: 'Config rejected evaluations', failed: out.FailedEvaluations });
  }
}

interface ComplianceDetailsPage {
  EvaluationResults?: {
    EvaluationResultIdentifier?: {
      EvaluationResultQualifier?: { ResourceType?: string; ResourceId?: string };
    };
    ComplianceType?: string;
  }[];
  NextToken?: string;
}

/** The rule's earlier evaluations, page by page (the deps' client may be any sender, so no SDK paginator). */
async function* complianceDetails(
  deps: HandlerDeps,
  ruleName: string,
): AsyncGenerator<ComplianceDetailsPage> {
  let token: string | undefined;
  do {
    const page = await sendWith<ComplianceDetailsPage>(
      deps.configService,
      new GetComplianceDetailsByConfigRuleCommand({
        ConfigRuleName: ruleName,
        ComplianceTypes: ['COMPLIANT', 'NON_COMPLIANT'],
        NextToken: token,
      }),
    );
    yield page;
    token = page.NextToken;
  } while (token);
}

async function previouslyEvaluated(deps: HandlerDeps, ruleName: string): Promise<string[]> {
  // A set: a page repeated (or a resource listed twice) names each cluster once.
  const ids = new Set<string>();
  try {
    // A page token returned twice ends the reading (everyPage throws) instead of asking forever.
    for await (const page of everyPage(
      complianceDetails(deps, ruleName),
      'GetComplianceDetailsByConfigRule',
    )) {
      for (const result of page.EvaluationResults ?? []) {
        const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
        if (qualifier?.ResourceType === CLUSTER_RESOURCE_TYPE && qualifier.ResourceId)
          ids.add(qualifier.ResourceId);
      }
    }
  } catch (error) {
    // Not fatal: deleted clusters keep their last evaluation until the next run that can read them.
    deps.log({
      level: 'warn',
      message: 'could not read previous evaluations',
      error: (error as Error).message,
    });
  }
  return [...ids];
}

async function publish(deps: HandlerDeps, subject: string, message: string): Promise<boolean> {
  if (!deps.topicArn) {
    deps.log({ level: 'warn', message: 'no ALERT_TOPIC_ARN: alert only logged', subject, body: message });
    return false;
  }
  await sendWith(
    deps.sns,
    new PublishCommand({ TopicArn: deps.topicArn, Subject: subject.slice(0, 100), Message: message }),
  );
  return true;
}

async function clusterChange(deps: HandlerDeps, event: CloudTrailEvent): Promise<HandlerResult> {
  const { detail } = event;
  if (detail.errorCode)
    return { kind: 'ignored', reason: `${detail.eventName} failed (${detail.errorCode})` };
  // The field casing of CloudTrail requestParameters is unconfirmed (aws-facts §8.2): accept both.
  const cluster =
    stringField(detail.responseElements, 'clusterArn', 'ClusterArn') ??
    stringField(detail.requestParameters, 'clusterName', 'ClusterName');
  if (!cluster) return { kind: 'ignored', reason: `${detail.eventName} names no cluster` };
  const startedAt = deps.now();
  const inventory = await deps.collector.collect({ clusters: [cluster] });
  const evaluation = evaluateInventory(deps, inventory);
  const finishedAt = deps.now();
  const verdict = evaluation.compliance.clusters[0];
  if (!verdict) return { kind: 'ignored', reason: `cluster ${cluster} could not be described` };
  const compliant = verdict.status === 'compliant' || verdict.status === 'compliant-by-exception';
  let alerted = false;
  if (!compliant) {
    const problems = evaluation.findings
      .filter((f) => (f.status === 'FAIL' || f.status === 'UNKNOWN') && !f.suppressed)
      .slice(0, 25)
      .map((f) => `- [${f.status} ${f.severity}] ${f.ruleId}: ${f.message}`);
    alerted = await publish(
      deps,
      `HyperPod cluster ${verdict.name} is not CMK-compliant`,
      [
        `${detail.eventName} by ${detail.userIdentity?.arn ?? 'unknown principal'} at ${detail.eventTime ?? event.time ?? ''}`,
        `Cluster: ${verdict.id} (${verdict.region}, account ${verdict.account})`,
        `Status: ${verdict.status}`,
        '',
        ...problems,
        '',
        'Run `hyperpod-cmk scan` for the full report; `hyperpod-cmk rules explain <rule>` for the fix.',
      ].join('\n'),
    );
  }
  await recordHistory(deps, { inventory, evaluation, startedAt, finishedAt, cluster: verdict.id });
  return {
    kind: 'cluster-change',
    cluster: verdict.id,
    status: verdict.status,
    alerted,
    failing: [...verdict.failing, ...verdict.unknown],
  };
}

async function keyChange(deps: HandlerDeps, event: CloudTrailEvent): Promise<HandlerResult> {
  const { detail } = event;
  const ref =
    detail.resources?.find((r) => r.ARN?.includes(':key/'))?.ARN ??
    stringField(detail.requestParameters, 'keyId', 'KeyId');
  if (!ref) return { kind: 'ignored', reason: `${detail.eventName} names no key` };
  let keyArn = ref;
  let tags: Record<string, string> = {};
  try {
    const described = await sendWith<{ KeyMetadata?: { Arn?: string; KeyManager?: string } }>(
      deps.kms,
      new DescribeKeyCommand({ KeyId: ref }),
    );
    if (described.KeyMetadata?.KeyManager === 'AWS') return { kind: 'ignored', reason: 'an AWS managed key' };
    keyArn = described.KeyMetadata?.Arn ?? ref;
    const listed = await sendWith<{ Tags?: { TagKey?: string; TagValue?: string }[] }>(
      deps.kms,
      new ListResourceTagsCommand({ KeyId: keyArn }),
    );
    tags = Object.fromEntries((listed.Tags ?? []).map((t) => [t.TagKey ?? '', t.TagValue ?? '']));
  } catch (error) {
    deps.log({ level: 'warn', message: 'could not read the key', key: ref, error: (error as Error).message });
  }
  const tagged =
    Object.keys(deps.keyTags).length > 0 && Object.entries(deps.keyTags).every(([k, v]) => tags[k] === v);
  let used = false;
  if (!tagged) {
    const inventory = await deps.collector.collect();
    used = inventory.clusters.some((c) =>
      c.instanceGroups.some(
        (g) =>
          Array.isArray(g.volumes) &&
          g.volumes.some((v) => v.resolution?.status === 'resolved' && v.resolution.keyArn === keyArn),
      ),
    );
  }
  const principal = detail.userIdentity?.arn ?? 'unknown principal';
  // The same judgement as kms-key-policy-change-unapproved: the same editors, and a session's ARN
  // leaves out its role's path.
  const editors = policyEditors(deps.config);
  const approved = principalMatcher(editors.patterns)(principal);
  if (!tagged && !used)
    return { kind: 'key-change', key: keyArn, hyperPodKey: false, alerted: false, approved };
  const outcome = detail.errorCode ? `ATTEMPTED and failed (${detail.errorCode})` : 'succeeded';
  const alerted = await publish(
    deps,
    `HyperPod key ${detail.eventName}${approved ? '' : ' by an unapproved principal'}`,
    [
      `${detail.eventName} on ${keyArn} ${outcome}`,
      `By: ${principal}${approved ? ` (approved: in ${editors.from})` : ` (NOT in ${editors.from})`}`,
      `At: ${detail.eventTime ?? event.time ?? ''}`,
      `Why this key matters: ${tagged ? `tagged ${JSON.stringify(deps.keyTags)}` : 'a HyperPod cluster volume uses it'}`,
      detail.eventName === 'ScheduleKeyDeletion'
        ? 'Every volume under this key becomes unreadable when it is deleted: `aws kms cancel-key-deletion --key-id <key>` stops it.'
        : detail.eventName === 'DisableKey'
          ? 'HyperPod cannot scale, patch or replace nodes while the key is disabled: `aws kms enable-key --key-id <key>`.'
          : 'Review the new policy: `aws kms get-key-policy --key-id <key> --policy-name default`.',
    ].join('\n'),
  );
  return { kind: 'key-change', key: keyArn, hyperPodKey: true, alerted, approved };
}

// ---------------------------------------------------------------------------------------------
// The Lambda entry point: dependencies from the environment, built once per container.

let cached: ((event: unknown) => Promise<HandlerResult>) | undefined;

export function depsFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  account: string,
): HandlerDeps {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  let raw: unknown = {};
  try {
    raw = env.HYPERPOD_CMK_CONFIG ? JSON.parse(env.HYPERPOD_CMK_CONFIG) : {};
  } catch (error) {
    throw new Error(`HYPERPOD_CMK_CONFIG is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`HYPERPOD_CMK_CONFIG is not a valid hyperpod-cmk config: ${parsed.error.message}`);
  const keyTags = env.HYPERPOD_CMK_KEY_TAGS
    ? (JSON.parse(env.HYPERPOD_CMK_KEY_TAGS) as Record<string, string>)
    : {};
  const clientConfig = {
    region,
    maxAttempts: 8,
    retryMode: 'adaptive' as const,
    requestHandler: requestHandlerOptions(),
  };
  const resourceType =
    env.COMPLIANCE_RESOURCE_TYPE === ACCOUNT_RESOURCE_TYPE ? ACCOUNT_RESOURCE_TYPE : CLUSTER_RESOURCE_TYPE;
  const config = resolveConfig(parsed.data);
  const historySecretArn = env.HYPERPOD_CMK_DB_SECRET_ARN || undefined;
  // The history secret is the function's own: read with its own credentials, for every account.
  const secrets = historySecretArn ? new SecretsManagerClient(clientConfig) : undefined;
  const forCredentials = (target: string, credentials?: AwsCredentialIdentityProvider): HandlerDeps => {
    const withCredentials = { ...clientConfig, ...(credentials ? { credentials } : {}) };
    return {
      collector: createAwsCollector({
        account: target,
        region,
        now: () => new Date(),
        ...(credentials ? { credentials } : {}),
      }),
      configService: new ConfigServiceClient(withCredentials),
      sns: new SNSClient(clientConfig),
      kms: new KMSClient(withCredentials),
      config,
      keyTags,
      account: target,
      topicArn: env.ALERT_TOPIC_ARN || undefined,
      resourceType,
      now: () => new Date(),
      log: (entry) => console.log(JSON.stringify(entry)),
      historySecretArn,
      secrets,
    };
  };
  const roleName = env.EVALUATION_ROLE_NAME;
  const members = new Map<string, HandlerDeps>();
  const sts = roleName ? new STSClient(clientConfig) : undefined;
  return {
    ...forCredentials(account),
    ...(roleName && sts
      ? {
          forAccount: (target: string) => {
            const role = evaluationRoleArn(target, roleName, region);
            if (!role.ok) return role;
            let deps = members.get(target);
            if (!deps) {
              deps = forCredentials(target, assumedRoleCredentials(sts, role.arn));
              members.set(target, deps);
            }
            return { ok: true as const, deps };
          },
        }
      : {}),
  };
}

/** The account the invocation is about: from the event, else from the function's own ARN. */
export function accountOf(event: unknown, functionArn: string | undefined): string {
  const e = event as { accountId?: string; account?: string; invokingEvent?: string };
  if (e?.accountId) return e.accountId;
  if (e?.account) return e.account;
  if (typeof e?.invokingEvent === 'string') {
    try {
      const id = (JSON.parse(e.invokingEvent) as { awsAccountId?: string }).awsAccountId;
      if (id) return id;
    } catch {
      // fall through
    }
  }
  return functionArn?.split(':')[4] ?? 'unknown';
}

export async function handler(
  event: unknown,
  context?: { invokedFunctionArn?: string },
): Promise<HandlerResult> {
  // The function's own account first: an organization rule's event names a member account.
  const own = context?.invokedFunctionArn?.split(':')[4];
  cached ??= createHandler(
    depsFromEnvironment(
      process.env,
      own && /^\d{12}$/.test(own) ? own : accountOf(event, context?.invokedFunctionArn),
    ),
  );
  return cached(event);
}
