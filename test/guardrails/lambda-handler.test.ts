/**
 * What moto cannot show about the Config path (it records no evaluations and refuses nothing):
 * the fallback to an account evaluation when Config refuses the cluster resource type, retiring
 * deleted clusters, batching by 100, and UNKNOWN failing closed. AWS Config is mocked with
 * aws-sdk-client-mock; the inventory comes from a fake collector.
 */
import {
  ConfigServiceClient,
  GetComplianceDetailsByConfigRuleCommand,
  PutEvaluationsCommand,
} from '@aws-sdk/client-config-service';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { createHandler } from '../../src/lambda/handler.js';
import type { Inventory } from '../../src/model/inventory.js';
import {
  ACCOUNT,
  ADMIN_ROLE,
  cluster,
  compliantEstate,
  group,
  inventory,
  NOW,
} from '../helpers/inventory.js';

const configMock = mockClient(ConfigServiceClient);
const event = {
  invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification', notificationCreationTime: NOW }),
  resultToken: 'token',
  configRuleName: 'hyperpod-cmk-clusters',
  accountId: ACCOUNT,
};
const handlerFor = (inv: Inventory, log: (entry: Record<string, unknown>) => void = () => {}) =>
  createHandler({
    collector: { collect: async () => inv },
    configService: new ConfigServiceClient({ region: 'us-east-1' }),
    sns: { send: async () => ({}) },
    kms: { send: async () => ({}) },
    config: resolveConfig({ keyAdmins: [ADMIN_ROLE] }),
    keyTags: {},
    account: ACCOUNT,
    resourceType: 'AWS::SageMaker::Cluster',
    now: () => new Date(NOW),
    log,
  });
const sent = () => configMock.commandCalls(PutEvaluationsCommand).map((call) => call.args[0].input);

beforeEach(() => {
  configMock.reset();
  configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
  configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
});

describe('Config rule evaluations', () => {
  it('retires clusters evaluated before and gone now', async () => {
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({
      EvaluationResults: [
        {
          EvaluationResultIdentifier: {
            EvaluationResultQualifier: { ResourceType: 'AWS::SageMaker::Cluster', ResourceId: 'arn:gone' },
          },
          ComplianceType: 'NON_COMPLIANT',
        },
      ],
    });
    const result = await handlerFor(compliantEstate())(event);
    expect(
      result.kind === 'config-rule' &&
        result.evaluations.map((e) => [e.ComplianceResourceId, e.ComplianceType]),
    ).toEqual([
      [compliantEstate().clusters[0]!.id, 'COMPLIANT'],
      ['arn:gone', 'NOT_APPLICABLE'],
    ]);
    expect(sent()[0]!.TestMode).toBe(false);
  });

  it('stops reading earlier evaluations when Config returns a page token twice, and says so', async () => {
    const earlier = {
      EvaluationResultIdentifier: {
        EvaluationResultQualifier: { ResourceType: 'AWS::SageMaker::Cluster', ResourceId: 'arn:gone' },
      },
      ComplianceType: 'NON_COMPLIANT' as const,
    };
    configMock
      .on(GetComplianceDetailsByConfigRuleCommand)
      .resolves({ EvaluationResults: [earlier], NextToken: 'again' });
    const logged: Record<string, unknown>[] = [];
    const handler = handlerFor(compliantEstate(), (entry) => logged.push(entry));
    const result = await handler(event);
    expect(configMock.commandCalls(GetComplianceDetailsByConfigRuleCommand)).toHaveLength(2);
    expect(logged).toContainEqual({
      level: 'warn',
      message: 'could not read previous evaluations',
      error:
        'GetComplianceDetailsByConfigRule returned a page token it had already returned: its pages never end',
    });
    // What the pages read before the repeat still retires the cluster that is gone.
    expect(
      result.kind === 'config-rule' &&
        result.evaluations.map((e) => [e.ComplianceResourceId, e.ComplianceType]),
    ).toEqual([
      [compliantEstate().clusters[0]!.id, 'COMPLIANT'],
      ['arn:gone', 'NOT_APPLICABLE'],
    ]);
  });

  it('falls back to one account evaluation when Config refuses the cluster type', async () => {
    const error = Object.assign(new Error('Unsupported resource type'), {
      name: 'InvalidParameterValueException',
    });
    configMock
      .on(PutEvaluationsCommand)
      .callsFake(async (input: { Evaluations?: { ComplianceResourceType?: string }[] }) => {
        if (input.Evaluations?.[0]?.ComplianceResourceType === 'AWS::SageMaker::Cluster') throw error;
        return { FailedEvaluations: [] };
      });
    const bad = compliantEstate({ group: { volumes: [] } });
    const result = await handlerFor(bad)(event);
    expect(result).toMatchObject({ kind: 'config-rule', resourceType: 'AWS::::Account' });
    const last = sent().at(-1)!.Evaluations!;
    expect(last).toHaveLength(1);
    expect(last[0]).toMatchObject({
      ComplianceResourceType: 'AWS::::Account',
      ComplianceResourceId: ACCOUNT,
      ComplianceType: 'NON_COMPLIANT',
    });
    expect(last[0]!.Annotation).toMatch(/hyperpod-root-volume-cmk.*Config refused/);
  });

  it('sends at most 100 evaluations a call', async () => {
    const many = inventory({
      clusters: Array.from({ length: 230 }, (_, i) => cluster(`c${i}`, [group('g')])),
    });
    const result = await handlerFor(many)(event);
    expect(result.kind === 'config-rule' && result.evaluations).toHaveLength(230);
    expect(sent().map((input) => input.Evaluations!.length)).toEqual([100, 100, 30]);
  });

  it('reports a cluster it could not judge as NON_COMPLIANT, saying so', async () => {
    const unknown = compliantEstate({ key: { policy: undefined } });
    const result = await handlerFor(unknown)(event);
    const evaluation = result.kind === 'config-rule' ? result.evaluations[0] : undefined;
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
    expect(evaluation?.Annotation).toMatch(/not verified|could not be verified/);
  });

  it('ignores configuration-change notifications and refuses an event without a result token', async () => {
    const change = {
      ...event,
      invokingEvent: JSON.stringify({ messageType: 'ConfigurationItemChangeNotification' }),
    };
    expect(await handlerFor(compliantEstate())(change)).toMatchObject({ kind: 'ignored' });
    await expect(handlerFor(compliantEstate())({ ...event, resultToken: undefined })).rejects.toThrow(
      /resultToken/,
    );
  });
});

