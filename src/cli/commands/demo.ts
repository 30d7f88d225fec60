import { fileURLToPath } from 'node:url';
import { DEMO_TIME, demoEstate } from '../../demo/estate.js';
import { serializeSnapshot } from '../../model/snapshot.js';
import { runPipeline } from '../../pipeline.js';
import { absolute, emitReport, exitCode, loadConfig, reportOptions, reportOptionsFrom } from '../common.js';
import { saveToHistory } from '../history.js';
import type { CommandSpec } from '../spec.js';
import { runLiveDemo } from './demo-live.js';

/** The demo's config ships in the package, next to dist/ and src/. */
export const DEMO_CONFIG_URL = new URL('../../../demo/hyperpod-cmk.yaml', import.meta.url);

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary:
    'run the whole pipeline on the bundled demo estate (3 accounts, 10 clusters; no AWS account needed)',
  description:
    'Evaluates a bundled snapshot of a realistic HyperPod estate with the bundled demo config, at the time the ' +
    'snapshot was taken (--now moves the clock). Exits 0 unless --fail-on is given.',
  options: [
    ...reportOptions().map((option) =>
      option.flags.startsWith('--fail-on') ? { ...option, default: 'none' } : option,
    ),
    {
      flags: '--export <file>',
      description: 'also write the demo estate as an inventory snapshot (for `evaluate`)',
    },
    {
      flags: '--live',
      description:
        'seed the estate into a local AWS emulator (moto, needs python3) through the AWS API and run the real scan against it',
    },
    {
      flags: '--db <file>',
      description:
        'save the demo scan to this history database (the demo never saves by default, so it cannot pollute your history)',
    },
  ],
  examples: [
    'hyperpod-cmk demo',
    'hyperpod-cmk demo --format json',
    'hyperpod-cmk demo --export estate.json',
    'hyperpod-cmk demo --live',
    'hyperpod-cmk demo --format html -o demo.html',
  ],
  async run(_args, raw, io) {
    const options = reportOptionsFrom(raw);
    if (raw.live === true) return runLiveDemo(io, options);
    const inventory = demoEstate();
    if (typeof raw.export === 'string') {
      io.writeFile(absolute(io, raw.export), serializeSnapshot(inventory));
      io.stderr.write(`hyperpod-cmk: demo estate written to ${raw.export}\n`);
    }
    // The demo brings its own config; a hyperpod-cmk.yaml in the working directory does not apply.
    const config = loadConfig(
      io,
      options.config ? options : { ...options, config: fileURLToPath(DEMO_CONFIG_URL) },
    );
    const now = options.now ?? new Date(DEMO_TIME);
    const { evaluation, report } = runPipeline(inventory, { config, now, inputs: ['demo'] });
    emitReport(io, report, options);
    const saveFailed = saveToHistory(io, raw, report, inventory, { explicitOnly: true });
    if (saveFailed !== undefined) return saveFailed;
    if (options.failOn === 'none') return 0;
    return exitCode(evaluation, inventory.gaps.length, options);
  },
};
