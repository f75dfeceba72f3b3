/**
 * A backup bucket and a runner defined elsewhere, as BackupMonitoring sees them (no S3 bucket or
 * ECS task of their own), for the monitoring tests.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RunnerMetrics, S3ReplicationMetrics } from '../../lib/monitoring';
import { IBackupRunner, RunnerCommand, RunnerEngine } from '../../lib/runner';
import { BackupBucket, IBackupBucket } from '../../lib/storage';

/** A bucket replicated to `backups-dr`, as monitoring sees it. */
export class TestBucket extends Construct implements IBackupBucket {
  public readonly bucket: s3.IBucket;
  public readonly encryptionKey: kms.IKey;
  constructor(scope: Construct, id: string, name: string, public readonly replicaBucketName?: string) {
    super(scope, id);
    this.encryptionKey = new kms.Key(this, 'Key', { enableKeyRotation: true });
    this.bucket = s3.Bucket.fromBucketAttributes(this, 'Bucket', { bucketName: name, encryptionKey: this.encryptionKey });
  }
  public grantWriteBackups(g: iam.IGrantable) { return iam.Grant.drop(g, 'write'); }
  public grantReadBackups(g: iam.IGrantable) { return iam.Grant.drop(g, 'read'); }
  public grantExpireBackups(g: iam.IGrantable) { return iam.Grant.drop(g, 'expire'); }
  private rule() { return { sourceBucketName: this.bucket.bucketName, destinationBucketName: this.replicaBucketName ?? '', ruleId: BackupBucket.REPLICATION_RULE_ID }; }
  public metricReplicationLatency(p?: cloudwatch.MetricOptions) { return S3ReplicationMetrics.replicationLatency(this.rule(), p); }
  public metricOperationsPendingReplication(p?: cloudwatch.MetricOptions) { return S3ReplicationMetrics.operationsPendingReplication(this.rule(), p); }
  public metricOperationsFailedReplication(p?: cloudwatch.MetricOptions) { return S3ReplicationMetrics.operationsFailedReplication(this.rule(), p); }
  public metricBytesPendingReplication(p?: cloudwatch.MetricOptions) { return S3ReplicationMetrics.bytesPendingReplication(this.rule(), p); }
}

/** A runner defined elsewhere, as monitoring sees it. */
export class TestRunner extends Construct implements IBackupRunner {
  public readonly connections = new ec2.Connections();
  public readonly backupPrefix: string;
  public readonly scheduledCommands: RunnerCommand[];
  public readonly backupInterval?: Duration;
  public readonly walArchivePrefix?: string;
  constructor(scope: Construct, id: string, public readonly database: string, public readonly engine: RunnerEngine, public readonly backupBucket: IBackupBucket,
    o: { scheduledCommands?: RunnerCommand[]; backupInterval?: Duration; walArchivePrefix?: string } = {}) {
    super(scope, id);
    this.backupPrefix = `runner/${database}/${engine}`;
    this.scheduledCommands = o.scheduledCommands ?? [RunnerCommand.BACKUP, RunnerCommand.EXPIRE];
    this.backupInterval = 'backupInterval' in o ? o.backupInterval : Duration.days(1);
    this.walArchivePrefix = o.walArchivePrefix;
  }
  public metricJobSuccess(job = RunnerCommand.BACKUP, p?: cloudwatch.MetricOptions) { return RunnerMetrics.jobSuccess({ database: this.database, engine: this.engine, job }, p); }
  public metricJobFailure(job = RunnerCommand.BACKUP, p?: cloudwatch.MetricOptions) { return RunnerMetrics.jobFailure({ database: this.database, engine: this.engine, job }, p); }
}
