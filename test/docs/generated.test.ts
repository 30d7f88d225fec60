import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../../scripts/docs.js';
import { RULES } from '../../src/rules/registry.js';

describe('generated docs and schemas', () => {
  const files = generatedFiles();
  it.each(Object.keys(files))(
    '%s matches the code (run `npm run docs` after changing rules, commands or schemas)',
    (path) => {
      const committed = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
      expect(committed).toBe(files[path]);
    },
  );

  it('has a page for every rule and an index that links them', () => {
    const index = files['docs/rules/README.md']!;
    const pages = Object.keys(files).filter((p) => p.startsWith('docs/rules/') && !p.endsWith('README.md'));
    expect(pages).toHaveLength(RULES.length);
    for (const page of pages) expect(index).toContain(`(${page.slice('docs/rules/'.length)})`);
  });
});
