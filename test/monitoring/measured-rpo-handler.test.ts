/**
 * The measured-RPO Lambda against mocked AWS SDK clients: each source on its own, the choice of
 * the newest recovery point, errors that do not hide other sources, and "no recovery point at
 * all", which must publish a breaching value, never zero.
 */
import { BackupClient, ListRecoveryPointsByBackupVaultCommand, ListRecoveryPointsByResourceCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { AlarmTopic, BackupMonitoring, FleetAlarms } from '../../lib/monitoring';
import { DatabaseProtection, ProtectedDatabase } from '../../lib/protection';
import { BackupVault } from '../../lib/storage/backup-vault';
import { handler } from '../../lambda/measured-rpo/index';
import { checkConfig } from '../../lambda/measured-rpo/config';
import { MEASURED_RPO_ENV, MeasuredRpoConfig, noRecoveryPointAgeSeconds } from '../../runtime/contracts/measured-rpo';
import { RECOVERY_METRICS } from '../../runtime/metrics/names';
import { joinedText } from '../support/templates';

const NOW = Date.parse('2026-11-23T06:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000);
const INSTANCE_ARN = 'arn:aws:rds:eu-west-1:111111111111:db:orders';

const backup = mockClient(BackupClient);
const rds = mockClient(RDSClient);
const s3 = mockClient(S3Client);
const ssm = mockClient(SSMClient);
const cw = mockClient(CloudWatchClient);

function body(text: string) {
  // The part of the SDK's stream mixin the handler uses.
  return { transformToString: async () => text } as never;
}

function noSuchKey(): Error {
  return Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
}

function configure(config: MeasuredRpoConfig) {
  process.env[MEASURED_RPO_ENV.config] = JSON.stringify(config);
}

/** The single value published for a database. */
function published(database: string): number {
  const calls = cw.commandCalls(PutMetricDataCommand);
  expect(calls).toHaveLength(1);
  expect(calls[0].args[0].input.Namespace).toBe(RECOVERY_METRICS.namespace);
  const datum = (calls[0].args[0].input.MetricData ?? []).find((d) => d.Dimensions?.[0]?.Value === database);
  expect(datum).toBeDefined();
  expect(datum!.MetricName).toBe(RECOVERY_METRICS.measuredRpoSeconds);
  expect(datum!.Dimensions).toEqual([{ Name: RECOVERY_METRICS.dimensions.database, Value: database }]);
  expect(datum!.Unit).toBe('Seconds');
  return datum!.Value!;
}

let logs: string[];
beforeEach(() => {
  backup.reset(); rds.reset(); s3.reset(); ssm.reset(); cw.reset();
  cw.on(PutMetricDataCommand).resolves({});
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
  logs = [];
  jest.spyOn(console, 'log').mockImplementation((line: string) => { logs.push(line); });
});
afterEach(() => {
  delete process.env[MEASURED_RPO_ENV.config];
  delete process.env[MEASURED_RPO_ENV.configParameter];
  jest.restoreAllMocks();
});

describe('AWS Backup source', () => {
  test('newest COMPLETED snapshot across pages; creating, partial and continuous points are not used', async () => {
    configure({ databases: [{ name: 'orders', awsBackup: { resourceArns: [INSTANCE_ARN] } }] });
    backup.on(ListRecoveryPointsByResourceCommand, { ResourceArn: INSTANCE_ARN, NextToken: undefined }).resolves({
      RecoveryPoints: [
        { RecoveryPointArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:awsbackup:job-old', Status: 'COMPLETED', CreationDate: ago(90000), BackupVaultName: 'primary' },
        { RecoveryPointArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:awsbackup:job-running', Status: 'CREATING', CreationDate: ago(60) },
      ],
      NextToken: 'page-2',
    });
    backup.on(ListRecoveryPointsByResourceCommand, { ResourceArn: INSTANCE_ARN, NextToken: 'page-2' }).resolves({
      RecoveryPoints: [
        { RecoveryPointArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:awsbackup:job-new', Status: 'COMPLETED', CreationDate: ago(3600), BackupVaultName: 'primary' },
        { RecoveryPointArn: 'arn:aws:rds:eu-west-1:111111111111:snapshot:awsbackup:job-partial', Status: 'PARTIAL', CreationDate: ago(120) },
        { RecoveryPointArn: 'arn:aws:backup:eu-west-1:111111111111:recovery-point:continuous:db-abc-1234', Status: 'COMPLETED', CreationDate: ago(30) },
      ],
    });
    const out = await handler();
    expect(published('orders')).toBe(3600);
    expect(backup.commandCalls(ListRecoveryPointsByResourceCommand)).toHaveLength(2);
    const src = out.databases[0].sources[0];
    expect(src).toMatchObject({ source: 'aws-backup', status: 'ok', ageSeconds: 3600 });
    expect(src.detail).toContain('job-new in primary');
    expect(src.detail).toContain('1 continuous recovery point(s)');
  });

  test('named vaults are searched by vault, with the resource filter', async () => {
    configure({ databases: [{ name: 'orders', awsBackup: { resourceArns: [INSTANCE_ARN], vaults: [{ name: 'primary' }, { name: 'dr', region: 'eu-central-1' }] } }] });
    backup.on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'primary' }).resolves({ RecoveryPoints: [] });
    backup.on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'dr' }).resolves({
      RecoveryPoints: [{ RecoveryPointArn: 'arn:aws:rds:eu-central-1:111111111111:snapshot:awsbackup:copy-1', Status: 'COMPLETED', CreationDate: ago(7200) }],
    });
    await handler();
    expect(published('orders')).toBe(7200);
    const calls = backup.commandCalls(ListRecoveryPointsByBackupVaultCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      expect.objectContaining({ BackupVaultName: 'primary', ByResourceArn: INSTANCE_ARN }),
      expect.objectContaining({ BackupVaultName: 'dr', ByResourceArn: INSTANCE_ARN }),
    ]);
  });
});

