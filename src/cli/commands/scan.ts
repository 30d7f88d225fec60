import { runPipeline } from '../../pipeline.js';
import {
  emitReport,
  exitCode,
  gatingOptions,
  loadConfig,
  narrowingFlags,
  reportOptions,
  reportOptionsFrom,
} from '../common.js';
import { saveOptions, saveToHistory } from '../history.js';
import { collectLive, collectOptionsFrom, scopeOptions, shardFrom, shardOptions } from '../live.js';
import { defineCommand } from '../spec.js';

export const scanCommand = defineCommand({
  name: 'scan',
  summary: 'audit live AWS accounts: collect HyperPod clusters and their keys, evaluate, report',
  description:
    'Reads (never writes) SageMaker HyperPod clusters, the KMS keys their volumes use, the execution roles and ' +
    'CloudTrail in one account, a list of accounts or a whole organization. What could not be read (AccessDenied, ' +
    'throttling, a disabled Region, a role that cannot be assumed) is reported as a gap, and the rules that needed ' +
    'it say UNKNOWN. The permissions it needs are in docs/iam-policy.json.',
  options: [...scopeOptions, ...shardOptions, ...reportOptions(), ...saveOptions],
  examples: [
    'hyperpod-cmk scan --region us-east-1',
    'hyperpod-cmk scan --org --role-name HyperPodCmkAudit --all-regions --format json -o report.json',
    'hyperpod-cmk scan --org --role-name HyperPodCmkAudit --all-regions --shard 2/8 --round "$GITHUB_RUN_ID"',
    'hyperpod-cmk scan --accounts 111122223333,444455556666 --role-name HyperPodCmkAudit --region us-west-2',
  ],
  async run(_args, flags, io) {
    const options = reportOptionsFrom(flags);
    const config = loadConfig(io, options);
    const gating = gatingOptions(io, options);
    const startedAt = io.now();
    const collectOptions = collectOptionsFrom(flags, config, io);
    const shard = shardFrom(flags, io, options.now ?? startedAt);
    // The shard the collector scans is the one the report and history record: one value, one route.
    const { inventory, issues } = await collectLive(io, {
      ...collectOptions,
      ...(shard ? { shard } : {}),
      now: startedAt,
    });
    const now = options.now ?? io.now();
    const { evaluation, report } = runPipeline(inventory, {
      config,
      now,
      startedAt,
      issues,
      inputs: ['aws'],
      ...(shard ? { shard } : {}),
      evaluate: gating,
    });
    emitReport(io, report, options);
    const saveFailed = await saveToHistory(io, flags, report, inventory, {
      narrowedBy: narrowingFlags(options),
    });
    return saveFailed ?? exitCode(evaluation, inventory.gaps, options);
  },
});
