import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_TIME, demoEstate } from '../../demo/estate.js';
import { generateGuardrails } from '../../guardrails/index.js';
import { emptyInventory, type Inventory } from '../../model/inventory.js';
import { isRegionName } from '../../model/regions.js';
import { parseSnapshot } from '../../model/snapshot.js';
import { bounded } from '../../model/text.js';
import { escapeControl, terminalSafe } from '../../reporters/escape.js';
import { fittedTable } from '../../reporters/text-table.js';
import { absolute, configInputLabel, loadConfig, parseNow, readInput, terminalWidth } from '../common.js';
import { iacErrorWarnings, inputError } from '../errors.js';
import type { Io } from '../io.js';
import { defineCommand } from '../spec.js';
import { DEMO_CONFIG_URL } from './demo.js';

/** The detection Lambda, bundled at build time from src/lambda (scripts/bundle-lambda.mjs). */
export const LAMBDA_BUNDLE_URL = new URL('../../../dist/guardrails-lambda/index.js', import.meta.url);

/** Files the command's table lists; manifest.json lists every file (an organisation has a key policy per key). */
const LISTED_FILES = 200;

interface InventoryChoice {
  inventory: Inventory;
  label: string;
  /** The demo brings its config and clock. */
  demo: boolean;
}

/**
 * Where the inventory comes from. A live scan (issue 3) and IaC paths (issue 4) plug in here: each
 * returns an `Inventory` like the snapshot and the demo do, and nothing downstream changes.
 */
async function chooseInventory(
  flags: { iac?: string[] | undefined; from?: string | undefined; demo?: boolean | undefined },
  io: Io,
  now: Date,
): Promise<InventoryChoice> {
  const iacPaths = flags.iac ?? [];
  const sources = [
    typeof flags.from === 'string' && '--from',
    flags.demo === true && '--demo',
    iacPaths.length > 0 && '--iac',
  ].filter(Boolean);
  if (sources.length > 1) {
    throw inputError({
      code: 'usage.source',
      input: String(sources[0]),
      message: `${sources.join(' and ')} are different inventories; give one`,
      hint: 'hyperpod-cmk guardrails --from inventory.json --out guardrails/',
    });
  }
  if (iacPaths.length > 0) {
    const { scanIac } = await import('../../parsers/iac.js');
    const scanned = await scanIac({ paths: iacPaths, cwd: io.cwd, generatedAt: now.toISOString() });
    if (!scanned.ok) throw inputError(scanned.error);
    io.stderr.write(iacErrorWarnings(scanned.value.issues));
    return {
      inventory: scanned.value.inventory,
      label: `the infrastructure-as-code in ${iacPaths.join(', ')}`,
      demo: false,
    };
  }
  if (typeof flags.from === 'string') {
    const parsed = parseSnapshot(() => readInput(io, flags.from!, 'inventory snapshot'), flags.from);
    if (!parsed.ok) throw inputError(parsed.error);
    return { inventory: parsed.value, label: `the inventory snapshot ${flags.from}`, demo: false };
  }
  if (flags.demo === true) return { inventory: demoEstate(), label: 'the bundled demo estate', demo: true };
  return { inventory: emptyInventory('snapshot', now.toISOString()), label: 'the config alone', demo: false };
}

function parseKeyTag(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const match = /^([^=]+)=(.*)$/.exec(value);
  if (!match || !match[1]!.trim()) {
    throw inputError({
      code: 'usage.key_tag',
      input: '--key-tag',
      message: `"${value}" is not KEY=VALUE`,
      hint: 'e.g. --key-tag hyperpod=approved',
    });
  }
  return { ...previous, [match[1]!.trim()]: match[2]! };
}

function parseNumber(flag: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min) {
      throw inputError({
        code: 'usage.number',
        input: flag,
        message: `"${value}" is not a number of at least ${min}`,
      });
    }
    return n;
  };
}

