import { describeFix, planFixes } from '../../remediation/fixes.js';
import { escapeControl } from '../../reporters/escape.js';
import { fittedTable } from '../../reporters/text-table.js';
import { terminalWidth } from '../common.js';
import { inputError } from '../errors.js';
import { readEstate, sourceOptions } from '../inventory-source.js';
import { defineCommand } from '../spec.js';

const USAGE = 'hyperpod-cmk fix --region us-east-1            # then, after reading it: --apply';

function parseTag(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const match = /^([^=]+)=(.+)$/.exec(value);
  if (!match)
    throw inputError({
      code: 'usage.tag',
      input: '--tag',
      message: `"${escapeControl(value)}" is not NAME=VALUE`,
      hint: 'e.g. --tag owner=ml-platform',
    });
  return { ...previous, [match[1]!.trim()]: match[2]! };
}

export const fixCommand = defineCommand({
  name: 'fix',
  summary:
    'the safe, reversible fixes: rotation, cancel a scheduled deletion (and re-enable), missing required tags',
  description:
    "Shows the fixes a live scan calls for, and applies them only with --apply: enable key rotation, cancel a key's " +
    'scheduled deletion and re-enable it, add the required tags a key or a cluster lacks (values from --tag, or for a ' +
    'key the value its clusters agree on). Nothing else, and nothing that can lose data. The permissions it needs ' +
    "beyond the scanner's are in docs/iam-fixer-policy.json. With --from, shows the fixes of a snapshot (dry run only).",
  options: [
    { flags: '--apply', description: 'apply the fixes (default: show them and change nothing)' },
    {
      flags: '--tag <name=value>',
      description: 'the value of a required tag to add where it is missing (repeatable)',
      parse: parseTag,
    },
    ...sourceOptions({ iac: false, live: true }).filter((option) => option.flags !== '--demo'),
  ],
  examples: [
    'hyperpod-cmk fix --region us-east-1',
    'hyperpod-cmk fix --region us-east-1 --tag owner=ml-platform --tag project=llm --apply',
    'hyperpod-cmk fix --from inventory.json',
  ],
  async run(_args, flags, io) {
    const apply = flags.apply === true;
    if (apply && typeof flags.from === 'string')
      throw inputError({
        code: 'usage.apply',
        input: '--apply',
        message: 'applies to a live scan only: a snapshot may be out of date',
        hint: USAGE,
      });
    const estate = await readEstate(flags, io, { iac: false, live: true }, USAGE);
    const { fixes, skipped } = planFixes(estate.inventory, estate.config, flags.tag ?? {});
    if (fixes.length === 0) io.stdout.write(`Nothing to fix in ${escapeControl(estate.label)}.\n`);
    if (!apply && fixes.length > 0) {
      io.stdout.write(
        `${fittedTable(
          ['FIX', 'CHANGE'],
          fixes.map((fix) => [fix.kind, escapeControl(describeFix(fix))]),
          [22, 140],
          terminalWidth(io),
        )}\n\n` +
          `Dry run: nothing was changed. ${fixes.length} fix(es) above; run again with --apply to make them.\n`,
      );
    }
    let failed = 0;
    if (apply && fixes.length > 0) {
      const { applyFixes } = await import('../../remediation/apply.js');
      const outcomes = await applyFixes(fixes, {
        ...(typeof flags.profile === 'string' && flags.profile ? { profile: flags.profile } : {}),
        ...(typeof flags.endpointUrl === 'string' && flags.endpointUrl
          ? { endpoint: flags.endpointUrl }
          : {}),
      });
      failed = outcomes.filter((o) => o.status === 'failed').length;
      io.stdout.write(
        `${fittedTable(
          ['FIX', 'CHANGE', 'RESULT'],
          outcomes.map((o) => [
            o.fix.kind,
            escapeControl(describeFix(o.fix)),
            escapeControl(o.status + (o.message ? `: ${o.message}` : '')),
          ]),
          [22, 100, 60],
          terminalWidth(io),
        )}\n\n${outcomes.length - failed} of ${outcomes.length} fix(es) applied.\n`,
      );
    }
    for (const item of skipped)
      io.stdout.write(`not fixed: ${escapeControl(item.resource)}: ${escapeControl(item.reason)}\n`);
    return failed > 0 ? 1 : 0;
  },
});
