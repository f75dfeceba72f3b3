import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DrRegionStack, PrimaryRegionStack } from '../../lib/app';
import { acknowledgements, nagFindings } from '../support/nag';

/** The two storage stacks alone, as the DR app composes them (env-agnostic account). */
function exampleApp() {
  const app = new App();
  const dr = new DrRegionStack(app, 'CdkDatabaseDr-Dr', { region: 'us-west-2', alarmEmail: 'oncall@example.com' });
  const primary = new PrimaryRegionStack(app, 'CdkDatabaseDr-Primary', { region: 'us-east-1', dr, alarmEmail: 'oncall@example.com' });
  return { app, dr, primary };
}


const PACKS = ['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];

describe('storage stacks of the DR app', () => {
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
