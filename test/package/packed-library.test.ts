/**
 * The library from a user's side: `npm pack` it, install the tarball into a fresh CDK app outside
 * the repository (test/package/user-app), type-check that app with `strict`, synthesize it with
 * the four cdk-nag packs (no finding on the library's constructs), run its jest snapshot test
 * twice (written, then matched), and deploy-synthesize a DR app from the user's own plan file
 * with the package's `cdk-database-dr` command. Needs the npm registry (or a warm npm cache).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const dev = rootPackage.devDependencies as Record<string, string>;
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

describe('the packed library, installed into a user\'s app', () => {
  let work: string;
  let tarball: string;
  let files: string[];
  let app: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cdk-database-dr-user-'));
    // npm pack runs prepack: bundles the handlers and the runner, compiles lib/ to dist/.
    const out = execFileSync(NPM, ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const info = JSON.parse(out.slice(out.indexOf('[')))[0];
    tarball = join(work, info.filename);
    files = info.files.map((f: { path: string }) => f.path);

    app = join(work, 'app');
    cpSync(join(__dirname, 'user-app'), app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({
      name: 'orders-app', private: true, version: '1.0.0',
      dependencies: {
        'cdk-database-dr': `file:${tarball}`,
        'aws-cdk-lib': dev['aws-cdk-lib'], 'constructs': dev.constructs, 'cdk-nag': dev['cdk-nag'],
      },
      devDependencies: {
        'typescript': dev.typescript, '@types/node': dev['@types/node'], '@types/jest': dev['@types/jest'],
        'jest': dev.jest, 'ts-jest': dev['ts-jest'],
      },
      jest: { testEnvironment: 'node', transform: { '^.+\\.ts$': 'ts-jest' }, testPathIgnorePatterns: ['/node_modules/', '/out/'] },
    }, null, 2));
    const install = run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app);
    if (install.status !== 0) throw new Error(`npm install of the packed library failed:\n${install.all}`);
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('holds compiled JavaScript, declarations, the bundles, the plan schema, README and LICENSE — and no sources, tests or CI files', () => {
    for (const f of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/app/index.js', 'dist/bin/app.js', 'dist/lib/plan/backup-plan.schema.json',
      'assets/lambda/restore-validator/index.js', 'assets/lambda/baseline-capture/index.js', 'assets/lambda/measured-rpo/index.js',
      'assets/runner/Dockerfile', 'assets/runner/runner.js', 'assets/runner/apt-packages.txt', 'README.md', 'LICENSE', 'package.json']) {
      expect({ f, packed: files.includes(f) }).toEqual({ f, packed: true });
    }
    // ajv is bundled (jsii packages bundle their dependencies that are not jsii modules); its files are its own.
    const bundled = [...new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/')[1]))].sort();
    expect(bundled).toEqual(['ajv', 'fast-deep-equal', 'fast-uri', 'json-schema-traverse', 'require-from-string']);
    const ours = files.filter((f) => !f.startsWith('node_modules/'));
    const unwanted = ours.filter((f) => /^(test|bench|patches|scripts|examples|\.ci|lambda|runner\/src)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)));
    expect(unwanted).toEqual([]);
    expect(rootPackage.scripts.postinstall).toBeUndefined();
  });

  it('installs without the repository: no install script, the library resolves by its name', () => {
    const installed = JSON.parse(readFileSync(join(app, 'node_modules', 'cdk-database-dr', 'package.json'), 'utf8'));
    expect(installed.scripts?.postinstall).toBeUndefined();
    const r = run(process.execPath, ['-e', "const l = require('cdk-database-dr'); const a = require('cdk-database-dr/app'); process.stdout.write([typeof l.BackupVault, typeof a.buildDrApp].join(','))"], app);
    expect(r.stdout).toBe('function,function');
  });

  it('type-checks the user\'s app with strict (and the library\'s declarations with it)', () => {
    const r = run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app);
    expect(r.all.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('synthesizes the composed app; the four cdk-nag packs find nothing on the library\'s constructs', () => {
    const r = run(process.execPath, ['out/app.js'], app, { CDK_OUTDIR: join(app, 'cdk.out') });
    expect(r.status === 0 ? '' : r.all).toBe('');
    const { findings } = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(findings).toEqual([]);
    const templates = readdirSync(join(app, 'cdk.out')).filter((f) => f.endsWith('.template.json')).sort();
    expect(templates).toEqual(['OrdersDr.template.json', 'Orders.template.json'].sort());
  });

  it('runs the user\'s jest snapshot test: written once, then matched on a second run (asset hashes masked)', () => {
    const first = run(join(app, 'node_modules', '.bin', 'jest'), ['--ci=false'], app);
    expect(first.status === 0 ? '' : first.all).toBe('');
    expect(existsSync(join(app, '__snapshots__', 'snapshot.test.ts.snap'))).toBe(true);
    const second = run(join(app, 'node_modules', '.bin', 'jest'), ['--ci'], app);
    expect(second.status === 0 ? '' : second.all).toBe('');
    expect(second.all).toMatch(/Snapshots:\s+2 passed, 2 total/);
    expect(readFileSync(join(app, '__snapshots__', 'snapshot.test.ts.snap'), 'utf8')).toContain('<asset hash>');
  });

  it('synthesizes a DR app from the user\'s own plan file with the package\'s cdk-database-dr command', () => {
    const out = join(app, 'dr.out');
    const r = run(join(app, 'node_modules', '.bin', 'cdk-database-dr'), [], app, { CDK_CONTEXT_JSON: JSON.stringify({ plan: 'plan.json' }), CDK_OUTDIR: out });
    expect(r.status === 0 ? '' : r.all).toBe('');
    expect(r.stderr).toMatch(/shop/);
    // The two stacks, and their nested database stacks (10 databases per stack: one each here).
    expect(readdirSync(out).filter((f) => f.endsWith('.template.json')).sort()).toEqual(['CdkDatabaseDr-Dr.template.json', 'CdkDatabaseDr-Primary.template.json',
      expect.stringMatching(/^CdkDatabaseDrDrDatabases1[0-9A-F]{8}\.nested\.template\.json$/), expect.stringMatching(/^CdkDatabaseDrPrimaryDatabases1[0-9A-F]{8}\.nested\.template\.json$/)]);
    // The runbooks are written next to the templates.
    expect(existsSync(join(out, 'runbooks'))).toBe(true);
    // The nag gate runs inside the command: an unacknowledged finding would have failed synth.
    expect(existsSync(join(out, 'validation-report.json')) ? JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) : {}).not.toMatchObject({ pluginReports: [{ conclusion: 'failure' }] });
  });

  it('works at the oldest versions of its peer ranges: the composed app and the DR app synthesize, no finding', () => {
    // 2.268 and older refuse the `::` inside cdk-nag 3's per-finding acknowledgement ids; cdk-nag
    // 3.0.2 itself needs constructs 10.5.1 or newer.
    const floor = (name: string) => String(rootPackage.peerDependencies[name]).replace(/^\^/, '');
    const oldest = floor('aws-cdk-lib');
    expect([oldest, floor('constructs'), floor('cdk-nag')]).toEqual(['2.269.0', '10.5.1', '3.0.2']);
    const old = join(work, 'oldest');
    cpSync(join(__dirname, 'user-app'), old, { recursive: true });
    writeFileSync(join(old, 'package.json'), JSON.stringify({
      name: 'orders-app-oldest', private: true, version: '1.0.0',
      dependencies: { 'cdk-database-dr': `file:${tarball}`, 'aws-cdk-lib': oldest, 'constructs': floor('constructs'), 'cdk-nag': floor('cdk-nag') },
      devDependencies: { 'typescript': dev.typescript, '@types/node': dev['@types/node'], '@types/jest': dev['@types/jest'] },
    }, null, 2));
    const install = run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], old);
    expect(install.status === 0 ? '' : install.all).toBe('');
    for (const name of ['aws-cdk-lib', 'constructs', 'cdk-nag']) {
      expect({ name, version: JSON.parse(readFileSync(join(old, 'node_modules', name, 'package.json'), 'utf8')).version }).toEqual({ name, version: floor(name) });
    }
    const tsc = run(join(old, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], old);
    expect(tsc.all.trim()).toBe('');
    const synth = run(process.execPath, ['out/app.js'], old, { CDK_OUTDIR: join(old, 'cdk.out') });
    expect(synth.status === 0 ? '' : synth.all).toBe('');
    expect(JSON.parse(synth.stdout.trim().split('\n').pop()!).findings).toEqual([]);
    const dr = run(join(old, 'node_modules', '.bin', 'cdk-database-dr'), [], old, { CDK_CONTEXT_JSON: JSON.stringify({ plan: 'plan.json' }), CDK_OUTDIR: join(old, 'dr.out') });
    expect(dr.status === 0 ? '' : dr.all).toBe('');
  });

  it('refuses a bad plan by path and value, without a stack trace', () => {
    writeFileSync(join(app, 'bad.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(app, 'plan.json'), 'utf8')), dr_region: 'eu-west-1' }));
    const r = run(join(app, 'node_modules', '.bin', 'cdk-database-dr'), [], app, { CDK_CONTEXT_JSON: JSON.stringify({ plan: 'bad.json' }), CDK_OUTDIR: join(app, 'bad.out') });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('dr_region: "eu-west-1" must differ from primary_region "eu-west-1"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
