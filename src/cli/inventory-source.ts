/**
 * Where `register`, `plan` and `drift` read the estate from: an inventory snapshot (`--from`), the
 * bundled demo (`--demo`, with its config and clock), infrastructure-as-code (`--iac`), or a live
 * scan (the scope options). One source at a time.
 */
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config/schema.js';
import { DEMO_TIME, demoEstate } from '../demo/estate.js';
import type { SourceIssue } from '../model/finding.js';
import type { Inventory } from '../model/inventory.js';
import { parseSnapshot } from '../model/snapshot.js';
import { DEMO_CONFIG_URL } from './commands/demo.js';
import { loadConfig, parseNow, readInput } from './common.js';
import { iacErrorWarnings, inputError } from './errors.js';
import type { Io } from './io.js';
import { collectLive, collectOptionsFrom, type ScopeFlags, scopeOptions } from './live.js';
import { collectGarbage, LARGE_SNAPSHOT_CHARS } from './memory.js';
import { defineOptions, type OptionsOf } from './spec.js';

export interface EstateSource {
  inventory: Inventory;
  /** For messages and documents: "the inventory snapshot x.json", "AWS", ... */
  label: string;
  config: ResolvedConfig;
  now: Date;
  issues: SourceIssue[];
}

const iacOption = defineOptions([
  { flags: '--iac <path...>', description: 'infrastructure-as-code to read the clusters and keys from' },
]);

export const sourceOptions = (kinds: { iac: boolean; live: boolean }) =>
  defineOptions([
    { flags: '--from <file>', description: 'inventory snapshot (from `collect -o FILE` or `demo --export`)' },
    { flags: '--demo', description: 'use the bundled demo estate (and its config unless --config is given)' },
    ...(kinds.iac ? iacOption : []),
    { flags: '--config <file>', description: 'config file (default: hyperpod-cmk.yaml if present)' },
    { flags: '--now <time>', description: 'the clock, ISO-8601', parse: parseNow },
    ...(kinds.live ? scopeOptions : []),
  ]);

/** The source options as commander parsed them (`--iac` and the scope only where the command has them). */
export type SourceFlags = Partial<OptionsOf<ReturnType<typeof sourceOptions>> & ScopeFlags>;

export async function readEstate(
  raw: SourceFlags,
  io: Io,
  kinds: { iac: boolean; live: boolean },
  usage: string,
): Promise<EstateSource> {
  const iacPaths = raw.iac ?? [];
  const given = [
    typeof raw.from === 'string' && '--from',
    raw.demo === true && '--demo',
    iacPaths.length > 0 && '--iac',
  ].filter((flag): flag is string => typeof flag === 'string');
  if (given.length > 1)
    throw inputError({
      code: 'usage.source',
      input: given[0]!,
      message: `${given.join(' and ')} are different estates; give one`,
      hint: usage,
    });
  const configPath = typeof raw.config === 'string' ? raw.config : undefined;
  const options = {
    format: 'table',
    failOn: 'none' as const,
    limit: 0,
    ...(configPath ? { config: configPath } : {}),
  };
  const clock = raw.now instanceof Date ? raw.now : undefined;
  if (raw.demo === true) {
    const config = loadConfig(
      io,
      options,
      configPath
        ? undefined
        : { path: 'demo/hyperpod-cmk.yaml', text: io.readFile(fileURLToPath(DEMO_CONFIG_URL)) },
    );
    return {
      inventory: demoEstate(),
      label: 'the bundled demo estate',
      config,
      now: clock ?? new Date(DEMO_TIME),
      issues: [],
    };
  }
  const config = loadConfig(io, options);
  if (typeof raw.from === 'string') {
    let chars = 0;
    const parsed = parseSnapshot(() => {
      const text = readInput(io, raw.from!, 'inventory snapshot');
      chars = text.length;
      return text;
    }, raw.from);
    if (!parsed.ok) throw inputError(parsed.error);
    // The text is let go of inside parseSnapshot; a large one is collected at once (memory.ts).
    if (chars >= LARGE_SNAPSHOT_CHARS) collectGarbage();
    return {
      inventory: parsed.value,
      label: `the inventory snapshot ${raw.from}`,
      config,
      now: clock ?? io.now(),
      issues: [],
    };
  }
  if (iacPaths.length > 0 && kinds.iac) {
    const now = clock ?? io.now();
    const { scanIac } = await import('../parsers/iac.js');
    const scanned = await scanIac({ paths: iacPaths, cwd: io.cwd, generatedAt: now.toISOString() });
    if (!scanned.ok) throw inputError(scanned.error);
    io.stderr.write(iacErrorWarnings(scanned.value.issues));
    return {
      inventory: scanned.value.inventory,
      label: `the infrastructure-as-code in ${iacPaths.join(', ')}`,
      config,
      now,
      issues: scanned.value.issues,
    };
  }
  if (!kinds.live)
    throw inputError({
      code: 'usage.source',
      input: '--from',
      message: 'missing: which estate?',
      hint: usage,
    });
  const startedAt = io.now();
  const { inventory, issues } = await collectLive(io, {
    ...collectOptionsFrom(raw, config, io),
    now: startedAt,
  });
  return { inventory, label: 'AWS', config, now: clock ?? io.now(), issues };
}
