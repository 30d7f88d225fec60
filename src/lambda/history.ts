/**
 * The detection Lambda's shared history (optional): when the stack is given a Secrets Manager
 * secret holding the PostgreSQL connection (HistoryDatabaseSecretArn, passed as
 * HYPERPOD_CMK_DB_SECRET_ARN), every evaluation the Lambda makes is recorded there as a scan, the
 * way `hyperpod-cmk scan --db postgres://...` records its scans, so detection and scans feed the
 * same KPIs.
 *
 * - The secret (secretsmanager:GetSecretValue, which the template grants on that secret only) is a
 *   plain `postgres://` URL, or the JSON Amazon RDS keeps (`{engine, host, port, username,
 *   password, dbname}`). Anything else is logged, naming the secret and the shapes it may take.
 * - The opened store is kept in module scope across warm invocations; a save that fails (the
 *   connection died, the password was rotated) closes it, reads the secret again, reopens and tries
 *   once more.
 * - A periodic Config evaluation covers the account and Region: it is a scan of that scope (what it
 *   does not see there is gone). A cluster-change evaluation saw one cluster: its scan declares no
 *   scope covered (nothing else is declared gone or fixed) and marks the account and Region
 *   incomplete (its trend point has no percentage); its cluster is still the newest picture of it.
 * - A save has its own bound (`HISTORY_QUERY_TIMEOUT_MS` per statement, a wait for another
 *   save's lock included; connecting `HISTORY_CONNECT_TIMEOUT_MS`), far below the function's
 *   300 s: a hung or locked database fails the save, logged with the bound, and is not tried a
 *   second time, so it cannot eat the invocation (the Config evaluations are put before).
 * - Nothing here throws: a failure is one error log line (the database shown with its password
 *   hidden), and the Config evaluations are reported whatever happens here.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Evaluation } from '../engine/evaluate.js';
import { buildReport } from '../engine/report.js';
import { accountScope, regionScope, scanRecord } from '../history/record.js';
import type { ScanRecord } from '../history/types.js';
import type { Inventory } from '../model/inventory.js';
import { err, ok, type Result } from '../model/result.js';
import { openPostgresHistory } from '../store/postgres.js';
import { type HistoryStore, redactTarget } from '../store/store.js';

/** How long one statement of a history save may take in the Lambda (the function has 300 s). */
export const HISTORY_QUERY_TIMEOUT_MS = 30_000;
/** How long connecting to the history database may take in the Lambda. */
export const HISTORY_CONNECT_TIMEOUT_MS = 10_000;

/** The source the Lambda's scans carry in the history (`history` shows it). */
export const LAMBDA_SOURCE = 'detection-lambda';

export const SECRET_SHAPES =
  'a postgres:// (or postgresql://) connection URL, or the JSON of an Amazon RDS secret: ' +
  '{"engine":"postgres","host":"...","port":5432,"username":"...","password":"...","dbname":"..."}';

type Sender = { send(command: never): Promise<unknown> };

export interface HistoryRecordInput {
  secretArn: string;
  /** The Secrets Manager client (the function's own credentials, whatever account it evaluates). */
  secrets: Sender;
  account: string;
  inventory: Inventory;
  evaluation: Evaluation;
  startedAt: Date;
  finishedAt: Date;
  /** A cluster-change evaluation: only this cluster was looked at. */
  cluster?: string;
  log: (entry: Record<string, unknown>) => void;
  /** How long connecting may take (ms); default `HISTORY_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
  /** How long one statement of the save may take (ms); default `HISTORY_QUERY_TIMEOUT_MS`. */
  queryTimeoutMs?: number;
}

export type RecordOutcome =
  | { recorded: true; scanId: number; duplicate: boolean }
  | { recorded: false; reason: string };

