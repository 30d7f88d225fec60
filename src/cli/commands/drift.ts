import { detectDrift } from '../../drift/drift.js';
import { markdownText } from '../../reporters/escape.js';
import { outputOptions, planOutput, writeOutput } from '../common.js';
import { inputError } from '../errors.js';
import { readEstate, sourceOptions } from '../inventory-source.js';
import { defineCommand } from '../spec.js';

const DRIFT_FORMATS = ['markdown', 'json'] as const;
const USAGE = 'hyperpod-cmk drift infra/ --from inventory.json';

export const driftCommand = defineCommand({
  name: 'drift',
  summary: 'where the deployed clusters and keys differ from their infrastructure-as-code',
  description:
    'Scans the IaC PATHs as `iac` does and compares each cluster it defines with the deployed cluster of the same ' +
    'name (and account and Region where the code names them), from a snapshot (--from) or a live scan: the key of ' +
    'each volume, the provisioning mode, instance groups on one side only, and the rotation and policy (by effect) ' +
    'of the keys the code defines. Exit 1 when something drifted, 0 when nothing did, 3 when only unknowns remain.',
  args: [
    {
      name: 'paths',
      description: 'infrastructure-as-code files or directories',
      required: true,
      variadic: true,
    },
  ],
  options: [
    ...outputOptions(DRIFT_FORMATS, 'markdown', 'drift'),
    {
      flags: '--match-tag <key>',
      description:
        'match a cluster of the code to the deployed cluster with the same value of this tag (default: by name)',
    },
    ...sourceOptions({ iac: false, live: true }).filter((option) => option.flags !== '--demo'),
  ],
  examples: [
    'hyperpod-cmk drift infra/ --from inventory.json',
    'hyperpod-cmk drift stack.yaml --region us-east-1',
  ],
  async run(args, flags, io) {
    const output = planOutput(flags, DRIFT_FORMATS, 'markdown');
    const code = await readEstate(
      { iac: [...args], ...(typeof flags.config === 'string' ? { config: flags.config } : {}) },
      io,
      { iac: true, live: false },
      USAGE,
    );
    if (code.inventory.clusters.length === 0)
      throw inputError({
        code: 'input.no_clusters',
        input: args.join(' '),
        message: 'defines no HyperPod cluster to compare',
        hint: USAGE,
      });
    const deployed = await readEstate(flags, io, { iac: false, live: true }, USAGE);
    const report = detectDrift(
      code.inventory,
      deployed.inventory,
      typeof flags.matchTag === 'string' ? { matchTag: flags.matchTag } : {},
    );
    const cell = markdownText;
    const text =
      output.format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : [
            `### Drift: ${report.items.filter((i) => i.status === 'drift').length} difference(s), ${report.items.filter((i) => i.status === 'unknown').length} unknown, ${report.matched} cluster(s) matched`,
            '',
            ...(report.items.length === 0
              ? ['The deployed clusters and keys match their code.']
              : [
                  '| status | what | cluster / key | group | code | deployed |',
                  '|---|---|---|---|---|---|',
                  ...report.items.map(
                    (i) =>
                      `| ${i.status} | ${i.kind} | ${cell(i.cluster || i.key || '')} | ${cell(i.group ?? '')} | ${cell(i.code)} | ${cell(i.deployed)} |`,
                  ),
                ]),
            '',
          ].join('\n');
    writeOutput(io, text, { format: output.format, ...(output.path ? { output: output.path } : {}) });
    if (report.items.some((i) => i.status === 'drift')) return 1;
    return report.items.length > 0 ? 3 : 0;
  },
});
