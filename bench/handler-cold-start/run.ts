/**
 * Cold-start module load of the Lambda handler bundles: each bundle is required in a fresh Node
 * process (as Lambda's runtime does at an init), several times, and the median time from
 * `require()` to the exported handler is printed with the bundle's size and the process's RSS.
 *
 *   node scripts/bundle.mjs && node --import tsx bench/handler-cold-start/run.ts
 *   BENCH_RUNS=31 node --import tsx bench/handler-cold-start/run.ts
 *
 * Variants, built the same way as scripts/bundle.mjs except where named:
 *   shipped          assets/lambda/<name>/index.js: minified, AWS SDK inside, MySQL driver on demand
 *   runtime-sdk      minified, AWS SDK left to the Lambda runtime's copy (emulated here by this
 *                    repository's node_modules on NODE_PATH: unminified, many files, like the runtime's)
 *   unminified-all   the previous build: unminified, everything inside one file
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = join(__dirname, '..', '..');
const runs = Number(process.env.BENCH_RUNS ?? 15);
if (!Number.isInteger(runs) || runs < 3) {
  console.error(`BENCH_RUNS must be a whole number ≥ 3, got ${JSON.stringify(process.env.BENCH_RUNS)}`);
  process.exit(2);
}

const LOAD = `const t = process.hrtime.bigint(); const m = require(process.argv[1]);
const ms = Number(process.hrtime.bigint() - t) / 1e6;
if (typeof m.handler !== 'function') { console.error('no handler'); process.exit(1); }
process.stdout.write(JSON.stringify({ ms, rssMb: process.memoryUsage().rss / 1048576 }));`;

function measure(file: string, env: NodeJS.ProcessEnv): { ms: number; rssMb: number } {
  const samples: Array<{ ms: number; rssMb: number }> = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['-e', LOAD, file], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
    if (r.status !== 0) throw new Error(`loading ${file} failed: ${r.stderr}`);
    samples.push(JSON.parse(r.stdout));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { ms: median(samples.map((s) => s.ms)), rssMb: median(samples.map((s) => s.rssMb)) };
}

const work = mkdtempSync(join(tmpdir(), 'cold-start-'));
const names = readdirSync(join(ROOT, 'assets', 'lambda')).sort();
const base = { bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node22', legalComments: 'none' as const, logLevel: 'error' as const, external: ['pg-native'] };
const rows: string[][] = [];
try {
  for (const name of names) {
    const entry = join(ROOT, 'lambda', name, 'index.ts');
    const variants: Array<[string, string, NodeJS.ProcessEnv]> = [['shipped', join(ROOT, 'assets', 'lambda', name, 'index.js'), {}]];
    const sdk = join(work, `${name}-runtime-sdk.js`);
    buildSync({ ...base, minify: true, entryPoints: [entry], outfile: sdk, external: ['pg-native', '@aws-sdk/*', '@smithy/*'] });
    variants.push(['runtime-sdk', sdk, { NODE_PATH: join(ROOT, 'node_modules') }]);
    const all = join(work, `${name}-unminified-all.js`);
    buildSync({ ...base, minify: false, entryPoints: [entry], outfile: all });
    variants.push(['unminified-all', all, {}]);
    for (const [variant, file, env] of variants) {
      const { ms, rssMb } = measure(file, env);
      rows.push([name, variant, `${(statSync(file).size / 1024).toFixed(0)} KB`, `${ms.toFixed(1)} ms`, `${rssMb.toFixed(0)} MB`]);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const header = ['handler', 'variant', 'index.js', `load (median of ${runs})`, 'RSS after load'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
console.log(`Node ${process.version}, ${new Date().toISOString()}`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-+-'));
for (const r of rows) console.log(line(r));
