/** `register` from a live scan of moto: the key, its tags, what it protects, its rotation. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { RegisterEntry } from '../../src/register/build.js';
import { MotoAccount, withAwsEnv } from '../helpers/aws-estate.js';
import { memoryIo } from '../helpers/io.js';
import { motoUrl } from '../helpers/moto.js';

describe('register (live)', () => {
  it('lists the scanned keys with their tags and the groups they protect', async () => {
    const account = await MotoAccount.create(motoUrl());
    const role = await account.role('hyperpod-exec');
    const key = await account.key({ alias: 'alias/reg-gpu', tags: { owner: 'ml-platform', project: 'llm' } });
    await account.cluster('reg', [{ name: 'gpu', role, root: key.arn, secondary: key.arn }]);
    const io = memoryIo({ env: { AWS_ENDPOINT_URL: account.endpoint } });
    const code = await withAwsEnv(account.credentials, () =>
      runCli(['register', '--region', 'us-east-1', '--no-cloudtrail', '--format', 'json'], io),
    );
    expect(code).toBe(0);
    const doc = JSON.parse(io.out()) as { schemaVersion: number; source: string; keys: RegisterEntry[] };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.source).toBe('AWS');
    const entry = doc.keys.find((k) => k.arn === key.arn)!;
    expect(entry).toMatchObject({
      alias: 'alias/reg-gpu',
      account: account.id,
      region: 'us-east-1',
      owner: 'ml-platform',
      project: 'llm',
      keyState: 'Enabled',
      protects: [{ cluster: 'reg', instanceGroup: 'gpu', volumes: ['root', 'secondary'] }],
    });
    expect(entry.rotation.enabled).toBe(false);
    expect(entry.openFindings.map((f) => f.ruleId)).toContain('kms-key-rotation-enabled');
  }, 120_000);
});
