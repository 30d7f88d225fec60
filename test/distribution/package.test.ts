/**
 * The npm package as a user gets it: `npm pack` (of the built dist/: run `npm run build` first), then
 * checks on the tarball's contents, and a strict TypeScript consumer compiled against its public
 * declarations without skipLibCheck. Offline: the consumer's node_modules holds the unpacked
 * tarball and links to this checkout's production dependencies only (plus typescript and
 * @types/node, which a Node.js TypeScript user has), so a declaration that needs a devDependency's
 * types fails the compile.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
let work: string;
let files: string[];
let unpacked: string;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/index.d.ts')))
    throw new Error('dist/ is missing: run `npm run build` first');
  work = mkdtempSync(join(tmpdir(), 'hpcmk-pack-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as { filename: string; files: { path: string }[] }[];
  files = packed[0]!.files.map((f) => f.path);
  const consumer = join(work, 'consumer');
  unpacked = join(consumer, 'node_modules', 'hyperpod-cmk');
  mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', ['xzf', join(work, packed[0]!.filename), '-C', unpacked, '--strip-components=1']);
}, 120_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('carries the Apache-2.0 LICENSE, and repository, homepage and bugs links', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(files).toContain('LICENSE');
    const license = readFileSync(join(unpacked, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\//);
    expect(pkg.bugs.url).toMatch(/^https:\/\/github\.com\/.+\/issues$/);
    expect(files).toEqual(
      expect.arrayContaining(['bin/hyperpod-cmk.js', 'dist/index.js', 'dist/index.d.ts']),
    );
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('src/'))).toBe(false);
  });

  it('has no source map, or sourceMappingURL, that points at a file it does not ship', () => {
    const shipped = new Set(files);
    for (const file of files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
      const text = readFileSync(join(unpacked, file), 'utf8');
      for (const match of text.matchAll(/[#@] sourceMappingURL=(\S+)/g)) {
        if (match[1]!.startsWith('data:')) continue;
        const map = posix.join(posix.dirname(file), match[1]!);
        expect(shipped.has(map), `${file} -> ${map}`).toBe(true);
      }
    }
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const parsed = JSON.parse(readFileSync(join(unpacked, map), 'utf8')) as {
        sources: string[];
        sourcesContent?: string[];
      };
      parsed.sources.forEach((source, i) => {
        if (parsed.sourcesContent?.[i] != null) return;
        expect(shipped.has(posix.join(posix.dirname(map), source)), `${map} -> ${source}`).toBe(true);
      });
    }
  });

  it('its public declarations compile for a strict TypeScript user without skipLibCheck', () => {
    const consumer = dirname(dirname(unpacked));
    const modules = join(consumer, 'node_modules');
    const ours = join(ROOT, 'node_modules');
    const dev = new Set(
      Object.keys(pkg.devDependencies).filter((name) => name !== 'typescript' && name !== '@types/node'),
    );
    for (const entry of readdirSync(ours)) {
      if (entry.startsWith('.') || entry === 'hyperpod-cmk') continue;
      const names = entry.startsWith('@')
        ? readdirSync(join(ours, entry)).map((scoped) => `${entry}/${scoped}`)
        : [entry];
      for (const name of names) {
        if (dev.has(name)) continue;
        mkdirSync(dirname(join(modules, name)), { recursive: true });
        symlinkSync(join(ours, name), join(modules, name));
      }
    }
    writeFileSync(join(consumer, 'package.json'), '{ "type": "module", "private": true }\n');
    writeFileSync(
      join(consumer, 'index.ts'),
      [
        "import { FORMATS, render, type Report } from 'hyperpod-cmk';",
        "import * as aws from 'hyperpod-cmk/aws';",
        'export const formats: readonly string[] = FORMATS;',
        "export const table = (report: Report): string => render(report, 'table');",
        'export const collectors = aws;',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        files: ['index.ts'],
      }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [join(ours, 'typescript/bin/tsc'), '-p', consumer], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (error) {
      output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    }
    expect(output).toBe('');
  }, 300_000);
});
