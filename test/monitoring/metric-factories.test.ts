/** The metric factories: namespace, name, dimensions and default statistic/period of each metric. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  BackupJobMetrics, BackupResourceType, RecoveryMetrics, ReplicationLagMetrics, RunnerMetrics, S3ReplicationMetrics, VerificationMetrics,
} from '../../lib/monitoring';

function shape(m: cloudwatch.Metric) {
  return { namespace: m.namespace, name: m.metricName, dims: m.dimensions, stat: m.statistic, period: m.period.toSeconds() };
}

test('AWS Backup job metrics, per vault and optionally per resource type', () => {
  expect(shape(BackupJobMetrics.backupJobsFailed('v'))).toEqual({ namespace: 'AWS/Backup', name: 'NumberOfBackupJobsFailed', dims: { BackupVaultName: 'v' }, stat: 'Sum', period: 300 });
  const names = [
    BackupJobMetrics.backupJobsCompleted, BackupJobMetrics.backupJobsFailed, BackupJobMetrics.backupJobsExpired, BackupJobMetrics.backupJobsCreated,
    BackupJobMetrics.copyJobsCompleted, BackupJobMetrics.copyJobsFailed, BackupJobMetrics.copyJobsCreated,
    BackupJobMetrics.restoreJobsCompleted, BackupJobMetrics.restoreJobsFailed,
  ].map((f) => f('v', { resourceType: BackupResourceType.AURORA }));
  expect(names.map((m) => m.metricName)).toEqual([
    'NumberOfBackupJobsCompleted', 'NumberOfBackupJobsFailed', 'NumberOfBackupJobsExpired', 'NumberOfBackupJobsCreated',
    'NumberOfCopyJobsCompleted', 'NumberOfCopyJobsFailed', 'NumberOfCopyJobsCreated', 'NumberOfRestoreJobsCompleted', 'NumberOfRestoreJobsFailed',
  ]);
  for (const m of names) expect(m.dimensions).toEqual({ BackupVaultName: 'v', ResourceType: 'Aurora' });
  expect(BackupJobMetrics.copyJobsFailed('v', { resourceType: BackupResourceType.of('DocumentDB'), period: Duration.hours(1) }).period.toSeconds()).toBe(3600);
});

test('replication lag metrics: RDS in seconds per replica, Aurora in ms per cluster', () => {
  expect(shape(ReplicationLagMetrics.rdsReplicaLag('r1'))).toEqual({ namespace: 'AWS/RDS', name: 'ReplicaLag', dims: { DBInstanceIdentifier: 'r1' }, stat: 'Maximum', period: 60 });
  expect(shape(ReplicationLagMetrics.auroraReplicaLag('c1')).dims).toEqual({ DBClusterIdentifier: 'c1', Role: 'READER' });
  expect(shape(ReplicationLagMetrics.auroraGlobalDbReplicationLag('sec'))).toMatchObject({ name: 'AuroraGlobalDBReplicationLag', dims: { DBClusterIdentifier: 'sec' } });
  expect(shape(ReplicationLagMetrics.auroraGlobalDbRpoLag('sec', { sourceRegion: 'us-east-1' }))).toMatchObject({ name: 'AuroraGlobalDBRPOLag', dims: { DBClusterIdentifier: 'sec', SourceRegion: 'us-east-1' } });
  // No unit filter: an alarm would otherwise ignore data points published under another unit.
  expect(ReplicationLagMetrics.rdsReplicaLag('r1').unit).toBeUndefined();
});

test('S3 replication metrics per rule', () => {
  const rule = { sourceBucketName: 's', destinationBucketName: 'd', ruleId: 'r' };
  const dims = { SourceBucket: 's', DestinationBucket: 'd', RuleId: 'r' };
  expect(shape(S3ReplicationMetrics.replicationLatency(rule))).toEqual({ namespace: 'AWS/S3', name: 'ReplicationLatency', dims, stat: 'Maximum', period: 300 });
  expect(shape(S3ReplicationMetrics.operationsPendingReplication(rule))).toMatchObject({ name: 'OperationsPendingReplication', stat: 'Maximum' });
  expect(shape(S3ReplicationMetrics.bytesPendingReplication(rule))).toMatchObject({ name: 'BytesPendingReplication', stat: 'Maximum' });
  expect(shape(S3ReplicationMetrics.operationsFailedReplication(rule))).toMatchObject({ name: 'OperationsFailedReplication', stat: 'Sum' });
  expect(S3ReplicationMetrics.RTC_THRESHOLD.toMinutes()).toBe(15);
});

test('runner, verification and recovery metrics use the shared names', () => {
  const job = { database: 'orders', engine: 'pg-dump' };
  expect(shape(RunnerMetrics.jobFailure(job))).toEqual({ namespace: 'CdkDatabaseDr/Runner', name: 'JobFailure', dims: { Database: 'orders', Engine: 'pg-dump', Job: 'backup' }, stat: 'Sum', period: 300 });
  expect(RunnerMetrics.jobSuccess({ ...job, job: 'verify' }).dimensions).toMatchObject({ Job: 'verify' });
  expect([RunnerMetrics.jobDuration(job), RunnerMetrics.bytesRaw(job), RunnerMetrics.bytesStored(job), RunnerMetrics.throughput(job), RunnerMetrics.lastSuccessEpochSeconds(job)].map((m) => m.metricName))
    .toEqual(['JobDurationSeconds', 'BytesRaw', 'BytesStored', 'ThroughputBytesPerSecond', 'LastSuccessEpochSeconds']);
  expect([VerificationMetrics.success('o'), VerificationMetrics.failure('o'), VerificationMetrics.duration('o'), VerificationMetrics.measuredRto('o'), VerificationMetrics.restoredDataAge('o')].map((m) => `${m.namespace}/${m.metricName}`))
    .toEqual(['CdkDatabaseDr/Verification/VerificationSuccess', 'CdkDatabaseDr/Verification/VerificationFailure', 'CdkDatabaseDr/Verification/VerificationDurationSeconds',
      'CdkDatabaseDr/Verification/MeasuredRtoSeconds', 'CdkDatabaseDr/Verification/RestoredDataAgeSeconds']);
  expect(shape(RecoveryMetrics.measuredRpo('orders'))).toEqual({ namespace: 'CdkDatabaseDr/Recovery', name: 'MeasuredRpoSeconds', dims: { Database: 'orders' }, stat: 'Maximum', period: 300 });
});
