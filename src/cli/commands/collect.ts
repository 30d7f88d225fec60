import { DEFAULT_CONFIG_FILE } from '../../config/load.js';
import { serializeSnapshot } from '../../model/snapshot.js';
import { MAX_SHOWN_CHARS, shortened } from '../../model/text.js';
import { escapeControl } from '../../reporters/escape.js';
import { absolute, loadConfig } from '../common.js';
import { inputError } from '../errors.js';
import { collectLive, collectOptionsFrom, scopeOptions } from '../live.js';
import { defineCommand } from '../spec.js';

export const collectCommand = defineCommand({
  name: 'collect',
  summary: 'collect the live inventory into a snapshot file, for `evaluate FILE` later or elsewhere',
  description:
    'The first half of `scan`: reads the same data and writes it as an inventory snapshot (JSON, ' +
    'schemas/inventory.schema.json). `hyperpod-cmk evaluate FILE` then gives the findings `scan` would have. ' +
    'Exits 3 when some data could not be read (see the gaps in the file).',
  options: [
    ...scopeOptions,
    { flags: '-o, --output <file>', description: 'write the snapshot here (default: stdout)' },
    {
      flags: '--config <file>',
      description: `config file, for the key selector and CloudTrail lookback (default: ${DEFAULT_CONFIG_FILE} if present)`,
    },
  ],
  examples: [
    'hyperpod-cmk collect --region us-east-1 -o inventory.json',
    'hyperpod-cmk evaluate inventory.json --format markdown',
  ],
  async run(_args, flags, io) {
    const config = loadConfig(io, flags.config === undefined ? {} : { config: flags.config });
    const now = io.now();
    const { inventory, issues } = await collectLive(io, { ...collectOptionsFrom(flags, config, io), now });
    for (const issue of issues)
      io.stderr.write(
        `hyperpod-cmk: ${issue.severity}: ${escapeControl(shortened(issue.message, MAX_SHOWN_CHARS))}\n`,
      );
    const text = serializeSnapshot(inventory);
    if (typeof flags.output === 'string') {
      try {
        io.writeFile(absolute(io, flags.output), text);
      } catch (error) {
        throw inputError({
          code: 'output.unwritable',
          input: flags.output,
          message: `cannot write the snapshot: ${(error as Error).message}`,
        });
      }
      const groups = inventory.clusters.reduce((n, cluster) => n + cluster.instanceGroups.length, 0);
      const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
      io.stderr.write(
        `hyperpod-cmk: ${count(inventory.accounts.length, 'account')}, ${count(inventory.clusters.length, 'cluster')}, ` +
          `${count(groups, 'instance group')}, ${count(inventory.keys.length, 'key')}, ${count(inventory.gaps.length, 'gap')} ` +
          `written to ${escapeControl(flags.output)}\n`,
      );
    } else {
      io.stdout.write(text);
    }
    return inventory.gaps.length > 0 ? 3 : 0;
  },
});