export const guardrailsCommand = defineCommand({
  name: 'guardrails',
  summary:
    'write key policies, SCPs, a Config rule stack, EventBridge rules, a tag policy, a budget and CI policies',
  description:
    'Writes ready-to-deploy files into --out DIR with a README explaining each one, what it enforces and what it ' +
    'cannot. Works from an inventory snapshot (--from), the demo estate (--demo), or the config alone. Applies nothing.',
  options: [
    { flags: '--out <dir>', description: 'directory to write the guardrails into (created if missing)' },
    { flags: '--from <file>', description: 'inventory snapshot (from `collect -o FILE` or `demo --export`)' },
    { flags: '--demo', description: 'use the bundled demo estate (and its config unless --config is given)' },
    {
      flags: '--iac <path...>',
      description:
        'infrastructure-as-code to read the clusters and keys from (what `hyperpod-cmk iac` scans)',
    },
    { flags: '--config <file>', description: 'config file (default: hyperpod-cmk.yaml if present)' },
    {
      flags: '--execution-role <arn...>',
      description:
        'also propose a key policy for a new instance group with this execution role (needs --region)',
    },
    { flags: '--region <region>', description: 'the Region of the keys proposed for --execution-role' },
    {
      flags: '--key-tag <key=value>',
      description:
        'the tag that marks approved HyperPod keys (repeatable; default: config keySelector.tags, else hyperpod-cmk=approved)',
      parse: parseKeyTag,
      repeatable: true,
    },
    {
      flags: '--budget-headroom <percent>',
      description: 'headroom over the projected KMS cost for the budget limit',
      default: 25,
      parse: parseNumber('--budget-headroom', 0),
    },
    {
      flags: '--budget-limit <usd>',
      description: 'monthly budget limit in USD, instead of the derived one',
      parse: parseNumber('--budget-limit', 1),
    },
    { flags: '--now <time>', description: 'the clock for the cost model, ISO-8601', parse: parseNow },
    {
      flags: '--org',
      description:
        'also write the organization form of detection (detection/organization/): a service-managed StackSet, per-Region code buckets, an organization Config aggregator and an organization Config rule',
    },
  ],
  examples: [
    'hyperpod-cmk guardrails --from inventory.json --out guardrails/',
    'hyperpod-cmk guardrails --demo --out /tmp/guardrails',
    'hyperpod-cmk guardrails --iac infra/ --out guardrails/',
    'hyperpod-cmk guardrails --from inventory.json --org --out guardrails/',
    'hyperpod-cmk collect --org --role-name HyperPodCmkAudit -o inventory.json && hyperpod-cmk guardrails --from inventory.json --out guardrails/',
    'hyperpod-cmk guardrails --out guardrails/ --execution-role arn:aws:iam::111122223333:role/hyperpod-exec --region us-east-1',
  ],
  async run(_args, flags, io) {
    const outDir = flags.out;
    if (outDir === undefined || outDir === '') {
      throw inputError({
        code: 'usage.out',
        input: '--out',
        message: 'missing: where should the guardrails be written?',
        hint: 'hyperpod-cmk guardrails --out guardrails/',
      });
    }
    const roles = flags.executionRole ?? [];
    const region = flags.region;
    if (roles.length > 0 && (!region || !isRegionName(region))) {
      throw inputError({
        code: 'usage.region',
        input: '--region',
        message: region ? `"${region}" is not an AWS Region` : 'required with --execution-role',
        hint: 'e.g. --region us-east-1',
      });
    }
    const clock = flags.now;
    const choice = await chooseInventory(flags, io, clock ?? io.now());
    const now = clock ?? (choice.demo ? new Date(DEMO_TIME) : io.now());
    const configPath = flags.config;
    const config = loadConfig(
      io,
      configPath ? { config: configPath } : {},
      choice.demo && !configPath
        ? { path: 'demo/hyperpod-cmk.yaml', text: io.readFile(fileURLToPath(DEMO_CONFIG_URL)) }
        : undefined,
    );
    const configLabel = choice.demo && !configPath ? 'the demo config' : configInputLabel(io, configPath);

    const generated = generateGuardrails({
      inventory: choice.inventory,
      config,
      sourceLabel: choice.label,
      now,
      ...(flags.keyTag ? { keyTags: flags.keyTag } : {}),
      extraExecutionRoles: roles.map((arn) => ({ arn, region: region! })),
      headroomPct: flags.budgetHeadroom ?? 25,
      ...(typeof flags.budgetLimit === 'number' ? { budgetLimitUsd: flags.budgetLimit } : {}),
      organization: flags.org === true,
    });
    if (!generated.ok) {
      const { code, message, hint, problems } = generated.error;
      throw inputError({
        code,
        input: code.startsWith('usage.') ? '--execution-role' : configLabel,
        message,
        ...(hint ? { hint } : {}),
        ...(problems ? { problems } : {}),
      });
    }

    const bundlePath = fileURLToPath(LAMBDA_BUNDLE_URL);
    if (!io.exists(bundlePath)) {
      throw inputError({
        code: 'install.lambda_bundle',
        input: bundlePath,
        message: 'the detection Lambda bundle is missing from this installation',
        hint: 'run `npm run build` in the hyperpod-cmk checkout',
      });
    }
    const out = absolute(io, outDir);
    const write = (path: string, text: string) => {
      try {
        // Paths hold snapshot values (account, Region, key id, names): kept inside --out, never through a symlink.
        io.writeFile(join(out, path), text, { within: out, durable: false });
      } catch (error) {
        throw inputError({
          code: 'output.unwritable',
          input: outDir,
          message: `cannot write ${path}: ${(error as Error).message}`,
        });
      }
    };
    for (const file of generated.value.files) write(file.path, file.content);
    write('detection/lambda/index.js', io.readFile(bundlePath));
    write('detection/lambda/package.json', '{ "type": "commonjs" }\n');

    // The table lists the first files (README and key policies first); manifest.json lists every one.
    const files = generated.value.files;
    // The generated files and the detection Lambda (its package.json is not counted).
    const written = files.length + 1;
    const listed = files
      .slice(0, LISTED_FILES)
      .map(({ path, kind, size }) => [
        path,
        kind,
        size
          ? `${size.value.toLocaleString('en-US')} / ${size.limit.toLocaleString('en-US')} ${size.unit}`
          : '',
      ]);
    const rows = terminalSafe(listed);
    if (files.length <= LISTED_FILES) rows.push(['detection/lambda/index.js', 'detection-lambda', '']);
    io.stdout.write(
      `${fittedTable(['FILE', 'KIND', 'SIZE / LIMIT'], rows, [110, 26, 30], terminalWidth(io))}\n`,
    );
    if (files.length > LISTED_FILES)
      io.stdout.write(
        `… and ${written - LISTED_FILES} more files: ${escapeControl(outDir)}/manifest.json lists every one\n`,
      );
    const { plan } = generated.value;
    io.stdout.write(
      `\n${written} files written to ${escapeControl(outDir)} from ${escapeControl(choice.label)}: ` +
        `${plan.policies.filter((p) => p.kind === 'existing').length} key policies for existing keys, ` +
        `${plan.policies.filter((p) => p.kind === 'proposed').length} for proposed keys. Read ${escapeControl(outDir)}/README.md before deploying.\n`,
    );
    for (const item of plan.skipped)
      io.stderr.write(
        `hyperpod-cmk: not covered: ${escapeControl(`${bounded(item.what)}: ${bounded(item.reason)}`)}\n`,
      );
    return 0;
  },
});
