import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ConfigurationError } from '../../lib/errors';
import { BackupAuditFramework, CrossAccountCopyTarget, DatabaseProtection, ProtectedDatabase } from '../../lib/protection';
import { BackupVault } from '../../lib/storage/backup-vault';
import { nagFindings } from '../support/nag';

const DR_VAULT_ARN = 'arn:aws:backup:us-west-2:111122223333:backup-vault:orders-dr';
const ENV = { account: '111122223333', region: 'us-east-1' };

function stackWithInstance() {
  const app = new App();
  const stack = new Stack(app, 'Primary', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const instance = new rds.DatabaseInstance(stack, 'Orders', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_15 }),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    storageEncrypted: true,
  });
  const vault = new BackupVault(stack, 'Vault', { vaultLock: { minRetention: Duration.days(7), maxRetention: Duration.days(400) } });
  const drVault = BackupVault.fromBackupVaultArn(stack, 'DrVault', DR_VAULT_ARN);
  return { app, stack, instance, vault, drVault };
}

describe('DatabaseProtection', () => {
  test('rpo 15 min with daily snapshots: continuous rule, snapshot rules, copies to the DR vault, selection naming the instance', () => {
    const { stack, instance, vault, drVault } = stackWithInstance();
    const protection = new DatabaseProtection(stack, 'Protection', {
      database: ProtectedDatabase.fromDatabaseInstance(instance),
      vault,
      drVault,
      rpo: Duration.minutes(15),
      weeklyRetention: Duration.days(28),
      monthlyRetention: Duration.days(372),
    });
    expect(protection.continuousBackupEnabled).toBe(true);
    expect(protection.snapshotIntervalMinutes).toBe(1440);
    const t = Template.fromStack(stack);
    const copy = (days: number) => [{ DestinationBackupVaultArn: DR_VAULT_ARN, Lifecycle: { DeleteAfterDays: days } }];
    t.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [
          Match.objectLike({ RuleName: 'Continuous', EnableContinuousBackup: true, ScheduleExpression: 'cron(0 2 * * ? *)', Lifecycle: { DeleteAfterDays: 35 }, CopyActions: copy(35) }),
          Match.objectLike({ RuleName: 'Scheduled', EnableContinuousBackup: Match.absent(), Lifecycle: { DeleteAfterDays: 35 }, CopyActions: copy(35) }),
          Match.objectLike({ RuleName: 'Weekly', ScheduleExpression: 'cron(0 2 ? * SUN *)', Lifecycle: { DeleteAfterDays: 28 }, CopyActions: copy(28) }),
          Match.objectLike({ RuleName: 'Monthly', ScheduleExpression: 'cron(0 2 1 * ? *)', Lifecycle: { DeleteAfterDays: 372 }, CopyActions: copy(372) }),
        ],
      },
    });
    // No rule moves RDS recovery points to cold storage (AWS Backup does not tier RDS snapshots).
    const plan = Object.values(t.findResources('AWS::Backup::BackupPlan'))[0];
    expect(JSON.stringify(plan)).not.toMatch(/MoveToColdStorageAfterDays/);
    const instanceId = stack.getLogicalId(instance.node.defaultChild as rds.CfnDBInstance);
    t.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: {
        Resources: [{ 'Fn::Join': ['', Match.arrayWith([{ Ref: instanceId }])] }],
        IamRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProtectionRolesBackupRole'), 'Arn'] },
      },
    });
  });

  test('rpo at or above the snapshot interval: no continuous rule; no DR vault is warned about', () => {
    const { stack, instance, vault } = stackWithInstance();
    const p = new DatabaseProtection(stack, 'Protection', {
      database: ProtectedDatabase.fromDatabaseInstance(instance), vault, rpo: Duration.hours(24),
    });
    expect(p.continuousBackupEnabled).toBe(false);
    expect(p.rules.map((r) => r.ruleName)).toEqual(['Scheduled']);
    Annotations.fromStack(stack).hasWarning('/Primary/Protection', Match.stringLikeRegexp('drVault is not set'));
  });

  test('an Aurora cluster by ARN, selected by tags with AND semantics, copied cross-account too', () => {
    const { stack, vault, drVault } = stackWithInstance();
    const other = backup.BackupVault.fromBackupVaultArn(stack, 'Other', 'arn:aws:backup:us-west-2:444455556666:backup-vault:central');
    new DatabaseProtection(stack, 'Protection', {
      database: ProtectedDatabase.fromClusterArn('arn:aws:rds:us-east-1:111122223333:cluster:billing'),
      vault, drVault, crossAccountVault: other,
      rpo: Duration.minutes(30),
      selectionTags: [{ key: 'backup', value: 'gold' }, { key: 'team', value: 'billing' }],
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: {
        Resources: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':rds:*:*:cluster:*']] }],
        Conditions: {
          StringEquals: [
            { ConditionKey: 'aws:ResourceTag/backup', ConditionValue: 'gold' },
            { ConditionKey: 'aws:ResourceTag/team', ConditionValue: 'billing' },
          ],
        },
        ListOfTags: Match.absent(),
      },
    });
    t.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: Match.arrayWith([Match.objectLike({
          RuleName: 'Continuous',
          CopyActions: [
            Match.objectLike({ DestinationBackupVaultArn: DR_VAULT_ARN }),
            Match.objectLike({ DestinationBackupVaultArn: 'arn:aws:backup:us-west-2:444455556666:backup-vault:central' }),
          ],
        })]),
      },
    });
  });

  test('bad rules are reported together, naming the values', () => {
    const { stack, instance, vault } = stackWithInstance();
    let error: ConfigurationError | undefined;
    try {
      new DatabaseProtection(stack, 'Protection', {
        database: ProtectedDatabase.fromDatabaseInstance(instance), vault,
        rpo: Duration.minutes(15),
        snapshotRetention: Duration.days(3),
        continuousRetention: Duration.days(40),
        monthlyRetention: Duration.days(500),
      });
    } catch (e) {
      error = e as ConfigurationError;
    }
    expect(error?.problems).toEqual([
      'rule Continuous: continuous backup retention must be 1-35 days, got 40',
      'rule Scheduled: retention 3 days is below the vault lock minimum 7 days of the primary vault — AWS Backup would fail the job',
      'rule Monthly: retention 500 days is above the vault lock maximum 400 days of the primary vault — AWS Backup would fail the job',
    ]);
  });

  test('invalid schedules and an RPO that continuousBackup false cannot meet', () => {
    const { stack, instance, vault } = stackWithInstance();
    expect(() => new DatabaseProtection(stack, 'P1', {
      database: ProtectedDatabase.fromDatabaseInstance(instance), vault, rpo: Duration.hours(24),
      snapshotSchedule: events.Schedule.expression('cron(0/15 * * * ? *)'),
    })).toThrow(/snapshotSchedule: "cron\(0\/15 \* \* \* \? \*\)" runs 15 min apart; AWS Backup runs a rule at most hourly/);
    expect(() => new DatabaseProtection(stack, 'P2', {
      database: ProtectedDatabase.fromDatabaseInstance(instance), vault, rpo: Duration.hours(24),
      snapshotSchedule: events.Schedule.expression('cron(0 2 * * * *)'),
    })).toThrow(/snapshotSchedule: exactly one of day-of-month/);
    expect(() => new DatabaseProtection(stack, 'P3', {
      database: ProtectedDatabase.fromDatabaseInstance(instance), vault, rpo: Duration.minutes(15), continuousBackup: false,
    })).toThrow(/rpo: 15 min cannot be met with continuousBackup false — snapshots run every 1440 min/);
  });

  test('ProtectedDatabase rejects ARNs of the wrong kind', () => {
    expect(() => ProtectedDatabase.fromInstanceArn('arn:aws:rds:us-east-1:111122223333:cluster:x')).toThrow(/arn: must be an RDS DB instance ARN .* got "arn:aws:rds:us-east-1:111122223333:cluster:x"/);
    expect(() => ProtectedDatabase.fromClusterArn('not-an-arn')).toThrow(/got "not-an-arn"/);
  });

  test('metrics carry the vault name and the resource type', () => {
    const { stack, instance, vault } = stackWithInstance();
    const p = new DatabaseProtection(stack, 'Protection', { database: ProtectedDatabase.fromDatabaseInstance(instance), vault, rpo: Duration.minutes(15) });
    const m = p.metricBackupJobsFailed();
    expect(m.namespace).toBe('AWS/Backup');
    expect(m.metricName).toBe('NumberOfBackupJobsFailed');
    expect(m.statistic).toBe('Sum');
    expect(stack.resolve(m.dimensions)).toEqual({ BackupVaultName: stack.resolve(vault.backupVaultName), ResourceType: 'RDS' });
    expect(p.metricCopyJobsFailed().metricName).toBe('NumberOfCopyJobsFailed');
  });

  test('nag: the instance is in a backup plan, and the protection itself has no findings', () => {
    // The RDS instance here is deliberately minimal, so it has findings of its own (multi-AZ,
    // deletion protection, IAM auth, log exports...). This test asserts on (1) RDSInBackupPlan /
    // RDSInBackupPlan-like rules for the instance and (2) every finding under "Primary/Protection"
    // and "Primary/Audit" (the report bucket here is the test's own, not the library's).
    const { stack, instance, vault, drVault } = stackWithInstance();
    new DatabaseProtection(stack, 'Protection', { database: ProtectedDatabase.fromDatabaseInstance(instance), vault, drVault, rpo: Duration.minutes(15) });
    new BackupAuditFramework(stack, 'Audit', {
      rpo: Duration.minutes(15), minRetention: Duration.days(7), crossRegions: ['us-west-2'],
      reportBucket: new s3.Bucket(stack, 'Reports', { enforceSSL: true }),
    });
    const findings = nagFindings(stack);
    expect(findings.filter((f) => /InBackupPlan|BackupPlan/.test(f))).toEqual([]);
    expect(findings.filter((f) => f.includes('Primary/Protection') || f.includes('Primary/Audit'))).toEqual([]);
    // The unprotected control: without DatabaseProtection the same stack is flagged.
    const bare = stackWithInstance();
    expect(nagFindings(bare.stack).filter((f) => /RDSInBackupPlan/.test(f)).length).toBeGreaterThan(0);
  });
});

