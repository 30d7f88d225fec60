import { scanIac } from './src/parsers/iac.js';

const dir = process.argv[2]!;
await scanIac({ paths: [dir], cwd: dir, generatedAt: '' });
const t = performance.now();
await scanIac({ paths: [dir], cwd: dir, generatedAt: '' });
console.log('scan', (performance.now() - t).toFixed(0));
