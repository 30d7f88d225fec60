/** `npm run docs`: writes the generated docs and schemas (see scripts/docs.ts). */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './docs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = generatedFiles();
// Rule pages of removed rules go away.
for (const name of readdirSync(join(root, 'docs/rules'), { withFileTypes: true })) {
  const path = `docs/rules/${name.name}`;
  if (name.isFile() && name.name.endsWith('.md') && !(path in files)) rmSync(join(root, path));
}
for (const [path, content] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
process.stdout.write(`wrote ${Object.keys(files).length} files\n`);
