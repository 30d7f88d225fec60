import { join } from 'node:path';
import { evaluate } from '../../engine/evaluate.js';
import type { Inventory } from '../../model/inventory.js';
import { mapEach } from '../../model/many.js';
import { MAX_SHOWN_CHARS, shortened } from '../../model/text.js';
import { planApplier } from '../../plan/apply.js';
import { type ClusterPlan, migrationPlanner } from '../../plan/plan.js';
import { renderPlan } from '../../plan/render.js';
import { updateClusterProblems } from '../../plan/validate.js';
import { escapeControl } from '../../reporters/escape.js';
import { fittedTable } from '../../reporters/text-table.js';
import { absolute, configInputLabel, terminalWidth } from '../common.js';
import { inputError } from '../errors.js';
import { type EstateSource, readEstate, sourceOptions } from '../inventory-source.js';
import { COLLECT_EVERY_CHARS, collectEvery, collectGarbage, LARGE_REPORT_FINDINGS } from '../memory.js';
import { defineCommand } from '../spec.js';

const USAGE = 'hyperpod-cmk plan --from inventory.json --out plan/';

export const planCommand = defineCommand({
  name: 'plan',
  summary:
    'write a migration plan per non-compliant cluster: keys to create, update-cluster inputs, a runbook',
  description:
    'For each non-compliant cluster, writes into --out DIR a runbook (ordered steps with the checks between them), the ' +
    'keys to create (CloudFormation and Terraform, least-privilege policy, tags, rotation, DR replicas), the ' +
    'update-cluster inputs that add each replacement group and later delete the old one, and an estimate. Judges ' +
    'the result with the rules and says whether each cluster would then be compliant. Applies nothing.',
  options: [
    {
      flags: '--out <dir>',
      description:
        'directory to write the plan into (created if missing); its plan.json is versioned (schemaVersion 1, schemas/plan.schema.json)',
    },
    ...sourceOptions({ iac: true, live: true }),
  ],
  examples: [
    'hyperpod-cmk plan --from inventory.json --out plan/',
    'hyperpod-cmk plan --demo --out /tmp/plan',
    'hyperpod-cmk plan --iac infra/ --out plan/',
    'hyperpod-cmk plan --region us-east-1 --out plan/',
  ],
  async run(_args, flags, io) {
    if (typeof flags.out !== 'string' || flags.out === '')
      throw inputError({
        code: 'usage.out',
        input: '--out',
        message: 'missing: where should the plan be written?',
        hint: USAGE,
      });
    const estate = await readEstate(flags, io, { iac: true, live: true }, USAGE);
    const { planned, large } = planEstate(estate);
    // What the evaluation let go of (every finding but the failing ones) is collected before the
    // plan is made (memory.ts), and so is the estate after the plan once it is judged.
    if (large) collectGarbage();
    if (!planned.ok)
      throw inputError({
        code: planned.error.code,
        input: configInputLabel(io, typeof flags.config === 'string' ? flags.config : undefined),
        message: planned.error.message,
        ...(planned.error.hint ? { hint: planned.error.hint } : {}),
      });
    // The plan is made a cluster at a time, three times (here, for its files, for plan.json), and
    // never held: at 100,000 instance groups it is gigabytes. What this pass keeps is the estate
    // after the plan and a line of the table per cluster.
    const applier = planApplier(estate.inventory);
    const summaries: ClusterSummary[] = [];
    for (const entry of planned.value.clusters) {
      // Every update-cluster input is checked against the request shape before it is written.
      for (const group of entry.groups) {
        const r = group.replacement;
        if (!r) continue;
        for (const problem of [...updateClusterProblems(r.addInput), ...updateClusterProblems(r.deleteInput)])
          io.stderr.write(
            `hyperpod-cmk: warning: ${escapeControl(shortened(entry.cluster.name, MAX_SHOWN_CHARS))}/${escapeControl(shortened(r.name, MAX_SHOWN_CHARS))}: ${escapeControl(shortened(problem, MAX_SHOWN_CHARS))} (complete it from describe-cluster before running)\n`,
          );
      }
      applier.add(entry);
      summaries.push({
        id: entry.cluster.id,
        name: entry.cluster.name,
        account: entry.cluster.account,
        region: entry.cluster.region,
        path: entry.path,
        estimate: entry.estimate,
      });
    }
    const projected = judgeAfter(applier.inventory(), estate);
    if (large) collectGarbage();
    const out = absolute(io, flags.out);
    const made = collectEvery(COLLECT_EVERY_CHARS);
    for (const file of renderPlan(planned.value, projected)) {
      const content =
        typeof file.content === 'string'
          ? file.content
          : mapEach(file.content, (piece) => {
              made(piece.length);
              return piece;
            });
      try {
        // Paths hold snapshot values (account, Region, cluster and group names): kept inside --out,
        // never through a symlink planted there (by an earlier run, or in a repository).
        io.writeFile(join(out, file.path), content, { within: out, durable: false });
      } catch (error) {
        throw inputError({
          code: 'output.unwritable',
          input: flags.out,
          message: `cannot write ${file.path}: ${(error as Error).message}`,
        });
      }
      if (typeof content === 'string') made(content.length);
    }
    const rows = summaries.map((c) => [
      escapeControl(shortened(c.name, MAX_SHOWN_CHARS)),
      escapeControl(shortened(c.account, MAX_SHOWN_CHARS)),
      escapeControl(shortened(c.region, MAX_SHOWN_CHARS)),
      c.path,
      String(c.estimate.keysAdded + c.estimate.replicaKeysAdded),
      `$${c.estimate.kmsUsdPerMonth.toFixed(2)}`,
      String(c.estimate.groupsReplaced),
      escapeControl(shortened(projected.get(c.id) ?? '', MAX_SHOWN_CHARS)),
    ]);
    io.stdout.write(
      `${fittedTable(['CLUSTER', 'ACCOUNT', 'REGION', 'PATH', 'KEYS', 'KMS/MONTH', 'REPLACED', 'AFTER THE PLAN'], rows, [30, 12, 14, 14, 4, 9, 8, 60], terminalWidth(io))}\n`,
    );
    io.stdout.write(
      `\n${summaries.length} plan(s) written to ${escapeControl(flags.out)} from ${escapeControl(estate.label)}; ` +
        `${planned.value.compliant.length} cluster(s) already compliant. Read ${escapeControl(flags.out)}/README.md. Nothing was applied.\n`,
    );
    return 0;
  },
});