describe('RDS point-in-time source', () => {
  test('instance LatestRestorableTime', async () => {
    configure({ databases: [{ name: 'orders', rds: { instanceIdentifier: 'orders' } }] });
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders' }).resolves({ DBInstances: [{ LatestRestorableTime: ago(240) }] });
    await handler();
    expect(published('orders')).toBe(240);
  });

  test('cluster LatestRestorableTime', async () => {
    configure({ databases: [{ name: 'ledger', rds: { clusterIdentifier: 'ledger-cluster' } }] });
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'ledger-cluster' }).resolves({ DBClusters: [{ LatestRestorableTime: ago(300) }] });
    await handler();
    expect(published('ledger')).toBe(300);
  });

  test('an instance without automated backups has no LatestRestorableTime: none, not zero', async () => {
    configure({ databases: [{ name: 'orders', rds: { instanceIdentifier: 'orders' } }] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{}] });
    const out = await handler();
    expect(out.databases[0].sources[0]).toMatchObject({ source: 'rds-pitr', status: 'none' });
    expect(published('orders')).toBe(noRecoveryPointAgeSeconds(NOW));
  });
});

describe('runner manifest source', () => {
  const manifest = (engine: string, startedAt: Date, stoppedAt: Date) => JSON.stringify({
    formatVersion: 1, backupId: 'x', database: 'orders', engine, type: 'full',
    startedAt: startedAt.toISOString(), stoppedAt: stoppedAt.toISOString(), objects: [],
  });

  test('steps over the newest folder without a manifest; a physical backup counts from its stop', async () => {
    configure({ databases: [{ name: 'orders', manifests: { bucket: 'backups', prefix: 'orders/pgbackrest' } }] });
    s3.on(ListObjectsV2Command, { Bucket: 'backups', Prefix: 'orders/pgbackrest/', Delimiter: '/' }).resolves({
      CommonPrefixes: [
        { Prefix: 'orders/pgbackrest/20261122T000000Z-full/' },
        { Prefix: 'orders/pgbackrest/20261123T050000Z-full/' },
        { Prefix: 'orders/pgbackrest/20261123T055500Z-full/' },
      ],
    });
    s3.on(GetObjectCommand, { Key: 'orders/pgbackrest/20261123T055500Z-full/manifest.json' }).rejects(noSuchKey());
    s3.on(GetObjectCommand, { Key: 'orders/pgbackrest/20261123T050000Z-full/manifest.json' })
      .resolves({ Body: body(manifest('pgbackrest', ago(3600), ago(3000))) });
    const out = await handler();
    expect(published('orders')).toBe(3000);
    expect(out.databases[0].sources[0].detail).toContain('20261123T050000Z-full/manifest.json stoppedAt (1 newer folder(s) without a manifest)');
    // The older folder is never read.
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).not.toContain('orders/pgbackrest/20261122T000000Z-full/manifest.json');
  });

  test('a pg_dump is consistent as of its start', async () => {
    configure({ databases: [{ name: 'orders', manifests: { bucket: 'backups', prefix: 'orders/dump/' } }] });
    s3.on(ListObjectsV2Command).resolves({ CommonPrefixes: [{ Prefix: 'orders/dump/20261123T050000Z-logical/' }] });
    s3.on(GetObjectCommand).resolves({ Body: body(manifest('pg-dump', ago(3600), ago(3000))) });
    await handler();
    expect(published('orders')).toBe(3600);
  });

  test('a manifest without a valid time is an error of that source', async () => {
    configure({ databases: [{ name: 'orders', manifests: { bucket: 'backups', prefix: 'orders' } }] });
    s3.on(ListObjectsV2Command).resolves({ CommonPrefixes: [{ Prefix: 'orders/20261123T050000Z-full/' }] });
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify({ engine: 'pgbackrest', stoppedAt: 'yesterday' })) });
    const out = await handler();
    expect(out.databases[0].sources[0]).toMatchObject({ source: 'runner-manifest', status: 'error' });
    expect(out.databases[0].sources[0].error).toMatch(/no valid stoppedAt/);
  });
});

