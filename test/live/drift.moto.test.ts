/** `drift` against a live scan of moto: the deployed cluster read through the real AWS API. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { MotoAccount, withAwsEnv } from '../helpers/aws-estate.js';
import { memoryIo } from '../helpers/io.js';
import { motoUrl } from '../helpers/moto.js';

describe('drift (live)', () => {
  it('reports the volume whose deployed key differs from the code, and nothing for the one that matches', async () => {
    const account = await MotoAccount.create(motoUrl());
    const role = await account.role('hyperpod-exec');
    const deployed = await account.key({ alias: 'alias/drift-deployed' });
    const other = await account.key({ alias: 'alias/drift-other' });
    await account.cluster('drifty', [{ name: 'gpu', role, root: deployed.arn, secondary: deployed.arn }]);
    const dir = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-drift-'));
    const file = join(dir, 'create-cluster.json');
    const group = (secondary: string) => ({
      InstanceGroupName: 'gpu',
      InstanceType: 'ml.g5.12xlarge',
      InstanceCount: 1,
      ExecutionRole: role,
      InstanceStorageConfigs: [
        { EbsVolumeConfig: { RootVolume: true, VolumeKmsKeyId: deployed.arn } },
        { EbsVolumeConfig: { VolumeSizeInGB: 500, VolumeKmsKeyId: secondary } },
      ],
    });
    writeFileSync(file, JSON.stringify({ ClusterName: 'drifty', InstanceGroups: [group(other.arn)] }));
    const io = memoryIo({ env: { AWS_ENDPOINT_URL: account.endpoint } });
    const code = await withAwsEnv(account.credentials, () =>
      runCli(['drift', file, '--region', 'us-east-1', '--no-cloudtrail', '--format', 'json'], io),
    );
    expect(io.err()).not.toMatch(/internal error/i);
    expect(code).toBe(1);
    const report = JSON.parse(io.out()) as { items: { kind: string; group?: string; status: string }[] };
    const volumeKeys = report.items.filter((item) => item.kind === 'volume-key');
    expect(volumeKeys).toEqual([
      expect.objectContaining({
        group: 'gpu',
        status: 'drift',
        code: `secondary: ${other.arn}`,
        deployed: `secondary: ${deployed.arn}`,
      }),
    ]);
  }, 120_000);
});
