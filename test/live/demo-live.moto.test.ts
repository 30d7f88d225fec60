/** `demo --live`: its own emulator, the estate seeded through the API, the real scan, and the emulator's limits said. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { Report } from '../../src/model/report.js';
import { memoryIo } from '../helpers/io.js';
import { motoUrl } from '../helpers/moto.js';

describe('demo --live', () => {
  it('scans the seeded estate and says which verdicts the emulator changed', async () => {
    motoUrl(); // fails this file loudly when moto is not installed
    const io = memoryIo({ env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    expect(await runCli(['demo', '--live', '--format', 'json'], io)).toBe(0);
    const report = JSON.parse(io.out()) as Report;
    expect(report.scan.source).toBe('live');
    expect(report.summary.clusters).toBe(11);
    expect(report.scan.accounts).toEqual(['111111111111', '222222222222', '333333333333']);
    const err = io.err();
    expect(err).toContain('restricted instance groups are not modelled by the emulator');
    expect(err).toContain('111111111111/slurm-legacy: FAIL -> UNKNOWN (hyperpod-cmk-provisioning-mode)');
    expect(err).toMatch(/Verdicts that differ from the bundled snapshot .*: \d+/);
  }, 120_000);

  it('fails with a clear message when moto cannot be started', async () => {
    const io = memoryIo({ env: { HYPERPOD_CMK_PYTHON: '/nonexistent/python3' } });
    expect(await runCli(['demo', '--live'], io)).toBe(2);
    expect(io.err()).toMatch(
      /^hyperpod-cmk: demo --live: the moto server \(AWS emulator\) could not be started: \/nonexistent\/python3 is not installed\n {2}hint: python3 -m pip install/,
    );
    expect(io.out()).toBe('');
  });
});
