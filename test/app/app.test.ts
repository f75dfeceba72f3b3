import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { DrRegionStack, PrimaryRegionStack } from '../../lib/app';
import { nagFindings } from '../support/nag';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/** The example app as bin/app.ts builds it by default (env-agnostic account). */
function exampleApp() {
  const app = new App();
  const dr = new DrRegionStack(app, 'CdkDatabaseDr-Dr', { region: 'us-west-2' });
  const primary = new PrimaryRegionStack(app, 'CdkDatabaseDr-Primary', { region: 'us-east-1', dr });
  return { app, dr, primary };
}

/** Every acknowledgement recorded under `scope`: rule id, reason and construct path. */
function acknowledgements(scope: IConstruct): Array<{ id: string; reason: string; path: string }> {
  const found: Array<{ id: string; reason: string; path: string }> = [];
  for (const c of scope.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          found.push({ id: id.replace(/^[^:]+::/, ''), reason, path: c.node.path });
        }
      }
    }
  }
  return found;
}

const PACKS = ['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];

describe('example DR app', () => {
  const { app, dr, primary } = exampleApp();
  // Synthesizing first prepares cross-region references, as `cdk synth` does before the packs run.
  const templates = { dr: Template.fromStack(dr), primary: Template.fromStack(primary) };

  test.each([['DR', dr], ['primary', primary]] as Array<[string, Stack]>)('%s stack has no unacknowledged finding in the four packs', (_name, stack) => {
    expect(nagFindings(stack)).toEqual([]);
  });

  test('the templates show vault lock, deny policy, key rotation, Object Lock, tiers and replication', () => {
    for (const t of [templates.dr, templates.primary]) {
      t.hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: { MinRetentionDays: 7 } });
      t.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      t.hasResourceProperties('AWS::S3::Bucket', { ObjectLockEnabled: true });
    }
    const vault = Object.values(templates.primary.findResources('AWS::Backup::BackupVault'))[0] as any;
    expect(vault.Properties.AccessPolicy.Statement[0].Effect).toBe('Deny');
    const bucket = Object.values(templates.primary.findResources('AWS::S3::Bucket', { Properties: { ObjectLockEnabled: true } }))[0] as any;
    expect(bucket.Properties.LifecycleConfiguration.Rules[0].Transitions.map((x: any) => x.StorageClass)).toEqual(['STANDARD_IA', 'GLACIER', 'DEEP_ARCHIVE']);
    expect(bucket.Properties.ReplicationConfiguration.Rules[0].Destination.ReplicationTime.Status).toBe('Enabled');
    templates.primary.resourceCountIs('Custom::CrossRegionExportReader', 1);
    templates.dr.resourceCountIs('Custom::CrossRegionExportWriter', 1);
  });

  test('acknowledgements: counted per pack, each with a specific reason', () => {
    const acks = acknowledgements(app);
    const counts = Object.fromEntries(PACKS.map((p) => [p, acks.filter((a) => a.id.startsWith(`${p}-`)).length]));
    console.log(`acknowledged findings per pack: ${JSON.stringify(counts)}\n${acks.map((a) => `  ${a.id} @ ${a.path}\n    ${a.reason}`).join('\n')}`);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(PACKS.some((p) => a.id.startsWith(`${p}-`))).toBe(true);
      expect(a.reason.trim().length).toBeGreaterThanOrEqual(60);
      expect(a.reason).not.toMatch(/^(n\/?a|none|ok|suppressed?|not (needed|required|applicable)|false positive|ignore)\.?$/i);
      // A specific reason says why: it names what is being acknowledged or the AWS behaviour behind it.
      expect(a.reason).toMatch(/S3|AWS Backup|replica|replication|log|wildcard|policy/i);
    }
    // The same rule on the same construct is never acknowledged twice with different reasons.
    const keys = acks.map((a) => `${a.path}|${a.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(counts).toEqual({ 'AwsSolutions': expect.any(Number), 'HIPAA.Security': expect.any(Number), 'NIST.800.53.R5': expect.any(Number), 'PCI.DSS.321': expect.any(Number) });
  });

  test('every acknowledgement silences a finding that really occurs on that construct', () => {
    // Rebuild the app with acknowledging switched off and collect what the packs then report,
    // both before and after cross-region references are prepared.
    const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    let raw: string[];
    try {
      const bare = exampleApp();
      raw = [...nagFindings(bare.app)];
      bare.app.synth();
      raw.push(...nagFindings(bare.app));
    } finally {
      spy.mockRestore();
    }
    const unused = acknowledgements(app).filter((a) => !raw.some((f) => f.includes(`: ${a.id} — ${a.path}/`)));
    expect(unused).toEqual([]);
  });

  test('snapshot: DR stack', () => {
    expect(templates.dr.toJSON()).toMatchSnapshot();
  });

  test('snapshot: primary stack', () => {
    expect(templates.primary.toJSON()).toMatchSnapshot();
  });
});

describe('bin/app.ts', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cdk-dr-app-'));
  });
  afterEach(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  function synth(context: Record<string, string>) {
    return run(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
  }

  test('synthesizes both stacks offline with the four packs passing', async () => {
    await synth({ account: '123456789012' });
    expect(readdirSync(outdir)).toEqual(expect.arrayContaining(['CdkDatabaseDr-Dr.template.json', 'CdkDatabaseDr-Primary.template.json']));
  });

  test('a configuration error is printed without a stack trace and exits 1', async () => {
    const failure = await synth({ primaryRegion: 'eu-west-1', drRegion: 'eu-west-1' }).then(
      () => { throw new Error('bin/app.ts exited 0 with both stacks in one region'); },
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/ConfigurationError|BackupBucket CdkDatabaseDr-Primary\/BackupBucket: 1 problem/);
    expect(failure.stderr).toMatch(/the replica CdkDatabaseDr-Dr\/ReplicaBucket is in eu-west-1, the same region as the source \(eu-west-1\)/);
    expect(failure.stderr).not.toMatch(/\n\s+at /);
  });
});
