/**
 * Composing the constructs into an app you already have: an RDS PostgreSQL instance defined in
 * your own stack gets AWS Backup protection (continuous backup for a 15-minute RPO, nightly
 * snapshots kept 35 days, copies to a DR-region vault) and alarms on failure and silence, all to
 * one alarm topic per stack with an e-mail subscriber.
 *
 *   npx cdk synth --app "node --import tsx examples/existing-app/app.ts"
 */
import { App, Duration, Stack, aws_ec2 as ec2, aws_rds as rds } from 'aws-cdk-lib';
import { AlarmTopic, BackupMonitoring, BackupVault, DatabaseProtection, ProtectedDatabase } from '../../lib';

const app = new App();
const env = { account: '111122223333' };
const oncall = 'dr-oncall@example.com';

// Your DR region: a vault that receives the copies; its notifications go to the DR stack's alarm topic.
const drStack = new Stack(app, 'OrdersDr', { env: { ...env, region: 'us-west-2' }, crossRegionReferences: true });
const drAlarms = new AlarmTopic(drStack, 'AlarmTopic', { email: oncall });
const drVault = new BackupVault(drStack, 'DrVault', { notificationTopic: drAlarms.topic });

// Your existing application stack and database.
const appStack = new Stack(app, 'Orders', { env: { ...env, region: 'us-east-1' }, crossRegionReferences: true });
const vpc = new ec2.Vpc(appStack, 'Vpc', { maxAzs: 2, natGateways: 0 });
const db = new rds.DatabaseInstance(appStack, 'OrdersDb', {
  engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
  vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, storageEncrypted: true,
});

// Added for DR: one alarm topic, a locked vault notifying it, the protection and its monitoring.
const alarms = new AlarmTopic(appStack, 'AlarmTopic', { email: oncall });
const vault = new BackupVault(appStack, 'Vault', { notificationTopic: alarms.topic });
const protection = new DatabaseProtection(appStack, 'OrdersProtection', {
  database: ProtectedDatabase.fromDatabaseInstance(db), vault, drVault, rpo: Duration.minutes(15),
});
const monitoring = new BackupMonitoring(appStack, 'OrdersMonitoring', { planName: 'orders', alarmTopic: alarms });
monitoring.addDatabase({ name: 'orders', rpo: Duration.minutes(15), rto: Duration.hours(1) });
monitoring.addProtection(protection, { database: 'orders' });
app.synth();
