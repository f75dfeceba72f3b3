/**
 * A user's existing CDK app (a VPC and an RDS PostgreSQL instance) that installs cdk-database-dr
 * from its tarball and composes its constructs. test/package/packed-library.test.ts copies this
 * folder outside the repository, installs the packed library and its peers into it, type-checks
 * it with `strict`, synthesizes it with the four cdk-nag packs and runs snapshot.test.ts.
 */
import { App, Duration, Stack, aws_ec2 as ec2, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import {
  BackupBucket, BackupRunner, BackupVault, CheckExpectation, DatabaseProtection, ProtectedDatabase, RestoreVerification,
  VerifiedEngine,
} from 'cdk-database-dr';

export function buildApp(app: App): { stacks: Stack[]; libraryConstructs: IConstruct[] } {
  const env = { account: '111122223333' };
  const drStack = new Stack(app, 'OrdersDr', { env: { ...env, region: 'us-west-2' }, crossRegionReferences: true });
  const drVault = new BackupVault(drStack, 'DrVault');

  const stack = new Stack(app, 'Orders', { env: { ...env, region: 'us-east-1' }, crossRegionReferences: true });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const db = new rds.DatabaseInstance(stack, 'OrdersDb', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
    vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, storageEncrypted: true,
  });

  const vault = new BackupVault(stack, 'Vault');
  const protection = new DatabaseProtection(stack, 'OrdersProtection', {
    database: ProtectedDatabase.fromDatabaseInstance(db), vault, drVault, rpo: Duration.minutes(15),
  });
  // Runner backups replicated to the DR Region (S3 Replication Time Control).
  const replica = new BackupBucket(drStack, 'ReplicaBackups');
  const bucket = new BackupBucket(stack, 'Backups', { replicateTo: replica });
  const runner = BackupRunner.pgDump(stack, 'OrdersDump', { database: 'orders', backupBucket: bucket, vpc, databaseInstance: db });
  const readOnly = new secretsmanager.Secret(stack, 'ReadOnlyUser', {
    generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'dr_readonly' }), generateStringKey: 'password', excludePunctuation: true },
  });
  const verification = new RestoreVerification(stack, 'Verification', {
    vaults: [vault], vpc,
    databases: [{
      name: 'orders', database: ProtectedDatabase.fromDatabaseInstance(db), engine: VerifiedEngine.POSTGRESQL, databaseName: 'orders',
      masterSecret: db.secret!, readOnlySecret: readOnly,
      checks: [{ name: 'orders exist', sql: 'select count(*) from orders', expect: CheckExpectation.AT_LEAST, value: '1' }],
    }],
  });
  return { stacks: [drStack, stack], libraryConstructs: [drVault, replica, vault, protection, bucket, runner, verification] };
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
