import { evaluate } from '../../engine/evaluate.js';
import { buildRegister, registerDocument } from '../../register/build.js';
import { renderRegisterCsv, renderRegisterHtml, renderRegisterMarkdown } from '../../register/render.js';
import { outputOptions, planOutput, writeOutput } from '../common.js';
import { readEstate, sourceOptions } from '../inventory-source.js';
import { defineCommand } from '../spec.js';

const REGISTER_FORMATS = ['markdown', 'csv', 'html', 'json'] as const;
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
    ...outputOptions(REGISTER_FORMATS, 'markdown', 'register'),
    ...sourceOptions({ iac: false, live: true }),
  ],
  examples: [
    'hyperpod-cmk register --from inventory.json',
    'hyperpod-cmk register --demo --format html -o register.html',
    'hyperpod-cmk register --org --role-name HyperPodCmkAudit --all-regions --format csv -o keys.csv',
  ],
  async run(_args, flags, io) {
    const output = planOutput(flags, REGISTER_FORMATS, 'markdown');
    const estate = await readEstate(flags, io, { iac: false, live: true }, USAGE);
    const { findings } = evaluate(estate.inventory, { config: estate.config, now: estate.now });
    const entries = buildRegister(estate.inventory, findings);
    const meta = { generatedAt: estate.inventory.generatedAt, source: estate.label };
    const text =
      output.format === 'csv'
        ? renderRegisterCsv(entries)
        : output.format === 'html'
          ? renderRegisterHtml(entries, meta)
          : output.format === 'json'
            ? `${JSON.stringify(registerDocument(entries, meta), null, 2)}\n`
            : renderRegisterMarkdown(entries, meta);
    writeOutput(io, text, { format: output.format, ...(output.path ? { output: output.path } : {}) });
    return 0;
  },
});
