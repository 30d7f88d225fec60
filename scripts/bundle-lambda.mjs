#!/usr/bin/env node
/**
 * Bundles the detection Lambda (src/lambda/handler.ts) with the rule engine it runs
 * into one CommonJS file, dist/guardrails-lambda/index.js: the same source as the CLI, not a copy.
 * The AWS SDK clients are bundled too (pinned versions), rather than taken from the Lambda
 * runtime, whose older SDK would drop the newer HyperPod fields (RootVolume, VolumeKmsKeyId).
 * `hyperpod-cmk guardrails` copies the bundle next to the detection templates.
 *
 * The PostgreSQL client (`pg`, for the optional shared history) is bundled as JavaScript; its
 * optional native binding `pg-native` is left out (external, never loaded: the pure client is used).
 * src/version.ts reads ../package.json at run time, which the deployed function does not have:
 * the bundle gets the version inlined instead.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'guardrails-lambda', 'index.js');
mkdirSync(dirname(outfile), { recursive: true });
const PACKAGE_READ =
  /JSON\.parse\(readFileSync\(new URL\('\.\.\/package\.json', import\.meta\.url\), 'utf8'\)\)/;
/** src/version.ts with package.json inlined (its fields only), so the bundle reads no file to know its version. */
const inlineVersion = {
  name: 'inline-package-json',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]version\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!PACKAGE_READ.test(source))
        throw new Error(`${args.path}: the package.json read to inline is not there`);
      const { version, homepage, repository } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      const inlined = JSON.stringify({ version, homepage, repository });
      return { contents: source.replace(PACKAGE_READ, () => `(${inlined})`), loader: 'ts' };
    });
  },
};
const result = await build({
  entryPoints: [join(root, 'src', 'lambda', 'handler.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
  external: ['pg-native'],
  plugins: [inlineVersion],
});
// The package is ESM; the bundle is CommonJS (Lambda's `index.handler`), so its folder says so.
writeFileSync(join(dirname(outfile), 'package.json'), '{ "type": "commonjs" }\n');
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stderr.write(`bundled the detection Lambda: ${outfile} (${Math.round(bytes / 1024)} KiB)\n`);
