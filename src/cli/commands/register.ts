import { evaluate } from '../../engine/evaluate.js';
import { buildRegister, REGISTER_SCHEMA_VERSION } from '../../register/build.js';
import { renderRegisterCsv, renderRegisterHtml, renderRegisterMarkdown } from '../../register/render.js';
import { writeOutput } from '../common.js';
import { readEstate, sourceOptions } from '../inventory-source.js';
import { defineCommand } from '../spec.js';

const USAGE = 'hyperpod-cmk register --from inventory.json --format csv -o keys.csv';

export const registerCommand = defineCommand({
  name: 'register',
  summary:
    'the key register: every governed key, its owner, state, rotation, protection, users, clusters and findings',
  description:
    'One document listing every key of the estate: alias, account and Region, owner and project tags, spec, state, ' +
    'rotation and last rotation, deletion protection, admins and users from the key policy, the clusters and ' +
    'instance groups it protects, DR replicas, grants and open findings. Rows are ordered by account, Region and ' +
    'alias so that two registers diff line by line. From a snapshot (--from), the demo (--demo) or a live scan.',
  options: [
    {
      flags: '--format <format>',
      description: 'output format',
      choices: ['markdown', 'csv', 'html', 'json'],
      default: 'markdown',
    },
    { flags: '-o, --output <file>', description: 'write to a file instead of stdout' },
    ...sourceOptions({ iac: false, live: true }),
  ],
  examples: [
    'hyperpod-cmk register --from inventory.json',
    'hyperpod-cmk register --demo --format html -o register.html',
    'hyperpod-cmk register --org --role-name HyperPodCmkAudit --all-regions --format csv -o keys.csv',
  ],
  async run(_args, flags, io) {
    const estate = await readEstate(flags, io, { iac: false, live: true }, USAGE);
    const { findings } = evaluate(estate.inventory, { config: estate.config, now: estate.now });
    const entries = buildRegister(estate.inventory, findings);
    const meta = { generatedAt: estate.inventory.generatedAt, source: estate.label };
    const format = String(flags.format ?? 'markdown');
    const text =
      format === 'csv'
        ? renderRegisterCsv(entries)
        : format === 'html'
          ? renderRegisterHtml(entries, meta)
          : format === 'json'
            ? `${JSON.stringify({ schemaVersion: REGISTER_SCHEMA_VERSION, ...meta, keys: entries }, null, 2)}\n`
            : renderRegisterMarkdown(entries, meta);
    writeOutput(io, text, { format, ...(typeof flags.output === 'string' ? { output: flags.output } : {}) });
    return 0;
  },
});
