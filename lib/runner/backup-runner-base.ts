/**
 * What monitoring, drills and recovery need of a runner (IBackupRunner), and the metric methods
 * every runner has, created here or imported.
 */
import { Duration, aws_cloudwatch as cloudwatch, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { RunnerMetrics } from '../monitoring/runner-metrics';
import { IBackupBucket } from '../storage/backup-bucket';
import { RunnerCommand, RunnerEngine } from './runner-engine';

/**
 * A backup runner: what monitoring, drills and recovery need to know of one database's runner
 * jobs, whether the runner was created here by {@link BackupRunner} or elsewhere.
 */
export interface IBackupRunner extends IConstruct, ec2.IConnectable {
  /** The engine the runner drives (`--engine`), a dimension of its metrics. */
  readonly engine: RunnerEngine;
  /** The logical database name (`--database`), a dimension of its metrics. */
  readonly database: string;
  /** The bucket the runner writes its backups to. */
  readonly backupBucket: IBackupBucket;
  /** Key prefix of this runner's backup folders (each with its manifest): `<s3Prefix>/<database>/<engine>`. */
  readonly backupPrefix: string;
  /**
   * Key prefix of the continuous WAL archive (pgBackRest only).
   * @default - no archive
   */
  readonly walArchivePrefix?: string;
  /** The runner commands that run on a schedule (each has its own success and failure metrics). */
  readonly scheduledCommands: RunnerCommand[];
  /**
   * The longest time between two scheduled backups of any type.
   * @default - unknown: a backup schedule is not a cron expression, or nothing backs up on a schedule
   */
  readonly backupInterval?: Duration;
  /** `JobSuccess` of one runner command. @default sum over 5 minutes */
  metricJobSuccess(job?: RunnerCommand, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
  /** `JobFailure` of one runner command. @default sum over 5 minutes */
  metricJobFailure(job?: RunnerCommand, props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** The runner metrics (runtime/metrics/names.ts) of one runner, for created and imported runners alike. */
export abstract class BackupRunnerBase extends Construct implements IBackupRunner {
  /** The engine the runner drives. */
  public abstract readonly engine: RunnerEngine;
  /** The logical database name. */
  public abstract readonly database: string;
  /** The bucket the runner writes its backups to. */
  public abstract readonly backupBucket: IBackupBucket;
  /** Key prefix of this runner's backup folders. */
  public abstract readonly backupPrefix: string;
  /**
   * Key prefix of the continuous WAL archive.
   * @default - no archive
   */
  public abstract readonly walArchivePrefix?: string;
  /** The runner commands that run on a schedule. */
  public abstract readonly scheduledCommands: RunnerCommand[];
  /**
   * The longest time between two scheduled backups.
   * @default - unknown
   */
  public abstract readonly backupInterval?: Duration;
  /** The security groups of the runner. */
  public abstract readonly connections: ec2.Connections;

  /** `JobSuccess` of one runner command (default backup). @default sum over 5 minutes */
  public metricJobSuccess(job?: RunnerCommand, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.jobSuccess(this.metricJob(job), props);
  }

  /** `JobFailure` of one runner command (default backup). @default sum over 5 minutes */
  public metricJobFailure(job?: RunnerCommand, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.jobFailure(this.metricJob(job), props);
  }

  /** `JobDurationSeconds`. @default maximum over 5 minutes */
  public metricJobDuration(job?: RunnerCommand, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.jobDuration(this.metricJob(job), props);
  }

  /** `BytesStored` by backups. @default maximum over 5 minutes */
  public metricBytesStored(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.bytesStored(this.metricJob(RunnerCommand.BACKUP), props);
  }

  /** `ThroughputBytesPerSecond` of backups. @default average over 5 minutes */
  public metricThroughput(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.throughput(this.metricJob(RunnerCommand.BACKUP), props);
  }

  /** `LastSuccessEpochSeconds` of backups, for "no backup within the RPO" alarms. @default maximum over 5 minutes */
  public metricLastSuccessEpochSeconds(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return RunnerMetrics.lastSuccessEpochSeconds(this.metricJob(RunnerCommand.BACKUP), props);
  }

  private metricJob(job?: RunnerCommand) {
    return { database: this.database, engine: this.engine, job: job ?? RunnerCommand.BACKUP };
  }
}
