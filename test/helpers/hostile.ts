/** A report whose names try to break out of the HTML: for the escaping tests. */
import type { Report } from '../../src/model/report.js';
import { runPipeline } from '../../src/pipeline.js';
import { cluster, compliantEstate, group, key, rootVolume } from './inventory.js';

export const HOSTILE_CLUSTER = '<img src=x onerror=alert(1)>';
export const HOSTILE_ALIAS = 'alias/"><script>window.__pwned=1</script>';

export function hostileReport(): Report {
  const base = compliantEstate();
  const k = key('k9', {
    aliases: [HOSTILE_ALIAS],
    tags: { project: '</td><script>window.__pwned=2</script>' },
  });
  const evil = cluster(
    HOSTILE_CLUSTER,
    [group(`g'"><svg onload=alert(2)>`, { volumes: [rootVolume(k.arn)] })],
    {
      tags: { owner: '<b>x</b>' },
    },
  );
  return runPipeline(
    { ...base, clusters: [...base.clusters, evil], keys: [...base.keys, k] },
    { now: new Date('2026-11-27T12:00:00Z') },
  ).report;
}
