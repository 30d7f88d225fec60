#!/usr/bin/env node
/**
 * Bundles the detection Lambda (src/lambda/handler.ts) with the rule engine it runs
 * into one CommonJS file, dist/guardrails-lambda/index.js: the same source as the CLI, not a copy.
 * The AWS SDK clients are bundled too (pinned versions), rather than taken from the Lambda
 * runtime, whose older SDK would drop the newer HyperPod fields (RootVolume, VolumeKmsKeyId).
 * `hyperpod-cmk guardrails` copies the bundle next to the detection templates.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'guardrails-lambda', 'index.js');
mkdirSync(dirname(outfile), { recursive: true });
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
});
// The package is ESM; the bundle is CommonJS (Lambda's `index.handler`), so its folder says so.
writeFileSync(join(dirname(outfile), 'package.json'), '{ "type": "commonjs" }\n');
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stderr.write(`bundled the detection Lambda: ${outfile} (${Math.round(bytes / 1024)} KiB)\n`);
