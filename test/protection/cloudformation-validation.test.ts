import { App, Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BackupAuditFramework, DatabaseProtection, ProtectedDatabase } from '../../lib/protection';
import { BackupVault } from '../../lib/storage/backup-vault';

// aws-cdk-lib validates synthesized templates against the CloudFormation resource schemas; with
// this context flag its findings fail synth. This catches property-shape mistakes
// that Template assertions written by the same hand would repeat.
test('the protection and audit resources pass CloudFormation schema validation at synth', () => {
  const app = new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
  const stack = new Stack(app, 'Primary', { env: { account: '111122223333', region: 'us-east-1' } });
  const vault = new BackupVault(stack, 'Vault');
  new DatabaseProtection(stack, 'Protection', {
    database: ProtectedDatabase.fromClusterArn('arn:aws:rds:us-east-1:111122223333:cluster:billing'),
    vault,
    drVault: BackupVault.fromBackupVaultArn(stack, 'Dr', 'arn:aws:backup:us-west-2:111122223333:backup-vault:dr'),
    rpo: Duration.minutes(15),
    weeklyRetention: Duration.days(56),
    selectionTags: [{ key: 'backup', value: 'gold' }],
  });
  new BackupAuditFramework(stack, 'Audit', {
    rpo: Duration.minutes(15), minRetention: Duration.days(7), crossRegions: ['us-west-2'],
    reportBucket: new s3.Bucket(stack, 'Reports', { enforceSSL: true }),
  });
  const assembly = app.synth();
  const template = assembly.getStackByName('Primary').template;
  expect(Object.values(template.Resources).map((r: any) => r.Type)).toEqual(expect.arrayContaining([
    'AWS::Backup::BackupPlan', 'AWS::Backup::BackupSelection', 'AWS::Backup::Framework', 'AWS::Backup::ReportPlan',
  ]));
});
