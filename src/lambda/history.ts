/**
 * The detection Lambda's shared history (optional): when the stack is given a Secrets Manager
 * secret holding a PostgreSQL connection URL (HistoryDatabaseSecretArn, passed as
 * HYPERPOD_CMK_DB_SECRET_ARN), every evaluation the Lambda makes is to be recorded there, as
 * `hyperpod-cmk scan --db postgres://...` records its scans.
 *
 * The PostgreSQL store is not part of this build yet: this is the one function the handler calls,
 * and today it only says so in the log. Wiring it is replacing its body with: read the secret
 * (secretsmanager:GetSecretValue, which the template grants on that secret only), open the store,
 * append the evaluation.
 */
import type { Evaluation } from '../engine/evaluate.js';

export const HISTORY_NOT_CONFIGURED = 'history not configured in this build';

export interface HistoryRecordInput {
  secretArn: string;
  account: string;
  evaluation: Pick<Evaluation, 'findings' | 'compliance'>;
  log: (entry: Record<string, unknown>) => void;
}

/** Records one evaluation in the shared history (today: logs that this build has no store). */
export async function recordEvaluationHistory(input: HistoryRecordInput): Promise<{ recorded: boolean }> {
  input.log({
    level: 'warn',
    message: HISTORY_NOT_CONFIGURED,
    secretArn: input.secretArn,
    account: input.account,
    findings: input.evaluation.findings.length,
  });
  return { recorded: false };
}