describe('WAL archive source', () => {
  test('descends into the greatest version and timeline folder, newest segment by LastModified', async () => {
    configure({ databases: [{ name: 'orders', walArchive: { bucket: 'backups', prefix: 'pgbackrest/archive/orders' } }] });
    s3.on(ListObjectsV2Command, { Prefix: 'pgbackrest/archive/orders/' }).resolves({
      Contents: [{ Key: 'pgbackrest/archive/orders/archive.info', LastModified: ago(10) }],
      CommonPrefixes: [{ Prefix: 'pgbackrest/archive/orders/9.6-1/' }, { Prefix: 'pgbackrest/archive/orders/15-2/' }],
    });
    s3.on(ListObjectsV2Command, { Prefix: 'pgbackrest/archive/orders/15-2/' }).resolves({
      CommonPrefixes: [{ Prefix: 'pgbackrest/archive/orders/15-2/0000000100000000/' }, { Prefix: 'pgbackrest/archive/orders/15-2/0000000200000001/' }],
    });
    s3.on(ListObjectsV2Command, { Prefix: 'pgbackrest/archive/orders/15-2/0000000200000001/' }).resolves({
      Contents: [
        { Key: 'pgbackrest/archive/orders/15-2/0000000200000001/00000002.history', LastModified: ago(5) },
        { Key: 'pgbackrest/archive/orders/15-2/0000000200000001/000000020000000100000003-0123456789abcdef0123456789abcdef01234567.zst', LastModified: ago(400) },
        { Key: 'pgbackrest/archive/orders/15-2/0000000200000001/000000020000000100000004-fedcba9876543210fedcba9876543210fedcba98.zst', LastModified: ago(95) },
      ],
    });
    const out = await handler();
    expect(published('orders')).toBe(95);
    expect(out.databases[0].sources[0].detail).toContain('000000020000000100000004');
    const listed = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix);
    expect(listed).not.toContain('pgbackrest/archive/orders/9.6-1/');
    expect(listed).not.toContain('pgbackrest/archive/orders/15-2/0000000100000000/');
  });

  test('falls back to the next folder when the greatest holds no segment yet', async () => {
    configure({ databases: [{ name: 'orders', walArchive: { bucket: 'backups', prefix: 'wal/' } }] });
    s3.on(ListObjectsV2Command, { Prefix: 'wal/' }).resolves({ CommonPrefixes: [{ Prefix: 'wal/0000000100000001/' }, { Prefix: 'wal/0000000100000002/' }] });
    s3.on(ListObjectsV2Command, { Prefix: 'wal/0000000100000002/' }).resolves({ Contents: [{ Key: 'wal/0000000100000002/00000001.history', LastModified: ago(1) }] });
    s3.on(ListObjectsV2Command, { Prefix: 'wal/0000000100000001/' }).resolves({ Contents: [{ Key: 'wal/0000000100000001/0000000100000001000000FF.gz', LastModified: ago(700) }] });
    await handler();
    expect(published('orders')).toBe(700);
  });
});

