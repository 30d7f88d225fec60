/**
 * The detection Lambda writing to the shared PostgreSQL history: a real PostgreSQL server (a fresh
 * database per case) and the history secret in Secrets Manager on moto. A periodic Config
 * evaluation and a cluster-change evaluation each land in the history as a scan `kpi` and
 * `history` read back; a secret of the wrong shape, an unreachable database and a wrong password
 * are logged clearly (the password hidden) while the Config evaluations are still put; a
 * connection that died between invocations is reopened. The built bundle records too.
 */
import { createRequire } from 'node:module';
import { PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateClusterCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  CreateSecretCommand,
  type GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config/schema.js';
import { generateGuardrails } from '../../src/guardrails/index.js';
import { createHandler, type HandlerDeps, type HandlerResult } from '../../src/lambda/handler.js';
import {
  closeHistory,
  connectionUrl,
  HISTORY_CONNECT_TIMEOUT_MS,
  HISTORY_QUERY_TIMEOUT_MS,
  LAMBDA_SOURCE,
} from '../../src/lambda/history.js';
import { emptyInventory, type Inventory } from '../../src/model/inventory.js';
import { APPLICATION_ID } from '../../src/store/schema.js';
import { openHistory, redactTarget } from '../../src/store/store.js';
import {
  ACCOUNT,
  ADMIN_ROLE,
  cluster,
  clusterArn,
  compliantEstate,
  group,
  NOW,
  REGION,
  rootVolume,
} from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';
import { MOTO_ACCOUNT, MOTO_CREDENTIALS, type MotoServer, startMoto } from '../helpers/moto-server.js';
import { adminQuery, freshDatabase, PG_PASSWORD, postgresUrl } from '../helpers/postgres.js';

const BUNDLE = new URL('../../dist/guardrails-lambda/index.js', import.meta.url);

let moto: MotoServer;
let secretsClient: SecretsManagerClient;
/** The secrets the Lambda read (GetSecretValue), in order. */
const reads: string[] = [];
const secrets = {
  send: async (command: never) => {
    reads.push((command as GetSecretValueCommand).input.SecretId!);
    return secretsClient.send(command as GetSecretValueCommand);
  },
};

async function secret(name: string, value: string): Promise<string> {
  const created = await secretsClient.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return created.ARN!;
}

beforeAll(async () => {
  moto = await startMoto();
  secretsClient = new SecretsManagerClient({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: MOTO_CREDENTIALS,
  });
}, 120_000);

afterAll(async () => {
  await closeHistory();
  await moto?.stop();
});

afterEach(async () => {
  await closeHistory();
  reads.length = 0;
});

/** c1 compliant, c2 without a CMK on its root volume: one compliant, one not. */
function estate(): Inventory {
  const base = compliantEstate();
  const c2 = cluster('c2', [group('workers', { volumes: [rootVolume(null)] })]);
  return { ...base, clusters: [...base.clusters, c2] };
}

let tick = 0;

/** Dependencies with a Config fake recording PutEvaluations and a collector of `estate()` (scoped as asked). */
function depsFor(secretArn: string | undefined, logs: Record<string, unknown>[]) {
  const put: string[] = [];
  const deps: HandlerDeps = {
    collector: {
      collect: async (scope?: { clusters?: string[] }) => {
        const all = estate();
        if (!scope?.clusters) return all;
        return { ...all, clusters: all.clusters.filter((c) => scope.clusters!.includes(c.id)) };
      },
    },
    configService: {
      send: async (command: unknown) => {
        if (command instanceof PutEvaluationsCommand)
          for (const e of command.input.Evaluations ?? [])
            put.push(`${e.ComplianceResourceId}=${e.ComplianceType}`);
        return { EvaluationResults: [], FailedEvaluations: [] };
      },
    },
    sns: { send: async () => ({ MessageId: 'm-1' }) },
    kms: { send: async () => ({}) },
    config: resolveConfig({ keyAdmins: [ADMIN_ROLE] }),
    keyTags: {},
    account: ACCOUNT,
    resourceType: 'AWS::SageMaker::Cluster',
    // A clock that moves: every invocation is a scan of its own.
    now: () => new Date(Date.parse(NOW) + 60_000 * tick++),
    log: (entry) => logs.push(entry),
    historySecretArn: secretArn,
    secrets,
  };
  return { deps, put };
}

const configEvent = {
  invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification', notificationCreationTime: NOW }),
  resultToken: 'token-1',
  configRuleName: 'hyperpod-cmk-hyperpod-clusters',
  accountId: ACCOUNT,
};
const clusterEvent = (id: string) => ({
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.sagemaker',
  account: ACCOUNT,
  detail: {
    eventName: 'UpdateCluster',
    eventTime: NOW,
    userIdentity: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci` },
    requestParameters: { clusterName: id },
    responseElements: { clusterArn: clusterArn(id) },
  },
});
const ALL_PUT = [`${clusterArn('c1')}=COMPLIANT`, `${clusterArn('c2')}=NON_COMPLIANT`];

async function cli(args: string[]) {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

interface Listed {
  scans: { id: number; source: string; inputs: string[]; clusters: number; incomplete: string[] }[];
}

const historyLogs = (logs: Record<string, unknown>[]) => logs.filter((l) => /histor/.test(String(l.message)));

describe('the Lambda records its evaluations in the shared history', () => {
  it('a periodic Config evaluation (URL secret) and a cluster-change (RDS JSON secret) land as scans kpi and history read', async () => {
    const db = await freshDatabase(postgresUrl(), 'lambda');
    const url = new URL(db);
    const plain = await secret('history-url', db);
    const logs: Record<string, unknown>[] = [];
    const { deps, put } = depsFor(plain, logs);
    const result = await createHandler(deps)(configEvent);
    expect(result).toMatchObject({ kind: 'config-rule', testMode: false });
    expect(put).toEqual(ALL_PUT);
    expect(historyLogs(logs)).toEqual([
      {
        level: 'info',
        message: 'evaluation recorded in history',
        database: redactTarget(db),
        scanId: 1,
        secretArn: plain,
        account: ACCOUNT,
      },
    ]);

    // The same database, through the RDS-shaped secret, from a cluster-change event about c1.
    await closeHistory();
    const rds = await secret(
      'history-rds',
      JSON.stringify({
        engine: 'postgres',
        host: url.hostname,
        port: Number(url.port),
        username: decodeURIComponent(url.username),
        password: PG_PASSWORD,
        dbname: url.pathname.slice(1),
      }),
    );
    const later = depsFor(rds, logs);
    const changed = await createHandler(later.deps)(clusterEvent('c1'));
    expect(changed).toMatchObject({ kind: 'cluster-change', cluster: clusterArn('c1'), status: 'compliant' });
    expect(historyLogs(logs).map((l) => [l.message, l.scanId, l.cluster])).toEqual([
      ['evaluation recorded in history', 1, undefined],
      ['evaluation recorded in history', 2, clusterArn('c1')],
    ]);

    const listed = await cli(['history', '--db', db, '--format', 'json']);
    expect([listed.code, listed.err]).toEqual([0, '']);
    const scans = (JSON.parse(listed.out) as Listed).scans;
    expect(scans.map((s) => [s.id, s.source, s.inputs, s.clusters, s.incomplete])).toEqual([
      [1, LAMBDA_SOURCE, [], 2, []],
      // One cluster seen: the account and Region are incomplete.
      [2, LAMBDA_SOURCE, [`cluster:${clusterArn('c1')}`], 1, [`aws:${ACCOUNT}`, `aws:${ACCOUNT}:${REGION}`]],
    ]);
    // ...and it declares nothing covered, so nothing else there is declared gone.
    const scopes = await adminQuery<{ scope: string }>(db, 'SELECT scope FROM scans ORDER BY id');
    expect(scopes.map((r) => JSON.parse(r.scope))).toEqual([
      [`aws:${ACCOUNT}`, `aws:${ACCOUNT}:${REGION}`],
      [],
    ]);
    const table = await cli(['history', '--db', db]);
    expect(table.code).toBe(0);
    expect(table.out.split('\n').filter((line) => /^#\d/.test(line))).toHaveLength(2);

    // c2's open failures survive the narrow scan: still open, none closed as gone.
    const episodes = await adminQuery<{ open: number; gone: number }>(
      db,
      `SELECT count(*) FILTER (WHERE resolved_at IS NULL)::int AS open,
              count(*) FILTER (WHERE resolution = 'resource-gone')::int AS gone FROM episodes`,
    );
    expect(episodes[0]!.gone).toBe(0);
    expect(episodes[0]!.open).toBeGreaterThan(0);
    const kpi = await cli([
      'kpi',
      '--db',
      db,
      '--now',
      '2026-11-28T00:00:00Z',
      '--since',
      '2026-11-01',
      '--format',
      'json',
    ]);
    expect([kpi.code, kpi.err]).toEqual([0, '']);
    const figures = JSON.parse(kpi.out) as {
      compliance: {
        now: { overall: { clusters: { total: number; compliant: number; nonCompliant: number } } };
        trend: { scanId: number; overall: { clusters: { pct: number | null } } }[];
      };
    };
    expect(figures.compliance.now.overall.clusters).toMatchObject({
      total: 2,
      compliant: 1,
      nonCompliant: 1,
    });
    expect(figures.compliance.trend.map((p) => [p.scanId, p.overall.clusters.pct])).toEqual([
      [1, 50],
      [2, null],
    ]);
  });

  it('keeps the store open across warm invocations and reopens it when the connection died', async () => {
    const db = await freshDatabase(postgresUrl(), 'warm');
    const arn = await secret('history-warm', db);
    const logs: Record<string, unknown>[] = [];
    const { deps, put } = depsFor(arn, logs);
    const handler = createHandler(deps);
    await handler(configEvent);
    await handler(configEvent);
    expect(reads).toEqual([arn]);
    await adminQuery(
      db,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hyperpod-cmk' AND datname = current_database()",
    );
    await handler(configEvent);
    expect(reads).toEqual([arn, arn]);
    expect(put).toEqual([...ALL_PUT, ...ALL_PUT, ...ALL_PUT]);
    const [count] = await adminQuery<{ n: number }>(db, 'SELECT count(*)::int AS n FROM scans');
    expect(count!.n).toBe(3);
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('a history that cannot be written is logged, and the evaluations are still put', () => {
  /** Runs a periodic evaluation and a cluster change with the secret; returns the history log lines. */
  async function failing(secretArn: string) {
    const logs: Record<string, unknown>[] = [];
    const { deps, put } = depsFor(secretArn, logs);
    const result = await createHandler(deps)(configEvent);
    expect(result).toMatchObject({ kind: 'config-rule' });
    expect(put).toEqual(ALL_PUT);
    await closeHistory();
    const changed = await createHandler(deps)(clusterEvent('c2'));
    expect(changed).toMatchObject({ kind: 'cluster-change', status: 'non-compliant', alerted: false });
    return historyLogs(logs);
  }

  it.each([
    ['text', 'just some text', 'the secret is neither a postgres:// URL nor JSON'],
    [
      'mysql',
      JSON.stringify({ engine: 'mysql', host: 'db', username: 'a', password: 'b' }),
      'the secret is for engine "mysql", not PostgreSQL',
    ],
    [
      'partial',
      JSON.stringify({ engine: 'postgres', host: 'db' }),
      "the secret's JSON lacks username, password (non-empty strings)",
    ],
    ['array', '["postgres://a@b/c"]', 'the secret is JSON but not an object'],
    [
      'port',
      JSON.stringify({ host: 'db', username: 'a', password: 'b', port: 'x' }),
      "the secret's port is not a port number",
    ],
  ])('a %s secret: names the secret and the shapes expected', async (name, value, why) => {
    const arn = await secret(`history-bad-${name}`, value);
    const logged = await failing(arn);
    const expected = {
      level: 'error',
      message: `history not recorded: the history secret is not a PostgreSQL connection (${why})`,
      hint: expect.stringMatching(
        /^store a postgres:\/\/ \(or postgresql:\/\/\) connection URL, or the JSON of an Amazon RDS secret: \{"engine":"postgres"/,
      ),
      secretArn: arn,
      account: ACCOUNT,
    };
    expect(logged).toEqual([expected, { ...expected, cluster: clusterArn('c2') }]);
  });

  it('a secret that cannot be read: says so, naming the secret', async () => {
    const arn = `arn:aws:secretsmanager:${REGION}:${MOTO_ACCOUNT}:secret:no-such-secret-AbCdEf`;
    const logged = await failing(arn);
    expect(logged[0]).toMatchObject({
      level: 'error',
      message: 'history not recorded: cannot read the history secret',
      error: expect.stringMatching(/^ResourceNotFoundException: /),
      secretArn: arn,
    });
    expect(logged).toHaveLength(2);
  });

  it('an unreachable database: the database named with its password hidden', async () => {
    const password = 'unreachable-Pa55word';
    const target = `postgres://hpcmk:${password}@127.0.0.1:1/history`;
    const arn = await secret('history-unreachable', target);
    const logged = await failing(arn);
    expect(logged[0]).toEqual({
      level: 'error',
      message: 'history not recorded: cannot open the history database',
      database: 'postgres://hpcmk:***@127.0.0.1:1/history',
      error: 'cannot connect: 127.0.0.1:1 refused the connection',
      hint: 'check that PostgreSQL is running there, and the host and port in the URL',
      secretArn: arn,
      account: ACCOUNT,
    });
    expect(logged).toHaveLength(2);
    expect(JSON.stringify(logged)).not.toContain(password);
  });

  it('a database that does not answer: the save gives up at its own bound, logged with it, password hidden, not tried again', async () => {
    const url = await freshDatabase(postgresUrl(), 'locked');
    const ready = await openHistory(url, { create: true });
    if (!ready.ok) throw new Error(ready.error.message);
    await ready.value.close();
    // Another session holds the history's write lock and never lets go: every save waits on it.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [APPLICATION_ID]);
      const arn = await secret('history-locked', url);
      const logs: Record<string, unknown>[] = [];
      const { deps, put } = depsFor(arn, logs);
      deps.historyQueryTimeoutMs = 1500;
      const started = Date.now();
      await createHandler(deps)(configEvent);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(put).toEqual(ALL_PUT);
      expect(historyLogs(logs)).toEqual([
        {
          level: 'error',
          message: 'history not recorded: cannot save the evaluation',
          database: redactTarget(url),
          error:
            'the database did not answer within 1.5 seconds (another save holding the history that long, or a stalled server); nothing of this scan was saved',
          timeoutMs: 1500,
          secretArn: arn,
          account: ACCOUNT,
        },
      ]);
      // Not tried a second time (a retry reads the secret again).
      expect(reads).toEqual([arn]);
      expect(JSON.stringify(logs)).not.toContain(PG_PASSWORD);
    } finally {
      await holder.end();
    }
    // The bound the function runs with leaves most of its 300 s to the evaluation.
    expect(2 * (HISTORY_QUERY_TIMEOUT_MS + HISTORY_CONNECT_TIMEOUT_MS)).toBeLessThan(300_000 / 2);
  }, 60_000);

  it('a wrong password: authentication failed, the password hidden', async () => {
    const db = new URL(await freshDatabase(postgresUrl(), 'wrongpw'));
    const password = 'not-the-Right-one';
    db.password = password;
    const arn = await secret('history-wrong-password', db.toString());
    const logged = await failing(arn);
    expect(logged[0]).toMatchObject({
      level: 'error',
      message: 'history not recorded: cannot open the history database',
      database: redactTarget(db.toString()),
      error: 'authentication failed for user "hpcmk"',
      secretArn: arn,
    });
    expect(String(logged[0]!.database)).toContain(':***@');
    expect(logged).toHaveLength(2);
    expect(JSON.stringify(logged)).not.toContain(password);
  });
});

