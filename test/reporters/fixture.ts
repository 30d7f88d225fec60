/**
 * The canonical findings fixture every reporter is tested on: a small estate with a compliant
 * cluster, failures of each severity, an UNKNOWN with a gap, a suppression, an expired
 * suppression, and names that need escaping in CSV and Markdown.
 */
import { resolveConfig } from '../../src/config/schema.js';
import type { Report } from '../../src/model/report.js';
import { runPipeline } from '../../src/pipeline.js';
import {
  cluster,
  compliantEstate,
  group,
  inventory,
  key,
  NOW,
  rootVolume,
  secondaryVolume,
} from '../helpers/inventory.js';

export function canonicalReport(): Report {
  const base = compliantEstate();
  const k2 = key('k2', { rotation: { enabled: false }, tags: { owner: 'x' } });
  const estate = inventory({
    ...base,
    clusters: [
      ...base.clusters,
      cluster('legacy|slurm', [group('=cmd', { volumes: [secondaryVolume(null)] })], {
        orchestrator: 'slurm',
        nodeProvisioningMode: null,
        tags: { owner: 'hpc, "research"' },
      }),
      cluster('c3', [group('workers', { volumes: [rootVolume(k2.arn), secondaryVolume(k2.arn)] })]),
    ],
    keys: [...base.keys, k2],
    // DescribeTrails failed, so no trail is known: the account's audit trail is UNKNOWN.
    trails: [],
    gaps: [
      {
        code: 'aws.access_denied',
        service: 'cloudtrail',
        operation: 'DescribeTrails',
        account: '111122223333',
        message: 'not authorized',
      },
    ],
  });
  const config = resolveConfig({
    suppressions: [
      {
        rule: 'kms-key-required-tags',
        resource: '*k2',
        reason: 'tags land with PLAT-1',
        expires: '2027-01-01',
      },
      { rule: 'kms-key-rotation-enabled', resource: '*k2', reason: 'pilot', expires: '2026-01-01' },
    ],
  });
  return runPipeline(estate, { config, now: new Date(NOW), inputs: ['fixture.json'] }).report;
}
