import { fileURLToPath } from 'node:url';
import { DEMO_TIME, demoEstate } from '../../demo/estate.js';
import { demoHistory } from '../../demo/history.js';
import { serializeSnapshot } from '../../model/snapshot.js';
import { runPipeline } from '../../pipeline.js';
import { dashboardFromScans } from '../../reporters/html/data.js';
import { renderDashboard } from '../../reporters/html/render.js';
import {
  emitReport,
  exitCode,
  gatingOptions,
  loadConfig,
  narrowingFlags,
  planOutputs,
  reportOptions,
  reportOptionsFrom,
  writeOutput,
} from '../common.js';
import { saveToHistory } from '../history.js';
import { defineCommand } from '../spec.js';

/** The demo's config ships in the package, next to dist/ and src/. */
export const DEMO_CONFIG_URL = new URL('../../../demo/hyperpod-cmk.yaml', import.meta.url);

const WEEK_MS = 7 * 86_400_000;
const DEMO_NOTE =
  'Demo: thirteen weekly scans of the bundled demo estate (scripted changes: keys rotated in week 3, a Slurm pilot ' +
  'deleted in week 9, genai-batch created in week 7, a key scheduled for deletion in week 11).';

export const demoCommand = defineCommand({
  name: 'demo',
  summary:
    'run the whole pipeline on the bundled demo estate (3 accounts, 11 clusters; no AWS account needed)',
  description:
    'Evaluates a bundled snapshot of a realistic HyperPod estate with the bundled demo config, at the time the ' +
    'snapshot was taken (--now moves the clock). Exits 0 unless --fail-on is given.',
  options: [
    ...reportOptions(undefined, { failOn: 'none' }),
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
        "save the demo's thirteen weekly scans to this history database (the demo never saves by default, so it cannot pollute your history)",
    },
  ],
  examples: [
    'hyperpod-cmk demo',
    'hyperpod-cmk demo --format json',
    'hyperpod-cmk demo --export estate.json',
    'hyperpod-cmk demo --live',
    'hyperpod-cmk demo --format html -o demo.html',
  ],
  async run(_args, flags, io) {
    const options = reportOptionsFrom(flags);
    // Seeding the emulator needs the AWS SDK: only `demo --live` loads it.
    if (flags.live === true) return (await import('./demo-live.js')).runLiveDemo(io, options);
    const inventory = demoEstate();
    if (typeof flags.export === 'string') {
      writeOutput(io, serializeSnapshot(inventory), {
        format: 'inventory',
        output: flags.export,
        what: 'demo estate',
      });
    }
    // The demo brings its own config; a hyperpod-cmk.yaml in the working directory does not apply.
    const config = loadConfig(
      io,
      options.config ? options : { ...options, config: fileURLToPath(DEMO_CONFIG_URL) },
    );
    const now = options.now ?? new Date(DEMO_TIME);
    // A quarter of weekly scans ending at the clock, the last one being the demo estate itself:
    // only the dashboard and a demo history need the earlier weeks.
    const html = planOutputs(options).some((output) => output.format === 'html');
    const withHistory = html || typeof flags.db === 'string';
    const gating = gatingOptions(io, options);
    const weeks = withHistory ? demoHistory() : [{ inventory }];
    const runs = weeks.map((week, i) => {
      const at = new Date(now.getTime() - (weeks.length - 1 - i) * WEEK_MS);
      return {
        inventory: week.inventory,
        ...runPipeline(week.inventory, { config, now: at, inputs: ['demo'], evaluate: gating }),
      };
    });
    const { evaluation, report } = runs[runs.length - 1]!;
    emitReport(io, report, options, {
      renderers: {
        html: () => {
          const data = dashboardFromScans(runs);
          return renderDashboard({ ...data, notes: [DEMO_NOTE, ...data.notes] });
        },
      },
    });
    for (const run of runs) {
      const saveFailed = await saveToHistory(io, flags, run.report, run.inventory, {
        explicitOnly: true,
        narrowedBy: narrowingFlags(options),
      });
      if (saveFailed !== undefined) return saveFailed;
    }
    if (options.failOn === 'none') return 0;
    return exitCode(evaluation, inventory.gaps.length, options);
  },
});
