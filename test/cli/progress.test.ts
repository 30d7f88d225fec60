import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../helpers/io.js';

const fixtures = new URL('../fixtures/iac/cloudformation-yaml/', import.meta.url).pathname;

describe('progress on stderr', () => {
  it('is shown for an IaC scan on a terminal, and cleared before the report', async () => {
    const io = memoryIo();
    io.stderr.isTTY = true;
    await runCli(['iac', fixtures, '--format', 'json', '--fail-on', 'none'], io);
    expect(io.err()).toMatch(/\r\u001b\[Kreading: 0\/\d+ files/);
    expect(io.err()).toMatch(/\r\u001b\[K$/);
    expect(io.out()).not.toMatch(/reading:/);
    expect(JSON.parse(io.out()).schemaVersion).toBe(1);
  });

  it('is not shown in a CI job (CI set), whose runner may give it a pseudo-terminal: its log would keep every rewrite', async () => {
    for (const ci of ['true', '1']) {
      const io = memoryIo({ env: { CI: ci } });
      io.stderr.isTTY = true;
      await runCli(['iac', fixtures, '--format', 'json', '--fail-on', 'none'], io);
      expect(io.err()).toBe('');
      expect(JSON.parse(io.out()).schemaVersion).toBe(1);
    }
    // CI=false (or 0) is no CI job: a terminal gets its progress.
    const io = memoryIo({ env: { CI: 'false' } });
    io.stderr.isTTY = true;
    await runCli(['iac', fixtures, '--format', 'json', '--fail-on', 'none'], io);
    expect(io.err()).toMatch(/\r\u001b\[Kreading: 0\/\d+ files/);
  });

  it('is not shown when stderr is not a terminal', async () => {
    const io = memoryIo();
    await runCli(['iac', fixtures, '--format', 'json', '--fail-on', 'none'], io);
    expect(io.err()).not.toMatch(/reading:/);
  });
});
