/**
 * A database selected by tags, composed by hand: DatabaseProtection's selection (resource type +
 * StringEquals conditions, ANDed), what BackupMonitoring watches instead of the instance (the
 * vault's job metrics for the resource type; no measured RPO by identifier; AuroraReplicaLag
 * refused), and RestoreVerification following the tags (restore testing conditions, the validator
 * told the tags to match restores by).
 */
import { App, Duration, Stack, aws_backup as backup, aws_ec2 as ec2, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AlarmTopic, BackupMonitoring } from '../../lib/monitoring';
import { DatabaseProtection, DatabaseResourceKind, ProtectedDatabase } from '../../lib/protection';
import { RestoreVerification, VerifiedEngine } from '../../lib/verification';

function fixture() {
  const app = new App();
  const stack = new Stack(app, 'Tags', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vault = backup.BackupVault.fromBackupVaultName(stack, 'Vault', 'primary');
  return { app, stack, vault };
}

test('the selection: every instance of the type carrying all the tags; the ARN is not named', () => {
  const { stack, vault } = fixture();
  const database = ProtectedDatabase.fromTags(DatabaseResourceKind.RDS_INSTANCE, [{ key: 'app', value: 'shop' }, { key: 'backup-tier', value: 'gold' }]);
  new DatabaseProtection(stack, 'Protect', { database, vault, rpo: Duration.minutes(15) });
  const selection = Object.values(Template.fromStack(stack).findResources('AWS::Backup::BackupSelection'))[0].Properties.BackupSelection;
  expect(selection.Conditions).toEqual({
    StringEquals: [
      { ConditionKey: 'aws:ResourceTag/app', ConditionValue: 'shop' },
      { ConditionKey: 'aws:ResourceTag/backup-tier', ConditionValue: 'gold' },
    ],
  });
  expect(selection.ListOfTags).toBeUndefined();
  expect(JSON.stringify(selection.Resources)).toMatch(/:rds:\*:\*:db:\*"\]\]\}\]$/);
});

test('monitoring: the vault\'s job metrics for the resource type; no measured-RPO function for a database it cannot identify', () => {
  const { app, stack, vault } = fixture();
  const database = ProtectedDatabase.fromTags(DatabaseResourceKind.AURORA_CLUSTER, [{ key: 'app', value: 'shop' }]);
  const protection = new DatabaseProtection(stack, 'Protect', { database, vault, rpo: Duration.minutes(15) });
  new BackupMonitoring(stack, 'Monitoring', {
    planName: 'tags', alarmTopic: new AlarmTopic(stack, 'Topic', { email: 'oncall@example.com' }),
    databases: [{ name: 'shop', rpo: Duration.minutes(15), rto: Duration.hours(1) }],
    protections: [{ protection, database: 'shop' }],
  });
  app.synth();
  const template = Template.fromStack(stack);
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => JSON.stringify(r.Properties));
  expect(alarms.filter((a) => a.includes('"MetricName":"NumberOfBackupJobsFailed"') && a.includes('{"Name":"ResourceType","Value":"Aurora"}'))).toHaveLength(1);
  expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toEqual([]);
});

test('monitoring refuses AuroraReplicaLag for a cluster it cannot identify, naming the selection', () => {
  const { app, stack, vault } = fixture();
  const database = ProtectedDatabase.fromTags(DatabaseResourceKind.AURORA_CLUSTER, [{ key: 'app', value: 'shop' }]);
  const protection = new DatabaseProtection(stack, 'Protect', { database, vault, rpo: Duration.minutes(15) });
  new BackupMonitoring(stack, 'Monitoring', {
    planName: 'tags', alarmTopic: new AlarmTopic(stack, 'Topic', { email: 'oncall@example.com' }),
    databases: [{ name: 'shop', rpo: Duration.minutes(15), rto: Duration.hours(1) }],
    protections: [{ protection, database: 'shop', auroraHasReaders: true }],
  });
  expect(() => app.synth()).toThrow(/database 'shop': auroraHasReaders needs the cluster's identifier, but protection Tags\/Protect selects every Aurora DB cluster tagged app=shop/);
});

test('restore verification follows the tags: a restore testing selection by conditions, the validator told the tags', () => {
  const { stack, vault } = fixture();
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] });
  const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:shop-AbCdEf');
  new RestoreVerification(stack, 'Verify', {
    vaults: [vault], vpc,
    databases: [{
      name: 'shop', engine: VerifiedEngine.POSTGRESQL, databaseName: 'shop', masterSecret: secret, readOnlySecret: secret, productionHost: 'shop.internal',
      database: ProtectedDatabase.fromTags(DatabaseResourceKind.AURORA_CLUSTER, [{ key: 'app', value: 'shop' }]),
    }],
  });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::Backup::RestoreTestingSelection', {
    ProtectedResourceType: 'Aurora', ProtectedResourceArns: ['*'],
    ProtectedResourceConditions: { StringEquals: [{ Key: 'aws:ResourceTag/app', Value: 'shop' }] },
  });
  template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([{
        Sid: 'SourceTagsAurora', Action: 'rds:ListTagsForResource', Effect: 'Allow',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':cluster:*']] },
      }]),
    },
  });
  const env = JSON.stringify(template.findResources('AWS::Lambda::Function'));
  expect(env).toContain('\\"sourceTags\\":{\\"app\\":\\"shop\\"}');
});
