/**
 * The handlers as Lambda runs them: the shipped bundles of assets/lambda/<name> (built by
 * scripts/bundle.mjs, which `npm test` runs first), copied out of the repository, load without its
 * node_modules, with their own AWS SDK clients inside (the runtime's SDK may lack
 * PutRestoreValidationResult), without CDK, and with the MySQL driver in a file of its own that
 * only a MySQL check loads.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const ROOT = join(__dirname, '..', '..');

function load(dir: string, code: string) {
  // Run from the bundle's folder with no NODE_PATH: every dependency must be inside the folder.
  const r = spawnSync(process.execPath, ['-e', code], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
  // Node 20 here: the SDK warns about its own future Node support on stderr; nothing else may appear.
  return { stdout: r.stdout, stderr: r.stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?to show where the warning was created\)\n/, '') };
}

describe.each(['restore-validator', 'baseline-capture', 'measured-rpo'])('shipped bundle of %s', (name) => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `bundle-${name}-`));
    cpSync(join(ROOT, 'assets', 'lambda', name), dir, { recursive: true });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads outside the repository and exports handler; loading it does not load the MySQL driver', () => {
    const r = load(dir, "const m = require('./index.js'); const driver = Object.keys(require.cache).some((k) => k.endsWith('mysql2-driver.js')); process.stdout.write(typeof m.handler + ',' + driver)");
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('function,false');
  });

  it('is minified and carries its own AWS SDK clients and no CDK', () => {
    const code = readFileSync(join(dir, 'index.js'), 'utf8');
    // The SDK's ES-module build (scripts/bundle.mjs) declares each command bundled as
    // `class XCommand extends command(endpoint, middleware, "X", schema)`; minified, the name of
    // the operation stays.
    const sends = (operation: string) => new RegExp(`class extends [\\w$]+\\([\\w$]+,[\\w$]+,"${operation}",`).test(code);
    expect(sends('PutRestoreValidationResult')).toBe(name === 'restore-validator');
    expect(sends('DescribeRestoreJob')).toBe(name === 'restore-validator');
    expect(sends('GetSecretValue')).toBe(name !== 'measured-rpo');
    expect(code).not.toMatch(/aws-cdk-lib/);
    // Minified: far fewer lines than bytes / 200.
    expect(code.split('\n').length).toBeLessThan(statSync(join(dir, 'index.js')).size / 2000);
  });

  if (name !== 'measured-rpo') {
    it('ships the MySQL driver beside it, loadable on demand', () => {
      const r = load(dir, "const d = require('./mysql2-driver.js'); process.stdout.write(typeof d.createConnection)");
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('function');
      expect(readFileSync(join(dir, 'index.js'), 'utf8')).toContain('./mysql2-driver.js');
    });
  }
});