describe('choosing among sources', () => {
  const everySource: MeasuredRpoConfig = {
    databases: [{
      name: 'orders',
      awsBackup: { resourceArns: [INSTANCE_ARN] },
      rds: { instanceIdentifier: 'orders' },
      manifests: { bucket: 'backups', prefix: 'm/' },
      walArchive: { bucket: 'backups', prefix: 'w/' },
    }],
  };

  test('the newest recovery point of any source wins; every source is logged', async () => {
    configure(everySource);
    backup.on(ListRecoveryPointsByResourceCommand).resolves({ RecoveryPoints: [{ RecoveryPointArn: 'arn:snap', Status: 'COMPLETED', CreationDate: ago(86000) }] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ LatestRestorableTime: ago(280) }] });
    s3.on(ListObjectsV2Command, { Prefix: 'm/' }).resolves({ CommonPrefixes: [] });
    s3.on(ListObjectsV2Command, { Prefix: 'w/' }).resolves({ Contents: [{ Key: 'w/000000010000000000000007', LastModified: ago(45) }] });
    const out = await handler();
    expect(published('orders')).toBe(45);
    expect(out.databases[0].bestSource).toBe('wal-archive');
    const line = JSON.parse(logs.find((l) => l.includes('"database":"orders"'))!);
    expect(line.sources.map((s: { source: string; status: string }) => `${s.source}:${s.status}`))
      .toEqual(['aws-backup:ok', 'rds-pitr:ok', 'runner-manifest:none', 'wal-archive:ok']);
  });

  test('an error in one source does not hide the others', async () => {
    configure(everySource);
    backup.on(ListRecoveryPointsByResourceCommand).rejects(Object.assign(new Error('not authorized to perform backup:ListRecoveryPointsByResource'), { name: 'AccessDeniedException' }));
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ LatestRestorableTime: ago(280) }] });
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const out = await handler();
    expect(published('orders')).toBe(280);
    const byName = Object.fromEntries(out.databases[0].sources.map((s) => [s.source, s]));
    expect(byName['aws-backup']).toMatchObject({ status: 'error', error: expect.stringMatching(/^AccessDeniedException: not authorized/) });
    expect(byName['wal-archive']).toMatchObject({ status: 'error' });
    expect(JSON.parse(logs[0]).level).toBe('WARN');
  });

  test('no recovery point at all publishes seconds since the epoch: breaching, never zero', async () => {
    configure(everySource);
    backup.on(ListRecoveryPointsByResourceCommand).resolves({ RecoveryPoints: [] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{}] });
    s3.on(ListObjectsV2Command).resolves({});
    const out = await handler();
    const value = published('orders');
    expect(value).toBe(Math.floor(NOW / 1000));
    expect(value).toBeGreaterThan(50 * 365 * 24 * 3600);
    expect(out.databases[0]).toMatchObject({ noRecoveryPoint: true, bestSource: undefined });
    expect(JSON.parse(logs[0])).toMatchObject({ level: 'WARN', message: 'no recovery point found' });
  });

  test('the alarm BackupMonitoring creates would fire on that value, and on a missing one', async () => {
    configure(everySource);
    backup.on(ListRecoveryPointsByResourceCommand).resolves({ RecoveryPoints: [] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{}] });
    s3.on(ListObjectsV2Command).resolves({});
    await handler();
    const value = published('orders');
    // The longest RPO CloudWatch could hold the data for (15 months) still reads as breached.
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const monitoring = new BackupMonitoring(stack, 'M', {
      planName: 'p', alarmTopic: new AlarmTopic(stack, 'Alarms', { email: 'oncall@example.com' }),
      databases: [{ name: 'orders', rpo: Duration.days(450), rto: Duration.hours(4) }],
    });
    monitoring.addProtection(new DatabaseProtection(stack, 'Protect', {
      database: ProtectedDatabase.fromInstanceArn('arn:aws:rds:eu-west-1:111111111111:db:orders'),
      vault: BackupVault.fromBackupVaultName(stack, 'Vault', 'primary'), rpo: Duration.days(450),
    }), { database: 'orders' });
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: 'p-orders-measured-rpo-critical' } });
    const props = Object.values(alarms)[0].Properties;
    expect(props.ComparisonOperator).toBe('GreaterThanThreshold');
    expect(value).toBeGreaterThan(props.Threshold);
    expect(props.TreatMissingData).toBe('breaching');
  });

  test('every source failing also publishes the breaching value', async () => {
    configure(everySource);
    backup.on(ListRecoveryPointsByResourceCommand).rejects(new Error('throttled'));
    rds.on(DescribeDBInstancesCommand).rejects(new Error('throttled'));
    s3.on(ListObjectsV2Command).rejects(new Error('throttled'));
    await handler();
    expect(published('orders')).toBe(noRecoveryPointAgeSeconds(NOW));
  });

  test('several databases are published in one call, each with its own dimension', async () => {
    configure({ databases: [
      { name: 'orders', rds: { instanceIdentifier: 'orders' } },
      { name: 'ledger', rds: { clusterIdentifier: 'ledger' } },
    ] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ LatestRestorableTime: ago(100) }] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ LatestRestorableTime: ago(200) }] });
    await handler();
    expect(published('orders')).toBe(100);
    expect(published('ledger')).toBe(200);
  });

  test('with its RPO, a database is also published as a percentage of it', async () => {
    configure({ databases: [
      { name: 'orders', rds: { instanceIdentifier: 'orders' }, rpoSeconds: 400 },
      { name: 'ledger', rds: { clusterIdentifier: 'ledger' } },
    ] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ LatestRestorableTime: ago(100) }] });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ LatestRestorableTime: ago(200) }] });
    await handler();
    const data = cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData ?? [];
    expect(data.filter((d) => d.MetricName === RECOVERY_METRICS.measuredRpoPercentOfObjective).map((d) => [d.Dimensions, d.Value, d.Unit]))
      .toEqual([[[{ Name: 'Database', Value: 'orders' }], 25, 'Percent']]);
  });

  test('the fleet alarms FleetAlarms creates fire on the published percentage of a stale database, not on a fresh one, and on none at all', async () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const alarmTopic = new AlarmTopic(stack, 'Alarms', { email: 'oncall@example.com' });
    const fleet = new FleetAlarms(stack, 'Fleet', { planName: 'p', alarmTopic });
    const monitoring = new BackupMonitoring(stack, 'M', { planName: 'p', alarmTopic, fleetAlarms: fleet });
    monitoring.addDatabase({ name: 'orders', rpo: Duration.hours(1), rto: Duration.hours(4) });
    monitoring.addProtection(new DatabaseProtection(stack, 'Protect', {
      database: ProtectedDatabase.fromInstanceArn(INSTANCE_ARN), vault: BackupVault.fromBackupVaultName(stack, 'Vault', 'primary'), rpo: Duration.hours(1),
    }), { database: 'orders' });
    const template = Template.fromStack(stack);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r: any) => r.Properties);
    // The configuration the synthesized monitoring gives the Lambda (it carries orders' RPO in seconds).
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).map((r: any) => r.Properties)
      .find((p: any) => p.Environment?.Variables?.[MEASURED_RPO_ENV.config]);
    const config = JSON.parse(joinedText(fn.Environment.Variables[MEASURED_RPO_ENV.config])) as MeasuredRpoConfig;
    expect(config.databases[0]).toMatchObject({ name: 'orders', rpoSeconds: 3600, rds: { instanceIdentifier: 'orders' } });
    const level = (name: string) => alarms.find((a) => a.AlarmName === name);
    const [warning, critical] = [level('p-fleet-measured-rpo-warning'), level('p-fleet-measured-rpo-critical')];
    expect([warning.ComparisonOperator, critical.ComparisonOperator]).toEqual(['GreaterThanThreshold', 'GreaterThanThreshold']);
    const percentFor = async (ageSeconds: number | undefined) => {
      cw.reset();
      cw.on(PutMetricDataCommand).resolves({});
      backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
      configure(config);
      rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [ageSeconds === undefined ? {} : { LatestRestorableTime: ago(ageSeconds) }] });
      await handler();
      const data = cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData ?? [];
      return data.find((d) => d.MetricName === RECOVERY_METRICS.measuredRpoPercentOfObjective)!.Value!;
    };
    const stale = await percentFor(2 * 3600);
    expect(stale).toBe(200);
    expect(stale).toBeGreaterThan(critical.Threshold);
    const fresh = await percentFor(30 * 60);
    expect(fresh).toBe(50);
    expect(fresh).toBeLessThan(warning.Threshold);
    expect(await percentFor(undefined)).toBeGreaterThan(critical.Threshold);
  });

  test('a failed PutMetricData fails the invocation (the alarm then sees missing data, treated as breaching)', async () => {
    configure({ databases: [{ name: 'orders', rds: { instanceIdentifier: 'orders' } }] });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ LatestRestorableTime: ago(100) }] });
    cw.on(PutMetricDataCommand).rejects(new Error('CloudWatch unavailable'));
    await expect(handler()).rejects.toThrow(/CloudWatch unavailable/);
  });
});

