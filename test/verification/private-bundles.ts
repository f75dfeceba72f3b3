/**
 * Handler bundles for construct tests, built with scripts/bundle.mjs's settings into a private
 * folder: every jest run's global setup deletes and rebuilds assets/lambda/, so construct tests
 * that read it race with other runs on the same checkout.
 */
import { buildSync } from 'esbuild';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aws_lambda as lambda } from 'aws-cdk-lib';

const ROOT = join(__dirname, '..', '..');
let dir: string | undefined;

export function privateHandlerCode(name: string): lambda.Code {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'verification-bundles-'));
    const d = dir;
    process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  const out = join(dir, name, 'index.js');
  if (!existsSync(out)) {
    buildSync({ entryPoints: [join(ROOT, 'lambda', name, 'index.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs',
      target: 'node22', external: ['pg-native'], logLevel: 'error', legalComments: 'none' });
  }
  return lambda.Code.fromAsset(join(dir, name));
}
