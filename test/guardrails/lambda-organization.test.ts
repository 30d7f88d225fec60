/**
 * The detection Lambda under an organization Config rule (one function in the administrator
 * account, invoked by Config in every member account) and with the optional shared history.
 * Config and STS are fakes that record what they are sent; the inventory comes from fake collectors.
 */
import { PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import type { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/schema.js';
import { assumedRoleCredentials, evaluationRoleArn } from '../../src/lambda/cross-account.js';
import { createHandler, depsFromEnvironment, type HandlerDeps } from '../../src/lambda/handler.js';
import {
  ACCOUNT,
  ADMIN_ROLE,
  clusterArn,
  compliantEstate,
  NOW,
  OTHER_ACCOUNT,
} from '../helpers/inventory.js';

const configEvent = (accountId: string, ruleParameters?: string) => ({
  invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification', notificationCreationTime: NOW }),
  resultToken: `token-${accountId}`,
  configRuleName: 'OrgConfigRule-hyperpod-cmk-hyperpod-clusters-abc',
  accountId,
  ...(ruleParameters ? { ruleParameters } : {}),
});

/** Dependencies for one account: a Config fake recording PutEvaluations, a collector of that account's estate. */
function depsFor(account: string, logs: Record<string, unknown>[], overrides: Partial<HandlerDeps> = {}) {
  const sent: { account: string; token: string; resources: string[] }[] = [];
  const deps: HandlerDeps = {
    collector: { collect: async () => compliantEstate() },
    configService: {
      send: async (command: unknown) => {
        if (command instanceof PutEvaluationsCommand)
          sent.push({
            account,
            token: command.input.ResultToken!,
            resources: (command.input.Evaluations ?? []).map((e) => e.ComplianceResourceId!),
          });
        return { EvaluationResults: [], FailedEvaluations: [] };
      },
    },
    sns: { send: async () => ({}) },
    kms: { send: async () => ({}) },
    config: resolveConfig({ keyAdmins: [ADMIN_ROLE] }),
    keyTags: {},
    account,
    resourceType: 'AWS::SageMaker::Cluster',
    now: () => new Date(NOW),
    log: (entry) => logs.push(entry),
    ...overrides,
  };
  return { deps, sent };
}

describe('the organization Config rule', () => {
  it("evaluates a member account with that account's dependencies, never its own", async () => {
    const logs: Record<string, unknown>[] = [];
    const member = depsFor(OTHER_ACCOUNT, logs);
    const asked: string[] = [];
    const admin = depsFor(ACCOUNT, logs, {
      forAccount: (account) => {
        asked.push(account);
        return { ok: true, deps: member.deps };
      },
    });
    const result = await createHandler(admin.deps)(configEvent(OTHER_ACCOUNT));
    expect(asked).toEqual([OTHER_ACCOUNT]);
    expect(admin.sent).toEqual([]);
    expect(member.sent).toEqual([
      { account: OTHER_ACCOUNT, token: `token-${OTHER_ACCOUNT}`, resources: [clusterArn('c1')] },
    ]);
    expect(result).toMatchObject({ kind: 'config-rule', resourceType: 'AWS::SageMaker::Cluster' });
  });

  it('evaluates its own account with its own dependencies', async () => {
    const admin = depsFor(ACCOUNT, [], {
      forAccount: () => {
        throw new Error('must not be asked for its own account');
      },
    });
    await createHandler(admin.deps)(configEvent(ACCOUNT));
    expect(admin.sent.map((s) => s.account)).toEqual([ACCOUNT]);
  });

  it('refuses an event about another account when it has no evaluation role, naming the fix', async () => {
    const alone = depsFor(ACCOUNT, []);
    await expect(createHandler(alone.deps)(configEvent(OTHER_ACCOUNT))).rejects.toThrow(
      /about account "444455556666", but this function evaluates account 111122223333 only .*RuleScope=Organization/,
    );
    expect(alone.sent).toEqual([]);
  });

  it('refuses an account it cannot build a role for, with the reason', async () => {
    const admin = depsFor(ACCOUNT, [], {
      forAccount: (account) => {
        const role = evaluationRoleArn(account, 'hyperpod-cmk-evaluation-us-east-1', 'us-east-1');
        return role.ok ? { ok: true, deps: depsFor(account, []).deps } : role;
      },
    });
    await expect(createHandler(admin.deps)(configEvent('../../etc'))).rejects.toThrow(
      /cannot evaluate account "..\/..\/etc": "..\/..\/etc" is not a 12-digit account id/,
    );
  });
});

describe('evaluationRoleArn', () => {
  it("builds the role ARN in the Region's partition", () => {
    expect(evaluationRoleArn(OTHER_ACCOUNT, 'hyperpod-cmk-evaluation-us-east-1', 'us-east-1')).toEqual({
      ok: true,
      arn: 'arn:aws:iam::444455556666:role/hyperpod-cmk-evaluation-us-east-1',
    });
    expect(evaluationRoleArn(OTHER_ACCOUNT, 'r', 'cn-north-1')).toEqual({
      ok: true,
      arn: 'arn:aws-cn:iam::444455556666:role/r',
    });
    expect(evaluationRoleArn(OTHER_ACCOUNT, 'r', 'us-gov-west-1')).toMatchObject({
      arn: 'arn:aws-us-gov:iam::444455556666:role/r',
    });
  });

  it('refuses a malformed account id or role name', () => {
    expect(evaluationRoleArn('4444', 'r', 'us-east-1')).toEqual({
      ok: false,
      reason: '"4444" is not a 12-digit account id',
    });
    expect(evaluationRoleArn(OTHER_ACCOUNT, 'role/../x', 'us-east-1')).toEqual({
      ok: false,
      reason: 'EVALUATION_ROLE_NAME "role/../x" is not an IAM role name',
    });
    expect(evaluationRoleArn(OTHER_ACCOUNT, 'r'.repeat(65), 'us-east-1')).toMatchObject({ ok: false });
  });
});

describe('assumedRoleCredentials', () => {
  const stsReturning = (expirations: Date[]) => {
    const calls: string[] = [];
    return {
      calls,
      sts: {
        send: async (command: unknown) => {
          const input = (command as AssumeRoleCommand).input;
          calls.push(`${input.RoleArn} ${input.RoleSessionName}`);
          const expiration = expirations[Math.min(calls.length - 1, expirations.length - 1)];
          return {
            Credentials: {
              AccessKeyId: `AKIA${calls.length}`,
              SecretAccessKey: 's',
              SessionToken: 't',
              Expiration: expiration,
            },
          };
        },
      },
    };
  };
  const role = 'arn:aws:iam::444455556666:role/hyperpod-cmk-evaluation-us-east-1';

  it('assumes the role once while the credentials are fresh', async () => {
    const { sts, calls } = stsReturning([new Date(Date.now() + 3_600_000)]);
    const provider = assumedRoleCredentials(sts, role);
    const [a, b] = await Promise.all([provider(), provider()]);
    expect((await provider()).accessKeyId).toBe('AKIA1');
    expect([a.accessKeyId, b.accessKeyId]).toEqual(['AKIA1', 'AKIA1']);
    expect(calls).toEqual([`${role} hyperpod-cmk-organization-rule`]);
  });

  it('assumes it again when they expire within five minutes', async () => {
    const { sts, calls } = stsReturning([new Date(Date.now() + 60_000), new Date(Date.now() + 3_600_000)]);
    const provider = assumedRoleCredentials(sts, role);
    expect((await provider()).accessKeyId).toBe('AKIA1');
    expect((await provider()).accessKeyId).toBe('AKIA2');
    expect((await provider()).accessKeyId).toBe('AKIA2');
    expect(calls).toHaveLength(2);
  });

  it('fails with the role named when STS returns no credentials', async () => {
    const provider = assumedRoleCredentials({ send: async () => ({}) }, role);
    await expect(provider()).rejects.toThrow(`AssumeRole ${role} returned no credentials`);
  });
});

describe('the shared history', () => {
  const secret = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:hyperpod-cmk-db-AbCdEf';
  /** A Secrets Manager fake that records which secrets are read and answers a secret string that is no connection. */
  const secretsFake = (asked: string[]) => ({
    send: async (command: unknown) => {
      asked.push((command as { input: { SecretId: string } }).input.SecretId);
      return { SecretString: 'not a connection' };
    },
  });
  const historyLogs = (logs: Record<string, unknown>[]) =>
    logs.filter((entry) => String(entry.message).startsWith('history not recorded'));

  it('is read for every periodic evaluation when the secret is set; a failure is logged, the evaluations still put', async () => {
    const logs: Record<string, unknown>[] = [];
    const asked: string[] = [];
    const { deps, sent } = depsFor(ACCOUNT, logs, { historySecretArn: secret, secrets: secretsFake(asked) });
    const result = await createHandler(deps)(configEvent(ACCOUNT));
    expect(result).toMatchObject({ kind: 'config-rule' });
    expect(sent).toEqual([{ account: ACCOUNT, token: `token-${ACCOUNT}`, resources: [clusterArn('c1')] }]);
    expect(asked).toEqual([secret]);
    expect(historyLogs(logs)).toEqual([
      {
        level: 'error',
        message:
          'history not recorded: the history secret is not a PostgreSQL connection (the secret is neither a postgres:// URL nor JSON)',
        hint: expect.stringContaining('postgres:// (or postgresql://) connection URL'),
        secretArn: secret,
        account: ACCOUNT,
      },
    ]);
  });

  it('is not read without the secret, nor for a test-mode run', async () => {
    const logs: Record<string, unknown>[] = [];
    const asked: string[] = [];
    await createHandler(depsFor(ACCOUNT, logs, { secrets: secretsFake(asked) }).deps)(configEvent(ACCOUNT));
    const test = depsFor(ACCOUNT, logs, { historySecretArn: secret, secrets: secretsFake(asked) });
    await createHandler(test.deps)(configEvent(ACCOUNT, JSON.stringify({ testMode: 'true' })));
    expect(asked).toEqual([]);
    expect(historyLogs(logs)).toEqual([]);
  });
});

describe('depsFromEnvironment', () => {
  const base = {
    AWS_REGION: 'eu-west-1',
    HYPERPOD_CMK_CONFIG: JSON.stringify({ keyAdmins: [ADMIN_ROLE] }),
  };

  it('evaluates other accounts only when EVALUATION_ROLE_NAME is set, and reads the history secret', () => {
    const alone = depsFromEnvironment(base, ACCOUNT);
    expect(alone.forAccount).toBeUndefined();
    expect(alone.historySecretArn).toBeUndefined();
    expect(alone.secrets).toBeUndefined();
    const central = depsFromEnvironment(
      {
        ...base,
        EVALUATION_ROLE_NAME: 'hyperpod-cmk-evaluation-eu-west-1',
        HYPERPOD_CMK_DB_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf',
      },
      ACCOUNT,
    );
    expect(central.account).toBe(ACCOUNT);
    expect(central.historySecretArn).toBe('arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf');
    expect(central.secrets).toBeDefined();
    const member = central.forAccount!(OTHER_ACCOUNT);
    expect(member.ok && member.deps.account).toBe(OTHER_ACCOUNT);
    expect(member.ok && member.deps.forAccount).toBeUndefined();
    // The history secret is the function's own: read with its own credentials for every account.
    expect(member.ok && member.deps.secrets).toBe(central.secrets);
    // One set of clients per member account, reused across invocations.
    const again = central.forAccount!(OTHER_ACCOUNT);
    expect(again.ok && member.ok && again.deps === member.deps).toBe(true);
    expect(central.forAccount!('not-an-account')).toEqual({
      ok: false,
      reason: '"not-an-account" is not a 12-digit account id',
    });
  });
});
