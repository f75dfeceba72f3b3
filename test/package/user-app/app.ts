/**
 * A user's existing CDK app (a VPC and an RDS PostgreSQL instance) that installs cdk-database-dr
 * from its tarball and composes its constructs. test/package/packed-library.test.ts copies this
 * folder outside the repository, installs the packed library and its peers into it, type-checks
 * it with `strict`, synthesizes it with the four cdk-nag packs and runs snapshot.test.ts. The
 * README's compose example is the part between the README markers (a test keeps them equal).
 */
import { App, Duration, Stack, aws_ec2 as ec2, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import {
  AlarmTopic, BackupBucket, BackupMonitoring, BackupRunner, BackupVault, CheckExpectation, DatabaseProtection, ProtectedDatabase,
  RestoreVerification, VerifiedEngine,
} from 'cdk-database-dr';

export function buildApp(app: App): { stacks: Stack[]; libraryConstructs: IConstruct[] } {
  const env = { account: '111122223333' };
  const appStack = new Stack(app, 'Orders', { env: { ...env, region: 'us-east-1' }, crossRegionReferences: true });
  const vpc = new ec2.Vpc(appStack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const db = new rds.DatabaseInstance(appStack, 'OrdersDb', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
    vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, storageEncrypted: true,
  });
  const readOnlyUser = new secretsmanager.Secret(appStack, 'ReadOnlyUser', {
    generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'dr_readonly' }), generateStringKey: 'password', excludePunctuation: true },
  });

  // README:start
  const oncall = 'dr-oncall@example.com';
  // The DR Region: a locked vault for the copies, a replica bucket, one subscribed alarm topic.
  const drStack = new Stack(app, 'OrdersDr', { env: { ...env, region: 'us-west-2' }, crossRegionReferences: true });
  const drAlarms = new AlarmTopic(drStack, 'Alarms', { email: oncall });
  const drVault = new BackupVault(drStack, 'DrVault', { notificationTopic: drAlarms.topic });
  const replica = new BackupBucket(drStack, 'ReplicaBackups');

  // Your app's stack (`db` is your rds.DatabaseInstance, `vpc` its VPC).
  const alarms = new AlarmTopic(appStack, 'Alarms', { email: oncall });
  const vault = new BackupVault(appStack, 'Vault', { notificationTopic: alarms.topic });
  const protection = new DatabaseProtection(appStack, 'OrdersProtection', {   // continuous backup for a
    database: ProtectedDatabase.fromDatabaseInstance(db), vault, drVault, rpo: Duration.minutes(15), // 15 min RPO, copies to DR
  });
  const bucket = new BackupBucket(appStack, 'Backups', { replicateTo: replica });      // Object Lock, tiers, replication
  const dump = BackupRunner.pgDump(appStack, 'OrdersDump', {                           // nightly pg_dump on Fargate,
    database: 'orders', backupBucket: bucket, vpc, databaseInstance: db,                // host, port, secret from `db`
  });
  const verification = new RestoreVerification(appStack, 'Verification', {            // weekly restore test + checks
    vaults: [vault], vpc,
    databases: [{
      name: 'orders', database: ProtectedDatabase.fromDatabaseInstance(db), engine: VerifiedEngine.POSTGRESQL, databaseName: 'orders',
      masterSecret: db.secret!, readOnlySecret: readOnlyUser,
      checks: [{ name: 'orders exist', sql: 'select count(*) from orders', expect: CheckExpectation.AT_LEAST, value: '1' }],
    }],
  });
  const monitoring = new BackupMonitoring(appStack, 'Monitoring', { planName: 'orders', alarmTopic: alarms });
  monitoring.addDatabase({ name: 'orders', rpo: Duration.minutes(15), rto: Duration.hours(1) });
  monitoring.addProtection(protection, { database: 'orders' });
  monitoring.addRunner(dump);
  monitoring.addVerification(verification);
  monitoring.addReplication(bucket);
  // README:end

  return {
    stacks: [drStack, appStack],
    libraryConstructs: [drAlarms, drVault, replica, alarms, vault, protection, bucket, dump, verification, monitoring],
  };
}

/** Findings of the four packs on the library's constructs only (the user's own VPC and RDS are theirs). */
export function libraryFindings(app: App, constructs: IConstruct[]): string[] {
  const out: string[] = [];
  for (const pack of [new AwsSolutionsChecks(app), new HIPAASecurityChecks(app), new NIST80053R5Checks(app), new PCIDSS321Checks(app)]) {
    for (const scope of constructs) {
      for (const v of pack.validateScope(scope).violations) {
        for (const r of v.violatingResources) out.push(`${pack.name}: ${v.ruleName} — ${r.constructPath ?? r.resourceLogicalId}`);
      }
    }
  }
  return out;
}

if (require.main === module) {
  const app = new App();
  const { libraryConstructs } = buildApp(app);
  const findings = libraryFindings(app, libraryConstructs);
  app.synth();
  process.stdout.write(JSON.stringify({ findings }) + '\n');
}
