/**
 * The handlers as Lambda runs them: bundled by esbuild with scripts/bundle.mjs's settings (into a
 * private folder: concurrent test runs rebuild assets/), loadable without the repository's
 * node_modules, with their own AWS SDK clients inside (the runtime's SDK may lack
 * PutRestoreValidationResult), and without CDK.
 */
import { buildSync } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const ROOT = join(__dirname, '..', '..');

describe.each(['restore-validator', 'baseline-capture'])('bundle of %s', (name) => {
  let dir: string;
  let out: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `bundle-${name}-`));
    out = join(dir, 'index.js');
    buildSync({ entryPoints: [join(ROOT, 'lambda', name, 'index.ts')], outfile: out, bundle: true, platform: 'node', format: 'cjs',
      target: 'node22', external: ['pg-native'], logLevel: 'error', legalComments: 'none' });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads outside the repository and exports handler', () => {
    // Run from the bundle's folder with no NODE_PATH: every dependency must be inside the file.
    const r = spawnSync(process.execPath, ['-e', "const m = require('./index.js'); process.stdout.write(typeof m.handler)"], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
    // Node 20 here: the SDK warns about its own future Node support on stderr; nothing else may appear.
    expect(r.stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?to show where the warning was created\)\n/, '')).toBe('');
    expect(r.stdout).toBe('function');
  });

  it('carries its own AWS SDK clients and no CDK', () => {
    const code = readFileSync(out, 'utf8');
    if (name === 'restore-validator') {
      expect(code).toContain('PutRestoreValidationResultCommand');
      expect(code).toContain('DescribeRestoreJobCommand');
    }
    expect(code).toContain('GetSecretValueCommand');
    expect(code).not.toMatch(/aws-cdk-lib/);
  });
});