describe('silence checks (windows longer than an alarm can evaluate)', () => {
  const verification = { check: 'verification-missing', namespace: 'CdkDatabaseDr/Verification', metricName: 'VerificationSuccess', dimensions: { Database: 'orders' }, lookbackSeconds: 9 * 86400 };

  function secondsSince(database: string, check: string): number {
    const data = cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData ?? [];
    const d = data.find((x) => x.MetricName === 'SecondsSinceLastSuccess' && x.Dimensions?.some((y) => y.Value === check) && x.Dimensions?.some((y) => y.Value === database));
    expect(d).toBeDefined();
    expect(d!.Dimensions).toEqual([{ Name: 'Database', Value: database }, { Name: 'Check', Value: check }]);
    return d!.Value!;
  }

  test('dates the newest period whose Sum is above zero, across pages, newest first', async () => {
    configure({ databases: [{ name: 'orders', silenceChecks: [verification] }] });
    cw.on(GetMetricDataCommand, { NextToken: undefined }).resolves({
      MetricDataResults: [{ Id: 'success', Timestamps: [ago(3600), ago(7200)], Values: [0, 0] }], NextToken: 'more',
    });
    cw.on(GetMetricDataCommand, { NextToken: 'more' }).resolves({
      MetricDataResults: [{ Id: 'success', Timestamps: [ago(3 * 86400), ago(6 * 86400)], Values: [1, 1] }],
    });
    const out = await handler();
    expect(secondsSince('orders', 'verification-missing')).toBe(3 * 86400);
    const q = cw.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(q).toMatchObject({ ScanBy: 'TimestampDescending', StartTime: ago(9 * 86400), EndTime: new Date(NOW) });
    expect(q.MetricDataQueries![0].MetricStat).toEqual({
      Metric: { Namespace: 'CdkDatabaseDr/Verification', MetricName: 'VerificationSuccess', Dimensions: [{ Name: 'Database', Value: 'orders' }] },
      Period: 300, Stat: 'Sum',
    });
    // A database with only silence checks publishes no measured RPO.
    expect(out.databases).toEqual([]);
    expect((cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData ?? []).map((d) => d.MetricName)).toEqual(['SecondsSinceLastSuccess']);
  });

  test('no success within the lookback, or an error, publishes the breaching value', async () => {
    configure({ databases: [{ name: 'orders', silenceChecks: [verification, { ...verification, check: 'runner-silent', namespace: 'CdkDatabaseDr/Runner', metricName: 'JobSuccess' }] }] });
    cw.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: Array<{ MetricStat: { Metric: { MetricName: string } } }> }) => {
      if (input.MetricDataQueries[0].MetricStat.Metric.MetricName === 'VerificationSuccess') return { MetricDataResults: [{ Id: 'success', Timestamps: [], Values: [] }] };
      throw Object.assign(new Error('User is not authorized to perform cloudwatch:GetMetricData'), { name: 'AccessDenied' });
    });
    const out = await handler();
    expect(secondsSince('orders', 'verification-missing')).toBe(noRecoveryPointAgeSeconds(NOW));
    expect(secondsSince('orders', 'runner-silent')).toBe(noRecoveryPointAgeSeconds(NOW));
    expect(out.silences.map((s) => s.status)).toEqual(['none', 'error']);
    expect(out.silences[1].error).toMatch(/^AccessDenied: User is not authorized/);
  });

  test('with a window and a kind, the silence is also published as a percentage of the window, for one fleet alarm', async () => {
    configure({ databases: [
      { name: 'orders', silenceChecks: [{ ...verification, windowSeconds: 4 * 86400, kind: 'verification-missing' }] },
      { name: 'ledger', silenceChecks: [{ ...verification, dimensions: { Database: 'ledger' }, windowSeconds: 86400, kind: 'verification-missing' }] },
    ] });
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'success', Timestamps: [ago(3 * 86400)], Values: [1] }] });
    await handler();
    const data = cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData ?? [];
    const percents = data.filter((d) => d.MetricName === RECOVERY_METRICS.silencePercentOfWindow);
    expect(percents.map((d) => [d.Dimensions, d.Value, d.Unit])).toEqual([
      [[{ Name: 'Database', Value: 'orders' }, { Name: 'Check', Value: 'verification-missing' }, { Name: 'Kind', Value: 'verification-missing' }], 75, 'Percent'],
      [[{ Name: 'Database', Value: 'ledger' }, { Name: 'Check', Value: 'verification-missing' }, { Name: 'Kind', Value: 'verification-missing' }], 300, 'Percent'],
    ]);
    // The seconds are still published for the dashboards.
    expect(secondsSince('orders', 'verification-missing')).toBe(3 * 86400);
  });

  test('never succeeded reads as far beyond any percentage threshold', async () => {
    configure({ databases: [{ name: 'orders', silenceChecks: [{ ...verification, windowSeconds: 86400, kind: 'verification-missing' }] }] });
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'success', Timestamps: [], Values: [] }] });
    await handler();
    const data = cw.commandCalls(PutMetricDataCommand)[0].args[0].input.MetricData ?? [];
    const percent = data.find((d) => d.MetricName === RECOVERY_METRICS.silencePercentOfWindow)!;
    expect(percent.Value).toBeGreaterThan(1e6);
  });

  test('a window without a kind, a bad window or RPO, is a configuration problem naming each', () => {
    expect(checkConfig({ databases: [{ name: 'x', rpoSeconds: -5, silenceChecks: [
      { check: 'c', namespace: 'n', metricName: 'm', dimensions: {}, lookbackSeconds: 60, windowSeconds: 60 },
      { check: 'd', namespace: 'n', metricName: 'm', dimensions: {}, lookbackSeconds: 60, windowSeconds: 0, kind: 'k' },
    ] }] })).toEqual([
      'databases[0].silenceChecks[0]: windowSeconds and kind go together (both publish SilencePercentOfWindow), got windowSeconds 60 and kind undefined',
      'databases[0].silenceChecks[1].windowSeconds must be a positive number of seconds, got 0',
      'databases[0].rpoSeconds must be a positive number of seconds, got -5',
    ]);
  });

  test('a bad silence check is a configuration problem', () => {
    expect(checkConfig({ databases: [{ name: 'x', silenceChecks: [{ check: 'c', namespace: 'n', metricName: 'm', dimensions: {}, lookbackSeconds: 0 }] }] }))
      .toEqual(['databases[0].silenceChecks[0].lookbackSeconds must be between 1 and 455 days (CloudWatch keeps 15 months), got 0']);
  });
});

