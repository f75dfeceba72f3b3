/**
 * Cold-start module load of the Lambda handler bundles: each bundle is required in a fresh Node
 * process (as Lambda's runtime does at an init), several times, and the median time from
 * `require()` to the exported handler is printed with the bundle's size and the process's RSS.
 *
 *   node scripts/bundle.mjs && node --import tsx bench/handler-cold-start/run.ts
 *   BENCH_RUNS=31 node --import tsx bench/handler-cold-start/run.ts
 *
 * Variants, built the same way as scripts/bundle.mjs except where named:
 *   shipped          assets/lambda/<name>/index.js: minified, the ES-module builds of the AWS SDK
 *                    clients (only the commands sent), MySQL driver on demand
 *   sdk-commonjs     as shipped, but with the SDK clients' CommonJS builds (every command and
 *                    model of each client): the build before bundle.mjs chose `module` first
 *   env-credentials  as shipped, with the SDK's default credential chain replaced by the
 *                    environment provider alone (what Lambda normally uses): measured, not shipped
 *   runtime-sdk      minified, AWS SDK left to the Lambda runtime's copy (emulated here by this
 *                    repository's node_modules on NODE_PATH: unminified, many files, like the runtime's)
 *   unminified-all   the first build: unminified, CommonJS SDK builds, everything inside one file
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, Plugin } from 'esbuild';

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

// The shipped build's MySQL driver stays a separate file, required on first use (scripts/bundle.mjs).
const mysqlOnDemand: Plugin = {
  name: 'mysql2-on-demand',
  setup(b) { b.onResolve({ filter: /^mysql2\/promise$/ }, () => ({ path: './mysql2-driver.js', external: true })); },
};

async function main(): Promise<string[][]> {
  const work = mkdtempSync(join(tmpdir(), 'cold-start-'));
  const names = readdirSync(join(ROOT, 'assets', 'lambda')).filter((n) => !n.startsWith('.')).sort();
  const base = { bundle: true, platform: 'node' as const, format: 'cjs' as const, target: 'node22', legalComments: 'none' as const, logLevel: 'error' as const, external: ['pg-native'] };
  const shipped = { ...base, minify: true, mainFields: ['module', 'main'], plugins: [mysqlOnDemand] };
  // Only the environment's credentials: the SDK's node provider chain module, replaced.
  const envOnly = join(work, 'env-credentials.js');
  writeFileSync(envOnly, "const { fromEnv } = require('@aws-sdk/credential-provider-env'); exports.defaultProvider = () => fromEnv();\n");
  const envCredentials: Plugin = {
    name: 'env-credentials',
    setup(b) { b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: envOnly })); },
  };
  const rows: string[][] = [];
  try {
    for (const name of names) {
      const entry = join(ROOT, 'lambda', name, 'index.ts');
      const variants: Array<[string, string, NodeJS.ProcessEnv]> = [['shipped', join(ROOT, 'assets', 'lambda', name, 'index.js'), {}]];
      const commonjs = join(work, `${name}-sdk-commonjs.js`);
      await build({ ...shipped, mainFields: ['main', 'module'], entryPoints: [entry], outfile: commonjs });
      variants.push(['sdk-commonjs', commonjs, {}]);
      const env = join(work, `${name}-env-credentials.js`);
      await build({ ...shipped, entryPoints: [entry], outfile: env, nodePaths: [join(ROOT, 'node_modules')], plugins: [mysqlOnDemand, envCredentials] });
      variants.push(['env-credentials', env, {}]);
      const sdk = join(work, `${name}-runtime-sdk.js`);
      await build({ ...base, minify: true, entryPoints: [entry], outfile: sdk, external: ['pg-native', '@aws-sdk/*', '@smithy/*'] });
      variants.push(['runtime-sdk', sdk, { NODE_PATH: join(ROOT, 'node_modules') }]);
      const all = join(work, `${name}-unminified-all.js`);
      await build({ ...base, minify: false, entryPoints: [entry], outfile: all });
      variants.push(['unminified-all', all, {}]);
      for (const [variant, file, env] of variants) {
        const { ms, rssMb } = measure(file, env);
        rows.push([name, variant, `${(statSync(file).size / 1024).toFixed(0)} KB`, `${ms.toFixed(1)} ms`, `${rssMb.toFixed(0)} MB`]);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

function print(rows: string[][]): void {
  const header = ['handler', 'variant', 'index.js', `load (median of ${runs})`, 'RSS after load'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(`Node ${process.version}, ${new Date().toISOString()}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-+-'));
  for (const r of rows) console.log(line(r));
}

main().then(print, (e) => { console.error(e); process.exit(1); });
