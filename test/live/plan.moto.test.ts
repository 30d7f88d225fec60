/** `plan` from a live scan of moto: a group on the AWS owned default gets a key and a replacement. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { updateClusterProblems } from '../../src/plan/validate.js';
import { MotoAccount, withAwsEnv } from '../helpers/aws-estate.js';
import { memoryIo } from '../helpers/io.js';
import { motoUrl } from '../helpers/moto.js';

describe('plan (live)', () => {
  it('plans the replacement of a group left on the AWS owned key (moto drops the mode: the new-cluster path)', async () => {
    const account = await MotoAccount.create(motoUrl());
    const role = await account.role('hyperpod-exec');
    await account.cluster('legacy-keys', [{ name: 'gpu', role, secondary: null }], {
      tags: { owner: 'ml', project: 'p', 'data-sensitivity': 'internal' },
    });
    const dir = mkdtempSync(join(tmpdir(), 'plan-moto-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `version: 1\nkeyAdmins: [arn:aws:iam::${account.id}:role/KeyAdmin]\n`);
    const out = join(dir, 'plan');
    const io = memoryIo({ env: { AWS_ENDPOINT_URL: account.endpoint } });
    const code = await withAwsEnv(account.credentials, () =>
      runCli(['plan', '--region', 'us-east-1', '--no-cloudtrail', '--config', config, '--out', out], io),
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const folder = join(out, `${account.id}-us-east-1-legacy-keys`);
    expect(readdirSync(folder).sort()).toEqual([
      'RUNBOOK.md',
      'create-cluster-instance-groups.json',
      'keys.cfn.yaml',
      'keys.tf',
    ]);
    expect(readFileSync(join(folder, 'RUNBOOK.md'), 'utf8')).toContain(
      'Whether the cluster is in Continuous mode is unknown (the source did not carry NodeProvisioningMode)',
    );
    const groups = JSON.parse(readFileSync(join(folder, 'create-cluster-instance-groups.json'), 'utf8'));
    expect(updateClusterProblems({ ClusterName: 'legacy-keys-cmk', InstanceGroups: groups })).toEqual([]);
    expect(groups[0]).toMatchObject({
      InstanceGroupName: 'gpu-cmk',
      ExecutionRole: role,
      InstanceType: 'ml.g5.12xlarge',
      InstanceCount: 1,
      InstanceStorageConfigs: [
        { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: 'alias/hyperpod/legacy-keys/gpu' } },
        { EbsVolumeConfig: { VolumeSizeInGB: 500, VolumeKmsKeyId: 'alias/hyperpod/legacy-keys/gpu' } },
      ],
    });
  }, 120_000);
});
