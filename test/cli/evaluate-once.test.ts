/**
 * The same scan is saved once (docs/history-and-kpis.md): re-running `evaluate` on the same
 * snapshot with the same --now does not double-count, however the snapshot's path is written (a
 * relative path, ./ in front, the absolute path, a copy in another directory); another snapshot
 * at the same clock is another scan.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { serializeSnapshot } from '../../src/model/snapshot.js';
import { compliantEstate } from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';

const dir = mkdtempSync(join(tmpdir(), 'hpcmk-evaluate-once-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NOW = '2026-11-27T12:00:00Z';

async function cli(args: string[]) {
  const io = memoryIo({ cwd: dir });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('evaluate saves a snapshot once', () => {
  it('whatever its path, and a different snapshot at the same clock apart', async () => {
    writeFileSync(join(dir, 'snap.json'), serializeSnapshot(compliantEstate()));
    mkdirSync(join(dir, 'copy'));
    copyFileSync(join(dir, 'snap.json'), join(dir, 'copy', 'snap.json'));
    const db = join(dir, 'history.db');
    const paths = ['snap.json', './snap.json', join(dir, 'snap.json'), 'copy/snap.json'];
    for (const path of paths) {
      const r = await cli(['evaluate', path, '--db', db, '--now', NOW, '--format', 'json']);
      expect(r.code, r.err).toBe(0);
    }
    const listed = async () =>
      (JSON.parse((await cli(['history', '--db', db, '--format', 'json'])).out) as { scans: unknown[] })
        .scans;
    // It saved four scans at the same instant: the trend had four points and history four rows.
    expect(await listed()).toHaveLength(1);

    const other = compliantEstate({ cluster: { name: 'c1-renamed' } });
    writeFileSync(join(dir, 'other.json'), serializeSnapshot(other));
    expect((await cli(['evaluate', 'other.json', '--db', db, '--now', NOW, '--format', 'json'])).code).toBe(
      0,
    );
    expect(await listed()).toHaveLength(2);
  });
});