/** The connection URL a secret string holds, or why it holds none (never the secret itself). */
export function connectionUrl(secret: string | undefined): Result<string, string> {
  const text = secret?.trim() ?? '';
  if (!text) return err('the secret has no SecretString (a binary or empty secret)');
  if (/^postgres(ql)?:\/\//i.test(text)) {
    try {
      new URL(text);
      return ok(text);
    } catch {
      return err('the secret looks like a postgres:// URL but is not a valid URL');
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return err('the secret is neither a postgres:// URL nor JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return err('the secret is JSON but not an object');
  const o = parsed as Record<string, unknown>;
  const str = (name: string) =>
    typeof o[name] === 'string' && o[name] !== '' ? (o[name] as string) : undefined;
  const engine = str('engine');
  if (engine !== undefined && !/postgres/i.test(engine))
    return err(`the secret is for engine ${JSON.stringify(engine.slice(0, 40))}, not PostgreSQL`);
  const missing = ['host', 'username', 'password'].filter((name) => str(name) === undefined);
  if (missing.length) return err(`the secret's JSON lacks ${missing.join(', ')} (non-empty strings)`);
  const port = o.port ?? 5432;
  const portNumber = typeof port === 'string' ? Number(port) : port;
  if (typeof portNumber !== 'number' || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535)
    return err("the secret's port is not a port number");
  const host = str('host')!;
  if (!/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(host)) return err("the secret's host is not a host name");
  const url = new URL('postgres://localhost');
  url.hostname = host;
  url.port = String(portNumber);
  url.username = encodeURIComponent(str('username')!);
  url.password = encodeURIComponent(str('password')!);
  url.pathname = `/${encodeURIComponent(str('dbname') ?? 'postgres')}`;
  return ok(url.toString());
}

/**
 * The scan record of one Lambda evaluation, as `scan --db` records a scan (pure): source
 * `detection-lambda`; a cluster-change evaluation declares nothing covered and its account and
 * Region incomplete, so the account's other clusters are neither gone nor fixed by it.
 */
export function lambdaScanRecord(
  input: Pick<HistoryRecordInput, 'inventory' | 'evaluation' | 'startedAt' | 'finishedAt' | 'cluster'>,
): ScanRecord {
  const report = buildReport({
    inventory: input.inventory,
    evaluation: input.evaluation,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    ...(input.cluster ? { inputs: [`cluster:${input.cluster}`] } : {}),
  });
  const record = scanRecord(report, input.inventory);
  record.scan.source = LAMBDA_SOURCE;
  if (input.cluster) {
    const narrow = new Set(record.scan.incomplete ?? []);
    for (const account of input.inventory.accounts) {
      narrow.add(accountScope(account.id));
      for (const region of account.regions) narrow.add(regionScope(account.id, region));
    }
    for (const scope of record.scan.scope) narrow.add(scope);
    record.scan.scope = [];
    record.scan.incomplete = [...narrow].sort();
  }
  return record;
}

// Module scope: kept across warm invocations of the same container.
let cached: { secretArn: string; store: HistoryStore; url: string } | undefined;

/** Closes the cached store (tests; a container being reused with another secret). */
export async function closeHistory(): Promise<void> {
  const open = cached;
  cached = undefined;
  await open?.store.close().catch(() => undefined);
}

async function open(
  input: HistoryRecordInput,
): Promise<Result<{ store: HistoryStore; url: string }, Record<string, unknown>>> {
  if (cached?.secretArn === input.secretArn) return ok(cached);
  await closeHistory();
  let secretString: string | undefined;
  try {
    const out = (await input.secrets.send(
      new GetSecretValueCommand({ SecretId: input.secretArn }) as never,
    )) as { SecretString?: string };
    secretString = out.SecretString;
  } catch (error) {
    return err({
      message: 'history not recorded: cannot read the history secret',
      error: `${(error as Error).name}: ${(error as Error).message}`,
      hint: 'check that the secret exists and that the function may call secretsmanager:GetSecretValue on it',
    });
  }
  const url = connectionUrl(secretString);
  if (!url.ok)
    return err({
      message: `history not recorded: the history secret is not a PostgreSQL connection (${url.error})`,
      hint: `store ${SECRET_SHAPES}`,
    });
  const opened = await openPostgresHistory(url.value, {
    create: true,
    connectTimeoutMs: input.connectTimeoutMs ?? HISTORY_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: input.queryTimeoutMs ?? HISTORY_QUERY_TIMEOUT_MS,
  });
  if (!opened.ok)
    return err({
      message: 'history not recorded: cannot open the history database',
      database: redactTarget(url.value),
      error: opened.error.message,
      ...(opened.error.hint ? { hint: opened.error.hint } : {}),
    });
  cached = { secretArn: input.secretArn, store: opened.value, url: url.value };
  return ok(cached);
}

/** Records one evaluation in the shared history; never throws, logs what went wrong. */
export async function recordEvaluationHistory(input: HistoryRecordInput): Promise<RecordOutcome> {
  const context = {
    secretArn: input.secretArn,
    account: input.account,
    ...(input.cluster ? { cluster: input.cluster } : {}),
  };
  const fail = (entry: Record<string, unknown>): RecordOutcome => {
    input.log({ level: 'error', ...entry, ...context });
    return { recorded: false, reason: String(entry.message) };
  };
  try {
    const record = lambdaScanRecord(input);
    let lastError: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 2; attempt++) {
      const store = await open(input);
      if (!store.ok) return fail(store.error);
      const { store: history } = store.value;
      const saved = await history
        .save(record)
        .catch((error: unknown) => err({ code: 'history.unavailable', message: (error as Error).message }));
      if (saved.ok) {
        input.log({
          level: 'info',
          message: saved.value.duplicate ? 'evaluation already in history' : 'evaluation recorded in history',
          database: history.location,
          scanId: saved.value.scanId,
          ...context,
        });
        return { recorded: true, scanId: saved.value.scanId, duplicate: saved.value.duplicate };
      }
      lastError = {
        message: 'history not recorded: cannot save the evaluation',
        database: history.location,
        error: saved.error.message,
      };
      await closeHistory();
      // A database that did not answer in time would only take as long again.
      if (saved.error.code === 'history.timeout')
        return fail({ ...lastError, timeoutMs: input.queryTimeoutMs ?? HISTORY_QUERY_TIMEOUT_MS });
      // The connection may have died between invocations: start again from the secret, once.
    }
    return fail(lastError);
  } catch (error) {
    return fail({ message: 'history not recorded', error: (error as Error).message });
  }
}
