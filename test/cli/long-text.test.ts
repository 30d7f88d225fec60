/**
 * A tenant's megabyte name on stderr: an input error quoting it, a warning about the instance
 * group it names, a guardrail that does not cover it. Every line a person reads there repeats at
 * most MAX_SHOWN_CHARS of each value (`shortened`), in the tool's own words around it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { serializeSnapshot } from '../../src/model/snapshot.js';
import { MAX_SHOWN_CHARS, shortened } from '../../src/model/text.js';
import { ADMIN_ROLE, cluster, compliantEstate, group, key, rootVolume } from '../helpers/inventory.js';
import { memoryIo } from '../helpers/io.js';

const MB = 1_000_000;
const CLUSTER = `c${'x'.repeat(MB)}`;
const GROUP = `g${'y'.repeat(MB)}`;
const ROLE = `r${'z'.repeat(MB)}`;
const ALIAS = `alias/${'a'.repeat(MB)}`;

/** The longest line of a text, in characters. */
const longestLine = (text: string) => Math.max(0, ...text.split('\n').map((line) => line.length));

async function run(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'long-text-'));
  const base = compliantEstate();
  const c = cluster(CLUSTER, [group(GROUP, { volumes: [rootVolume(null)], executionRole: ROLE })]);
  const k = key('k9', { aliases: [ALIAS] });
  writeFileSync(
    join(dir, 'estate.json'),
    serializeSnapshot({ ...base, clusters: [...base.clusters, c], keys: [...base.keys, k] }),
  );
  writeFileSync(join(dir, 'config.yaml'), `keyAdmins: [${ADMIN_ROLE}]\n`);
  const io = memoryIo({ cwd: dir });
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err(), dir };
}

describe('stderr with megabyte names', () => {
  it('an input error quotes a megabyte file name shortened', async () => {
    const name = `${'n'.repeat(MB)}.json`;
    const { code, err } = await run(['evaluate', name]);
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toMatch(new RegExp(`^hyperpod-cmk: ${shortened(name, MAX_SHOWN_CHARS)}: `));
    expect(longestLine(err)).toBeLessThan(2 * MAX_SHOWN_CHARS);
  });

  it('guardrails say which instance group they do not cover, its names and role shortened', async () => {
    const { code, out, err } = await run([
      'guardrails',
      '--from',
      'estate.json',
      '--config',
      'config.yaml',
      '--out',
      'g',
    ]);
    expect(code).toBe(0);
    const label = `${shortened(`instance group ${CLUSTER}/${GROUP}`, MAX_SHOWN_CHARS)}`;
    expect(
      err.split('\n').filter((line) => line.startsWith('hyperpod-cmk: not covered: instance group c')),
    ).toEqual([
      `hyperpod-cmk: not covered: ${label}: ${shortened(`its execution role is not a known role ARN (${ROLE})`, MAX_SHOWN_CHARS)}`,
    ]);
    expect(longestLine(err)).toBeLessThan(3 * MAX_SHOWN_CHARS);
    expect(longestLine(out)).toBeLessThan(3 * MAX_SHOWN_CHARS);
  });

  it("the guardrails' README names a key by its megabyte alias shortened", async () => {
    const { code, dir } = await run([
      'guardrails',
      '--from',
      'estate.json',
      '--config',
      'config.yaml',
      '--out',
      'g',
    ]);
    expect(code).toBe(0);
    const readme = readFileSync(join(dir, 'g', 'README.md'), 'utf8');
    expect(readme).toContain(`| \`${shortened(ALIAS, MAX_SHOWN_CHARS)}\` |`);
    expect(longestLine(readme)).toBeLessThan(3 * MAX_SHOWN_CHARS);
  });

  it("plan's table of clusters shows a megabyte cluster name shortened", async () => {
    const { code, out } = await run([
      'plan',
      '--from',
      'estate.json',
      '--config',
      'config.yaml',
      '--out',
      'p',
    ]);
    expect(code).toBe(0);
    expect(out.split('\n').some((line) => line.startsWith(`${shortened(CLUSTER, MAX_SHOWN_CHARS)} `))).toBe(
      true,
    );
    expect(longestLine(out)).toBeLessThan(3 * MAX_SHOWN_CHARS);
  });
});
