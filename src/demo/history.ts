/**
 * A quarter of weekly scans of the demo estate, so that the demo dashboard (`demo --format html`)
 * and a demo history (`demo --db FILE`) show trends, time to remediate and finding ages. The last
 * scan is the demo estate itself; earlier weeks differ in a few scripted ways:
 *
 * - llm-pretrain-prod's keys did not rotate until week 3 (fixed: time to remediate);
 * - a Slurm pilot cluster without CMKs ran until week 9, then was deleted (closed, not remediated);
 * - genai-batch was created in week 7, with its problems (open since then);
 * - the nlp-eval key was scheduled for deletion in week 11.
 */
import type { Cluster, Inventory } from '../model/inventory.js';
import { DEMO_ACCOUNTS, DEMO_TIME, demoEstate } from './estate.js';

export const DEMO_WEEKS = 13;
const WEEK_MS = 7 * 86_400_000;

export interface DemoScan {
  at: Date;
  inventory: Inventory;
}

function pilotCluster(template: Cluster): Cluster {
  const arn = `arn:aws:sagemaker:us-east-1:${DEMO_ACCOUNTS.prod}:cluster/f0e1d2c3b4a5`;
  return {
    ...structuredClone(template),
    id: arn,
    arn,
    name: 'slurm-pilot',
    region: 'us-east-1',
    tags: { owner: 'hpc-team', project: 'pilot' },
    instanceGroups: template.instanceGroups.map((group) => ({
      ...structuredClone(group),
      id: `${arn}/instance-group/${group.name}`,
    })),
  };
}

function estateAt(week: number): Inventory {
  const inventory = demoEstate();
  const at = new Date(Date.parse(DEMO_TIME) - (DEMO_WEEKS - 1 - week) * WEEK_MS).toISOString();
  inventory.generatedAt = at;
  // Each weekly scan looked up its own last 90 days of CloudTrail events.
  const lookedUpSince = new Date(Date.parse(at) - 90 * 86_400_000).toISOString();
  inventory.eventsCollected = inventory.eventsCollected.map((w) => ({ ...w, since: lookedUpSince }));
  if (week < 3) {
    for (const key of inventory.keys)
      if (key.aliases.some((a) => a.startsWith('alias/hyperpod/llm-pretrain/')))
        key.rotation = { enabled: false, rotationCount: 0 };
  }
  if (week < 9) {
    const legacy = inventory.clusters.find((c) => c.name === 'slurm-legacy');
    if (legacy) inventory.clusters.push(pilotCluster(legacy));
  }
  if (week < 7) {
    const genai = inventory.clusters.find((c) => c.name === 'genai-batch');
    inventory.clusters = inventory.clusters.filter((c) => c !== genai);
    const used = new Set(
      genai?.instanceGroups.flatMap((g) =>
        Array.isArray(g.volumes)
          ? g.volumes.flatMap((v) => (v.resolution?.status === 'resolved' ? [v.resolution.keyArn] : []))
          : [],
      ),
    );
    inventory.keys = inventory.keys.filter((k) => !used.has(k.arn));
    inventory.events = inventory.events.filter(
      (e) => !e.keyRef || ![...used].some((arn) => e.keyRef === arn),
    );
  }
  if (week < 11) {
    for (const key of inventory.keys) {
      if (key.metadata?.keyState !== 'PendingDeletion') continue;
      key.metadata.keyState = 'Enabled';
      delete key.metadata.deletionDate;
    }
  }
  return inventory;
}

/** The demo's weekly scans, oldest first; the last one is `demoEstate()` at DEMO_TIME. */
export function demoHistory(): DemoScan[] {
  return Array.from({ length: DEMO_WEEKS }, (_, week) => {
    const inventory = estateAt(week);
    return { at: new Date(inventory.generatedAt), inventory };
  });
}
