import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureDirectory } from '../../src/files/directories.js';

describe('ensureDirectory', () => {
  const root = mkdtempSync(join(tmpdir(), 'hyperpod-cmk-dirs-'));

  it('creates every missing level, with the mode asked for', () => {
    const path = join(root, 'a', 'b', 'c');
    ensureDirectory(path, 0o700);
    expect(statSync(path).isDirectory()).toBe(true);
    expect(statSync(join(root, 'a')).mode & 0o777).toBe(0o700);
    ensureDirectory(path); // already there: nothing to do
  });

  it('refuses a path through a file', () => {
    writeFileSync(join(root, 'file'), 'x');
    expect(() => ensureDirectory(join(root, 'file', 'sub'))).toThrow(/not a directory/);
  });

  it.runIf(existsSync('/proc/self'))(
    'fails at once under /proc, where a recursive mkdir never returns',
    () => {
      expect(() => ensureDirectory('/proc/hyperpod-cmk-test/x')).toThrow();
    },
  );
});
