/** `kpi --format json` validated against the published schemas/kpi.schema.json with ajv. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { memoryIo } from '../helpers/io.js';

const ajv = new Ajv2020.default({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile(
  JSON.parse(readFileSync(new URL('../../schemas/kpi.schema.json', import.meta.url), 'utf8')),
);
const dir = mkdtempSync(join(tmpdir(), 'hpcmk-kpi-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('published KPI schema', () => {
  it('validates the KPIs of the demo history, whole and broken down, and rejects a broken one', async () => {
    const db = join(dir, 'demo.db');
    expect(
      await runCli(['demo', '--db', db, '--format', 'json', '-o', join(dir, 'r.json')], memoryIo()),
    ).toBe(0);
    for (const by of [[], ['--by', 'account'], ['--by', 'rule'], ['--by', 'project']]) {
      const io = memoryIo();
      expect(
        await runCli(['kpi', '--db', db, '--now', '2026-11-20T09:00:00Z', '--format', 'json', ...by], io),
      ).toBe(0);
      const report = JSON.parse(io.out());
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
      expect(report.scans.count).toBe(13);
      report.remediation.mttr[0].fixed = 'many';
      expect(validate(report)).toBe(false);
    }
  });
});