/** What the command's table says of a cluster's plan. */
interface ClusterSummary {
  id: string;
  name: string;
  account: string;
  region: string;
  path: ClusterPlan['path'];
  estimate: ClusterPlan['estimate'];
}

/**
 * The estate's plan, its clusters made as they are read, and whether the estate is large enough
 * to collect garbage between phases. The evaluation's findings are let go of when this returns:
 * the plan keeps only the failing ones.
 */
function planEstate(estate: EstateSource) {
  const { findings } = evaluate(estate.inventory, { config: estate.config, now: estate.now });
  const planned = migrationPlanner({
    inventory: estate.inventory,
    findings,
    config: estate.config,
    source: estate.label,
    generatedAt: estate.now.toISOString(),
  });
  return { planned, large: findings.length >= LARGE_REPORT_FINDINGS };
}

/**
 * Each planned cluster's status once the plan has run, as the rules judge the estate then; the
 * rest of that evaluation is let go of when this returns.
 */
function judgeAfter(after: Inventory, estate: EstateSource): Map<string, string> {
  const { compliance } = evaluate(after, { config: estate.config, now: estate.now });
  return new Map(
    compliance.clusters.map((c) => [
      c.id,
      c.status === 'compliant' || c.status === 'compliant-by-exception'
        ? c.status
        : `${c.status}: ${[...c.failing, ...c.unknown].join(', ')}`,
    ]),
  );
}
