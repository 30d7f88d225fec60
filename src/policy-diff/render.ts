/** `policy diff` as Markdown for a pull-request comment. Pure. */
import { markdownCode, markdownText } from '../reporters/escape.js';
import type { AccessChange, PolicyDiff } from './diff.js';

const cell = markdownText;
const code = markdownCode;

const CHANGE_WORDS: Record<AccessChange['change'], Record<AccessChange['scope'], string>> = {
  'allow-added': { gained: 'gains', lost: 'gains', conditions: 'is also allowed' },
  'allow-removed': { gained: 'loses', lost: 'loses', conditions: 'is no longer allowed' },
  'deny-added': { gained: 'is now denied', lost: 'is now denied', conditions: 'is now denied' },
  'deny-removed': {
    gained: 'is no longer denied',
    lost: 'is no longer denied',
    conditions: 'is no longer denied',
  },
};

const TRI: Record<string, string> = { yes: 'yes', no: '**no**', maybe: 'depends on a condition' };

const EFFECT: Record<PolicyDiff['effect'], string> = {
  none: 'no effect on access',
  widens: '**widens access**',
  narrows: 'narrows access',
  'widens-and-narrows': '**widens access** (and narrows some)',
};

export function renderPolicyDiffMarkdown(diff: PolicyDiff): string {
  const lines: string[] = [];
  lines.push(`### Key policy change: ${EFFECT[diff.effect]}`, '');
  lines.push(`Key ${code(diff.key.arn)} (account ${cell(diff.key.account)}, ${cell(diff.key.region)})`, '');
  if (diff.principals.length === 0) {
    lines.push('No principal gains or loses any KMS action under any condition.', '');
  } else {
    lines.push('| | principal | change | actions | when |', '|---|---|---|---|---|');
    for (const { principal, changes } of diff.principals) {
      for (const change of changes) {
        const when =
          change.conditions.length === 0 ? 'always' : change.conditions.map((c) => code(c)).join(' and ');
        lines.push(
          `| ${change.widens ? '⚠' : ''} | ${code(principal === '*' ? '* (anyone)' : principal)} | ${CHANGE_WORDS[change.change][change.scope]} | ${change.actions.map(cell).join(', ')} | ${when} |`,
        );
      }
    }
    lines.push('');
  }
  lines.push('#### Execution roles: kms:CreateGrant via SageMaker', '');
  if (diff.executionRoles.length === 0) {
    lines.push('No execution role is known (name them with `--execution-role`).', '');
  } else {
    lines.push('| role | from | before | after |', '|---|---|---|---|');
    for (const role of diff.executionRoles)
      lines.push(`| ${code(role.role)} | ${role.source} | ${TRI[role.before]} | ${TRI[role.after]} |`);
    lines.push('');
    const broken = diff.executionRoles.filter((role) => role.before !== 'no' && role.after === 'no');
    if (broken.length > 0)
      lines.push(
        `⚠ ${broken.length} execution role(s) lose CreateGrant: HyperPod can no longer attach volumes encrypted with this key.`,
        '',
      );
  }
  lines.push('#### Key administration', '');
  const admin = diff.administration;
  const list = (names: string[]) => (names.length === 0 ? 'nobody' : names.map(code).join(', '));
  lines.push(`- may change the key policy before: ${list(admin.before)}`);
  lines.push(`- after: ${list(admin.after)}`);
  for (const lost of admin.lost)
    lines.push(`- ${code(lost.principal)} loses ${lost.actions.map(cell).join(', ')}`);
  if (admin.lockout)
    lines.push(
      '',
      '⚠ **Lockout**: after this change no principal may change the key policy; only AWS Support can restore access.',
    );
  lines.push('');
  lines.push('#### Rule verdicts', '', '| rule | before | after |', '|---|---|---|');
  for (const rule of diff.rules) {
    const verdict = (v: PolicyDiff['rules'][number]['before']) =>
      v ? `${v.status}: ${cell(v.message)}` : '—';
    lines.push(
      `| ${rule.changed ? '**' : ''}${rule.ruleId}${rule.changed ? '**' : ''} | ${verdict(rule.before)} | ${verdict(rule.after)} |`,
    );
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}
