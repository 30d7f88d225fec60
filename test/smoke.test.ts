import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { memoryIo } from './helpers/io.js';

describe('cli smoke', () => {
  it('runs the demo and exits 0', async () => {
    const io = memoryIo();
    expect(await runCli(['demo'], io)).toBe(0);
    expect(io.out()).toContain('llm-pretrain-prod');
  });
});
