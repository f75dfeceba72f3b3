/**
 * jsii, the way a release would run it: `scripts/jsii.sh` compiles lib/ in a staging folder whose
 * devDependencies are the lowest versions of the peer ranges (what jsii asks for), and the compile
 * must report 0 errors and 0 warnings. The assembly it writes is read back: it names the peer
 * ranges as its dependencies and carries the constructs users of other languages need. Needs the
 * npm registry or a warm npm cache (jsii, aws-cdk-lib at the peer minimum); about 45 s.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

describe('jsii compile against the lowest peer versions (scripts/jsii.sh)', () => {
  let out: string;
  let run: { status: number | null; all: string };

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'jsii-assembly-'));
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'jsii.sh')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, JSII_OUT: out }, maxBuffer: 64 * 1024 * 1024 });
    run = { status: r.status, all: `${r.stdout}\n${r.stderr}` };
  });

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('compiles with 0 errors and 0 warnings, at aws-cdk-lib, constructs and cdk-nag\'s lowest peer versions', () => {
    expect(run.status === 0 ? '' : run.all).toBe('');
    expect(run.all).toMatch(/^Errors: 0 \| Warnings: 0 \| Time: /m);
    expect(run.all).not.toMatch(/\bJSII\d+\b/);
    const floors = Object.entries(rootPackage.peerDependencies as Record<string, string>).map(([n, range]) => `${n}@${range.replace(/^\^/, '')}`);
    expect(floors).toEqual(['aws-cdk-lib@2.269.0', 'constructs@10.5.1', 'cdk-nag@3.0.2']);
    const staged = /^jsii stage: devDependencies (.*)$/m.exec(run.all)?.[1].split(' ') ?? [];
    expect(staged).toEqual(expect.arrayContaining([...floors, 'jsii@6.0.16']));
  });

  it('writes an assembly that depends on the peer ranges and holds the public constructs', () => {
    const assembly = JSON.parse(readFileSync(join(out, '.jsii'), 'utf8'));
    expect(assembly.name).toBe('cdk-database-dr');
    expect(assembly.jsiiVersion).toMatch(/^6\.0\.16 /);
    expect(assembly.dependencies).toEqual(rootPackage.peerDependencies);
    expect(assembly.targets.python).toEqual({ distName: 'cdk-database-dr', module: 'cdk_database_dr' });
    for (const type of ['BackupVault', 'BackupBucket', 'DatabaseProtection', 'BackupRunner', 'RestoreVerification', 'AlarmTopic']) {
      expect({ type, kind: assembly.types[`cdk-database-dr.${type}`]?.kind }).toEqual({ type, kind: 'class' });
    }
  });
});
