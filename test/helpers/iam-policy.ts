/** The scanner's own permissions (docs/iam-policy.json), and a recorder of the calls a scan makes. */
import { readFileSync } from 'node:fs';
import { type AwsCall, callObservers } from '../../src/collectors/aws/clients.js';

interface Statement {
  Action: string | string[];
}

export function policyActions(): Set<string> {
  const policy = JSON.parse(readFileSync(new URL('../../docs/iam-policy.json', import.meta.url), 'utf8')) as {
    Statement: Statement[];
  };
  return new Set(policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
}

/** Records every AWS operation any session makes until `stop()`. */
export function recordCalls(): { calls: AwsCall[]; actions(): Set<string>; stop(): void } {
  const calls: AwsCall[] = [];
  const observer = { call: (call: AwsCall) => void calls.push(call) };
  callObservers.add(observer);
  return {
    calls,
    actions: () => new Set(calls.map((call) => `${call.service}:${call.operation}`)),
    stop: () => void callObservers.delete(observer),
  };
}

/** The actions made that docs/iam-policy.json does not allow (should be none). */
export function actionsOutsidePolicy(actions: Iterable<string>): string[] {
  const allowed = policyActions();
  return [...actions].filter((action) => !allowed.has(action)).sort();
}
