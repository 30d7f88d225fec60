/**
 * A config file that comes with the scanned repository (hyperpod-cmk.yaml in the working
 * directory) and turns rules off is named in the report; --no-config ignores it and --config FILE
 * chooses another.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  clusterTemplate,
  clusterVerdicts,
  type HostileRepo,
  hostileRepo,
  issueTriples,
  scanRepo,
} from '../helpers/hostile-iac.js';

let repo: HostileRepo;
beforeEach(() => {
  repo = hostileRepo();
  repo.write('stack.yaml', clusterTemplate({ name: 'c' }));
});
afterEach(() => repo.cleanup());

const WEAKENING = 'rules:\n  hyperpod-root-volume-cmk: off\n  hyperpod-secondary-volume-cmk: low\n';

describe('a config file in the scanned working directory', () => {
  it('that turns rules off is named in the report, with what it changes', async () => {
    repo.write('hyperpod-cmk.yaml', WEAKENING);
    const run = await scanRepo(repo.repo, ['.']);
    expect(issueTriples(run.report)).toEqual([['config.local', 'warning', 'hyperpod-cmk.yaml']]);
    const notice = run.report!.issues[0]!;
    expect(notice.message).toContain('turns off hyperpod-root-volume-cmk');
    expect(notice.message).toContain('changes the severity of hyperpod-secondary-volume-cmk');
    expect(notice.hint).toContain('--no-config');
    expect(clusterVerdicts(run.report)['stack.yaml#Cluster']!.failing).not.toContain(
      'hyperpod-root-volume-cmk',
    );
  });

  it('--no-config ignores it: the rule it turned off fails again, and nothing is named', async () => {
    repo.write('hyperpod-cmk.yaml', WEAKENING);
    const run = await scanRepo(repo.repo, ['.', '--no-config']);
    expect(issueTriples(run.report)).toEqual([]);
    expect(clusterVerdicts(run.report)['stack.yaml#Cluster']!.failing).toContain('hyperpod-root-volume-cmk');
    expect(run.code).toBe(1);
  });

  it('--config FILE is used instead, and is not named (the user chose it)', async () => {
    repo.write('hyperpod-cmk.yaml', WEAKENING);
    repo.write('trusted.yaml', 'rules:\n  hyperpod-cluster-required-tags: off\n');
    const run = await scanRepo(repo.repo, ['.', '--config', 'trusted.yaml']);
    expect(issueTriples(run.report)).toEqual([]);
    const failing = clusterVerdicts(run.report)['stack.yaml#Cluster']!.failing;
    expect(failing).toContain('hyperpod-root-volume-cmk');
    expect(failing).not.toContain('hyperpod-cluster-required-tags');
  });

  it('a config that changes no verdict is not named', async () => {
    repo.write('hyperpod-cmk.yaml', 'requiredTags:\n  clusters: [owner]\n');
    const run = await scanRepo(repo.repo, ['.']);
    expect(issueTriples(run.report)).toEqual([]);
  });
});
