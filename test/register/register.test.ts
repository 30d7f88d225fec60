import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { DEMO_TIME, demoEstate } from '../../src/demo/estate.js';
import { evaluate } from '../../src/engine/evaluate.js';
import type { Inventory } from '../../src/model/inventory.js';
import { buildRegister } from '../../src/register/build.js';
import { REGISTER_COLUMNS, renderRegisterCsv, renderRegisterMarkdown } from '../../src/register/render.js';
import { memoryIo } from '../helpers/io.js';

const estate = demoEstate();
const now = new Date(DEMO_TIME);
const register = (inventory: Inventory) => buildRegister(inventory, evaluate(inventory, { now }).findings);
const column = (header: string) => REGISTER_COLUMNS.find((c) => c.header === header)!;

describe('key register (demo estate)', () => {
  const entries = register(estate);
  const byAlias = (alias: string) => entries.find((e) => e.aliases.includes(alias))!;

  it('lists every key once, ordered by account, Region, alias', () => {
    expect(entries.map((e) => e.arn).sort()).toEqual(estate.keys.map((k) => k.arn).sort());
    const order = entries.map((e) => `${e.account} ${e.region} ${e.alias}`);
    expect(order).toEqual([...order].sort());
  });

  it('the same estate in another order gives the same document', () => {
    const shuffled = {
      ...estate,
      keys: [...estate.keys].reverse(),
      clusters: [...estate.clusters].reverse(),
    };
    const meta = { generatedAt: estate.generatedAt, source: 'x' };
    expect(renderRegisterMarkdown(register(shuffled), meta)).toBe(renderRegisterMarkdown(entries, meta));
  });

  it('a key pending deletion: its date, what it protects, its critical finding', () => {
    const key = byAlias('alias/nlp-eval/a100');
    expect(key.keyState).toBe('PendingDeletion');
    expect(column('Deletion protection').value(key)).toMatch(/^DELETION SCHEDULED for 2026-11-27/);
    expect(key.protects).toEqual([
      {
        cluster: 'nlp-eval',
        account: '222222222222',
        region: 'us-east-1',
        instanceGroup: 'eval-a100',
        volumes: ['root', 'secondary'],
      },
    ]);
    expect(key.openFindings).toContainEqual(
      expect.objectContaining({
        ruleId: 'kms-key-not-pending-deletion',
        severity: 'critical',
        status: 'FAIL',
      }),
    );
  });

  it('admins and users come from the policy; an unreadable policy is unknown, not empty', () => {
    const gpu = byAlias('alias/hyperpod/llm-pretrain/gpu-p5');
    expect(gpu.admins).toContain('arn:aws:iam::111111111111:role/KeyAdmin');
    expect(gpu.users).toContain('arn:aws:iam::111111111111:role/hyperpod-llm-gpu');
    expect(gpu.dr).toMatchObject({ multiRegion: true });
    const replay = byAlias('alias/rl/replay');
    expect(replay.admins).toEqual({ unknown: expect.stringContaining('not collected') });
    expect(column('Admins (policy)').value(replay)).toMatch(/^unknown \(/);
    expect(replay.openFindings.some((f) => f.status === 'UNKNOWN')).toBe(true);
  });

  it('the AWS managed key is listed, with the groups it protects', () => {
    const managed = byAlias('alias/aws/sagemaker');
    expect(managed.keyManager).toBe('AWS');
    expect(managed.protects.map((p) => `${p.cluster}/${p.instanceGroup}`)).toEqual(['recsys-train/train-g5']);
  });
});

describe('key register formats escape tenant-controlled text', () => {
  const hostile: Inventory = {
    ...estate,
    keys: estate.keys.map((key, i) =>
      i === 0
        ? {
            ...key,
            aliases: ['alias/x|y'],
            tags: { owner: '=HYPERLINK("http://evil")', project: '<script>alert(1)</script>\u001b[2J' },
          }
        : key,
    ),
  };
  const entries = register(hostile);

  it('CSV: a formula is neutralised, control characters shown', () => {
    const csv = renderRegisterCsv(entries);
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(estate.keys.length + 1);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv).not.toContain('\u001b');
  });

  it('Markdown: a pipe cannot break the table', () => {
    const md = renderRegisterMarkdown(entries, { generatedAt: 'now', source: 's' });
    expect(md).toContain('alias/x\\|y');
    expect(md).toContain('&lt;script>');
  });

  it('HTML through the CLI: no markup from the data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'register-'));
    const file = join(dir, 'estate.json');
    writeFileSync(file, JSON.stringify(hostile));
    const io = memoryIo();
    expect(await runCli(['register', '--from', file, '--format', 'html'], io)).toBe(0);
    expect(io.out()).toContain('&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J');
    expect(io.out()).not.toContain('<script>');
  });
});

describe('register command', () => {
  it('--demo as CSV: a header and one row per key', async () => {
    const io = memoryIo();
    expect(await runCli(['register', '--demo', '--format', 'csv'], io)).toBe(0);
    const lines = io.out().split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(REGISTER_COLUMNS.map((c) => c.header).join(','));
    // Every key of the demo estate, the AWS managed one included (its row says so).
    const keys = demoEstate().keys;
    expect(keys).toHaveLength(16);
    expect(lines).toHaveLength(1 + keys.length);
  });

  it('--from and --demo together is a usage error', async () => {
    const io = memoryIo();
    expect(await runCli(['register', '--demo', '--from', 'x.json'], io)).toBe(2);
    expect(io.err()).toContain('are different estates; give one');
  });
});
