// Bundles every Lambda handler (lambda/<name>/index.ts) and the runner CLI (runner/src/main.ts)
// with esbuild into assets/, which the constructs reference with Code.fromAsset /
// ContainerImage.fromAsset. Consumers of the published library never need esbuild or Docker to
// synthesize. Output is deterministic (no timestamps), so asset hashes only change with code.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'assets');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  // pg optionally requires pg-native; it is never installed.
  external: ['pg-native'],
};

const jobs = [];
const lambdaDir = join(root, 'lambda');
for (const name of existsSync(lambdaDir) ? readdirSync(lambdaDir).sort() : []) {
  const entry = join(lambdaDir, name, 'index.ts');
  if (name === 'shared' || !existsSync(entry)) continue;
  const dest = join(out, 'lambda', name);
  rmSync(dest, { recursive: true, force: true });
  jobs.push(build({ ...common, target: 'node22', entryPoints: [entry], outfile: join(dest, 'index.js') }));
}

const runnerEntry = join(root, 'runner', 'src', 'main.ts');
if (existsSync(runnerEntry)) {
  const dest = join(out, 'runner');
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  jobs.push(build({ ...common, target: 'node20', entryPoints: [runnerEntry], outfile: join(dest, 'runner.js') }));
  // The image's build context: Dockerfile and its package list travel with the bundle.
  for (const f of readdirSync(join(root, 'runner'))) {
    const p = join(root, 'runner', f);
    if (statSync(p).isFile()) cpSync(p, join(dest, f));
  }
}

await Promise.all(jobs);
console.log(`bundled ${jobs.length} asset(s) into ${out}`);