describe('CrossAccountCopyTarget', () => {
  test('the destination vault allows backup:CopyIntoBackupVault from the source account', () => {
    const app = new App();
    const stack = new Stack(app, 'Dr', { env: { account: '444455556666', region: 'us-west-2' } });
    const vault = new BackupVault(stack, 'Vault');
    new CrossAccountCopyTarget(stack, 'CopyTarget', { vault, sourceAccountIds: ['111122223333'], sourceOrganizationId: 'o-abcdefghij' });
    Template.fromStack(stack).hasResourceProperties('AWS::Backup::BackupVault', {
      AccessPolicy: {
        Statement: Match.arrayWith([{
          Sid: 'AllowCopyIntoFromSourceAccounts',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111122223333:root']] } },
          Action: 'backup:CopyIntoBackupVault',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } },
        }]),
      },
    });
  });

  test('bad account ids are named', () => {
    expect(() => CrossAccountCopyTarget.copyIntoStatement(['12345', '111122223333'], 'org')).toThrow(
      /sourceAccountIds: each must be a 12-digit account id, got "12345"[\s\S]*sourceOrganizationId: must look like o-xxxxxxxxxx, got "org"/,
    );
  });
});

describe('BackupAuditFramework', () => {
  test('the controls of the promise and a report plan to the bucket', () => {
    const app = new App();
    const stack = new Stack(app, 'Audit', { env: ENV });
    const bucket = new s3.Bucket(stack, 'Logs', { enforceSSL: true });
    new BackupAuditFramework(stack, 'Audit', {
      rpo: Duration.minutes(15), minRetention: Duration.days(7), crossRegions: ['us-west-2'],
      vaultLockMinRetention: Duration.days(7), vaultLockMaxRetention: Duration.days(400), reportBucket: bucket,
    });
    const t = Template.fromStack(stack);
    const param = (ParameterName: string, ParameterValue: string) => ({ ParameterName, ParameterValue });
    t.hasResourceProperties('AWS::Backup::Framework', {
      FrameworkControls: [
        Match.objectLike({ ControlName: 'BACKUP_RECOVERY_POINT_ENCRYPTED', ControlScope: { ComplianceResourceTypes: ['RDS', 'Aurora'] } }),
        Match.objectLike({ ControlName: 'BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED' }),
        Match.objectLike({ ControlName: 'BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK', ControlInputParameters: [param('minRetentionDays', '7'), param('maxRetentionDays', '400')] }),
        Match.objectLike({ ControlName: 'BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK', ControlInputParameters: [param('requiredFrequencyUnit', 'hours'), param('requiredFrequencyValue', '24'), param('requiredRetentionDays', '7')] }),
        Match.objectLike({ ControlName: 'BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK' }),
        Match.objectLike({ ControlName: 'BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION', ControlInputParameters: [param('crossRegionList', 'us-west-2')] }),
        Match.objectLike({ ControlName: 'BACKUP_LAST_RECOVERY_POINT_CREATED', ControlInputParameters: [param('recoveryPointAgeUnit', 'hours'), param('recoveryPointAgeValue', '1')] }),
      ],
    });
    t.hasResourceProperties('AWS::Backup::ReportPlan', {
      ReportDeliveryChannel: { S3BucketName: { Ref: Match.stringLikeRegexp('^Logs') }, S3KeyPrefix: 'backup-audit', Formats: ['CSV', 'JSON'] },
      ReportSetting: { ReportTemplate: 'CONTROL_COMPLIANCE_REPORT', FrameworkArns: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^AuditFramework'), 'FrameworkArn'] }] },
    });
  });

  test('bad inputs are named', () => {
    const stack = new Stack(new App(), 'Audit', { env: ENV });
    const bucket = new s3.Bucket(stack, 'Logs');
    expect(() => new BackupAuditFramework(stack, 'Audit', {
      rpo: Duration.days(40), minRetention: Duration.hours(12), crossRegions: ['us-east-1'], reportBucket: bucket,
    })).toThrow(/rpo: 40 days is longer than the control's maximum of 744 hours[\s\S]*minRetention: must be whole days ≥ 1, got 12 hours[\s\S]*crossRegions: "us-east-1" is this stack's own Region/);
  });
});

describe('DatabaseProtection sharing a backup plan (sharePlanWith)', () => {
  const arn = (i: number) => `arn:aws:rds:us-east-1:111122223333:db:orders-${i}`;

  test('databases with the same rules share one plan; each keeps its own selection, naming it', () => {
    const { stack, vault, drVault } = stackWithInstance();
    const common = { vault, drVault, rpo: Duration.minutes(15), weeklyRetention: Duration.days(28) };
    const first = new DatabaseProtection(stack, 'P0', { ...common, database: ProtectedDatabase.fromInstanceArn(arn(0)) });
    const second = new DatabaseProtection(stack, 'P1', { ...common, database: ProtectedDatabase.fromInstanceArn(arn(1)), sharePlanWith: first });
    const third = new DatabaseProtection(stack, 'P2', { ...common, database: ProtectedDatabase.fromInstanceArn(arn(2)), sharePlanWith: second });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Backup::BackupPlan', 1);
    t.resourceCountIs('AWS::Backup::BackupSelection', 3);
    expect(second.backupPlan).toBe(first.backupPlan);
    expect(third.planOwner).toBe(first);
    expect(second.rules).toEqual(first.rules);
    const planId = stack.resolve(first.backupPlan.backupPlanId);
    for (const [i, s] of Object.values<any>(t.findResources('AWS::Backup::BackupSelection')).entries()) {
      expect(s.Properties.BackupPlanId).toEqual(planId);
      expect(s.Properties.BackupSelection.Resources).toEqual([arn(i)]);
    }
  });

  test('a plan with other rules is refused, with both sets of rules in the message', () => {
    const { stack, vault, drVault } = stackWithInstance();
    const first = new DatabaseProtection(stack, 'P0', { vault, drVault, rpo: Duration.minutes(15), database: ProtectedDatabase.fromInstanceArn(arn(0)) });
    expect(() => new DatabaseProtection(stack, 'P1', {
      vault, drVault, rpo: Duration.hours(24), database: ProtectedDatabase.fromInstanceArn(arn(1)), sharePlanWith: first, backupPlanName: 'mine',
    })).toThrow(/backupPlanName: a protection sharing the plan of Primary\/P0 does not name it, got "mine"[\s\S]*sharePlanWith: the plan of Primary\/P0 is .*"Continuous".*but this database's props give .*"Scheduled"/);
  });

  test('the 101st selection of one plan is refused (AWS Backup allows 100 per plan)', () => {
    const { stack, vault, drVault } = stackWithInstance();
    const common = { vault, drVault, rpo: Duration.hours(24) };
    const first = new DatabaseProtection(stack, 'P0', { ...common, database: ProtectedDatabase.fromInstanceArn(arn(0)) });
    for (let i = 1; i < 100; i++) new DatabaseProtection(stack, `P${i}`, { ...common, database: ProtectedDatabase.fromInstanceArn(arn(i)), sharePlanWith: first });
    expect(() => new DatabaseProtection(stack, 'P100', { ...common, database: ProtectedDatabase.fromInstanceArn(arn(100)), sharePlanWith: first }))
      .toThrow(/sharePlanWith: the plan of Primary\/P0 already holds 100 selections, AWS Backup's limit per plan \(100\)/);
  });
});