describe('connectionUrl', () => {
  it.each([
    ['postgres://a:b@h:5433/d', 'postgres://a:b@h:5433/d'],
    ['  postgresql://a@h/d\n', 'postgresql://a@h/d'],
    [
      JSON.stringify({
        engine: 'aurora-postgresql',
        host: 'db.example',
        username: 'u@x',
        password: 'p/:@w',
        dbname: 'hist',
      }),
      'postgres://u%40x:p%2F%3A%40w@db.example:5432/hist',
    ],
    [
      JSON.stringify({ host: 'db.example', port: '6432', username: 'u', password: 'p' }),
      'postgres://u:p@db.example:6432/postgres',
    ],
  ])('%s → %s', (secretString, url) => {
    expect(connectionUrl(secretString)).toEqual({ ok: true, value: url });
  });

  it.each([
    [undefined, 'the secret has no SecretString (a binary or empty secret)'],
    ['', 'the secret has no SecretString (a binary or empty secret)'],
    ['postgres://a b@', 'the secret looks like a postgres:// URL but is not a valid URL'],
    ['null', 'the secret is JSON but not an object'],
    [
      JSON.stringify({ host: 'db/evil', username: 'u', password: 'p' }),
      "the secret's host is not a host name",
    ],
    [
      JSON.stringify({ host: 'db', username: 'u', password: 'p', port: 70000 }),
      "the secret's port is not a port number",
    ],
  ])('%s is refused: %s', (secretString, why) => {
    expect(connectionUrl(secretString)).toEqual({ ok: false, error: why });
  });
});

