// Bundles every Lambda handler (lambda/<name>/index.ts) and the runner CLI (runner/src/main.ts)
// with esbuild into assets/, which the constructs reference with Code.fromAsset /
// ContainerImage.fromAsset. Consumers of the published library never need esbuild or Docker to
// synthesize. Output is deterministic (no timestamps), so asset hashes only change with code.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'assets');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // Minified: the Lambda bundles load at every cold start (bench/handler-cold-start measures it).
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // pg optionally requires pg-native; it is never installed.
  external: ['pg-native'],
};

// Each asset is built into a fresh temporary folder and renamed into place, so a concurrent test
// run never sees a half-written or deleted bundle.
mkdirSync(join(out, 'lambda'), { recursive: true });
const staging = mkdtempSync(join(out, '.staging-'));
const swaps = [];
function stage(dest) {
  const tmp = join(staging, String(swaps.length));
  mkdirSync(tmp, { recursive: true });
  swaps.push([tmp, dest]);
  return tmp;
}
// The MySQL driver (mysql2 with iconv-lite's character-set tables, ~1 MB minified) is needed only
// when a check connects to MySQL/MariaDB: handlers that use it get it as a file of its own next to
// index.js, required on first use (runtime/integrity/connection.ts), so a PostgreSQL check and the
// cold start never load it.
const MYSQL_DRIVER = 'mysql2-driver.js';
const mysqlOnDemand = {
  name: 'mysql2-on-demand',
  setup(b) {
    b.onResolve({ filter: /^mysql2\/promise$/ }, () => ({ path: `./${MYSQL_DRIVER}`, external: true }));
  },
};
// The handlers take the ES-module build of each dependency that has one (`module` before `main`).
// The AWS SDK v3 clients' CommonJS builds are one file per client holding every command, model
// and error (client-rds alone ~220 KB minified), which esbuild cannot tree-shake; their ES-module
// builds are one file per command and schema, so only the commands a handler sends are bundled.
// Same SDK version and code paths, including the full default credential chain (measured
// 2026-12-03: measured RPO 1,217,894 -> ~707,000 bytes, restore validator 1,069,094 -> ~716,000).
// Packages with an `exports` map (pg, mysql2, @smithy/core) resolve as before.
const lambdaOptions = { ...common, target: 'node22', mainFields: ['module', 'main'] };
const jobs = [];
const lambdaDir = join(root, 'lambda');
for (const name of existsSync(lambdaDir) ? readdirSync(lambdaDir).sort() : []) {
  const entry = join(lambdaDir, name, 'index.ts');
  if (!existsSync(entry)) continue;
  const tmp = stage(join(out, 'lambda', name));
  jobs.push(build({ ...lambdaOptions, entryPoints: [entry], outfile: join(tmp, 'index.js'), plugins: [mysqlOnDemand], metafile: true })
    .then((r) => {
      const external = Object.values(r.metafile.outputs).some((o) => o.imports.some((i) => i.path === `./${MYSQL_DRIVER}`));
      if (!external) return undefined;
      return build({ ...lambdaOptions, stdin: { contents: "module.exports = require('mysql2/promise');", resolveDir: root, loader: 'js' },
        outfile: join(tmp, MYSQL_DRIVER) });
    }));
}

const runnerEntry = join(root, 'runner', 'src', 'main.ts');
if (existsSync(runnerEntry)) {
  const dest = stage(join(out, 'runner'));
  // Not minified: the runner logs stack traces of internal errors, which operators read.
  jobs.push(build({ ...common, minify: false, target: 'node20', entryPoints: [runnerEntry], outfile: join(dest, 'runner.js') }));
  // The image's build context: Dockerfile and its package list travel with the bundle.
  for (const f of readdirSync(join(root, 'runner'))) {
    const p = join(root, 'runner', f);
    if (statSync(p).isFile()) cpSync(p, join(dest, f));
  }
}

try {
  await Promise.all(jobs);
  for (const [tmp, dest] of swaps) {
    const old = `${tmp}.old`;
    if (existsSync(dest)) renameSync(dest, old);
    renameSync(tmp, dest);
    rmSync(old, { recursive: true, force: true });
  }
} finally {
  rmSync(staging, { recursive: true, force: true });
}
console.log(`bundled ${jobs.length} asset(s) into ${out}`);
