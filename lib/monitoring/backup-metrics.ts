/**
 * AWS Backup job metrics (namespace AWS/Backup). Pure metric definitions: no alarms, no
 * constructs, so the storage and protection constructs can expose them as `metric…()` methods.
 *
 * AWS Backup publishes each job metric twice: per `BackupVaultName`, and per
 * `BackupVaultName` + `ResourceType`. The counts are per vault, not per resource: two databases
 * backed up into one vault share one series.
 *
 * @see https://docs.aws.amazon.com/aws-backup/latest/devguide/cloudwatch.html
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * Values of the AWS Backup `ResourceType` dimension for the engines this library protects.
 * An enum-like class: AWS adds resource types, `BackupResourceType.of()` covers the others.
 */
export class BackupResourceType {
  /** Amazon RDS DB instances. */
  public static readonly RDS = new BackupResourceType('RDS');
  /** Amazon Aurora DB clusters. */
  public static readonly AURORA = new BackupResourceType('Aurora');
  /** Amazon EBS volumes (databases on EC2 backed up by volume). */
  public static readonly EBS = new BackupResourceType('EBS');
  /** Amazon EC2 instances. */
  public static readonly EC2 = new BackupResourceType('EC2');
  /** Amazon DocumentDB clusters. */
  public static readonly DOCUMENTDB = new BackupResourceType('DocumentDB');

  /** Any other value AWS Backup reports in the `ResourceType` dimension. */
  public static of(value: string): BackupResourceType {
    return new BackupResourceType(value);
  }

  private constructor(public readonly value: string) {}
}

/** Options for an AWS Backup job metric. */
export interface BackupJobMetricOptions extends cloudwatch.MetricOptions {
  /**
   * Only jobs for this resource type (adds the `ResourceType` dimension).
   * @default - every resource type in the vault
   */
  readonly resourceType?: BackupResourceType;
}

/** The job kinds AWS Backup reports, and the outcomes each reports. */
const JOB_METRIC = {
  backupCompleted: 'NumberOfBackupJobsCompleted',
  backupFailed: 'NumberOfBackupJobsFailed',
  backupExpired: 'NumberOfBackupJobsExpired',
  backupCreated: 'NumberOfBackupJobsCreated',
  copyCompleted: 'NumberOfCopyJobsCompleted',
  copyFailed: 'NumberOfCopyJobsFailed',
  copyCreated: 'NumberOfCopyJobsCreated',
  restoreCompleted: 'NumberOfRestoreJobsCompleted',
  restoreFailed: 'NumberOfRestoreJobsFailed',
} as const;

/**
 * Factories for the AWS Backup job metrics of one vault.
 *
 * Every metric defaults to the `Sum` over 5 minutes, the interval at which AWS Backup publishes
 * job counts; a period with no job has no data point (not a zero).
 */
export class BackupJobMetrics {
  /** The AWS Backup metric namespace. */
  public static readonly NAMESPACE = 'AWS/Backup';

  /** Backup jobs that completed (a new recovery point exists). */
  public static backupJobsCompleted(vaultName: string, options?: BackupJobMetricOptions): cloudwatch.Metric {
    return jobMetric(JOB_METRIC.backupCompleted, vaultName, options);
  }

  /** Backup jobs that failed. */
  public static backupJobsFailed(vaultName: string, options?: BackupJobMetricOptions): cloudwatch.Metric {
    return jobMetric(JOB_METRIC.backupFailed, vaultName, options);
  }

  /** Backup jobs that expired: they could not start within the rule's start window. */
  public static backupJobsExpired(vaultName: string, options?: BackupJobMetricOptions): cloudwatch.Metric {
    return jobMetric(JOB_METRIC.backupExpired, vaultName, options);
  }

  /** Backup jobs that were created (scheduled or on demand). */
  public static backupJobsCreated(vaultName: string, options?: BackupJobMetricOptions): cloudwatch.Metric {
    return jobMetric(JOB_METRIC.backupCreated, vaultName, options);
  }

  /** Copy jobs (cross-Region or cross-account) that completed, counted on the vault they copy from. */
  public static copyJobsCompleted(vaultName: string, options?: BackupJobMetricOptions): cloudwatch.Metric {
    return jobMetric(JOB_METRIC.copyCompleted, vaultName, options);
  }

  /** Copy jobs that failed. */
  public static copyJobsFailed(vaultName: string, options?: BackupJobMetricOptions): cloudwatch.Metric {
    return jobMetric(JOB_METRIC.copyFailed, vaultName, options);
  }

  /** Copy jobs that were created. */
  public static copyJobsCreated(vaultName: string, options?: BackupJobMetricOptions): cloudwatch.Metric {
    return jobMetric(JOB_METRIC.copyCreated, vaultName, options);
  }

  /** Restore jobs (including restore tests) that completed. */
  public static restoreJobsCompleted(vaultName: string, options?: BackupJobMetricOptions): cloudwatch.Metric {
    return jobMetric(JOB_METRIC.restoreCompleted, vaultName, options);
  }

  /** Restore jobs (including restore tests) that failed. */
  public static restoreJobsFailed(vaultName: string, options?: BackupJobMetricOptions): cloudwatch.Metric {
    return jobMetric(JOB_METRIC.restoreFailed, vaultName, options);
  }

  private constructor() {}
}

function jobMetric(metricName: string, vaultName: string, options: BackupJobMetricOptions = {}): cloudwatch.Metric {
  const { resourceType, ...metricOptions } = options;
  const dimensionsMap: Record<string, string> = { BackupVaultName: vaultName };
  if (resourceType) dimensionsMap.ResourceType = resourceType.value;
  return new cloudwatch.Metric({
    namespace: BackupJobMetrics.NAMESPACE,
    metricName,
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(5),
    ...metricOptions,
    dimensionsMap: { ...dimensionsMap, ...metricOptions.dimensionsMap },
  });
}
