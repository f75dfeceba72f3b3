import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

// The README's composing example must keep working as documented.
test('examples/existing-app/app.ts protects the app\'s own RDS instance with a continuous rule copied to the DR vault', async () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-dr-example-'));
  try {
    await run(process.execPath, ['--import', 'tsx', 'examples/existing-app/app.ts'], {
      cwd: ROOT, env: { ...process.env, CDK_OUTDIR: outdir, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
    const template = JSON.parse(readFileSync(join(outdir, 'Orders.template.json'), 'utf8'));
    const resources = Object.entries(template.Resources) as Array<[string, any]>;
    const dbId = resources.find(([, r]) => r.Type === 'AWS::RDS::DBInstance')![0];
    const plan = resources.find(([, r]) => r.Type === 'AWS::Backup::BackupPlan')![1];
    const continuous = plan.Properties.BackupPlan.BackupPlanRule.find((r: any) => r.EnableContinuousBackup);
    expect(continuous.CopyActions).toHaveLength(1);
    const selection = resources.find(([, r]) => r.Type === 'AWS::Backup::BackupSelection')![1];
    expect(JSON.stringify(selection.Properties.BackupSelection.Resources)).toContain(dbId);
    expect(resources.some(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')).toBe(true);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
