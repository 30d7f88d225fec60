/**
 * `demo --live`: the demo estate seeded into the moto server through the AWS API, then the real
 * scan of it, reported like any scan. On stderr it says what the emulator could not carry and
 * which verdicts that changed against the bundled snapshot.
 */
import { fileURLToPath } from 'node:url';
import { aliasesOf, compareFindings, type VerdictChange } from '../../demo/compare.js';
import { DEMO_ACCOUNTS, DEMO_TIME, demoEstate } from '../../demo/estate.js';
import { MotoUnavailableError, startMoto } from '../../demo/moto-server.js';
import { seedEstate } from '../../demo/seed.js';
import { runPipeline } from '../../pipeline.js';
import { emitReport, exitCode, loadConfig, type ReportOptions } from '../common.js';
import { inputError } from '../errors.js';
import type { Io } from '../io.js';
import { collectLive } from '../live.js';
import { DEMO_CONFIG_URL } from './demo.js';

export async function runLiveDemo(io: Io, options: ReportOptions): Promise<number> {
  const config = loadConfig(
    io,
    options.config ? options : { ...options, config: fileURLToPath(DEMO_CONFIG_URL) },
  );
  let moto: Awaited<ReturnType<typeof startMoto>>;
  try {
    moto = await startMoto(io.env.HYPERPOD_CMK_PYTHON ? { python: io.env.HYPERPOD_CMK_PYTHON } : {});
  } catch (error) {
    if (!(error instanceof MotoUnavailableError)) throw error;
    throw inputError({
      code: 'demo.moto_missing',
      input: 'demo --live',
      message: error.message.replace(/\. Install it with.*$/, ''),
      hint: 'python3 -m pip install "moto[server]==5.2.1" (or run `hyperpod-cmk demo` without --live)',
    });
  }
  try {
    const estate = demoEstate();
    io.stderr.write(`hyperpod-cmk: seeding the demo estate into the AWS emulator at ${moto.url}\n`);
    const seeded = await seedEstate(moto.url, estate);
    const { inventory, issues } = await collectLive(io, {
      endpoint: moto.url,
      credentials: async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' }),
      accounts: Object.values(DEMO_ACCOUNTS),
      roleName: 'HyperPodCmkAudit',
      regions: [...new Set(estate.accounts.flatMap((account) => account.regions))],
      // The emulator has no CloudTrail Event history: asking would only fail, slowly.
      cloudtrail: false,
      lookbackDays: config.lookbackDays,
      ...(config.keySelectorTags ? { keySelectorTags: config.keySelectorTags } : {}),
      now: new Date(DEMO_TIME),
    });
    const now = options.now ?? new Date(DEMO_TIME);
    const { evaluation, report } = runPipeline(inventory, { config, now, issues, inputs: ['demo --live'] });
    emitReport(io, report, options);

    const expected = runPipeline(estate, { config, now }).evaluation.findings;
    const changes = compareFindings(
      expected,
      aliasesOf(estate.keys),
      evaluation.findings,
      aliasesOf(inventory.keys),
    );
    const lines = [
      '',
      'What the emulator could not carry:',
      ...seeded.notSeeded.map((fact) => `  - ${fact}`),
      '  - DescribeCluster drops NodeProvisioningMode and Orchestrator: the provisioning-mode rule says UNKNOWN',
      '  - the AccessDenied gaps of the bundled snapshot are not reproduced: the emulator allows every call',
      '',
      `Verdicts that differ from the bundled snapshot (\`hyperpod-cmk demo\`) because of that: ${changes.length}`,
      ...groupChanges(changes),
      '',
    ];
    io.stderr.write(lines.join('\n'));
    if (options.failOn === 'none') return 0;
    return exitCode(evaluation, inventory.gaps, options);
  } finally {
    await moto.stop();
  }
}

/** One line per resource and change of verdict, naming the rules: the list stays readable. */
function groupChanges(changes: readonly VerdictChange[]): string[] {
  const groups = new Map<string, string[]>();
  for (const change of changes) {
    const after = change.after === 'missing' ? 'not reported' : change.after;
    const key = `${change.resource}: ${change.before} -> ${after}`;
    groups.set(key, [...(groups.get(key) ?? []), change.ruleId]);
  }
  return [...groups].map(([key, rules]) => `  ${key} (${rules.join(', ')})`);
}