describe('configuration', () => {
  test('read from an SSM parameter when not inline', async () => {
    process.env[MEASURED_RPO_ENV.configParameter] = '/dr/measured-rpo';
    ssm.on(GetParameterCommand, { Name: '/dr/measured-rpo' }).resolves({ Parameter: { Value: JSON.stringify({ databases: [{ name: 'orders', rds: { instanceIdentifier: 'orders' } }] }) } });
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ LatestRestorableTime: ago(61) }] });
    await handler();
    expect(published('orders')).toBe(61);
  });

  test('no configuration at all is a clear error', async () => {
    await expect(handler()).rejects.toThrow(/MEASURED_RPO_CONFIG \(JSON\) or MEASURED_RPO_CONFIG_PARAMETER \(SSM parameter name\): neither is set/);
  });

  test('every problem is listed at once, naming the path and value', () => {
    const problems = checkConfig({ databases: [
      { name: 'a', rds: {} },
      { name: 'a', awsBackup: { resourceArns: [] } },
      { name: '', manifests: { prefix: 'x' } },
      { name: 'b' },
    ] });
    expect(problems).toEqual([
      'databases[0].rds needs instanceIdentifier or clusterIdentifier, got {}',
      "databases[1].name 'a' appears twice",
      'databases[1].awsBackup.resourceArns must be a non-empty list of ARNs, got []',
      'databases[2].name must be a non-empty string, got ""',
      'databases[2].manifests.bucket must be a bucket name, got undefined',
      "databases[3] ('b') has no source: set awsBackup, rds, manifests, walArchive or silenceChecks",
    ]);
  });
});
