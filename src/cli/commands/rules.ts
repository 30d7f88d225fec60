import { fittedTable } from '../../reporters/text-table.js';
import { ruleCatalog } from '../../rules/catalog.js';
import type { Rule } from '../../rules/define-rule.js';
import { findRule, RULES } from '../../rules/registry.js';
import { TOOL_VERSION } from '../../version.js';
import { terminalWidth } from '../common.js';
import { inputError } from '../errors.js';
import { defineCommand } from '../spec.js';

export function explainRule(rule: Rule): string {
  const m = rule.meta;
  const lines = [
    `${m.id} (${m.severity}, ${m.resourceType})`,
    m.title,
    '',
    m.rationale,
    '',
    `Remediation: ${m.remediation.summary}`,
  ];
  if (m.remediation.cli) lines.push('', 'CLI:', ...m.remediation.cli.split('\n').map((l) => `  ${l}`));
  if (m.remediation.cloudformation)
    lines.push('', 'CloudFormation:', ...m.remediation.cloudformation.split('\n').map((l) => `  ${l}`));
  if (m.remediation.terraform)
    lines.push('', 'Terraform:', ...m.remediation.terraform.split('\n').map((l) => `  ${l}`));
  lines.push('', `Sources: ${m.sources.join(', ')}`);
  if (m.config?.length) lines.push(`Config: ${m.config.join(', ')}`);
  const frameworks = Object.entries(m.frameworks).map(([name, controls]) => `${name} ${controls.join(', ')}`);
  if (frameworks.length) lines.push(`Frameworks: ${frameworks.join('; ')}`);
  if (m.references.length) lines.push('References:', ...m.references.map((r) => `  ${r}`));
  return `${lines.join('\n')}\n`;
}

const explainCommand = defineCommand({
  name: 'explain',
  summary: 'show one rule: rationale, remediation (CLI, CloudFormation, Terraform), frameworks',
  args: [{ name: 'id', description: 'rule id', required: true }],
  options: [
    {
      flags: '--format <format>',
      description: 'output format; json is the catalog document of `rules --format json` with this rule only',
      choices: ['text', 'json'],
      default: 'text',
    },
  ],
  async run([id], options, io) {
    const rule = findRule(id!);
    if (!rule) {
      const close = RULES.map((r) => r.meta.id).filter((ruleId) =>
        ruleId.includes(id!.replace(/^(hyperpod|kms|account)-/, '')),
      );
      throw inputError({
        code: 'usage.rule',
        input: id!,
        message: 'no such rule',
        hint: close.length
          ? `did you mean ${close.slice(0, 3).join(', ')}?`
          : '`hyperpod-cmk rules` lists them',
      });
    }
    io.stdout.write(
      // The catalog's versioned document (schemas/rules.schema.json), holding the one rule.
      options.format === 'json'
        ? `${JSON.stringify(ruleCatalog([rule], TOOL_VERSION), null, 2)}\n`
        : explainRule(rule),
    );
    return 0;
  },
});

export const rulesCommand = defineCommand({
  name: 'rules',
  summary: 'list the rule catalog',
  options: [
    {
      flags: '--format <format>',
      description: 'output format; json is versioned (schemaVersion 1, schemas/rules.schema.json)',
      choices: ['table', 'json', 'markdown'],
      default: 'table',
    },
  ],
  subcommands: [explainCommand],
  async run(_args, options, io) {
    if (options.format === 'json') {
      io.stdout.write(`${JSON.stringify(ruleCatalog(RULES, TOOL_VERSION), null, 2)}\n`);
    } else if (options.format === 'markdown') {
      const rows = RULES.map(
        (r) => `| \`${r.meta.id}\` | ${r.meta.severity} | ${r.meta.resourceType} | ${r.meta.title} |`,
      );
      io.stdout.write(
        ['| Rule | Severity | Resource | Secure condition |', '|---|---|---|---|', ...rows, ''].join('\n'),
      );
    } else {
      const rows = RULES.map((r) => [r.meta.id, r.meta.severity, r.meta.resourceType, r.meta.title]);
      io.stdout.write(
        `${fittedTable(['RULE', 'SEVERITY', 'RESOURCE', 'SECURE CONDITION'], rows, [40, 8, 14, 90], terminalWidth(io))}\n`,
      );
    }
    return 0;
  },
});