describe('the built bundle', () => {
  it('records a cluster-change evaluation in the history the secret names', async () => {
    const db = await freshDatabase(postgresUrl(), 'bundle');
    const arn = await secret('history-bundle', db);
    const client = <T>(Client: new (config: object) => T): T =>
      new Client({ region: REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 1 });
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    await client(IAMClient).send(
      new CreateRoleCommand({ RoleName: 'hyperpod-exec', AssumeRolePolicyDocument: trust }),
    );
    await client(SageMakerClient).send(
      new CreateClusterCommand({
        ClusterName: 'bundled',
        InstanceGroups: [
          {
            InstanceGroupName: 'workers',
            InstanceType: 'ml.p5.48xlarge',
            InstanceCount: 1,
            LifeCycleConfig: { SourceS3Uri: 's3://sagemaker-lifecycle/hyperpod', OnCreate: 'on_create.sh' },
            ExecutionRole: `arn:aws:iam::${MOTO_ACCOUNT}:role/hyperpod-exec`,
            ThreadsPerCore: 1,
            InstanceStorageConfigs: [{ EbsVolumeConfig: { VolumeSizeInGB: 500 } }],
          },
        ],
        Orchestrator: { Eks: { ClusterArn: `arn:aws:eks:${REGION}:${MOTO_ACCOUNT}:cluster/training` } },
        NodeProvisioningMode: 'Continuous',
        VpcConfig: { SecurityGroupIds: ['sg-0123456789abcdef0'], Subnets: ['subnet-0123456789abcdef0'] },
      }),
    );
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      HYPERPOD_CMK_CONFIG: JSON.stringify({ keyAdmins: ['arn:aws:iam::*:role/KeyAdmin'] }),
      HYPERPOD_CMK_DB_SECRET_ARN: arn,
    });
    delete process.env.AWS_PROFILE;
    delete process.env.ALERT_TOPIC_ARN;
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(String(line));
    try {
      const bundle = createRequire(import.meta.url)(BUNDLE.pathname) as {
        handler: (event: unknown, context: object) => Promise<HandlerResult>;
      };
      const arnOf = `arn:aws:sagemaker:${REGION}:${MOTO_ACCOUNT}:cluster/bundled`;
      const event = {
        ...clusterEvent('bundled'),
        account: MOTO_ACCOUNT,
        detail: { ...clusterEvent('bundled').detail, responseElements: { clusterArn: arnOf } },
      };
      const result = await bundle.handler(event, {
        invokedFunctionArn: `arn:aws:lambda:${REGION}:${MOTO_ACCOUNT}:function:hyperpod-cmk-detection`,
      });
      expect(result).toMatchObject({ kind: 'cluster-change', cluster: arnOf, status: 'non-compliant' });
    } finally {
      console.log = log;
      process.env = saved;
    }
    const recorded = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => /histor/.test(String(l.message)));
    expect(recorded).toEqual([
      expect.objectContaining({
        level: 'info',
        message: 'evaluation recorded in history',
        scanId: 1,
        secretArn: arn,
      }),
    ]);
    const rows = await adminQuery<{ source: string; scope: string }>(db, 'SELECT source, scope FROM scans');
    expect(rows).toEqual([{ source: LAMBDA_SOURCE, scope: '[]' }]);
  });
});

describe('the generated guardrails README', () => {
  const readme = (organization: boolean) => {
    const result = generateGuardrails({
      inventory: emptyInventory('snapshot', NOW),
      config: resolveConfig({ keyAdmins: [ADMIN_ROLE] }),
      sourceLabel: 'the config alone',
      now: new Date(NOW),
      organization,
    });
    if (!result.ok) throw new Error(result.error.message);
    return result.value.files.find((f) => f.path === 'README.md')!.content;
  };

  it.each([false, true])(
    'organization %s: says what the history secret holds and what is recorded',
    (org) => {
      const text = readme(org);
      expect(text).not.toMatch(/not configured in this build|not wired|does not write the history/);
      expect(text).toContain('Amazon RDS');
      expect(text).toContain(`\`${LAMBDA_SOURCE}\``);
      if (org) {
        expect(text).toContain('`postgres://USER:PASSWORD@HOST:5432/DATABASE`');
        expect(text).toContain('marked incomplete for its');
      }
    },
  );
});