describe('a key change from EventBridge', () => {
  const keyArn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const handlerWith = (keyAdmins: string[], approvedPolicyEditors?: string[], published: string[] = []) =>
    createHandler({
      collector: { collect: async () => inventory() },
      configService: new ConfigServiceClient({ region: 'us-east-1' }),
      sns: { send: async () => ({}) },
      kms: {
        send: async (command: unknown) =>
          command instanceof DescribeKeyCommand
            ? { KeyMetadata: { Arn: keyArn, KeyManager: 'CUSTOMER' } }
            : { Tags: [{ TagKey: 'hyperpod', TagValue: 'true' }] },
      },
      config: resolveConfig({ keyAdmins, ...(approvedPolicyEditors ? { approvedPolicyEditors } : {}) }),
      keyTags: { hyperpod: 'true' },
      account: ACCOUNT,
      resourceType: 'AWS::SageMaker::Cluster',
      now: () => new Date(NOW),
      // Without a topic the alert is logged: its body is what would be published.
      log: (entry: { body?: unknown }) => {
        if (typeof entry.body === 'string') published.push(entry.body);
      },
    });
  // CloudTrail names a role's caller by its session, arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION,
  // which leaves out the role's path: kms-key-policy-change-unapproved compares it with the
  // editors' patterns without theirs, and the Lambda must judge the same call the same way.
  const putKeyPolicy = (arn: string) => ({
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.kms',
    detail: {
      eventSource: 'kms.amazonaws.com',
      eventName: 'PutKeyPolicy',
      eventTime: '2026-11-27T10:00:00Z',
      userIdentity: { type: 'AssumedRole', arn },
      requestParameters: { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', policyName: 'default' },
      responseElements: null,
      resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: keyArn }],
    },
  });
  it.each([
    [
      `arn:aws:iam::${ACCOUNT}:role/platform/KeyAdmin`,
      `arn:aws:sts::${ACCOUNT}:assumed-role/KeyAdmin/alice`,
      true,
    ],
    [`arn:aws:iam::${ACCOUNT}:role/KeyAdmin`, `arn:aws:sts::${ACCOUNT}:assumed-role/KeyAdmin/alice`, true],
    [
      `arn:aws:iam::${ACCOUNT}:role/platform/KeyAdmin`,
      `arn:aws:sts::${ACCOUNT}:assumed-role/Other/alice`,
      false,
    ],
  ])('an editor %s approves a call by the session %s: %s', async (admin, caller, approved) => {
    const result = await handlerWith([admin])(putKeyPolicy(caller));
    expect(result).toEqual({ kind: 'key-change', key: keyArn, hyperPodKey: true, alerted: false, approved });
  });

  // kms-key-policy-change-unapproved: "configured editors replace key admins as approvers"
  // (README: approvedPolicyEditors, default keyAdmins). The Lambda approved either list.
  it.each([
    [
      'a key admin, when editors are named',
      `arn:aws:sts::${ACCOUNT}:assumed-role/KeyAdmin/alice`,
      false,
      'NOT in approvedPolicyEditors',
    ],
    [
      'a named editor',
      `arn:aws:sts::${ACCOUNT}:assumed-role/platform-deployer/ci`,
      true,
      'approved: in approvedPolicyEditors',
    ],
  ])('judges the change of %s as the rule does', async (_who, caller, approved, said) => {
    const published: string[] = [];
    const handler = handlerWith(
      [`arn:aws:iam::${ACCOUNT}:role/KeyAdmin`],
      ['arn:aws:iam::*:role/platform-deployer'],
      published,
    );
    const result = await handler(putKeyPolicy(caller));
    expect(result).toEqual({ kind: 'key-change', key: keyArn, hyperPodKey: true, alerted: false, approved });
    expect(published).toHaveLength(1);
    expect(published[0]!.split('\n')[1]).toBe(`By: ${caller} (${said})`);
  });
});
